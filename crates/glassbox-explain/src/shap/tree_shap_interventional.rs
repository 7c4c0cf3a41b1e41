//! Interventional TreeSHAP (Lundberg et al. 2020, Nature Machine Intelligence, "interventional"
//! feature perturbation; shap's `feature_perturbation="interventional"`, its C++
//! `tree_shap_indep`; formulation of Laberge & Pequignot, "Understanding interventional TreeSHAP:
//! how and why it works", 2022).
//!
//! For a foreground row `x` and one background row `r` the game is
//! `v(S) = f(x_S, r_{not S})`. The SHAP value of `x` is the mean over background rows of that
//! game's Shapley values, and the base value is `mean_r f(r)`.
//!
//! Why one traversal per (x, r, tree) is exact: a leaf `l` is reached by the hybrid point
//! `(x_S, r_{not S})` iff for every feature `j` split on along the path to `l`, the value the
//! hybrid takes for `j` satisfies all of the path's conditions on `j`. Let `A_l` be the features
//! whose path conditions only `x` satisfies and `B_l` those only `r` satisfies (a feature neither
//! satisfies makes the leaf unreachable; one both satisfy does not matter). The leaf's game is
//! `value_l * [A_l ⊆ S and B_l ∩ S = ∅]`, whose Shapley values are
//! `value_l * (a-1)! b! / (a+b)!` for each feature of `A_l` and `-value_l * a! (b-1)! / (a+b)!`
//! for each feature of `B_l` (`a = |A_l|`, `b = |B_l|`). The traversal only enters leaves that
//! either `x` or `r` can satisfy, keeping a per-feature state (free / x-side / r-side) so a
//! feature repeated on a path keeps following the side it was assigned to, and sums those
//! weights bottom-up so each split node credits its feature once.

use glassbox_core::ndarray::{Array2, Array3, ArrayView2};
use glassbox_core::{LEAF, Missing, SplitCondition, Tree, TreeEnsemble};
use rayon::prelude::*;

use super::ShapValues;
use crate::ExplainError;

/// Largest accepted background set. The cost is linear in the background size
/// (rows x background rows x trees x visited nodes); shap recommends 100 to 1000 rows, and
/// beyond 100 000 the mean over the background has converged far below any visible difference
/// while the run time does not.
pub const MAX_BACKGROUND: usize = 100_000;

/// Deepest tree accepted: the traversals are recursive, and this keeps their stack use far below
/// the 2 MiB of a worker thread.
pub const MAX_TREE_DEPTH: usize = 4096;

/// Feature state during one (x, r) traversal.
const FREE: u8 = 0;
/// The feature's path conditions so far are satisfied by `x` only (the feature joins S).
const X_SIDE: u8 = 1;
/// The feature's path conditions so far are satisfied by `r` only (the feature stays out of S).
const R_SIDE: u8 = 2;

/// Interventional SHAP values of `ensemble` for the rows of `x`, shape (samples, features),
/// against `background`, shape (background_samples, features).
///
/// Returns values of shape (samples, features, outputs) in the ensemble's margin (raw output)
/// space and base values of shape (samples, outputs), every row equal to the mean prediction
/// over the background. Missing values (NaN) follow each node's default direction, in `x` and
/// in the background alike. Rows are processed in parallel; the result does not depend on the
/// number of threads.
///
/// Errors: a width different from the model's feature count, an empty background or one larger
/// than [`MAX_BACKGROUND`], trees deeper than [`MAX_TREE_DEPTH`], or an invalid ensemble.
pub fn interventional_tree_shap(
    ensemble: &TreeEnsemble,
    x: ArrayView2<'_, f64>,
    background: ArrayView2<'_, f64>,
) -> Result<ShapValues, ExplainError> {
    let kernel = InterventionalKernel::new(ensemble, x, background)?;
    let (m, k) = (ensemble.n_features, ensemble.n_outputs);
    let n = x.nrows();
    let bg = background.as_standard_layout();
    let n_bg = bg.nrows();
    let base = kernel.mean_background_prediction(bg.view());

    let mut values = Array3::<f64>::zeros((n, m, k));
    if n > 0 && m * k > 0 {
        values
            .as_slice_mut()
            .expect("a fresh array is contiguous")
            .par_chunks_mut(m * k)
            .enumerate()
            .for_each_init(
                || Scratch::new(m),
                |scratch, (i, phi)| {
                    let xr = x.row(i).to_vec();
                    for t in 0..ensemble.trees.len() {
                        for r in bg.rows() {
                            let r = r.as_slice().expect("standard layout");
                            kernel.add_pair(t, &xr, r, phi, scratch);
                        }
                    }
                    let inv = 1.0 / n_bg as f64;
                    phi.iter_mut().for_each(|v| *v *= inv);
                },
            );
    }

    let base_values = Array2::from_shape_fn((n, k), |(_, o)| base[o]);
    Ok(ShapValues {
        values,
        base_values,
    })
}

