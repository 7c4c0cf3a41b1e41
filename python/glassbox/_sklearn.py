"""scikit-learn tree models as glassbox tree ensembles, explained as shap 0.51 explains them.

Supported: `DecisionTreeRegressor/Classifier` (and the single `ExtraTreeRegressor/Classifier`),
`RandomForestRegressor/Classifier`, `ExtraTreesRegressor/Classifier`,
`GradientBoostingRegressor/Classifier` and `HistGradientBoostingRegressor/Classifier`.

What each model's outputs are (the same as shap's `TreeEnsemble`):

* trees and forests, regression: the prediction (one output per target); the forest is the mean
  of its trees (`tree_weight = 1 / n_trees`).
* trees and forests, classification: the class fractions of the leaves, one output per class
  (`tree_output="probability"`, identity link): each sklearn tree becomes one glassbox tree per
  class, whose leaves hold that class's fraction.
* gradient boosting: the raw score (`decision_function`): `base_offset` = the init estimator's
  raw prediction, `tree_weight = learning_rate`; binary classifiers have one log-odds output
  (logistic link), multi-class ones one output per class (softmax link).
* histogram gradient boosting: the raw score, `base_offset = _baseline_prediction` (the leaves
  already hold the learning rate); same links as gradient boosting.

Covers are `weighted_n_node_samples` (trees) and the node `count` (histogram boosting); NaN
goes where sklearn sends it (`missing_go_to_left`). DecisionTree-based models compare float32
inputs with their thresholds (`input_dtype=float32`), histogram boosting compares float64.
"""

from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

import numpy as np

from . import _native
from ._convert import SUPPORTED, Converted, _qualname

_TREES = ("DecisionTreeRegressor", "DecisionTreeClassifier", "ExtraTreeRegressor",
          "ExtraTreeClassifier")
_FORESTS = ("RandomForestRegressor", "RandomForestClassifier", "ExtraTreesRegressor",
            "ExtraTreesClassifier")
_BOOSTED = ("GradientBoostingRegressor", "GradientBoostingClassifier")
_HIST = ("HistGradientBoostingRegressor", "HistGradientBoostingClassifier")

TreeArrays = Tuple[np.ndarray, ...]


def convert_sklearn(model) -> Converted:
    """The glassbox model for a fitted scikit-learn tree model (see the module docs).

    TypeError for other scikit-learn estimators, ValueError for unfitted models and for what
    the trees cannot express (multi-output classifiers, categorical features of histogram
    boosting, gradient boosting with a custom `init` estimator).
    """
    name = type(model).__name__
    if name in _TREES:
        convert_one = _convert_tree
    elif name in _FORESTS:
        convert_one = _convert_forest
    elif name in _BOOSTED:
        convert_one = _convert_gradient_boosting
    elif name in _HIST:
        convert_one = _convert_hist_gradient_boosting
    else:
        raise TypeError(
            f"glassbox cannot explain a {_qualname(model)} with TreeExplainer; supported "
            f"models: {SUPPORTED}. Any other model: glassbox.KernelExplainer(model.predict, data)"
        )
    _check_fitted(model)
    return convert_one(model)


# ---------------------------------------------------------------------------------------------
# model kinds


def _convert_tree(model) -> Converted:
    """A single decision tree: one glassbox tree per output (target or class)."""
    trees, outputs, names = _tree_outputs(model, model.tree_)
    return _build(model, trees, outputs, [1.0] * len(trees), np.zeros(len(names)), names)


def _convert_forest(model) -> Converted:
    """A random forest / extra-trees ensemble: the mean of its trees."""
    trees: List[TreeArrays] = []
    outputs: List[int] = []
    names: List[str] = []
    for estimator in model.estimators_:
        t, o, names = _tree_outputs(model, estimator.tree_)
        trees += t
        outputs += o
    weight = 1.0 / len(model.estimators_)
    return _build(model, trees, outputs, [weight] * len(trees), np.zeros(len(names)), names)


