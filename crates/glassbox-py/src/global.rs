//! `glassbox._native.permutation_importance` and `glassbox._native.partial_dependence`: the
//! global methods of the library façade ([`glassbox::tabular::permutation_importance`],
//! [`glassbox::tabular::partial_dependence`]) on numpy arrays.

use glassbox::NoProgress;
use glassbox::tabular::{self, PdpSettings, PermutationSettings, Scoring};
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::arrays;
use crate::errors::{Failure, value_error};
use crate::explain::reraise;
use crate::model::{PyModel, allows_missing, feature_names_or_default};
use crate::threads;

/// The scoring named `name` (None: `auto`).
fn parse_scoring(name: Option<&str>) -> PyResult<Scoring> {
    match name {
        None | Some("auto") => Ok(Scoring::Auto),
        Some("r2") => Ok(Scoring::R2),
        Some("accuracy") => Ok(Scoring::Accuracy),
        Some(other) => Err(value_error(format!(
            "scoring '{other}' is not one of: auto, r2, accuracy"
        ))),
    }
}

/// Permutation importance of every feature: the drop of the score when the feature's column
/// of `x` (raw feature values, shape (samples, features), in the model's feature order) is
/// shuffled, `repeats` times per feature, against the target `y`, shape (samples,).
///
/// `scoring`: `auto` (None; accuracy for classifiers the model knows as such, R² otherwise),
/// `r2` (R² of the model's first output) or `accuracy` (integer class labels 0..k-1 in `y`;
/// the predicted class is the argmax of several outputs, or 1 where a single output is > 0).
/// Every (feature, repeat) pair draws its own seeded shuffle, so the result does not depend on
/// `threads`. Returns a dict: `importances` (features, repeats), `importances_mean`
/// (features,), `importances_std` (features,; population std as scikit-learn), `baseline`
/// (the unshuffled score), `scoring` (`r2` or `accuracy`), `repeats`, `feature_names`,
/// `seconds`.
#[pyfunction]
#[pyo3(signature = (model, x, y, *, repeats = 5, scoring = None, seed = 42, threads = None))]
#[allow(clippy::too_many_arguments)]
pub fn permutation_importance<'py>(
    py: Python<'py>,
    model: &PyModel,
    x: PyReadonlyArray2<'py, f64>,
    y: PyReadonlyArray1<'py, f64>,
    repeats: usize,
    scoring: Option<&str>,
    seed: u64,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyDict>> {
    let settings = PermutationSettings {
        repeats,
        scoring: parse_scoring(scoring)?,
        seed,
    };
    let py_model = model;
    let model = &model.model;
    let names = feature_names_or_default(model);
    let rows = arrays::table(&x, &names, allows_missing(model))?;
    let target = y.as_array().to_vec();
    if target.len() != rows.n_samples() {
        return Err(value_error(format!(
            "y has {} values but X has {} rows",
            target.len(),
            rows.n_samples()
        )));
    }
    let result = threads::run(py, threads, || {
        tabular::permutation_importance(model, &rows, &target, &settings, &NoProgress)
            .map_err(Failure::from)
    })?;
    let r = reraise(py_model, result)?;
    let d = PyDict::new(py);
    let p = r.importance;
    d.set_item("importances", p.importances.into_pyarray(py))?;
    d.set_item("importances_mean", PyArray1::from_vec(py, p.mean))?;
    d.set_item("importances_std", PyArray1::from_vec(py, p.std))?;
    d.set_item("baseline", p.baseline)?;
    d.set_item("scoring", r.scoring)?;
    d.set_item("repeats", r.repeats)?;
    d.set_item("feature_names", r.feature_names)?;
    d.set_item("seconds", r.seconds)?;
    Ok(d)
}

/// Partial dependence and ICE curves of every feature over the rows of `x` (raw feature
/// values, shape (samples, features), in the model's feature order).
///
/// Feature j's grid is its distinct values when it has fewer than `grid`, else `grid` evenly
/// spaced points from its 5th to its 95th percentile (numpy's linear interpolation), computed
/// in the model's input space. Returns a dict of per-feature lists: `grid_values[j]` (grid_j,)
/// in the data's units, `model_input[j]` (grid_j,) the same points in the model's input space
/// (they differ for glassbox MLPs, which scale their inputs), `average[j]` (grid_j, outputs)
/// the partial dependence, `individual[j]` (samples, grid_j, outputs) the ICE curves; and
/// `feature_names`, `output_names`, `grid`, `seconds`.
#[pyfunction]
#[pyo3(signature = (model, x, *, grid = 20, threads = None))]
pub fn partial_dependence<'py>(
    py: Python<'py>,
    model: &PyModel,
    x: PyReadonlyArray2<'py, f64>,
    grid: usize,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyDict>> {
    let settings = PdpSettings { grid };
    let py_model = model;
    let model = &model.model;
    let names = feature_names_or_default(model);
    let rows = arrays::table(&x, &names, allows_missing(model))?;
    let result = threads::run(py, threads, || {
        tabular::partial_dependence(model, &rows, &settings, &NoProgress).map_err(Failure::from)
    })?;
    let r = reraise(py_model, result)?;
    let grid_values = PyList::empty(py);
    let model_input = PyList::empty(py);
    let average = PyList::empty(py);
    let individual = PyList::empty(py);
    for (curve, raw) in r.curves.into_iter().zip(r.raw_grids) {
        grid_values.append(PyArray1::from_vec(py, raw))?;
        model_input.append(PyArray1::from_vec(py, curve.grid))?;
        average.append(curve.average.into_pyarray(py))?;
        individual.append(curve.ice.into_pyarray(py))?;
    }
    let d = PyDict::new(py);
    d.set_item("grid_values", grid_values)?;
    d.set_item("model_input", model_input)?;
    d.set_item("average", average)?;
    d.set_item("individual", individual)?;
    d.set_item("feature_names", r.feature_names)?;
    d.set_item("output_names", model.output_names())?;
    d.set_item("grid", r.grid)?;
    d.set_item("seconds", r.seconds)?;
    Ok(d)
}
