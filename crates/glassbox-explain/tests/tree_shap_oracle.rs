//! Path-dependent TreeSHAP (fast and classic) against the brute-force oracle: Shapley values over
//! all `2^M` coalitions of the path-dependent value function, which shares no code with either
//! algorithm. Random small trees and forests, repeated features on paths, missing values with all
//! three missing semantics, both split conditions, zero and inconsistent covers, several outputs,
//! tree weights and base offsets; tolerance 1e-9 relative.

mod tree_shap_support;

use glassbox_core::ndarray::{Array2, array};
use glassbox_core::rng::Rng;
use glassbox_core::{LEAF, Missing, Predict, SplitCondition, Tree, TreeEnsemble};
use glassbox_explain::ExplainError;
use glassbox_explain::shap::exact::{
    path_dependent_value, shapley_brute_force, tree_shap_brute_force,
};
use glassbox_explain::shap::{tree_shap, tree_shap_classic};
use tree_shap_support::{TreeSpec, assert_shap_close, random_ensemble, random_rows};

const RTOL: f64 = 1e-9;

fn check_against_oracle(e: &TreeEnsemble, x: &Array2<f64>, what: &str) {
    let oracle = tree_shap_brute_force(e, x.view()).unwrap();
    let fast = tree_shap(e, x.view()).unwrap();
    let classic = tree_shap_classic(e, x.view()).unwrap();
    assert_shap_close(
        &fast,
        &oracle,
        RTOL,
        &format!("{what}: fast vs brute force"),
    );
    assert_shap_close(
        &classic,
        &oracle,
        RTOL,
        &format!("{what}: classic vs brute force"),
    );
    // Local accuracy against the model's own prediction, every row and output.
    let pred = e.predict(x.view()).unwrap();
    let names = (0..e.n_features).map(|j| format!("f{j}")).collect();
    let outs = (0..e.n_outputs).map(|o| format!("y{o}")).collect();
    fast.into_explanation(x.clone(), names, outs, "tree-shap")
        .unwrap()
        .check_local_accuracy(pred.view(), RTOL)
        .unwrap_or_else(|err| panic!("{what}: {err}"));
}

/// The core crate's example tree, x0 <= 0.5 ? (x1 <= 2 ? 1 : 2) : 3 with covers 10 = 6 + 4 and
/// 6 = 2 + 4, worked by hand at x = (0, 0): v() = 2.2, v(0) = 5/3, v(1) = 1.8, v(0, 1) = 1, so
/// phi_0 = ((5/3 - 2.2) + (1 - 1.8)) / 2 = -2/3 and phi_1 = ((1.8 - 2.2) + (1 - 5/3)) / 2 = -8/15.
#[test]
fn hand_worked_example() {
    let tree = Tree {
        left: vec![1, 3, LEAF, LEAF, LEAF],
        right: vec![2, 4, LEAF, LEAF, LEAF],
        feature: vec![0, 1, 0, 0, 0],
        threshold: vec![0.5, 2.0, 0.0, 0.0, 0.0],
        default_left: vec![false, true, true, true, true],
        missing: vec![Missing::Default; 5],
        cover: vec![10.0, 6.0, 4.0, 2.0, 4.0],
        value: vec![0.0, 0.0, 3.0, 1.0, 2.0],
    };
    let e = TreeEnsemble {
        trees: vec![tree],
        tree_output: vec![0],
        tree_weight: vec![1.0],
        base_offset: vec![0.0],
        n_features: 2,
        n_outputs: 1,
        split: SplitCondition::LessOrEqual,
        feature_names: None,
    };
    let x = [0.0, 0.0];
    assert!((path_dependent_value(&e, &x, 0b01, 0) - 5.0 / 3.0).abs() < 1e-15);
    assert!((path_dependent_value(&e, &x, 0b10, 0) - 1.8).abs() < 1e-15);
    let phi = shapley_brute_force(2, |s| path_dependent_value(&e, &x, s, 0));
    assert!(
        (phi[0] + 2.0 / 3.0).abs() < 1e-15 && (phi[1] + 8.0 / 15.0).abs() < 1e-15,
        "{phi:?}"
    );
    for sv in [
        tree_shap(&e, array![[0.0, 0.0]].view()).unwrap(),
        tree_shap_classic(&e, array![[0.0, 0.0]].view()).unwrap(),
    ] {
        assert!(
            (sv.values[[0, 0, 0]] + 2.0 / 3.0).abs() < 1e-15,
            "{}",
            sv.values
        );
        assert!(
            (sv.values[[0, 1, 0]] + 8.0 / 15.0).abs() < 1e-15,
            "{}",
            sv.values
        );
        assert!((sv.base_values[[0, 0]] - 2.2).abs() < 1e-15);
    }
}

#[test]
fn single_random_trees_match_brute_force() {
    for seed in 0..60 {
        let mut rng = Rng::derive(1, seed);
        let m = 1 + rng.below(8);
        let depth = 1 + rng.below(8);
        let e = random_ensemble(&mut rng, 1, m, 1, &TreeSpec::small(m, depth));
        let x = random_rows(&mut rng, 4, m);
        check_against_oracle(&e, &x, &format!("tree seed {seed}"));
    }
}

