"""glassbox.TreeExplainer on scikit-learn tree models, against shap 0.51 and the models' own
predictions.

Tolerances (outputs here are of order 1: targets with standard deviation ~1.3, probabilities,
log-odds; all tolerances are absolute):

* Path-dependent SHAP values, interaction values, expected values: shap computes these in
  float64 from the same trees; measured differences are ~1e-15: `TOL = 1e-9`.
* Interventional values: shap's `tree_shap_indep` (shap/cext/tree_shap.h) keeps its weight
  lists in float32, so its values are off by ~1e-8; measured up to ~6e-8. Compared at
  `INTERVENTIONAL_RTOL` * max(1, largest |value|). glassbox's are exact: checked against a
  brute-force Shapley sum over all 2^5 coalitions to 1e-12 (`test_interventional_is_exact`).
* shap's interventional algorithm also keeps split thresholds as float32 (`float thres`), so for
  HistGradientBoosting (float64 inputs and thresholds, which can equal training values
  exactly) shap sends rows that lie within float32 rounding of a threshold the wrong way and
  its values are wrong (off by ~1e-2, not additive) when the background holds training rows.
  The comparisons with shap therefore use fresh random rows; the brute-force test uses training
  rows too.
* model_output="probability" (interventional, rescaled like shap): measured ~4e-9:
  `PROBABILITY_TOL = 1e-7`.
* Predictions: glassbox's native predict equals sklearn's to 1e-12 (forests: sklearn sums the
  trees then divides, glassbox multiplies each tree by 1/n).
"""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest

import glassbox
from oracles import N_FEATURES, as_float32, brute_force_interventional, labels, synthetic

sklearn = pytest.importorskip("sklearn")
shap = pytest.importorskip("shap")
pd = pytest.importorskip("pandas")

from sklearn import ensemble, tree  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402  (a scikit-learn dependency)

warnings.filterwarnings("ignore", category=UserWarning)
warnings.filterwarnings("ignore", category=FutureWarning)

TOL = 1e-9
INTERVENTIONAL_RTOL = 1e-6
PROBABILITY_TOL = 1e-7
PREDICT_TOL = 1e-12

# --------------------------------------------------------------------------------------------
# data and models


def _x(n=25, seed=1, nan_fraction=0.0):
    """Fresh rows (not training rows: see the module docs on shap's float32 thresholds)."""
    return synthetic(seed=seed, n=n, nan_fraction=nan_fraction)[0]


@pytest.fixture(autouse=True, scope="module")
def _one_openmp_thread():
    """HistGradientBoosting fits and predicts with OpenMP threads, which spin for seconds on a
    busy 2-core machine; one thread is plenty for these small tables."""
    with threadpool_limits(1, user_api="openmp"):
        yield


def _estimator(family, kind):
    classifier = kind != "r"
    if family == "dt":
        cls = tree.DecisionTreeClassifier if classifier else tree.DecisionTreeRegressor
        return cls(max_depth=5, random_state=0)
    if family == "xt":  # a single extra tree
        cls = tree.ExtraTreeClassifier if classifier else tree.ExtraTreeRegressor
        return cls(max_depth=5, random_state=0)
    if family == "rf":
        cls = ensemble.RandomForestClassifier if classifier else ensemble.RandomForestRegressor
        return cls(n_estimators=8, max_depth=5, random_state=0, n_jobs=1)
    if family == "et":
        cls = ensemble.ExtraTreesClassifier if classifier else ensemble.ExtraTreesRegressor
        return cls(n_estimators=8, max_depth=5, random_state=0, n_jobs=1)
    if family == "gb":
        cls = (
            ensemble.GradientBoostingClassifier if classifier
            else ensemble.GradientBoostingRegressor
        )
        return cls(n_estimators=12, max_depth=3, learning_rate=0.2, random_state=0)
    if family == "hgb":
        cls = (
            ensemble.HistGradientBoostingClassifier if classifier
            else ensemble.HistGradientBoostingRegressor
        )
        return cls(max_iter=12, max_leaf_nodes=15, random_state=0)
    raise KeyError(family)


