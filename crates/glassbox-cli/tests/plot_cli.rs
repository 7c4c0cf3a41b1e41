//! `glassbox plot`: an explain run's saved explanation redraws every figure byte for byte (a
//! regressor, a binary classifier explained in log-odds with probability ticks, a 3-class
//! classifier per output), the saved arrays are the run's values, and bad input is refused
//! with one clear line and no output file.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use glassbox_core::npy::read_npy_f64;

const KINDS: [&str; 8] = [
    "bar",
    "beeswarm",
    "waterfall",
    "dependence",
    "force",
    "decision",
    "heatmap",
    "force-stacked",
];

fn gbdt(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../glassbox-models/tests/fixtures/gbdt")
        .join(name)
}

/// Runs `glassbox --quiet ARGS`; returns (success, stderr).
fn glassbox(args: &[&str]) -> (bool, String) {
    let out = Command::cargo_bin("glassbox")
        .unwrap()
        .arg("--quiet")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Explains the first 60 rows of the fixture table with `model` into `out`, waterfall row 7.
fn explain(model: &str, out: &Path, extra: &[&str]) {
    let data = gbdt("data.csv");
    let rows = out.with_extension("rows.csv");
    let text = std::fs::read_to_string(&data).unwrap();
    let head: Vec<&str> = text.lines().take(61).collect();
    std::fs::write(&rows, head.join("\n") + "\n").unwrap();
    let model = gbdt(model);
    let mut args = vec![
        "explain",
        "--model",
        s(&model),
        "--data",
        s(&rows),
        "--target",
        "y",
        "--row",
        "7",
        "--out",
        s(out),
    ];
    args.extend_from_slice(extra);
    let (ok, err) = glassbox(&args);
    assert!(ok, "{err}");
}

fn npy(path: &Path) -> (Vec<usize>, Vec<f64>) {
    read_npy_f64(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn every_kind_is_redrawn_byte_for_byte_for_every_output() {
    let dir = tempfile::tempdir().unwrap();
    for (model, outputs) in [
        ("xgb_reg.json", 1),
        ("xgb_binary.json", 1),
        ("xgb_multi.json", 3),
    ] {
        let run = dir.path().join(model);
        explain(model, &run, &[]);
        for k in 0..outputs {
            let suffix = if outputs == 1 {
                String::new()
            } else {
                format!("_output{k}")
            };
            for kind in KINDS {
                for ext in ["png", "svg"] {
                    let out = dir.path().join(format!("{model}-{kind}{suffix}.{ext}"));
                    let k_arg = k.to_string();
                    let (ok, err) = glassbox(&[
                        "plot",
                        "--explanation",
                        s(&run),
                        "--kind",
                        kind,
                        "--output",
                        &k_arg,
                        "--out",
                        s(&out),
                    ]);
                    assert!(ok, "{model} {kind}: {err}");
                    let stem = kind.replace('-', "_");
                    let original = run.join(format!("shap_{stem}{suffix}.{ext}"));
                    assert!(
                        std::fs::read(&out).unwrap() == std::fs::read(&original).unwrap(),
                        "{model}: {} differs from the run's figure",
                        out.display()
                    );
                }
            }
        }
        // A model of several outputs also gets the per-class stacked bar.
        let classes = run.join("shap_bar_classes.png");
        assert_eq!(classes.exists(), outputs > 1, "{model}");
        let out = dir.path().join(format!("{model}-classes.png"));
        let (ok, err) = glassbox(&[
            "plot",
            "--explanation",
            s(&run),
            "--kind",
            "bar-classes",
            "--out",
            s(&out),
        ]);
        if outputs > 1 {
            assert!(ok, "{err}");
            assert!(std::fs::read(&out).unwrap() == std::fs::read(&classes).unwrap());
        } else {
            assert!(!ok && err.contains("several outputs"), "{err}");
        }
        // Only the binary classifier's margins get probability ticks.
        let force = std::fs::read_to_string(run.join("shap_force.svg")).unwrap_or_else(|_| {
            std::fs::read_to_string(run.join("shap_force_output0.svg")).unwrap()
        });
        assert_eq!(
            force.contains("ticks show probability"),
            model == "xgb_binary.json",
            "{model}"
        );
    }
}

#[test]
fn saved_arrays_are_the_runs_values() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("multi");
    explain("xgb_multi.json", &run, &[]);
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("saved_explanation.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["format"], "glassbox-explanation");
    assert_eq!(manifest["version"], 1);
    assert_eq!(manifest["margin_link"], "softmax");
    let features = manifest["feature_names"].as_array().unwrap().len();
    let (shape, values) = npy(&run.join("values.npy"));
    assert_eq!(shape, [60, features, 3]);
    let (bshape, base) = npy(&run.join("base_values.npy"));
    assert_eq!(bshape, [60, 3]);
    let (pshape, pred) = npy(&run.join("predictions.npy"));
    assert_eq!(pshape, [60, 3]);
    let (dshape, _) = npy(&run.join("data.npy"));
    assert_eq!(dshape, [60, features]);
    // The per-output CSV holds the same numbers, row by row (printed with 17 significant digits).
    for k in 0..3 {
        let csv = std::fs::read_to_string(run.join(format!("shap_values_output{k}.csv"))).unwrap();
        for (i, line) in csv.lines().skip(1).enumerate() {
            let cells: Vec<&str> = line.split(',').collect();
            assert_eq!(cells[0], manifest["row_ids"][i].as_str().unwrap());
            let num = |c: &str| c.parse::<f64>().unwrap();
            for j in 0..features {
                assert_eq!(
                    num(cells[1 + j]),
                    values[(i * features + j) * 3 + k],
                    "{i} {j}"
                );
            }
            assert_eq!(num(cells[1 + features]), base[i * 3 + k]);
            assert_eq!(num(cells[2 + features]), pred[i * 3 + k]);
            // Additive: base + Σ values = prediction.
            let sum: f64 = (0..features)
                .map(|j| values[(i * features + j) * 3 + k])
                .sum();
            assert!((base[i * 3 + k] + sum - pred[i * 3 + k]).abs() < 1e-9);
        }
    }
}

#[test]
fn interaction_runs_redraw_their_matrix_and_any_pair() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("inter");
    explain("xgb_reg.json", &run, &["--method", "interactions"]);
    assert!(std::fs::metadata(run.join("interaction_values.npy")).is_ok());
    for ext in ["png", "svg"] {
        let out = dir.path().join(format!("m.{ext}"));
        let (ok, err) = glassbox(&[
            "plot",
            "--explanation",
            s(&run),
            "--kind",
            "interaction-matrix",
            "--out",
            s(&out),
        ]);
        assert!(ok, "{err}");
        assert!(
            std::fs::read(&out).unwrap()
                == std::fs::read(run.join(format!("shap_interaction_matrix.{ext}"))).unwrap()
        );
    }
    let pair = dir.path().join("pair.svg");
    let (ok, err) = glassbox(&[
        "plot",
        "--explanation",
        s(&run),
        "--kind",
        "interaction-pair",
        "--feature",
        "temp",
        "--with",
        "load",
        "--out",
        s(&pair),
    ]);
    assert!(ok, "{err}");
    let svg = std::fs::read_to_string(&pair).unwrap();
    assert!(
        svg.contains("temp") && svg.contains("load"),
        "the pair is named"
    );
    // A run without interaction values says how to get them.
    let plain = dir.path().join("plain");
    explain("xgb_reg.json", &plain, &[]);
    let out = dir.path().join("none.png");
    let (ok, err) = glassbox(&[
        "plot",
        "--explanation",
        s(&plain),
        "--kind",
        "interaction-matrix",
        "--out",
        s(&out),
    ]);
    assert!(!ok && err.contains("--method interactions"), "{err}");
    assert!(!out.exists());
}

#[test]
fn options_change_the_figure() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("reg");
    explain("xgb_reg.json", &run, &[]);
    let draw = |args: &[&str], name: &str| {
        let out = dir.path().join(name);
        let mut all = vec!["plot", "--explanation", s(&run), "--out", s(&out)];
        all.extend_from_slice(args);
        let (ok, err) = glassbox(&all);
        assert!(ok, "{err}");
        std::fs::read_to_string(out).unwrap()
    };
    let row3 = draw(&["--kind", "waterfall", "--row", "3"], "w3.svg");
    assert!(row3.contains("Row 3"), "the title names the row");
    assert!(!draw(&["--kind", "force"], "f.svg").contains("Row 3"));
    let few = draw(&["--kind", "decision", "--rows", "0-4,9"], "d.svg");
    assert_ne!(
        few,
        std::fs::read_to_string(run.join("shap_decision.svg")).unwrap()
    );
    let narrow = draw(&["--kind", "bar", "--max-display", "2"], "b.svg");
    assert!(narrow.contains("other features"), "pooled bar");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("saved_explanation.json")).unwrap())
            .unwrap();
    let last = manifest["feature_names"]
        .as_array()
        .unwrap()
        .last()
        .unwrap();
    let by = draw(
        &["--kind", "dependence", "--feature", last.as_str().unwrap()],
        "dep.svg",
    );
    assert!(by.contains(last.as_str().unwrap()));
}

