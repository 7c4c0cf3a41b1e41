//! Helpers shared by the `gbdt_*` integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

use glassbox_core::ndarray::Array2;

/// Path of a file under `tests/fixtures/<sub>/`.
pub fn fixture(sub: &str, name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures"))
        .join(sub)
        .join(name)
}

/// Reads a numeric CSV with a header line (`NaN` for missing): (header, rows (rows, columns)).
pub fn read_csv(sub: &str, name: &str) -> (Vec<String>, Array2<f64>) {
    let path = fixture(sub, name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect();
    let mut data = Vec::new();
    let mut n = 0;
    for line in lines.filter(|l| !l.is_empty()) {
        let row: Vec<f64> = line.split(',').map(|v| v.parse::<f64>().unwrap()).collect();
        assert_eq!(row.len(), header.len(), "{}: ragged row", path.display());
        data.extend(row);
        n += 1;
    }
    (
        header.clone(),
        Array2::from_shape_vec((n, header.len()), data).unwrap(),
    )
}

/// Largest |a - b| / max(1, |b|) over two equal-shape arrays.
pub fn max_rel_err(a: &Array2<f64>, b: &Array2<f64>) -> f64 {
    assert_eq!(a.dim(), b.dim());
    a.iter()
        .zip(b.iter())
        .map(|(x, y)| (x - y).abs() / y.abs().max(1.0))
        .fold(0.0, f64::max)
}
