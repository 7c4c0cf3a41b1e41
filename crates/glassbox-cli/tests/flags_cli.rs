//! Flags that do not apply are refused, only when typed: `train`'s forest flags with
//! `--model mlp` and MLP flags with the forest; `image explain`'s folder flags with
//! `--images`; `image train --test-fraction` on a folder whose manifest.csv fixes the split.
//! Each refusal is one line naming the flag, and the same command without it succeeds.
//! `image explain --data` notes the folder flags its selection does not use.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

const TARGET: &str = "Compressive strength (MPa)";

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data")
        .join(rel)
}

fn run(args: &[&str], paths: &[(&str, &Path)]) -> (bool, String) {
    let mut c = Command::cargo_bin("glassbox").unwrap();
    c.arg("--quiet").args(args);
    for (flag, path) in paths {
        c.arg(flag).arg(path);
    }
    let out = c.output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A one-line refusal naming `flag`.
fn assert_refused(result: (bool, String), flag: &str, expected: &str) {
    let (ok, err) = result;
    assert!(!ok, "{flag} was accepted");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.starts_with(&format!("error: {flag} ")), "{err}");
    assert!(err.contains(expected), "{err}");
}

#[test]
fn train_refuses_the_other_models_flags() {
    let tmp = tempfile::tempdir().unwrap();
    let table = data("concrete/concrete.csv");
    let train = |out: &str, extra: &[&str]| {
        let mut args = vec!["train", "--target", TARGET];
        args.extend(extra);
        run(
            &args,
            &[("--data", &table), ("--out", &tmp.path().join(out))],
        )
    };
    for (flag, value) in [
        ("--hidden", "4"),
        ("--epochs", "1"),
        ("--batch-size", "16"),
        ("--lr", "0.01"),
    ] {
        assert_refused(
            train("f", &[flag, value]),
            flag,
            "applies to --model mlp; this trains a forest",
        );
    }
    for (flag, value) in [
        ("--n-trees", "3"),
        ("--max-depth", "3"),
        ("--min-samples-split", "4"),
        ("--min-samples-leaf", "2"),
        ("--max-features", "sqrt"),
    ] {
        assert_refused(
            train("m", &["--model", "mlp", flag, value]),
            flag,
            "applies to --model forest; this trains an MLP",
        );
    }
    assert!(!tmp.path().join("f").exists() && !tmp.path().join("m").exists());
    // Without the inapplicable flag, each model takes its own.
    let (ok, err) = train("f", &["--n-trees", "3", "--max-depth", "4"]);
    assert!(ok, "{err}");
    let (ok, err) = train("m", &["--model", "mlp", "--hidden", "4", "--epochs", "1"]);
    assert!(ok, "{err}");
}

#[test]
fn image_explain_refuses_folder_flags_with_images() {
    let tmp = tempfile::tempdir().unwrap();
    let model = data("models/neu-gap-cnn");
    let image = data("neu/crazing/crazing_1.png");
    let explain = |out: &str, extra: &[&str]| {
        let mut args = vec!["image", "explain", "--steps", "0", "--randomize-top", "0"];
        args.extend(extra);
        run(
            &args,
            &[
                ("--model", &model),
                ("--images", &image),
                ("--out", &tmp.path().join(out)),
            ],
        )
    };
    for (flag, value) in [
        ("--per-class", Some("1")),
        ("--test-fraction", Some("0.5")),
        ("--ignore-manifest", None),
    ] {
        let mut extra = vec![flag];
        extra.extend(value);
        assert_refused(
            explain("x", &extra),
            flag,
            "applies only with --data (test images taken from a folder)",
        );
    }
    assert!(!tmp.path().join("x").exists());
    let (ok, err) = explain("x", &[]);
    assert!(ok, "{err}");
}

/// Two images per class copied from the bundled NEU folder, with a manifest.csv putting the
/// first of each class in train and the second in test.
fn manifest_folder(root: &Path) {
    let mut manifest = String::from("file,class,class_id,split\n");
    for (id, class) in ["crazing", "inclusion"].iter().enumerate() {
        std::fs::create_dir_all(root.join(class)).unwrap();
        for (i, split) in [(1, "train"), (2, "test")] {
            let file = format!("{class}/{class}_{i}.png");
            std::fs::copy(data(&format!("neu/{file}")), root.join(&file)).unwrap();
            manifest.push_str(&format!("{file},{class},{id},{split}\n"));
        }
    }
    std::fs::write(root.join("manifest.csv"), manifest).unwrap();
}

#[test]
fn image_train_refuses_test_fraction_where_the_manifest_fixes_the_split() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = tmp.path().join("data");
    manifest_folder(&folder);
    let train = |out: &str, extra: &[&str]| {
        let mut args = vec!["image", "train", "--epochs", "1", "--resize", "32x32"];
        args.extend(extra);
        run(
            &args,
            &[("--data", &folder), ("--out", &tmp.path().join(out))],
        )
    };
    assert_refused(
        train("t", &["--test-fraction", "0.5"]),
        "--test-fraction",
        "manifest.csv fixes the split",
    );
    assert!(!tmp.path().join("t").exists());
    // With --ignore-manifest the fraction draws the split; without it the manifest does.
    let (ok, err) = train("r", &["--test-fraction", "0.5", "--ignore-manifest"]);
    assert!(ok, "{err}");
    let (ok, err) = train("t", &[]);
    assert!(ok, "{err}");
    let metrics = std::fs::read_to_string(tmp.path().join("t/metrics.json")).unwrap();
    assert!(metrics.contains("\"split\": \"manifest\""), "{metrics}");
    // Without a manifest there is nothing to ignore.
    std::fs::remove_file(folder.join("manifest.csv")).unwrap();
    assert_refused(
        train("n", &["--ignore-manifest"]),
        "--ignore-manifest",
        "has no manifest.csv",
    );
    assert!(!tmp.path().join("n").exists());
}

#[test]
fn image_explain_notes_split_flags_the_recorded_test_images_override() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("glassbox")
        .unwrap()
        .args(["image", "explain", "--model"])
        .arg(data("models/neu-gap-cnn"))
        .arg("--data")
        .arg(data("neu"))
        .args([
            "--per-class",
            "1",
            "--test-fraction",
            "0.5",
            "--steps",
            "0",
            "--randomize-top",
            "0",
            "--out",
        ])
        .arg(tmp.path().join("x"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("note: --test-fraction not used: ")
            && err.contains("holds the test images recorded in"),
        "{err}"
    );
}
