//! `glassbox explain`: model + table -> attributions (CSV, JSON) and plots. Arguments become
//! [`glassbox::tabular`] settings; the library loads, explains, checks and writes.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use glassbox::Model;
use glassbox::model::{LoadOptions, ModelFormat as LibFormat};
use glassbox::run_dir::final_path;
use glassbox::tabular::{
    self, ExplainSettings, LimeMode, Method as LibMethod, OutputSpace, PdpSettings,
    PermutationSettings, ProbabilityMethod, Rows as LibRows, Scoring, Setting, StreamSettings,
    TableJob, ValuesFormat, WriteSettings,
};
use glassbox_data::{ReadOptions, read_table};

use crate::explain_agnostic::GlobalSettings;
use crate::progress::Bars;
use crate::table_args::TableArgs;

/// Explanation methods.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Exact path-dependent TreeSHAP (tree models): expectations under the trees' covers.
    TreeShap,
    /// Exact interventional TreeSHAP against background rows (tree models; any background:
    /// --background, --background-kmeans, --background-data).
    InterventionalTreeShap,
    /// Exact path-dependent SHAP interaction values (tree models): writes the SHAP values they
    /// sum to, the per-row values (interaction_values.npy), the mean |interaction| matrix, and
    /// dependence plots coloured by the strongest interaction.
    Interactions,
    /// DeepSHAP: DeepLIFT-rescale multipliers averaged over background rows (neural networks).
    DeepShap,
    /// Integrated Gradients from the background mean (neural networks).
    IntegratedGradients,
    /// GradientSHAP / expected gradients against background rows (neural networks).
    GradientShap,
    /// KernelSHAP (any model): Shapley values from a weighted regression over coalitions against
    /// background rows (--nsamples).
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

impl Method {
    /// The library's method.
    pub fn lib(self) -> LibMethod {
        match self {
            Method::TreeShap => LibMethod::TreeShap,
            Method::InterventionalTreeShap => LibMethod::InterventionalTreeShap,
            Method::Interactions => LibMethod::Interactions,
            Method::DeepShap => LibMethod::DeepShap,
            Method::IntegratedGradients => LibMethod::IntegratedGradients,
            Method::GradientShap => LibMethod::GradientShap,
            Method::KernelShap => LibMethod::KernelShap,
            Method::Lime => LibMethod::Lime,
            Method::Permutation => LibMethod::Permutation,
            Method::Pdp => LibMethod::Pdp,
        }
    }
}

/// Model file formats: the library's table-model formats (a CNN run is explained by
/// `glassbox image explain`; `auto` recognises one and says so).
#[derive(ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ModelFormat {
    /// Detect: a run folder or glassbox model.json, an `*.onnx` file, else XGBoost JSON or
    /// LightGBM text by content.
    #[default]
    Auto,
    /// A glassbox run folder or model.json.
    Glassbox,
    /// XGBoost JSON (`booster.save_model("model.json")`).
    Xgboost,
    /// LightGBM text (`booster.save_model("model.txt")`).
    Lightgbm,
    /// An ONNX tree ensemble (skl2onnx, onnxmltools); `*.onnx` files are detected.
    Onnx,
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

/// LIME's perturbation mode on the command line.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimeModeArg {
    /// Quartile discretisation (lime's default): weights are effects of "being in the row's
    /// quartile bin".
    Quartile,
    /// Gaussian perturbations around the training mean: weights are slopes per training std.
    Continuous,
}

/// `--format` of the per-row values file.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormatArg {
    /// shap_values.csv.
    Csv,
    /// shap_values.parquet (Snappy; row_id text, every other column f64).
    Parquet,
}

/// `--scoring` of permutation importance.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScoringArg {
    /// Accuracy for imported classifiers (binary-logistic, softmax, one-vs-all), R² otherwise.
    Auto,
    /// R² of the (first) model output against the target.
    R2,
    /// Accuracy against integer class labels, predicted from the model's margins (one output:
    /// class 1 where the margin is > 0; several: the largest).
    Accuracy,
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

fn explain_default() -> ExplainSettings {
    ExplainSettings::default()
}

