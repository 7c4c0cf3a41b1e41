//! Errors of the report crate: each names the folder or file involved and what was expected.

use std::path::PathBuf;

/// An error while reading run folders, embedding images or writing the report.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A run-folder file does not match its typed record (names the file and the field).
    #[error(transparent)]
    Record(#[from] glassbox::Error),
    /// A run folder given to the report does not exist.
    #[error("run folder {dir} does not exist")]
    RunDirMissing {
        /// The folder that was asked for.
        dir: PathBuf,
    },
    /// A run path exists but is a file, not a folder.
    #[error("run folder {dir} is not a folder")]
    NotAFolder {
        /// The path that was asked for.
        dir: PathBuf,
    },
    /// A folder holds none of the files a glassbox run writes.
    #[error(
        "{dir} is not a glassbox run folder: it has no metrics.json (from `glassbox train` or \
         `glassbox image train`), explanation.json, importance.json or partial_dependence.csv \
         (from `glassbox explain`) or summary.json (from `glassbox image explain`), nor \
         sub-folders that have them"
    )]
    NotARun {
        /// The folder that was read.
        dir: PathBuf,
    },
    /// A run folder lacks a file its kind of run always writes.
    #[error("run folder {dir} is incomplete: {file} is missing ({why})")]
    MissingFile {
        /// The run folder.
        dir: PathBuf,
        /// The missing file's name.
        file: String,
        /// Why the file is expected, e.g. "`glassbox train` writes it".
        why: String,
    },
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A JSON file did not parse or lacks an expected field.
    #[error("{path} is not a valid {what}: {message}")]
    BadJson {
        /// The file.
        path: PathBuf,
        /// What the file should be, e.g. "metrics file".
        what: String,
        /// The parser's message.
        message: String,
    },
    /// Image bytes that are neither PNG nor SVG (or a PNG with a broken header).
    #[error("{source_name} is not a valid {expected} image: {message}")]
    BadImage {
        /// The file name or description of the image.
        source_name: String,
        /// The expected format.
        expected: String,
        /// What is wrong.
        message: String,
    },
    /// The report file could not be written (nothing is left under its name).
    #[error(transparent)]
    Write(#[from] glassbox_core::CoreError),
}
