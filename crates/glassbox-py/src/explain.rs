//! `glassbox._native.explain`: the one per-row explain entry point of the library
//! ([`glassbox::tabular::explain`]) on numpy arrays.

use glassbox::NoProgress;
use glassbox::tabular::{
    self, ExplainSettings, LimeMode, Method, OutputSpace, ProbabilityMethod, TabularExplanation,
};
use numpy::{IntoPyArray, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::arrays;
use crate::errors::{Failure, value_error};
use crate::model::{PyModel, allows_missing, feature_names_or_default};
use crate::threads;

/// The method named `name`, or an error listing the per-row methods.
fn parse_method(name: &str) -> PyResult<Method> {
    Method::ALL
        .into_iter()
        .find(|m| m.name() == name && m.is_per_row())
        .ok_or_else(|| {
            let valid: Vec<&str> = Method::ALL
                .iter()
                .filter(|m| m.is_per_row())
                .map(|m| m.name())
                .collect();
            value_error(format!(
                "method '{name}' is not one of: {}",
                valid.join(", ")
            ))
        })
}

/// A library result, with the Python exception a callable model raised (if any) put back in
/// place of the library's summary of it.
pub(crate) fn reraise<T>(model: &PyModel, r: Result<T, Failure>) -> PyResult<T> {
    match r {
        Ok(v) => Ok(v),
        Err(f) => Err(model.take_callable_error().unwrap_or_else(|| f.into())),
    }
}

/// Explains the rows of `x` (raw feature values, shape (samples, features), in the model's
/// feature order) with a per-row method: `tree-shap`, `interventional-tree-shap`,
/// `interactions`, `deep-shap`, `integrated-gradients`, `gradient-shap`, `kernel-shap`, `lime`.
///
/// `background` (raw values, shape (rows, features)) is used whole by the background methods
/// (or summarised by k-means with `kmeans` centroids). `output`: `margin` or `probability`;
/// `probability_method`: `exact` or `rescaled` (shap's per-reference rescaling, with
/// interventional TreeSHAP). Settings a method does not read must be None. Returns a dict:
/// `values` (samples, features, outputs), `base_values` (samples, outputs), `predictions`
/// (samples, outputs), `interactions` (samples, features, features, outputs) or None,
/// `output_names`, `feature_names`, `local_accuracy_max_rel_error`, `completeness_gap`,
/// `background_rows`, `seconds`, `method`.
#[pyfunction]
#[pyo3(signature = (model, x, method, *, background = None, kmeans = None, output = "margin", probability_method = "exact", nsamples = None, seed = 42, lime_samples = None, lime_mode = None, steps = None, gradient_samples = None, threads = None))]
#[allow(clippy::too_many_arguments)]
pub fn explain<'py>(
    py: Python<'py>,
    model: &PyModel,
    x: PyReadonlyArray2<'py, f64>,
    method: &str,
    background: Option<PyReadonlyArray2<'py, f64>>,
    kmeans: Option<usize>,
    output: &str,
    probability_method: &str,
    nsamples: Option<usize>,
    seed: u64,
    lime_samples: Option<usize>,
    lime_mode: Option<&str>,
    steps: Option<usize>,
    gradient_samples: Option<usize>,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyDict>> {
    let method = parse_method(method)?;
    let py_model = model;
    let model = &model.model;
    let names = feature_names_or_default(model);
    let missing = allows_missing(model);
    let rows = arrays::table(&x, &names, missing)?;
    let mut settings = ExplainSettings {
        seed,
        background_kmeans: kmeans,
        nsamples,
        ..ExplainSettings::default()
    };
    if let Some(b) = &background {
        let table = arrays::table(b, &names, missing)?;
        if table.n_samples() == 0 {
            return Err(value_error("the background data has no rows"));
        }
        settings.background = table.n_samples();
        settings.background_data = Some(table);
    }
    settings.output = match output {
        "margin" | "raw" => OutputSpace::Margin,
        "probability" => OutputSpace::Probability,
        other => {
            return Err(value_error(format!(
                "output '{other}' is not one of: margin, probability"
            )));
        }
    };
    settings.probability_method = match probability_method {
        "exact" => ProbabilityMethod::Exact,
        "rescaled" => ProbabilityMethod::Rescaled,
        other => {
            return Err(value_error(format!(
                "probability_method '{other}' is not one of: exact, rescaled"
            )));
        }
    };
    if let Some(n) = lime_samples {
        settings.lime_samples = n;
    }
    if let Some(mode) = lime_mode {
        settings.lime_mode = match mode {
            "quartile" => LimeMode::Quartile,
            "continuous" => LimeMode::Continuous,
            other => {
                return Err(value_error(format!(
                    "lime_mode '{other}' is not one of: quartile, continuous"
                )));
            }
        };
    }
    if let Some(s) = steps {
        settings.steps = s;
    }
    if let Some(g) = gradient_samples {
        settings.gradient_samples = g;
    }
    let result = threads::run(py, threads, || {
        tabular::explain(model, &rows, method, &settings, &NoProgress).map_err(Failure::from)
    })?;
    let e = reraise(py_model, result)?;
    to_dict(py, e)
}

/// The result as a dict of numpy arrays and plain values.
fn to_dict(py: Python<'_>, e: TabularExplanation) -> PyResult<Bound<'_, PyDict>> {
    let d = PyDict::new(py);
    let x = e.explanation;
    d.set_item("method", e.method.name())?;
    d.set_item("values", x.values.into_pyarray(py))?;
    d.set_item("base_values", x.base_values.into_pyarray(py))?;
    d.set_item("predictions", e.predictions.into_pyarray(py))?;
    d.set_item("feature_names", x.feature_names)?;
    d.set_item("output_names", x.output_names)?;
    d.set_item("interactions", e.interactions.map(|i| i.into_pyarray(py)))?;
    d.set_item(
        "local_accuracy_max_rel_error",
        e.local_accuracy_max_rel_error,
    )?;
    d.set_item("completeness_gap", e.completeness_gap)?;
    d.set_item("background_rows", e.background_rows)?;
    d.set_item("seconds", e.seconds)?;
    Ok(d)
}
