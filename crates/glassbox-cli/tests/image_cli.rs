//! End-to-end tests of `glassbox image train` and `glassbox image explain` on a tiny synthetic
//! data set (two classes of 24×24 images: a bright square in the left or the right half), so
//! they stay fast; NEU training is not run here.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use glassbox_core::rng::Rng;
use glassbox_data::{ImageLoadOptions, load_image_files};

mod common;

use common::{SIDE, square_image, write_png};

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

/// `root/left/*.png`, `root/right/*.png`, `n` images each (seed 3).
fn synthetic(root: &Path, n: usize) {
    common::synthetic(root, n, 3);
}

fn train(data: &Path, out: &Path, arch: &str, epochs: &str) -> (bool, String) {
    run(glassbox()
        .args(["image", "train", "--data"])
        .arg(data)
        .args([
            "--arch",
            arch,
            "--epochs",
            epochs,
            "--batch-size",
            "8",
            "--test-fraction",
            "0.25",
        ])
        .arg("--out")
        .arg(out))
}

fn explain(model: &Path, out: &Path, extra: &[&str]) -> (bool, String) {
    run(glassbox()
        .args(["image", "explain", "--model"])
        .arg(model)
        .arg("--out")
        .arg(out)
        .args(extra))
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn gap_cnn_train_then_explain() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    synthetic(&data, 8);
    let model = tmp.path().join("model");
    let (ok, err) = train(&data, &model, "gap-cnn", "2");
    assert!(ok, "{err}");
    assert_eq!(
        files(&model),
        [
            "architecture.json",
            "confusion_matrix.png",
            "confusion_matrix.svg",
            "history.csv",
            "metrics.json",
            "test_predictions.csv",
            "timings.json",
            "training_history.png",
            "training_history.svg",
            "weights.safetensors"
        ]
    );
    let m = json(&model.join("metrics.json"));
    assert_eq!(m["n_train"], 12);
    assert_eq!(m["n_test"], 4);
    assert_eq!(m["split"], "stratified");
    let acc = m["test_accuracy"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&acc));
    let cm: Vec<Vec<u64>> = serde_json::from_value(m["confusion_matrix"].clone()).unwrap();
    assert_eq!(cm.iter().flatten().sum::<u64>(), 4);
    assert_eq!(cm[0].iter().sum::<u64>(), 2);
    let correct = (cm[0][0] + cm[1][1]) as f64 / 4.0;
    assert_eq!(correct, acc);
    let history = std::fs::read_to_string(model.join("history.csv")).unwrap();
    assert_eq!(history.lines().count(), 3, "{history}");
    assert!(history.starts_with("epoch,train_loss,train_accuracy,test_loss,test_accuracy"));

    // Same seed, same weights.
    let again = tmp.path().join("again");
    assert!(train(&data, &again, "gap-cnn", "2").0);
    assert_eq!(
        std::fs::read(model.join("weights.safetensors")).unwrap(),
        std::fs::read(again.join("weights.safetensors")).unwrap()
    );

    // CAM on test images from the folder, one per class.
    let out = tmp.path().join("cam");
    let (ok, err) = explain(
        &model,
        &out,
        &[
            "--method",
            "cam",
            "--per-class",
            "1",
            "--steps",
            "4",
            "--test-fraction",
            "0.25",
            "--data",
            data.to_str().unwrap(),
        ],
    );
    assert!(ok, "{err}");
    let s = json(&out.join("summary.json"));
    assert_eq!(s["method"], "cam");
    assert_eq!(s["layer"], "conv4");
    assert_eq!(s["raw_map_size"], serde_json::json!([3, 3]));
    assert_eq!(s["randomized_layers"], serde_json::json!(["dense1"]));
    let images = s["images"].as_array().unwrap();
    assert_eq!(images.len(), 2);
    assert_eq!(images[0]["true_class"], "left");
    assert_eq!(images[1]["true_class"], "right");
    for im in images {
        let d = im["deletion_auc"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&d));
        assert!(im["insertion_auc"].as_f64().is_some());
        assert_eq!(im["explained_class"], im["predicted_class"]);
    }
    for sub in ["panels", "overlays", "maps", "curves"] {
        assert!(out.join(sub).is_dir(), "{sub}");
    }
    assert_eq!(files(&out.join("panels")).len(), 4); // PNG + SVG per image
    let maps = files(&out.join("maps"));
    let first = maps.iter().find(|f| f.starts_with("000_left_")).unwrap();
    let stem = first.trim_end_matches(".raw.csv").to_string();
    let raw_csv = std::fs::read_to_string(out.join("maps").join(first)).unwrap();
    assert_eq!(raw_csv.lines().count(), 3);
    assert!(raw_csv.lines().all(|l| l.split(',').count() == 3));
    assert!(out.join("maps/raw_maps.npy").is_file() && out.join("grid.svg").is_file());
    // Overlays are image-sized PNGs.
    let ov = load_image_files(
        &[out.join(format!("overlays/{stem}.png"))],
        &ImageLoadOptions::default(),
    )
    .unwrap();
    assert_eq!(ov.image_size(), (SIDE, SIDE));

    // Grad-CAM++ on given files, explaining a chosen class.
    let out2 = tmp.path().join("gradcampp");
    let file = data.join("right/right_0.png");
    let (ok, err) = explain(
        &model,
        &out2,
        &[
            "--method",
            "grad-cam++",
            "--class",
            "left",
            "--steps",
            "0",
            "--images",
            file.to_str().unwrap(),
        ],
    );
    assert!(ok, "{err}");
    let s = json(&out2.join("summary.json"));
    let im = &s["images"][0];
    assert_eq!(im["explained_class"], "left");
    assert_eq!(im["true_class"], "right"); // from the parent folder's name
    assert!(im["deletion_auc"].is_null());
    assert!(!out2.join("curves").read_dir().unwrap().any(|_| true));

    // Bad input: each a one-line error, exit != 0, and no output folder.
    let bad = tmp.path().join("bad");
    let color = tmp.path().join("color.png");
    let mut rgb = square_image(&mut Rng::new(1), false);
    rgb[0] = 255;
    rgb[1] = 0;
    write_png(&color, &rgb, SIDE);
    let big = tmp.path().join("big.png");
    write_png(&big, &vec![90; 30 * 30 * 3], 30);
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["--layer", "conv9", "--images", file.to_str().unwrap()],
            "conv layers: conv1, conv2, conv3, conv4",
        ),
        (
            vec![
                "--method",
                "cam",
                "--layer",
                "conv2",
                "--images",
                file.to_str().unwrap(),
            ],
            "use --method grad-cam",
        ),
        (
            vec!["--class", "middle", "--images", file.to_str().unwrap()],
            "0: left, 1: right",
        ),
        (
            vec!["--images", color.to_str().unwrap()],
            "color.png: colour image",
        ),
        (
            vec!["--images", big.to_str().unwrap()],
            "expected 24x24 (the input size of the model)",
        ),
        (
            vec!["--method", "gradcam-xx", "--images", file.to_str().unwrap()],
            "expected one of cam, grad-cam, grad-cam++, score-cam, xgrad-cam, hires-cam, layer-cam, eigen-cam, lime",
        ),
    ];
    for (args, want) in cases {
        let (ok, err) = explain(&model, &bad, &args);
        assert!(!ok, "{args:?} succeeded");
        assert!(err.contains(want), "{args:?}: {err}");
        // One line (clap's usage errors add only its "For more information" hint).
        let lines = err
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with("For more information"))
            .count();
        assert_eq!(lines, 1, "{err}");
        assert!(!bad.exists(), "{args:?} left an output folder");
    }
    // --resize accepts the wrong size.
    let (ok, err) = explain(
        &model,
        &bad,
        &[
            "--resize",
            "--steps",
            "2",
            "--images",
            big.to_str().unwrap(),
        ],
    );
    assert!(ok, "{err}");
}