ALL_MODELS = [
    f"{family}-{kind}"
    for family in ("dt", "xt", "rf", "et", "gb", "hgb")
    for kind in ("r", "b", "m")
]
BOOSTED = [m for m in ALL_MODELS if m.split("-")[0] in ("gb", "hgb")]
BOOSTED_BINARY = [m for m in BOOSTED if m.endswith("-b")]
BOOSTED_MULTI = [m for m in BOOSTED if m.endswith("-m")]
# shap 0.51 refuses multi-class GradientBoostingClassifier: compared with shap explaining the
# same trees as a dict model (`_shap_reference`)
SHAP_UNSUPPORTED = ["gb-m"]

_CACHE: dict = {}


def model_for(name):
    if name not in _CACHE:
        family, kind = name.split("-")
        X, y = synthetic()
        _CACHE[name] = _estimator(family, kind).fit(X, labels(y, kind))
    return _CACHE[name]


def raw_output(model, X):
    """What shap's TreeExplainer explains with model_output='raw', shape (samples[, outputs])."""
    name = type(model).__name__
    if "Classifier" not in name:
        return model.predict(X)
    if "Gradient" in name:
        return model.decision_function(X)
    return model.predict_proba(X)


def _gb_dict_model(model):
    """A multi-class GradientBoostingClassifier as shap's dict model format: each tree's values
    in its class's column (zeros elsewhere), scaled by the learning rate; the base offset
    computed independently from the class priors (sklearn's symmetric multinomial logit)."""
    k = model.estimators_.shape[1]
    trees = []
    for stage in model.estimators_:
        for out, est in enumerate(stage):
            t = est.tree_
            values = np.zeros((t.node_count, k))
            values[:, out] = t.value[:, 0, 0] * model.learning_rate
            trees.append(
                {
                    "children_left": t.children_left.copy(),
                    "children_right": t.children_right.copy(),
                    "children_default": np.where(
                        t.missing_go_to_left, t.children_left, t.children_right
                    ),
                    "features": t.feature.copy(),
                    "thresholds": t.threshold.astype(np.float64),
                    "values": values,
                    "node_sample_weight": t.weighted_n_node_samples.astype(np.float64),
                }
            )
    eps = np.finfo(np.float64).eps
    log_prior = np.log(np.clip(model.init_.class_prior_, eps, 1 - eps))
    return {
        "trees": trees,
        "base_offset": log_prior - log_prior.mean(),
        "tree_output": "log_odds",
        "input_dtype": np.float32,
    }


def _shap_reference(name, model):
    return _gb_dict_model(model) if name in SHAP_UNSUPPORTED else model


# --------------------------------------------------------------------------------------------
# path-dependent values, expected values, shapes, local accuracy


@pytest.mark.parametrize("name", ALL_MODELS)
def test_path_dependent_matches_shap(name):
    model = model_for(name)
    X = _x(40)
    ours = glassbox.TreeExplainer(model)
    theirs = shap.TreeExplainer(_shap_reference(name, model))
    a, b = ours.shap_values(X), theirs.shap_values(X)
    assert a.shape == np.shape(b)
    np.testing.assert_allclose(a, b, rtol=0, atol=TOL)
    # shap 0.51 gives single-output sklearn models a path-dependent expected_value of shape
    # (1,) (root values summed to a scalar, then `+= base_offset`, an array); glassbox gives a
    # float there, as shap does for these models' interventional expected_value and for
    # XGBoost/LightGBM
    theirs_ev = np.asarray(theirs.expected_value)
    if a.ndim == 2:
        assert isinstance(ours.expected_value, float) and theirs_ev.shape in ((), (1,))
        theirs_ev = theirs_ev.reshape(())
    assert np.shape(ours.expected_value) == theirs_ev.shape
    np.testing.assert_allclose(ours.expected_value, theirs_ev, rtol=0, atol=TOL)
    # one row
    assert ours.shap_values(X[0]).shape == a.shape[1:]
    np.testing.assert_allclose(ours.shap_values(X[0]), a[0], rtol=0, atol=1e-15)


