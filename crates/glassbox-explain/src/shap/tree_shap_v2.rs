//! Fast TreeSHAP v2 (Yang 2022, arXiv:2109.09847) for path-dependent TreeSHAP: per tree, the part
//! of every leaf's Shapley sum that does not depend on `x` is tabulated for every pattern of the
//! path's one fractions, so that explaining a row costs one pass over the tree's internal nodes
//! plus `O(d)` table reads per leaf, instead of a sweep with `O(d)` quadrature work per node.
//!
//! # The tables
//! For a leaf with value `v` whose path splits on the distinct features `D` (`d = |D|`), with
//! combined zero fractions `z_j` (fixed per tree) and one fractions `o_j` in `{0, 1}`,
//! `phi_i = v (o_i - z_i) ∫_0^1 prod_{j != i} (z_j (1 - t) + o_j t) dt` (see [`super::tree_shap`]).
//! The one fractions are a bit pattern, so the leaf's contribution to each of its `d` features is
//! a function of `2^d` patterns only. Features get slots `0..d` in order of first appearance on
//! the path, so a node's slots are a prefix of its descendants' slots and a row's pattern at a
//! node is its parent's pattern plus the bit of the edge: `nf(c) = nf(p) | (x misses the split of
//! p) << slot(c)` (`nf` marks the features with a split that `x` does not follow; repeated
//! features combine by the `|`).
//!
//! The leaves below one internal node `u` form a unit: their patterns are functions of `nf(u)`
//! (`d_u` bits) and whether `x` goes left at `u` (one bit), so one table of `2^(d_u + 1)` rows
//! serves both leaves of a bottom pair (half the reads and memory of one table per leaf). A row
//! holds the unit's contributions to its `w` features (`u`'s path features and, if new, `u`'s own);
//! `w <= d_u + 1`. Each leaf's terms come from recurrences over the subsets of its slots (see
//! `LeafTable`) with the Gauss–Legendre rule of `ceil(d / 2)` points, which is exact; every term
//! is a product of non-negative factors (no division, so zero covers need no special case).
//!
//! # Costs
//! A tree whose deepest unit has `w` slots stores `sum_units 2^(d_u + 1) w` values and builds them
//! in `O(leaves 2^w (w + n))`; a row costs `O(internal nodes + sum_units w)`. [`table_cost`]
//! estimates the three without building; [`TableTree::new`] returns `None` past [`MAX_SLOTS`]
//! slots. [`build_tables`] picks the trees (the rule is in the module doc of
//! [`super::tree_shap`]) and [`explain_tables`] runs them over blocks of rows.

use glassbox_core::ndarray::{ArrayView2, s};
use glassbox_core::{Missing, SplitCondition, Tree, TreeEnsemble};
use rayon::prelude::*;

use super::gauss_legendre::gauss_legendre;
use super::tree_shap::TreeShapAlgorithm;
use super::tree_shap_plan::{LANE, TreePlan};

/// Most slots (distinct path features of a unit) a tree may need for tables: `2^(w+1) w` values
/// per unit grow too fast beyond it.
pub(super) const MAX_SLOTS: usize = 10;

/// Most rows explained together, tree by tree, with the tables of Fast TreeSHAP v2: larger
/// blocks read each tree's tables from memory fewer times. Blocks are smaller when that keeps
/// every thread busy with two of them (the values do not depend on the block size: each row
/// sums its trees in order).
const TABLE_ROW_BLOCK: usize = 256;
/// Fewest rows in a block of the tables (unless the batch has fewer).
const TABLE_MIN_BLOCK: usize = 64;
/// Most bytes of Fast TreeSHAP v2 tables for one ensemble.
const TABLE_BUDGET_BYTES: usize = 256 << 20;
/// Estimated nanoseconds per node and quadrature lane of the sweep, per row (calibrated on the
/// bench models, like [`ROW_NS_PER_STEP`] and [`BUILD_NS_PER_STEP`]).
const SWEEP_NS_PER_LANE: f64 = 6.0;

