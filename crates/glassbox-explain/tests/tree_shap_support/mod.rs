//! Seeded random trees, ensembles and rows for the TreeSHAP tests.
#![allow(dead_code)]

use glassbox_core::ndarray::Array2;
use glassbox_core::rng::Rng;
use glassbox_core::{LEAF, Missing, SplitCondition, Tree, TreeEnsemble};
use glassbox_explain::ShapValues;

/// Thresholds and feature values share this grid so that `x == threshold` (where `Less` and
/// `LessOrEqual` differ) and `x == 0` (LightGBM's zero-as-missing) happen often.
const GRID: [f64; 5] = [0.0, 0.25, 0.5, 0.75, 1.0];

/// How to draw a random small tree.
#[derive(Clone, Copy, Debug)]
pub struct TreeSpec {
    /// Features to split on: `0..n_split_features` (features above are dummies).
    pub n_split_features: usize,
    /// Deepest level of a split (the root is level 0).
    pub max_depth: usize,
    /// Probability that a node above `max_depth` splits.
    pub split_prob: f64,
    /// Probability that a leaf has zero cover.
    pub zero_cover_prob: f64,
    /// Multiply internal covers by a random factor in [0.7, 1.3] (inconsistent covers, as from
    /// imported models whose covers were rounded).
    pub inconsistent_covers: bool,
}

impl TreeSpec {
    pub fn small(m: usize, max_depth: usize) -> TreeSpec {
        TreeSpec {
            n_split_features: m,
            max_depth,
            split_prob: 0.8,
            zero_cover_prob: 0.1,
            inconsistent_covers: false,
        }
    }
}

fn empty_tree() -> Tree {
    Tree {
        left: vec![],
        right: vec![],
        feature: vec![],
        threshold: vec![],
        default_left: vec![],
        missing: vec![],
        cover: vec![],
        value: vec![],
    }
}

/// Builder of a tree in arbitrary node order.
struct Builder {
    tree: Tree,
}

impl Builder {
    fn push(&mut self) -> usize {
        let t = &mut self.tree;
        t.left.push(LEAF);
        t.right.push(LEAF);
        t.feature.push(0);
        t.threshold.push(0.0);
        t.default_left.push(true);
        t.missing.push(Missing::Default);
        t.cover.push(0.0);
        t.value.push(0.0);
        t.left.len() - 1
    }
}

/// A random tree; features are drawn from a small pool per tree so that paths repeat features.
pub fn random_tree(rng: &mut Rng, spec: &TreeSpec) -> Tree {
    let mut b = Builder { tree: empty_tree() };
    let pool_size = 1 + rng.below(spec.n_split_features.max(1));
    let pool = rng.sample_indices(spec.n_split_features.max(1), pool_size);
    let root = b.push();
    grow(&mut b, rng, spec, &pool, root, 0);
    shuffle_nodes(b.tree, rng)
}

fn grow(
    b: &mut Builder,
    rng: &mut Rng,
    spec: &TreeSpec,
    pool: &[usize],
    node: usize,
    depth: usize,
) {
    let split = spec.n_split_features > 0
        && depth < spec.max_depth
        && (depth == 0 || rng.next_f64() < spec.split_prob);
    if !split {
        b.tree.value[node] = rng.normal() * 3.0;
        b.tree.cover[node] = if rng.next_f64() < spec.zero_cover_prob {
            0.0
        } else {
            (1 + rng.below(20)) as f64
        };
        return;
    }
    b.tree.feature[node] = pool[rng.below(pool.len())] as u32;
    b.tree.threshold[node] = if rng.next_f64() < 0.7 {
        GRID[rng.below(GRID.len())]
    } else {
        rng.next_f64()
    };
    b.tree.default_left[node] = rng.next_f64() < 0.5;
    b.tree.missing[node] = match rng.below(4) {
        0 => Missing::ZeroDefault,
        1 => Missing::AsZero,
        _ => Missing::Default,
    };
    let l = b.push();
    let r = b.push();
    b.tree.left[node] = l as u32;
    b.tree.right[node] = r as u32;
    grow(b, rng, spec, pool, l, depth + 1);
    grow(b, rng, spec, pool, r, depth + 1);
    let mut c = b.tree.cover[l] + b.tree.cover[r];
    if spec.inconsistent_covers {
        c *= rng.uniform(0.7, 1.3);
    }
    b.tree.cover[node] = c;
    b.tree.value[node] = rng.normal(); // informative only; must not matter
}

