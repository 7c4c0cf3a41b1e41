//! Helpers shared by the deep_* tests: networks with hand-set or random weights, and a
//! brute-force interventional Shapley oracle that only calls `predict`.

#![allow(dead_code)]

use glassbox_core::Predict;
use glassbox_core::ndarray::{Array2, ArrayView1, ArrayView2};
use glassbox_core::rng::Rng;
use glassbox_models::nn::{Mlp, MlpParams, Sequential, TargetTransform, mlp_specs};

/// An MLP `inputs -> hidden... -> outputs` with the given (weight (units, inputs) row-major,
/// bias) per dense layer. Values must be exact in f32 for hand-computed expectations.
pub fn mlp(
    inputs: usize,
    hidden: &[usize],
    outputs: usize,
    layers: &[(Vec<f32>, Vec<f32>)],
) -> Mlp {
    let mut net =
        Sequential::<f32>::from_specs(vec![inputs], &mlp_specs(inputs, hidden, outputs)).unwrap();
    let mut params = net.params_mut();
    assert_eq!(params.len(), 2 * layers.len());
    for (l, (w, b)) in layers.iter().enumerate() {
        assert_eq!(
            params[2 * l].data.len(),
            w.len(),
            "weight size of dense layer {l}"
        );
        params[2 * l].data.copy_from_slice(w);
        params[2 * l + 1].data.copy_from_slice(b);
    }
    Mlp::from_network(
        &net,
        TargetTransform::identity(outputs),
        MlpParams::default(),
    )
    .unwrap()
}

/// An MLP with Glorot weights and random biases (so ReLUs cross zero in the data's range).
pub fn random_mlp(seed: u64, inputs: usize, hidden: &[usize], outputs: usize) -> Mlp {
    let mut net =
        Sequential::<f32>::from_specs(vec![inputs], &mlp_specs(inputs, hidden, outputs)).unwrap();
    net.init_glorot(seed);
    let mut rng = Rng::new(seed ^ 0x5EED);
    for p in net.params_mut() {
        if p.name == "bias" {
            for b in &mut p.data {
                *b = rng.uniform(-0.5, 0.5) as f32;
            }
        }
    }
    let target = TargetTransform {
        kind: glassbox_models::nn::TargetScaling::MinMax,
        offset: vec![5.0; outputs],
        scale: vec![40.0; outputs],
    };
    Mlp::from_network(&net, target, MlpParams::default()).unwrap()
}

pub fn uniform(rows: usize, cols: usize, seed: u64, lo: f64, hi: f64) -> Array2<f64> {
    let mut rng = Rng::new(seed);
    Array2::from_shape_fn((rows, cols), |_| rng.uniform(lo, hi))
}

/// Exact interventional Shapley values of output `output` at `x` over all 2^m coalitions:
/// `v(S) = mean_b f(x_S, b_notS)` over the background rows, φ_j = Σ_S |S|!(m-|S|-1)!/m! ·
/// (v(S ∪ j) - v(S)). Shares no code with the explainers: it only calls `predict`.
pub fn brute_force_shapley(
    model: &dyn Predict,
    x: ArrayView1<'_, f64>,
    background: ArrayView2<'_, f64>,
    output: usize,
) -> Vec<f64> {
    let m = x.len();
    assert!(m <= 12);
    let nb = background.nrows();
    let n_coal = 1usize << m;
    let mut pts = Array2::zeros((n_coal * nb, m));
    for s in 0..n_coal {
        for b in 0..nb {
            for j in 0..m {
                pts[[s * nb + b, j]] = if s >> j & 1 == 1 {
                    x[j]
                } else {
                    background[[b, j]]
                };
            }
        }
    }
    let f = model.predict(pts.view()).unwrap();
    let v: Vec<f64> = (0..n_coal)
        .map(|s| (0..nb).map(|b| f[[s * nb + b, output]]).sum::<f64>() / nb as f64)
        .collect();
    let fact = |k: usize| (1..=k).map(|i| i as f64).product::<f64>();
    let mut phi = vec![0.0; m];
    for (j, p) in phi.iter_mut().enumerate() {
        for s in 0..n_coal {
            if s >> j & 1 == 1 {
                continue;
            }
            let size = (s as u32).count_ones() as usize;
            *p += fact(size) * fact(m - size - 1) / fact(m) * (v[s | 1 << j] - v[s]);
        }
    }
    phi
}
