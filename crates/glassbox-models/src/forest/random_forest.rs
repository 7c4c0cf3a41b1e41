//! Random-forest regressor: bootstrap-aggregated CART trees, trained in parallel.
//!
//! Tree `i` draws its bootstrap sample and its per-node feature subsets from its own stream
//! `Rng::derive(seed, i)`, and trees are collected in index order, so a fit is bit-identical
//! whatever the number of rayon threads.

use glassbox_core::model::AsTreeEnsemble;
use glassbox_core::rng::Rng;
use glassbox_core::{CoreError, Predict, SplitCondition, TreeEnsemble};
use ndarray::{Array2, ArrayView1, ArrayView2};
use rayon::prelude::*;

use super::cart::{CartConfig, Presorted, grow_tree};
use super::params::RandomForestParams;
use crate::ModelError;

/// A fitted random-forest regressor: its parameters and its trees as a [`TreeEnsemble`]
/// (`tree_weight = 1/n_trees`, `base_offset = 0`, one output, `x <= threshold` goes left).
#[derive(Clone, Debug)]
pub struct RandomForest {
    params: RandomForestParams,
    ensemble: TreeEnsemble,
    importances: Vec<f64>,
}

impl RandomForestParams {
    /// Fits a forest on `x`, shape (samples, features), and `y`, shape (samples,).
    ///
    /// Needs at least 2 samples and 1 feature, finite values, and valid parameters
    /// ([`RandomForestParams::validate`]); the error says which row/column or parameter is wrong.
    pub fn fit(
        &self,
        x: ArrayView2<'_, f64>,
        y: ArrayView1<'_, f64>,
    ) -> Result<RandomForest, ModelError> {
        let (n, m) = x.dim();
        if y.len() != n {
            return Err(CoreError::Shape {
                what: "forest training target (samples,)".into(),
                expected: format!("{n} values, one per row of x"),
                got: format!("{} values", y.len()),
            }
            .into());
        }
        if n < 2 {
            return Err(ModelError::InvalidArgument(format!(
                "a forest needs at least 2 training samples, got {n}"
            )));
        }
        if m == 0 {
            return Err(ModelError::InvalidArgument(
                "a forest needs at least 1 feature, got 0".into(),
            ));
        }
        if u32::try_from(n).is_err() {
            return Err(ModelError::InvalidArgument(format!(
                "{n} training samples is more than a forest supports ({})",
                u32::MAX - 1
            )));
        }
        self.validate(m)?;
        for ((row, column), &v) in x.indexed_iter() {
            if !v.is_finite() {
                return Err(CoreError::NonFinite {
                    what: "forest training features".into(),
                    row,
                    column,
                    value: v,
                }
                .into());
            }
        }
        for (row, &v) in y.iter().enumerate() {
            if !v.is_finite() {
                return Err(CoreError::NonFinite {
                    what: "forest training target".into(),
                    row,
                    column: 0,
                    value: v,
                }
                .into());
            }
        }

        let cfg = CartConfig {
            max_depth: self.max_depth.unwrap_or(usize::MAX),
            min_samples_split: self.min_samples_split,
            min_samples_leaf: self.min_samples_leaf,
            max_features: self.max_features.resolve(m)?,
        };
        let data = Presorted::new(x);
        let y: Vec<f64> = y.to_vec();
        let grown: Vec<_> = (0..self.n_estimators)
            .into_par_iter()
            .map(|t| {
                let mut rng = Rng::derive(self.seed, t as u64);
                let mut counts = vec![0u32; n];
                if self.bootstrap {
                    for _ in 0..n {
                        counts[rng.below(n)] += 1;
                    }
                } else {
                    counts.fill(1);
                }
                grow_tree(&data, &y, &counts, &cfg, &mut rng)
            })
            .collect();

        // MDI as scikit-learn: each tree's decreases normalised to sum 1 (trees that are a
        // single leaf are left out), averaged, and normalised again.
        let mut importances = vec![0.0; m];
        let mut n_split_trees = 0usize;
        for g in &grown {
            let total: f64 = g.importance.iter().sum();
            if g.tree.n_nodes() > 1 && total > 0.0 {
                n_split_trees += 1;
                for (acc, v) in importances.iter_mut().zip(&g.importance) {
                    *acc += v / total;
                }
            }
        }
        let total: f64 = importances.iter().sum();
        if n_split_trees > 0 && total > 0.0 {
            importances.iter_mut().for_each(|v| *v /= total);
        }

        let n_trees = grown.len();
        let ensemble = TreeEnsemble {
            trees: grown.into_iter().map(|g| g.tree).collect(),
            tree_output: vec![0; n_trees],
            tree_weight: vec![1.0 / n_trees as f64; n_trees],
            base_offset: vec![0.0],
            n_features: m,
            n_outputs: 1,
            split: SplitCondition::LessOrEqual,
            feature_names: None,
        };
        debug_assert!(ensemble.validate().is_ok());
        Ok(RandomForest {
            params: self.clone(),
            ensemble,
            importances,
        })
    }
}

impl RandomForest {
    /// The parameters the forest was fitted with.
    pub fn params(&self) -> &RandomForestParams {
        &self.params
    }

    /// The trees, in glassbox's one tree representation.
    pub fn ensemble(&self) -> &TreeEnsemble {
        &self.ensemble
    }

    /// Gives up the forest for its [`TreeEnsemble`] (e.g. to store it in a model file).
    pub fn into_ensemble(self) -> TreeEnsemble {
        self.ensemble
    }

    /// Number of trees.
    pub fn n_trees(&self) -> usize {
        self.ensemble.trees.len()
    }

    /// Mean-decrease-in-impurity importance of each feature, shape (features,), summing to 1
    /// (all zeros if no tree split at all), computed as scikit-learn's `feature_importances_`.
    pub fn feature_importances(&self) -> &[f64] {
        &self.importances
    }

    /// Attaches feature names (one per feature) to the ensemble, so explanations and saved
    /// models carry them.
    pub fn with_feature_names(mut self, names: Vec<String>) -> Result<Self, ModelError> {
        if names.len() != self.ensemble.n_features {
            return Err(CoreError::Shape {
                what: "forest feature names".into(),
                expected: format!("{} names", self.ensemble.n_features),
                got: format!("{} names", names.len()),
            }
            .into());
        }
        self.ensemble.feature_names = Some(names);
        Ok(self)
    }
}

impl Predict for RandomForest {
    fn n_features(&self) -> usize {
        self.ensemble.n_features
    }

    fn n_outputs(&self) -> usize {
        1
    }

    /// Mean of the trees' predictions; `x` (samples, features) gives (samples, 1).
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>, CoreError> {
        self.ensemble.predict(x)
    }
    fn prepare(&self) -> Option<Box<dyn Predict + '_>> {
        self.ensemble.prepare()
    }
}

impl AsTreeEnsemble for RandomForest {
    fn tree_ensemble(&self) -> &TreeEnsemble {
        &self.ensemble
    }
}
