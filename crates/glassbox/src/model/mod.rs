//! [`Model`]: the one loaded model every explainer works on.
//!
//! # Sources
//!
//! [`Model::load`] detects the source of a path (or [`Model::load_with`] is told it through
//! [`ModelFormat`]); other constructors take models already in memory:
//!
//! | source (private `Source` variant) | from | capabilities |
//! |---|---|---|
//! | glassbox forest or MLP (`Glassbox`) | a `glassbox train` run folder or its `model.json`; [`Model::from_saved`] | [`Model::trees`] (forest) or [`Model::network`] (MLP), [`Model::scaler`] |
//! | imported booster (`Boosted`) | an XGBoost JSON or LightGBM text file; [`Model::from_boosted`] | [`Model::trees`] |
//! | trees in memory (`Trees`) | [`Model::from_tree_ensemble`] | [`Model::trees`] |
//! | ONNX tree ensemble (`Onnx`) | an `.onnx` file with an ai.onnx.ml `TreeEnsembleRegressor` / `TreeEnsembleClassifier` / `TreeEnsemble` (skl2onnx, onnxmltools) | [`Model::trees`] (path-dependent TreeSHAP once covers are present: [`Model::recompute_covers`]) |
//! | ONNX table network (`OnnxNetwork`) | an `.onnx` network (PyTorch, Keras via tf2onnx) with input (N, features) | [`Model::neural_network`] |
//! | ONNX image network (`Image`) | an `.onnx` network with input (N, channels, height, width) | [`Model::image`], [`Model::conv_classifier`] |
//! | any predictor (`Predictor`) | [`Model::from_predictor`]: a [`Predict`] implementation such as a Python callable | [`Model::input_predictor`] only (the model-agnostic methods) |
//! | CNN run (`Image`) | a `glassbox image train` run folder (`weights.safetensors` + `architecture.json`, no `model.json`) or its `architecture.json` | [`Model::image`], [`Model::conv_classifier`] |
//!
//! Whatever its source, a model answers the same questions: its feature names, its outputs and
//! their names, its link ([`Link`]: identity, logistic, softmax; a CNN's is softmax over its
//! class scores), its [`Model::kind`] for messages, and which capabilities it has. Callers
//! always pass raw values: a glassbox model's scaler is applied inside ([`Model::to_input`]),
//! so `impl Predict for Model` predicts from raw rows; a CNN predicts its class scores from
//! images flattened to (images, channels · height · width).
//!
//! The table explainers ([`crate::tabular`]) ask for [`Model::trees`], [`Model::network`] or
//! [`Model::input_predictor`] and refuse an image model with a message naming the image
//! command; the image explainers ([`crate::image`]) take the model's [`ImageModel`]
//! (`ImageModel::try_from(model)`), which refuses a table model naming its kind.
//!
//! # Adding a source
//!
//! A new kind of model (an ONNX graph, a Python object through the Python package) adds:
//! a `Source` variant holding it; its arm in each capability method here (`None` where it
//! lacks one, a capability trait object such as [`glassbox_core::Predict`] or
//! [`glassbox_core::ConvClassifier`] where it has one); a constructor (`Model::from_...`, for
//! objects in memory) and/or a [`ModelFormat`] value with its detection in `load.rs` (for
//! files). The explainers, which only ask for capabilities, stay untouched; the compiler lists
//! every `match` that needs the new arm.

mod image;
mod load;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use glassbox_core::differentiable::NeuralNetwork;
use glassbox_core::ndarray::{Array2, ArrayView2};
use glassbox_core::{CoreError, FeatureGroups, MinMaxScaler, Predict, TreeEnsemble};
use glassbox_data::RawTable;
use glassbox_models::gbdt::{ImportedModel, Objective};
use glassbox_models::nn::Mlp;
use glassbox_models::saved::SavedModel;
use glassbox_onnx::{ModelKind as OnnxKind, OnnxModel, OnnxNetwork};

pub use glassbox_core::link::Link;
pub use load::{LoadOptions, ModelFormat};

use crate::image::ImageModel;
use crate::{Error, Result};

/// A loaded model: its predictor, scaler, names, link and capabilities.
#[derive(Clone, Debug)]
pub struct Model {
    source: Source,
    path: Option<PathBuf>,
    run_dir: Option<PathBuf>,
}

