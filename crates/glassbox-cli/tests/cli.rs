//! End-to-end tests of the `glassbox` binary on the bundled data and on small bad inputs.

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

fn train_concrete(out: &Path, extra: &[&str]) -> (bool, String) {
    let mut c = glassbox();
    c.args(["train", "--data"])
        .arg(data("concrete/concrete.csv"))
        .args([
            "--target",
            "Compressive strength (MPa)",
            "--n-trees",
            "8",
            "--out",
        ])
        .arg(out)
        .args(extra);
    run(&mut c)
}

fn file_names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn train_then_explain_concrete_and_bytes_are_reproducible() {
    let tmp = tempfile::tempdir().unwrap();
    let run_a = tmp.path().join("a");
    let run_b = tmp.path().join("b");
    let (ok, err) = train_concrete(&run_a, &[]);
    assert!(ok, "{err}");
    let (ok, err) = train_concrete(&run_b, &[]);
    assert!(ok, "{err}");
    for f in [
        "model.json",
        "metrics.json",
        "split.csv",
        "predictions.csv",
        "measured_vs_predicted.png",
        "measured_vs_predicted.svg",
    ] {
        let a = std::fs::read(run_a.join(f)).unwrap();
        let b = std::fs::read(run_b.join(f)).unwrap();
        assert!(a == b, "{f} differs between two identical runs");
    }
    // The fitting time is in timings.json alone.
    let timings: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run_a.join("timings.json")).unwrap()).unwrap();
    assert_eq!(timings["stages"][0][0], "fit");
    assert!(timings["stages"][0][1].as_f64().unwrap() > 0.0);
    let metrics: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run_a.join("metrics.json")).unwrap()).unwrap();
    assert!(metrics["test"]["r2"].as_f64().unwrap() > 0.7, "{metrics}");
    assert_eq!(metrics["test"]["n"].as_u64().unwrap(), 309); // round(0.3 * 1030)

    let shap = tmp.path().join("shap");
    let mut c = glassbox();
    c.args(["explain", "--model"])
        .arg(&run_a)
        .arg("--data")
        .arg(data("concrete/concrete.csv"));
    c.args(["--method", "tree-shap", "--rows", "test", "--out"])
        .arg(&shap);
    let (ok, err) = run(&mut c);
    assert!(ok, "{err}");
    for f in [
        "shap_values.csv",
        "explanation.json",
        "shap_bar.png",
        "shap_bar.svg",
        "shap_beeswarm.png",
        "shap_beeswarm.svg",
        "shap_waterfall.png",
        "shap_dependence.png",
    ] {
        assert!(
            shap.join(f).is_file(),
            "missing {f}: {:?}",
            file_names(&shap)
        );
    }
    let csv = std::fs::read_to_string(shap.join("shap_values.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header.first(), Some(&"row_id"));
    assert!(header.contains(&"Cement") && header.ends_with(&["base_value", "prediction"]));
    assert!(
        !header.contains(&"Compressive strength (MPa)"),
        "the target is not a feature"
    );
    assert_eq!(lines.count(), 309);
    // base + sum(values) == prediction, recomputed from the CSV text.
    for line in csv.lines().skip(1) {
        let v: Vec<f64> = line
            .split(',')
            .skip(1)
            .map(|x| x.parse().unwrap())
            .collect();
        let (pred, rest) = v.split_last().unwrap();
        let sum: f64 = rest.iter().sum();
        assert!((sum - pred).abs() <= 1e-9 * pred.abs().max(1.0), "{line}");
    }
}

#[test]
fn refuses_non_empty_output_folder_without_force() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("keep.txt"), "mine").unwrap();
    let (ok, err) = train_concrete(&out, &[]);
    assert!(!ok);
    assert!(
        err.contains("not empty") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("keep.txt")).unwrap(),
        "mine"
    );
    let (ok, err) = train_concrete(&out, &["--force"]);
    assert!(ok, "{err}");
    assert!(!out.join("keep.txt").exists());
}

