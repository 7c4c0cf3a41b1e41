//! Records of table runs: `glassbox train` (`metrics.json`) and `glassbox explain`
//! (`explanation.json`, `lime.json`, `importance.json`, `partial_dependence.json`).

use glassbox_core::RegressionMetrics;
use serde::{Deserialize, Serialize};

/// `metrics.json` of a training run: train and test metrics.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TrainMetrics {
    /// Model kind (`forest`, `mlp`).
    pub model: String,
    /// Target column.
    pub target: String,
    /// Metrics on the training rows.
    pub train: RegressionMetrics,
    /// Metrics on the held-out test rows.
    pub test: RegressionMetrics,
    /// Training loss after each epoch (MLP only; MSE in the scaled target units); absent for
    /// forests.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub loss_history: Vec<f64>,
}

/// `explanation.json` of a per-row explanation run (SHAP-style values).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ExplanationRecord {
    /// Method name (`tree-shap`, `kernel-shap`, ...).
    pub method: String,
    /// Model file explained.
    pub model: String,
    /// Data file explained.
    pub data: String,
    /// Rows explained.
    pub n_rows: usize,
    /// Feature names, in model order.
    pub features: Vec<String>,
    /// Output explained (names joined by ", ").
    pub output: String,
    /// Base value (expected model output) of the first row.
    pub base_value: f64,
    /// Local-accuracy tolerance checked on every row (relative); `null` for approximate methods
    /// (Integrated Gradients, GradientSHAP, LIME), whose completeness gap is reported instead.
    pub local_accuracy_rtol: Option<f64>,
    /// Largest relative local-accuracy error found.
    pub local_accuracy_max_rel_error: f64,
    /// Approximate methods: sum of |f(x) - base - sum φ| over rows divided by sum |f(x) - base|.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completeness_gap: Option<f64>,
    /// Background rows used (methods with a background).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background_rows: Option<usize>,
    /// Mean |SHAP| per feature, sorted descending: (feature, value).
    pub mean_abs_shap: Vec<(String, f64)>,
    /// Streamed runs (`--chunk-rows`): rows per chunk read and explained.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chunk_rows: Option<usize>,
    /// Streamed runs: rows drawn in the beeswarm and dependence plots (a seeded sample when
    /// the table has more).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plot_rows: Option<usize>,
}

/// One row of `lime.json` (and `lime.csv`).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LimeRowRecord {
    /// Row id.
    pub row_id: String,
    /// The model's prediction (output 0).
    pub prediction: f64,
    /// The surrogate's prediction at the row.
    pub local_prediction: f64,
    /// The surrogate's intercept.
    pub intercept: f64,
    /// Weighted R² of the surrogate (its fidelity around the row).
    pub r2: f64,
}

/// `lime.json` of a LIME run: the surrogates' settings and fidelity.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LimeRecord {
    /// Perturbation mode (`quartile`, `continuous`).
    pub mode: String,
    /// Perturbed samples per row.
    pub samples: usize,
    /// Kernel width (0.75 sqrt(features)).
    pub kernel_width: f64,
    /// Mean surrogate R² over the rows.
    pub mean_r2: f64,
    /// Smallest surrogate R².
    pub min_r2: f64,
    /// Per-row surrogate summaries.
    pub rows: Vec<LimeRowRecord>,
}

/// `importance.json` of a permutation-importance run.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ImportanceRecord {
    /// The score whose drop is measured (`r2`, `accuracy`).
    pub scoring: String,
    /// The score before shuffling.
    pub baseline: f64,
    /// Shuffles per feature.
    pub repeats: usize,
    /// (feature, mean drop, std), by decreasing mean drop.
    pub importances: Vec<(String, f64, f64)>,
}

/// `partial_dependence.json` of a partial-dependence / ICE run.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PartialDependenceRecord {
    /// Always `pdp`.
    pub method: String,
    /// Model file explained.
    pub model: String,
    /// Data file explained.
    pub data: String,
    /// Rows whose ICE curves were computed.
    pub n_rows: usize,
    /// Feature names, in model order.
    pub features: Vec<String>,
    /// The output the curves show.
    pub output: String,
    /// Grid points per feature.
    pub grid: usize,
    /// Range (max - min) of each feature's partial-dependence curve, sorted descending:
    /// (feature, range).
    pub ranked: Vec<(String, f64)>,
}