/// Each command-line value enum mirrors a library enum, both ways (the library's `Default`
/// is the flag's default).
macro_rules! mirror {
    ($arg:ident <=> $lib:ty { $($a:ident = $l:ident),+ $(,)? }) => {
        impl From<$lib> for $arg {
            fn from(v: $lib) -> Self {
                match v {
                    $(<$lib>::$l => $arg::$a,)+
                }
            }
        }
        impl From<$arg> for $lib {
            fn from(v: $arg) -> Self {
                match v {
                    $($arg::$a => <$lib>::$l,)+
                }
            }
        }
    };
}

impl From<ModelFormat> for LibFormat {
    fn from(v: ModelFormat) -> Self {
        match v {
            ModelFormat::Auto => LibFormat::Auto,
            ModelFormat::Glassbox => LibFormat::Glassbox,
            ModelFormat::Xgboost => LibFormat::Xgboost,
            ModelFormat::Lightgbm => LibFormat::Lightgbm,
            ModelFormat::Onnx => LibFormat::Onnx,
        }
    }
}
mirror!(OutputArg <=> OutputSpace { Margin = Margin, Probability = Probability });
mirror!(ProbabilityArg <=> ProbabilityMethod { Exact = Exact, Rescaled = Rescaled });
mirror!(LimeModeArg <=> LimeMode { Quartile = Quartile, Continuous = Continuous });
mirror!(FormatArg <=> ValuesFormat { Csv = Csv, Parquet = Parquet });
mirror!(ScoringArg <=> Scoring { Auto = Auto, R2 = R2, Accuracy = Accuracy });
mirror!(Rows <=> LibRows { All = All, Train = Train, Test = Test });

