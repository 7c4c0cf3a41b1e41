//! [`PlotError`]: everything that can go wrong when building or saving a figure.

use std::path::PathBuf;

use glassbox_core::CoreError;

/// Errors from building or saving a plot. Messages are one line and say what was expected.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The plot's input data is unusable (empty, mismatched lengths, NaN, index out of range).
    #[error("{plot}: {message}")]
    InvalidInput {
        /// The plot being built, e.g. `"beeswarm"`.
        plot: &'static str,
        /// What was wrong and what was expected.
        message: String,
    },
    /// The drawing backend or the PNG encoder failed.
    #[error("rendering {what} failed: {message}")]
    Render {
        /// The figure or format being rendered.
        what: String,
        /// The backend's message.
        message: String,
    },
    /// Writing the output file failed (nothing is left under the final name).
    #[error("cannot write plot {path}: {source}")]
    Write {
        /// The file that could not be written.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: CoreError,
    },
}

impl PlotError {
    pub(crate) fn input(plot: &'static str, message: impl Into<String>) -> Self {
        PlotError::InvalidInput {
            plot,
            message: message.into(),
        }
    }
}
