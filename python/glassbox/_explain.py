"""`glassbox.explain`: any method of the library on any model, in one call."""

from __future__ import annotations

from typing import Optional

from . import _native
from ._convert import convert
from ._data import as_matrix, feature_names_of
from ._explanation import Explanation

METHODS = (
    "tree-shap",
    "interventional-tree-shap",
    "interactions",
    "deep-shap",
    "integrated-gradients",
    "gradient-shap",
    "kernel-shap",
    "lime",
)


def explain(
    model,
    X,
    method: str,
    data=None,
    *,
    output: str = "raw",
    seed: int = 42,
    n_jobs: Optional[int] = None,
    **settings,
) -> Explanation:
    """Explains the rows of `X` with one of the library's per-row methods.

    model: anything `TreeExplainer` accepts (scikit-learn, XGBoost, LightGBM, a glassbox run
        folder or model file, a `glassbox.Model`): glassbox MLPs (`glassbox train --model mlp`)
        are explained here with `deep-shap`, `integrated-gradients` or `gradient-shap`.
    X: rows (samples, features), array or DataFrame. data: background rows for the methods
        that use one (every method but `tree-shap` and `interactions`).
    method: one of `METHODS`. output: `raw` or `probability` (classifiers).
    settings: the method's own settings, as the library names them: `nsamples` (kernel-shap),
        `kmeans` (summarise `data` by k-means), `lime_samples`, `lime_mode`, `steps`
        (integrated-gradients), `gradient_samples` (gradient-shap), `probability_method`.

    Returns an `Explanation` with values (samples, features, outputs) and base values
    (samples, outputs) — all outputs kept, whatever their number. Exact methods are checked
    for local accuracy (1e-9 relative) before returning; approximate ones report
    `explanation.completeness_gap`.
    """
    if method not in METHODS:
        raise ValueError(f"method {method!r} is not one of {METHODS}")
    c = convert(model)
    native = c.native
    arr, names = as_matrix(X, native.feature_names, dtype=c.input_dtype, n_features=native.n_features)
    background = None
    if data is not None:
        background, _ = as_matrix(
            data, native.feature_names, what="data", dtype=c.input_dtype, n_features=native.n_features
        )
    out = _native.explain(
        native,
        arr,
        method,
        background=background,
        output="margin" if output == "raw" else output,
        seed=seed,
        threads=n_jobs,
        **settings,
    )
    e = Explanation(
        out["values"],
        out["base_values"],
        arr,
        native.feature_names or names or feature_names_of(X) or list(out["feature_names"]),
        list(out["output_names"]),
        method=method,
        interactions=out["interactions"],
    )
    e.predictions = out["predictions"]
    e.completeness_gap = out["completeness_gap"]
    e.local_accuracy_max_rel_error = out["local_accuracy_max_rel_error"]
    e.seconds = out["seconds"]
    return e


__all__ = ["METHODS", "explain"]
