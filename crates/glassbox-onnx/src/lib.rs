//! glassbox-onnx: reads ONNX files in pure Rust and imports their models into glassbox.
//!
//! Two kinds of model, one entry point ([`read`], or [`parse_any`] for bytes in memory):
//! - **tree ensembles** (ai.onnx.ml `TreeEnsembleRegressor` / `TreeEnsembleClassifier`, as
//!   written by skl2onnx for scikit-learn forests and gradient boosting, and by onnxmltools for
//!   LightGBM) into glassbox's one tree type, [`TreeEnsemble`], so every tree explainer works on
//!   them ([`load`] / [`parse`] read these alone);
//! - **neural networks** (`torch.onnx.export`, tf2onnx: Gemm, MatMul, Conv, BatchNormalization,
//!   activations, pooling, Flatten/Reshape, a final Softmax) into glassbox's layer engine
//!   ([`OnnxNetwork`]), so DeepSHAP, Integrated Gradients, GradientSHAP and the CAM family run
//!   on them with exact gradients. See the `network` module for what is mapped and refused.
//!
//! Tree ensembles, in detail.
//! What is mapped, and how:
//! - branch modes `BRANCH_LEQ`, `BRANCH_LT`, `BRANCH_GTE`, `BRANCH_GT` exactly (GT/GTE by
//!   swapping the children, a mix of strict and non-strict splits by moving strict thresholds
//!   one f64 step down); `BRANCH_EQ`, `BRANCH_NEQ`, `BRANCH_MEMBER` are refused, naming the node;
//! - `nodes_missing_value_tracks_true` as each node's default direction for NaN;
//! - per-class (per-target) leaf weights: one glassbox tree per ONNX tree and output;
//! - `base_values` as the ensemble's base offset, `aggregate_function` SUM and AVERAGE (MIN and
//!   MAX refused: SHAP's additivity needs a sum);
//! - `post_transform` NONE / LOGISTIC / SOFTMAX as the output [`Link`]; onnxruntime's binary
//!   classifier layouts are reproduced by [`OnnxModel::predict_scores`].
//!
//! Covers: ONNX files carry no node sample counts, so [`OnnxModel::covers`] is usually
//! [`Covers::Absent`]. Path-dependent TreeSHAP needs them ([`OnnxModel::require_covers`] says so):
//! recompute them from the training rows with [`OnnxModel::recompute_covers`]. Interventional
//! TreeSHAP needs only a background sample and works without.
//!
//! Layout (one concept per file): [`proto`] the protobuf messages, `tensor` tensor values,
//! `attrs` node attributes, `graph` the graph check (inputs, wrappers, unsupported ops),
//! `nodes` tree structure and branch modes, `trees` leaf weights and outputs, `covers`,
//! `model` the imported model, `error`; `network` the network importer (graph walk, constant
//! folding, one file per concern) reading the same `proto` types.
//!
//! ```
//! use glassbox_onnx::{load, Covers};
//! use ndarray::array;
//!
//! let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/gb_regressor.onnx");
//! let mut model = load(path).unwrap();
//! assert_eq!(model.n_features(), 5);
//! assert_eq!(model.covers, Covers::Absent);
//! assert!(model.require_covers().is_err()); // path-dependent TreeSHAP would need covers
//!
//! let x = array![[0.1, -0.3, 1.2, 0.5, 0.0]];
//! let y = model.predict_scores(x.view()).unwrap(); // what onnxruntime returns, shape (1, 1)
//! assert_eq!(y.dim(), (1, 1));
//!
//! model.recompute_covers(x.view()).unwrap(); // use the training rows in practice
//! assert!(model.has_covers());
//! ```

mod attrs;
mod covers;
pub mod error;
mod graph;
mod model;
mod network;
mod nodes;
pub mod proto;
mod tensor;
mod tree_v5;
mod trees;

use std::path::Path;

use prost::Message;

