//! `glassbox explain`: model + table -> attributions (CSV, JSON) and SHAP plots.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use glassbox_core::ndarray::{Array2, Array3, ArrayView2, Axis, concatenate};
use glassbox_core::{Predict, TreeEnsemble};
use glassbox_data::read_table;
use glassbox_explain::ShapValues;
use glassbox_explain::deep::{
    GradientShapOptions, IntegratedGradientsOptions, deep_shap, gradient_shap, integrated_gradients,
};
use glassbox_explain::shap::output::{
    OutputSpace, ProbabilityMethod, interventional_tree_shap_output,
};
use glassbox_explain::shap::{InteractionValues, tree_shap_interactions};
use glassbox_models::gbdt::{BoostedFormat, Objective, load_boosted};
use glassbox_models::nn::Mlp;
use glassbox_models::saved::SavedModel;
use serde::Serialize;
use std::sync::Arc;

use crate::output::Staging;
use crate::table_args::TableArgs;
use crate::tables::write_json;

/// Explanation methods.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Exact path-dependent TreeSHAP (tree models): expectations under the trees' covers.
    TreeShap,
    /// Exact interventional TreeSHAP against a background sample of the data (tree models).
    InterventionalTreeShap,
    /// Exact path-dependent SHAP interaction values (tree models): writes the SHAP values they
    /// sum to, the mean |interaction| matrix, and dependence plots coloured by the strongest
    /// interaction.
    Interactions,
    /// DeepSHAP: DeepLIFT-rescale multipliers averaged over background rows (neural networks).
    DeepShap,
    /// Integrated Gradients from the background mean (neural networks).
    IntegratedGradients,
    /// GradientSHAP / expected gradients against background rows (neural networks).
    GradientShap,
    /// KernelSHAP (any model): Shapley values from a weighted regression over coalitions against
    /// background rows (--background, --background-kmeans, --nsamples).
    KernelShap,
    /// LIME tabular (any model): a weighted ridge surrogate around each row (--lime-samples,
    /// --lime-mode); writes each surrogate's R² (fidelity) beside the weights.
    Lime,
    /// Permutation importance (any model): drop in R² or accuracy when a feature is shuffled
    /// (--repeats, --scoring).
    Permutation,
    /// Partial dependence and ICE curves (any model) on --grid points per feature.
    Pdp,
}

/// Model file formats.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelFormat {
    /// Detect: a run folder or glassbox model.json, else XGBoost JSON or LightGBM text by content.
    Auto,
    /// A glassbox run folder or model.json.
    Glassbox,
    /// XGBoost JSON (`booster.save_model("model.json")`).
    Xgboost,
    /// LightGBM text (`booster.save_model("model.txt")`).
    Lightgbm,
}

impl Method {
    fn name(self) -> &'static str {
        match self {
            Method::TreeShap => "tree-shap",
            Method::InterventionalTreeShap => "interventional-tree-shap",
            Method::Interactions => "interactions",
            Method::DeepShap => "deep-shap",
            Method::IntegratedGradients => "integrated-gradients",
            Method::GradientShap => "gradient-shap",
            Method::KernelShap => "kernel-shap",
            Method::Lime => "lime",
            Method::Permutation => "permutation",
            Method::Pdp => "pdp",
        }
    }
}

/// The space a classifier is explained in.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputArg {
    /// The raw model output: log-odds / class scores for boosted classifiers (exact and
    /// additive for every method).
    Margin,
    /// Class probabilities (imported binary-logistic or softmax classifiers, with
    /// interventional TreeSHAP, KernelSHAP or LIME).
    Probability,
}

/// How probability-space values are computed.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbabilityArg {
    /// Exact Shapley values of the probability game (at most 16 split features differing
    /// between a row and a background row).
    Exact,
    /// shap's rescale rule (any size; binary classifiers only).
    Rescaled,
}

/// Which rows of the table to explain.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rows {
    /// Every row of the table.
    All,
    /// The training rows of the run (needs `--model` to be a run folder with split.csv).
    Train,
    /// The held-out test rows of the run (needs `--model` to be a run folder with split.csv).
    Test,
}

