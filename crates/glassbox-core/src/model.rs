//! Model capability traits. Explainers depend on these, never on concrete model types.
//!
//! * [`Predict`]: batch prediction; enough for model-agnostic explainers (KernelSHAP, LIME,
//!   permutation importance, partial dependence, Score-CAM).
//! * [`AsTreeEnsemble`]: the model is (or converts into) a [`TreeEnsemble`]; enough for TreeSHAP.
//!
//! Gradient-based capabilities (gradients, per-layer activations, DeepLIFT multipliers) are added
//! beside these by the neural-network work.

use ndarray::{Array2, ArrayView2};

use crate::{CoreError, TreeEnsemble};

/// A model that maps a batch of rows to outputs.
pub trait Predict: Send + Sync {
    /// Number of input features the model expects.
    fn n_features(&self) -> usize;

    /// Number of outputs per row (1 for regression; classes for multi-class models).
    fn n_outputs(&self) -> usize;

    /// Predicts a batch: `x` has shape (samples, features), the result (samples, outputs).
    ///
    /// Outputs are in the model's explanation space (raw regression output, or margin /
    /// log-odds for boosted classifiers).
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>, CoreError>;

    /// This model in a form made for many `predict` calls with the same results (e.g. a tree
    /// ensemble with its trees packed once, [`crate::PreparedEnsemble`]), or `None` when
    /// there is nothing to prepare (or preparing failed: `predict` then reports the problem).
    /// Explainers that call `predict` once per explained row call this once per run.
    fn prepare(&self) -> Option<Box<dyn Predict + '_>> {
        None
    }
}

/// A model that is a tree ensemble, so TreeSHAP can explain it exactly.
pub trait AsTreeEnsemble {
    /// The ensemble in glassbox's one tree representation.
    fn tree_ensemble(&self) -> &TreeEnsemble;
}

impl AsTreeEnsemble for TreeEnsemble {
    fn tree_ensemble(&self) -> &TreeEnsemble {
        self
    }
}

/// Checks that a batch `x`, shape (samples, features), has `n_features` columns.
pub fn check_input(x: ArrayView2<'_, f64>, n_features: usize) -> Result<(), CoreError> {
    if x.ncols() != n_features {
        return Err(CoreError::Shape {
            what: "model input (samples, features)".into(),
            expected: format!("{n_features} features"),
            got: format!("{} features", x.ncols()),
        });
    }
    Ok(())
}
