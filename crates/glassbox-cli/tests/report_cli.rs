//! `glassbox report` on bad input: missing or incomplete run folders, existing output, an
//! unwritable output path. Each fails with one line naming the path and writes nothing.

use std::path::{Path, PathBuf};
use std::process::Command;

fn glassbox(args: &[&std::ffi::OsStr]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_glassbox"))
        .arg("--quiet")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

macro_rules! gb {
    ($($a:expr),* $(,)?) => { glassbox(&[$(std::ffi::OsStr::new(&$a)),*]) };
}

/// Trains a 5-tree forest on a 60-row table into `<root>/run`.
fn train_run(root: &Path) -> PathBuf {
    let mut csv = String::from("a,b,y\n");
    for i in 0..60 {
        let (a, b) = (i as f64 * 0.1, (i % 7) as f64);
        csv.push_str(&format!("{a},{b},{}\n", 2.0 * a - b));
    }
    let data = root.join("data.csv");
    std::fs::write(&data, csv).unwrap();
    let run = root.join("run");
    let (ok, err) = gb!(
        "train",
        "--data",
        data,
        "--target",
        "y",
        "--n-trees",
        "5",
        "--out",
        run
    );
    assert!(ok, "{err}");
    run
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn one_line_error(ok: bool, err: &str, expect: &[&str]) {
    assert!(!ok, "expected failure");
    assert_eq!(err.trim_end().lines().count(), 1, "not one line: {err}");
    for e in expect {
        assert!(err.contains(e), "{err:?} does not mention {e:?}");
    }
}

#[test]
fn bad_run_folders_are_named_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let run = train_run(tmp.path());
    let out = tmp.path().join("out");

    let missing = tmp.path().join("no-such-run");
    let (ok, err) = gb!("report", "--run", run, "--run", missing, "--out", out);
    one_line_error(ok, &err, &["no-such-run", "does not exist"]);

    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let (ok, err) = gb!("report", "--run", empty, "--out", out);
    one_line_error(ok, &err, &["empty", "not a glassbox run folder"]);

    std::fs::remove_file(run.join("measured_vs_predicted.png")).unwrap();
    let (ok, err) = gb!("report", "--run", run, "--out", out);
    one_line_error(ok, &err, &["run", "measured_vs_predicted.png is missing"]);

    std::fs::write(run.join("measured_vs_predicted.png"), b"not a png").unwrap();
    let (ok, err) = gb!("report", "--run", run, "--out", out);
    one_line_error(ok, &err, &["measured_vs_predicted.png", "not a valid PNG"]);

    assert!(!out.exists(), "a failed report left {}", out.display());
    assert_eq!(
        names(tmp.path()),
        ["data.csv", "empty", "run"],
        "nothing else may appear"
    );
}

#[test]
fn existing_output_is_refused_unless_forced() {
    let tmp = tempfile::tempdir().unwrap();
    let run = train_run(tmp.path());

    // A folder: created when absent, receives report.html.
    let out = tmp.path().join("out");
    let (ok, err) = gb!("report", "--run", run, "--out", out);
    assert!(ok, "{err}");
    assert_eq!(names(&out), ["report.html"]);

    // Non-empty folder: refused, untouched; --force writes report.html and keeps the rest.
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    std::fs::write(out.join("report.html"), "old").unwrap();
    let (ok, err) = gb!("report", "--run", run, "--out", out);
    one_line_error(ok, &err, &["out", "not empty", "--force"]);
    assert_eq!(
        std::fs::read_to_string(out.join("report.html")).unwrap(),
        "old"
    );
    let (ok, err) = gb!(
        "report", "--run", run, "--out", out, "--force", "--title", "T"
    );
    assert!(ok, "{err}");
    assert_eq!(names(&out), ["notes.txt", "report.html"]);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<h1>T</h1>"));

    // An .html file path, in a folder that does not exist yet.
    let file = tmp.path().join("pages/deeper/my report.html");
    let (ok, err) = gb!("report", "--run", run, "--out", file);
    assert!(ok, "{err}");
    let first = std::fs::read(&file).unwrap();
    let (ok, err) = gb!("report", "--run", run, "--out", file);
    one_line_error(ok, &err, &["my report.html", "exists", "--force"]);
    let (ok, err) = gb!("report", "--run", run, "--out", file, "--force");
    assert!(ok, "{err}");
    // Same runs, same bytes.
    assert_eq!(std::fs::read(&file).unwrap(), first);
}

#[test]
fn unwritable_output_is_a_clear_error_and_leaves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let run = train_run(tmp.path());
    // A regular file where a folder should be: creating anything under it fails for every user
    // (root included, unlike permission bits).
    let blocker = tmp.path().join("blocker");
    std::fs::write(&blocker, "x").unwrap();

    let (ok, err) = gb!("report", "--run", run, "--out", blocker.join("r.html"));
    one_line_error(ok, &err, &["blocker", "nothing was written"]);
    let (ok, err) = gb!("report", "--run", run, "--out", blocker.join("sub/dir"));
    one_line_error(ok, &err, &["blocker"]);
    // The output path is itself a file that is not .html.
    let (ok, err) = gb!("report", "--run", run, "--out", blocker);
    one_line_error(ok, &err, &["blocker", "neither a folder nor an .html file"]);

    assert_eq!(std::fs::read_to_string(&blocker).unwrap(), "x");
    assert_eq!(names(tmp.path()), ["blocker", "data.csv", "run"]);
}

#[test]
fn permutation_and_partial_dependence_runs_get_their_sections() {
    let tmp = tempfile::tempdir().unwrap();
    let run = train_run(tmp.path());
    let data = tmp.path().join("data.csv");
    let (perm, pdp) = (tmp.path().join("perm"), tmp.path().join("pdp"));
    for (method, out) in [("permutation", &perm), ("pdp", &pdp)] {
        let (ok, err) = gb!(
            "explain", "--model", run, "--data", data, "--method", method, "--out", out
        );
        assert!(ok, "{method}: {err}");
    }
    let page = tmp.path().join("report.html");
    // The parent folder expands to its run folders, the global ones included.
    let (ok, err) = gb!("report", "--run", tmp.path(), "--out", page);
    assert!(ok, "{err}");
    let html = std::fs::read_to_string(&page).unwrap();
    for expected in [
        "Permutation importance run perm",
        "Permutation importance (drop in R²)",
        "Importance per feature",
        "R² before shuffling",
        "Partial dependence run pdp",
        "<h3>Partial dependence: a</h3>",
        "individual conditional expectation",
    ] {
        assert!(html.contains(expected), "missing {expected:?}");
    }
    // A damaged permutation run: one line naming the missing file, nothing written.
    std::fs::remove_file(perm.join("permutation_importance.png")).unwrap();
    let page2 = tmp.path().join("report2.html");
    let (ok, err) = gb!("report", "--run", perm, "--out", page2);
    one_line_error(ok, &err, &["perm", "permutation_importance.png is missing"]);
    assert!(!page2.exists());
}
