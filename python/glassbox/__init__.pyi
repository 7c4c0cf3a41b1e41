"""Type stubs of the `glassbox` package: fast, exact explanations of tree models, networks and
any Python function (TreeSHAP, KernelSHAP, LIME, permutation importance, partial dependence)."""

import os
from typing import Any, Callable, Dict, List, Literal, Optional, Sequence, Tuple, Union, final

import numpy as np
import numpy.typing as npt

from . import plots as plots

__version__: str
"""The glassbox version."""

supported_models: str
"""The model types `TreeExplainer` accepts, in words."""

_ArrayLike = Union[npt.ArrayLike, Any]
"""A numpy array, a list of rows or a pandas DataFrame (columns taken by name)."""

_PathLike = Union[str, "os.PathLike[str]"]

@final
class Model:
    """A loaded model (glassbox forest or MLP, XGBoost or LightGBM booster, a tree ensemble
    built from another library's arrays, or a Python callable), as the explainers take it.
    Models pickle."""

    @staticmethod
    def from_trees(
        trees: Sequence[Tuple[np.ndarray, ...]],
        *,
        n_features: int,
        tree_output: Sequence[int],
        tree_weight: Sequence[float],
        base_offset: Sequence[float],
        split: Literal["le", "lt"] = "le",
        link: Literal["identity", "logistic", "softmax"] = "identity",
        feature_names: Optional[Sequence[str]] = None,
    ) -> Model:
        """Builds a tree ensemble from per-tree node arrays (left, right, feature, threshold,
        default_left, cover, value); output k of a row is base_offset[k] plus the weighted
        leaves of the trees with tree_output == k."""
    @staticmethod
    def from_booster(
        data: bytes,
        format: Optional[Literal["auto", "xgboost", "lightgbm"]] = None,
        name: str = "<booster>",
    ) -> Model:
        """Parses a booster from its own bytes: XGBoost JSON (`Booster.save_raw("json")`) or
        LightGBM text (`Booster.model_to_string()`); corrupt bytes are a ValueError."""
    @staticmethod
    def load(
        path: _PathLike,
        format: Optional[Literal["auto", "glassbox", "xgboost", "lightgbm", "cnn", "onnx"]] = None,
    ) -> Model:
        """Loads a glassbox run folder or model.json, an XGBoost JSON or a LightGBM text
        model; a missing path is an OSError naming it."""
    @staticmethod
    def from_callable(
        f: Callable[[np.ndarray], np.ndarray],
        n_features: int,
        n_outputs: int,
        feature_names: Optional[Sequence[str]] = None,
        output_names: Optional[Sequence[str]] = None,
        link: Literal["identity", "logistic", "softmax"] = "identity",
    ) -> Model:
        """A model around a Python function of (rows, n_features) float64 arrays returning
        (rows, n_outputs) float64 arrays; only the model-agnostic methods apply."""
    @property
    def kind(self) -> str:
        """What kind of model this is (`random forest`, `MLP`, `xgboost model`, ...)."""
    @property
    def n_features(self) -> int:
        """Number of input features."""
    @property
    def n_outputs(self) -> int:
        """Number of outputs (classes of a multi-class booster; 1 for a regressor)."""
    @property
    def feature_names(self) -> Optional[List[str]]:
        """Feature names, if the model knows them."""
    @property
    def output_names(self) -> List[str]:
        """Names of the raw outputs."""
    @property
    def probability_names(self) -> Optional[List[str]]:
        """Names of the probability outputs (classifiers with a link), else None."""
    @property
    def link(self) -> Literal["identity", "logistic", "softmax"]:
        """The link from raw outputs to probabilities."""
    @property
    def has_trees(self) -> bool:
        """Whether the model is a tree ensemble (TreeSHAP applies)."""
    @property
    def has_network(self) -> bool:
        """Whether the model is a differentiable network."""
    @property
    def tree_size(self) -> Optional[Tuple[int, int]]:
        """(trees, nodes) of a tree ensemble, else None."""
    def tree_expected_value(self) -> Optional[List[float]]:
        """Expected value of each output under the trees' covers, else None."""
    def predict(
        self, x: np.ndarray, *, probability: bool = False, threads: Optional[int] = None
    ) -> np.ndarray:
        """Raw outputs (samples, outputs) of raw feature values (samples, features); with
        `probability=True`, the link applied."""

