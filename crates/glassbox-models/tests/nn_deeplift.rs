//! The engine's DeepLIFT (rescale) backward pass.
//!
//! Oracles: summation to delta, `sum_j m_j (x_j - r_j) = f(x) - f(r)`, on every pair at 1e-9
//! relative; and an independent naive implementation of the rescale rule written here with
//! plain loops over the weights (no engine code), compared at 1e-12.

use glassbox_core::Predict;
use glassbox_core::differentiable::{DeepLift, Differentiable};
use glassbox_core::ndarray::{Array2, ArrayView1};
use glassbox_core::rng::Rng;
use glassbox_models::nn::{LayerSpec, Mlp, MlpParams, Sequential, TargetTransform, mlp_specs};

fn random_mlp(seed: u64, inputs: usize, hidden: &[usize], outputs: usize) -> Mlp {
    let mut net =
        Sequential::<f32>::from_specs(vec![inputs], &mlp_specs(inputs, hidden, outputs)).unwrap();
    net.init_glorot(seed);
    let mut rng = Rng::new(seed ^ 0xABCD);
    for p in net.params_mut() {
        if p.name == "bias" {
            for b in &mut p.data {
                *b = rng.uniform(-0.5, 0.5) as f32;
            }
        }
    }
    let target = TargetTransform {
        kind: glassbox_models::nn::TargetScaling::MinMax,
        offset: vec![3.0; outputs],
        scale: vec![250.0; outputs],
    };
    Mlp::from_network(&net, target, MlpParams::default()).unwrap()
}

/// Naive DeepLIFT rescale for a Dense/ReLU stack, from the weights alone.
fn naive_multipliers(
    mlp: &Mlp,
    x: ArrayView1<'_, f64>,
    r: ArrayView1<'_, f64>,
    output: usize,
) -> Vec<f64> {
    // Forward both inputs keeping pre-activations; collect (weight, bias) per dense layer.
    let mut dense: Vec<(Vec<f64>, Vec<f64>, usize, usize)> = Vec::new();
    for layer in mlp.network().layers() {
        if let LayerSpec::Dense { inputs, units } = layer.spec() {
            let ps = layer.params();
            dense.push((ps[0].data.clone(), ps[1].data.clone(), inputs, units));
        }
    }
    let (mut ax, mut ar) = (x.to_vec(), r.to_vec());
    let mut pre: Vec<(Vec<f64>, Vec<f64>)> = Vec::new();
    for (l, (w, b, nin, nout)) in dense.iter().enumerate() {
        let lin = |a: &[f64]| -> Vec<f64> {
            (0..*nout)
                .map(|u| b[u] + (0..*nin).map(|i| w[u * nin + i] * a[i]).sum::<f64>())
                .collect()
        };
        let (zx, zr) = (lin(&ax), lin(&ar));
        if l + 1 < dense.len() {
            ax = zx.iter().map(|v| v.max(0.0)).collect();
            ar = zr.iter().map(|v| v.max(0.0)).collect();
            pre.push((zx, zr));
        }
    }
    // Backward: start at one-hot(output) times the target scale.
    let k = dense.last().unwrap().3;
    let mut m: Vec<f64> = (0..k)
        .map(|o| {
            if o == output {
                mlp.target_transform().scale[o]
            } else {
                0.0
            }
        })
        .collect();
    for l in (0..dense.len()).rev() {
        let (w, _, nin, nout) = &dense[l];
        let mut mi = vec![0.0; *nin];
        for u in 0..*nout {
            for i in 0..*nin {
                mi[i] += m[u] * w[u * nin + i];
            }
        }
        if l > 0 {
            let (zx, zr) = &pre[l - 1];
            for i in 0..*nin {
                let (a, c) = (zx[i], zr[i]);
                let s = if a == c {
                    if a > 0.0 { 1.0 } else { 0.0 }
                } else {
                    (a.max(0.0) - c.max(0.0)) / (a - c)
                };
                mi[i] *= s;
            }
        }
        m = mi;
    }
    m
}