/// Arguments of `glassbox explain`.
#[derive(Args, Debug, Clone)]
pub struct ExplainArgs {
    /// The model: a run folder written by `glassbox train` (or its model.json), an XGBoost JSON
    /// model file or a LightGBM text model file.
    #[arg(long, value_name = "PATH")]
    pub model: PathBuf,
    /// Format of --model.
    #[arg(long, value_enum, default_value_t = ModelFormat::Auto)]
    pub model_format: ModelFormat,
    /// Target column to leave out when an imported model without feature names reads the
    /// data's columns by position.
    #[arg(long, value_name = "COLUMN")]
    pub target: Option<String>,
    /// Background rows for interventional TreeSHAP, DeepSHAP, Integrated Gradients (their mean
    /// is the baseline) and GradientSHAP: a seeded sample of the run's training rows (of the
    /// table's rows for imported models).
    #[arg(long, default_value_t = 100)]
    pub background: usize,
    /// Seed for the background sample and sampling methods.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Output space of classifiers: margin (log-odds) or probability.
    #[arg(long, value_enum, default_value_t = OutputArg::Margin)]
    pub output: OutputArg,
    /// With --output probability: exact Shapley values of the probability, or shap's rescaling.
    #[arg(long, value_enum, default_value_t = ProbabilityArg::Exact)]
    pub probability_method: ProbabilityArg,
    /// Integrated Gradients: steps along the path (midpoint rule).
    #[arg(long, default_value_t = 50)]
    pub steps: usize,
    /// GradientSHAP: random draws per explained row.
    #[arg(long, default_value_t = 200)]
    pub gradient_samples: usize,
    #[command(flatten)]
    pub table: TableArgs,
    /// Explanation method.
    #[arg(long, value_enum, default_value_t = Method::TreeShap)]
    pub method: Method,
    /// KernelSHAP: coalitions per row (default 2M+2048, capped at 2^M-2; at least 2M+2).
    #[arg(long, help_heading = "Model-agnostic")]
    pub nsamples: Option<usize>,
    /// KernelSHAP: summarise the background pool by k-means with K centroids (weighted by
    /// cluster size) instead of sampling --background rows.
    #[arg(long, value_name = "K", help_heading = "Model-agnostic")]
    pub background_kmeans: Option<usize>,
    /// KernelSHAP: take the background from this table (the model's feature columns) instead
    /// of the run's training rows.
    #[arg(long, value_name = "FILE", help_heading = "Model-agnostic")]
    pub background_data: Option<PathBuf>,
    /// LIME: perturbed samples per row.
    #[arg(long, default_value_t = 5000, help_heading = "Model-agnostic")]
    pub lime_samples: usize,
    /// LIME: quartile discretisation or continuous perturbations.
    #[arg(long, value_enum, default_value_t = crate::explain_agnostic::LimeModeArg::Quartile, help_heading = "Model-agnostic")]
    pub lime_mode: crate::explain_agnostic::LimeModeArg,
    /// Permutation importance: shuffles per feature.
    #[arg(long, default_value_t = 5, help_heading = "Model-agnostic")]
    pub repeats: usize,
    /// Permutation importance: the score whose drop is measured (auto: accuracy for imported
    /// classifiers, R² otherwise).
    #[arg(long, value_enum, default_value_t = crate::explain_agnostic::ScoringArg::Auto, help_heading = "Model-agnostic")]
    pub scoring: crate::explain_agnostic::ScoringArg,
    /// Partial dependence: grid points per feature.
    #[arg(
        long,
        value_name = "POINTS",
        default_value_t = 20,
        help_heading = "Model-agnostic"
    )]
    pub grid: usize,
    /// Output folder (must be absent or empty unless --force).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Replace a non-empty output folder.
    #[arg(long)]
    pub force: bool,
    /// Features shown in the plots (the rest are summed into one bar / row).
    #[arg(long, default_value_t = 12)]
    pub max_display: usize,
    /// Row (0-based, among the rows explained) shown in the waterfall plot.
    #[arg(long, default_value_t = 0)]
    pub row: usize,
    /// Rows to explain: all rows of the table, or the run's train or test rows.
    #[arg(long, value_enum, default_value_t = Rows::All)]
    pub rows: Rows,
}

