//! Boosted-tree import benchmark: parsing the bench fixtures (XGBoost JSON, 500 trees of depth 6;
//! LightGBM text, 300 trees of 31 leaves) into a validated `TreeEnsemble`, from bytes already in
//! memory (no disk time), single-threaded.
//!
//! Run: `cargo bench -p glassbox-models --bench gbdt_import` (optional argument: repetitions).

use std::path::Path;
use std::time::Instant;

use glassbox_models::gbdt::parse_boosted;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let reps: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10);
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/bench"));
    println!(
        "boosted-tree import: parse + validate from memory, median of {reps} (after 1 warm-up)"
    );
    println!(
        "| model | file size (MB) | trees | nodes | median (ms) | min (ms) | max (ms) | MB/s |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for name in ["xgb_friedman_500x6.json", "lgb_friedman_300x31.txt"] {
        let path = dir.join(name);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut times = Vec::new();
        let mut summary = (0, 0);
        for rep in 0..=reps {
            let t0 = Instant::now();
            let m = parse_boosted(&bytes, None, &path).unwrap_or_else(|e| panic!("{e}"));
            let dt = t0.elapsed().as_secs_f64();
            summary = (
                m.ensemble.trees.len(),
                m.ensemble.trees.iter().map(|t| t.n_nodes()).sum::<usize>(),
            );
            std::hint::black_box(&m);
            if rep > 0 {
                times.push(dt);
            }
        }
        let mb = bytes.len() as f64 / 1e6;
        let med = median(times.clone());
        let min = times.iter().copied().fold(f64::INFINITY, f64::min);
        let max = times.iter().copied().fold(0.0, f64::max);
        println!(
            "| {name} | {mb:.2} | {} | {} | {:.1} | {:.1} | {:.1} | {:.0} |",
            summary.0,
            summary.1,
            med * 1e3,
            min * 1e3,
            max * 1e3,
            mb / med
        );
    }
}
