//! DeepSHAP, Integrated Gradients, GradientSHAP: attributions for differentiable models, seen
//! through core's [`glassbox_core::differentiable`] capability traits.
//!
//! All three return values of shape (samples, features, outputs) with base values
//! (samples, outputs) as [`crate::ShapValues`]; the two path methods also report their
//! completeness gap (how far `base + sum(values)` is from the model output).

pub mod deep_shap;
pub mod gradient_shap;
pub mod integrated_gradients;

pub use deep_shap::deep_shap;
pub use gradient_shap::{GradientShapOptions, gradient_shap};
pub use integrated_gradients::{
    GradientAttributions, IntegratedGradientsOptions, Riemann, integrated_gradients,
};

use glassbox_core::CoreError;
use glassbox_core::ndarray::ArrayView2;

use crate::ExplainError;

/// Points (rows × samples per row) evaluated in one model call: large enough to amortise the
/// per-call cost, small enough to stay in cache and to give rayon several blocks.
pub(crate) const POINTS_PER_BLOCK: usize = 4096;

/// Checks that `a`, shape (rows, features), has `n_features` columns, at least one row when
/// `non_empty`, and only finite values; `what` names the array in errors.
pub(crate) fn check_rows(
    a: ArrayView2<'_, f64>,
    n_features: usize,
    what: &str,
    non_empty: bool,
) -> Result<(), ExplainError> {
    if a.ncols() != n_features {
        return Err(CoreError::Shape {
            what: format!("{what} (rows, features)"),
            expected: format!("{n_features} features, as the model"),
            got: format!("{} features", a.ncols()),
        }
        .into());
    }
    if non_empty && a.nrows() == 0 {
        return Err(ExplainError::InvalidArgument(format!(
            "{what} has no rows; at least one is needed"
        )));
    }
    if let Some(((row, column), &value)) = a.indexed_iter().find(|(_, v)| !v.is_finite()) {
        return Err(CoreError::NonFinite {
            what: what.into(),
            row,
            column,
            value,
        }
        .into());
    }
    Ok(())
}
