//! The image layers (Conv2d, MaxPool2d, GlobalAvgPool, Flatten) and the softmax cross-entropy
//! loss, in f64.
//!
//! Oracles: central finite differences `(L(θ + h) - L(θ - h)) / 2h` with the forward pass only
//! (h = 1e-6: truncation O(h²) ≈ 1e-12, rounding ≈ 1e-10, so agreement to 1e-7 relative); a
//! direct six-loop convolution written from the definition (independent of im2col and gemm);
//! hand-computed pooling; summation to delta for the DeepLIFT rules; bit-identical results on
//! thread pools of different sizes.

// Index loops mirror the formulas they check.
#![allow(clippy::needless_range_loop)]

use glassbox_core::rng::Rng;
use glassbox_models::nn::{
    Conv2d, Dense, Flatten, GlobalAvgPool, Layer, LayerSpec, MaxPool2d, Relu, Sequential, Tensor,
    softmax, softmax_cross_entropy,
};

const H: f64 = 1e-6;

fn assert_close(analytic: f64, numeric: f64, what: &str) {
    assert_close_floor(analytic, numeric, 1e-3, what);
}

/// Relative agreement 1e-7, with an absolute floor `1e-7 * floor` for gradients near 0: the
/// finite difference of a loss of size L carries rounding noise of about 1e-16·L / h ≈ 1e-10·L.
fn assert_close_floor(analytic: f64, numeric: f64, floor: f64, what: &str) {
    let scale = analytic.abs().max(numeric.abs()).max(floor);
    assert!(
        (analytic - numeric).abs() <= 1e-7 * scale,
        "{what}: analytic {analytic} vs finite difference {numeric}"
    );
}

fn random_tensor(rng: &mut Rng, shape: Vec<usize>) -> Tensor<f64> {
    let n = shape.iter().product();
    Tensor::new(shape, (0..n).map(|_| rng.uniform(-2.0, 2.0)).collect()).unwrap()
}

/// Distinct values (a shuffled grid spaced 0.01 apart), so no pooling window has a tie within
/// the finite-difference step.
fn distinct_tensor(rng: &mut Rng, shape: Vec<usize>) -> Tensor<f64> {
    let n: usize = shape.iter().product();
    let mut v: Vec<f64> = (0..n).map(|i| i as f64 * 0.01 - n as f64 * 0.005).collect();
    rng.shuffle(&mut v);
    Tensor::new(shape, v).unwrap()
}

fn weighted_sum(y: &Tensor<f64>, c: &[f64]) -> f64 {
    y.data().iter().zip(c).map(|(a, b)| a * b).sum()
}

/// `L = sum(c ⊙ layer(x))` for fixed random `c`: checks input and parameter gradients.
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
    assert_eq!(dx.shape(), x.shape());
    // Without parameter buffers the input gradient is the same.
    assert_eq!(layer.backward(&x, &y, &dy, None), dx);
    // The parameter-only pass adds the same gradients.
    let mut grads2: Vec<Vec<f64>> = grads.iter().map(|g| vec![0.0; g.len()]).collect();
    layer.param_backward(&x, &y, &dy, &mut grads2);
    assert_eq!(grads, grads2);
    for i in 0..x.data().len() {
        let mut xp = x.clone();
        xp.data_mut()[i] += H;
        let mut xm = x.clone();
        xm.data_mut()[i] -= H;
        let num = (weighted_sum(&layer.forward(&xp), &c) - weighted_sum(&layer.forward(&xm), &c))
            / (2.0 * H);
        assert_close(dx.data()[i], num, &format!("{:?} input {i}", layer.spec()));
    }
    for p in 0..layer.params().len() {
        for i in 0..layer.params()[p].data.len() {
            let orig = layer.params()[p].data[i];
            layer.params_mut()[p].data[i] = orig + H;
            let lp = weighted_sum(&layer.forward(&x), &c);
            layer.params_mut()[p].data[i] = orig - H;
            let lm = weighted_sum(&layer.forward(&x), &c);
            layer.params_mut()[p].data[i] = orig;
            assert_close(
                grads[p][i],
                (lp - lm) / (2.0 * H),
                &format!("{:?} param {p}[{i}]", layer.spec()),
            );
        }
    }
}