@pytest.mark.parametrize("name", ALL_MODELS)
def test_local_accuracy_and_predictions(name):
    """SHAP values + expected value = the model's raw output (predict / predict_proba /
    decision_function), and the converted model predicts exactly what sklearn predicts."""
    model = model_for(name)
    X = _x(60, seed=5)
    ex = glassbox.TreeExplainer(model)
    ref = raw_output(model, X)
    values = ex.shap_values(X)
    np.testing.assert_allclose(values.sum(axis=1) + ex.expected_value, ref, rtol=0, atol=TOL)
    arr = as_float32(X) if ex.converted.input_dtype == np.float32 else X
    pred = ex.model.predict(arr)
    np.testing.assert_allclose(pred.reshape(np.shape(ref)), ref, rtol=0, atol=PREDICT_TOL)
    if name in BOOSTED_BINARY + BOOSTED_MULTI:
        proba = model.predict_proba(X)
        p = ex.model.predict(arr, probability=True)
        np.testing.assert_allclose(
            p[:, 0] if proba.shape[1] == 2 else p,
            proba[:, 1] if proba.shape[1] == 2 else proba,
            rtol=0,
            atol=PREDICT_TOL,
        )


@pytest.mark.parametrize("name", ["dt-r", "rf-m", "gb-b", "hgb-m"])
def test_converted_record(name):
    model = model_for(name)
    c = glassbox.TreeExplainer(model).converted
    assert c.kind == f"sklearn {type(model).__name__}"
    family, kind = name.split("-")
    assert c.input_dtype == (np.float64 if family == "hgb" else np.float32)
    if kind == "r":
        assert c.classes is None and c.tree_output == "raw_value"
        assert c.native.link == "identity"
    else:
        assert c.classes == list(model.classes_)
    if family in ("dt", "xt", "rf", "et") and kind != "r":
        assert c.tree_output == "probability" and c.native.link == "identity"
        assert c.native.n_outputs == len(model.classes_)
    if family in ("gb", "hgb") and kind != "r":
        assert c.tree_output == "log_odds"
        assert c.native.link == ("logistic" if kind == "b" else "softmax")
    assert len(c.output_names) == c.native.n_outputs


@pytest.mark.parametrize("name", ["dt-m", "rf-b", "gb-m", "hgb-r"])
def test_explanation_object(name):
    model = model_for(name)
    X = _x(6)
    ex = glassbox.TreeExplainer(model)
    e = ex(X)
    np.testing.assert_array_equal(e.values, ex.shap_values(X))
    ev = np.asarray(ex.expected_value)
    np.testing.assert_allclose(e.base_values, np.broadcast_to(ev, e.base_values.shape), atol=1e-12)
    if e.values.ndim == 3:
        assert e.output_names == [str(c) for c in model.classes_]
    else:
        assert e.output_names is None


# --------------------------------------------------------------------------------------------
# interventional


@pytest.mark.parametrize("name", ALL_MODELS)
def test_interventional_matches_shap(name):
    model = model_for(name)
    X, bg = _x(25), _x(30, seed=2)
    ours = glassbox.TreeExplainer(model, bg, feature_perturbation="interventional")
    theirs = shap.TreeExplainer(
        _shap_reference(name, model), bg, feature_perturbation="interventional"
    )
    a, b = ours.shap_values(X), theirs.shap_values(X)
    assert a.shape == np.shape(b)
    scale = max(1.0, np.abs(b).max())
    np.testing.assert_allclose(a, b, rtol=0, atol=INTERVENTIONAL_RTOL * scale)
    ev = np.asarray(ours.expected_value)
    np.testing.assert_allclose(ev, theirs.expected_value, rtol=0, atol=TOL)
    np.testing.assert_allclose(ev, raw_output(model, bg).mean(axis=0), rtol=0, atol=TOL)
    np.testing.assert_allclose(a.sum(axis=1) + ev, raw_output(model, X), rtol=0, atol=TOL)


@pytest.mark.parametrize("name", ["dt-r", "rf-m", "gb-b", "gb-m", "hgb-r", "hgb-m"])
def test_interventional_is_exact(name):
    """glassbox's interventional values are the exact Shapley values of the model's own output,
    also with training rows as background (where shap's float32 thresholds fail for HGB)."""
    model = model_for(name)
    X = _x(3, seed=7)
    for bg in (_x(8, seed=8), synthetic()[0][:8]):
        exact = brute_force_interventional(lambda r: raw_output(model, r), X, bg)
        ours = glassbox.TreeExplainer(model, bg).shap_values(X)
        np.testing.assert_allclose(ours, exact, rtol=0, atol=1e-12)


