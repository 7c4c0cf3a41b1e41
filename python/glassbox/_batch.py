"""Explaining a distributed table batch by batch: the code shared by `glassbox.spark` and
`glassbox.dask`.

The driver builds a `Plan` with `make_plan`: the model is converted once (so the workers need
neither scikit-learn, XGBoost nor LightGBM), checked against the feature columns, and pickled
with the background rows into one payload; the plan also fixes the output columns. Each worker
turns a batch (a pyarrow `RecordBatch` from Spark, a pandas partition from dask) into a float64
matrix, calls `glassbox.explain` on it and lays the result out as columns. The payload is
unpickled at most once per worker process (`_load`, a cache keyed by the payload's hash).
"""

from __future__ import annotations

import hashlib
import pickle
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from ._convert import convert
from ._data import as_matrix
from ._explain import METHODS, explain

BASE_VALUE = "base_value"
PREDICTION = "prediction"
# Output separator of multi-output column names: `<feature>__<output>`.
SEPARATOR = "__"


@dataclass
class Plan:
    """What every batch is explained with (pickled to the workers; the model travels as
    `payload`, unpickled once per worker process).

    features: the input columns, in the model's feature order. id_cols: columns copied from
    the input to the output. shap_columns: (features × outputs) output column names, feature
    by feature, output by output. base_columns, prediction_columns: one per output.
    """

    payload: Any
    """The pickled (converted model, background rows): bytes, or an object whose `.value`
    is those bytes (a Spark broadcast variable)."""
    token: str
    features: List[str]
    id_cols: List[str]
    n_outputs: int
    output_names: List[str]
    shap_columns: List[str]
    base_columns: List[str]
    prediction_columns: List[str]
    method: str
    output: str
    seed: int
    threads: Optional[int]
    settings: Dict[str, Any] = field(default_factory=dict)

    @property
    def value_columns(self) -> List[str]:
        """The float64 output columns, in order: SHAP values, base values, predictions."""
        return self.shap_columns + self.base_columns + self.prediction_columns

    @property
    def columns(self) -> List[str]:
        """Every output column, in order: the id columns first."""
        return self.id_cols + self.value_columns


def output_columns(
    features: Sequence[str], output_names: Sequence[str], prefix: str = ""
) -> Tuple[List[str], List[str], List[str]]:
    """The SHAP, base value and prediction column names.

    One output: `<prefix><feature>`, `base_value`, `prediction`. Several outputs (k > 1):
    `<prefix><feature>__<output>` for every feature and output (feature-major),
    `base_value__<output>` and `prediction__<output>`, with `output_names` as
    `output_labels` writes them.
    """
    if len(output_names) == 1:
        return [f"{prefix}{f}" for f in features], [BASE_VALUE], [PREDICTION]
    shap = [f"{prefix}{f}{SEPARATOR}{o}" for f in features for o in output_names]
    base = [f"{BASE_VALUE}{SEPARATOR}{o}" for o in output_names]
    pred = [f"{PREDICTION}{SEPARATOR}{o}" for o in output_names]
    return shap, base, pred


def output_labels(names: Optional[Sequence[str]], n_outputs: int) -> List[str]:
    """The outputs' names as column-name parts: every run of characters other than letters,
    digits and `_` becomes one `_` (`class 0 margin` → `class_0_margin`); the output indices
    (`0`, `1`, ...) when the names are missing or not distinct after that."""
    if names is None or len(names) != n_outputs:
        return [str(i) for i in range(n_outputs)]
    clean = [re.sub(r"[^0-9A-Za-z_]+", "_", str(n)).strip("_") for n in names]
    if len(set(clean)) != len(clean) or not all(clean):
        return [str(i) for i in range(n_outputs)]
    return clean


def _dumps(obj) -> bytes:
    """Pickles with cloudpickle when it is installed (a model around a lambda or a function
    of `__main__` then ships too), else with pickle."""
    try:
        import cloudpickle
    except ImportError:  # pragma: no cover - cloudpickle ships with pyspark and dask
        return pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    return cloudpickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)