#[test]
fn bad_input_is_refused_with_one_line_and_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("reg");
    explain("xgb_reg.json", &run, &[]);
    let out = dir.path().join("x.png");
    let refuse = |args: &[&str], expect: &str| {
        let mut all = vec!["plot"];
        all.extend_from_slice(args);
        let (ok, err) = glassbox(&all);
        assert!(!ok, "{args:?} succeeded");
        assert!(err.contains(expect), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(!out.exists(), "{args:?} left {}", out.display());
    };
    let base = ["--explanation", s(&run), "--out", s(&out)];
    let with = |extra: &[&'static str]| {
        let mut v: Vec<&str> = base.to_vec();
        v.extend_from_slice(extra);
        v
    };
    refuse(
        &with(&["--kind", "bar", "--output", "nope"]),
        "unknown output 'nope'",
    );
    refuse(
        &with(&["--kind", "waterfall", "--row", "60"]),
        "out of range",
    );
    refuse(
        &with(&["--kind", "decision", "--rows", "0-60"]),
        "row 60 out of range",
    );
    refuse(&with(&["--kind", "decision", "--rows", "5-2"]), "backwards");
    refuse(&with(&["--kind", "bar", "--row", "2"]), "--row applies to");
    refuse(
        &with(&["--kind", "dependence", "--feature", "zz"]),
        "unknown feature 'zz'",
    );
    refuse(&with(&["--kind", "bar", "--max-display", "0"]), "max");
    refuse(
        &with(&["--kind", "heatmap", "--order", "sideways"]),
        "expected clustered",
    );
    refuse(
        &with(&["--kind", "heatmap", "--order", "shap:zz"]),
        "unknown feature 'zz'",
    );
    refuse(
        &with(&["--kind", "bar", "--order", "given"]),
        "--order applies to",
    );
    let jpg = dir.path().join("x.jpg");
    refuse(
        &["--explanation", s(&run), "--kind", "bar", "--out", s(&jpg)],
        ".png or .svg",
    );
    // A folder without a saved explanation.
    refuse(
        &[
            "--explanation",
            s(dir.path()),
            "--kind",
            "bar",
            "--out",
            s(&out),
        ],
        "saved_explanation.json",
    );
    // A chunked run has none either, and says why.
    let chunked = dir.path().join("chunked");
    explain("xgb_reg.json", &chunked, &["--chunk-rows", "16"]);
    refuse(
        &[
            "--explanation",
            s(&chunked),
            "--kind",
            "bar",
            "--out",
            s(&out),
        ],
        "--chunk-rows",
    );
    // A damaged array names its file; an unknown version is refused.
    let broken = dir.path().join("broken");
    explain("xgb_reg.json", &broken, &[]);
    let values = broken.join("values.npy");
    let bytes = std::fs::read(&values).unwrap();
    std::fs::write(&values, &bytes[..bytes.len() - 8]).unwrap();
    refuse(
        &[
            "--explanation",
            s(&broken),
            "--kind",
            "bar",
            "--out",
            s(&out),
        ],
        "values.npy",
    );
    let manifest = broken.join("saved_explanation.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, text.replace("\"version\": 1", "\"version\": 2")).unwrap();
    refuse(
        &[
            "--explanation",
            s(&broken),
            "--kind",
            "bar",
            "--out",
            s(&out),
        ],
        "version 2",
    );
    // An existing file is kept unless --force.
    std::fs::write(&out, b"keep").unwrap();
    let (ok, err) = glassbox(&[
        "plot",
        "--explanation",
        s(&run),
        "--kind",
        "bar",
        "--out",
        s(&out),
    ]);
    assert!(!ok && err.contains("--force"), "{err}");
    assert_eq!(std::fs::read(&out).unwrap(), b"keep");
    let (ok, err) = glassbox(&[
        "plot",
        "--explanation",
        s(&run),
        "--kind",
        "bar",
        "--out",
        s(&out),
        "--force",
    ]);
    assert!(ok, "{err}");
    assert_eq!(
        std::fs::read(&out).unwrap(),
        std::fs::read(run.join("shap_bar.png")).unwrap()
    );
}