/// Every failure: non-zero exit, one line on stderr, and no output folder left behind.
fn assert_clean_failure(args: &[&str], data_file: &Path, expect: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let mut c = glassbox();
    c.args(args)
        .arg("--data")
        .arg(data_file)
        .arg("--out")
        .arg(&out);
    let (ok, err) = run(&mut c);
    assert!(!ok, "expected failure for {args:?}");
    let err = err.trim();
    assert_eq!(err.lines().count(), 1, "error must be one line: {err}");
    for e in expect {
        assert!(err.contains(e), "error '{err}' should mention '{e}'");
    }
    assert!(!out.exists(), "output folder left behind");
    assert_eq!(
        file_names(tmp.path()),
        Vec::<String>::new(),
        "staging left behind"
    );
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn bad_tables_give_one_line_errors_and_no_output() {
    let tmp = tempfile::tempdir().unwrap();
    let train = ["train", "--target", "y", "--n-trees", "2"];
    assert_clean_failure(&train, &tmp.path().join("missing.csv"), &["missing.csv"]);
    let f = write(
        tmp.path(),
        "t.csv",
        "a,b,y\n1,2,3\n2,3,4\n3,4,5\n4,5,6\n5,6,7\n6,7,8\n",
    );
    assert_clean_failure(
        &["train", "--target", "weight"],
        &f,
        &["t.csv", "weight", "a", "b", "y"],
    );
    let f = write(
        tmp.path(),
        "text.csv",
        "a,name,y\n1,x,3\n2,y,4\n3,z,5\n4,w,6\n5,v,7\n6,u,8\n",
    );
    assert_clean_failure(&train, &f, &["text.csv", "name", "--drop"]);
    let f = write(
        tmp.path(),
        "nan.csv",
        "a,b,y\n1,2,3\n2,nan,4\n3,4,5\n4,5,6\n5,6,7\n6,7,8\n",
    );
    assert_clean_failure(&train, &f, &["nan.csv", "b"]);
    let f = write(tmp.path(), "ragged.csv", "a,b,y\n1,2,3\n2,3\n3,4,5\n");
    assert_clean_failure(&train, &f, &["ragged.csv"]);
    let f = write(tmp.path(), "tiny.csv", "a,y\n1,3\n2,4\n");
    assert_clean_failure(&train, &f, &["tiny.csv"]);
    let f = write(tmp.path(), "bad.xlsx", "this is not a spreadsheet");
    assert_clean_failure(&train, &f, &["bad.xlsx"]);
}

#[test]
fn bad_model_files_give_one_line_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let run_dir = tmp.path().join("run");
    let (ok, err) = train_concrete(&run_dir, &[]);
    assert!(ok, "{err}");
    let explain = |model: &Path, data_file: &Path| {
        let mut c = glassbox();
        c.args(["explain", "--model"])
            .arg(model)
            .arg("--data")
            .arg(data_file);
        c.arg("--out").arg(tmp.path().join("never"));
        run(&mut c)
    };
    let corrupt = write(
        tmp.path(),
        "corrupt.json",
        "{\"format\": \"glassbox-model\", \"vers",
    );
    let (ok, err) = explain(&corrupt, &data("concrete/concrete.csv"));
    assert!(!ok && err.contains("corrupt.json"), "{err}");
    let model: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run_dir.join("model.json")).unwrap()).unwrap();
    let mut future = model.clone();
    future["version"] = serde_json::json!(999);
    let future_path = write(tmp.path(), "future.json", &future.to_string());
    let (ok, err) = explain(&future_path, &data("concrete/concrete.csv"));
    assert!(
        !ok && err.contains("future.json") && err.contains("999"),
        "{err}"
    );
    // Data without one of the model's features.
    let f = write(tmp.path(), "fewer.csv", "Cement,Water\n1,2\n3,4\n");
    let (ok, err) = explain(&run_dir, &f);
    assert!(!ok && err.contains("fewer.csv"), "{err}");
    assert!(!tmp.path().join("never").exists());
}

