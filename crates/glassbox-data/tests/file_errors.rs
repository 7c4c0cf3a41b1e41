//! File-level failures: every one gives a one-line message that starts with the file's path.

mod common;

use common::{X, bundled, message, read, write_file, write_xlsx};
use glassbox_data::{DataError, IndexCol, ReadOptions, read_table};

#[test]
fn missing_file() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["nope.csv", "nope.xlsx", "nope.json"] {
        let p = dir.path().join(name);
        let err = read(&p).unwrap_err();
        assert!(matches!(err, DataError::NotFound { .. }), "{err:?}");
        assert_eq!(
            message(&err, Some(&p)),
            format!("{}: no such file", p.display())
        );
    }
}

#[test]
fn unreadable_file() {
    // A directory stands in for an unreadable file (permission bits do not stop root).
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("folder.csv");
    std::fs::create_dir(&p).unwrap();
    let err = read(&p).unwrap_err();
    let m = message(&err, Some(&p));
    assert!(
        m.ends_with("cannot read the file: it is a directory, not a file"),
        "{m}"
    );
}

#[test]
fn unsupported_extension() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_file(dir.path(), "table.json", b"{}");
    let m = message(&read(&p).unwrap_err(), Some(&p));
    assert!(
        m.contains("unsupported file type '.json'; expected .csv, .tsv"),
        "{m}"
    );
}

#[test]
fn text_file_renamed_to_xlsx() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_file(dir.path(), "fake.xlsx", b"a,b\n1,2\n");
    let err = read(&p).unwrap_err();
    assert!(matches!(err, DataError::Workbook { .. }), "{err:?}");
    let m = message(&err, Some(&p));
    assert!(
        m.contains("not a readable .xlsx workbook (is the file corrupt, or not really .xlsx?)"),
        "{m}"
    );
}

#[test]
fn truncated_xlsx() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(bundled("concrete/concrete.xlsx")).unwrap();
    let p = write_file(dir.path(), "cut.xlsx", &bytes[..bytes.len() / 2]);
    let err = read(&p).unwrap_err();
    assert!(matches!(err, DataError::Workbook { .. }), "{err:?}");
    message(&err, Some(&p));
    // Upper-case extensions are recognised too.
    let q = write_file(dir.path(), "CUT.XLSX", &bytes[..bytes.len() / 2]);
    let m = message(&read(&q).unwrap_err(), Some(&q));
    assert!(m.contains("not a readable .xlsx workbook"), "{m}");
}

#[test]
fn ragged_csv_row() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("a,b,c,d,e,f\n");
    for i in 1..=20 {
        if i == 17 {
            text.push_str("1,2,3,4,5\n");
        } else {
            text.push_str("1,2,3,4,5,6\n");
        }
    }
    let p = write_file(dir.path(), "ragged.csv", text.as_bytes());
    let err = read(&p).unwrap_err();
    assert_eq!(
        message(&err, Some(&p)),
        format!(
            "{}: line 18 (data row 17) has 5 fields, but the header has 6",
            p.display()
        )
    );
    // Too many fields as well.
    let p = write_file(dir.path(), "long.csv", b"a,b\n1,2\n1,2,3\n");
    let m = message(&read(&p).unwrap_err(), Some(&p));
    assert!(
        m.ends_with("line 3 (data row 2) has 3 fields, but the header has 2"),
        "{m}"
    );
    // CRLF line ends, a blank line and a quoted field spanning two lines: the line is still
    // the one the row starts on (the csv crate alone says one too low on CRLF files).
    let p = write_file(dir.path(), "crlf.csv", b"a,b\r\n1,2\r\n1,2,3\r\n");
    let m = message(&read(&p).unwrap_err(), Some(&p));
    assert!(
        m.ends_with("line 3 (data row 2) has 3 fields, but the header has 2"),
        "{m}"
    );
    let text = b"a,b\r\n\"x\r\ny\",2\r\n\r\n1,2,3\r\n";
    let p = write_file(dir.path(), "crlf_quoted.csv", text);
    let m = message(&read(&p).unwrap_err(), Some(&p));
    assert!(
        m.ends_with("line 5 (data row 2) has 3 fields, but the header has 2"),
        "{m}"
    );
}

