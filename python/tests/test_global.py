"""glassbox.permutation_importance and glassbox.partial_dependence on Python functions of
known form.

Permutation importance shuffles with glassbox's own seeded streams, so it cannot be compared
shuffle for shuffle with scikit-learn; its properties are tested instead. Partial dependence is
deterministic: the curves equal the closed form and brute-force numpy evaluation on the grid
the library documents (distinct values when fewer than grid_resolution, else evenly spaced from
the 5th to the 95th percentile, numpy's linear interpolation).
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import glassbox

pd = pytest.importorskip("pandas")

TOL = 1e-12


def f(x):
    """f = 2 x0 + x1^2; x2 is ignored; x3 (discrete) enters linearly."""
    x = np.asarray(x)
    return 2.0 * x[:, 0] + x[:, 1] ** 2 + 0.0 * x[:, 2] + 0.5 * x[:, 3]


@pytest.fixture(scope="module")
def X():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(150, 4))
    X[:, 3] = rng.integers(0, 4, size=150)  # 4 distinct values
    return X


def close(a, b, tol=TOL):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, (a.shape, b.shape)
    assert np.max(np.abs(a - b)) <= tol * max(1.0, np.max(np.abs(b))), np.max(np.abs(a - b))


# -- permutation importance -------------------------------------------------------------------


def test_permutation_importance_properties(X):
    y = f(X)
    r = glassbox.permutation_importance(f, X, y, n_repeats=4, random_state=1)
    assert isinstance(r, glassbox.PermutationImportance)
    assert r.importances.shape == (4, 4)
    assert r.scoring == "r2"
    assert r.baseline_score == 1.0  # the target is the model's own output
    # The ignored feature: exactly 0 for every repeat.
    np.testing.assert_array_equal(r.importances[2], np.zeros(4))
    assert np.all(r.importances[[0, 1, 3]] > 0)
    assert r.importances_mean[0] > r.importances_mean[3]
    close(r.importances_mean, r.importances.mean(axis=1))
    close(r.importances_std, r.importances.std(axis=1))
    assert r["importances_mean"] is r.importances_mean
    assert r.feature_names == ["f0", "f1", "f2", "f3"]


def test_permutation_importance_deterministic(X):
    y = f(X) + np.random.default_rng(2).normal(size=len(X))
    a = glassbox.permutation_importance(f, X, y, random_state=5)
    b = glassbox.permutation_importance(f, X, y, random_state=5, n_jobs=1)
    np.testing.assert_array_equal(a.importances, b.importances)
    c = glassbox.permutation_importance(f, X, y, random_state=6)
    assert not np.array_equal(a.importances, c.importances)
    assert a.importances.shape == (4, 5)


def test_permutation_importance_r2_is_sklearn_r2(X):
    """The baseline score is scikit-learn's r2_score of the model's predictions."""
    metrics = pytest.importorskip("sklearn.metrics")
    y = f(X) + np.random.default_rng(3).normal(size=len(X))
    r = glassbox.permutation_importance(f, X, y, n_repeats=2)
    close(r.baseline_score, metrics.r2_score(y, f(X)))


def test_permutation_importance_accuracy_of_a_classifier(X):
    lm = pytest.importorskip("sklearn.linear_model")
    labels = np.where(X[:, 0] > 0.3, "high", np.where(X[:, 0] < -0.3, "low", "mid"))
    clf = lm.LogisticRegression(max_iter=500).fit(X, labels)
    r = glassbox.permutation_importance(clf.predict_proba, X, labels, n_repeats=3)
    assert r.scoring == "accuracy"
    assert r.baseline_score == pytest.approx(clf.score(X, labels), abs=1e-12)
    assert r.importances_mean[0] > 0.1
    assert np.argmax(r.importances_mean) == 0


def test_permutation_importance_dataframe_and_errors(X):
    cols = ["a", "b", "c", "d"]
    df = pd.DataFrame(X, columns=cols)
    seen = []

    def g(frame):
        seen.append(list(frame.columns))
        return f(frame.to_numpy())

    r = glassbox.permutation_importance(g, df, f(X), n_repeats=1)
    assert r.feature_names == cols
    assert all(c == cols for c in seen)
    with pytest.raises(ValueError, match="scoring"):
        glassbox.permutation_importance(f, X, f(X), scoring="neg_mean_squared_error")
    with pytest.raises(ValueError, match="random_state"):
        glassbox.permutation_importance(f, X, f(X), random_state=None)
    with pytest.raises(ValueError, match="y has 3 values"):
        glassbox.permutation_importance(f, X, f(X)[:3])

    class Broke(Exception):
        pass

    def broken(x):
        if len(x) > 1:
            raise Broke("no")
        return f(x)

    with pytest.raises(Broke):
        glassbox.permutation_importance(broken, X, f(X))


# -- partial dependence ------------------------------------------------------------------------


def grid_rule(column, resolution):
    """The documented grid (see the module docs)."""
    uniq = np.unique(column)
    if len(uniq) < resolution:
        return uniq
    lo, hi = np.percentile(column, [5, 95])
    return lo + (hi - lo) * np.arange(resolution) / (resolution - 1)


def test_partial_dependence_closed_form_and_ice(X):
    r = glassbox.partial_dependence(f, X, grid_resolution=15)
    assert isinstance(r, glassbox.PartialDependence)
    assert r.feature_names == ["f0", "f1", "f2", "f3"]
    for j in range(4):
        close(r.grid_values[j], grid_rule(X[:, j], 15))
    assert len(r.grid_values[3]) == 4  # the discrete feature's distinct values
    g = r.grid_values
    # Closed forms of the average curves.
    mean0, sq1, half3 = 2 * X[:, 0].mean(), (X[:, 1] ** 2).mean(), 0.5 * X[:, 3].mean()
    close(r.average[0], 2 * g[0] + sq1 + half3)
    close(r.average[1], mean0 + g[1] ** 2 + half3)
    close(r.average[2], np.full(len(g[2]), mean0 + sq1 + half3))
    close(r.average[3], mean0 + sq1 + 0.5 * g[3])
    # ICE curves: brute force.
    for j in range(4):
        ice = np.empty((len(X), len(g[j])))
        for t, v in enumerate(g[j]):
            Xv = X.copy()
            Xv[:, j] = v
            ice[:, t] = f(Xv)
        assert r.individual[j].shape == (len(X), len(g[j]))
        close(r.individual[j], ice)
        close(r.average[j], ice.mean(axis=0))


def test_partial_dependence_several_outputs_and_threads(X):
    def two(x):
        return np.column_stack([f(x), -f(x)])

    r = glassbox.partial_dependence(two, X, grid_resolution=5)
    assert r.average[0].shape == (5, 2)
    assert r.individual[0].shape == (len(X), 5, 2)
    close(r.average[0][:, 1], -r.average[0][:, 0])
    one = glassbox.partial_dependence(two, X, grid_resolution=5, n_jobs=1)
    for a, b in zip(r.individual, one.individual):
        np.testing.assert_array_equal(a, b)
    assert pickle.loads(pickle.dumps(r)).grid_resolution == 5


def test_partial_dependence_errors(X):
    with pytest.raises(ValueError, match="grid_resolution"):
        glassbox.partial_dependence(f, X, grid_resolution=1)
    with pytest.raises(ValueError, match="shape"):
        glassbox.partial_dependence(lambda x: np.zeros(len(x) + 1), X)
    with pytest.raises(TypeError, match="function"):
        glassbox.partial_dependence(object(), X)
