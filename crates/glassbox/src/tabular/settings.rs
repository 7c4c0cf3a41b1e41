//! Settings of the tabular explanations: plain structs whose `Default` is the documented
//! default (the command line takes its defaults from here).

use glassbox_core::Table;

pub use glassbox_explain::shap::output::ProbabilityMethod;

/// The space a classifier is explained in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OutputSpace {
    /// The raw model output: log-odds / class scores for boosted classifiers (exact and additive
    /// for every method).
    #[default]
    Margin,
    /// Class probabilities (classifiers whose [`crate::Model::link`] is not the identity), with
    /// interventional TreeSHAP, KernelSHAP or LIME.
    Probability,
}

impl OutputSpace {
    /// `margin` or `probability`.
    pub fn name(self) -> &'static str {
        match self {
            OutputSpace::Margin => "margin",
            OutputSpace::Probability => "probability",
        }
    }
}

/// LIME's perturbation mode.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LimeMode {
    /// Quartile discretisation (lime's default): weights are effects of "being in the row's
    /// quartile bin".
    #[default]
    Quartile,
    /// Gaussian perturbations around the training mean: weights are slopes per training std.
    Continuous,
}

impl LimeMode {
    /// `quartile` or `continuous`.
    pub fn name(self) -> &'static str {
        match self {
            LimeMode::Quartile => "quartile",
            LimeMode::Continuous => "continuous",
        }
    }
}

/// Settings of the per-row explanations ([`super::explain`]).
///
/// The background of the background methods is, in this order: a k-means summary with
/// `background_kmeans` centroids of the background table (`background_data`, else
/// `background_pool`, else the explained rows); every row of `background_data`; or a seeded
/// sample of `background` rows of the pool.
#[derive(Clone, Debug)]
pub struct ExplainSettings {
    /// Background rows sampled (seeded) from the pool. Default 100.
    pub background: usize,
    /// Summarise the background table by k-means with K centroids, weighted by cluster size.
    /// Default: none (sample `background` rows).
    pub background_kmeans: Option<usize>,
    /// A background table (raw values, the model's feature columns): used whole, or summarised
    /// by `background_kmeans`. LIME takes its perturbation statistics from it. Default: none.
    pub background_data: Option<Table>,
    /// Rows the background is sampled from when there is no `background_data` (raw values):
    /// e.g. the run's training rows ([`super::background_pool`]). Default: none, the explained
    /// rows themselves.
    pub background_pool: Option<Table>,
    /// Seed of the background sample, k-means and the sampling methods. Default 42.
    pub seed: u64,
    /// Output space of classifiers. Default margin.
    pub output: OutputSpace,
    /// With probability output and interventional TreeSHAP: exact Shapley values of the
    /// probability, or shap's rescaling. Default exact.
    pub probability_method: ProbabilityMethod,
    /// Integrated Gradients: steps along the path (midpoint rule). Default 50.
    pub steps: usize,
    /// GradientSHAP: random draws per explained row. Default 200.
    pub gradient_samples: usize,
    /// KernelSHAP: coalitions per row. Default: 2M+2048, capped at 2^M-2 (at least 2M+2).
    pub nsamples: Option<usize>,
    /// LIME: perturbed samples per row. Default 5000.
    pub lime_samples: usize,
    /// LIME: perturbation mode. Default quartile.
    pub lime_mode: LimeMode,
    /// Columns explained together: each (name, columns) becomes one feature whose value is the
    /// sum of its columns' values (still additive). A model trained on text columns groups
    /// each one-hot encoded column by itself; these groups are formed from those columns.
    /// Default: none.
    pub groups: Vec<(String, Vec<String>)>,
}

impl Default for ExplainSettings {
    fn default() -> Self {
        ExplainSettings {
            background: 100,
            background_kmeans: None,
            background_data: None,
            background_pool: None,
            seed: 42,
            output: OutputSpace::Margin,
            probability_method: ProbabilityMethod::Exact,
            steps: 50,
            gradient_samples: 200,
            nsamples: None,
            lime_samples: 5000,
            lime_mode: LimeMode::Quartile,
            groups: Vec::new(),
        }
    }
}

/// Settings of permutation importance ([`super::permutation_importance`]).
#[derive(Clone, Debug)]
pub struct PermutationSettings {
    /// Shuffles per feature. Default 5.
    pub repeats: usize,
    /// The score whose drop is measured. Default: accuracy for classifiers, R² otherwise.
    pub scoring: Scoring,
    /// Seed of the shuffles. Default 42.
    pub seed: u64,
}

impl Default for PermutationSettings {
    fn default() -> Self {
        PermutationSettings {
            repeats: 5,
            scoring: Scoring::Auto,
            seed: 42,
        }
    }
}

/// The score of permutation importance.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Scoring {
    /// Accuracy for classifiers ([`crate::Model::n_classes`]), R² otherwise.
    #[default]
    Auto,
    /// R² of the (first) model output against the target.
    R2,
    /// Accuracy against integer class labels, predicted from the model's margins.
    Accuracy,
}

/// Settings of partial dependence ([`super::partial_dependence`]).
#[derive(Clone, Debug)]
pub struct PdpSettings {
    /// Grid points per feature. Default 20.
    pub grid: usize,
}

impl Default for PdpSettings {
    fn default() -> Self {
        PdpSettings { grid: 20 }
    }
}

/// The file format of the per-row values (`shap_values.csv` or `shap_values.parquet`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ValuesFormat {
    /// CSV, full `f64` precision (`repr`-style shortest round-trip numbers).
    #[default]
    Csv,
    /// Parquet (Snappy): `row_id` as text, every other column `f64`; what pandas, pyarrow,
    /// Spark and Dask read without parsing text. For large tables.
    Parquet,
}

impl ValuesFormat {
    /// The default for an explained table at `data`: Parquet for a Parquet table (`.parquet`,
    /// `.pq`), whose user reads Parquet; CSV otherwise.
    pub fn for_input(data: &std::path::Path) -> ValuesFormat {
        let ext = data
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        if ext == "parquet" || ext == "pq" {
            ValuesFormat::Parquet
        } else {
            ValuesFormat::Csv
        }
    }

    /// The file extension, `csv` or `parquet`.
    pub fn extension(self) -> &'static str {
        match self {
            ValuesFormat::Csv => "csv",
            ValuesFormat::Parquet => "parquet",
        }
    }
}

/// How a run's files are written: plot sizes and what the records name.
#[derive(Clone, Debug)]
pub struct WriteSettings {
    /// Features shown in the plots (the rest are summed into one bar / row). Default 12.
    pub max_display: usize,
    /// Row (0-based, among the rows explained) shown in the waterfall plot. Default 0.
    pub row: usize,
    /// The data file explained, as recorded. Default empty.
    pub data: String,
    /// Format of the per-row values file. Default CSV.
    pub format: ValuesFormat,
}

impl Default for WriteSettings {
    fn default() -> Self {
        WriteSettings {
            max_display: 12,
            row: 0,
            data: String::new(),
            format: ValuesFormat::Csv,
        }
    }
}
