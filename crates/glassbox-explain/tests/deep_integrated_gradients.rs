//! Integrated Gradients: exact on linear networks for every rule and step count, the
//! hand-computed integral of a ReLU unit, completeness gap -> 0 as steps grow.

mod deep_common;

use deep_common::{mlp, random_mlp, uniform};
use glassbox_core::Predict;
use glassbox_core::ndarray::{Array2, array};
use glassbox_explain::deep::{IntegratedGradientsOptions, Riemann, integrated_gradients};

const RULES: [Riemann; 4] = [
    Riemann::Left,
    Riemann::Right,
    Riemann::Midpoint,
    Riemann::Trapezoid,
];

#[test]
fn rule_nodes_have_unit_weight_and_the_documented_positions() {
    for rule in RULES {
        for steps in [1, 2, 7, 50] {
            let nodes = rule.nodes(steps);
            let total: f64 = nodes.iter().map(|n| n.1).sum();
            assert!((total - 1.0).abs() < 1e-14, "{rule:?} {steps}");
            assert_eq!(
                nodes.len(),
                if rule == Riemann::Trapezoid {
                    steps + 1
                } else {
                    steps
                }
            );
        }
    }
    assert_eq!(Riemann::Midpoint.nodes(2), vec![(0.25, 0.5), (0.75, 0.5)]);
    assert_eq!(Riemann::Left.nodes(2), vec![(0.0, 0.5), (0.5, 0.5)]);
    assert_eq!(Riemann::Right.nodes(2), vec![(0.5, 0.5), (1.0, 0.5)]);
    assert_eq!(
        Riemann::Trapezoid.nodes(2),
        vec![(0.0, 0.25), (0.5, 0.5), (1.0, 0.25)]
    );
}

#[test]
fn linear_network_is_exact_for_every_rule() {
    let w = vec![1.5f32, -0.5, 2.0, 0.25, -1.0, 3.0];
    let model = mlp(3, &[], 2, &[(w.clone(), vec![0.5, -0.25])]);
    let x = uniform(10, 3, 1, -2.0, 2.0);
    let baseline = uniform(1, 3, 2, -1.0, 1.0);
    for rule in RULES {
        for steps in [1, 3, 50] {
            let r = integrated_gradients(
                &model,
                x.view(),
                baseline.view(),
                &IntegratedGradientsOptions { steps, rule },
            )
            .unwrap();
            for i in 0..10 {
                for o in 0..2 {
                    for j in 0..3 {
                        let want = w[o * 3 + j] as f64 * (x[[i, j]] - baseline[[0, j]]);
                        assert!(
                            (r.values.values[[i, j, o]] - want).abs()
                                <= 1e-12 * want.abs().max(1.0)
                        );
                    }
                    assert!(r.completeness_gap[[i, o]].abs() <= 1e-12);
                }
            }
        }
    }
}

#[test]
fn hand_computed_relu_integral() {
    // f = relu(x1 + 2 x2 - 1), baseline 0, x = (1, 1): along α(1, 1) the unit is on for α > 1/3
    // with gradient (1, 2), so IG = (1 · 2/3, 2 · 2/3) = (2/3, 4/3). Midpoint nodes (k + ½)/n
    // never hit 1/3 when n is a multiple of 3 and count exactly 2n/3 active nodes.
    let model = mlp(
        2,
        &[1],
        1,
        &[(vec![1.0, 2.0], vec![-1.0]), (vec![1.0], vec![0.0])],
    );
    let x = array![[1.0, 1.0]];
    let b = array![[0.0, 0.0]];
    for steps in [3, 6, 30, 300] {
        let r = integrated_gradients(
            &model,
            x.view(),
            b.view(),
            &IntegratedGradientsOptions {
                steps,
                rule: Riemann::Midpoint,
            },
        )
        .unwrap();
        assert!(
            (r.values.values[[0, 0, 0]] - 2.0 / 3.0).abs() < 1e-14,
            "steps {steps}"
        );
        assert!(
            (r.values.values[[0, 1, 0]] - 4.0 / 3.0).abs() < 1e-14,
            "steps {steps}"
        );
        assert!(r.completeness_gap[[0, 0]].abs() < 1e-14);
        assert_eq!(r.values.base_values[[0, 0]], 0.0);
    }
    // With 4 steps the midpoint nodes 1/8, 3/8, 5/8, 7/8 give 3 active of 4: gap 2 - 3/4 · 3.
    let r = integrated_gradients(
        &model,
        x.view(),
        b.view(),
        &IntegratedGradientsOptions {
            steps: 4,
            rule: Riemann::Midpoint,
        },
    )
    .unwrap();
    assert!((r.completeness_gap[[0, 0]] - (2.0 - 0.75 * 3.0)).abs() < 1e-14);
}

#[test]
fn completeness_gap_shrinks_as_steps_grow() {
    let model = random_mlp(5, 6, &[10, 10, 10], 1);
    let x = uniform(40, 6, 6, -1.5, 1.5);
    let baseline = Array2::zeros((1, 6));
    let delta: f64 = {
        let fx = model.predict(x.view()).unwrap();
        let fb = model.predict(baseline.view()).unwrap()[[0, 0]];
        fx.iter().map(|v| (v - fb).abs()).sum::<f64>() / 40.0
    };
    for rule in RULES {
        let gap = |steps: usize| {
            let r = integrated_gradients(
                &model,
                x.view(),
                baseline.view(),
                &IntegratedGradientsOptions { steps, rule },
            )
            .unwrap();
            r.completeness_gap.iter().map(|g| g.abs()).sum::<f64>() / 40.0
        };
        let gaps: Vec<f64> = [4, 32, 256, 2048].iter().map(|&s| gap(s)).collect();
        // Piecewise-linear network: the integrand jumps at kinks, so errors fall like 1/n.
        assert!(gaps[0] > 0.0, "{rule:?}: some rows must cross kinks");
        assert!(
            gaps[1] < gaps[0] && gaps[2] < gaps[1] && gaps[3] < gaps[2],
            "{rule:?}: {gaps:?}"
        );
        assert!(
            gaps[3] < 2e-3 * delta,
            "{rule:?}: mean gap {} vs mean |f(x)-f(b)| {delta}",
            gaps[3]
        );
    }
}

#[test]
fn per_row_baselines_and_errors() {
    let model = random_mlp(9, 4, &[5], 1);
    let x = uniform(6, 4, 10, -1.0, 1.0);
    let per_row = uniform(6, 4, 11, -1.0, 1.0);
    let opts = IntegratedGradientsOptions::default();
    let all = integrated_gradients(&model, x.view(), per_row.view(), &opts).unwrap();
    for i in 0..6 {
        let one = integrated_gradients(
            &model,
            x.slice(glassbox_core::ndarray::s![i..i + 1, ..]),
            per_row.slice(glassbox_core::ndarray::s![i..i + 1, ..]),
            &opts,
        )
        .unwrap();
        assert_eq!(
            one.values
                .values
                .index_axis(glassbox_core::ndarray::Axis(0), 0),
            all.values
                .values
                .index_axis(glassbox_core::ndarray::Axis(0), i)
        );
    }
    assert!(integrated_gradients(&model, x.view(), Array2::zeros((2, 4)).view(), &opts).is_err());
    assert!(integrated_gradients(&model, x.view(), Array2::zeros((1, 3)).view(), &opts).is_err());
    let zero = IntegratedGradientsOptions { steps: 0, ..opts };
    assert!(integrated_gradients(&model, x.view(), Array2::zeros((1, 4)).view(), &zero).is_err());
}