#[test]
fn flatten_cnn_refuses_cam_and_takes_grad_cam() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    synthetic(&data, 4);
    let model = tmp.path().join("flat");
    let (ok, err) = train(&data, &model, "flatten-cnn", "1");
    assert!(ok, "{err}");
    let file: PathBuf = data.join("left/left_1.png");
    let out = tmp.path().join("x");
    let (ok, err) = explain(
        &model,
        &out,
        &["--method", "cam", "--images", file.to_str().unwrap()],
    );
    assert!(!ok);
    assert!(
        err.contains("this model is flatten-cnn (no global average pooling)"),
        "{err}"
    );
    assert!(err.contains("grad-cam"), "{err}");
    let (ok, err) = explain(
        &model,
        &out,
        &[
            "--method",
            "score-cam",
            "--layer",
            "conv3",
            "--steps",
            "2",
            "--images",
            file.to_str().unwrap(),
        ],
    );
    assert!(ok, "{err}");
    let s = json(&out.join("summary.json"));
    assert_eq!(s["layer"], "conv3");
    assert_eq!(s["randomized_layers"], serde_json::json!(["dense2"]));
}

#[test]
fn train_refuses_bad_folders_without_output() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    synthetic(&data, 3);
    std::fs::create_dir(data.join("empty")).unwrap();
    let out = tmp.path().join("out");
    let (ok, err) = train(&data, &out, "gap-cnn", "1");
    assert!(!ok);
    assert!(err.contains("empty: class folder has no images"), "{err}");
    assert!(!out.exists());
    std::fs::remove_dir(data.join("empty")).unwrap();
    // Mixed sizes are refused with the expected size, or resized on request.
    write_png(&data.join("left/odd.png"), &vec![50; 20 * 20 * 3], 20);
    let (ok, err) = train(&data, &out, "gap-cnn", "1");
    assert!(!ok);
    assert!(err.contains("odd.png: image is 20x20 pixels"), "{err}");
    assert!(!out.exists());
    let (ok, err) = run(glassbox()
        .args(["image", "train", "--data"])
        .arg(&data)
        .args(["--epochs", "1", "--resize", "16x16", "--out"])
        .arg(&out));
    assert!(ok, "{err}");
    let m = json(&out.join("metrics.json"));
    assert_eq!(m["image_size"], serde_json::json!([16, 16]));
    assert_eq!(m["resized"], 7); // every image: 24x24 and 20x20 -> 16x16
}

