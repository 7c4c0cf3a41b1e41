//! Permutation importance (Breiman 2001; scikit-learn's `permutation_importance`): how much a
//! score drops when one feature column is shuffled, repeated `n_repeats` times.
//!
//! Every (feature, repeat) pair shuffles with its own stream `Rng::derive(seed, feature *
//! n_repeats + repeat)` and is one batched model call; pairs run in parallel, so the result does
//! not depend on the thread count.

use glassbox_core::Predict;
use glassbox_core::ndarray::{Array2, ArrayView1, ArrayView2};
use glassbox_core::rng::Rng;
use rayon::prelude::*;

use crate::ExplainError;

/// The score whose drop is measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scoring {
    /// Coefficient of determination R² of model output `output` against the target.
    R2 {
        /// Which model output is compared with the target.
        output: usize,
    },
    /// Accuracy against integer class labels in the target. With several outputs the predicted
    /// class is the argmax (first on ties); with one output it is the output rounded to the
    /// nearest integer (a 0/1 probability or a class-label output).
    Accuracy,
    /// Accuracy of a classifier scored from its margins (log-odds), as boosted classifiers
    /// output them: with one output the predicted class is 1 where the margin is > 0 (the
    /// probability > 0.5 for any sigmoid slope), with several outputs the argmax (first on ties).
    MarginAccuracy,
}

impl Scoring {
    /// The score's name as written in output files: `r2`, `accuracy`.
    pub fn name(self) -> &'static str {
        match self {
            Scoring::R2 { .. } => "r2",
            Scoring::Accuracy | Scoring::MarginAccuracy => "accuracy",
        }
    }
}

/// Permutation importances of every feature.
#[derive(Clone, Debug, PartialEq)]
pub struct PermutationImportance {
    /// The score on the unshuffled data.
    pub baseline: f64,
    /// Score drop per feature and repeat, shape (features, repeats).
    pub importances: Array2<f64>,
    /// Mean drop per feature, length (features,).
    pub mean: Vec<f64>,
    /// Standard deviation (population, as scikit-learn) of the drop per feature.
    pub std: Vec<f64>,
}

/// The score of predictions `pred` (samples, outputs) against `y` (samples,).
pub fn score(pred: ArrayView2<'_, f64>, y: ArrayView1<'_, f64>, scoring: Scoring) -> f64 {
    let n = y.len();
    match scoring {
        Scoring::R2 { output } => {
            let mean = y.sum() / n as f64;
            let tss: f64 = y.iter().map(|v| (v - mean) * (v - mean)).sum();
            let rss: f64 = y
                .iter()
                .zip(pred.column(output))
                .map(|(a, b)| (a - b) * (a - b))
                .sum();
            // scikit-learn's r2_score for a constant target: 1 if predicted exactly, else 0.
            if tss > 0.0 {
                1.0 - rss / tss
            } else if rss == 0.0 {
                1.0
            } else {
                0.0
            }
        }
        Scoring::Accuracy | Scoring::MarginAccuracy => {
            let argmax = (pred.ncols() != 1).then(|| glassbox_core::metrics::argmax_rows(pred));
            let correct = (0..n)
                .filter(|&i| {
                    let class = match &argmax {
                        Some(classes) => classes[i] as f64,
                        None if scoring == Scoring::MarginAccuracy => {
                            f64::from(u8::from(pred[[i, 0]] > 0.0))
                        }
                        None => pred[[i, 0]].round(),
                    };
                    class == y[i]
                })
                .count();
            correct as f64 / n as f64
        }
    }
}

fn predict_checked(
    model: &dyn Predict,
    x: ArrayView2<'_, f64>,
    what: &str,
) -> Result<Array2<f64>, ExplainError> {
    let p = model.predict(x)?;
    if p.dim() != (x.nrows(), model.n_outputs()) {
        return Err(ExplainError::Model(format!(
            "model returned shape {:?} for {} rows, expected ({}, {})",
            p.dim(),
            x.nrows(),
            x.nrows(),
            model.n_outputs()
        )));
    }
    if let Some(((r, o), v)) = p.indexed_iter().find(|(_, v)| !v.is_finite()) {
        return Err(ExplainError::Model(format!(
            "model returned {v} (output {o}) for row {r} of {what}"
        )));
    }
    Ok(p)
}

/// Permutation importance of every feature of `x`, shape (samples, features), with target `y`,
/// shape (samples,), `n_repeats >= 1` shuffles per feature.
pub fn permutation_importance(
    model: &dyn Predict,
    x: ArrayView2<'_, f64>,
    y: ArrayView1<'_, f64>,
    scoring: Scoring,
    n_repeats: usize,
    seed: u64,
) -> Result<PermutationImportance, ExplainError> {
    let singletons: Vec<Vec<usize>> = (0..x.ncols()).map(|j| vec![j]).collect();
    permutation_importance_groups(model, x, y, scoring, n_repeats, seed, &singletons)
}

