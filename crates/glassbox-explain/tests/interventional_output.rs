//! Probability-space interventional TreeSHAP: the exact transformed game against brute force,
//! shap's rescale rule against its definition, and the output-space plumbing.

// Index loops mirror the formulas being checked.
#![allow(clippy::needless_range_loop)]

mod interventional_common;

use glassbox_core::rng::Rng;
use glassbox_core::{LEAF, Missing, SplitCondition, Tree, TreeEnsemble};
use glassbox_explain::shap::interventional_tree_shap;
use glassbox_explain::shap::output::{
    MAX_EXACT_PLAYERS, OutputSpace, interventional_tree_shap_rescaled,
    interventional_tree_shap_transformed, sigmoid, sigmoid1, softmax,
};
use interventional_common::*;
use ndarray::Array2;

fn my_sigmoid(m: f64) -> f64 {
    1.0 / (1.0 + (-m).exp())
}

fn transformed_value(
    e: &TreeEnsemble,
    x: &[f64],
    bg: &[Vec<f64>],
    s: u64,
    g: &dyn Fn(&[f64]) -> f64,
) -> f64 {
    bg.iter()
        .map(|r| g(&predict(e, &hybrid(x, r, s))))
        .sum::<f64>()
        / bg.len() as f64
}

#[test]
fn exact_sigmoid_and_softmax_equal_brute_force() {
    for case in 0..40u64 {
        let mut rng = Rng::derive(31, case);
        let m = 1 + rng.below(7);
        let k = if case % 2 == 0 { 1 } else { 2 + rng.below(2) };
        let depth = 1 + rng.below(5);
        let e = random_ensemble(&mut rng, m, k, 4, depth, false);
        let xs = random_rows(&mut rng, 3, m, true);
        let bg = random_rows(&mut rng, 1 + (case as usize % 4), m, true);
        let transform = OutputSpace::Probability.transform(k).unwrap();
        let got = interventional_tree_shap_transformed(
            &e,
            to_array(&xs, m).view(),
            to_array(&bg, m).view(),
            transform,
        )
        .unwrap();
        for (i, x) in xs.iter().enumerate() {
            for o in 0..k {
                // Oracle transform written independently of the library's.
                let g = |mg: &[f64]| -> f64 {
                    if k == 1 {
                        my_sigmoid(mg[0])
                    } else {
                        mg[o].exp() / mg.iter().map(|v| v.exp()).sum::<f64>()
                    }
                };
                let phi = shapley(m, &|s| transformed_value(&e, x, &bg, s, &g));
                for j in 0..m {
                    assert_close(
                        got.values[[i, j, o]],
                        phi[j],
                        1e-9,
                        &format!("case {case} row {i} f{j} o{o}"),
                    );
                }
                assert_close(
                    got.base_values[[i, o]],
                    transformed_value(&e, x, &bg, 0, &g),
                    1e-12,
                    "base",
                );
                let total: f64 =
                    got.base_values[[i, o]] + (0..m).map(|j| got.values[[i, j, o]]).sum::<f64>();
                assert_close(total, g(&predict(&e, x)), 1e-9, "local accuracy");
            }
        }
    }
}

#[test]
fn identity_transform_equals_margin_explainer() {
    let mut rng = Rng::new(32);
    let m = 6;
    let e = random_ensemble(&mut rng, m, 2, 5, 5, false);
    let xs = to_array(&random_rows(&mut rng, 5, m, true), m);
    let bg = to_array(&random_rows(&mut rng, 6, m, true), m);
    fn identity(mg: &[f64], k: usize) -> f64 {
        mg[k]
    }
    let a = interventional_tree_shap_transformed(&e, xs.view(), bg.view(), identity).unwrap();
    let b = interventional_tree_shap(&e, xs.view(), bg.view()).unwrap();
    for (u, v) in a.values.iter().zip(b.values.iter()) {
        assert_close(*u, *v, 1e-9, "identity transform");
    }
    for (u, v) in a.base_values.iter().zip(b.base_values.iter()) {
        assert_close(*u, *v, 1e-12, "identity base");
    }
}

