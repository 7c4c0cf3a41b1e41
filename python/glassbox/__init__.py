"""glassbox: fast, exact explanations of tree models, networks and any Python function.

    import glassbox
    explainer = glassbox.TreeExplainer(model)          # scikit-learn, XGBoost, LightGBM
    shap_values = explainer.shap_values(X)              # the same numbers as shap, faster
    explanation = explainer(X)                          # glassbox.Explanation
    glassbox.plots.beeswarm(explanation).save("beeswarm.png")

The heavy lifting is the glassbox Rust library (`glassbox._native`); it releases the GIL and
uses every core (`n_jobs` limits the threads).
"""

from ._native import Model, __version__
from ._convert import SUPPORTED as supported_models
from ._explanation import Explanation
from ._explain import explain
from ._global import (
    PartialDependence,
    PermutationImportance,
    partial_dependence,
    permutation_importance,
)
from ._kernel import KernelExplainer
from ._lime import LimeTabular
from ._tree import TreeExplainer
from . import plots

__all__ = [
    "Explanation",
    "KernelExplainer",
    "LimeTabular",
    "Model",
    "PartialDependence",
    "PermutationImportance",
    "TreeExplainer",
    "explain",
    "__version__",
    "load_model",
    "partial_dependence",
    "permutation_importance",
    "plots",
    "supported_models",
]


def load_model(path, format=None, cover_data=None) -> Model:
    """Loads a glassbox run folder or model file, an XGBoost JSON or a LightGBM text model, an
    ONNX tree ensemble (`*.onnx`, from skl2onnx or onnxmltools; explain it with
    `interventional-tree-shap`: ONNX files carry no node covers) or an ONNX table network
    (`torch.onnx.export`; explain it with `deep-shap`, `integrated-gradients` or
    `gradient-shap`: its logits when it ends in a Softmax) (`format`: None/"auto", "glassbox",
    "xgboost", "lightgbm", "cnn", "onnx").

    cover_data: for an ONNX tree ensemble, the training rows (samples, features), array or
    DataFrame in the model's feature order: the trees' covers are recomputed from them, after
    which path-dependent `tree-shap` and `interactions` apply (the values then equal
    shap.TreeExplainer's on the original scikit-learn / LightGBM model)."""
    import os

    import numpy as np

    rows = None if cover_data is None else np.ascontiguousarray(cover_data, dtype=np.float64)
    return Model.load(os.fspath(path), format, rows)
