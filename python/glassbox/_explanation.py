"""`glassbox.Explanation`: attributions with everything needed to read and plot them."""

from __future__ import annotations

from typing import List, Optional

import numpy as np


class Explanation:
    """Attributions of some rows, shaped like `shap.Explanation`.

    values: (samples, features) for single-output models, (samples, features, outputs)
        otherwise (as shap 0.51 returns them).
    base_values: (samples,) or (samples, outputs): the expected output the values start from.
    data: (samples, features): the explained feature values.
    feature_names: one per feature. output_names: one per output (None for one output).
    For every row, base_values + values.sum over features = the model output explained.
    """

    def __init__(
        self,
        values,
        base_values,
        data=None,
        feature_names: Optional[List[str]] = None,
        output_names: Optional[List[str]] = None,
        method: str = "",
        interactions=None,
    ):
        self.values = np.asarray(values, dtype=np.float64)
        self.base_values = np.asarray(base_values, dtype=np.float64)
        self.data = None if data is None else np.asarray(data)
        self.feature_names = None if feature_names is None else list(feature_names)
        self.output_names = None if output_names is None else list(output_names)
        self.method = method
        self.interactions = interactions
        if self.values.ndim not in (2, 3):
            raise ValueError(
                f"values must be (samples, features[, outputs]); got shape {self.values.shape}"
            )

    @property
    def shape(self):
        return self.values.shape

    def __len__(self):
        return self.values.shape[0]

    def __repr__(self):
        return (
            f"glassbox.Explanation({self.method or 'values'}, values shape {self.values.shape})"
        )

    def __getitem__(self, item):
        """Rows (and, for multi-output values, an output) as a new Explanation:
        `e[0]`, `e[:10]`, `e[:, :, 1]`."""
        if not isinstance(item, tuple):
            item = (item,)
        rows = item[0]
        if isinstance(rows, (int, np.integer)):
            rows = slice(rows, rows + 1 if rows != -1 else None)
        out = None
        if len(item) == 3 and self.values.ndim == 3:
            out = item[2]
        elif len(item) > 1 and item[1] != slice(None):
            raise IndexError("select rows and outputs: e[rows] or e[rows, :, output]")
        values = self.values[rows]
        base = self.base_values[rows]
        names = self.output_names
        if out is not None:
            values = values[:, :, out]
            base = base[:, out]
            names = None if names is None else [names[out]]
        return Explanation(
            values,
            base,
            None if self.data is None else self.data[rows],
            self.feature_names,
            names,
            self.method,
        )
