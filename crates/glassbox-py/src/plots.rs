//! `glassbox._native.render_plot`: the SHAP plots of the CLI (bar, beeswarm, waterfall,
//! dependence, from [`glassbox::plot`]) rendered to PNG bytes and SVG text for Python.
//!
//! Python selects one output of an explanation and hands its arrays here; this builds a
//! one-output [`Explanation`] and calls the same plot functions `glassbox explain` writes its
//! figures with, so a notebook shows exactly the CLI's pictures.

use std::panic::{AssertUnwindSafe, catch_unwind};

use glassbox::core::Explanation;
use glassbox::core::ndarray::{Array2, Array3, Axis};
use glassbox::plot::{self, ColorBy, Figure, PlotError};
use numpy::{PyReadonlyArray1, PyReadonlyArray2, PyReadonlyArray3};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes};

use crate::errors::{Failure, value_error};

/// The plot kinds, as Python names them.
const KINDS: [&str; 4] = ["bar", "beeswarm", "waterfall", "dependence"];

/// One plot to draw, with the options its kind reads.
enum Kind {
    Bar,
    Beeswarm,
    Waterfall { row: usize },
    Dependence { feature: usize, color: ColorBy },
}

/// How the points of a dependence plot are coloured, before feature names are resolved.
enum Color {
    Auto,
    Feature(String),
    Single,
}

/// The index of feature `name`, or an error naming the setting and listing the features.
fn feature_index(names: &[String], name: &str, setting: &str) -> PyResult<usize> {
    names.iter().position(|n| n == name).ok_or_else(|| {
        value_error(format!(
            "{setting} '{name}' is not a feature of the explanation; its features are: {}",
            names.join(", ")
        ))
    })
}

/// `color` as Python passes it: None (the strongest interaction), False (one colour) or a
/// feature name.
fn parse_color(color: Option<&Bound<'_, PyAny>>) -> PyResult<Color> {
    let Some(c) = color else {
        return Ok(Color::Auto);
    };
    if let Ok(b) = c.cast::<PyBool>() {
        return if b.is_true() {
            Ok(Color::Auto)
        } else {
            Ok(Color::Single)
        };
    }
    match c.extract::<String>() {
        Ok(name) => Ok(Color::Feature(name)),
        Err(_) => Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "color must be None (the strongest interaction), False (one colour) or a feature \
             name, not {}",
            c.get_type()
                .name()
                .map_or_else(|_| "?".to_string(), |s| s.to_string())
        ))),
    }
}

/// The figure of `kind` for output 0 of `e`.
fn figure(
    e: &Explanation,
    kind: &Kind,
    max_display: usize,
    interactions: Option<&Array3<f64>>,
) -> Result<Figure, PlotError> {
    match *kind {
        Kind::Bar => plot::shap_bar(e, 0, max_display),
        Kind::Beeswarm => plot::beeswarm(e, 0, max_display),
        Kind::Waterfall { row } => plot::waterfall(e, row, 0, max_display),
        Kind::Dependence { feature, color } => {
            plot::dependence(e, feature, 0, color, interactions.map(|i| i.view()))
        }
    }
}