fn random_conv(rng: &mut Rng, ci: usize, co: usize, k: usize) -> Conv2d<f64> {
    let mut conv = Conv2d::<f64>::glorot_uniform(ci, co, k, rng);
    for b in conv.params_mut()[1].data.iter_mut() {
        *b = rng.uniform(-0.5, 0.5);
    }
    conv
}

/// Direct convolution from the definition, Keras "same" padding (k-1)/2 before.
fn naive_conv(conv: &Conv2d<f64>, x: &Tensor<f64>, k: usize) -> Vec<f64> {
    let s = x.shape();
    let (n, ci, h, w) = (s[0], s[1], s[2], s[3]);
    let co = conv.bias().len();
    let pad = (k as isize - 1) / 2;
    let mut out = vec![0.0; n * co * h * w];
    for b in 0..n {
        for o in 0..co {
            for y in 0..h {
                for xx in 0..w {
                    let mut acc = conv.bias()[o];
                    for c in 0..ci {
                        for i in 0..k {
                            for j in 0..k {
                                let sy = y as isize + i as isize - pad;
                                let sx = xx as isize + j as isize - pad;
                                if sy < 0 || sx < 0 || sy >= h as isize || sx >= w as isize {
                                    continue;
                                }
                                acc += conv.weight()[((o * ci + c) * k + i) * k + j]
                                    * x.data()[((b * ci + c) * h + sy as usize) * w + sx as usize];
                            }
                        }
                    }
                    out[((b * co + o) * h + y) * w + xx] = acc;
                }
            }
        }
    }
    out
}

#[test]
fn conv2d_matches_direct_convolution_for_several_kernels() {
    let mut rng = Rng::new(11);
    // (in, out, k, h, w): odd and even kernels, a 1x1 kernel, and kernels wider than the image.
    for (ci, co, k, h, w) in [
        (1, 3, 3, 5, 6),
        (2, 4, 3, 7, 4),
        (3, 2, 2, 4, 5),
        (2, 2, 1, 3, 3),
        (1, 2, 5, 4, 4),
        (2, 1, 7, 3, 2),
        (2, 3, 4, 6, 5),
    ] {
        let conv = random_conv(&mut rng, ci, co, k);
        let x = random_tensor(&mut rng, vec![3, ci, h, w]);
        let y = conv.forward(&x);
        assert_eq!(y.shape(), [3, co, h, w]);
        let want = naive_conv(&conv, &x, k);
        for (i, (a, b)) in y.data().iter().zip(&want).enumerate() {
            assert!((a - b).abs() < 1e-12, "k={k} value {i}: {a} vs {b}");
        }
    }
}

/// Images wide enough that the convolution works in several tiles of output rows (one row per
/// tile, and three rows with a shorter last tile). Oracles: the direct convolution for the
/// forward pass; for the backward pass the adjoint identities `<A x, dy> = <x, Aᵀ dy>` (A the
/// convolution without bias) and `<dW, V> = <dy, conv_V(x)>` with the direct convolution.
#[test]
fn conv2d_in_several_tiles_matches_direct_convolution_and_its_adjoint() {
    let mut rng = Rng::new(31);
    for (ci, co, k, h, w) in [(64, 3, 3, 5, 230), (40, 2, 2, 3, 900), (16, 2, 3, 7, 300)] {
        let conv = random_conv(&mut rng, ci, co, k);
        let x = random_tensor(&mut rng, vec![2, ci, h, w]);
        let y = conv.forward(&x);
        let want = naive_conv(&conv, &x, k);
        for (i, (a, b)) in y.data().iter().zip(&want).enumerate() {
            assert!((a - b).abs() < 1e-11, "k={k} w={w} value {i}: {a} vs {b}");
        }
        let dy = random_tensor(&mut rng, y.shape().to_vec());
        let mut grads = vec![vec![0.0; co * ci * k * k], vec![0.0; co]];
        let dx = conv.backward(&x, &y, &dy, Some(&mut grads));
        let plane = h * w;
        let lhs: f64 = y
            .data()
            .iter()
            .zip(dy.data())
            .enumerate()
            .map(|(i, (v, d))| (v - conv.bias()[(i / plane) % co]) * d)
            .sum();
        let rhs: f64 = x.data().iter().zip(dx.data()).map(|(a, b)| a * b).sum();
        assert!(
            (lhs - rhs).abs() < 1e-10 * lhs.abs().max(1.0),
            "{lhs} vs {rhs}"
        );
        // Weight gradient against a random direction V.
        let mut v = Conv2d::<f64>::zeros(ci, co, k);
        for p in v.params_mut()[0].data.iter_mut() {
            *p = rng.uniform(-1.0, 1.0);
        }
        let yv = naive_conv(&v, &x, k);
        let want_dir: f64 = yv.iter().zip(dy.data()).map(|(a, b)| a * b).sum();
        let got_dir: f64 = grads[0].iter().zip(v.weight()).map(|(a, b)| a * b).sum();
        assert!(
            (want_dir - got_dir).abs() < 1e-10 * want_dir.abs().max(1.0),
            "{want_dir} vs {got_dir}"
        );
        for o in 0..co {
            let want_b: f64 = (0..2)
                .map(|n| {
                    dy.data()[(n * co + o) * plane..][..plane]
                        .iter()
                        .sum::<f64>()
                })
                .sum();
            assert!((grads[1][o] - want_b).abs() < 1e-10 * want_b.abs().max(1.0));
        }
    }
}