/// Arguments of `glassbox explain`.
#[derive(Args, Debug, Clone)]
pub struct ExplainArgs {
    /// The model: a run folder written by `glassbox train` (or its model.json), an XGBoost JSON
    /// model file, a LightGBM text model file, or an ONNX tree ensemble or table network
    /// (`*.onnx`).
    #[arg(long, value_name = "PATH")]
    pub model: PathBuf,
    /// Format of --model.
    #[arg(long, value_enum, default_value_t = ModelFormat::default())]
    pub model_format: ModelFormat,
    /// Target column: left out when an imported model without feature names reads the data's
    /// columns by position, and scored against by permutation importance.
    #[arg(long, value_name = "COLUMN")]
    pub target: Option<String>,
    /// Background rows for interventional TreeSHAP, DeepSHAP, Integrated Gradients (their mean
    /// is the baseline), GradientSHAP and KernelSHAP: a seeded sample of the run's training rows
    /// when the table is the one the model was trained on, else of the table's rows.
    #[arg(long, default_value_t = explain_default().background)]
    pub background: usize,
    /// Seed for the background sample and sampling methods.
    #[arg(long, default_value_t = explain_default().seed)]
    pub seed: u64,
    /// Output space of classifiers: margin (log-odds) or probability.
    #[arg(long, value_enum, default_value_t = OutputArg::from(explain_default().output))]
    pub output: OutputArg,
    /// With --output probability: exact Shapley values of the probability, or shap's rescaling.
    #[arg(long, value_enum, default_value_t = ProbabilityArg::from(explain_default().probability_method))]
    pub probability_method: ProbabilityArg,
    /// Integrated Gradients: steps along the path (midpoint rule).
    #[arg(long, default_value_t = explain_default().steps)]
    pub steps: usize,
    /// GradientSHAP: random draws per explained row.
    #[arg(long, default_value_t = explain_default().gradient_samples)]
    pub gradient_samples: usize,
    #[command(flatten)]
    pub table: TableArgs,
    /// Explanation method.
    #[arg(long, value_enum, default_value_t = Method::TreeShap)]
    pub method: Method,
    /// KernelSHAP: coalitions per row (default 2M+2048, capped at 2^M-2; at least 2M+2).
    #[arg(long, help_heading = "Model-agnostic")]
    pub nsamples: Option<usize>,
    /// Background methods: summarise the background rows by k-means with K centroids (weighted
    /// by cluster size) instead of sampling --background rows.
    #[arg(long, value_name = "K", help_heading = "Model-agnostic")]
    pub background_kmeans: Option<usize>,
    /// ONNX tree models, tree-shap and interactions: recompute the trees' covers (the training
    /// rows reaching each node, which path-dependent TreeSHAP weighs splits by and ONNX files
    /// do not carry) from this table of training rows (read with the same --sheet and
    /// --index-col).
    #[arg(long, value_name = "FILE")]
    pub cover_data: Option<PathBuf>,
    /// Background methods and LIME: take the background from this table (the model's feature
    /// columns, read with the same --sheet and --index-col) instead of the run's training rows.
    #[arg(long, value_name = "FILE", help_heading = "Model-agnostic")]
    pub background_data: Option<PathBuf>,
    /// LIME: perturbed samples per row.
    #[arg(long, default_value_t = explain_default().lime_samples, help_heading = "Model-agnostic")]
    pub lime_samples: usize,
    /// LIME: quartile discretisation or continuous perturbations.
    #[arg(long, value_enum, default_value_t = LimeModeArg::from(explain_default().lime_mode), help_heading = "Model-agnostic")]
    pub lime_mode: LimeModeArg,
    /// Permutation importance: shuffles per feature.
    #[arg(long, default_value_t = PermutationSettings::default().repeats, help_heading = "Model-agnostic")]
    pub repeats: usize,
    /// Permutation importance: the score whose drop is measured (auto: accuracy for imported
    /// classifiers, R² otherwise).
    #[arg(long, value_enum, default_value_t = ScoringArg::from(PermutationSettings::default().scoring), help_heading = "Model-agnostic")]
    pub scoring: ScoringArg,
    /// Partial dependence: grid points per feature.
    #[arg(
        long,
        value_name = "POINTS",
        default_value_t = PdpSettings::default().grid,
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
    #[arg(long, default_value_t = WriteSettings::default().max_display)]
    pub max_display: usize,
    /// Row (0-based, among the rows explained) shown in the waterfall plot.
    #[arg(long, default_value_t = WriteSettings::default().row)]
    pub row: usize,
    /// Format of the per-row values: shap_values.csv or shap_values.parquet [default: parquet
    /// for a .parquet/.pq --data table, else csv].
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// Explain the table in chunks of N rows with bounded memory: each chunk is read while the
    /// previous one is explained, and its values are appended to the values file; the beeswarm
    /// and dependence plots show a seeded sample of --plot-rows rows. Default: chunks of
    /// 65536 rows for a CSV or Parquet table of 256 MiB or more (methods that stream: all
    /// per-row methods but interactions and lime), else the whole table in memory.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub chunk_rows: Option<u64>,
    /// Explain columns together as one feature, its value the sum of theirs (repeatable):
    /// NAME=COLUMN,COLUMN,... (a categorical column counts as one column).
    #[arg(long, value_name = "NAME=COLUMNS")]
    pub group: Vec<String>,
    /// Rows drawn in the beeswarm and dependence plots of a chunked run (a seeded sample when
    /// the table has more; the bar plot and explanation.json use every row).
    #[arg(long, value_name = "N", default_value_t = StreamSettings::default().plot_rows as u64, value_parser = clap::value_parser!(u64).range(1..))]
    pub plot_rows: u64,
    /// Rows to explain: all rows of the table, or the run's train or test rows.
    #[arg(long, value_enum, default_value_t = Rows::from(LibRows::default()))]
    pub rows: Rows,
}

/// The model, its covers recomputed from `--cover-data` when given.
fn load_model(args: &ExplainArgs) -> Result<Model> {
    let format = args.model_format.into();
    let mut model = Model::load_with(
        &args.model,
        &LoadOptions {
            format,
            ..LoadOptions::default()
        },
    )?;
    if let Some(path) = &args.cover_data {
        let method = args.method.lib();
        if !method.uses_covers() {
            bail!(
                "--cover-data applies to tree-shap and interactions (path-dependent TreeSHAP) \
                 only, not {method}; drop it"
            );
        }
        let options = ReadOptions {
            columns: model.table_columns(args.target.as_deref()),
            ..args.table.read_options()
        };
        let rows = read_table(path, &options)?;
        let rows = model.feature_table(&rows, args.target.as_deref())?;
        model
            .recompute_covers(rows.features.view())
            .with_context(|| format!("--cover-data {}", path.display()))?;
    }
    Ok(model)
}

