"""`glassbox.TreeExplainer`: exact TreeSHAP with shap's interface."""

from __future__ import annotations

from typing import Optional

import numpy as np

from . import _native
from ._convert import convert
from ._data import as_matrix, feature_names_of
from ._explanation import Explanation

_PERTURBATIONS = ("auto", "tree_path_dependent", "interventional")
_OUTPUTS = ("raw", "probability")


class TreeExplainer:
    """Exact SHAP values of tree models, a drop-in for `shap.TreeExplainer`.

    model: a scikit-learn, XGBoost or LightGBM tree model, a glassbox model or the path of a
        model file / run folder (see `glassbox.supported_models`).
    data: background rows (array or DataFrame) for `feature_perturbation="interventional"`;
        every row is used (summarise large tables first, e.g. a sample of 100-1000 rows).
    feature_perturbation: `"tree_path_dependent"` (expectations under the trees' training
        covers; no data needed), `"interventional"` (exact Shapley values against each
        background row, averaged), or `"auto"`: interventional when `data` is given.
    model_output: `"raw"` (the trees' own output: log-odds of boosted classifiers, class
        fractions of forest classifiers) or `"probability"` (boosted classifiers explained in
        probability space; interventional only, computed like shap by rescaling each
        background reference's values; `probability_method="exact"` gives the exact Shapley
        values of the probability instead).
    n_jobs: threads (default: all cores).

    Values equal shap's to ~1e-12 (path-dependent and interventional, interactions); shapes
    follow shap 0.51: (samples, features) for one output, (samples, features, outputs) for
    several.
    """

    def __init__(
        self,
        model,
        data=None,
        feature_perturbation: str = "auto",
        model_output: str = "raw",
        *,
        n_jobs: Optional[int] = None,
        probability_method: str = "rescaled",
    ):
        if feature_perturbation not in _PERTURBATIONS:
            raise ValueError(
                f"feature_perturbation={feature_perturbation!r} is not one of {_PERTURBATIONS}"
            )
        if model_output not in _OUTPUTS:
            raise ValueError(f"model_output={model_output!r} is not one of {_OUTPUTS}")
        if probability_method not in ("rescaled", "exact"):
            raise ValueError(
                f"probability_method={probability_method!r} is not one of ('rescaled', 'exact')"
            )
        self.converted = convert(model)
        self.model = self.converted.native
        if not self.model.has_trees:
            raise TypeError(
                f"TreeExplainer needs a tree model; {self.converted.kind} is a "
                f"{self.model.kind}: use glassbox.KernelExplainer"
            )
        if feature_perturbation == "auto":
            feature_perturbation = "tree_path_dependent" if data is None else "interventional"
        if feature_perturbation == "interventional" and data is None:
            raise ValueError(
                "feature_perturbation='interventional' needs background data: "
                "TreeExplainer(model, data=X_background)"
            )
        self.feature_perturbation = feature_perturbation
        self.model_output = model_output
        self.probability_method = probability_method
        self.n_jobs = n_jobs
        self._output = "margin"
        if model_output == "probability" and self.converted.tree_output != "probability":
            if self.model.link == "identity":
                raise ValueError(
                    f"model_output='probability' needs a classifier; {self.converted.kind} "
                    "outputs raw values"
                )
            if feature_perturbation != "interventional":
                raise ValueError(
                    "model_output='probability' is computed with "
                    "feature_perturbation='interventional' and background data (as in shap)"
                )
            self._output = "probability"
        self.feature_names = self.model.feature_names
        self.data = None
        if data is not None:
            self.data, names = self._matrix(data, "data")
            if self.feature_names is None:
                self.feature_names = names
        self._expected = None

    # -- inputs -------------------------------------------------------------------------------

    def _matrix(self, x, what="X"):
        return as_matrix(
            x,
            self.model.feature_names,
            what=what,
            dtype=self.converted.input_dtype,
            n_features=self.model.n_features,
        )

    def _native(self, x, method):
        arr, _ = self._matrix(x)
        background = None
        if method == "interventional-tree-shap":
            background = self.data
        out = _native.explain(
            self.model,
            arr,
            method,
            background=background,
            output=self._output,
            probability_method=self.probability_method
            if method == "interventional-tree-shap"
            else "exact",
            threads=self.n_jobs,
        )
        return arr, out

    def _method(self):
        if self.feature_perturbation == "interventional":
            return "interventional-tree-shap"
        return "tree-shap"

    # -- shap's interface ---------------------------------------------------------------------

    @property
    def expected_value(self):
        """The base value: a float for one output, an array (outputs,) for several."""
        if self._expected is None:
            if self.feature_perturbation == "interventional":
                p = self.model.predict(
                    self.data, probability=self._output == "probability", threads=self.n_jobs
                )
                ev = p.mean(axis=0)
            else:
                # TreeSHAP's own base value v(empty) (the same for every row). Not
                # `tree_expected_value()`: that weighs leaves by cover[leaf] / cover[root],
                # which differs (~1e-8) from TreeSHAP's products of child cover shares where
                # the covers are not additive (XGBoost's float32 hessian sums of classifiers).
                row = np.zeros((1, self.model.n_features))
                out = _native.explain(self.model, row, "tree-shap", threads=self.n_jobs)
                ev = np.asarray(out["base_values"][0], dtype=np.float64)
            self._expected = ev
        ev = self._expected
        return float(ev[0]) if ev.shape[0] == 1 else ev.copy()

    def shap_values(self, X, y=None, tree_limit=None, approximate=False, check_additivity=True):
        """SHAP values of the rows of `X`: (samples, features) for one output, (samples,
        features, outputs) for several; a single row (1-D `X`) gives (features,) or
        (features, outputs). Local accuracy is checked inside at 1e-9 (relative)."""
        if approximate:
            raise ValueError("approximate=True (Saabas) is not supported: glassbox is exact")
        if tree_limit is not None:
            raise ValueError("tree_limit is not supported: slice the model instead")
        single = np.ndim(X) == 1
        _, out = self._native(X, self._method())
        return _shape(out["values"], single)

    def shap_interaction_values(self, X, y=None, tree_limit=None):
        """SHAP interaction values (path-dependent): (samples, features, features) for one
        output, (samples, features, features, outputs) for several; the diagonal holds the
        main effects and each row sums to the SHAP values."""
        if self.feature_perturbation != "tree_path_dependent":
            raise ValueError(
                "interaction values are computed with feature_perturbation="
                "'tree_path_dependent' (as in shap)"
            )
        if self._output != "margin":
            raise ValueError("interaction values are computed for model_output='raw'")
        single = np.ndim(X) == 1
        _, out = self._native(X, "interactions")
        inter = out["interactions"]
        if inter.shape[-1] == 1:
            inter = inter[..., 0]
        return inter[0] if single else inter

    def __call__(self, X, y=None, interactions=False, check_additivity=True) -> Explanation:
        """An `Explanation` of the rows of `X` (values, base values, data, names)."""
        method = "interactions" if interactions else self._method()
        if interactions and self.feature_perturbation != "tree_path_dependent":
            raise ValueError(
                "interaction values are computed with feature_perturbation='tree_path_dependent'"
            )
        arr, out = self._native(X, method)
        names = feature_names_of(X) if self.model.feature_names is None else None
        return _explanation(self, arr, out, names)

    def __repr__(self):
        return (
            f"glassbox.TreeExplainer({self.converted.kind}, "
            f"feature_perturbation={self.feature_perturbation!r}, "
            f"model_output={self.model_output!r})"
        )


def _shape(values, single):
    v = values[..., 0] if values.shape[-1] == 1 else values
    return v[0] if single else v


def _explanation(explainer, arr, out, names=None) -> Explanation:
    values = out["values"]
    base = out["base_values"]
    k = values.shape[-1]
    if k == 1:
        values, base = values[..., 0], base[:, 0]
    output_names = None
    classes = explainer.converted.classes
    if k > 1:
        if classes is not None and len(classes) == k:
            output_names = [str(c) for c in classes]
        else:
            output_names = list(out["output_names"])
    feature_names = explainer.feature_names or names or list(out["feature_names"])
    inter = out.get("interactions")
    if inter is not None and inter.shape[-1] == 1:
        inter = inter[..., 0]
    return Explanation(
        values,
        base,
        arr,
        feature_names,
        output_names,
        method=out["method"],
        interactions=inter,
    )
