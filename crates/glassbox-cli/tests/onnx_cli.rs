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

mod common;

/// A network fixture file (crates/glassbox-onnx/tests/fixtures/networks, PyTorch exports made
/// by make_network_fixtures.py).
fn network(name: &str) -> PathBuf {
    fixture("networks").join(name)
}

/// Writes rows as a CSV with columns f0, f1, ...
fn rows_csv(path: &Path, rows: &[Vec<f64>]) {
    let m = rows[0].len();
    let mut text = (0..m)
        .map(|j| format!("f{j}"))
        .collect::<Vec<_>>()
        .join(",")
        + "\n";
    for r in rows {
        text += &(r
            .iter()
            .map(|v| format!("{v:?}"))
            .collect::<Vec<_>>()
            .join(",")
            + "\n");
    }
    std::fs::write(path, text).unwrap();
}

#[test]
fn onnx_table_network_explained_by_the_cli_equals_shap_deep_explainer() {
    let tmp = tempfile::tempdir().unwrap();
    let fx = json(&network("mlp_regressor.json"));
    let x: Vec<Vec<f64>> = serde_json::from_value(fx["x"].clone()).unwrap();
    let bg: Vec<Vec<f64>> = serde_json::from_value(fx["background"].clone()).unwrap();
    let (data, background) = (tmp.path().join("x.csv"), tmp.path().join("bg.csv"));
    rows_csv(&data, &x);
    rows_csv(&background, &bg);
    let out = tmp.path().join("deep");
    let args = [
        "--method",
        "deep-shap",
        "--background-data",
        background.to_str().unwrap(),
    ];
    let (ok, err) = explain(&network("mlp_regressor.onnx"), &data, &out, &args);
    assert!(ok, "{err}");
    // shap's values, (samples, features, outputs) with one output.
    let want: Vec<Vec<Vec<f64>>> = serde_json::from_value(fx["deep_shap"].clone()).unwrap();
    let got = shap_values(&out);
    let worst = got
        .iter()
        .flatten()
        .zip(want.iter().flatten().map(|v| v[0]))
        .map(|(a, b)| (a - b).abs() / b.abs().max(1.0))
        .fold(0.0, f64::max);
    assert_eq!(got.len(), x.len());
    assert!(worst < 1e-7, "max |glassbox - shap| = {worst:e}");
    // A table of the wrong width is refused naming the file and the count (columns are taken
    // by position: ONNX files name no features).
    let narrow: Vec<Vec<f64>> = x.iter().map(|r| r[..5].to_vec()).collect();
    let narrow_csv = tmp.path().join("narrow.csv");
    rows_csv(&narrow_csv, &narrow);
    let (ok, err) = explain(
        &network("mlp_regressor.onnx"),
        &narrow_csv,
        &tmp.path().join("n"),
        &args,
    );
    assert!(
        !ok && err.contains("expects 6 features by position"),
        "{err}"
    );
    // A tree method on a network names what it needs.
    let (ok, err) = explain(
        &network("mlp_regressor.onnx"),
        &data,
        &tmp.path().join("t"),
        &[],
    );
    assert!(!ok && err.contains("needs a tree model"), "{err}");
}

fn image_explain(model: &Path, image: &Path, out: &Path, extra: &[&str]) -> (bool, String) {
    let o = Command::cargo_bin("glassbox")
        .unwrap()
        .args(["--quiet", "image", "explain", "--model"])
        .arg(model)
        .arg("--images")
        .arg(image)
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

#[test]
fn onnx_image_network_explained_by_the_cli() {
    let tmp = tempfile::tempdir().unwrap();
    let image = tmp.path().join("part.png");
    let mut rng = glassbox_core::rng::Rng::new(5);
    common::write_png(&image, &common::square_image(&mut rng, true), common::SIDE);
    let model = network("flatten_cnn.onnx");
    let out = tmp.path().join("gc");
    let args = ["--resize", "--mean", "0.5", "--std", "0.25", "--steps", "4"];
    let (ok, err) = image_explain(&model, &image, &out, &args);
    assert!(ok, "{err}");
    let summary = json(&out.join("summary.json"));
    assert_eq!(summary["arch"], "imported");
    assert_eq!(summary["layer"], "conv2", "the last conv layer");
    assert_eq!(summary["preprocessing"]["mean"][0], 0.5);
    assert_eq!(summary["class_names"].as_array().unwrap().len(), 3);
    // An image of another size is refused without --resize, naming both sizes.
    let (ok, err) = image_explain(&model, &image, &tmp.path().join("size"), &[]);
    assert!(!ok && err.contains("24") && err.contains("16"), "{err}");
    // An RGB network gets the image's three channels (ImageNet-style normalisation per
    // channel); CAM applies to its GAP head.
    let colour = tmp.path().join("colour.png");
    let rgb: Vec<u8> = (0..16 * 16)
        .flat_map(|i| {
            [
                (i * 7 % 256) as u8,
                (i % 16 * 16) as u8,
                (255 - i % 256) as u8,
            ]
        })
        .collect();
    common::write_png(&colour, &rgb, 16);
    let out = tmp.path().join("rgb");
    let args = [
        "--method",
        "cam",
        "--mean",
        "0.485,0.456,0.406",
        "--std",
        "0.229,0.224,0.225",
    ];
    let (ok, err) = image_explain(&network("gap_cnn.onnx"), &colour, &out, &args);
    assert!(ok, "{err}");
    let summary = json(&out.join("summary.json"));
    assert_eq!(summary["raw_map_size"], serde_json::json!([8, 8]));
    assert_eq!(summary["preprocessing"]["std"][2], 0.225);
    // Preprocessing that does not fit, CAM without a GAP head: one clear line, nothing left.
    let bad = [
        (
            model.clone(),
            vec!["--resize", "--mean", "0.5,0.4"],
            "--mean: 2 values",
        ),
        (
            network("gap_cnn.onnx"),
            vec!["--resize", "--std", "1,2"],
            "--std: 2 values",
        ),
        (
            model.clone(),
            vec!["--resize", "--method", "cam"],
            "not followed by global average pooling",
        ),
    ];
    for (i, (m, extra, want)) in bad.iter().enumerate() {
        let (ok, err) = image_explain(m, &image, &tmp.path().join(format!("bad{i}")), extra);
        assert!(!ok && err.contains(want), "{want}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(!tmp.path().join(format!("bad{i}")).exists());
    }
}
