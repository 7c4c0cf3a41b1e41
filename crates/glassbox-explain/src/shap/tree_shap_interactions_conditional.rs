//! SHAP interaction values by conditioning (shap's `shap_interaction_values` algorithm,
//! Lundberg et al. 2020): the reference implementation beside the faster quadrature algorithm
//! of [`super::tree_shap_interactions`](fn@super::tree_shap_interactions); both compute the same quantity and the tests check
//! each against brute force.
//!
//! Why conditioning computes it: with feature `h` held present, the game on the other `M-1`
//! features is `S ↦ v(S∪{h})`; held absent, `S ↦ v(S)`. The Shapley value of `j` in the
//! difference of these two games is exactly `2·Phi[h][j]`. Both conditioned games are
//! computed by the classic TreeSHAP recursion (Lundberg, Erion & Lee 2018, Algorithm 2) with a
//! condition: at a split on `h`, "present" follows only `x`'s branch and "absent" follows both,
//! weighted by cover; `h` itself is never put on the path. Per row and tree this costs
//! `1 + 2·U` recursions of `O(L D^2)` for the `U` distinct features the tree splits on.

use glassbox_core::ndarray::{Array2, Array4, ArrayView2};
use glassbox_core::{SplitCondition, Tree, TreeEnsemble};
use rayon::prelude::*;

use super::tree_shap_interactions::{
    InteractionValues, check_inputs, path_dependent_base, tree_features,
};
use crate::ExplainError;

/// Deepest tree this algorithm accepts: its path buffer holds `O(depth^2)` elements per worker
/// (512 -> 4 MiB); use [`tree_shap_interactions`](fn@super::tree_shap_interactions) beyond.
pub const MAX_CONDITIONAL_DEPTH: usize = 512;

/// Path-dependent SHAP interaction values by shap's conditioning algorithm; same contract as
/// [`tree_shap_interactions`](fn@super::tree_shap_interactions) (rows of `x`: shape
/// (samples, features); margin space), slower on deep trees.
///
/// Missing values (NaN) follow each node's default direction. Nodes with zero cover give their
/// children weight 0 in the "absent" expectation. Rows are processed in parallel; the result
/// does not depend on the number of threads.
///
/// Errors: a width different from the model's feature count, trees deeper than
/// [`MAX_CONDITIONAL_DEPTH`], a result larger than
/// [`MAX_INTERACTION_ENTRIES`](super::tree_shap_interactions::MAX_INTERACTION_ENTRIES), an
/// invalid ensemble.
pub fn tree_shap_interactions_conditional(
    ensemble: &TreeEnsemble,
    x: ArrayView2<'_, f64>,
) -> Result<InteractionValues, ExplainError> {
    let depth = check_inputs(ensemble, x)?;
    if depth > MAX_CONDITIONAL_DEPTH {
        return Err(ExplainError::Unsupported(format!(
            "a tree has depth {depth}, conditioning interaction values accept at most \
             {MAX_CONDITIONAL_DEPTH}"
        )));
    }
    let (m, k, n) = (ensemble.n_features, ensemble.n_outputs, x.nrows());
    let tree_features = tree_features(ensemble);
    let base = path_dependent_base(ensemble);

    // Path buffer: one path per recursion level, each at most depth + 2 elements long.
    let buf_len = (depth + 2) * (depth + 3) / 2 + 1;
    let mut values = Array4::<f64>::zeros((n, m, m, k));
    if n > 0 && m * m * k > 0 {
        values
            .as_slice_mut()
            .expect("a fresh array is contiguous")
            .par_chunks_mut(m * m * k)
            .enumerate()
            .for_each_init(
                || RowScratch {
                    path: vec![PathElement::default(); buf_len],
                    phi: vec![0.0; m],
                    on: vec![0.0; m],
                    off: vec![0.0; m],
                },
                |s, (i, out)| {
                    let xr = x.row(i).to_vec();
                    // out is (features, features, outputs) row-major.
                    let at = |a: usize, b: usize, o: usize| (a * m + b) * k + o;
                    for (t, tree) in ensemble.trees.iter().enumerate() {
                        let o = ensemble.tree_output[t];
                        let run = Recursion {
                            tree,
                            split: ensemble.split,
                            x: &xr,
                            scale: ensemble.tree_weight[t],
                        };
                        let feats = &tree_features[t];
                        for &j in feats {
                            s.phi[j] = 0.0;
                        }
                        run.shap(&mut s.path, Condition::None, &mut s.phi);
                        for &j in feats {
                            out[at(j, j, o)] += s.phi[j];
                        }
                        for &h in feats {
                            for &j in feats {
                                s.on[j] = 0.0;
                                s.off[j] = 0.0;
                            }
                            run.shap(&mut s.path, Condition::Present(h), &mut s.on);
                            run.shap(&mut s.path, Condition::Absent(h), &mut s.off);
                            for &j in feats.iter().filter(|&&j| j != h) {
                                let val = 0.5 * (s.on[j] - s.off[j]);
                                out[at(h, j, o)] += val;
                                out[at(h, h, o)] -= val;
                            }
                        }
                    }
                },
            );
    }
    let base_values = Array2::from_shape_fn((n, k), |(_, o)| base[o]);
    Ok(InteractionValues {
        values,
        base_values,
    })
}