#[test]
fn empty_and_header_only_csv() {
    let dir = tempfile::tempdir().unwrap();
    for (name, body) in [("empty.csv", &b""[..]), ("blank.csv", b"\n  \n\n")] {
        let p = write_file(dir.path(), name, body);
        assert_eq!(
            message(&read(&p).unwrap_err(), Some(&p)),
            format!(
                "{}: the file is empty; expected a header row followed by at least one data row",
                p.display()
            )
        );
    }
    let p = write_file(dir.path(), "header.csv", b"a,b,c\n\n");
    assert_eq!(
        message(&read(&p).unwrap_err(), Some(&p)),
        format!(
            "{}: the file has a header row but no data rows; expected a header row followed by \
             at least one data row",
            p.display()
        )
    );
}

#[test]
fn empty_and_header_only_sheet() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_xlsx(dir.path(), "empty.xlsx", &[("Data", vec![])]);
    let m = message(&read(&p).unwrap_err(), Some(&p));
    assert!(m.contains("sheet 'Data' is empty"), "{m}");
    let p = write_xlsx(
        dir.path(),
        "header.xlsx",
        &[("Data", vec![vec![X::Str("a"), X::Str("b")]])],
    );
    let m = message(&read(&p).unwrap_err(), Some(&p));
    assert!(
        m.contains("sheet 'Data' has a header row but no data rows"),
        "{m}"
    );
}

#[test]
fn invalid_utf8_csv() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_file(dir.path(), "latin1.csv", b"a,b\n1,2\n3,caf\xe9\n");
    let m = message(&read(&p).unwrap_err(), Some(&p));
    assert!(m.contains(": line 3: the text is not valid UTF-8"), "{m}");
}

#[test]
fn unknown_sheet_lists_sheets() {
    let dir = tempfile::tempdir().unwrap();
    let rows = vec![vec![X::Str("a")], vec![X::Num("1")]];
    let p = write_xlsx(
        dir.path(),
        "two.xlsx",
        &[("First", rows.clone()), ("Second", rows)],
    );
    let opts = ReadOptions {
        sheet: Some("second".into()),
        index_col: None,
        columns: None,
    };
    let err = read_table(&p, &opts).unwrap_err();
    assert_eq!(
        message(&err, Some(&p)),
        format!(
            "{}: no sheet named 'second'; the workbook has 'First', 'Second'",
            p.display()
        )
    );
}

#[test]
fn index_column_out_of_range_or_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_file(dir.path(), "t.csv", b"id,x,y\na,1,2\nb,3,4\n");
    let opts = ReadOptions {
        sheet: None,
        index_col: Some(IndexCol::Position(3)),
        columns: None,
    };
    assert_eq!(
        message(&read_table(&p, &opts).unwrap_err(), Some(&p)),
        format!(
            "{}: index column 3 is out of range; the table has 3 columns, numbered 0 to 2",
            p.display()
        )
    );
    let opts = ReadOptions {
        sheet: None,
        index_col: Some(IndexCol::Name("ID".into())),
        columns: None,
    };
    assert_eq!(
        message(&read_table(&p, &opts).unwrap_err(), Some(&p)),
        format!(
            "{}: index column 'ID' not found; did you mean 'id'?; available columns: 'id', 'x', 'y'",
            p.display()
        )
    );
}

#[test]
fn duplicate_column_names() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_file(dir.path(), "dup.csv", b"a,b, a\n1,2,3\n");
    assert_eq!(
        message(&read(&p).unwrap_err(), Some(&p)),
        format!(
            "{}: the column name 'a' appears more than once (at positions 0 and 2, counting \
             from 0); column names must be unique",
            p.display()
        )
    );
    let q = write_xlsx(
        dir.path(),
        "dup.xlsx",
        &[(
            "S",
            vec![
                vec![X::Str("x"), X::Str("x")],
                vec![X::Num("1"), X::Num("2")],
            ],
        )],
    );
    let m = message(&read(&q).unwrap_err(), Some(&q));
    assert!(
        m.contains("'x' appears more than once (at positions 0 and 1"),
        "{m}"
    );
}

