//! Gradient checks of every layer and of whole networks against central finite differences.
//!
//! Oracle: `(L(θ + h) - L(θ - h)) / 2h` evaluated with the forward pass only, in f64, with
//! `h = 1e-6`; the truncation error is O(h²) ≈ 1e-12 and rounding ≈ 1e-10, so analytic and
//! numeric gradients must agree to 1e-7 relative. ReLU inputs are kept away from the kink.

// Index loops mirror the formulas (rows, features, parameters) they check.
#![allow(clippy::needless_range_loop)]

use glassbox_core::Predict;
use glassbox_core::differentiable::Differentiable;
use glassbox_core::ndarray::Array2;
use glassbox_core::rng::Rng;
use glassbox_models::nn::{
    Dense, Layer, LayerSpec, MlpParams, Relu, Sequential, TargetScaling, TargetTransform, Tensor,
    mlp_specs, mse,
};

const H: f64 = 1e-6;

fn assert_close(analytic: f64, numeric: f64, what: &str) {
    assert_close_within(analytic, numeric, 0.0, what);
}

/// [`assert_close`] allowing `noise` more: the rounding error of the finite difference,
/// about `ε · Σ|terms of L| / h`, which matters for layers with many outputs.
fn assert_close_within(analytic: f64, numeric: f64, noise: f64, what: &str) {
    let scale = analytic.abs().max(numeric.abs()).max(1e-3);
    assert!(
        (analytic - numeric).abs() <= 1e-7 * scale + noise,
        "{what}: analytic {analytic} vs finite difference {numeric}"
    );
}

fn random_tensor(rng: &mut Rng, shape: Vec<usize>, away_from_zero: bool) -> Tensor<f64> {
    let n = shape.iter().product();
    let data = (0..n)
        .map(|_| {
            let v = rng.uniform(-2.0, 2.0);
            if away_from_zero && v.abs() < 0.1 {
                v + 0.2f64.copysign(v)
            } else {
                v
            }
        })
        .collect();
    Tensor::new(shape, data).unwrap()
}

/// `L = sum(c ⊙ layer(x))` for fixed random `c`, so `dL/dy = c`.
fn weighted_sum(y: &Tensor<f64>, c: &[f64]) -> f64 {
    y.data().iter().zip(c).map(|(a, b)| a * b).sum()
}

fn check_layer(layer: &mut dyn Layer<f64>, x: Tensor<f64>, seed: u64) {
    let mut rng = Rng::new(seed);
    let y = layer.forward(&x);
    let c: Vec<f64> = (0..y.data().len())
        .map(|_| rng.uniform(-1.0, 1.0))
        .collect();
    let dy = Tensor::new(y.shape().to_vec(), c.clone()).unwrap();
    let mut grads: Vec<Vec<f64>> = layer
        .params()
        .iter()
        .map(|p| vec![0.0; p.data.len()])
        .collect();
    let dx = layer.backward(&x, &y, &dy, Some(&mut grads));
    let terms: f64 = y.data().iter().zip(&c).map(|(a, b)| (a * b).abs()).sum();
    let noise = 4.0 * f64::EPSILON * terms / H;
    // Input gradient.
    for i in 0..x.data().len() {
        let mut xp = x.clone();
        xp.data_mut()[i] += H;
        let mut xm = x.clone();
        xm.data_mut()[i] -= H;
        let num = (weighted_sum(&layer.forward(&xp), &c) - weighted_sum(&layer.forward(&xm), &c))
            / (2.0 * H);
        assert_close_within(
            dx.data()[i],
            num,
            noise,
            &format!("{:?} input {i}", layer.spec()),
        );
    }
    // Parameter gradients.
    let n_params = layer.params().len();
    for p in 0..n_params {
        let len = layer.params()[p].data.len();
        for i in 0..len {
            let orig = layer.params()[p].data[i];
            layer.params_mut()[p].data[i] = orig + H;
            let lp = weighted_sum(&layer.forward(&x), &c);
            layer.params_mut()[p].data[i] = orig - H;
            let lm = weighted_sum(&layer.forward(&x), &c);
            layer.params_mut()[p].data[i] = orig;
            assert_close_within(
                grads[p][i],
                (lp - lm) / (2.0 * H),
                noise,
                &format!("{:?} param {p}[{i}]", layer.spec()),
            );
        }
    }
}

#[test]
fn dense_gradients_match_finite_differences() {
    let mut rng = Rng::new(1);
    let mut layer = Dense::<f64>::glorot_uniform(7, 5, &mut rng);
    for b in layer.params_mut()[1].data.iter_mut() {
        *b = rng.uniform(-0.5, 0.5);
    }
    check_layer(&mut layer, random_tensor(&mut rng, vec![4, 7], false), 2);
}

#[test]
fn relu_gradients_match_finite_differences() {
    let mut rng = Rng::new(3);
    check_layer(&mut Relu, random_tensor(&mut rng, vec![6, 5], true), 4);
}

