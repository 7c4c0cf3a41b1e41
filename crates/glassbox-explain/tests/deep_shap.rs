//! DeepSHAP against its oracles: local accuracy on every row (1e-9 relative, f64), the closed
//! form for networks without hidden nonlinearities, brute-force interventional Shapley values
//! for tiny ReLU networks (equal where theory says they must be, and a measured, explained
//! difference elsewhere), and determinism across thread counts.

// Index loops mirror the formulas (rows, features, parameters) they check.
#![allow(clippy::needless_range_loop)]

mod deep_common;

use deep_common::{brute_force_shapley, mlp, random_mlp, uniform};
use glassbox_core::Predict;
use glassbox_core::ndarray::{Array2, array, s};
use glassbox_explain::ShapValues;
use glassbox_explain::deep::deep_shap;
use glassbox_models::nn::MlpParams;

fn check_local_accuracy(model: &dyn Predict, x: &Array2<f64>, sv: &ShapValues) {
    let e = sv
        .clone()
        .into_explanation(
            x.clone(),
            (0..x.ncols()).map(|j| format!("x{j}")).collect(),
            (0..model.n_outputs()).map(|o| format!("y{o}")).collect(),
            "deep-shap",
        )
        .unwrap();
    e.check_local_accuracy(model.predict(x.view()).unwrap().view(), 1e-9)
        .unwrap();
}

#[test]
fn local_accuracy_on_every_row_of_a_trained_network() {
    let x = uniform(300, 7, 1, 0.0, 1.0);
    let y = Array2::from_shape_fn((300, 2), |(i, o)| {
        let r = x.row(i);
        100.0 * (3.0 * r[0]).sin() * r[1] + 20.0 * r[2] * r[3] + 5.0 * o as f64 * r[4]
    });
    let p = MlpParams {
        hidden: vec![10, 10, 10, 10, 10],
        epochs: 20,
        ..Default::default()
    };
    let model = p.fit(x.view(), y.view(), &mut |_| {}).unwrap();
    let background = x.slice(s![0..60, ..]).to_owned();
    let explained = x.slice(s![60..300, ..]).to_owned();
    let sv = deep_shap(&model, explained.view(), background.view()).unwrap();
    assert_eq!(sv.values.dim(), (240, 7, 2));
    check_local_accuracy(&model, &explained, &sv);
    // The base value is the mean prediction over the background.
    let mean = model
        .predict(background.view())
        .unwrap()
        .mean_axis(glassbox_core::ndarray::Axis(0))
        .unwrap();
    for i in 0..240 {
        for o in 0..2 {
            assert_eq!(sv.base_values[[i, o]], mean[o]);
        }
    }
}

#[test]
fn linear_network_gives_the_closed_form() {
    // No hidden layer: f(x) = W x + c, whose interventional Shapley values against a background
    // are w_j (x_j - mean_b b_j) exactly.
    let w = vec![0.5f32, -2.0, 3.25, 0.0, 1.5, -0.75, 2.0, 1.0];
    let model = mlp(4, &[], 2, &[(w.clone(), vec![0.25, -1.0])]);
    let x = uniform(20, 4, 2, -3.0, 3.0);
    let bg = uniform(9, 4, 3, -3.0, 3.0);
    let sv = deep_shap(&model, x.view(), bg.view()).unwrap();
    let mean_b = bg.mean_axis(glassbox_core::ndarray::Axis(0)).unwrap();
    for i in 0..20 {
        for o in 0..2 {
            let bf = brute_force_shapley(&model, x.row(i), bg.view(), o);
            for j in 0..4 {
                let closed = w[o * 4 + j] as f64 * (x[[i, j]] - mean_b[j]);
                assert!(
                    (sv.values[[i, j, o]] - closed).abs() <= 1e-12 * closed.abs().max(1.0),
                    "row {i} j {j}"
                );
                assert!(
                    (bf[j] - closed).abs() <= 1e-12 * closed.abs().max(1.0),
                    "oracle row {i} j {j}"
                );
            }
        }
    }
    check_local_accuracy(&model, &x, &sv);
    // A zero weight is a dummy feature: exactly zero attribution.
    assert!((0..20).all(|i| sv.values[[i, 3, 0]] == 0.0));
}

