//! Per-tree precomputation for [`super::tree_shap`]: everything that does not depend on `x`.
//!
//! A tree's leaves are grouped by the number of quadrature lanes their own path needs
//! (`ceil(ceil(d / 2) / LANE)` for `d` distinct features on the path), and each group gets its own
//! sweep: the pre-order nodes that have a leaf of the group below them, explained with the
//! smallest rule exact for the group's leaves. Every leaf's contribution is a separate exact
//! integral, so splitting the leaves between sweeps changes nothing but rounding; a leaf left out
//! of a sweep contributes exactly zero to it, and so does a subtree with no leaf of the sweep.
//! In a deep forest most nodes lie near the leaves, under only shallow or only deep leaves, so
//! most of the work runs with fewer lanes than the tree's deepest path would need. Groups of
//! adjacent lane counts are merged where that is cheaper (the shared ancestors are swept once).

use glassbox_core::{Tree, TreeEnsemble};

use super::gauss_legendre::gauss_legendre;
use crate::ExplainError;

/// Marks "no such ancestor" in depth fields.
pub(super) const NONE: u16 = u16::MAX;
/// Quadrature values are processed in lanes of four so the inner loops vectorise.
pub(super) const LANE: usize = 4;
pub(super) type Lane = [f64; LANE];
/// Per-node cost of a sweep besides its lanes, in lanes (for grouping leaves into sweeps).
const NODE_OVERHEAD: usize = 0;

/// Gauss–Legendre rule with `n` points on `[0, 1]`, padded to whole lanes with zero weights.
#[derive(Clone, Debug)]
pub(super) struct Quadrature {
    /// Nodes `t_q`.
    pub(super) t: Vec<Lane>,
    /// Weights `w_q`.
    pub(super) w: Vec<Lane>,
}

impl Quadrature {
    pub(super) fn new(n: usize) -> Quadrature {
        let (t, w) = gauss_legendre(n);
        let lanes = n.div_ceil(LANE);
        // Padding: t = 1/2 keeps every factor finite and non-zero; w = 0 removes it from sums.
        let mut tl = vec![[0.5; LANE]; lanes];
        let mut wl = vec![[0.0; LANE]; lanes];
        for q in 0..n {
            tl[q / LANE][q % LANE] = t[q];
            wl[q / LANE][q % LANE] = w[q];
        }
        Quadrature { t: tl, w: wl }
    }
}

/// One node of a sweep, in pre-order (left subtree first), with everything about it that does
/// not depend on `x`.
#[derive(Clone, Copy, Debug)]
pub(super) struct PlanNode {
    /// Cover share of this node among its parent's children (root: 1).
    pub(super) ratio: f64,
    /// Leaf value times the tree weight (leaves only).
    pub(super) value: f64,
    /// Index in the [`Tree`].
    pub(super) node: u32,
    /// Position in the sweep just past this node's subtree.
    pub(super) end: u32,
    /// `feature(parent) * n_outputs + output`: where this node's incoming edge attributes.
    pub(super) phi_index: u32,
    pub(super) depth: u16,
    /// Depth of the nearest ancestor whose incoming edge splits on the same feature as this
    /// node's incoming edge, or [`NONE`].
    pub(super) prev: u16,
    /// Internal nodes: depth of the nearest node at or above this one whose incoming edge splits
    /// on this node's split feature, or [`NONE`].
    pub(super) anc: u16,
    pub(super) is_left: bool,
    pub(super) is_leaf: bool,
}

/// One sweep over a tree: the nodes above a group of leaves and the points they need.
#[derive(Clone, Debug)]
pub(super) struct Sweep {
    pub(super) nodes: Vec<PlanNode>,
    /// Quadrature points: `ceil(max distinct features on a path to a leaf of the group / 2)`.
    pub(super) n_quad: usize,
}

