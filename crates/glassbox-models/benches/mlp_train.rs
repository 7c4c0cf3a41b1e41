//! MLP training benchmark: 37 -> 10x5 -> 1, 50 epochs at batch 32 on 2450 x 37 (3850 steps),
//! synthetic Friedman #1 data (5 informative features, 32 noise features), 1 and 2 threads.
//! Run: `cargo bench -p glassbox-models --bench mlp_train`. Prints a table (median of 5 after a
//! warm-up).

use std::time::Instant;

use glassbox_core::ndarray::Array2;
use glassbox_core::rng::Rng;
use glassbox_models::nn::MlpParams;
use glassbox_models::nn::matmul::{MatRef, matmul};

fn friedman(n: usize, m: usize, seed: u64) -> (Array2<f64>, Array2<f64>) {
    let mut rng = Rng::new(seed);
    let x = Array2::from_shape_fn((n, m), |_| rng.next_f64());
    let y = Array2::from_shape_fn((n, 1), |(i, _)| {
        let r = x.row(i);
        10.0 * (std::f64::consts::PI * r[0] * r[1]).sin()
            + 20.0 * (r[2] - 0.5).powi(2)
            + 10.0 * r[3]
            + 5.0 * r[4]
            + rng.normal()
    });
    (x, y)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Plain triple loop (i, l, j order, contiguous inner loop) for comparison with gemm.
fn naive(dst: &mut [f32], a: &[f32], b: &[f32], m: usize, k: usize, n: usize) {
    dst.fill(0.0);
    for i in 0..m {
        for l in 0..k {
            let av = a[i * k + l];
            for j in 0..n {
                dst[i * n + j] += av * b[l * n + j];
            }
        }
    }
}

fn matmul_table() {
    println!("\nmatrix product (m x k) * (k x n), f32, ns per call (median of 5 x 20000 calls)");
    println!("| m, k, n | gemm 0.19 | plain loop |");
    println!("|---|---|---|");
    for (m, k, n) in [(32, 37, 10), (32, 10, 10), (10, 32, 37), (1024, 37, 10)] {
        let a: Vec<f32> = (0..m * k).map(|v| (v % 7) as f32 * 0.1).collect();
        let b: Vec<f32> = (0..k * n).map(|v| (v % 5) as f32 * 0.2).collect();
        let mut d = vec![0.0f32; m * n];
        let reps = if m > 100 { 500 } else { 20000 };
        let mut t = |f: &mut dyn FnMut(&mut [f32])| {
            let mut v = Vec::new();
            for _ in 0..5 {
                let t0 = Instant::now();
                for _ in 0..reps {
                    f(&mut d);
                }
                v.push(t0.elapsed().as_secs_f64() * 1e9 / reps as f64);
            }
            median(v)
        };
        let g = t(&mut |d| {
            matmul(
                d,
                false,
                MatRef::row_major(&a, m, k),
                MatRef::row_major(&b, k, n),
            )
        });
        let p = t(&mut |d| naive(d, &a, &b, m, k, n));
        println!("| {m}, {k}, {n} | {g:.0} | {p:.0} |");
    }
}

fn main() {
    let (x, y) = friedman(2450, 37, 1);
    let params = MlpParams::default();
    println!("MLP 37 -> 10x5 -> 1, 50 epochs, batch 32, 2450 x 37 (3850 Adam steps), f32 training");
    println!("| threads | median of 5 | min | final loss | PyTorch 2.15 CPU (same machine type) |");
    println!("|---|---|---|---|---|");
    for (threads, torch) in [(1, "2.81 s"), (2, "3.31 s")] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let mut times = Vec::new();
        let mut loss = 0.0;
        for rep in 0..6 {
            let t0 = Instant::now();
            let mlp = pool.install(|| params.fit(x.view(), y.view(), &mut |_| {}).unwrap());
            let dt = t0.elapsed().as_secs_f64();
            if rep > 0 {
                times.push(dt);
            }
            loss = *mlp.loss_history().last().unwrap();
        }
        let min = times.iter().copied().fold(f64::INFINITY, f64::min);
        println!(
            "| {threads} | {:.3} s | {:.3} s | {loss:.4e} | {torch} |",
            median(times),
            min
        );
    }
    matmul_table();
}
