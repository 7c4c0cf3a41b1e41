//! Tests of the batch prediction engine ([`super`]): bit-identity with the row-by-row
//! definition for every missing-value rule, split condition, layout, block size and thread count.
use super::*;
use crate::rng::Rng;

/// A random tree over `m` features: thresholds and leaf values drawn from `rng`, the
/// original node numbering shuffled-ish (children appended depth-first) so that the
/// breadth-first re-layout really renumbers.
fn random_tree(rng: &mut Rng, m: usize, depth: usize, missing: &[Missing]) -> Tree {
    let mut t = Tree::leaf(0.0, 1.0);
    fn grow(t: &mut Tree, node: usize, d: usize, rng: &mut Rng, m: usize, missing: &[Missing]) {
        if d == 0 || rng.next_f64() < 0.15 {
            t.value[node] = rng.normal();
            return;
        }
        let l = t.n_nodes();
        for _ in 0..2 {
            t.left.push(LEAF);
            t.right.push(LEAF);
            t.feature.push(0);
            t.threshold.push(0.0);
            t.default_left.push(true);
            t.missing.push(Missing::Default);
            t.cover.push(1.0);
            t.value.push(0.0);
        }
        t.left[node] = l as u32;
        t.right[node] = (l + 1) as u32;
        t.feature[node] = rng.below(m) as u32;
        // Thresholds on a coarse grid so that ties (x == threshold) happen.
        t.threshold[node] = (rng.below(9) as f64 - 4.0) * 0.25;
        t.default_left[node] = rng.next_f64() < 0.5;
        t.missing[node] = missing[rng.below(missing.len())];
        grow(t, l + 1, d - 1, rng, m, missing);
        grow(t, l, d - 1, rng, m, missing);
    }
    grow(&mut t, 0, depth, rng, m, missing);
    t
}

/// The same tree with its nodes renumbered at random (root kept at 0), so that children
/// may come before their parents and the breadth-first copy is used.
fn shuffled(t: &Tree, rng: &mut Rng) -> Tree {
    let n = t.n_nodes();
    let mut perm: Vec<usize> = (1..n).collect();
    rng.shuffle(&mut perm);
    perm.insert(0, 0); // perm[old] = new
    let map = |c: u32| {
        if c == LEAF {
            LEAF
        } else {
            perm[c as usize] as u32
        }
    };
    let mut s = t.clone();
    for (old, &new) in perm.iter().enumerate() {
        s.left[new] = map(t.left[old]);
        s.right[new] = map(t.right[old]);
        s.feature[new] = t.feature[old];
        s.threshold[new] = t.threshold[old];
        s.default_left[new] = t.default_left[old];
        s.missing[new] = t.missing[old];
        s.cover[new] = t.cover[old];
        s.value[new] = t.value[old];
    }
    s
}

fn random_ensemble(
    seed: u64,
    m: usize,
    n_trees: usize,
    k: usize,
    split: SplitCondition,
    missing: &[Missing],
) -> TreeEnsemble {
    let mut rng = Rng::new(seed);
    let trees: Vec<Tree> = (0..n_trees)
        .map(|_| random_tree(&mut rng, m, 9, missing))
        .collect();
    let e = TreeEnsemble {
        tree_output: (0..n_trees).map(|t| t % k).collect(),
        tree_weight: (0..n_trees).map(|_| rng.uniform(0.1, 1.5)).collect(),
        base_offset: (0..k).map(|_| rng.normal()).collect(),
        trees,
        n_features: m,
        n_outputs: k,
        split,
        feature_names: None,
    };
    e.validate().unwrap();
    e
}

