//! Importers for boosted-tree models trained elsewhere, one file per format.
//!
//! * [`xgboost_json`]: XGBoost JSON models (1.x to 3.x schema), `x < threshold` goes left.
//! * [`lightgbm_txt`]: LightGBM text models, `x <= threshold` goes left.
//! * [`load_boosted`] reads a file with the format given or detected from its content, and
//!   returns an [`ImportedModel`]: a [`glassbox_core::TreeEnsemble`] in margin space plus the
//!   objective (link) and feature names.

pub mod detect;
pub mod imported;
pub mod lightgbm_txt;
pub mod xgboost_json;

/// Most input features an imported model may declare. Corrupt files can declare billions,
/// and everything downstream (input checks, explanations) holds rows of this width; real boosted
/// models stay far below (hashed text features reach a few million).
pub const MAX_FEATURES: usize = 10_000_000;

pub use detect::{detect_format, load_boosted, parse_boosted};
pub use imported::{BoostedFormat, ImportedModel, Objective};
pub use lightgbm_txt::parse_lightgbm_text;
pub use xgboost_json::parse_xgboost_json;
