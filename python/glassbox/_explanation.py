"""`glassbox.Explanation`: attributions with everything needed to read and plot them."""

from __future__ import annotations

import numbers
import os
from typing import Any, Dict, List, Optional

import numpy as np

from ._atomic import write_atomic

# The marker and version of `Explanation.save` files.
_FORMAT = "glassbox.Explanation"
_VERSION = 1


class Explanation:
    """Attributions of some rows, shaped like `shap.Explanation`.

    values: (samples, features) for single-output models, (samples, features, outputs)
        otherwise (as shap 0.51 returns them).
    base_values: (samples,) or (samples, outputs): the expected output the values start from.
    data: (samples, features): the explained feature values.
    feature_names: one per feature. output_names: one per output (None for one output).
    interactions: SHAP interaction values, (samples, features, features[, outputs]), when the
        explainer computed them.
    For every row, base_values + values.sum over features = the model output explained.

    Plot it with `glassbox.plots`, hand it to shap with `to_shap()`, tabulate it with
    `to_frame()`, keep it with `save(path)` / `Explanation.load(path)`; it pickles.

    Some explainers attach what they measured (None where not known):
    predictions: the model output explained, (samples,) or (samples, outputs).
    row_ids, margin_link, categories: an explanation loaded from a `glassbox explain` run
        folder: the rows' ids, how its outputs map to probabilities ("identity", "logistic",
        "softmax"), and per feature its category labels (None for numeric features; the data
        of a categorical feature is the index of the row's category, NaN if unseen).
    local_accuracy_max_rel_error: exact methods: largest relative error of base + sum = output.
    completeness_gap: approximate methods (Integrated Gradients, GradientSHAP, LIME):
        sum |f - base - sum φ| / sum |f - base| over rows and outputs.
    seconds: compute time of the values.
    score, local_prediction: LIME: each surrogate's weighted R² and its value at the row,
        shaped like base_values.
    """

    predictions = None
    row_ids = None
    margin_link = None
    categories = None
    local_accuracy_max_rel_error = None
    completeness_gap = None
    seconds = None
    score = None
    local_prediction = None

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
        self.feature_names = None if feature_names is None else [str(f) for f in feature_names]
        self.output_names = None if output_names is None else [str(o) for o in output_names]
        self.method = method
        self.interactions = interactions
        if self.values.ndim not in (2, 3):
            raise ValueError(
                f"values must be (samples, features[, outputs]); got shape {self.values.shape}"
            )
        n, m = self.values.shape[:2]
        if self.base_values.ndim == 0:
            self.base_values = np.full(n, float(self.base_values))
        if self.base_values.shape[:1] != (n,):
            raise ValueError(
                f"base_values must have one entry per row ({n}); got shape "
                f"{self.base_values.shape}"
            )
        if self.data is not None and self.data.shape != (n, m):
            raise ValueError(
                f"data must be (samples, features) = ({n}, {m}); got shape {self.data.shape}"
            )
        if self.feature_names is not None and len(self.feature_names) != m:
            raise ValueError(
                f"{len(self.feature_names)} feature names for {m} features"
            )

    @property
    def shape(self):
        """The shape of `values`."""
        return self.values.shape

    def __len__(self):
        return self.values.shape[0]

    def __repr__(self):
        return (
            f"glassbox.Explanation({self.method or 'values'}, values shape {self.values.shape})"
        )

    def __getitem__(self, item):
        """Rows (and, for multi-output values, outputs) as a new Explanation: `e[0]` (one row,
        kept 2-D), `e[:10]`, `e[mask]`, `e[:, :, 1]` or `e[:, :, "class name"]` (one output:
        values become (samples, features)), `e[:5, :, :2]`."""
        if not isinstance(item, tuple):
            item = (item,)
        if len(item) > 3:
            raise IndexError("select rows and outputs: e[rows] or e[rows, :, output]")
        rows = item[0]
        if isinstance(rows, (numbers.Integral, np.integer)) and not isinstance(rows, bool):
            n = len(self)
            r = int(rows)
            if not -n <= r < n:
                raise IndexError(f"row {r} is out of range: the explanation has {n} rows")
            r %= n
            rows = slice(r, r + 1)
        if len(item) >= 2 and not _is_all(item[1]):
            raise IndexError(
                "features cannot be selected (the values of a row must sum to its output): "
                "use e[rows] or e[rows, :, output]"
            )
        values = self.values[rows]
        base = self.base_values[rows]
        data = None if self.data is None else self.data[rows]
        inter = None if self.interactions is None else np.asarray(self.interactions)[rows]
        names = self.output_names
        out = item[2] if len(item) == 3 else slice(None)
        if not _is_all(out):
            if self.values.ndim == 2:
                raise IndexError("this explanation has a single output: use e[rows]")
            k = self.values.shape[2]
            all_names = names if names is not None else [str(i) for i in range(k)]
            if isinstance(out, str):
                if out not in all_names:
                    raise IndexError(
                        f"output {out!r} is not one of the explanation's outputs: {all_names}"
                    )
                out = all_names.index(out)
            values = values[:, :, out]
            base = base[:, out]
            if inter is not None and inter.ndim == 4:
                inter = inter[..., out]
            if names is not None:
                picked = np.asarray(names, dtype=object)[out]
                names = [str(picked)] if values.ndim == 2 else [str(p) for p in picked]
        return Explanation(values, base, data, self.feature_names, names, self.method, inter)

    # -- other libraries ----------------------------------------------------------------------

    def to_shap(self):
        """The same explanation as a `shap.Explanation` (values, base values, data, feature
        and output names), for shap's own plots and tools. Needs the `shap` package."""
        try:
            import shap
        except ImportError as e:
            raise ImportError(
                "Explanation.to_shap() needs the shap package: pip install shap "
                "(glassbox.plots draws the same plots without it)"
            ) from e
        return shap.Explanation(
            values=self.values.copy(),
            base_values=self.base_values.copy(),
            data=None if self.data is None else self.data.copy(),
            feature_names=None if self.feature_names is None else list(self.feature_names),
            output_names=None if self.output_names is None else list(self.output_names),
        )

    def to_frame(self, layout: str = "wide"):
        """The values as a pandas DataFrame (needs pandas).

        `layout="wide"`: one row per explained row (index `row`), one column per feature;
        with several outputs the columns are a MultiIndex (output, feature).
        `layout="long"`: one row per (row, output, feature) with columns `row`, `output`,
        `feature`, `value` (the attribution), `data` (the feature's value, NaN when the
        explanation has no data) and `base_value`.
        """
        try:
            import pandas as pd
        except ImportError as e:
            raise ImportError("Explanation.to_frame() needs pandas: pip install pandas") from e
        if layout not in ("wide", "long"):
            raise ValueError(f"layout={layout!r} is not one of ('wide', 'long')")
        n, m = self.values.shape[:2]
        features = self._feature_names()
        outputs = self._output_names()
        values = self.values if self.values.ndim == 3 else self.values[:, :, None]
        k = values.shape[2]
        index = pd.RangeIndex(n, name="row")
        if layout == "wide":
            if self.values.ndim == 2:
                return pd.DataFrame(self.values, index=index, columns=features)
            columns = pd.MultiIndex.from_product([outputs, features], names=["output", "feature"])
            wide = values.transpose(0, 2, 1).reshape(n, k * m)
            return pd.DataFrame(wide, index=index, columns=columns)
        base = self.base_values.reshape(n, -1)
        base = np.broadcast_to(base, (n, k)) if base.shape[1] == 1 else base
        data = np.full((n, m), np.nan) if self.data is None else self.data
        return pd.DataFrame(
            {
                "row": np.repeat(np.arange(n), k * m),
                "output": np.tile(np.repeat(np.asarray(outputs, dtype=object), m), n),
                "feature": np.tile(np.asarray(features, dtype=object), n * k),
                "value": values.transpose(0, 2, 1).reshape(-1),
                "data": np.repeat(data[:, None, :], k, axis=1).reshape(-1),
                "base_value": np.repeat(base, m, axis=1).reshape(-1),
            }
        )

    def to_pandas(self, layout: str = "wide"):
        """Same as `to_frame`."""
        return self.to_frame(layout)

    # -- files --------------------------------------------------------------------------------

    def save(self, path) -> str:
        """Writes the explanation to `path` as a numpy `.npz` archive (values, base values,
        data, feature and output names, method, interaction values), atomically: no partial
        file is left on failure. `Explanation.load(path)` reads it back, e.g. to plot it
        later without the model. Returns the path written."""
        arrays: Dict[str, Any] = {
            "format": np.array(_FORMAT),
            "version": np.array(_VERSION),
            "values": self.values,
            "base_values": self.base_values,
            "method": np.array(str(self.method or "")),
        }
        if self.data is not None:
            try:
                arrays["data"] = np.asarray(self.data, dtype=np.float64)
            except (TypeError, ValueError):
                raise TypeError(
                    "Explanation.save stores numeric data only; this explanation's data has "
                    f"dtype {self.data.dtype}"
                ) from None
        if self.feature_names is not None:
            arrays["feature_names"] = np.array(self.feature_names, dtype=str)
        if self.output_names is not None:
            arrays["output_names"] = np.array(self.output_names, dtype=str)
        if self.interactions is not None:
            arrays["interactions"] = np.asarray(self.interactions, dtype=np.float64)
        return write_atomic(path, lambda f: np.savez_compressed(f, **arrays))

    @classmethod
    def load(cls, path) -> "Explanation":
        """Reads an explanation written by `save`, or the folder of a `glassbox explain` run
        (its `saved_explanation.json` and `.npy` arrays; see `_load_run`). A missing file is an
        OSError (naming the path); a file that is not a saved explanation is a ValueError."""
        p = os.fspath(path)
        if os.path.isdir(p):
            return _load_run(cls, p)
        try:
            archive = np.load(p, allow_pickle=False)
        except (OSError, EOFError) as e:
            if isinstance(e, FileNotFoundError):
                raise FileNotFoundError(e.errno, f"no such explanation file: {p}", p) from None
            raise ValueError(f"{p} is not a saved glassbox.Explanation (.npz): {e}") from None
        except ValueError as e:
            raise ValueError(f"{p} is not a saved glassbox.Explanation (.npz): {e}") from None
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise ValueError(f"{p} is not a saved glassbox.Explanation (.npz)")
        with archive as z:
            keys = set(z.files)
            if "format" not in keys or str(z["format"]) != _FORMAT:
                raise ValueError(
                    f"{p} is an .npz file but not a saved glassbox.Explanation "
                    f"(it holds: {', '.join(sorted(keys)) or 'nothing'})"
                )
            version = int(z["version"]) if "version" in keys else 0
            if version > _VERSION:
                raise ValueError(
                    f"{p} was saved by a newer glassbox (format version {version}; this "
                    f"version reads {_VERSION}): upgrade glassbox"
                )

            def get(key):
                return z[key] if key in keys else None

            names = get("feature_names")
            outputs = get("output_names")
            return cls(
                z["values"],
                z["base_values"],
                get("data"),
                None if names is None else names.tolist(),
                None if outputs is None else outputs.tolist(),
                str(z["method"]) if "method" in keys else "",
                get("interactions"),
            )

    # -- helpers ------------------------------------------------------------------------------

    def _feature_names(self) -> List[str]:
        if self.feature_names is not None:
            return list(self.feature_names)
        return [f"f{j}" for j in range(self.values.shape[1])]

    def _output_names(self) -> List[str]:
        k = 1 if self.values.ndim == 2 else self.values.shape[2]
        if self.output_names is not None and len(self.output_names) == k:
            return list(self.output_names)
        return ["output"] if k == 1 else [str(i) for i in range(k)]