#[test]
fn lime_explains_superpixels_deterministically_and_refuses_bad_settings() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    synthetic(&data, 4);
    let model = tmp.path().join("gap");
    let (ok, err) = train(&data, &model, "gap-cnn", "1");
    assert!(ok, "{err}");
    let files_arg = [data.join("left/left_1.png"), data.join("right/right_2.png")];
    // Small settings, each replaced when `extra` gives the flag.
    let lime = |out: &Path, extra: &[&str]| {
        let mut args = vec!["--method", "lime"];
        for (flag, value) in [
            ("--lime-samples", "60"),
            ("--segments", "12"),
            ("--steps", "4"),
        ] {
            if !extra.contains(&flag) {
                args.extend([flag, value]);
            }
        }
        args.extend(extra);
        args.push("--images");
        args.extend(files_arg.iter().map(|p| p.to_str().unwrap()));
        explain(&model, out, &args)
    };
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    for out in [&a, &b] {
        let (ok, err) = lime(out, &[]);
        assert!(ok, "{err}");
    }
    for f in ["summary.json", "maps/000_left_1.weights.csv", "grid.png"] {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f} differs between two runs"
        );
    }
    assert_eq!(
        files(&a.join("maps")),
        [
            "000_left_1.segments.csv",
            "000_left_1.weights.csv",
            "001_right_2.segments.csv",
            "001_right_2.weights.csv",
            "maps.npy",
            "segments.npy"
        ]
    );
    for sub in ["panels", "overlays", "curves"] {
        assert!(!files(&a.join(sub)).is_empty(), "{sub}/ is empty");
    }
    let s = json(&a.join("summary.json"));
    assert_eq!(s["method"], "lime");
    assert_eq!(s["lime"]["samples"], 60);
    assert_eq!(s["lime"]["hide_color"], "mean");
    assert_eq!(s["raw_map_size"], serde_json::json!([SIDE, SIDE]));
    for (i, img) in s["images"].as_array().unwrap().iter().enumerate() {
        let r2 = img["surrogate_r2"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&r2), "image {i}: R² {r2}");
        // One weights row per superpixel (plus intercept and R² rows), every label in range.
        let k = img["superpixels"].as_u64().unwrap() as usize;
        let stem = ["000_left_1", "001_right_2"][i];
        let weights = std::fs::read_to_string(a.join(format!("maps/{stem}.weights.csv"))).unwrap();
        let lines: Vec<&str> = weights.lines().collect();
        assert_eq!(lines[0], "superpixel,pixels,left,right");
        assert_eq!(lines.len(), 1 + k + 2);
        let pixels: usize = lines[1..=k]
            .iter()
            .map(|l| l.split(',').nth(1).unwrap().parse::<usize>().unwrap())
            .sum();
        assert_eq!(pixels, SIDE * SIDE);
        let segs = std::fs::read_to_string(a.join(format!("maps/{stem}.segments.csv"))).unwrap();
        assert_eq!(segs.lines().count(), SIDE);
        assert!(
            segs.lines()
                .flat_map(|l| l.split(','))
                .all(|v| v.parse::<usize>().unwrap() < k)
        );
    }

    // Settings that cannot work: one line each, nothing written.
    for (extra, want) in [
        (&["--layer", "conv2"][..], "--layer does not apply to LIME"),
        (&["--lime-samples", "1"][..], "--lime-samples 1"),
        (&["--segments", "1"][..], "--segments 1"),
        (
            &["--hide-color", "2"][..],
            "expected \"mean\" or a gray value",
        ),
    ] {
        let out = tmp.path().join("bad");
        let (ok, err) = lime(&out, extra);
        assert!(!ok, "{extra:?} was accepted");
        assert!(err.contains(want), "{extra:?}: {err}");
        assert!(!out.exists(), "{extra:?} left {}", out.display());
    }
    // A black grey-out is accepted.
    let (ok, err) = lime(&tmp.path().join("black"), &["--hide-color", "0"]);
    assert!(ok, "{err}");
    assert_eq!(
        json(&tmp.path().join("black/summary.json"))["lime"]["hide_color"],
        "0"
    );
}