#[test]
fn conv2d_gradients_match_finite_differences() {
    let mut rng = Rng::new(12);
    for (ci, co, k, h, w) in [(2, 3, 3, 5, 4), (1, 2, 2, 4, 5), (2, 2, 5, 3, 4)] {
        let mut conv = random_conv(&mut rng, ci, co, k);
        let x = random_tensor(&mut rng, vec![2, ci, h, w]);
        check_layer(&mut conv, x, 13 + k as u64);
    }
}

#[test]
fn conv2d_deeplift_is_the_gradient_and_sums_to_delta() {
    let mut rng = Rng::new(14);
    let conv = random_conv(&mut rng, 2, 3, 3);
    let x = random_tensor(&mut rng, vec![2, 2, 4, 5]);
    let r = random_tensor(&mut rng, vec![2, 2, 4, 5]);
    let (y, yr) = (conv.forward(&x), conv.forward(&r));
    let m = random_tensor(&mut rng, y.shape().to_vec());
    let mx = conv.deeplift_backward(&x, &r, &y, &yr, &m);
    assert_eq!(mx, conv.backward(&x, &y, &m, None));
    summation_to_delta(&x, &r, &y, &yr, &m, &mx);
}

fn summation_to_delta(
    x: &Tensor<f64>,
    r: &Tensor<f64>,
    y: &Tensor<f64>,
    yr: &Tensor<f64>,
    m_y: &Tensor<f64>,
    m_x: &Tensor<f64>,
) {
    for p in 0..x.batch() {
        let lhs: f64 = (0..x.sample_len())
            .map(|i| m_x.sample(p)[i] * (x.sample(p)[i] - r.sample(p)[i]))
            .sum();
        let rhs: f64 = (0..y.sample_len())
            .map(|i| m_y.sample(p)[i] * (y.sample(p)[i] - yr.sample(p)[i]))
            .sum();
        assert!(
            (lhs - rhs).abs() <= 1e-12 * rhs.abs().max(1.0),
            "pair {p}: sum m_x dx = {lhs}, sum m_y dy = {rhs}"
        );
    }
}

