//! Deep trees (~20 levels, 37 features, too many for brute force): the fast TreeSHAP against the
//! independent classic recursion at 1e-9, local accuracy on every row, and results that do not
//! depend on the thread count.

mod tree_shap_support;

use glassbox_core::ndarray::Array2;
use glassbox_core::rng::Rng;
use glassbox_core::{Predict, SplitCondition, TreeEnsemble};
use glassbox_explain::ShapValues;
use glassbox_explain::shap::{tree_shap, tree_shap_classic};
use tree_shap_support::{assert_shap_close, deep_tree, leaf_formula_reference, random_rows};

const M: usize = 37;

fn deep_forest(seed: u64, n_trees: usize, n_points: usize) -> TreeEnsemble {
    let mut rng = Rng::new(seed);
    let trees: Vec<_> = (0..n_trees)
        .map(|_| deep_tree(&mut rng, M, n_points))
        .collect();
    TreeEnsemble {
        tree_output: vec![0; n_trees],
        tree_weight: vec![1.0 / n_trees as f64; n_trees],
        trees,
        base_offset: vec![0.0],
        n_features: M,
        n_outputs: 1,
        split: SplitCondition::LessOrEqual,
        feature_names: None,
    }
}

fn check_local_accuracy(e: &TreeEnsemble, x: &Array2<f64>, sv: ShapValues) {
    let pred = e.predict(x.view()).unwrap();
    let names = (0..M).map(|j| format!("x{j}")).collect();
    sv.into_explanation(x.clone(), names, vec!["y".into()], "tree-shap")
        .unwrap()
        .check_local_accuracy(pred.view(), 1e-9)
        .unwrap();
}

#[test]
fn fast_equals_classic_on_deep_trees() {
    let e = deep_forest(11, 4, 400);
    let depth = e.max_depth();
    assert!(
        (16..=40).contains(&depth),
        "test trees should be ~20 deep, got {depth}"
    );
    let mut rng = Rng::new(12);
    let x = random_rows(&mut rng, 12, M);
    let fast = tree_shap(&e, x.view()).unwrap();
    let classic = tree_shap_classic(&e, x.view()).unwrap();
    assert_shap_close(&fast, &classic, 1e-9, "deep: fast vs classic");
    // Many features are used, so the comparison is not vacuous.
    let nonzero = fast.values.iter().filter(|v| **v != 0.0).count();
    assert!(nonzero > 12 * 20, "only {nonzero} non-zero attributions");
    check_local_accuracy(&e, &x, fast);
    check_local_accuracy(&e, &x, classic);
}

#[test]
fn results_do_not_depend_on_thread_count() {
    let e = deep_forest(13, 3, 300);
    let mut rng = Rng::new(14);
    let x = random_rows(&mut rng, 40, M);
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| tree_shap(&e, x.view()).unwrap())
    };
    let one = run(1);
    assert_eq!(
        one,
        run(3),
        "values must be bit-identical for any thread count"
    );
    // Batching: each row alone gives the same bits as in the batch.
    for i in [0, 17, 39] {
        let row = x.slice(glassbox_core::ndarray::s![i..i + 1, ..]);
        let alone = tree_shap(&e, row).unwrap();
        assert_eq!(
            alone.values.index_axis(glassbox_core::ndarray::Axis(0), 0),
            one.values.index_axis(glassbox_core::ndarray::Axis(0), i)
        );
    }
}

/// Column-major (non-contiguous rows) input gives the same values.
#[test]
fn column_major_input() {
    let e = deep_forest(15, 2, 200);
    let mut rng = Rng::new(16);
    let x = random_rows(&mut rng, 5, M);
    let xt = x.t().to_owned();
    let a = tree_shap(&e, x.view()).unwrap();
    let b = tree_shap(&e, xt.t()).unwrap();
    assert_eq!(a, b);
}

/// A "caterpillar": a chain of `len` splits on distinct features `0..len` (feature order
/// shuffled), each with a leaf on one side, so one path carries `len` distinct features.
fn caterpillar(rng: &mut Rng, len: usize) -> glassbox_core::Tree {
    let mut feats: Vec<usize> = (0..len).collect();
    rng.shuffle(&mut feats);
    let mut t = glassbox_core::Tree::leaf(0.0, 0.0);
    t.left.clear();
    t.right.clear();
    t.feature.clear();
    t.threshold.clear();
    t.default_left.clear();
    t.missing.clear();
    t.cover.clear();
    t.value.clear();
    // Node 2i is the i-th split, node 2i + 1 its leaf; the chain continues on a random side.
    for (i, &f) in feats.iter().enumerate() {
        let (split, leaf, next) = (2 * i, 2 * i + 1, 2 * i + 2);
        let chain_left = rng.next_f64() < 0.5;
        let (l, r) = if chain_left {
            (next, leaf)
        } else {
            (leaf, next)
        };
        for _ in 0..2 {
            t.left.push(glassbox_core::LEAF);
            t.right.push(glassbox_core::LEAF);
            t.feature.push(0);
            t.threshold.push(0.0);
            t.default_left.push(true);
            t.missing.push(glassbox_core::Missing::Default);
            t.cover.push(0.0);
            t.value.push(0.0);
        }
        t.left[split] = l as u32;
        t.right[split] = r as u32;
        t.feature[split] = f as u32;
        t.threshold[split] = rng.next_f64();
        t.default_left[split] = rng.next_f64() < 0.5;
        t.value[leaf] = rng.normal();
        t.cover[leaf] = 1.0 + rng.below(5) as f64;
    }
    // The last chain node is a leaf.
    t.left.push(glassbox_core::LEAF);
    t.right.push(glassbox_core::LEAF);
    t.feature.push(0);
    t.threshold.push(0.0);
    t.default_left.push(true);
    t.missing.push(glassbox_core::Missing::Default);
    t.cover.push(1.0 + rng.below(5) as f64);
    t.value.push(rng.normal());
    for i in (0..len).rev() {
        let (l, r) = (t.left[2 * i] as usize, t.right[2 * i] as usize);
        t.cover[2 * i] = t.cover[l] + t.cover[r];
    }
    t
}