struct RowScratch {
    path: Vec<PathElement>,
    phi: Vec<f64>,
    on: Vec<f64>,
    off: Vec<f64>,
}

/// Which feature, if any, is held fixed during a recursion.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Condition {
    None,
    /// The feature is in every coalition: only `x`'s branch is followed.
    Present(usize),
    /// The feature is in no coalition: both branches, weighted by cover.
    Absent(usize),
}

impl Condition {
    fn feature(self) -> Option<usize> {
        match self {
            Condition::None => None,
            Condition::Present(h) | Condition::Absent(h) => Some(h),
        }
    }
}

/// One element of the path of distinct features above a node.
#[derive(Clone, Copy, Default, Debug)]
struct PathElement {
    /// The feature (usize::MAX for the root's placeholder).
    feature: usize,
    /// Fraction of the cover flowing down this path when the feature is absent.
    zero: f64,
    /// 1 if `x` follows this path at the feature's splits, else 0.
    one: f64,
    /// Permutation weight of the coalitions with this element's index many present features.
    pweight: f64,
}

const NO_FEATURE: usize = usize::MAX;

/// Appends a feature to `path[..len]` and updates the permutation weights (EXTEND).
fn extend(path: &mut [PathElement], len: &mut usize, zero: f64, one: f64, feature: usize) {
    let l = *len;
    path[l] = PathElement {
        feature,
        zero,
        one,
        pweight: if l == 0 { 1.0 } else { 0.0 },
    };
    let lf = (l + 1) as f64;
    for i in (0..l).rev() {
        path[i + 1].pweight += one * path[i].pweight * (i + 1) as f64 / lf;
        path[i].pweight = zero * path[i].pweight * (l - i) as f64 / lf;
    }
    *len = l + 1;
}

/// Removes element `idx` from `path[..len]`, undoing its EXTEND (UNWIND).
fn unwind(path: &mut [PathElement], len: &mut usize, idx: usize) {
    let d = *len - 1;
    let (one, zero) = (path[idx].one, path[idx].zero);
    let df = (d + 1) as f64;
    let mut next = path[d].pweight;
    for i in (0..d).rev() {
        if one != 0.0 {
            let tmp = path[i].pweight;
            path[i].pweight = next * df / ((i + 1) as f64 * one);
            next = tmp - path[i].pweight * zero * (d - i) as f64 / df;
        } else {
            path[i].pweight = path[i].pweight * df / (zero * (d - i) as f64);
        }
    }
    for i in idx..d {
        path[i].feature = path[i + 1].feature;
        path[i].zero = path[i + 1].zero;
        path[i].one = path[i + 1].one;
    }
    *len = d;
}

