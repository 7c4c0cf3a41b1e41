//! `train` and `explain` on Parquet tables (fixtures written by pyarrow, see
//! `crates/glassbox-data/tests/fixtures/parquet/make_parquet.py`): the same results as the same
//! table in CSV, only the model's columns decoded, clear errors.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../glassbox-data/tests/fixtures/parquet")
        .join(name)
}

/// Runs `glassbox --quiet ARGS`; returns (success, stderr).
fn run(args: &[&str], paths: &[(usize, &Path)]) -> (bool, String) {
    let mut c = Command::cargo_bin("glassbox").unwrap();
    c.arg("--quiet");
    let mut all: Vec<std::ffi::OsString> = args.iter().map(Into::into).collect();
    for &(at, p) in paths {
        all.insert(at, p.as_os_str().to_owned());
    }
    c.args(all);
    let out = c.output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn train(data: &Path, out: &Path) {
    let (ok, err) = run(
        &[
            "train",
            "--data",
            "--target",
            "weight",
            "--drop",
            "part_id,batch",
            "--n-trees",
            "10",
            "--out",
        ],
        &[(2, data), (10, out)],
    );
    assert!(ok, "{err}");
}

#[test]
fn parquet_and_csv_give_the_same_model_and_shap_values() {
    let dir = tempfile::tempdir().unwrap();
    let (pq_run, csv_run) = (dir.path().join("pq"), dir.path().join("csv"));
    train(&fixture("table_snappy.parquet"), &pq_run);
    train(&fixture("table.csv"), &csv_run);
    let read = |p: PathBuf| std::fs::read_to_string(p).unwrap();
    assert_eq!(
        read(pq_run.join("predictions.csv")),
        read(csv_run.join("predictions.csv"))
    );

    // Explain the CSV-trained model on Parquet files: the extra timestamp column of
    // timestamp.parquet is never decoded, so it explains like the plain file.
    let mut outs = Vec::new();
    for (name, data) in [
        ("a", "table.csv"),
        ("b", "table_zstd.parquet"),
        ("c", "timestamp.parquet"),
    ] {
        let out = dir.path().join(name);
        let (ok, err) = run(
            &[
                "explain",
                "--model",
                "--data",
                "--method",
                "tree-shap",
                "--out",
                "--format",
                "csv",
            ],
            &[(2, &csv_run), (4, &fixture(data)), (8, &out)],
        );
        assert!(ok, "{data}: {err}");
        outs.push(read(out.join("shap_values.csv")));
    }
    assert_eq!(outs[0], outs[1]);
    assert_eq!(outs[0], outs[2]);
}

#[test]
fn parquet_errors_name_the_file_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let run_dir = dir.path().join("run");
    train(&fixture("table_plain.parquet"), &run_dir);
    // A null in a feature of a glassbox forest: refused, naming column and row.
    let (ok, err) = run(
        &[
            "explain",
            "--model",
            "--data",
            "--method",
            "tree-shap",
            "--out",
        ],
        &[
            (2, &run_dir),
            (4, &fixture("nulls.parquet")),
            (8, &dir.path().join("x")),
        ],
    );
    assert!(!ok);
    assert!(
        err.contains("nulls.parquet") && err.contains("column 'temp', data row 8"),
        "{err}"
    );
    assert!(
        !dir.path().join("x").exists(),
        "no output folder after an error"
    );
    // A damaged file.
    let bad = dir.path().join("bad.parquet");
    let bytes = std::fs::read(fixture("table_snappy.parquet")).unwrap();
    std::fs::write(&bad, &bytes[..bytes.len() - 64]).unwrap();
    let (ok, err) = run(
        &["train", "--data", "--target", "weight", "--out"],
        &[(2, &bad), (6, &dir.path().join("y"))],
    );
    assert!(!ok);
    assert!(
        err.contains("bad.parquet: not a readable Parquet file"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

#[test]
fn values_format_follows_the_input_and_parquet_holds_the_csv_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let run_dir = dir.path().join("run");
    train(&fixture("table.csv"), &run_dir);
    let explain = |data: &str, out: &Path, extra: &[&str]| {
        let mut args = vec![
            "explain",
            "--model",
            "--data",
            "--method",
            "tree-shap",
            "--out",
        ];
        args.extend_from_slice(extra);
        let (ok, err) = run(&args, &[(2, &run_dir), (4, &fixture(data)), (8, out)]);
        assert!(ok, "{err}");
    };
    let (pq, csv, forced) = (
        dir.path().join("pq"),
        dir.path().join("csv"),
        dir.path().join("f"),
    );
    explain("table_snappy.parquet", &pq, &[]);
    explain("table.csv", &csv, &[]);
    explain("table.csv", &forced, &["--format", "parquet"]);
    assert!(pq.join("shap_values.parquet").exists() && !pq.join("shap_values.csv").exists());
    assert!(csv.join("shap_values.csv").exists() && !csv.join("shap_values.parquet").exists());
    let written = std::fs::read(pq.join("shap_values.parquet")).unwrap();
    assert_eq!(
        written,
        std::fs::read(forced.join("shap_values.parquet")).unwrap()
    );
    // Read back: the same columns and bit-identical numbers as the CSV.
    let opts = glassbox_data::ReadOptions::default();
    let a = glassbox_data::read_table(&pq.join("shap_values.parquet"), &opts).unwrap();
    let b = glassbox_data::read_table(&csv.join("shap_values.csv"), &opts).unwrap();
    assert_eq!(a.column_names(), b.column_names());
    assert_eq!(a.column_names().last().unwrap(), "prediction");
    for name in b.column_names() {
        for (x, y) in a.column(name).unwrap().iter().zip(b.column(name).unwrap()) {
            match (x, y) {
                (glassbox_data::Cell::Number(x), glassbox_data::Cell::Number(y)) => {
                    assert_eq!(x.to_bits(), y.to_bits(), "{name}")
                }
                _ => assert_eq!(x, y, "{name}"),
            }
        }
    }
}
