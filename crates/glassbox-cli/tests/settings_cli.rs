//! `glassbox explain` settings: each one honoured by every method it applies to and refused
//! where it does not apply; every background source for every background method; a run folder
//! explaining another table; the per-row interaction values; the records of pdp and
//! permutation.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

const TARGET: &str = "Compressive strength (MPa)";

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

fn run(cmd: &mut Command) -> (bool, String) {
    let out = cmd.output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Rows `from..to` of the bundled concrete table, written to `dir/name`.
fn slice(dir: &Path, name: &str, from: usize, to: usize) -> PathBuf {
    let text = std::fs::read_to_string(data("concrete/concrete.csv")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut out = vec![lines[0]];
    out.extend(&lines[1 + from..1 + to]);
    let path = dir.join(name);
    std::fs::write(&path, out.join("\n") + "\n").unwrap();
    path
}

fn train(dir: &Path, data: &Path, name: &str, extra: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let (ok, err) = run(glassbox()
        .args(["train", "--data"])
        .arg(data)
        .args(["--target", TARGET, "--out"])
        .arg(&out)
        .args(extra));
    assert!(ok, "{err}");
    out
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

fn csv_rows(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

#[test]
fn settings_that_do_not_apply_are_refused_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let d = slice(tmp.path(), "c.csv", 0, 40);
    let rf = train(tmp.path(), &d, "rf", &["--n-trees", "5"]);
    let bg = slice(tmp.path(), "bg.csv", 40, 60);
    let bg = bg.to_str().unwrap();
    for (method, flags, needles) in [
        (
            "tree-shap",
            vec!["--nsamples", "50"],
            vec!["--nsamples", "kernel-shap"],
        ),
        (
            "tree-shap",
            vec!["--background", "10"],
            vec!["--background", "tree-shap"],
        ),
        (
            "interactions",
            vec!["--background-kmeans", "3"],
            vec!["--background-kmeans"],
        ),
        (
            "interactions",
            vec!["--background-data", bg],
            vec!["--background-data"],
        ),
        ("tree-shap", vec!["--seed", "1"], vec!["--seed"]),
        (
            "kernel-shap",
            vec!["--lime-samples", "100"],
            vec!["--lime-samples", "lime"],
        ),
        ("lime", vec!["--nsamples", "100"], vec!["--nsamples"]),
        ("lime", vec!["--background", "10"], vec!["--background"]),
        ("permutation", vec!["--grid", "5"], vec!["--grid", "pdp"]),
        (
            "pdp",
            vec!["--repeats", "2"],
            vec!["--repeats", "permutation"],
        ),
        ("pdp", vec!["--row", "1"], vec!["--row"]),
        (
            "tree-shap",
            vec!["--steps", "10"],
            vec!["--steps", "integrated-gradients"],
        ),
        (
            "kernel-shap",
            vec!["--gradient-samples", "10"],
            vec!["--gradient-samples"],
        ),
        (
            "kernel-shap",
            vec!["--background", "10", "--background-data", bg],
            vec!["cannot be combined"],
        ),
        (
            "kernel-shap",
            vec!["--background", "10", "--background-kmeans", "3"],
            vec!["cannot be combined"],
        ),
        (
            "interventional-tree-shap",
            vec!["--probability-method", "rescaled"],
            vec!["--output probability"],
        ),
        (
            "deep-shap",
            vec!["--seed", "7", "--background-data", bg],
            vec!["--seed", "nothing is drawn"],
        ),
    ] {
        let out = tmp.path().join("refused");
        let (ok, err) = explain(&rf, &d, method, &out, &flags);
        assert!(!ok, "{method} accepted {flags:?}");
        for n in &needles {
            assert!(err.contains(n), "{method} {flags:?}: {err}");
        }
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(!out.exists(), "{method} {flags:?} wrote {out:?}");
    }
    // The defaults, typed explicitly where they apply, are accepted.
    let out = tmp.path().join("ok");
    let (ok, err) = explain(&rf, &d, "tree-shap", &out, &["--output", "margin"]);
    assert!(ok, "{err}");
}

#[test]
fn every_background_source_works_for_every_background_method() {
    let tmp = tempfile::tempdir().unwrap();
    let d = slice(tmp.path(), "c.csv", 0, 60);
    let bg = slice(tmp.path(), "bg.csv", 100, 130);
    let bg = bg.to_str().unwrap();
    let rf = train(tmp.path(), &d, "rf", &["--n-trees", "5"]);
    let mlp = train(
        tmp.path(),
        &d,
        "mlp",
        &["--model", "mlp", "--hidden", "6,6", "--epochs", "3"],
    );
    let sources: [(&str, Vec<&str>, usize); 3] = [
        ("sample", vec!["--background", "12"], 12),
        ("kmeans", vec!["--background-kmeans", "4"], 4),
        ("file", vec!["--background-data", bg], 30),
    ];
    for (model, method) in [
        (&rf, "interventional-tree-shap"),
        (&rf, "kernel-shap"),
        (&mlp, "deep-shap"),
        (&mlp, "integrated-gradients"),
        (&mlp, "gradient-shap"),
        (&mlp, "kernel-shap"),
    ] {
        for (name, flags, rows) in &sources {
            let out = tmp.path().join(format!(
                "{}-{method}-{name}",
                model.file_name().unwrap().to_string_lossy()
            ));
            let mut flags = flags.clone();
            flags.extend(["--rows", "test"]);
            let (ok, err) = explain(model, &d, method, &out, &flags);
            if method == "gradient-shap" && *name == "kmeans" {
                // Uniform draws have no weighted form: refused, not approximated.
                assert!(!ok && err.contains("no weighted form"), "{err}");
                assert!(!out.exists());
                continue;
            }
            assert!(ok, "{method} {name}: {err}");
            let s = json(&out.join("explanation.json"));
            assert_eq!(s["background_rows"], *rows as u64, "{method} {name}: {s}");
            if !matches!(method, "integrated-gradients" | "gradient-shap") {
                // Exact methods (weighted ones included) were checked for local accuracy.
                assert_eq!(s["local_accuracy_rtol"], 1e-9, "{method} {name}");
            }
        }
    }
    // The background table is read with the table options (--sheet here).
    let out = tmp.path().join("sheet");
    let (ok, err) = explain(
        &rf,
        &data("concrete/concrete.xlsx"),
        "kernel-shap",
        &out,
        &[
            "--sheet",
            "Sheet",
            "--background-data",
            data("molding/ikv_injection_molding.xlsx").to_str().unwrap(),
        ],
    );
    assert!(!ok);
    assert!(
        err.contains("ikv_injection_molding.xlsx") && err.contains("no sheet named 'Sheet'"),
        "{err}"
    );
}

#[test]
fn a_run_folder_explains_any_table_with_its_feature_columns() {
    let tmp = tempfile::tempdir().unwrap();
    let d = slice(tmp.path(), "c.csv", 0, 50);
    let other = slice(tmp.path(), "other.csv", 200, 230);
    let rf = train(tmp.path(), &d, "rf", &["--n-trees", "5"]);
    for method in ["tree-shap", "interventional-tree-shap", "kernel-shap"] {
        let out = tmp.path().join(format!("other-{method}"));
        let (ok, err) = explain(&rf, &other, method, &out, &[]);
        assert!(ok, "{method}: {err}");
        let s = json(&out.join("explanation.json"));
        assert_eq!(s["n_rows"], 30);
        if method != "tree-shap" {
            // The background comes from the table explained (30 rows), not the run's split.
            assert_eq!(s["background_rows"], 30, "{s}");
        }
    }
    // The training table: the background is the run's training rows (35 of 50).
    let out = tmp.path().join("own");
    let (ok, err) = explain(&rf, &d, "interventional-tree-shap", &out, &[]);
    assert!(ok, "{err}");
    assert_eq!(json(&out.join("explanation.json"))["background_rows"], 35);
    // --rows still needs the training table, and says so.
    let out = tmp.path().join("rows");
    let (ok, err) = explain(&rf, &other, "tree-shap", &out, &["--rows", "test"]);
    assert!(!ok);
    assert!(
        err.contains("split.csv") && err.contains("needs the table the model was trained on"),
        "{err}"
    );
}

#[test]
fn interactions_write_per_row_values_and_global_methods_write_records() {
    let tmp = tempfile::tempdir().unwrap();
    let d = slice(tmp.path(), "c.csv", 0, 30);
    let rf = train(tmp.path(), &d, "rf", &["--n-trees", "4"]);
    let out = tmp.path().join("ia");
    let (ok, err) = explain(&rf, &d, "interactions", &out, &[]);
    assert!(ok, "{err}");
    let bytes = std::fs::read(out.join("interaction_values.npy")).unwrap();
    let (shape, values) = glassbox_core::npy::read_npy_f64(&bytes).unwrap();
    assert_eq!(shape, [30, 8, 8, 1]);
    // Each row's interaction matrix sums, row by row, to its SHAP values.
    let (_, shap) = csv_rows(&out.join("shap_values.csv"));
    for (i, row) in shap.iter().enumerate() {
        for j in 0..8 {
            let sum: f64 = (0..8).map(|k| values[(i * 8 + j) * 8 + k]).sum();
            let phi: f64 = row[1 + j].parse().unwrap();
            assert!((sum - phi).abs() <= 1e-9 * phi.abs().max(1.0), "{i},{j}");
        }
    }

    let pdp = tmp.path().join("pdp");
    let (ok, err) = explain(&rf, &d, "pdp", &pdp, &["--grid", "4"]);
    assert!(ok, "{err}");
    let r = json(&pdp.join("partial_dependence.json"));
    assert_eq!(r["method"], "pdp");
    assert_eq!(r["grid"], 4);
    assert_eq!(r["ranked"].as_array().unwrap().len(), 8);
    assert!(!r["model"].as_str().unwrap().contains(".partial-"));
    let (header, ice) = csv_rows(&pdp.join("ice.csv"));
    assert_eq!(
        header,
        [
            "feature",
            "row_id",
            "grid_value",
            "model_input",
            "prediction"
        ]
    );
    // One line per feature, row and grid point (features with few values have fewer points).
    let (_, pd) = csv_rows(&pdp.join("partial_dependence.csv"));
    assert_eq!(ice.len(), 30 * pd.len());
    // The ICE curves average to the partial-dependence curve.
    let g = pd.iter().filter(|l| l[0] == pd[0][0]).count();
    for (t, line) in pd.iter().take(g).enumerate() {
        let mean: f64 = (0..30)
            .map(|i| ice[i * g + t][4].parse::<f64>().unwrap())
            .sum::<f64>()
            / 30.0;
        let average: f64 = line[3].parse().unwrap();
        assert!((mean - average).abs() <= 1e-9 * average.abs().max(1.0));
    }

    let perm = tmp.path().join("perm");
    let (ok, err) = explain(&rf, &d, "permutation", &perm, &["--repeats", "2"]);
    assert!(ok, "{err}");
    let r = json(&perm.join("importance.json"));
    assert_eq!(r["repeats"], 2);
    assert_eq!(r["importances"].as_array().unwrap().len(), 8);
}
