//! Mutation tests of the table readers (`read_table` on CSV/TSV text and on XLSX, XLSB and ODS
//! workbooks):
//! byte flips, truncations, splices, nasty numbers (far cell references, huge rows) and big
//! words in valid files must give `Ok` or `Err`, never a panic or an abort; a table that reads
//! must go on to training and feature tables without panicking. The `table_csv` and
//! `table_xlsx` fuzz targets in `fuzz/` run the same property without a limit.

mod common;
mod mutate;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use common::{X, bundled, write_xlsx};
use glassbox_data::{IndexCol, RawTable, ReadOptions, read_table, train_test_split};
use mutate::{apply, config, mutation};
use proptest::prelude::*;

/// Small delimited files: comma, semicolon with decimal commas, tab, quoting, missing markers,
/// CRLF, a BOM, and the head of a bundled table.
fn csv_bases() -> Vec<Vec<u8>> {
    let head: String = std::fs::read_to_string(bundled("concrete/concrete.csv"))
        .unwrap()
        .lines()
        .take(25)
        .map(|l| format!("{l}\n"))
        .collect();
    vec![
        b"id,a,b,y\n0,1.5,2,3\n1,-2e3,NA,4\n2,0.25,7,\n".to_vec(),
        b"a;b;y\r\n1,5;2;3\r\n\"4\";\"x;y\";6\r\n".to_vec(),
        b"\xEF\xBB\xBFa\tb\ty\n1\t2\t3\n4\t5\t6\n\n".to_vec(),
        head.into_bytes(),
    ]
}

/// `zip` with every entry stored uncompressed, so mutations reach the XML.
fn stored(zip_bytes: &[u8]) -> Vec<u8> {
    let mut zin = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes)).unwrap();
    let mut zout = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..zin.len() {
        let mut f = zin.by_index(i).unwrap();
        let mut body = Vec::new();
        f.read_to_end(&mut body).unwrap();
        zout.start_file(f.name().unwrap().to_string(), opts)
            .unwrap();
        zout.write_all(&body).unwrap();
    }
    zout.finish().unwrap().into_inner()
}

/// Small workbooks (hand-written, stored uncompressed) and the bundled concrete workbook.
fn xlsx_bases(dir: &Path) -> Vec<Vec<u8>> {
    let sheet = vec![
        vec![X::Str("id"), X::Str("a"), X::Str("b"), X::Str("y")],
        vec![X::Num("0"), X::Num("1.5"), X::Str("2"), X::Num("3")],
        vec![X::Num("1"), X::Bool(true), X::Err("#DIV/0!"), X::Date(4.0)],
        vec![X::Str("r2"), X::None, X::Num("NaN"), X::Num("1e308")],
    ];
    let two = [("data", sheet.clone()), ("other", sheet[..2].to_vec())];
    let p = write_xlsx(dir, "base.xlsx", &two);
    vec![
        stored(&std::fs::read(p).unwrap()),
        std::fs::read(bundled("concrete/concrete.xlsx")).unwrap(),
    ]
}

/// Everything a read table goes on to.
fn exercise_table(raw: &RawTable) {
    let names = raw.column_names().to_vec();
    let Some((target, features)) = names.split_last() else {
        return;
    };
    if raw.n_rows() > 0 {
        let _ = raw.locate(raw.n_rows() - 1, names.len() - 1);
    }
    if let Ok(t) = raw.to_training_table(target, &[]) {
        let _ = train_test_split(t.n_samples(), 0.3, 42);
    }
    let _ = raw.to_feature_table(features, Some(target));
    let _ = raw.to_feature_table_with_missing(features, Some(target));
}

/// Reads `bytes` as `path` with and without an index column.
fn exercise(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).unwrap();
    for index_col in [None, Some(IndexCol::Position(0))] {
        let opts = ReadOptions {
            sheet: None,
            index_col,
            columns: None,
        };
        match read_table(path, &opts) {
            Ok(raw) => exercise_table(&raw),
            Err(e) => {
                let msg = e.to_string();
                assert!(!msg.contains('\n'), "one line: {msg}");
            }
        }
    }
}

/// Fixture workbooks (`tests/fixtures`) stored uncompressed, so mutations reach the records
/// and the XML.
fn fixture_bases(names: &[&str]) -> Vec<Vec<u8>> {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures"));
    names
        .iter()
        .map(|n| stored(&std::fs::read(dir.join(n)).unwrap()))
        .collect()
}