#[test]
fn mse_gradient_matches_finite_differences() {
    let mut rng = Rng::new(5);
    let pred = random_tensor(&mut rng, vec![5, 2], false);
    let target: Vec<f64> = (0..10).map(|_| rng.uniform(-1.0, 1.0)).collect();
    let (_, grad) = mse(&pred, &target);
    for i in 0..10 {
        let mut p = pred.clone();
        p.data_mut()[i] += H;
        let lp = mse(&p, &target).0;
        p.data_mut()[i] -= 2.0 * H;
        let lm = mse(&p, &target).0;
        assert_close(
            grad.data()[i],
            (lp - lm) / (2.0 * H),
            &format!("mse value {i}"),
        );
    }
    // Hand value: mean of squared differences.
    let want: f64 = pred
        .data()
        .iter()
        .zip(&target)
        .map(|(a, b)| (a - b) * (a - b))
        .sum::<f64>()
        / 10.0;
    assert!((mse(&pred, &target).0 - want).abs() < 1e-15);
}

fn random_net(seed: u64, specs: &[LayerSpec], inputs: usize) -> Sequential<f64> {
    let mut net = Sequential::<f64>::from_specs(vec![inputs], specs).unwrap();
    net.init_glorot(seed);
    let mut rng = Rng::new(seed + 100);
    for p in net.params_mut() {
        if p.name == "bias" {
            for b in &mut p.data {
                *b = rng.uniform(-0.3, 0.3);
            }
        }
    }
    net
}

#[test]
fn whole_network_gradients_match_finite_differences() {
    let net_specs = mlp_specs(6, &[8, 5, 4], 2);
    let mut net = random_net(7, &net_specs, 6);
    let mut rng = Rng::new(8);
    let x = random_tensor(&mut rng, vec![5, 6], false);
    let target: Vec<f64> = (0..10).map(|_| rng.uniform(-1.0, 1.0)).collect();
    let loss = |net: &Sequential<f64>, x: &Tensor<f64>| mse(&net.forward(x), &target).0;

    let trace = net.forward_trace(x.clone());
    // No pre-activation may sit within 1e-4 of the ReLU kink, or finite differences straddle it.
    for (i, layer) in net.layers().iter().enumerate() {
        if layer.spec() == LayerSpec::Relu {
            assert!(
                trace[i].data().iter().all(|v| v.abs() > 1e-4),
                "test data too close to a kink"
            );
        }
    }
    let (_, d_out) = mse(trace.last().unwrap(), &target);
    let mut grads: Vec<Vec<f64>> = net
        .params()
        .iter()
        .map(|p| vec![0.0; p.data.len()])
        .collect();
    let dx = net.backward(&trace, d_out, Some(&mut grads));
    for i in 0..x.data().len() {
        let mut xp = x.clone();
        xp.data_mut()[i] += H;
        let mut xm = x.clone();
        xm.data_mut()[i] -= H;
        assert_close(
            dx.data()[i],
            (loss(&net, &xp) - loss(&net, &xm)) / (2.0 * H),
            &format!("input {i}"),
        );
    }
    let n_params = net.params().len();
    for p in 0..n_params {
        for i in 0..net.params()[p].data.len() {
            let orig = net.params()[p].data[i];
            net.params_mut()[p].data[i] = orig + H;
            let lp = loss(&net, &x);
            net.params_mut()[p].data[i] = orig - H;
            let lm = loss(&net, &x);
            net.params_mut()[p].data[i] = orig;
            assert_close(
                grads[p][i],
                (lp - lm) / (2.0 * H),
                &format!("param tensor {p} value {i}"),
            );
        }
    }
}

#[test]
fn mlp_input_gradients_include_the_target_map() {
    // A trained model with min-max target scaling: gradients must be in target units.
    let mut rng = Rng::new(9);
    let x = Array2::from_shape_fn((64, 4), |_| rng.uniform(-1.0, 1.0));
    let y = Array2::from_shape_fn((64, 2), |(i, o)| {
        100.0 * x[[i, o]] * x[[i, 3]] + 50.0 * o as f64
    });
    let params = MlpParams {
        hidden: vec![6, 6],
        epochs: 3,
        target_scaling: TargetScaling::MinMax,
        ..Default::default()
    };
    let mlp = params.fit(x.view(), y.view(), &mut |_| {}).unwrap();
    assert!(mlp.target_transform().scale[0] > 10.0);
    let xs = x.slice(glassbox_core::ndarray::s![0..5, ..]).to_owned();
    for output in 0..2 {
        let g = mlp.input_gradients(xs.view(), output).unwrap();
        for i in 0..5 {
            for j in 0..4 {
                let mut xp = xs.clone();
                xp[[i, j]] += H;
                let mut xm = xs.clone();
                xm[[i, j]] -= H;
                let num = (mlp.predict(xp.view()).unwrap()[[i, output]]
                    - mlp.predict(xm.view()).unwrap()[[i, output]])
                    / (2.0 * H);
                let scale = g[[i, j]].abs().max(num.abs()).max(1.0);
                assert!(
                    (g[[i, j]] - num).abs() <= 1e-6 * scale,
                    "row {i} feature {j}: {} vs {num}",
                    g[[i, j]]
                );
            }
        }
    }
    assert!(
        mlp.input_gradients(xs.view(), 2).is_err(),
        "output index out of range"
    );
    let _ = TargetTransform::identity(1);
}