/// Sum of the permutation weights of `path[..len]` with element `idx` removed, without
/// modifying the path.
fn unwound_sum(path: &[PathElement], len: usize, idx: usize) -> f64 {
    let d = len - 1;
    let (one, zero) = (path[idx].one, path[idx].zero);
    let df = (d + 1) as f64;
    let mut next = path[d].pweight;
    let mut total = 0.0;
    for i in (0..d).rev() {
        if one != 0.0 {
            let tmp = next * df / ((i + 1) as f64 * one);
            total += tmp;
            next = path[i].pweight - tmp * zero * (d - i) as f64 / df;
        } else if zero != 0.0 {
            total += path[i].pweight * df / (zero * (d - i) as f64);
        }
    }
    total
}

/// The classic TreeSHAP recursion for one row and one tree.
struct Recursion<'t> {
    tree: &'t Tree,
    split: SplitCondition,
    x: &'t [f64],
    scale: f64,
}

impl Recursion<'_> {
    /// Adds the (conditioned) SHAP values of this tree, times its weight, to `phi` (features,).
    fn shap(&self, buf: &mut [PathElement], cond: Condition, phi: &mut [f64]) {
        self.recurse(0, buf, 0, 1.0, 1.0, NO_FEATURE, cond, 1.0, phi);
    }

    /// `buf[..parent_len]` holds the parent's path; this node's path is built right after it.
    #[allow(clippy::too_many_arguments)]
    fn recurse(
        &self,
        node: usize,
        buf: &mut [PathElement],
        parent_len: usize,
        zero: f64,
        one: f64,
        feature: usize,
        cond: Condition,
        cond_fraction: f64,
        phi: &mut [f64],
    ) {
        if cond_fraction == 0.0 {
            return;
        }
        let (parent, rest) = buf.split_at_mut(parent_len);
        rest[..parent_len].copy_from_slice(parent);
        let mut len = parent_len;
        if cond.feature() != Some(feature) || feature == NO_FEATURE {
            // Both fractions zero: every coalition's weight in this subtree has a zero factor
            // (and UNWIND would divide by it), so the subtree contributes exactly nothing.
            if zero == 0.0 && one == 0.0 {
                return;
            }
            extend(rest, &mut len, zero, one, feature);
        }
        let tree = self.tree;
        if tree.is_leaf(node) {
            let v = tree.value[node] * self.scale * cond_fraction;
            for i in 1..len {
                let w = unwound_sum(rest, len, i);
                let el = rest[i];
                phi[el.feature] += w * (el.one - el.zero) * v;
            }
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
        let (hot_zero, cold_zero) = if w > 0.0 {
            (tree.cover[hot] / w, tree.cover[cold] / w)
        } else {
            (0.0, 0.0)
        };
        let (mut in_zero, mut in_one) = (1.0, 1.0);
        if let Some(k) = (1..len).find(|&i| rest[i].feature == j) {
            in_zero = rest[k].zero;
            in_one = rest[k].one;
            unwind(rest, &mut len, k);
        }
        let (mut hot_cf, mut cold_cf) = (cond_fraction, cond_fraction);
        match cond {
            Condition::Present(h) if h == j => cold_cf = 0.0,
            Condition::Absent(h) if h == j => {
                hot_cf *= hot_zero;
                cold_cf *= cold_zero;
            }
            _ => {}
        }
        self.recurse(
            hot,
            rest,
            len,
            hot_zero * in_zero,
            in_one,
            j,
            cond,
            hot_cf,
            phi,
        );
        self.recurse(
            cold,
            rest,
            len,
            cold_zero * in_zero,
            0.0,
            j,
            cond,
            cold_cf,
            phi,
        );
    }
}
