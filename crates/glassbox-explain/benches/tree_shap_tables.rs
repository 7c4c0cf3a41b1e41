//! Fast TreeSHAP v2 tables against the quadrature sweep (Linear TreeSHAP) on the imported bench
//! models (`xgb_friedman_500x6.json`: XGBoost, 500 trees of depth 6; `lgb_friedman_300x31.txt`:
//! LightGBM, 300 trees of 31 leaves), explaining the 1050 x 37 rows of
//! `friedman1_explain_1050.csv`, in one process, alternating the algorithms. Times include the
//! preparation (`TreeShap::with_algorithm`), which is also reported alone. Each run is checked
//! against the sweep. First, per model, batches of 1 and 64 rows (prepare plus explain: the
//! tables' build is paid once per prepared explainer).
//!
//! Run: `cargo bench -p glassbox-explain --bench tree_shap_tables` (optional argument:
//! repetitions, default 7).

use std::time::Instant;

mod boosted;
use boosted::median;

use glassbox_core::TreeEnsemble;
use glassbox_core::ndarray::{Array2, s};
use glassbox_explain::shap::{TreeShap, TreeShapAlgorithm};
use glassbox_models::gbdt::load_boosted;

fn main() {
    let reps = boosted::reps(7);
    let dir = boosted::fixtures();
    let x = boosted::rows();
    println!(
        "TreeSHAP: sweep vs tables, {} rows x {} features, median of {reps} (prepare + explain)",
        x.nrows(),
        x.ncols()
    );
    println!(
        "| model | threads | algorithm | trees with tables | prepare (s) | total (s) | min total (s) | speed-up | max |diff| |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    let algs = [
        TreeShapAlgorithm::Linear,
        TreeShapAlgorithm::Tables,
        TreeShapAlgorithm::Auto,
    ];
    for file in ["xgb_friedman_500x6.json", "lgb_friedman_300x31.txt"] {
        let model = load_boosted(&dir.join(file), None).expect("bench model");
        small_batches(file, &model.ensemble, &x, reps);
        let e = &model.ensemble;
        let reference = TreeShap::with_algorithm(e, TreeShapAlgorithm::Linear)
            .and_then(|p| p.shap_values(x.view()))
            .expect("sweep");
        for threads in [1, 2] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("pool");
            let mut total = vec![Vec::new(); algs.len()];
            let mut prep = vec![Vec::new(); algs.len()];
            let mut diff = vec![0.0f64; algs.len()];
            let mut n_tables = vec![0; algs.len()];
            for _ in 0..reps {
                for (a, &alg) in algs.iter().enumerate() {
                    let t = Instant::now();
                    let (p, v) = pool.install(|| {
                        let p = TreeShap::with_algorithm(e, alg).expect("prepare");
                        let tp = t.elapsed().as_secs_f64();
                        (tp, p.shap_values(x.view()).map(|v| (v, p.n_table_trees())))
                    });
                    total[a].push(t.elapsed().as_secs_f64());
                    prep[a].push(p);
                    let (v, n) = v.expect("shap");
                    n_tables[a] = n;
                    let d = (&v.values - &reference.values)
                        .iter()
                        .fold(0.0f64, |m, d| m.max(d.abs()));
                    diff[a] = diff[a].max(d);
                }
            }
            let base = median(total[0].clone());
            for (a, alg) in algs.iter().enumerate() {
                let med = median(total[a].clone());
                let min = total[a].iter().copied().fold(f64::INFINITY, f64::min);
                println!(
                    "| {file} | {threads} | {alg:?} | {} | {:.4} | {med:.4} | {min:.4} | {:.2}x | {:.1e} |",
                    n_tables[a],
                    median(prep[a].clone()),
                    base / med,
                    diff[a]
                );
            }
        }
    }
}

/// Prepare plus explain for small batches (the tables' build is paid once per prepared
/// explainer): the sweep, `TreeShap::new` (tables that pay back within 1000 rows) and
/// `tree_shap` (tables that pay back within the batch), on the global thread pool.
fn small_batches(file: &str, e: &TreeEnsemble, x: &Array2<f64>, reps: usize) {
    for n in [1usize, 64, 1050] {
        let rows = x.slice(s![..n, ..]);
        let mut line = format!("| {file} | {n} rows |");
        for name in ["sweep", "new", "for_rows"] {
            let (mut times, mut n_tables) = (Vec::new(), 0);
            for _ in 0..reps {
                let t = Instant::now();
                let prepared = match name {
                    "sweep" => TreeShap::with_algorithm(e, TreeShapAlgorithm::Linear),
                    "new" => TreeShap::new(e),
                    _ => TreeShap::for_rows(e, n),
                };
                let prepared = prepared.expect("prepare");
                prepared.shap_values(rows).expect("shap");
                times.push(t.elapsed().as_secs_f64());
                n_tables = prepared.n_table_trees();
            }
            line += &format!(" {name} {:.4} s ({n_tables} tables) |", median(times));
        }
        println!("{line}");
    }
}
