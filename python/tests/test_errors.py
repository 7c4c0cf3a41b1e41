"""Every error path of the Python API ends in a ValueError, TypeError or OSError whose message
says what is wrong (and what is allowed), never in a crash or a Rust panic."""

import os
import subprocess
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest
import xgboost as xgb
from sklearn.linear_model import LinearRegression

import glassbox
from glassbox import Model

ROOT = Path(__file__).resolve().parents[2]
FEATURES = ["a", "b", "c"]


def _data(n=200, seed=0):
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.normal(size=(n, 3)), columns=FEATURES)
    return x, x["a"] - 2 * x["b"] + x["c"] ** 2


@pytest.fixture(scope="module")
def booster():
    x, y = _data()
    return xgb.XGBRegressor(n_estimators=5, max_depth=3, random_state=0, n_jobs=1).fit(x, y)


@pytest.fixture(scope="module")
def explainer(booster):
    return glassbox.TreeExplainer(booster)


# -- the rows to explain ----------------------------------------------------------------------


def test_wrong_number_of_columns(explainer):
    with pytest.raises(ValueError, match="X has 2 columns but the model has 3 features"):
        explainer.shap_values(np.zeros((4, 2)))
    with pytest.raises(ValueError, match="X has 5 columns but the model has 3 features"):
        explainer(np.zeros((1, 5)))


def test_three_dimensional_input(explainer):
    message = r"X must be 2-D \(samples, features\); it has shape \(2, 3, 3\)"
    with pytest.raises(ValueError, match=message):
        explainer.shap_values(np.zeros((2, 3, 3)))


def test_strings_in_a_numpy_array(explainer):
    with pytest.raises(TypeError, match="X has dtype <U.*expected numbers"):
        explainer.shap_values(np.array([["1", "2", "x"]]))
    with pytest.raises(TypeError, match="X has dtype object"):
        explainer.shap_values(np.array([[1.0, "2", None]], dtype=object))
    with pytest.raises(TypeError, match="X must be a numpy array or a pandas DataFrame, not dict"):
        explainer.shap_values({"a": 1})


def test_a_dataframe_missing_a_model_feature(explainer):
    x, _ = _data(5)
    with pytest.raises(ValueError, match=r"X lacks the model's feature column\(s\) \['b'\]"):
        explainer.shap_values(x.drop(columns=["b"]))
    # Extra and reordered columns are fine: columns are taken by name.
    shuffled = x[["c", "a", "b"]].assign(extra=1.0)
    np.testing.assert_array_equal(explainer.shap_values(shuffled), explainer.shap_values(x))


def test_a_non_numeric_dataframe_column(explainer):
    x, _ = _data(3)
    x["c"] = ["low", "mid", "high"]
    with pytest.raises(TypeError, match=r"non-numeric column\(s\) \['c'\]"):
        explainer.shap_values(x)


@pytest.mark.parametrize("bad", [np.inf, -np.inf])
def test_infinity_in_x(explainer, bad):
    x = np.zeros((3, 3))
    x[1, 2] = bad
    message = r"X\[1, 2\] \(feature 'c'\) is -?inf: expected a finite number"
    with pytest.raises(ValueError, match=message):
        explainer.shap_values(x)


def test_nan_in_x_is_missing_for_xgboost(explainer):
    x = np.zeros((2, 3))
    x[0, 1] = np.nan
    assert np.isfinite(explainer.shap_values(x)).all()


def test_nan_follows_lightgbm_also_where_a_split_has_no_missing_direction():
    """LightGBM reads NaN as 0 in splits trained without missing values (missing_type None);
    glassbox follows the library's own rule there too, so predictions and SHAP sums agree."""
    x, y = _data()
    rows = x.to_numpy()[:3].copy()
    rows[2, 0] = np.nan
    frame = pd.DataFrame(rows, columns=FEATURES)
    for params in ({"use_missing": False}, {}):
        model = lgb.LGBMRegressor(
            n_estimators=5, num_leaves=4, verbose=-1, random_state=0, n_jobs=1, **params
        ).fit(x, y)
        e = glassbox.TreeExplainer(model)
        np.testing.assert_allclose(
            e.expected_value + e.shap_values(rows).sum(axis=1), model.predict(frame), rtol=1e-9
        )
        zeroed = rows.copy()
        zeroed[2, 0] = 0.0
        np.testing.assert_allclose(
            model.predict(frame), model.predict(pd.DataFrame(zeroed, columns=FEATURES)), rtol=0
        )
    # Trained with missing values, the splits have a direction and NaN is routed like
    # LightGBM does.
    holes = x.copy()
    holes.iloc[::7, 0] = np.nan
    lenient = lgb.LGBMRegressor(
        n_estimators=5, num_leaves=4, verbose=-1, random_state=0, n_jobs=1
    ).fit(holes, y)
    e = glassbox.TreeExplainer(lenient)
    np.testing.assert_allclose(
        e.expected_value + e.shap_values(rows).sum(axis=1),
        lenient.predict(frame),
        rtol=1e-6,
    )


