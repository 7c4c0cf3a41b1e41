//! Errors of model training, import and (de)serialisation.

use std::path::PathBuf;

use glassbox_core::CoreError;

/// An error while training, importing, saving or loading a model.
///
/// File-related variants always name the file, so the CLI can print one clear line.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// A core invariant failed (shapes, non-finite values, invalid tree structure).
    #[error(transparent)]
    Core(#[from] CoreError),
    /// A training parameter or argument outside its valid range.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// The file is not valid for its format (corrupt, truncated, wrong schema or version,
    /// inconsistent content). `message` says what was expected.
    #[error("{path}: {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What was wrong and what was expected.
        message: String,
    },
    /// The file is valid but uses a feature glassbox does not support (e.g. categorical splits,
    /// an unknown objective).
    #[error("{path}: unsupported: {message}")]
    Unsupported {
        /// The file.
        path: PathBuf,
        /// What is unsupported, and what is.
        message: String,
    },
    /// Training diverged: the loss became NaN or infinite (nothing is saved).
    #[error(
        "training diverged at epoch {epoch}: the loss became {loss}; try a lower learning rate \
         than {learning_rate}"
    )]
    Diverged {
        /// 1-based epoch in which the loss stopped being finite.
        epoch: usize,
        /// The non-finite loss.
        loss: f64,
        /// The learning rate that was used.
        learning_rate: f64,
    },
}
