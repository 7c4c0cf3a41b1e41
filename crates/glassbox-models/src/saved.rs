//! The versioned model file written by `glassbox train` and read by `glassbox explain`.
//!
//! One JSON document holds everything needed to predict from raw data and to explain it: the
//! feature names (in model column order), the min-max scaler fitted on the training rows, the
//! model itself, and how it was trained. Numbers are written with serde_json's shortest
//! round-trip representation and read with its `float_roundtrip` parser (the default parser can
//! be one ulp off), so every `f64` (thresholds, leaf values, scaler bounds) reads back
//! bit-identical and a loaded model predicts exactly what the trained one did.
//!
//! # Schema (version 1)
//!
//! A one-tree, depth-1 forest on two features, as written by [`SavedModel::save`] (objects one
//! key per line, arrays on one line):
//!
//! ```json
//! {
//!   "format": "glassbox-model",
//!   "version": 1,
//!   "glassbox_version": "0.1.0",
//!   "feature_names": ["surface","volume"],
//!   "target_name": "Weight (g)",
//!   "scaler": {
//!     "min": [1.0,5.0],
//!     "max": [4.0,9.0]
//!   },
//!   "model": {
//!     "kind": "random_forest",
//!     "params": {
//!       "n_estimators": 1,
//!       "max_depth": 1,
//!       "min_samples_split": 2,
//!       "min_samples_leaf": 1,
//!       "max_features": "all",
//!       "bootstrap": true,
//!       "seed": 42
//!     },
//!     "ensemble": {
//!       "trees": [{
//!         "left": [1,4294967295,4294967295],
//!         "right": [2,4294967295,4294967295],
//!         "feature": [0,0,0],
//!         "threshold": [0.8333333333333333,0.0,0.0],
//!         "default_left": [false,true,true],
//!         "missing": ["default","default","default"],
//!         "cover": [4.0,2.0,2.0],
//!         "value": [12.25,12.0,12.5]
//!       }],
//!       "tree_output": [0],
//!       "tree_weight": [1.0],
//!       "base_offset": [0.0],
//!       "n_features": 2,
//!       "n_outputs": 1,
//!       "split": "less_or_equal",
//!       "feature_names": ["surface","volume"]
//!     }
//!   },
//!   "training": {
//!     "seed": 42,
//!     "test_fraction": 0.3,
//!     "n_train": 4,
//!     "n_test": 2,
//!     "data_file": "data/molding/ikv_injection_molding.xlsx"
//!   }
//! }
//! ```
//!
//! * `format` is always `"glassbox-model"`; `version` is [`VERSION`]. A reader refuses files
//!   with a newer version (it cannot know what they mean) and reads every older one.
//! * `model.kind` selects the payload ([`ModelPayload`]); `random_forest` stores the training
//!   parameters and the trees as a [`TreeEnsemble`] (see `glassbox_core::tree` for the node
//!   arrays: `4294967295` marks a leaf, `cover` is the weighted training-sample count). The
//!   ensemble works on scaled features: `predict(x) = ensemble(scaler(x))`.
//! * `scaler.min`/`max` have one entry per feature name, in the same order; so do the model's
//!   inputs (`ensemble.n_features`).
//! * `max_features` is `"all"`, `"sqrt"`, `"log2"`, `{"fraction": 0.5}` or `{"count": 6}`;
//!   `max_depth` is `null` for unlimited.
//! * `training` is informative: what `glassbox train` did (the split seed and test fraction, row
//!   counts, and the data file as given on the command line).
//!
//! [`SavedModel::load`] checks all of this and gives one clear error per problem: missing file,
//! invalid JSON (with line and column), not a glassbox model file, a newer version, or content
//! that is inconsistent (lengths that disagree, a broken tree).

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use glassbox_core::atomic::write_atomic_with;
use glassbox_core::{FeatureGroups, MinMaxScaler, OneHotColumn, Predict, TreeEnsemble};
use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::ModelError;
use crate::forest::RandomForestParams;
use crate::nn::Mlp;

/// Value of the `format` field of every glassbox model file.
pub const FORMAT: &str = "glassbox-model";

/// The newest file version this glassbox writes and reads.
pub const VERSION: u32 = 1;

