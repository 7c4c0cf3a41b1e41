//! The bench fixtures (tests/fixtures/bench/): an XGBoost model of 500 trees of depth 6 and a
//! LightGBM model of 300 trees of 31 leaves on Friedman #1 (3500 x 37), and the 1050 rows to
//! explain. Checks that the rows are glassbox's own Friedman #1 table bit for bit and that the
//! imported models reproduce the libraries' predictions and SHAP base values.

mod gbdt_common;

use gbdt_common::{fixture, max_rel_err, read_csv};
use glassbox_core::Predict;
use glassbox_core::ndarray::s;
use glassbox_core::rng::Rng;
use glassbox_models::gbdt::load_boosted;

#[test]
fn explain_rows_are_friedman1_seed_2024_rows_2450_to_3500() {
    // glassbox_data::friedman1(3500, 37, 1.0, 2024): per row 37 uniforms then one normal.
    let (header, rows) = read_csv("bench", "friedman1_explain_1050.csv");
    assert_eq!(rows.dim(), (1050, 38));
    assert_eq!(
        (header[0].as_str(), header[36].as_str(), header[37].as_str()),
        ("x0", "x36", "y")
    );
    let mut rng = Rng::new(2024);
    for i in 0..3500 {
        let x: Vec<f64> = (0..37).map(|_| rng.next_f64()).collect();
        let e = rng.normal();
        if i >= 2450 {
            let r = rows.row(i - 2450);
            for j in 0..37 {
                assert_eq!(r[j].to_bits(), x[j].to_bits(), "row {i} column {j}");
            }
            let y = 10.0 * (std::f64::consts::PI * x[0] * x[1]).sin()
                + 20.0 * (x[2] - 0.5).powi(2)
                + 10.0 * x[3]
                + 5.0 * x[4]
                + e;
            assert!((r[37] - y).abs() < 1e-12, "row {i}: y {} vs {y}", r[37]);
        }
    }
}

fn check(model: &str, stem: &str, tol: f64, n_trees: usize, max_depth: usize) {
    let m = load_boosted(&fixture("bench", model), None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(m.ensemble.trees.len(), n_trees);
    assert_eq!(m.n_features(), 37);
    assert!(m.ensemble.max_depth() <= max_depth);
    let (_, rows) = read_csv("bench", "friedman1_explain_1050.csv");
    let x = rows.slice(s![.., ..37]);
    let (_, pred) = read_csv("bench", &format!("{stem}.pred.csv"));
    let margin = m.predict(x).unwrap();
    let err = max_rel_err(&margin, &pred.slice(s![.., ..1]).to_owned());
    assert!(err < tol, "{model}: prediction error {err:e}");
    let (_, contribs) = read_csv("bench", &format!("{stem}.contribs.csv"));
    assert_eq!(contribs.ncols(), 38);
    let bias = contribs[[0, 37]];
    let ev = m.ensemble.expected_value()[0];
    assert!(
        (ev - bias).abs() / bias.abs().max(1.0) < tol,
        "{model}: {ev} vs {bias}"
    );
}

#[test]
fn xgboost_bench_model_matches_xgboost() {
    check(
        "xgb_friedman_500x6.json",
        "xgb_friedman_500x6",
        1e-5,
        500,
        6,
    );
}

#[test]
fn lightgbm_bench_model_matches_lightgbm() {
    check(
        "lgb_friedman_300x31.txt",
        "lgb_friedman_300x31",
        1e-10,
        300,
        30,
    );
    let m = load_boosted(&fixture("bench", "lgb_friedman_300x31.txt"), None).unwrap();
    assert!(m.ensemble.trees.iter().all(|t| t.n_leaves() <= 31));
    assert!(m.ensemble.trees.iter().any(|t| t.n_leaves() == 31));
}
