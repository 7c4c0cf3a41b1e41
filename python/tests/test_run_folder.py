"""`glassbox.Explanation.load` on a `glassbox explain` run folder: the saved arrays read with
numpy are the run's values and equal what the Python package computes on the same model and
rows; bad folders raise clear exceptions. The folder is written by the `glassbox` binary that
`cargo test --workspace` builds (set GLASSBOX_BIN to use another)."""

import json
import os
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

import glassbox

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
FIXTURES = os.path.join(ROOT, "crates", "glassbox-models", "tests", "fixtures", "gbdt")


def _binary():
    given = os.environ.get("GLASSBOX_BIN")
    if given:
        return given
    for profile in ("debug", "release"):
        path = os.path.join(ROOT, "target", profile, "glassbox")
        if os.path.isfile(path):
            return path
    found = shutil.which("glassbox")
    if found is None:
        pytest.skip("no glassbox binary: run `cargo build -p glassbox-cli` or set GLASSBOX_BIN")
    return found


def _explain(tmp_path, model, rows=40):
    table = pd.read_csv(os.path.join(FIXTURES, "data.csv")).iloc[:rows]
    data = tmp_path / "rows.csv"
    table.to_csv(data, index=False)
    out = tmp_path / model
    subprocess.run(
        [_binary(), "--quiet", "explain", "--model", os.path.join(FIXTURES, model),
         "--data", str(data), "--target", "y", "--out", str(out)],
        check=True, capture_output=True,
    )
    return out, table.drop(columns=["y"])


@pytest.mark.parametrize("model,outputs", [("xgb_reg.json", 1), ("xgb_multi.json", 3)])
def test_run_folder_loads_the_runs_values(tmp_path, model, outputs):
    out, x = _explain(tmp_path, model)
    e = glassbox.Explanation.load(out)
    n, m = x.shape
    assert e.values.shape == ((n, m) if outputs == 1 else (n, m, outputs))
    assert e.feature_names == list(x.columns)
    assert e.method == "tree-shap"
    assert len(e.row_ids) == n
    np.testing.assert_array_equal(e.data, x.to_numpy(dtype=np.float64))
    # The same numbers as the package's own TreeSHAP of the same model and rows.
    again = glassbox.explain(glassbox.load_model(os.path.join(FIXTURES, model)), x, "tree-shap")
    # (glassbox.explain keeps an output axis of length 1; the loaded run drops it, as the
    # explainers do.)
    np.testing.assert_allclose(e.values, again.values.reshape(e.values.shape), rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        e.base_values, again.base_values.reshape(e.base_values.shape), rtol=0, atol=1e-12
    )
    # Additive: base + Σ values = the prediction the run recorded.
    total = e.base_values + e.values.sum(axis=1)
    np.testing.assert_allclose(total, e.predictions, rtol=1e-9, atol=1e-9)
    assert e.margin_link == ("identity" if outputs == 1 else "softmax")
    # And the per-output CSV the run wrote holds the same values.
    csv = pd.read_csv(out / ("shap_values.csv" if outputs == 1 else "shap_values_output1.csv"),
                      dtype={"row_id": str})
    values = e.values if outputs == 1 else e.values[:, :, 1]
    np.testing.assert_array_equal(csv[list(x.columns)].to_numpy(), values)
    assert list(csv["row_id"]) == e.row_ids


def test_bad_run_folders_raise(tmp_path):
    with pytest.raises(FileNotFoundError, match="saved_explanation.json"):
        glassbox.Explanation.load(tmp_path)
    out, _ = _explain(tmp_path, "xgb_reg.json", rows=10)
    manifest = out / "saved_explanation.json"
    m = json.loads(manifest.read_text())
    m["version"] = 2
    manifest.write_text(json.dumps(m))
    with pytest.raises(ValueError, match="version 2"):
        glassbox.Explanation.load(out)
    m["version"] = 1
    m["arrays"][0]["shape"] = [1]
    manifest.write_text(json.dumps(m))
    np.save(out / "values.npy", np.zeros((3, 2, 1)))
    with pytest.raises(ValueError, match="values.npy: shape"):
        glassbox.Explanation.load(out)
