//! Integrated Gradients (Sundararajan et al. 2017): the path integral of the gradient from a
//! baseline to the input, `φ_j = (x_j - x'_j) ∫₀¹ ∂f/∂x_j (x' + α (x - x')) dα`, by a Riemann
//! or trapezoid sum.
//!
//! Completeness (`sum φ = f(x) - f(x')`) holds for the integral; the sum's error, the
//! *completeness gap*, is reported per row so users can raise the number of steps.

use glassbox_core::differentiable::Differentiable;
use glassbox_core::ndarray::{Array2, Array3, ArrayView2, s};
use rayon::prelude::*;

use super::{POINTS_PER_BLOCK, check_rows};
use crate::{ExplainError, ShapValues};

/// Quadrature rule over `α ∈ [0, 1]` with `n` steps.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Riemann {
    /// `α = k/n`, k = 0..n-1 (n gradient evaluations).
    Left,
    /// `α = k/n`, k = 1..n (n evaluations).
    Right,
    /// `α = (k + ½)/n`, k = 0..n-1 (n evaluations); error O(1/n²) for smooth paths.
    #[default]
    Midpoint,
    /// `α = k/n`, k = 0..n, end points weighted ½ (n + 1 evaluations).
    Trapezoid,
}

impl Riemann {
    /// The (α, weight) pairs of the rule with `steps` steps; weights sum to 1.
    pub fn nodes(self, steps: usize) -> Vec<(f64, f64)> {
        let n = steps as f64;
        match self {
            Riemann::Left => (0..steps).map(|k| (k as f64 / n, 1.0 / n)).collect(),
            Riemann::Right => (1..=steps).map(|k| (k as f64 / n, 1.0 / n)).collect(),
            Riemann::Midpoint => (0..steps)
                .map(|k| ((k as f64 + 0.5) / n, 1.0 / n))
                .collect(),
            Riemann::Trapezoid => (0..=steps)
                .map(|k| {
                    let w = if k == 0 || k == steps {
                        0.5 / n
                    } else {
                        1.0 / n
                    };
                    (k as f64 / n, w)
                })
                .collect(),
        }
    }
}

/// Settings of [`integrated_gradients`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct IntegratedGradientsOptions {
    /// Number of steps along the path; default 50 (captum's default).
    pub steps: usize,
    /// Quadrature rule; default midpoint.
    pub rule: Riemann,
}

impl Default for IntegratedGradientsOptions {
    fn default() -> Self {
        IntegratedGradientsOptions {
            steps: 50,
            rule: Riemann::Midpoint,
        }
    }
}

/// Attributions of a path method with its completeness gap.
#[derive(Clone, Debug, PartialEq)]
pub struct GradientAttributions {
    /// Values (samples, features, outputs) and base values (samples, outputs).
    pub values: ShapValues,
    /// `f(x) - base - sum_j values` per row and output, shape (samples, outputs): 0 for the
    /// exact integral, the quadrature or sampling error otherwise.
    pub completeness_gap: Array2<f64>,
}

impl GradientAttributions {
    /// One summary of the gap: `sum |gap| / sum |f(x) - base|` over all rows and outputs (0 when
    /// every row is exact; robust to rows where `f(x)` happens to equal the base value).
    pub fn relative_gap(&self) -> f64 {
        let moved: f64 = self
            .values
            .values
            .sum_axis(glassbox_core::ndarray::Axis(1))
            .iter()
            .zip(self.completeness_gap.iter())
            .map(|(sum, gap)| (sum + gap).abs())
            .sum();
        let gap: f64 = self.completeness_gap.iter().map(|g| g.abs()).sum();
        if gap == 0.0 {
            0.0
        } else {
            gap / moved.max(f64::MIN_POSITIVE)
        }
    }
}

/// Integrated Gradients of `x`, shape (samples, features), from `baseline`, shape
/// (1, features) (one baseline for all rows, e.g. the background mean) or (samples, features)
/// (one per row). Every output is explained: values (samples, features, outputs); the base value
/// of a row is `f(baseline)`.
pub fn integrated_gradients(
    model: &dyn Differentiable,
    x: ArrayView2<'_, f64>,
    baseline: ArrayView2<'_, f64>,
    options: &IntegratedGradientsOptions,
) -> Result<GradientAttributions, ExplainError> {
    let m = model.n_features();
    let k = model.n_outputs();
    check_rows(x, m, "explained rows", false)?;
    check_rows(baseline, m, "baseline", true)?;
    let n = x.nrows();
    if baseline.nrows() != 1 && baseline.nrows() != n {
        return Err(ExplainError::InvalidArgument(format!(
            "baseline has {} rows; expected 1 (shared) or {n} (one per explained row)",
            baseline.nrows()
        )));
    }
    if options.steps == 0 {
        return Err(ExplainError::InvalidArgument(
            "integrated gradients needs steps >= 1".into(),
        ));
    }
    let base_of = |i: usize| if baseline.nrows() == 1 { 0 } else { i };
    let nodes = options.rule.nodes(options.steps);
    let q = nodes.len();

    let rows_per_block = (POINTS_PER_BLOCK / q).max(1);
    let starts: Vec<usize> = (0..n).step_by(rows_per_block).collect();
    let blocks: Vec<Array3<f64>> = starts
        .par_iter()
        .map(|&r0| {
            let r1 = (r0 + rows_per_block).min(n);
            let c = r1 - r0;
            let mut pts = Array2::zeros((c * q, m));
            for i in 0..c {
                let (xi, bi) = (x.row(r0 + i), baseline.row(base_of(r0 + i)));
                for (s, &(alpha, _)) in nodes.iter().enumerate() {
                    for j in 0..m {
                        pts[[i * q + s, j]] = bi[j] + alpha * (xi[j] - bi[j]);
                    }
                }
            }
            let mut out = Array3::zeros((c, m, k));
            for o in 0..k {
                let g = model.input_gradients(pts.view(), o)?;
                for i in 0..c {
                    let (xi, bi) = (x.row(r0 + i), baseline.row(base_of(r0 + i)));
                    for j in 0..m {
                        let avg: f64 = nodes
                            .iter()
                            .enumerate()
                            .map(|(s, &(_, w))| w * g[[i * q + s, j]])
                            .sum();
                        out[[i, j, o]] = (xi[j] - bi[j]) * avg;
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
    let fx = model.predict(x)?;
    let fb = model.predict(baseline)?;
    let base_values = Array2::from_shape_fn((n, k), |(i, o)| fb[[base_of(i), o]]);
    finish(values, base_values, &fx)
}

/// Packs values and base values with the completeness gap `f(x) - base - sum values`.
pub(crate) fn finish(
    values: Array3<f64>,
    base_values: Array2<f64>,
    fx: &Array2<f64>,
) -> Result<GradientAttributions, ExplainError> {
    if let Some(v) = values.iter().find(|v| !v.is_finite()) {
        return Err(ExplainError::Model(format!(
            "the model returned a non-finite gradient ({v})"
        )));
    }
    let sums = values.sum_axis(glassbox_core::ndarray::Axis(1));
    let completeness_gap = fx - &base_values - &sums;
    Ok(GradientAttributions {
        values: ShapValues {
            values,
            base_values,
        },
        completeness_gap,
    })
}
