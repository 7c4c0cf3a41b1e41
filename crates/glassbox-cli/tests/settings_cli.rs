//! Out-of-range settings are refused before anything is read or allocated, in one line that
//! names the option as typed: negative numbers reach the option's own check (not clap's
//! "unexpected argument '-1'"), hyper-parameters are named by their flag (not by the library's
//! field names), and absurd network sizes are refused instead of aborting on allocation.

use std::path::Path;

use assert_cmd::Command;

fn train(extra: &[&str], out: &Path) -> (i32, String) {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/concrete/concrete.csv");
    let output = Command::cargo_bin("glassbox")
        .unwrap()
        .args([
            "--quiet",
            "train",
            "--target",
            "Compressive strength (MPa)",
            "--data",
        ])
        .arg(data)
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap();
    let code = output.status.code().unwrap_or(-1);
    (code, String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn bad_numbers_are_refused_naming_their_option() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    for (args, expected) in [
        (
            &["--model", "mlp", "--lr", "-1"][..],
            "--lr -1: must be a finite number > 0",
        ),
        (
            &["--model", "mlp", "--lr", "NaN"][..],
            "--lr NaN: must be a finite number > 0",
        ),
        (&["--seed", "-1"][..], "'--seed <SEED>'"),
        (
            &["--test-fraction", "-0.5"][..],
            "--test-fraction -0.5: must be strictly between 0 and 1",
        ),
        (&["--n-trees", "0"][..], "--n-trees 0: must be between 1"),
        (
            &["--min-samples-split", "1"][..],
            "--min-samples-split 1: must be at least 2",
        ),
        (
            &["--model", "mlp", "--epochs", "0"][..],
            "--epochs 0: must be at least 1",
        ),
        (
            &["--model", "mlp", "--batch-size", "0"][..],
            "--batch-size 0: must be at least 1",
        ),
        (
            &["--model", "mlp", "--hidden", "10,0"][..],
            "--hidden: invalid argument: hidden layers \"10,0\"",
        ),
        (
            &["--model", "mlp", "--hidden", "1000000,1000000"][..],
            "--hidden 1000000,1000000: 1000004000001 weights; at most 134217728",
        ),
    ] {
        let (code, err) = train(args, &out);
        assert!(code == 1 || code == 2, "{args:?}: exit {code}: {err}");
        assert!(err.contains(expected), "{args:?}: {err}");
        assert!(!err.contains("unexpected argument"), "{args:?}: {err}");
        assert!(
            err.lines().filter(|l| l.starts_with("error")).count() == 1,
            "{err}"
        );
        assert!(!out.exists(), "{args:?} wrote {}", out.display());
    }
}

#[test]
fn a_glassbox_model_forced_to_a_booster_format_names_the_right_format() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("rf");
    let (code, err) = train(&["--n-trees", "2"], &run);
    assert_eq!(code, 0, "{err}");
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/concrete/concrete.csv");
    for (format, name) in [("lightgbm", "LightGBM text"), ("xgboost", "XGBoost JSON")] {
        let output = Command::cargo_bin("glassbox")
            .unwrap()
            .args([
                "--quiet",
                "explain",
                "--method",
                "tree-shap",
                "--model-format",
                format,
            ])
            .arg("--model")
            .arg(&run)
            .arg("--data")
            .arg(&data)
            .arg("--out")
            .arg(tmp.path().join("e"))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{err}");
        assert!(
            err.contains(&format!(
                "is a glassbox model (format glassbox-model), not {name}"
            )) && err.contains("use --model-format glassbox or auto"),
            "{err}"
        );
        assert!(!tmp.path().join("e").exists());
    }
}

