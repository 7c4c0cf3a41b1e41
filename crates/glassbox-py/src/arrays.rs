//! numpy arrays in and out.

use glassbox::core::Table;
use glassbox::core::ndarray::{Array2, ArrayView2};
use numpy::PyReadonlyArray2;

use crate::errors::{Failure, value_error};
use pyo3::PyResult;

/// Where a model accepts NaN (a missing value) in its input.
#[derive(Clone, Debug)]
pub enum NanPolicy {
    /// NaN is refused everywhere (glassbox MLPs, the model-agnostic surrogates).
    Refused,
    /// NaN means "missing" (tree models route it; a Python callable decides itself), except
    /// in the features flagged here: a tree splits on them without a missing-value direction
    /// (LightGBM `missing_type` None, which silently reads NaN as 0).
    Missing {
        /// One flag per feature: true where NaN is refused.
        no_direction: Vec<bool>,
    },
}

impl From<bool> for NanPolicy {
    /// `true`: NaN is missing in every feature; `false`: NaN is refused.
    fn from(missing: bool) -> NanPolicy {
        if missing {
            NanPolicy::Missing {
                no_direction: Vec::new(),
            }
        } else {
            NanPolicy::Refused
        }
    }
}

impl From<&NanPolicy> for NanPolicy {
    fn from(policy: &NanPolicy) -> NanPolicy {
        policy.clone()
    }
}

impl NanPolicy {
    /// Whether NaN may stand for a missing value at all.
    fn allows_any(&self) -> bool {
        matches!(self, NanPolicy::Missing { .. })
    }

    /// Why NaN in feature `j` is refused, or None when it is a missing value there.
    fn refusal(&self, j: usize) -> Option<&'static str> {
        match self {
            NanPolicy::Refused => Some("expected a finite number"),
            NanPolicy::Missing { no_direction } if no_direction.get(j).copied() == Some(true) => {
                Some(
                    "the model splits on this feature without a missing-value direction \
                     (LightGBM missing_type None, which reads NaN as 0): impute the value or \
                     retrain with use_missing=true",
                )
            }
            NanPolicy::Missing { .. } => None,
        }
    }
}

/// Copies a (samples, features) float64 array into a table of raw feature values named
/// `names`. `nan` says where NaN means a missing value (`true`: everywhere, `false`: nowhere,
/// or a model's [`NanPolicy`]); elsewhere it is refused naming the row and column, as are
/// infinities.
pub fn table(
    x: &PyReadonlyArray2<'_, f64>,
    names: &[String],
    nan: impl Into<NanPolicy>,
) -> PyResult<Table> {
    let nan = nan.into();
    let missing = nan.allows_any();
    let view: ArrayView2<'_, f64> = x.as_array();
    if view.ncols() != names.len() {
        return Err(value_error(format!(
            "X has {} columns but the model has {} features",
            view.ncols(),
            names.len()
        )));
    }
    for ((i, j), v) in view.indexed_iter() {
        if v.is_infinite() {
            return Err(value_error(format!(
                "X[{i}, {j}] (feature '{}') is {v}: expected a finite number{}",
                names[j],
                if missing { " or NaN (missing)" } else { "" }
            )));
        }
        if v.is_nan()
            && let Some(why) = nan.refusal(j)
        {
            return Err(value_error(format!(
                "X[{i}, {j}] (feature '{}') is NaN: {why}",
                names[j]
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
