//! Gradient capabilities of differentiable models (neural networks), so that gradient-based
//! explainers (DeepSHAP, Integrated Gradients, GradientSHAP) depend on `glassbox-core` only.
//!
//! Both traits are batch-first and work in `f64`: whatever precision a model trains in, the
//! explainers need `f64` arithmetic so that attributions add up to the model output at a relative
//! tolerance of 1e-9. Outputs are selected one at a time (`output` in `0..n_outputs()`), because
//! a classifier is usually explained for one class; explaining every output is a loop.

use ndarray::{Array2, ArrayView2};

use crate::{CoreError, Predict};

/// A model whose outputs can be differentiated with respect to its inputs.
pub trait Differentiable: Predict {
    /// Gradients of output `output` with respect to the inputs, row by row.
    ///
    /// `x` has shape (samples, features); the result has the same shape, with
    /// `result[[i, j]] = ∂f_output(x_i) / ∂x_ij`. Where the model is not differentiable (a ReLU
    /// exactly at 0), the value is the one-sided derivative the model's backward pass uses.
    /// Errors on a wrong number of features or `output >= n_outputs()`.
    fn input_gradients(
        &self,
        x: ArrayView2<'_, f64>,
        output: usize,
    ) -> Result<Array2<f64>, CoreError>;
}

/// A model that propagates DeepLIFT multipliers (Shrikumar et al. 2017) from an output back to
/// its inputs, layer by layer, relative to a reference input.
///
/// The defining property is *summation to delta*: for every pair `p`,
/// `sum_j m[[p, j]] * (x[[p, j]] - reference[[p, j]]) == f_output(x_p) - f_output(reference_p)`
/// up to floating-point rounding. DeepSHAP is the average of these multipliers times the input
/// differences over a background set of references.
pub trait DeepLift: Predict {
    /// Multipliers of output `output` for each pair (row `p` of `x`, row `p` of `reference`).
    ///
    /// `x` and `reference` both have shape (pairs, features); the result has shape
    /// (pairs, features). Errors if the shapes disagree, on a wrong number of features, or on
    /// `output >= n_outputs()`.
    fn deeplift_multipliers(
        &self,
        x: ArrayView2<'_, f64>,
        reference: ArrayView2<'_, f64>,
        output: usize,
    ) -> Result<Array2<f64>, CoreError>;
}

/// A network the gradient explainers can read: input gradients ([`Differentiable`]) and DeepLIFT
/// multipliers ([`DeepLift`]). Implemented for every type that has both, so `&dyn
/// NeuralNetwork` converts to either trait object.
pub trait NeuralNetwork: Differentiable + DeepLift {}

impl<T: Differentiable + DeepLift> NeuralNetwork for T {}

/// Checks the arguments of [`DeepLift::deeplift_multipliers`] for a model of `n_features`
/// inputs and `n_outputs` outputs: `x` and `reference` (pairs, features) of the same number of
/// rows and the model's width, and `output` in range.
pub fn check_deeplift_pairs(
    x: ArrayView2<'_, f64>,
    reference: ArrayView2<'_, f64>,
    n_features: usize,
    output: usize,
    n_outputs: usize,
) -> Result<(), CoreError> {
    crate::model::check_input(x, n_features)?;
    crate::model::check_input(reference, n_features)?;
    check_output(output, n_outputs)?;
    if reference.nrows() != x.nrows() {
        return Err(CoreError::Shape {
            what: "DeepLIFT reference (pairs, features)".into(),
            expected: format!("{} rows, one per input row", x.nrows()),
            got: format!("{} rows", reference.nrows()),
        });
    }
    Ok(())
}

/// Checks that `output` is a valid output index of a model with `n_outputs` outputs.
pub fn check_output(output: usize, n_outputs: usize) -> Result<(), CoreError> {
    if output >= n_outputs {
        return Err(CoreError::InvalidArgument(format!(
            "output index {output} out of range: the model has {n_outputs} output(s), \
             valid indices are 0..{n_outputs}"
        )));
    }
    Ok(())
}
