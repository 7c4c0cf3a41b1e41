//! Min-max feature scaling, fitted on training rows and stored with the model.

use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::CoreError;

/// Maps each feature to `[0, 1]` over the rows it was fitted on: `(x - min) / (max - min)`.
///
/// As in scikit-learn's `MinMaxScaler`, a constant column (max == min) maps to 0. Rows outside
/// the fitted range (e.g. test rows) map outside `[0, 1]`; that is intended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MinMaxScaler {
    /// Per-feature minimum over the fitting rows.
    pub min: Vec<f64>,
    /// Per-feature maximum over the fitting rows.
    pub max: Vec<f64>,
}

impl MinMaxScaler {
    /// Fits on `x`, shape (samples, features). Errors on an empty or non-finite input.
    pub fn fit(x: ArrayView2<'_, f64>) -> Result<Self, CoreError> {
        if x.nrows() == 0 {
            return Err(CoreError::InvalidArgument(
                "cannot fit a scaler on zero rows".into(),
            ));
        }
        let m = x.ncols();
        let mut min = vec![f64::INFINITY; m];
        let mut max = vec![f64::NEG_INFINITY; m];
        for ((row, column), &v) in x.indexed_iter() {
            if !v.is_finite() {
                return Err(CoreError::NonFinite {
                    what: "scaler input".into(),
                    row,
                    column,
                    value: v,
                });
            }
            min[column] = min[column].min(v);
            max[column] = max[column].max(v);
        }
        Ok(MinMaxScaler { min, max })
    }

    /// Number of features the scaler was fitted on.
    pub fn n_features(&self) -> usize {
        self.min.len()
    }

    /// Scales `x`, shape (samples, features), into a new array of the same shape.
    pub fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>, CoreError> {
        if x.ncols() != self.n_features() {
            return Err(CoreError::Shape {
                what: "scaler input (samples, features)".into(),
                expected: format!("{} features", self.n_features()),
                got: format!("{} features", x.ncols()),
            });
        }
        let mut out = x.to_owned();
        for mut row in out.rows_mut() {
            for (j, v) in row.iter_mut().enumerate() {
                let range = self.max[j] - self.min[j];
                *v = if range > 0.0 {
                    (*v - self.min[j]) / range
                } else {
                    0.0
                };
            }
        }
        Ok(out)
    }

    /// Maps scaled values `x`, shape (samples, features), back to the original units:
    /// [`MinMaxScaler::inverse_value`] of every cell. Errors if the feature count differs.
    pub fn inverse_transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>, CoreError> {
        if x.ncols() != self.n_features() {
            return Err(CoreError::Shape {
                what: "scaled input (samples, features)".into(),
                expected: format!("{} features", self.n_features()),
                got: format!("{} features", x.ncols()),
            });
        }
        let mut out = x.to_owned();
        for mut row in out.rows_mut() {
            for (j, v) in row.iter_mut().enumerate() {
                *v = self.inverse_value(j, *v);
            }
        }
        Ok(out)
    }

    /// Maps scaled value `v` of feature `j` back to the original units: `min + v * (max - min)`.
    /// A constant column (max == min) maps back to its min whatever `v` is.
    ///
    /// # Panics
    /// If `j` is not below [`MinMaxScaler::n_features`].
    pub fn inverse_value(&self, j: usize, v: f64) -> f64 {
        let range = self.max[j] - self.min[j];
        if range > 0.0 {
            self.min[j] + v * range
        } else {
            self.min[j]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn scales_train_to_unit_interval_and_constant_to_zero() {
        let x = array![[1.0, 5.0, 2.0], [3.0, 5.0, 4.0], [2.0, 5.0, 0.0]];
        let s = MinMaxScaler::fit(x.view()).unwrap();
        let t = s.transform(x.view()).unwrap();
        assert_eq!(t, array![[0.0, 0.0, 0.5], [1.0, 0.0, 1.0], [0.5, 0.0, 0.0]]);
        let outside = s.transform(array![[5.0, 6.0, -2.0]].view()).unwrap();
        assert_eq!(outside, array![[2.0, 0.0, -0.5]]);
        assert!(s.transform(array![[1.0, 2.0]].view()).is_err());
    }

    #[test]
    fn inverse_round_trips_and_maps_constant_columns_to_their_min() {
        let mut rng = crate::rng::Rng::new(3);
        let x = ndarray::Array2::from_shape_fn((40, 3), |(_, j)| match j {
            0 => rng.uniform(-5.0, 20.0),
            1 => 7.5,
            _ => rng.uniform(1e3, 1e4),
        });
        let s = MinMaxScaler::fit(x.view()).unwrap();
        let back = s
            .inverse_transform(s.transform(x.view()).unwrap().view())
            .unwrap();
        for (a, b) in back.iter().zip(&x) {
            assert!((a - b).abs() <= 1e-12 * b.abs().max(1.0), "{a} vs {b}");
        }
        assert_eq!(back.column(1).to_vec(), vec![7.5; 40]);
        assert_eq!(s.inverse_value(1, 0.9), 7.5);
        assert_eq!(s.inverse_value(0, 0.0), s.min[0]);
        assert!((s.inverse_value(0, 1.0) - s.max[0]).abs() < 1e-12);
        let mid = s.min[2] + 0.5 * (s.max[2] - s.min[2]);
        assert_eq!(s.inverse_value(2, 0.5), mid);
        assert!(s.inverse_transform(array![[0.5, 0.5]].view()).is_err());
    }
}
