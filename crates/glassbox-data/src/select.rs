//! From a [`RawTable`] to a model-ready [`Table`]: choosing the target and features and checking
//! that every value used is a finite number.

use glassbox_core::Table;
use glassbox_core::ndarray::{Array1, Array2};

use crate::cell::Cell;
use crate::error::DataError;
use crate::raw_table::RawTable;
use crate::suggest::closest_name;

/// Whether a column is being read as a feature or as the target (changes the messages).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Feature,
    Target,
}

impl Role {
    fn column(self) -> &'static str {
        match self {
            Role::Feature => "feature column",
            Role::Target => "target column",
        }
    }

    fn word(self) -> &'static str {
        match self {
            Role::Feature => "feature",
            Role::Target => "target",
        }
    }
}

impl RawTable {
    /// The table for training: `target` as the target, and as features every other column in
    /// file order except those in `drop` (and the index column, which is never a feature).
    ///
    /// Names are matched exactly. Naming the index column or the target in `drop` is allowed
    /// and changes nothing. Errors: the target or a `drop` name is not a column (with the
    /// closest name as a suggestion), the target is the index column, no features are left,
    /// a feature or the target holds something other than a finite number (all non-numeric
    /// feature columns are listed in the suggested `--drop`).
    pub fn to_training_table(&self, target: &str, drop: &[String]) -> Result<Table, DataError> {
        let (features, target_pos) = self.training_columns(target, drop)?;
        self.build(&features, Some(target_pos), &drop_advice)
    }

    /// The feature columns (every column but the target, the index and `drop`, in file order)
    /// and the target column of a training table; errors as [`RawTable::to_training_table`].
    pub(crate) fn training_columns(
        &self,
        target: &str,
        drop: &[String],
    ) -> Result<(Vec<usize>, usize), DataError> {
        let target_pos = self.find(target, "target column")?;
        let mut dropped = vec![false; self.names.len()];
        for name in drop {
            if self.index_name.as_deref() == Some(name.as_str()) {
                continue;
            }
            dropped[self.find(name, "--drop column")?] = true;
        }
        let features: Vec<usize> = (0..self.names.len())
            .filter(|&j| j != target_pos && !dropped[j])
            .collect();
        if features.is_empty() {
            return Err(DataError::NoFeatures {
                path: self.path.clone(),
                target: target.to_string(),
                dropped: drop.to_vec(),
                available: self.names.clone(),
            });
        }
        Ok((features, target_pos))
    }

    /// The table for explaining a trained model: exactly the columns `feature_names`, in that
    /// order, found by name; all other columns (the target among them) are ignored. If `target`
    /// is given and the file has that column, it becomes the table's target (for metrics); if
    /// the file lacks it, the table has no target.
    pub fn to_feature_table(
        &self,
        feature_names: &[String],
        target: Option<&str>,
    ) -> Result<Table, DataError> {
        let features = feature_names
            .iter()
            .map(|n| self.find(n, "feature column"))
            .collect::<Result<Vec<_>, _>>()?;
        let target_pos = target.and_then(|t| self.position(t));
        let hint = |others: &[String]| {
            let mut s = "the model was trained on this column as numbers".to_string();
            if others.len() > 1 {
                s.push_str(&format!(
                    " (also not numeric: {})",
                    crate::error::quoted_list(&others[1..])
                ));
            }
            s
        };
        self.build(&features, target_pos, &hint)
    }

    /// Like [`RawTable::to_feature_table`], for models that handle missing values themselves
    /// (imported boosted trees): empty cells, missing-value markers (`NA`, `?`, ...) and `NaN`
    /// in feature columns become NaN instead of an error. Text and infinite values are still
    /// refused, and so is any missing target value.
    pub fn to_feature_table_with_missing(
        &self,
        feature_names: &[String],
        target: Option<&str>,
    ) -> Result<Table, DataError> {
        let features = feature_names
            .iter()
            .map(|n| self.find(n, "feature column"))
            .collect::<Result<Vec<_>, _>>()?;
        let target_pos = target.and_then(|t| self.position(t));
        for &j in &features {
            if let Some(row) = self.columns[j].iter().position(|c| c.is_non_numeric()) {
                return Err(self.not_numeric(
                    j,
                    row,
                    Role::Feature,
                    "the model was trained on this column as numbers".into(),
                ));
            }
        }
        let target_values = match target_pos {
            Some(t) => Some(Array1::from(self.finite_column(t, Role::Target)?)),
            None => None,
        };
        let mut matrix = Array2::<f64>::zeros((self.n_rows(), features.len()));
        for (k, &j) in features.iter().enumerate() {
            for (row, cell) in self.columns[j].iter().enumerate() {
                matrix[[row, k]] = match cell {
                    Cell::Number(v) if v.is_finite() || v.is_nan() => *v,
                    Cell::Empty | Cell::Missing(_) => f64::NAN,
                    other => {
                        return Err(DataError::NonFinite {
                            path: self.path.clone(),
                            role: Role::Feature.word(),
                            column: self.names[j].clone(),
                            location: self.locate(row, j),
                            found: other.describe(),
                        });
                    }
                };
            }
        }
        Ok(Table::new_with_missing(
            features.iter().map(|&j| self.names[j].clone()).collect(),
            matrix,
            target_pos.map(|t| self.names[t].clone()),
            target_values,
            self.row_ids.clone(),
        )?)
    }

