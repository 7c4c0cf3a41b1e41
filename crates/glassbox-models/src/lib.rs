//! glassbox-models: every model glassbox trains or imports, each ending in core's capability
//! traits ([`glassbox_core::Predict`], [`glassbox_core::model::AsTreeEnsemble`], ...).
//!
//! * [`forest`]: CART regression trees and the random forest.
//! * [`gbdt`]: importers for boosted trees trained elsewhere (XGBoost JSON, LightGBM text).
//! * [`nn`]: glassbox's explicit layer engine (Dense, ReLU, ...), training, safetensors weights.
//! * [`saved`]: the versioned model file written by `glassbox train`.

pub mod error;
pub mod forest;
pub mod gbdt;
pub mod nn;
pub mod saved;

pub use error::ModelError;