#[test]
fn summation_to_delta_on_every_pair() {
    let mlp = random_mlp(11, 6, &[10, 10, 10], 2);
    let mut rng = Rng::new(12);
    let x = Array2::from_shape_fn((600, 6), |_| rng.uniform(-2.0, 2.0));
    let r = Array2::from_shape_fn((600, 6), |_| rng.uniform(-2.0, 2.0));
    let (fx, fr) = (
        mlp.predict(x.view()).unwrap(),
        mlp.predict(r.view()).unwrap(),
    );
    for output in 0..2 {
        let m = mlp
            .deeplift_multipliers(x.view(), r.view(), output)
            .unwrap();
        for p in 0..600 {
            let sum: f64 = (0..6).map(|j| m[[p, j]] * (x[[p, j]] - r[[p, j]])).sum();
            let want = fx[[p, output]] - fr[[p, output]];
            let scale = want.abs().max(fx[[p, output]].abs()).max(1e-300);
            assert!(
                (sum - want).abs() <= 1e-9 * scale,
                "pair {p} output {output}: {sum} vs {want}"
            );
        }
    }
}

#[test]
fn multipliers_match_an_independent_naive_implementation() {
    let mlp = random_mlp(21, 5, &[7, 4], 3);
    let mut rng = Rng::new(22);
    let x = Array2::from_shape_fn((40, 5), |_| rng.uniform(-2.0, 2.0));
    let r = Array2::from_shape_fn((40, 5), |_| rng.uniform(-2.0, 2.0));
    for output in 0..3 {
        let m = mlp
            .deeplift_multipliers(x.view(), r.view(), output)
            .unwrap();
        for p in 0..40 {
            let want = naive_multipliers(&mlp, x.row(p), r.row(p), output);
            for j in 0..5 {
                assert!(
                    (m[[p, j]] - want[j]).abs() <= 1e-12 * want[j].abs().max(1.0),
                    "pair {p} feature {j}"
                );
            }
        }
    }
}

#[test]
fn equal_input_and_reference_give_the_gradient() {
    let mlp = random_mlp(31, 4, &[6, 6], 1);
    let mut rng = Rng::new(32);
    let x = Array2::from_shape_fn((20, 4), |_| rng.uniform(-2.0, 2.0));
    let m = mlp.deeplift_multipliers(x.view(), x.view(), 0).unwrap();
    let g = mlp.input_gradients(x.view(), 0).unwrap();
    assert_eq!(m, g);
}

#[test]
fn pairs_straddling_zero_by_less_than_1e_6_keep_summation_to_delta() {
    // One hidden unit z = x (weight 1, bias 0), output 1000 * relu(z). With x = 4e-7 and
    // r = -4e-7 shap's 1e-6 fallback would use the gradient (1) and claim Δf = 1000 * 8e-7,
    // while the true Δf is 1000 * 4e-7; the exact secant (1/2) gets it right.
    let mut net = Sequential::<f32>::from_specs(vec![1], &mlp_specs(1, &[1], 1)).unwrap();
    for p in net.params_mut() {
        p.data.fill(if p.name == "weight" { 1.0 } else { 0.0 });
    }
    for p in net.params_mut().into_iter().skip(2) {
        if p.name == "weight" {
            p.data[0] = 1000.0;
        }
    }
    let mlp = Mlp::from_network(&net, TargetTransform::identity(1), MlpParams::default()).unwrap();
    let x = Array2::from_elem((1, 1), 4e-7);
    let r = Array2::from_elem((1, 1), -4e-7);
    let m = mlp.deeplift_multipliers(x.view(), r.view(), 0).unwrap();
    assert_eq!(m[[0, 0]], 500.0);
    let delta = mlp.predict(x.view()).unwrap()[[0, 0]] - mlp.predict(r.view()).unwrap()[[0, 0]];
    assert!((m[[0, 0]] * 8e-7 - delta).abs() <= 1e-15);
}

#[test]
fn shape_errors() {
    let mlp = random_mlp(41, 3, &[2], 1);
    let x = Array2::zeros((4, 3));
    assert!(
        mlp.deeplift_multipliers(x.view(), Array2::zeros((3, 3)).view(), 0)
            .is_err()
    );
    assert!(
        mlp.deeplift_multipliers(x.view(), Array2::zeros((4, 2)).view(), 0)
            .is_err()
    );
    assert!(mlp.deeplift_multipliers(x.view(), x.view(), 1).is_err());
    assert!(mlp.predict(Array2::zeros((2, 4)).view()).is_err());
}
