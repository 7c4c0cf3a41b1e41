//! Training on a table: seeded split, min-max scaling on the training rows, a random forest or
//! an MLP, metrics, and the run folder `glassbox train` writes.

use std::path::Path;
use std::time::Instant;

use glassbox_core::ndarray::{Array1, Axis};
use glassbox_core::{MinMaxScaler, RegressionMetrics, Table};
use glassbox_data::{RawTable, Split, train_test_split};
use glassbox_models::ModelError;
use glassbox_models::forest::{MaxFeatures, RandomForestParams};
use glassbox_models::nn::MlpParams;
use glassbox_models::saved::{ModelPayload, SavedModel, TrainingInfo};

use crate::records::tabular::TrainMetrics;
use crate::records::{Timings, write_record};
use crate::run_dir::{num, write_csv};
use crate::{Error, Model, Progress, Result};

/// The kinds of model [`train`] fits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ModelKind {
    /// Random-forest regressor (CART trees, bootstrap), explained exactly by TreeSHAP.
    #[default]
    Forest,
    /// Multilayer perceptron (Dense + ReLU, MSE, Adam), explained by DeepSHAP.
    Mlp,
}

impl ModelKind {
    /// `forest` or `mlp` (as recorded in `metrics.json`).
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Forest => "forest",
            ModelKind::Mlp => "mlp",
        }
    }

    fn title(self) -> &'static str {
        match self {
            ModelKind::Forest => "Random forest",
            ModelKind::Mlp => "Neural network (MLP)",
        }
    }
}

/// Settings of [`train`].
#[derive(Clone, Debug)]
pub struct TrainSettings {
    /// Target column to predict (required).
    pub target: String,
    /// Columns to leave out of the features (identifiers, text). Default none.
    pub drop: Vec<String>,
    /// The model to fit. Default forest.
    pub model: ModelKind,
    /// Seed of the split and the model (overrides the seeds in `forest` and `mlp`). Default 42.
    pub seed: u64,
    /// Fraction of rows held out for testing, in (0, 1). Default 0.3.
    pub test_fraction: f64,
    /// Forest hyper-parameters. Default scikit-learn's (100 trees, all features per split).
    pub forest: RandomForestParams,
    /// MLP hyper-parameters. Default five hidden layers of 10, 50 epochs, batch 32, lr 1e-3.
    pub mlp: MlpParams,
}

impl Default for TrainSettings {
    fn default() -> Self {
        TrainSettings {
            target: String::new(),
            drop: Vec::new(),
            model: ModelKind::Forest,
            seed: 42,
            test_fraction: 0.3,
            forest: RandomForestParams::default(),
            mlp: MlpParams::default(),
        }
    }
}

/// Most weights an MLP may have (8 bytes each, with Adam's two moments and the gradient: 32
/// bytes per weight, so 2^27 weights need 4 GiB): larger `--hidden` widths are refused before
/// anything is allocated.
pub const MAX_MLP_WEIGHTS: u128 = 1 << 27;

impl TrainSettings {
    /// Checks the settings that need no data, naming each by its command-line flag: the test
    /// fraction, and the chosen model's hyper-parameters (forest: `--n-trees`, `--max-depth`,
    /// `--min-samples-split`, `--min-samples-leaf`; MLP: `--hidden` (at most
    /// [`MAX_MLP_WEIGHTS`] weights for `n_features` inputs, when known), `--epochs`,
    /// `--batch-size`, `--lr`). [`train`] checks the rest against the data.
    pub fn validate(&self) -> Result<()> {
        self.validate_for(None)
    }

