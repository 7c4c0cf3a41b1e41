//! `glassbox train`: arguments -> [`glassbox::tabular::TrainSettings`] -> train -> the run
//! folder -> one line.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use glassbox::run_dir::final_path;
use glassbox::tabular::{self, TrainSetting, TrainSettings, hidden_name, max_features_name};
use glassbox_data::read_table;
use glassbox_models::forest::RandomForestParams;
use glassbox_models::nn::{MlpParams, parse_hidden};

use crate::progress::Bars;
use crate::table_args::TableArgs;

/// The `metrics.json` record of a training run.
pub type Metrics = glassbox::records::tabular::TrainMetrics;

/// The kinds of model `train` can fit.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelKind {
    /// Random-forest regressor (CART trees, bootstrap), explained exactly by TreeSHAP.
    Forest,
    /// Multilayer perceptron (Dense + ReLU, MSE, Adam), explained by DeepSHAP.
    Mlp,
}

fn forest_default() -> RandomForestParams {
    RandomForestParams::default()
}

fn mlp_default() -> MlpParams {
    MlpParams::default()
}

impl From<tabular::ModelKind> for ModelKind {
    fn from(kind: tabular::ModelKind) -> Self {
        match kind {
            tabular::ModelKind::Forest => ModelKind::Forest,
            tabular::ModelKind::Mlp => ModelKind::Mlp,
        }
    }
}

impl From<ModelKind> for tabular::ModelKind {
    fn from(kind: ModelKind) -> Self {
        match kind {
            ModelKind::Forest => tabular::ModelKind::Forest,
            ModelKind::Mlp => tabular::ModelKind::Mlp,
        }
    }
}

/// Neural-network (MLP) hyper-parameters.
#[derive(Args, Debug, Clone)]
pub struct MlpArgs {
    /// Hidden layer widths, comma-separated (each followed by a ReLU).
    #[arg(long, default_value_t = hidden_name(&mlp_default().hidden), help_heading = "MLP")]
    pub hidden: String,
    /// Passes over the training rows.
    #[arg(long, default_value_t = mlp_default().epochs, help_heading = "MLP")]
    pub epochs: usize,
    /// Rows per mini-batch.
    #[arg(long, default_value_t = mlp_default().batch_size, help_heading = "MLP")]
    pub batch_size: usize,
    /// Adam learning rate (Adam β1 0.9, β2 0.999, ε 1e-7 as in Keras).
    #[arg(long, default_value_t = mlp_default().learning_rate, help_heading = "MLP")]
    pub lr: f64,
}

/// Random-forest hyper-parameters (scikit-learn's defaults).
#[derive(Args, Debug, Clone)]
pub struct ForestArgs {
    /// Number of trees.
    #[arg(long, default_value_t = forest_default().n_estimators, help_heading = "Forest")]
    pub n_trees: usize,
    /// Maximum tree depth (default: unlimited).
    #[arg(long, help_heading = "Forest")]
    pub max_depth: Option<usize>,
    /// Minimum samples a node needs to be split.
    #[arg(long, default_value_t = forest_default().min_samples_split, help_heading = "Forest")]
    pub min_samples_split: usize,
    /// Minimum samples in each leaf.
    #[arg(long, default_value_t = forest_default().min_samples_leaf, help_heading = "Forest")]
    pub min_samples_leaf: usize,
    /// Features tried per split: all, sqrt, log2, a fraction in (0, 1] or a count.
    #[arg(long, default_value_t = max_features_name(forest_default().max_features), help_heading = "Forest")]
    pub max_features: String,
}

/// Arguments of `glassbox train`.
#[derive(Args, Debug, Clone)]
pub struct TrainArgs {
    #[command(flatten)]
    pub table: TableArgs,
    /// Target column to predict.
    #[arg(long, value_name = "COLUMN")]
    pub target: String,
    /// Columns to leave out of the features, comma-separated (identifiers, text columns).
    #[arg(long, value_delimiter = ',', value_name = "COLUMNS")]
    pub drop: Vec<String>,
    /// Model to train.
    #[arg(long, value_enum, default_value_t = ModelKind::from(TrainSettings::default().model))]
    pub model: ModelKind,
    /// Seed for the split and the model.
    #[arg(long, default_value_t = TrainSettings::default().seed)]
    pub seed: u64,
    /// Fraction of rows held out for testing.
    #[arg(long, default_value_t = TrainSettings::default().test_fraction)]
    pub test_fraction: f64,
    /// Output folder (must be absent or empty unless --force).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Replace a non-empty output folder.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub forest: ForestArgs,
    #[command(flatten)]
    pub mlp: MlpArgs,
}

/// The settings the arguments describe.
fn settings(args: &TrainArgs) -> Result<TrainSettings> {
    let forest = RandomForestParams {
        n_estimators: args.forest.n_trees,
        max_depth: args.forest.max_depth,
        min_samples_split: args.forest.min_samples_split,
        min_samples_leaf: args.forest.min_samples_leaf,
        max_features: tabular::parse_max_features(&args.forest.max_features)?,
        ..forest_default()
    };
    let mlp = MlpParams {
        hidden: parse_hidden(&args.mlp.hidden).context("--hidden")?,
        epochs: args.mlp.epochs,
        batch_size: args.mlp.batch_size,
        learning_rate: args.mlp.lr,
        ..mlp_default()
    };
    Ok(TrainSettings {
        target: args.target.clone(),
        drop: args.drop.clone(),
        model: args.model.into(),
        seed: args.seed,
        test_fraction: args.test_fraction,
        forest,
        mlp,
    })
}

/// The settings among `ids` (clap argument ids of `train` the user typed) that only one kind
/// of model reads.
pub fn given_settings(ids: &[&str]) -> Vec<TrainSetting> {
    ids.iter()
        .copied()
        .filter_map(TrainSetting::from_flag)
        .collect()
}

/// Runs `train`; `given` lists the model settings the user typed, refused where the model
/// does not read them. Returns the output folder and the metrics.
pub fn run_given(
    args: &TrainArgs,
    given: &[TrainSetting],
    quiet: bool,
) -> Result<(PathBuf, Metrics)> {
    tabular::ModelKind::from(args.model).refuse_unused(given)?;
    let settings = settings(args)?;
    settings.validate()?;
    let staging = crate::output::stage(&args.out, args.force, &[&args.table.data], quiet)?;
    let raw = read_table(&args.table.data, &args.table.read_options())?;
    let run = tabular::train(&raw, &settings, &Bars::new(quiet))?;
    run.write(staging.dir())?;
    let dir = staging.commit()?;
    let (m, fit_seconds) = (run.metrics, run.fit_seconds);
    if !quiet {
        eprintln!(
            "trained {} on {} rows: test R² {:.5}, RMSE {}, MAE {} ({:.2} s) -> {}",
            m.model,
            m.train.n,
            m.test.r2,
            error_text(m.test.rmse),
            error_text(m.test.mae),
            fit_seconds,
            final_path(&dir).display()
        );
    }
    Ok((dir, m))
}

/// An error metric in the target's units for the one-line summary: 4 decimals, or 5
/// significant digits in scientific notation when the target is huge or tiny.
fn error_text(v: f64) -> String {
    if v != 0.0 && !(1e-3..1e6).contains(&v.abs()) {
        format!("{v:.4e}")
    } else {
        format!("{v:.4}")
    }
}
