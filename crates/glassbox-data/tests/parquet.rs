//! Parquet tables, against fixtures written by pyarrow (`fixtures/parquet/make_parquet.py`,
//! pyarrow 26.0.1): the same table as CSV is the oracle of every value; projection, nulls,
//! non-numeric and unsupported columns, and damaged files.

mod common;

use std::path::{Path, PathBuf};

use common::{message, read};
use glassbox_core::rng::Rng;
use glassbox_data::{Cell, DataError, IndexCol, ReadOptions, read_table};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/parquet")
        .join(name)
}

fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn every_codec_reads_the_values_the_csv_holds() {
    let csv = read(&fixture("table.csv")).unwrap();
    for file in [
        "table_snappy.parquet",
        "table_zstd.parquet",
        "table_gzip.parquet",
        "table_plain.parquet",
    ] {
        let pq = read(&fixture(file)).unwrap();
        assert_eq!(pq.column_names(), csv.column_names(), "{file}");
        assert_eq!(
            pq.n_rows(),
            50,
            "{file}: 3 row groups of 20, 20 and 10 rows"
        );
        for name in csv.column_names() {
            let (a, b) = (pq.column(name).unwrap(), csv.column(name).unwrap());
            for (row, (x, y)) in a.iter().zip(b).enumerate() {
                match (x, y) {
                    // Bit-identical: float64 as stored, float32 and int64 widened exactly.
                    (Cell::Number(x), Cell::Number(y)) => {
                        assert_eq!(x.to_bits(), y.to_bits(), "{file} {name} row {row}")
                    }
                    _ => assert_eq!(x, y, "{file} {name} row {row}"),
                }
            }
        }
        let t = pq
            .to_training_table("weight", &names(&["part_id", "batch"]))
            .unwrap();
        let c = csv
            .to_training_table("weight", &names(&["part_id", "batch"]))
            .unwrap();
        assert_eq!(t.features, c.features);
        assert_eq!(t.target, c.target);
        assert_eq!(
            t.feature_names,
            names(&["temp", "pressure", "cycles", "speed"])
        );
    }
}

#[test]
fn projection_decodes_only_the_named_columns_and_the_index() {
    let opts = ReadOptions {
        index_col: Some(IndexCol::Name("part_id".into())),
        columns: Some(names(&["weight", "temp", "not_there"])),
        ..ReadOptions::default()
    };
    let path = fixture("table_snappy.parquet");
    let raw = read_table(&path, &opts).unwrap();
    // File order, the index split off.
    assert_eq!(raw.column_names(), names(&["temp", "weight"]).as_slice());
    assert_eq!(raw.row_ids()[0], "P000");
    assert_eq!(raw.row_ids()[49], "P049");
    let t = raw
        .to_feature_table(&names(&["temp"]), Some("weight"))
        .unwrap();
    assert_eq!(t.features.dim(), (50, 1));
    // A column the file lacks: the message lists every column of the file, decoded or not.
    let err = raw
        .to_feature_table(&names(&["temp", "not_there"]), None)
        .unwrap_err();
    let msg = message(&err, Some(&path));
    assert!(
        msg.contains("feature column 'not_there' not found"),
        "{msg}"
    );
    for column in ["temp", "weight", "pressure", "cycles", "speed", "batch"] {
        assert!(msg.contains(&format!("'{column}'")), "{msg}");
    }
    // A skipped column asked for later is reported as not decoded, with a suggestion.
    let err = raw
        .to_feature_table(&names(&["presure"]), None)
        .unwrap_err();
    assert!(message(&err, Some(&path)).contains("did you mean 'pressure'"));
}

#[test]
fn nulls_are_missing_values() {
    let path = fixture("nulls.parquet");
    let raw = read(&path).unwrap();
    assert_eq!(raw.column("temp").unwrap()[7], Cell::Empty);
    assert_eq!(raw.column("batch").unwrap()[3], Cell::Empty);
    let err = raw
        .to_training_table("weight", &names(&["part_id", "batch"]))
        .unwrap_err();
    assert!(matches!(err, DataError::NonFinite { .. }), "{err:?}");
    let msg = message(&err, Some(&path));
    assert!(
        msg.contains("column 'temp', data row 8") && msg.contains("empty"),
        "{msg}"
    );
    // Models with missing-value rules get NaN there.
    let t = raw
        .to_feature_table_with_missing(&names(&["temp", "pressure"]), None)
        .unwrap();
    assert!(t.features[[7, 0]].is_nan());
    assert!(t.features[[6, 0]].is_finite());
}