/// A trained model with everything needed to use it on raw data (see the module docs for the
/// file schema).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SavedModel {
    /// Always [`FORMAT`].
    pub format: String,
    /// File version, [`VERSION`] when written by this glassbox.
    pub version: u32,
    /// Version of the glassbox that wrote the file (informative).
    pub glassbox_version: String,
    /// Names of the model's input features, in column order.
    pub feature_names: Vec<String>,
    /// Name of the predicted column.
    pub target_name: String,
    /// Scaling from raw features to the model's inputs, fitted on the training rows.
    pub scaler: MinMaxScaler,
    /// The model, working on scaled features.
    pub model: ModelPayload,
    /// How the model was trained.
    pub training: TrainingInfo,
    /// The table's text columns one-hot encoded into `feature_names` (their indicators
    /// `column=category`, contiguous, in category order); empty for an all-numeric table (and
    /// then absent from the file, so older files read unchanged).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categorical: Vec<OneHotColumn>,
}

/// The model inside a [`SavedModel`], tagged by `kind`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ModelPayload {
    /// A glassbox random forest.
    RandomForest {
        /// The parameters it was trained with.
        params: RandomForestParams,
        /// Its trees (tree weight 1/n_trees, one output).
        ensemble: TreeEnsemble,
    },
    /// A multilayer perceptron. Its weights (safetensors) and architecture (JSON) live in two
    /// files beside `model.json`, named here; [`SavedModel::load`] reads them.
    Mlp {
        /// Architecture JSON file name, relative to the model file's folder.
        architecture: String,
        /// Weights (safetensors) file name, relative to the model file's folder.
        weights: String,
        /// The network itself, present once built or loaded.
        #[serde(skip)]
        network: Option<MlpNetwork>,
    },
}

/// A trained [`Mlp`] held by a [`SavedModel`]; two are equal when their architectures and
/// weight files are byte-identical.
#[derive(Clone, Debug)]
pub struct MlpNetwork(pub Arc<Mlp>);

impl PartialEq for MlpNetwork {
    fn eq(&self, other: &Self) -> bool {
        self.0.architecture() == other.0.architecture()
            && self.0.weights_bytes() == other.0.weights_bytes()
    }
}

/// File name of an MLP's architecture JSON in a run folder.
pub const MLP_ARCHITECTURE_FILE: &str = "architecture.json";
/// File name of an MLP's weights in a run folder.
pub const MLP_WEIGHTS_FILE: &str = "weights.safetensors";

impl ModelPayload {
    /// Wraps a trained MLP, to be saved as [`MLP_ARCHITECTURE_FILE`] and [`MLP_WEIGHTS_FILE`]
    /// beside the model file.
    pub fn mlp(model: Mlp) -> ModelPayload {
        ModelPayload::Mlp {
            architecture: MLP_ARCHITECTURE_FILE.into(),
            weights: MLP_WEIGHTS_FILE.into(),
            network: Some(MlpNetwork(Arc::new(model))),
        }
    }

    /// Short name of the model kind (`"random_forest"`, `"mlp"`).
    pub fn kind(&self) -> &'static str {
        match self {
            ModelPayload::RandomForest { .. } => "random_forest",
            ModelPayload::Mlp { .. } => "mlp",
        }
    }
}

/// How a saved model was trained (informative; not needed to predict).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainingInfo {
    /// Seed of the train/test split.
    pub seed: u64,
    /// Fraction of rows held out for testing.
    pub test_fraction: f64,
    /// Number of training rows.
    pub n_train: usize,
    /// Number of test rows.
    pub n_test: usize,
    /// The data file, as given by the user (display string).
    pub data_file: String,
}

/// JSON layout of model files: objects one key per line (readable, diffable), arrays on one line
/// (a forest has hundreds of thousands of node entries; one per line would double the size).
#[derive(Default)]
struct ModelFormatter {
    level: usize,
    has_value: bool,
}

impl ModelFormatter {
    fn newline<W: ?Sized + Write>(&self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b"\n")?;
        for _ in 0..self.level {
            w.write_all(b"  ")?;
        }
        Ok(())
    }
}

