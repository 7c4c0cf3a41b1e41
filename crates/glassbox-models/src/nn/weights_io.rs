//! The safetensors weights file shared by every saved network ([`super::Mlp`], [`super::Cnn`]):
//! one tensor `layers.{i}.{param}` per parameter, little-endian `f32`, plus the checks on the
//! architecture JSON's header. Loading names the file and the tensor in every error.

use std::collections::HashMap;
use std::path::Path;

use safetensors::SafeTensors;
use safetensors::tensor::{Dtype, TensorView};

use super::{Scalar, Sequential};
use crate::ModelError;

/// The network's parameters as a safetensors file image tagged with `format`. Values are
/// stored as `f32`: exact for f32 networks and for f64 copies of f32-trained weights.
pub(crate) fn weights_bytes<T: Scalar>(net: &Sequential<T>, format: &str) -> Vec<u8> {
    let mut named: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
    for (i, layer) in net.layers().iter().enumerate() {
        for p in layer.params() {
            let bytes = p
                .data
                .iter()
                .flat_map(|&v| (v.to_f64() as f32).to_le_bytes())
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
    let meta = HashMap::from([("format".to_string(), format.to_string())]);
    safetensors::serialize(views, Some(meta)).expect("in-memory serialisation")
}

/// Checks an architecture JSON's format name, schema version and weight type.
pub(crate) fn check_header(
    (format, version, dtype): (&str, u32, &str),
    (want_format, want_version): (&str, u32),
    arch_path: &Path,
) -> Result<(), ModelError> {
    let err = |message: String| {
        Err(ModelError::Format {
            path: arch_path.to_path_buf(),
            message,
        })
    };
    if format != want_format {
        return err(format!("format is {format:?}, expected {want_format:?}"));
    }
    if version != want_version {
        return err(format!(
            "schema version {version} is not supported; this glassbox reads version {want_version}"
        ));
    }
    if dtype != "f32" {
        return err(format!(
            "dtype {dtype:?} is not supported; expected \"f32\""
        ));
    }
    Ok(())
}

/// Fills `net`'s parameters from a safetensors image: every tensor the architecture expects
/// (`f32`, exact shape, finite values) and no other. `weights_path` and `arch_path` are used in
/// error messages only.
pub(crate) fn load_weights<T: Scalar>(
    net: &mut Sequential<T>,
    weight_bytes: &[u8],
    weights_path: &Path,
    arch_path: &Path,
) -> Result<(), ModelError> {
    let w_err = |message: String| ModelError::Format {
        path: weights_path.to_path_buf(),
        message,
    };
    let st = SafeTensors::deserialize(weight_bytes)
        .map_err(|e| w_err(format!("not a valid safetensors file: {e}")))?;
    let mut expected = Vec::new();
    for (i, layer) in net.layers().iter().enumerate() {
        for p in layer.params() {
            expected.push((format!("layers.{i}.{}", p.name), p.shape.clone()));
        }
    }
    if let Some(extra) = st
        .names()
        .into_iter()
        .find(|n| !expected.iter().any(|(e, _)| e == n))
    {
        return Err(w_err(format!(
            "unexpected tensor {extra:?}; the architecture in {} expects {:?}",
            arch_path.display(),
            expected.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>()
        )));
    }
    for ((name, shape), param) in expected.iter().zip(net.params_mut()) {
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
            *dst = T::from_f64(f64::from(v));
        }
    }
    Ok(())
}
