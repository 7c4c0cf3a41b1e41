//! SHAP interaction values for tree ensembles, path-dependent (Lundberg et al. 2020, Nature
//! Machine Intelligence, "SHAP interaction values"; shap's `shap_interaction_values`).
//!
//! The game is the path-dependent one of TreeSHAP: `v(S) = E[f(x) | x_S]`, the expectation
//! taken down the tree with the node covers as weights for the features outside `S`.
//! For `i != j`, `Phi[i][j]` is half the Shapley interaction index
//! `sum_{S ⊆ N∖{i,j}} |S|!(M-|S|-2)!/(2(M-1)!) · (v(S∪{i,j}) - v(S∪{i}) - v(S∪{j}) + v(S))`,
//! and `Phi[i][i] = phi_i - sum_{j≠i} Phi[i][j]`, so each row sums to the SHAP value `phi_i`.
//!
//!
//! Algorithm (exact, faster than shap's conditioning, which is kept as the reference in
//! [`super::tree_shap_interactions_conditional`]): `v(S)` is a sum over leaves of product games.
//! For a leaf whose path has distinct features `U` (`D = |U|`), with `o_k` = 1 if `x` follows
//! every split on `k` along the path (else 0) and `z_k` = the product of the cover fractions of
//! those splits, the leaf's game is `value · prod_{k∈U} (k∈S ? o_k : z_k)`. Its discrete
//! derivative for a pair is `(o_i - z_i)(o_j - z_j)` times the same product over the other
//! features, and the Shapley weights are Beta integrals
//! (`s!(n-s)!/(n+1)! = ∫_0^1 t^s (1-t)^(n-s) dt`), so
//! `Phi_ij = value/2 · (o_i - z_i)(o_j - z_j) · ∫_0^1 prod_{k∈U∖{i,j}} (t·o_k + (1-t)·z_k) dt`
//! and `phi_i = value · (o_i - z_i) · ∫_0^1 prod_{k∈U∖{i}} (t·o_k + (1-t)·z_k) dt`.
//! The integrands are polynomials of degree below `D`, integrated exactly by Gauss–Legendre
//! quadrature with `ceil(D/2)` nodes (the same idea as Linear TreeSHAP, Yu et al. 2022, and
//! glassbox's fast path-dependent TreeSHAP). Features outside `U` are null players of the leaf
//! game and do not change these values. Cost per row: `O(sum over leaves of D^2 · D/2)`,
//! against `O(U · L · D^2)` per tree for conditioning.

use glassbox_core::ndarray::{Array2, Array4, ArrayView2, Axis};
use glassbox_core::{SplitCondition, Tree, TreeEnsemble};
use rayon::prelude::*;

use super::ShapValues;
use super::gauss_legendre::gauss_legendre;
use super::tree_shap_interventional::MAX_TREE_DEPTH;
use crate::ExplainError;

/// Largest number of entries (samples x features x features x outputs) of one result, 2^30
/// (8 GiB of f64): explain fewer rows at a time beyond that.
pub const MAX_INTERACTION_ENTRIES: usize = 1 << 30;

/// SHAP interaction values for a batch of rows.
#[derive(Clone, Debug, PartialEq)]
pub struct InteractionValues {
    /// Interaction values, shape (samples, features, features, outputs); symmetric in the two
    /// feature axes, off-diagonal entries are half the Shapley interaction index, each row
    /// `values[[i, j, .., o]]` sums to the SHAP value of feature `j`.
    pub values: Array4<f64>,
    /// Base values, shape (samples, outputs): the path-dependent expected output `v(∅)`.
    pub base_values: Array2<f64>,
}

impl InteractionValues {
    /// The SHAP values the interaction rows sum to, shape (samples, features, outputs).
    pub fn shap_values(&self) -> ShapValues {
        ShapValues {
            values: self.values.sum_axis(Axis(2)),
            base_values: self.base_values.clone(),
        }
    }

    /// For each row and feature `j`, the feature `i != j` with the largest `|Phi[j][i]|` for
    /// output `output` (what a dependence plot colours by), shape (samples, features); `j`
    /// itself when the model has a single feature.
    pub fn strongest_interaction(&self, output: usize) -> Array2<usize> {
        let (n, m, _, _) = self.values.dim();
        Array2::from_shape_fn((n, m), |(s, j)| {
            let mut best = (j, f64::NEG_INFINITY);
            for i in (0..m).filter(|&i| i != j) {
                let v = self.values[[s, j, i, output]].abs();
                if v > best.1 {
                    best = (i, v);
                }
            }
            best.0
        })
    }
}