def load_model(
    path: _PathLike,
    format: Optional[Literal["auto", "glassbox", "xgboost", "lightgbm", "cnn", "onnx"]] = None,
) -> Model:
    """Loads a glassbox run folder or model file, an XGBoost JSON or a LightGBM text model."""

class Explanation:
    """Attributions of some rows, shaped like `shap.Explanation`: `values` (samples, features)
    or (samples, features, outputs), `base_values` (samples,) or (samples, outputs), `data`
    (samples, features), `feature_names`, `output_names`, `method`, `interactions`."""

    values: np.ndarray
    base_values: np.ndarray
    data: Optional[np.ndarray]
    feature_names: Optional[List[str]]
    output_names: Optional[List[str]]
    method: str
    interactions: Optional[np.ndarray]
    predictions: Optional[np.ndarray]
    """The model output explained, (samples,) or (samples, outputs), when known."""
    local_accuracy_max_rel_error: Optional[float]
    completeness_gap: Optional[float]
    seconds: Optional[float]
    score: Optional[np.ndarray]
    """LIME: each surrogate's weighted R²."""
    local_prediction: Optional[np.ndarray]
    """LIME: each surrogate's value at its row."""

    def __init__(
        self,
        values: npt.ArrayLike,
        base_values: npt.ArrayLike,
        data: Optional[npt.ArrayLike] = None,
        feature_names: Optional[Sequence[str]] = None,
        output_names: Optional[Sequence[str]] = None,
        method: str = "",
        interactions: Optional[npt.ArrayLike] = None,
    ) -> None:
        """An explanation from its arrays; inconsistent shapes are a ValueError."""
    @property
    def shape(self) -> Tuple[int, ...]:
        """The shape of `values`."""
    def __len__(self) -> int:
        """The number of explained rows."""
    def __getitem__(self, item: Any) -> Explanation:
        """Rows (and outputs): `e[0]`, `e[:10]`, `e[:, :, 1]`, `e[:, :, "class name"]`."""
    def to_shap(self) -> Any:
        """The same explanation as a `shap.Explanation` (needs shap)."""
    def to_frame(self, layout: Literal["wide", "long"] = "wide") -> Any:
        """The values as a pandas DataFrame, wide (row x feature) or long (needs pandas)."""
    def to_pandas(self, layout: Literal["wide", "long"] = "wide") -> Any:
        """Same as `to_frame`."""
    def save(self, path: _PathLike) -> str:
        """Writes the explanation as an .npz archive, atomically; returns the path."""
    @classmethod
    def load(cls, path: _PathLike) -> Explanation:
        """Reads an explanation written by `save`, or the folder of a `glassbox explain` run."""

class TreeExplainer:
    """Exact SHAP values of tree models, a drop-in for `shap.TreeExplainer` (scikit-learn,
    XGBoost, LightGBM and glassbox tree models, or the path of a model file / run folder)."""

    feature_perturbation: str
    model_output: str
    model: Model
    feature_names: Optional[List[str]]
    def __init__(
        self,
        model: Any,
        data: Optional[_ArrayLike] = None,
        feature_perturbation: Literal["auto", "tree_path_dependent", "interventional"] = "auto",
        model_output: Literal["raw", "probability"] = "raw",
        *,
        n_jobs: Optional[int] = None,
        probability_method: Literal["rescaled", "exact"] = "rescaled",
    ) -> None:
        """Converts `model`; unsupported models are a TypeError listing the supported ones."""
    @property
    def expected_value(self) -> Union[float, np.ndarray]:
        """The base value: a float for one output, an array (outputs,) for several."""
    def shap_values(
        self,
        X: _ArrayLike,
        y: Any = None,
        tree_limit: None = None,
        approximate: bool = False,
        check_additivity: bool = True,
    ) -> np.ndarray:
        """SHAP values: (samples, features) for one output, (samples, features, outputs)
        for several."""
    def shap_interaction_values(
        self, X: _ArrayLike, y: Any = None, tree_limit: None = None
    ) -> np.ndarray:
        """SHAP interaction values (samples, features, features[, outputs])."""
    def __call__(
        self,
        X: _ArrayLike,
        y: Any = None,
        interactions: bool = False,
        check_additivity: bool = True,
    ) -> Explanation:
        """An `Explanation` of the rows of `X`."""

