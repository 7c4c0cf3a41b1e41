//! Interventional TreeSHAP and SHAP interaction values benchmark (issue 3): a random forest of
//! 100 full-depth trees fitted on 2450 x 37 Friedman #1 rows (seed 2024, noise 1).
//! * interventional TreeSHAP: 100 held-out rows against 100 background rows (the first 100
//!   training rows), on 1 and 2 threads;
//! * interaction values: 20 held-out rows by the Gauss-Legendre leaf algorithm, and by shap's
//!   conditioning algorithm on a few rows (scaled to 20), with the largest difference;
//!   their row sums are compared with the fast path-dependent `tree_shap` (an independent
//!   implementation).
//!
//! Run: `cargo bench -p glassbox-explain --bench interventional` (options: `--rows N`,
//! `--background N`, `--inter-rows N`, `--cond-rows N`, `--reps N`). Timings: median of the
//! repetitions after a warm-up.

use std::time::Instant;

use glassbox_core::Predict;
use glassbox_core::ndarray::{Axis, s};
use glassbox_data::friedman1;
use glassbox_explain::shap::tree_shap_interactions_conditional::tree_shap_interactions_conditional;
use glassbox_explain::shap::{interventional_tree_shap, tree_shap, tree_shap_interactions};
use glassbox_models::forest::RandomForestParams;

const N_TRAIN: usize = 2450;
const N_TEST: usize = 1050;
const M: usize = 37;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn time<T: Send>(threads: usize, reps: usize, f: impl Fn() -> T + Send + Sync) -> (f64, T) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool");
    let mut out = pool.install(&f); // warm-up
    let mut times = Vec::new();
    for _ in 0..reps {
        let t0 = Instant::now();
        out = pool.install(&f);
        times.push(t0.elapsed().as_secs_f64());
    }
    (median(times), out)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str, default: usize| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let rows = arg("--rows", 100).clamp(1, N_TEST);
    let n_bg = arg("--background", 100).clamp(1, N_TRAIN);
    let inter_rows = arg("--inter-rows", 20).clamp(1, N_TEST);
    let cond_rows = arg("--cond-rows", 2).clamp(1, inter_rows);
    let reps = arg("--reps", 3).max(1);

    let table = friedman1(N_TRAIN + N_TEST, M, 1.0, 2024);
    let x = table.features.view();
    let y = table.target.as_ref().expect("friedman1 has a target");
    let (x_train, x_test) = (x.slice(s![..N_TRAIN, ..]), x.slice(s![N_TRAIN.., ..]));
    let t0 = Instant::now();
    let forest = RandomForestParams::default()
        .fit(x_train, y.slice(s![..N_TRAIN]))
        .expect("forest fit");
    let fit_s = t0.elapsed().as_secs_f64();
    let e = forest.ensemble();
    let leaves: usize = e.trees.iter().map(|t| t.n_leaves()).sum();

    // Interventional.
    let xs = x_test.slice(s![..rows, ..]);
    let bg = x_train.slice(s![..n_bg, ..]);
    let (iv1, sv1) = time(1, reps, || {
        interventional_tree_shap(e, xs, bg).expect("interventional")
    });
    let (iv2, sv2) = time(2, reps, || {
        interventional_tree_shap(e, xs, bg).expect("interventional")
    });
    assert_eq!(sv1, sv2, "results must not depend on the thread count");
    let pred = e.predict(xs).expect("predict");
    let mut worst_iv = 0.0f64;
    for i in 0..rows {
        let sum = sv1.base_values[[i, 0]] + sv1.values.slice(s![i, .., 0]).sum();
        worst_iv = worst_iv.max((sum - pred[[i, 0]]).abs() / pred[[i, 0]].abs().max(1.0));
    }

    // Interactions.
    let xi = x_test.slice(s![..inter_rows, ..]);
    let (in1, iv_fast) = time(1, reps, || {
        tree_shap_interactions(e, xi).expect("interactions")
    });
    let (in2, iv_fast2) = time(2, reps, || {
        tree_shap_interactions(e, xi).expect("interactions")
    });
    assert_eq!(
        iv_fast, iv_fast2,
        "results must not depend on the thread count"
    );
    let xc = x_test.slice(s![..cond_rows, ..]);
    let (ic2, iv_cond) = time(2, 1, || {
        tree_shap_interactions_conditional(e, xc).expect("conditional interactions")
    });
    let mut max_cond = 0.0f64;
    for (a, b) in iv_cond
        .values
        .iter()
        .zip(iv_fast.values.slice(s![..cond_rows, .., .., ..]).iter())
    {
        max_cond = max_cond.max((a - b).abs());
    }
    let path_dep = tree_shap(e, xi).expect("tree_shap");
    let row_sums = iv_fast.values.sum_axis(Axis(2));
    let mut max_rowsum = 0.0f64;
    for (a, b) in row_sums.iter().zip(path_dep.values.iter()) {
        max_rowsum = max_rowsum.max((a - b).abs());
    }
    let base_diff = (iv_fast.base_values[[0, 0]] - path_dep.base_values[[0, 0]]).abs();

    println!("Interventional TreeSHAP / interaction values: random forest on Friedman #1");
    println!(
        "({N_TRAIN} x {M} train, seed 2024; {} trees, {:.0} leaves per tree, max depth {}; fit {fit_s:.2} s)",
        e.trees.len(),
        leaves as f64 / e.trees.len() as f64,
        e.max_depth()
    );
    println!("{:-<80}", "");
    println!(
        "{:<44}{:>10}{:>10}{:>14}",
        "task", "1 thread", "2 threads", "per row (2t)"
    );
    println!(
        "{:<44}{:>9.3}s{:>9.3}s{:>12.2}ms",
        format!("interventional, {rows} rows x {n_bg} background"),
        iv1,
        iv2,
        iv2 / rows as f64 * 1e3
    );
    println!(
        "{:<44}{:>9.3}s{:>9.3}s{:>12.2}ms",
        format!("interactions (Gauss-Legendre), {inter_rows} rows"),
        in1,
        in2,
        in2 / inter_rows as f64 * 1e3
    );
    println!(
        "{:<44}{:>10}{:>9.3}s{:>12.2}ms",
        format!("interactions (conditioning), {inter_rows} rows*"),
        "-",
        ic2 / cond_rows as f64 * inter_rows as f64,
        ic2 / cond_rows as f64 * 1e3
    );
    println!("{:-<80}", "");
    println!("* measured on {cond_rows} rows and scaled");
    println!("interventional worst local-accuracy error     {worst_iv:.2e} (relative)");
    println!("max |Gauss-Legendre - conditioning|           {max_cond:.2e}");
    println!(
        "max |interaction row sum - tree_shap|         {max_rowsum:.2e} (base diff {base_diff:.1e})"
    );
}
