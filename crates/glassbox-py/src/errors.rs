//! Library errors as Python exceptions: input and settings problems are `ValueError`, file
//! problems `OSError`; the message is the library's one line, which names the file, row,
//! column or node and what was expected.

use pyo3::PyErr;
use pyo3::exceptions::{PyOSError, PyValueError};

/// A [`glassbox::Error`] on its way to Python.
pub struct Failure(pub glassbox::Error);

impl From<glassbox::Error> for Failure {
    fn from(e: glassbox::Error) -> Self {
        Failure(e)
    }
}

impl From<glassbox::core::CoreError> for Failure {
    fn from(e: glassbox::core::CoreError) -> Self {
        Failure(e.into())
    }
}

impl From<glassbox::models::ModelError> for Failure {
    fn from(e: glassbox::models::ModelError) -> Self {
        Failure(e.into())
    }
}

impl From<Failure> for PyErr {
    fn from(f: Failure) -> PyErr {
        match f.0 {
            e @ glassbox::Error::Io { .. } => PyOSError::new_err(e.to_string()),
            other => PyValueError::new_err(other.to_string()),
        }
    }
}

/// A `ValueError` with `message`.
pub fn value_error(message: impl Into<String>) -> PyErr {
    PyValueError::new_err(message.into())
}