/// Where the model came from; each variant knows how to predict and what it can offer.
#[derive(Clone, Debug)]
enum Source {
    /// A glassbox model (forest or MLP) with its scaler and target.
    Glassbox(Box<SavedModel>),
    /// An imported XGBoost / LightGBM booster.
    Boosted(Box<ImportedModel>),
    /// Trees built in memory, reading raw features.
    Trees { ensemble: TreeEnsemble, link: Link },
    /// A CNN run folder: an image classifier (see [`Model::image`]).
    Image(Box<ImageModel>),
    /// Any predictor of raw feature values (a Python callable through the Python package):
    /// only the model-agnostic explainers apply.
    Predictor(SharedPredictor),
    /// A tree ensemble read from an ONNX file, reading raw features.
    Onnx(Box<OnnxModel>),
    /// A table network read from an ONNX file, reading raw features.
    OnnxNetwork(Box<OnnxNetwork>),
}

/// A shared [`Predict`] trait object, printable for `Debug`.
#[derive(Clone)]
struct SharedPredictor {
    predict: Arc<dyn Predict>,
    feature_names: Option<Vec<String>>,
    output_names: Option<Vec<String>>,
    link: Link,
}

impl std::fmt::Debug for SharedPredictor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedPredictor")
            .field("n_features", &self.predict.n_features())
            .field("n_outputs", &self.predict.n_outputs())
            .field("link", &self.link)
            .finish()
    }
}

impl Model {
    /// A glassbox model held in memory (trained here, or built by the Python package).
    pub fn from_saved(saved: SavedModel) -> Model {
        Model {
            source: Source::Glassbox(Box::new(saved)),
            path: None,
            run_dir: None,
        }
    }

    /// A tree ensemble reading raw feature values (e.g. converted from scikit-learn or XGBoost
    /// objects in memory), with optional feature names and the link of its margins.
    pub fn from_tree_ensemble(
        mut ensemble: TreeEnsemble,
        feature_names: Option<Vec<String>>,
        link: Link,
    ) -> Result<Model> {
        if let Some(names) = &feature_names
            && names.len() != ensemble.n_features
        {
            return Err(Error::Input(format!(
                "{} feature names for a model with {} features",
                names.len(),
                ensemble.n_features
            )));
        }
        if link == Link::Logistic && ensemble.n_outputs != 1 {
            return Err(Error::Input(format!(
                "a logistic link needs one output; this ensemble has {}",
                ensemble.n_outputs
            )));
        }
        ensemble.feature_names = feature_names;
        Ok(Model {
            source: Source::Trees { ensemble, link },
            path: None,
            run_dir: None,
        })
    }

    /// Any predictor of raw feature values, shape (samples, features) → (samples, outputs),
    /// e.g. a Python callable: the model-agnostic methods (KernelSHAP, LIME, permutation
    /// importance, partial dependence) explain it. `feature_names` and `output_names`, when
    /// given, must match the predictor's sizes; `link` says what its outputs are (probabilities
    /// of a classifier are [`Link::Identity`]: they are explained as they are).
    pub fn from_predictor(
        predict: Arc<dyn Predict>,
        feature_names: Option<Vec<String>>,
        output_names: Option<Vec<String>>,
        link: Link,
    ) -> Result<Model> {
        let (m, k) = (predict.n_features(), predict.n_outputs());
        if m == 0 || k == 0 {
            return Err(Error::Input(format!(
                "a predictor needs at least one feature and one output; this one has {m} and {k}"
            )));
        }
        let check = |what: &str, names: &Option<Vec<String>>, n: usize| match names {
            Some(names) if names.len() != n => Err(Error::Input(format!(
                "{} {what} names for a predictor with {n} {what}s",
                names.len()
            ))),
            _ => Ok(()),
        };
        check("feature", &feature_names, m)?;
        check("output", &output_names, k)?;
        if link == Link::Logistic && k != 1 {
            return Err(Error::Input(format!(
                "a logistic link needs one output; this predictor has {k}"
            )));
        }
        if link == Link::Softmax && k < 2 {
            return Err(Error::Input(format!(
                "a softmax link needs at least two outputs; this predictor has {k}"
            )));
        }
        Ok(Model {
            source: Source::Predictor(SharedPredictor {
                predict,
                feature_names,
                output_names,
                link,
            }),
            path: None,
            run_dir: None,
        })
    }

