//! CART semantics of the forest's trees, against hand calculations and a brute-force split
//! search that shares no code with the presorted builder.

use glassbox_core::rng::Rng;
use glassbox_core::{LEAF, Predict, SplitCondition, Tree};
use glassbox_models::forest::{MaxFeatures, RandomForest, RandomForestParams};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, array};

/// One tree on all samples (no bootstrap): a plain CART regression tree.
fn single_tree(x: ArrayView2<'_, f64>, y: ArrayView1<'_, f64>, p: RandomForestParams) -> Tree {
    let p = RandomForestParams {
        n_estimators: 1,
        bootstrap: false,
        ..p
    };
    let forest = p.fit(x, y).unwrap();
    forest.ensemble().trees[0].clone()
}

fn random_data(n: usize, m: usize, seed: u64, distinct: bool) -> (Array2<f64>, Array1<f64>) {
    let mut rng = Rng::new(seed);
    let x = Array2::from_shape_fn((n, m), |_| {
        if distinct {
            rng.next_f64()
        } else {
            rng.below(5) as f64 // many ties
        }
    });
    let y = Array1::from_shape_fn(n, |i| {
        x[[i, 0]] * 3.0 + (x[[i, m - 1]] * 2.0).sin() + 0.1 * rng.normal()
    });
    (x, y)
}

/// The samples (row indices into the training data) that reach each node.
fn samples_per_node(tree: &Tree, x: ArrayView2<'_, f64>) -> Vec<Vec<usize>> {
    let mut per = vec![Vec::new(); tree.n_nodes()];
    for (i, row) in x.rows().into_iter().enumerate() {
        let row = row.to_vec();
        let mut n = 0;
        loop {
            per[n].push(i);
            if tree.is_leaf(n) {
                break;
            }
            n = tree.next(n, &row, SplitCondition::LessOrEqual);
        }
    }
    per
}

fn sse(ys: &[f64]) -> f64 {
    let mean = ys.iter().sum::<f64>() / ys.len() as f64;
    ys.iter().map(|y| (y - mean) * (y - mean)).sum()
}

#[test]
fn step_function_splits_exactly_halfway() {
    // y jumps between x = 4 and x = 5: one split at 4.5, two pure leaves.
    let x = Array2::from_shape_fn((10, 1), |(i, _)| i as f64);
    let y = Array1::from_shape_fn(10, |i| if i < 5 { -2.0 } else { 3.0 });
    let t = single_tree(x.view(), y.view(), RandomForestParams::default());
    assert_eq!(t.n_nodes(), 3);
    assert_eq!(t.feature[0], 0);
    assert_eq!(t.threshold[0], 4.5);
    assert_eq!((t.left[0], t.right[0]), (1, 2));
    assert_eq!(t.value[1..], [-2.0, 3.0]);
    assert_eq!(t.cover, vec![10.0, 5.0, 5.0]);
    assert_eq!(t.value[0], 0.5); // (5 * -2 + 5 * 3) / 10
}

#[test]
fn hand_computed_tree_in_preorder() {
    // y = [1, 2, 10, 11] at x = [1, 2, 3, 4]. Root: SSE after the split at 2.5 is
    // 0.5 + 0.5 = 1, better than at 1.5 (0 + 62) or 3.5 (42 + 0). Then each pair splits
    // halfway. Preorder ids: 0 root, 1 = {1,2}, 2 and 3 its leaves, 4 = {10,11}, 5 and 6.
    let x = array![[1.0], [2.0], [3.0], [4.0]];
    let y = array![1.0, 2.0, 10.0, 11.0];
    let t = single_tree(x.view(), y.view(), RandomForestParams::default());
    assert_eq!(t.left, vec![1, 2, LEAF, LEAF, 5, LEAF, LEAF]);
    assert_eq!(t.right, vec![4, 3, LEAF, LEAF, 6, LEAF, LEAF]);
    assert_eq!(t.threshold[0], 2.5);
    assert_eq!(t.threshold[1], 1.5);
    assert_eq!(t.threshold[4], 3.5);
    assert_eq!(t.value, vec![6.0, 1.5, 1.0, 2.0, 10.5, 10.0, 11.0]);
    assert_eq!(t.cover, vec![4.0, 2.0, 1.0, 1.0, 2.0, 1.0, 1.0]);
}