/// Renumbers the nodes (root stays 0) so that no algorithm may rely on a storage order.
pub fn shuffle_nodes(t: Tree, rng: &mut Rng) -> Tree {
    let n = t.n_nodes();
    let mut perm: Vec<usize> = (1..n).collect();
    rng.shuffle(&mut perm);
    perm.insert(0, 0); // perm[new] = old
    let mut new_of = vec![0u32; n];
    for (new, &old) in perm.iter().enumerate() {
        new_of[old] = new as u32;
    }
    let map = |c: u32| if c == LEAF { LEAF } else { new_of[c as usize] };
    Tree {
        left: perm.iter().map(|&o| map(t.left[o])).collect(),
        right: perm.iter().map(|&o| map(t.right[o])).collect(),
        feature: perm.iter().map(|&o| t.feature[o]).collect(),
        threshold: perm.iter().map(|&o| t.threshold[o]).collect(),
        default_left: perm.iter().map(|&o| t.default_left[o]).collect(),
        missing: perm.iter().map(|&o| t.missing[o]).collect(),
        cover: perm.iter().map(|&o| t.cover[o]).collect(),
        value: perm.iter().map(|&o| t.value[o]).collect(),
    }
}

/// A random ensemble: `n_trees` trees over `m` features (splitting on the first
/// `spec.n_split_features`), `k` outputs, random weights, offsets and split condition.
pub fn random_ensemble(
    rng: &mut Rng,
    n_trees: usize,
    m: usize,
    k: usize,
    spec: &TreeSpec,
) -> TreeEnsemble {
    TreeEnsemble {
        trees: (0..n_trees).map(|_| random_tree(rng, spec)).collect(),
        tree_output: (0..n_trees).map(|_| rng.below(k)).collect(),
        tree_weight: (0..n_trees).map(|_| rng.uniform(-1.5, 2.0)).collect(),
        base_offset: (0..k).map(|_| rng.normal()).collect(),
        n_features: m,
        n_outputs: k,
        split: if rng.next_f64() < 0.5 {
            SplitCondition::Less
        } else {
            SplitCondition::LessOrEqual
        },
        feature_names: None,
    }
}

/// Random rows on the threshold grid, uniform, zero, or missing (NaN).
pub fn random_rows(rng: &mut Rng, n: usize, m: usize) -> Array2<f64> {
    Array2::from_shape_fn((n, m), |_| match rng.below(10) {
        0 => f64::NAN,
        1..=5 => GRID[rng.below(GRID.len())],
        _ => rng.next_f64(),
    })
}

/// A deep "full-depth" tree as a random forest grows it: random splits of `n_points` random
/// points (features uniform in [0, 1)) at a random point's value until every leaf holds one
/// point, so covers are sample counts. With a few hundred points the tree is ~20 deep.
pub fn deep_tree(rng: &mut Rng, m: usize, n_points: usize) -> Tree {
    let pts: Vec<Vec<f64>> = (0..n_points)
        .map(|_| (0..m).map(|_| rng.next_f64()).collect())
        .collect();
    let mut b = Builder { tree: empty_tree() };
    let root = b.push();
    let mut stack = vec![(root, (0..n_points).collect::<Vec<_>>())];
    while let Some((node, idx)) = stack.pop() {
        b.tree.cover[node] = idx.len() as f64;
        if idx.len() < 2 {
            b.tree.value[node] = idx.first().map_or(0.0, |&i| {
                pts[i][0] * 10.0 + pts[i][1] - pts[i][2] * pts[i][3]
            });
            continue;
        }
        // Features used by the target are split on more often, as a fitted forest does.
        let f = if rng.next_f64() < 0.5 {
            rng.below(4)
        } else {
            rng.below(m)
        };
        let mut vals: Vec<f64> = idx.iter().map(|&i| pts[i][f]).collect();
        vals.sort_by(f64::total_cmp);
        let cut = 1 + rng.below(vals.len() - 1);
        let thr = 0.5 * (vals[cut - 1] + vals[cut]);
        let (li, ri): (Vec<usize>, Vec<usize>) = idx.iter().partition(|&&i| pts[i][f] <= thr);
        b.tree.feature[node] = f as u32;
        b.tree.threshold[node] = thr;
        b.tree.default_left[node] = rng.next_f64() < 0.5;
        let l = b.push();
        let r = b.push();
        b.tree.left[node] = l as u32;
        b.tree.right[node] = r as u32;
        stack.push((r, ri));
        stack.push((l, li));
    }
    b.tree
}

