//! Errors of the explainers.

use glassbox_core::CoreError;

/// An error while computing an explanation.
#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    /// A core invariant failed: shapes, non-finite values, local accuracy.
    #[error(transparent)]
    Core(#[from] CoreError),
    /// An argument outside its valid range (the message names the valid range).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The model lacks what the method needs (e.g. CAM on a network without a GAP head).
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// The model returned something unusable (e.g. NaN outputs).
    #[error("model error: {0}")]
    Model(String),
}
