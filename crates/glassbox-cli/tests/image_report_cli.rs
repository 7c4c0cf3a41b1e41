//! End to end: `glassbox image train` (1 epoch on a tiny synthetic 2-class 24×24 set), `glassbox
//! image explain`, then `glassbox report --run` on both runs: the page has the image sections
//! with their figures, and a damaged run folder makes `report` fail naming the missing file.

use std::path::Path;

use assert_cmd::Command;

mod common;

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

/// `root/left/*.png`, `root/right/*.png`, `n` images per class (seed 5).
fn synthetic(root: &Path, n: usize) {
    common::synthetic(root, n, 5);
}

#[test]
fn image_runs_make_a_report_with_their_figures() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    synthetic(&data, 8);
    let model = tmp.path().join("cnn");
    let (ok, err) = run(glassbox()
        .args(["image", "train", "--data"])
        .arg(&data)
        .args([
            "--epochs",
            "1",
            "--batch-size",
            "8",
            "--test-fraction",
            "0.25",
        ])
        .arg("--out")
        .arg(&model));
    assert!(ok, "{err}");
    let explained = tmp.path().join("gradcam");
    let (ok, err) = run(glassbox()
        .args(["image", "explain", "--model"])
        .arg(&model)
        .args(["--method", "grad-cam", "--data"])
        .arg(&data)
        .args([
            "--test-fraction",
            "0.25",
            "--per-class",
            "2",
            "--steps",
            "8",
        ])
        .arg("--out")
        .arg(&explained));
    assert!(ok, "{err}");

    let page = tmp.path().join("report.html");
    let (ok, err) = run(glassbox()
        .args(["report", "--run"])
        .arg(&model)
        .arg(&explained)
        .arg("--out")
        .arg(&page));
    assert!(ok, "{err}");
    let html = std::fs::read_to_string(&page).unwrap();
    for expected in [
        "Image training run cnn",
        "A convolutional network (gap-cnn",
        "trained on 12 images of 2 classes (left, right)",
        "on 4 held-out test images",
        "<h3>Training history</h3>",
        "<h3>Confusion matrix (test images)</h3>",
        "Per-class precision and recall",
        "Image explanation run gradcam (grad-cam)",
        "Grad-CAM (Selvaraju et al. 2017)",
        "<h3>Heat maps of every image (grad-cam)</h3>",
        "<h3>Deletion and insertion curves (left_",
        "<h3>Panel: left_",
        "randomisation Spearman",
        "<td>overlays/</td><td>4 files</td>",
    ] {
        assert!(html.contains(expected), "missing {expected:?}");
    }
    // Training: history and confusion matrix; explanation: grid, one curve and one or two
    // panels (the first image, and the first misclassified one if any) — all PNG.
    let images = html.matches("<img ").count();
    assert!((5..=6).contains(&images), "{images} images");
    // Plots are PNG; the photographic grid and panels are JPEG when that is smaller.
    let png = html.matches("src=\"data:image/png;base64,").count();
    let jpeg = html.matches("src=\"data:image/jpeg;base64,").count();
    assert_eq!(png + jpeg, images);
    assert!(
        png >= 3,
        "{png} PNG figures (training history, confusion matrix, curve)"
    );

    // A LIME run gets its own wording, the surrogate's fit per image and its settings.
    let lime = tmp.path().join("lime");
    let (ok, err) = run(glassbox()
        .args(["image", "explain", "--model"])
        .arg(&model)
        .args(["--method", "lime", "--data"])
        .arg(&data)
        .args([
            "--test-fraction",
            "0.25",
            "--per-class",
            "1",
            "--steps",
            "4",
            "--lime-samples",
            "40",
            "--segments",
            "10",
        ])
        .arg("--out")
        .arg(&lime));
    assert!(ok, "{err}");
    let page_lime = tmp.path().join("lime.html");
    let (ok, err) = run(glassbox()
        .args(["report", "--run"])
        .arg(&lime)
        .arg("--out")
        .arg(&page_lime));
    assert!(ok, "{err}");
    let html = std::fs::read_to_string(&page_lime).unwrap();
    for expected in [
        "Image explanation run lime (lime)",
        "LIME (Ribeiro et al. 2016)",
        "with 40 perturbed copies of each image and about 10 superpixels",
        "surrogate R² (high = faithful)",
        "perturbed copies per image</td><td>40</td>",
        "the top superpixels for (green) and against (red) the class",
    ] {
        assert!(html.contains(expected), "LIME report: missing {expected:?}");
    }
    for cam_only in ["raw map size", "Grad-CAM (Selvaraju"] {
        assert!(!html.contains(cam_only), "LIME report says {cam_only:?}");
    }

    // A damaged run folder: the report fails, names the file, and writes nothing.
    std::fs::remove_file(explained.join("grid.png")).unwrap();
    let page2 = tmp.path().join("report2.html");
    let (ok, err) = run(glassbox()
        .args(["report", "--run"])
        .arg(&explained)
        .arg("--out")
        .arg(&page2));
    assert!(!ok);
    assert!(
        err.contains("gradcam") && err.contains("grid.png is missing"),
        "{err}"
    );
    assert!(!page2.exists());
}