#[test]
fn a_target_too_large_for_the_metrics_is_refused_naming_the_column() {
    let tmp = tempfile::tempdir().unwrap();
    let mut text = String::from("a,b,y\n");
    for i in 0..60 {
        text.push_str(&format!("{i},{},{}e306\n", i % 7, 1 + i % 9));
    }
    let data = tmp.path().join("huge.csv");
    std::fs::write(&data, text).unwrap();
    for model in ["forest", "mlp"] {
        let out = tmp.path().join(model);
        let output = Command::cargo_bin("glassbox")
            .unwrap()
            .args([
                "--quiet", "train", "--target", "y", "--model", model, "--data",
            ])
            .arg(&data)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{err}");
        assert!(
            err.contains("target column 'y' has values up to 9e306 in magnitude")
                && err.contains("rescale the column"),
            "{err}"
        );
        assert!(!out.exists());
    }
}

#[test]
fn an_absurd_resize_is_refused_before_any_image_is_decoded() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("cnn");
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/neu");
    let output = Command::cargo_bin("glassbox")
        .unwrap()
        .args([
            "--quiet",
            "image",
            "train",
            "--resize",
            "100000x100000",
            "--data",
        ])
        .arg(&data)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(
        err.starts_with("error: --resize 100000x100000: 10000000000 pixels per image; at most"),
        "{err}"
    );
    assert!(!out.exists());
}

#[test]
fn an_architecture_declaring_absurd_sizes_is_refused_naming_file_and_layer() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("cnn");
    let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/models/neu-gap-cnn");
    std::fs::create_dir(&run).unwrap();
    for entry in std::fs::read_dir(&bundled).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), run.join(entry.file_name())).unwrap();
        }
    }
    let arch = run.join("architecture.json");
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&arch).unwrap()).unwrap();
    json["input_shape"] = serde_json::json!([1, 10_000_000, 10_000_000]);
    std::fs::write(&arch, serde_json::to_string_pretty(&json).unwrap()).unwrap();
    let image = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/neu/crazing/crazing_1.png");
    let output = Command::cargo_bin("glassbox")
        .unwrap()
        .args(["--quiet", "image", "explain", "--method", "cam", "--model"])
        .arg(&run)
        .arg("--images")
        .arg(&image)
        .arg("--out")
        .arg(tmp.path().join("e"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(
        err.contains("architecture.json") && err.contains("input shape [1, 10000000, 10000000]"),
        "{err}"
    );
    assert!(!err.contains("memory allocation"), "{err}");
}

#[test]
fn out_as_the_working_folder_or_the_inputs_folder_is_refused_and_nothing_is_deleted() {
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("work");
    std::fs::create_dir_all(work.join("sub")).unwrap();
    let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/concrete/concrete.csv");
    std::fs::copy(&bundled, work.join("concrete.csv")).unwrap();
    std::fs::write(work.join("notes.txt"), "keep me").unwrap();
    for (dir, data, out, why) in [
        ("", "concrete.csv", ".", "is the working folder"),
        ("sub", "../concrete.csv", "..", "is the working folder"),
        ("", "concrete.csv", "../work", "is the working folder"),
        ("sub", "../concrete.csv", "../", "is the working folder"),
        ("", "sub/../concrete.csv", "sub/..", "is the working folder"),
    ] {
        let output = Command::cargo_bin("glassbox")
            .unwrap()
            .current_dir(work.join(dir))
            .args([
                "--quiet",
                "train",
                "--target",
                "Compressive strength (MPa)",
                "--force",
            ])
            .args(["--data", data, "--out", out])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{out}: {err}");
        assert!(
            err.starts_with(&format!("error: --out {out}: {why}")),
            "{err}"
        );
    }
    let data = work.join("concrete.csv");
    let output = Command::cargo_bin("glassbox")
        .unwrap()
        .current_dir(&tmp)
        .args([
            "--quiet",
            "train",
            "--target",
            "Compressive strength (MPa)",
            "--force",
        ])
        .arg("--data")
        .arg(&data)
        .args(["--out", "work"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("--out work: holds the input"), "{err}");
    assert_eq!(
        std::fs::read_to_string(work.join("notes.txt")).unwrap(),
        "keep me"
    );
    assert!(data.exists() && work.join("sub").is_dir());
}
