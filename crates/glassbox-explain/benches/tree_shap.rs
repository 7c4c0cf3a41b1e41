//! Path-dependent TreeSHAP benchmark (issue 2): a random forest of 100 full-depth trees fitted
//! on 2450 x 37 Friedman #1 rows (seed 2024, noise 1), SHAP for the 1050 held-out rows on 1 and
//! 2 threads. The fast `O(nodes · D)` algorithm on all rows; the classic `O(T L D^2)` recursion on
//! a subset of rows (extrapolated), with the largest difference between the two.
//! Run: `cargo bench -p glassbox-explain --bench tree_shap` (add `-- --classic-rows N` to change
//! the classic subset, default 100). Prints a table; timings are the median of 3 after a warm-up.

use std::time::Instant;

use glassbox_core::Predict;
use glassbox_core::ndarray::s;
use glassbox_data::friedman1;
use glassbox_explain::shap::{tree_shap, tree_shap_classic};
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

/// The most distinct split features on one root-to-leaf path.
fn max_distinct_features(t: &glassbox_core::Tree) -> usize {
    let mut best = 0;
    let mut stack = vec![(0usize, Vec::<u32>::new())];
    while let Some((n, mut feats)) = stack.pop() {
        if t.is_leaf(n) {
            feats.sort_unstable();
            feats.dedup();
            best = best.max(feats.len());
        } else {
            feats.push(t.feature[n]);
            stack.push((t.left[n] as usize, feats.clone()));
            stack.push((t.right[n] as usize, feats));
        }
    }
    best
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
    let classic_rows = arg("--classic-rows", 100).clamp(1, N_TEST);
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

    let nodes: usize = e.trees.iter().map(|t| t.n_nodes()).sum();
    let leaves: usize = e.trees.iter().map(|t| t.n_leaves()).sum();
    let depths: Vec<usize> = e.trees.iter().map(|t| t.max_depth()).collect();
    let mean_depth = depths.iter().sum::<usize>() as f64 / depths.len() as f64;
    let per_tree: Vec<usize> = e.trees.iter().map(max_distinct_features).collect();
    let distinct = per_tree.iter().copied().max().unwrap_or(0);
    let mean_points =
        per_tree.iter().map(|d| d.div_ceil(2)).sum::<usize>() as f64 / per_tree.len() as f64;

    let (fast1, sv) = time(1, reps, || tree_shap(e, x_test).expect("tree_shap"));
    let (fast2, sv2) = time(2, reps, || tree_shap(e, x_test).expect("tree_shap"));
    assert_eq!(sv, sv2, "results must not depend on the thread count");

    // Local accuracy on every explained row.
    let pred = e.predict(x_test).expect("predict");
    let mut worst_rel = 0.0f64;
    for i in 0..N_TEST {
        let sum: f64 = sv.base_values[[i, 0]] + sv.values.slice(s![i, .., 0]).sum();
        let scale = pred[[i, 0]]
            .abs()
            .max(sv.values.slice(s![i, .., 0]).iter().map(|v| v.abs()).sum());
        worst_rel = worst_rel.max((sum - pred[[i, 0]]).abs() / scale);
    }

    let sub = x_test.slice(s![..classic_rows, ..]);
    let (classic1, _) = time(1, 1, || tree_shap_classic(e, sub).expect("classic"));
    let (classic2, cv) = time(2, 1, || tree_shap_classic(e, sub).expect("classic"));
    let (mut max_abs, mut max_rel) = (0.0f64, 0.0f64);
    for i in 0..classic_rows {
        let scale = sv
            .values
            .slice(s![i, .., 0])
            .iter()
            .fold(1e-300f64, |a, v| a.max(v.abs()));
        for j in 0..M {
            let d = (sv.values[[i, j, 0]] - cv.values[[i, j, 0]]).abs();
            max_abs = max_abs.max(d);
            max_rel = max_rel.max(d / scale);
        }
    }
    let per_row = |t: f64, rows: usize| t / rows as f64 * N_TEST as f64;

    println!("TreeSHAP benchmark: random forest on Friedman #1 ({N_TRAIN} x {M} train, seed 2024)");
    println!("forest fit (all threads)      {fit_s:>10.2} s");
    println!("rows explained                {N_TEST:>10}");
    println!("trees                         {:>10}", e.trees.len());
    println!("nodes (total)                 {nodes:>10}");
    println!(
        "leaves per tree (mean)        {:>10.0}",
        leaves as f64 / e.trees.len() as f64
    );
    println!(
        "max depth (max / mean)        {:>10} / {mean_depth:.1}",
        depths.iter().max().unwrap()
    );
    println!(
        "distinct features on a path   {distinct:>10} (max; quadrature points per tree: \
         max {}, mean {mean_points:.1})",
        distinct.div_ceil(2)
    );
    println!("{:-<62}", "");
    println!(
        "{:<30}{:>10}{:>10}{:>12}",
        "algorithm (1050 rows)", "1 thread", "2 threads", "speedup"
    );
    println!(
        "{:<30}{:>9.3}s{:>9.3}s{:>11.2}x",
        "fast (Gauss-Legendre, O(N D))",
        fast1,
        fast2,
        fast1 / fast2
    );
    println!(
        "{:<30}{:>9.3}s{:>9.3}s{:>11.2}x",
        format!("classic ({classic_rows} rows, scaled)"),
        per_row(classic1, classic_rows),
        per_row(classic2, classic_rows),
        classic1 / classic2
    );
    println!(
        "fast vs classic (2 threads)   {:>9.1}x faster",
        per_row(classic2, classic_rows) / fast2
    );
    println!("{:-<62}", "");
    println!("max |fast - classic|          {max_abs:>10.2e} (relative to row max {max_rel:.2e})");
    println!("worst local-accuracy error    {worst_rel:>10.2e} (relative)");
    println!(
        "target: fast on 2 threads <= 3 s: {}",
        if fast2 <= 3.0 { "met" } else { "NOT met" }
    );
}