/// The trees that get Fast TreeSHAP v2 tables under `algorithm`, with their tables (parallel
/// over trees): those within [`MAX_SLOTS`] slots, while the total stays under the budget.
pub(super) fn build_tables(
    ensemble: &TreeEnsemble,
    plans: &[TreePlan],
    algorithm: TreeShapAlgorithm,
    payback_rows: f64,
) -> Vec<(usize, TableTree)> {
    if algorithm == TreeShapAlgorithm::Linear {
        return Vec::new();
    }
    let mut budget = TABLE_BUDGET_BYTES / std::mem::size_of::<f64>();
    let mut chosen = Vec::new();
    let costs: Vec<_> = ensemble.trees.par_iter().map(table_cost).collect();
    for (t, cost) in costs.into_iter().enumerate() {
        if plans[t].sweeps.is_empty() {
            continue;
        }
        let Some(cost) = cost.filter(|c| c.len <= budget) else {
            continue;
        };
        let sweep_ns: f64 = plans[t]
            .sweeps
            .iter()
            .map(|s| (s.nodes.len() * s.n_quad.div_ceil(LANE)) as f64 * SWEEP_NS_PER_LANE)
            .sum();
        let pays = cost.build_ns <= payback_rows * (sweep_ns - cost.row_ns);
        if algorithm == TreeShapAlgorithm::Tables || pays {
            budget -= cost.len;
            chosen.push(t);
        }
    }
    chosen
        .into_par_iter()
        .filter_map(|t| {
            let ctx = TreeContext {
                weight: ensemble.tree_weight[t],
                output: ensemble.tree_output[t],
                n_outputs: ensemble.n_outputs,
            };
            TableTree::new(&ensemble.trees[t], ctx).map(|tt| (t, tt))
        })
        .collect()
}

/// Adds the attributions of the trees with tables to `values`, shape (samples, features,
/// outputs) flat, parallel over blocks of rows (each row's sum runs in tree order, whatever the
/// thread count).
pub(super) fn explain_tables(
    tables: &[(usize, TableTree)],
    ensemble: &TreeEnsemble,
    x: ArrayView2<'_, f64>,
    values: &mut [f64],
) {
    let (m, mk) = (
        ensemble.n_features,
        ensemble.n_features * ensemble.n_outputs,
    );
    let n_inner = tables.iter().map(|(_, tt)| tt.n_inner()).max().unwrap_or(0);
    let threads = rayon::current_num_threads();
    let block = (x.nrows().div_ceil(2 * threads)).clamp(TABLE_MIN_BLOCK, TABLE_ROW_BLOCK);
    let scratch = n_inner * block;
    values.par_chunks_mut(block * mk).enumerate().for_each_init(
        || {
            (
                vec![0u32; scratch],
                vec![0u32; scratch],
                vec![0.0; m * block],
            )
        },
        |(go, nf, xs), (b, phis)| {
            let n = phis.len() / mk;
            let rows = b * block..b * block + n;
            for (r, row) in x.slice(s![rows, ..]).outer_iter().enumerate() {
                for (f, &v) in row.iter().enumerate() {
                    xs[f * block + r] = v;
                }
            }
            let shape = (n, block, mk);
            for (t, tt) in tables {
                let tree = &ensemble.trees[*t];
                tt.explain_block(tree, ensemble.split, xs, shape, phis, go, nf);
            }
        },
    );
}

/// A Gauss–Legendre rule on `[0, 1]`: nodes and weights.
type Rule = (Vec<f64>, Vec<f64>);

/// An internal node, in pre-order.
#[derive(Clone, Copy, Debug)]
struct Inner {
    /// Index in the [`Tree`].
    node: u32,
    /// Its split feature.
    feature: u32,
    /// Pre-order position of the parent among the internal nodes (root: itself).
    parent: u32,
    /// Slot of the feature of the edge into this node (root: 0, unused).
    slot: u8,
    /// Whether this node is its parent's left child (root: unused).
    is_left: bool,
}

