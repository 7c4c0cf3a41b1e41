//! Errors shared by all glassbox crates.

use std::path::PathBuf;

/// An error from the core vocabulary: shapes that do not agree, invalid values, a broken
/// invariant such as local accuracy, or a failed write.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// Two arrays or an array and a model disagree on a dimension.
    #[error("shape mismatch in {what}: expected {expected}, got {got}")]
    Shape {
        /// What was being checked, e.g. "predict input (samples, features)".
        what: String,
        /// The expected shape or size, in words.
        expected: String,
        /// The shape or size that was given.
        got: String,
    },
    /// A NaN or infinite value where only finite values make sense.
    #[error("non-finite value {value} in {what} at row {row}, column {column}")]
    NonFinite {
        /// What held the value.
        what: String,
        /// 0-based row.
        row: usize,
        /// 0-based column.
        column: usize,
        /// The offending value.
        value: f64,
    },
    /// Local accuracy (base + sum of attributions = model output) failed.
    #[error(
        "local accuracy violated at row {row}, output {output}: base + sum(values) = {got}, \
         model output = {expected} (relative error {rel_err:.3e} > tolerance {rtol:.0e})"
    )]
    LocalAccuracy {
        /// 0-based row.
        row: usize,
        /// 0-based output.
        output: usize,
        /// Model output.
        expected: f64,
        /// base value + sum of attributions.
        got: f64,
        /// The relative error found.
        rel_err: f64,
        /// The tolerance that was exceeded.
        rtol: f64,
    },
    /// A model or tree structure that is internally inconsistent.
    #[error("invalid model: {0}")]
    InvalidModel(String),
    /// An argument outside its valid range.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// Writing an output file failed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file that could not be written.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
}
