//! Text columns as categorical features: [`RawTable::to_training_table_categorical`] one-hot
//! encodes the feature columns that hold labels (mostly text) instead of refusing them, and
//! [`RawTable::to_feature_table_encoded`] encodes another table the same way for a trained
//! model.
//!
//! Why one-hot for both the forest and the MLP: it is the encoding both learners can use
//! without an invented order between categories, and it keeps explanations exact per column:
//! the SHAP value of a categorical column is the sum of its indicators' values, which still
//! adds up to the prediction ([`glassbox_core::FeatureGroups`]). Ordinal codes would make the
//! forest split on an arbitrary order and the MLP read distances between labels.

use glassbox_core::ndarray::{Array2, Axis};
use glassbox_core::{OneHotColumn, Table};

use crate::cell::Cell;
use crate::error::DataError;
use crate::raw_table::RawTable;

/// Most categories a text column may have to become a categorical feature; a column with more
/// distinct labels is more likely an id or free text, and is refused (name it in `--drop`).
pub const MAX_CATEGORIES: usize = 100;

impl RawTable {
    /// [`RawTable::to_training_table`] with text columns as categorical features: a feature
    /// column whose cells are mostly text (more text or boolean cells than numbers; numbers in
    /// it count as their labels, e.g. `2`) is one-hot encoded into indicator features
    /// `column=category` in its place, categories sorted. Returns the table and the encoded
    /// columns, in feature order.
    ///
    /// Errors, naming the file, column and cell: a missing value in a categorical column (fill
    /// it in, e.g. with `unknown`), more than [`MAX_CATEGORIES`] labels or a different label in
    /// every row (an id), a date or spreadsheet
    /// error cell; and everything [`RawTable::to_training_table`] refuses for the other
    /// columns (a mostly numeric column with a stray text cell is reported as not numeric).
    pub fn to_training_table_categorical(
        &self,
        target: &str,
        drop: &[String],
    ) -> Result<(Table, Vec<OneHotColumn>), DataError> {
        let (features, target_pos) = self.training_columns(target, drop)?;
        let mut onehot = Vec::new();
        for &j in &features {
            if self.is_label_column(j) {
                onehot.push((j, self.categories(j)?));
            }
        }
        let numeric: Vec<usize> = features
            .iter()
            .copied()
            .filter(|j| !onehot.iter().any(|(c, _)| c == j))
            .collect();
        let table = self.build(&numeric, Some(target_pos), &crate::select::drop_advice)?;
        let encoded = self.splice(&table, &features, &onehot)?;
        Ok((encoded, onehot.into_iter().map(|(_, c)| c).collect()))
    }

    /// The table for explaining a model trained on `columns` (the table's feature columns, in
    /// order) of which `onehot` are categorical: numeric columns as
    /// [`RawTable::to_feature_table`] reads them, categorical ones one-hot encoded into the
    /// model's indicator features (all 0 for a category the model has not seen).
    pub fn to_feature_table_encoded(
        &self,
        columns: &[String],
        onehot: &[OneHotColumn],
        target: Option<&str>,
    ) -> Result<Table, DataError> {
        let features = columns
            .iter()
            .map(|n| self.find(n, "feature column"))
            .collect::<Result<Vec<_>, _>>()?;
        let encoded: Vec<(usize, OneHotColumn)> = features
            .iter()
            .zip(columns)
            .filter_map(|(&j, name)| {
                onehot
                    .iter()
                    .find(|c| &c.column == name)
                    .map(|c| (j, c.clone()))
            })
            .collect();
        let numeric: Vec<String> = columns
            .iter()
            .filter(|n| !onehot.iter().any(|c| &c.column == *n))
            .cloned()
            .collect();
        let table = self.to_feature_table(&numeric, target)?;
        self.splice(&table, &features, &encoded)
    }

    /// True when column `j` holds labels: more text or boolean cells than numbers.
    fn is_label_column(&self, j: usize) -> bool {
        let (mut text, mut numbers) = (0usize, 0usize);
        for c in &self.columns[j] {
            match c {
                Cell::Text(_) | Cell::Bool(_) => text += 1,
                Cell::Number(_) => numbers += 1,
                _ => {}
            }
        }
        text > numbers
    }

    /// Every cell of label column `j` as its label; errors at the first cell without one.
    fn labels(&self, j: usize) -> Result<Vec<String>, DataError> {
        self.columns[j]
            .iter()
            .enumerate()
            .map(|(row, c)| match c {
                Cell::Text(_) | Cell::Number(_) => Ok(c.to_label()),
                Cell::Bool(b) => Ok(if *b { "TRUE" } else { "FALSE" }.to_string()),
                other => Err(DataError::Categorical {
                    path: self.path.clone(),
                    column: self.names[j].clone(),
                    location: self.locate(row, j),
                    problem: format!(
                        "holds {}, but a categorical column needs a label in every cell; fill \
                         it in (e.g. with 'unknown') or leave the column out with --drop",
                        other.describe()
                    ),
                }),
            })
            .collect()
    }

    /// The sorted distinct labels of column `j`: at most [`MAX_CATEGORIES`], and fewer than
    /// the rows (a label per row is an id).
    fn categories(&self, j: usize) -> Result<OneHotColumn, DataError> {
        let mut categories = self.labels(j)?;
        categories.sort();
        categories.dedup();
        let n = categories.len();
        let problem = if n > MAX_CATEGORIES {
            Some(format!(
                "has {n} distinct text values, more than the {MAX_CATEGORIES} a categorical \
                 feature may have (an id or free text?); leave it out with --drop"
            ))
        } else if n == self.n_rows() && n > 1 {
            Some(format!(
                "has a different text value in each of its {n} rows: an id, not a category; \
                 leave it out with --drop"
            ))
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(DataError::Categorical {
                path: self.path.clone(),
                column: self.names[j].clone(),
                location: "the column".into(),
                problem,
            });
        }
        Ok(OneHotColumn {
            column: self.names[j].clone(),
            categories,
        })
    }

    /// `numeric` (the non-categorical `features`, in order) with the indicator columns of
    /// `onehot` spliced in at their columns' places.
    fn splice(
        &self,
        numeric: &Table,
        features: &[usize],
        onehot: &[(usize, OneHotColumn)],
    ) -> Result<Table, DataError> {
        let n = self.n_rows();
        let width: usize = features
            .iter()
            .map(|j| {
                onehot
                    .iter()
                    .find(|(c, _)| c == j)
                    .map_or(1, |(_, c)| c.categories.len())
            })
            .sum();
        let mut matrix = Array2::<f64>::zeros((n, width));
        let mut names = Vec::with_capacity(width);
        let (mut out, mut next_numeric) = (0, 0);
        for &j in features {
            match onehot.iter().find(|(c, _)| *c == j) {
                Some((_, c)) => {
                    for (row, label) in self.labels(j)?.iter().enumerate() {
                        if let Ok(k) = c.categories.binary_search(label) {
                            matrix[[row, out + k]] = 1.0;
                        }
                    }
                    names.extend(c.indicator_names());
                    out += c.categories.len();
                }
                None => {
                    matrix
                        .column_mut(out)
                        .assign(&numeric.features.index_axis(Axis(1), next_numeric));
                    names.push(numeric.feature_names[next_numeric].clone());
                    next_numeric += 1;
                    out += 1;
                }
            }
        }
        Ok(Table::new(
            names,
            matrix,
            numeric.target_name.clone(),
            numeric.target.clone(),
            self.row_ids.clone(),
        )?)
    }
}