/// Path-dependent SHAP interaction values of `ensemble` for the rows of `x`, shape
/// (samples, features), in the ensemble's margin space.
///
/// Missing values (NaN) follow each node's default direction. Nodes with zero cover give their
/// children weight 0 in the "absent" expectation. Rows are processed in parallel; the result
/// does not depend on the number of threads, and `values[[s, i, j, o]] == values[[s, j, i, o]]`
/// holds bit for bit.
///
/// Errors: a width different from the model's feature count, trees deeper than
/// [`MAX_TREE_DEPTH`], a result larger than [`MAX_INTERACTION_ENTRIES`], an invalid ensemble.
pub fn tree_shap_interactions(
    ensemble: &TreeEnsemble,
    x: ArrayView2<'_, f64>,
) -> Result<InteractionValues, ExplainError> {
    let depth = check_inputs(ensemble, x)?;
    let (m, k, n) = (ensemble.n_features, ensemble.n_outputs, x.nrows());
    let base = path_dependent_base(ensemble);
    // Distinct features on one path are at most min(depth, m).
    let quad = Quadrature::new(depth.min(m).div_ceil(2).max(1));
    let mut values = Array4::<f64>::zeros((n, m, m, k));
    if n > 0 && m * m * k > 0 {
        values
            .as_slice_mut()
            .expect("a fresh array is contiguous")
            .par_chunks_mut(m * m * k)
            .enumerate()
            .for_each_init(
                || LeafScratch::new(depth.min(m), quad.max_nodes()),
                |scratch, (i, out)| {
                    let xr = x.row(i).to_vec();
                    for (t, tree) in ensemble.trees.iter().enumerate() {
                        let mut walk = LeafWalk {
                            tree,
                            split: ensemble.split,
                            x: &xr,
                            scale: ensemble.tree_weight[t],
                            output: ensemble.tree_output[t],
                            m,
                            k,
                            quad: &quad,
                            s: &mut *scratch,
                            out: &mut *out,
                        };
                        walk.recurse(0);
                    }
                },
            );
    }
    Ok(InteractionValues {
        values,
        base_values: Array2::from_shape_fn((n, k), |(_, o)| base[o]),
    })
}

/// Checks the ensemble, the width of `x` and the sizes; returns the ensemble's maximum depth.
pub(crate) fn check_inputs(
    ensemble: &TreeEnsemble,
    x: ArrayView2<'_, f64>,
) -> Result<usize, ExplainError> {
    ensemble.validate()?;
    let (m, k, n) = (ensemble.n_features, ensemble.n_outputs, x.nrows());
    if x.ncols() != m {
        return Err(ExplainError::InvalidArgument(format!(
            "explained data has {} columns, the model expects {m} features",
            x.ncols()
        )));
    }
    let depth = ensemble.max_depth();
    if depth > MAX_TREE_DEPTH {
        return Err(ExplainError::Unsupported(format!(
            "a tree has depth {depth}, SHAP interaction values accept at most {MAX_TREE_DEPTH}"
        )));
    }
    let entries = n
        .checked_mul(m)
        .and_then(|v| v.checked_mul(m))
        .and_then(|v| v.checked_mul(k));
    match entries {
        Some(e) if e <= MAX_INTERACTION_ENTRIES => Ok(depth),
        _ => Err(ExplainError::InvalidArgument(format!(
            "{n} rows x {m}x{m} features x {k} outputs is more than \
             {MAX_INTERACTION_ENTRIES} interaction values; explain fewer rows at a time"
        ))),
    }
}

/// The distinct features each tree splits on, sorted.
pub(crate) fn tree_features(ensemble: &TreeEnsemble) -> Vec<Vec<usize>> {
    ensemble
        .trees
        .iter()
        .map(|t| {
            let mut f: Vec<usize> = (0..t.n_nodes())
                .filter(|&n| !t.is_leaf(n))
                .map(|n| t.feature[n] as usize)
                .collect();
            f.sort_unstable();
            f.dedup();
            f
        })
        .collect()
}

/// The path-dependent base value `v(∅)` per output, length (outputs,).
pub(crate) fn path_dependent_base(ensemble: &TreeEnsemble) -> Vec<f64> {
    let mut base = ensemble.base_offset.clone();
    for (t, tree) in ensemble.trees.iter().enumerate() {
        base[ensemble.tree_output[t]] += ensemble.tree_weight[t] * cover_expectation(tree, 0);
    }
    base
}

/// Cover-weighted expectation of the subtree at `node` (the game's `v(∅)`), with the same
/// zero-cover convention as the algorithms (a node of zero cover gives both children weight 0).
fn cover_expectation(tree: &Tree, node: usize) -> f64 {
    if tree.is_leaf(node) {
        return tree.value[node];
    }
    let (l, r) = (tree.left[node] as usize, tree.right[node] as usize);
    let w = tree.cover[node];
    if w <= 0.0 {
        return 0.0;
    }
    (tree.cover[l] * cover_expectation(tree, l) + tree.cover[r] * cover_expectation(tree, r)) / w
}

/// Gauss–Legendre rules on [0, 1] with 1..=max nodes; the rule with `q` nodes integrates
/// polynomials of degree up to `2q - 1` exactly.
struct Quadrature {
    /// `rules[q - 1] = (nodes, weights)`.
    rules: Vec<(Vec<f64>, Vec<f64>)>,
}

impl Quadrature {
    fn new(max: usize) -> Self {
        Quadrature {
            rules: (1..=max).map(gauss_legendre).collect(),
        }
    }

