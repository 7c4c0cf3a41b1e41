//! [`Explanation`]: feature attributions with base values; [`SaliencyMap`] for images.

use ndarray::{Array2, Array3, ArrayView2, Axis};

use crate::CoreError;

/// Additive feature attributions for a batch of rows.
///
/// Invariant (local accuracy, for SHAP-family methods):
/// `base_values[[i, k]] + sum_j values[[i, j, k]] == f_k(x_i)`; see
/// [`Explanation::check_local_accuracy`].
#[derive(Clone, Debug, PartialEq)]
pub struct Explanation {
    /// Attribution values, shape (samples, features, outputs).
    pub values: Array3<f64>,
    /// Base value per row and output, shape (samples, outputs) (the expected model output under
    /// the method's reference distribution).
    pub base_values: Array2<f64>,
    /// Feature values shown beside the attributions (in the user's units, for plots),
    /// shape (samples, features).
    pub data: Array2<f64>,
    /// Feature names, one per feature.
    pub feature_names: Vec<String>,
    /// Output names, one per output (e.g. the target name, or class names).
    pub output_names: Vec<String>,
    /// The method that produced the values, e.g. `"tree-shap"`.
    pub method: String,
    /// Per feature, its category labels when it is categorical (its `data` is then the index
    /// of the row's category, NaN for one the model has not seen), `None` for numeric features;
    /// one entry per feature ([`Explanation::new`] makes every feature numeric; see
    /// [`Explanation::with_categories`]).
    pub categories: Vec<Option<Vec<String>>>,
}

impl Explanation {
    /// Builds an explanation after checking that all shapes agree.
    pub fn new(
        values: Array3<f64>,
        base_values: Array2<f64>,
        data: Array2<f64>,
        feature_names: Vec<String>,
        output_names: Vec<String>,
        method: impl Into<String>,
    ) -> Result<Self, CoreError> {
        let (n, m, k) = values.dim();
        let shape_err = |what: &str, expected: String, got: String| {
            Err(CoreError::Shape {
                what: what.into(),
                expected,
                got,
            })
        };
        if base_values.dim() != (n, k) {
            return shape_err(
                "base values (samples, outputs)",
                format!("({n}, {k})"),
                format!("{:?}", base_values.dim()),
            );
        }
        if data.dim() != (n, m) {
            return shape_err(
                "explained data (samples, features)",
                format!("({n}, {m})"),
                format!("{:?}", data.dim()),
            );
        }
        if feature_names.len() != m {
            return shape_err(
                "feature names",
                format!("{m}"),
                feature_names.len().to_string(),
            );
        }
        if output_names.len() != k {
            return shape_err(
                "output names",
                format!("{k}"),
                output_names.len().to_string(),
            );
        }
        Ok(Explanation {
            values,
            base_values,
            data,
            categories: vec![None; feature_names.len()],
            feature_names,
            output_names,
            method: method.into(),
        })
    }

    /// The same explanation with `categories` (one entry per feature, see
    /// [`Explanation::categories`]). Errors on a length mismatch.
    pub fn with_categories(
        mut self,
        categories: Vec<Option<Vec<String>>>,
    ) -> Result<Self, CoreError> {
        if categories.len() != self.n_features() {
            return Err(CoreError::Shape {
                what: "feature categories".into(),
                expected: format!("{} entries, one per feature", self.n_features()),
                got: format!("{} entries", categories.len()),
            });
        }
        self.categories = categories;
        Ok(self)
    }

    /// The label of row `row`'s value of categorical feature `j` (`unseen` for a category the
    /// model has not seen); `None` for a numeric feature.
    pub fn category_label(&self, row: usize, j: usize) -> Option<String> {
        let labels = self.categories.get(j)?.as_ref()?;
        let v = self.data[[row, j]];
        Some(
            if v >= 0.0 && (v as usize) < labels.len() && v.fract() == 0.0 {
                labels[v as usize].clone()
            } else {
                "unseen".to_string()
            },
        )
    }

    /// Number of explained rows.
    pub fn n_samples(&self) -> usize {
        self.values.dim().0
    }

    /// Number of features.
    pub fn n_features(&self) -> usize {
        self.values.dim().1
    }

    /// Number of outputs.
    pub fn n_outputs(&self) -> usize {
        self.values.dim().2
    }

    /// `base + sum of values` per row and output, shape (samples, outputs).
    pub fn reconstructed_output(&self) -> Array2<f64> {
        &self.base_values + &self.values.sum_axis(Axis(1))
    }

    /// Mean absolute attribution per feature for output `k`, length (features,).
    pub fn mean_abs(&self, k: usize) -> Vec<f64> {
        let n = self.n_samples().max(1) as f64;
        (0..self.n_features())
            .map(|j| {
                self.values
                    .index_axis(Axis(1), j)
                    .column(k)
                    .iter()
                    .map(|v| v.abs())
                    .sum::<f64>()
                    / n
            })
            .collect()
    }

