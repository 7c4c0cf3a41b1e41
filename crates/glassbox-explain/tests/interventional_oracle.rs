//! Interventional TreeSHAP against brute force over all coalitions, the Shapley axioms and a
//! closed form.

// Index loops mirror the formulas being checked.
#![allow(clippy::needless_range_loop)]

mod interventional_common;

use glassbox_core::rng::Rng;
use glassbox_core::{LEAF, Missing, SplitCondition, Tree, TreeEnsemble};
use glassbox_explain::ExplainError;
use glassbox_explain::shap::interventional_tree_shap;
use glassbox_explain::shap::tree_shap_interventional::MAX_BACKGROUND;
use interventional_common::*;
use ndarray::{Array2, Axis, s};

/// Checks every value and base value against the brute-force interventional game.
fn check_against_brute_force(e: &TreeEnsemble, xs: &[Vec<f64>], bg: &[Vec<f64>]) {
    let m = e.n_features;
    let got = interventional_tree_shap(e, to_array(xs, m).view(), to_array(bg, m).view()).unwrap();
    assert_eq!(got.values.dim(), (xs.len(), m, e.n_outputs));
    for (i, x) in xs.iter().enumerate() {
        for o in 0..e.n_outputs {
            let phi = shapley(m, &|s| interventional_value(e, x, bg, s, o));
            for j in 0..m {
                assert_close(
                    got.values[[i, j, o]],
                    phi[j],
                    1e-9,
                    &format!("row {i} feature {j} output {o}"),
                );
            }
            let base = interventional_value(e, x, bg, 0, o);
            assert_close(got.base_values[[i, o]], base, 1e-12, "base value");
            // Local accuracy: base + sum = f(x).
            let total = got.base_values[[i, o]] + got.values.slice(s![i, .., o]).sum();
            assert_close(total, predict(e, x)[o], 1e-9, "local accuracy");
        }
    }
}

#[test]
fn equals_brute_force_on_random_forests() {
    for case in 0..60u64 {
        let mut rng = Rng::derive(11, case);
        let m = 1 + rng.below(8);
        let k = 1 + rng.below(3);
        let depth = 1 + rng.below(6);
        let e = random_ensemble(&mut rng, m, k, 4, depth, false);
        let xs = random_rows(&mut rng, 3, m, true);
        let n_bg = 1 + rng.below(5);
        let bg = random_rows(&mut rng, n_bg, m, true);
        check_against_brute_force(&e, &xs, &bg);
    }
}

#[test]
fn equals_brute_force_with_ten_features_and_deep_trees() {
    for case in 0..4u64 {
        let mut rng = Rng::derive(12, case);
        let e = random_ensemble(&mut rng, 10, 2, 3, 9, false);
        let xs = random_rows(&mut rng, 2, 10, true);
        let bg = random_rows(&mut rng, 3, 10, true);
        check_against_brute_force(&e, &xs, &bg);
    }
}

