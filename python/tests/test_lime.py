"""glassbox.LimeTabular: determinism, the surrogate of a linear model, agreement with the
native `explain(method="lime")` contributions and with the `lime` package.

In continuous mode the surrogate is fitted on standardised samples, so for a linear model
f(x) = w.x + b its weight j estimates the slope per training standard deviation, w_j * sd_j;
with 5000 samples and ridge alpha 1 the estimate is within ~1e-3 relative (noise-free model:
only the ridge shrinkage and the kernel weighting's finite sample remain).
"""

from __future__ import annotations

import numpy as np
import pytest

import glassbox
from glassbox import _native

WEIGHTS = np.array([3.0, -2.0, 1.0, 0.5, -0.25])
M = len(WEIGHTS)


def linear(x):
    return np.asarray(x) @ WEIGHTS + 1.0


def two_outputs(x):
    x = np.asarray(x)
    return np.column_stack([x @ WEIGHTS, np.tanh(x[:, 0]) * x[:, 1]])


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(1)
    train = rng.normal(size=(300, M)) * np.array([1.0, 2.0, 0.5, 3.0, 1.0]) + 2.0
    return train, train[:6]


def test_deterministic_for_a_seed(data):
    train, rows = data
    for mode in ("quartile", "continuous"):
        a = glassbox.LimeTabular(two_outputs, train, mode=mode, n_samples=500, seed=3)
        b = glassbox.LimeTabular(two_outputs, train, mode=mode, n_samples=500, seed=3, n_jobs=1)
        ea, eb = a.explain(rows), b.explain(rows)
        np.testing.assert_array_equal(ea.values, eb.values)
        np.testing.assert_array_equal(ea.base_values, eb.base_values)
        assert ea.values.shape == (len(rows), M, 2)
        assert ea.score.shape == (len(rows), 2)
        c = glassbox.LimeTabular(two_outputs, train, mode=mode, n_samples=500, seed=4)
        assert not np.array_equal(ea.values, c.explain(rows).values)


def test_linear_model_continuous_weights(data):
    train, rows = data
    e = glassbox.LimeTabular(linear, train, mode="continuous", n_samples=5000).explain(rows)
    assert e.values.shape == (len(rows), M)
    slope = WEIGHTS * train.std(axis=0)  # per training std (population, as lime)
    for i in range(len(rows)):
        np.testing.assert_array_equal(np.sign(e.values[i]), np.sign(slope))
        np.testing.assert_array_equal(np.argsort(-np.abs(e.values[i])), np.argsort(-np.abs(slope)))
        np.testing.assert_allclose(e.values[i], slope, rtol=1e-2)
    # A linear model is fitted (almost) perfectly.
    assert np.all(e.score > 0.999)
    np.testing.assert_allclose(e.predictions, linear(rows), rtol=1e-12)
    # The surrogate at the row: intercept + weights . standardised row.
    z = (rows - train.mean(axis=0)) / train.std(axis=0)
    np.testing.assert_allclose(
        e.base_values + (e.values * z).sum(axis=1), e.local_prediction, rtol=1e-9
    )


@pytest.mark.parametrize("mode", ["quartile", "continuous"])
def test_same_surrogates_as_native_explain(data, mode):
    """`explain(method="lime")` returns each feature's contribution at the row: the weight in
    quartile mode, weight x standardised value in continuous mode."""
    train, rows = data
    lt = glassbox.LimeTabular(two_outputs, train, mode=mode, n_samples=800, seed=9)
    e = lt.explain(rows)
    out = _native.explain(
        lt.model,
        np.ascontiguousarray(rows),
        "lime",
        background=train,
        lime_samples=800,
        lime_mode=mode,
        seed=9,
    )
    if mode == "quartile":
        z = np.ones_like(rows)
    else:
        z = (rows - train.mean(axis=0)) / train.std(axis=0)
    np.testing.assert_allclose(out["values"], e.values * z[:, :, None], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(out["base_values"], e.base_values, rtol=1e-12)


def test_against_lime_package(data):
    """The `lime` package estimates the same slopes (its own random samples: ~1e-2)."""
    lime_tabular = pytest.importorskip("lime.lime_tabular")
    train, rows = data
    explainer = lime_tabular.LimeTabularExplainer(
        train,
        mode="regression",
        discretize_continuous=False,
        random_state=0,
    )
    ours = glassbox.LimeTabular(linear, train, mode="continuous").explain(rows[:2])
    for i in range(2):
        exp = explainer.explain_instance(rows[i], linear, num_features=M, num_samples=5000)
        theirs = np.zeros(M)
        for j, w in exp.local_exp[1]:  # lime's regression explanation (0 holds its negation)
            theirs[j] = w
        np.testing.assert_allclose(ours.values[i], theirs, rtol=2e-2)
        assert abs(exp.score - ours.score[i]) < 1e-3


def test_refusals(data):
    train, rows = data
    with pytest.raises(ValueError, match="mode"):
        glassbox.LimeTabular(linear, train, mode="kernel")
    with pytest.raises(ValueError, match="n_samples"):
        glassbox.LimeTabular(linear, train, n_samples=1)
    bad = rows.copy()
    bad[0, 2] = np.nan
    with pytest.raises(ValueError, match=r"X\[0, 2\]"):
        glassbox.LimeTabular(linear, train).explain(bad)