#[test]
fn models_of_the_wrong_kind_are_refused_with_the_command_to_use() {
    let tmp = tempfile::tempdir().unwrap();
    let run_dir = tmp.path().join("run");
    let (ok, err) = train_concrete(&run_dir, &[]);
    assert!(ok, "{err}");
    let never = tmp.path().join("never");
    // A CNN run given to the table command.
    let mut c = glassbox();
    c.args(["explain", "--model"])
        .arg(data("models/neu-gap-cnn"))
        .arg("--data")
        .arg(data("concrete/concrete.csv"))
        .arg("--out")
        .arg(&never);
    let (ok, err) = run(&mut c);
    assert!(!ok, "{err}");
    assert!(
        err.contains("neu-gap-cnn is an image model") && err.contains("glassbox image explain"),
        "{err}"
    );
    // Table models given to the image command.
    for (model, kind) in [
        (run_dir.clone(), "(random forest)"),
        (gbdt_fixture("xgb_binary.json"), "(xgboost model)"),
    ] {
        let mut c = glassbox();
        c.args(["image", "explain", "--model"])
            .arg(&model)
            .arg("--images")
            .arg(data("neu/scratches/scratches_260.png"))
            .arg("--out")
            .arg(&never);
        let (ok, err) = run(&mut c);
        assert!(!ok, "{err}");
        assert!(
            err.contains(&format!("is a table model {kind}")) && err.contains("CNN run folder"),
            "{err}"
        );
    }
    assert!(!never.exists());
}

/// Explains an imported model on the NaN-free rows of the fixtures' data and compares with the
/// library's own SHAP values (`pred_contribs` / `pred_contrib`), within `tol` absolute.
fn compare_with_library(model: &str, tol: f64) {
    let fixtures =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../glassbox-models/tests/fixtures/gbdt");
    let data_text = std::fs::read_to_string(fixtures.join("data.csv")).unwrap();
    let contribs_text =
        std::fs::read_to_string(fixtures.join(format!("{model}.contribs.csv"))).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let mut kept = vec![data_text.lines().next().unwrap().to_string()];
    let mut expected: Vec<Vec<f64>> = Vec::new();
    let mut with_missing = 0;
    for (line, contrib) in data_text.lines().skip(1).zip(contribs_text.lines().skip(1)) {
        // Missing values as users' CSV files have them: NaN, an empty field, or NA.
        let line = if line.contains("NaN") {
            with_missing += 1;
            match with_missing % 3 {
                0 => line.to_string(),
                1 => line.replace("NaN", ""),
                _ => line.replace("NaN", "NA"),
            }
        } else {
            line.to_string()
        };
        kept.push(line);
        expected.push(contrib.split(',').map(|v| v.parse().unwrap()).collect());
    }
    assert!(expected.len() > 10);
    assert!(
        with_missing >= 3,
        "the fixture should have rows with missing values"
    );
    let data_file = write(tmp.path(), "data.csv", &(kept.join("\n") + "\n"));
    let out = tmp.path().join("shap");
    let ext = if model.starts_with("xgb") {
        "json"
    } else {
        "txt"
    };
    let mut c = glassbox();
    c.args(["explain", "--model"])
        .arg(fixtures.join(format!("{model}.{ext}")));
    c.arg("--data")
        .arg(&data_file)
        .args(["--target", "y", "--out"])
        .arg(&out);
    let (ok, err) = run(&mut c);
    assert!(ok, "{err}");
    let csv = std::fs::read_to_string(out.join("shap_values.csv")).unwrap();
    for (line, want) in csv.lines().skip(1).zip(&expected) {
        // row_id, features..., base_value, prediction  vs  features..., bias
        let got: Vec<f64> = line
            .split(',')
            .skip(1)
            .map(|v| v.parse().unwrap())
            .collect();
        let m = want.len() - 1;
        for j in 0..m {
            assert!(
                (got[j] - want[j]).abs() <= tol,
                "{model} feature {j}: {} vs {}",
                got[j],
                want[j]
            );
        }
        assert!(
            (got[m] - want[m]).abs() <= tol,
            "{model} bias: {} vs {}",
            got[m],
            want[m]
        );
    }
}

#[test]
fn imported_models_match_the_libraries_own_shap_values() {
    // XGBoost sums in f32, so its own values carry f32 rounding; LightGBM computes in f64.
    compare_with_library("xgb_reg", 1e-5);
    compare_with_library("lgb_reg", 1e-9);
}

