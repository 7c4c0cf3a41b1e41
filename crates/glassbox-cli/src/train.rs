//! `glassbox train`: table -> split -> min-max scaling -> model -> metrics, plot, model file.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use glassbox_core::ndarray::{Array1, Axis};
use glassbox_core::{MinMaxScaler, RegressionMetrics};
use glassbox_data::{Split, read_table, train_test_split};
use glassbox_models::ModelError;
use glassbox_models::forest::{MaxFeatures, RandomForestParams};
use glassbox_models::nn::{MlpParams, parse_hidden};
use glassbox_models::saved::{ModelPayload, SavedModel, TrainingInfo};
use serde::Serialize;

use crate::output::Staging;
use crate::table_args::TableArgs;
use crate::tables::{num, write_csv, write_json};

/// The kinds of model `train` can fit.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelKind {
    /// Random-forest regressor (CART trees, bootstrap), explained exactly by TreeSHAP.
    Forest,
    /// Multilayer perceptron (Dense + ReLU, MSE, Adam), explained by DeepSHAP.
    Mlp,
}

/// Neural-network (MLP) hyper-parameters.
#[derive(Args, Debug, Clone)]
pub struct MlpArgs {
    /// Hidden layer widths, comma-separated (each followed by a ReLU).
    #[arg(long, default_value = "10,10,10,10,10", help_heading = "MLP")]
    pub hidden: String,
    /// Passes over the training rows.
    #[arg(long, default_value_t = 50, help_heading = "MLP")]
    pub epochs: usize,
    /// Rows per mini-batch.
    #[arg(long, default_value_t = 32, help_heading = "MLP")]
    pub batch_size: usize,
    /// Adam learning rate (Adam β1 0.9, β2 0.999, ε 1e-7 as in Keras).
    #[arg(long, default_value_t = 1e-3, help_heading = "MLP")]
    pub lr: f64,
}