#[test]
fn ties_in_x_and_unsplittable_nodes() {
    // Duplicate x values are never separated; the threshold sits between distinct values.
    let x = array![[1.0], [1.0], [2.0], [2.0], [3.0]];
    let y = array![0.0, 0.0, 1.0, 1.0, 1.0];
    let t = single_tree(x.view(), y.view(), RandomForestParams::default());
    assert_eq!(t.n_nodes(), 3);
    assert_eq!(t.threshold[0], 1.5);
    // Identical x, different y: no split exists, the node is a leaf with the mean.
    let x = array![[7.0], [7.0], [7.0]];
    let y = array![0.0, 1.0, 5.0];
    let t = single_tree(x.view(), y.view(), RandomForestParams::default());
    assert_eq!(t.n_nodes(), 1);
    assert_eq!(t.value[0], 2.0);
    // A pure node is not split even though x varies.
    let x = array![[1.0], [2.0], [3.0]];
    let y = array![4.0, 4.0, 4.0];
    assert_eq!(
        single_tree(x.view(), y.view(), RandomForestParams::default()).n_nodes(),
        1
    );
}

#[test]
fn ties_between_splits_are_broken_deterministically() {
    // y = [0, 1, 1, 0]: the splits at 1.5 and 3.5 are equally good (proxy 4/3 both);
    // the first threshold wins. Two identical features: the lower index wins.
    let x = array![[1.0, 1.0], [2.0, 2.0], [3.0, 3.0], [4.0, 4.0]];
    let y = array![0.0, 1.0, 1.0, 0.0];
    let p = RandomForestParams {
        max_depth: Some(1),
        ..Default::default()
    };
    let t = single_tree(x.view(), y.view(), p);
    assert_eq!((t.feature[0], t.threshold[0]), (0, 1.5));
}

#[test]
fn every_split_is_the_brute_force_best() {
    // Oracle: for every internal node, try every (feature, midpoint) on the node's samples with
    // a two-pass SSE; the tree's split must reach the minimum (up to rounding).
    for (seed, distinct) in [(1, true), (2, false), (3, true)] {
        let (x, y) = random_data(60, 4, seed, distinct);
        let t = single_tree(x.view(), y.view(), RandomForestParams::default());
        let per = samples_per_node(&t, x.view());
        for node in 0..t.n_nodes() {
            let idx = &per[node];
            let ys: Vec<f64> = idx.iter().map(|&i| y[i]).collect();
            if t.is_leaf(node) {
                // A leaf is pure or has no split at all (all rows identical).
                let pure = ys.iter().all(|&v| v == ys[0]);
                let same_x = idx.iter().all(|&i| x.row(i) == x.row(idx[0]));
                assert!(pure || same_x, "seed {seed}: leaf {node} could be split");
                continue;
            }
            let mut best = f64::INFINITY;
            for f in 0..x.ncols() {
                let mut vals: Vec<f64> = idx.iter().map(|&i| x[[i, f]]).collect();
                vals.sort_by(f64::total_cmp);
                vals.dedup();
                for w in vals.windows(2) {
                    let thr = (w[0] + w[1]) / 2.0;
                    let (l, r): (Vec<usize>, Vec<usize>) =
                        idx.iter().partition(|&&i| x[[i, f]] <= thr);
                    let s = sse(&l.iter().map(|&i| y[i]).collect::<Vec<_>>())
                        + sse(&r.iter().map(|&i| y[i]).collect::<Vec<_>>());
                    best = best.min(s);
                }
            }
            let l = &per[t.left[node] as usize];
            let r = &per[t.right[node] as usize];
            let got = sse(&l.iter().map(|&i| y[i]).collect::<Vec<_>>())
                + sse(&r.iter().map(|&i| y[i]).collect::<Vec<_>>());
            assert!(
                got <= best + 1e-9 * (1.0 + sse(&ys)),
                "seed {seed} node {node}: split SSE {got} > best {best}"
            );
            // Threshold exactly halfway between the neighbouring distinct values.
            let f = t.feature[node] as usize;
            let below = l
                .iter()
                .map(|&i| x[[i, f]])
                .fold(f64::NEG_INFINITY, f64::max);
            let above = r.iter().map(|&i| x[[i, f]]).fold(f64::INFINITY, f64::min);
            assert_eq!(t.threshold[node], below / 2.0 + above / 2.0);
            // The node value is the mean of its samples.
            let mean = ys.iter().sum::<f64>() / ys.len() as f64;
            assert!((t.value[node] - mean).abs() <= 1e-12 * (1.0 + mean.abs()));
        }
    }
}