    /// Checks local accuracy against `predictions`, shape (samples, outputs):
    /// `|base + sum(values) - f| <= rtol * scale` for every row and output, where
    /// `scale = max(|f|, |base|, sum_j |values_j|, f64::MIN_POSITIVE)` makes the tolerance
    /// relative to the magnitudes actually added up. Returns the first violation.
    pub fn check_local_accuracy(
        &self,
        predictions: ArrayView2<'_, f64>,
        rtol: f64,
    ) -> Result<(), CoreError> {
        let mut first = None;
        self.for_each_local_accuracy_error(predictions, |row, output, f, got, rel_err| {
            // Written so that a NaN error also fails.
            if first.is_none() && (rel_err.is_nan() || rel_err > rtol) {
                first = Some(CoreError::LocalAccuracy {
                    row,
                    output,
                    expected: f,
                    got,
                    rel_err,
                    rtol,
                });
            }
        })?;
        first.map_or(Ok(()), Err)
    }

    /// The largest relative local-accuracy error over all rows and outputs (see
    /// [`Explanation::check_local_accuracy`] for the scale); NaN if any error is NaN.
    pub fn max_local_accuracy_error(
        &self,
        predictions: ArrayView2<'_, f64>,
    ) -> Result<f64, CoreError> {
        let mut max = 0.0f64;
        self.for_each_local_accuracy_error(predictions, |_, _, _, _, rel_err| {
            if rel_err.is_nan() || max.is_nan() {
                max = f64::NAN;
            } else {
                max = max.max(rel_err);
            }
        })?;
        Ok(max)
    }

    fn for_each_local_accuracy_error(
        &self,
        predictions: ArrayView2<'_, f64>,
        mut visit: impl FnMut(usize, usize, f64, f64, f64),
    ) -> Result<(), CoreError> {
        let (n, m, k) = self.values.dim();
        if predictions.dim() != (n, k) {
            return Err(CoreError::Shape {
                what: "predictions (samples, outputs)".into(),
                expected: format!("({n}, {k})"),
                got: format!("{:?}", predictions.dim()),
            });
        }
        for i in 0..n {
            for o in 0..k {
                let base = self.base_values[[i, o]];
                let mut sum = base;
                let mut abs_sum = 0.0;
                for j in 0..m {
                    let v = self.values[[i, j, o]];
                    sum += v;
                    abs_sum += v.abs();
                }
                let f = predictions[[i, o]];
                let scale = f.abs().max(base.abs()).max(abs_sum).max(f64::MIN_POSITIVE);
                visit(i, o, f, sum, (sum - f).abs() / scale);
            }
        }
        Ok(())
    }
}

/// Saliency maps for a batch of images: one map per image for one class each.
#[derive(Clone, Debug, PartialEq)]
pub struct SaliencyMap {
    /// Map values, shape (samples, H, W).
    pub maps: Array3<f64>,
    /// The class each map explains, length (samples,).
    pub class_index: Vec<usize>,
    /// The method that produced the maps, e.g. `"grad-cam"`.
    pub method: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array3, array};

    fn expl() -> Explanation {
        let values = Array3::from_shape_vec((2, 2, 1), vec![1.0, 2.0, -1.0, 0.5]).unwrap();
        Explanation::new(
            values,
            array![[10.0], [10.0]],
            array![[0.0, 1.0], [2.0, 3.0]],
            vec!["a".into(), "b".into()],
            vec!["y".into()],
            "test",
        )
        .unwrap()
    }

    #[test]
    fn local_accuracy_passes_on_exact_values() {
        let e = expl();
        e.check_local_accuracy(array![[13.0], [9.5]].view(), 1e-9)
            .unwrap();
        assert_eq!(e.mean_abs(0), vec![1.0, 1.25]);
    }

    #[test]
    fn local_accuracy_check_fails_on_corrupted_values() {
        let mut e = expl();
        e.values[[1, 0, 0]] += 1e-6;
        let err = e
            .check_local_accuracy(array![[13.0], [9.5]].view(), 1e-9)
            .unwrap_err();
        assert!(
            matches!(
                err,
                CoreError::LocalAccuracy {
                    row: 1,
                    output: 0,
                    ..
                }
            ),
            "{err}"
        );
        assert!(
            e.max_local_accuracy_error(array![[13.0], [9.5]].view())
                .unwrap()
                > 1e-8
        );
        e.values[[1, 0, 0]] = f64::NAN;
        assert!(
            e.max_local_accuracy_error(array![[13.0], [9.5]].view())
                .unwrap()
                .is_nan()
        );
        assert!(
            e.check_local_accuracy(array![[13.0], [9.5]].view(), 1e-9)
                .is_err()
        );
    }

    #[test]
    fn shapes_are_validated() {
        let values = Array3::<f64>::zeros((2, 2, 1));
        assert!(
            Explanation::new(
                values,
                array![[0.0]],
                array![[0.0, 0.0], [0.0, 0.0]],
                vec!["a".into(), "b".into()],
                vec!["y".into()],
                "t"
            )
            .is_err()
        );
    }
}