@pytest.mark.parametrize("name", BOOSTED_BINARY + ["rf-b", "dt-m"])
def test_probability_matches_shap(name):
    """model_output='probability' (interventional): boosted classifiers are explained in
    probability space like shap; forest/tree classifiers already output probabilities."""
    model = model_for(name)
    X, bg = _x(25), _x(30, seed=2)
    ours = glassbox.TreeExplainer(model, bg, model_output="probability")
    theirs = shap.TreeExplainer(model, bg, model_output="probability")
    a, b = ours.shap_values(X), theirs.shap_values(X)
    assert a.shape == np.shape(b)
    np.testing.assert_allclose(a, b, rtol=0, atol=PROBABILITY_TOL)
    np.testing.assert_allclose(ours.expected_value, theirs.expected_value, rtol=0, atol=TOL)
    proba = model.predict_proba(X)
    proba = proba[:, 1] if name in BOOSTED_BINARY else proba
    np.testing.assert_allclose(a.sum(axis=1) + ours.expected_value, proba, rtol=0, atol=TOL)


@pytest.mark.parametrize("name", BOOSTED_MULTI)
def test_probability_multiclass(name):
    """shap 0.51 has no probability output for multi-class boosted sklearn models; glassbox's
    exact method is additive in probability (the rescaled one needs one sigmoid output)."""
    model = model_for(name)
    X, bg = _x(10), _x(20, seed=2)
    with pytest.raises(ValueError, match="exact"):
        glassbox.TreeExplainer(model, bg, model_output="probability").shap_values(X)
    ex = glassbox.TreeExplainer(model, bg, model_output="probability", probability_method="exact")
    v = ex.shap_values(X)
    assert v.shape == (len(X), N_FEATURES, 3)
    np.testing.assert_allclose(ex.expected_value, model.predict_proba(bg).mean(0), atol=TOL)
    np.testing.assert_allclose(v.sum(1) + ex.expected_value, model.predict_proba(X), atol=TOL)


# --------------------------------------------------------------------------------------------
# interactions


@pytest.mark.parametrize("name", ALL_MODELS)
def test_interactions_match_shap(name):
    model = model_for(name)
    X = _x(8)
    ex = glassbox.TreeExplainer(model)
    ours = ex.shap_interaction_values(X)
    theirs = shap.TreeExplainer(_shap_reference(name, model)).shap_interaction_values(X)
    assert ours.shape == np.shape(theirs)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=TOL)
    np.testing.assert_allclose(ours.sum(axis=2), ex.shap_values(X), rtol=0, atol=TOL)


# --------------------------------------------------------------------------------------------
# missing values


NAN_MODELS = ["dt-r", "dt-b", "xt-m", "rf-r", "rf-m", "et-r", "et-b", "hgb-r", "hgb-b", "hgb-m"]


@pytest.fixture(scope="module")
def nan_models():
    X, y = synthetic(seed=3, n=300, nan_fraction=0.15)
    models = {}
    for name in NAN_MODELS:
        family, kind = name.split("-")
        models[name] = _estimator(family, kind).fit(X, labels(y, kind))
    return models


@pytest.mark.parametrize("name", NAN_MODELS)
def test_nan_rows_predict_and_explain_like_sklearn_and_shap(nan_models, name):
    model = nan_models[name]
    X = _x(40, seed=4, nan_fraction=0.3)
    assert np.isnan(X).any(axis=1).sum() > 20
    ex = glassbox.TreeExplainer(model)
    ref = raw_output(model, X)
    arr = as_float32(X) if ex.converted.input_dtype == np.float32 else X
    np.testing.assert_allclose(
        ex.model.predict(arr).reshape(np.shape(ref)), ref, rtol=0, atol=PREDICT_TOL
    )
    a, b = ex.shap_values(X), shap.TreeExplainer(model).shap_values(X)
    np.testing.assert_allclose(a, b, rtol=0, atol=TOL)
    np.testing.assert_allclose(a.sum(axis=1) + ex.expected_value, ref, rtol=0, atol=TOL)
    # interventional, NaN in the background too
    bg = _x(20, seed=6, nan_fraction=0.2)
    ai = glassbox.TreeExplainer(model, bg).shap_values(X)
    bi = shap.TreeExplainer(model, bg).shap_values(X)
    np.testing.assert_allclose(ai, bi, rtol=0, atol=INTERVENTIONAL_RTOL * max(1, np.abs(bi).max()))
    exact = brute_force_interventional(lambda r: raw_output(model, r), X[:3], bg[:6])
    np.testing.assert_allclose(
        glassbox.TreeExplainer(model, bg[:6]).shap_values(X[:3]), exact, rtol=0, atol=1e-12
    )


