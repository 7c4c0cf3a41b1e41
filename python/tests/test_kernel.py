"""glassbox.KernelExplainer against shap 0.51's KernelExplainer and closed forms.

With nsamples >= 2^M - 2 both enumerate every coalition and solve the same weighted least
squares with the efficiency constraint, so they compute the exact Shapley values of the same
game: they agree to ~1e-15 (measured on these models); the tolerance is 1e-9.
"""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest

import glassbox

shap = pytest.importorskip("shap")
pd = pytest.importorskip("pandas")
sklearn = pytest.importorskip("sklearn")

from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor  # noqa: E402
from sklearn.linear_model import LinearRegression  # noqa: E402
from sklearn.neural_network import MLPRegressor  # noqa: E402

TOL = 1e-9
M = 5
ALL = 2**M - 2  # every coalition of M features

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def make_data(n=200, m=M, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, m)) * np.arange(1, m + 1)
    y = X @ np.linspace(1.0, -1.0, m) + 0.5 * X[:, 0] * X[:, 1] + rng.normal(scale=0.1, size=n)
    return X, y


@pytest.fixture(scope="module")
def data():
    X, y = make_data()
    return X, y, X[:8], X[100:106]  # train, target, background, explained rows


def shap_values(f, background, X, nsamples):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        e = shap.KernelExplainer(f, background)
        return e.shap_values(X, nsamples=nsamples, l1_reg=0, silent=True), e.expected_value


def assert_close(a, b, tol=TOL):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, (a.shape, b.shape)
    err = np.max(np.abs(a - b)) if a.size else 0.0
    assert err <= tol * max(1.0, np.max(np.abs(b))), err


# -- top-level model functions (picklable) ---------------------------------------------------

WEIGHTS = np.array([1.5, -2.0, 0.5, 3.0, -1.0])


def linear(x):
    """A linear model of M features: (rows,) outputs."""
    return np.asarray(x) @ WEIGHTS + 0.25


def two_outputs(x):
    """(rows, 2) outputs: a linear and a nonlinear one."""
    x = np.asarray(x)
    return np.column_stack([x @ WEIGHTS, np.tanh(x[:, 0] * x[:, 1]) + x[:, 2] ** 2])


class Counting:
    """A model function that counts its calls and the rows it saw."""

    def __init__(self, f):
        self.f, self.calls, self.rows = f, 0, 0

    def __call__(self, x):
        self.calls += 1
        self.rows += len(x)
        return self.f(x)


# -- equality with shap -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["linear", "mlp", "forest"])
def test_full_enumeration_equals_shap_regressors(data, kind):
    X, y, bg, rows = data
    if kind == "linear":
        model = LinearRegression().fit(X, y)
    elif kind == "mlp":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = MLPRegressor(hidden_layer_sizes=(8,), max_iter=200, random_state=0).fit(X, y)
    else:
        model = RandomForestRegressor(n_estimators=10, max_depth=5, random_state=0).fit(X, y)
    want, want_ev = shap_values(model.predict, bg, rows, ALL)
    e = glassbox.KernelExplainer(model.predict, bg)
    got = e.shap_values(rows, nsamples=ALL)
    assert got.shape == (len(rows), M)
    assert_close(got, want)
    assert isinstance(e.expected_value, float)
    assert abs(e.expected_value - want_ev) <= 1e-12 * max(1.0, abs(want_ev))


def test_full_enumeration_equals_shap_classifier(data):
    X, y, bg, rows = data
    labels = np.digitize(y, np.quantile(y, [1 / 3, 2 / 3]))  # 3 classes
    model = RandomForestClassifier(n_estimators=10, max_depth=4, random_state=0).fit(X, labels)
    want, want_ev = shap_values(model.predict_proba, bg, rows, ALL)
    e = glassbox.KernelExplainer(model.predict_proba, bg)
    got = e.shap_values(rows, nsamples=ALL)
    assert got.shape == (len(rows), M, 3) == want.shape
    assert_close(got, want)
    assert_close(e.expected_value, want_ev, 1e-12)
    # One row (1-D X): (features, outputs), as shap.
    one = e.shap_values(rows[0], nsamples=ALL)
    assert one.shape == (M, 3)
    assert_close(one, want[0])