fn gbdt_fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../glassbox-models/tests/fixtures/gbdt")
        .join(name)
}

fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

fn explain_fixture(model: &str, out: &Path, extra: &[&str]) -> (bool, String) {
    let mut c = glassbox();
    c.args(["explain", "--model"])
        .arg(gbdt_fixture(model))
        .arg("--data")
        .arg(gbdt_fixture("data.csv"))
        .args(["--target", "y", "--out"])
        .arg(out)
        .args(extra);
    run(&mut c)
}

#[test]
fn interaction_values_sum_to_tree_shap_and_probabilities_add_up() {
    let tmp = tempfile::tempdir().unwrap();
    // Interactions: rows of the interaction matrix sum to the TreeSHAP values (checked at 1e-9
    // against a separate tree-shap run), the mean |interaction| matrix is symmetric.
    let (ts, ia) = (tmp.path().join("ts"), tmp.path().join("ia"));
    assert!(explain_fixture("xgb_reg.json", &ts, &[]).0);
    let (ok, err) = explain_fixture("xgb_reg.json", &ia, &["--method", "interactions"]);
    assert!(ok, "{err}");
    let (_, a) = read_csv(&ts.join("shap_values.csv"));
    let (_, b) = read_csv(&ia.join("shap_values.csv"));
    assert_eq!(a.len(), 160, "rows with missing values are explained too");
    for (ra, rb) in a.iter().zip(&b) {
        for (va, vb) in ra.iter().zip(rb).skip(1) {
            let (va, vb): (f64, f64) = (va.parse().unwrap(), vb.parse().unwrap());
            assert!((va - vb).abs() <= 1e-9 * (1.0 + va.abs()), "{va} vs {vb}");
        }
    }
    let (header, m) = read_csv(&ia.join("mean_abs_interactions.csv"));
    assert_eq!(header, ["feature", "temp", "pressure", "speed", "load"]);
    for i in 0..4 {
        for j in 0..4 {
            assert_eq!(m[i][j + 1], m[j][i + 1], "not symmetric at {i},{j}");
        }
    }
    assert!(ia.join("shap_dependence.png").is_file());

    // Probability output of a binary classifier: values add up to XGBoost's own probability.
    let pr = tmp.path().join("pr");
    let (ok, err) = explain_fixture(
        "xgb_binary.json",
        &pr,
        &[
            "--method",
            "interventional-tree-shap",
            "--output",
            "probability",
            "--background",
            "50",
        ],
    );
    assert!(ok, "{err}");
    let (header, rows) = read_csv(&pr.join("shap_values.csv"));
    let (_, lib) = read_csv(&gbdt_fixture("xgb_binary.pred.csv"));
    let m = header.len() - 3;
    for (row, want) in rows.iter().zip(&lib) {
        let v: Vec<f64> = row[1..].iter().map(|s| s.parse().unwrap()).collect();
        let sum: f64 = v[..m].iter().sum::<f64>() + v[m];
        let prediction = v[m + 1];
        let library: f64 = want[1].parse().unwrap();
        assert!((0.0..=1.0).contains(&prediction));
        assert!((sum - prediction).abs() <= 1e-9, "{sum} vs {prediction}");
        // XGBoost computes in f32.
        assert!(
            (prediction - library).abs() <= 1e-6,
            "{prediction} vs {library}"
        );
    }

    // LIME in probability space (the tree model prepared once, under the link), on the rows
    // without missing values: its `prediction` column is XGBoost's probability too.
    let text = std::fs::read_to_string(gbdt_fixture("data.csv")).unwrap();
    let mut lines = text.lines();
    let mut complete = format!("{}\n", lines.next().unwrap());
    let mut kept = Vec::new();
    for (i, line) in lines.enumerate() {
        if !line
            .split(',')
            .any(|f| f.trim().is_empty() || f.trim() == "NaN")
        {
            complete.push_str(line);
            complete.push('\n');
            kept.push(i);
        }
    }
    assert!(kept.len() > 10, "enough complete rows");
    let data = tmp.path().join("complete.csv");
    std::fs::write(&data, complete).unwrap();
    let lp = tmp.path().join("lp");
    let mut c = glassbox();
    c.args(["explain", "--model"])
        .arg(gbdt_fixture("xgb_binary.json"))
        .arg("--data")
        .arg(&data)
        .args(["--target", "y", "--out"])
        .arg(&lp)
        .args([
            "--method",
            "lime",
            "--output",
            "probability",
            "--lime-samples",
            "200",
        ]);
    let (ok, err) = run(&mut c);
    assert!(ok, "{err}");
    let (header, rows) = read_csv(&lp.join("shap_values.csv"));
    let m = header.len() - 3;
    assert_eq!(rows.len(), kept.len());
    for (row, &i) in rows.iter().zip(&kept) {
        let prediction: f64 = row[m + 2].parse().unwrap();
        let library: f64 = lib[i][1].parse().unwrap();
        assert!(
            (prediction - library).abs() <= 1e-6,
            "row {i}: {prediction} vs {library}"
        );
    }

    // Refusals: probability of a regressor, probability with path-dependent TreeSHAP.
    let (ok, err) = explain_fixture(
        "xgb_reg.json",
        &tmp.path().join("bad1"),
        &[
            "--method",
            "interventional-tree-shap",
            "--output",
            "probability",
        ],
    );
    assert!(!ok && err.contains("not a probability"), "{err}");
    let (ok, err) = explain_fixture(
        "xgb_binary.json",
        &tmp.path().join("bad2"),
        &["--output", "probability"],
    );
    assert!(!ok && err.contains("interventional-tree-shap"), "{err}");
    assert!(!tmp.path().join("bad1").exists() && !tmp.path().join("bad2").exists());
}