    /// An imported booster (see [`glassbox_models::gbdt::load_boosted`]).
    pub fn from_boosted(model: ImportedModel) -> Model {
        let path = model.source.clone();
        Model {
            source: Source::Boosted(Box::new(model)),
            path: Some(path),
            run_dir: None,
        }
    }

    /// The model file or folder it was loaded from (`model.json` inside a glassbox run folder,
    /// the folder of a CNN run), if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The run folder it was loaded from (when [`Model::load`] was given a folder).
    pub fn run_dir(&self) -> Option<&Path> {
        self.run_dir.as_deref()
    }

    /// A name for messages: the model file, or "the model".
    pub fn label(&self) -> String {
        self.path
            .as_ref()
            .map_or_else(|| "the model".into(), |p| p.display().to_string())
    }

    /// Feature names, in input order; `None` for imported models whose file has none (see
    /// [`Model::feature_table`]).
    pub fn feature_names(&self) -> Option<&[String]> {
        match &self.source {
            Source::Glassbox(s) => Some(&s.feature_names),
            Source::Boosted(b) => b.feature_names(),
            Source::Trees { ensemble, .. } => ensemble.feature_names.as_deref(),
            Source::Onnx(o) => o.ensemble.feature_names.as_deref(),
            Source::Predictor(p) => p.feature_names.as_deref(),
            Source::Image(_) | Source::OnnxNetwork(_) => None,
        }
    }

    /// The columns of a table this model reads, for `ReadOptions::columns`: its features, and
    /// `target` or else the target it was trained on (used for metrics when the table has it),
    /// so that a Parquet file decodes nothing else. `None` when the model takes its columns by
    /// position (no feature names) or reads images.
    pub fn table_columns(&self, target: Option<&str>) -> Option<Vec<String>> {
        let mut columns = self.feature_names()?.to_vec();
        if let Some(t) = target.or(self.target_name()) {
            columns.push(t.to_string());
        }
        Some(columns)
    }

    /// The target column a glassbox model was trained to predict.
    pub fn target_name(&self) -> Option<&str> {
        match &self.source {
            Source::Glassbox(s) => Some(&s.target_name),
            _ => None,
        }
    }

    /// The scaler from raw feature values to the model's inputs (glassbox models).
    pub fn scaler(&self) -> Option<&MinMaxScaler> {
        match &self.source {
            Source::Glassbox(s) => Some(&s.scaler),
            _ => None,
        }
    }

    /// How the model's features group into the table's columns: a glassbox model trained on
    /// text columns explains each one-hot encoded column as one (its indicators summed); `None`
    /// when every feature is its own column.
    pub fn feature_groups(&self) -> Result<Option<FeatureGroups>> {
        match self.saved() {
            Some(s) if !s.categorical.is_empty() => Ok(Some(FeatureGroups::from_one_hot(
                &s.feature_names,
                &s.categorical,
            )?)),
            _ => Ok(None),
        }
    }

    /// The glassbox model record, for models trained by glassbox.
    pub fn saved(&self) -> Option<&SavedModel> {
        match &self.source {
            Source::Glassbox(s) => Some(s),
            _ => None,
        }
    }

    /// The trees of tree models (they read [`Model::to_input`] values).
    pub fn trees(&self) -> Option<&TreeEnsemble> {
        match &self.source {
            Source::Glassbox(s) => s.tree_ensemble(),
            Source::Boosted(b) => Some(&b.ensemble),
            Source::Trees { ensemble, .. } => Some(ensemble),
            Source::Onnx(o) => Some(&o.ensemble),
            Source::Image(_) | Source::Predictor(_) | Source::OnnxNetwork(_) => None,
        }
    }

    /// The imported ONNX model (operator, opset, producer, covers), for models read from an
    /// ONNX file.
    pub fn onnx(&self) -> Option<&OnnxModel> {
        match &self.source {
            Source::Onnx(o) => Some(o),
            _ => None,
        }
    }

