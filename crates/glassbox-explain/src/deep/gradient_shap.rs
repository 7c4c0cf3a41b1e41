//! GradientSHAP / expected gradients (Erion et al. 2021; shap's `GradientExplainer`, captum's
//! `GradientShap`): Integrated Gradients with the baseline drawn from a background set and the
//! path position drawn at random, averaged over samples.
//!
//! For row `x` and draw `s`: a background row `b_s` (uniform), `α_s ~ U(0, 1)`, and optionally
//! `x̃_s = x + ε` with `ε ~ N(0, stdev²)` per feature (local smoothing; `x̃ = x` when stdev is 0).
//! Then `φ_j = mean_s ∂f/∂x_j (b_s + α_s (x̃_s - b_s)) · (x̃_s - b_s)_j`, with base value
//! `mean_b f(b)`. Local accuracy holds in expectation only; the completeness gap is reported.

use glassbox_core::differentiable::Differentiable;
use glassbox_core::ndarray::{Array2, Array3, ArrayView2, Axis, s};
use glassbox_core::rng::Rng;
use rayon::prelude::*;

use super::integrated_gradients::{GradientAttributions, finish};
use super::{POINTS_PER_BLOCK, check_rows};
use crate::ExplainError;

/// Settings of [`gradient_shap`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GradientShapOptions {
    /// Draws per explained row; default 200 (shap's `GradientExplainer` default).
    pub nsamples: usize,
    /// Standard deviation of the Gaussian noise added to the input; default 0 (none).
    pub stdev: f64,
    /// Seed; row `i` draws from `Rng::derive(seed, i)`, so results do not depend on threads or
    /// on how rows are batched.
    pub seed: u64,
}

impl Default for GradientShapOptions {
    fn default() -> Self {
        GradientShapOptions {
            nsamples: 200,
            stdev: 0.0,
            seed: 42,
        }
    }
}

/// GradientSHAP values of `x`, shape (samples, features), against `background`, shape
/// (background rows, features). Values (samples, features, outputs); base values are the mean
/// model output over the background.
pub fn gradient_shap(
    model: &dyn Differentiable,
    x: ArrayView2<'_, f64>,
    background: ArrayView2<'_, f64>,
    options: &GradientShapOptions,
) -> Result<GradientAttributions, ExplainError> {
    let m = model.n_features();
    let k = model.n_outputs();
    check_rows(x, m, "explained rows", false)?;
    check_rows(background, m, "background", true)?;
    if options.nsamples == 0 {
        return Err(ExplainError::InvalidArgument(
            "gradient-shap needs nsamples >= 1".into(),
        ));
    }
    if !(options.stdev.is_finite() && options.stdev >= 0.0) {
        return Err(ExplainError::InvalidArgument(format!(
            "gradient-shap noise stdev must be finite and >= 0, got {}",
            options.stdev
        )));
    }
    let n = x.nrows();
    let ns = options.nsamples;
    let nb = background.nrows();

    let rows_per_block = (POINTS_PER_BLOCK / ns).max(1);
    let starts: Vec<usize> = (0..n).step_by(rows_per_block).collect();
    let blocks: Vec<Array3<f64>> = starts
        .par_iter()
        .map(|&r0| {
            let c = (r0 + rows_per_block).min(n) - r0;
            let mut pts = Array2::zeros((c * ns, m));
            let mut delta = Array2::zeros((c * ns, m));
            for i in 0..c {
                let xi = x.row(r0 + i);
                let mut rng = Rng::derive(options.seed, (r0 + i) as u64);
                for s in 0..ns {
                    let b = background.row(rng.below(nb));
                    let alpha = rng.next_f64();
                    for j in 0..m {
                        let xt = if options.stdev > 0.0 {
                            xi[j] + options.stdev * rng.normal()
                        } else {
                            xi[j]
                        };
                        pts[[i * ns + s, j]] = b[j] + alpha * (xt - b[j]);
                        delta[[i * ns + s, j]] = xt - b[j];
                    }
                }
            }
            let mut out = Array3::zeros((c, m, k));
            for o in 0..k {
                let g = model.input_gradients(pts.view(), o)?;
                for i in 0..c {
                    for j in 0..m {
                        let mut acc = 0.0;
                        for s in 0..ns {
                            acc += g[[i * ns + s, j]] * delta[[i * ns + s, j]];
                        }
                        out[[i, j, o]] = acc / ns as f64;
                    }
                }
            }
            Ok(out)
        })
        .collect::<Result<_, ExplainError>>()?;

    let mut values = Array3::zeros((n, m, k));
    for (&r0, b) in starts.iter().zip(&blocks) {
        values.slice_mut(s![r0..r0 + b.dim().0, .., ..]).assign(b);
    }
    let base_row = model
        .predict(background)?
        .mean_axis(Axis(0))
        .expect("background non-empty");
    let base_values = Array2::from_shape_fn((n, k), |(_, o)| base_row[o]);
    let fx = model.predict(x)?;
    finish(values, base_values, &fx)
}
