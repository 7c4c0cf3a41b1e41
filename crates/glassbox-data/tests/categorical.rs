//! Text columns as categorical features: one-hot indicators in place of the column (categories
//! sorted), the same encoding for a later table (unseen categories all 0), and clear errors for
//! cells without a label, too many labels, and stray text in a numeric column.

use std::path::PathBuf;

use glassbox_data::{DataError, MAX_CATEGORIES, ReadOptions, read_table};

fn csv(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

const TRAIN: &str = "a,colour,b,y\n1,red,10,5\n2,blue,20,6\n3,red,30,7\n4,green,40,8\n";

#[test]
fn text_columns_become_sorted_indicators_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let raw = read_table(&csv(&dir, "t.csv", TRAIN), &ReadOptions::default()).unwrap();
    let (table, onehot) = raw.to_training_table_categorical("y", &[]).unwrap();
    assert_eq!(
        table.feature_names,
        ["a", "colour=blue", "colour=green", "colour=red", "b"]
    );
    assert_eq!(onehot.len(), 1);
    assert_eq!(onehot[0].column, "colour");
    assert_eq!(onehot[0].categories, ["blue", "green", "red"]);
    let rows: Vec<Vec<f64>> = table
        .features
        .rows()
        .into_iter()
        .map(|r| r.to_vec())
        .collect();
    assert_eq!(
        rows,
        [
            [1.0, 0.0, 0.0, 1.0, 10.0],
            [2.0, 1.0, 0.0, 0.0, 20.0],
            [3.0, 0.0, 0.0, 1.0, 30.0],
            [4.0, 0.0, 1.0, 0.0, 40.0],
        ]
    );
    assert_eq!(
        table.target.as_ref().unwrap().to_vec(),
        [5.0, 6.0, 7.0, 8.0]
    );
    // Dropping the column leaves an all-numeric table, as before.
    let (plain, none) = raw
        .to_training_table_categorical("y", &["colour".to_string()])
        .unwrap();
    assert!(none.is_empty());
    assert_eq!(plain.feature_names, ["a", "b"]);
    // The numeric-only reader still refuses the text column, naming it.
    let err = raw.to_training_table("y", &[]).unwrap_err().to_string();
    assert!(err.contains("'colour' is not numeric"), "{err}");

    // A later table: the model's columns by name, in the model's order; an unseen category
    // sets no indicator.
    let later = read_table(
        &csv(&dir, "later.csv", "b,colour,a\n50,purple,5\n60,green,6\n"),
        &ReadOptions::default(),
    )
    .unwrap();
    let columns = ["a".to_string(), "colour".to_string(), "b".to_string()];
    let encoded = later
        .to_feature_table_encoded(&columns, &onehot, None)
        .unwrap();
    assert_eq!(encoded.feature_names, table.feature_names);
    let rows: Vec<Vec<f64>> = encoded
        .features
        .rows()
        .into_iter()
        .map(|r| r.to_vec())
        .collect();
    assert_eq!(
        rows,
        [[5.0, 0.0, 0.0, 0.0, 50.0], [6.0, 0.0, 1.0, 0.0, 60.0]]
    );
}

#[test]
fn labels_may_be_numbers_in_a_mostly_text_column() {
    let dir = tempfile::tempdir().unwrap();
    let text = "kind,y\nA,1\nB,2\n7,3\nA,4\n";
    let raw = read_table(&csv(&dir, "k.csv", text), &ReadOptions::default()).unwrap();
    let (table, onehot) = raw.to_training_table_categorical("y", &[]).unwrap();
    assert_eq!(onehot[0].categories, ["7", "A", "B"]);
    assert_eq!(table.feature_names, ["kind=7", "kind=A", "kind=B"]);
}

#[test]
fn cells_without_a_label_and_too_many_labels_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    // An empty cell in a categorical column names the row and line.
    let raw = read_table(
        &csv(&dir, "e.csv", "colour,y\nred,1\n,2\nblue,3\n"),
        &ReadOptions::default(),
    )
    .unwrap();
    let err = raw.to_training_table_categorical("y", &[]).unwrap_err();
    assert!(matches!(err, DataError::Categorical { .. }), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("categorical column 'colour'"), "{msg}");
    assert!(msg.contains("data row 2 (line 3)"), "{msg}");
    assert!(msg.contains("fill it in"), "{msg}");
    // More distinct labels than MAX_CATEGORIES: an id, refused with the advice to drop it.
    let mut ids = String::from("id,y\n");
    for i in 0..=MAX_CATEGORIES {
        ids.push_str(&format!("part-{i},{i}\n"));
    }
    let raw = read_table(&csv(&dir, "ids.csv", &ids), &ReadOptions::default()).unwrap();
    let msg = raw
        .to_training_table_categorical("y", &[])
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains(&format!("{} distinct text values", MAX_CATEGORIES + 1)),
        "{msg}"
    );
    assert!(msg.contains("--drop"), "{msg}");
    // A different label in every row is an id.
    let raw = read_table(
        &csv(
            &dir,
            "names.csv",
            "name,y
x,1
y,2
z,3
",
        ),
        &ReadOptions::default(),
    )
    .unwrap();
    let msg = raw
        .to_training_table_categorical("y", &[])
        .unwrap_err()
        .to_string();
    assert!(msg.contains("an id, not a category"), "{msg}");
    // A mostly numeric column with a stray text cell is a typo, not a category.
    let raw = read_table(
        &csv(&dir, "typo.csv", "t,y\n1.5,1\n2.5,2\n3,3\nx7,4\n"),
        &ReadOptions::default(),
    )
    .unwrap();
    let msg = raw
        .to_training_table_categorical("y", &[])
        .unwrap_err()
        .to_string();
    assert!(msg.contains("'t' is not numeric"), "{msg}");
    assert!(msg.contains("data row 4"), "{msg}");
}