def test_one_column_output_keeps_the_output_axis_as_shap(data):
    _, _, bg, rows = data

    def column(x):
        return linear(x).reshape(-1, 1)

    want, _ = shap_values(column, bg, rows, ALL)
    got = glassbox.KernelExplainer(column, bg).shap_values(rows, nsamples=ALL)
    assert got.shape == want.shape == (len(rows), M, 1)
    assert_close(got, want)


def test_sampled_coalitions_shapes_and_local_accuracy(data):
    """Fewer coalitions than there are (M = 10): the values are estimates, still shaped as
    shap's and adding up exactly to f(x) - E[f]."""
    X10, _ = make_data(n=40, m=10, seed=3)
    bg, rows = X10[:6], X10[20:25]
    w = np.linspace(-2, 2, 10)

    def f(x):
        return np.column_stack([np.sin(x @ w), x[:, 0] * x[:, 9]])

    e = glassbox.KernelExplainer(f, bg)
    v = e.shap_values(rows, nsamples=100)
    assert v.shape == (5, 10, 2)
    assert_close(e.expected_value + v.sum(axis=1), f(rows), 1e-10)
    want, _ = shap_values(f, bg, rows, 100)
    # Different coalition draws: only comparable loosely (both unbiased-ish estimates).
    assert np.corrcoef(v.ravel(), want.ravel())[0, 1] > 0.9


# -- closed forms and properties ---------------------------------------------------------------


def test_linear_closed_form(data):
    """For f(x) = w.x + b: phi_j = w_j (x_j - mean of the background's column j)."""
    _, _, bg, rows = data
    e = glassbox.KernelExplainer(linear, bg)
    got = e.shap_values(rows, nsamples=ALL)
    want = WEIGHTS * (rows - bg.mean(axis=0))
    assert_close(got, want)
    assert abs(e.expected_value - linear(bg).mean()) <= 1e-12
    # Local accuracy: base + sum of values = f(x).
    assert_close(e.expected_value + got.sum(axis=1), linear(rows), 1e-12)


def test_explanation(data):
    _, _, bg, rows = data
    e = glassbox.KernelExplainer(two_outputs, bg, output_names=["lin", "nonlin"])
    ex = e(rows, nsamples=ALL)
    assert isinstance(ex, glassbox.Explanation)
    assert ex.values.shape == (len(rows), M, 2)
    assert ex.base_values.shape == (len(rows), 2)
    assert ex.output_names == ["lin", "nonlin"]
    assert_close(ex.values, e.shap_values(rows, nsamples=ALL), 0.0)
    assert_close(ex.base_values + ex.values.sum(axis=1), two_outputs(rows), 1e-12)
    np.testing.assert_array_equal(ex.data, rows)


def test_dataframe_background_passes_dataframes(data):
    _, _, bg, rows = data
    cols = [f"c{j}" for j in range(M)]
    seen = []

    def f(x):
        seen.append(type(x))
        assert list(x.columns) == cols
        return linear(x.to_numpy())

    e = glassbox.KernelExplainer(f, pd.DataFrame(bg, columns=cols))
    # X's columns are taken by name, in the background's order.
    shuffled = pd.DataFrame(rows, columns=cols)[cols[::-1]]
    got = e.shap_values(shuffled, nsamples=ALL)
    assert_close(got, WEIGHTS * (rows - bg.mean(axis=0)))
    assert set(seen) == {pd.DataFrame}
    assert e(pd.DataFrame(rows, columns=cols), nsamples=ALL).feature_names == cols


def test_model_called_in_batches(data):
    _, _, bg, rows = data
    f = Counting(two_outputs)
    e = glassbox.KernelExplainer(f, bg)
    f.calls = f.rows = 0
    e.shap_values(rows, nsamples=ALL)
    # Each explained row's coalitions x background rows go in one call: ALL * 8 = 240
    # synthetic rows per explained row, a handful of calls in all.
    assert f.rows >= len(rows) * ALL
    assert f.calls <= len(rows) + 3, f.calls


