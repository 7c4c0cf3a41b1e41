//! [`ImportedModel`]: a boosted-tree model read from an XGBoost or LightGBM file, as a
//! [`TreeEnsemble`] plus what the file says about its output (objective, link, feature names).
//!
//! Everything glassbox explains is in the model's *margin* space (raw score, log-odds for binary
//! classifiers, per-class scores before softmax): that is where the trees add up, so TreeSHAP
//! values sum exactly to it. [`ImportedModel::transform_row`] maps margins to the user-facing
//! scale (probabilities, counts) for `--output probability`.

use std::path::{Path, PathBuf};

use glassbox_core::link;
use glassbox_core::model::{AsTreeEnsemble, check_input};
use glassbox_core::ndarray::{Array2, ArrayView2};
use glassbox_core::{CoreError, Missing, Predict, TreeEnsemble};

use crate::ModelError;

/// The file formats glassbox imports boosted trees from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BoostedFormat {
    /// XGBoost's JSON model (`booster.save_model("model.json")`), schema of XGBoost 1.x to 3.x.
    XgboostJson,
    /// LightGBM's text model (`booster.save_model("model.txt")`), format `version=v3`/`v4`.
    LightgbmText,
}

impl BoostedFormat {
    /// The name used on the command line (`--model-format xgboost|lightgbm`).
    pub fn name(self) -> &'static str {
        match self {
            BoostedFormat::XgboostJson => "xgboost",
            BoostedFormat::LightgbmText => "lightgbm",
        }
    }
}

impl std::fmt::Display for BoostedFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for BoostedFormat {
    type Err = String;

    /// Accepts `xgboost` / `xgboost-json` / `json` and `lightgbm` / `lightgbm-text` / `lgbm`
    /// (any case).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "xgboost" | "xgboost-json" | "xgb" | "json" => Ok(BoostedFormat::XgboostJson),
            "lightgbm" | "lightgbm-text" | "lgbm" | "lgb" => Ok(BoostedFormat::LightgbmText),
            other => Err(format!(
                "unknown boosted-model format '{other}', expected 'xgboost' or 'lightgbm'"
            )),
        }
    }
}

/// How the margins of a model map to its user-facing output.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Objective {
    /// Identity link: regression (squared error, absolute error, Huber, quantile, ...), ranking
    /// scores, `binary:logitraw`, models trained with a custom objective.
    Regression,
    /// Binary classification: `P(y = 1) = 1 / (1 + exp(-sigmoid * margin))`. XGBoost's
    /// `binary:logistic` / `reg:logistic` have `sigmoid = 1`; LightGBM stores it (`sigmoid:1`).
    BinaryLogistic {
        /// The slope of the sigmoid.
        sigmoid: f64,
    },
    /// Log link (Poisson, gamma, Tweedie): the mean is `exp(margin)`.
    LogLink,
    /// Multi-class with softmax over one margin per class (`multi:softprob`, `multi:softmax`,
    /// LightGBM `multiclass`). For `multi:softmax` the transformed output is the probability
    /// vector, not the arg-max class.
    MultiSoftmax {
        /// Number of classes (= outputs).
        n_classes: usize,
    },
    /// Multi-class one-vs-all (LightGBM `multiclassova`): each class has its own sigmoid.
    MultiOneVsAll {
        /// Number of classes (= outputs).
        n_classes: usize,
        /// The slope of each sigmoid.
        sigmoid: f64,
    },
}

impl Objective {
    /// Whether the transformed output is a probability (so `--output probability` applies).
    pub fn is_classification(&self) -> bool {
        matches!(
            self,
            Objective::BinaryLogistic { .. }
                | Objective::MultiSoftmax { .. }
                | Objective::MultiOneVsAll { .. }
        )
    }
}

/// A boosted-tree model imported from an XGBoost JSON or LightGBM text file.
///
/// Implements [`Predict`] (margins) and [`AsTreeEnsemble`], so every tree explainer and every
/// model-agnostic explainer accepts it directly.
#[derive(Clone, Debug)]
pub struct ImportedModel {
    /// The trees, in glassbox's one representation; `ensemble.feature_names` holds the names
    /// stored in the file (None when the file has none, or only LightGBM's automatic
    /// `Column_0`, `Column_1`, ... names).
    pub ensemble: TreeEnsemble,
    /// The format the model was read from.
    pub format: BoostedFormat,
    /// How margins map to the user-facing output.
    pub objective: Objective,
    /// The objective exactly as the file names it (e.g. `binary:logistic`, `binary sigmoid:1`).
    pub objective_name: String,
    /// The library version recorded in the file (`3.2.0` for XGBoost, `v4` for LightGBM), if any.
    pub library_version: Option<String>,
    /// The file the model was read from (named in error messages).
    pub source: PathBuf,
}

impl ImportedModel {
    /// Feature names stored in the model file, if any.
    pub fn feature_names(&self) -> Option<&[String]> {
        self.ensemble.feature_names.as_deref()
    }

    /// Number of input features.
    pub fn n_features(&self) -> usize {
        self.ensemble.n_features
    }

    /// Number of outputs (1, or the number of classes).
    pub fn n_outputs(&self) -> usize {
        self.ensemble.n_outputs
    }

    /// Maps one margin to the output scale for element-wise links: identity, sigmoid, or exp.
    ///
    /// Softmax is not element-wise: for [`Objective::MultiSoftmax`] this returns `margin`
    /// unchanged; use [`ImportedModel::transform_row`] for the class probabilities.
    pub fn transform_output(&self, margin: f64) -> f64 {
        match self.objective {
            Objective::Regression | Objective::MultiSoftmax { .. } => margin,
            Objective::BinaryLogistic { sigmoid: s }
            | Objective::MultiOneVsAll { sigmoid: s, .. } => link::sigmoid(s * margin),
            Objective::LogLink => margin.exp(),
        }
    }