def test_empty_input_is_not_a_crash(explainer):
    try:
        v = explainer.shap_values(np.zeros((0, 3)))
    except ValueError as e:
        assert "row" in str(e)
    else:
        assert v.shape == (0, 3)


# -- the model --------------------------------------------------------------------------------


@pytest.mark.parametrize("model", [object(), 42, [1.0, 2.0]])
def test_an_unknown_model_type_lists_the_supported_ones(model):
    with pytest.raises(TypeError, match="supported models:.*XGBoost.*LightGBM") as e:
        glassbox.TreeExplainer(model)
    assert "KernelExplainer" in str(e.value)


def test_an_unsupported_scikit_learn_model_lists_the_supported_ones():
    pytest.importorskip("glassbox._sklearn", reason="scikit-learn conversion not built yet")
    x, y = _data(20)
    with pytest.raises(TypeError, match="RandomForestRegressor") as e:
        glassbox.TreeExplainer(LinearRegression().fit(x, y))
    assert "LinearRegression" in str(e.value)


def test_unknown_feature_perturbation_and_model_output(booster):
    with pytest.raises(ValueError, match="perturbation='exact' is not one of.*interventional"):
        glassbox.TreeExplainer(booster, feature_perturbation="exact")
    with pytest.raises(ValueError, match="model_output='log_loss' is not one of.*'raw', 'prob"):
        glassbox.TreeExplainer(booster, model_output="log_loss")
    with pytest.raises(ValueError, match="probability_method='x' is not one of"):
        glassbox.TreeExplainer(booster, probability_method="x")


def test_interventional_without_data(booster):
    with pytest.raises(ValueError, match="'interventional' needs background data"):
        glassbox.TreeExplainer(booster, feature_perturbation="interventional")


def test_probability_output_of_a_regressor(booster):
    x, _ = _data(20)
    with pytest.raises(ValueError, match="needs a classifier"):
        glassbox.TreeExplainer(booster, x, model_output="probability")


def test_settings_shap_has_but_glassbox_refuses(explainer, booster):
    x, _ = _data(4)
    with pytest.raises(ValueError, match="approximate=True"):
        explainer.shap_values(x, approximate=True)
    with pytest.raises(ValueError, match="tree_limit"):
        explainer.shap_values(x, tree_limit=2)
    interventional = glassbox.TreeExplainer(booster, x)
    with pytest.raises(ValueError, match="tree_path_dependent"):
        interventional.shap_interaction_values(x)
    with pytest.raises(ValueError, match="tree_path_dependent"):
        interventional(x, interactions=True)


def test_background_data_errors(booster):
    x, _ = _data(5)
    with pytest.raises(ValueError, match="data lacks the model's feature column"):
        glassbox.TreeExplainer(booster, x.drop(columns=["a"]))
    with pytest.raises(ValueError, match="data has 2 columns"):
        glassbox.TreeExplainer(booster, np.zeros((4, 2)))


@pytest.mark.parametrize(
    "data",
    [b"", b"not a model", b"{\"learner\": 5}", b"{" * 10, b"tree\nversion=v4\nnum_class=x\n"],
)
def test_corrupt_booster_bytes(data):
    with pytest.raises(ValueError):
        Model.from_booster(data)
    with pytest.raises(ValueError):
        Model.from_booster(data, "xgboost")


