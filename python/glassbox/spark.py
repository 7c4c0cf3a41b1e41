"""Explaining a PySpark DataFrame on the executors: `glassbox.spark.explain`.

    import glassbox.spark
    shap_df = glassbox.spark.explain(df, model, features=["x0", "x1", "x2"], id_cols=["id"])

pyspark is imported only when `explain` is called: `import glassbox` never needs it.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Iterable, Iterator, Optional, Sequence

from ._batch import Plan, explain_arrow, explain_pandas, make_plan

__all__ = ["explain"]


def explain(
    df,
    model,
    features: Optional[Sequence[str]] = None,
    *,
    method: str = "tree-shap",
    data=None,
    output: str = "raw",
    id_cols: Sequence[str] = (),
    threads: Optional[int] = None,
    seed: int = 42,
    prefix: str = "",
    **settings: Any,
):
    """Explains every row of a PySpark DataFrame with `glassbox.explain`, on the executors.

    df: a `pyspark.sql.DataFrame` holding the feature columns (numeric or boolean; nulls
        are read as NaN) and any other columns.
    model: anything `glassbox.explain` takes (scikit-learn, XGBoost, LightGBM, a
        `glassbox.Model`, a path). It is converted once on the driver, pickled (with `data`)
        and broadcast, and unpickled once per Python worker process; the executors need
        glassbox, numpy and pyarrow, not the model's own library.
    features: the feature columns, in the model's feature order (they map onto the model's
        features by position). None: the model's feature names when it has them (models
        trained on a pandas DataFrame), else every column that is not an id column. A list
        of exactly the model's feature names in another order is put in the model's order.
    method, data, output, seed, settings: as in `glassbox.explain` (`data`, the background
        rows, a numpy array or pandas DataFrame: e.g. `df.sample(...).toPandas()`).
        `interactions` is refused (its values do not fit one column per feature).
    id_cols: columns copied to the output unchanged (e.g. a row id to join back on).
    threads: threads per task for glassbox (`n_jobs`); None: the Spark conf's
        `spark.task.cpus` (read on the driver, default 1), so that each task uses the cores
        Spark reserved for it.
    prefix: put before every SHAP column name (e.g. `"shap_"`), against name clashes.

    Returns a lazy Spark DataFrame, one row per input row: the id columns, then one float64
    SHAP column per feature (named after the feature), then `base_value` and `prediction`
    (the model output explained: base_value + the SHAP values of the row). For a model with
    k > 1 outputs (multi-class), the columns are `<feature>__<output>` for every feature and
    output (feature by feature), then `base_value__<output>` and `prediction__<output>`,
    where `<output>` is the explanation's output name with every run of characters other
    than letters, digits and `_` replaced by `_` (e.g. `x0__class_0_margin`), or the output
    index when names are missing. Row order follows the input partitions; join or sort on an
    id column rather than relying on it.

    Runs with `DataFrame.mapInArrow` (Spark >= 3.3); on older Spark, `mapInPandas`, which
    gives the same values. Missing columns are a KeyError naming them and the DataFrame's
    columns; a non-numeric feature column is a TypeError; both are raised here, on the
    driver, before any job runs.
    """
    try:
        from pyspark.sql import types as T
    except ImportError as e:
        raise ImportError(
            "glassbox.spark needs pyspark (pip install pyspark pyarrow)"
        ) from e
    if not (hasattr(df, "schema") and hasattr(df, "sparkSession") and hasattr(df, "select")):
        raise TypeError(
            f"glassbox.spark.explain takes a pyspark.sql.DataFrame, not a "
            f"{type(df).__module__}.{type(df).__name__}"
        )
    spark = df.sparkSession
    if threads is None:
        threads = _task_cpus(spark)
    plan = make_plan(
        model,
        df.columns,
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
    fields = {f.name: f for f in df.schema.fields}
    bad = [
        f"{f} ({fields[f].dataType.simpleString()})"
        for f in plan.features
        if not isinstance(fields[f].dataType, (T.NumericType, T.BooleanType))
    ]
    if bad:
        raise TypeError(
            f"feature column(s) {bad} are not numeric: glassbox explains numeric features; "
            "cast or encode them first"
        )
    schema = T.StructType(
        [fields[c] for c in plan.id_cols]
        + [T.StructField(c, T.DoubleType(), False) for c in plan.value_columns]
    )
    plan = _broadcast(spark, plan)
    wanted = list(dict.fromkeys(plan.id_cols + plan.features))
    selected = df.select(*[_quoted(c) for c in wanted])
    if hasattr(selected, "mapInArrow"):

        def run_arrow(batches: Iterable[Any]) -> Iterator[Any]:
            for batch in batches:
                yield explain_arrow(batch, plan)

        return selected.mapInArrow(run_arrow, schema)

    def run_pandas(frames: Iterable[Any]) -> Iterator[Any]:  # pragma: no cover - Spark < 3.3
        for frame in frames:
            yield explain_pandas(frame, plan).reset_index(drop=True)

    return selected.mapInPandas(run_pandas, schema)  # pragma: no cover


def _quoted(name: str):
    from pyspark.sql import functions as F

    return F.col("`" + name.replace("`", "``") + "`")


def _task_cpus(spark) -> int:
    """`spark.task.cpus` of the session (1 when unset or unreadable)."""
    value = None
    try:
        value = spark.sparkContext.getConf().get("spark.task.cpus")
    except Exception:  # Spark Connect has no SparkContext
        pass
    if value is None:
        try:
            value = spark.conf.get("spark.task.cpus", "1")
        except Exception:
            value = "1"
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return 1


def _broadcast(spark, plan: Plan) -> Plan:
    """The plan with its payload in a broadcast variable (shipped once per executor); on Spark
    Connect, where there is no SparkContext, the payload stays in the task closure."""
    try:
        sc = spark.sparkContext
    except Exception:
        return plan
    return dataclasses.replace(plan, payload=sc.broadcast(plan.payload))
