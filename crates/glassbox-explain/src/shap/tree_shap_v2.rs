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
//! `w <= d_u + 1`. The integrals are computed with the Gauss–Legendre rule of
//! `ceil(w / 2)` points, which is exact; every term is a product of non-negative factors
//! (prefix and suffix products, no division, so zero covers need no special case).
//!
//! # Costs
//! A tree whose deepest unit has `w` slots stores `sum_units 2^(d_u + 1) w` values and builds them
//! in `O(leaves 2^w w^2)`; a row costs `O(internal nodes + sum_units w)`. [`TableTree::new`]
//! returns `None` past [`MAX_SLOTS`] slots; the caller also bounds the total size.

use glassbox_core::{SplitCondition, Tree};

use super::gauss_legendre::gauss_legendre;

/// Most slots (distinct path features of a unit) a tree may need for tables: `2^(w+1) w` values
/// per unit grow too fast beyond it.
pub(super) const MAX_SLOTS: usize = 10;

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

/// Table values a tree needs (`sum_units 2^(d_u + 1) w`), or `None` past [`MAX_SLOTS`] slots.
/// Same walk as the build, without the integrals.
pub(super) fn table_len(tree: &Tree) -> Option<usize> {
    if tree.is_leaf(0) {
        return Some(0);
    }
    let mut total = 0usize;
    let mut stack = vec![(0usize, Vec::<u32>::new())];
    while let Some((node, feats)) = stack.pop() {
        let d = feats.len();
        let mut below = feats.clone();
        if !below.contains(&tree.feature[node]) {
            below.push(tree.feature[node]);
        }
        if below.len() > MAX_SLOTS {
            return None;
        }
        let kids = [tree.left[node] as usize, tree.right[node] as usize];
        if kids.iter().any(|&c| tree.is_leaf(c)) {
            total += (1usize << (d + 1)) * below.len();
        }
        for c in kids {
            if !tree.is_leaf(c) {
                stack.push((c, below.clone()));
            }
        }
    }
    Some(total)
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
        self.table.resize(offset + rows * width, 0.0);
        let mut scratch = Integrals::new(width);
        for idx in 0..rows {
            let (nf_u, g) = (idx & ((1 << d) - 1), idx >> d == 1);
            let row = &mut self.table[offset + idx * width..][..width];
            for leaf in leaves {
                let nf = nf_u | usize::from(g != leaf.is_left) << leaf.slot;
                scratch.add(leaf.value, &leaf.zero, nf, rule, row);
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

    /// Internal nodes (the length of the scratch buffers [`TableTree::explain_row`] needs).
    pub(super) fn n_inner(&self) -> usize {
        self.inner.len()
    }

    /// Adds this tree's attributions for the row `x` (all features) to `phi` (features times
    /// outputs, flat). `nf` and `go` are scratch of at least [`TableTree::n_inner`] entries.
    #[inline]
    pub(super) fn explain_row(
        &self,
        tree: &Tree,
        cond: SplitCondition,
        x: &[f64],
        phi: &mut [f64],
        nf: &mut [u32],
        go: &mut [u32],
    ) {
        let n = self.inner.len();
        let (nf, go) = (&mut nf[..n], &mut go[..n]);
        if let Some(root) = nf.first_mut() {
            *root = 0;
        }
        for (pos, nd) in self.inner.iter().enumerate() {
            let gl = tree.goes_left(nd.node as usize, x[nd.feature as usize], cond);
            let p = nd.parent as usize;
            let miss = u32::from((go[p] != 0) != nd.is_left) & u32::from(pos != 0);
            nf[pos] = nf[p] | (miss << nd.slot);
            go[pos] = u32::from(gl);
        }
        for u in &self.units {
            let i = u.inner as usize;
            let idx = (nf[i] | (go[i] << u.d)) as usize;
            let w = u.width as usize;
            let row = &self.table[u.offset + idx * w..][..w];
            for (&v, &k) in row.iter().zip(&self.phi_index[u.phi..][..w]) {
                phi[k as usize] += v;
            }
        }
    }
}

/// Scratch for the integrals of one leaf and pattern.
struct Integrals {
    /// `f_j(t_q)` by slot, at one point.
    f: Vec<f64>,
    /// Suffix products of `f` by slot.
    suffix: Vec<f64>,
    /// `sum_q w_q prod_{j != i} f_j(t_q)` by slot.
    acc: Vec<f64>,
}

impl Integrals {
    fn new(width: usize) -> Integrals {
        Integrals {
            f: vec![0.0; width],
            suffix: vec![0.0; width + 1],
            acc: vec![0.0; width],
        }
    }

    /// Adds `v (o_i - z_i) ∫ prod_{j != i} (z_j (1 - t) + o_j t) dt` to `row[i]` for each slot
    /// `i` (`row` and `zero` have one entry per slot), with `o_j = 0` where bit `j` of `nf` is set.
    fn add(&mut self, v: f64, zero: &[f64], nf: usize, rule: &Rule, row: &mut [f64]) {
        let w = row.len();
        let one = |j: usize| f64::from(u8::from(nf >> j & 1 == 0));
        let (f, suffix, acc) = (&mut self.f[..w], &mut self.suffix[..=w], &mut self.acc[..w]);
        acc.fill(0.0);
        for (&t, &wq) in rule.0.iter().zip(&rule.1) {
            for (j, fj) in f.iter_mut().enumerate() {
                *fj = zero[j] * (1.0 - t) + one(j) * t;
            }
            suffix[w] = 1.0;
            for j in (0..w).rev() {
                suffix[j] = suffix[j + 1] * f[j];
            }
            let mut prefix = 1.0;
            for j in 0..w {
                acc[j] += wq * (prefix * suffix[j + 1]);
                prefix *= f[j];
            }
        }
        for (i, r) in row.iter_mut().enumerate() {
            *r += v * (one(i) - zero[i]) * acc[i];
        }
    }
}
