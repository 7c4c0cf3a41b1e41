//! An interrupted run leaves nothing behind: SIGINT and SIGTERM remove the unfinished output
//! folder and exit with 130 / 143; staging folders of runs that were killed outright (SIGKILL,
//! a power cut) are swept by the next run in the same folder.
#![cfg(target_os = "linux")]

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data")
        .join(rel)
}

/// A long training run (an MLP for many epochs) into `dir/run`.
fn long_training(dir: &Path) -> Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_glassbox"))
        .args(["--quiet", "train", "--data"])
        .arg(data("concrete/concrete.csv"))
        .args(["--target", "Compressive strength (MPa)"])
        .args(["--model", "mlp", "--epochs", "100000", "--out"])
        .arg(dir.join("run"))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Waits until the run's staging folder exists (the run is working), at most a minute.
fn wait_for_staging(dir: &Path) {
    let started = Instant::now();
    while !names(dir).iter().any(|n| n.starts_with(".run.partial-")) {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no staging folder appeared"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // Let it get into the training loop.
    std::thread::sleep(Duration::from_millis(300));
}

fn signal(child: &Child, name: &str) {
    let status = std::process::Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn sigint_and_sigterm_remove_the_unfinished_output_and_exit_130_and_143() {
    for (sig, code, word) in [("INT", 130, "interrupted"), ("TERM", 143, "terminated")] {
        let tmp = tempfile::tempdir().unwrap();
        let child = long_training(tmp.path());
        wait_for_staging(tmp.path());
        signal(&child, sig);
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "SIG{sig}: {stderr}");
        assert!(
            stderr.contains(word) && stderr.contains("removed"),
            "{stderr}"
        );
        assert_eq!(
            names(tmp.path()),
            Vec::<String>::new(),
            "SIG{sig} left files"
        );
    }
}

#[test]
fn a_killed_runs_staging_folder_is_swept_by_the_next_run() {
    let tmp = tempfile::tempdir().unwrap();
    let mut child = long_training(tmp.path());
    wait_for_staging(tmp.path());
    signal(&child, "KILL");
    child.wait().unwrap();
    let left = names(tmp.path());
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(left[0].starts_with(".run.partial-"));

    // The next run beside it (another folder name) removes it and says so.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_glassbox"))
        .args(["train", "--data"])
        .arg(data("concrete/concrete.csv"))
        .args([
            "--target",
            "Compressive strength (MPa)",
            "--n-trees",
            "2",
            "--out",
        ])
        .arg(tmp.path().join("next"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "note: removed {}",
            tmp.path().join(&left[0]).display()
        )),
        "{stderr}"
    );
    assert_eq!(names(tmp.path()), vec!["next".to_string()]);
}
