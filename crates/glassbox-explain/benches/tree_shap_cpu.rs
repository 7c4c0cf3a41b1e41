//! CPU-time benchmark of exact TreeSHAP on the two tuning workloads: (a) the deep random forest
//! of the `tree_shap` bench (100 full-depth trees on 2450 x 37 Friedman #1 rows, 1050 rows
//! explained) and (b) the XGBoost fixture `xgb_friedman_500x6.json` (500 trees of depth 6) on the
//! 1050 bench rows. Reports, per thread count, the median wall time and the process CPU time per
//! call (user + system from `/proc/self/stat`, so that it is meaningful on a shared machine).
//!
//! Run: `cargo bench -p glassbox-explain --bench tree_shap_cpu -- [reps] [a|b]`. With
//! `GLASSBOX_SHAP_DUMP=dir` the values are written to `dir/{a,b}.bin` and, when such files are
//! already there, compared with them (largest absolute difference).

use std::path::Path;
use std::time::Instant;

use glassbox_core::TreeEnsemble;
use glassbox_core::ndarray::{Array2, s};
use glassbox_data::{ReadOptions, friedman1, read_table};
use glassbox_explain::shap::tree_shap;
use glassbox_models::forest::RandomForestParams;
use glassbox_models::gbdt::load_boosted;

/// Process CPU seconds (user + system), from `/proc/self/stat` (clock ticks of 1/100 s).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(11) + tick(12)) / 100.0
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn run(name: &str, e: &TreeEnsemble, x: &Array2<f64>, reps: usize) {
    let mut last = None;
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        pool.install(|| tree_shap(e, x.view()).expect("shap")); // warm-up
        let mut walls = Vec::new();
        let c0 = cpu_seconds();
        for _ in 0..reps {
            let t = Instant::now();
            last = Some(pool.install(|| tree_shap(e, x.view()).expect("shap")));
            walls.push(t.elapsed().as_secs_f64());
        }
        let cpu = (cpu_seconds() - c0) / reps as f64;
        println!(
            "{name} threads {threads}: wall median {:.3} s, min {:.3} s, cpu/call {cpu:.3} s",
            median(walls.clone()),
            walls.iter().copied().fold(f64::INFINITY, f64::min)
        );
    }
    let v = last.expect("ran").values;
    if let Ok(dir) = std::env::var("GLASSBOX_SHAP_DUMP") {
        let path = Path::new(&dir).join(format!("{name}.bin"));
        let flat: Vec<f64> = v.iter().copied().collect();
        if let Ok(bytes) = std::fs::read(&path) {
            let old: Vec<f64> = bytes
                .chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
                .collect();
            let diff = old
                .iter()
                .zip(&flat)
                .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
            let identical = old
                .iter()
                .zip(&flat)
                .all(|(a, b)| a.to_bits() == b.to_bits());
            println!("{name}: max |new - stored| = {diff:.2e}, bit-identical: {identical}");
        } else {
            let bytes: Vec<u8> = flat.iter().flat_map(|v| v.to_le_bytes()).collect();
            std::fs::write(&path, bytes).expect("dump");
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let reps = args.iter().find_map(|a| a.parse().ok()).unwrap_or(3);
    let want = |w: &str| !args.iter().any(|a| a == "a" || a == "b") || args.iter().any(|a| a == w);
    if want("a") {
        let table = friedman1(3500, 37, 1.0, 2024);
        let x = table.features.view();
        let y = table.target.as_ref().expect("target");
        let forest = RandomForestParams::default()
            .fit(x.slice(s![..2450, ..]), y.slice(s![..2450]))
            .expect("fit");
        run(
            "a",
            forest.ensemble(),
            &x.slice(s![2450.., ..]).to_owned(),
            reps,
        );
    }
    if want("b") {
        let dir = Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../glassbox-models/tests/fixtures/bench"
        ));
        let raw = read_table(
            &dir.join("friedman1_explain_1050.csv"),
            &ReadOptions::default(),
        )
        .expect("bench table");
        let names: Vec<String> = (0..37).map(|j| format!("x{j}")).collect();
        let x = raw
            .to_feature_table(&names, None)
            .expect("features")
            .features;
        let model = load_boosted(&dir.join("xgb_friedman_500x6.json"), None).expect("model");
        run("b", &model.ensemble, &x, reps * 4);
    }
}