#[test]
fn hand_computed_relu_unit_shows_where_rescale_and_shapley_differ() {
    // f(x) = relu(x1 + 2 x2 - 1), x = (1, 1), background b = (0, 0): f(x) = 2, f(b) = 0.
    // DeepLIFT rescale: Δz = 3, Δrelu = 2, multiplier 2/3 -> φ = (2/3 · 1, 2/3 · 2) = (2/3, 4/3).
    // Shapley: v(∅) = 0, v({1}) = relu(0) = 0, v({2}) = relu(1) = 1, v({1,2}) = 2
    //   φ1 = ½[(0 - 0) + (2 - 1)] = 1/2, φ2 = ½[(1 - 0) + (2 - 0)] = 3/2.
    // Both sum to 2 (local accuracy); rescale spreads the unit's output in proportion to each
    // input's share of Δz, while Shapley credits x2 for crossing the kink on its own.
    let model = mlp(
        2,
        &[1],
        1,
        &[(vec![1.0, 2.0], vec![-1.0]), (vec![1.0], vec![0.0])],
    );
    let x = array![[1.0, 1.0]];
    let b = array![[0.0, 0.0]];
    let sv = deep_shap(&model, x.view(), b.view()).unwrap();
    let (d1, d2) = (sv.values[[0, 0, 0]], sv.values[[0, 1, 0]]);
    assert!(
        (d1 - 2.0 / 3.0).abs() < 1e-15 && (d2 - 4.0 / 3.0).abs() < 1e-15,
        "{d1} {d2}"
    );
    let bf = brute_force_shapley(&model, x.row(0), b.view(), 0);
    assert!(
        (bf[0] - 0.5).abs() < 1e-15 && (bf[1] - 1.5).abs() < 1e-15,
        "{bf:?}"
    );
    // Symmetric weights: both methods give ½ each (the symmetry axiom holds for both).
    let sym = mlp(
        2,
        &[1],
        1,
        &[(vec![1.0, 1.0], vec![-1.0]), (vec![1.0], vec![0.0])],
    );
    let sv = deep_shap(&sym, x.view(), b.view()).unwrap();
    assert_eq!((sv.values[[0, 0, 0]], sv.values[[0, 1, 0]]), (0.5, 0.5));
    assert_eq!(
        brute_force_shapley(&sym, x.row(0), b.view(), 0),
        vec![0.5, 0.5]
    );
}

#[test]
fn one_hidden_unit_per_input_path_equals_shapley() {
    // Each hidden unit reads a single input (block-diagonal first layer), so f is a sum of
    // one-input functions and rescale is exactly Shapley, kinks crossed or not.
    let (m, per) = (6usize, 2usize);
    let mut w1 = vec![0.0f32; m * per * m];
    let mut b1 = vec![0.0f32; m * per];
    let mut w2 = vec![0.0f32; m * per];
    for h in 0..m * per {
        let j = h / per;
        w1[h * m + j] = [1.5, -0.75, 2.0, -1.25][h % 4];
        b1[h] = [0.25, -0.5, 0.125, 0.75][(h + j) % 4];
        w2[h] = [1.0, -2.0, 0.5][h % 3];
    }
    let model = mlp(m, &[m * per], 1, &[(w1, b1), (w2, vec![0.3])]);
    let x = uniform(30, m, 4, -2.0, 2.0);
    let bg = uniform(30, m, 5, -2.0, 2.0);
    let mut crossed = 0;
    for i in 0..30 {
        let b = bg.slice(s![i..i + 1, ..]).to_owned();
        let sv = deep_shap(&model, x.slice(s![i..i + 1, ..]), b.view()).unwrap();
        let bf = brute_force_shapley(&model, x.row(i), b.view(), 0);
        for j in 0..m {
            assert!(
                (sv.values[[0, j, 0]] - bf[j]).abs() <= 1e-12 * bf[j].abs().max(1.0),
                "row {i} j {j}"
            );
        }
        // Count rows where some unit changes sign between x and b (the nonlinear case).
        let net = model.network();
        let tx = net.forward_trace(glassbox_models::nn::Tensor::from_array2(
            x.slice(s![i..i + 1, ..]),
        ));
        let tb = net.forward_trace(glassbox_models::nn::Tensor::from_array2(b.view()));
        if tx[1]
            .data()
            .iter()
            .zip(tb[1].data())
            .any(|(a, c)| (*a > 0.0) != (*c > 0.0))
        {
            crossed += 1;
        }
    }
    assert!(
        crossed > 10,
        "the test must exercise kinks ({crossed} rows crossed)"
    );
}