/// Reads the table whole and selects the rows `--rows` names.
fn load(args: &ExplainArgs, model: Model) -> Result<TableJob> {
    // Only the model's columns are decoded from a Parquet file.
    let options = ReadOptions {
        columns: model.table_columns(args.target.as_deref()),
        ..args.table.read_options()
    };
    let raw = read_table(&args.table.data, &options)?;
    Ok(TableJob::new(
        model,
        raw,
        args.target.as_deref(),
        args.rows.into(),
    )?)
}

/// Tables from this size on are explained in chunks unless `--chunk-rows` says otherwise.
const AUTO_STREAM_BYTES: u64 = 256 << 20;

/// Rows per chunk when the table is explained in chunks: `--chunk-rows`, or the default for a
/// large CSV or Parquet table; `None` to explain it in memory.
fn chunk_rows(args: &ExplainArgs) -> Result<Option<usize>> {
    let method = args.method.lib();
    if let Some(n) = args.chunk_rows {
        if args.rows != Rows::All {
            bail!(
                "--chunk-rows explains every row of the table; --rows train/test needs the \
                 whole table in memory: drop one of them"
            );
        }
        if !method.can_stream() {
            bail!(
                "--chunk-rows: {method} cannot be explained in chunks (interactions, lime and \
                 the global methods need every row at once); drop --chunk-rows"
            );
        }
        return Ok(Some(usize::try_from(n).unwrap_or(usize::MAX)));
    }
    let streamable_file = matches!(
        ValuesFormat::for_input(&args.table.data),
        ValuesFormat::Parquet
    ) || args
        .table
        .data
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv") || e.eq_ignore_ascii_case("tsv"));
    let large = std::fs::metadata(&args.table.data).is_ok_and(|m| m.len() >= AUTO_STREAM_BYTES);
    let auto = large && streamable_file && args.rows == Rows::All && method.can_stream();
    Ok(auto.then(|| StreamSettings::default().chunk_rows))
}

/// The per-row settings the arguments describe; `model` reads the `--background-data`
/// columns (which a `chunked` run needs the model to name).
fn settings(args: &ExplainArgs, model: &Model, chunked: bool) -> Result<ExplainSettings> {
    let by_position = model.feature_names().is_none();
    let background_data = match &args.background_data {
        Some(path) if !(chunked && by_position) => Some(tabular::background_table(
            path,
            &args.table.read_options(),
            model,
        )?),
        Some(_) => bail!(
            "--background-data needs a model with feature names (this one has none); pass \
             the table without --chunk-rows"
        ),
        None => None,
    };
    Ok(ExplainSettings {
        background: args.background,
        background_kmeans: args.background_kmeans,
        background_data,
        background_pool: None, // the job's: the run's training rows or the table
        seed: args.seed,
        output: args.output.into(),
        probability_method: args.probability_method.into(),
        steps: args.steps,
        gradient_samples: args.gradient_samples,
        nsamples: args.nsamples,
        lime_samples: args.lime_samples,
        lime_mode: args.lime_mode.into(),
        groups: args
            .group
            .iter()
            .map(|g| parse_group(g))
            .collect::<Result<_>>()?,
    })
}

/// Parses `--group NAME=col1,col2,...`.
fn parse_group(spec: &str) -> Result<(String, Vec<String>)> {
    let Some((name, cols)) = spec.split_once('=') else {
        bail!("--group {spec}: expected NAME=COLUMN,COLUMN,... (e.g. --group temperatures=t1,t2)");
    };
    let cols: Vec<String> = cols.split(',').map(|c| c.trim().to_string()).collect();
    if name.trim().is_empty() || cols.iter().any(String::is_empty) {
        bail!("--group {spec}: expected NAME=COLUMN,COLUMN,... with no empty names");
    }
    Ok((name.trim().to_string(), cols))
}

fn write_settings(args: &ExplainArgs) -> WriteSettings {
    WriteSettings {
        max_display: args.max_display,
        row: args.row,
        data: args.table.data.display().to_string(),
        format: args
            .format
            .map_or_else(|| ValuesFormat::for_input(&args.table.data), Into::into),
    }
}