/// Random-forest hyper-parameters (scikit-learn's defaults).
#[derive(Args, Debug, Clone)]
pub struct ForestArgs {
    /// Number of trees.
    #[arg(long, default_value_t = 100, help_heading = "Forest")]
    pub n_trees: usize,
    /// Maximum tree depth (default: unlimited).
    #[arg(long, help_heading = "Forest")]
    pub max_depth: Option<usize>,
    /// Minimum samples a node needs to be split.
    #[arg(long, default_value_t = 2, help_heading = "Forest")]
    pub min_samples_split: usize,
    /// Minimum samples in each leaf.
    #[arg(long, default_value_t = 1, help_heading = "Forest")]
    pub min_samples_leaf: usize,
    /// Features tried per split: all, sqrt, log2, a fraction in (0, 1] or a count.
    #[arg(long, default_value = "all", help_heading = "Forest")]
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
    #[arg(long, value_enum, default_value_t = ModelKind::Forest)]
    pub model: ModelKind,
    /// Seed for the split and the model.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Fraction of rows held out for testing.
    #[arg(long, default_value_t = 0.3)]
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

/// Train and test metrics, as written to `metrics.json`.
#[derive(Serialize, Debug, Clone)]
pub struct Metrics {
    /// Model kind.
    pub model: String,
    /// Target column.
    pub target: String,
    /// Metrics on the training rows.
    pub train: RegressionMetrics,
    /// Metrics on the held-out test rows.
    pub test: RegressionMetrics,
    /// Seconds spent fitting.
    pub fit_seconds: f64,
    /// Training loss after each epoch (MLP only; MSE in the scaled target units).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub loss_history: Vec<f64>,
}

fn parse_max_features(s: &str) -> Result<MaxFeatures> {
    Ok(match s {
        "all" | "1.0" => MaxFeatures::All,
        "sqrt" => MaxFeatures::Sqrt,
        "log2" => MaxFeatures::Log2,
        _ => {
            if let Ok(n) = s.parse::<usize>() {
                MaxFeatures::Count(n)
            } else if let Ok(f) = s.parse::<f64>() {
                if !(f > 0.0 && f <= 1.0) {
                    bail!("--max-features {s}: a fraction must be in (0, 1]");
                }
                MaxFeatures::Fraction(f)
            } else {
                bail!(
                    "--max-features {s}: expected all, sqrt, log2, a fraction in (0, 1] or a count"
                );
            }
        }
    })
}

/// Runs `train`; returns the output folder and the metrics.
pub fn run(args: &TrainArgs, quiet: bool) -> Result<(PathBuf, Metrics)> {
    if !(args.test_fraction > 0.0 && args.test_fraction < 1.0) {
        bail!(
            "--test-fraction {}: must be strictly between 0 and 1",
            args.test_fraction
        );
    }
    let staging = Staging::new(&args.out, args.force)?;
    let raw = read_table(&args.table.data, &args.table.read_options())?;
    let table = raw.to_training_table(&args.target, &args.drop)?;
    let y = table
        .target
        .clone()
        .context("training table has no target")?;
    let split = train_test_split(table.n_samples(), args.test_fraction, args.seed)
        .with_context(|| args.table.data.display().to_string())?;
    let scaler = MinMaxScaler::fit(table.features.select(Axis(0), &split.train).view())?;
    let x = scaler.transform(table.features.view())?;
    let (x_train, y_train) = (
        x.select(Axis(0), &split.train),
        y.select(Axis(0), &split.train),
    );

    let started = Instant::now();
    let payload = match args.model {
        ModelKind::Forest => {
            let spinner = crate::progress::spinner("train", quiet);
            spinner.set_message(format!(
                "forest on {} rows x {} features",
                split.train.len(),
                table.n_features()
            ));
            let params = RandomForestParams {
                n_estimators: args.forest.n_trees,
                max_depth: args.forest.max_depth,
                min_samples_split: args.forest.min_samples_split,
                min_samples_leaf: args.forest.min_samples_leaf,
                max_features: parse_max_features(&args.forest.max_features)?,
                seed: args.seed,
                ..RandomForestParams::default()
            };
            let forest = params
                .fit(x_train.view(), y_train.view())?
                .with_feature_names(table.feature_names.clone())?;
            spinner.finish_and_clear();
            ModelPayload::RandomForest {
                params,
                ensemble: forest.into_ensemble(),
            }
        }
        ModelKind::Mlp => {
            let params = MlpParams {
                hidden: parse_hidden(&args.mlp.hidden).context("--hidden")?,
                epochs: args.mlp.epochs,
                batch_size: args.mlp.batch_size,
                learning_rate: args.mlp.lr,
                seed: args.seed,
                ..MlpParams::default()
            };
            params.validate().context("MLP settings")?;
            let bar = crate::progress::bar(params.epochs as u64, "train mlp", quiet);
            let y_train = y_train.view().insert_axis(Axis(1));
            let mlp = params
                .fit(x_train.view(), y_train, &mut |r| {
                    bar.set_position(r.epoch as u64);
                    bar.set_message(format!("loss {:.3e}", r.train_loss));
                })
                .map_err(|e| match e {
                    ModelError::Diverged { .. } => {
                        anyhow::anyhow!("{e}; try a lower --lr (now {})", args.mlp.lr)
                    }
                    e => e.into(),
                })?;
            bar.finish_and_clear();
            ModelPayload::mlp(mlp)
        }
    };
    let fit_seconds = started.elapsed().as_secs_f64();
    let loss_history = payload_loss(&payload);

    let saved = SavedModel::new(
        table.feature_names.clone(),
        args.target.clone(),
        scaler,
        payload,
        TrainingInfo {
            seed: args.seed,
            test_fraction: args.test_fraction,
            n_train: split.train.len(),
            n_test: split.test.len(),
            data_file: args.table.data.display().to_string(),
        },
    );
    let predicted: Array1<f64> = saved.predict(table.features.view())?.column(0).to_owned();
    let metric = |rows: &[usize]| -> Result<RegressionMetrics> {
        let m: Vec<f64> = rows.iter().map(|&i| y[i]).collect();
        let p: Vec<f64> = rows.iter().map(|&i| predicted[i]).collect();
        Ok(RegressionMetrics::compute(&m, &p)?)
    };
    let metrics = Metrics {
        model: format!("{:?}", args.model).to_lowercase(),
        target: args.target.clone(),
        train: metric(&split.train)?,
        test: metric(&split.test)?,
        fit_seconds,
        loss_history,
    };

    saved.save(&staging.path("model.json"))?;
    write_json(&staging.path("metrics.json"), &metrics)?;
    write_split(&staging.path("split.csv"), &split, &table.row_ids)?;
    write_csv(
        &staging.path("predictions.csv"),
        &[
            "row_id".into(),
            "set".into(),
            "measured".into(),
            "predicted".into(),
        ],
        (0..table.n_samples()).map(|i| {
            let set = if split.test.binary_search(&i).is_ok() {
                "test"
            } else {
                "train"
            };
            vec![
                table.row_ids[i].clone(),
                set.into(),
                num(y[i]),
                num(predicted[i]),
            ]
        }),
    )?;
    let measured_test: Vec<f64> = split.test.iter().map(|&i| y[i]).collect();
    let predicted_test: Vec<f64> = split.test.iter().map(|&i| predicted[i]).collect();
    let fig = glassbox_plot::measured_vs_predicted(
        &measured_test,
        &predicted_test,
        &format!(
            "{} — test set ({} rows)",
            model_title(args.model),
            split.test.len()
        ),
        &args.target,
    )?;
    fig.save(&staging.path("measured_vs_predicted"))?;
    if !metrics.loss_history.is_empty() {
        write_loss(&staging, &metrics.loss_history)?;
    }
    let dir = staging.commit()?;
    if !quiet {
        eprintln!(
            "trained {} on {} rows: test R² {:.5}, RMSE {:.4}, MAE {:.4} ({:.2} s) -> {}",
            metrics.model,
            split.train.len(),
            metrics.test.r2,
            metrics.test.rmse,
            metrics.test.mae,
            fit_seconds,
            crate::output::final_path(&dir).display()
        );
    }
    Ok((dir, metrics))
}

fn model_title(kind: ModelKind) -> &'static str {
    match kind {
        ModelKind::Forest => "Random forest",
        ModelKind::Mlp => "Neural network (MLP)",
    }
}