/// [`permutation_importance`] of groups of features: each group's columns (indices into `x`'s
/// features) are shuffled together, with one permutation of the rows, so a one-hot encoded
/// column keeps one category per row and its importance is the column's. Rows of the result
/// follow `groups`; with one group per feature this is [`permutation_importance`], bit for
/// bit (group `g`, repeat `r` draws from `Rng::derive(seed, g · n_repeats + r)`).
pub fn permutation_importance_groups(
    model: &dyn Predict,
    x: ArrayView2<'_, f64>,
    y: ArrayView1<'_, f64>,
    scoring: Scoring,
    n_repeats: usize,
    seed: u64,
    groups: &[Vec<usize>],
) -> Result<PermutationImportance, ExplainError> {
    // One predict call per feature and repeat: prepare the model once for all of them.
    let prepared = model.prepare();
    let model = prepared.as_deref().unwrap_or(model);
    let (n, m) = x.dim();
    if m != model.n_features() {
        return Err(ExplainError::InvalidArgument(format!(
            "data has {m} columns but the model expects {} features",
            model.n_features()
        )));
    }
    if y.len() != n || n < 2 {
        return Err(ExplainError::InvalidArgument(format!(
            "permutation importance needs at least 2 rows and one target per row; got {n} rows, {} targets",
            y.len()
        )));
    }
    if n_repeats == 0 {
        return Err(ExplainError::InvalidArgument(
            "n_repeats must be at least 1".into(),
        ));
    }
    if let Scoring::R2 { output } = scoring
        && output >= model.n_outputs()
    {
        return Err(ExplainError::InvalidArgument(format!(
            "R2 output {output} out of range: the model has {} outputs",
            model.n_outputs()
        )));
    }
    if let Some(i) = y.iter().position(|v| !v.is_finite()) {
        return Err(ExplainError::InvalidArgument(format!(
            "target row {i} is {}",
            y[i]
        )));
    }
    if scoring == Scoring::MarginAccuracy {
        // Labels a margin classifier can predict: 0/1 for one output, else 0..outputs-1.
        let classes = model.n_outputs().max(2);
        if let Some(i) = y
            .iter()
            .position(|&v| !(v >= 0.0 && v.fract() == 0.0 && v < classes as f64))
        {
            return Err(ExplainError::InvalidArgument(format!(
                "target row {i} is {}; accuracy needs class labels 0..{} (integers)",
                y[i],
                classes - 1
            )));
        }
    }
    if let Some(bad) = groups
        .iter()
        .find(|g| g.is_empty() || g.iter().any(|&j| j >= m))
    {
        return Err(ExplainError::InvalidArgument(format!(
            "feature group {bad:?} is empty or names a feature outside 0..{m}"
        )));
    }
    let baseline = score(predict_checked(model, x, "the data")?.view(), y, scoring);
    let drops: Vec<f64> = (0..groups.len() * n_repeats)
        .into_par_iter()
        .map(|t| {
            let (g, r) = (t / n_repeats, t % n_repeats);
            let mut rng = Rng::derive(seed, t as u64);
            let mut perm: Vec<usize> = (0..n).collect();
            rng.shuffle(&mut perm);
            let mut xs = x.to_owned();
            for &j in &groups[g] {
                for (i, &p) in perm.iter().enumerate() {
                    xs[[i, j]] = x[[p, j]];
                }
            }
            let what = match groups[g].as_slice() {
                [j] => format!("the data with feature {j} shuffled (repeat {r})"),
                _ => format!("the data with feature group {g} shuffled (repeat {r})"),
            };
            let pred = predict_checked(model, xs.view(), &what)?;
            Ok(baseline - score(pred.view(), y, scoring))
        })
        .collect::<Result<_, ExplainError>>()?;
    let importances =
        Array2::from_shape_vec((groups.len(), n_repeats), drops).expect("groups * n_repeats");
    let mean: Vec<f64> = importances
        .rows()
        .into_iter()
        .map(|r| r.sum() / n_repeats as f64)
        .collect();
    let std = importances
        .rows()
        .into_iter()
        .zip(&mean)
        .map(|(r, mu)| {
            (r.iter().map(|v| (v - mu) * (v - mu)).sum::<f64>() / n_repeats as f64).sqrt()
        })
        .collect();
    Ok(PermutationImportance {
        baseline,
        importances,
        mean,
        std,
    })
}