/// Per-thread scratch space of the traversal.
pub(crate) struct Scratch {
    state: Vec<u8>,
}

impl Scratch {
    /// Scratch for a model with `m` features.
    pub(crate) fn new(m: usize) -> Self {
        Scratch {
            state: vec![FREE; m],
        }
    }
}

/// The validated ensemble plus the Shapley weight tables: adds the Shapley values of one
/// (x, r, tree) game to an accumulator.
pub(crate) struct InterventionalKernel<'a> {
    ensemble: &'a TreeEnsemble,
    /// Each tree as one packed node array (one cache line holds 2-3 nodes; the traversal
    /// touches a node's split and children together).
    packed: Vec<Vec<Node>>,
    /// `pos[a * stride + b] = (a-1)! b! / (a+b)!` for `a >= 1`, else 0.
    pos: Vec<f64>,
    /// `neg[a * stride + b] = a! (b-1)! / (a+b)!` for `b >= 1`, else 0.
    neg: Vec<f64>,
    stride: usize,
}

impl<'a> InterventionalKernel<'a> {
    /// Validates the ensemble and the widths of `x` (samples, features) and `background`
    /// (background_samples, features), and builds the weight tables.
    pub(crate) fn new(
        ensemble: &'a TreeEnsemble,
        x: ArrayView2<'_, f64>,
        background: ArrayView2<'_, f64>,
    ) -> Result<Self, ExplainError> {
        ensemble.validate()?;
        let m = ensemble.n_features;
        if x.ncols() != m {
            return Err(ExplainError::InvalidArgument(format!(
                "explained data has {} columns, the model expects {m} features",
                x.ncols()
            )));
        }
        if background.ncols() != m {
            return Err(ExplainError::InvalidArgument(format!(
                "background data has {} columns, the model expects {m} features",
                background.ncols()
            )));
        }
        if background.nrows() == 0 {
            return Err(ExplainError::InvalidArgument(
                "background data has no rows; interventional TreeSHAP needs at least 1".into(),
            ));
        }
        if background.nrows() > MAX_BACKGROUND {
            return Err(ExplainError::InvalidArgument(format!(
                "background data has {} rows, at most {MAX_BACKGROUND} are accepted \
                 (subsample it: 100 to 1000 rows are usually enough)",
                background.nrows()
            )));
        }
        let depth = ensemble.max_depth();
        if depth > MAX_TREE_DEPTH {
            return Err(ExplainError::Unsupported(format!(
                "a tree has depth {depth}, interventional TreeSHAP accepts at most {MAX_TREE_DEPTH}"
            )));
        }
        // a + b counts distinct features on one path.
        let l = depth.min(m);
        let stride = l + 1;
        let binom = pascal(l);
        let mut pos = vec![0.0; stride * stride];
        let mut neg = vec![0.0; stride * stride];
        for a in 0..=l {
            for b in 0..=(l - a) {
                let c = binom[(a + b) * stride + a];
                if a > 0 {
                    pos[a * stride + b] = 1.0 / (a as f64 * c);
                }
                if b > 0 {
                    neg[a * stride + b] = 1.0 / (b as f64 * c);
                }
            }
        }
        let packed = ensemble
            .trees
            .iter()
            .zip(&ensemble.tree_weight)
            .map(|(t, &w)| pack(t, w, ensemble.split))
            .collect();
        Ok(InterventionalKernel {
            ensemble,
            packed,
            pos,
            neg,
            stride,
        })
    }

