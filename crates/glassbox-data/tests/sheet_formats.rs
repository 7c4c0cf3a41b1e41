//! `.xlsb` and `.ods` tables, and the size rule on their used ranges: a stray cell far from the
//! table is refused with one clear line before anything allocates the range (issue 18). The
//! fixtures and their sources are in `tests/fixtures/README.md`.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{message, read};
use glassbox_data::{Cell, RawTable, ReadOptions, read_table};

fn fixture(name: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures")).join(name)
}

fn numbers(t: &RawTable, column: &str) -> Vec<f64> {
    t.column(column)
        .unwrap()
        .iter()
        .map(|c| match c {
            Cell::Number(x) => *x,
            other => panic!("{column}: not a number: {other:?}"),
        })
        .collect()
}

/// The fixtures' table: `x1, x2, y` and three rows.
fn assert_the_table(t: &RawTable) {
    assert_eq!(t.column_names(), ["x1", "x2", "y"]);
    assert_eq!(numbers(t, "x1"), [1.0, 4.0, 7.0]);
    assert_eq!(numbers(t, "x2"), [2.5, 5.0, 8.0]);
    assert_eq!(numbers(t, "y"), [3.0, 6.25, 9.5]);
}

/// Reads `path`, which must fail fast (no gigabyte range being filled) with one line that
/// contains every one of `parts`.
fn assert_refused(path: &Path, parts: &[&str]) {
    let start = Instant::now();
    let err = read(path).unwrap_err();
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    let m = message(&err, Some(path));
    for part in parts {
        assert!(m.contains(part), "missing {part:?} in: {m}");
    }
}

#[test]
fn xlsb_tables_read() {
    assert_the_table(&read(&fixture("table.xlsb")).unwrap());
    // Written by Excel (calamine's fixture): one column, the first number is its header.
    let t = read(&fixture("calamine_issue_186.xlsb")).unwrap();
    assert_eq!(t.column_names(), ["1.23"]);
    assert_eq!(numbers(&t, "1.23"), [12.34, 123.45, 1234.56, 12345.67]);
}

#[test]
fn a_stray_xlsb_cell_is_refused_like_an_xlsx_one() {
    let p = fixture("stray.xlsb");
    assert_refused(
        &p,
        &[
            "not a readable .xlsb workbook",
            "sheet 'Sheet1': the used range spans 1000000 rows x 16000 columns (16000000000 \
             cells; at most 134217728), stretched by cell WQJ1000000: delete stray cells far \
             from the table",
        ],
    );
}

#[test]
fn ods_tables_read_without_their_trailing_empty_repeats() {
    assert_the_table(&read(&fixture("table.ods")).unwrap());
    assert_the_table(&read(&fixture("trailing.ods")).unwrap());
}

#[test]
fn a_stray_ods_cell_is_refused_before_calamine_reads_the_workbook() {
    let expected = "the used range spans 900000 rows x 5000 columns (4500000000 cells; at most \
                    134217728), stretched by cell GJH900000: delete stray cells far from the \
                    table";
    let p = fixture("stray.ods");
    assert_refused(
        &p,
        &[
            "not a readable .ods workbook",
            &format!("sheet 'data': {expected}"),
        ],
    );
    // calamine reads every sheet of an .ods at once, so a stray cell in another sheet is
    // refused too, naming that sheet.
    let p = fixture("stray_in_second_sheet.ods");
    for sheet in [None, Some("data".to_string())] {
        let err = read_table(
            &p,
            &ReadOptions {
                sheet,
                index_col: None,
                columns: None,
            },
        )
        .unwrap_err();
        let m = message(&err, Some(&p));
        assert!(m.contains(&format!("sheet 'notes': {expected}")), "{m}");
    }
}

#[test]
fn an_ods_that_ends_inside_a_sheet_is_an_error_not_a_hang() {
    // calamine waits for the sheet's end tag forever; the pre-scan refuses the file.
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("cut.ods");
    let mut z = zip::ZipWriter::new(std::fs::File::create(&p).unwrap());
    let opts = zip::write::SimpleFileOptions::default();
    let src = zip::ZipArchive::new(std::fs::File::open(fixture("table.ods")).unwrap());
    let mut src = src.unwrap();
    for name in ["mimetype", "META-INF/manifest.xml", "content.xml"] {
        let mut body = String::new();
        std::io::Read::read_to_string(&mut src.by_name(name).unwrap(), &mut body).unwrap();
        if name == "content.xml" {
            body.truncate(body.find("</table:table>").unwrap());
        }
        z.start_file(name, opts).unwrap();
        z.write_all(body.as_bytes()).unwrap();
    }
    z.finish().unwrap();
    assert_refused(
        &p,
        &["sheet 'data': malformed workbook: content.xml ends inside the sheet"],
    );
}
