//! Random-forest fit benchmark: 100 full-depth trees on Friedman #1 (3500 x 37, split 2450 /
//! 1050), on 1 and 2 rayon threads. Target: <= 0.8 s on 2 threads (scikit-learn 1.9.1: 1.63 s).
//!
//! Run: `cargo bench -p glassbox-models --bench forest_fit` (optional argument: repetitions).

use std::time::Instant;

use glassbox_core::rng::Rng;
use glassbox_core::{MinMaxScaler, Predict};
use glassbox_models::forest::{RandomForest, RandomForestParams};
use glassbox_models::saved::{ModelPayload, SavedModel, TrainingInfo};
use ndarray::{Array1, Array2, s};

const N_ROWS: usize = 3500;
const N_TRAIN: usize = 2450;
const N_FEATURES: usize = 37;

/// Friedman #1 (as scikit-learn's `make_friedman1`): features uniform in [0, 1], only the
/// first five matter, `y = 10 sin(pi x0 x1) + 20 (x2 - 0.5)^2 + 10 x3 + 5 x4 + N(0, 1)`.
/// Returns x (samples, features) and y (samples,).
fn friedman1(n: usize, m: usize, seed: u64) -> (Array2<f64>, Array1<f64>) {
    let mut rng = Rng::new(seed);
    let mut x = Array2::zeros((n, m));
    let mut y = Array1::zeros(n);
    for i in 0..n {
        for j in 0..m {
            x[[i, j]] = rng.next_f64();
        }
        let r = x.row(i);
        y[i] = 10.0 * (std::f64::consts::PI * r[0] * r[1]).sin()
            + 20.0 * (r[2] - 0.5).powi(2)
            + 10.0 * r[3]
            + 5.0 * r[4]
            + rng.normal();
    }
    (x, y)
}

fn r2(y: &[f64], p: &[f64]) -> f64 {
    let mean = y.iter().sum::<f64>() / y.len() as f64;
    let ss_res: f64 = y.iter().zip(p).map(|(a, b)| (a - b) * (a - b)).sum();
    let ss_tot: f64 = y.iter().map(|a| (a - mean) * (a - mean)).sum();
    1.0 - ss_res / ss_tot
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let reps: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(5);
    let (x, y) = friedman1(N_ROWS, N_FEATURES, 2024);
    let (x_train, y_train) = (x.slice(s![..N_TRAIN, ..]), y.slice(s![..N_TRAIN]));
    let (x_test, y_test) = (x.slice(s![N_TRAIN.., ..]), y.slice(s![N_TRAIN..]));
    let params = RandomForestParams::default();

    println!(
        "random forest fit: Friedman #1 {N_ROWS}x{N_FEATURES}, train {N_TRAIN}, \
         {} full-depth trees, median of {reps} (after 1 warm-up)",
        params.n_estimators
    );
    println!("| threads | fit median (s) | min (s) | max (s) |");
    println!("|---|---|---|---|");
    let mut fitted: Option<RandomForest> = None;
    for threads in [1usize, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool");
        let mut times = Vec::new();
        for rep in 0..=reps {
            let t0 = Instant::now();
            let forest = pool.install(|| params.fit(x_train, y_train)).expect("fit");
            let dt = t0.elapsed().as_secs_f64();
            if rep > 0 {
                times.push(dt);
            }
            if let Some(prev) = &fitted {
                assert_eq!(
                    prev.ensemble(),
                    forest.ensemble(),
                    "fit depends on the thread count"
                );
            }
            fitted = Some(forest);
        }
        let (lo, hi) = (
            times.iter().copied().fold(f64::INFINITY, f64::min),
            times.iter().copied().fold(0.0, f64::max),
        );
        println!("| {threads} | {:.3} | {lo:.3} | {hi:.3} |", median(times));
    }

    let forest = fitted.expect("at least one fit");
    let trees = &forest.ensemble().trees;
    let t = trees.len() as f64;
    let depth = trees.iter().map(|t| t.max_depth() as f64).sum::<f64>() / t;
    let max_depth = trees.iter().map(|t| t.max_depth()).max().unwrap_or(0);
    let leaves = trees.iter().map(|t| t.n_leaves() as f64).sum::<f64>() / t;
    let nodes = trees.iter().map(|t| t.n_nodes() as f64).sum::<f64>() / t;
    let pred = forest.predict(x_test).expect("predict");
    let y_test: Vec<f64> = y_test.to_vec();
    let p: Vec<f64> = pred.column(0).to_vec();
    println!();
    println!("| mean depth | max depth | mean leaves | mean nodes | test R2 |");
    println!("|---|---|---|---|---|");
    println!(
        "| {depth:.1} | {max_depth} | {leaves:.0} | {nodes:.0} | {:.4} |",
        r2(&y_test, &p)
    );

    // The model file `glassbox train` writes for this forest.
    let names: Vec<String> = (0..N_FEATURES).map(|j| format!("x{j}")).collect();
    let saved = SavedModel::new(
        names,
        "y".into(),
        MinMaxScaler::fit(x_train).expect("scaler"),
        ModelPayload::RandomForest {
            params: forest.params().clone(),
            ensemble: forest.ensemble().clone(),
        },
        TrainingInfo {
            seed: 42,
            test_fraction: 0.3,
            n_train: N_TRAIN,
            n_test: N_ROWS - N_TRAIN,
            data_file: "friedman1".into(),
        },
    );
    let dir = std::env::temp_dir().join(format!("glassbox-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("model.json");
    let t0 = Instant::now();
    saved.save(&path).expect("save");
    let t_save = t0.elapsed().as_secs_f64();
    let t0 = Instant::now();
    let loaded = SavedModel::load(&path).expect("load");
    let t_load = t0.elapsed().as_secs_f64();
    assert!(loaded == saved);
    let size = std::fs::metadata(&path).expect("size").len() as f64 / 1e6;
    std::fs::remove_dir_all(&dir).expect("cleanup");
    println!();
    println!("| model file (MB) | save (s) | load + validate (s) |");
    println!("|---|---|---|");
    println!("| {size:.1} | {t_save:.3} | {t_load:.3} |");
}
