"""ONNX tree ensembles from Python: `glassbox.load_model("model.onnx")`, checked against shap on
the original scikit-learn forest (the fixtures of crates/glassbox-onnx, written by its
tests/fixtures/make_fixtures.py with the versions recorded in data.json)."""

import json
from pathlib import Path

import numpy as np
import pytest

import glassbox

FIX = Path(__file__).resolve().parents[2] / "crates" / "glassbox-onnx" / "tests" / "fixtures"
NETS = FIX / "networks"


def _fixture(name):
    return json.loads((FIX / name).read_text())


def test_an_onnx_forest_is_explained_like_shap_explains_the_scikit_learn_forest():
    data, ref = _fixture("data.json"), _fixture("rf_regressor.json")
    x, background = np.array(data["test"]), np.array(data["background"])
    model = glassbox.load_model(FIX / "rf_regressor.onnx")
    e = glassbox.explain(model, x, "interventional-tree-shap", data=background)
    expected = np.array(ref["shap_interventional"]["values"]).reshape(e.values.shape)
    # float32 thresholds in the file, float64 in scikit-learn.
    np.testing.assert_allclose(e.values, expected, rtol=0, atol=1e-6)


def test_cover_data_gives_path_dependent_treeshap_equal_to_shap_on_the_original_forest():
    import pickle

    data, ref = _fixture("data.json"), _fixture("rf_regressor.json")
    x, train = np.array(data["test"]), np.array(data["train"])
    model = glassbox.load_model(FIX / "rf_regressor.onnx", cover_data=train)
    e = glassbox.explain(model, x, "tree-shap")
    expected = np.array(ref["shap_path"]["values"]).reshape(e.values.shape)
    # float32 thresholds in the file, float64 in scikit-learn.
    np.testing.assert_allclose(e.values, expected, rtol=0, atol=1e-6)
    # The recomputed covers travel with the model through pickle.
    again = glassbox.explain(pickle.loads(pickle.dumps(model)), x, "tree-shap")
    np.testing.assert_array_equal(again.values, e.values)
    with pytest.raises(ValueError, match="covers can be recomputed for ONNX tree ensembles only"):
        glassbox.load_model(NETS / "mlp_regressor.onnx", cover_data=np.zeros((3, 6)))


def test_path_dependent_treeshap_names_what_an_onnx_file_lacks():
    x = np.array(_fixture("data.json")["test"])
    model = glassbox.load_model(FIX / "rf_regressor.onnx", format="onnx")
    with pytest.raises(ValueError, match="carries no node covers.*interventional-tree-shap"):
        glassbox.explain(model, x, "tree-shap")


def test_an_onnx_network_is_explained_like_shap_deep_explainer_explains_the_pytorch_module():
    ref = _fixture("networks/mlp_classifier.json")
    x, background = np.array(ref["x"]), np.array(ref["background"])
    model = glassbox.load_model(NETS / "mlp_classifier.onnx")
    assert model.has_network and not model.has_trees
    e = glassbox.explain(model, x, "deep-shap", data=background)
    # shap ran on the module without its final Softmax: the logits glassbox explains.
    expected = np.array(ref["deep_shap"]).reshape(e.values.shape)
    np.testing.assert_allclose(e.values, expected, rtol=1e-7, atol=1e-7)
    # Local accuracy: base + sum = the logits.
    logits = np.array(ref["torch_logits"])
    np.testing.assert_allclose(e.base_values + e.values.sum(axis=1), logits, atol=1e-8)


def test_an_onnx_file_the_engine_cannot_run_raises_naming_the_node():
    with pytest.raises(ValueError, match="residual"):
        glassbox.load_model(NETS / "bad_residual.onnx")