/// Rows with values on the threshold grid, NaN, +-0, tiny values and infinities.
fn nasty_rows(seed: u64, n: usize, m: usize) -> Array2<f64> {
    let mut rng = Rng::new(seed);
    Array2::from_shape_fn((n, m), |_| match rng.below(10) {
        0 => f64::NAN,
        1 => 0.0,
        2 => -0.0,
        3 => 1e-40 * if rng.next_f64() < 0.5 { 1.0 } else { -1.0 },
        4 => (rng.below(9) as f64 - 4.0) * 0.25,
        5 => {
            if rng.next_f64() < 0.5 {
                f64::INFINITY
            } else {
                f64::NEG_INFINITY
            }
        }
        _ => rng.uniform(-1.2, 1.2),
    })
}

fn assert_bit_identical(a: &Array2<f64>, b: &Array2<f64>) {
    assert_eq!(a.dim(), b.dim());
    for ((i, p), q) in a.indexed_iter().zip(b.iter()) {
        assert_eq!(
            p.to_bits(),
            q.to_bits(),
            "row {} output {}: {p} vs {q}",
            i.0,
            i.1
        );
    }
}

#[test]
fn batch_equals_row_by_row_for_every_missing_rule_and_split() {
    let all = [Missing::Default, Missing::ZeroDefault, Missing::AsZero];
    for (seed, split) in [(1, SplitCondition::LessOrEqual), (2, SplitCondition::Less)] {
        for missing in [&all[..1], &all[1..2], &all[2..], &all[..]] {
            for k in [1, 3] {
                let e = random_ensemble(seed, 6, 7, k, split, missing);
                // 2 full blocks plus a ragged one, and a ragged lane group.
                let x = nasty_rows(seed + 10, 2 * MIN_BLOCK_ROWS + 13, 6);
                let mut renumbered = e.clone();
                let mut rng = Rng::new(seed);
                for t in &mut renumbered.trees {
                    *t = shuffled(t, &mut rng);
                }
                renumbered.validate().unwrap();
                assert_bit_identical(
                    &predict_batch(&renumbered, x.view()).unwrap(),
                    &predict_rowwise(&e, x.view()),
                );
                assert_bit_identical(
                    &predict_batch(&e, x.view()).unwrap(),
                    &predict_rowwise(&e, x.view()),
                );
            }
        }
    }
}

/// Rows like [`nasty_rows`] with every non-finite value replaced by a finite one, so the
/// blocks take the short (finite) step.
fn finite_rows(seed: u64, n: usize, m: usize) -> Array2<f64> {
    let mut x = nasty_rows(seed, n, m);
    let mut rng = Rng::new(seed + 1);
    x.mapv_inplace(|v| {
        if v.is_finite() {
            v
        } else {
            (rng.below(9) as f64 - 4.0) * 0.25
        }
    });
    x
}

#[test]
fn finite_blocks_take_the_short_step_with_the_same_results() {
    let all = [Missing::Default, Missing::ZeroDefault, Missing::AsZero];
    for (seed, split) in [(3, SplitCondition::LessOrEqual), (4, SplitCondition::Less)] {
        for k in [1, 2] {
            let e = random_ensemble(seed, 6, 7, k, split, &all);
            let x = finite_rows(seed + 20, 2 * MIN_BLOCK_ROWS + 13, 6);
            assert!(x.iter().all(|v| v.is_finite()));
            let want = predict_rowwise(&e, x.view());
            assert_bit_identical(&predict_batch(&e, x.view()).unwrap(), &want);
            // One prepared model for several calls, as explainers use it; a block with a
            // NaN (the general step) next to finite blocks.
            let prepared = e.prepare().expect("a valid ensemble prepares");
            for _ in 0..2 {
                assert_bit_identical(&prepared.predict(x.view()).unwrap(), &want);
            }
            let mut mixed = x.clone();
            mixed[[5, 2]] = f64::NAN;
            mixed[[MIN_BLOCK_ROWS + 1, 0]] = f64::INFINITY;
            let want_mixed = predict_rowwise(&e, mixed.view());
            for block in [8, MIN_BLOCK_ROWS, mixed.nrows()] {
                let mut out = Array2::zeros(want_mixed.dim());
                predict_blocks(
                    &e,
                    mixed.as_slice().unwrap(),
                    out.as_slice_mut().unwrap(),
                    block,
                )
                .unwrap();
                assert_bit_identical(&out, &want_mixed);
            }
        }
    }
}

