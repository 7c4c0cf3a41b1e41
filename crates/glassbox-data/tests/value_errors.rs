//! Choosing target and features, and the cell-level failures: non-numeric columns, empty cells,
//! missing markers, NaN and infinities, each located by column, data row and file line or cell.

mod common;

use common::{X, message, read, write_file, write_xlsx};
use glassbox_data::{DataError, IndexCol, ReadOptions, read_table};

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

/// A CSV with columns id, name, surface, volume, Weight (g) and 15 rows, where `surface` of
/// data row `bad_row` (1-based) is `bad`.
fn molding_like(
    dir: &std::path::Path,
    file: &str,
    bad_row: usize,
    bad: &str,
) -> std::path::PathBuf {
    let mut text = String::from("id,name,surface,volume,Weight (g)\n");
    for r in 1..=15 {
        let surface = if r == bad_row {
            bad.to_string()
        } else {
            format!("{}.5", r)
        };
        text.push_str(&format!(
            "r{r},mold{r},{surface},{},{}\n",
            r * 10,
            r as f64 * 0.25
        ));
    }
    write_file(dir, file, text.as_bytes())
}

#[test]
fn training_table_selects_target_and_features() {
    let dir = tempfile::tempdir().unwrap();
    let p = molding_like(dir.path(), "ok.csv", 0, "");
    let opts = ReadOptions {
        sheet: None,
        index_col: Some(IndexCol::Name("id".into())),
        columns: None,
    };
    let raw = read_table(&p, &opts).unwrap();
    assert_eq!(
        raw.column_names(),
        s(&["name", "surface", "volume", "Weight (g)"]).as_slice()
    );
    let t = raw
        .to_training_table("Weight (g)", &s(&["name", "id"]))
        .unwrap();
    assert_eq!(t.feature_names, s(&["surface", "volume"]));
    assert_eq!(t.features.row(2).to_vec(), vec![3.5, 30.0]);
    assert_eq!(t.target.as_ref().unwrap()[3], 1.0);
    assert_eq!(t.row_ids[0], "r1");
    assert_eq!(t.row_ids[14], "r15");
    // Dropping the target is harmless.
    let t2 = raw
        .to_training_table("Weight (g)", &s(&["name", "Weight (g)"]))
        .unwrap();
    assert_eq!(t2, t);
}

#[test]
fn target_not_found_suggests_and_lists() {
    let dir = tempfile::tempdir().unwrap();
    let p = molding_like(dir.path(), "t.csv", 0, "");
    let raw = read(&p).unwrap();
    let err = raw.to_training_table("weight (g)", &[]).unwrap_err();
    assert_eq!(
        message(&err, Some(&p)),
        format!(
            "{}: target column 'weight (g)' not found; did you mean 'Weight (g)'?; available \
             columns: 'id', 'name', 'surface', 'volume', 'Weight (g)'",
            p.display()
        )
    );
    // Nothing close: no suggestion, still the list.
    let m = message(
        &raw.to_training_table("pressure", &[]).unwrap_err(),
        Some(&p),
    );
    assert!(
        m.contains("target column 'pressure' not found; available columns: 'id'"),
        "{m}"
    );
}

#[test]
fn drop_column_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let p = molding_like(dir.path(), "t.csv", 0, "");
    let raw = read(&p).unwrap();
    let err = raw
        .to_training_table("Weight (g)", &s(&["id", "nmae"]))
        .unwrap_err();
    assert_eq!(
        message(&err, Some(&p)),
        format!(
            "{}: --drop column 'nmae' not found; did you mean 'name'?; available columns: \
             'id', 'name', 'surface', 'volume', 'Weight (g)'",
            p.display()
        )
    );
}

#[test]
fn target_is_the_index_column() {
    let dir = tempfile::tempdir().unwrap();
    let p = molding_like(dir.path(), "t.csv", 0, "");
    let opts = ReadOptions {
        sheet: None,
        index_col: Some(IndexCol::Position(4)),
        columns: None,
    };
    let raw = read_table(&p, &opts).unwrap();
    assert_eq!(raw.index_name(), Some("Weight (g)"));
    let err = raw.to_training_table("Weight (g)", &[]).unwrap_err();
    assert!(matches!(err, DataError::IsIndexColumn { .. }));
    let m = message(&err, Some(&p));
    assert!(
        m.contains("the target column 'Weight (g)' is the index column"),
        "{m}"
    );
}