    /// Mean margin prediction over the background rows, length (outputs,).
    pub(crate) fn mean_background_prediction(&self, background: ArrayView2<'_, f64>) -> Vec<f64> {
        let k = self.ensemble.n_outputs;
        let mut sum = vec![0.0; k];
        let mut pred = vec![0.0; k];
        for r in background.rows() {
            self.ensemble.predict_row_into(r, &mut pred);
            sum.iter_mut().zip(&pred).for_each(|(s, p)| *s += p);
        }
        let inv = 1.0 / background.nrows() as f64;
        sum.iter_mut().for_each(|s| *s *= inv);
        sum
    }

    /// Adds the Shapley values of the game `v(S) = tree_t(x_S, r_{not S})` (times the tree's
    /// weight) to `phi`, laid out (features, outputs) row-major, in the tree's output column.
    pub(crate) fn add_pair(
        &self,
        t: usize,
        x: &[f64],
        r: &[f64],
        phi: &mut [f64],
        scratch: &mut Scratch,
    ) {
        let e = self.ensemble;
        let walk = Walk {
            nodes: &self.packed[t],
            x,
            r,
            output: e.tree_output[t],
            n_outputs: e.n_outputs,
            pos: &self.pos,
            neg: &self.neg,
            stride: self.stride,
        };
        walk.recurse(0, 0, 0, &mut scratch.state, phi);
    }
}

/// Binomial coefficients `C(n, k)` for `n <= l`, row-major with stride `l + 1` (Pascal's
/// triangle: exact integers in f64 up to n = 56, relative error ~n·eps beyond).
fn pascal(l: usize) -> Vec<f64> {
    let s = l + 1;
    let mut c = vec![0.0; s * s];
    for n in 0..=l {
        c[n * s] = 1.0;
        for k in 1..=n {
            c[n * s + k] = c[(n - 1) * s + k - 1] + if k < n { c[(n - 1) * s + k] } else { 0.0 };
        }
    }
    c
}

/// A tree node packed for the traversal.
#[derive(Clone, Copy, Debug)]
struct Node {
    /// The threshold at a split; the leaf value times the tree weight at a leaf.
    t: f64,
    /// Left child, or [`LEAF`].
    left: u32,
    right: u32,
    feature: u32,
    /// Bit 0: default left; bits 1-2: [`Missing`] kind (0 Default, 1 ZeroDefault, 2 AsZero);
    /// bit 3: the split is `x < t` (else `x <= t`).
    flags: u8,
}

/// LightGBM's zero threshold, as in core's `Tree::goes_left`.
const ZERO_THRESHOLD: f64 = 1e-35;

impl Node {
    /// Same decision as core's [`Tree::goes_left`] (a unit test compares them exhaustively).
    #[inline]
    fn goes_left(&self, v: f64) -> bool {
        let default_left = self.flags & 1 != 0;
        let v = match (self.flags >> 1) & 3 {
            0 => {
                if v.is_nan() {
                    return default_left;
                }
                v
            }
            1 => {
                if v.is_nan() || v.abs() <= ZERO_THRESHOLD {
                    return default_left;
                }
                v
            }
            _ => {
                if v.is_nan() {
                    0.0
                } else {
                    v
                }
            }
        };
        if self.flags & 8 != 0 {
            v < self.t
        } else {
            v <= self.t
        }
    }
}

/// Packs `tree` with its leaf values multiplied by `weight`.
fn pack(tree: &Tree, weight: f64, split: SplitCondition) -> Vec<Node> {
    (0..tree.n_nodes())
        .map(|n| {
            let leaf = tree.is_leaf(n);
            let missing = match tree.missing[n] {
                Missing::Default => 0u8,
                Missing::ZeroDefault => 1,
                Missing::AsZero => 2,
            };
            Node {
                t: if leaf {
                    weight * tree.value[n]
                } else {
                    tree.threshold[n]
                },
                left: tree.left[n],
                right: tree.right[n],
                feature: tree.feature[n],
                flags: u8::from(tree.default_left[n])
                    | missing << 1
                    | u8::from(split == SplitCondition::Less) << 3,
            }
        })
        .collect()
}