    /// Looks a column up by exact name, explaining a miss.
    pub(crate) fn find(&self, name: &str, role: &'static str) -> Result<usize, DataError> {
        if let Some(j) = self.position(name) {
            return Ok(j);
        }
        if self.index_name.as_deref() == Some(name) {
            return Err(DataError::IsIndexColumn {
                path: self.path.clone(),
                role,
                name: name.to_string(),
            });
        }
        Err(DataError::ColumnNotFound {
            path: self.path.clone(),
            role,
            name: name.to_string(),
            suggestion: closest_name(name, &self.available()),
            available: self.available(),
        })
    }

    /// Converts the chosen columns. Checks every column for non-numeric cells first (they call
    /// for dropping a column, which fixes more than any single cell), target first, then for
    /// empty, missing and non-finite values. `feature_advice` gets the names of all non-numeric
    /// feature columns, the reported one first.
    pub(crate) fn build(
        &self,
        features: &[usize],
        target: Option<usize>,
        feature_advice: &dyn Fn(&[String]) -> String,
    ) -> Result<Table, DataError> {
        if let Some(t) = target
            && let Some(row) = self.columns[t].iter().position(|c| c.is_non_numeric())
        {
            return Err(self.not_numeric(
                t,
                row,
                Role::Target,
                "the target must be numeric (glassbox trains regressors)".into(),
            ));
        }
        let non_numeric: Vec<(usize, usize)> = features
            .iter()
            .filter_map(|&j| {
                self.columns[j]
                    .iter()
                    .position(|c| c.is_non_numeric())
                    .map(|row| (j, row))
            })
            .collect();
        if let Some(&(j, row)) = non_numeric.first() {
            let names: Vec<String> = non_numeric
                .iter()
                .map(|&(k, _)| self.names[k].clone())
                .collect();
            return Err(self.not_numeric(j, row, Role::Feature, feature_advice(&names)));
        }

        let target_values = match target {
            Some(t) => Some(Array1::from(self.finite_column(t, Role::Target)?)),
            None => None,
        };
        let n = self.n_rows();
        let mut matrix = Array2::<f64>::zeros((n, features.len()));
        for (k, &j) in features.iter().enumerate() {
            let values = self.finite_column(j, Role::Feature)?;
            matrix.column_mut(k).assign(&Array1::from(values));
        }
        let table = Table::new(
            features.iter().map(|&j| self.names[j].clone()).collect(),
            matrix,
            target.map(|t| self.names[t].clone()),
            target_values,
            self.row_ids.clone(),
        )?;
        Ok(table)
    }

    /// The column's values, or an error at the first cell that is not a finite number.
    fn finite_column(&self, j: usize, role: Role) -> Result<Vec<f64>, DataError> {
        self.columns[j]
            .iter()
            .enumerate()
            .map(|(row, c)| {
                c.as_finite().ok_or_else(|| DataError::NonFinite {
                    path: self.path.clone(),
                    role: role.word(),
                    column: self.names[j].clone(),
                    location: self.locate(row, j),
                    found: c.describe(),
                })
            })
            .collect()
    }

    fn not_numeric(&self, j: usize, row: usize, role: Role, advice: String) -> DataError {
        DataError::NotNumeric {
            path: self.path.clone(),
            role: role.column(),
            column: self.names[j].clone(),
            location: self.locate(row, j),
            found: self.columns[j][row].describe().into_boxed_str(),
            advice: advice.into_boxed_str(),
        }
    }
}

/// "leave it out with --drop MoldName", or for several columns "leave them out with
/// --drop MoldName,BrickType (also not numeric: 'BrickType')". The list is quoted for a shell
/// when a name needs it.
pub(crate) fn drop_advice(names: &[String]) -> String {
    let list = names.join(",");
    let plain = list
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_-.,".contains(c));
    let arg = if plain {
        list
    } else {
        format!("\"{}\"", list.replace('"', "\\\""))
    };
    if names.len() == 1 {
        format!("leave it out with --drop {arg}")
    } else {
        format!(
            "leave them out with --drop {arg} (also not numeric: {})",
            crate::error::quoted_list(&names[1..])
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drop_advice_quotes_when_needed() {
        assert_eq!(
            drop_advice(&["MoldName".into()]),
            "leave it out with --drop MoldName"
        );
        assert_eq!(
            drop_advice(&["Mold Name".into(), "b".into()]),
            "leave them out with --drop \"Mold Name,b\" (also not numeric: 'b')"
        );
    }
}
