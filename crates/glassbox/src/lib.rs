//! glassbox: explainable AI for tables and images.
//!
//! This crate is the application layer that the `glassbox` command-line tool, the HTML report
//! and the Python package all call:
//!
//! - **Models** — [`Model::load`] reads any model into one type: a glassbox run folder or
//!   `model.json` (random forest, MLP), a CNN run folder, an XGBoost JSON or LightGBM text
//!   file. A [`Model`] knows its feature names, its scaler (applied inside: callers pass raw
//!   feature values), its outputs and their names, its [`Link`](model::Link) (identity,
//!   logistic, softmax) and its capabilities ([`Model::trees`], [`Model::network`],
//!   [`Model::conv_classifier`]). The image entry points take a CNN's [`image::ImageModel`]
//!   (`ImageModel::try_from(model)`, refusing table models).
//! - **Explaining tables** — one entry point for the per-row methods, [`tabular::explain`]
//!   (TreeSHAP, interventional TreeSHAP, interaction values, DeepSHAP, Integrated Gradients,
//!   GradientSHAP, KernelSHAP, LIME), and [`tabular::permutation_importance`] /
//!   [`tabular::partial_dependence`] for the global ones. Settings are plain structs
//!   ([`tabular::ExplainSettings`], ...) whose `Default` is the documented default; settings
//!   that do not apply to a method are refused, and local accuracy (base value + sum of values =
//!   model output) is checked inside, once, for every exact method. [`tabular::TableJob`]
//!   selects a run's train/test rows and its background pool the way `glassbox explain` does.
//! - **Explaining images** — one entry point, [`image::explain_images`] (CAM, Grad-CAM,
//!   Grad-CAM++, Score-CAM, XGrad-CAM, HiResCAM, LayerCAM, Eigen-CAM, LIME), with the
//!   deletion/insertion curves and the randomisation sanity check.
//! - **Training** — [`tabular::train`] (forest, MLP) and [`image::train_cnn`].
//! - **Run folders** — each result writes the files of its run folder (CSV, JSON, PNG and SVG
//!   plots, `.npy`), all-or-nothing through [`run_dir::Staging`]; every JSON file has one typed
//!   record in [`records`], shared by the writer and every reader (the report reads nothing
//!   else), strict about unknown and missing fields.
//! - **Progress** — long work reports to a [`Progress`] the front end supplies; the library
//!   never prints.
//!
//! Runnable examples of the main jobs (doc tests, and the same as programs in `examples/`,
//! `cargo run -p glassbox --example NAME`):
//! train a forest and TreeSHAP it, load an XGBoost file and explain probabilities, MLP DeepSHAP
//! (in [`tabular`]; examples `forest_tree_shap`, `xgboost_probability`, `mlp_deep_shap`), and
//! Grad-CAM of a CNN on one image (in [`image`]; example `cnn_grad_cam`).
//!
//! In short, explaining a saved XGBoost classifier in probability space:
//!
//! ```
//! use glassbox::tabular::{self, ExplainSettings, Method, OutputSpace};
//! use glassbox::{Model, NoProgress};
//! # fn main() -> glassbox::Result<()> {
//! let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../glassbox-models/tests/fixtures/gbdt");
//! let model = Model::load(format!("{dir}/xgb_binary.json").as_ref())?;
//! let table = glassbox::data::read_table(format!("{dir}/data.csv").as_ref(), &Default::default())?;
//! let rows = model.feature_table(&table, Some("y"))?; // the model's columns, raw values
//! let settings = ExplainSettings { output: OutputSpace::Probability, ..Default::default() };
//! let e = tabular::explain(&model, &rows, Method::InterventionalTreeShap, &settings, &NoProgress)?;
//! println!("{:?}", e.explanation.mean_abs(0)); // mean |SHAP| per feature, probability units
//! # Ok(()) }
//! ```
//!
//! The algorithms live in the crates below, re-exported here: [`core`] (the vocabulary:
//! tables, tree ensembles, capability traits, explanations, links, metrics), [`data`] (tables
//! and image folders), [`models`] (forests, importers, the layer engine), [`explain`] (the
//! explainers) and [`plot`].

pub mod error;
pub mod image;
pub mod model;
pub mod progress;
pub mod records;
pub mod run_dir;
pub mod tabular;

pub use error::{Error, Result};
pub use model::Model;
pub use progress::{NoProgress, Progress};

pub use glassbox_core as core;
pub use glassbox_data as data;
pub use glassbox_explain as explain;
pub use glassbox_models as models;
pub use glassbox_plot as plot;