/// Per-tree precomputation.
#[derive(Clone, Debug)]
pub(super) struct TreePlan {
    /// Sweeps whose leaves partition the tree's leaves (none for a single-leaf tree).
    pub(super) sweeps: Vec<Sweep>,
    pub(super) max_depth: usize,
    /// Weighted `v(empty)` of this tree.
    pub(super) expected: f64,
    pub(super) output: usize,
}

/// A tree in pre-order: tree node, parent position and side of each position, and depths.
struct PreOrder {
    order: Vec<(usize, usize, bool)>,
    depth: Vec<usize>,
    /// Position just past each position's subtree.
    end: Vec<usize>,
}

impl PreOrder {
    fn new(tree: &Tree) -> PreOrder {
        let n = tree.n_nodes();
        let mut order: Vec<(usize, usize, bool)> = Vec::with_capacity(n);
        let mut depth = Vec::with_capacity(n);
        let mut right_pos = vec![usize::MAX; n];
        let mut stack = vec![(0usize, usize::MAX, false, 0usize)];
        while let Some((node, parent, is_left, d)) = stack.pop() {
            let pos = order.len();
            if parent != usize::MAX && !is_left {
                right_pos[parent] = pos;
            }
            order.push((node, parent, is_left));
            depth.push(d);
            if !tree.is_leaf(node) {
                stack.push((tree.right[node] as usize, pos, false, d + 1));
                stack.push((tree.left[node] as usize, pos, true, d + 1));
            }
        }
        let mut end = vec![0usize; n];
        for pos in (0..n).rev() {
            end[pos] = if tree.is_leaf(order[pos].0) {
                pos + 1
            } else {
                end[right_pos[pos]]
            };
        }
        PreOrder { order, depth, end }
    }
}

impl TreePlan {
    pub(super) fn new(tree: &Tree, t: usize, ens: &TreeEnsemble) -> Result<TreePlan, ExplainError> {
        let n = tree.n_nodes();
        let (output, weight) = (ens.tree_output[t], ens.tree_weight[t]);
        let pre = PreOrder::new(tree);
        let (order, depth) = (&pre.order, &pre.depth);
        let max_depth = depth.iter().copied().max().unwrap_or(0);
        if max_depth >= NONE as usize {
            return Err(ExplainError::Unsupported(format!(
                "tree {t} is {max_depth} levels deep; TreeSHAP supports up to {} levels",
                NONE - 1
            )));
        }
        let edge_feature = |pos: usize| tree.feature[order[order[pos].1].0];
        // anc[pos] for internal nodes: walk up until an incoming edge splits on our feature.
        let mut anc = vec![NONE; n];
        for pos in 0..n {
            let node = order[pos].0;
            if tree.is_leaf(node) {
                continue;
            }
            let mut a = pos;
            while a != 0 {
                if edge_feature(a) == tree.feature[node] {
                    anc[pos] = depth[a] as u16;
                    break;
                }
                a = order[a].1;
            }
        }
        // Points needed by each leaf: distinct features on its path (stamped per leaf).
        let mut stamp = vec![usize::MAX; ens.n_features];
        let mut points = vec![0usize; n];
        let mut share = vec![1.0f64; n];
        let mut expected = 0.0;
        let mut nodes = Vec::with_capacity(n);
        for pos in 0..n {
            let (node, parent, is_left) = order[pos];
            let ratio = if pos == 0 {
                1.0
            } else {
                let p = order[parent].0;
                let total = tree.cover[tree.left[p] as usize] + tree.cover[tree.right[p] as usize];
                if total > 0.0 {
                    tree.cover[node] / total
                } else {
                    0.5
                }
            };
            if pos > 0 {
                share[pos] = share[parent] * ratio;
            }
            let is_leaf = tree.is_leaf(node);
            if is_leaf {
                expected += share[pos] * tree.value[node];
                let mut unique = 0usize;
                let mut a = pos;
                while a != 0 {
                    let f = edge_feature(a) as usize;
                    if stamp[f] != pos {
                        stamp[f] = pos;
                        unique += 1;
                    }
                    a = order[a].1;
                }
                points[pos] = unique.div_ceil(2).max(1);
            }
            nodes.push(PlanNode {
                ratio,
                value: weight * tree.value[node],
                node: node as u32,
                end: pre.end[pos] as u32,
                phi_index: if pos == 0 {
                    0
                } else {
                    (edge_feature(pos) as usize * ens.n_outputs + output) as u32
                },
                depth: depth[pos] as u16,
                prev: if pos == 0 { NONE } else { anc[parent] },
                anc: anc[pos],
                is_left,
                is_leaf,
            });
        }
        let sweeps = if n > 1 {
            split_sweeps(&nodes, order, &points)
        } else {
            Vec::new()
        };
        Ok(TreePlan {
            sweeps,
            max_depth,
            expected: weight * expected,
            output,
        })
    }
}

