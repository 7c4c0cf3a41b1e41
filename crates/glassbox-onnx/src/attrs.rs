//! Typed access to a node's attributes by name, with the `*_as_tensor` variants of float lists
//! (ai.onnx.ml opset 3 stores double-precision weights and thresholds that way).

use crate::proto::{AttributeProto, NodeProto};
use crate::tensor;

/// A node's attributes, looked up by name. Errors are plain messages; the caller adds the node.
pub struct Attrs<'a> {
    node: &'a NodeProto,
}

impl<'a> Attrs<'a> {
    /// Wraps `node`.
    pub fn new(node: &'a NodeProto) -> Self {
        Attrs { node }
    }

    /// The attribute called `name`, if present.
    pub fn get(&self, name: &str) -> Option<&'a AttributeProto> {
        self.node.attribute.iter().find(|a| a.name == name)
    }

    /// An int list (empty when absent).
    pub fn ints(&self, name: &str) -> &'a [i64] {
        self.get(name).map_or(&[], |a| a.ints.as_slice())
    }

    /// An int list that must be present and non-empty.
    pub fn required_ints(&self, name: &str) -> Result<&'a [i64], String> {
        match self.ints(name) {
            [] => Err(format!("attribute '{name}' is missing or empty")),
            v => Ok(v),
        }
    }

    /// A single int, or `default` when absent.
    pub fn int(&self, name: &str, default: i64) -> i64 {
        self.get(name).map_or(default, |a| a.i)
    }

    /// A single float widened to f64, or `default` when absent.
    pub fn float(&self, name: &str, default: f32) -> f64 {
        f64::from(self.get(name).map_or(default, |a| a.f))
    }

    /// A string (UTF-8, lossy), or `default` when absent.
    pub fn string(&self, name: &str, default: &str) -> String {
        self.get(name).map_or_else(
            || default.to_string(),
            |a| String::from_utf8_lossy(&a.s).into_owned(),
        )
    }

    /// A string list (UTF-8, lossy; empty when absent).
    pub fn strings(&self, name: &str) -> Vec<String> {
        self.get(name).map_or_else(Vec::new, |a| {
            a.strings
                .iter()
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .collect()
        })
    }

    /// A float list as f64: `name_as_tensor` (float or double tensor) when present, else the
    /// float list `name`; empty when neither is present. Both present is an error (the operator
    /// specification forbids it).
    pub fn floats(&self, name: &str) -> Result<Vec<f64>, String> {
        let tensor_name = format!("{name}_as_tensor");
        match (self.get(name), self.get(&tensor_name)) {
            (Some(_), Some(_)) => Err(format!("both '{name}' and '{tensor_name}' are set")),
            (_, Some(a)) => {
                let t =
                    a.t.as_ref()
                        .ok_or_else(|| format!("attribute '{tensor_name}' holds no tensor"))?;
                tensor::floats(t).map_err(|e| format!("attribute '{tensor_name}': {e}"))
            }
            (Some(a), None) => Ok(a.floats.iter().map(|&x| f64::from(x)).collect()),
            (None, None) => Ok(Vec::new()),
        }
    }

    /// A float tensor attribute as f64 (empty when absent).
    pub fn tensor_floats(&self, name: &str) -> Result<Vec<f64>, String> {
        match self.get(name).and_then(|a| a.t.as_ref()) {
            None => Ok(Vec::new()),
            Some(t) => tensor::floats(t).map_err(|e| format!("attribute '{name}': {e}")),
        }
    }

    /// An integer tensor attribute (empty when absent).
    pub fn tensor_ints(&self, name: &str) -> Result<Vec<i64>, String> {
        match self.get(name).and_then(|a| a.t.as_ref()) {
            None => Ok(Vec::new()),
            Some(t) => tensor::ints(t).map_err(|e| format!("attribute '{name}': {e}")),
        }
    }
}
