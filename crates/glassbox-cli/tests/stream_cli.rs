//! `explain --chunk-rows`: a table explained in chunks gives the in-memory run's files (values
//! byte for byte, plots when the sample holds every row, the same summaries), with a sample
//! for the plots of larger tables, and clear refusals and errors.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn gbdt(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../glassbox-models/tests/fixtures/gbdt")
        .join(name)
}

/// Runs `glassbox --quiet explain ARGS`; returns (success, stderr).
fn explain(args: &[&str], paths: &[(&str, &Path)]) -> (bool, String) {
    let mut c = Command::cargo_bin("glassbox").unwrap();
    c.args(["--quiet", "explain"]).args(args);
    for (flag, p) in paths {
        c.arg(flag).arg(p);
    }
    let out = c.output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The saved explanation an in-memory run writes and a chunked one does not.
const SAVED: [&str; 5] = [
    "saved_explanation.json",
    "values.npy",
    "base_values.npy",
    "data.npy",
    "predictions.npy",
];

/// Every file of in-memory run `a` but `timings.json` and its saved explanation equals chunked
/// run `b`'s byte for byte; `explanation.json` up to the two fields only a chunked run records.
fn assert_same_run(a: &Path, b: &Path) {
    let mut names: Vec<String> = std::fs::read_dir(a)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !SAVED.contains(&name.as_str()))
        .collect();
    names.sort();
    let mut other: Vec<String> = std::fs::read_dir(b)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    other.sort();
    assert_eq!(names, other);
    for name in &names {
        match name.as_str() {
            "timings.json" => {}
            "explanation.json" => {
                let mut x = json(&a.join(name));
                let mut y = json(&b.join(name));
                for v in [&mut x, &mut y] {
                    let o = v.as_object_mut().unwrap();
                    o.remove("chunk_rows");
                    o.remove("plot_rows");
                }
                assert_eq!(x, y);
            }
            _ => assert!(
                std::fs::read(a.join(name)).unwrap() == std::fs::read(b.join(name)).unwrap(),
                "{name} differs"
            ),
        }
    }
}

#[test]
fn chunks_give_the_in_memory_files_for_csv_and_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let data = gbdt("data.csv");
    // A regressor and a 3-class model (one values file and plot set per output); the table
    // has missing values, which follow each split's default direction in both runs.
    for model in ["xgb_reg.json", "xgb_multi.json"] {
        let whole = dir.path().join(format!("{model}-whole"));
        let (ok, err) = explain(
            &["--target", "y", "--row", "100"],
            &[
                ("--model", &gbdt(model)),
                ("--data", &data),
                ("--out", &whole),
            ],
        );
        assert!(ok, "{err}");
        for chunk in ["1", "7", "160", "1000"] {
            let streamed = dir.path().join(format!("{model}-{chunk}"));
            let (ok, err) = explain(
                &["--target", "y", "--row", "100", "--chunk-rows", chunk],
                &[
                    ("--model", &gbdt(model)),
                    ("--data", &data),
                    ("--out", &streamed),
                ],
            );
            assert!(ok, "{err}");
            assert_same_run(&whole, &streamed);
            let record = json(&streamed.join("explanation.json"));
            assert_eq!(record["chunk_rows"], chunk.parse::<u64>().unwrap());
            assert_eq!(record["plot_rows"], 160);
        }
    }

    // The same table as Parquet (written by glassbox's own writer): Parquet values out.
    let raw = glassbox_data::read_table(&data, &Default::default()).unwrap();
    let columns: Vec<(String, Vec<f64>)> = raw
        .column_names()
        .iter()
        .map(|n| {
            let v = raw.column(n).unwrap().iter().map(|c| match c {
                glassbox_data::Cell::Number(x) => *x,
                _ => f64::NAN,
            });
            (n.clone(), v.collect())
        })
        .collect();
    let pq = dir.path().join("data.parquet");
    glassbox_data::write_parquet_columns(&pq, "id", raw.row_ids(), &columns).unwrap();
    let whole = dir.path().join("pq-whole");
    let args = ["--target", "y", "--index-col", "id"];
    let (ok, err) = explain(
        &args,
        &[
            ("--model", &gbdt("xgb_reg.json")),
            ("--data", &pq),
            ("--out", &whole),
        ],
    );
    assert!(ok, "{err}");
    assert!(whole.join("shap_values.parquet").is_file());
    let streamed = dir.path().join("pq-streamed");
    let (ok, err) = explain(
        &[&args[..], &["--chunk-rows", "33"]].concat(),
        &[
            ("--model", &gbdt("xgb_reg.json")),
            ("--data", &pq),
            ("--out", &streamed),
        ],
    );
    assert!(ok, "{err}");
    assert_same_run(&whole, &streamed);
}