#[test]
fn permutation_importance_scores_accuracy_for_imported_classifiers() {
    // Labels = XGBoost's own decisions (probability > 0.5), so the unshuffled accuracy is 1.
    let tmp = tempfile::tempdir().unwrap();
    let (_, pred) = read_csv(&gbdt_fixture("xgb_binary.pred.csv"));
    let text = std::fs::read_to_string(gbdt_fixture("data.csv")).unwrap();
    let mut lines = text.lines();
    let mut out = format!("{},label\n", lines.next().unwrap());
    for (line, p) in lines.zip(&pred) {
        let prob: f64 = p[1].parse().unwrap();
        out.push_str(&format!("{line},{}\n", u8::from(prob > 0.5)));
    }
    let data = tmp.path().join("labelled.csv");
    std::fs::write(&data, out).unwrap();
    let explain = |dir: &Path, data: &Path, extra: &[&str]| {
        let mut c = glassbox();
        c.args(["explain", "--model"])
            .arg(gbdt_fixture("xgb_binary.json"))
            .arg("--data")
            .arg(data)
            .args(["--target", "label", "--method", "permutation", "--out"])
            .arg(dir)
            .args(extra);
        run(&mut c)
    };
    let acc = tmp.path().join("acc");
    let (ok, err) = explain(&acc, &data, &[]);
    assert!(ok, "{err}");
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(acc.join("importance.json")).unwrap()).unwrap();
    assert_eq!(summary["scoring"], "accuracy");
    assert_eq!(summary["baseline"].as_f64().unwrap(), 1.0);
    let drops: Vec<f64> = summary["importances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[1].as_f64().unwrap())
        .collect();
    assert!(drops.iter().all(|d| (0.0..=1.0).contains(d)), "{drops:?}");
    assert!(drops[0] > 0.05, "the top feature barely matters: {drops:?}");

    // --scoring r2 is honoured for a classifier too.
    let r2 = tmp.path().join("r2");
    let (ok, err) = explain(&r2, &data, &["--scoring", "r2"]);
    assert!(ok, "{err}");
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(r2.join("importance.json")).unwrap()).unwrap();
    assert_eq!(summary["scoring"], "r2");

    // Labels that are not classes: one line naming the file and what was expected.
    let bad = tmp.path().join("bad.csv");
    let text = std::fs::read_to_string(&data).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    lines[3] = lines[3].rsplit_once(',').unwrap().0.to_string() + ",0.5";
    std::fs::write(&bad, lines.join("\n") + "\n").unwrap();
    let out = tmp.path().join("bad");
    let (ok, err) = explain(&out, &bad, &[]);
    assert!(!ok);
    assert!(err.contains("bad.csv"), "{err}");
    assert!(err.contains("class labels 0..1"), "{err}");
    assert!(!out.exists());
}