/// The leaves below one internal node and their table.
#[derive(Clone, Copy, Debug)]
struct Unit {
    /// Pre-order position of the internal node among the internal nodes.
    inner: u32,
    /// `d_u`: the pattern index is `nf(u) | go_left(u) << d`.
    d: u8,
    /// Slots (features) a table row covers.
    width: u8,
    /// Start of the table in [`TableTree::table`] (row `i`, slot `k` at `offset + i * width + k`).
    offset: usize,
    /// Start of the slots' `phi` indices in [`TableTree::phi_index`].
    phi: usize,
}

/// Fast TreeSHAP v2 tables of one tree (see the module doc).
#[derive(Clone, Debug)]
pub(super) struct TableTree {
    inner: Vec<Inner>,
    units: Vec<Unit>,
    table: Vec<f64>,
    /// `feature * n_outputs + output` of each unit's slots, concatenated.
    phi_index: Vec<u32>,
}

/// What a tree's tables need about the ensemble.
#[derive(Clone, Copy, Debug)]
pub(super) struct TreeContext {
    pub(super) weight: f64,
    pub(super) output: usize,
    pub(super) n_outputs: usize,
}

/// The path state at a node during the build: slot features and combined zero fractions.
#[derive(Clone, Debug, Default)]
struct PathState {
    features: Vec<u32>,
    zero: Vec<f64>,
}

/// A leaf of a unit, for the build.
struct UnitLeaf {
    value: f64,
    is_left: bool,
    /// Slot of the unit node's feature.
    slot: usize,
    /// Combined zero fractions of the leaf's slots.
    zero: Vec<f64>,
}

/// Cover share of `child` among the children of `parent` (1/2 each when both are zero).
fn share(tree: &Tree, parent: usize, child: usize) -> f64 {
    let total = tree.cover[tree.left[parent] as usize] + tree.cover[tree.right[parent] as usize];
    if total > 0.0 {
        tree.cover[child] / total
    } else {
        0.5
    }
}

/// The path state after the edge `parent -> child`, and the slot of the edge's feature.
fn step(tree: &Tree, st: &PathState, parent: usize, child: usize) -> (PathState, usize) {
    let f = tree.feature[parent];
    let r = share(tree, parent, child);
    let mut next = st.clone();
    let slot = match st.features.iter().position(|&g| g == f) {
        Some(s) => {
            next.zero[s] *= r;
            s
        }
        None => {
            next.features.push(f);
            next.zero.push(r);
            st.features.len()
        }
    };
    (next, slot)
}

/// Estimated costs of a tree's tables, in nanoseconds of one core of the benchmark machine
/// (calibrated on the bench models: see the module doc of [`super::tree_shap`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct TableCost {
    /// Values stored (`sum_units 2^(d_u + 1) w`).
    pub(super) len: usize,
    /// Explaining one row.
    pub(super) row_ns: f64,
    /// Building the tables.
    pub(super) build_ns: f64,
}

/// Per internal node and per table value read, explaining a row.
const ROW_NS_PER_STEP: f64 = 0.75;
/// Per leaf, pattern and (quadrature point or slot), building.
const BUILD_NS_PER_STEP: f64 = 2.0;

