//! [`OnnxError`]: everything that can go wrong reading an ONNX file or importing its model.

use glassbox_core::CoreError;

/// The operators the importer accepts, listed in every "unsupported operator" error.
pub const SUPPORTED_OPS: &str = "ai.onnx.ml TreeEnsembleRegressor and TreeEnsembleClassifier \
     (opsets 1-5) and TreeEnsemble (opset 5), with the wrappers Identity, Cast, ZipMap and \
     Mul by a constant 1 around them";

/// The operators the network importer reads, listed in its "unsupported operator" errors.
pub const NETWORK_OPS: &str = "neural networks of Gemm, MatMul, Conv (group 1), \
     BatchNormalization, Add/Sub/Mul/Div by a per-channel constant, Relu, LeakyRelu, Sigmoid, \
     Tanh, MaxPool, AveragePool, GlobalAveragePool, Flatten, Reshape and Squeeze that flatten, \
     Dropout, Identity, Cast, a final Softmax or Sigmoid (the output link), and the constant \
     shape arithmetic around a Reshape (Constant, Shape, Gather, Unsqueeze, Squeeze, Concat, \
     Slice); or an ai.onnx.ml tree ensemble";

/// An error reading or importing an ONNX model. Every variant names the file (`file`: the path
/// given to [`crate::load`], or the name given to [`crate::parse`]).
#[derive(Debug, thiserror::Error)]
pub enum OnnxError {
    /// The file could not be read.
    #[error("cannot read ONNX file '{file}': {source}")]
    Io {
        /// The file.
        file: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The bytes are not a protobuf `ModelProto` (truncated file, or not ONNX at all).
    #[error(
        "'{file}' is not a readable ONNX model (truncated, or not an ONNX file): protobuf \
         decoding failed: {source}"
    )]
    Decode {
        /// The file.
        file: String,
        /// The decoder's message.
        source: prost::DecodeError,
    },
    /// The file decodes but its model cannot be imported.
    #[error("ONNX model '{file}': {problem}")]
    Import {
        /// The file.
        file: String,
        /// What is wrong.
        problem: Problem,
    },
    /// Path-dependent TreeSHAP was asked for but the model has no node covers.
    #[error(
        "ONNX model '{file}' carries no node covers (hit rates), which path-dependent TreeSHAP \
         needs: recompute them from a data table with OnnxModel::recompute_covers (the training \
         rows, or a representative sample), or use interventional TreeSHAP, which needs only a \
         background sample and no covers"
    )]
    NoCovers {
        /// The file.
        file: String,
    },
    /// The data table given to recompute covers does not fit the model.
    #[error("ONNX model '{file}': cannot recompute covers: {message}")]
    CoverData {
        /// The file.
        file: String,
        /// What is wrong with the data.
        message: String,
    },
}

/// What is wrong with a decoded model (wrapped in [`OnnxError::Import`] with the file name).
#[derive(Debug, thiserror::Error)]
pub enum Problem {
    /// The model has no graph.
    #[error("the model has no graph (an empty file, or not an ONNX model)")]
    NoGraph,
    /// The graph's inputs are not one float tensor of shape (N, F).
    #[error("{0}")]
    Input(String),
    /// A node whose operator glassbox cannot import.
    #[error(
        "unsupported operator '{op}' (domain '{domain}', opset {opset}) in node '{node}'; \
         glassbox imports {supported}"
    )]
    UnsupportedOp {
        /// Operator type.
        op: String,
        /// Operator domain (`""` is the default ONNX domain).
        domain: String,
        /// Node name.
        node: String,
        /// The model's opset version for that domain (0 when the model does not import it).
        opset: i64,
        /// What is supported.
        supported: &'static str,
    },
    /// The graph holds no tree ensemble, or more than one.
    #[error("{0}")]
    Structure(String),
    /// A tree-ensemble node whose attributes are inconsistent or cannot be represented exactly.
    #[error("node '{node}' ({op}): {message}")]
    Node {
        /// Node name.
        node: String,
        /// Operator type.
        op: String,
        /// What is wrong.
        message: String,
    },
    /// The imported ensemble failed glassbox's structural checks.
    #[error("the imported trees are invalid: {0}")]
    Invalid(#[from] CoreError),
}