    /// Maps the margins of one row, shape (outputs,), to the output scale in place (softmax for
    /// multi-class softmax models, [`ImportedModel::transform_output`] otherwise).
    pub fn transform_row(&self, margins: &mut [f64]) {
        if let Objective::MultiSoftmax { .. } = self.objective {
            let p = link::softmax(margins);
            margins.copy_from_slice(&p);
        } else {
            for m in margins.iter_mut() {
                *m = self.transform_output(*m);
            }
        }
    }

    /// Predictions on the output scale (probabilities, means): `x` (samples, features) ->
    /// (samples, outputs).
    pub fn predict_transformed(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>, ModelError> {
        let mut p = self.ensemble.predict(x)?;
        for mut row in p.rows_mut() {
            let row = row.as_slice_mut().expect("fresh array is contiguous");
            self.transform_row(row);
        }
        Ok(p)
    }

    /// For each feature, whether some split on it has no missing-value direction (LightGBM
    /// `missing_type` None: the library silently compares NaN as 0.0).
    pub fn features_without_missing_direction(&self) -> Vec<bool> {
        let mut out = vec![false; self.ensemble.n_features];
        for tree in &self.ensemble.trees {
            for n in 0..tree.n_nodes() {
                if !tree.is_leaf(n) && tree.missing[n] == Missing::AsZero {
                    out[tree.feature[n] as usize] = true;
                }
            }
        }
        out
    }

    /// Checks data before explaining it: `x` (samples, features) must have the model's number
    /// of columns, and must not hold NaN in a feature that the model splits on without a
    /// missing-value direction (LightGBM `missing_type` None, where LightGBM would silently read
    /// NaN as 0.0; [`Predict::predict`] follows LightGBM, this check is the strict gate).
    pub fn check_input(&self, x: ArrayView2<'_, f64>) -> Result<(), ModelError> {
        check_input(x, self.ensemble.n_features)?;
        let no_direction = self.features_without_missing_direction();
        for (row, r) in x.rows().into_iter().enumerate() {
            for (column, &v) in r.iter().enumerate() {
                if v.is_nan() && no_direction[column] {
                    let name = self.feature_label(column);
                    return Err(ModelError::Core(CoreError::NonFinite {
                        what: format!(
                            "feature {name}: model {} has no missing-value direction for it \
                             (LightGBM missing_type None; impute the value or retrain with \
                             use_missing=true)",
                            self.source.display()
                        ),
                        row,
                        column,
                        value: v,
                    }));
                }
            }
        }
        Ok(())
    }

    /// For each model feature, the index of the data column that feeds it.
    ///
    /// When the model file has feature names, each one must appear among `data_columns` (matched
    /// exactly; extra data columns are ignored). Without names, columns are taken by position and
    /// the counts must be equal. Errors list the missing names.
    pub fn match_columns(&self, data_columns: &[String]) -> Result<Vec<usize>, ModelError> {
        let n = self.ensemble.n_features;
        match self.feature_names() {
            Some(names) => {
                let mut out = Vec::with_capacity(n);
                let mut missing = Vec::new();
                for name in names {
                    match data_columns.iter().position(|c| c == name) {
                        Some(i) => out.push(i),
                        None => missing.push(name.as_str()),
                    }
                }
                if missing.is_empty() {
                    return Ok(out);
                }
                let shown: Vec<_> = missing.iter().take(8).map(|m| format!("'{m}'")).collect();
                let more = if missing.len() > 8 {
                    format!(" and {} more", missing.len() - 8)
                } else {
                    String::new()
                };
                Err(ModelError::InvalidArgument(format!(
                    "model {} needs {} feature columns by name; the data lacks {}{more} \
                     (data columns: {})",
                    self.source.display(),
                    n,
                    shown.join(", "),
                    abbreviate(data_columns)
                )))
            }
            None if data_columns.len() == n => Ok((0..n).collect()),
            None => Err(ModelError::InvalidArgument(format!(
                "model {} has no feature names and takes {n} features by position, but the \
                 data has {} feature columns",
                self.source.display(),
                data_columns.len()
            ))),
        }
    }

    /// `'name' (index j)` or `index j` for messages.
    pub(crate) fn feature_label(&self, j: usize) -> String {
        feature_label(self.feature_names(), j)
    }

    /// The file the model was read from.
    pub fn source(&self) -> &Path {
        &self.source
    }
}

/// `'name' (index j)` when names are known, else `index j`.
pub(crate) fn feature_label(names: Option<&[String]>, j: usize) -> String {
    match names.and_then(|n| n.get(j)) {
        Some(name) => format!("'{name}' (index {j})"),
        None => format!("index {j}"),
    }
}

fn abbreviate(cols: &[String]) -> String {
    let mut s: Vec<String> = cols.iter().take(6).cloned().collect();
    if cols.len() > 6 {
        s.push(format!("... {} in all", cols.len()));
    }
    s.join(", ")
}

impl Predict for ImportedModel {
    fn n_features(&self) -> usize {
        self.ensemble.n_features
    }

    fn n_outputs(&self) -> usize {
        self.ensemble.n_outputs
    }

    /// Margins (raw scores / log-odds), shape (samples, outputs).
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>, CoreError> {
        self.ensemble.predict(x)
    }
    fn prepare(&self) -> Option<Box<dyn Predict + '_>> {
        self.ensemble.prepare()
    }
}

impl AsTreeEnsemble for ImportedModel {
    fn tree_ensemble(&self) -> &TreeEnsemble {
        &self.ensemble
    }
}
