//! Reading the committed fixtures (written by `fixtures/make_fixtures.py`).

#![allow(dead_code)]

use ndarray::{Array2, Array3};
use serde_json::Value;

/// Path of a fixture file.
pub fn path(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// A JSON fixture file.
pub fn json(name: &str) -> Value {
    let text = std::fs::read_to_string(path(name)).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A JSON matrix (list of rows; null = NaN), shape (rows, columns).
pub fn matrix(v: &Value) -> Array2<f64> {
    let rows = v.as_array().unwrap();
    let cols = rows.first().map_or(0, |r| r.as_array().unwrap().len());
    let flat: Vec<f64> = rows
        .iter()
        .flat_map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap_or(f64::NAN))
        })
        .collect();
    Array2::from_shape_vec((rows.len(), cols), flat).unwrap()
}

/// SHAP values as written by the generator: per row a (features, outputs) matrix.
pub fn values3(v: &Value) -> Array3<f64> {
    let rows: Vec<Array2<f64>> = v.as_array().unwrap().iter().map(matrix).collect();
    let (f, k) = rows[0].dim();
    Array3::from_shape_fn((rows.len(), f, k), |(i, j, c)| rows[i][[j, c]])
}

/// The score output of onnxruntime in a fixture: the output that is not the label.
pub fn ort_scores(fixture: &Value) -> Array2<f64> {
    let ort = fixture["ort"].as_object().unwrap();
    let (_, v) = ort
        .iter()
        .find(|(k, _)| !k.contains("label"))
        .expect("a score output");
    matrix(v)
}