/// `|a - b| <= rtol * scale` for every entry, `scale` per row and output: the largest magnitude
/// among both value sets and base values of that row, at least 1e-300.
pub fn assert_shap_close(a: &ShapValues, b: &ShapValues, rtol: f64, what: &str) {
    assert_eq!(a.values.dim(), b.values.dim(), "{what}: shapes");
    let (n, m, k) = a.values.dim();
    for i in 0..n {
        for o in 0..k {
            let mut scale = a.base_values[[i, o]]
                .abs()
                .max(b.base_values[[i, o]].abs())
                .max(1e-300);
            for j in 0..m {
                scale = scale
                    .max(a.values[[i, j, o]].abs())
                    .max(b.values[[i, j, o]].abs());
            }
            let db = (a.base_values[[i, o]] - b.base_values[[i, o]]).abs();
            assert!(
                db <= rtol * scale,
                "{what}: base row {i} output {o}: {} vs {}",
                a.base_values[[i, o]],
                b.base_values[[i, o]]
            );
            for j in 0..m {
                let (x, y) = (a.values[[i, j, o]], b.values[[i, j, o]]);
                assert!(
                    (x - y).abs() <= rtol * scale,
                    "{what}: row {i} feature {j} output {o}: {x} vs {y} (scale {scale})"
                );
            }
        }
    }
}

/// `∫_0^1 prod_j (a_j (1 - t) + b_j t) dt` for `a_j, b_j >= 0`, in the Bernstein basis: every
/// step adds non-negative terms, so there is no cancellation however long the product.
fn bernstein_integral(factors: &[(f64, f64)]) -> f64 {
    let mut c = vec![1.0f64];
    for &(a, b) in factors {
        let n = c.len() - 1;
        let mut next = vec![0.0; n + 2];
        for (k, &ck) in c.iter().enumerate() {
            // B_{k,n} (1 - t) = (n + 1 - k) / (n + 1) B_{k,n+1}; B_{k,n} t = (k + 1) / (n + 1) B_{k+1,n+1}.
            next[k] += a * ck * (n + 1 - k) as f64 / (n + 1) as f64;
            next[k + 1] += b * ck * (k + 1) as f64 / (n + 1) as f64;
        }
        c = next;
    }
    c.iter().sum::<f64>() / c.len() as f64
}

/// A third oracle, for trees too wide for brute force: every leaf's game is
/// `v prod_{j in S} o_j prod_{j not in S} z_j` over its path's distinct features, with Shapley
/// values `v (o_i - z_i) ∫ prod_{j != i} (z_j (1 - t) + o_j t) dt`, summed leaf by leaf with the
/// integral in exact Bernstein form (no quadrature, no sweep, no division). `O(L D^3)`: for a few
/// small or path-like trees only. Returns phi, shape (features,), for output `output` of row `x`.
pub fn leaf_formula_reference(e: &TreeEnsemble, x: &[f64], output: usize) -> Vec<f64> {
    let mut phi = vec![0.0; e.n_features];
    for (t, tree) in e.trees.iter().enumerate() {
        if e.tree_output[t] != output {
            continue;
        }
        // Per path: (feature, combined o, combined z).
        let mut stack = vec![(0usize, Vec::<(usize, f64, f64)>::new())];
        while let Some((n, path)) = stack.pop() {
            if tree.is_leaf(n) {
                let v = e.tree_weight[t] * tree.value[n];
                for (i, &(f, o, z)) in path.iter().enumerate() {
                    let others: Vec<(f64, f64)> = path
                        .iter()
                        .enumerate()
                        .filter(|&(j, _)| j != i)
                        .map(|(_, &(_, oj, zj))| (zj, oj))
                        .collect();
                    phi[f] += v * (o - z) * bernstein_integral(&others);
                }
                continue;
            }
            let (l, r) = (tree.left[n] as usize, tree.right[n] as usize);
            let total = tree.cover[l] + tree.cover[r];
            let goes_left = tree.goes_left(n, x[tree.feature[n] as usize], e.split);
            let f = tree.feature[n] as usize;
            for (c, is_left) in [(l, true), (r, false)] {
                let share = if total > 0.0 {
                    tree.cover[c] / total
                } else {
                    0.5
                };
                let o = if goes_left == is_left { 1.0 } else { 0.0 };
                let mut p = path.clone();
                match p.iter_mut().find(|el| el.0 == f) {
                    Some(el) => {
                        el.1 *= o;
                        el.2 *= share;
                    }
                    None => p.push((f, o, share)),
                }
                stack.push((c, p));
            }
        }
    }
    phi
}
