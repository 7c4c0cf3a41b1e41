//! Path-dependent SHAP interaction values against the Shapley interaction index computed by
//! brute force over all coalitions, plus the structural properties.

// Index loops mirror the formulas being checked.
#![allow(clippy::needless_range_loop)]

mod interventional_common;

use glassbox_core::rng::Rng;
use glassbox_core::{LEAF, SplitCondition, TreeEnsemble};
use glassbox_explain::shap::tree_shap_interactions_conditional::tree_shap_interactions_conditional;
use glassbox_explain::shap::{InteractionValues, tree_shap_interactions};
use interventional_common::*;
use ndarray::{Array2, Axis, s};

/// Checks both algorithms (Gauss-Legendre per leaf, and shap's conditioning) against brute force;
/// returns the first.
fn check(e: &TreeEnsemble, xs: &[Vec<f64>]) -> InteractionValues {
    let m = e.n_features;
    let fast = tree_shap_interactions(e, to_array(xs, m).view()).unwrap();
    let cond = tree_shap_interactions_conditional(e, to_array(xs, m).view()).unwrap();
    check_one(e, xs, &fast);
    check_one(e, xs, &cond);
    // The quadrature algorithm adds each pair to both halves: symmetric bit for bit.
    for i in 0..xs.len() {
        for a in 0..m {
            for b in 0..m {
                for o in 0..e.n_outputs {
                    assert_eq!(fast.values[[i, a, b, o]], fast.values[[i, b, a, o]]);
                }
            }
        }
    }
    fast
}

fn check_one(e: &TreeEnsemble, xs: &[Vec<f64>], got: &InteractionValues) {
    let m = e.n_features;
    assert_eq!(got.values.dim(), (xs.len(), m, m, e.n_outputs));
    for (i, x) in xs.iter().enumerate() {
        for o in 0..e.n_outputs {
            let v = |s: u64| path_dependent_value(e, x, s, o);
            let phi = shapley(m, &v);
            let inter = interaction_index(m, &v);
            let base = v(0);
            assert_close(
                got.base_values[[i, o]],
                base,
                1e-12,
                "base value = v(empty)",
            );
            let mut total = got.base_values[[i, o]];
            for a in 0..m {
                let mut row = 0.0;
                for b in 0..m {
                    let g = got.values[[i, a, b, o]];
                    row += g;
                    total += g;
                    if a != b {
                        let what = format!("row {i} pair ({a},{b}) output {o}");
                        assert_close(g, inter[a][b], 1e-9, &what);
                        assert_close(g, got.values[[i, b, a, o]], 1e-9, "symmetry");
                    }
                }
                assert_close(row, phi[a], 1e-9, "row sums to the SHAP value");
            }
            assert_close(total, predict(e, x)[o], 1e-9, "all entries + base = f(x)");
        }
    }
}

#[test]
fn equals_brute_force_interaction_index_on_random_trees() {
    for case in 0..50u64 {
        let mut rng = Rng::derive(21, case);
        let m = 1 + rng.below(8);
        let k = 1 + rng.below(3);
        let depth = 1 + rng.below(6);
        let e = random_ensemble(&mut rng, m, k, 4, depth, false);
        let xs = random_rows(&mut rng, 3, m, true);
        check(&e, &xs);
    }
}

#[test]
fn deep_trees_with_repeated_features() {
    for case in 0..5u64 {
        let mut rng = Rng::derive(22, case);
        // Depth 10 over 4 features: every path repeats features.
        let e = random_ensemble(&mut rng, 4, 1, 2, 10, false);
        let xs = random_rows(&mut rng, 3, 4, true);
        check(&e, &xs);
    }
}

#[test]
fn zero_cover_nodes_stay_finite_and_exact() {
    for case in 0..30u64 {
        let mut rng = Rng::derive(23, case);
        let m = 2 + rng.below(5);
        let e = random_ensemble(&mut rng, m, 1, 3, 5, true);
        let xs = random_rows(&mut rng, 3, m, false);
        let got = check(&e, &xs);
        assert!(got.values.iter().all(|v| v.is_finite()));
    }
}

#[test]
fn additive_model_has_no_interactions() {
    let mut rng = Rng::new(24);
    let m = 5;
    let mut trees = vec![];
    for t in 0..10 {
        let mut tree = random_tree(&mut rng, 1, 4, false);
        for n in 0..tree.n_nodes() {
            if tree.left[n] != LEAF {
                tree.feature[n] = (t % m) as u32;
            }
        }
        trees.push(tree);
    }
    let e = TreeEnsemble {
        tree_output: vec![0; 10],
        tree_weight: vec![0.7; 10],
        trees,
        base_offset: vec![0.0],
        n_features: m,
        n_outputs: 1,
        split: SplitCondition::LessOrEqual,
        feature_names: None,
    };
    let xs = random_rows(&mut rng, 6, m, true);
    let got = check(&e, &xs);
    for i in 0..6 {
        for a in 0..m {
            for b in 0..m {
                if a != b {
                    assert_eq!(got.values[[i, a, b, 0]], 0.0, "({a},{b})");
                }
            }
        }
    }
    // The diagonal carries everything and is not trivially zero.
    assert!(got.values.iter().any(|v| v.abs() > 1e-6));
}

