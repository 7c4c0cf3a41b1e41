//! Test oracles for interventional TreeSHAP, interaction values and transformed outputs:
//! random trees and brute-force Shapley values over all coalitions. Shares no code with the
//! algorithms under test (only core's `predict_row_into`, the definition of the model).

#![allow(dead_code)]

use glassbox_core::rng::Rng;
use glassbox_core::{LEAF, Missing, SplitCondition, Tree, TreeEnsemble};

/// Grid the random thresholds and feature values are drawn from, so ties (x == threshold)
/// happen often and exercise `<` versus `<=`.
const GRID: [f64; 6] = [0.0, 0.5, 1.0, 1.5, 2.0, 2.5];

/// A random tree over `m` features, depth at most `max_depth`, features repeating freely.
pub fn random_tree(rng: &mut Rng, m: usize, max_depth: usize, zero_covers: bool) -> Tree {
    let mut t = Tree {
        left: vec![],
        right: vec![],
        feature: vec![],
        threshold: vec![],
        default_left: vec![],
        missing: vec![],
        cover: vec![],
        value: vec![],
    };
    build(&mut t, rng, m, max_depth, 0, zero_covers);
    t
}

fn build(t: &mut Tree, rng: &mut Rng, m: usize, max_depth: usize, d: usize, zc: bool) -> usize {
    let id = t.left.len();
    t.left.push(LEAF);
    t.right.push(LEAF);
    t.feature.push(0);
    t.threshold.push(0.0);
    t.default_left.push(true);
    t.missing.push(Missing::Default);
    t.cover.push(0.0);
    t.value.push(0.0);
    let split = d < max_depth && (d == 0 || rng.next_f64() < 0.8);
    if !split {
        t.value[id] = rng.uniform(-5.0, 5.0);
        t.cover[id] = if zc && rng.next_f64() < 0.1 {
            0.0
        } else {
            (1 + rng.below(10)) as f64
        };
        return id;
    }
    t.feature[id] = rng.below(m) as u32;
    t.threshold[id] = GRID[rng.below(GRID.len())] + 0.25 * rng.below(2) as f64;
    t.default_left[id] = rng.next_f64() < 0.5;
    t.missing[id] = [Missing::Default, Missing::ZeroDefault, Missing::AsZero][rng.below(3)];
    let l = build(t, rng, m, max_depth, d + 1, zc);
    let r = build(t, rng, m, max_depth, d + 1, zc);
    t.left[id] = l as u32;
    t.right[id] = r as u32;
    t.cover[id] = t.cover[l] + t.cover[r];
    t.value[id] = rng.uniform(-1.0, 1.0); // informative only, must not be used
    id
}

/// A random ensemble: 1..=max_trees trees, `n_outputs` outputs, random weights and offsets.
pub fn random_ensemble(
    rng: &mut Rng,
    m: usize,
    n_outputs: usize,
    max_trees: usize,
    max_depth: usize,
    zero_covers: bool,
) -> TreeEnsemble {
    let n_trees = 1 + rng.below(max_trees);
    let trees: Vec<Tree> = (0..n_trees)
        .map(|_| random_tree(rng, m, max_depth, zero_covers))
        .collect();
    let mut tree_output: Vec<usize> = (0..n_trees).map(|_| rng.below(n_outputs)).collect();
    // Every output gets at least one tree when possible.
    for (o, slot) in tree_output.iter_mut().enumerate().take(n_outputs) {
        *slot = o;
    }
    let e = TreeEnsemble {
        tree_weight: (0..n_trees).map(|_| rng.uniform(0.2, 1.5)).collect(),
        tree_output,
        trees,
        base_offset: (0..n_outputs).map(|_| rng.uniform(-1.0, 1.0)).collect(),
        n_features: m,
        n_outputs,
        split: if rng.next_f64() < 0.5 {
            SplitCondition::LessOrEqual
        } else {
            SplitCondition::Less
        },
        feature_names: None,
    };
    e.validate().unwrap();
    e
}

/// Random rows on the grid, some NaN and some exact zeros.
pub fn random_rows(rng: &mut Rng, n: usize, m: usize, nan: bool) -> Vec<Vec<f64>> {
    (0..n)
        .map(|_| {
            (0..m)
                .map(|_| {
                    if nan && rng.next_f64() < 0.08 {
                        f64::NAN
                    } else {
                        GRID[rng.below(GRID.len())] + 0.25 * rng.below(3) as f64 - 0.25
                    }
                })
                .collect()
        })
        .collect()
}

pub fn to_array(rows: &[Vec<f64>], m: usize) -> ndarray::Array2<f64> {
    ndarray::Array2::from_shape_fn((rows.len(), m), |(i, j)| rows[i][j])
}