def test_n_jobs_one_equals_default():
    X10, _ = make_data(n=40, m=10, seed=5)
    bg, rows = X10[:5], X10[10:30]

    def f(x):
        return np.tanh(x @ np.arange(10.0)) + x[:, 3] ** 2

    default = glassbox.KernelExplainer(f, bg).shap_values(rows, nsamples=200)
    one = glassbox.KernelExplainer(f, bg, n_jobs=1).shap_values(rows, nsamples=200)
    np.testing.assert_array_equal(default, one)
    other_seed = glassbox.KernelExplainer(f, bg, seed=7).shap_values(rows, nsamples=200)
    assert not np.array_equal(default, other_seed)


def test_pickle_round_trip(data):
    _, _, bg, rows = data
    e = glassbox.KernelExplainer(two_outputs, bg, n_jobs=2, seed=3)
    e2 = pickle.loads(pickle.dumps(e))
    np.testing.assert_array_equal(
        e.shap_values(rows, nsamples=ALL), e2.shap_values(rows, nsamples=ALL)
    )
    assert_close(e2.expected_value, e.expected_value, 0.0)


def test_shap_background_summaries(data):
    X, _, bg, rows = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sample = shap.sample(X, 8, random_state=0)  # a plain array
        summary = shap.utils._legacy.DenseData(bg, [f"f{j}" for j in range(M)])  # equal weights
        kmeans = shap.kmeans(X, 4)  # weighted by cluster sizes
    got = glassbox.KernelExplainer(linear, summary).shap_values(rows, nsamples=ALL)
    assert_close(got, WEIGHTS * (rows - bg.mean(axis=0)))
    glassbox.KernelExplainer(linear, sample)
    with pytest.raises(ValueError, match="weighted background"):
        glassbox.KernelExplainer(linear, kmeans)


# -- errors ------------------------------------------------------------------------------------


class ModelBroke(RuntimeError):
    pass


def test_exception_in_model_propagates_as_itself(data):
    _, _, bg, rows = data
    state = {"calls": 0}

    def f(x):
        state["calls"] += 1
        if state["calls"] > 2:  # the construction's two calls succeed
            raise ModelBroke("boom")
        return linear(x)

    e = glassbox.KernelExplainer(f, bg)
    with pytest.raises(ModelBroke, match="boom"):
        e.shap_values(rows, nsamples=ALL)


def test_wrong_output_shape(data):
    _, _, bg, rows = data
    with pytest.raises(ValueError, match=r"shape \(2,\) for 1 rows"):
        glassbox.KernelExplainer(lambda x: np.zeros(len(x) + 1), bg)
    with pytest.raises(ValueError, match="shape"):
        glassbox.KernelExplainer(lambda x: np.zeros((len(x), 2, 2)), bg)
    with pytest.raises(TypeError, match="numbers"):
        glassbox.KernelExplainer(lambda x: ["a"] * len(x), bg)

    # Right shape at first, then a different number of outputs.
    def f(x):
        return np.zeros((len(x), 1 if len(x) <= len(bg) else 3))

    e = glassbox.KernelExplainer(f, bg)
    with pytest.raises(ValueError, match="3 output"):
        e.shap_values(rows, nsamples=ALL)


def test_refused_options(data):
    _, _, bg, rows = data
    with pytest.raises(ValueError, match="link"):
        glassbox.KernelExplainer(linear, bg, link="logit")
    e = glassbox.KernelExplainer(linear, bg)
    for l1 in ("auto", "aic", 0.01, "num_features(3)"):
        with pytest.raises(ValueError, match="l1_reg"):
            e.shap_values(rows, l1_reg=l1)
    # Keeping every feature is no selection.
    assert_close(
        e.shap_values(rows, nsamples=ALL, l1_reg="num_features(10)"),
        e.shap_values(rows, nsamples=ALL),
    )
    with pytest.raises(ValueError, match="nsamples"):
        e.shap_values(rows, nsamples="many")
    with pytest.raises(ValueError, match="at least"):
        glassbox.KernelExplainer(lambda x: x.sum(axis=1), make_data(n=10, m=8)[0]).shap_values(
            make_data(n=2, m=8)[0], nsamples=5
        )
    with pytest.raises(ValueError, match="columns"):
        e.shap_values(rows[:, :3])
    with pytest.raises(TypeError, match="function"):
        glassbox.KernelExplainer(LinearRegression(), bg)