#[test]
fn rescaled_follows_shaps_definition() {
    for case in 0..20u64 {
        let mut rng = Rng::derive(33, case);
        let m = 1 + rng.below(6);
        let e = random_ensemble(&mut rng, m, 1, 4, 4, false);
        let xs = random_rows(&mut rng, 3, m, true);
        let bg = random_rows(&mut rng, 4, m, true);
        let got = interventional_tree_shap_rescaled(
            &e,
            to_array(&xs, m).view(),
            to_array(&bg, m).view(),
            sigmoid1,
        )
        .unwrap();
        for (i, x) in xs.iter().enumerate() {
            let fx = predict(&e, x)[0];
            let mut expect = vec![0.0; m];
            for r in &bg {
                let fr = predict(&e, r)[0];
                let margin_phi = shapley(m, &|s| predict(&e, &hybrid(x, r, s))[0]);
                let scale = if fx != fr {
                    (my_sigmoid(fx) - my_sigmoid(fr)) / (fx - fr)
                } else {
                    my_sigmoid(fx) * (1.0 - my_sigmoid(fx))
                };
                for j in 0..m {
                    expect[j] += margin_phi[j] * scale / bg.len() as f64;
                }
            }
            for j in 0..m {
                // The derivative is a symmetric difference where margins tie: 1e-8 there.
                assert_close(got.values[[i, j, 0]], expect[j], 1e-8, "rescale rule");
            }
            let total: f64 =
                got.base_values[[i, 0]] + (0..m).map(|j| got.values[[i, j, 0]]).sum::<f64>();
            assert_close(total, my_sigmoid(fx), 1e-9, "rescaled local accuracy");
        }
    }
}

/// x0 AND x1 in margin space, sigmoid on top: the rescale rule and the exact game differ when a
/// background row differs from x on both features, and the exact answer is symmetric.
#[test]
fn rescaled_is_not_the_exact_transformed_game() {
    let t = Tree {
        left: vec![1, LEAF, 3, LEAF, LEAF],
        right: vec![2, LEAF, 4, LEAF, LEAF],
        feature: vec![0, 0, 1, 0, 0],
        threshold: vec![0.5, 0.0, 0.5, 0.0, 0.0],
        default_left: vec![true; 5],
        missing: vec![Missing::Default; 5],
        cover: vec![4.0, 2.0, 2.0, 1.0, 1.0],
        value: vec![0.0, -2.0, 0.0, -2.0, 3.0],
    };
    let e = TreeEnsemble {
        trees: vec![t],
        tree_output: vec![0],
        tree_weight: vec![1.0],
        base_offset: vec![0.0],
        n_features: 2,
        n_outputs: 1,
        split: SplitCondition::LessOrEqual,
        feature_names: None,
    };
    let x = ndarray::array![[1.0, 1.0]];
    let bg = ndarray::array![[0.0, 0.0], [1.0, 0.0]];
    let exact = interventional_tree_shap_transformed(&e, x.view(), bg.view(), sigmoid).unwrap();
    let resc = interventional_tree_shap_rescaled(&e, x.view(), bg.view(), sigmoid1).unwrap();
    let (s3, sm2) = (my_sigmoid(3.0), my_sigmoid(-2.0));
    // Background row 1: only x1 matters, it gets s3 - sm2; row 0: symmetric, half each.
    let expect0 = 0.5 * (0.5 * (s3 - sm2));
    let expect1 = 0.5 * (0.5 * (s3 - sm2) + (s3 - sm2));
    assert_close(exact.values[[0, 0, 0]], expect0, 1e-12, "exact x0");
    assert_close(exact.values[[0, 1, 0]], expect1, 1e-12, "exact x1");
    // This AND game is already symmetric per row, so both rules agree here...
    assert_close(resc.values[[0, 0, 0]], expect0, 1e-12, "rescaled x0");
    // ...whereas a game with unequal margin credits does not (three-valued leaves).
    let mut e2 = e.clone();
    e2.trees[0].value = vec![0.0, -2.0, 0.0, 1.0, 3.0];
    let exact2 = interventional_tree_shap_transformed(&e2, x.view(), bg.view(), sigmoid).unwrap();
    let resc2 = interventional_tree_shap_rescaled(&e2, x.view(), bg.view(), sigmoid1).unwrap();
    let diff = (exact2.values[[0, 0, 0]] - resc2.values[[0, 0, 0]]).abs();
    assert!(
        diff > 1e-4,
        "rescale rule should differ from the exact game here, diff {diff}"
    );
}

