//! "Same command, same seed, same bytes": every command run twice into the same output folder
//! writes identical bytes in every file but `timings.json`, the one file that records
//! wall-clock durations.
//!
//! Each check runs the command into `<tmp>/NAME`, moves that folder aside, runs the command
//! again into the same path (so paths recorded in the files are the same too) and compares the
//! two trees file by file.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

mod common;

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data")
        .join(rel)
}

/// Every file under `dir`, as sorted paths relative to it.
fn tree(dir: &Path) -> Vec<PathBuf> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                out.push(path.strip_prefix(root).unwrap().to_path_buf());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// Asserts that the folders `a` and `b` hold the same files with the same bytes, but for
/// `timings.json`, which both must hold where `timings` says so. Returns the files compared.
fn assert_same_files(a: &Path, b: &Path, timings: bool) -> usize {
    let (files_a, files_b) = (tree(a), tree(b));
    assert_eq!(files_a, files_b, "the two runs wrote different files");
    let mut compared = 0;
    for f in &files_a {
        if f.file_name().is_some_and(|n| n == "timings.json") {
            continue;
        }
        let (x, y) = (
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
        );
        if x != y {
            let at = x.iter().zip(&y).position(|(p, q)| p != q);
            let at = at.unwrap_or(x.len().min(y.len()));
            let around = |v: &[u8]| {
                let end = (at + 120).min(v.len());
                String::from_utf8_lossy(&v[at.saturating_sub(120).min(end)..end]).into_owned()
            };
            panic!(
                "{} differs between two identical runs at byte {at}:\n{}\n---\n{}",
                f.display(),
                around(&x),
                around(&y)
            );
        }
        compared += 1;
    }
    if timings {
        assert!(
            files_a.iter().any(|f| f.ends_with("timings.json")),
            "no timings.json in {}",
            a.display()
        );
    }
    compared
}

/// Runs `glassbox --quiet ARGS --out <tmp>/NAME` twice and checks the two outputs are the same
/// bytes; returns the folder of the second run.
fn twice(tmp: &Path, name: &str, args: &[&str], timings: bool) -> PathBuf {
    let out = tmp.join(name);
    let first = tmp.join(format!("{name}.first"));
    for round in 0..2 {
        let result = Command::cargo_bin("glassbox")
            .unwrap()
            .arg("--quiet")
            .args(args)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        assert!(
            result.status.success(),
            "glassbox {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&result.stderr)
        );
        if round == 0 {
            std::fs::rename(&out, &first).unwrap();
        }
    }
    let n = assert_same_files(&first, &out, timings);
    assert!(
        n >= 1,
        "glassbox {} wrote no file to compare",
        args.join(" ")
    );
    out
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn table_commands_write_the_same_bytes_twice() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let concrete = data("concrete/concrete.csv");
    let target = "Compressive strength (MPa)";
    let table = ["--data", s(&concrete), "--target", target];
    let forest = twice(
        t,
        "rf",
        &[&["train"], &table[..], &["--n-trees", "6"]].concat(),
        true,
    );
    let mlp = twice(
        t,
        "mlp",
        &[&["train"], &table[..], &["--model", "mlp", "--epochs", "3"]].concat(),
        true,
    );
    let explain = |name: &str, model: &Path, method: &str, extra: &[&str]| {
        let args = [
            &["explain", "--model", s(model), "--data", s(&concrete)][..],
            &["--method", method, "--rows", "test"][..],
            extra,
        ]
        .concat();
        twice(t, name, &args, true);
    };
    explain("tree", &forest, "tree-shap", &[]);
    explain("interactions", &forest, "interactions", &[]);
    explain(
        "interventional",
        &forest,
        "interventional-tree-shap",
        &["--background", "20"],
    );
    explain("deep", &mlp, "deep-shap", &["--background", "20"]);
    explain("ig", &mlp, "integrated-gradients", &["--steps", "16"]);
    explain(
        "gradient",
        &mlp,
        "gradient-shap",
        &["--gradient-samples", "8"],
    );
    explain(
        "kernel",
        &forest,
        "kernel-shap",
        &["--background-kmeans", "5", "--nsamples", "200"],
    );
    explain("lime", &forest, "lime", &["--lime-samples", "300"]);
    explain("permutation", &forest, "permutation", &["--repeats", "2"]);
    explain("pdp", &forest, "pdp", &["--grid", "8"]);
    // The report over the runs: its own folder, same bytes too (it holds no durations).
    let mut report = vec!["report"];
    let runs = [forest.clone(), t.join("tree"), t.join("pdp")];
    for r in &runs {
        report.extend(["--run", s(r)]);
    }
    twice(t, "report", &report, false);
}

#[test]
fn image_commands_write_the_same_bytes_twice() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let images = t.join("images");
    common::synthetic(&images, 6, 11);
    let train = ["image", "train", "--data", s(&images), "--epochs", "2"];
    let gap = twice(
        t,
        "gap",
        &[&train[..], &["--batch-size", "4"]].concat(),
        true,
    );
    let flatten = twice(
        t,
        "flatten",
        &[&train[..], &["--arch", "flatten-cnn", "--augment", "flips"]].concat(),
        true,
    );
    let explain = |name: &str, model: &Path, method: &str, extra: &[&str]| {
        let args = [
            &[
                "image",
                "explain",
                "--model",
                s(model),
                "--data",
                s(&images),
            ][..],
            &["--method", method, "--per-class", "2"][..],
            extra,
        ]
        .concat();
        twice(t, name, &args, false)
    };
    let cam = explain(
        "cam",
        &gap,
        "cam",
        &["--steps", "8", "--randomize-top", "1"],
    );
    explain("grad-cam", &flatten, "grad-cam", &["--steps", "8"]);
    explain("score-cam", &gap, "score-cam", &["--steps", "0"]);
    explain("lime-image", &gap, "lime", &["--steps", "8"]);
    let report = ["report", "--run", s(&gap), "--run", s(&cam)];
    twice(t, "image-report", &report, false);
}

/// The README's first command: `glassbox demo --quick` twice gives the same report, run
/// folders and files, but for the durations in `timings.json`.
#[test]
fn demo_quick_writes_the_same_bytes_twice() {
    let tmp = tempfile::tempdir().unwrap();
    let out = twice(tmp.path(), "demo", &["demo", "--quick"], true);
    assert!(out.join("report.html").is_file());
}
