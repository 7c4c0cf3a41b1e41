//! The façade's one error type: every lower crate's error, plus refused settings, run-folder I/O
//! and run records that do not match their schema. Messages are one line and name the file,
//! setting, row or column at fault.

use std::path::PathBuf;

/// Errors of the glassbox façade.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Shapes, non-finite values and other vocabulary-level errors.
    #[error(transparent)]
    Core(#[from] glassbox_core::CoreError),
    /// Reading tables and image folders.
    #[error(transparent)]
    Data(#[from] glassbox_data::DataError),
    /// Training, loading or importing models.
    #[error(transparent)]
    Model(#[from] glassbox_models::ModelError),
    /// An explainer refused its input.
    #[error(transparent)]
    Explain(#[from] glassbox_explain::ExplainError),
    /// Rendering a plot.
    #[error(transparent)]
    Plot(#[from] glassbox_plot::PlotError),
    /// A setting that does not apply, is out of range or conflicts with another; the message
    /// names the setting (as the CLI spells its flag) and what is allowed.
    #[error("{0}")]
    Settings(String),
    /// The input cannot be explained as asked (no rows, a model without the needed capability).
    #[error("{0}")]
    Input(String),
    /// A file or folder could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// A run-folder file does not match its record type (missing or unknown field, wrong type,
    /// unsupported version).
    #[error("{}: {message}", path.display())]
    Record {
        /// The record file.
        path: PathBuf,
        /// What does not match, naming the field.
        message: String,
    },
}

/// The façade's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