#[test]
fn too_many_players_is_a_clear_error() {
    let m = MAX_EXACT_PLAYERS + 2;
    let trees: Vec<Tree> = (0..m)
        .map(|j| Tree {
            left: vec![1, LEAF, LEAF],
            right: vec![2, LEAF, LEAF],
            feature: vec![j as u32, 0, 0],
            threshold: vec![0.5, 0.0, 0.0],
            default_left: vec![true; 3],
            missing: vec![Missing::Default; 3],
            cover: vec![2.0, 1.0, 1.0],
            value: vec![0.0, 0.0, 1.0],
        })
        .collect();
    let e = TreeEnsemble {
        tree_output: vec![0; m],
        tree_weight: vec![0.1; m],
        trees,
        base_offset: vec![0.0],
        n_features: m,
        n_outputs: 1,
        split: SplitCondition::LessOrEqual,
        feature_names: None,
    };
    let x = Array2::from_elem((2, m), 1.0);
    let mut bg = Array2::from_elem((2, m), 1.0);
    bg.row_mut(1).fill(0.0);
    let msg = interventional_tree_shap_transformed(&e, x.view(), bg.view(), sigmoid)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("row 0 and background row 1"), "{msg}");
    assert!(msg.contains("at most 16"), "{msg}");
    // The same pair with only 16 differing features is fine and exact.
    for j in 16..m {
        bg[[1, j]] = 1.0;
    }
    let ok = interventional_tree_shap_transformed(&e, x.view(), bg.view(), sigmoid).unwrap();
    let total: f64 = ok.base_values[[0, 0]] + ok.values.index_axis(ndarray::Axis(0), 0).sum();
    assert_close(
        total,
        sigmoid1(0.1 * m as f64),
        1e-12,
        "local accuracy at the cap",
    );
    // Rescaled has no cap.
    interventional_tree_shap_rescaled(&e, x.view(), Array2::zeros((1, m)).view(), sigmoid1)
        .unwrap();
}

#[test]
fn output_space_plumbing() {
    assert_eq!(OutputSpace::parse("margin").unwrap(), OutputSpace::Margin);
    assert_eq!(
        OutputSpace::parse("probability").unwrap(),
        OutputSpace::Probability
    );
    let msg = OutputSpace::parse("prob").unwrap_err().to_string();
    assert!(
        msg.contains("'prob'") && msg.contains("'margin' or 'probability'"),
        "{msg}"
    );
    assert!(OutputSpace::Margin.transform(1).is_none());
    let g = OutputSpace::Probability.transform(1).unwrap();
    assert_close(g(&[0.3], 0), my_sigmoid(0.3), 1e-15, "sigmoid");
    let g = OutputSpace::Probability.transform(3).unwrap();
    let p: f64 = (0..3).map(|k| g(&[1.0, -2.0, 800.0], k)).sum();
    assert_close(p, 1.0, 1e-15, "softmax sums to 1 without overflow");
    assert_close(softmax(&[0.0, 0.0], 1), 0.5, 1e-15, "softmax");
    assert_eq!(sigmoid1(-800.0), 0.0);
    assert_eq!(sigmoid1(800.0), 1.0);
}

#[test]
fn output_entry_point_dispatches() {
    use glassbox_explain::shap::output::{ProbabilityMethod, interventional_tree_shap_output};
    let mut rng = Rng::new(34);
    let m = 4;
    let e1 = random_ensemble(&mut rng, m, 1, 3, 3, false);
    let e3 = random_ensemble(&mut rng, m, 3, 4, 3, false);
    let xs = to_array(&random_rows(&mut rng, 3, m, true), m);
    let bg = to_array(&random_rows(&mut rng, 3, m, true), m);
    let (x, b) = (xs.view(), bg.view());
    let run = |e: &TreeEnsemble, s, p| interventional_tree_shap_output(e, x, b, s, p);
    assert_eq!(
        run(&e1, OutputSpace::Margin, ProbabilityMethod::Exact).unwrap(),
        interventional_tree_shap(&e1, x, b).unwrap()
    );
    assert_eq!(
        run(&e1, OutputSpace::Probability, ProbabilityMethod::Exact).unwrap(),
        interventional_tree_shap_transformed(&e1, x, b, sigmoid).unwrap()
    );
    assert_eq!(
        run(&e1, OutputSpace::Probability, ProbabilityMethod::Rescaled).unwrap(),
        interventional_tree_shap_rescaled(&e1, x, b, sigmoid1).unwrap()
    );
    assert_eq!(
        run(&e3, OutputSpace::Probability, ProbabilityMethod::Exact).unwrap(),
        interventional_tree_shap_transformed(&e3, x, b, softmax).unwrap()
    );
    let msg = run(&e3, OutputSpace::Probability, ProbabilityMethod::Rescaled)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("3 outputs"), "{msg}");
}