#[test]
fn explain_data_takes_the_test_images_the_model_never_trained_on() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    synthetic(&data, 8);
    let model = tmp.path().join("gap");
    let (ok, err) = train(&data, &model, "gap-cnn", "1");
    assert!(ok, "{err}");
    let recorded = std::fs::read_to_string(model.join("test_predictions.csv")).unwrap();
    let test_names: Vec<String> = recorded
        .lines()
        .skip(1)
        .map(|l| {
            let file = l.split(',').next().unwrap();
            Path::new(file)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(test_names.len(), 4);
    // Another seed and test fraction than training used: a new split would pick other images.
    let out = tmp.path().join("x");
    let (ok, err) = explain(
        &model,
        &out,
        &[
            "--data",
            data.to_str().unwrap(),
            "--per-class",
            "2",
            "--seed",
            "7",
            "--test-fraction",
            "0.5",
            "--steps",
            "2",
        ],
    );
    assert!(ok, "{err}");
    let explained: Vec<String> = json(&out.join("summary.json"))["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            Path::new(e["file"].as_str().unwrap())
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(explained.len(), 4);
    for f in &explained {
        assert!(test_names.contains(f), "{f} is not a recorded test image");
    }

    // A folder without one of the recorded test images: a note, then the folder's own split.
    let other = tmp.path().join("other");
    synthetic(&other, 8);
    let missing = other.join(format!("left/{}", test_names[0]));
    if missing.exists() {
        std::fs::remove_file(&missing).unwrap();
    } else {
        std::fs::remove_file(other.join(format!("right/{}", test_names[0]))).unwrap();
    }
    let out2 = tmp.path().join("y");
    let out_cmd = glassbox_cmd_without_quiet()
        .args(["image", "explain", "--model"])
        .arg(&model)
        .arg("--data")
        .arg(&other)
        .args(["--per-class", "1", "--steps", "2", "--out"])
        .arg(&out2)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out_cmd.stderr);
    assert!(out_cmd.status.success(), "{err}");
    assert!(
        err.contains("does not hold the test images recorded in"),
        "{err}"
    );
}

fn glassbox_cmd_without_quiet() -> Command {
    Command::cargo_bin("glassbox").unwrap()
}

#[test]
fn metrics_record_the_threads_training_ran_on() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    synthetic(&data, 4);
    let model = tmp.path().join("m");
    let out = glassbox()
        .env("RAYON_NUM_THREADS", "1")
        .args([
            "image",
            "train",
            "--epochs",
            "1",
            "--batch-size",
            "8",
            "--data",
        ])
        .arg(&data)
        .arg("--out")
        .arg(&model)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(json(&model.join("metrics.json"))["threads"], 1);

    // Augmentation is recorded with the settings, and changes the training.
    let flipped = tmp.path().join("flips");
    let (ok, err) = run(glassbox()
        .args([
            "image",
            "train",
            "--epochs",
            "1",
            "--batch-size",
            "8",
            "--augment",
            "flips",
        ])
        .arg("--data")
        .arg(&data)
        .arg("--out")
        .arg(&flipped));
    assert!(ok, "{err}");
    assert_eq!(
        json(&flipped.join("metrics.json"))["params"]["augment"],
        "flips"
    );
    // The default gap-cnn recipe: dihedral augmentation and label smoothing 0.1.
    let params = &json(&model.join("metrics.json"))["params"];
    assert_eq!(params["augment"], "dihedral");
    assert_eq!(params["label_smoothing"], 0.1);
    assert_ne!(
        std::fs::read(flipped.join("weights.safetensors")).unwrap(),
        std::fs::read(model.join("weights.safetensors")).unwrap()
    );

    // So is the dihedral augmentation (the synthetic images are square), and it draws
    // rotations that flips never make.
    let rotated = tmp.path().join("dihedral");
    let (ok, err) = run(glassbox()
        .args([
            "image",
            "train",
            "--epochs",
            "1",
            "--batch-size",
            "8",
            "--augment",
            "dihedral",
        ])
        .arg("--data")
        .arg(&data)
        .arg("--out")
        .arg(&rotated));
    assert!(ok, "{err}");
    assert_eq!(
        json(&rotated.join("metrics.json"))["params"]["augment"],
        "dihedral"
    );
    assert_ne!(
        std::fs::read(rotated.join("weights.safetensors")).unwrap(),
        std::fs::read(flipped.join("weights.safetensors")).unwrap()
    );
}

