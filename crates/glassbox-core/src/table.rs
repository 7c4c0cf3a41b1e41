//! [`Table`]: named numeric features with an optional target.

use ndarray::{Array1, Array2, Axis};

use crate::CoreError;

/// A numeric table ready for a model: every value finite, one name per feature column.
///
/// Produced by `glassbox-data` from CSV/XLSX files after the target has been picked and
/// non-feature columns dropped.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// Feature column names, one per column of `features`.
    pub feature_names: Vec<String>,
    /// Feature values, shape (samples, features).
    pub features: Array2<f64>,
    /// Name of the target column, if the table has one.
    pub target_name: Option<String>,
    /// Target values, shape (samples,), if the table has one.
    pub target: Option<Array1<f64>>,
    /// One label per row: the index column's values if the file had one, else the 0-based row
    /// number as text.
    pub row_ids: Vec<String>,
}

impl Table {
    /// Builds a table, checking that names, rows and target agree in size and that all values
    /// are finite.
    pub fn new(
        feature_names: Vec<String>,
        features: Array2<f64>,
        target_name: Option<String>,
        target: Option<Array1<f64>>,
        row_ids: Vec<String>,
    ) -> Result<Self, CoreError> {
        Self::build(feature_names, features, target_name, target, row_ids, false)
    }

    /// Like [`Table::new`], but feature values may be NaN, meaning *missing*: for models that
    /// route missing values themselves (imported XGBoost and LightGBM trees have a default
    /// direction per split). Infinite values and a non-finite target are still refused.
    pub fn new_with_missing(
        feature_names: Vec<String>,
        features: Array2<f64>,
        target_name: Option<String>,
        target: Option<Array1<f64>>,
        row_ids: Vec<String>,
    ) -> Result<Self, CoreError> {
        Self::build(feature_names, features, target_name, target, row_ids, true)
    }

    fn build(
        feature_names: Vec<String>,
        features: Array2<f64>,
        target_name: Option<String>,
        target: Option<Array1<f64>>,
        row_ids: Vec<String>,
        allow_missing: bool,
    ) -> Result<Self, CoreError> {
        let (n, m) = features.dim();
        if feature_names.len() != m {
            return Err(CoreError::Shape {
                what: "table feature names".into(),
                expected: format!("{m} names"),
                got: feature_names.len().to_string(),
            });
        }
        if row_ids.len() != n {
            return Err(CoreError::Shape {
                what: "table row ids".into(),
                expected: format!("{n} ids"),
                got: row_ids.len().to_string(),
            });
        }
        if let Some(t) = &target
            && t.len() != n
        {
            return Err(CoreError::Shape {
                what: "table target".into(),
                expected: format!("{n} values"),
                got: t.len().to_string(),
            });
        }
        for ((row, column), &value) in features.indexed_iter() {
            if !(value.is_finite() || allow_missing && value.is_nan()) {
                return Err(CoreError::NonFinite {
                    what: "features".into(),
                    row,
                    column,
                    value,
                });
            }
        }
        if let Some(t) = &target {
            for (row, &value) in t.iter().enumerate() {
                if !value.is_finite() {
                    return Err(CoreError::NonFinite {
                        what: "target".into(),
                        row,
                        column: 0,
                        value,
                    });
                }
            }
        }
        Ok(Table {
            feature_names,
            features,
            target_name,
            target,
            row_ids,
        })
    }

    /// Number of rows.
    pub fn n_samples(&self) -> usize {
        self.features.nrows()
    }

    /// Number of feature columns.
    pub fn n_features(&self) -> usize {
        self.features.ncols()
    }

    /// The rows at `indices`, in that order (used for train/test splits).
    pub fn select_rows(&self, indices: &[usize]) -> Table {
        Table {
            feature_names: self.feature_names.clone(),
            features: self.features.select(Axis(0), indices),
            target_name: self.target_name.clone(),
            target: self.target.as_ref().map(|t| t.select(Axis(0), indices)),
            row_ids: indices.iter().map(|&i| self.row_ids[i].clone()).collect(),
        }
    }

    /// Position of a feature by exact name.
    pub fn feature_index(&self, name: &str) -> Option<usize> {
        self.feature_names.iter().position(|n| n == name)
    }
}