struct Base {
    dir: tempfile::TempDir,
    csv: Vec<Vec<u8>>,
    xlsx: Vec<Vec<u8>>,
    xlsb: Vec<Vec<u8>>,
    ods: Vec<Vec<u8>>,
}

fn base() -> Base {
    let dir = tempfile::tempdir().unwrap();
    let xlsx = xlsx_bases(dir.path());
    Base {
        csv: csv_bases(),
        xlsx,
        xlsb: fixture_bases(&["table.xlsb", "calamine_issue_186.xlsb"]),
        ods: fixture_bases(&["table.ods", "trailing.ods"]),
        dir,
    }
}

#[test]
fn unmutated_tables_read() {
    let b = base();
    for (i, f) in b.csv.iter().enumerate() {
        let p = b.dir.path().join(format!("t{i}.csv"));
        std::fs::write(&p, f).unwrap();
        read_table(&p, &ReadOptions::default()).unwrap();
    }
    for (ext, files) in [("xlsx", &b.xlsx), ("xlsb", &b.xlsb), ("ods", &b.ods)] {
        for (i, f) in files.iter().enumerate() {
            let p = b.dir.path().join(format!("t{i}.{ext}"));
            std::fs::write(&p, f).unwrap();
            read_table(&p, &ReadOptions::default()).unwrap();
        }
    }
}

proptest! {
    #![proptest_config(config(1500, 0x7461_626c))]

    #[test]
    fn mutated_csv_files_never_panic(
        file in 0..4usize,
        tsv in any::<bool>(),
        muts in prop::collection::vec(mutation(), 1..4),
    ) {
        thread_local!(static BASE: Base = base());
        BASE.with(|b| {
            let mutated = muts.iter().fold(b.csv[file].clone(), apply);
            let name = if tsv { "m.tsv" } else { "m.csv" };
            exercise(&b.dir.path().join(name), &mutated);
        });
    }
}

proptest! {
    #![proptest_config(config(600, 0x786c_7378))]

    #[test]
    fn mutated_xlsx_files_never_panic(
        // The small workbook three times as often as the bundled one (which is slower to read).
        file in prop::sample::select(vec![0usize, 0, 0, 1]),
        muts in prop::collection::vec(mutation(), 1..4),
    ) {
        thread_local!(static BASE: Base = base());
        BASE.with(|b| {
            let mutated = muts.iter().fold(b.xlsx[file].clone(), apply);
            exercise(&b.dir.path().join("m.xlsx"), &mutated);
        });
    }
}

proptest! {
    #![proptest_config(config(400, 0x786c_7362))]

    #[test]
    fn mutated_xlsb_files_never_panic(
        file in 0..2usize,
        muts in prop::collection::vec(mutation(), 1..4),
    ) {
        thread_local!(static BASE: Base = base());
        BASE.with(|b| {
            let mutated = muts.iter().fold(b.xlsb[file].clone(), apply);
            exercise(&b.dir.path().join("m.xlsb"), &mutated);
        });
    }
}

proptest! {
    #![proptest_config(config(400, 0x6f64_7321))]

    #[test]
    fn mutated_ods_files_never_panic(
        file in 0..2usize,
        muts in prop::collection::vec(mutation(), 1..4),
    ) {
        thread_local!(static BASE: Base = base());
        BASE.with(|b| {
            let mutated = muts.iter().fold(b.ods[file].clone(), apply);
            exercise(&b.dir.path().join("m.ods"), &mutated);
        });
    }
}

/// Writes seeds for the `table_csv` and `table_xlsx` fuzz targets into
/// `$GLASSBOX_FUZZ_SEEDS/{table_csv,table_xlsx}` (run with `--ignored`).
#[test]
#[ignore = "writes fuzz seeds; run by hand"]
fn write_fuzz_seeds() {
    let out = PathBuf::from(std::env::var("GLASSBOX_FUZZ_SEEDS").unwrap());
    let b = base();
    for (sub, files) in [("table_csv", &b.csv), ("table_xlsx", &b.xlsx)] {
        std::fs::create_dir_all(out.join(sub)).unwrap();
        for (i, f) in files.iter().enumerate() {
            std::fs::write(out.join(sub).join(format!("seed{i}")), f).unwrap();
        }
    }
}
