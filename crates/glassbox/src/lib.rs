//! glassbox: explainable AI for tables and images.
//!
//! This crate is the application layer that the `glassbox` command-line tool, the HTML report
//! and the Python package all call. It loads any model into one type, explains it through one
//! entry point per domain (tables, images) with plain settings structs whose `Default` is the
//! documented default, and writes and reads typed run records.
//!
//! The algorithms live in the crates below it: `glassbox-core` (vocabulary), `glassbox-data`
//! (tables and image folders), `glassbox-models` (forests, importers, the layer engine),
//! `glassbox-explain` (TreeSHAP, KernelSHAP, DeepSHAP, LIME, CAM family) and `glassbox-plot`.

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