def _is_all(key) -> bool:
    """Whether an index selects everything (`:`)."""
    return isinstance(key, slice) and key == slice(None)


# The manifest of a `glassbox explain` run folder (format "glassbox-explanation").
_RUN_MANIFEST = "saved_explanation.json"
_RUN_FORMAT = "glassbox-explanation"
_RUN_VERSION = 1


def _load_run(cls, folder: str) -> Explanation:
    """The saved explanation of a `glassbox explain` run folder, read with numpy alone:
    `saved_explanation.json` names the rows, features, outputs and method and lists the arrays
    (`values.npy` (samples, features, outputs), `base_values.npy` and `predictions.npy`
    (samples, outputs), `data.npy` (samples, features), `interaction_values.npy` (samples,
    features, features, outputs) for interaction runs). A single-output run gives 2-D values,
    as the explainers return them. `row_ids`, `margin_link` and `categories` are attached."""
    import json

    manifest_path = os.path.join(folder, _RUN_MANIFEST)
    if not os.path.isfile(manifest_path):
        raise FileNotFoundError(
            2,
            f"{folder} has no {_RUN_MANIFEST}: expected the folder of a `glassbox explain` run "
            "(runs explained with --chunk-rows keep no saved explanation)",
            manifest_path,
        )
    with open(manifest_path, encoding="utf-8") as f:
        try:
            m = json.load(f)
        except json.JSONDecodeError as e:
            raise ValueError(f"{manifest_path}: not JSON: {e}") from None
    if not isinstance(m, dict) or m.get("format") != _RUN_FORMAT:
        raise ValueError(f"{manifest_path}: not a {_RUN_FORMAT} manifest")
    if m.get("version") != _RUN_VERSION:
        raise ValueError(
            f"{manifest_path}: version {m.get('version')} is not supported (this glassbox reads "
            f"version {_RUN_VERSION}): upgrade glassbox"
        )
    n, f_, o = len(m["row_ids"]), len(m["feature_names"]), len(m["output_names"])
    expected = {
        "values": (n, f_, o),
        "base_values": (n, o),
        "data": (n, f_),
        "predictions": (n, o),
        "interaction_values": (n, f_, f_, o),
    }
    arrays = {}
    for entry in m["arrays"]:
        name, file = entry["name"], entry["file"]
        if os.path.basename(file) != file or file.startswith("."):
            raise ValueError(f"{manifest_path}: array file {file!r} is not a plain file name")
        a = np.load(os.path.join(folder, file), allow_pickle=False)
        if name in expected and a.shape != expected[name]:
            raise ValueError(
                f"{os.path.join(folder, file)}: shape {a.shape}, expected {expected[name]}"
            )
        arrays[name] = a
    for name in ("values", "base_values"):
        if name not in arrays:
            raise ValueError(f"{manifest_path}: lists no {name!r} array")
    values, base = arrays["values"], arrays["base_values"]
    inter = arrays.get("interaction_values")
    pred = arrays.get("predictions")
    if o == 1:
        values, base = values[:, :, 0], base[:, 0]
        inter = None if inter is None else inter[..., 0]
        pred = None if pred is None else pred[:, 0]
    e = cls(
        values,
        base,
        arrays.get("data"),
        m["feature_names"],
        None if o == 1 else m["output_names"],
        m.get("method", ""),
        inter,
    )
    e.predictions = pred
    e.row_ids = list(m["row_ids"])
    e.margin_link = m.get("margin_link")
    e.categories = m.get("categories")
    return e
