"""`glassbox.KernelExplainer`: KernelSHAP of any Python model function, with shap's interface."""

from __future__ import annotations

import re
from typing import Optional

import numpy as np

from . import _native
from ._callable import from_function
from ._data import _is_dataframe, as_matrix
from ._explanation import Explanation

_NUM_FEATURES = re.compile(r"^num_features\((\d+)\)$")


class KernelExplainer:
    """SHAP values of any model function by KernelSHAP, a drop-in for `shap.KernelExplainer`.

    model: a function of a 2-D array of shape (rows, features) returning (rows,) or (rows,
        outputs) numbers, e.g. `sk_model.predict` or `sk_model.predict_proba`. It is called
        once per batch (all coalitions of an explained row against the background in one
        call), with a numpy float64 array, or with a DataFrame of the same columns when `data`
        is a DataFrame.
    data: background rows, shape (rows, features) (array or DataFrame); every row is used
        with equal weight (summarise large tables first, e.g. 20-100 rows of `shap.sample` or
        `shap.kmeans` with equal weights). The game explained is the interventional one,
        v(S) = mean over background rows b of f(x_S, b_notS).
    link: `"identity"` only: the outputs are explained as the function returns them.
    feature_names, output_names: names for the results (default: the DataFrame's columns).
    n_jobs: threads (default: all cores); the values do not depend on it.
    seed: seed of the coalition sampling (when not every coalition is enumerated).

    With `nsamples >= 2^M - 2` (M varying features) every coalition is enumerated and the
    values are the exact Shapley values of the game, equal to shap's with `l1_reg=0` to
    ~1e-12. Shapes follow shap 0.51: (samples, features) when the function returns 1-D
    arrays, (samples, features, outputs) when it returns 2-D arrays. The values of every row
    add up exactly to f(x) - expected_value.
    """

    def __init__(
        self,
        model,
        data,
        *,
        link: str = "identity",
        feature_names=None,
        output_names=None,
        n_jobs: Optional[int] = None,
        seed: int = 42,
    ):
        if link != "identity":
            raise ValueError(
                f"link={link!r}: glassbox's KernelSHAP explains the function's outputs as they "
                "are (link='identity'); to explain log-odds, pass a function that returns them"
            )
        if not callable(model):
            raise TypeError(
                f"KernelExplainer needs a function of a 2-D array (e.g. model.predict); got a "
                f"{type(model).__name__}. Tree models: glassbox.TreeExplainer"
            )
        data = _background(data)
        self.agnostic, self.data = from_function(
            model,
            data,
            feature_names=feature_names,
            output_names=output_names,
            what="data",
        )
        self.model = self.agnostic.native
        self.function = self.agnostic.function
        self.data_columns = [str(c) for c in data.columns] if _is_dataframe(data) else None
        self.feature_names = (
            list(feature_names) if feature_names is not None else self.data_columns
        )
        self.output_names = None if output_names is None else list(output_names)
        self.link = link
        self.n_jobs = n_jobs
        self.seed = int(seed)
        self.vector_out = self.agnostic.vector_out
        fb = self.function(self.data)
        self._expected = fb.mean(axis=0)

    @property
    def expected_value(self):
        """Mean model output over the background: a float when the function returns 1-D
        arrays, an array (outputs,) when it returns 2-D arrays."""
        ev = self._expected
        return ev.copy() if self.vector_out else float(ev[0])

    # -- inputs -------------------------------------------------------------------------------

    def _matrix(self, X):
        if hasattr(X, "to_numpy") and not _is_dataframe(X):  # a pandas Series: one row
            X = X.to_numpy()
        arr, _ = as_matrix(X, self.data_columns, n_features=self.data.shape[1])
        return np.ascontiguousarray(arr)

    def _native(self, X, nsamples):
        arr = self._matrix(X)
        out = _native.explain(
            self.model,
            arr,
            "kernel-shap",
            background=self.data,
            nsamples=_nsamples(nsamples),
            seed=self.seed,
            threads=self.n_jobs,
        )
        return arr, out

    # -- shap's interface ---------------------------------------------------------------------

    def shap_values(self, X, *, nsamples="auto", l1_reg=0, silent=False, gc_collect=False):
        """SHAP values of the rows of `X` (array or DataFrame, shape (samples, features)):
        (samples, features) when the function returns 1-D arrays, (samples, features,
        outputs) when it returns 2-D arrays; a single row (1-D `X`) gives (features,) or
        (features, outputs).

        nsamples: coalitions evaluated per row: `"auto"` (2 M + 2048, capped at the 2^M - 2
            there are) or an int of at least 2 M + 2 (or 2^M - 2). With 2^M - 2 or more every
            coalition is enumerated: the exact Shapley values.
        l1_reg: feature selection before the regression. glassbox solves without it: 0 or
            False (default), or `"num_features(k)"` with k >= the number of features (which
            selects every feature); other values are refused with a ValueError.
        silent, gc_collect: accepted for shap compatibility; no effect.
        """
        _check_l1(l1_reg, self.data.shape[1])
        single = np.ndim(X) == 1
        _, out = self._native(X, nsamples)
        v = out["values"] if self.vector_out else out["values"][..., 0]
        return v[0] if single else v

    def __call__(self, X, *, nsamples="auto", l1_reg=0, silent=False) -> Explanation:
        """An `Explanation` of the rows of `X`: values as `shap_values`, base values
        (samples,) or (samples, outputs), the explained data, feature and output names."""
        _check_l1(l1_reg, self.data.shape[1])
        arr, out = self._native(X, nsamples)
        values, base = out["values"], out["base_values"]
        if not self.vector_out:
            values, base = values[..., 0], base[:, 0]
        names = self.feature_names or list(out["feature_names"])
        output_names = None
        if self.vector_out:
            output_names = self.output_names or list(out["output_names"])
        return Explanation(values, base, arr, names, output_names, method=out["method"])

    def __repr__(self):
        return (
            f"glassbox.KernelExplainer({self.function!r}, {self.data.shape[0]} background "
            f"rows, {self.data.shape[1]} features)"
        )


