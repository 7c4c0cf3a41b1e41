//! Saving and loading an [`Mlp`]: weights in safetensors (`f32`, tensors named
//! `layers.{i}.weight` / `layers.{i}.bias` like a PyTorch `nn.Sequential` state dict) and the
//! architecture, target map, training settings and loss history in a JSON file.

use std::collections::HashMap;
use std::path::Path;

use glassbox_core::atomic::write_atomic;
use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};
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
        let mut named: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
        for (i, layer) in self.network().layers().iter().enumerate() {
            for p in layer.params() {
                // Exact: the f64 values are widened f32 training weights.
                let bytes = p
                    .data
                    .iter()
                    .flat_map(|&v| (v as f32).to_le_bytes())
                    .collect();
                named.push((format!("layers.{i}.{}", p.name), p.shape.clone(), bytes));
            }
        }
        let views = named.iter().map(|(name, shape, bytes)| {
            (
                name.clone(),
                TensorView::new(Dtype::F32, shape.clone(), bytes).expect("size matches shape"),
            )
        });
        let meta = HashMap::from([("format".to_string(), MLP_FORMAT.to_string())]);
        safetensors::serialize(views, Some(meta)).expect("in-memory serialisation")
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
        let w_err = |message: String| ModelError::Format {
            path: weights_path.to_path_buf(),
            message,
        };
        let arch: MlpArchitecture = serde_json::from_str(json)
            .map_err(|e| arch_err(format!("not a valid {MLP_FORMAT} architecture JSON: {e}")))?;
        if arch.format != MLP_FORMAT {
            return Err(arch_err(format!(
                "format is {:?}, expected {MLP_FORMAT:?}",
                arch.format
            )));
        }
        if arch.version != MLP_VERSION {
            return Err(arch_err(format!(
                "schema version {} is not supported; this glassbox reads version {MLP_VERSION}",
                arch.version
            )));
        }
        if arch.dtype != "f32" {
            return Err(arch_err(format!(
                "dtype {:?} is not supported; expected \"f32\"",
                arch.dtype
            )));
        }
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

        let st = SafeTensors::deserialize(weight_bytes)
            .map_err(|e| w_err(format!("not a valid safetensors file: {e}")))?;
        let mut expected_names = Vec::new();
        for (i, layer) in net.layers().iter().enumerate() {
            for p in layer.params() {
                expected_names.push((format!("layers.{i}.{}", p.name), p.shape.clone()));
            }
        }
        if let Some(extra) = st
            .names()
            .into_iter()
            .find(|n| !expected_names.iter().any(|(e, _)| e == n))
        {
            return Err(w_err(format!(
                "unexpected tensor {extra:?}; the architecture in {} expects {:?}",
                arch_path.display(),
                expected_names
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>()
            )));
        }
        for ((name, shape), param) in expected_names.iter().zip(net.params_mut()) {
            let view = st.tensor(name).map_err(|_| {
                w_err(format!(
                    "missing tensor {name:?} (f32, shape {shape:?}) required by {}",
                    arch_path.display()
                ))
            })?;
            if view.dtype() != Dtype::F32 || view.shape() != shape.as_slice() {
                return Err(w_err(format!(
                    "tensor {name:?} is {:?} with shape {:?}, expected F32 with shape {shape:?} as in {}",
                    view.dtype(),
                    view.shape(),
                    arch_path.display()
                )));
            }
            for (dst, chunk) in param.data.iter_mut().zip(view.data().chunks_exact(4)) {
                let v = f32::from_le_bytes(chunk.try_into().expect("4 bytes"));
                if !v.is_finite() {
                    return Err(w_err(format!(
                        "tensor {name:?} holds a non-finite value {v}"
                    )));
                }
                *dst = v as f64;
            }
        }
        Ok(Mlp::from_parts(
            net,
            arch.target,
            arch.training,
            arch.loss_history,
        ))
    }
}