    /// `Ok` when path-dependent TreeSHAP (which weighs each split by its training covers)
    /// can explain the model; for an ONNX file without node hit rates, an error saying to
    /// recompute the covers from the training table or to use interventional TreeSHAP.
    pub fn require_covers(&self) -> Result<()> {
        match &self.source {
            Source::Onnx(o) if !o.has_covers() => Err(Error::Settings(format!(
                "{}: the ONNX file carries no node covers (the training rows reaching each \
                 node), which path-dependent TreeSHAP weighs its splits by: pass the training \
                 table with --cover-data FILE to recompute them, or use --method \
                 interventional-tree-shap, which needs a background sample and no covers",
                self.label()
            ))),
            _ => Ok(()),
        }
    }

    /// Recomputes the covers of an imported ONNX tree ensemble from `rows`, the training rows
    /// in the model's feature order, shape (samples, features) (see
    /// [`Model::feature_table`]): each node's cover becomes the number of rows reaching it, as
    /// scikit-learn and LightGBM count them. Errors for other models, whose covers come with
    /// them.
    pub fn recompute_covers(&mut self, rows: ArrayView2<'_, f64>) -> Result<()> {
        let label = self.label();
        match &mut self.source {
            Source::Onnx(o) => o
                .recompute_covers(rows)
                .map_err(|e| Error::Input(e.to_string())),
            _ => Err(Error::Settings(format!(
                "{label}: covers can be recomputed for ONNX tree ensembles only; this {} {}",
                self.kind(),
                if self.trees().is_some() {
                    "carries its own"
                } else {
                    "has no trees"
                }
            ))),
        }
    }

    /// The glassbox MLP of MLP models (it reads [`Model::to_input`] values).
    pub fn network(&self) -> Option<&Mlp> {
        match &self.source {
            Source::Glassbox(s) => s.network().ok(),
            _ => None,
        }
    }

    /// The differentiable network of table models that have one (a glassbox MLP, an ONNX
    /// table network): what DeepSHAP, Integrated Gradients and GradientSHAP read. It reads
    /// [`Model::to_input`] values.
    pub fn neural_network(&self) -> Option<&dyn NeuralNetwork> {
        match &self.source {
            Source::Glassbox(s) => s.network().ok().map(|m| m as &dyn NeuralNetwork),
            Source::OnnxNetwork(o) => Some(o.flat()),
            _ => None,
        }
    }

    /// The imported ONNX network, for table networks read from an ONNX file.
    pub fn onnx_network(&self) -> Option<&OnnxNetwork> {
        match &self.source {
            Source::OnnxNetwork(o) => Some(o),
            _ => None,
        }
    }

    /// The link from the model's margins to probabilities, where glassbox reproduces the
    /// library's probabilities exactly (unit-slope sigmoid, softmax); `Identity` otherwise.
    pub fn link(&self) -> Link {
        match &self.source {
            Source::Glassbox(_) => Link::Identity,
            Source::Boosted(b) => match b.objective {
                Objective::BinaryLogistic { sigmoid: 1.0 } => Link::Logistic,
                Objective::MultiSoftmax { .. } => Link::Softmax,
                _ => Link::Identity,
            },
            Source::Trees { link, .. } => *link,
            Source::Onnx(o) => o.link,
            Source::OnnxNetwork(o) => o.link,
            Source::Predictor(p) => p.link,
            Source::Image(_) => Link::Softmax,
        }
    }

    /// Number of classes of classifiers (binary: 2), `None` for regressors.
    pub fn n_classes(&self) -> Option<usize> {
        match &self.source {
            Source::Glassbox(_) => None,
            Source::Boosted(b) => match b.objective {
                Objective::BinaryLogistic { .. } => Some(2),
                Objective::MultiSoftmax { n_classes }
                | Objective::MultiOneVsAll { n_classes, .. } => Some(n_classes),
                _ => None,
            },
            Source::Trees { ensemble, link } => match link {
                Link::Identity => None,
                Link::Logistic => Some(2),
                Link::Softmax => Some(ensemble.n_outputs),
            },
            Source::Onnx(o) => match &o.kind {
                OnnxKind::Classifier { labels } => Some(labels.len()),
                OnnxKind::Regressor { .. } => None,
            },
            Source::Predictor(p) => match p.link {
                Link::Identity => None,
                Link::Logistic => Some(2),
                Link::Softmax => Some(p.predict.n_outputs()),
            },
            Source::OnnxNetwork(o) => match o.link {
                Link::Identity => None,
                Link::Logistic => Some(2),
                Link::Softmax => Some(o.n_outputs()),
            },
            Source::Image(m) => Some(m.class_names().len()),
        }
    }