    fn validate_for(&self, n_features: Option<usize>) -> Result<()> {
        let bad = |m: String| Err(Error::Settings(m));
        if !(self.test_fraction > 0.0 && self.test_fraction < 1.0) {
            return bad(format!(
                "--test-fraction {}: must be strictly between 0 and 1",
                self.test_fraction
            ));
        }
        match self.model {
            ModelKind::Forest => {
                let f = &self.forest;
                if f.n_estimators == 0 || u32::try_from(f.n_estimators).is_err() {
                    return bad(format!(
                        "--n-trees {}: must be between 1 and 2^32-1",
                        f.n_estimators
                    ));
                }
                if f.max_depth == Some(0) {
                    return bad("--max-depth 0: must be at least 1 (or none for unlimited)".into());
                }
                if f.min_samples_split < 2 {
                    return bad(format!(
                        "--min-samples-split {}: must be at least 2",
                        f.min_samples_split
                    ));
                }
                if f.min_samples_leaf == 0 {
                    return bad("--min-samples-leaf 0: must be at least 1".into());
                }
            }
            ModelKind::Mlp => self.validate_mlp(n_features)?,
        }
        Ok(())
    }

    fn validate_mlp(&self, n_features: Option<usize>) -> Result<()> {
        let (m, bad) = (&self.mlp, |m: String| Err(Error::Settings(m)));
        if let Some(i) = m.hidden.iter().position(|&w| w == 0) {
            return bad(format!(
                "--hidden {}: layer {} has width 0; widths must be at least 1",
                hidden_name(&m.hidden),
                i + 1
            ));
        }
        let widths: Vec<u128> = std::iter::once(n_features.unwrap_or(1) as u128)
            .chain(m.hidden.iter().map(|&w| w as u128))
            .chain(std::iter::once(1))
            .collect();
        let weights: u128 = widths.windows(2).map(|p| p[0] * p[1] + p[1]).sum();
        if weights > MAX_MLP_WEIGHTS {
            return bad(format!(
                "--hidden {}: {weights} weights; at most {MAX_MLP_WEIGHTS} fit in memory (4 GiB with Adam's state)",
                hidden_name(&m.hidden)
            ));
        }
        if m.epochs == 0 {
            return bad("--epochs 0: must be at least 1".into());
        }
        if m.batch_size == 0 {
            return bad("--batch-size 0: must be at least 1".into());
        }
        if !(m.learning_rate.is_finite() && m.learning_rate > 0.0) {
            return bad(format!(
                "--lr {}: must be a finite number > 0",
                m.learning_rate
            ));
        }
        Ok(())
    }
}

/// Parses a forest's features-per-split setting: `all`, `sqrt`, `log2`, a fraction in (0, 1]
/// or a count.
pub fn parse_max_features(s: &str) -> Result<MaxFeatures> {
    Ok(match s {
        "all" | "1.0" => MaxFeatures::All,
        "sqrt" => MaxFeatures::Sqrt,
        "log2" => MaxFeatures::Log2,
        _ => {
            if let Ok(n) = s.parse::<usize>() {
                MaxFeatures::Count(n)
            } else if let Ok(f) = s.parse::<f64>() {
                if !(f > 0.0 && f <= 1.0) {
                    return Err(Error::Settings(format!(
                        "--max-features {s}: a fraction must be in (0, 1]"
                    )));
                }
                MaxFeatures::Fraction(f)
            } else {
                return Err(Error::Settings(format!(
                    "--max-features {s}: expected all, sqrt, log2, a fraction in (0, 1] or a count"
                )));
            }
        }
    })
}

/// How [`parse_max_features`] spells `m`.
pub fn max_features_name(m: MaxFeatures) -> String {
    match m {
        MaxFeatures::All => "all".into(),
        MaxFeatures::Sqrt => "sqrt".into(),
        MaxFeatures::Log2 => "log2".into(),
        MaxFeatures::Fraction(f) => f.to_string(),
        MaxFeatures::Count(n) => n.to_string(),
    }
}

