//! Saving and loading a [`Cnn`] as a folder: `weights.safetensors` (`f32`, tensors named
//! `layers.{i}.weight` / `layers.{i}.bias` like a PyTorch `nn.Sequential` state dict, conv
//! weights (out, in, k, k)) and `architecture.json` (architecture, layers, input shape, class
//! names, training settings and history).

use std::path::Path;

use glassbox_core::atomic::write_atomic;
use serde::{Deserialize, Serialize};

use super::{Cnn, CnnArch, CnnEpochReport, CnnParams, LayerSpec, Sequential, cnn_specs};
use crate::ModelError;

/// The `format` value of a CNN architecture file.
pub const CNN_FORMAT: &str = "glassbox-cnn";
/// The architecture-file schema version this build writes and reads.
pub const CNN_VERSION: u32 = 1;
/// File name of the weights inside a saved model folder.
pub const CNN_WEIGHTS_FILE: &str = "weights.safetensors";
/// File name of the architecture JSON inside a saved model folder.
pub const CNN_ARCHITECTURE_FILE: &str = "architecture.json";

/// The architecture JSON of a saved [`Cnn`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CnnArchitecture {
    /// Always [`CNN_FORMAT`].
    pub format: String,
    /// Schema version, [`CNN_VERSION`].
    pub version: u32,
    /// Element type of the weights file (`"f32"`).
    pub dtype: String,
    /// `gap-cnn` or `flatten-cnn`.
    pub arch: CnnArch,
    /// Input shape of one image, (channels, height, width).
    pub input_shape: [usize; 3],
    /// Class names in class-index order.
    pub class_names: Vec<String>,
    /// Layers in order (must equal the layers of `arch` for this input shape and class count).
    pub layers: Vec<LayerSpec>,
    /// Training settings.
    pub training: CnnParams,
    /// Per-epoch metrics.
    pub history: Vec<CnnEpochReport>,
}

impl Cnn {
    /// The architecture description written next to the weights.
    pub fn architecture(&self) -> CnnArchitecture {
        CnnArchitecture {
            format: CNN_FORMAT.into(),
            version: CNN_VERSION,
            dtype: "f32".into(),
            arch: self.arch,
            input_shape: self.input_shape,
            class_names: self.class_names.clone(),
            layers: self.net.specs(),
            training: self.params.clone(),
            history: self.history.clone(),
        }
    }

    /// The weights as a safetensors file image (`f32`, little-endian).
    pub fn weights_bytes(&self) -> Vec<u8> {
        super::weights_io::weights_bytes(&self.net, CNN_FORMAT)
    }

    /// Saves the model into folder `dir` (created if missing) as [`CNN_WEIGHTS_FILE`] and
    /// [`CNN_ARCHITECTURE_FILE`], each written atomically (temporary file, then rename).
    pub fn save(&self, dir: &Path) -> Result<(), ModelError> {
        std::fs::create_dir_all(dir).map_err(|source| ModelError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let json = serde_json::to_string_pretty(&self.architecture()).expect("serialisable");
        write_atomic(&dir.join(CNN_WEIGHTS_FILE), &self.weights_bytes())?;
        write_atomic(&dir.join(CNN_ARCHITECTURE_FILE), json.as_bytes())?;
        Ok(())
    }

    /// Loads a model saved by [`Cnn::save`] from folder `dir`. Predictions are bit-identical to
    /// the saved model's. Errors name the file and what was expected.
    pub fn load(dir: &Path) -> Result<Cnn, ModelError> {
        let (wp, ap) = (dir.join(CNN_WEIGHTS_FILE), dir.join(CNN_ARCHITECTURE_FILE));
        let read = |p: &Path| {
            std::fs::read(p).map_err(|source| ModelError::Io {
                path: p.to_path_buf(),
                source,
            })
        };
        let arch_bytes = read(&ap)?;
        let weight_bytes = read(&wp)?;
        let json = std::str::from_utf8(&arch_bytes).map_err(|_| ModelError::Format {
            path: ap.clone(),
            message: format!("not UTF-8 text; expected a {CNN_FORMAT} architecture JSON"),
        })?;
        Cnn::from_bytes(&weight_bytes, &wp, json, &ap)
    }

    /// Builds a model from a safetensors image and an architecture JSON text; the paths are used
    /// only in error messages.
    pub fn from_bytes(
        weight_bytes: &[u8],
        weights_path: &Path,
        json: &str,
        arch_path: &Path,
    ) -> Result<Cnn, ModelError> {
        let arch_err = |message: String| ModelError::Format {
            path: arch_path.to_path_buf(),
            message,
        };
        let arch: CnnArchitecture = serde_json::from_str(json)
            .map_err(|e| arch_err(format!("not a valid {CNN_FORMAT} architecture JSON: {e}")))?;
        super::weights_io::check_header(
            (&arch.format, arch.version, &arch.dtype),
            (CNN_FORMAT, CNN_VERSION),
            arch_path,
        )?;
        let expected = cnn_specs(arch.arch, arch.input_shape, arch.class_names.len())
            .map_err(|e| arch_err(e.to_string()))?;
        if arch.layers != expected {
            return Err(arch_err(format!(
                "the layers do not match a {} for input shape {:?} and {} classes",
                arch.arch,
                arch.input_shape,
                arch.class_names.len()
            )));
        }
        let mut net = Sequential::<f32>::from_specs(arch.input_shape.to_vec(), &arch.layers)
            .map_err(|e| arch_err(format!("inconsistent layers: {e}")))?;

        super::weights_io::load_weights(&mut net, weight_bytes, weights_path, arch_path)?;
        Cnn::from_parts(
            net,
            arch.arch,
            arch.class_names,
            arch.training,
            arch.history,
        )
        .map_err(arch_err)
    }
}