#[test]
fn max_pool_forward_by_hand_with_floor() {
    // One 3x5 plane pooled 2x2: the last row and column are dropped.
    let x = Tensor::new(
        vec![1, 1, 3, 5],
        vec![
            1.0, 5.0, 2.0, 0.0, 9.0, //
            3.0, 4.0, 8.0, 1.0, 9.0, //
            9.0, 9.0, 9.0, 9.0, 9.0,
        ],
    )
    .unwrap();
    let pool = MaxPool2d::new(2);
    let y = Layer::<f64>::forward(&pool, &x);
    assert_eq!(y.shape(), [1, 1, 1, 2]);
    assert_eq!(y.data(), [5.0, 8.0]);
    // The gradient goes to the argmax; dropped cells get 0. Ties: the first in row-major order.
    let dy = Tensor::new(vec![1, 1, 1, 2], vec![2.0, -1.0]).unwrap();
    let dx = Layer::<f64>::backward(&pool, &x, &y, &dy, None);
    let mut want = vec![0.0; 15];
    want[1] = 2.0;
    want[7] = -1.0;
    assert_eq!(dx.data(), want.as_slice());
    let tie = Tensor::new(vec![1, 1, 2, 2], vec![1.0, 3.0, 3.0, 3.0]).unwrap();
    let yt = Layer::<f64>::forward(&pool, &tie);
    let dt = Layer::<f64>::backward(
        &pool,
        &tie,
        &yt,
        &Tensor::new(vec![1, 1, 1, 1], vec![1.0]).unwrap(),
        None,
    );
    assert_eq!(dt.data(), [0.0, 1.0, 0.0, 0.0]);
    assert_eq!(
        Layer::<f64>::output_shape(&pool, &[4, 1, 9]).unwrap_err(),
        "max_pool2d(2) expects (channels, height, width) with height and width >= 2, got shape \
         [4, 1, 9]"
    );
}

#[test]
fn max_pool_gradients_match_finite_differences() {
    let mut rng = Rng::new(15);
    for (size, h, w) in [(2, 5, 7), (2, 4, 4), (3, 7, 6)] {
        let x = distinct_tensor(&mut rng, vec![2, 3, h, w]);
        check_layer(&mut MaxPool2d::new(size), x, 16);
    }
}

#[test]
fn max_pool_two_step_deeplift_sums_to_delta() {
    let mut rng = Rng::new(17);
    let pool = MaxPool2d::new(2);
    for trial in 0..20 {
        let x = random_tensor(&mut rng, vec![3, 2, 5, 6]);
        let mut r = random_tensor(&mut rng, vec![3, 2, 5, 6]);
        // Some references share values with the input (x == r at the argmax or elsewhere),
        // and one pair is identical.
        if trial % 3 == 0 {
            for (i, v) in r.data_mut().iter_mut().enumerate() {
                if i % 3 == 0 {
                    *v = x.data()[i];
                }
            }
        }
        if trial == 1 {
            r = x.clone();
        }
        let (y, yr) = (
            Layer::<f64>::forward(&pool, &x),
            Layer::<f64>::forward(&pool, &r),
        );
        let m = random_tensor(&mut rng, y.shape().to_vec());
        let mx = Layer::<f64>::deeplift_backward(&pool, &x, &r, &y, &yr, &m);
        summation_to_delta(&x, &r, &y, &yr, &m, &mx);
        if trial == 1 {
            assert!(mx.data().iter().all(|&v| v == 0.0));
        }
    }
}

#[test]
fn max_pool_two_step_rule_by_hand() {
    // Window x = [4, 1, 0, 0] (argmax 0), r = [0, 3, 0, 0] (argmax 1): y = 4, yr = 3,
    // c = max(y, yr) = 4. Step 1 (c - yr = 1) goes to x's argmax 0: m = 1 / (4 - 0) = 0.25;
    // step 2 (y - c = 0) to r's argmax 1: m = 0 / (1 - 3) = 0.
    let pool = MaxPool2d::new(2);
    let x = Tensor::new(vec![1, 1, 2, 2], vec![4.0, 1.0, 0.0, 0.0]).unwrap();
    let r = Tensor::new(vec![1, 1, 2, 2], vec![0.0, 3.0, 0.0, 0.0]).unwrap();
    let one = Tensor::new(vec![1, 1, 1, 1], vec![1.0]).unwrap();
    let (y, yr) = (
        Layer::<f64>::forward(&pool, &x),
        Layer::<f64>::forward(&pool, &r),
    );
    let m = Layer::<f64>::deeplift_backward(&pool, &x, &r, &y, &yr, &one);
    assert_eq!(m.data(), [0.25, 0.0, 0.0, 0.0]);
    // Swapped roles: y = 3 < yr = 4, c = 4: step 1 (c - yr = 0) to x's argmax 1; step 2
    // (y - c = -1) to r's argmax 0: m = -1 / (0 - 4) = 0.25.
    let m2 = Layer::<f64>::deeplift_backward(&pool, &r, &x, &yr, &y, &one);
    assert_eq!(m2.data(), [0.25, 0.0, 0.0, 0.0]);
}