    fn max_nodes(&self) -> usize {
        self.rules.len()
    }
}

/// Reused buffers of one worker.
struct LeafScratch {
    /// Distinct features on the current path: (feature, o, z).
    path: Vec<(usize, f64, f64)>,
    /// `a[k * q + p] = (o_k - z_k) / f_k(t_p)`.
    a: Vec<f64>,
    /// `b[k * q + p] = c_p · a[k * q + p]`, with `c_p = value · w_p · prod_k f_k(t_p)`.
    b: Vec<f64>,
    /// Per path feature: its SHAP value share from the current leaf.
    phi: Vec<f64>,
}

impl LeafScratch {
    fn new(max_features: usize, max_nodes: usize) -> Self {
        LeafScratch {
            path: Vec::with_capacity(max_features),
            a: vec![0.0; max_features * max_nodes],
            b: vec![0.0; max_features * max_nodes],
            phi: vec![0.0; max_features],
        }
    }
}

/// Depth-first walk of one tree for one row, adding every leaf's interaction values.
struct LeafWalk<'a> {
    tree: &'a Tree,
    split: SplitCondition,
    x: &'a [f64],
    scale: f64,
    output: usize,
    m: usize,
    k: usize,
    quad: &'a Quadrature,
    s: &'a mut LeafScratch,
    /// The row's block, (features, features, outputs) row-major.
    out: &'a mut [f64],
}

impl LeafWalk<'_> {
    fn recurse(&mut self, node: usize) {
        let tree = self.tree;
        if tree.is_leaf(node) {
            self.leaf(node);
            return;
        }
        let j = tree.feature[node] as usize;
        let (left, right) = (tree.left[node] as usize, tree.right[node] as usize);
        let (hot, cold) = if tree.goes_left(node, self.x[j], self.split) {
            (left, right)
        } else {
            (right, left)
        };
        let w = tree.cover[node];
        for (child, one) in [(hot, 1.0), (cold, 0.0)] {
            let frac = if w > 0.0 { tree.cover[child] / w } else { 0.0 };
            match self.s.path.iter().position(|e| e.0 == j) {
                Some(p) => {
                    let saved = self.s.path[p];
                    let (o, z) = (saved.1 * one, saved.2 * frac);
                    // o = z = 0: every coalition's product has a zero factor below here.
                    if o != 0.0 || z != 0.0 {
                        self.s.path[p] = (j, o, z);
                        self.recurse(child);
                        self.s.path[p] = saved;
                    }
                }
                None => {
                    if one != 0.0 || frac != 0.0 {
                        self.s.path.push((j, one, frac));
                        self.recurse(child);
                        self.s.path.pop();
                    }
                }
            }
        }
    }

    fn leaf(&mut self, node: usize) {
        let d = self.s.path.len();
        if d == 0 {
            return; // a tree that is one leaf: only the base value
        }
        let v = self.tree.value[node] * self.scale;
        let (nodes, weights) = &self.quad.rules[d.div_ceil(2) - 1];
        let q = nodes.len();
        let s = &mut *self.s;
        for (p, (&t, &wq)) in nodes.iter().zip(weights).enumerate() {
            let mut g = 1.0;
            for (f, &(_, o, z)) in s.path.iter().enumerate() {
                let fk = t * o + (1.0 - t) * z;
                g *= fk;
                // fk > 0 here: t is inside (0, 1) and o = z = 0 was pruned.
                s.a[f * q + p] = (o - z) / fk;
            }
            let c = v * wq * g;
            for f in 0..d {
                s.b[f * q + p] = c * s.a[f * q + p];
            }
        }
        for f in 0..d {
            s.phi[f] = s.b[f * q..(f + 1) * q].iter().sum();
        }
        let (m, k, o) = (self.m, self.k, self.output);
        for f1 in 0..d {
            let i = s.path[f1].0;
            let bi = &s.b[f1 * q..(f1 + 1) * q];
            let mut row_sum = 0.0;
            for f2 in (f1 + 1)..d {
                let j = s.path[f2].0;
                let aj = &s.a[f2 * q..(f2 + 1) * q];
                let pair = 0.5 * bi.iter().zip(aj).map(|(x, y)| x * y).sum::<f64>();
                self.out[(i * m + j) * k + o] += pair;
                self.out[(j * m + i) * k + o] += pair;
                row_sum += pair;
                s.phi[f2] -= pair;
            }
            s.phi[f1] -= row_sum;
        }
        for f in 0..d {
            let i = s.path[f].0;
            self.out[(i * m + i) * k + o] += s.phi[f];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gauss_legendre_integrates_its_degree_exactly() {
        for q in 1..=20 {
            let (t, w) = gauss_legendre(q);
            for deg in 0..2 * q {
                let got: f64 = t.iter().zip(&w).map(|(t, w)| w * t.powi(deg as i32)).sum();
                let expect = 1.0 / (deg + 1) as f64;
                assert!(
                    (got - expect).abs() < 1e-14,
                    "q {q} degree {deg}: {got} vs {expect}"
                );
            }
        }
    }
}