def make_plan(
    model,
    columns: Sequence[str],
    features: Optional[Sequence[str]],
    *,
    method: str,
    data,
    output: str,
    id_cols: Sequence[str],
    threads: Optional[int],
    seed: int,
    prefix: str,
    settings: Dict[str, Any],
) -> Plan:
    """Checks the request against the table's `columns` and builds the `Plan` (driver side).

    features=None takes the model's feature names when it has them, else the columns that are
    not id columns; `features` listing the model's names in another order are put in the
    model's order. Otherwise `features` map onto the model's features by position. Missing
    columns are KeyErrors naming them and the available columns; a wrong number of features,
    a name clash among the output columns or an unsupported method are ValueErrors.
    """
    if method not in METHODS:
        raise ValueError(f"method {method!r} is not one of {METHODS}")
    if method == "interactions":
        raise ValueError(
            "method 'interactions' gives (features x features) values per row, which do not "
            "fit one column per feature; explain a sample with glassbox.explain instead"
        )
    if output not in ("raw", "probability"):
        raise ValueError(f"output={output!r} is not one of ('raw', 'probability')")
    if threads is not None and (int(threads) != threads or threads < 1):
        raise ValueError(f"threads must be a positive integer or None; got {threads!r}")
    if isinstance(id_cols, str):
        id_cols = [id_cols]
    columns = [str(c) for c in columns]
    id_cols = [str(c) for c in id_cols]
    c = convert(model)
    native = c.native
    if features is None:
        if native.feature_names:
            features = list(native.feature_names)
        else:
            features = [col for col in columns if col not in id_cols]
    elif isinstance(features, str):
        features = [features]
    features = [str(f) for f in features]
    model_names = [str(f) for f in (native.feature_names or [])]
    if model_names and features != model_names and sorted(features) == sorted(model_names):
        # The model's own names, listed in another order: taken in the model's order, as
        # glassbox.explain takes a DataFrame's columns.
        features = model_names
    _require(columns, id_cols, "id column")
    _require(columns, features, "feature column")
    if len(set(features)) != len(features):
        raise ValueError(f"features lists a column twice: {features}")
    if len(features) != native.n_features:
        raise ValueError(
            f"the model has {native.n_features} features but {len(features)} feature columns "
            f"were chosen: {features}; pass features=[...] with the model's "
            f"{native.n_features} columns in its feature order"
        )
    background = None
    if data is not None:
        if _is_distributed(data):
            raise TypeError(
                "data (the background rows) must be a numpy array or a pandas DataFrame, not a "
                f"{type(data).__module__}.{type(data).__name__}: take a sample first, e.g. "
                "df.sample(...).toPandas() (Spark) or ddf.sample(...).compute() (dask)"
            )
        # Background columns are taken by the chosen feature names (a DataFrame) or in order.
        background, _ = as_matrix(
            data, features, what="data", dtype=np.float64, n_features=native.n_features
        )
    # One row explained here fixes the output count and names (a binary model's probability
    # is one output, whatever the method) and turns a bad request into an error now, not on
    # the workers: a background row, else zeros.
    probe = np.zeros((1, len(features))) if background is None else background[:1]
    e = explain(c, probe, method, data=background, output=output, seed=seed, n_jobs=1, **settings)
    n_outputs = 1 if e.values.ndim == 2 else e.values.shape[2]
    names = e.output_names
    names = output_labels(names, n_outputs)
    shap, base, pred = output_columns(features, names, prefix)
    out_cols = id_cols + shap + base + pred
    seen = set()
    clash = sorted({col for col in out_cols if col in seen or seen.add(col)})
    if clash:
        raise ValueError(
            f"output column name(s) {clash} clash (an id column named like a feature's SHAP "
            "column or like base_value/prediction?): pass prefix='shap_' or rename the column"
        )
    payload = _dumps((c, background))
    return Plan(
        payload=payload,
        token=hashlib.sha256(payload).hexdigest(),
        features=features,
        id_cols=id_cols,
        n_outputs=n_outputs,
        output_names=names,
        shap_columns=shap,
        base_columns=base,
        prediction_columns=pred,
        method=method,
        output=output,
        seed=seed,
        threads=None if threads is None else int(threads),
        settings=dict(settings),
    )


def _require(columns: List[str], wanted: Sequence[str], what: str) -> None:
    missing = [w for w in wanted if w not in columns]
    if missing:
        raise KeyError(
            f"{what}(s) {missing} not in the DataFrame; its columns are {columns}"
        )