def _convert_gradient_boosting(model) -> Converted:
    """GradientBoostingRegressor/Classifier: the raw score, `init` + learning_rate * trees.

    `estimators_` is (stages, K) regression trees; tree (s, k) adds to output k. The trees are
    listed stage by stage, the order sklearn sums them in.
    """
    stages = model.estimators_
    k = stages.shape[1]
    trees, outputs = [], []
    for stage in stages:
        for out, estimator in enumerate(stage):
            trees.append(_tree_arrays(estimator.tree_, estimator.tree_.value[:, 0, 0]))
            outputs.append(out)
    weights = [float(model.learning_rate)] * len(trees)
    base = _gradient_boosting_offset(model, k)
    return _build(model, trees, outputs, weights, base, _boosted_names(model, k))


def _convert_hist_gradient_boosting(model) -> Converted:
    """HistGradientBoostingRegressor/Classifier: `_baseline_prediction` + the trees (whose
    leaves already hold the learning rate); `_predictors` is (iterations, K) trees."""
    if getattr(model, "is_categorical_", None) is not None and np.any(model.is_categorical_):
        raise ValueError(
            f"{type(model).__name__} with categorical features is not supported: glassbox "
            "explains numeric splits only (categorical splits test set membership); one-hot or "
            "ordinal-encode the categories and fit with categorical_features=None"
        )
    predictors = model._predictors
    k = len(predictors[0]) if predictors else int(np.size(model._baseline_prediction))
    trees, outputs = [], []
    for iteration in predictors:
        for out, predictor in enumerate(iteration):
            trees.append(_hist_tree_arrays(predictor.nodes))
            outputs.append(out)
    base = np.asarray(model._baseline_prediction, dtype=np.float64).reshape(-1)
    if base.size == 1 and k > 1:
        base = np.repeat(base, k)
    return _build(
        model, trees, outputs, [1.0] * len(trees), base, _boosted_names(model, k),
        input_dtype=np.float64,
    )


# ---------------------------------------------------------------------------------------------
# trees


def _tree_arrays(tree, value: np.ndarray) -> TreeArrays:
    """The seven node arrays of `Model.from_trees` for a fitted `sklearn.tree._tree.Tree`, with
    `value` (one float per node) as the node outputs."""
    left = np.asarray(tree.children_left, dtype=np.int64)
    right = np.asarray(tree.children_right, dtype=np.int64)
    missing_left = getattr(tree, "missing_go_to_left", None)  # sklearn >= 1.3
    if missing_left is None:
        missing_left = np.ones(len(left), dtype=bool)
    return (
        left,
        right,
        np.asarray(tree.feature, dtype=np.int64),
        np.asarray(tree.threshold, dtype=np.float64),
        np.asarray(missing_left, dtype=bool),
        np.asarray(tree.weighted_n_node_samples, dtype=np.float64),
        np.ascontiguousarray(value, dtype=np.float64),
    )


def _tree_outputs(model, tree) -> Tuple[List[TreeArrays], List[int], List[str]]:
    """One glassbox tree per output of a sklearn tree: per target of a regressor (the leaf
    means), per class of a classifier (the leaf class fractions, normalised as shap does);
    with the output indices and names."""
    value = np.asarray(tree.value, dtype=np.float64)  # (nodes, n_outputs, max_n_classes)
    if not _is_classifier(model):
        names = _regression_names(value.shape[1])
        columns = [value[:, j, 0] for j in range(value.shape[1])]
    else:
        if value.shape[1] != 1:
            raise ValueError(
                f"multi-output {type(model).__name__} (y with {value.shape[1]} columns) is not "
                "supported: fit one classifier per target"
            )
        n_classes = len(model.classes_)
        fractions = value[:, 0, :n_classes]
        total = fractions.sum(axis=1, keepdims=True)
        fractions = fractions / np.where(total == 0, 1.0, total)
        names = [str(c) for c in np.asarray(model.classes_).tolist()]
        columns = [fractions[:, j] for j in range(n_classes)]
    return [_tree_arrays(tree, c) for c in columns], list(range(len(columns))), names