@pytest.mark.parametrize("name", ["dt-r", "rf-b", "hgb-r", "hgb-m"])
def test_nan_rows_on_models_trained_without_nan(name):
    """sklearn sends NaN to the child that saw the most samples; the converted model too."""
    model = model_for(name)
    X = _x(40, seed=4, nan_fraction=0.3)
    ex = glassbox.TreeExplainer(model)
    ref = raw_output(model, X)
    arr = as_float32(X) if ex.converted.input_dtype == np.float32 else X
    np.testing.assert_allclose(
        ex.model.predict(arr).reshape(np.shape(ref)), ref, rtol=0, atol=PREDICT_TOL
    )
    np.testing.assert_allclose(
        ex.shap_values(X), shap.TreeExplainer(model).shap_values(X), rtol=0, atol=TOL
    )


def test_float32_rounding_like_sklearn():
    """sklearn's trees round X to float32 before comparing with their (float64) thresholds: a
    value one float64 step from a threshold can go the other way than a float64 comparison
    sends it. glassbox rounds the same way; HistGradientBoosting compares float64 values."""
    model = model_for("dt-r")
    ex = glassbox.TreeExplainer(model)
    t = model.tree_
    rows = synthetic()[0][:100]
    differs = 0  # rows that a float64 comparison would send elsewhere
    for node in np.flatnonzero(t.children_left >= 0):
        f, thr = int(t.feature[node]), float(t.threshold[node])
        for v in (np.nextafter(thr, -np.inf), np.nextafter(thr, np.inf)):
            if (v <= thr) == (float(np.float32(v)) <= thr):
                continue
            X = rows.copy()
            X[:, f] = v
            ref = model.predict(X)
            np.testing.assert_array_equal(ex.model.predict(as_float32(X))[:, 0], ref)
            np.testing.assert_allclose(
                ex.shap_values(X).sum(1) + ex.expected_value, ref, rtol=0, atol=TOL
            )
            differs += int(np.sum(ex.model.predict(X)[:, 0] != ref))
    assert differs > 0
    hgb = model_for("hgb-r")
    X = synthetic()[0][:50]  # training rows: some equal a threshold exactly
    ex = glassbox.TreeExplainer(hgb)
    np.testing.assert_array_equal(ex.model.predict(X)[:, 0], hgb.predict(X))


# --------------------------------------------------------------------------------------------
# DataFrames


@pytest.fixture(scope="module")
def df_models():
    X, y = synthetic(seed=9, n=200)
    cols = ["age", "income", "score", "days", "rate"]
    df = pd.DataFrame(X, columns=cols)
    models = {}
    for name in ["dt-b", "rf-r", "et-m", "gb-b", "hgb-m"]:
        family, kind = name.split("-")
        models[name] = _estimator(family, kind).fit(df, labels(y, kind))
    return cols, models


