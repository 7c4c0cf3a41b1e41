//! numpy arrays in and out.

use glassbox::core::Table;
use glassbox::core::ndarray::{Array2, ArrayView2};
use numpy::PyReadonlyArray2;

use crate::errors::{Failure, value_error};
use pyo3::PyResult;

/// Copies a (samples, features) float64 array into a table of raw feature values named
/// `names`; `missing`: NaN means a missing value (tree models route it), else it is refused
/// naming the row and column.
pub fn table(x: &PyReadonlyArray2<'_, f64>, names: &[String], missing: bool) -> PyResult<Table> {
    let view: ArrayView2<'_, f64> = x.as_array();
    if view.ncols() != names.len() {
        return Err(value_error(format!(
            "X has {} columns but the model has {} features",
            view.ncols(),
            names.len()
        )));
    }
    for ((i, j), v) in view.indexed_iter() {
        if v.is_infinite() || (v.is_nan() && !missing) {
            return Err(value_error(format!(
                "X[{i}, {j}] (feature '{}') is {v}: expected a finite number{}",
                names[j],
                if missing { " or NaN (missing)" } else { "" }
            )));
        }
    }
    let features: Array2<f64> = view.as_standard_layout().into_owned();
    let ids = (0..features.nrows()).map(|i| i.to_string()).collect();
    let t = if missing {
        Table::new_with_missing(names.to_vec(), features, None, None, ids)
    } else {
        Table::new(names.to_vec(), features, None, None, ids)
    };
    Ok(t.map_err(Failure::from)?)
}
