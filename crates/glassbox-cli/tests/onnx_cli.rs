//! `glassbox explain` on ONNX tree ensembles (scikit-learn via skl2onnx), checked against
//! shap.TreeExplainer on the original scikit-learn model: the fixtures of crates/glassbox-onnx
//! (made by its tests/fixtures/make_fixtures.py, versions recorded in data.json).

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../glassbox-onnx/tests/fixtures")
        .join(name)
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Writes the fixture rows `key` (`train`, `test`) as a CSV with columns f0..f4.
fn csv(dir: &Path, key: &str) -> PathBuf {
    let rows: Vec<Vec<f64>> =
        serde_json::from_value(json(&fixture("data.json"))[key].clone()).unwrap();
    let m = rows[0].len();
    let mut text = (0..m)
        .map(|j| format!("f{j}"))
        .collect::<Vec<_>>()
        .join(",")
        + "\n";
    for r in &rows {
        text += &(r
            .iter()
            .map(|v| format!("{v:?}"))
            .collect::<Vec<_>>()
            .join(",")
            + "\n");
    }
    let path = dir.join(format!("{key}.csv"));
    std::fs::write(&path, text).unwrap();
    path
}

fn explain(model: &Path, data: &Path, out: &Path, extra: &[&str]) -> (bool, String) {
    let o = Command::cargo_bin("glassbox")
        .unwrap()
        .args(["--quiet", "explain", "--model"])
        .arg(model)
        .arg("--data")
        .arg(data)
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// The `shap_values.csv` values (rows, features): the columns named `f0`, `f1`, ...
fn shap_values(dir: &Path) -> Vec<Vec<f64>> {
    let text = std::fs::read_to_string(dir.join("shap_values.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let keep: Vec<usize> = (0..header.len())
        .filter(|&j| header[j].starts_with('f'))
        .collect();
    lines
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            keep.iter().map(|&j| cells[j].parse().unwrap()).collect()
        })
        .collect()
}

#[test]
fn onnx_forest_explained_by_the_cli_equals_shap_on_the_scikit_learn_forest() {
    let tmp = tempfile::tempdir().unwrap();
    let (train, test) = (csv(tmp.path(), "train"), csv(tmp.path(), "test"));
    let model = fixture("rf_regressor.onnx");
    // No covers in the file: path-dependent TreeSHAP is refused with the two ways out.
    let (ok, err) = explain(
        &model,
        &test,
        &tmp.path().join("a"),
        &["--method", "tree-shap"],
    );
    assert!(!ok, "explained without covers");
    assert!(
        err.contains("rf_regressor.onnx")
            && err.contains("--cover-data")
            && err.contains("interventional-tree-shap"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    // With the training rows as cover data: shap's values on the original forest.
    let out = tmp.path().join("b");
    let args = [
        "--method",
        "tree-shap",
        "--cover-data",
        train.to_str().unwrap(),
    ];
    let (ok, err) = explain(&model, &test, &out, &args);
    assert!(ok, "{err}");
    // (rows, features, outputs) with one output.
    let expected: Vec<Vec<Vec<f64>>> =
        serde_json::from_value(json(&fixture("rf_regressor.json"))["shap_path"]["values"].clone())
            .unwrap();
    let expected: Vec<Vec<f64>> = expected
        .into_iter()
        .map(|r| r.into_iter().map(|v| v[0]).collect())
        .collect();

    let got = shap_values(&out);
    assert_eq!(got.len(), expected.len());
    assert!(got.iter().all(|r| r.len() == 5));
    let worst = got
        .iter()
        .flatten()
        .zip(expected.iter().flatten())
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    // float32 thresholds in the ONNX file, float64 in scikit-learn.
    assert!(worst < 1e-6, "max |glassbox - shap| = {worst:e}");
    // Interventional TreeSHAP needs no covers; --cover-data does not apply to it.
    let (ok, err) = explain(
        &model,
        &test,
        &tmp.path().join("c"),
        &["--method", "interventional-tree-shap"],
    );
    assert!(ok, "{err}");
    let args = [
        "--method",
        "interventional-tree-shap",
        "--cover-data",
        train.to_str().unwrap(),
    ];
    let (ok, err) = explain(&model, &test, &tmp.path().join("d"), &args);
    assert!(
        !ok && err.contains("--cover-data applies to tree-shap and interactions"),
        "{err}"
    );
    // Cover data on a model that carries its own covers is refused, naming the kind.
    let xgb = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../glassbox-models/tests/fixtures/gbdt/xgb_reg.json");
    let gb_data = xgb.with_file_name("data.csv");
    let args = [
        "--method",
        "tree-shap",
        "--target",
        "y",
        "--cover-data",
        gb_data.to_str().unwrap(),
    ];
    let (ok, err) = explain(&xgb, &gb_data, &tmp.path().join("e"), &args);
    assert!(
        !ok && err.contains("covers can be recomputed for ONNX tree ensembles only"),
        "{err}"
    );
}