#[test]
fn background_methods_stream_with_a_given_background() {
    let dir = tempfile::tempdir().unwrap();
    let data = gbdt("data.csv");
    let model = gbdt("xgb_binary.json");
    // The background: the table's complete rows (a background has no missing values).
    let text = std::fs::read_to_string(&data).unwrap();
    let complete: Vec<&str> = text.lines().filter(|l| !l.contains("NaN")).collect();
    assert!(complete.len() > 60);
    let background = dir.path().join("background.csv");
    std::fs::write(&background, complete.join("\n") + "\n").unwrap();
    let common = [
        "--target",
        "y",
        "--method",
        "interventional-tree-shap",
        "--output",
        "probability",
    ];
    let whole = dir.path().join("whole");
    let (ok, err) = explain(
        &common,
        &[
            ("--model", &model),
            ("--data", &data),
            ("--background-data", &background),
            ("--out", &whole),
        ],
    );
    assert!(ok, "{err}");
    let streamed = dir.path().join("streamed");
    let (ok, err) = explain(
        &[&common[..], &["--chunk-rows", "50"]].concat(),
        &[
            ("--model", &model),
            ("--data", &data),
            ("--background-data", &background),
            ("--out", &streamed),
        ],
    );
    assert!(ok, "{err}");
    assert_same_run(&whole, &streamed);
    assert_eq!(
        json(&streamed.join("explanation.json"))["background_rows"],
        complete.len() - 1
    );
}

#[test]
fn a_sample_draws_the_plots_of_a_larger_table() {
    let dir = tempfile::tempdir().unwrap();
    let data = gbdt("data.csv");
    let model = gbdt("xgb_reg.json");
    let whole = dir.path().join("whole");
    let (ok, err) = explain(
        &["--target", "y"],
        &[("--model", &model), ("--data", &data), ("--out", &whole)],
    );
    assert!(ok, "{err}");
    let mut runs = Vec::new();
    for (name, seed) in [("a", "42"), ("b", "42"), ("c", "7")] {
        let out = dir.path().join(name);
        let (ok, err) = explain(
            &[
                "--target",
                "y",
                "--chunk-rows",
                "16",
                "--plot-rows",
                "40",
                "--seed",
                seed,
            ],
            &[("--model", &model), ("--data", &data), ("--out", &out)],
        );
        assert!(ok, "{err}");
        runs.push(out);
    }
    let read = |d: &Path, f: &str| std::fs::read(d.join(f)).unwrap();
    // Every row's values and the exact summaries; the bar plot uses every row.
    for f in ["shap_values.csv", "shap_bar.png", "shap_waterfall.png"] {
        assert!(read(&whole, f) == read(&runs[0], f), "{f}");
    }
    let (w, s) = (
        json(&whole.join("explanation.json")),
        json(&runs[0].join("explanation.json")),
    );
    assert_eq!(w["mean_abs_shap"], s["mean_abs_shap"]);
    assert_eq!(s["plot_rows"], 40);
    assert_eq!(s["n_rows"], 160);
    // The sample is seeded: the same seed draws the same beeswarm, another seed another one,
    // and neither is the full table's.
    let bee = "shap_beeswarm.png";
    assert!(read(&runs[0], bee) == read(&runs[1], bee));
    assert!(read(&runs[0], bee) != read(&runs[2], bee));
    assert!(read(&runs[0], bee) != read(&whole, bee));
}

#[test]
fn refusals_and_errors_name_the_flag_or_the_row_and_leave_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = gbdt("data.csv");
    let model = gbdt("xgb_reg.json");
    let out = dir.path().join("out");
    for (args, want) in [
        (&["--method", "lime", "--chunk-rows", "10"][..], "lime"),
        (
            &["--method", "interactions", "--chunk-rows", "10"][..],
            "interactions",
        ),
        (
            &["--method", "permutation", "--chunk-rows", "10"][..],
            "chunk",
        ),
        (&["--rows", "test", "--chunk-rows", "10"][..], "--rows"),
        (&["--chunk-rows", "0"][..], "0"),
        (&["--chunk-rows", "10", "--row", "500"][..], "--row 500"),
    ] {
        let (ok, err) = explain(
            &[&["--target", "y"][..], args].concat(),
            &[("--model", &model), ("--data", &data), ("--out", &out)],
        );
        assert!(!ok && err.contains(want), "{args:?}: {err}");
        assert!(!out.exists(), "{args:?} left {}", out.display());
    }
    // A text cell far into the table: the error names the file's data row and line, and the
    // half-written run folder is removed.
    let mut text = std::fs::read_to_string(&data).unwrap();
    let bad_line = 120;
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let fields: Vec<&str> = lines[bad_line - 1].split(',').collect();
    lines[bad_line - 1] = format!("{},oops,{}", fields[0], fields[2..].join(","));
    text = lines.join("\n") + "\n";
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, text).unwrap();
    let (ok, err) = explain(
        &["--target", "y", "--chunk-rows", "16"],
        &[("--model", &model), ("--data", &bad), ("--out", &out)],
    );
    assert!(!ok, "a text cell was explained");
    assert!(
        err.contains("bad.csv")
            && err.contains("pressure")
            && err.contains(&format!("data row {} (line {bad_line})", bad_line - 1)),
        "{err}"
    );
    assert!(!out.exists());
}