#[test]
fn a_seed_that_draws_nothing_is_refused_naming_the_flag() {
    let tmp = tempfile::tempdir().unwrap();
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/models/neu-gap-cnn");
    let image = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/neu/crazing/crazing_1.png");
    let base = |extra: &[&str]| {
        let mut c = glassbox();
        c.args(["image", "explain", "--model"])
            .arg(&model)
            .arg("--images")
            .arg(&image)
            .args(["--steps", "0"])
            .args(extra)
            .arg("--out")
            .arg(tmp.path().join(extra.join("_")));
        run(&mut c)
    };
    for method in ["cam", "grad-cam"] {
        let (ok, err) = base(&["--method", method, "--randomize-top", "0", "--seed", "7"]);
        assert!(!ok && err.contains("--seed does not apply"), "{err}");
    }
    // Where the seed is read (the randomisation check's weights), it is taken.
    let (ok, err) = base(&["--method", "cam", "--randomize-top", "1", "--seed", "7"]);
    assert!(ok, "{err}");
}

#[test]
fn maps_are_upsampled_with_opencvs_kernel_unless_pil_is_asked_for() {
    let tmp = tempfile::tempdir().unwrap();
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/models/neu-gap-cnn");
    let image = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/neu/crazing/crazing_1.png");
    let explain_with = |name: &str, extra: &[&str]| {
        let out = tmp.path().join(name);
        let (ok, err) = run(glassbox()
            .args(["image", "explain", "--model"])
            .arg(&model)
            .arg("--images")
            .arg(&image)
            .args(["--steps", "0", "--randomize-top", "0"])
            .args(extra)
            .arg("--out")
            .arg(&out));
        (ok, err, out)
    };
    let (ok, err, opencv) = explain_with("opencv", &["--method", "grad-cam"]);
    assert!(ok, "{err}");
    let (ok, err, pil) = explain_with("pil", &["--method", "grad-cam", "--upsampling", "pil"]);
    assert!(ok, "{err}");
    assert_eq!(json(&opencv.join("summary.json"))["upsampling"], "opencv");
    assert_eq!(json(&pil.join("summary.json"))["upsampling"], "pil");
    // The same raw maps, upsampled differently.
    let read = |dir: &Path, f: &str| std::fs::read(dir.join("maps").join(f)).unwrap();
    assert_eq!(read(&opencv, "raw_maps.npy"), read(&pil, "raw_maps.npy"));
    assert_ne!(read(&opencv, "maps.npy"), read(&pil, "maps.npy"));
    // LIME's maps are not upsampled: the flag is refused, naming it.
    let (ok, err, out) = explain_with("lime", &["--method", "lime", "--upsampling", "pil"]);
    assert!(
        !ok && err.contains("--upsampling pil does not apply to LIME"),
        "{err}"
    );
    assert!(!out.exists());
    let (ok, err, _) = explain_with("bad", &["--upsampling", "lanczos"]);
    assert!(!ok && err.contains("expected one of opencv, pil"), "{err}");
}