/// Summary written to `explanation.json`.
#[derive(Serialize, Debug, Clone)]
pub struct Summary {
    /// Method name.
    pub method: String,
    /// Model file explained.
    pub model: String,
    /// Data file explained.
    pub data: String,
    /// Rows explained.
    pub n_rows: usize,
    /// Feature names, in model order.
    pub features: Vec<String>,
    /// Output explained.
    pub output: String,
    /// Base value (expected model output) of the first row.
    pub base_value: f64,
    /// Local-accuracy tolerance checked on every row (relative); `null` for approximate methods
    /// (Integrated Gradients, GradientSHAP), whose completeness gap is reported instead.
    pub local_accuracy_rtol: Option<f64>,
    /// Largest relative local-accuracy error found.
    pub local_accuracy_max_rel_error: f64,
    /// Approximate methods: sum of |f(x) - base - sum φ| over rows divided by sum |f(x) - base|.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completeness_gap: Option<f64>,
    /// Background rows used (methods with a background).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub background_rows: Option<usize>,
    /// Mean |SHAP| per feature, sorted descending: (feature, value).
    pub mean_abs_shap: Vec<(String, f64)>,
    /// Seconds spent computing attributions.
    pub seconds: f64,
}

/// Local-accuracy tolerance for exact methods in f64.
const EXACT_RTOL: f64 = 1e-9;

fn model_json_path(path: &Path) -> PathBuf {
    if path.is_dir() {
        path.join("model.json")
    } else {
        path.to_path_buf()
    }
}

/// A model and the data in the model's own input space, ready to explain.
pub struct Prepared {
    /// The rows explained, raw feature values.
    pub table: glassbox_core::Table,
    /// Model input (scaled for glassbox models), (samples, features).
    pub x: Array2<f64>,
    /// Model output (margins for boosted classifiers), (samples, outputs).
    pub predictions: Array2<f64>,
    /// Trees of tree models.
    pub ensemble: Option<TreeEnsemble>,
    /// The neural network of MLP runs.
    pub network: Option<Arc<Mlp>>,
    /// The model, predicting from `x`-space input (for model-agnostic methods).
    pub model: Arc<dyn Predict>,
    /// The scaler from raw feature values to `x` (glassbox models); `None` when the model reads
    /// raw values (imported models).
    pub scaler: Option<glassbox_core::MinMaxScaler>,
    /// The target column the model was trained on (glassbox models).
    pub target_name: Option<String>,
    /// Rows background samples are drawn from, in model input space, (rows, features): the
    /// run's training rows when the run folder has its split, else the table's rows.
    pub background_pool: Array2<f64>,
    /// Output names.
    pub output_names: Vec<String>,
    /// For imported classifiers whose probabilities glassbox can reproduce: probability output
    /// names. `None` for regressors and glassbox models.
    pub probability_names: Option<Vec<String>>,
    /// Number of classes of imported classifiers (binary-logistic: 2, softmax / one-vs-all:
    /// one per output); `None` for regressors and glassbox models.
    pub classes: Option<usize>,
    /// The model file.
    pub model_path: PathBuf,
}

impl Prepared {
    /// A seeded sample of `n` background rows (all of them if the pool is smaller), in pool order.
    pub fn background(&self, n: usize, seed: u64) -> Result<Array2<f64>> {
        if n == 0 {
            bail!("--background must be at least 1");
        }
        let pool = self.background_pool.nrows();
        let mut idx = glassbox_core::rng::Rng::new(seed).sample_indices(pool, n.min(pool));
        idx.sort_unstable();
        Ok(self.background_pool.select(Axis(0), &idx))
    }

    fn need_network(&self, method: Method) -> Result<&Mlp> {
        self.network.as_deref().with_context(|| {
            format!(
                "{}: {} needs a neural network (train one with --model mlp); for tree models use tree-shap",
                self.model_path.display(),
                method.name()
            )
        })
    }
}

