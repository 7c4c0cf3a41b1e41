//! The bundled data files read the same from CSV and XLSX.

mod common;

use common::{bundled, read};
use glassbox_core::Table;
use glassbox_data::{IndexCol, ReadOptions, read_table};

const MOLDING_TARGET: &str = "Weight (g)";
const MOLDING_DROP: [&str; 7] = [
    "MoldNumber",
    "MoldName",
    "BrickType",
    "Variant",
    "Variant_en",
    "RunIndex",
    "SourceOrderRepaired",
];

fn molding_drop() -> Vec<String> {
    MOLDING_DROP.iter().map(|s| s.to_string()).collect()
}

/// `x` rounded to 16 significant digits, as the bundled .xlsx files store their numbers
/// (they were written with 16 digits, the CSV files with the shortest round-trip form, up to 17).
fn round16(x: f64) -> f64 {
    format!("{x:.15e}").parse().unwrap()
}

/// Asserts that the table read from xlsx `b` equals the one read from csv `a` after rounding `a`
/// to 16 significant digits, bit for bit, naming the first differing cell instead of printing
/// both tables. Returns how many values the rounding changed.
fn assert_same_up_to_16_digits(a: &Table, b: &Table) -> usize {
    let mut changed = 0;
    let mut check = |what: &str, i: usize, x: f64, y: f64| {
        let r = round16(x);
        assert!(
            r.to_bits() == y.to_bits(),
            "row {i}, {what}: csv {x:?} (16 digits: {r:?}) vs xlsx {y:?}"
        );
        changed += usize::from(r.to_bits() != x.to_bits());
    };
    assert_eq!(a.feature_names, b.feature_names);
    assert_eq!(a.target_name, b.target_name);
    assert_eq!(a.features.dim(), b.features.dim());
    assert!(a.row_ids == b.row_ids, "row ids differ");
    for ((i, j), &x) in a.features.indexed_iter() {
        check(
            &format!("feature '{}'", a.feature_names[j]),
            i,
            x,
            b.features[[i, j]],
        );
    }
    let (ta, tb) = (a.target.as_ref().unwrap(), b.target.as_ref().unwrap());
    for (i, (&x, &y)) in ta.iter().zip(tb).enumerate() {
        check("target", i, x, y);
    }
    changed
}

fn index0() -> ReadOptions {
    ReadOptions {
        sheet: None,
        index_col: Some(IndexCol::Position(0)),
        columns: None,
    }
}

#[test]
fn molding_csv_and_xlsx_give_identical_tables() {
    let csv = read(&bundled("molding/ikv_injection_molding.csv")).unwrap();
    let xlsx = read_table(&bundled("molding/ikv_injection_molding.xlsx"), &index0()).unwrap();
    assert_eq!(csv.n_rows(), 4620);
    assert_eq!(xlsx.n_rows(), 4620);
    assert_eq!(csv.column_names().len(), 36);
    assert_eq!(csv.column_names(), xlsx.column_names());
    assert_eq!(xlsx.index_name(), Some("Unnamed: 0"));
    assert_eq!(xlsx.sheet(), Some("Sheet1"));
    assert_eq!(csv.sheet(), None);
    // The xlsx index is 0..4619, the csv rows are numbered the same way.
    assert_eq!(csv.row_ids(), xlsx.row_ids());
    assert_eq!(xlsx.row_ids()[4619], "4619");

    let a = csv
        .to_training_table(MOLDING_TARGET, &molding_drop())
        .unwrap();
    let b = xlsx
        .to_training_table(MOLDING_TARGET, &molding_drop())
        .unwrap();
    assert_eq!(a.n_features(), 28);
    assert_eq!(a.features.dim(), (4620, 28));
    assert_eq!(a.feature_names[0], "surface");
    assert_eq!(a.feature_names[27], "Fill time derived (sec)");
    assert!(
        !a.feature_names
            .iter()
            .any(|n| MOLDING_DROP.contains(&n.as_str()))
    );
    assert_eq!(a.target_name.as_deref(), Some(MOLDING_TARGET));
    // Same names, ids and numbers from both files; the xlsx holds 16 significant digits where
    // the CSV holds up to 17, so about 2% of the xlsx values are 1-2 ulp away from the CSV's.
    let changed = assert_same_up_to_16_digits(&a, &b);
    assert!(changed < a.features.len() / 20, "{changed} values differ");
    assert_eq!(b.features[[0, 2]], 0.2045352529592679);
    // Spot values from the first CSV data line.
    assert_eq!(a.features[[0, 0]], 12732.0);
    assert_eq!(a.features[[0, 2]], 0.20453525295926794);
    assert_eq!(a.target.as_ref().unwrap()[0], 10.782);

    // Explaining by name, in a different order, ignoring the rest, target picked up.
    let mut names = a.feature_names.clone();
    names.reverse();
    let e = xlsx.to_feature_table(&names, Some(MOLDING_TARGET)).unwrap();
    assert_eq!(e.feature_names, names);
    assert_eq!(e.features.column(0), b.features.column(27));
    assert_eq!(e.target, b.target);
    assert_eq!(e.row_ids, b.row_ids);
}

#[test]
fn molding_xlsx_without_index_has_the_unnamed_column() {
    let xlsx = read(&bundled("molding/ikv_injection_molding.xlsx")).unwrap();
    assert_eq!(xlsx.column_names().len(), 37);
    assert_eq!(xlsx.column_names()[0], "Unnamed: 0");
    assert_eq!(xlsx.index_name(), None);
    let m = common::message(
        &xlsx.to_training_table(MOLDING_TARGET, &[]).unwrap_err(),
        Some(&bundled("molding/ikv_injection_molding.xlsx")),
    );
    // All text columns are named at once, the first with its first cell.
    assert!(
        m.contains("feature column 'MoldName' is not numeric: data row 1 (cell Sheet1!C2) holds text \"1x1_Original\"; leave them out with --drop MoldName,BrickType,Variant,Variant_en"),
        "{m}"
    );
}

#[test]
fn concrete_csv_and_xlsx_agree() {
    let target = "Compressive strength (MPa)";
    let csv = read(&bundled("concrete/concrete.csv")).unwrap();
    let xlsx = read_table(&bundled("concrete/concrete.xlsx"), &index0()).unwrap();
    assert_eq!(csv.n_rows(), 1030);
    assert_eq!(csv.column_names(), xlsx.column_names());
    let a = csv.to_training_table(target, &[]).unwrap();
    let b = xlsx.to_training_table(target, &[]).unwrap();
    assert_eq!(a.features.dim(), (1030, 8));
    assert_eq!(a.feature_names[7], "Age (day)");
    assert_same_up_to_16_digits(&a, &b);
    assert_eq!(
        a.features.row(0).to_vec(),
        vec![540.0, 0.0, 0.0, 162.0, 2.5, 1040.0, 676.0, 28.0]
    );
    assert_eq!(a.target.as_ref().unwrap()[0], 79.98611076);
}