def test_truncated_xgboost_json(booster):
    raw = bytes(booster.get_booster().save_raw(raw_format="json"))
    with pytest.raises(ValueError):
        Model.from_booster(raw[: len(raw) // 2], "xgboost", "half.json")
    with pytest.raises(ValueError, match="format 'onnx' is not one of"):
        Model.from_booster(raw, "onnx")


def test_a_nonexistent_path_names_the_path(tmp_path):
    missing = tmp_path / "no-such-model.json"
    with pytest.raises((OSError, ValueError), match="no-such-model.json"):
        glassbox.load_model(missing)
    with pytest.raises((OSError, ValueError), match="no-such-model.json"):
        glassbox.TreeExplainer(str(missing))
    with pytest.raises(ValueError, match="format 'pickle' is not one of"):
        glassbox.load_model(missing, format="pickle")


def test_a_file_that_is_no_model(tmp_path):
    p = tmp_path / "notes.txt"
    p.write_text("hello")
    with pytest.raises((OSError, ValueError), match="notes.txt"):
        glassbox.load_model(p)


def test_trees_from_bad_arrays():
    leaf = (
        np.array([-1]), np.array([-1]), np.array([0]), np.array([0.0]),
        np.array([True]), np.array([1.0]), np.array([0.5]),
    )
    ok = dict(n_features=1, tree_output=[0], tree_weight=[1.0], base_offset=[0.0])
    assert Model.from_trees([leaf], **ok).n_outputs == 1
    with pytest.raises(ValueError, match="expected 7 arrays"):
        Model.from_trees([leaf[:5]], **ok)
    bad_child = (np.array([5, -1]), np.array([1, -1])) + tuple(np.repeat(a, 2) for a in leaf[2:])
    with pytest.raises(ValueError, match="child 5 is outside"):
        Model.from_trees([bad_child], **ok)
    with pytest.raises(ValueError, match="split 'ge' is not one of"):
        Model.from_trees([leaf], split="ge", **ok)
    with pytest.raises(ValueError, match="link 'probit' is not one of"):
        Model.from_trees([leaf], link="probit", **ok)
    with pytest.raises(TypeError):
        Model.from_trees([(np.array([-1.5]),) + leaf[1:]], **ok)


def test_corrupt_pickled_state():
    with pytest.raises(ValueError, match="corrupt pickled glassbox model"):
        Model._from_state("trees", b"junk")
    with pytest.raises(ValueError, match="unknown pickled glassbox model kind"):
        Model._from_state("zip", b"")


def test_python_model_errors_come_back_as_themselves():
    def boom(x):
        raise KeyError("from the user's model")

    m = Model.from_callable(boom, 2, 1)
    with pytest.raises(KeyError, match="from the user's model"):
        m.predict(np.zeros((3, 2)))
    wrong_shape = Model.from_callable(lambda x: np.zeros((len(x), 2)), 2, 1)
    with pytest.raises(ValueError, match=r"returned shape \[3, 2\] for 3 rows; expected \(3, 1\)"):
        wrong_shape.predict(np.zeros((3, 2)))
    wrong_type = Model.from_callable(lambda x: "nope", 2, 1)
    with pytest.raises(TypeError, match="must return a float64 array"):
        wrong_type.predict(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="link 'logit' is not one of"):
        Model.from_callable(lambda x: x, 2, 1, link="logit")


# -- a glassbox MLP (trained by the glassbox binary) ------------------------------------------


def _binary():
    for c in [os.environ.get("GLASSBOX_BIN")] + [
        str(ROOT / "target" / p / "glassbox") for p in ("debug", "release")
    ]:
        if c and os.access(c, os.X_OK):
            return c
    pytest.skip("no glassbox binary built (run `cargo build` or set GLASSBOX_BIN)")


@pytest.fixture(scope="module")
def mlp(tmp_path_factory):
    out = tmp_path_factory.mktemp("mlp") / "run"
    subprocess.run(
        [_binary(), "train", "--data", str(ROOT / "data" / "concrete" / "concrete.csv"),
         "--target", "Compressive strength (MPa)", "--model", "mlp", "--epochs", "2",
         "--out", str(out), "--quiet"],
        check=True,
        capture_output=True,
    )
    return glassbox.load_model(out)


def test_nan_for_a_glassbox_mlp(mlp):
    x = np.full((2, mlp.n_features), 100.0)
    assert mlp.predict(x).shape == (2, 1)
    x[1, 3] = np.nan
    message = r"X\[1, 3\] \(feature 'Water'\) is NaN: expected a finite number$"
    with pytest.raises(ValueError, match=message):
        mlp.predict(x)


def test_tree_explainer_refuses_a_network(mlp):
    with pytest.raises(TypeError, match="TreeExplainer needs a tree model.*MLP.*KernelExplainer"):
        glassbox.TreeExplainer(mlp)