class KernelExplainer:
    """Model-agnostic KernelSHAP of any function of a numpy array (or a model with
    `predict`), against background `data`, with shap's interface."""

    expected_value: Union[float, np.ndarray]
    """The base value: the mean model output over the background data."""
    def __init__(
        self,
        model: Any,
        data: _ArrayLike,
        *,
        link: str = "identity",
        feature_names: Optional[Sequence[str]] = None,
        output_names: Optional[Sequence[str]] = None,
        n_jobs: Optional[int] = None,
        seed: int = 42,
    ) -> None:
        """Wraps `model` (a callable or an object with `predict`) and its background data."""
    def shap_values(
        self,
        X: _ArrayLike,
        *,
        nsamples: Union[int, Literal["auto"]] = "auto",
        l1_reg: Union[str, int, bool] = 0,
        silent: bool = False,
        gc_collect: bool = False,
    ) -> np.ndarray:
        """KernelSHAP values: (samples, features) for one output, (samples, features,
        outputs) for several; `l1_reg`: 0/False, or "num_features(k)" with k >= features."""
    def __call__(
        self,
        X: _ArrayLike,
        *,
        nsamples: Union[int, Literal["auto"]] = "auto",
        l1_reg: Union[str, int, bool] = 0,
        silent: bool = False,
    ) -> Explanation:
        """An `Explanation` of the rows of `X`."""

class LimeTabular:
    """LIME surrogate explanations of tabular rows (lime's LimeTabularExplainer, computed by
    the glassbox library)."""

    def __init__(
        self,
        model: Any,
        data: _ArrayLike,
        *,
        mode: Literal["quartile", "continuous"] = "quartile",
        n_samples: int = 5000,
        seed: int = 42,
        feature_names: Optional[Sequence[str]] = None,
        n_jobs: Optional[int] = None,
    ) -> None:
        """`model`: a glassbox-convertible model or a function; `data`: training rows for
        the perturbation statistics."""
    def explain(self, X: _ArrayLike) -> Explanation:
        """The LIME surrogate weights of the rows of `X` as an `Explanation`."""

class PermutationImportance(Dict[str, Any]):
    """The result of `permutation_importance` (a dict with attribute access)."""

    importances: np.ndarray
    """(features, repeats): the score drop of each shuffle."""
    importances_mean: np.ndarray
    importances_std: np.ndarray
    baseline_score: float
    scoring: str
    feature_names: List[str]

class PartialDependence(Dict[str, Any]):
    """The result of `partial_dependence` (a dict with attribute access); one entry per
    feature in each list."""

    grid_values: List[np.ndarray]
    average: List[np.ndarray]
    individual: List[np.ndarray]
    """ICE curves: (samples, grid) or (samples, grid, outputs) per feature."""
    feature_names: List[str]
    output_names: Optional[List[str]]
    grid_resolution: int

def explain(
    model: Any,
    X: _ArrayLike,
    method: Literal[
        "tree-shap",
        "interventional-tree-shap",
        "interactions",
        "deep-shap",
        "integrated-gradients",
        "gradient-shap",
        "kernel-shap",
        "lime",
    ],
    data: Optional[_ArrayLike] = None,
    *,
    output: Literal["raw", "probability"] = "raw",
    seed: int = 42,
    n_jobs: Optional[int] = None,
    **settings: Any,
) -> Explanation:
    """Any per-row method of the library on any model: values (samples, features, outputs),
    base values (samples, outputs), checked for local accuracy (exact methods)."""

def permutation_importance(
    model: Any,
    X: _ArrayLike,
    y: npt.ArrayLike,
    n_repeats: int = 5,
    scoring: Optional[Literal["auto", "r2", "accuracy"]] = None,
    random_state: int = 42,
    n_jobs: Optional[int] = None,
) -> PermutationImportance:
    """Permutation importance of every feature (the score drop when its column is shuffled,
    `n_repeats` times): `importances` (features, repeats), `importances_mean`,
    `importances_std`, like scikit-learn's result."""

def partial_dependence(
    model: Any,
    X: _ArrayLike,
    grid_resolution: int = 20,
    n_jobs: Optional[int] = None,
) -> PartialDependence:
    """Partial dependence and ICE curves of every feature over the rows of `X`: per feature,
    its grid values, the average curve and the individual curves."""

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