def _is_distributed(x) -> bool:
    module = type(x).__module__.split(".")[0]
    return module in ("pyspark", "dask", "dask_expr")


# -- worker side -------------------------------------------------------------------------------

_CACHE: "OrderedDict[str, Any]" = OrderedDict()
_CACHE_SIZE = 4
_LOCK = threading.Lock()


def _load(plan: Plan):
    """The (converted model, background) of `plan`, unpickled once per process (the last few
    plans are kept)."""
    with _LOCK:
        hit = _CACHE.get(plan.token)
        if hit is not None:
            _CACHE.move_to_end(plan.token)
            return hit
        payload = plan.payload
        if not isinstance(payload, (bytes, bytearray)):
            payload = payload.value
        value = pickle.loads(payload)
        _CACHE[plan.token] = value
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
        return value


def explain_matrix(plan: Plan, X: np.ndarray) -> Dict[str, np.ndarray]:
    """Explains the float64 rows `X` (rows, features) and returns the value columns (name →
    float64 array of `len(X)` values) in `plan.value_columns` order."""
    n = X.shape[0]
    if n == 0:
        return {col: np.empty(0, dtype=np.float64) for col in plan.value_columns}
    model, background = _load(plan)
    e = explain(
        model,
        X,
        plan.method,
        data=background,
        output=plan.output,
        seed=plan.seed,
        n_jobs=plan.threads,
        **plan.settings,
    )
    k = plan.n_outputs
    m = len(plan.features)
    values = e.values.reshape(n, m, -1)
    base = e.base_values.reshape(n, -1)
    pred = np.asarray(e.predictions, dtype=np.float64).reshape(n, -1)
    if values.shape[2] != k or base.shape[1] != k or pred.shape[1] != k:
        raise RuntimeError(
            f"glassbox.explain returned {values.shape[2]} output(s) for a batch; the plan has "
            f"{k}"
        )
    # Feature-major, then output: the order of `output_columns`.
    flat = values.reshape(n, m * k)
    cols: Dict[str, np.ndarray] = {}
    for j, name in enumerate(plan.shap_columns):
        cols[name] = np.ascontiguousarray(flat[:, j])
    for j, name in enumerate(plan.base_columns):
        cols[name] = np.ascontiguousarray(base[:, j])
    for j, name in enumerate(plan.prediction_columns):
        cols[name] = np.ascontiguousarray(pred[:, j])
    return cols


def matrix_from_pandas(plan: Plan, frame) -> np.ndarray:
    """The feature columns of a pandas DataFrame as float64 (rows, features); missing values
    (None, pandas NA) become NaN."""
    arr, _ = as_matrix(frame, plan.features, what="the partition", dtype=np.float64)
    return arr


def explain_pandas(frame, plan: Plan):
    """Explains a pandas partition: a DataFrame with `frame`'s index, the id columns, then
    the value columns (float64)."""
    import pandas as pd

    cols = explain_matrix(plan, matrix_from_pandas(plan, frame))
    out = pd.DataFrame(cols, index=frame.index, columns=plan.value_columns)
    for i, col in enumerate(plan.id_cols):
        out.insert(i, col, frame[col].array)
    return out


def matrix_from_arrow(plan: Plan, batch) -> np.ndarray:
    """The feature columns of a pyarrow RecordBatch as float64 (rows, features); nulls become
    NaN."""
    import pyarrow as pa

    X = np.empty((batch.num_rows, len(plan.features)), dtype=np.float64)
    for j, name in enumerate(plan.features):
        col = batch.column(name)
        if col.type != pa.float64():
            col = col.cast(pa.float64())
        X[:, j] = col.to_numpy(zero_copy_only=False)
    return X


def explain_arrow(batch, plan: Plan):
    """Explains a pyarrow RecordBatch: a RecordBatch of the id columns (as they came) and the
    value columns (float64)."""
    import pyarrow as pa

    cols = explain_matrix(plan, matrix_from_arrow(plan, batch))
    arrays = [batch.column(c) for c in plan.id_cols]
    arrays += [pa.array(cols[c], type=pa.float64()) for c in plan.value_columns]
    return pa.RecordBatch.from_arrays(arrays, names=plan.columns)
