//! Gradient-explainer benchmark on the MLP 37 -> 10x5 -> 1 (trained 50 epochs on 2450 x 37
//! Friedman data): DeepSHAP for 1050 rows x 100 background rows, Integrated Gradients with 50
//! steps for 1050 rows, GradientSHAP with 200 samples for 1050 rows; 1 and 2 threads.
//! Run: `cargo bench -p glassbox-explain --bench deep_shap`. Prints a table (median of 5 after
//! a warm-up) and the worst local-accuracy / completeness figures.

use std::time::Instant;

use glassbox_core::Predict;
use glassbox_core::ndarray::{Array2, Axis, s};
use glassbox_core::rng::Rng;
use glassbox_explain::deep::{
    GradientShapOptions, IntegratedGradientsOptions, deep_shap, gradient_shap, integrated_gradients,
};
use glassbox_models::nn::MlpParams;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn time<T: Send>(pool: &rayon::ThreadPool, mut f: impl FnMut() -> T + Send) -> (f64, T) {
    let mut out = pool.install(&mut f); // warm-up
    let mut times = Vec::new();
    for _ in 0..5 {
        let t0 = Instant::now();
        out = pool.install(&mut f);
        times.push(t0.elapsed().as_secs_f64());
    }
    (median(times), out)
}

fn main() {
    let mut rng = Rng::new(1);
    let n = 3500;
    let x = Array2::from_shape_fn((n, 37), |_| rng.next_f64());
    let y = Array2::from_shape_fn((n, 1), |(i, _)| {
        let r = x.row(i);
        10.0 * (std::f64::consts::PI * r[0] * r[1]).sin()
            + 20.0 * (r[2] - 0.5).powi(2)
            + 10.0 * r[3]
            + 5.0 * r[4]
    });
    let (train, test) = (x.slice(s![..2450, ..]), x.slice(s![2450.., ..]));
    let model = MlpParams::default()
        .fit(train, y.slice(s![..2450, ..]), &mut |_| {})
        .unwrap();
    let bg_idx = Rng::new(42).sample_indices(2450, 100);
    let background = train.select(Axis(0), &bg_idx);
    let fx = model.predict(test).unwrap();

    println!("MLP 37 -> 10x5 -> 1; 1050 explained rows; f64 explanation arithmetic");
    println!("| method | threads | glassbox median of 5 | Python reference (same machine type) |");
    println!("|---|---|---|---|");
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let (t, sv) = time(&pool, || {
            deep_shap(&model, test, background.view()).unwrap()
        });
        let reference = if threads == 1 {
            "shap DeepExplainer 3.41 s"
        } else {
            "shap DeepExplainer 3.10 s"
        };
        println!("| DeepSHAP, 100 background | {threads} | {t:.3} s | {reference} |");
        if threads == 2 {
            let recon = &sv.base_values + &sv.values.sum_axis(Axis(1));
            let worst = recon
                .iter()
                .zip(fx.iter())
                .map(|(r, f)| (r - f).abs() / f.abs().max(1e-300))
                .fold(0.0, f64::max);
            eprintln!("DeepSHAP worst relative local-accuracy error over 1050 rows: {worst:.2e}");
        }
        let opts = IntegratedGradientsOptions::default();
        let baseline = background.mean_axis(Axis(0)).unwrap().insert_axis(Axis(0));
        let (t, ig) = time(&pool, || {
            integrated_gradients(&model, test, baseline.view(), &opts).unwrap()
        });
        let reference = if threads == 1 {
            "captum IG 4.60 s"
        } else {
            "captum IG 4.45 s"
        };
        println!("| Integrated Gradients, 50 steps | {threads} | {t:.3} s | {reference} |");
        if threads == 2 {
            eprintln!(
                "IG (midpoint, 50 steps) completeness gap: sum |gap| / sum |f(x) - f(baseline)| = {:.2e}, max |gap| {:.2e}",
                ig.relative_gap(),
                ig.completeness_gap
                    .iter()
                    .fold(0.0f64, |a, g| a.max(g.abs()))
            );
        }
        let gopts = GradientShapOptions::default();
        let (t, _) = time(&pool, || {
            gradient_shap(&model, test, background.view(), &gopts).unwrap()
        });
        println!("| GradientSHAP, 200 samples | {threads} | {t:.3} s | - |");
    }
}