#[test]
fn random_relu_networks_versus_brute_force_with_one_background_row() {
    // Theory: if every ReLU keeps its on/off state at all 2^m points (x_S, b_notS), f is affine
    // on those points and DeepLIFT rescale equals Shapley exactly. Otherwise they differ; both
    // still satisfy local accuracy. The test asserts equality in the first case and, in the
    // second, local accuracy plus a real (measured, > 1e-6) difference, and requires both cases
    // to occur.
    let m = 5;
    let (mut equal_cases, mut differing_cases, mut max_diff) = (0, 0, 0.0f64);
    for seed in 0..12u64 {
        let model = random_mlp(100 + seed, m, &[6, 4], 1);
        let xs = uniform(6, m, 200 + seed, -1.5, 1.5);
        // Even rows: background far from x (kinks crossed); odd rows: background near x
        // (often no unit changes state, the affine case).
        let near = uniform(6, m, 400 + seed, -0.1, 0.1);
        let far = uniform(6, m, 300 + seed, -1.5, 1.5);
        let bs = Array2::from_shape_fn((6, m), |(i, j)| {
            if i % 2 == 0 {
                far[[i, j]]
            } else {
                xs[[i, j]] + near[[i, j]]
            }
        });
        for i in 0..6 {
            let (x, b) = (
                xs.slice(s![i..i + 1, ..]).to_owned(),
                bs.slice(s![i..i + 1, ..]).to_owned(),
            );
            let sv = deep_shap(&model, x.view(), b.view()).unwrap();
            check_local_accuracy(&model, &x, &sv);
            let bf = brute_force_shapley(&model, x.row(0), b.view(), 0);
            let fx = model.predict(x.view()).unwrap()[[0, 0]];
            let fb = model.predict(b.view()).unwrap()[[0, 0]];
            assert!(
                (bf.iter().sum::<f64>() - (fx - fb)).abs() <= 1e-9 * fx.abs().max(1.0),
                "oracle efficiency"
            );
            // Activation patterns at every coalition point.
            let mut pts = Array2::zeros((1 << m, m));
            for c in 0..1usize << m {
                for j in 0..m {
                    pts[[c, j]] = if c >> j & 1 == 1 {
                        x[[0, j]]
                    } else {
                        b[[0, j]]
                    };
                }
            }
            let trace = model
                .network()
                .forward_trace(glassbox_models::nn::Tensor::from_array2(pts.view()));
            let pattern = |c: usize| -> Vec<bool> {
                [1usize, 3]
                    .iter()
                    .flat_map(|&l| {
                        trace[l]
                            .sample(c)
                            .iter()
                            .map(|v| *v > 0.0)
                            .collect::<Vec<_>>()
                    })
                    .collect()
            };
            let p0 = pattern(0);
            let constant = (1..1usize << m).all(|c| pattern(c) == p0);
            let diff = (0..m)
                .map(|j| (sv.values[[0, j, 0]] - bf[j]).abs())
                .fold(0.0, f64::max);
            if constant {
                equal_cases += 1;
                assert!(
                    diff <= 1e-9 * fx.abs().max(1.0),
                    "affine case must match: diff {diff}"
                );
            } else {
                differing_cases += 1;
                max_diff = max_diff.max(diff);
            }
        }
    }
    println!(
        "affine cases (must match): {equal_cases}; kink-crossing cases: {differing_cases}, max |DeepSHAP - Shapley| {max_diff:.3e}"
    );
    assert!(
        equal_cases >= 3 && differing_cases >= 3,
        "cases: {equal_cases} equal, {differing_cases} not"
    );
    assert!(
        max_diff > 1e-6,
        "kink-crossing cases should show the known difference; max {max_diff}"
    );
}

#[test]
fn background_average_and_thread_count_independence() {
    let model = random_mlp(7, 6, &[8, 8], 2);
    let x = uniform(50, 6, 8, -1.0, 1.0);
    let bg = uniform(7, 6, 9, -1.0, 1.0);
    let all = deep_shap(&model, x.view(), bg.view()).unwrap();
    // DeepSHAP with k background rows is the mean of the k single-row explanations.
    let mut mean = Array2::<f64>::zeros((50, 6));
    for b in 0..7 {
        let one = deep_shap(&model, x.view(), bg.slice(s![b..b + 1, ..])).unwrap();
        mean = mean + one.values.slice(s![.., .., 0]).to_owned() / 7.0;
    }
    for (a, m) in all.values.slice(s![.., .., 0]).iter().zip(mean.iter()) {
        assert!((a - m).abs() <= 1e-12 * m.abs().max(1.0));
    }
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let three = rayon::ThreadPoolBuilder::new()
        .num_threads(3)
        .build()
        .unwrap();
    let big_x = uniform(700, 6, 10, -1.0, 1.0);
    let a = one.install(|| deep_shap(&model, big_x.view(), bg.view()).unwrap());
    let b = three.install(|| deep_shap(&model, big_x.view(), bg.view()).unwrap());
    assert_eq!(a, b);
}

#[test]
fn bad_input_is_a_typed_error() {
    let model = random_mlp(1, 3, &[4], 1);
    let x = uniform(2, 3, 1, 0.0, 1.0);
    assert!(deep_shap(&model, x.view(), Array2::zeros((0, 3)).view()).is_err());
    assert!(deep_shap(&model, x.view(), Array2::zeros((2, 4)).view()).is_err());
    assert!(deep_shap(&model, Array2::zeros((2, 2)).view(), x.view()).is_err());
    let mut bad = x.clone();
    bad[[1, 2]] = f64::NAN;
    let e = deep_shap(&model, bad.view(), x.view())
        .unwrap_err()
        .to_string();
    assert!(e.contains("row 1") && e.contains("column 2"), "{e}");
    // No rows to explain is fine.
    assert_eq!(
        deep_shap(&model, Array2::zeros((0, 3)).view(), x.view())
            .unwrap()
            .values
            .dim(),
        (0, 3, 1)
    );
}
