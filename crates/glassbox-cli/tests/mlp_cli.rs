//! End-to-end tests of `train --model mlp` and the gradient-based explainers through the binary.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data")
        .join(rel)
}

fn glassbox() -> Command {
    let mut c = Command::cargo_bin("glassbox").unwrap();
    c.arg("--quiet");
    c
}

/// Runs and returns (success, stderr).
fn run(cmd: &mut Command) -> (bool, String) {
    let out = cmd.output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const TARGET: &str = "Compressive strength (MPa)";

fn train_mlp(out: &Path, extra: &[&str]) -> (bool, String) {
    let mut c = glassbox();
    c.args(["train", "--model", "mlp", "--data"])
        .arg(data("concrete/concrete.csv"))
        .args(["--target", TARGET]);
    for (flag, default) in [("--hidden", "6,6"), ("--epochs", "5")] {
        if !extra.contains(&flag) {
            c.args([flag, default]);
        }
    }
    c.arg("--out").arg(out).args(extra);
    run(&mut c)
}

fn explain(model: &Path, method: &str, out: &Path, extra: &[&str]) -> (bool, String) {
    let mut c = glassbox();
    c.args(["explain", "--model"])
        .arg(model)
        .arg("--data")
        .arg(data("concrete/concrete.csv"))
        .args(["--method", method, "--out"])
        .arg(out)
        .args(extra);
    run(&mut c)
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// Reads the `predicted` column of predictions.csv or shap_values.csv.
fn column(path: &Path, name: &str) -> Vec<f64> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let i = r.headers().unwrap().iter().position(|h| h == name).unwrap();
    r.records()
        .map(|rec| rec.unwrap()[i].parse().unwrap())
        .collect()
}

#[test]
fn mlp_trains_reproducibly_and_every_gradient_method_explains_it() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    for dir in [&a, &b] {
        let (ok, err) = train_mlp(dir, &[]);
        assert!(ok, "{err}");
    }
    for f in [
        "model.json",
        "architecture.json",
        "weights.safetensors",
        "loss.csv",
        "loss_curve.png",
        "loss_curve.svg",
        "predictions.csv",
        "measured_vs_predicted.png",
    ] {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f} differs between two runs with the same seed"
        );
    }
    let metrics = json(&a.join("metrics.json"));
    assert_eq!(metrics["model"], "mlp");
    assert_eq!(metrics["loss_history"].as_array().unwrap().len(), 5);
    let model = json(&a.join("model.json"));
    assert_eq!(model["model"]["kind"], "mlp");
    assert_eq!(model["model"]["weights"], "weights.safetensors");

    // DeepSHAP is exact (local accuracy checked at 1e-9 before writing); reloading the saved
    // weights must reproduce the training-time predictions bit for bit.
    let ds = tmp.path().join("deep");
    // Every row, so that the network sees the same batch as at training time (gemm's blocking,
    // hence the last bits, depends on the batch shape).
    let (ok, err) = explain(&a, "deep-shap", &ds, &["--background", "20"]);
    assert!(ok, "{err}");
    let summary = json(&ds.join("explanation.json"));
    assert_eq!(summary["method"], "deep-shap");
    assert_eq!(summary["background_rows"], 20);
    assert_eq!(summary["local_accuracy_rtol"], 1e-9);
    assert!(summary["local_accuracy_max_rel_error"].as_f64().unwrap() < 1e-9);
    let train_pred = column(&a.join("predictions.csv"), "predicted");
    let explained_pred = column(&ds.join("shap_values.csv"), "prediction");
    assert_eq!(train_pred.len(), explained_pred.len());
    for (p, q) in train_pred.iter().zip(&explained_pred) {
        assert_eq!(
            p.to_bits(),
            q.to_bits(),
            "reloaded model predicts differently"
        );
    }
    for f in [
        "shap_bar.png",
        "shap_beeswarm.png",
        "shap_waterfall.png",
        "shap_dependence.png",
    ] {
        assert!(ds.join(f).is_file(), "missing {f}");
    }

    // Path methods report their completeness gap instead of claiming exactness.
    for (method, extra) in [
        ("integrated-gradients", vec!["--steps", "64"]),
        ("gradient-shap", vec!["--gradient-samples", "50"]),
    ] {
        let out = tmp.path().join(method);
        let mut extra = extra;
        extra.extend(["--rows", "test"]);
        let (ok, err) = explain(&a, method, &out, &extra);
        assert!(ok, "{method}: {err}");
        let s = json(&out.join("explanation.json"));
        assert!(s["local_accuracy_rtol"].is_null());
        let gap = s["completeness_gap"].as_f64().unwrap();
        assert!(gap.is_finite() && gap >= 0.0);
        if method == "integrated-gradients" {
            assert!(gap < 0.05, "IG with 64 midpoint steps: gap {gap}");
        }
    }
}

