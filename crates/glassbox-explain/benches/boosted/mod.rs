//! What the TreeSHAP benches on the imported boosted models share: the repetitions argument,
//! the median, the bench fixtures' folder and the 1050 x 37 rows they explain.

use std::path::{Path, PathBuf};

use glassbox_core::ndarray::Array2;
use glassbox_data::{ReadOptions, read_table};

/// Repetitions: the first numeric command-line argument, else `default`.
pub fn reps(default: usize) -> usize {
    std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(default)
}

/// The median of `v` (the upper one for an even count).
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// `glassbox-models/tests/fixtures/bench`: the models and the explained table.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../glassbox-models/tests/fixtures/bench")
}

/// The explained rows, shape (1050, 37): `friedman1_explain_1050.csv`'s columns x0..x36.
pub fn rows() -> Array2<f64> {
    let raw = read_table(
        &fixtures().join("friedman1_explain_1050.csv"),
        &ReadOptions::default(),
    )
    .expect("bench table");
    let names: Vec<String> = (0..37).map(|j| format!("x{j}")).collect();
    raw.to_feature_table(&names, None)
        .expect("features")
        .features
}
