//! A Python callable as a [`Predict`] model, for the model-agnostic explainers.
//!
//! The library calls `predict` from its worker threads with the GIL released; each call
//! takes the GIL, hands the batch to Python as a numpy array and checks what comes back. The
//! explainers send large batches (KernelSHAP: every coalition × background row of one
//! explained row in one call), so the GIL round trip is paid per batch, not per sample. The
//! first exception the callable raises is kept and re-raised as itself once the library call
//! has unwound.

use std::sync::Mutex;

use glassbox::core::ndarray::{Array2, ArrayView2};
use glassbox::core::{CoreError, Predict};
use numpy::{PyArray2, PyReadonlyArray2};
use pyo3::prelude::*;

/// A Python function of (rows, features) float64 arrays returning (rows, outputs) float64.
pub struct PyPredictor {
    f: Py<PyAny>,
    n_features: usize,
    n_outputs: usize,
    error: Mutex<Option<PyErr>>,
}

impl PyPredictor {
    /// Wraps `f`, which must take `n_features` columns and return `n_outputs`.
    pub fn new(f: Py<PyAny>, n_features: usize, n_outputs: usize) -> PyPredictor {
        PyPredictor {
            f,
            n_features,
            n_outputs,
            error: Mutex::new(None),
        }
    }

    /// The exception the callable raised (the first, if several threads failed), once.
    pub fn take_error(&self) -> Option<PyErr> {
        self.error.lock().ok().and_then(|mut e| e.take())
    }

    fn keep(&self, e: PyErr) -> CoreError {
        let message = format!("the model function raised {e}");
        if let Ok(mut slot) = self.error.lock()
            && slot.is_none()
        {
            *slot = Some(e);
        }
        CoreError::InvalidArgument(message)
    }
}

impl Predict for PyPredictor {
    fn n_features(&self) -> usize {
        self.n_features
    }

    fn n_outputs(&self) -> usize {
        self.n_outputs
    }

    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>, CoreError> {
        glassbox::core::model::check_input(x, self.n_features)?;
        let n = x.nrows();
        Python::attach(|py| {
            let input = PyArray2::from_array(py, &x);
            let out = self.f.bind(py).call1((input,)).map_err(|e| self.keep(e))?;
            let out: PyReadonlyArray2<'_, f64> = out.extract().map_err(|_| {
                self.keep(pyo3::exceptions::PyTypeError::new_err(format!(
                    "the model function must return a float64 array of shape ({n}, {}); it \
                     returned {}",
                    self.n_outputs,
                    out.get_type().name().map_or("?".into(), |s| s.to_string())
                )))
            })?;
            let view = out.as_array();
            if view.dim() != (n, self.n_outputs) {
                return Err(self.keep(pyo3::exceptions::PyValueError::new_err(format!(
                    "the model function returned shape {:?} for {n} rows; expected ({n}, {})",
                    view.shape(),
                    self.n_outputs
                ))));
            }
            Ok(view.to_owned())
        })
    }
}