#[test]
fn global_avg_pool_and_flatten() {
    let mut rng = Rng::new(18);
    let x = random_tensor(&mut rng, vec![2, 3, 4, 5]);
    let y = Layer::<f64>::forward(&GlobalAvgPool, &x);
    assert_eq!(y.shape(), [2, 3]);
    for (i, plane) in x.data().chunks(20).enumerate() {
        let mean = plane.iter().sum::<f64>() / 20.0;
        assert!((y.data()[i] - mean).abs() < 1e-14);
    }
    check_layer(&mut GlobalAvgPool, x.clone(), 19);
    let f = Layer::<f64>::forward(&Flatten, &x);
    assert_eq!(f.shape(), [2, 60]);
    assert_eq!(f.data(), x.data());
    check_layer(&mut Flatten, x, 20);
}

#[test]
fn softmax_cross_entropy_gradient_and_stability() {
    let mut rng = Rng::new(21);
    let z = random_tensor(&mut rng, vec![4, 3]);
    let labels = [0, 2, 1, 2];
    let (loss, grad, _) = softmax_cross_entropy(&z, &labels);
    // Hand value: mean of -log softmax.
    let p = softmax(&z);
    let want: f64 = labels
        .iter()
        .enumerate()
        .map(|(i, &l)| -p.data()[i * 3 + l].ln())
        .sum::<f64>()
        / 4.0;
    assert!((loss - want).abs() < 1e-14);
    for i in 0..12 {
        let mut zp = z.clone();
        zp.data_mut()[i] += H;
        let mut zm = z.clone();
        zm.data_mut()[i] -= H;
        let num = (softmax_cross_entropy(&zp, &labels).0 - softmax_cross_entropy(&zm, &labels).0)
            / (2.0 * H);
        assert_close(grad.data()[i], num, &format!("logit {i}"));
    }
    // Huge logits: no overflow, exact values.
    let big = Tensor::new(vec![2, 2], vec![1000.0f32, -1000.0, 1000.0, 1000.0]).unwrap();
    let (l, g, correct) = softmax_cross_entropy(&big, &[0, 1]);
    // Row 1: loss 0; row 2: tie, loss ln 2. Ties predict the first class.
    assert!((l - std::f64::consts::LN_2 / 2.0).abs() < 1e-12, "{l}");
    assert_eq!(correct, 1);
    assert!(g.data().iter().all(|v| v.is_finite()));
    assert_eq!(g.data(), [0.0, 0.0, 0.25, -0.25]);
    let sm = softmax(&big);
    assert_eq!(sm.data(), [1.0, 0.0, 0.5, 0.5]);
}

fn small_cnn(seed: u64) -> Sequential<f64> {
    let specs = vec![
        LayerSpec::Conv2d {
            in_channels: 2,
            out_channels: 3,
            kernel_size: 3,
        },
        LayerSpec::Relu,
        LayerSpec::MaxPool2d { size: 2 },
        LayerSpec::Conv2d {
            in_channels: 3,
            out_channels: 4,
            kernel_size: 3,
        },
        LayerSpec::Relu,
        LayerSpec::GlobalAvgPool,
        LayerSpec::Dense {
            inputs: 4,
            units: 3,
        },
    ];
    let mut net = Sequential::<f64>::from_specs(vec![2, 6, 7], &specs).unwrap();
    net.init_glorot(seed);
    let mut rng = Rng::new(seed + 1);
    for p in net.params_mut() {
        if p.name == "bias" {
            for b in &mut p.data {
                *b = rng.uniform(0.05, 0.3);
            }
        }
    }
    net
}