/// The size and estimated costs of a tree's tables, or `None` past [`MAX_SLOTS`] slots. Same walk
/// as the build, without the integrals.
pub(super) fn table_cost(tree: &Tree) -> Option<TableCost> {
    let mut cost = TableCost {
        len: 0,
        row_ns: 0.0,
        build_ns: 0.0,
    };
    if tree.is_leaf(0) {
        return Some(cost);
    }
    // (node, slot features above it, how many): fixed arrays, no allocation per node.
    let mut stack = vec![(0usize, [0u32; MAX_SLOTS], 0usize)];
    while let Some((node, feats, d)) = stack.pop() {
        let (mut below, mut w) = (feats, d);
        if !feats[..d].contains(&tree.feature[node]) {
            if d == MAX_SLOTS {
                return None;
            }
            below[d] = tree.feature[node];
            w += 1;
        }
        let kids = [tree.left[node] as usize, tree.right[node] as usize];
        let leaves = kids.iter().filter(|&&c| tree.is_leaf(c)).count();
        cost.row_ns += ROW_NS_PER_STEP;
        if leaves > 0 {
            let rows = 1usize << (d + 1);
            cost.len += rows * w;
            cost.row_ns += ROW_NS_PER_STEP * w as f64;
            let steps = leaves * rows * (w.div_ceil(2) + w);
            cost.build_ns += BUILD_NS_PER_STEP * steps as f64;
        }
        for c in kids {
            if !tree.is_leaf(c) {
                stack.push((c, below, w));
            }
        }
    }
    Some(cost)
}

impl TableTree {
    /// Builds the tables of `tree`, or `None` when a unit needs more than [`MAX_SLOTS`] slots.
    pub(super) fn new(tree: &Tree, ctx: TreeContext) -> Option<TableTree> {
        let mut out = TableTree {
            inner: Vec::new(),
            units: Vec::new(),
            table: Vec::new(),
            phi_index: Vec::new(),
        };
        if tree.is_leaf(0) {
            return Some(out);
        }
        let mut rules: Vec<Option<Rule>> = vec![None; MAX_SLOTS + 1];
        // (tree node, parent position, is_left, slot of the incoming edge, state at the node)
        let mut stack = vec![(0usize, 0u32, false, 0usize, PathState::default())];
        while let Some((node, parent, is_left, slot, st)) = stack.pop() {
            let pos = out.inner.len() as u32;
            out.inner.push(Inner {
                node: node as u32,
                feature: tree.feature[node],
                parent: if pos == 0 { 0 } else { parent },
                slot: slot as u8,
                is_left,
            });
            let mut leaves = Vec::new();
            let mut width = st.features.len();
            let kids = [
                (tree.right[node] as usize, false),
                (tree.left[node] as usize, true),
            ];
            for (c, left) in kids {
                let (next, s) = step(tree, &st, node, c);
                width = next.features.len();
                if next.features.len() > MAX_SLOTS {
                    return None;
                }
                if tree.is_leaf(c) {
                    leaves.push(UnitLeaf {
                        value: ctx.weight * tree.value[c],
                        is_left: left,
                        slot: s,
                        zero: next.zero.clone(),
                    });
                } else {
                    stack.push((c, pos, left, s, next));
                }
            }
            if !leaves.is_empty() {
                let n_quad = width.div_ceil(2).max(1);
                let rule = rules[n_quad].get_or_insert_with(|| gauss_legendre(n_quad));
                let (next, _) = step(tree, &st, node, tree.left[node] as usize);
                out.push_unit(pos, st.features.len(), &next.features, &leaves, rule, ctx);
            }
        }
        Some(out)
    }

    /// Appends the unit of the internal node at position `pos` (`d` slots above it, `features` its
    /// leaves' slot features) with its table.
    fn push_unit(
        &mut self,
        pos: u32,
        d: usize,
        features: &[u32],
        leaves: &[UnitLeaf],
        rule: &Rule,
        ctx: TreeContext,
    ) {
        let width = features.len();
        let offset = self.table.len();
        let rows = 1usize << (d + 1);
        let full = (1usize << width) - 1;
        self.table.resize(offset + rows * width, 0.0);
        let mut leaf_table = LeafTable::default();
        for leaf in leaves {
            leaf_table.build(leaf.value, &leaf.zero, rule);
            for idx in 0..rows {
                let (nf_u, g) = (idx & ((1 << d) - 1), idx >> d == 1);
                let nf = nf_u | usize::from(g != leaf.is_left) << leaf.slot;
                let row = &mut self.table[offset + idx * width..][..width];
                let src = &leaf_table.values[(!nf & full) * width..][..width];
                for (r, &v) in row.iter_mut().zip(src) {
                    *r += v;
                }
            }
        }
        self.units.push(Unit {
            inner: pos,
            d: d as u8,
            width: width as u8,
            offset,
            phi: self.phi_index.len(),
        });
        self.phi_index.extend(
            features
                .iter()
                .map(|&f| (f as usize * ctx.n_outputs + ctx.output) as u32),
        );
    }