#[test]
fn non_numeric_feature_names_column_row_text_and_drop() {
    let dir = tempfile::tempdir().unwrap();
    let p = molding_like(dir.path(), "t.csv", 0, "");
    let raw = read(&p).unwrap();
    // Two text columns: both go into the suggested --drop.
    let err = raw.to_training_table("Weight (g)", &[]).unwrap_err();
    assert_eq!(
        message(&err, Some(&p)),
        format!(
            "{}: feature column 'id' is not numeric: data row 1 (line 2) holds text \"r1\"; \
             leave them out with --drop id,name (also not numeric: 'name')",
            p.display()
        )
    );
    // One text column, and the text sits in the middle of numbers.
    let q = molding_like(dir.path(), "mid.csv", 9, "12 mm");
    let err = read(&q)
        .unwrap()
        .to_training_table("Weight (g)", &s(&["id", "name"]))
        .unwrap_err();
    assert_eq!(
        message(&err, Some(&q)),
        format!(
            "{}: feature column 'surface' is not numeric: data row 9 (line 10) holds text \
             \"12 mm\"; leave it out with --drop surface",
            q.display()
        )
    );
}

#[test]
fn drop_suggestion_is_quoted_when_names_have_spaces() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_file(dir.path(), "t.csv", b"Mold Name,x,y\na,1,2\nb,2,3\n");
    let m = message(
        &read(&p).unwrap().to_training_table("y", &[]).unwrap_err(),
        Some(&p),
    );
    assert!(m.ends_with("leave it out with --drop \"Mold Name\""), "{m}");
}

#[test]
fn non_numeric_target() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_file(dir.path(), "t.csv", b"x,label\n1,2\n2,good\n");
    let err = read(&p)
        .unwrap()
        .to_training_table("label", &[])
        .unwrap_err();
    assert_eq!(
        message(&err, Some(&p)),
        format!(
            "{}: target column 'label' is not numeric: data row 2 (line 3) holds text \"good\"; \
             the target must be numeric (glassbox trains regressors)",
            p.display()
        )
    );
}

#[test]
fn empty_missing_nan_and_infinite_cells_in_csv() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("", "an empty cell"),
        ("   ", "an empty cell"),
        ("nan", "NaN"),
        ("NaN", "NaN"),
        ("inf", "an infinite value (inf)"),
        ("-inf", "an infinite value (-inf)"),
        ("NA", "the missing-value marker \"NA\""),
        ("?", "the missing-value marker \"?\""),
    ];
    for (k, (bad, found)) in cases.iter().enumerate() {
        let p = molding_like(dir.path(), &format!("c{k}.csv"), 12, bad);
        let raw = read(&p).unwrap();
        let err = raw
            .to_training_table("Weight (g)", &s(&["id", "name"]))
            .unwrap_err();
        assert!(matches!(err, DataError::NonFinite { .. }), "{err:?}");
        assert_eq!(
            message(&err, Some(&p)),
            format!(
                "{}: column 'surface', data row 12 (line 13): {found}; glassbox needs a finite \
                 number in every feature cell",
                p.display()
            ),
            "cell {bad:?}"
        );
    }
}

#[test]
fn missing_target_value() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_file(dir.path(), "t.csv", b"x,y\n1,2\n2,\n3,4\n");
    let m = message(
        &read(&p).unwrap().to_training_table("y", &[]).unwrap_err(),
        Some(&p),
    );
    assert!(
        m.ends_with("column 'y', data row 2 (line 3): an empty cell; glassbox needs a finite number in every target cell"),
        "{m}"
    );
}

#[test]
fn line_numbers_count_quoted_line_breaks_and_blank_lines() {
    let dir = tempfile::tempdir().unwrap();
    // Data row 3 starts on line 6: a blank line and a quoted two-line field come before it.
    let p = write_file(
        dir.path(),
        "t.csv",
        b"note,x,y\na,1,2\n\n\"two\nlines\",2,3\nc,,4\n",
    );
    let m = message(
        &read(&p)
            .unwrap()
            .to_training_table("y", &s(&["note"]))
            .unwrap_err(),
        Some(&p),
    );
    assert!(
        m.contains("column 'x', data row 3 (line 6): an empty cell"),
        "{m}"
    );
}