impl serde_json::ser::Formatter for ModelFormatter {
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.level -= 1;
        if self.has_value {
            self.newline(w)?;
        }
        w.write_all(b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        self.newline(w)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// Just the identifying fields, read first so a foreign or newer file is named as such before
/// its content is interpreted (every other field is skipped, not built).
#[derive(Deserialize)]
struct Header {
    format: Option<serde_json::Value>,
    version: Option<serde_json::Value>,
}

impl SavedModel {
    /// A model file of the current [`FORMAT`] and [`VERSION`], stamped with this glassbox's
    /// version. Check it with [`SavedModel::validate`] (done by [`SavedModel::save`]).
    pub fn new(
        feature_names: Vec<String>,
        target_name: String,
        scaler: MinMaxScaler,
        model: ModelPayload,
        training: TrainingInfo,
    ) -> SavedModel {
        SavedModel {
            format: FORMAT.to_string(),
            version: VERSION,
            glassbox_version: env!("CARGO_PKG_VERSION").to_string(),
            feature_names,
            target_name,
            scaler,
            model,
            training,
            categorical: Vec::new(),
        }
    }

    /// The same model, recording that `categorical` columns of the table were one-hot encoded
    /// into its features.
    pub fn with_categorical(mut self, categorical: Vec<OneHotColumn>) -> SavedModel {
        self.categorical = categorical;
        self
    }

    /// The table columns the model reads, in order: its feature names with each one-hot
    /// column's indicators replaced by the column.
    pub fn input_columns(&self) -> Vec<String> {
        match FeatureGroups::from_one_hot(&self.feature_names, &self.categorical) {
            Ok(g) => g.names,
            Err(_) => self.feature_names.clone(),
        }
    }

    /// Checks internal consistency: one scaler bound per feature name, a model with as many
    /// inputs, a valid tree structure, feature names that agree. Returns what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        let n = self.feature_names.len();
        if n == 0 {
            return Err("the model has no feature names".into());
        }
        FeatureGroups::from_one_hot(&self.feature_names, &self.categorical)
            .map_err(|e| e.to_string())?;
        if self.scaler.min.len() != n || self.scaler.max.len() != n {
            return Err(format!(
                "inconsistent model: {n} feature names but the scaler has {} minima and {} \
                 maxima",
                self.scaler.min.len(),
                self.scaler.max.len()
            ));
        }
        if let Some((j, _)) = self
            .scaler
            .min
            .iter()
            .zip(&self.scaler.max)
            .enumerate()
            .find(|(_, (lo, hi))| !(lo.is_finite() && hi.is_finite() && lo <= hi))
        {
            return Err(format!(
                "inconsistent model: scaler bounds of feature '{}' are not finite with min <= max",
                self.feature_names[j]
            ));
        }
        match &self.model {
            ModelPayload::RandomForest { params, ensemble } => {
                if ensemble.n_features != n {
                    return Err(format!(
                        "inconsistent model: {n} feature names but the forest has {} features",
                        ensemble.n_features
                    ));
                }
                if ensemble.n_outputs != 1 {
                    return Err(format!(
                        "inconsistent model: a random forest has 1 output, this one has {}",
                        ensemble.n_outputs
                    ));
                }
                if let Some(names) = &ensemble.feature_names
                    && names != &self.feature_names
                {
                    return Err(
                        "inconsistent model: the forest's feature names differ from the file's"
                            .into(),
                    );
                }
                if ensemble.trees.len() != params.n_estimators {
                    return Err(format!(
                        "inconsistent model: n_estimators is {} but the forest has {} trees",
                        params.n_estimators,
                        ensemble.trees.len()
                    ));
                }
                params
                    .validate(n)
                    .map_err(|e| format!("inconsistent model: random forest {e}"))?;
                ensemble.validate().map_err(|e| e.to_string())?;
            }
            ModelPayload::Mlp {
                architecture,
                weights,
                network,
            } => {
                for file in [architecture, weights] {
                    if file.is_empty() || file.contains(['/', '\\']) || file.starts_with('.') {
                        return Err(format!(
                            "inconsistent model: MLP file name {file:?} must be a plain file \
                             name beside the model file"
                        ));
                    }
                }
                if let Some(MlpNetwork(mlp)) = network {
                    if mlp.n_features() != n {
                        return Err(format!(
                            "inconsistent model: {n} feature names but the network has {} inputs",
                            mlp.n_features()
                        ));
                    }
                    if mlp.n_outputs() != 1 {
                        return Err(format!(
                            "inconsistent model: a regression MLP has 1 output, this one has {}",
                            mlp.n_outputs()
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// Writes the model to `path` as pretty-printed JSON, atomically (a failed write leaves no
    /// file). Refuses an inconsistent model ([`SavedModel::validate`]).
    pub fn save(&self, path: &Path) -> Result<(), ModelError> {
        self.validate().map_err(|message| ModelError::Format {
            path: path.to_path_buf(),
            message: format!("refusing to save: {message}"),
        })?;
        if let ModelPayload::Mlp {
            architecture,
            weights,
            network,
        } = &self.model
        {
            let dir = path.parent().unwrap_or(Path::new("."));
            let MlpNetwork(mlp) = network.as_ref().ok_or_else(|| ModelError::Format {
                path: path.to_path_buf(),
                message: "refusing to save: the MLP payload holds no network".into(),
            })?;
            mlp.save(&dir.join(weights), &dir.join(architecture))?;
        }
        write_atomic_with(path, |w| {
            let mut ser =
                serde_json::Serializer::with_formatter(&mut *w, ModelFormatter::default());
            self.serialize(&mut ser).map_err(std::io::Error::other)?;
            w.write_all(b"\n")
        })?;
        Ok(())
    }

    /// Reads and checks a model file written by any glassbox up to this one.
    pub fn load(path: &Path) -> Result<SavedModel, ModelError> {
        let format_err = |message: String| ModelError::Format {
            path: path.to_path_buf(),
            message,
        };
        let bytes = std::fs::read(path).map_err(|source| ModelError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let not_ours = || {
            format_err(format!(
                "not a glassbox model file (expected a JSON object with \"format\": \
                 \"{FORMAT}\")"
            ))
        };
        let invalid_json = |e: serde_json::Error| format_err(format!("not valid JSON: {e}"));
        // serde would also read a struct from a JSON array, so only an object goes on to the
        // header; anything else is either not JSON or JSON of another kind.
        if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return Err(
                match serde_json::from_slice::<serde::de::IgnoredAny>(&bytes) {
                    Ok(_) => not_ours(),
                    Err(e) => invalid_json(e),
                },
            );
        }
        let header: Header = serde_json::from_slice(&bytes).map_err(|e| {
            if e.is_data() {
                format_err(format!("invalid glassbox model file: {e}"))
            } else {
                invalid_json(e)
            }
        })?;
        match header.format {
            Some(serde_json::Value::String(f)) if f == FORMAT => {}
            _ => {
                return Err(format_err(format!(
                    "not a glassbox model file (expected \"format\": \"{FORMAT}\")"
                )));
            }
        }
        let version = match header.version.as_ref().and_then(serde_json::Value::as_u64) {
            Some(v) if v >= 1 => v,
            _ => {
                return Err(format_err(format!(
                    "invalid model file version {} (expected a whole number from 1 to {VERSION})",
                    header
                        .version
                        .map_or("(missing)".to_string(), |v| v.to_string())
                )));
            }
        };
        if version > u64::from(VERSION) {
            return Err(format_err(format!(
                "written by a newer glassbox: file version {version}, this glassbox reads up to \
                 {VERSION}"
            )));
        }
        let mut model: SavedModel = serde_json::from_slice(&bytes)
            .map_err(|e| format_err(format!("invalid glassbox model file: {e}")))?;
        model.validate().map_err(format_err)?;
        if let ModelPayload::Mlp {
            architecture,
            weights,
            network,
        } = &mut model.model
        {
            let dir = path.parent().unwrap_or(Path::new("."));
            let mlp = Mlp::load(&dir.join(&*weights), &dir.join(&*architecture))?;
            *network = Some(MlpNetwork(Arc::new(mlp)));
        }
        model.validate().map_err(format_err)?;
        Ok(model)
    }

    /// The model's trees, if it is a tree model (they work on scaled features).
    pub fn tree_ensemble(&self) -> Option<&TreeEnsemble> {
        match &self.model {
            ModelPayload::RandomForest { ensemble, .. } => Some(ensemble),
            ModelPayload::Mlp { .. } => None,
        }
    }

    /// Number of model outputs.
    pub fn n_outputs(&self) -> usize {
        match &self.model {
            ModelPayload::RandomForest { ensemble, .. } => ensemble.n_outputs,
            ModelPayload::Mlp { .. } => 1,
        }
    }

    /// Scales raw features, shape (samples, features) in [`SavedModel::feature_names`] order,
    /// into the model's input space.
    pub fn scale(&self, raw_x: ArrayView2<'_, f64>) -> Result<Array2<f64>, ModelError> {
        Ok(self.scaler.transform(raw_x)?)
    }

    /// Predicts from raw (unscaled) features, shape (samples, features) in
    /// [`SavedModel::feature_names`] order; the result has shape (samples, outputs).
    pub fn predict(&self, raw_x: ArrayView2<'_, f64>) -> Result<Array2<f64>, ModelError> {
        let x = self.scale(raw_x)?;
        match &self.model {
            ModelPayload::RandomForest { ensemble, .. } => Ok(ensemble.predict(x.view())?),
            ModelPayload::Mlp { .. } => Ok(self.network()?.predict(x.view())?),
        }
    }

    /// The neural network, if this is an MLP (it works on scaled features). Errors for other
    /// model kinds or an MLP payload whose files were not loaded.
    pub fn network(&self) -> Result<&Mlp, ModelError> {
        match &self.model {
            ModelPayload::Mlp {
                network: Some(MlpNetwork(mlp)),
                ..
            } => Ok(mlp),
            other => Err(ModelError::InvalidArgument(format!(
                "a {} model has no neural network",
                other.kind()
            ))),
        }
    }
}