    /// Internal nodes (scratch of [`TableTree::explain_block`] is this times its stride).
    pub(super) fn n_inner(&self) -> usize {
        self.inner.len()
    }

    /// Adds this tree's attributions for a block of `n` rows to `phi` (row `r` at
    /// `r * mk..(r + 1) * mk`, features times outputs). `x` holds the block feature-major
    /// (`feature * stride + row`); `go` and `nf` are scratch of [`TableTree::n_inner`] times
    /// `stride` entries. Node by node over all rows (whether `x` goes left, then the patterns),
    /// then unit by unit.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn explain_block(
        &self,
        tree: &Tree,
        cond: SplitCondition,
        x: &[f64],
        (n, stride, mk): (usize, usize, usize),
        phi: &mut [f64],
        go: &mut [u32],
        nf: &mut [u32],
    ) {
        for (pos, nd) in self.inner.iter().enumerate() {
            let xf = &x[nd.feature as usize * stride..][..n];
            go_left(
                tree,
                nd.node as usize,
                cond,
                xf,
                &mut go[pos * stride..][..n],
            );
        }
        if let Some(root) = nf.get_mut(..n) {
            root.fill(0);
        }
        for (pos, nd) in self.inner.iter().enumerate().skip(1) {
            let p = nd.parent as usize;
            let (lo, hi) = nf.split_at_mut(pos * stride);
            let (gp, np) = (&go[p * stride..][..n], &lo[p * stride..][..n]);
            let left = u32::from(nd.is_left);
            for ((out, &g), &f) in hi[..n].iter_mut().zip(gp).zip(np) {
                *out = f | ((g ^ left) << nd.slot);
            }
        }
        for u in &self.units {
            let i = u.inner as usize * stride;
            let w = u.width as usize;
            let ks = &self.phi_index[u.phi..][..w];
            let table = &self.table[u.offset..];
            for r in 0..n {
                let idx = (nf[i + r] | (go[i + r] << u.d)) as usize;
                let row = &table[idx * w..][..w];
                let phi_r = &mut phi[r * mk..][..mk];
                for (&v, &k) in row.iter().zip(ks) {
                    phi_r[k as usize] += v;
                }
            }
        }
    }
}

/// Whether each value of `xf` goes left at the internal `node` ([`Tree::goes_left`], with the
/// split's kind resolved once for all rows).
#[inline]
pub(super) fn go_left<T: Copy + From<bool>>(
    tree: &Tree,
    node: usize,
    cond: SplitCondition,
    xf: &[f64],
    out: &mut [T],
) {
    let (thr, dl) = (tree.threshold[node], T::from(tree.default_left[node]));
    let rows = out.iter_mut().zip(xf);
    match (tree.missing[node], cond) {
        (Missing::Default, SplitCondition::Less) => {
            rows.for_each(|(g, &v)| *g = if v.is_nan() { dl } else { T::from(v < thr) });
        }
        (Missing::Default, SplitCondition::LessOrEqual) => {
            rows.for_each(|(g, &v)| *g = if v.is_nan() { dl } else { T::from(v <= thr) });
        }
        (Missing::AsZero, SplitCondition::Less) => {
            rows.for_each(|(g, &v)| *g = T::from(if v.is_nan() { 0.0 } else { v } < thr));
        }
        (Missing::AsZero, SplitCondition::LessOrEqual) => {
            rows.for_each(|(g, &v)| *g = T::from(if v.is_nan() { 0.0 } else { v } <= thr));
        }
        _ => rows.for_each(|(g, &v)| *g = T::from(tree.goes_left(node, v, cond))),
    }
}

