//! Text columns on the command line: `train` one-hot encodes them, `explain` explains each as
//! one column (per-column SHAP additive on every row, labels in the plots), `--group` sums any
//! columns, and the MLP takes them too.

use std::path::Path;

use assert_cmd::Command;

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

/// 120 rows: y depends on a number and on a text column (machine A, B or C).
fn table(dir: &Path) -> std::path::PathBuf {
    let mut text = String::from("temp,machine,speed,y\n");
    for i in 0..120 {
        let machine = ["A", "B", "C"][i % 3];
        let temp = (i * 7 % 50) as f64;
        let speed = (i * 13 % 17) as f64;
        let y = temp * 0.5 + [0.0, 10.0, -5.0][i % 3] + speed * 0.1;
        text.push_str(&format!("{temp},{machine},{speed},{y}\n"));
    }
    let path = dir.join("t.csv");
    std::fs::write(&path, text).unwrap();
    path
}

/// The per-row values CSV: header, then rows of cells.
fn values(dir: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(dir.join("shap_values.csv")).unwrap();
    let mut lines = text
        .lines()
        .map(|l| l.split(',').map(String::from).collect::<Vec<_>>());
    (lines.next().unwrap(), lines.collect())
}

#[test]
fn text_columns_train_explain_and_group() {
    let dir = tempfile::tempdir().unwrap();
    let data = table(dir.path());
    for model in ["forest", "mlp"] {
        let run = dir.path().join(model);
        let mut args = vec![
            "train",
            "--data",
            s(&data),
            "--target",
            "y",
            "--model",
            model,
            "--out",
            s(&run),
        ];
        if model == "forest" {
            args.extend(["--n-trees", "20"]);
        } else {
            args.extend(["--epochs", "5"]);
        }
        let (ok, err) = glassbox(&args);
        assert!(ok, "{model}: {err}");
        let saved: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(run.join("model.json")).unwrap())
                .unwrap();
        assert_eq!(
            saved["categorical"][0]["categories"],
            serde_json::json!(["A", "B", "C"])
        );
        let method = if model == "forest" {
            "tree-shap"
        } else {
            "deep-shap"
        };
        let out = dir.path().join(format!("{model}-x"));
        let (ok, err) = glassbox(&[
            "explain",
            "--model",
            s(&run),
            "--data",
            s(&data),
            "--method",
            method,
            "--out",
            s(&out),
        ]);
        assert!(ok, "{model}: {err}");
        let (header, rows) = values(&out);
        assert_eq!(
            header,
            [
                "row_id",
                "temp",
                "machine",
                "speed",
                "base_value",
                "prediction"
            ]
        );
        for r in &rows {
            let v: Vec<f64> = r[1..].iter().map(|c| c.parse().unwrap()).collect();
            let total = v[3] + v[0] + v[1] + v[2];
            assert!(
                (total - v[4]).abs() <= 1e-9 * (1.0 + v[4].abs()),
                "{model}: {r:?}"
            );
        }
        // The waterfall names row 0's machine by its label.
        let waterfall = std::fs::read_to_string(out.join("shap_waterfall.svg")).unwrap();
        assert!(waterfall.contains("A = machine"), "{model}");
    }
    // --group: one column in place of two, its values their sum.
    let run = dir.path().join("forest");
    let grouped = dir.path().join("grouped");
    let (ok, err) = glassbox(&[
        "explain",
        "--model",
        s(&run),
        "--data",
        s(&data),
        "--group",
        "process=temp,speed",
        "--out",
        s(&grouped),
    ]);
    assert!(ok, "{err}");
    let (header, rows) = values(&grouped);
    assert_eq!(
        header,
        ["row_id", "process", "machine", "base_value", "prediction"]
    );
    let (_, plain) = values(&dir.path().join("forest-x"));
    for (g, p) in rows.iter().zip(&plain) {
        let num = |c: &String| c.parse::<f64>().unwrap();
        let want = num(&p[1]) + num(&p[3]);
        assert!((num(&g[1]) - want).abs() <= 1e-9 * (1.0 + want.abs()));
        assert_eq!(g[2], p[2], "the machine column is unchanged");
    }
    // Bad groups: one line naming the problem, nothing written.
    for (spec, expect) in [
        ("process", "expected NAME=COLUMN"),
        ("p=temp,nope", "no column 'nope'"),
        ("speed=temp,machine", "already a column"),
    ] {
        let out = dir.path().join("bad");
        let (ok, err) = glassbox(&[
            "explain",
            "--model",
            s(&run),
            "--data",
            s(&data),
            "--group",
            spec,
            "--out",
            s(&out),
        ]);
        assert!(!ok && err.contains(expect), "{spec}: {err}");
        assert!(!out.exists());
    }
}