#[test]
fn mlp_bad_settings_and_files_fail_cleanly() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("bad");
    for (extra, expect) in [
        (
            vec!["--hidden", "10,x"],
            "expected comma-separated positive widths",
        ),
        (vec!["--lr", "0"], "--lr 0: must be a finite number > 0"),
        (vec!["--epochs", "0"], "--epochs 0: must be at least 1"),
        (vec!["--lr", "1e30"], "lower --lr"),
    ] {
        let (ok, err) = train_mlp(&out, &extra);
        assert!(!ok, "{extra:?} should fail");
        assert!(err.contains(expect), "{extra:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(!out.exists(), "{extra:?} left {out:?} behind");
    }

    let good = tmp.path().join("good");
    let (ok, err) = train_mlp(&good, &[]);
    assert!(ok, "{err}");

    // A forest cannot be explained with DeepSHAP, and an MLP not with TreeSHAP.
    let forest = tmp.path().join("forest");
    let mut c = glassbox();
    c.args(["train", "--n-trees", "3", "--data"])
        .arg(data("concrete/concrete.csv"))
        .args(["--target", TARGET, "--out"])
        .arg(&forest);
    assert!(run(&mut c).0);
    let (ok, err) = explain(&forest, "deep-shap", &tmp.path().join("x1"), &[]);
    assert!(!ok && err.contains("needs a neural network"), "{err}");
    let (ok, err) = explain(&good, "tree-shap", &tmp.path().join("x2"), &[]);
    assert!(!ok && err.contains("needs a tree model"), "{err}");

    // Weights that do not match the architecture, or are not safetensors at all.
    let weights = good.join("weights.safetensors");
    let original = std::fs::read(&weights).unwrap();
    std::fs::write(&weights, b"not a safetensors file").unwrap();
    let (ok, err) = explain(&good, "deep-shap", &tmp.path().join("x3"), &[]);
    assert!(!ok && err.contains("weights.safetensors"), "{err}");
    assert!(!tmp.path().join("x3").exists());
    std::fs::write(&weights, &original).unwrap();
    let arch_path = good.join("architecture.json");
    let arch = std::fs::read_to_string(&arch_path).unwrap();
    // Still a consistent architecture (6 -> 7 units feeding 7 inputs), but not these weights.
    let widened = arch.replacen("\"units\": 6", "\"units\": 7", 1).replacen(
        "\"inputs\": 6",
        "\"inputs\": 7",
        1,
    );
    std::fs::write(&arch_path, widened).unwrap();
    let (ok, err) = explain(&good, "deep-shap", &tmp.path().join("x4"), &[]);
    assert!(!ok, "mismatched architecture accepted");
    assert!(err.contains("weights.safetensors"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

#[test]
fn a_constant_target_is_refused_for_both_models_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("flat.csv");
    let mut text = String::from("a,b,y\n");
    for i in 0..40 {
        text.push_str(&format!("{i},{},2.5\n", (i * 7) % 11));
    }
    std::fs::write(&csv, text).unwrap();
    for model in ["forest", "mlp"] {
        let out = tmp.path().join(model);
        let (ok, err) = run(glassbox()
            .args(["train", "--model", model, "--data"])
            .arg(&csv)
            .args(["--target", "y", "--out"])
            .arg(&out));
        assert!(!ok, "{model} trained on a constant target");
        assert!(
            err.contains("flat.csv") && err.contains("'y' is 2.5 on every training row"),
            "{err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(!out.exists());
    }
}