/// One leaf's contributions for any pattern of one fractions, from two tables over the subsets
/// of its slots (buffers reused from leaf to leaf).
///
/// With `B` the slots of one fractions 1 (the others 0), slot `i`'s term is
/// `v (o_i - z_i) prod_{j not in B, j != i} z_j ∫ (1 - t)^(d - 1 - |O|) prod_{j in O} g_j(t) dt`,
/// `O = B \ {i}` and `g_j(t) = z_j (1 - t) + t`: the zero product is `Z(B | i)` with
/// `Z(B) = prod_{j not in B} z_j`, and the integral `J(O)` depends on `O` only. Both are tabulated
/// over the `2^d` subsets, each from a subset with one bit fewer or more (`O(2^d n)` work for `n`
/// quadrature points). Patterns that differ only in slot `i` share `Z(B | i) J(B \ {i})`, so the
/// `2^d d` terms cost one product per pair. All factors are non-negative.
#[derive(Default)]
struct LeafTable {
    /// `prod_{j in O} g_j(t_q)` by subset and point.
    prod: Vec<f64>,
    /// `(1 - t_q)^a` by power and point.
    pow: Vec<f64>,
    /// `J(O)` by subset.
    integral: Vec<f64>,
    /// `Z(B)` by subset.
    zero_prod: Vec<f64>,
    /// The contributions by pattern `B` (bit `j` set: `o_j = 1`) and slot.
    values: Vec<f64>,
}

impl LeafTable {
    /// Tabulates the contributions of a leaf with value `v` and combined zero fractions `zero`
    /// (one per slot) for every pattern.
    fn build(&mut self, v: f64, zero: &[f64], rule: &Rule) {
        let (d, n) = (zero.len(), rule.0.len());
        let subsets = 1usize << d;
        self.pow.clear();
        self.pow.resize(d * n, 1.0);
        for a in 1..d {
            for (q, &t) in rule.0.iter().enumerate() {
                self.pow[a * n + q] = self.pow[(a - 1) * n + q] * (1.0 - t);
            }
        }
        self.prod.clear();
        self.prod.resize(subsets * n, 1.0);
        self.integral.clear();
        self.integral.resize(subsets, 0.0);
        for o in 0..subsets {
            let size = o.count_ones() as usize;
            if o > 0 {
                let top = usize::BITS as usize - 1 - o.leading_zeros() as usize;
                let (lo, hi) = self.prod.split_at_mut(o * n);
                let prev = &lo[(o ^ (1 << top)) * n..][..n];
                for ((p, &pp), &t) in hi[..n].iter_mut().zip(prev).zip(&rule.0) {
                    *p = pp * (zero[top] * (1.0 - t) + t);
                }
            }
            if size < d {
                let pw = &self.pow[(d - 1 - size) * n..][..n];
                let pr = &self.prod[o * n..][..n];
                let terms = rule.1.iter().zip(pw).zip(pr);
                self.integral[o] = terms.map(|((w, a), b)| w * a * b).sum();
            }
        }
        self.zero_prod.clear();
        self.zero_prod.resize(subsets, 1.0);
        for b in (0..subsets - 1).rev() {
            let k = (!b).trailing_zeros() as usize;
            self.zero_prod[b] = zero[k] * self.zero_prod[b | 1 << k];
        }
        self.values.clear();
        self.values.resize(subsets * d, 0.0);
        for (i, &z) in zero.iter().enumerate() {
            let (c0, c1) = (v * (0.0 - z), v * (1.0 - z));
            for b in (0..subsets).filter(|b| b >> i & 1 == 0) {
                let k = self.zero_prod[b | 1 << i] * self.integral[b];
                self.values[b * d + i] = c0 * k;
                self.values[(b | 1 << i) * d + i] = c1 * k;
            }
        }
    }
}