fn is_glassbox_model(path: &Path) -> bool {
    let Ok(bytes) = std::fs::read(path) else {
        return true;
    }; // let the loader report the error
    let head = &bytes[..bytes.len().min(512)];
    head.windows(16).any(|w| w == b"\"glassbox-model\"")
}

/// Loads the model and the rows to explain.
pub fn prepare(args: &ExplainArgs) -> Result<Prepared> {
    let model_path = model_json_path(&args.model);
    let glassbox = match args.model_format {
        ModelFormat::Glassbox => true,
        ModelFormat::Auto => args.model.is_dir() || is_glassbox_model(&model_path),
        ModelFormat::Xgboost | ModelFormat::Lightgbm => false,
    };
    let raw = read_table(&args.table.data, &args.table.read_options())?;
    if glassbox {
        let saved = SavedModel::load(&model_path)?;
        let mut table = raw.to_feature_table(&saved.feature_names, None)?;
        let has_split = args.model.is_dir() && args.model.join("split.csv").is_file();
        let background_pool = if has_split {
            let train = split_rows(&args.model, "train", &table.row_ids)?;
            saved.scale(table.select_rows(&train).features.view())?
        } else {
            saved.scale(table.features.view())?
        };
        if args.rows != Rows::All {
            let wanted = if args.rows == Rows::Train {
                "train"
            } else {
                "test"
            };
            let rows = split_rows(&args.model, wanted, &table.row_ids)?;
            table = table.select_rows(&rows);
        }
        let x = saved.scale(table.features.view())?;
        let predictions = saved.predict(table.features.view())?;
        let ensemble = saved.tree_ensemble().cloned();
        let network = saved.network().ok().map(|m| Arc::new(m.clone()));
        let model: Arc<dyn Predict> = match (&ensemble, &network) {
            (Some(e), _) => Arc::new(e.clone()),
            (None, Some(n)) => n.clone(),
            (None, None) => bail!(
                "{}: model has nothing to predict with",
                model_path.display()
            ),
        };
        return Ok(Prepared {
            scaler: Some(saved.scaler.clone()),
            target_name: Some(saved.target_name.clone()),
            table,
            x,
            predictions,
            ensemble,
            network,
            model,
            background_pool,
            output_names: vec![saved.target_name.clone()],
            probability_names: None,
            classes: None,
            model_path,
        });
    }
    if args.rows != Rows::All {
        bail!(
            "--rows {:?} needs a glassbox run folder; imported models are explained on every row",
            args.rows
        );
    }
    let format = match args.model_format {
        ModelFormat::Xgboost => Some(BoostedFormat::XgboostJson),
        ModelFormat::Lightgbm => Some(BoostedFormat::LightgbmText),
        _ => None,
    };
    let model = load_boosted(&model_path, format)?;
    let names: Vec<String> = match model.feature_names() {
        Some(names) => names.to_vec(),
        None => {
            // No names in the file: take the data's columns by position, minus the target.
            let cols: Vec<String> = raw
                .column_names()
                .iter()
                .filter(|c| Some(c.as_str()) != args.target.as_deref())
                .cloned()
                .collect();
            if cols.len() != model.n_features() {
                bail!(
                    "{}: the model has no feature names and expects {} features by position, but {} has {} columns{}; pass --target to leave the target out",
                    model_path.display(),
                    model.n_features(),
                    args.table.data.display(),
                    cols.len(),
                    if args.target.is_some() {
                        " besides the target"
                    } else {
                        ""
                    }
                );
            }
            cols
        }
    };
    // Boosted trees route missing values (empty cells, NA, NaN) down each split's default
    // direction; check_input refuses them only for features the model has no direction for.
    let table = raw.to_feature_table_with_missing(&names, None)?;
    model.check_input(table.features.view())?;
    let predictions = glassbox_core::Predict::predict(&model, table.features.view())?;
    let k = model.n_outputs();
    let output_names = if k == 1 {
        vec!["margin".to_string()]
    } else {
        (0..k).map(|i| format!("class {i} margin")).collect()
    };
    let probability_names = match model.objective {
        // glassbox's probability transforms are the unit-slope sigmoid and softmax.
        Objective::BinaryLogistic { sigmoid } => {
            (sigmoid == 1.0).then(|| vec!["probability".to_string()])
        }
        Objective::MultiSoftmax { n_classes } => Some(
            (0..n_classes)
                .map(|i| format!("class {i} probability"))
                .collect(),
        ),
        _ => None,
    };
    let classes = match model.objective {
        Objective::BinaryLogistic { .. } => Some(2),
        Objective::MultiSoftmax { n_classes } | Objective::MultiOneVsAll { n_classes, .. } => {
            Some(n_classes)
        }
        _ => None,
    };
    Ok(Prepared {
        classes,
        scaler: None,
        target_name: None,
        probability_names,
        x: table.features.clone(),
        background_pool: table.features.clone(),
        table,
        predictions,
        ensemble: Some(model.ensemble.clone()),
        network: None,
        model: Arc::new(model),
        output_names,
        model_path,
    })
}