/// The AVX-512 walk (where the CPU has it) against the scalar walk and the row-by-row
/// definition, bit for bit: both split conditions, one and two outputs, single-leaf trees,
/// threshold ties, and row counts around the 8-row vector and the group refills (the tail of
/// fewer than 8 rows is the scalar walk's).
#[test]
fn simd_walk_equals_the_scalar_walk() {
    // Not `ZeroDefault`: with it, rows holding zeros take the general step.
    let rules = [Missing::Default, Missing::AsZero];
    for (seed, split) in [
        (31, SplitCondition::LessOrEqual),
        (32, SplitCondition::Less),
    ] {
        for k in [1, 2] {
            let mut e = random_ensemble(seed, 7, 9, k, split, &rules);
            e.trees.push(Tree::leaf(0.25, 1.0));
            e.tree_output.push(0);
            e.tree_weight.push(0.5);
            let simd = PreparedEnsemble::new(&e).unwrap();
            assert_eq!(simd.simd, simd_available());
            let scalar = PreparedEnsemble {
                simd: false,
                ..simd.clone()
            };
            for n in [0, 1, 7, 8, 9, 63, 64, 65, 8 * 8 * 3 + 5, 1000] {
                let x = finite_rows(seed + n as u64, n, 7);
                let want = predict_rowwise(&e, x.view());
                assert_bit_identical(&simd.predict(x.view()).unwrap(), &want);
                assert_bit_identical(&scalar.predict(x.view()).unwrap(), &want);
            }
        }
    }
}

/// The AVX-512 walk does the whole 8-row part of a block and leaves the tail.
#[cfg(target_arch = "x86_64")]
#[test]
fn simd_walk_covers_whole_vectors_only() {
    if !simd_available() {
        return;
    }
    let mut e = random_ensemble(
        33,
        5,
        1,
        1,
        SplitCondition::LessOrEqual,
        &[Missing::Default],
    );
    (e.base_offset, e.tree_weight) = (vec![0.0], vec![1.0]);
    let tree = PackedTree::pack(&e.trees[0], 5, e.split).unwrap();
    let x = finite_rows(34, 21, 5);
    let mut out = vec![0.0; 21];
    let done = tree_batch_avx512::walk_finite::<true>(
        &tree,
        x.as_slice().unwrap(),
        5,
        1.0,
        &mut out,
        1,
        0,
    );
    assert_eq!(done, 16);
    let want = predict_rowwise(&e, x.view());
    for r in 0..21 {
        let expect = if r < 16 { want[[r, 0]] } else { 0.0 };
        assert_eq!(out[r].to_bits(), expect.to_bits(), "row {r}");
    }
}

#[test]
fn preparing_a_broken_ensemble_gives_none_and_predict_reports_it() {
    let mut e = random_ensemble(9, 4, 5, 1, SplitCondition::LessOrEqual, &[Missing::Default]);
    let t = &mut e.trees[2];
    let internal = (0..t.n_nodes())
        .find(|&i| t.left[i] != LEAF)
        .expect("a split");
    t.feature[internal] = 99;
    assert!(e.prepare().is_none());
    let err = e
        .predict(Array2::zeros((3, 4)).view())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("tree 2") && err.contains("feature 99"),
        "{err}"
    );
}

