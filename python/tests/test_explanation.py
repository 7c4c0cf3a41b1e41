"""glassbox.Explanation: slicing, shap interop, DataFrames, .npz files and pickling."""

import os
import pickle
import sys

import numpy as np
import pandas as pd
import pytest
import xgboost as xgb

import glassbox
from glassbox import plots

FEATURES = ["a", "b", "c", "d"]


def _frame(n, seed):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.normal(size=(n, len(FEATURES))), columns=FEATURES)


@pytest.fixture(scope="module")
def regression():
    x = _frame(200, 0)
    y = x["a"] * 2 + x["b"] * x["c"]
    model = xgb.XGBRegressor(n_estimators=8, max_depth=3, random_state=0, n_jobs=1).fit(x, y)
    return glassbox.TreeExplainer(model)(x.iloc[:30], interactions=True)


@pytest.fixture(scope="module")
def multiclass():
    x = _frame(200, 1)
    y = np.digitize(x["a"] - x["d"], [-0.5, 0.5])
    model = xgb.XGBClassifier(n_estimators=6, max_depth=3, random_state=0, n_jobs=1).fit(x, y)
    return glassbox.TreeExplainer(model)(x.iloc[:30])


def _same(a, b):
    np.testing.assert_array_equal(a.values, b.values)
    np.testing.assert_array_equal(a.base_values, b.base_values)
    if a.data is None:
        assert b.data is None
    else:
        np.testing.assert_array_equal(a.data, b.data)
    assert a.feature_names == b.feature_names
    assert a.output_names == b.output_names
    assert a.method == b.method
    if a.interactions is None:
        assert b.interactions is None
    else:
        np.testing.assert_array_equal(a.interactions, b.interactions)


# -- slicing ----------------------------------------------------------------------------------


def test_rows(regression):
    e = regression
    assert len(e) == 30 and e.shape == (30, 4)
    one = e[3]
    assert one.shape == (1, 4)
    np.testing.assert_array_equal(one.values[0], e.values[3])
    np.testing.assert_array_equal(one.data[0], e.data[3])
    np.testing.assert_array_equal(one.interactions[0], e.interactions[3])
    np.testing.assert_array_equal(e[-1].values[0], e.values[29])
    assert e[:10].shape == (10, 4) and e[:10].base_values.shape == (10,)
    mask = e.values[:, 0] > 0
    np.testing.assert_array_equal(e[mask].values, e.values[mask])
    np.testing.assert_array_equal(e[[0, 2]].data, e.data[[0, 2]])
    assert e[5:8].feature_names == FEATURES and e[5:8].method == e.method


def test_outputs(multiclass):
    e = multiclass
    assert e.shape == (30, 4, 3) and e.output_names == ["0", "1", "2"]
    one = e[:, :, 1]
    assert one.shape == (30, 4) and one.output_names == ["1"]
    np.testing.assert_array_equal(one.values, e.values[:, :, 1])
    np.testing.assert_array_equal(one.base_values, e.base_values[:, 1])
    _same(e[:, :, "2"], e[:, :, 2])
    two = e[:5, :, :2]
    assert two.shape == (5, 4, 2) and two.output_names == ["0", "1"]
    # A slice of one output plots like the output chosen with output=.
    assert plots.bar(one).png == plots.bar(e, output=1).png


def test_bad_indices_are_index_errors(regression, multiclass):
    with pytest.raises(IndexError, match="row 30 is out of range"):
        regression[30]
    with pytest.raises(IndexError, match="features cannot be selected"):
        regression[:, 1]
    with pytest.raises(IndexError, match="single output"):
        regression[:, :, 0]
    with pytest.raises(IndexError, match="'cat' is not one of"):
        multiclass[:, :, "cat"]


def test_inconsistent_arrays_are_refused():
    with pytest.raises(ValueError, match="base_values must have one entry per row"):
        glassbox.Explanation(np.zeros((3, 2)), np.zeros(4))
    with pytest.raises(ValueError, match=r"data must be \(samples, features\)"):
        glassbox.Explanation(np.zeros((3, 2)), np.zeros(3), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="1 feature names for 2 features"):
        glassbox.Explanation(np.zeros((3, 2)), np.zeros(3), feature_names=["x"])
    with pytest.raises(ValueError, match="values must be"):
        glassbox.Explanation(np.zeros(3), np.zeros(3))
    e = glassbox.Explanation(np.zeros((3, 2)), 0.5)
    np.testing.assert_array_equal(e.base_values, [0.5, 0.5, 0.5])


# -- shap -------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["regression", "multiclass"])
def test_to_shap_round_trip(which, request):
    shap = pytest.importorskip("shap")
    e = request.getfixturevalue(which)
    s = e.to_shap()
    assert isinstance(s, shap.Explanation)
    np.testing.assert_array_equal(s.values, e.values)
    np.testing.assert_array_equal(s.base_values, e.base_values)
    np.testing.assert_array_equal(s.data, e.data)
    assert list(s.feature_names) == e.feature_names
    if e.output_names is None:
        assert s.output_names is None
    else:
        assert list(s.output_names) == e.output_names
    # shap's own slicing works on it.
    np.testing.assert_array_equal(s[0].values, e.values[0])
    back = glassbox.Explanation(
        s.values, s.base_values, s.data, s.feature_names, s.output_names, e.method
    )
    np.testing.assert_array_equal(back.values, e.values)


