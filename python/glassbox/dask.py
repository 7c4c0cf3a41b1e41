"""Explaining a dask DataFrame partition by partition: `glassbox.dask.explain`.

    import glassbox.dask
    shap_ddf = glassbox.dask.explain(ddf, model, features=["x0", "x1", "x2"], id_cols=["id"])

dask is imported only when `explain` is called: `import glassbox` never needs it.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

from ._batch import explain_pandas, make_plan

__all__ = ["explain"]


def explain(
    ddf,
    model,
    features: Optional[Sequence[str]] = None,
    *,
    method: str = "tree-shap",
    data=None,
    output: str = "raw",
    id_cols: Sequence[str] = (),
    threads: Optional[int] = 1,
    seed: int = 42,
    prefix: str = "",
    **settings: Any,
):
    """Explains every row of a dask DataFrame with `glassbox.explain`, one task per partition.

    ddf: a `dask.dataframe.DataFrame` holding the feature columns (numeric or boolean;
        missing values are read as NaN) and any other columns.
    model: anything `glassbox.explain` takes (scikit-learn, XGBoost, LightGBM, a
        `glassbox.Model`, a path). It is converted once here, pickled (with `data`) into one
        graph node that every task depends on, so each worker receives it once, and
        unpickled once per worker process; workers need glassbox, not the model's library.
    features: the feature columns, in the model's feature order (they map onto the model's
        features by position). None: the model's feature names when it has them (models
        trained on a pandas DataFrame), else every column that is not an id column. A list
        of exactly the model's feature names in another order is put in the model's order.
    method, data, output, seed, settings: as in `glassbox.explain` (`data`, the background
        rows, a numpy array or pandas DataFrame: e.g. `ddf.sample(frac=...).compute()`).
        `interactions` is refused (its values do not fit one column per feature).
    id_cols: columns copied to the output unchanged.
    threads: threads per task for glassbox (`n_jobs`). Default 1: dask already runs one task
        per worker thread; None uses every core in each task (for a worker with one thread
        per machine).
    prefix: put before every SHAP column name (e.g. `"shap_"`), against name clashes.

    Returns a lazy dask DataFrame with `ddf`'s index and divisions: the id columns, then one
    float64 SHAP column per feature (named after the feature), then `base_value` and
    `prediction`; with k > 1 outputs, `<feature>__<output>`, `base_value__<output>` and
    `prediction__<output>` (see `glassbox.spark.explain` for the naming). Missing columns
    are a KeyError naming them and the available columns, a non-numeric feature column a
    TypeError, both raised here before anything is computed.
    """
    try:
        import dask
        import dask.dataframe as dd
    except ImportError as e:
        raise ImportError("glassbox.dask needs dask (pip install 'dask[dataframe]')") from e
    import pandas as pd

    if not isinstance(ddf, dd.DataFrame):
        raise TypeError(
            f"glassbox.dask.explain takes a dask.dataframe.DataFrame, not a "
            f"{type(ddf).__module__}.{type(ddf).__name__}"
        )
    meta_in = ddf._meta
    plan = make_plan(
        model,
        [str(c) for c in ddf.columns],
        features,
        method=method,
        data=data,
        output=output,
        id_cols=id_cols,
        threads=threads,
        seed=seed,
        prefix=prefix,
        settings=settings,
    )
    by_name = {str(c): c for c in ddf.columns}
    bad = [
        f"{f} ({meta_in[by_name[f]].dtype})"
        for f in plan.features
        if not _numeric(meta_in[by_name[f]].dtype)
    ]
    if bad:
        raise TypeError(
            f"feature column(s) {bad} are not numeric: glassbox explains numeric features; "
            "cast or encode them first"
        )
    wanted = [by_name[c] for c in dict.fromkeys(plan.id_cols + plan.features)]
    selected = ddf[wanted]
    if any(not isinstance(c, str) for c in wanted):
        selected = selected.rename(columns={c: str(c) for c in wanted})
    meta = pd.DataFrame(
        {c: pd.Series([], dtype="float64") for c in plan.value_columns},
        index=meta_in.index[:0],
        columns=plan.value_columns,
    )
    for i, col in enumerate(plan.id_cols):
        meta.insert(i, col, meta_in[by_name[col]].array[:0])
    # One graph node holds the plan (and the pickled model): each worker fetches it once.
    shipped = dask.delayed(plan, pure=True, traverse=False)
    return selected.map_partitions(
        explain_pandas, shipped, meta=meta, token="glassbox-explain", enforce_metadata=False
    )


def _numeric(dtype) -> bool:
    import numpy as np

    try:
        return bool(np.issubdtype(dtype, np.number) or np.issubdtype(dtype, np.bool_))
    except TypeError:
        return getattr(dtype, "kind", "O") in "biuf"
