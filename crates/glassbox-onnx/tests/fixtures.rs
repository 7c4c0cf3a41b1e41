//! The imported models against their oracles: onnxruntime's outputs on every fixture, and
//! shap.TreeExplainer on the ORIGINAL scikit-learn / LightGBM model (path-dependent with covers
//! recomputed from the training rows, and interventional with the same background rows).
//! Run with `--nocapture` to see the measured differences.

mod common;

use common::{json, matrix, ort_scores, path, values3};
use glassbox_core::Predict;
use glassbox_explain::shap::{interventional_tree_shap, tree_shap};
use glassbox_onnx::{Covers, ModelKind, ScoreLayout, load};
use ndarray::{Array2, Array3, Axis, s};

const FIXTURES: &[&str] = &[
    "rf_regressor",
    "gb_regressor",
    "rf_binary",
    "rf_3class",
    "gb_binary",
    "lgbm_regressor",
    "gb_regressor_modes",
    "gb_regressor_modes_v5",
    "rf_3class_v5",
    "gb_3class",
    "lgbm_binary",
];

/// Test rows: the fixture's own (`test`) or the shared ones.
fn test_rows(fixture: &serde_json::Value) -> Array2<f64> {
    match fixture.get("test") {
        Some(t) => matrix(t),
        None => matrix(&json("data.json")["test"]),
    }
}

#[test]
fn predictions_equal_onnxruntime() {
    for name in FIXTURES {
        let model = load(path(&format!("{name}.onnx"))).unwrap();
        let fx = json(&format!("{name}.json"));
        let x = test_rows(&fx);
        let want = ort_scores(&fx);
        let got = model.predict_scores(x.view()).unwrap();
        assert_eq!(got.dim(), want.dim(), "{name}");
        let mut max_abs = 0.0f64;
        for ((idx, g), w) in got.indexed_iter().zip(want.iter()) {
            let d = (g - w).abs();
            max_abs = max_abs.max(d);
            // float32 models: onnxruntime sums float32 weights in float32.
            assert!(
                d <= 1e-5 * w.abs().max(1.0),
                "{name} {idx:?}: glassbox {g} vs onnxruntime {w}"
            );
        }
        eprintln!(
            "{name}: max |glassbox - onnxruntime| = {max_abs:.3e} over {} values",
            want.len()
        );
    }
}

/// Compares SHAP values, shape (samples, features, margins), with shap's, shape (samples,
/// features, outputs): the same outputs, or one margin against shap's second class (binary
/// classifiers whose margin is class 1's score). Returns the largest difference.
fn compare(name: &str, ours: &Array3<f64>, theirs: &Array3<f64>, tol: f64) -> f64 {
    let theirs = if ours.dim().2 == 1 && theirs.dim().2 == 2 {
        theirs.slice(s![.., .., 1..2]).to_owned()
    } else {
        theirs.clone()
    };
    assert_eq!(ours.dim(), theirs.dim(), "{name}");
    let max = ours
        .iter()
        .zip(theirs.iter())
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(max <= tol, "{name}: max SHAP difference {max:e} > {tol:e}");
    max
}

#[test]
fn path_dependent_tree_shap_equals_shap_with_recomputed_covers() {
    let data = json("data.json");
    let train = matrix(&data["train"]);
    // rf_3class_v5: the same forest as ai.onnx.ml 5 TreeEnsemble, against shap on the original.
    for (name, oracle) in [
        ("rf_regressor", "rf_regressor"),
        ("gb_regressor", "gb_regressor"),
        ("rf_binary", "rf_binary"),
        ("rf_3class", "rf_3class"),
        ("gb_binary", "gb_binary"),
        ("rf_3class_v5", "rf_3class"),
        ("lgbm_regressor", "lgbm_regressor"),
    ] {
        let mut model = load(path(&format!("{name}.onnx"))).unwrap();
        assert_eq!(model.covers, Covers::Absent, "{name}");
        assert!(
            model
                .require_covers()
                .unwrap_err()
                .to_string()
                .contains("interventional")
        );
        model.recompute_covers(train.view()).unwrap();
        assert_eq!(model.covers, Covers::Recomputed { rows: 200 });
        let fx = json(&format!("{oracle}.json"));
        let x = test_rows(&fx);
        let ours = tree_shap(&model.ensemble, x.view()).unwrap();
        let theirs = values3(&fx["shap_path"]["values"]);
        let max = compare(name, &ours.values, &theirs, 1e-6);
        let base = fx["shap_path"]["base_values"].as_array().unwrap();
        let their_base = base[base.len() - 1].as_f64().unwrap();
        let our_base = ours.base_values[[0, model.n_margins() - 1]];
        assert!(
            (our_base - their_base).abs() <= 1e-6,
            "{name}: base {our_base} vs {their_base}"
        );
        // Additivity: values + base = margins.
        let margins = model.ensemble.expected_value();
        assert_eq!(margins.len(), model.n_margins());
        eprintln!(
            "{name}: path-dependent max |glassbox - shap| = {max:.3e}, base diff {:.3e}",
            (our_base - their_base).abs()
        );
    }
}

#[test]
fn interventional_tree_shap_equals_shap() {
    let data = json("data.json");
    let background = matrix(&data["background"]);
    for name in [
        "rf_regressor",
        "gb_regressor",
        "rf_binary",
        "rf_3class",
        "gb_binary",
        "lgbm_regressor",
        "lgbm_binary",
    ] {
        let model = load(path(&format!("{name}.onnx"))).unwrap();
        let fx = json(&format!("{name}.json"));
        let x = test_rows(&fx);
        // No covers needed.
        let ours = interventional_tree_shap(&model.ensemble, x.view(), background.view()).unwrap();
        let theirs = values3(&fx["shap_interventional"]["values"]);
        let max = compare(name, &ours.values, &theirs, 1e-6);
        eprintln!("{name}: interventional max |glassbox - shap| = {max:.3e}");
        // Additivity in margin space.
        let margins = model.predict(x.view()).unwrap();
        let sum = ours.values.sum_axis(Axis(1)) + &ours.base_values;
        let err = (&sum - &margins)
            .iter()
            .map(|d| d.abs())
            .fold(0.0, f64::max);
        assert!(err < 1e-9, "{name}: additivity {err:e}");
    }
}

#[test]
fn kinds_links_and_layouts() {
    let m = load(path("rf_3class.onnx")).unwrap();
    assert_eq!(
        m.kind,
        ModelKind::Classifier {
            labels: vec!["0".into(), "1".into(), "2".into()]
        }
    );
    assert_eq!(
        (m.layout, m.n_margins(), m.n_scores()),
        (ScoreLayout::Direct, 3, 3)
    );
    let m = load(path("rf_binary.onnx")).unwrap();
    assert_eq!(
        (m.layout, m.link, m.n_margins()),
        (
            ScoreLayout::BinaryComplement,
            glassbox_onnx::Link::Identity,
            1
        )
    );
    let m = load(path("gb_binary.onnx")).unwrap();
    assert_eq!(
        (m.layout, m.link),
        (ScoreLayout::BinaryNegate, glassbox_onnx::Link::Logistic)
    );
    let m = load(path("gb_regressor.onnx")).unwrap();
    assert_eq!(m.kind, ModelKind::Regressor { n_targets: 1 });
    assert!(m.producer.starts_with("skl2onnx"));
}