@pytest.mark.parametrize("name", ["dt-b", "rf-r", "et-m", "gb-b", "hgb-m"])
def test_dataframe_columns_by_name(df_models, name):
    cols, models = df_models
    model = models[name]
    X = _x(12)
    df = pd.DataFrame(X, columns=cols)
    shuffled = df[cols[::-1]].assign(extra=1.0)
    ex = glassbox.TreeExplainer(model)
    assert ex.feature_names == cols
    expected = ex.shap_values(X)
    np.testing.assert_array_equal(ex.shap_values(df), expected)
    np.testing.assert_array_equal(ex.shap_values(shuffled), expected)
    np.testing.assert_allclose(expected, shap.TreeExplainer(model).shap_values(df), atol=TOL)
    e = ex(shuffled)
    assert e.feature_names == cols
    np.testing.assert_array_equal(e.values, expected)
    # the background is matched by name too
    bg = pd.DataFrame(_x(10, seed=2), columns=cols)
    a = glassbox.TreeExplainer(model, bg[cols[::-1]]).shap_values(shuffled)
    np.testing.assert_array_equal(a, glassbox.TreeExplainer(model, bg).shap_values(df))
    with pytest.raises(ValueError, match="income"):
        ex.shap_values(df.drop(columns=["income"]))


# --------------------------------------------------------------------------------------------
# other settings of the supported models


def test_multi_output_regressors_match_shap():
    X, y = synthetic()
    Y = np.column_stack([y, X[:, 0] - y])
    Xt = _x(10)
    for model in (
        tree.DecisionTreeRegressor(max_depth=4, random_state=0).fit(X, Y),
        ensemble.RandomForestRegressor(5, max_depth=4, random_state=0).fit(X, Y),
    ):
        ex = glassbox.TreeExplainer(model)
        a, b = ex.shap_values(Xt), shap.TreeExplainer(model).shap_values(Xt)
        assert a.shape == np.shape(b) == (10, N_FEATURES, 2)
        np.testing.assert_allclose(a, b, rtol=0, atol=TOL)
        np.testing.assert_allclose(a.sum(1) + ex.expected_value, model.predict(Xt), atol=TOL)


@pytest.mark.parametrize("loss", ["absolute_error", "huber", "quantile"])
def test_gradient_boosting_losses(loss):
    X, y = synthetic()
    model = ensemble.GradientBoostingRegressor(
        loss=loss, n_estimators=8, max_depth=3, random_state=0
    ).fit(X, y)
    Xt = _x(15)
    ex = glassbox.TreeExplainer(model)
    a, b = ex.shap_values(Xt), shap.TreeExplainer(model).shap_values(Xt)
    np.testing.assert_allclose(a, b, rtol=0, atol=TOL)
    np.testing.assert_allclose(ex.expected_value, shap.TreeExplainer(model).expected_value,
                               atol=TOL)
    np.testing.assert_allclose(a.sum(1) + ex.expected_value, model.predict(Xt), atol=TOL)


def test_gradient_boosting_init_zero_and_dummy():
    from sklearn.dummy import DummyClassifier, DummyRegressor

    X, y = synthetic()
    Xt = _x(15)
    for model in (
        ensemble.GradientBoostingRegressor(init="zero", n_estimators=5).fit(X, y),
        ensemble.GradientBoostingRegressor(
            init=DummyRegressor(strategy="median"), n_estimators=5
        ).fit(X, y),
        ensemble.GradientBoostingClassifier(init="zero", n_estimators=5).fit(X, labels(y, "m")),
        ensemble.GradientBoostingClassifier(
            init=DummyClassifier(strategy="most_frequent"), n_estimators=5
        ).fit(X, labels(y, "b")),
    ):
        ex = glassbox.TreeExplainer(model)
        ref = raw_output(model, Xt)
        np.testing.assert_allclose(ex.shap_values(Xt).sum(1) + ex.expected_value, ref, atol=TOL)


def test_hist_gradient_boosting_early_stopping_and_losses():
    X, y = synthetic(n=400)
    Xt = _x(15)
    for model in (
        ensemble.HistGradientBoostingRegressor(
            max_iter=50, early_stopping=True, validation_fraction=0.2, n_iter_no_change=2,
            random_state=0,
        ).fit(X, y),
        ensemble.HistGradientBoostingRegressor(loss="poisson", max_iter=8).fit(X, np.exp(y / 3)),
        ensemble.HistGradientBoostingRegressor(loss="absolute_error", max_iter=8).fit(X, y),
    ):
        ex = glassbox.TreeExplainer(model)
        a, b = ex.shap_values(Xt), shap.TreeExplainer(model).shap_values(Xt)
        np.testing.assert_allclose(a, b, rtol=0, atol=TOL)
        raw = model._raw_predict(Xt)[:, 0]  # poisson: log of the prediction
        np.testing.assert_allclose(a.sum(1) + ex.expected_value, raw, atol=TOL)