    /// Names of the outputs [`Predict::predict`] returns: the target of a glassbox model,
    /// the class names of a CNN, `margin` / `class i margin` for imported ones.
    pub fn output_names(&self) -> Vec<String> {
        match &self.source {
            Source::Glassbox(s) => vec![s.target_name.clone()],
            Source::Image(m) => m.class_names().to_vec(),
            Source::Predictor(SharedPredictor {
                output_names: Some(names),
                ..
            }) => names.clone(),
            Source::Onnx(o) => onnx_output_names(o),
            _ => match self.n_outputs() {
                1 => vec!["margin".to_string()],
                k => (0..k).map(|i| format!("class {i} margin")).collect(),
            },
        }
    }

    /// Names of the probability outputs, where [`Model::link`] is not the identity (a CNN's:
    /// its class names).
    pub fn probability_names(&self) -> Option<Vec<String>> {
        if let Source::Image(m) = &self.source {
            return Some(m.class_names().to_vec());
        }
        match self.link() {
            Link::Identity => None,
            Link::Logistic => Some(vec!["probability".to_string()]),
            Link::Softmax => Some(
                (0..self.n_outputs())
                    .map(|i| format!("class {i} probability"))
                    .collect(),
            ),
        }
    }

    /// Raw feature values, shape (samples, features), in the model's input space (scaled for
    /// glassbox models, unchanged otherwise).
    pub fn to_input(&self, raw: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        match self.scaler() {
            Some(scaler) => Ok(scaler.transform(raw)?),
            None => Ok(raw.to_owned()),
        }
    }

    /// The model as a predictor of its input space (what [`Model::to_input`] returns):
    /// margins, shape (samples, outputs). Errors for image models, which table explainers
    /// cannot explain.
    pub fn input_predictor(&self) -> Result<&dyn Predict> {
        match &self.source {
            Source::Image(_) => Err(self.not_a_table_model()),
            Source::Glassbox(s) => match (s.tree_ensemble(), s.network()) {
                (Some(trees), _) => Ok(trees),
                (None, Ok(net)) => Ok(net),
                (None, Err(e)) => Err(Error::Input(format!("{}: {e}", self.label()))),
            },
            Source::Boosted(b) => Ok(b.as_ref()),
            Source::Trees { ensemble, .. } => Ok(ensemble),
            Source::Onnx(o) => Ok(&o.ensemble),
            Source::OnnxNetwork(o) => Ok(o.flat()),
            Source::Predictor(p) => Ok(p.predict.as_ref()),
        }
    }

    /// The rows of `raw` this model reads, as a table of raw values in the model's feature
    /// order. Models without feature names take the table's columns by position, leaving out
    /// `target`; imported boosters accept missing cells (NaN) wherever their trees have a
    /// default direction. Errors for image models.
    pub fn feature_table(
        &self,
        raw: &RawTable,
        target: Option<&str>,
    ) -> Result<glassbox_core::Table> {
        if self.image().is_some() {
            return Err(self.not_a_table_model());
        }
        if let Some(saved) = self.saved().filter(|s| !s.categorical.is_empty()) {
            return Ok(raw.to_feature_table_encoded(
                &saved.input_columns(),
                &saved.categorical,
                None,
            )?);
        }
        let names: Vec<String> = match self.feature_names() {
            Some(names) => names.to_vec(),
            None => self.names_by_position(raw, target)?,
        };
        match &self.source {
            Source::Glassbox(_) | Source::OnnxNetwork(_) => Ok(raw.to_feature_table(&names, None)?),
            Source::Boosted(b) => {
                let table = raw.to_feature_table_with_missing(&names, None)?;
                b.check_input(table.features.view())?;
                Ok(table)
            }
            Source::Trees { .. } | Source::Onnx(_) | Source::Predictor(_) | Source::Image(_) => {
                Ok(raw.to_feature_table_with_missing(&names, None)?)
            }
        }
    }

    fn names_by_position(&self, raw: &RawTable, target: Option<&str>) -> Result<Vec<String>> {
        let cols: Vec<String> = raw
            .column_names()
            .iter()
            .filter(|c| Some(c.as_str()) != target)
            .cloned()
            .collect();
        if cols.len() != self.n_features() {
            return Err(Error::Input(format!(
                "{}: the model has no feature names and expects {} features by position, but {} has {} columns{}; pass --target to leave the target out",
                self.label(),
                self.n_features(),
                raw.path().display(),
                cols.len(),
                if target.is_some() {
                    " besides the target"
                } else {
                    ""
                }
            )));
        }
        Ok(cols)
    }
}