#[test]
fn spreadsheet_cells_are_located_by_reference() {
    let dir = tempfile::tempdir().unwrap();
    let header = vec![X::None, X::Str("a"), X::Str("b"), X::Str("y")];
    let good = |i: &'static str| vec![X::Num(i), X::Num("1.5"), X::Str(" 2e-3 "), X::Num("7")];
    let cases: Vec<(X, &str, bool)> = vec![
        (X::None, "an empty cell", false),
        (X::Num("NaN"), "NaN", false),
        (X::Num("INF"), "an infinite value (inf)", false),
        (X::Str("-inf"), "an infinite value (-inf)", false),
        (X::Str("nan"), "NaN", false),
        (
            X::Bool(true),
            "the boolean TRUE (glassbox does not read booleans as numbers)",
            true,
        ),
        (X::Err("#DIV/0!"), "the spreadsheet error #DIV/0!", true),
        (
            X::Date(45000.0),
            "the date/time \"Excel serial 45000\" (glassbox does not convert dates to numbers)",
            true,
        ),
        (X::Str("twelve"), "text \"twelve\"", true),
    ];
    for (k, (bad, found, non_numeric)) in cases.into_iter().enumerate() {
        let rows = vec![
            header.clone(),
            good("0"),
            good("1"),
            vec![X::Num("2"), X::Num("3"), bad, X::Num("7")],
            good("3"),
        ];
        let p = write_xlsx(dir.path(), &format!("c{k}.xlsx"), &[("My data", rows)]);
        let opts = ReadOptions {
            sheet: Some("My data".into()),
            index_col: Some(IndexCol::Position(0)),
            columns: None,
        };
        let raw = read_table(&p, &opts).unwrap();
        assert_eq!(raw.column_names(), s(&["a", "b", "y"]).as_slice());
        assert_eq!(raw.row_ids(), s(&["0", "1", "2", "3"]).as_slice());
        let err = raw.to_training_table("y", &[]).unwrap_err();
        let expected = if non_numeric {
            format!(
                "{}: feature column 'b' is not numeric: data row 3 (cell 'My data'!C4) holds \
                 {found}; leave it out with --drop b",
                p.display()
            )
        } else {
            format!(
                "{}: column 'b', data row 3 (cell 'My data'!C4): {found}; glassbox needs a \
                 finite number in every feature cell",
                p.display()
            )
        };
        assert_eq!(message(&err, Some(&p)), expected, "case {k}");
    }
}

#[test]
fn no_features_left() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_file(dir.path(), "t.csv", b"a,b,y\n1,2,3\n4,5,6\n");
    let err = read(&p)
        .unwrap()
        .to_training_table("y", &s(&["a", "b"]))
        .unwrap_err();
    assert_eq!(
        message(&err, Some(&p)),
        format!(
            "{}: no feature columns left after removing the target 'y' and the dropped columns \
             'a', 'b'; the table's columns are 'a', 'b', 'y'",
            p.display()
        )
    );
    let q = write_file(dir.path(), "one.csv", b"y\n1\n2\n");
    let m = message(
        &read(&q).unwrap().to_training_table("y", &[]).unwrap_err(),
        Some(&q),
    );
    assert!(
        m.ends_with(
            "no feature columns left after removing the target 'y'; the table's columns are 'y'"
        ),
        "{m}"
    );
}

#[test]
fn feature_table_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_file(
        dir.path(),
        "t.csv",
        b"c,junk,a,b,y\n3,x,1,2,10\n6,z,4,5,20\n",
    );
    let raw = read(&p).unwrap();
    let t = raw
        .to_feature_table(&s(&["a", "b", "c"]), Some("y"))
        .unwrap();
    assert_eq!(t.feature_names, s(&["a", "b", "c"]));
    assert_eq!(t.features.row(1).to_vec(), vec![4.0, 5.0, 6.0]);
    assert_eq!(t.target.unwrap().to_vec(), vec![10.0, 20.0]);
    // The target may be absent from data to explain.
    let t = raw.to_feature_table(&s(&["b"]), Some("strength")).unwrap();
    assert_eq!(t.target, None);
    assert_eq!(t.target_name, None);
    let t = raw.to_feature_table(&s(&["b"]), None).unwrap();
    assert_eq!(t.target, None);
    // A feature the model needs but the file lacks.
    let m = message(
        &raw.to_feature_table(&s(&["a", "B"]), None).unwrap_err(),
        Some(&p),
    );
    assert!(m.contains("feature column 'B' not found; did you mean 'b'?; available columns: 'c', 'junk', 'a', 'b', 'y'"), "{m}");
    // A feature column that is not numeric in this file.
    let m = message(
        &raw.to_feature_table(&s(&["junk"]), None).unwrap_err(),
        Some(&p),
    );
    assert!(m.contains("feature column 'junk' is not numeric: data row 1 (line 2) holds text \"x\"; the model was trained on this column as numbers"), "{m}");
}