pub use error::{OnnxError, Problem};
pub use glassbox_core::{Link, TreeEnsemble};
pub use model::{Covers, ModelKind, OnnxModel, ScoreLayout};
pub use network::OnnxNetwork;

/// A model read from an ONNX file: a tree ensemble or a neural network.
#[derive(Clone, Debug)]
pub enum Imported {
    /// An ai.onnx.ml tree ensemble (see [`OnnxModel`]).
    Trees(Box<OnnxModel>),
    /// A neural network in glassbox's layer engine (see [`OnnxNetwork`]).
    Network(Box<OnnxNetwork>),
}

/// Reads the ONNX file at `path` and imports its model, whichever kind it is: a graph holding
/// an ai.onnx.ml tree operator is read as a tree ensemble ([`load`]), any other graph as a
/// neural network. Errors as [`load`], naming the file (and the node and operator for
/// unsupported graphs).
pub fn read(path: impl AsRef<Path>) -> Result<Imported, OnnxError> {
    let (bytes, file) = read_file(path.as_ref())?;
    parse_any(&bytes, &file)
}

/// [`read`] for bytes in memory; `name` stands for the file in error messages.
pub fn parse_any(bytes: &[u8], name: &str) -> Result<Imported, OnnxError> {
    let file = name.to_string();
    let model = decode(bytes, name)?;
    let imported = if graph::holds_trees(&model) {
        import(&model, &file).map(|m| Imported::Trees(Box::new(m)))
    } else {
        network::import(&model, &file).map(|n| Imported::Network(Box::new(n)))
    };
    imported.map_err(|problem| OnnxError::Import { file, problem })
}

/// The bytes of the file at `path` and its name for messages.
fn read_file(path: &Path) -> Result<(Vec<u8>, String), OnnxError> {
    let file = path.display().to_string();
    match std::fs::read(path) {
        Ok(bytes) => Ok((bytes, file)),
        Err(source) => Err(OnnxError::Io { file, source }),
    }
}

fn decode(bytes: &[u8], name: &str) -> Result<proto::ModelProto, OnnxError> {
    proto::ModelProto::decode(bytes).map_err(|source| OnnxError::Decode {
        file: name.to_string(),
        source,
    })
}

/// Reads the ONNX file at `path` and imports its tree ensemble.
///
/// Errors: [`OnnxError::Io`] (unreadable), [`OnnxError::Decode`] (truncated or not ONNX),
/// [`OnnxError::Import`] (an unsupported operator, input or attribute, naming the node), all
/// naming the file.
pub fn load(path: impl AsRef<Path>) -> Result<OnnxModel, OnnxError> {
    let (bytes, file) = read_file(path.as_ref())?;
    parse(&bytes, &file)
}

/// Imports the tree ensemble of an ONNX model held in memory; `name` stands for the file in
/// error messages.
pub fn parse(bytes: &[u8], name: &str) -> Result<OnnxModel, OnnxError> {
    let file = name.to_string();
    let model = decode(bytes, name)?;
    import(&model, &file).map_err(|problem| OnnxError::Import { file, problem })
}

/// Imports a decoded model.
fn import(model: &proto::ModelProto, file: &str) -> Result<OnnxModel, Problem> {
    let info = graph::inspect(model)?;
    let node = info.tree;
    let node_err = |message: String| Problem::Node {
        node: node.name.clone(),
        op: node.op_type.clone(),
        message,
    };
    let t = trees::import(node, info.n_features).map_err(node_err)?;
    t.ensemble.validate()?;
    Ok(OnnxModel {
        ensemble: t.ensemble,
        kind: t.kind,
        link: t.link,
        layout: t.layout,
        covers: if t.hitrate_covers {
            Covers::HitRates
        } else {
            Covers::Absent
        },
        input_name: info.input_name,
        operator: (node.op_type.clone(), node.name.clone()),
        ml_opset: info.ml_opset,
        producer: format!("{} {}", model.producer_name, model.producer_version)
            .trim()
            .to_string(),
        file: file.to_string(),
    })
}