#[test]
fn full_depth_tree_interpolates_training_data() {
    let (x, y) = random_data(80, 3, 4, true);
    let t = single_tree(x.view(), y.view(), RandomForestParams::default());
    for (i, row) in x.rows().into_iter().enumerate() {
        assert_eq!(
            t.predict_row(&row.to_vec(), SplitCondition::LessOrEqual),
            y[i]
        );
    }
    assert_eq!(t.n_leaves(), 80);
}

fn check_covers(forest: &RandomForest, n: usize) {
    for t in &forest.ensemble().trees {
        assert_eq!(t.cover[0], n as f64, "bootstrap draws n samples");
        for node in 0..t.n_nodes() {
            assert_eq!(t.cover[node].fract(), 0.0);
            if !t.is_leaf(node) {
                let (l, r) = (t.left[node] as usize, t.right[node] as usize);
                assert_eq!(t.cover[node], t.cover[l] + t.cover[r]);
                let weighted = t.cover[l] * t.value[l] + t.cover[r] * t.value[r];
                assert!((t.cover[node] * t.value[node] - weighted).abs() < 1e-9);
            }
        }
    }
}

#[test]
fn covers_are_consistent_with_bootstrap_weights() {
    let (x, y) = random_data(150, 5, 5, false);
    let forest = RandomForestParams {
        n_estimators: 8,
        ..Default::default()
    }
    .fit(x.view(), y.view())
    .unwrap();
    forest.ensemble().validate().unwrap();
    check_covers(&forest, 150);
    // Bootstrap really resamples: some root covers differ from the number of distinct samples,
    // visible as trees that differ from each other.
    let trees = &forest.ensemble().trees;
    assert!(trees.iter().any(|t| t != &trees[0]));
}

#[test]
fn min_samples_leaf_and_split_are_respected() {
    let (x, y) = random_data(200, 4, 6, true);
    for msl in [1, 3, 7] {
        let p = RandomForestParams {
            min_samples_leaf: msl,
            min_samples_split: 12,
            ..Default::default()
        };
        let t = single_tree(x.view(), y.view(), p);
        let per = samples_per_node(&t, x.view());
        for (node, samples) in per.iter().enumerate() {
            if t.is_leaf(node) {
                assert!(samples.len() >= msl, "leaf {node} has {}", samples.len());
            } else {
                assert!(samples.len() >= 12);
            }
        }
        // With bootstrap the limits count distinct samples, so covers are at least as large.
        let forest = RandomForestParams {
            n_estimators: 4,
            min_samples_leaf: msl,
            ..Default::default()
        }
        .fit(x.view(), y.view())
        .unwrap();
        for t in &forest.ensemble().trees {
            for node in (0..t.n_nodes()).filter(|&n| t.is_leaf(n)) {
                assert!(t.cover[node] >= msl as f64);
            }
        }
    }
}

#[test]
fn max_depth_is_respected() {
    let (x, y) = random_data(300, 4, 7, true);
    for d in [1, 3, 6] {
        let forest = RandomForestParams {
            n_estimators: 5,
            max_depth: Some(d),
            ..Default::default()
        }
        .fit(x.view(), y.view())
        .unwrap();
        assert_eq!(forest.ensemble().max_depth(), d);
        assert!(
            forest
                .ensemble()
                .trees
                .iter()
                .all(|t| t.n_leaves() <= 1 << d)
        );
    }
}

#[test]
fn feature_subsampling_changes_trees_but_keeps_validity() {
    let (x, y) = random_data(120, 8, 8, true);
    let all = RandomForestParams {
        n_estimators: 6,
        bootstrap: false,
        ..Default::default()
    }
    .fit(x.view(), y.view())
    .unwrap();
    // Without bootstrap and with all features, every tree is the same CART tree.
    let trees = &all.ensemble().trees;
    assert!(trees.iter().all(|t| t == &trees[0]));
    for mf in [MaxFeatures::Sqrt, MaxFeatures::Log2, MaxFeatures::Count(1)] {
        let sub = RandomForestParams {
            n_estimators: 6,
            bootstrap: false,
            max_features: mf,
            ..Default::default()
        }
        .fit(x.view(), y.view())
        .unwrap();
        sub.ensemble().validate().unwrap();
        let trees = &sub.ensemble().trees;
        assert!(trees.iter().any(|t| t != &trees[0]), "{mf:?}");
        // Still fully grown: every training row is predicted exactly.
        let p = sub.predict(x.view()).unwrap();
        for i in 0..x.nrows() {
            assert!((p[[i, 0]] - y[i]).abs() < 1e-12);
        }
    }
}