/// One (x, r, tree) traversal.
struct Walk<'t> {
    nodes: &'t [Node],
    x: &'t [f64],
    r: &'t [f64],
    output: usize,
    n_outputs: usize,
    pos: &'t [f64],
    neg: &'t [f64],
    stride: usize,
}

impl Walk<'_> {
    /// Visits `node` with `a` features on the x side and `b` on the r side; returns
    /// `(P, N)`: the sums over the leaves below of `value * pos[a][b]` and `value * neg[a][b]`
    /// (the per-feature credit of an x-side and the per-feature debit of an r-side feature).
    fn recurse(
        &self,
        node: usize,
        a: usize,
        b: usize,
        state: &mut [u8],
        phi: &mut [f64],
    ) -> (f64, f64) {
        let nd = self.nodes[node];
        if nd.left == LEAF {
            if a == 0 && b == 0 {
                return (0.0, 0.0);
            }
            let i = a * self.stride + b;
            return (nd.t * self.pos[i], nd.t * self.neg[i]);
        }
        let j = nd.feature as usize;
        let (left, right) = (nd.left as usize, nd.right as usize);
        let x_left = nd.goes_left(self.x[j]);
        let x_child = if x_left { left } else { right };
        match state[j] {
            X_SIDE => return self.recurse(x_child, a, b, state, phi),
            R_SIDE => {
                let r_child = if nd.goes_left(self.r[j]) { left } else { right };
                return self.recurse(r_child, a, b, state, phi);
            }
            _ => {}
        }
        let r_left = nd.goes_left(self.r[j]);
        if x_left == r_left {
            return self.recurse(x_child, a, b, state, phi);
        }
        let r_child = if r_left { left } else { right };
        state[j] = X_SIDE;
        let (px, nx) = self.recurse(x_child, a + 1, b, state, phi);
        state[j] = R_SIDE;
        let (pr, nr) = self.recurse(r_child, a, b + 1, state, phi);
        state[j] = FREE;
        phi[j * self.n_outputs + self.output] += px - nr;
        (px + pr, nx + nr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pascal_rows_are_binomials() {
        let c = pascal(6);
        assert_eq!(
            &c[6 * 7..6 * 7 + 7],
            &[1.0, 6.0, 15.0, 20.0, 15.0, 6.0, 1.0]
        );
        assert_eq!(c[0], 1.0);
    }

    #[test]
    fn packed_split_decides_like_core() {
        let values = [
            f64::NAN,
            0.0,
            -0.0,
            1e-36,
            -1e-36,
            1e-30,
            0.5,
            1.0,
            -1.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        let thresholds = [0.0, 0.5, 1.0, -1.0, 1e-36];
        for missing in [Missing::Default, Missing::ZeroDefault, Missing::AsZero] {
            for default_left in [false, true] {
                for split in [SplitCondition::LessOrEqual, SplitCondition::Less] {
                    for &th in &thresholds {
                        let mut tree = Tree::leaf(0.0, 2.0);
                        tree.left = vec![1, LEAF, LEAF];
                        tree.right = vec![2, LEAF, LEAF];
                        tree.feature = vec![0; 3];
                        tree.threshold = vec![th, 0.0, 0.0];
                        tree.default_left = vec![true; 3];
                        tree.missing = vec![Missing::Default; 3];
                        tree.cover = vec![2.0, 1.0, 1.0];
                        tree.value = vec![0.0; 3];
                        tree.validate(1).unwrap();
                        tree.missing[0] = missing;
                        tree.default_left[0] = default_left;
                        let node = pack(&tree, 1.0, split)[0];
                        for &v in &values {
                            assert_eq!(
                                node.goes_left(v),
                                tree.goes_left(0, v, split),
                                "{missing:?} {default_left} {split:?} t={th} v={v}"
                            );
                        }
                    }
                }
            }
        }
    }
}