#[test]
fn whole_cnn_gradients_match_finite_differences() {
    let mut net = small_cnn(22);
    let mut rng = Rng::new(23);
    let x = distinct_tensor(&mut rng, vec![2, 2, 6, 7]);
    let labels = [1, 2];
    let loss =
        |net: &Sequential<f64>, x: &Tensor<f64>| softmax_cross_entropy(&net.forward(x), &labels).0;
    let trace = net.forward_trace(x.clone());
    for (i, layer) in net.layers().iter().enumerate() {
        if layer.spec() == LayerSpec::Relu {
            assert!(
                trace[i].data().iter().all(|v| v.abs() > 1e-4),
                "test data too close to a kink"
            );
        }
    }
    let (_, d_out, _) = softmax_cross_entropy(trace.last().unwrap(), &labels);
    let mut grads: Vec<Vec<f64>> = net
        .params()
        .iter()
        .map(|p| vec![0.0; p.data.len()])
        .collect();
    let dx = net.backward(&trace, d_out.clone(), Some(&mut grads));
    let mut grads2: Vec<Vec<f64>> = grads.iter().map(|g| vec![0.0; g.len()]).collect();
    net.accumulate_param_grads(&trace, d_out.clone(), &mut grads2);
    assert_eq!(grads, grads2);
    assert_eq!(net.backward_to(&trace, d_out, 0), dx);
    for i in 0..x.data().len() {
        let mut xp = x.clone();
        xp.data_mut()[i] += H;
        let mut xm = x.clone();
        xm.data_mut()[i] -= H;
        // The loss is about ln 3 ≈ 1.1, so its rounding noise is ≈ 1e-10: floor 1e-2.
        assert_close_floor(
            dx.data()[i],
            (loss(&net, &xp) - loss(&net, &xm)) / (2.0 * H),
            1e-2,
            &format!("input {i}"),
        );
    }
    for p in 0..net.params().len() {
        for i in 0..net.params()[p].data.len() {
            let orig = net.params()[p].data[i];
            net.params_mut()[p].data[i] = orig + H;
            let lp = loss(&net, &x);
            net.params_mut()[p].data[i] = orig - H;
            let lm = loss(&net, &x);
            net.params_mut()[p].data[i] = orig;
            assert_close_floor(
                grads[p][i],
                (lp - lm) / (2.0 * H),
                1e-2,
                &format!("param {p}[{i}]"),
            );
        }
    }
}

#[test]
fn whole_cnn_deeplift_sums_to_delta() {
    let net = small_cnn(24);
    let mut rng = Rng::new(25);
    let x = random_tensor(&mut rng, vec![4, 2, 6, 7]);
    let mut r = random_tensor(&mut rng, vec![4, 2, 6, 7]);
    r.data_mut()[..84].fill(0.0); // one all-black reference
    let (xt, rt) = (net.forward_trace(x.clone()), net.forward_trace(r.clone()));
    for out in 0..3 {
        let mut m = Tensor::zeros(vec![4, 3]);
        for p in 0..4 {
            m.data_mut()[p * 3 + out] = 1.0;
        }
        let mx = net.deeplift(&xt, &rt, m);
        for p in 0..4 {
            let lhs: f64 = (0..84)
                .map(|i| mx.sample(p)[i] * (x.sample(p)[i] - r.sample(p)[i]))
                .sum();
            let rhs = xt.last().unwrap().sample(p)[out] - rt.last().unwrap().sample(p)[out];
            assert!(
                (lhs - rhs).abs() <= 1e-12 * rhs.abs().max(1.0),
                "output {out} pair {p}: {lhs} vs {rhs}"
            );
        }
    }
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let mut rng = Rng::new(26);
    let mut conv = Conv2d::<f32>::glorot_uniform(3, 8, 3, &mut rng);
    for b in conv.params_mut()[1].data.iter_mut() {
        *b = 0.1;
    }
    let n = 7 * 3 * 9 * 11;
    let x = Tensor::new(
        vec![7, 3, 9, 11],
        (0..n).map(|_| rng.uniform(-1.0, 1.0) as f32).collect(),
    )
    .unwrap();
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let y = conv.forward(&x);
            let r = Layer::<f32>::forward(&Relu, &y);
            let p = Layer::<f32>::forward(&MaxPool2d::new(2), &r);
            let dp = Tensor::new(
                p.shape().to_vec(),
                p.data().iter().map(|v| v * 0.5).collect(),
            )
            .unwrap();
            let dr = Layer::<f32>::backward(&MaxPool2d::new(2), &r, &p, &dp, None);
            let dy = Layer::<f32>::backward(&Relu, &y, &r, &dr, None);
            let mut g = vec![vec![0.0f32; 8 * 27], vec![0.0f32; 8]];
            let dx = conv.backward(&x, &y, &dy, Some(&mut g));
            (y, p, dx, g)
        })
    };
    let a = run(1);
    let b = run(3);
    assert_eq!(a.0, b.0);
    assert_eq!(a.1, b.1);
    assert_eq!(a.2, b.2);
    assert_eq!(a.3, b.3);
}