/// Runs `explain`; returns the output folder and the summary.
pub fn run(args: &ExplainArgs, quiet: bool) -> Result<(PathBuf, Summary)> {
    let staging = Staging::new(&args.out, args.force)?;
    let prepared = prepare(args)?;
    if matches!(args.method, Method::Permutation | Method::Pdp) {
        return crate::explain_agnostic::run_global(args, &prepared, staging, quiet);
    }
    let Prepared {
        table,
        x,
        ensemble,
        model_path,
        ..
    } = &prepared;
    let probability = args.output == OutputArg::Probability;
    let (predictions, output_names) = if probability {
        if !matches!(
            args.method,
            Method::InterventionalTreeShap | Method::KernelShap | Method::Lime
        ) {
            bail!(
                "--output probability works with --method interventional-tree-shap, kernel-shap \
                 or lime (probabilities are not additive under the trees' path-dependent \
                 expectations); {} explains the margin",
                args.method.name()
            );
        }
        let names = prepared.probability_names.clone().with_context(|| {
            format!(
                "{}: --output probability needs a binary-logistic or softmax classifier; this model's output is not a probability",
                model_path.display()
            )
        })?;
        (
            crate::explain_files::to_probabilities(&prepared.predictions),
            names,
        )
    } else {
        (prepared.predictions.clone(), prepared.output_names.clone())
    };
    if table.n_samples() == 0 {
        bail!("{}: no rows to explain", args.table.data.display());
    }
    let need_trees = || {
        ensemble.as_ref().with_context(|| {
            format!(
                "{}: {} needs a tree model (random forest, XGBoost, LightGBM)",
                model_path.display(),
                args.method.name()
            )
        })
    };

    let started = Instant::now();
    let mut completeness_gap = None;
    let mut interactions: Option<InteractionValues> = None;
    let mut background_rows = None;
    let shap = match args.method {
        Method::TreeShap => {
            let ensemble = need_trees()?;
            chunked(x.view(), quiet, "tree-shap", |chunk| {
                tree_shap(ensemble, chunk)
            })?
        }
        Method::InterventionalTreeShap => {
            let ensemble = need_trees()?;
            let background = prepared.background(args.background, args.seed)?;
            background_rows = Some(background.nrows());
            let (space, method) = if probability {
                let method = match args.probability_method {
                    ProbabilityArg::Exact => ProbabilityMethod::Exact,
                    ProbabilityArg::Rescaled => ProbabilityMethod::Rescaled,
                };
                (OutputSpace::Probability, method)
            } else {
                (OutputSpace::Margin, ProbabilityMethod::Exact)
            };
            chunked(x.view(), quiet, "interventional", |chunk| {
                Ok(interventional_tree_shap_output(
                    ensemble,
                    chunk,
                    background.view(),
                    space,
                    method,
                )?)
            })?
        }
        Method::Interactions => {
            let ensemble = need_trees()?;
            let spinner = crate::progress::spinner("interactions", quiet);
            let iv = tree_shap_interactions(ensemble, x.view())?;
            spinner.finish_and_clear();
            let shap = iv.shap_values();
            interactions = Some(iv);
            shap
        }
        Method::DeepShap => {
            let net = prepared.need_network(args.method)?;
            let background = prepared.background(args.background, args.seed)?;
            background_rows = Some(background.nrows());
            chunked(x.view(), quiet, "deep-shap", |chunk| {
                Ok(deep_shap(net, chunk, background.view())?)
            })?
        }
        Method::IntegratedGradients => {
            let net = prepared.need_network(args.method)?;
            let background = prepared.background(args.background, args.seed)?;
            background_rows = Some(background.nrows());
            let baseline = background
                .mean_axis(Axis(0))
                .expect("background non-empty")
                .insert_axis(Axis(0));
            let options = IntegratedGradientsOptions {
                steps: args.steps,
                ..IntegratedGradientsOptions::default()
            };
            let a = integrated_gradients(net, x.view(), baseline.view(), &options)?;
            completeness_gap = Some(a.relative_gap());
            a.values
        }
        Method::GradientShap => {
            let net = prepared.need_network(args.method)?;
            let background = prepared.background(args.background, args.seed)?;
            background_rows = Some(background.nrows());
            let options = GradientShapOptions {
                nsamples: args.gradient_samples,
                seed: args.seed,
                ..GradientShapOptions::default()
            };
            let a = gradient_shap(net, x.view(), background.view(), &options)?;
            completeness_gap = Some(a.relative_gap());
            a.values
        }
        Method::KernelShap => {
            let (shap, rows) = crate::explain_agnostic::kernel_shap(&prepared, args, quiet)?;
            background_rows = Some(rows);
            shap
        }
        Method::Lime => {
            // A local surrogate: its gap to the model output is reported, not checked.
            let (shap, gap) = crate::explain_agnostic::lime(&prepared, args, &staging, quiet)?;
            completeness_gap = Some(gap);
            shap
        }
        Method::Permutation | Method::Pdp => unreachable!("dispatched above"),
    };
    let seconds = started.elapsed().as_secs_f64();
    let explanation = shap.into_explanation(
        table.features.clone(),
        table.feature_names.clone(),
        output_names.clone(),
        args.method.name(),
    )?;
    // Path methods (IG, GradientSHAP) are approximations whose gap is reported, not checked.
    let exact = completeness_gap.is_none();
    if exact {
        explanation
            .check_local_accuracy(predictions.view(), EXACT_RTOL)
            .context("refusing to write SHAP values that do not add up to the model output")?;
    }
    let max_rel = explanation.max_local_accuracy_error(predictions.view())?;

    for k in 0..explanation.n_outputs() {
        let suffix = if explanation.n_outputs() == 1 {
            String::new()
        } else {
            format!("_output{k}")
        };
        let preds = predictions.column(k).to_vec();
        let iv_k = interactions
            .as_ref()
            .map(|iv| iv.values.index_axis(Axis(3), k));
        crate::explain_files::write_outputs(
            &staging,
            &explanation,
            k,
            &suffix,
            &table.row_ids,
            &preds,
            args,
            iv_k,
        )?;
        if let Some(iv) = &iv_k {
            crate::explain_files::write_mean_interactions(
                &staging.path(&format!("mean_abs_interactions{suffix}.csv")),
                iv,
                &explanation.feature_names,
            )?;
        }
    }
    let mean_abs = explanation.mean_abs(0);
    let mut ranked: Vec<(String, f64)> = explanation
        .feature_names
        .iter()
        .cloned()
        .zip(mean_abs)
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    let summary = Summary {
        method: args.method.name().into(),
        model: crate::output::final_path(model_path).display().to_string(),
        data: args.table.data.display().to_string(),
        n_rows: explanation.n_samples(),
        features: explanation.feature_names.clone(),
        output: output_names.join(", "),
        base_value: explanation.base_values[[0, 0]],
        local_accuracy_rtol: exact.then_some(EXACT_RTOL),
        local_accuracy_max_rel_error: max_rel,
        completeness_gap,
        background_rows,
        mean_abs_shap: ranked,
        seconds,
    };
    write_json(&staging.path("explanation.json"), &summary)?;
    let dir = staging.commit()?;
    if !quiet {
        // Exact methods were checked for local accuracy; the approximate ones report how far
        // their values are from adding up to the model output.
        let accuracy = match completeness_gap {
            None => format!("local accuracy max rel. error {max_rel:.1e}"),
            Some(gap) => format!("relative gap to the model output {gap:.2e} (approximate)"),
        };
        eprintln!(
            "{}: {} rows x {} features in {:.2} s, {accuracy} -> {}",
            summary.method,
            summary.n_rows,
            summary.features.len(),
            seconds,
            crate::output::final_path(&dir).display()
        );
    }
    Ok((dir, summary))
}

