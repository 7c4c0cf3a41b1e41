"""glassbox's own run folders (forest and MLP trained by the `glassbox` binary) from Python.

The run folders are made by the debug binary that `cargo test` builds (scripts/test runs the
Rust tests first), or the one $GLASSBOX_BIN names. Oracles: the predictions the training run
wrote itself (predictions.csv), local accuracy, and the pickled model giving the same values.
"""

import csv
import os
import pickle
import subprocess
from pathlib import Path

import numpy as np
import pytest

import glassbox

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data" / "concrete" / "concrete.csv"
TARGET = "Compressive strength (MPa)"


def _binary():
    candidates = [os.environ.get("GLASSBOX_BIN")] + [
        str(ROOT / "target" / p / "glassbox") for p in ("debug", "release")
    ]
    for c in candidates:
        if c and os.access(c, os.X_OK):
            return c
    pytest.skip("no glassbox binary built (run `cargo build` or set GLASSBOX_BIN)")


def _train(tmp, model, *flags):
    out = tmp / model
    subprocess.run(
        [_binary(), "train", "--data", str(DATA), "--target", TARGET, "--model", model,
         "--out", str(out), "--quiet", *flags],
        check=True,
        capture_output=True,
    )
    return out


def _table():
    with open(DATA, newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], np.array(rows[1:], dtype=float)
    return header[:-1], body[:, :-1], body[:, -1]


def _predicted(run):
    with open(run / "predictions.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    return np.array([int(r["row_id"]) for r in rows]), np.array([float(r["predicted"]) for r in rows])


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("runs")
    forest = _train(tmp, "forest", "--n-trees", "8")
    mlp = _train(tmp, "mlp", "--epochs", "3")
    return forest, mlp


def test_forest_run_folder_predicts_and_explains_like_the_binary(runs):
    forest, _ = runs
    names, x, _ = _table()
    model = glassbox.load_model(forest)
    assert model.kind == "random forest" and model.feature_names == names
    ids, predicted = _predicted(forest)
    np.testing.assert_allclose(model.predict(x[ids])[:, 0], predicted, rtol=1e-12, atol=1e-12)

    explainer = glassbox.TreeExplainer(forest)
    rows = x[:40]
    values = explainer.shap_values(rows)
    assert values.shape == (40, len(names))
    total = explainer.expected_value + values.sum(axis=1)
    np.testing.assert_allclose(total, model.predict(rows)[:, 0], rtol=1e-9)

    again = pickle.loads(pickle.dumps(explainer))
    np.testing.assert_array_equal(again.shap_values(rows), values)


def test_mlp_run_folder_is_explained_with_deep_shap_and_pickles(runs):
    _, mlp = runs
    names, x, _ = _table()
    model = glassbox.load_model(mlp)
    assert model.kind == "MLP" and model.has_network and not model.has_trees
    ids, predicted = _predicted(mlp)
    np.testing.assert_allclose(model.predict(x[ids])[:, 0], predicted, rtol=1e-9, atol=1e-9)

    e = glassbox.explain(mlp, x[:20], "deep-shap", data=x[100:150])
    assert e.values.shape == (20, len(names), 1)
    sums = e.base_values[:, 0] + e.values[:, :, 0].sum(axis=1)
    np.testing.assert_allclose(sums, model.predict(x[:20])[:, 0], rtol=1e-9)

    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict(x[:20]), model.predict(x[:20]))
    e2 = glassbox.explain(restored, x[:20], "deep-shap", data=x[100:150])
    np.testing.assert_array_equal(e2.values, e.values)

    with pytest.raises(TypeError, match="TreeExplainer needs a tree model"):
        glassbox.TreeExplainer(mlp)
    bad = x[:3].copy()
    bad[1, 2] = np.nan
    with pytest.raises(ValueError, match=r"X\[1, 2\].*FlyAsh"):
        model.predict(bad)