/// Model margins for one row.
pub fn predict(e: &TreeEnsemble, x: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; e.n_outputs];
    e.predict_row_into(ndarray::ArrayView1::from(x), &mut out);
    out
}

fn factorial(n: usize) -> f64 {
    (1..=n).map(|i| i as f64).product()
}

/// Shapley values of the game `v` on `m` players by the definition, over all 2^m coalitions.
pub fn shapley(m: usize, v: &dyn Fn(u64) -> f64) -> Vec<f64> {
    let table: Vec<f64> = (0..1u64 << m).map(v).collect();
    let w: Vec<f64> = (0..m)
        .map(|s| factorial(s) * factorial(m - s - 1) / factorial(m))
        .collect();
    (0..m)
        .map(|i| {
            let bit = 1u64 << i;
            (0..1u64 << m)
                .filter(|s| s & bit == 0)
                .map(|s| {
                    w[s.count_ones() as usize] * (table[(s | bit) as usize] - table[s as usize])
                })
                .sum()
        })
        .collect()
}

/// Half the Shapley interaction index of every pair (the SHAP interaction value), by the
/// definition; the diagonal is left 0.
pub fn interaction_index(m: usize, v: &dyn Fn(u64) -> f64) -> Vec<Vec<f64>> {
    let table: Vec<f64> = (0..1u64 << m).map(v).collect();
    let mut out = vec![vec![0.0; m]; m];
    if m < 2 {
        return out;
    }
    for i in 0..m {
        for j in 0..m {
            if i == j {
                continue;
            }
            let (bi, bj) = (1u64 << i, 1u64 << j);
            let mut sum = 0.0;
            for s in (0..1u64 << m).filter(|s| s & (bi | bj) == 0) {
                let k = s.count_ones() as usize;
                let w = factorial(k) * factorial(m - k - 2) / (2.0 * factorial(m - 1));
                let t = |q: u64| table[q as usize];
                sum += w * (t(s | bi | bj) - t(s | bi) - t(s | bj) + t(s));
            }
            out[i][j] = sum;
        }
    }
    out
}

/// The hybrid row: `x` on the features in `s`, `r` elsewhere.
pub fn hybrid(x: &[f64], r: &[f64], s: u64) -> Vec<f64> {
    (0..x.len())
        .map(|j| if s >> j & 1 == 1 { x[j] } else { r[j] })
        .collect()
}

/// Interventional value function averaged over the background: mean_r f_o(x_S, r_notS).
pub fn interventional_value(e: &TreeEnsemble, x: &[f64], bg: &[Vec<f64>], s: u64, o: usize) -> f64 {
    bg.iter()
        .map(|r| predict(e, &hybrid(x, r, s))[o])
        .sum::<f64>()
        / bg.len() as f64
}

fn goes_left(t: &Tree, n: usize, v: f64, split: SplitCondition) -> bool {
    // Written from the documented semantics in core, not reusing Tree::goes_left.
    let v = match t.missing[n] {
        Missing::Default if v.is_nan() => return t.default_left[n],
        Missing::ZeroDefault if v.is_nan() || v.abs() <= 1e-35 => return t.default_left[n],
        Missing::AsZero if v.is_nan() => 0.0,
        _ => v,
    };
    match split {
        SplitCondition::LessOrEqual => v <= t.threshold[n],
        SplitCondition::Less => v < t.threshold[n],
    }
}

fn cond_expectation(t: &Tree, n: usize, x: &[f64], s: u64, split: SplitCondition) -> f64 {
    if t.left[n] == LEAF {
        return t.value[n];
    }
    let f = t.feature[n] as usize;
    let (l, r) = (t.left[n] as usize, t.right[n] as usize);
    if s >> f & 1 == 1 {
        let c = if goes_left(t, n, x[f], split) { l } else { r };
        return cond_expectation(t, c, x, s, split);
    }
    let w = t.cover[n];
    if w <= 0.0 {
        return 0.0;
    }
    (t.cover[l] * cond_expectation(t, l, x, s, split)
        + t.cover[r] * cond_expectation(t, r, x, s, split))
        / w
}

/// Path-dependent value function E[f_o(x) | x_S] with node covers as weights.
pub fn path_dependent_value(e: &TreeEnsemble, x: &[f64], s: u64, o: usize) -> f64 {
    let mut v = e.base_offset[o];
    for (t, tree) in e.trees.iter().enumerate() {
        if e.tree_output[t] == o {
            v += e.tree_weight[t] * cond_expectation(tree, 0, x, s, e.split);
        }
    }
    v
}

/// `|a - b| <= tol * (1 + |b|)`, with a message naming `what`.
#[track_caller]
pub fn assert_close(a: f64, b: f64, tol: f64, what: &str) {
    assert!(
        (a - b).abs() <= tol * (1.0 + b.abs()),
        "{what}: got {a}, expected {b} (diff {:e})",
        (a - b).abs()
    );
}