def _background(data):
    """The background table: an array or DataFrame, or shap's `DenseData` summary (from
    `shap.sample` / `shap.kmeans`) when its rows are equally weighted."""
    if hasattr(data, "weights") and hasattr(data, "data") and not _is_dataframe(data):
        w = np.asarray(data.weights, dtype=np.float64)
        if w.size and not np.allclose(w, w[0], rtol=1e-12, atol=0.0):
            raise ValueError(
                "a weighted background (shap.kmeans) is not supported: glassbox weighs every "
                "background row equally; pass the rows themselves (e.g. shap.sample(X, 50))"
            )
        return np.asarray(data.data)
    return data


def _nsamples(nsamples):
    if isinstance(nsamples, str):
        if nsamples != "auto":
            raise ValueError(f"nsamples={nsamples!r} is not 'auto' or an integer")
        return None
    if isinstance(nsamples, (bool, np.bool_)) or not isinstance(nsamples, (int, np.integer)):
        raise ValueError(f"nsamples={nsamples!r} is not 'auto' or an integer")
    if nsamples < 1:
        raise ValueError(f"nsamples={nsamples} must be positive")
    return int(nsamples)


def _check_l1(l1_reg, n_features: int):
    """Refuses L1 selections glassbox does not perform (see `KernelExplainer.shap_values`)."""
    if l1_reg is False or (
        isinstance(l1_reg, (int, float, np.number))
        and not isinstance(l1_reg, bool)
        and l1_reg == 0
    ):
        return
    if isinstance(l1_reg, str):
        m = _NUM_FEATURES.match(l1_reg)
        if m and int(m.group(1)) >= n_features:
            return
    raise ValueError(
        f"l1_reg={l1_reg!r} is not supported: glassbox's KernelSHAP solves the regression "
        f"without L1 feature selection; use l1_reg=0 (or 'num_features(k)' with k >= the "
        f"{n_features} features, which keeps them all)"
    )
