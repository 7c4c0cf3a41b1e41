//! The background of the background methods, in the model's input space: a seeded sample of
//! the pool, a weighted k-means summary, or a whole background table.

use glassbox_core::Table;
use glassbox_core::ndarray::{Array1, Array2, Axis};
use glassbox_explain::shap::kmeans::kmeans;

use super::ExplainSettings;
use crate::{Error, Model, Result};

/// Background rows in the model's input space, shape (rows, features), with weights for a
/// k-means summary (cluster sizes; `None`: every row counts the same).
#[derive(Clone, Debug)]
pub(crate) struct Background {
    /// The rows, shape (rows, features).
    pub rows: Array2<f64>,
    /// One weight per row (cluster sizes); `None` for equal weights.
    pub weights: Option<Vec<f64>>,
}

impl Background {
    /// The (weighted) mean row, shape (1, features).
    pub fn mean(&self) -> Array2<f64> {
        let mean: Array1<f64> = match &self.weights {
            None => self.rows.mean_axis(Axis(0)).expect("background non-empty"),
            Some(_) => {
                let mut mean = Array1::zeros(self.rows.ncols());
                for (row, wi) in self.rows.rows().into_iter().zip(self.normalized_weights()) {
                    mean.scaled_add(wi, &row);
                }
                mean
            }
        };
        mean.insert_axis(Axis(0))
    }

    /// The weights scaled to sum to 1 (equal weights when unweighted).
    pub fn normalized_weights(&self) -> Vec<f64> {
        let n = self.rows.nrows();
        match &self.weights {
            None => vec![1.0 / n as f64; n],
            Some(w) => {
                let total: f64 = w.iter().sum();
                w.iter().map(|v| v / total).collect()
            }
        }
    }
}

/// The table the background is taken from: `background_data`, else `background_pool`, else
/// the explained rows; raw values.
pub(crate) fn pool_table<'a>(settings: &'a ExplainSettings, rows: &'a Table) -> &'a Table {
    settings
        .background_data
        .as_ref()
        .or(settings.background_pool.as_ref())
        .unwrap_or(rows)
}

/// The background the settings describe, in `model`'s input space.
pub(crate) fn background(
    model: &Model,
    rows: &Table,
    settings: &ExplainSettings,
) -> Result<Background> {
    let pool = model.to_input(pool_table(settings, rows).features.view())?;
    if pool.nrows() == 0 {
        return Err(Error::Input("the background table has no rows".into()));
    }
    if let Some(k) = settings.background_kmeans {
        if k == 0 || k > pool.nrows() {
            return Err(Error::Settings(format!(
                "--background-kmeans {k}: must be between 1 and the {} background rows",
                pool.nrows()
            )));
        }
        let summary = kmeans(pool.view(), k, settings.seed)
            .map_err(|e| Error::Input(format!("k-means background summary: {e}")))?;
        return Ok(Background {
            rows: summary.data,
            weights: Some(summary.weights),
        });
    }
    if settings.background_data.is_some() {
        return Ok(Background {
            rows: pool,
            weights: None,
        });
    }
    Ok(Background {
        rows: sample(&pool, settings.background, settings.seed)?,
        weights: None,
    })
}

/// A seeded sample of `n` rows of `pool` (all of them if it is smaller), in pool order.
fn sample(pool: &Array2<f64>, n: usize, seed: u64) -> Result<Array2<f64>> {
    if n == 0 {
        return Err(Error::Settings("--background must be at least 1".into()));
    }
    let rows = pool.nrows();
    let mut idx = glassbox_core::rng::Rng::new(seed).sample_indices(rows, n.min(rows));
    idx.sort_unstable();
    Ok(pool.select(Axis(0), &idx))
}