def test_sample_weights_and_subsampling_match_shap():
    """Covers are sklearn's weighted node sizes (HistGradientBoosting: unweighted counts),
    as shap reads them."""
    X, y = synthetic()
    w = np.random.default_rng(0).uniform(0.2, 3.0, size=len(y))
    Xt = _x(15)
    for model in (
        tree.DecisionTreeRegressor(max_depth=5, random_state=0).fit(X, y, sample_weight=w),
        ensemble.RandomForestClassifier(5, max_depth=4, random_state=0).fit(
            X, labels(y, "m"), sample_weight=w
        ),
        ensemble.GradientBoostingClassifier(n_estimators=6, subsample=0.7, random_state=0).fit(
            X, labels(y, "b"), sample_weight=w
        ),
        ensemble.HistGradientBoostingRegressor(max_iter=6).fit(X, y, sample_weight=w),
    ):
        ex = glassbox.TreeExplainer(model)
        theirs = shap.TreeExplainer(model)
        np.testing.assert_allclose(ex.shap_values(Xt), theirs.shap_values(Xt), rtol=0, atol=TOL)
        np.testing.assert_allclose(
            ex.shap_interaction_values(Xt[:3]), theirs.shap_interaction_values(Xt[:3]),
            rtol=0, atol=TOL,
        )
        np.testing.assert_allclose(
            ex.shap_values(Xt).sum(1) + ex.expected_value, raw_output(model, Xt), atol=TOL
        )


def test_pickle_round_trip():
    model = model_for("rf-m")
    ex = glassbox.TreeExplainer(model)
    X = _x(10)
    native = pickle.loads(pickle.dumps(ex.model))
    np.testing.assert_array_equal(native.predict(as_float32(X)), ex.model.predict(as_float32(X)))


# --------------------------------------------------------------------------------------------
# what is refused


@pytest.mark.parametrize("which", ["iforest", "linear", "adaboost", "knn"])
def test_unsupported_sklearn_estimators_type_error(which):
    from sklearn.linear_model import LinearRegression
    from sklearn.neighbors import KNeighborsRegressor

    X, y = synthetic(n=50)
    model = {
        "iforest": lambda: ensemble.IsolationForest(n_estimators=3, random_state=0).fit(X),
        "linear": lambda: LinearRegression().fit(X, y),
        "adaboost": lambda: ensemble.AdaBoostRegressor(n_estimators=3).fit(X, y),
        "knn": lambda: KNeighborsRegressor().fit(X, y),
    }[which]()
    with pytest.raises(TypeError) as info:
        glassbox.TreeExplainer(model)
    msg = str(info.value)
    assert type(model).__name__ in msg
    assert glassbox.supported_models in msg
    assert "HistGradientBoostingRegressor/Classifier" in msg


@pytest.mark.parametrize("name", ALL_MODELS)
def test_unfitted_models_value_error(name):
    family, kind = name.split("-")
    with pytest.raises(ValueError, match="fit"):
        glassbox.TreeExplainer(_estimator(family, kind))


def test_categorical_hist_gradient_boosting_value_error():
    X, y = synthetic(n=200)
    X[:, 2] = np.arange(len(X)) % 4
    y = y + 3 * (X[:, 2] == 1)
    model = ensemble.HistGradientBoostingRegressor(
        max_iter=5, categorical_features=[2]
    ).fit(X, y)
    with pytest.raises(ValueError, match="categorical"):
        glassbox.TreeExplainer(model)


def test_custom_init_and_multi_output_classifier_value_error():
    from sklearn.linear_model import LinearRegression

    X, y = synthetic(n=100)
    gb = ensemble.GradientBoostingRegressor(init=LinearRegression(), n_estimators=3).fit(X, y)
    with pytest.raises(ValueError, match="init"):
        glassbox.TreeExplainer(gb)
    Y = np.column_stack([labels(y, "b"), labels(y, "m")])
    dt = tree.DecisionTreeClassifier(max_depth=3).fit(X, Y)
    with pytest.raises(ValueError, match="multi-output"):
        glassbox.TreeExplainer(dt)