#[test]
fn batch_accepts_any_layout_and_empty_input() {
    let e = random_ensemble(3, 5, 4, 2, SplitCondition::LessOrEqual, &[Missing::Default]);
    let x = nasty_rows(4, 37, 5);
    let xt = x.t().to_owned();
    let fortran = xt.t(); // same values, column-major
    assert_bit_identical(
        &predict_batch(&e, fortran).unwrap(),
        &predict_rowwise(&e, x.view()),
    );
    let strided = nasty_rows(5, 60, 5);
    let every_other = strided.slice(ndarray::s![..;2, ..]);
    assert_bit_identical(
        &predict_batch(&e, every_other).unwrap(),
        &predict_rowwise(&e, every_other),
    );
    let none = Array2::<f64>::zeros((0, 5));
    assert_eq!(predict_batch(&e, none.view()).unwrap().dim(), (0, 2));
}

#[test]
fn result_does_not_depend_on_the_block_size() {
    let e = random_ensemble(5, 8, 20, 2, SplitCondition::Less, &[Missing::Default]);
    let x = nasty_rows(6, 3 * MIN_BLOCK_ROWS + 5, 8);
    let want = predict_rowwise(&e, x.view());
    for block in [1, 8, 13, MIN_BLOCK_ROWS, x.nrows()] {
        let mut out = Array2::zeros(want.dim());
        predict_blocks(
            &e,
            x.as_slice().unwrap(),
            out.as_slice_mut().unwrap(),
            block,
        )
        .unwrap();
        assert_bit_identical(&out, &want);
    }
}

#[test]
fn result_does_not_depend_on_the_thread_count() {
    let e = random_ensemble(
        6,
        8,
        20,
        1,
        SplitCondition::LessOrEqual,
        &[Missing::Default],
    );
    let x = nasty_rows(7, 3 * MIN_BLOCK_ROWS + 5, 8);
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let three = rayon::ThreadPoolBuilder::new()
        .num_threads(3)
        .build()
        .unwrap();
    let a = one.install(|| predict_batch(&e, x.view()).unwrap());
    let b = three.install(|| predict_batch(&e, x.view()).unwrap());
    assert_bit_identical(&a, &b);
}

#[test]
fn single_leaf_trees_and_hand_example() {
    // x0 <= 0.5 ? (x1 <= 2 ? 1 : 2) : 3, NaN right at the root and left at node 1.
    let t = Tree {
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
        trees: vec![t, Tree::leaf(10.0, 10.0)],
        tree_output: vec![0, 0],
        tree_weight: vec![0.5, 0.5],
        base_offset: vec![1.0],
        n_features: 2,
        n_outputs: 1,
        split: SplitCondition::LessOrEqual,
        feature_names: None,
    };
    let x = ndarray::array![
        [0.5, 2.0],
        [0.5, 2.5],
        [0.7, 0.0],
        [f64::NAN, 0.0],
        [0.0, f64::NAN]
    ];
    let p = predict_batch(&e, x.view()).unwrap();
    // 1 + 0.5 * leaf + 0.5 * 10
    let leaves = [1.0, 2.0, 3.0, 3.0, 1.0];
    for (i, leaf) in leaves.iter().enumerate() {
        assert_eq!(p[[i, 0]], 1.0 + 0.5 * leaf + 5.0);
    }
}

#[test]
fn broken_structures_are_errors_not_panics() {
    let mut e = random_ensemble(8, 4, 2, 1, SplitCondition::LessOrEqual, &[Missing::Default]);
    let x = nasty_rows(9, 10, 4);
    let mut cyclic = e.clone();
    cyclic.trees[1].left[0] = 0;
    cyclic.trees[1].right[0] = 0;
    assert!(matches!(
        predict_batch(&cyclic, x.view()),
        Err(CoreError::InvalidModel(_))
    ));
    e.trees[0].feature[0] = 9;
    let err = predict_batch(&e, x.view()).unwrap_err().to_string();
    assert!(err.contains("tree 0") && err.contains("feature 9"), "{err}");
    let mut bad_output =
        random_ensemble(8, 4, 2, 1, SplitCondition::LessOrEqual, &[Missing::Default]);
    bad_output.tree_output[1] = 1;
    assert!(predict_batch(&bad_output, x.view()).is_err());
}