/// Output names of an ONNX model: its class labels (the positive one's margin for a binary
/// classifier), or `prediction` / `target i` for regressors.
fn onnx_output_names(o: &OnnxModel) -> Vec<String> {
    match &o.kind {
        OnnxKind::Classifier { labels } if o.n_margins() == 1 && labels.len() == 2 => {
            vec![format!("class {} margin", labels[1])]
        }
        OnnxKind::Classifier { labels } if labels.len() == o.n_margins() => {
            labels.iter().map(|l| format!("class {l} margin")).collect()
        }
        _ if o.n_margins() == 1 => vec!["prediction".to_string()],
        _ => (0..o.n_margins()).map(|i| format!("target {i}")).collect(),
    }
}

impl Predict for Model {
    fn n_features(&self) -> usize {
        match &self.source {
            Source::Glassbox(s) => s.feature_names.len(),
            Source::Boosted(b) => b.n_features(),
            Source::Trees { ensemble, .. } => ensemble.n_features,
            Source::Onnx(o) => o.n_features(),
            Source::OnnxNetwork(o) => o.n_features(),
            Source::Predictor(p) => p.predict.n_features(),
            Source::Image(m) => m.cnn().input_shape().iter().product(),
        }
    }

    fn n_outputs(&self) -> usize {
        match &self.source {
            Source::Glassbox(s) => s.n_outputs(),
            Source::Boosted(b) => b.n_outputs(),
            Source::Trees { ensemble, .. } => ensemble.n_outputs,
            Source::Onnx(o) => o.n_margins(),
            Source::OnnxNetwork(o) => o.n_outputs(),
            Source::Predictor(p) => p.predict.n_outputs(),
            Source::Image(m) => m.class_names().len(),
        }
    }

