//! TreeSHAP on imported boosted models (issue 3's benchmark): the bench fixtures
//! `xgb_friedman_500x6.json` (XGBoost 3.2, 500 trees of depth 6) and `lgb_friedman_300x31.txt`
//! (LightGBM 4.7, 300 trees of 31 leaves), trained on the Friedman 3500x37 table, explaining the
//! 1050 rows of `friedman1_explain_1050.csv`. Times exclude loading. Each run is checked: local
//! accuracy against the model's prediction and agreement with the classic Algorithm 2.
//!
//! Run: `cargo bench -p glassbox-explain --bench boosted_tree_shap` (optional argument:
//! repetitions, default 5).

use std::time::Instant;

mod boosted;
use boosted::median;

use glassbox_core::Predict;
use glassbox_core::ndarray::Axis;
use glassbox_explain::shap::{tree_shap, tree_shap_classic};
use glassbox_models::gbdt::load_boosted;

fn main() {
    let reps = boosted::reps(5);
    let dir = boosted::fixtures();
    let x = boosted::rows();
    println!(
        "TreeSHAP (fast exact) on imported models, {} rows x {} features, median of {reps}",
        x.nrows(),
        x.ncols()
    );
    println!(
        "| model | threads | median (s) | min (s) | target (s) | library's own | max local-acc. err | max |fast - classic| |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for (file, target, library) in [
        (
            "xgb_friedman_500x6.json",
            0.3,
            "XGBoost 3.2 pred_contribs 2.57 s",
        ),
        (
            "lgb_friedman_300x31.txt",
            0.25,
            "LightGBM 4.7 pred_contrib 2.0 s",
        ),
    ] {
        let model = load_boosted(&dir.join(file), None).expect("bench model");
        let preds = model.predict(x.view()).expect("predict");
        let classic = tree_shap_classic(&model.ensemble, x.view()).expect("classic");
        for threads in [1, 2] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("pool");
            let mut times = Vec::new();
            let mut last = None;
            for _ in 0..reps {
                let t = Instant::now();
                let v = pool.install(|| tree_shap(&model.ensemble, x.view()).expect("shap"));
                times.push(t.elapsed().as_secs_f64());
                last = Some(v);
            }
            let v = last.expect("reps >= 1");
            let sums = v.values.sum_axis(Axis(1)) + &v.base_values;
            let acc = (&sums - &preds).iter().fold(0.0f64, |m, d| m.max(d.abs()));
            let diff = (&v.values - &classic.values)
                .iter()
                .fold(0.0f64, |m, d| m.max(d.abs()));
            let min = times.iter().copied().fold(f64::INFINITY, f64::min);
            println!(
                "| {file} | {threads} | {:.3} | {:.3} | {target} | {library} | {acc:.1e} | {diff:.1e} |",
                median(times),
                min
            );
        }
    }
}
