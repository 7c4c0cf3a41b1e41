"""Global explanations of any model: `glassbox.permutation_importance` and
`glassbox.partial_dependence` (scikit-learn's functions of the same names, computed natively)."""

from __future__ import annotations

from typing import Optional

import numpy as np

from . import _native
from ._callable import resolve

_SCORINGS = (None, "r2", "accuracy")


class Result(dict):
    """A dict whose keys are also attributes (like scikit-learn's `Bunch`)."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __dir__(self):
        return list(self.keys()) + list(super().__dir__())

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(self.keys())})"


class PermutationImportance(Result):
    """The result of `glassbox.permutation_importance`.

    importances: (features, repeats): the score drop of each shuffle.
    importances_mean, importances_std: (features,): their mean and (population) std.
    baseline_score: the score on the unshuffled data.
    scoring: `"r2"` or `"accuracy"`. feature_names: one per feature.
    """


class PartialDependence(Result):
    """The result of `glassbox.partial_dependence`: one entry per feature in each list.

    grid_values[j]: (grid_j,) the grid of feature j in the data's units.
    average[j]: (grid_j,) the partial dependence for one output, (grid_j, outputs) for
        several: the mean over rows of the model with feature j set to each grid value.
    individual[j]: (samples, grid_j) or (samples, grid_j, outputs): the ICE curves, one per
        row of X.
    feature_names: one per feature. output_names: one per output (None for one output).
    grid_resolution: the grid size asked for.
    """


def _seed(random_state) -> int:
    if isinstance(random_state, bool) or not isinstance(random_state, (int, np.integer)):
        raise ValueError(
            f"random_state={random_state!r}: glassbox's shuffles are seeded; pass an integer"
        )
    if random_state < 0:
        raise ValueError(f"random_state={random_state} must be >= 0")
    return int(random_state)


def _labels(y, classes):
    """`y` as float64 (samples,): class labels mapped to their index in `classes`."""
    y = np.asarray(y.to_numpy() if hasattr(y, "to_numpy") else y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D (samples,); it has shape {y.shape}")
    if classes is not None:
        index = {c: i for i, c in enumerate(classes)}
        unknown = sorted({str(v) for v in y.tolist() if v not in index})
        if unknown:
            raise ValueError(
                f"y has labels {unknown[:5]} that are not the model's classes {classes}"
            )
        return np.array([index[v] for v in y.tolist()], dtype=np.float64)
    try:
        return y.astype(np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            f"y has dtype {y.dtype}: expected numbers (class labels 0..k-1 for accuracy)"
        ) from None


def permutation_importance(
    model,
    X,
    y,
    n_repeats: int = 5,
    scoring: Optional[str] = None,
    random_state: int = 42,
    n_jobs: Optional[int] = None,
) -> PermutationImportance:
    """Permutation importance: the drop of a score when one feature's column of `X` is
    shuffled, `n_repeats` times per feature.

    model: a model `glassbox.TreeExplainer` accepts, or a function of a 2-D array returning
        (rows,) or (rows, outputs) numbers (called with float64 arrays, or DataFrames of X's
        columns), or an estimator (its `predict_proba` for classifiers, else `predict`).
    X: (samples, features), array or DataFrame. y: (samples,) the target.
    scoring: None (accuracy for classifiers: converted classifiers and the `predict_proba` /
        `decision_function` of a fitted classifier; R² otherwise), `"r2"` (R² of the first
        output) or `"accuracy"` (class indices 0..k-1, or the classifier's labels; the
        predicted class is the argmax of several outputs, or 1 where a single output is > 0).
    random_state: the integer seed of the shuffles; each (feature, repeat) has its own stream,
        so the result does not depend on `n_jobs` (threads; default all cores).
    """
    if scoring not in _SCORINGS:
        raise ValueError(f"scoring={scoring!r} is not one of {_SCORINGS}")
    if isinstance(n_repeats, bool) or not isinstance(n_repeats, (int, np.integer)):
        raise ValueError(f"n_repeats={n_repeats!r} is not an integer")
    if n_repeats < 1:
        raise ValueError(f"n_repeats={n_repeats} must be at least 1")
    seed = _seed(random_state)
    agnostic, arr = resolve(model, X)
    classes = agnostic.classes
    if scoring is None and classes is not None:
        scoring = "accuracy"
    target = _labels(y, classes if scoring == "accuracy" else None)
    out = _native.permutation_importance(
        agnostic.native,
        np.ascontiguousarray(arr),
        np.ascontiguousarray(target),
        repeats=int(n_repeats),
        scoring=scoring,
        seed=seed,
        threads=n_jobs,
    )
    return PermutationImportance(
        importances=out["importances"],
        importances_mean=out["importances_mean"],
        importances_std=out["importances_std"],
        baseline_score=out["baseline"],
        scoring=out["scoring"],
        feature_names=_names(X, out["feature_names"], agnostic),
    )


def partial_dependence(
    model, X, grid_resolution: int = 20, n_jobs: Optional[int] = None
) -> PartialDependence:
    """Partial dependence and ICE curves of every feature over the rows of `X` (samples,
    features), array or DataFrame; `model` as for `glassbox.permutation_importance`.

    Feature j's grid is its distinct values when it has fewer than `grid_resolution` of them,
    else `grid_resolution` evenly spaced points from its 5th to its 95th percentile (numpy's
    default linear interpolation; scikit-learn's `mquantiles` differs slightly on small
    samples). `n_jobs`: threads (default all cores).
    """
    if isinstance(grid_resolution, bool) or not isinstance(grid_resolution, (int, np.integer)):
        raise ValueError(f"grid_resolution={grid_resolution!r} is not an integer")
    if grid_resolution < 2:
        raise ValueError(f"grid_resolution={grid_resolution} must be at least 2")
    agnostic, arr = resolve(model, X)
    out = _native.partial_dependence(
        agnostic.native, np.ascontiguousarray(arr), grid=int(grid_resolution), threads=n_jobs
    )
    vector = agnostic.vector_out
    average = [a if vector else a[:, 0] for a in out["average"]]
    individual = [a if vector else a[..., 0] for a in out["individual"]]
    return PartialDependence(
        grid_values=list(out["grid_values"]),
        average=average,
        individual=individual,
        feature_names=_names(X, out["feature_names"], agnostic),
        output_names=list(out["output_names"]) if vector else None,
        grid_resolution=int(grid_resolution),
    )


def _names(X, native_names, agnostic):
    if agnostic.native.feature_names is not None:
        return list(agnostic.native.feature_names)
    columns = getattr(X, "columns", None)
    if columns is not None:
        return [str(c) for c in columns]
    return list(native_names)
