//! The native part of the `glassbox` Python package (`glassbox._native`).
//!
//! A thin layer of PyO3 bindings over the library façade ([`glassbox::Model`] and the entry
//! points of [`glassbox::tabular`]): it converts numpy arrays to and from ndarray, maps
//! library errors to Python exceptions and releases the GIL while Rust computes. Everything a
//! user sees (the shap-like explainers, model conversion from scikit-learn objects, plots'
//! notebook display) is Python code in `python/glassbox/`, built on the few functions here.
//!
//! Array axes follow the library everywhere: (samples, features, outputs).

mod arrays;
mod callable;
mod errors;
mod explain;
mod global;
mod lime;
mod model;
mod plots;
mod threads;

use pyo3::prelude::*;

/// The `glassbox._native` extension module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<model::PyModel>()?;
    m.add_function(wrap_pyfunction!(explain::explain, m)?)?;
    m.add_function(wrap_pyfunction!(lime::lime_tabular, m)?)?;
    m.add_function(wrap_pyfunction!(global::permutation_importance, m)?)?;
    m.add_function(wrap_pyfunction!(global::partial_dependence, m)?)?;
    m.add_function(wrap_pyfunction!(plots::render_plot, m)?)?;
    Ok(())
}