/// `path`'s workbook with `extra` XML (rows) appended to the first sheet's data.
fn with_stray_rows(path: &std::path::Path, extra: &str) {
    use std::io::{Read, Write};
    let bytes = std::fs::read(path).unwrap();
    let mut zin = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut zout = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for i in 0..zin.len() {
        let mut entry = zin.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut body = String::new();
        entry.read_to_string(&mut body).unwrap();
        if name == "xl/worksheets/sheet1.xml" {
            body = body.replace("</sheetData>", &format!("{extra}</sheetData>"));
        }
        zout.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zout.write_all(body.as_bytes()).unwrap();
    }
    zout.finish().unwrap();
}

#[test]
fn a_stray_cell_far_from_the_table_is_refused_not_an_abort() {
    let dir = tempfile::tempdir().unwrap();
    let rows = vec![
        vec![X::Str("a"), X::Str("y")],
        vec![X::Num("1"), X::Num("2")],
    ];
    let p = write_xlsx(dir.path(), "stray.xlsx", &[("data", rows.clone())]);
    with_stray_rows(
        &p,
        r#"<row r="1048576"><c r="XFD1048576"><v>7</v></c></row>"#,
    );
    let m = message(&read(&p).unwrap_err(), Some(&p));
    assert!(
        m.contains("sheet 'data': the used range spans 1048576 rows x 16384 columns")
            && m.contains("stretched by cell XFD1048576"),
        "{m}"
    );
    // A stray cell near the table is only a wider table.
    let p = write_xlsx(dir.path(), "near.xlsx", &[("data", rows)]);
    with_stray_rows(&p, r#"<row r="5"><c r="D5"><v>7</v></c></row>"#);
    assert!(read(&p).is_ok());
}

#[test]
fn a_stray_cell_under_the_cell_cap_is_refused_when_the_range_is_nearly_empty() {
    // Found with the table_xlsx fuzz target: 100000 rows x 1324 columns is under the cap of
    // 2^27 cells, but a 2 KB file made glassbox allocate 4.2 GB for the dense range (and as much
    // again for the table).
    let dir = tempfile::tempdir().unwrap();
    let rows = vec![
        vec![X::Str("a"), X::Str("y")],
        vec![X::Num("1"), X::Num("2")],
    ];
    let p = write_xlsx(dir.path(), "sparse.xlsx", &[("data", rows.clone())]);
    with_stray_rows(&p, r#"<row r="100000"><c r="AXX100000"><v>7</v></c></row>"#);
    let m = message(&read(&p).unwrap_err(), Some(&p));
    assert!(
        m.contains("sheet 'data': the used range spans 100000 rows x 1324 columns")
            && m.contains("holding only 5 values")
            && m.contains("stretched by cell AXX100000"),
        "{m}"
    );
    // Sparse but small (2000 x 500 = 1 million cells, under the threshold) is still a table;
    // the empty columns between are dropped.
    let p = write_xlsx(dir.path(), "small.xlsx", &[("data", rows)]);
    with_stray_rows(&p, r#"<row r="2000"><c r="SF2000"><v>7</v></c></row>"#);
    let t = read(&p).unwrap();
    assert_eq!(t.n_rows(), 1999);
    assert_eq!(t.column_names(), ["a", "y", "Unnamed: 499"]);
}

#[test]
fn a_cell_reference_past_the_last_row_is_an_error_not_a_panic() {
    // Found by the table_xlsx fuzz target: calamine computes a reference's row in a u32, and
    // `A99999999999` overflowed it ("attempt to multiply with overflow"; the workspace keeps
    // calamine's overflow checks on in release builds too, so it never wraps to another row).
    let dir = tempfile::tempdir().unwrap();
    let rows = vec![
        vec![X::Str("a"), X::Str("y")],
        vec![X::Num("1"), X::Num("2")],
    ];
    // A row past u32, and a column (a long run of letters) past it.
    for cell in ["A99999999999", "AAAAAAAAAAAAAAA1"] {
        let p = write_xlsx(dir.path(), "overflow.xlsx", &[("data", rows.clone())]);
        with_stray_rows(&p, &format!(r#"<row><c r="{cell}"><v>7</v></c></row>"#));
        let m = message(&read(&p).unwrap_err(), Some(&p));
        assert!(
            m.contains(
                "sheet 'data': malformed workbook: the spreadsheet reader (calamine) failed \
                 with \"attempt to multiply with overflow\""
            ),
            "{cell}: {m}"
        );
    }
}