#[test]
fn shap_values_and_strongest_interaction() {
    let mut rng = Rng::new(25);
    let m = 6;
    let e = random_ensemble(&mut rng, m, 2, 5, 5, false);
    let xs = random_rows(&mut rng, 4, m, true);
    let got = tree_shap_interactions(&e, to_array(&xs, m).view()).unwrap();
    let sv = got.shap_values();
    assert_eq!(sv.values.dim(), (4, m, 2));
    for (i, x) in xs.iter().enumerate() {
        for o in 0..2 {
            let phi = shapley(m, &|s| path_dependent_value(&e, x, s, o));
            for j in 0..m {
                assert_close(sv.values[[i, j, o]], phi[j], 1e-9, "shap_values()");
            }
        }
    }
    let strongest = got.strongest_interaction(1);
    for i in 0..4 {
        for j in 0..m {
            let best = strongest[[i, j]];
            assert_ne!(best, j);
            let v = got.values[[i, j, best, 1]].abs();
            for q in (0..m).filter(|&q| q != j) {
                assert!(got.values[[i, j, q, 1]].abs() <= v);
            }
        }
    }
}

#[test]
fn independent_of_threads_and_batching() {
    let mut rng = Rng::new(26);
    let m = 6;
    let e = random_ensemble(&mut rng, m, 2, 6, 6, false);
    let xs = to_array(&random_rows(&mut rng, 17, m, true), m);
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| {
                (
                    tree_shap_interactions(&e, xs.view()).unwrap(),
                    tree_shap_interactions_conditional(&e, xs.view()).unwrap(),
                )
            })
    };
    let (a, c) = run(1);
    assert_eq!((a.clone(), c), run(3));
    let one = tree_shap_interactions(&e, xs.slice(s![5..6, ..])).unwrap();
    assert_eq!(
        one.values.index_axis(Axis(0), 0),
        a.values.index_axis(Axis(0), 5)
    );
}

#[test]
fn bad_input_is_rejected() {
    let mut rng = Rng::new(27);
    let e = random_ensemble(&mut rng, 3, 1, 2, 3, false);
    let msg = tree_shap_interactions(&e, Array2::zeros((2, 5)).view())
        .unwrap_err()
        .to_string();
    assert!(msg.contains("explained data has 5 columns"), "{msg}");
    let mut broken = e.clone();
    broken.trees[0].feature[0] = 9;
    assert!(tree_shap_interactions(&broken, Array2::zeros((1, 3)).view()).is_err());
    let mut wide = e.clone();
    wide.n_features = 40_000;
    let msg = tree_shap_interactions(&wide, Array2::zeros((1, 40_000)).view())
        .unwrap_err()
        .to_string();
    assert!(msg.contains("explain fewer rows"), "{msg}");
    let none = tree_shap_interactions(&e, Array2::zeros((0, 3)).view()).unwrap();
    assert_eq!(none.values.dim(), (0, 3, 3, 1));
}

/// A chain of depth 3000 cycling over 5 features (a degenerate tree, e.g. from boosting on a
/// sorted feature): no stack overflow, exact local accuracy, depth limits reported clearly.
#[test]
fn very_deep_chain_tree() {
    let depth = 3000;
    let n_nodes = 2 * depth + 1;
    let mut t = glassbox_core::Tree::leaf(0.0, 1.0);
    t.left = vec![LEAF; n_nodes];
    t.right = vec![LEAF; n_nodes];
    t.feature = vec![0; n_nodes];
    t.threshold = vec![0.0; n_nodes];
    t.default_left = vec![true; n_nodes];
    t.missing = vec![glassbox_core::Missing::Default; n_nodes];
    t.cover = vec![1.0; n_nodes];
    t.value = vec![0.0; n_nodes];
    // Node 2d splits at depth d; its left child 2d+1 is a leaf, the chain continues right.
    for d in 0..depth {
        let n = 2 * d;
        t.left[n] = (n + 1) as u32;
        t.right[n] = (n + 2) as u32;
        t.feature[n] = (d % 5) as u32;
        t.threshold[n] = -(d as f64) / depth as f64;
        t.cover[n] = (depth - d + 1) as f64;
        t.value[n + 1] = (d % 7) as f64 - 3.0;
    }
    t.value[n_nodes - 1] = 10.0;
    let e = TreeEnsemble {
        trees: vec![t],
        tree_output: vec![0],
        tree_weight: vec![1.0],
        base_offset: vec![0.0],
        n_features: 5,
        n_outputs: 1,
        split: SplitCondition::LessOrEqual,
        feature_names: None,
    };
    e.validate().unwrap();
    assert_eq!(e.max_depth(), depth);
    let xs = ndarray::array![[-0.5, -0.2, -0.9, -0.01, 0.0], [1.0, 1.0, 1.0, 1.0, 1.0]];
    let got = tree_shap_interactions(&e, xs.view()).unwrap();
    for i in 0..2 {
        let x = xs.row(i).to_vec();
        let total = got.base_values[[i, 0]] + got.values.index_axis(Axis(0), i).sum();
        assert_close(total, predict(&e, &x)[0], 1e-9, "deep chain local accuracy");
        let v = |s: u64| path_dependent_value(&e, &x, s, 0);
        let inter = interaction_index(5, &v);
        for a in 0..5 {
            for b in (0..5).filter(|&b| b != a) {
                assert_close(
                    got.values[[i, a, b, 0]],
                    inter[a][b],
                    1e-9,
                    "deep chain pair",
                );
            }
        }
    }
    let msg = tree_shap_interactions_conditional(&e, xs.view())
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("depth 3000") && msg.contains("at most 512"),
        "{msg}"
    );
}
