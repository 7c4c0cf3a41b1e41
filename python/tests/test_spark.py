"""glassbox.spark.explain on a local Spark session: the values equal glassbox.explain's in one
process, exactly (the rows are explained independently, batch by batch)."""

import os
import sys

import numpy as np
import pytest

pytest.importorskip("pyspark")
pa = pytest.importorskip("pyarrow")

import glassbox  # noqa: E402
import glassbox.spark  # noqa: E402

from tables import FEATURES, classifier, multi_columns, regressor, table  # noqa: E402

pytestmark = pytest.mark.filterwarnings(
    "ignore:PySpark does not yet fully support pandas:FutureWarning"
)


@pytest.fixture(scope="module")
def spark():
    """A local Spark session, 2 cores; its Python workers run this interpreter."""
    from pyspark.sql import SparkSession

    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("glassbox-test")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        # Several Arrow batches per partition: the batching is part of what is tested.
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "20000")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def frame(spark, columns):
    """A Spark DataFrame from a dict of column name → numpy array / list (through Arrow)."""
    return spark.createDataFrame(pa.table(columns))


def collect(df, key="id"):
    """The Spark DataFrame as a pyarrow Table, sorted by `key`."""
    return df.toArrow().sort_by(key)


def test_matches_single_process_explain(spark):
    X, _ = table()
    n = len(X)
    model = regressor()
    ids = np.arange(n, dtype=np.int64)[::-1].copy()  # ids not in row order
    cols = {"id": ids, "label": [f"row{i}" for i in range(n)]}
    cols.update({f: X[:, j] for j, f in enumerate(FEATURES)})
    df = frame(spark, cols)
    out = glassbox.spark.explain(df, model, id_cols=["id", "label"])
    assert out.columns == ["id", "label", *FEATURES, "base_value", "prediction"]
    got = collect(out)
    assert got.num_rows == n
    order = np.argsort(ids)
    expected = glassbox.explain(model, X, "tree-shap")
    np.testing.assert_array_equal(got["id"].to_numpy(), ids[order])
    assert got["label"].to_pylist()[:3] == [f"row{i}" for i in order[:3]]
    values = np.column_stack([got[f].to_numpy() for f in FEATURES])
    np.testing.assert_array_equal(values, expected.values[order, :, 0])
    np.testing.assert_array_equal(got["base_value"].to_numpy(), expected.base_values[order, 0])
    np.testing.assert_array_equal(got["prediction"].to_numpy(), expected.predictions[order, 0])


def test_multiclass_columns_and_feature_selection(spark):
    X, _ = table(3000, seed=3)
    model = classifier()  # trained on a numpy array: features map by position
    chosen = ["x3", "x0", "x7", "x1", "x6", "x2", "x5", "x4"]
    cols = {"extra": np.ones(len(X)), "id": np.arange(len(X))}
    # The DataFrame's columns are x0..x7 (and extras); the model's feature j is `chosen[j]`.
    cols.update({f: X[:, j] for j, f in enumerate(FEATURES)})
    cols["note"] = ["a"] * len(X)
    df = frame(spark, cols)
    out = glassbox.spark.explain(df, model, chosen, id_cols=["id"], threads=2)
    assert out.columns == ["id", *multi_columns(chosen)]
    got = collect(out)
    Xm = X[:, [FEATURES.index(f) for f in chosen]]
    expected = glassbox.explain(model, Xm, "tree-shap")
    n, m, k = expected.values.shape
    assert (m, k) == (8, 3)
    shap_cols = multi_columns(chosen)[: m * k]
    values = np.column_stack([got[c].to_numpy() for c in shap_cols])
    np.testing.assert_array_equal(values, expected.values.reshape(n, m * k))
    base = np.column_stack([got[f"base_value__class_{i}_margin"].to_numpy() for i in range(k)])
    np.testing.assert_array_equal(base, expected.base_values)
    pred = np.column_stack([got[f"prediction__class_{i}_margin"].to_numpy() for i in range(k)])
    np.testing.assert_array_equal(pred, expected.predictions)


def test_nulls_and_integer_columns(spark):
    X, _ = table(500, seed=4)
    X[::7, 1] = np.nan
    model = regressor()
    cols = {"id": np.arange(len(X))}
    cols.update({f: pa.array(X[:, j], from_pandas=True) for j, f in enumerate(FEATURES)})
    cols["x5"] = pa.array(np.round(X[:, 5] * 3).astype(np.int32))
    df = frame(spark, cols)
    got = collect(glassbox.spark.explain(df, model, id_cols="id"))
    assert df.schema["x1"].nullable and got.num_rows == len(X)
    X[:, 5] = np.round(X[:, 5] * 3)
    expected = glassbox.explain(model, X, "tree-shap")
    values = np.column_stack([got[f].to_numpy() for f in FEATURES])
    np.testing.assert_array_equal(values, expected.values[:, :, 0])


def test_interventional_with_background(spark):
    X, _ = table(400, seed=5)
    model = regressor()
    background = X[:40]
    cols = {"id": np.arange(len(X))}
    cols.update({f: X[:, j] for j, f in enumerate(FEATURES)})
    out = glassbox.spark.explain(
        frame(spark, cols), model, method="interventional-tree-shap", data=background,
        id_cols=["id"], prefix="shap_",
    )
    assert out.columns[:3] == ["id", "shap_x0", "shap_x1"]
    got = collect(out)
    expected = glassbox.explain(model, X, "interventional-tree-shap", data=background)
    values = np.column_stack([got[f"shap_{f}"].to_numpy() for f in FEATURES])
    np.testing.assert_allclose(values, expected.values[:, :, 0], rtol=0, atol=1e-12)


def test_errors_name_the_column(spark):
    X, _ = table(20, seed=6)
    cols = {"id": np.arange(len(X))}
    cols.update({f: X[:, j] for j, f in enumerate(FEATURES[:7])})
    cols["x7"] = ["s"] * len(X)
    df = frame(spark, cols)
    model = regressor()
    with pytest.raises(KeyError, match=r"\['x9'\].*x0"):
        glassbox.spark.explain(df, model, ["x9", *FEATURES[1:]])
    with pytest.raises(KeyError, match="nope"):
        glassbox.spark.explain(df, model, id_cols=["nope"])
    with pytest.raises(TypeError, match="x7"):
        glassbox.spark.explain(df, model)
    with pytest.raises(ValueError, match="8 features but 7"):
        glassbox.spark.explain(df, model, FEATURES[:7])
    with pytest.raises(ValueError, match="clash"):
        glassbox.spark.explain(df, model, id_cols=["x0"])
    with pytest.raises(TypeError, match="pyspark.sql.DataFrame"):
        glassbox.spark.explain(X, model)


def test_threads_default_to_task_cpus(spark):
    from glassbox.spark import _task_cpus

    assert _task_cpus(spark) == 1