/// Hidden layer widths as `glassbox train --hidden` spells them (`10,10,10`).
pub fn hidden_name(widths: &[usize]) -> String {
    widths
        .iter()
        .map(|w| w.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// A trained model with its split, predictions and metrics ([`train`]).
#[derive(Clone, Debug)]
pub struct TrainedRun {
    /// The model as saved in `model.json`.
    pub saved: SavedModel,
    /// The feature table (raw values) and target it was trained on.
    pub table: Table,
    /// The train/test split of the table's rows.
    pub split: Split,
    /// The model's prediction for every row of the table.
    pub predicted: Array1<f64>,
    /// The `metrics.json` record.
    pub metrics: TrainMetrics,
    /// Wall-clock seconds spent fitting (written to `timings.json`, not `metrics.json`, so that
    /// two identical runs write identical metrics).
    pub fit_seconds: f64,
    kind: ModelKind,
}

/// Trains a model on `raw`: the target and features of `settings`, a seeded split, min-max
/// scaling fitted on the training rows, the model, and train/test metrics.
pub fn train(
    raw: &RawTable,
    settings: &TrainSettings,
    progress: &dyn Progress,
) -> Result<TrainedRun> {
    let s = settings;
    s.validate()?;
    let (table, categorical) = raw.to_training_table_categorical(&s.target, &s.drop)?;
    s.validate_for(Some(table.n_features()))?;
    let y = table
        .target
        .clone()
        .ok_or_else(|| Error::Input("training table has no target".into()))?;
    check_target_scale(raw.path(), &s.target, y.iter().copied())?;
    let split = train_test_split(table.n_samples(), s.test_fraction, s.seed)
        .map_err(|e| Error::Input(format!("{}: {e}", raw.path().display())))?;
    check_target_varies(raw.path(), &s.target, split.train.iter().map(|&i| y[i]))?;
    let scaler = MinMaxScaler::fit(table.features.select(Axis(0), &split.train).view())?;
    let x = scaler.transform(table.features.view())?;
    let (x_train, y_train) = (
        x.select(Axis(0), &split.train),
        y.select(Axis(0), &split.train),
    );
    let started = Instant::now();
    let payload = match s.model {
        ModelKind::Forest => {
            progress.start("train", None);
            let params = RandomForestParams {
                seed: s.seed,
                ..s.forest.clone()
            };
            let forest = params
                .fit(x_train.view(), y_train.view())?
                .with_feature_names(table.feature_names.clone())?;
            progress.finish();
            ModelPayload::RandomForest {
                params,
                ensemble: forest.into_ensemble(),
            }
        }
        ModelKind::Mlp => fit_mlp(s, x_train.view(), y_train.view(), progress)?,
    };
    let fit_seconds = started.elapsed().as_secs_f64();
    let saved = SavedModel::new(
        table.feature_names.clone(),
        s.target.clone(),
        scaler,
        payload,
        TrainingInfo {
            seed: s.seed,
            test_fraction: s.test_fraction,
            n_train: split.train.len(),
            n_test: split.test.len(),
            data_file: raw.path().display().to_string(),
        },
    )
    .with_categorical(categorical);
    let predicted: Array1<f64> = saved.predict(table.features.view())?.column(0).to_owned();
    let metric = |rows: &[usize]| -> Result<RegressionMetrics> {
        let m: Vec<f64> = rows.iter().map(|&i| y[i]).collect();
        let p: Vec<f64> = rows.iter().map(|&i| predicted[i]).collect();
        Ok(RegressionMetrics::compute(&m, &p)?)
    };
    let metrics = TrainMetrics {
        model: s.model.name().into(),
        target: s.target.clone(),
        train: metric(&split.train)?,
        test: metric(&split.test)?,
        loss_history: payload_loss(&saved.model),
    };
    Ok(TrainedRun {
        saved,
        table,
        split,
        predicted,
        metrics,
        fit_seconds,
        kind: s.model,
    })
}

/// Largest |target| trained on: squared errors (the MLP's loss, RMSE, R²) of larger values
/// overflow f64 and every metric would be inf or NaN.
pub const MAX_TARGET_ABS: f64 = 1e150;

/// Refuses a target whose values are too large for squared-error metrics, naming the column.
fn check_target_scale(path: &Path, target: &str, y: impl Iterator<Item = f64>) -> Result<()> {
    let largest = y.fold(0.0_f64, |m, v| m.max(v.abs()));
    if largest > MAX_TARGET_ABS {
        return Err(Error::Input(format!(
            "{}: target column '{target}' has values up to {largest:e} in magnitude: squared \
             errors overflow above {MAX_TARGET_ABS:e}; rescale the column (e.g. divide it by a \
             power of ten) and train again",
            path.display()
        )));
    }
    Ok(())
}

/// Refuses a target that takes one value on every training row: there is nothing to learn,
/// and R² (which compares the errors with the target's variance) is undefined.
fn check_target_varies(path: &Path, target: &str, mut y: impl Iterator<Item = f64>) -> Result<()> {
    let Some(first) = y.next() else {
        return Ok(());
    };
    if y.all(|v| v == first) {
        return Err(Error::Input(format!(
            "{}: target column '{target}' is {first} on every training row: there is nothing              to predict (and R² is undefined); choose a column that varies",
            path.display()
        )));
    }
    Ok(())
}

fn fit_mlp(
    s: &TrainSettings,
    x_train: glassbox_core::ndarray::ArrayView2<'_, f64>,
    y_train: glassbox_core::ndarray::ArrayView1<'_, f64>,
    progress: &dyn Progress,
) -> Result<ModelPayload> {
    let params = MlpParams {
        seed: s.seed,
        ..s.mlp.clone()
    };
    params
        .validate()
        .map_err(|e| Error::Settings(format!("MLP settings: {e}")))?;
    progress.start("train mlp", Some(params.epochs as u64));
    let y_train = y_train.insert_axis(Axis(1));
    let mlp = params
        .fit(x_train, y_train, &mut |_| progress.advance(1))
        .map_err(|e| match e {
            ModelError::Diverged { .. } => Error::Settings(format!(
                "{e}; try a lower --lr (now {})",
                params.learning_rate
            )),
            e => e.into(),
        })?;
    progress.finish();
    Ok(ModelPayload::mlp(mlp))
}

fn payload_loss(payload: &ModelPayload) -> Vec<f64> {
    match payload {
        ModelPayload::Mlp {
            network: Some(net), ..
        } => net.0.loss_history().to_vec(),
        _ => Vec::new(),
    }
}

impl TrainedRun {
    /// The trained model, ready to explain.
    pub fn model(&self) -> Model {
        Model::from_saved(self.saved.clone())
    }

    /// Writes the run folder's files into `dir`: `model.json` (and the MLP's architecture and
    /// weights), `metrics.json`, `split.csv`, `predictions.csv`, the measured-vs-predicted plot
    /// of the test rows, for MLPs `loss.csv` and the loss curve, and `timings.json`.
    pub fn write(&self, dir: &Path) -> Result<()> {
        let (table, split) = (&self.table, &self.split);
        let y = table.target.as_ref().expect("training table has a target");
        self.saved.save(&dir.join("model.json"))?;
        write_record(&dir.join("metrics.json"), &self.metrics)?;
        Timings::one("fit", self.fit_seconds).write(dir)?;
        write_split(&dir.join("split.csv"), split, &table.row_ids)?;
        let header = ["row_id", "set", "measured", "predicted"].map(String::from);
        write_csv(
            &dir.join("predictions.csv"),
            &header,
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
                    num(self.predicted[i]),
                ]
            }),
        )?;
        let measured: Vec<f64> = split.test.iter().map(|&i| y[i]).collect();
        let predicted: Vec<f64> = split.test.iter().map(|&i| self.predicted[i]).collect();
        glassbox_plot::measured_vs_predicted(
            &measured,
            &predicted,
            &format!(
                "{} — test set ({} rows)",
                self.kind.title(),
                split.test.len()
            ),
            &self.metrics.target,
        )?
        .save(&dir.join("measured_vs_predicted"))?;
        if !self.metrics.loss_history.is_empty() {
            write_loss(dir, &self.metrics.loss_history)?;
        }
        Ok(())
    }
}

/// Writes `loss.csv` (epoch, loss) and the loss-curve plot.
fn write_loss(dir: &Path, loss: &[f64]) -> Result<()> {
    write_csv(
        &dir.join("loss.csv"),
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
        .save(&dir.join("loss_curve"))?;
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