fn ensemble_of(trees: Vec<glassbox_core::Tree>, m: usize) -> TreeEnsemble {
    let n_trees = trees.len();
    TreeEnsemble {
        trees,
        tree_output: vec![0; n_trees],
        tree_weight: (0..n_trees).map(|i| 1.0 + i as f64 * 0.1).collect(),
        base_offset: vec![0.5],
        n_features: m,
        n_outputs: 1,
        split: SplitCondition::Less,
        feature_names: None,
    }
}

/// Trees needing different numbers of quadrature points in one ensemble (1 to 5 lanes of four
/// points), against the classic algorithm.
#[test]
fn mixed_quadrature_widths() {
    let mut rng = Rng::new(17);
    let m = 60;
    let mut trees = vec![deep_tree(&mut rng, m, 300), caterpillar(&mut rng, 3)];
    for len in [20, 33, 40] {
        trees.push(caterpillar(&mut rng, len));
    }
    trees.push(deep_tree(&mut rng, m, 100));
    let e = ensemble_of(trees, m);
    let x = random_rows(&mut rng, 20, m);
    let fast = tree_shap(&e, x.view()).unwrap();
    let classic = tree_shap_classic(&e, x.view()).unwrap();
    assert_shap_close(&fast, &classic, 1e-9, "mixed widths: fast vs classic");
    check_local_accuracy_m(&e, &x, fast);
}

/// Paths with 60 and 90 distinct features (30 and 45 quadrature points, beyond the compiled-in
/// widths) against the leaf-formula oracle, which has no cancellation. (The classic algorithm's
/// UNWIND loses digits on such paths: ~1e-12 at 60 features, ~1e-8 at 90, ~1e-4 at 118.)
#[test]
fn very_long_paths_match_the_leaf_formula() {
    let mut rng = Rng::new(18);
    let m = 90;
    let e = ensemble_of(
        vec![
            caterpillar(&mut rng, 60),
            caterpillar(&mut rng, 90),
            deep_tree(&mut rng, m, 60),
        ],
        m,
    );
    let x = random_rows(&mut rng, 4, m);
    let fast = tree_shap(&e, x.view()).unwrap();
    for i in 0..4 {
        let want = leaf_formula_reference(&e, &x.row(i).to_vec(), 0);
        let scale = want.iter().fold(1e-300f64, |a, v| a.max(v.abs()));
        for (j, &w) in want.iter().enumerate() {
            let got = fast.values[[i, j, 0]];
            assert!(
                (got - w).abs() <= 1e-12 * scale,
                "row {i} feature {j}: {got} vs {w}"
            );
        }
    }
    check_local_accuracy_m(&e, &x, fast);
}

/// The leaf-formula oracle itself agrees with brute force on small random trees.
#[test]
fn leaf_formula_oracle_matches_brute_force() {
    for seed in 0..20 {
        let mut rng = Rng::derive(19, seed);
        let m = 1 + rng.below(8);
        let mut spec = tree_shap_support::TreeSpec::small(m, 1 + rng.below(7));
        spec.inconsistent_covers = seed % 2 == 0;
        let e = tree_shap_support::random_ensemble(&mut rng, 3, m, 2, &spec);
        let x = random_rows(&mut rng, 2, m);
        let brute = glassbox_explain::shap::exact::tree_shap_brute_force(&e, x.view()).unwrap();
        for i in 0..2 {
            for o in 0..2 {
                let want = leaf_formula_reference(&e, &x.row(i).to_vec(), o);
                for (j, &w) in want.iter().enumerate() {
                    let b = brute.values[[i, j, o]];
                    assert!((b - w).abs() <= 1e-12 * (1.0 + b.abs()), "{b} vs {w}");
                }
            }
        }
    }
}

fn check_local_accuracy_m(e: &TreeEnsemble, x: &Array2<f64>, sv: ShapValues) {
    let pred = e.predict(x.view()).unwrap();
    let names = (0..e.n_features).map(|j| format!("x{j}")).collect();
    sv.into_explanation(x.clone(), names, vec!["y".into()], "tree-shap")
        .unwrap()
        .check_local_accuracy(pred.view(), 1e-9)
        .unwrap();
}