#[test]
fn layer_specs_round_trip_and_bad_shapes_are_named() {
    let specs = vec![
        LayerSpec::Conv2d {
            in_channels: 1,
            out_channels: 2,
            kernel_size: 3,
        },
        LayerSpec::MaxPool2d { size: 2 },
        LayerSpec::Flatten,
        LayerSpec::Dense {
            inputs: 2 * 3 * 3,
            units: 2,
        },
    ];
    let json = serde_json::to_string(&specs).unwrap();
    assert!(json.contains(r#"{"type":"conv2d","in_channels":1,"out_channels":2,"kernel_size":3}"#));
    assert!(json.contains(r#"{"type":"max_pool2d","size":2}"#));
    let back: Vec<LayerSpec> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, specs);
    let net = Sequential::<f32>::from_specs(vec![1, 6, 7], &specs).unwrap();
    assert_eq!(net.output_shape().unwrap(), [2]);
    let err = Sequential::<f32>::from_specs(vec![2, 6, 7], &specs).unwrap_err();
    assert!(err.starts_with("layer 0 (conv2d): conv2d expects"), "{err}");
    let err = Sequential::<f32>::from_specs(vec![1, 8, 8], &specs).unwrap_err();
    assert!(err.starts_with("layer 3 (dense)"), "{err}");
    let bad = [LayerSpec::Conv2d {
        in_channels: 1,
        out_channels: 2,
        kernel_size: 0,
    }];
    assert!(Sequential::<f32>::from_specs(vec![1, 4, 4], &bad).is_err());
    // Glorot bounds for a conv: a = sqrt(6 / ((1 + 2) * 9)).
    let mut net = Sequential::<f64>::from_specs(vec![1, 6, 7], &specs).unwrap();
    net.init_glorot(3);
    let a = (6.0f64 / 27.0).sqrt();
    let w = &net.params()[0].data;
    assert!(w.iter().all(|v| v.abs() < a) && w.iter().any(|v| v.abs() > 0.5 * a));
    let _ = Dense::<f64>::zeros(1, 1);
}

#[test]
fn inference_forward_equals_the_traced_forward_bit_for_bit() {
    // `Sequential::forward` hands each activation to the next layer by value (ReLU works in its
    // buffer); `forward_trace` keeps every activation and uses `Layer::forward`. Both must give
    // the same bits.
    let net = small_cnn(31);
    let mut rng = Rng::new(32);
    let x = distinct_tensor(&mut rng, vec![3, 2, 6, 7]);
    let traced = net.forward_trace(x.clone());
    let direct = net.forward(&x);
    assert_eq!(direct.shape(), traced.last().unwrap().shape());
    for (a, b) in direct.data().iter().zip(traced.last().unwrap().data()) {
        assert_eq!(a.to_bits(), b.to_bits());
    }
    // ReLU by value and by reference, NaN and signed zeros included.
    let relu = Relu;
    let t = Tensor::new(
        vec![1, 6],
        vec![-1.5, 0.0, -0.0, 2.5, f64::NAN, f64::NEG_INFINITY],
    )
    .unwrap();
    let by_ref = Layer::<f64>::forward(&relu, &t);
    let by_value = Layer::<f64>::forward_owned(&relu, t);
    let bits = |t: &Tensor<f64>| t.data().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&by_ref), bits(&by_value));
    assert_eq!(by_value.data()[3], 2.5);
    assert_eq!(by_value.data()[4], 0.0);
}
