//! [`OnnxModel`]: an imported ONNX tree ensemble, as glassbox's [`TreeEnsemble`] plus what the
//! file says about its outputs (link, classes, how onnxruntime reports its scores) and whether
//! it has the covers path-dependent TreeSHAP needs.

use glassbox_core::link::sigmoid;
use glassbox_core::model::{AsTreeEnsemble, check_input};
use glassbox_core::{CoreError, Link, Predict, TreeEnsemble};
use ndarray::{Array2, ArrayView2};

use crate::OnnxError;
use crate::covers;

/// Regressor or classifier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModelKind {
    /// `TreeEnsembleRegressor` with `n_targets` outputs.
    Regressor {
        /// Number of targets.
        n_targets: usize,
    },
    /// `TreeEnsembleClassifier`.
    Classifier {
        /// Class labels in output order (`classlabels_int64s` written as text, or
        /// `classlabels_strings`).
        labels: Vec<String>,
    },
}

/// How the margins of [`OnnxModel::ensemble`] become the scores onnxruntime reports (the
/// regressor's `variable` output, or the classifier's probability/score output).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScoreLayout {
    /// One margin per output; scores = the link applied to the margins.
    Direct,
    /// Binary classifier whose leaves hold non-negative weights for one class: one margin `s`
    /// (the second class's score); scores `[1 - s, s]`.
    BinaryComplement,
    /// Binary classifier with weights of both signs for one class: one margin `s`; scores
    /// `[-s, s]`, or `[σ(-s), σ(s)]` when the link is logistic.
    BinaryNegate,
}

/// Where the covers of the imported trees come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Covers {
    /// None: the file has no usable hit rates. Covers are zero; path-dependent TreeSHAP needs
    /// [`OnnxModel::recompute_covers`] first, interventional TreeSHAP does not.
    Absent,
    /// The file's `nodes_hitrates` (positive and consistent in every tree).
    HitRates,
    /// Recomputed from a data table of this many rows.
    Recomputed {
        /// Rows routed through the trees.
        rows: usize,
    },
}

/// A tree ensemble imported from an ONNX file (see [`crate::load`]).
///
/// Implements [`Predict`] (margins, the space TreeSHAP values add up in) and [`AsTreeEnsemble`].
#[derive(Clone, Debug)]
pub struct OnnxModel {
    /// The trees in glassbox's one representation; their sum is the margin (before the link).
    pub ensemble: TreeEnsemble,
    /// Regressor or classifier (with labels).
    pub kind: ModelKind,
    /// Link from margins to the model's scores.
    pub link: Link,
    /// How margins are laid out in onnxruntime's score output.
    pub layout: ScoreLayout,
    /// Where the covers come from.
    pub covers: Covers,
    /// Name of the model's input tensor.
    pub input_name: String,
    /// The tree operator (`TreeEnsembleRegressor` / `TreeEnsembleClassifier`) and its node name.
    pub operator: (String, String),
    /// The model's ai.onnx.ml opset version.
    pub ml_opset: i64,
    /// The producer recorded in the file (e.g. `skl2onnx 1.20.0`).
    pub producer: String,
    /// The file it was read from (named in errors).
    pub file: String,
}

impl OnnxModel {
    /// Number of input features: the input's second axis when the file fixes it, otherwise
    /// (a symbolic width) the largest feature a split uses, plus one.
    pub fn n_features(&self) -> usize {
        self.ensemble.n_features
    }

    /// Number of margins (outputs of [`Predict::predict`]).
    pub fn n_margins(&self) -> usize {
        self.ensemble.n_outputs
    }

    /// Number of scores onnxruntime reports per row (2 for the binary layouts).
    pub fn n_scores(&self) -> usize {
        match self.layout {
            ScoreLayout::Direct => self.ensemble.n_outputs,
            ScoreLayout::BinaryComplement | ScoreLayout::BinaryNegate => 2,
        }
    }

    /// Whether the trees have covers, so path-dependent TreeSHAP is meaningful.
    pub fn has_covers(&self) -> bool {
        self.covers != Covers::Absent
    }

    /// `Ok` when the covers are present; otherwise [`OnnxError::NoCovers`], whose message says
    /// to recompute them or to use interventional TreeSHAP.
    pub fn require_covers(&self) -> Result<(), OnnxError> {
        if self.has_covers() {
            Ok(())
        } else {
            Err(OnnxError::NoCovers {
                file: self.file.clone(),
            })
        }
    }

    /// Sets every node's cover to the number of rows of `data`, shape (samples, features), that
    /// reach it: with the training rows, path-dependent TreeSHAP then equals the original
    /// library's (which counts the training samples per node).
    pub fn recompute_covers(&mut self, data: ArrayView2<'_, f64>) -> Result<(), OnnxError> {
        covers::recompute(&mut self.ensemble, data).map_err(|message| OnnxError::CoverData {
            file: self.file.clone(),
            message,
        })?;
        self.covers = Covers::Recomputed { rows: data.nrows() };
        Ok(())
    }

    /// The scores onnxruntime reports for `x`, shape (samples, features): shape
    /// (samples, [`OnnxModel::n_scores`]) — a regressor's predictions, a classifier's
    /// probabilities (or scores).
    pub fn predict_scores(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>, CoreError> {
        let margins = self.ensemble.predict(x)?;
        Ok(match self.layout {
            ScoreLayout::Direct => self.link.apply(margins.view()),
            ScoreLayout::BinaryComplement => Array2::from_shape_fn((x.nrows(), 2), |(i, j)| {
                let s = margins[[i, 0]];
                if j == 0 { 1.0 - s } else { s }
            }),
            ScoreLayout::BinaryNegate => Array2::from_shape_fn((x.nrows(), 2), |(i, j)| {
                let s = if j == 0 {
                    -margins[[i, 0]]
                } else {
                    margins[[i, 0]]
                };
                if self.link == Link::Logistic {
                    sigmoid(s)
                } else {
                    s
                }
            }),
        })
    }
}

impl Predict for OnnxModel {
    fn n_features(&self) -> usize {
        self.ensemble.n_features
    }

    fn n_outputs(&self) -> usize {
        self.ensemble.n_outputs
    }

    /// Margins, shape (samples, outputs), for `x`, shape (samples, features).
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>, CoreError> {
        check_input(x, self.ensemble.n_features)?;
        self.ensemble.predict(x)
    }
    fn prepare(&self) -> Option<Box<dyn Predict + '_>> {
        self.ensemble.prepare()
    }
}

impl AsTreeEnsemble for OnnxModel {
    fn tree_ensemble(&self) -> &TreeEnsemble {
        &self.ensemble
    }
}
