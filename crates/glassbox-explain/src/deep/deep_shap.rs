//! DeepSHAP (Lundberg & Lee 2017): DeepLIFT rescale multipliers (Shrikumar et al. 2017)
//! averaged over a background set.
//!
//! For a row `x` and each background row `b`, the model propagates multipliers `m(x, b)` back
//! from the output layer by layer; summation to delta gives
//! `sum_j m_j(x, b) (x_j - b_j) = f(x) - f(b)`. DeepSHAP is
//! `φ_j(x) = mean_b m_j(x, b) (x_j - b_j)` with base value `mean_b f(b)`, so local accuracy,
//! `base + sum_j φ_j = f(x)`, holds exactly (to rounding) for every row.
//!
//! For a network without hidden nonlinearities this is the exact interventional Shapley value
//! `w_j (x_j - mean b_j)`. With ReLUs it is the DeepLIFT approximation of it: exact when each
//! input reaches the output through a single unit path, different otherwise (the tests show
//! both).

use glassbox_core::differentiable::DeepLift;
use glassbox_core::ndarray::{Array2, Array3, ArrayView2, Axis, s};
use rayon::prelude::*;

use super::{POINTS_PER_BLOCK, check_rows};
use crate::{ExplainError, ShapValues};

/// DeepSHAP values of `x`, shape (samples, features), against `background`, shape
/// (background rows, features).
///
/// Returns values (samples, features, outputs) and base values (samples, outputs), every row's
/// base being the mean model output over the background. All background rows of a block of
/// explained rows go through the model in one batched pass; blocks run in parallel and the
/// result does not depend on the thread count. Errors on shape mismatches, an empty
/// background, non-finite input, or a model error.
pub fn deep_shap(
    model: &dyn DeepLift,
    x: ArrayView2<'_, f64>,
    background: ArrayView2<'_, f64>,
) -> Result<ShapValues, ExplainError> {
    let m = model.n_features();
    let k = model.n_outputs();
    check_rows(x, m, "explained rows", false)?;
    check_rows(background, m, "background", true)?;
    let n = x.nrows();
    let nb = background.nrows();

    let base_row = model
        .predict(background)?
        .mean_axis(Axis(0))
        .expect("background non-empty");
    let base_values = Array2::from_shape_fn((n, k), |(_, o)| base_row[o]);

    let rows_per_block = (POINTS_PER_BLOCK / nb).max(1);
    let starts: Vec<usize> = (0..n).step_by(rows_per_block).collect();
    let blocks: Vec<Array3<f64>> = starts
        .par_iter()
        .map(|&r0| {
            let xb = x.slice(s![r0..(r0 + rows_per_block).min(n), ..]);
            explain_block(model, xb, background)
        })
        .collect::<Result<_, _>>()?;

    let mut values = Array3::zeros((n, m, k));
    for (&r0, b) in starts.iter().zip(&blocks) {
        values.slice_mut(s![r0..r0 + b.dim().0, .., ..]).assign(b);
    }
    Ok(ShapValues {
        values,
        base_values,
    })
}

/// DeepSHAP for a block of rows `xb` (rows, features): one model call per output over all
/// (row, background row) pairs.
fn explain_block(
    model: &dyn DeepLift,
    xb: ArrayView2<'_, f64>,
    background: ArrayView2<'_, f64>,
) -> Result<Array3<f64>, ExplainError> {
    let (c, m) = xb.dim();
    let nb = background.nrows();
    let k = model.n_outputs();
    // Pair p = i * nb + b: explained row i against background row b.
    let mut xs = Array2::zeros((c * nb, m));
    let mut rs = Array2::zeros((c * nb, m));
    for i in 0..c {
        xs.slice_mut(s![i * nb..(i + 1) * nb, ..]).assign(
            &xb.slice(s![i..i + 1, ..])
                .broadcast((nb, m))
                .expect("row broadcast"),
        );
        rs.slice_mut(s![i * nb..(i + 1) * nb, ..])
            .assign(&background);
    }
    let mut out = Array3::zeros((c, m, k));
    for o in 0..k {
        let mult = model.deeplift_multipliers(xs.view(), rs.view(), o)?;
        if mult.dim() != (c * nb, m) {
            return Err(ExplainError::Model(format!(
                "DeepLIFT multipliers have shape {:?}, expected ({}, {m})",
                mult.dim(),
                c * nb
            )));
        }
        for i in 0..c {
            for j in 0..m {
                let xj = xb[[i, j]];
                let mut acc = 0.0;
                for b in 0..nb {
                    acc += mult[[i * nb + b, j]] * (xj - background[[b, j]]);
                }
                out[[i, j, o]] = acc / nb as f64;
            }
        }
    }
    if let Some(v) = out.iter().find(|v| !v.is_finite()) {
        return Err(ExplainError::Model(format!(
            "the model returned a non-finite multiplier ({v})"
        )));
    }
    Ok(out)
}