/// Groups the leaves by lanes needed (`points` per leaf position) into sweeps, merging adjacent
/// lane counts where one sweep over the union costs less than separate ones (dynamic
/// programming over contiguous groups; cost = nodes swept times (lanes + overhead)).
fn split_sweeps(
    nodes: &[PlanNode],
    order: &[(usize, usize, bool)],
    points: &[usize],
) -> Vec<Sweep> {
    let n = nodes.len();
    // Lane classes 0..64 (class c needs c + 1 lanes; deeper paths share the last class).
    let class = |pos: usize| (points[pos].div_ceil(LANE) - 1).min(63);
    let mut below = vec![0u64; n];
    for pos in (0..n).rev() {
        if nodes[pos].is_leaf {
            below[pos] |= 1 << class(pos);
        }
        if pos > 0 {
            let m = below[pos];
            below[order[pos].1] |= m;
        }
    }
    let classes = 64 - below[0].leading_zeros() as usize;
    let group = |i: usize, j: usize| (u64::MAX >> (63 - j)) & (u64::MAX << i);
    let count = |mask: u64| below.iter().filter(|&&b| b & mask != 0).count();
    // best[j]: cheapest split of classes 0..j; from[j]: start of its last group.
    let mut best = vec![0usize; classes + 1];
    let mut from = vec![0usize; classes + 1];
    for j in 1..=classes {
        best[j] = usize::MAX;
        for i in 0..j {
            let cost = best[i] + count(group(i, j - 1)) * (j + NODE_OVERHEAD);
            if cost < best[j] {
                best[j] = cost;
                from[j] = i;
            }
        }
    }
    let mut sweeps = Vec::new();
    let mut j = classes;
    while j > 0 {
        let i = from[j];
        let mask = group(i, j - 1);
        if count(mask) > 0 {
            sweeps.push(sweep(nodes, points, &below, mask));
        }
        j = i;
    }
    sweeps.reverse();
    sweeps
}

/// The sweep over the nodes with a leaf of the classes in `mask` below them (their leaves of
/// other classes dropped), with its `end` positions renumbered.
fn sweep(nodes: &[PlanNode], points: &[usize], below: &[u64], mask: u64) -> Sweep {
    let keep: Vec<bool> = below.iter().map(|&b| b & mask != 0).collect();
    // kept[i]: kept positions before i.
    let mut kept = Vec::with_capacity(nodes.len() + 1);
    kept.push(0u32);
    for &k in &keep {
        kept.push(kept.last().copied().unwrap_or(0) + u32::from(k));
    }
    let mut out = Vec::with_capacity(kept[nodes.len()] as usize);
    let mut n_quad = 1;
    for (pos, nd) in nodes.iter().enumerate() {
        if keep[pos] {
            if nd.is_leaf {
                n_quad = n_quad.max(points[pos]);
            }
            out.push(PlanNode {
                end: kept[nd.end as usize],
                ..*nd
            });
        }
    }
    Sweep { nodes: out, n_quad }
}