#[test]
fn kernel_shap_of_probabilities_equals_exact_interventional_tree_shap() {
    // Four features: KernelSHAP enumerates all 14 coalitions, so with the same background rows
    // it must give the exact Shapley values of E_b[sigmoid(f(x_S, b))], which interventional
    // TreeSHAP computes in probability space by another algorithm.
    let tmp = tempfile::tempdir().unwrap();
    let (ks, it) = (tmp.path().join("ks"), tmp.path().join("it"));
    let common = ["--output", "probability", "--background", "20"];
    let (ok, err) = explain_fixture(
        "xgb_binary.json",
        &ks,
        &[&["--method", "kernel-shap"][..], &common].concat(),
    );
    assert!(ok, "{err}");
    let (ok, err) = explain_fixture(
        "xgb_binary.json",
        &it,
        &[&["--method", "interventional-tree-shap"][..], &common].concat(),
    );
    assert!(ok, "{err}");
    let (header, a) = read_csv(&ks.join("shap_values.csv"));
    let (header_b, b) = read_csv(&it.join("shap_values.csv"));
    assert_eq!(header, header_b);
    assert_eq!(a.len(), b.len());
    let m = header.len() - 3;
    for (ra, rb) in a.iter().zip(&b) {
        assert_eq!(ra[0], rb[0]);
        let va: Vec<f64> = ra[1..].iter().map(|s| s.parse().unwrap()).collect();
        let vb: Vec<f64> = rb[1..].iter().map(|s| s.parse().unwrap()).collect();
        for j in 0..m + 2 {
            assert!(
                (va[j] - vb[j]).abs() <= 1e-9,
                "row {} column {}: {} vs {}",
                ra[0],
                header[j + 1],
                va[j],
                vb[j]
            );
        }
        assert!((0.0..=1.0).contains(&va[m + 1]), "not a probability");
    }
    // LIME needs complete rows: the fixture has missing cells, named in the error...
    let lime = [
        "--method",
        "lime",
        "--output",
        "probability",
        "--lime-samples",
        "200",
    ];
    let out = tmp.path().join("lime");
    let (ok, err) = explain_fixture("xgb_binary.json", &out, &lime);
    assert!(!ok);
    assert!(err.contains("LIME cannot perturb missing values"), "{err}");
    assert!(err.contains("column 'pressure'"), "{err}");
    assert!(!out.exists());
    // ...and on the complete rows it explains the probability.
    let text = std::fs::read_to_string(gbdt_fixture("data.csv")).unwrap();
    let complete: Vec<&str> = text
        .lines()
        .filter(|l| !l.contains("NaN") && !l.contains(",,") && !l.ends_with(','))
        .collect();
    let data = tmp.path().join("complete.csv");
    std::fs::write(&data, complete.join("\n") + "\n").unwrap();
    let (ok, err) = run(glassbox()
        .args(["explain", "--model"])
        .arg(gbdt_fixture("xgb_binary.json"))
        .arg("--data")
        .arg(&data)
        .args(["--target", "y", "--out"])
        .arg(&out)
        .args(lime));
    assert!(ok, "{err}");
    let (_, rows) = read_csv(&out.join("lime.csv"));
    for r in &rows {
        let p: f64 = r[1].parse().unwrap();
        assert!(
            (0.0..=1.0).contains(&p),
            "LIME explained {p}, not a probability"
        );
    }
    // tree-shap still refuses probabilities.

    let (ok, err) = explain_fixture(
        "xgb_binary.json",
        &tmp.path().join("ts"),
        &["--method", "tree-shap", "--output", "probability"],
    );
    assert!(!ok);
    assert!(err.contains("kernel-shap"), "{err}");
}