/// Runs `explain`; `given` lists the settings the user typed, refused where the method does
/// not read them. Returns the output folder.
pub fn run_given(args: &ExplainArgs, given: &[Setting], quiet: bool) -> Result<PathBuf> {
    let method = args.method.lib();
    let mut given = given.to_vec();
    if args.output == OutputArg::Margin {
        // Every method explains the margin; only probability output is method-specific.
        given.retain(|s| *s != Setting::Output);
    }
    if given.contains(&Setting::ProbabilityMethod) && args.output == OutputArg::Margin {
        bail!("--probability-method applies only with --output probability");
    }
    let chunked = chunk_rows(args)?;
    if chunked.is_some() {
        // A chunked run draws the plots' sample with the seed, whatever the method.
        given.retain(|s| *s != Setting::Seed);
    }
    method.refuse_unused(&given)?;
    let mut inputs = vec![args.model.as_path(), args.table.data.as_path()];
    inputs.extend(args.background_data.as_deref());
    inputs.extend(args.cover_data.as_deref());
    let staging = crate::output::stage(&args.out, args.force, &inputs, quiet)?;
    let model = load_model(args)?;
    if let Some(chunk_rows) = chunked {
        let stream = StreamSettings {
            chunk_rows,
            plot_rows: usize::try_from(args.plot_rows).unwrap_or(usize::MAX),
            target: args.target.clone(),
            read: args.table.read_options(),
            write: write_settings(args),
        };
        if !quiet {
            eprintln!(
                "explaining {} in chunks of {chunk_rows} rows",
                args.table.data.display()
            );
        }
        let run = tabular::explain_streaming(
            &model,
            &args.table.data,
            method,
            &settings(args, &model, true)?,
            &stream,
            staging.dir(),
            &Bars::new(quiet),
        )?;
        let dir = staging.commit()?;
        report(&run.record, run.seconds, &dir, quiet);
        return Ok(dir);
    }
    let job = load(args, model)?;
    if !method.is_per_row() {
        return crate::explain_agnostic::run_global(&job, global_settings(args), staging, quiet);
    }
    let settings = settings(args, &job.model, false)?;
    let e = job.explain(method, &settings, &Bars::new(quiet))?;
    let record = e.write(staging.dir(), &write_settings(args))?;
    let dir = staging.commit()?;
    report(&record, e.seconds, &dir, quiet);
    Ok(dir)
}

/// The one line a finished run prints: rows, features, seconds, the local-accuracy check.
fn report(
    record: &glassbox::records::tabular::ExplanationRecord,
    seconds: f64,
    dir: &std::path::Path,
    quiet: bool,
) {
    if quiet {
        return;
    }
    // Exact methods were checked for local accuracy; the approximate ones report how far
    // their values are from adding up to the model output.
    let accuracy = match record.completeness_gap {
        None => format!(
            "local accuracy max rel. error {:.1e}",
            record.local_accuracy_max_rel_error
        ),
        Some(gap) => format!("relative gap to the model output {gap:.2e} (approximate)"),
    };
    eprintln!(
        "{}: {} rows x {} features in {seconds:.2} s, {accuracy} -> {}",
        record.method,
        record.n_rows,
        record.features.len(),
        final_path(dir).display()
    );
}

fn global_settings(args: &ExplainArgs) -> GlobalSettings {
    GlobalSettings {
        method: args.method.lib(),
        target: args.target.clone(),
        permutation: PermutationSettings {
            repeats: args.repeats,
            scoring: args.scoring.into(),
            seed: args.seed,
        },
        pdp: PdpSettings { grid: args.grid },
        write: write_settings(args),
    }
}

/// The settings among `ids` (clap argument ids of `explain` the user typed).
pub fn given_settings(ids: &[&str]) -> Vec<Setting> {
    ids.iter().copied().filter_map(Setting::from_flag).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_format_flag_defaults_to_the_library_default() {
        assert_eq!(
            LibFormat::from(ModelFormat::default()),
            LoadOptions::default().format
        );
    }
}