def test_to_shap_matches_shap_itself():
    shap = pytest.importorskip("shap")
    x = _frame(150, 5)
    y = np.digitize(x["b"], [-0.3, 0.3])
    model = xgb.XGBClassifier(n_estimators=4, max_depth=2, random_state=0, n_jobs=1).fit(x, y)
    ours = glassbox.TreeExplainer(model)(x.iloc[:10]).to_shap()
    theirs = shap.TreeExplainer(model)(x.iloc[:10])
    assert ours.values.shape == theirs.values.shape
    assert ours.base_values.shape == theirs.base_values.shape
    np.testing.assert_allclose(ours.values, theirs.values, rtol=1e-5, atol=1e-6)


def test_to_shap_without_shap_is_a_clear_import_error(regression, monkeypatch):
    monkeypatch.setitem(sys.modules, "shap", None)
    with pytest.raises(ImportError, match="needs the shap package: pip install shap"):
        regression.to_shap()


# -- pandas -----------------------------------------------------------------------------------


def test_wide_frame(regression, multiclass):
    w = regression.to_frame()
    assert list(w.columns) == FEATURES and w.index.name == "row"
    np.testing.assert_array_equal(w.to_numpy(), regression.values)
    m = multiclass.to_pandas("wide")
    assert m.shape == (30, 12)
    np.testing.assert_array_equal(m[("2", "c")].to_numpy(), multiclass.values[:, 2, 2])
    np.testing.assert_array_equal(m["1"].to_numpy(), multiclass.values[:, :, 1])


def test_long_frame(regression, multiclass):
    long = multiclass.to_frame("long")
    assert list(long.columns) == ["row", "output", "feature", "value", "data", "base_value"]
    assert len(long) == 30 * 3 * 4
    r = long[(long.row == 7) & (long.output == "1") & (long.feature == "d")]
    assert len(r) == 1
    assert r.value.item() == multiclass.values[7, 3, 1]
    assert r.data.item() == multiclass.data[7, 3]
    assert r.base_value.item() == multiclass.base_values[7, 1]
    # Each row and output sums to the model output, as the values do.
    sums = long.groupby(["row", "output"]).value.sum().unstack().to_numpy()
    np.testing.assert_allclose(sums, multiclass.values.sum(axis=1))
    single = regression.to_frame("long")
    assert len(single) == 30 * 4 and set(single.output) == {"output"}
    with pytest.raises(ValueError, match="layout='tall' is not one of"):
        regression.to_frame("tall")


# -- files and pickling -----------------------------------------------------------------------


@pytest.mark.parametrize("which", ["regression", "multiclass"])
def test_save_load_round_trip(which, request, tmp_path):
    e = request.getfixturevalue(which)
    path = tmp_path / "explanation.npz"
    assert e.save(path) == str(path)
    assert os.listdir(tmp_path) == ["explanation.npz"]
    back = glassbox.Explanation.load(path)
    _same(e, back)
    # Re-plotting later gives the same picture.
    kw = {} if e.values.ndim == 2 else {"output": 0}
    assert plots.beeswarm(back, **kw).png == plots.beeswarm(e, **kw).png


def test_save_keeps_the_exact_path_and_load_refuses_other_files(regression, tmp_path):
    p = tmp_path / "saved.expl"
    regression.save(p)
    assert os.listdir(tmp_path) == ["saved.expl"]
    _same(regression, glassbox.Explanation.load(p))
    with pytest.raises(FileNotFoundError, match="missing.npz"):
        glassbox.Explanation.load(tmp_path / "missing.npz")
    other = tmp_path / "other.npz"
    np.savez(other, values=np.zeros(3))
    with pytest.raises(ValueError, match="not a saved glassbox.Explanation.*values"):
        glassbox.Explanation.load(other)
    text = tmp_path / "text.npz"
    text.write_text("hello")
    with pytest.raises(ValueError, match="not a saved glassbox.Explanation"):
        glassbox.Explanation.load(text)


def test_save_refuses_non_numeric_data(tmp_path):
    e = glassbox.Explanation(np.zeros((2, 1)), np.zeros(2), np.array([["x"], ["y"]], dtype=object))
    with pytest.raises(TypeError, match="numeric data only"):
        e.save(tmp_path / "e.npz")
    assert os.listdir(tmp_path) == []


def test_minimal_explanation_round_trips(tmp_path):
    e = glassbox.Explanation(np.arange(6.0).reshape(3, 2), np.ones(3))
    e.save(tmp_path / "e.npz")
    _same(e, glassbox.Explanation.load(tmp_path / "e.npz"))


@pytest.mark.parametrize("which", ["regression", "multiclass"])
def test_pickle_round_trip(which, request):
    e = request.getfixturevalue(which)
    for protocol in (2, pickle.HIGHEST_PROTOCOL):
        _same(e, pickle.loads(pickle.dumps(e, protocol=protocol)))
