//! Saving and loading an [`Mlp`]: weights in safetensors (`f32`, tensors named
//! `layers.{i}.weight` / `layers.{i}.bias` like a PyTorch `nn.Sequential` state dict) and the
//! architecture, target map, training settings and loss history in a JSON file.

use std::path::Path;

use glassbox_core::atomic::write_atomic;
use serde::{Deserialize, Serialize};

use super::{LayerSpec, Mlp, MlpParams, Sequential, TargetTransform};
use crate::ModelError;

/// The `format` value of an MLP architecture file.
pub const MLP_FORMAT: &str = "glassbox-mlp";
/// The architecture-file schema version this build writes and reads.
pub const MLP_VERSION: u32 = 1;

/// The architecture JSON of a saved [`Mlp`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MlpArchitecture {
    /// Always [`MLP_FORMAT`].
    pub format: String,
    /// Schema version, [`MLP_VERSION`].
    pub version: u32,
    /// Element type of the weights file (`"f32"`).
    pub dtype: String,
    /// Input width.
    pub n_features: usize,
    /// Output width.
    pub n_outputs: usize,
    /// Layers in order.
    pub layers: Vec<LayerSpec>,
    /// Map from network output to target units.
    pub target: TargetTransform,
    /// Training settings.
    pub training: MlpParams,
    /// Loss after each epoch.
    pub loss_history: Vec<f64>,
}

impl Mlp {
    /// The architecture description written next to the weights.
    pub fn architecture(&self) -> MlpArchitecture {
        MlpArchitecture {
            format: MLP_FORMAT.into(),
            version: MLP_VERSION,
            dtype: "f32".into(),
            n_features: self.network().input_shape().iter().product(),
            n_outputs: self.target_transform().offset.len(),
            layers: self.network().specs(),
            target: self.target_transform().clone(),
            training: self.params().clone(),
            loss_history: self.loss_history().to_vec(),
        }
    }

    /// The weights as a safetensors file image (`f32`, little-endian).
    pub fn weights_bytes(&self) -> Vec<u8> {
        super::weights_io::weights_bytes(self.network(), MLP_FORMAT)
    }

    /// Writes the weights (safetensors) and the architecture (JSON), each atomically.
    pub fn save(&self, weights: &Path, architecture: &Path) -> Result<(), ModelError> {
        let json = serde_json::to_string_pretty(&self.architecture()).expect("serialisable");
        write_atomic(weights, &self.weights_bytes())?;
        write_atomic(architecture, json.as_bytes())?;
        Ok(())
    }

    /// Loads a model written by [`Mlp::save`]. Errors name the file and what was expected.
    pub fn load(weights: &Path, architecture: &Path) -> Result<Mlp, ModelError> {
        let read = |p: &Path| {
            std::fs::read(p).map_err(|source| ModelError::Io {
                path: p.to_path_buf(),
                source,
            })
        };
        let arch_bytes = read(architecture)?;
        let weight_bytes = read(weights)?;
        let json = std::str::from_utf8(&arch_bytes).map_err(|_| ModelError::Format {
            path: architecture.to_path_buf(),
            message: "not UTF-8 text; expected a glassbox-mlp architecture JSON".into(),
        })?;
        Mlp::from_bytes(&weight_bytes, weights, json, architecture)
    }

    /// Builds a model from a safetensors image and an architecture JSON text; the paths are used
    /// only in error messages.
    pub fn from_bytes(
        weight_bytes: &[u8],
        weights_path: &Path,
        json: &str,
        arch_path: &Path,
    ) -> Result<Mlp, ModelError> {
        let arch_err = |message: String| ModelError::Format {
            path: arch_path.to_path_buf(),
            message,
        };
        let arch: MlpArchitecture = serde_json::from_str(json)
            .map_err(|e| arch_err(format!("not a valid {MLP_FORMAT} architecture JSON: {e}")))?;
        super::weights_io::check_header(
            (&arch.format, arch.version, &arch.dtype),
            (MLP_FORMAT, MLP_VERSION),
            arch_path,
        )?;
        let mut net = Sequential::<f64>::from_specs(vec![arch.n_features], &arch.layers)
            .map_err(|e| arch_err(format!("inconsistent layers: {e}")))?;
        let out = net.output_shape().map_err(arch_err)?;
        if out != [arch.n_outputs] {
            return Err(arch_err(format!(
                "layers end in shape {out:?}, expected [{}] (n_outputs)",
                arch.n_outputs
            )));
        }
        let t = &arch.target;
        if t.offset.len() != arch.n_outputs
            || t.scale.len() != arch.n_outputs
            || t.scale.iter().chain(&t.offset).any(|v| !v.is_finite())
            || t.scale.contains(&0.0)
        {
            return Err(arch_err(format!(
                "target map needs {} finite offsets and nonzero finite scales",
                arch.n_outputs
            )));
        }

        super::weights_io::load_weights(&mut net, weight_bytes, weights_path, arch_path)?;
        Ok(Mlp::from_parts(
            net,
            arch.target,
            arch.training,
            arch.loss_history,
        ))
    }
}
