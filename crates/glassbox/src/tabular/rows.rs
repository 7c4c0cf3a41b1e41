//! Which rows a tabular run reads: a run's train/test split, the background pool, another
//! table's rows for the background, and the target column of the explained rows.

use std::collections::HashMap;
use std::path::Path;

use glassbox_core::Table;
use glassbox_data::{RawTable, ReadOptions, read_table};

use crate::{Error, Model, Result};

/// The two sides of a run's train/test split.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SplitSet {
    /// The rows the model was fitted on.
    Train,
    /// The held-out rows.
    Test,
}

impl SplitSet {
    /// `train` or `test`, as in `split.csv`.
    pub fn name(self) -> &'static str {
        match self {
            SplitSet::Train => "train",
            SplitSet::Test => "test",
        }
    }
}

/// One line of `split.csv`: (row position, row id, set name).
type SplitLine = (usize, String, String);

fn read_split(path: &Path) -> Result<Vec<SplitLine>> {
    let mut reader = csv::Reader::from_path(path).map_err(|e| Error::Record {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let mut lines = Vec::new();
    for (line, record) in reader.records().enumerate() {
        let bad = |message: String| Error::Record {
            path: path.to_path_buf(),
            message,
        };
        let record = record.map_err(|e| bad(format!("malformed CSV: {e}")))?;
        let (Some(row), Some(id), Some(set)) = (record.get(0), record.get(1), record.get(2)) else {
            return Err(bad(format!(
                "line {} needs columns row,row_id,set",
                line + 2
            )));
        };
        let row: usize = row
            .parse()
            .map_err(|_| bad(format!("line {}: row '{row}' is not a number", line + 2)))?;
        lines.push((row, id.to_string(), set.to_string()));
    }
    Ok(lines)
}

/// Why `split` does not describe `row_ids`, or `None` when it lists exactly these rows.
fn split_mismatch(split: &[SplitLine], row_ids: &[String]) -> Option<String> {
    for (row, id, _) in split {
        if row_ids.get(*row) != Some(id) {
            return Some(format!(
                "row {row} has id '{id}' but the data has {}",
                row_ids
                    .get(*row)
                    .map_or("no such row".to_string(), |r| format!("'{r}'"))
            ));
        }
    }
    (split.len() != row_ids.len()).then(|| {
        format!(
            "lists {} rows but the data has {}",
            split.len(),
            row_ids.len()
        )
    })
}

/// The rows of `table` in the run's `set`, checking that `table` is the table the model was
/// trained on (same row count and row ids). Needs a model loaded from a run folder with
/// `split.csv`.
pub fn split_rows(model: &Model, table: &Table, set: SplitSet) -> Result<Table> {
    let set_name = set.name();
    let Some(dir) = model.run_dir() else {
        return Err(Error::Settings(if model.saved().is_some() {
            format!(
                "--rows {set_name} needs --model to be a run folder (with split.csv), not a file"
            )
        } else {
            format!(
                "--rows {set_name} needs a glassbox run folder; imported models are explained on every row"
            )
        }));
    };
    let path = dir.join("split.csv");
    let split = read_split(&path)?;
    if let Some(why) = split_mismatch(&split, &table.row_ids) {
        return Err(Error::Input(format!(
            "{}: {why}; explain --rows {set_name} needs the table the model was trained on",
            path.display()
        )));
    }
    let rows: Vec<usize> = split
        .iter()
        .filter(|(_, _, s)| s == set_name)
        .map(|(row, _, _)| *row)
        .collect();
    Ok(table.select_rows(&rows))
}

/// The rows background samples are drawn from: the run's training rows when the model comes
/// from a run folder whose `split.csv` lists exactly `table`'s rows (the table it was trained
/// on), else every row of `table`.
pub fn background_pool(model: &Model, table: &Table) -> Result<Table> {
    if let Some(dir) = model.run_dir() {
        let path = dir.join("split.csv");
        if path.is_file() {
            let split = read_split(&path)?;
            if split_mismatch(&split, &table.row_ids).is_none() {
                return split_rows(model, table, SplitSet::Train);
            }
        }
    }
    Ok(table.clone())
}

/// Reads a background table: the columns `model` reads (by name; text columns one-hot encoded
/// as the model was trained) of the table at `path`, read with `options` (sheet, index column)
/// like the explained table.
pub fn background_table(path: &Path, options: &ReadOptions, model: &Model) -> Result<Table> {
    let flag = "--background-data";
    let raw = read_table(path, options)
        .map_err(|e| Error::Input(format!("{flag} {}: {e}", path.display())))?;
    let table = model.feature_table(&raw, None).map_err(|e| {
        Error::Input(format!(
            "{flag} {}: needs the model's feature columns: {e}",
            path.display()
        ))
    })?;
    if table.n_samples() == 0 {
        return Err(Error::Input(format!("{flag} {}: no rows", path.display())));
    }
    Ok(table)
}

/// The target column `name` of `raw` for the rows of `rows` (matched by row id): what
/// permutation importance scores against. Missing feature cells (which imported models accept)
/// do not stop it; a missing target does.
pub fn target_values(raw: &RawTable, rows: &Table, name: &str) -> Result<Vec<f64>> {
    let data = raw.path().display();
    let table = raw
        .to_feature_table_with_missing(&[], Some(name))
        .map_err(|e| Error::Input(format!("{data}: target column '{name}': {e}")))?;
    let y = table.target.ok_or_else(|| {
        Error::Input(format!(
            "{data}: no target column '{name}' (permutation importance needs it; pass --target)"
        ))
    })?;
    let index: HashMap<&str, usize> = table
        .row_ids
        .iter()
        .enumerate()
        .map(|(i, r)| (r.as_str(), i))
        .collect();
    rows.row_ids
        .iter()
        .map(|r| {
            index
                .get(r.as_str())
                .map(|&i| y[i])
                .ok_or_else(|| Error::Input(format!("{data}: row '{r}' has no target")))
        })
        .collect()
}