#[test]
fn text_and_timestamp_features_are_refused_naming_the_column() {
    let path = fixture("text.parquet");
    let err = read(&path)
        .unwrap()
        .to_training_table("weight", &names(&["part_id", "batch"]))
        .unwrap_err();
    let msg = message(&err, Some(&path));
    assert!(
        msg.contains("'grade' is not numeric") && msg.contains("data row 1"),
        "{msg}"
    );
    assert!(msg.contains("\"B\""), "{msg}");

    let path = fixture("timestamp.parquet");
    let err = read(&path)
        .unwrap()
        .to_training_table("weight", &names(&["part_id", "batch"]))
        .unwrap_err();
    let msg = message(&err, Some(&path));
    assert!(
        msg.contains("'when' is not numeric") && msg.contains("Timestamp"),
        "{msg}"
    );
    // Dropped, the same file trains.
    read(&path)
        .unwrap()
        .to_training_table("weight", &names(&["part_id", "batch", "when"]))
        .unwrap();
}

#[test]
fn int64_beyond_2_pow_53_is_the_nearest_double() {
    let raw = read(&fixture("big_int.parquet")).unwrap();
    // 2^53 + 1 has no f64; the nearest (ties to even) is 2^53, as a CSV field parses.
    assert_eq!(
        raw.column("cycles").unwrap()[4],
        Cell::Number(9007199254740992.0)
    );
}

#[test]
fn damaged_files_are_one_line_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read(fixture("table_snappy.parquet")).unwrap();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("truncated.parquet", good[..good.len() - 100].to_vec()),
        ("no_footer.parquet", good[..good.len() / 2].to_vec()),
        ("text.parquet", b"temp,weight\n1,2\n".to_vec()),
        ("empty.parquet", Vec::new()),
    ];
    for (name, bytes) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let err = read(&path).unwrap_err();
        assert!(matches!(err, DataError::Parquet { .. }), "{name}: {err:?}");
        let msg = message(&err, Some(&path));
        assert!(msg.contains("not a readable Parquet file"), "{msg}");
    }
    let err = read(&dir.path().join("absent.parquet")).unwrap_err();
    assert!(matches!(err, DataError::NotFound { .. }), "{err:?}");
}

#[test]
fn mutated_parquet_files_never_panic() {
    // Seeded byte flips and truncations of a good file: each read either succeeds or returns
    // an error; a panic fails the test.
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read(fixture("table_snappy.parquet")).unwrap();
    let mut rng = Rng::new(2026);
    let mut errors = 0;
    for case in 0..300 {
        let mut bytes = good.clone();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(bytes.len());
            bytes[at] = rng.below(256) as u8;
        }
        if case % 5 == 0 {
            bytes.truncate(rng.below(bytes.len()));
        }
        let path = dir.path().join(format!("m{case}.parquet"));
        std::fs::write(&path, &bytes).unwrap();
        if let Err(e) = read(&path) {
            message(&e, Some(&path));
            errors += 1;
        }
    }
    assert!(errors > 0, "some mutations must be refused");
}

#[test]
fn written_values_read_back_exactly_and_bad_lengths_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.parquet");
    let labels: Vec<String> = (0..5).map(|i| format!("r{i}")).collect();
    let x = vec![0.1, -2.5e-300, f64::MAX, 1.0 / 3.0, -0.0];
    glassbox_data::write_parquet_columns(&path, "row_id", &labels, &[("x".into(), x.clone())])
        .unwrap();
    let first = std::fs::read(&path).unwrap();
    let raw = read(&path).unwrap();
    assert_eq!(raw.column_names(), names(&["row_id", "x"]).as_slice());
    for (i, cell) in raw.column("x").unwrap().iter().enumerate() {
        assert_eq!(*cell, Cell::Number(x[i]));
    }
    assert_eq!(raw.column("row_id").unwrap()[3], Cell::Text("r3".into()));
    // Deterministic bytes.
    glassbox_data::write_parquet_columns(&path, "row_id", &labels, &[("x".into(), x)]).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), first);
    let err =
        glassbox_data::write_parquet_columns(&path, "row_id", &labels, &[("y".into(), vec![1.0])])
            .unwrap_err();
    assert!(message(&err, Some(&path)).contains("column 'y' has 1 values for 5 rows"));
}
