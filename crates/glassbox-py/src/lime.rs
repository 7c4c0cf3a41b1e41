//! `glassbox._native.lime_tabular`: LIME's surrogates themselves (coefficients, intercepts,
//! fidelity per output), with the settings `glassbox explain --method lime` uses.
//!
//! [`glassbox::tabular::explain`] with `lime` returns each feature's contribution at the row
//! (coefficient times the row's interpretable value) and the fidelity of output 0 only; the
//! Python `glassbox.LimeTabular` shows the coefficients (what the `lime` package reports), so
//! it calls [`LimeTabular`] here with the same configuration: every feature kept, the
//! statistics of the training rows, `Rng::derive(seed, row)` per row. The two give the same
//! surrogates (python/tests/test_kernel.py checks contribution = weight × value).

use glassbox::explain::lime::tabular::{LimeMode, LimeTabular};
use numpy::{IntoPyArray, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::arrays;
use crate::errors::{Failure, value_error};
use crate::explain::reraise;
use crate::model::{PyModel, feature_names_or_default};
use crate::threads;

/// LIME surrogates of the rows of `x` (raw feature values, shape (samples, features), in the
/// model's feature order), with perturbation statistics from `training` (raw values, shape
/// (rows, features)); the model's own outputs (margins) are explained.
///
/// `mode`: `quartile` (lime's default; a coefficient is the effect of "being in the row's
/// quartile bin") or `continuous` (Gaussian samples around the training mean; a coefficient is
/// the local slope per training standard deviation). `samples`: perturbed samples per row,
/// the row itself included. Returns a dict: `weights` (samples, features, outputs),
/// `intercept`, `score` (the surrogate's weighted R² on its samples), `local_prediction` (the
/// surrogate at the row), `prediction` (the model at the row), each (samples, outputs);
/// `bins` (samples, features) the row's quartile bin (quartile mode) or None;
/// `kernel_width`, `mode`, `samples`, `feature_names`, `output_names`.
#[pyfunction]
#[pyo3(signature = (model, x, training, *, mode = "quartile", samples = 5000, seed = 42, threads = None))]
#[allow(clippy::too_many_arguments)]
pub fn lime_tabular<'py>(
    py: Python<'py>,
    model: &PyModel,
    x: PyReadonlyArray2<'py, f64>,
    training: PyReadonlyArray2<'py, f64>,
    mode: &str,
    samples: usize,
    seed: u64,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyDict>> {
    let lime_mode = match mode {
        "quartile" => LimeMode::Quartile,
        "continuous" => LimeMode::Continuous {
            around_instance: false,
        },
        other => {
            return Err(value_error(format!(
                "mode '{other}' is not one of: quartile, continuous"
            )));
        }
    };
    if samples < 2 {
        return Err(value_error(format!(
            "n_samples {samples}: LIME needs at least 2 samples (the row and one perturbation)"
        )));
    }
    let py_model = model;
    let model = &model.model;
    let names = feature_names_or_default(model);
    // LIME perturbs every cell and bins the training values: no missing values.
    let rows = arrays::table(&x, &names, false)?;
    let train = arrays::table(&training, &names, false)?;
    if rows.n_samples() == 0 {
        return Err(value_error("X has no rows"));
    }
    if train.n_samples() == 0 {
        return Err(value_error("the training data has no rows"));
    }
    let m = names.len();
    let result = threads::run(py, threads, || -> Result<_, Failure> {
        let x = model.to_input(rows.features.view())?;
        let training = model.to_input(train.features.view())?;
        let predictor = model.input_predictor()?;
        let lime = LimeTabular::new(predictor, training.view())
            .map_err(glassbox::Error::from)?
            .mode(lime_mode)
            .nsamples(samples)
            .num_features(m)
            .seed(seed);
        Ok(lime.explain(x.view()).map_err(glassbox::Error::from)?)
    })?;
    let e = reraise(py_model, result)?;
    let d = PyDict::new(py);
    d.set_item("weights", e.weights.into_pyarray(py))?;
    d.set_item("intercept", e.intercept.into_pyarray(py))?;
    d.set_item("score", e.score.into_pyarray(py))?;
    d.set_item("local_prediction", e.local_prediction.into_pyarray(py))?;
    d.set_item("prediction", e.prediction.into_pyarray(py))?;
    d.set_item(
        "bins",
        e.bins.map(|b| b.mapv(|v| v as i64).into_pyarray(py)),
    )?;
    d.set_item("kernel_width", 0.75 * (m as f64).sqrt())?;
    d.set_item("mode", mode)?;
    d.set_item("samples", samples)?;
    d.set_item("feature_names", names)?;
    d.set_item("output_names", model.output_names())?;
    Ok(d)
}
