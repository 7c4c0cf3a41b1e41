//! Models trained by XGBoost (3.2.0, and 1.7.6 / 2.1.4 for the older schemas) and LightGBM 4.7.0
//! with `scripts/gen_gbdt_fixtures.py`, checked against the libraries' own predictions on the
//! training data (tests/fixtures/gbdt/data.csv: 160 rows, NaN in 'pressure', zeros in 'load').
//!
//! Tolerances: LightGBM thresholds and leaves are f64 and it sums in f64 in the same order, so
//! margins agree to 1e-12. XGBoost sums in f32; glassbox sums the same f32 values in f64, so the
//! two agree to f32 rounding (1e-5 relative, i.e. relative to max(1, |value|)).
//! The SHAP bias column (the expected value under the covers) checks that the covers are the
//! libraries' own: sum_hessian for XGBoost, internal_count / leaf_count for LightGBM.

mod gbdt_common;

use gbdt_common::{fixture, max_rel_err, read_csv};
use glassbox_core::Predict;
use glassbox_core::ndarray::{Array2, Axis, s};
use glassbox_models::gbdt::{BoostedFormat, Objective, load_boosted};

fn data() -> Array2<f64> {
    let (header, rows) = read_csv("gbdt", "data.csv");
    assert_eq!(header, ["temp", "pressure", "speed", "load", "y"]);
    rows.slice(s![.., ..4]).to_owned()
}

/// Checks one model: margins, transformed outputs, and the SHAP bias (expected value).
///
/// `raw_scale`: the library's raw scores and contributions are `raw_scale` times glassbox's
/// margins. It is 1 except for LightGBM's random-forest mode (`average_output`), where
/// `raw_score=True` and `pred_contrib=True` return the *sum* over trees while `predict()` (and
/// glassbox's margin, with tree weights 1/iterations) is the average.
fn check_scaled(stem: &str, ext: &str, tol: f64, objective: Objective, raw_scale: f64) {
    let m = load_boosted(&fixture("gbdt", &format!("{stem}.{ext}")), None)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(m.objective, objective, "{stem}");
    let x = data();
    let (_, pred) = read_csv("gbdt", &format!("{stem}.pred.csv"));
    let k = m.n_outputs();
    assert_eq!(pred.ncols(), 2 * k, "{stem}");
    let margin = m.predict(x.view()).unwrap() * raw_scale;
    let err = max_rel_err(&margin, &pred.slice(s![.., ..k]).to_owned());
    assert!(err < tol, "{stem}: margin error {err:e} >= {tol:e}");
    let out = m.predict_transformed(x.view()).unwrap();
    let err = max_rel_err(&out, &pred.slice(s![.., k..]).to_owned());
    assert!(err < tol, "{stem}: output error {err:e} >= {tol:e}");

    // Contributions: (rows, outputs * (features + 1)), bias last in each output's block.
    let (header, contribs) = read_csv("gbdt", &format!("{stem}.contribs.csv"));
    let f = m.n_features();
    assert_eq!(contribs.ncols(), k * (f + 1), "{stem}");
    assert_eq!(header[f], "o0_bias");
    let ev = m.ensemble.expected_value();
    for o in 0..k {
        let block = contribs.slice(s![.., o * (f + 1)..(o + 1) * (f + 1)]);
        // The libraries' own local accuracy: the row sums are their margins.
        let sums = block.sum_axis(Axis(1));
        for (i, s) in sums.iter().enumerate() {
            let want = pred[[i, o]];
            assert!(
                (s - want).abs() / want.abs().max(1.0) < 1e-5,
                "{stem} row {i}"
            );
        }
        let bias = block[[0, f]] / raw_scale;
        assert!(
            (ev[o] - bias).abs() / bias.abs().max(1.0) < tol,
            "{stem} output {o}: expected value {} vs library bias {bias}",
            ev[o]
        );
    }
}

fn check(stem: &str, ext: &str, tol: f64, objective: Objective) {
    check_scaled(stem, ext, tol, objective, 1.0);
}

const XGB: f64 = 1e-5;
const LGB: f64 = 1e-10;

#[test]
fn xgboost_3x_models_match_xgboost() {
    check("xgb_reg", "json", XGB, Objective::Regression);
    check(
        "xgb_binary",
        "json",
        XGB,
        Objective::BinaryLogistic { sigmoid: 1.0 },
    );
    check(
        "xgb_multi",
        "json",
        XGB,
        Objective::MultiSoftmax { n_classes: 3 },
    );
    check("xgb_dart", "json", XGB, Objective::Regression);
    check("xgb_poisson", "json", XGB, Objective::LogLink);
}

#[test]
fn xgboost_1x_and_2x_schemas_match_xgboost() {
    for v in ["xgb17", "xgb21"] {
        check(
            &format!("{v}_binary"),
            "json",
            XGB,
            Objective::BinaryLogistic { sigmoid: 1.0 },
        );
        check(
            &format!("{v}_multi"),
            "json",
            XGB,
            Objective::MultiSoftmax { n_classes: 3 },
        );
    }
}

#[test]
fn lightgbm_models_match_lightgbm() {
    check("lgb_reg", "txt", LGB, Objective::Regression);
    check(
        "lgb_binary",
        "txt",
        LGB,
        Objective::BinaryLogistic { sigmoid: 1.0 },
    );
    check(
        "lgb_multi",
        "txt",
        LGB,
        Objective::MultiSoftmax { n_classes: 3 },
    );
    check_scaled("lgb_rf", "txt", LGB, Objective::Regression, 5.0); // 5 iterations
    check("lgb_zero", "txt", LGB, Objective::Regression);
}

#[test]
fn fixtures_exercise_what_they_claim() {
    use glassbox_core::Missing;
    let load = |n: &str| load_boosted(&fixture("gbdt", n), None).unwrap();
    let dart = load("xgb_dart.json");
    assert!(
        dart.ensemble.tree_weight.iter().any(|&w| w != 1.0),
        "dart weights"
    );
    let rf = load("lgb_rf.txt");
    assert_eq!(rf.ensemble.tree_weight[0], 1.0 / 5.0);
    let missing = |n: &str| -> Vec<Missing> {
        load(n)
            .ensemble
            .trees
            .iter()
            .flat_map(|t| t.missing.clone())
            .collect()
    };
    let reg = missing("lgb_reg.txt");
    assert!(reg.contains(&Missing::AsZero) && reg.contains(&Missing::Default));
    assert!(missing("lgb_zero.txt").contains(&Missing::ZeroDefault));
    let m = load("lgb_reg.txt");
    assert_eq!(m.format, BoostedFormat::LightgbmText);
    assert_eq!(m.feature_names().unwrap()[1], "pressure");
    assert_eq!(
        load("xgb17_binary.json").library_version.as_deref(),
        Some("1.7.6")
    );
    assert_eq!(
        load("xgb21_binary.json").library_version.as_deref(),
        Some("2.1.4")
    );
    // NaN rows are present, so default directions are exercised.
    assert!(data().column(1).iter().any(|v| v.is_nan()));
}