    /// Margins (the raw output for regressors), shape (samples, outputs), from raw feature
    /// values, shape (samples, features). For a CNN: pre-softmax class scores, shape
    /// (images, classes), from images flattened in (channel, row, column) order, shape
    /// (images, channels · height · width), pixel values as glassbox's image loader gives them.
    fn predict(&self, x: ArrayView2<'_, f64>) -> std::result::Result<Array2<f64>, CoreError> {
        if let Source::Image(m) = &self.source {
            return image::flat_class_scores(m, x);
        }
        let input = match self.scaler() {
            Some(scaler) => scaler.transform(x)?,
            None => x.to_owned(),
        };
        let predictor = self
            .input_predictor()
            .map_err(|e| CoreError::InvalidArgument(e.to_string()))?;
        predictor.predict(input.view())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use glassbox_data::{ReadOptions, read_table};

    fn fixture(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../glassbox-models/tests/fixtures/gbdt")
            .join(name)
    }

    #[test]
    fn imported_models_know_their_link_classes_and_names() {
        let binary = Model::load(&fixture("xgb_binary.json")).unwrap();
        assert_eq!(binary.link(), Link::Logistic);
        assert_eq!(binary.n_classes(), Some(2));
        assert_eq!(binary.output_names(), ["margin"]);
        assert_eq!(binary.probability_names().unwrap(), ["probability"]);
        assert!(binary.trees().is_some() && binary.network().is_none());
        assert!(binary.scaler().is_none() && binary.run_dir().is_none());
        let multi = Model::load(&fixture("xgb_multi.json")).unwrap();
        assert_eq!(multi.link(), Link::Softmax);
        assert_eq!(multi.output_names().len(), multi.n_outputs());
        let reg = Model::load(&fixture("xgb_reg.json")).unwrap();
        assert_eq!(reg.link(), Link::Identity);
        assert!(reg.probability_names().is_none() && reg.n_classes().is_none());
        // A format that does not match the file is an error, not a guess.
        let forced = LoadOptions {
            format: ModelFormat::Lightgbm,
            ..LoadOptions::default()
        };
        assert!(Model::load_with(&fixture("xgb_reg.json"), &forced).is_err());
    }

    #[test]
    fn feature_tables_leave_out_the_target_and_predict_from_raw_values() {
        let model = Model::load(&fixture("xgb_binary.json")).unwrap();
        let raw = read_table(&fixture("data.csv"), &ReadOptions::default()).unwrap();
        let table = model.feature_table(&raw, Some("y")).unwrap();
        assert_eq!(table.n_features(), model.n_features());
        let via_model = model.predict(table.features.view()).unwrap();
        let direct = model
            .input_predictor()
            .unwrap()
            .predict(table.features.view())
            .unwrap();
        assert_eq!(via_model, direct);

        let trees = model.trees().unwrap().clone();
        let wrong =
            Model::from_tree_ensemble(trees.clone(), Some(vec!["a".into()]), Link::Identity);
        assert!(wrong.is_err());
        let unnamed = Model::from_tree_ensemble(trees, None, Link::Logistic).unwrap();
        assert!(unnamed.feature_names().is_none());
        // Without names the table's columns are taken by position, the target left out.
        let by_position = unnamed.feature_table(&raw, Some("y")).unwrap();
        assert_eq!(
            by_position.feature_names,
            ["temp", "pressure", "speed", "load"]
        );
        let e = unnamed.feature_table(&raw, None).unwrap_err().to_string();
        assert!(
            e.contains("expects 4 features by position") && e.contains("--target"),
            "{e}"
        );
    }

    /// y = 2·x0 − x1 + 0.5·x2, one output.
    struct Linear;

    impl Predict for Linear {
        fn n_features(&self) -> usize {
            3
        }
        fn n_outputs(&self) -> usize {
            1
        }
        fn predict(&self, x: ArrayView2<'_, f64>) -> std::result::Result<Array2<f64>, CoreError> {
            Ok(x.map_axis(glassbox_core::ndarray::Axis(1), |r| {
                2.0 * r[0] - r[1] + 0.5 * r[2]
            })
            .insert_axis(glassbox_core::ndarray::Axis(1)))
        }
    }

    #[test]
    fn a_predictor_is_explained_by_the_model_agnostic_methods_only() {
        use crate::NoProgress;
        use crate::tabular::{self, ExplainSettings, Method};
        use glassbox_core::Table;
        use glassbox_core::ndarray::array;

        let names: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        let model = Model::from_predictor(
            Arc::new(Linear),
            Some(names.clone()),
            Some(vec!["y".into()]),
            Link::Identity,
        )
        .unwrap();
        assert_eq!(model.kind(), "predictor");
        assert_eq!(model.output_names(), ["y"]);
        assert!(model.trees().is_none() && model.network().is_none());
        let rows = Table::new(
            names.clone(),
            array![[1.0, 2.0, 3.0], [0.0, -1.0, 4.0]],
            None,
            None,
            vec!["r0".into(), "r1".into()],
        )
        .unwrap();
        let background = Table::new(
            names.clone(),
            array![[0.0, 0.0, 0.0], [2.0, 4.0, -2.0]],
            None,
            None,
            vec!["b0".into(), "b1".into()],
        )
        .unwrap();
        let settings = ExplainSettings {
            background_data: Some(background),
            ..ExplainSettings::default()
        };
        let e =
            tabular::explain(&model, &rows, Method::KernelShap, &settings, &NoProgress).unwrap();
        // A linear model's Shapley values: w_j (x_j - mean of the background's x_j).
        let (w, mean) = ([2.0, -1.0, 0.5], [1.0, 2.0, -1.0]);
        for i in 0..2 {
            for j in 0..3 {
                let want = w[j] * (rows.features[[i, j]] - mean[j]);
                assert!((e.explanation.values[[i, j, 0]] - want).abs() < 1e-9);
            }
        }
        let default = ExplainSettings::default();
        let err = tabular::explain(&model, &rows, Method::TreeShap, &default, &NoProgress);
        let err = err.unwrap_err().to_string();
        assert!(err.contains("needs a tree model"), "{err}");
        let wrong = Model::from_predictor(
            Arc::new(Linear),
            Some(vec!["a".into()]),
            None,
            Link::Identity,
        );
        assert!(
            wrong
                .unwrap_err()
                .to_string()
                .contains("1 feature names for a predictor with 3 features")
        );
        let softmax = Model::from_predictor(Arc::new(Linear), None, None, Link::Softmax);
        assert!(
            softmax
                .unwrap_err()
                .to_string()
                .contains("at least two outputs")
        );
    }
}