/// The layers of imported networks: a general convolution (stride, asymmetric pads, dilation,
/// rectangular kernel), max and average pooling over overlapping padded windows, the smooth and
/// leaky activations, and the per-channel affine map (input and parameter gradients).
#[test]
fn imported_layer_gradients_match_finite_differences() {
    use glassbox_models::nn::{
        AvgPool2d, ChannelAffine, Conv2d, LeakyRelu, MaxPool2d, Sigmoid, Tanh, Window2d,
    };
    let mut rng = Rng::new(21);
    let window = Window2d {
        kernel: [2, 3],
        stride: [2, 1],
        pads: [0, 1, 2, 1],
        dilation: [2, 1],
    };
    let mut conv = Conv2d::<f64>::glorot_uniform_window(2, 3, window, &mut rng);
    for b in conv.params_mut()[1].data.iter_mut() {
        *b = rng.uniform(-0.5, 0.5);
    }
    check_layer(
        &mut conv,
        random_tensor(&mut rng, vec![2, 2, 7, 6], false),
        22,
    );
    let overlapping = Window2d {
        kernel: [3, 2],
        stride: [2, 1],
        pads: [1, 0, 1, 1],
        dilation: [1, 1],
    };
    // Max pooling: distinct values so no window has a tie within h of its max.
    let mut x = random_tensor(&mut rng, vec![2, 2, 6, 5], false);
    for (i, v) in x.data_mut().iter_mut().enumerate() {
        *v += i as f64 * 0.01;
    }
    check_layer(&mut MaxPool2d::with_window(overlapping), x.clone(), 23);
    let dilated = Window2d {
        dilation: [2, 2],
        ..overlapping
    };
    check_layer(&mut MaxPool2d::with_window(dilated), x.clone(), 24);
    for include in [false, true] {
        check_layer(&mut AvgPool2d::new(overlapping, include), x.clone(), 25);
    }
    check_layer(&mut Sigmoid, x.clone(), 26);
    check_layer(&mut Tanh, x.clone(), 27);
    check_layer(
        &mut LeakyRelu::new(0.05),
        random_tensor(&mut rng, vec![4, 5], true),
        28,
    );
    let mut affine = ChannelAffine::<f64>::identity(2);
    for p in affine.params_mut() {
        for v in &mut p.data {
            *v = rng.uniform(-2.0, 2.0);
        }
    }
    check_layer(&mut affine, x, 29);
    let mut flat_affine = ChannelAffine::<f64>::identity(5);
    flat_affine.params_mut()[0].data = (0..5).map(|i| 0.5 + i as f64).collect();
    check_layer(
        &mut flat_affine,
        random_tensor(&mut rng, vec![3, 5], false),
        30,
    );
}

/// The general convolution over the stride-1 "same" window computes exactly what glassbox's
/// own CNN layer does (the same bits, forward and backward), and each keeps its spec.
#[test]
fn general_convolution_over_the_same_window_is_the_cnn_layer_bit_for_bit() {
    use glassbox_models::nn::{Conv2d, Window2d};
    let mut rng = Rng::new(31);
    let legacy = Conv2d::<f64>::glorot_uniform(3, 4, 3, &mut rng);
    let mut general = Conv2d::<f64>::zeros_window(3, 4, Window2d::same(3));
    for (g, l) in general.params_mut().into_iter().zip(legacy.params()) {
        g.data.clone_from(&l.data);
    }
    let x = random_tensor(&mut rng, vec![2, 3, 9, 7], false);
    let (yl, yg) = (legacy.forward(&x), general.forward(&x));
    assert_eq!(yl.data(), yg.data());
    let dy = random_tensor(&mut rng, yl.shape().to_vec(), false);
    assert_eq!(
        legacy.backward(&x, &yl, &dy, None).data(),
        general.backward(&x, &yg, &dy, None).data()
    );
    assert_eq!(
        serde_json::to_string(&legacy.spec()).unwrap(),
        r#"{"type":"conv2d","in_channels":3,"out_channels":4,"kernel_size":3}"#
    );
    let spec = general.spec();
    let json = serde_json::to_string(&spec).unwrap();
    assert!(json.starts_with(r#"{"type":"conv","#), "{json}");
    assert_eq!(serde_json::from_str::<LayerSpec>(&json).unwrap(), spec);
}
