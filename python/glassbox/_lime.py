"""`glassbox.LimeTabular`: LIME surrogates of any model on tables (the `lime` package's
`LimeTabularExplainer`, every feature kept)."""

from __future__ import annotations

from typing import Optional

import numpy as np

from . import _native
from ._callable import resolve
from ._data import _is_dataframe, as_matrix
from ._explanation import Explanation

_MODES = ("quartile", "continuous")


class LimeTabular:
    """LIME (Ribeiro et al. 2016) for tables: a weighted ridge surrogate fitted around each
    explained row on perturbed samples.

    model: a function of a 2-D array returning (rows,) or (rows, outputs) numbers (e.g.
        `sk_model.predict_proba`; called once per explained row with all its samples), or a
        model `glassbox.TreeExplainer` accepts (its raw outputs are explained).
    data: training rows, shape (rows, features) (array or DataFrame, no missing values): the
        perturbation statistics (means, standard deviations, quartiles) come from them.
    mode: `"quartile"` (lime's default `discretize_continuous=True`: a weight is the effect of
        "being in the row's quartile bin") or `"continuous"` (Gaussian samples around the
        training mean, fitted on standardised values: a weight is the local slope per training
        standard deviation).
    n_samples: perturbed samples per row, the row itself included (lime's `num_samples`).
    seed: row i draws from its own stream of `seed`, so results do not depend on `n_jobs`.
    feature_names, n_jobs: as for `glassbox.KernelExplainer`.

    The kernel is lime's `sqrt(exp(-d^2 / w^2))` with width w = 0.75 sqrt(features) and the
    surrogate `Ridge(alpha=1)` on every feature.
    """

    def __init__(
        self,
        model,
        data,
        *,
        mode: str = "quartile",
        n_samples: int = 5000,
        seed: int = 42,
        feature_names=None,
        n_jobs: Optional[int] = None,
    ):
        if mode not in _MODES:
            raise ValueError(f"mode={mode!r} is not one of {_MODES}")
        if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)):
            raise ValueError(f"n_samples={n_samples!r} is not an integer")
        if n_samples < 2:
            raise ValueError(
                f"n_samples={n_samples}: LIME needs at least 2 samples (the row and one "
                "perturbation)"
            )
        self.agnostic, self.data = resolve(model, data, what="data")
        self.model = self.agnostic.native
        self.data_columns = [str(c) for c in data.columns] if _is_dataframe(data) else None
        self.feature_names = (
            list(feature_names)
            if feature_names is not None
            else self.data_columns or self.model.feature_names
        )
        self.mode = mode
        self.n_samples = int(n_samples)
        self.seed = int(seed)
        self.n_jobs = n_jobs

    def explain(self, X) -> Explanation:
        """LIME surrogates of the rows of `X` (array or DataFrame, shape (samples, features)).

        Returns an `Explanation` whose `values` are the surrogates' weights, (samples,
        features) for one output or (samples, features, outputs), and `base_values` their
        intercepts, (samples,) or (samples, outputs). In quartile mode intercept + the sum of
        the weights is the surrogate's prediction at the row; in continuous mode it is
        intercept + sum of weight × the row's standardised value. It also carries, with the
        same (samples,) / (samples, outputs) shape: `score` (each surrogate's weighted R² on
        its samples: its fidelity), `local_prediction` (the surrogate at the row) and
        `predictions` (the model at the row).
        """
        arr, _ = as_matrix(
            X,
            self.data_columns or self.model.feature_names,
            dtype=self.agnostic.input_dtype,
            n_features=self.data.shape[1],
        )
        out = _native.lime_tabular(
            self.model,
            np.ascontiguousarray(arr),
            self.data,
            mode=self.mode,
            samples=self.n_samples,
            seed=self.seed,
            threads=self.n_jobs,
        )
        vector = self.agnostic.vector_out

        def per_row(a):
            return a if vector else a[:, 0]

        values = out["weights"] if vector else out["weights"][..., 0]
        output_names = list(out["output_names"]) if vector else None
        e = Explanation(
            values,
            per_row(out["intercept"]),
            arr,
            self.feature_names or list(out["feature_names"]),
            output_names,
            method=f"lime-{self.mode}",
        )
        e.score = per_row(out["score"])
        e.local_prediction = per_row(out["local_prediction"])
        e.predictions = per_row(out["prediction"])
        return e

    def __repr__(self):
        return (
            f"glassbox.LimeTabular(mode={self.mode!r}, n_samples={self.n_samples}, "
            f"{self.data.shape[0]} training rows)"
        )
