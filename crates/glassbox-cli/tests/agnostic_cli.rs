//! End-to-end tests of `glassbox explain --method kernel-shap|lime|permutation|pdp` on a small
//! slice of the bundled concrete table with a 10-tree forest, and on bad input.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

const TARGET: &str = "Compressive strength (MPa)";

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

/// The first `rows` rows of the bundled concrete table, written to `dir/name`.
fn slice_of_concrete(dir: &Path, name: &str, rows: usize) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/concrete/concrete.csv");
    let text = std::fs::read_to_string(src).unwrap();
    let slice: Vec<&str> = text.lines().take(rows + 1).collect();
    let path = dir.join(name);
    std::fs::write(&path, slice.join("\n") + "\n").unwrap();
    path
}

/// A 10-tree forest trained on `data` (into `dir/run`).
fn train(dir: &Path, data: &Path) -> PathBuf {
    let run_dir = dir.join("run");
    let (ok, err) = run(glassbox()
        .args(["train", "--data"])
        .arg(data)
        .args(["--target", TARGET, "--n-trees", "10", "--out"])
        .arg(&run_dir));
    assert!(ok, "{err}");
    run_dir
}

fn explain(model: &Path, data: &Path, method: &str, out: &Path, extra: &[&str]) -> (bool, String) {
    run(glassbox()
        .args(["explain", "--model"])
        .arg(model)
        .arg("--data")
        .arg(data)
        .args(["--method", method, "--out"])
        .arg(out)
        .args(extra))
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// A CSV as its header and rows of fields.
fn csv_rows(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

/// The SHAP values of a `shap_values.csv` (row id, features..., base_value, prediction), one
/// vector per row, after checking local accuracy: base + sum of values = prediction (1e-9).
fn locally_accurate_values(path: &Path) -> Vec<Vec<f64>> {
    let (header, rows) = csv_rows(path);
    let m = header.len() - 3;
    rows.iter()
        .map(|r| {
            let v: Vec<f64> = r[1..].iter().map(|s| s.parse().unwrap()).collect();
            let (sum, base, pred) = (v[..m].iter().sum::<f64>(), v[m], v[m + 1]);
            assert!(
                (base + sum - pred).abs() <= 1e-9 * pred.abs().max(1.0),
                "{r:?}"
            );
            v[..m].to_vec()
        })
        .collect()
}

/// Nothing at `out` and no staging folder beside it.
fn nothing_written(out: &Path) {
    assert!(!out.exists(), "{} was written", out.display());
    let parent = out.parent().unwrap();
    let name = out.file_name().unwrap().to_string_lossy().into_owned();
    for entry in std::fs::read_dir(parent).unwrap() {
        let f = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            !f.starts_with(&format!(".{name}.partial")),
            "staging folder {f} left behind"
        );
    }
}

#[test]
fn kernel_shap_writes_exact_shap_outputs_deterministically() {
    let tmp = tempfile::tempdir().unwrap();
    let data = slice_of_concrete(tmp.path(), "c.csv", 60);
    let model = train(tmp.path(), &data);
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    for out in [&a, &b] {
        let (ok, err) = explain(
            &model,
            &data,
            "kernel-shap",
            out,
            &["--background-kmeans", "5", "--nsamples", "100"],
        );
        assert!(ok, "{err}");
    }
    for f in [
        "shap_values.csv",
        "shap_bar.png",
        "shap_beeswarm.svg",
        "shap_waterfall.png",
        "explanation.json",
    ] {
        assert!(a.join(f).is_file(), "missing {f}");
    }
    assert_eq!(
        std::fs::read(a.join("shap_values.csv")).unwrap(),
        std::fs::read(b.join("shap_values.csv")).unwrap(),
        "not deterministic"
    );
    let values = locally_accurate_values(&a.join("shap_values.csv"));
    assert_eq!(values.len(), 60);
    assert_eq!(values[0].len(), 8);
    let summary = json(&a.join("explanation.json"));
    assert_eq!(summary["method"], "kernel-shap");
    assert_eq!(summary["background_rows"], 5);
    assert!(summary["local_accuracy_max_rel_error"].as_f64().unwrap() < 1e-9);
}

#[test]
fn lime_writes_weights_and_surrogate_fidelity_in_both_modes() {
    let tmp = tempfile::tempdir().unwrap();
    let data = slice_of_concrete(tmp.path(), "c.csv", 40);
    let model = train(tmp.path(), &data);
    for mode in ["quartile", "continuous"] {
        let out = tmp.path().join(format!("lime_{mode}"));
        let (ok, err) = explain(
            &model,
            &data,
            "lime",
            &out,
            &["--lime-samples", "500", "--lime-mode", mode],
        );
        assert!(ok, "{mode}: {err}");
        for f in ["shap_values.csv", "shap_bar.png", "lime.csv", "lime.json"] {
            assert!(out.join(f).is_file(), "{mode}: missing {f}");
        }
        let (header, rows) = csv_rows(&out.join("lime.csv"));
        assert_eq!(
            header,
            [
                "row_id",
                "prediction",
                "local_prediction",
                "intercept",
                "r2"
            ]
        );
        assert_eq!(rows.len(), 40);
        for r in &rows {
            let r2: f64 = r[4].parse().unwrap();
            assert!(r2.is_finite() && r2 <= 1.0 + 1e-12, "{r:?}");
        }
        // The SHAP-style CSV holds the surrogate's contributions: base (intercept) + sum =
        // the surrogate's prediction at the row.
        let (h, shap_rows) = csv_rows(&out.join("shap_values.csv"));
        let m = h.len() - 3;
        for (s, l) in shap_rows.iter().zip(&rows) {
            let v: Vec<f64> = s[1..].iter().map(|x| x.parse().unwrap()).collect();
            let local: f64 = l[2].parse().unwrap();
            assert!(
                (v[m] + v[..m].iter().sum::<f64>() - local).abs() < 1e-6 * local.abs().max(1.0)
            );
        }
        let summary = json(&out.join("lime.json"));
        assert_eq!(summary["mode"], mode);
        assert_eq!(summary["rows"].as_array().unwrap().len(), 40);
        let gap = json(&out.join("explanation.json"))["completeness_gap"]
            .as_f64()
            .unwrap();
        assert!(gap.is_finite() && gap >= 0.0);
    }
}

#[test]
fn permutation_importance_and_partial_dependence_write_csv_and_plots() {
    let tmp = tempfile::tempdir().unwrap();
    let data = slice_of_concrete(tmp.path(), "c.csv", 80);
    let model = train(tmp.path(), &data);
    let perm = tmp.path().join("perm");
    let (ok, err) = explain(&model, &data, "permutation", &perm, &["--repeats", "3"]);
    assert!(ok, "{err}");
    let (header, rows) = csv_rows(&perm.join("permutation_importance.csv"));
    assert_eq!(header.len(), 3 + 3);
    assert_eq!(rows.len(), 8);
    for r in &rows {
        let v: Vec<f64> = r[1..].iter().map(|s| s.parse().unwrap()).collect();
        // std is the population std of the repeats.
        let mean = (v[2] + v[3] + v[4]) / 3.0;
        assert!((mean - v[0]).abs() < 1e-9 * v[0].abs().max(1.0), "{r:?}");
        assert!(v[1] >= 0.0);
    }
    assert!(perm.join("permutation_importance.png").is_file());
    let imp = json(&perm.join("importance.json"));
    assert_eq!(imp["repeats"], 3);
    // A forest fitted on these rows explains them well: shuffling the most important feature
    // must cost R².
    assert!(imp["importances"][0][1].as_f64().unwrap() > 0.0);

    let pdp = tmp.path().join("pdp");
    let (ok, err) = explain(&model, &data, "pdp", &pdp, &["--grid", "5"]);
    assert!(ok, "{err}");
    let (header, rows) = csv_rows(&pdp.join("partial_dependence.csv"));
    assert_eq!(header, ["feature", "grid_value", "model_input", "average"]);
    assert!(rows.len() <= 8 * 5 && rows.len() >= 8 * 2, "{}", rows.len());
    let plots = std::fs::read_dir(&pdp)
        .unwrap()
        .filter(|e| {
            let n = e
                .as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .into_owned();
            n.starts_with("pdp_") && n.ends_with(".png")
        })
        .count();
    assert_eq!(plots, 8);
    // The grid in the data's units spans the feature's 5th..95th percentiles of the data.
    let cement: Vec<f64> = rows
        .iter()
        .filter(|r| r[0] == "Cement")
        .map(|r| r[1].parse().unwrap())
        .collect();
    assert!(cement.windows(2).all(|w| w[0] < w[1]), "{cement:?}");
}

#[test]
fn bad_input_is_refused_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let data = slice_of_concrete(tmp.path(), "c.csv", 40);
    let model = train(tmp.path(), &data);

    // A background table without one of the model's feature columns.
    let text = std::fs::read_to_string(&data).unwrap();
    let without_water: Vec<String> = text
        .lines()
        .map(|l| {
            let mut f: Vec<&str> = l.split(',').collect();
            let water = text
                .lines()
                .next()
                .unwrap()
                .split(',')
                .position(|h| h == "Water")
                .unwrap();
            f.remove(water);
            f.join(",")
        })
        .collect();
    let bg = tmp.path().join("bg.csv");
    std::fs::write(&bg, without_water.join("\n") + "\n").unwrap();
    let out = tmp.path().join("out_bg");
    let (ok, err) = explain(
        &model,
        &data,
        "kernel-shap",
        &out,
        &["--background-data", bg.to_str().unwrap()],
    );
    assert!(!ok);
    assert!(err.contains("bg.csv") && err.contains("Water"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    nothing_written(&out);

    // nsamples below the minimum 2M+2 = 18 for 8 features; the minimum itself works.
    let out = tmp.path().join("out_ns");
    let (ok, err) = explain(&model, &data, "kernel-shap", &out, &["--nsamples", "17"]);
    assert!(!ok);
    assert!(err.contains("--nsamples 17") && err.contains("18"), "{err}");
    nothing_written(&out);
    let (ok, err) = explain(
        &model,
        &data,
        "kernel-shap",
        &out,
        &["--nsamples", "18", "--background", "5"],
    );
    assert!(ok, "{err}");

    for (method, flags, needle) in [
        ("lime", ["--lime-samples", "1"], "--lime-samples 1"),
        ("permutation", ["--repeats", "0"], "--repeats"),
        ("pdp", ["--grid", "1"], "--grid 1"),
        (
            "kernel-shap",
            ["--background-kmeans", "0"],
            "--background-kmeans 0",
        ),
    ] {
        let out = tmp.path().join(format!("out_{method}"));
        let (ok, err) = explain(&model, &data, method, &out, &flags);
        assert!(!ok, "{method} accepted {flags:?}");
        assert!(err.contains(needle), "{method}: {err}");
        nothing_written(&out);
    }
}

#[test]
fn kernel_shap_explains_a_network_through_the_generic_path() {
    // Tree runs take KernelSHAP's tree walk; an MLP run goes through synthetic rows and Predict.
    let tmp = tempfile::tempdir().unwrap();
    let data = slice_of_concrete(tmp.path(), "c.csv", 30);
    let run_dir = tmp.path().join("mlp");
    let (ok, err) = run(glassbox()
        .args([
            "train", "--model", "mlp", "--hidden", "8,8", "--epochs", "3", "--data",
        ])
        .arg(&data)
        .args(["--target", TARGET, "--out"])
        .arg(&run_dir));
    assert!(ok, "{err}");
    let out = tmp.path().join("ks");
    let (ok, err) = explain(
        &run_dir,
        &data,
        "kernel-shap",
        &out,
        &["--background-kmeans", "4", "--nsamples", "60"],
    );
    assert!(ok, "{err}");
    let values = locally_accurate_values(&out.join("shap_values.csv"));
    assert_eq!(values.len(), 30);
    assert!(
        values.iter().flatten().any(|p| p.abs() > 0.0),
        "every value is zero"
    );
}