fn payload_loss(payload: &ModelPayload) -> Vec<f64> {
    match payload {
        ModelPayload::Mlp {
            network: Some(net), ..
        } => net.0.loss_history().to_vec(),
        _ => Vec::new(),
    }
}

/// Writes `loss.csv` (epoch, loss) and the loss-curve plot.
fn write_loss(staging: &Staging, loss: &[f64]) -> Result<()> {
    write_csv(
        &staging.path("loss.csv"),
        &["epoch".into(), "train_loss".into()],
        loss.iter()
            .enumerate()
            .map(|(i, l)| vec![(i + 1).to_string(), num(*l)]),
    )?;
    let epochs: Vec<f64> = (1..=loss.len()).map(|e| e as f64).collect();
    let series = [glassbox_plot::Series::new(
        "training loss (MSE, scaled target)",
        epochs,
        loss.to_vec(),
    )];
    glassbox_plot::line_chart(&series, "Training loss per epoch", "epoch", "loss", true)?
        .save(&staging.path("loss_curve"))?;
    Ok(())
}

fn write_split(path: &Path, split: &Split, row_ids: &[String]) -> Result<()> {
    let mut rows: Vec<(usize, &str)> = split.train.iter().map(|&i| (i, "train")).collect();
    rows.extend(split.test.iter().map(|&i| (i, "test")));
    rows.sort_unstable();
    write_csv(
        path,
        &["row".into(), "row_id".into(), "set".into()],
        rows.into_iter()
            .map(|(i, s)| vec![i.to_string(), row_ids[i].clone(), s.to_string()]),
    )
}
