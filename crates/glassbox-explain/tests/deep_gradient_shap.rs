//! GradientSHAP / expected gradients: exact on linear networks given the drawn background rows
//! (replayed here from the documented seeding), seeded and thread-count independent.

mod deep_common;

use deep_common::{mlp, random_mlp, uniform};
use glassbox_core::ndarray::Array2;
use glassbox_core::rng::Rng;
use glassbox_explain::deep::{GradientShapOptions, gradient_shap};

#[test]
fn linear_network_equals_weights_times_distance_to_the_drawn_background() {
    // For f = W x + c the gradient is W everywhere, so φ_j = w_j · mean_s (x_j - b_{s,j}) over
    // the drawn rows b_s. The draws are replayed from the documented seeding: row i uses
    // Rng::derive(seed, i) and each sample draws a background index, then α.
    let w = vec![2.0f32, -1.0, 0.5];
    let model = mlp(3, &[], 1, &[(w.clone(), vec![0.75])]);
    let x = uniform(8, 3, 1, -2.0, 2.0);
    let bg = uniform(5, 3, 2, -2.0, 2.0);
    let opts = GradientShapOptions {
        nsamples: 37,
        stdev: 0.0,
        seed: 9,
    };
    let r = gradient_shap(&model, x.view(), bg.view(), &opts).unwrap();
    for i in 0..8 {
        let mut rng = Rng::derive(9, i as u64);
        let mut mean_b = [0.0; 3];
        for _ in 0..37 {
            let b = rng.below(5);
            let _alpha = rng.next_f64();
            for j in 0..3 {
                mean_b[j] += bg[[b, j]] / 37.0;
            }
        }
        for j in 0..3 {
            let want = w[j] as f64 * (x[[i, j]] - mean_b[j]);
            assert!(
                (r.values.values[[i, j, 0]] - want).abs() <= 1e-12 * want.abs().max(1.0),
                "row {i} j {j}"
            );
        }
    }
    // With a single background row the result is exact and the gap vanishes.
    let one = gradient_shap(
        &model,
        x.view(),
        bg.slice(glassbox_core::ndarray::s![0..1, ..]),
        &opts,
    )
    .unwrap();
    assert!(one.completeness_gap.iter().all(|g| g.abs() < 1e-12));
}

#[test]
fn seeded_deterministic_and_thread_independent() {
    let model = random_mlp(3, 5, &[8, 8], 2);
    let x = uniform(120, 5, 4, -1.0, 1.0);
    let bg = uniform(20, 5, 5, -1.0, 1.0);
    let opts = GradientShapOptions {
        nsamples: 50,
        stdev: 0.05,
        seed: 1,
    };
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let three = rayon::ThreadPoolBuilder::new()
        .num_threads(3)
        .build()
        .unwrap();
    let a = one.install(|| gradient_shap(&model, x.view(), bg.view(), &opts).unwrap());
    let b = three.install(|| gradient_shap(&model, x.view(), bg.view(), &opts).unwrap());
    assert_eq!(a, b);
    let c = gradient_shap(
        &model,
        x.view(),
        bg.view(),
        &GradientShapOptions { seed: 2, ..opts },
    )
    .unwrap();
    assert_ne!(a.values, c.values);
    // Noise changes the values.
    let d = gradient_shap(
        &model,
        x.view(),
        bg.view(),
        &GradientShapOptions { stdev: 0.0, ..opts },
    )
    .unwrap();
    assert_ne!(a.values, d.values);
}

#[test]
fn gap_shrinks_with_more_samples_on_a_relu_network() {
    // Expected gradients satisfy local accuracy in expectation: the mean |gap| must shrink
    // as nsamples grows (Monte Carlo, ~1/sqrt(n)).
    let model = random_mlp(4, 4, &[10, 10], 1);
    let x = uniform(30, 4, 6, -1.0, 1.0);
    let bg = uniform(30, 4, 7, -1.0, 1.0);
    let gap = |n: usize| {
        let r = gradient_shap(
            &model,
            x.view(),
            bg.view(),
            &GradientShapOptions {
                nsamples: n,
                stdev: 0.0,
                seed: 3,
            },
        )
        .unwrap();
        r.completeness_gap.iter().map(|g| g.abs()).sum::<f64>() / 30.0
    };
    let (g10, g4000) = (gap(10), gap(4000));
    assert!(g4000 < g10 / 5.0, "{g10} -> {g4000}");
}

#[test]
fn bad_options_are_errors() {
    let model = random_mlp(1, 3, &[4], 1);
    let x = uniform(2, 3, 1, 0.0, 1.0);
    let bad = [
        GradientShapOptions {
            nsamples: 0,
            ..Default::default()
        },
        GradientShapOptions {
            stdev: -1.0,
            ..Default::default()
        },
        GradientShapOptions {
            stdev: f64::NAN,
            ..Default::default()
        },
    ];
    for o in bad {
        assert!(
            gradient_shap(&model, x.view(), x.view(), &o).is_err(),
            "{o:?}"
        );
    }
    assert!(
        gradient_shap(
            &model,
            x.view(),
            Array2::zeros((0, 3)).view(),
            &GradientShapOptions::default()
        )
        .is_err()
    );
}