/// Renders one SHAP plot of a single output and returns `(png, svg, (width, height))`: the
/// PNG file's bytes, the SVG document and the PNG's size in pixels.
///
/// `kind`: `bar`, `beeswarm`, `waterfall` or `dependence`. `values` (samples, features) and
/// `base_values` (samples,) are the output's attributions; `data` (samples, features) the
/// explained feature values (NaN: missing, drawn grey); `feature_names` one per feature;
/// `output_name` and `method` appear in the titles. `max_display`: at most this many features
/// (the rest pooled into one row); `row`: the waterfall's row; `feature`: the dependence plot's
/// feature (a name); `color`: its colouring (None: the strongest interaction, False: one
/// colour, or a feature name); `interactions` (samples, features, features): SHAP interaction
/// values of the output, which refine the automatic colouring; `scale`: PNG pixels per logical
/// pixel (1 to 4). Errors (unknown kind or feature, bad shapes, non-finite values, a row out of
/// range) are ValueError.
#[pyfunction]
#[pyo3(signature = (kind, values, base_values, data, feature_names, output_name, *, method = "SHAP", max_display = 12, row = 0, feature = None, color = None, interactions = None, scale = 1))]
#[allow(clippy::too_many_arguments)]
pub fn render_plot<'py>(
    py: Python<'py>,
    kind: &str,
    values: PyReadonlyArray2<'py, f64>,
    base_values: PyReadonlyArray1<'py, f64>,
    data: PyReadonlyArray2<'py, f64>,
    feature_names: Vec<String>,
    output_name: String,
    method: &str,
    max_display: usize,
    row: usize,
    feature: Option<String>,
    color: Option<Bound<'py, PyAny>>,
    interactions: Option<PyReadonlyArray3<'py, f64>>,
    scale: u32,
) -> PyResult<(Bound<'py, PyBytes>, String, (u32, u32))> {
    if max_display == 0 {
        return Err(value_error("max_display must be at least 1"));
    }
    if !(1..=4).contains(&scale) {
        return Err(value_error(format!("scale must be 1 to 4, not {scale}")));
    }
    let values = values.as_array();
    let (n, m) = values.dim();
    let kind = match kind {
        "bar" => Kind::Bar,
        "beeswarm" => Kind::Beeswarm,
        "waterfall" => {
            if row >= n {
                return Err(value_error(format!(
                    "row {row} is out of range: the explanation has {n} row(s)"
                )));
            }
            Kind::Waterfall { row }
        }
        "dependence" => {
            let name = feature.ok_or_else(|| value_error("a dependence plot needs a feature"))?;
            let feature = feature_index(&feature_names, &name, "feature")?;
            let color = match parse_color(color.as_ref())? {
                Color::Auto => ColorBy::Auto,
                Color::Single => ColorBy::None,
                Color::Feature(c) => ColorBy::Feature(feature_index(&feature_names, &c, "color")?),
            };
            Kind::Dependence { feature, color }
        }
        other => {
            return Err(value_error(format!(
                "plot kind '{other}' is not one of: {}",
                KINDS.join(", ")
            )));
        }
    };
    let interactions = match interactions {
        Some(i) => {
            let i = i.as_array();
            if i.dim() != (n, m, m) {
                return Err(value_error(format!(
                    "interactions have shape {:?}; expected (samples, features, features) = \
                     ({n}, {m}, {m})",
                    i.shape()
                )));
            }
            Some(i.to_owned())
        }
        None => None,
    };
    let values3: Array3<f64> = values.to_owned().insert_axis(Axis(2));
    let base: Array2<f64> = base_values.as_array().to_owned().insert_axis(Axis(1));
    let e = Explanation::new(
        values3,
        base,
        data.as_array().to_owned(),
        feature_names,
        vec![output_name],
        if method.is_empty() { "SHAP" } else { method },
    )
    .map_err(Failure::from)?;
    let rendered = py.detach(|| {
        catch_unwind(AssertUnwindSafe(|| {
            let fig = figure(&e, &kind, max_display, interactions.as_ref())?.with_scale(scale);
            let png = fig.png_bytes()?;
            let svg = fig.svg_string()?;
            let (w, h) = fig.size();
            Ok::<_, PlotError>((png, svg, (w * scale, h * scale)))
        }))
    });
    match rendered {
        Ok(Ok((png, svg, size))) => Ok((PyBytes::new(py, &png), svg, size)),
        Ok(Err(e)) => Err(Failure(glassbox::Error::from(e)).into()),
        Err(_) => Err(PyRuntimeError::new_err(
            "glassbox failed to render the plot (an internal error; please report it with the \
             explanation that caused it)",
        )),
    }
}
