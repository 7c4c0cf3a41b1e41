"""glassbox.dask.explain on a local distributed cluster (two worker processes): the values
equal glassbox.explain's in one process, exactly, and the index is kept."""

import numpy as np
import pytest

pytest.importorskip("dask.dataframe")
pytest.importorskip("distributed")
pd = pytest.importorskip("pandas")

import dask.dataframe as dd  # noqa: E402

import glassbox  # noqa: E402
import glassbox.dask  # noqa: E402

from tables import FEATURES, classifier, multi_columns, regressor, table  # noqa: E402


@pytest.fixture(scope="module")
def client():
    """Two single-threaded worker processes, no dashboard."""
    from distributed import Client, LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster, Client(cluster) as c:
        yield c


def test_matches_single_process_explain(client):
    X, _ = table()
    n = len(X)
    model = regressor()
    pdf = pd.DataFrame(X, columns=FEATURES, index=pd.Index(np.arange(n) * 3 + 7, name="key"))
    pdf.insert(0, "id", np.arange(n)[::-1])
    pdf["label"] = "r"
    ddf = dd.from_pandas(pdf, npartitions=5)
    out = glassbox.dask.explain(ddf, model, id_cols=["id"])
    assert list(out.columns) == ["id", *FEATURES, "base_value", "prediction"]
    assert out.npartitions == 5 and out.divisions == ddf.divisions
    got = out.compute()
    assert len(got) == n
    pd.testing.assert_index_equal(got.index, pdf.index)
    np.testing.assert_array_equal(got["id"].to_numpy(), pdf["id"].to_numpy())
    expected = glassbox.explain(model, X, "tree-shap")
    np.testing.assert_array_equal(got[FEATURES].to_numpy(), expected.values[:, :, 0])
    np.testing.assert_array_equal(got["base_value"].to_numpy(), expected.base_values[:, 0])
    np.testing.assert_array_equal(got["prediction"].to_numpy(), expected.predictions[:, 0])


def test_multiclass_columns_and_feature_selection(client):
    X, _ = table(3000, seed=3)
    model = classifier()  # trained on a numpy array: features map by position
    chosen = ["x3", "x0", "x7", "x1", "x6", "x2", "x5", "x4"]
    pdf = pd.DataFrame(X, columns=FEATURES)
    pdf.insert(0, "extra", 1.0)
    pdf["note"] = "a"
    ddf = dd.from_pandas(pdf, npartitions=3)
    out = glassbox.dask.explain(ddf, model, chosen, threads=None)
    columns = multi_columns(chosen)
    assert list(out.columns) == columns
    assert (out.dtypes == np.float64).all()
    got = out.compute()
    expected = glassbox.explain(model, X[:, [FEATURES.index(f) for f in chosen]], "tree-shap")
    n, m, k = expected.values.shape
    want = np.column_stack(
        [expected.values.reshape(n, m * k), expected.base_values, expected.predictions]
    )
    np.testing.assert_array_equal(got[columns].to_numpy(), want)
    pd.testing.assert_index_equal(got.index, pdf.index)


def test_errors_name_the_column(client):
    X, _ = table(20, seed=6)
    pdf = pd.DataFrame(X, columns=FEATURES)
    pdf["x7"] = "s"
    ddf = dd.from_pandas(pdf, npartitions=2)
    model = regressor()
    with pytest.raises(KeyError, match=r"\['x9'\].*x0"):
        glassbox.dask.explain(ddf, model, ["x9", *FEATURES[1:]])
    with pytest.raises(TypeError, match="x7"):
        glassbox.dask.explain(ddf, model)
    with pytest.raises(ValueError, match="clash"):
        glassbox.dask.explain(ddf, model, id_cols=["x0"])
    with pytest.raises(ValueError, match="interactions"):
        glassbox.dask.explain(ddf, model, method="interactions")
    with pytest.raises(TypeError, match="dask.dataframe.DataFrame"):
        glassbox.dask.explain(pdf, model)


def test_import_glassbox_needs_neither_dask_nor_pyspark():
    import subprocess
    import sys

    code = (
        "import sys, glassbox, glassbox.spark, glassbox.dask; "
        "assert not {'dask', 'pyspark', 'pyarrow', 'distributed'} & set(sys.modules), "
        "sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'pyspark', 'pyarrow'))"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
