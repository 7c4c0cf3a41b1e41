//! The file variants glassbox reads: delimiters, decimal commas, byte-order marks, CRLF, quoting,
//! blank header cells, sheets that do not start at A1, sheet selection, index columns.

mod common;

use common::{X, read, write_file, write_xlsx, write_xlsx_at};
use glassbox_data::{Cell, IndexCol, ReadOptions, read_table};

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

#[test]
fn semicolon_with_decimal_comma() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_file(
        dir.path(),
        "de.csv",
        "Temperatur;Druck;Gewicht\n230,5;1.200;10\n-1,25;3;11,5\n".as_bytes(),
    );
    let raw = read(&p).unwrap();
    assert_eq!(
        raw.column_names(),
        s(&["Temperatur", "Druck", "Gewicht"]).as_slice()
    );
    let t = raw.to_training_table("Gewicht", &[]).unwrap();
    // "1.200" keeps its point as the decimal mark: the reader does not guess thousands separators.
    assert_eq!(t.features.row(0).to_vec(), vec![230.5, 1.2]);
    assert_eq!(t.features.row(1).to_vec(), vec![-1.25, 3.0]);
    assert_eq!(t.target.unwrap().to_vec(), vec![10.0, 11.5]);
}

#[test]
fn tabs_bom_crlf_and_quotes() {
    let dir = tempfile::tempdir().unwrap();
    let tab = write_file(dir.path(), "t.txt", b"a\tb\n1\t2\n3\t4\n");
    assert_eq!(
        read(&tab).unwrap().column_names(),
        s(&["a", "b"]).as_slice()
    );
    // .tsv is tab-separated even when a comma would look plausible.
    let tsv = write_file(dir.path(), "t.TSV", b"a,x\tb\n1\t2\n");
    assert_eq!(
        read(&tsv).unwrap().column_names(),
        s(&["a,x", "b"]).as_slice()
    );
    let p = write_file(
        dir.path(),
        "bom.csv",
        b"\xEF\xBB\xBF\"name, full\",\" x \",y\r\n\"a,b\", 1 ,2\r\n\"c\"\"d\",1e-3,-2.5\r\n",
    );
    let raw = read(&p).unwrap();
    assert_eq!(raw.column_names(), s(&["name, full", "x", "y"]).as_slice());
    assert_eq!(
        raw.column("name, full").unwrap()[1],
        Cell::Text("c\"d".into())
    );
    let t = raw.to_training_table("y", &s(&["name, full"])).unwrap();
    assert_eq!(t.features.column(0).to_vec(), vec![1.0, 1e-3]);
    assert_eq!(t.target.unwrap().to_vec(), vec![2.0, -2.5]);
}

#[test]
fn blank_header_cells_and_trailing_separators() {
    let dir = tempfile::tempdir().unwrap();
    // An unnamed first column with values is kept as "Unnamed: 0"; the empty column that a
    // trailing comma on every line creates is dropped.
    let p = write_file(dir.path(), "t.csv", b",a,y,\n0,1,2,\n1,3,4,\n");
    let raw = read(&p).unwrap();
    assert_eq!(raw.column_names(), s(&["Unnamed: 0", "a", "y"]).as_slice());
    let raw = read_table(
        &p,
        &ReadOptions {
            sheet: None,
            index_col: Some(IndexCol::Position(0)),
            columns: None,
        },
    )
    .unwrap();
    assert_eq!(raw.column_names(), s(&["a", "y"]).as_slice());
    assert_eq!(raw.index_name(), Some("Unnamed: 0"));
}

#[test]
fn index_labels_keep_their_text() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_file(dir.path(), "t.csv", b"x,id,y\n1,007,2\n2,1.50,3\n3,,4\n");
    let opts = ReadOptions {
        sheet: None,
        index_col: Some(IndexCol::Name("id".into())),
        columns: None,
    };
    let raw = read_table(&p, &opts).unwrap();
    assert_eq!(raw.row_ids(), s(&["007", "1.50", ""]).as_slice());
    let t = raw.to_training_table("y", &[]).unwrap();
    assert_eq!(t.feature_names, s(&["x"]));
    assert_eq!(t.row_ids, s(&["007", "1.50", ""]));
    // Without an index, rows are numbered from 0.
    assert_eq!(read(&p).unwrap().row_ids(), s(&["0", "1", "2"]).as_slice());
}

#[test]
fn sheet_selection_offsets_and_labels() {
    let dir = tempfile::tempdir().unwrap();
    let first = vec![vec![X::Str("other")], vec![X::Num("9")]];
    // The second sheet's table starts at row 3 (rows 1-2 empty); numeric and text labels.
    let second = vec![
        vec![X::Str("label"), X::Str(" f "), X::Num("2024"), X::Str("y")],
        vec![X::Num("10"), X::Num("1"), X::Num("5"), X::Num("0.5")],
        vec![X::Str("b"), X::Str("2.25"), X::Num("6"), X::Num("1.5")],
        vec![X::Num("2.5"), X::None, X::Num("7"), X::Num("2")],
    ];
    let p = write_xlsx_at(
        dir.path(),
        "wb.xlsx",
        &[("First", first.clone()), ("Second", second)],
        3,
    );
    // Default: the first sheet.
    let raw = read(&p).unwrap();
    assert_eq!(raw.sheet(), Some("First"));
    assert_eq!(raw.column_names(), s(&["other"]).as_slice());
    let opts = ReadOptions {
        sheet: Some("Second".into()),
        index_col: Some(IndexCol::Position(0)),
        columns: None,
    };
    let raw = read_table(&p, &opts).unwrap();
    assert_eq!(raw.sheet(), Some("Second"));
    // Header names are trimmed; a numeric header cell becomes its text.
    assert_eq!(raw.column_names(), s(&["f", "2024", "y"]).as_slice());
    assert_eq!(raw.row_ids(), s(&["10", "b", "2.5"]).as_slice());
    // Text that reads as a number is a number; the empty cell is located at its sheet cell.
    assert_eq!(raw.column("f").unwrap()[1], Cell::Number(2.25));
    let m = raw.to_training_table("y", &[]).unwrap_err().to_string();
    assert!(m.ends_with("column 'f', data row 3 (cell Second!B6): an empty cell; glassbox needs a finite number in every feature cell"), "{m}");
    let t = raw.to_training_table("y", &s(&["f"])).unwrap();
    assert_eq!(t.feature_names, s(&["2024"]));
    assert_eq!(t.features.column(0).to_vec(), vec![5.0, 6.0, 7.0]);
    let _ = write_xlsx(dir.path(), "unused.xlsx", &[("S", first)]);
}
