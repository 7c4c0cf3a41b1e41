//! Partial dependence (Friedman 2001) and individual conditional expectation curves (Goldstein
//! et al. 2015), scikit-learn's `partial_dependence(kind="both", method="brute")`.
//!
//! For each grid value `v` of feature `j`, every row gets `x_j = v` and the model is evaluated:
//! the ICE curve of row `i` is `f(x_i with x_ij = v)` over the grid, the partial dependence its
//! mean over rows. The grid is the feature's distinct values when there are fewer than
//! `grid_resolution`, else `grid_resolution` evenly spaced points between its 5th and 95th
//! percentiles (numpy's linear-interpolation percentiles; scikit-learn uses scipy's `mquantiles`,
//! which differs slightly in small samples).

use glassbox_core::Predict;
use glassbox_core::ndarray::{Array2, Array3, ArrayView1, ArrayView2};
use rayon::prelude::*;

use crate::ExplainError;

/// Largest number of rows sent to the model in one call.
const MAX_BATCH_ROWS: usize = 1 << 16;

/// Partial dependence and ICE curves of one feature.
#[derive(Clone, Debug, PartialEq)]
pub struct PartialDependence {
    /// The feature (column index).
    pub feature: usize,
    /// Grid values, ascending, length (grid,).
    pub grid: Vec<f64>,
    /// Partial dependence, shape (grid, outputs).
    pub average: Array2<f64>,
    /// ICE curves, shape (samples, grid, outputs).
    pub ice: Array3<f64>,
}

impl PartialDependence {
    /// ICE curves centred at the first grid point (c-ICE), shape (samples, grid, outputs).
    pub fn centered_ice(&self) -> Array3<f64> {
        let mut c = self.ice.clone();
        let (n, g, k) = c.dim();
        for i in 0..n {
            for o in 0..k {
                let first = self.ice[[i, 0, o]];
                for t in 0..g {
                    c[[i, t, o]] -= first;
                }
            }
        }
        c
    }
}

/// The evaluation grid of a column (see the module docs); `percentiles` in `[0, 100]`.
pub fn grid(
    column: ArrayView1<'_, f64>,
    grid_resolution: usize,
    percentiles: (f64, f64),
) -> Vec<f64> {
    let mut sorted: Vec<f64> = column.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut uniq = sorted.clone();
    uniq.dedup();
    if uniq.len() < grid_resolution {
        return uniq;
    }
    let pct = |q: f64| {
        let pos = q / 100.0 * (sorted.len() - 1) as f64;
        let lo = pos.floor() as usize;
        let hi = (lo + 1).min(sorted.len() - 1);
        sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
    };
    let (a, b) = (pct(percentiles.0), pct(percentiles.1));
    if grid_resolution == 1 {
        return vec![a];
    }
    (0..grid_resolution)
        .map(|t| a + (b - a) * t as f64 / (grid_resolution - 1) as f64)
        .collect()
}

/// Partial dependence of `model` on `feature` over the rows of `x`, shape (samples, features),
/// on the grid of [`grid`] with `grid_resolution >= 2` (scikit-learn's default is 100) and
/// percentiles (5, 95).
pub fn partial_dependence(
    model: &dyn Predict,
    x: ArrayView2<'_, f64>,
    feature: usize,
    grid_resolution: usize,
) -> Result<PartialDependence, ExplainError> {
    if feature >= x.ncols() {
        return Err(ExplainError::InvalidArgument(format!(
            "feature {feature} out of range: the data has {} columns",
            x.ncols()
        )));
    }
    if grid_resolution < 2 {
        return Err(ExplainError::InvalidArgument(format!(
            "grid_resolution must be at least 2, got {grid_resolution}"
        )));
    }
    let g = grid(x.column(feature), grid_resolution, (5.0, 95.0));
    partial_dependence_on_grid(model, x, feature, &g)
}

/// Partial dependence of `model` on `feature` over the rows of `x`, shape (samples, features),
/// at the given grid values.
pub fn partial_dependence_on_grid(
    model: &dyn Predict,
    x: ArrayView2<'_, f64>,
    feature: usize,
    grid: &[f64],
) -> Result<PartialDependence, ExplainError> {
    let prepared = model.prepare();
    let model = prepared.as_deref().unwrap_or(model);
    let (n, m) = x.dim();
    if m != model.n_features() {
        return Err(ExplainError::InvalidArgument(format!(
            "data has {m} columns but the model expects {} features",
            model.n_features()
        )));
    }
    if feature >= m || n == 0 || grid.is_empty() {
        return Err(ExplainError::InvalidArgument(format!(
            "partial dependence needs a feature in 0..{m}, at least one row and one grid value; \
             got feature {feature}, {n} rows, {} grid values",
            grid.len()
        )));
    }
    if let Some(v) = grid.iter().find(|v| !v.is_finite()) {
        return Err(ExplainError::InvalidArgument(format!(
            "grid value {v} is not finite"
        )));
    }
    let k = model.n_outputs();
    let per_batch = (MAX_BATCH_ROWS / n).max(1);
    let chunks: Vec<(usize, Array2<f64>)> = (0..grid.len().div_ceil(per_batch))
        .into_par_iter()
        .map(|c| {
            let lo = c * per_batch;
            let hi = (lo + per_batch).min(grid.len());
            let mut rows = Array2::zeros(((hi - lo) * n, m));
            for (t, &v) in grid[lo..hi].iter().enumerate() {
                let mut block = rows.slice_mut(glassbox_core::ndarray::s![t * n..(t + 1) * n, ..]);
                block.assign(&x);
                block.column_mut(feature).fill(v);
            }
            let y = model.predict(rows.view())?;
            if y.dim() != (rows.nrows(), k) {
                return Err(ExplainError::Model(format!(
                    "model returned shape {:?} for {} rows, expected ({}, {k})",
                    y.dim(),
                    rows.nrows(),
                    rows.nrows()
                )));
            }
            if let Some(((r, o), v)) = y.indexed_iter().find(|(_, v)| !v.is_finite()) {
                return Err(ExplainError::Model(format!(
                    "model returned {v} (output {o}) for row {} with feature {feature} set to {}",
                    r % n,
                    grid[lo + r / n]
                )));
            }
            Ok((lo, y))
        })
        .collect::<Result<_, _>>()?;
    let mut ice = Array3::zeros((n, grid.len(), k));
    for (lo, y) in chunks {
        for r in 0..y.nrows() {
            let (t, i) = (lo + r / n, r % n);
            for o in 0..k {
                ice[[i, t, o]] = y[[r, o]];
            }
        }
    }
    let average = Array2::from_shape_fn((grid.len(), k), |(t, o)| {
        (0..n).map(|i| ice[[i, t, o]]).sum::<f64>() / n as f64
    });
    Ok(PartialDependence {
        feature,
        grid: grid.to_vec(),
        average,
        ice,
    })
}