/// A feature split on many times along one path, where x and r alternate sides.
#[test]
fn repeated_feature_on_a_path() {
    // f0 <= 1 ? (f1 <= 1 ? (f0 <= 0 ? 1 : 2) : (f0 <= 0.5 ? 3 : 4)) : (f0 <= 2 ? 5 : 6)
    let t = Tree {
        left: vec![1, 3, 5, 7, 9, LEAF, LEAF, LEAF, LEAF, LEAF, LEAF],
        right: vec![2, 4, 6, 8, 10, LEAF, LEAF, LEAF, LEAF, LEAF, LEAF],
        feature: vec![0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        threshold: vec![1.0, 1.0, 2.0, 0.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        default_left: vec![true; 11],
        missing: vec![Missing::Default; 11],
        cover: vec![8.0, 4.0, 4.0, 2.0, 2.0, 2.0, 2.0, 1.0, 1.0, 1.0, 1.0],
        value: vec![0.0, 0.0, 0.0, 0.0, 0.0, 5.0, 6.0, 1.0, 2.0, 3.0, 4.0],
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
    e.validate().unwrap();
    let pts = [-1.0, 0.25, 0.75, 1.5, 3.0];
    let mut xs = vec![];
    for &a in &pts {
        for &b in &[0.0, 2.0] {
            xs.push(vec![a, b]);
        }
    }
    check_against_brute_force(&e, &xs, &xs);
}

#[test]
fn dummy_features_get_zero() {
    let mut rng = Rng::new(5);
    // Trees only use features 0..3 of 6.
    let mut e = random_ensemble(&mut rng, 3, 1, 4, 5, false);
    e.n_features = 6;
    let xs = random_rows(&mut rng, 4, 6, true);
    let mut bg = random_rows(&mut rng, 5, 6, true);
    // Feature 2 equal in x and every background row: also a dummy for these games.
    for r in &mut bg {
        r[2] = xs[0][2];
    }
    let got =
        interventional_tree_shap(&e, to_array(&xs, 6).view(), to_array(&bg, 6).view()).unwrap();
    for i in 0..4 {
        for j in 3..6 {
            assert_eq!(got.values[[i, j, 0]], 0.0);
        }
    }
    assert_eq!(got.values[[0, 2, 0]], 0.0);
    assert!(
        got.values
            .slice(s![.., 0..2, 0])
            .iter()
            .any(|v| v.abs() > 1e-6)
    );
}

#[test]
fn linear_in_the_background() {
    let mut rng = Rng::new(6);
    let m = 5;
    let e = random_ensemble(&mut rng, m, 2, 5, 5, false);
    let xs = to_array(&random_rows(&mut rng, 4, m, true), m);
    let b1 = to_array(&random_rows(&mut rng, 3, m, true), m);
    let b2 = to_array(&random_rows(&mut rng, 7, m, true), m);
    let all = ndarray::concatenate(Axis(0), &[b1.view(), b2.view()]).unwrap();
    let p1 = interventional_tree_shap(&e, xs.view(), b1.view()).unwrap();
    let p2 = interventional_tree_shap(&e, xs.view(), b2.view()).unwrap();
    let p = interventional_tree_shap(&e, xs.view(), all.view()).unwrap();
    let expect = (&p1.values * 3.0 + &p2.values * 7.0) / 10.0;
    for (a, b) in p.values.iter().zip(expect.iter()) {
        assert_close(*a, *b, 1e-12, "background linearity");
    }
    let expect_base = (&p1.base_values * 3.0 + &p2.base_values * 7.0) / 10.0;
    for (a, b) in p.base_values.iter().zip(expect_base.iter()) {
        assert_close(*a, *b, 1e-12, "background linearity of the base value");
    }
}

/// Trees each splitting on one feature only: f(x) = sum_j f_j(x_j), so the closed form
/// phi_j = f_j(x_j) - mean_r f_j(r_j) holds.
#[test]
fn additive_model_closed_form() {
    let mut rng = Rng::new(7);
    let m = 6;
    let mut trees = vec![];
    let mut owner = vec![];
    for t in 0..12 {
        let j = t % m;
        let mut tree = random_tree(&mut rng, 1, 4, false);
        for n in 0..tree.n_nodes() {
            if tree.left[n] != LEAF {
                tree.feature[n] = j as u32;
            }
        }
        trees.push(tree);
        owner.push(j);
    }
    let e = TreeEnsemble {
        tree_output: vec![0; 12],
        tree_weight: (0..12).map(|_| rng.uniform(0.1, 2.0)).collect(),
        trees,
        base_offset: vec![0.3],
        n_features: m,
        n_outputs: 1,
        split: SplitCondition::Less,
        feature_names: None,
    };
    e.validate().unwrap();
    let xs = random_rows(&mut rng, 5, m, true);
    let bg = random_rows(&mut rng, 9, m, true);
    let got =
        interventional_tree_shap(&e, to_array(&xs, m).view(), to_array(&bg, m).view()).unwrap();
    let f_j = |j: usize, row: &[f64]| -> f64 {
        (0..12)
            .filter(|&t| owner[t] == j)
            .map(|t| e.tree_weight[t] * e.trees[t].predict_row(row, e.split))
            .sum()
    };
    for (i, x) in xs.iter().enumerate() {
        for j in 0..m {
            let expect = f_j(j, x) - bg.iter().map(|r| f_j(j, r)).sum::<f64>() / bg.len() as f64;
            assert_close(got.values[[i, j, 0]], expect, 1e-12, "additive closed form");
        }
    }
}

#[test]
fn symmetric_features_get_equal_values() {
    // f = 1[x0 > 0.5 and x1 > 0.5] built as a tree splitting x0 then x1.
    let t = Tree {
        left: vec![1, LEAF, 3, LEAF, LEAF],
        right: vec![2, LEAF, 4, LEAF, LEAF],
        feature: vec![0, 0, 1, 0, 0],
        threshold: vec![0.5, 0.0, 0.5, 0.0, 0.0],
        default_left: vec![true; 5],
        missing: vec![Missing::Default; 5],
        cover: vec![4.0, 2.0, 2.0, 1.0, 1.0],
        value: vec![0.0, 0.0, 0.0, 0.0, 1.0],
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
    let got = interventional_tree_shap(
        &e,
        ndarray::array![[1.0, 1.0]].view(),
        ndarray::array![[0.0, 0.0]].view(),
    )
    .unwrap();
    assert_eq!(got.values[[0, 0, 0]], 0.5);
    assert_eq!(got.values[[0, 1, 0]], 0.5);
    assert_eq!(got.base_values[[0, 0]], 0.0);
}

#[test]
fn independent_of_threads_and_batching() {
    let mut rng = Rng::new(8);
    let m = 7;
    let e = random_ensemble(&mut rng, m, 2, 6, 6, false);
    let xs = to_array(&random_rows(&mut rng, 23, m, true), m);
    let bg = to_array(&random_rows(&mut rng, 11, m, true), m);
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| interventional_tree_shap(&e, xs.view(), bg.view()).unwrap())
    };
    let a = run(1);
    let b = run(3);
    assert_eq!(a, b);
    // One row at a time gives the same bits; a non-contiguous view of x too.
    for i in [0, 9, 22] {
        let one =
            interventional_tree_shap(&e, xs.slice(s![i..i + 1, ..]).view(), bg.view()).unwrap();
        assert_eq!(
            one.values.index_axis(Axis(0), 0),
            a.values.index_axis(Axis(0), i)
        );
    }
    let xt = xs.t().to_owned();
    let strided = interventional_tree_shap(&e, xt.t(), bg.view()).unwrap();
    assert_eq!(strided, a);
}

#[test]
fn bad_input_is_rejected() {
    let mut rng = Rng::new(9);
    let e = random_ensemble(&mut rng, 3, 1, 2, 3, false);
    let x = Array2::<f64>::zeros((2, 3));
    let err = |x: ndarray::ArrayView2<'_, f64>, b: ndarray::ArrayView2<'_, f64>| {
        interventional_tree_shap(&e, x, b).unwrap_err().to_string()
    };
    assert!(err(Array2::zeros((2, 4)).view(), x.view()).contains("explained data has 4 columns"));
    assert!(err(x.view(), Array2::zeros((2, 2)).view()).contains("background data has 2 columns"));
    assert!(err(x.view(), Array2::zeros((0, 3)).view()).contains("no rows"));
    let huge = Array2::<f64>::zeros((MAX_BACKGROUND + 1, 3));
    assert!(err(x.view(), huge.view()).contains("at most 100000"));
    let mut broken = e.clone();
    broken.trees[0].feature[0] = 7;
    assert!(matches!(
        interventional_tree_shap(&broken, x.view(), x.view()),
        Err(ExplainError::Core(_))
    ));
    // No rows to explain is not an error.
    let none = interventional_tree_shap(&e, Array2::zeros((0, 3)).view(), x.view()).unwrap();
    assert_eq!(none.values.dim(), (0, 3, 1));
}

/// Renaming features (permuting the model's feature indices and the data's columns alike)
/// permutes the values and changes nothing else.
#[test]
fn invariant_to_feature_order() {
    let mut rng = Rng::new(10);
    let m = 6;
    let e = random_ensemble(&mut rng, m, 2, 5, 6, false);
    let xs = to_array(&random_rows(&mut rng, 5, m, true), m);
    let bg = to_array(&random_rows(&mut rng, 8, m, true), m);
    let perm = [3usize, 5, 0, 1, 4, 2]; // old feature j becomes perm[j]
    let mut e2 = e.clone();
    for t in &mut e2.trees {
        for n in 0..t.n_nodes() {
            if t.left[n] != LEAF {
                t.feature[n] = perm[t.feature[n] as usize] as u32;
            }
        }
    }
    let permute = |a: &Array2<f64>| {
        let mut b = a.clone();
        for j in 0..m {
            b.column_mut(perm[j]).assign(&a.column(j));
        }
        b
    };
    let a = interventional_tree_shap(&e, xs.view(), bg.view()).unwrap();
    let b = interventional_tree_shap(&e2, permute(&xs).view(), permute(&bg).view()).unwrap();
    for i in 0..5 {
        for j in 0..m {
            for o in 0..2 {
                assert_close(
                    b.values[[i, perm[j], o]],
                    a.values[[i, j, o]],
                    1e-12,
                    "permuted",
                );
            }
        }
    }
    assert_eq!(a.base_values, b.base_values);
}

/// A chain tree of depth 3000: the recursion must not overflow the stack, and the result is
/// still exact (local accuracy; brute force over its 5 features).
#[test]
fn very_deep_chain_tree() {
    let depth = 3000;
    let n_nodes = 2 * depth + 1;
    let mut t = Tree::leaf(0.0, 1.0);
    t.left = vec![LEAF; n_nodes];
    t.right = vec![LEAF; n_nodes];
    t.feature = vec![0; n_nodes];
    t.threshold = vec![0.0; n_nodes];
    t.default_left = vec![true; n_nodes];
    t.missing = vec![Missing::Default; n_nodes];
    t.cover = vec![1.0; n_nodes];
    t.value = vec![0.0; n_nodes];
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
    let xs = vec![vec![-0.5, -0.2, -0.9, -0.01, 0.0], vec![1.0; 5]];
    let bg = vec![vec![1.0; 5], vec![-0.3, 0.5, -0.7, -1.0, 0.2]];
    check_against_brute_force(&e, &xs, &bg);
}