def _hist_tree_arrays(nodes) -> TreeArrays:
    """The node arrays of one histogram-boosting `TreePredictor` (its `nodes` records)."""
    leaf = nodes["is_leaf"].astype(bool)
    if np.any(nodes["is_categorical"][~leaf]):
        raise ValueError(
            "HistGradientBoosting trees with categorical splits are not supported by glassbox"
        )
    return (
        np.where(leaf, -1, nodes["left"].astype(np.int64)),
        np.where(leaf, -1, nodes["right"].astype(np.int64)),
        nodes["feature_idx"].astype(np.int64),
        nodes["num_threshold"].astype(np.float64),
        nodes["missing_go_to_left"].astype(bool),
        nodes["count"].astype(np.float64),
        nodes["value"].astype(np.float64),
    )


# ---------------------------------------------------------------------------------------------
# offsets, names, the native model


def _gradient_boosting_offset(model, k: int) -> np.ndarray:
    """The raw prediction of a GradientBoosting model's `init` estimator (the same for every
    row for `init=None`, `"zero"` or a constant Dummy estimator), shape (K,)."""
    init = model.init_
    if isinstance(init, str) and init == "zero":
        return np.zeros(k)
    kind = type(init).__name__
    strategy = getattr(init, "strategy", None)
    if kind not in ("DummyRegressor", "DummyClassifier") or strategy == "stratified":
        raise ValueError(
            f"{type(model).__name__} with init={init!r} is not supported: its baseline varies "
            "by row; glassbox supports init=None (the default), 'zero' or a constant "
            "DummyRegressor/DummyClassifier"
        )
    # sklearn's own computation (init estimator's prediction through the loss's link) on a
    # row of zeros: Dummy estimators ignore the values.
    row = np.zeros((1, model.n_features_in_), dtype=np.float32)
    raw = np.asarray(model._raw_predict_init(row), dtype=np.float64).reshape(-1)
    if raw.size != k:
        raise ValueError(f"unexpected init prediction of {raw.size} values for {k} outputs")
    return raw


def _boosted_names(model, k: int) -> List[str]:
    """Output names of a boosted model: the classes' log-odds / raw scores, or `prediction`."""
    if not _is_classifier(model):
        return _regression_names(k)
    classes = [str(c) for c in np.asarray(model.classes_).tolist()]
    if k == 1:
        return [f"log-odds of {classes[-1]}"]
    return classes


def _regression_names(k: int) -> List[str]:
    return ["prediction"] if k == 1 else [f"prediction {j}" for j in range(k)]


def _is_classifier(model) -> bool:
    return hasattr(model, "classes_")


def _check_fitted(model) -> None:
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    try:
        check_is_fitted(model)
    except NotFittedError as e:
        raise ValueError(
            f"the {type(model).__name__} is not fitted: call fit() before explaining it"
        ) from e


def _link(model, k: int) -> str:
    """How the raw outputs map to probabilities: boosted classifiers only."""
    if not _is_classifier(model) or type(model).__name__ not in _BOOSTED + _HIST:
        return "identity"
    return "logistic" if k == 1 else "softmax"


def _tree_output(model) -> str:
    if not _is_classifier(model):
        return "raw_value"
    return "log_odds" if type(model).__name__ in _BOOSTED + _HIST else "probability"


def _build(
    model,
    trees: Sequence[TreeArrays],
    outputs: Sequence[int],
    weights: Sequence[float],
    base: np.ndarray,
    output_names: List[str],
    input_dtype=np.float32,
) -> Converted:
    """Calls `Model.from_trees` and wraps the result in a `Converted` record."""
    names: Optional[List[str]] = None
    if getattr(model, "feature_names_in_", None) is not None:
        names = [str(c) for c in model.feature_names_in_]
    k = len(base)
    native = _native.Model.from_trees(
        list(trees),
        n_features=int(model.n_features_in_),
        tree_output=[int(o) for o in outputs],
        tree_weight=[float(w) for w in weights],
        base_offset=[float(b) for b in base],
        split="le",
        link=_link(model, k),
        feature_names=names,
    )
    classes = None
    if _is_classifier(model):
        classes = list(np.asarray(model.classes_).tolist())
    return Converted(
        native=native,
        kind=f"sklearn {type(model).__name__}",
        input_dtype=input_dtype,
        classes=classes,
        tree_output=_tree_output(model),
        output_names=output_names,
    )