/// Reads the run's split.csv and returns the rows of `set`, checking that the table is the one
/// the model was trained on (same row count and row ids).
fn split_rows(model: &Path, set: &str, row_ids: &[String]) -> Result<Vec<usize>> {
    if !model.is_dir() {
        bail!("--rows {set} needs --model to be a run folder (with split.csv), not a file");
    }
    let path = model.join("split.csv");
    let mut reader =
        csv::Reader::from_path(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut rows = Vec::new();
    let mut n = 0;
    for (line, record) in reader.records().enumerate() {
        let record = record.with_context(|| format!("{}: malformed CSV", path.display()))?;
        let (row, id, s) = (record.get(0), record.get(1), record.get(2));
        let (Some(row), Some(id), Some(s)) = (row, id, s) else {
            bail!(
                "{}: line {} needs columns row,row_id,set",
                path.display(),
                line + 2
            );
        };
        let row: usize = row.parse().with_context(|| {
            format!(
                "{}: line {}: row '{row}' is not a number",
                path.display(),
                line + 2
            )
        })?;
        if row_ids.get(row).map(String::as_str) != Some(id) {
            bail!(
                "{}: row {row} has id '{id}' but the data has {}; explain --rows {set} needs the table the model was trained on",
                path.display(),
                row_ids
                    .get(row)
                    .map_or("no such row".to_string(), |r| format!("'{r}'"))
            );
        }
        n += 1;
        if s == set {
            rows.push(row);
        }
    }
    if n != row_ids.len() {
        bail!(
            "{} lists {n} rows but the data has {}; explain --rows {set} needs the table the model was trained on",
            path.display(),
            row_ids.len()
        );
    }
    Ok(rows)
}

fn tree_shap(ensemble: &TreeEnsemble, x: ArrayView2<'_, f64>) -> Result<ShapValues> {
    Ok(glassbox_explain::shap::tree_shap::tree_shap(ensemble, x)?)
}

/// Runs `f` over chunks of rows with a progress bar and stacks the results.
fn chunked<F>(x: ArrayView2<'_, f64>, quiet: bool, label: &str, f: F) -> Result<ShapValues>
where
    F: Fn(ArrayView2<'_, f64>) -> Result<ShapValues>,
{
    let n = x.nrows();
    let chunk = 64.max(n / 50);
    let bar = crate::progress::bar(n as u64, label, quiet);
    let mut values: Vec<Array3<f64>> = Vec::new();
    let mut bases: Vec<Array2<f64>> = Vec::new();
    let mut start = 0;
    while start < n {
        let end = (start + chunk).min(n);
        let part = f(x.slice(glassbox_core::ndarray::s![start..end, ..]))?;
        values.push(part.values);
        bases.push(part.base_values);
        bar.set_position(end as u64);
        start = end;
    }
    bar.finish_and_clear();
    let v: Vec<_> = values.iter().map(|a| a.view()).collect();
    let b: Vec<_> = bases.iter().map(|a| a.view()).collect();
    Ok(ShapValues {
        values: concatenate(Axis(0), &v)?,
        base_values: concatenate(Axis(0), &b)?,
    })
}
