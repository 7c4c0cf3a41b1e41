//! glassbox-core: the vocabulary every other glassbox crate agrees on.
//!
//! * [`Table`]: named numeric features `(samples, features)` with an optional target.
//! * [`TreeEnsemble`]: the one tree representation that every tree model (the random forest
//!   trained here, imported XGBoost and LightGBM models) converts into, and that every tree
//!   explainer consumes.
//! * [`Predict`] and friends: model capabilities, batch-first.
//! * [`Explanation`]: attribution values `(samples, features, outputs)` with base values and the
//!   local-accuracy invariant; [`SaliencyMap`] for images.
//! * [`MinMaxScaler`], the preprocessing stored with every model.
//! * [`link`]: margins to probabilities (sigmoid, softmax); [`metrics`]: regression and
//!   classification metrics, argmax; [`npy`]: NumPy `.npy` output.
//! * [`rng::Rng`]: the seeded generator behind every random choice in glassbox.
//! * [`atomic`]: write-to-temp-then-rename, so no output file is ever left half-written.
//!
//! Axis order is fixed everywhere: (samples, features, outputs); images are (N, C, H, W).

pub mod atomic;
pub mod conv_classifier;
pub mod differentiable;
pub mod error;
pub mod explanation;
pub mod feature_groups;
pub mod link;
pub mod metrics;
pub mod model;
pub mod npy;
pub mod rng;
pub mod scaler;
pub mod table;
pub mod tree;
mod tree_batch;
pub mod ziggurat;

pub use ndarray;

pub use conv_classifier::{ConvClassifier, GapHead, LayerGradients};
pub use error::CoreError;
pub use explanation::{Explanation, SaliencyMap};
pub use feature_groups::{FeatureGroups, OneHotColumn};
pub use link::Link;
pub use metrics::{ClassMetrics, ClassificationMetrics, RegressionMetrics};
pub use model::Predict;
pub use scaler::MinMaxScaler;
pub use table::Table;
pub use tree::{LEAF, Missing, SplitCondition, Tree, TreeEnsemble};
pub use tree_batch::PreparedEnsemble;
