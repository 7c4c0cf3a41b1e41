"""Test data and oracles shared by the Python tests: seeded synthetic tables, and Shapley
values by their definition (all coalitions enumerated), which cannot share glassbox's bugs."""

import itertools
import math

import numpy as np

N_FEATURES = 5


def synthetic(seed=0, n=300, nan_fraction=0.0):
    """A seeded regression table, X (n, 5) and y (n,): y = x0 + x1·x2 + 0.5 sin(3 x3) + noise;
    `nan_fraction` of the cells of X set to NaN."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, N_FEATURES))
    y = X[:, 0] + X[:, 1] * X[:, 2] + 0.5 * np.sin(3 * X[:, 3]) + 0.1 * rng.normal(size=n)
    if nan_fraction:
        X[rng.random(X.shape) < nan_fraction] = np.nan
    return X, y


def labels(y, kind):
    """Targets from `y`: `r`/`regression` as is, `b`/`binary` above the median, else three
    classes by terciles."""
    if kind in ("r", "regression"):
        return y
    if kind in ("b", "binary"):
        return (y > np.median(y)).astype(int)
    return np.digitize(y, np.quantile(y, [1 / 3, 2 / 3]))


def as_float32(X):
    """Values as scikit-learn trees and XGBoost read them (float32), back in float64."""
    return np.asarray(X, dtype=np.float64).astype(np.float32).astype(np.float64)


def brute_force_interventional(f, X, bg):
    """Interventional Shapley values by definition: v(S) = mean over background rows b of
    f(x_S, b_rest), summed over all 2^F coalitions. `f` maps rows (r, F) to (r,) or (r, k);
    X is (n, F), bg (B, F); the result is (n, F) or (n, F, k)."""
    F = X.shape[1]
    masks = np.array(list(itertools.product([0, 1], repeat=F)), dtype=bool)
    rows = np.where(masks[None, :, None, :], X[:, None, None, :], bg[None, None, :, :])
    out = np.asarray(f(rows.reshape(-1, F)))
    out = out.reshape(len(X), len(masks), len(bg), -1).mean(2)
    index = {tuple(m): i for i, m in enumerate(masks)}
    exact = np.zeros((len(X), F, out.shape[-1]))
    for i in range(F):
        for m in masks:
            if m[i]:
                continue
            s = int(m.sum())
            w = math.factorial(s) * math.factorial(F - s - 1) / math.factorial(F)
            with_i = m.copy()
            with_i[i] = True
            exact[:, i] += w * (out[:, index[tuple(with_i)]] - out[:, index[tuple(m)]])
    return exact[..., 0] if exact.shape[-1] == 1 else exact