#[test]
fn random_forests_with_outputs_weights_and_offsets_match_brute_force() {
    for seed in 0..25 {
        let mut rng = Rng::derive(2, seed);
        let m = 2 + rng.below(9); // up to 10 features
        let k = 1 + rng.below(3);
        let n_trees = 1 + rng.below(6);
        let mut spec = TreeSpec::small(m - 1, 1 + rng.below(8)); // last feature is a dummy
        spec.zero_cover_prob = 0.2;
        let e = random_ensemble(&mut rng, n_trees, m, k, &spec);
        let x = random_rows(&mut rng, 3, m);
        check_against_oracle(&e, &x, &format!("forest seed {seed}"));
    }
}

#[test]
fn inconsistent_covers_still_match_brute_force() {
    for seed in 0..20 {
        let mut rng = Rng::derive(3, seed);
        let m = 2 + rng.below(6);
        let mut spec = TreeSpec::small(m, 2 + rng.below(6));
        spec.inconsistent_covers = true;
        let e = random_ensemble(&mut rng, 2, m, 1, &spec);
        let x = random_rows(&mut rng, 3, m);
        check_against_oracle(&e, &x, &format!("inconsistent seed {seed}"));
    }
}

/// Deep chains that split on one feature over and over (a path with many repeats) plus zero
/// covers on branches `x` both takes and misses.
#[test]
fn repeated_features_and_zero_covers() {
    let mut rng = Rng::new(4);
    for case in 0..10 {
        let mut spec = TreeSpec::small(2, 10);
        spec.split_prob = 0.9;
        spec.zero_cover_prob = 0.3 + 0.05 * case as f64;
        let e = random_ensemble(&mut rng, 2, 3, 2, &spec);
        let x = random_rows(&mut rng, 5, 3);
        check_against_oracle(&e, &x, &format!("repeats case {case}"));
    }
}

#[test]
fn base_values_equal_expected_value_for_consistent_covers() {
    let mut rng = Rng::new(5);
    let mut spec = TreeSpec::small(5, 7);
    spec.zero_cover_prob = 0.0;
    let e = random_ensemble(&mut rng, 8, 6, 3, &spec);
    let x = random_rows(&mut rng, 2, 6);
    let want = e.expected_value();
    for sv in [
        tree_shap(&e, x.view()).unwrap(),
        tree_shap_classic(&e, x.view()).unwrap(),
    ] {
        for i in 0..2 {
            for (o, &w) in want.iter().enumerate() {
                let got = sv.base_values[[i, o]];
                assert!((got - w).abs() <= 1e-12 * w.abs().max(1.0), "{got} vs {w}");
            }
        }
    }
}

#[test]
fn edge_cases_single_leaf_no_trees_no_rows() {
    let e = TreeEnsemble {
        trees: vec![Tree::leaf(4.0, 3.0)],
        tree_output: vec![0],
        tree_weight: vec![0.5],
        base_offset: vec![1.0],
        n_features: 3,
        n_outputs: 1,
        split: SplitCondition::LessOrEqual,
        feature_names: None,
    };
    let x = array![[0.1, f64::NAN, 2.0]];
    for sv in [
        tree_shap(&e, x.view()).unwrap(),
        tree_shap_classic(&e, x.view()).unwrap(),
    ] {
        assert!(sv.values.iter().all(|&v| v == 0.0));
        assert_eq!(sv.base_values[[0, 0]], 3.0);
    }
    let empty = TreeEnsemble {
        trees: vec![],
        tree_output: vec![],
        tree_weight: vec![],
        ..e.clone()
    };
    let sv = tree_shap(&empty, x.view()).unwrap();
    assert_eq!(sv.base_values[[0, 0]], 1.0);
    let none = Array2::<f64>::zeros((0, 3));
    let sv = tree_shap(&e, none.view()).unwrap();
    assert_eq!(sv.values.dim(), (0, 3, 1));
    assert_eq!(sv.base_values.dim(), (0, 1));
}

#[test]
fn bad_input_is_a_typed_error() {
    let mut rng = Rng::new(6);
    let e = random_ensemble(&mut rng, 2, 4, 1, &TreeSpec::small(4, 3));
    let wrong_width = Array2::<f64>::zeros((2, 3));
    for r in [
        tree_shap(&e, wrong_width.view()),
        tree_shap_classic(&e, wrong_width.view()),
        tree_shap_brute_force(&e, wrong_width.view()),
    ] {
        let err = r.unwrap_err();
        assert!(matches!(err, ExplainError::Core(_)), "{err}");
        assert!(err.to_string().contains("4 features"), "{err}");
    }
    let mut broken = e.clone();
    broken.trees[0].feature[0] = 9;
    assert!(
        !broken.trees[0].is_leaf(0),
        "the root of a random tree always splits"
    );
    let x = Array2::<f64>::zeros((1, 4));
    assert!(tree_shap(&broken, x.view()).is_err());
    assert!(tree_shap_classic(&broken, x.view()).is_err());
    let mut bad_weight = e;
    bad_weight.tree_weight[1] = f64::NAN;
    assert!(tree_shap(&bad_weight, x.view()).is_err());
}

/// More rows than one block of the batched sweep (32), with zero-cover branches that some rows
/// of a block take and others miss: every row still matches brute force.
#[test]
fn blocks_of_rows_with_partly_zero_cover_branches_match_brute_force() {
    for seed in 0..6 {
        let mut rng = Rng::derive(6, seed);
        let m = 3 + rng.below(4);
        let mut spec = TreeSpec::small(m, 3 + rng.below(6));
        spec.zero_cover_prob = 0.35;
        let e = random_ensemble(&mut rng, 3, m, 2, &spec);
        let x = random_rows(&mut rng, 70, m);
        check_against_oracle(&e, &x, &format!("block seed {seed}"));
    }
}
