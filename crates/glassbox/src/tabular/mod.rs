//! Tables: training ([`train`]), the one explain entry point for per-row methods
//! ([`explain`]), and the global methods ([`permutation_importance`],
//! [`partial_dependence`]), each with the run files `glassbox train` / `glassbox explain`
//! write.
//!
//! Every function takes raw feature values (a [`glassbox_core::Table`] in the model's feature
//! order, e.g. from [`crate::Model::feature_table`]) and plain settings structs whose
//! `Default` is the documented default. Exact methods are checked for local accuracy inside
//! ([`TabularExplanation::local_accuracy_rtol`]); the output space (margin or probability) is
//! a setting ([`ExplainSettings::output`]).
//!
//! # Train a forest and TreeSHAP it
//!
//! ```
//! use glassbox::tabular::{self, ExplainSettings, Method, ModelKind, TrainSettings};
//! use glassbox::data::{read_table, ReadOptions};
//! use glassbox::NoProgress;
//! # fn main() -> glassbox::Result<()> {
//! let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/concrete/concrete.csv");
//! let raw = read_table(path.as_ref(), &ReadOptions::default())?;
//! let mut settings = TrainSettings {
//!     target: "Compressive strength (MPa)".into(),
//!     model: ModelKind::Forest,
//!     ..TrainSettings::default()
//! };
//! settings.forest.n_estimators = 10;
//! let run = tabular::train(&raw, &settings, &NoProgress)?;
//! assert!(run.metrics.test.r2 > 0.7);
//!
//! let model = run.model();
//! let rows = model.feature_table(&raw, None)?.select_rows(&[0, 1, 2]);
//! let e = tabular::explain(&model, &rows, Method::TreeShap, &ExplainSettings::default(), &NoProgress)?;
//! // base value + the row's SHAP values = the model's prediction (checked at 1e-9 inside).
//! let sum: f64 = e.explanation.values.slice(glassbox::core::ndarray::s![0, .., 0]).sum();
//! assert!((e.explanation.base_values[[0, 0]] + sum - e.predictions[[0, 0]]).abs() < 1e-6);
//! # Ok(()) }
//! ```
//!
//! # Load an XGBoost model and explain probabilities
//!
//! ```
//! use glassbox::tabular::{self, ExplainSettings, Method, OutputSpace};
//! use glassbox::data::{read_table, ReadOptions};
//! use glassbox::{Model, NoProgress};
//! # fn main() -> glassbox::Result<()> {
//! let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../glassbox-models/tests/fixtures/gbdt");
//! let model = Model::load(format!("{dir}/xgb_binary.json").as_ref())?;
//! let raw = read_table(format!("{dir}/data.csv").as_ref(), &ReadOptions::default())?;
//! let rows = model.feature_table(&raw, Some("y"))?;
//! let settings = ExplainSettings {
//!     output: OutputSpace::Probability,
//!     background: 20,
//!     ..ExplainSettings::default()
//! };
//! let e = tabular::explain(&model, &rows, Method::InterventionalTreeShap, &settings, &NoProgress)?;
//! assert_eq!(e.explanation.output_names, ["probability"]);
//! assert!(e.predictions.iter().all(|p| (0.0..=1.0).contains(p)));
//! # Ok(()) }
//! ```
//!
//! # MLP and DeepSHAP
//!
//! ```
//! use glassbox::tabular::{self, ExplainSettings, Method, ModelKind, TrainSettings};
//! use glassbox::data::{read_table, ReadOptions};
//! use glassbox::NoProgress;
//! # fn main() -> glassbox::Result<()> {
//! let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/concrete/concrete.csv");
//! let raw = read_table(path.as_ref(), &ReadOptions::default())?;
//! let mut settings = TrainSettings {
//!     target: "Compressive strength (MPa)".into(),
//!     model: ModelKind::Mlp,
//!     ..TrainSettings::default()
//! };
//! settings.mlp.epochs = 5;
//! let run = tabular::train(&raw, &settings, &NoProgress)?;
//! let model = run.model();
//! let table = model.feature_table(&raw, None)?;
//! let explain = ExplainSettings {
//!     background: 20,
//!     // The background is sampled from the training rows, as `glassbox explain` does.
//!     background_pool: Some(table.select_rows(&run.split.train)),
//!     ..ExplainSettings::default()
//! };
//! let rows = table.select_rows(&run.split.test[..5]);
//! let e = tabular::explain(&model, &rows, Method::DeepShap, &explain, &NoProgress)?;
//! assert_eq!(e.background_rows, Some(20));
//! assert_eq!(e.local_accuracy_rtol, Some(1e-9));
//! # Ok(()) }
//! ```

mod agnostic;
mod background;
mod explain;
mod figures;
mod global;
mod job;
mod method;
mod rows;
mod saved;
mod settings;
mod stream;
mod train;
mod train_setting;
mod values_writer;
mod write;

pub use explain::{EXACT_RTOL, TabularExplanation, explain};
pub use figures::{DECISION_ROWS, FORCE_LABELS, FigureSource, PlotKind, PlotOptions, draw};
pub use glassbox_plot::HeatmapOrder;
pub use global::{
    PartialDependenceResult, PermutationResult, partial_dependence, permutation_importance,
};
pub use job::{Rows, TableJob};
pub use method::{Method, Setting};
pub use rows::{SplitSet, background_pool, background_table, split_rows, target_values};
pub use saved::{
    SAVED_FORMAT, SAVED_MANIFEST, SAVED_VERSION, SavedArray, SavedExplanation, SavedManifest,
};
pub use settings::{
    ExplainSettings, LimeMode, OutputSpace, PdpSettings, PermutationSettings, ProbabilityMethod,
    Scoring, ValuesFormat, WriteSettings,
};
pub use stream::{StreamSettings, StreamedExplanation, explain_streaming};
pub use train::{
    ModelKind, TrainSettings, TrainedRun, hidden_name, max_features_name, parse_max_features, train,
};
pub use train_setting::TrainSetting;
