//! Exact path-dependent TreeSHAP in `O(nodes · n)` per tree and row, `n = ceil(D / 2)` for `D`
//! distinct features on the longest path (Linear TreeSHAP, Yu et al. 2022, made exact with
//! Gauss–Legendre quadrature).
//!
//! # The value function
//! `v(S) = E[f(x) | x_S]`: a split on a known feature follows `x` ([`Tree::next`], so missing
//! values behave exactly as in prediction); a split on an unknown feature follows both children,
//! weighted by their cover shares `cover[child] / (cover[left] + cover[right])` (1/2 each when
//! both are zero). For consistent covers this is the classic `cover[child] / cover[parent]`, and
//! the base value `v(empty)` equals [`TreeEnsemble::expected_value`].
//!
//! # The algorithm
//! For a leaf with value `v` whose path splits on the distinct features `D`, feature `j` has a
//! combined one fraction `o_j` (1 iff `x` follows every split on `j` on the path) and zero
//! fraction `z_j` (the product of the cover shares of those splits). The leaf's game is
//! `v(S) = v prod_{j in S} o_j prod_{j in D \ S} z_j`, whose Shapley values are
//! `phi_i = v (o_i - z_i) ∫_0^1 prod_{j != i} (z_j (1 - t) + o_j t) dt`, because the Shapley
//! weight `k! (d - 1 - k)! / d!` is the Beta integral `∫ t^k (1 - t)^(d-1-k) dt`. The integrand is
//! a polynomial of degree `< d`, so `n = ceil(d / 2)` Gauss–Legendre points integrate it exactly.
//!
//! A depth-first sweep keeps `P(t_q) = prod_j f_j(t_q)` over the path's features at the `n`
//! quadrature points (a repeated feature multiplies by the stored reciprocal of its previous
//! combined factor). Going back up,
//! `S_u(q) = sum over leaves below u of v P(t_q)`. The edge into node `c` on feature `i` is the last
//! split on `i` for every leaf below `c` except those below a deeper split on `i`, so it adds
//! `(o_c - z_c) sum_q w_q G_c(q) / f_c(t_q)` to `phi_i`, where `G_c = S_c - sum S_u` over the nearest
//! deeper split nodes `u` on `i`. Every edge costs `O(n)`. A subtree whose combined fractions are
//! both zero (a zero-cover branch `x` does not take) contributes exactly nothing and is skipped.
//!
//! Everything that does not depend on `x` (pre-order layout, cover shares, the previous split on
//! the same feature, the number of points) is computed once per tree (`tree_shap_plan`). The
//! leaves are split between sweeps by the number of points their own path needs, so that the
//! many nodes near shallow leaves are not swept with the points of the deepest path (each leaf's
//! term is a separate exact integral). Rows are explained in blocks of `ROW_BLOCK`, tree by
//! tree, and one sweep over a tree's nodes serves every row of the block: the control flow
//! (pre-order walk, leaf or internal, leaving finished nodes) depends only on the tree, so its
//! cost and its branch mispredictions are shared by the rows, while each row's path enters the
//! arithmetic as data. Per-thread buffers, no allocation per row. All terms of the
//! quadrature sums are products of non-negative factors, so precision does not degrade with depth
//! (tested to ~1e-15 on paths of 90 distinct features, where the classic algorithm loses digits).
//!
//! # Fast TreeSHAP v2 tables for shallow trees
//! A tree whose units (the leaves below one node) have at most
//! 10 (`tree_shap_v2::MAX_SLOTS`) distinct path features can instead be explained
//! with precomputed tables (`tree_shap_v2`: per leaf and pattern of one fractions, the terms that
//! do not depend on `x`), at `O(internal nodes + table values read)` per row after an
//! `O(leaves 2^d d)` build. Preparing, [`TreeShap`] picks per tree the tables when they fit (at
//! most 256 MiB in all, in tree order) and pay: their estimated build time is at most the
//! estimated time they save on `R` rows, `R = 1000` for [`TreeShap::new`] and the batch's rows for
//! [`tree_shap`] ([`TreeShap::for_rows`]). Estimates, calibrated on the bench models: 6 ns per node
//! and quadrature lane of the sweep per row; 0.75 ns per internal node and table value read per
//! row; 2 ns per leaf, pattern and slot or point to build (a 500-tree depth-6 XGBoost model pays
//! back after ~130 rows). The choice depends on the ensemble and `R` only, never on the rows'
//! values, their split into batches or the thread count; the two algorithms agree to rounding
//! (~1e-14 relative).
//!
//! Measured on the 2-core benchmark machine (shared, loaded: one and two threads timed alike),
//! 1050 rows x 37 features, prepare plus explain, median of 7 (`benches/tree_shap_tables.rs`):
//! XGBoost 500 trees of depth 6, sweep 0.44 s, tables 0.135 s (all 500 trees; ~0.04 s of it the
//! build, at most ~50 MB of tables); LightGBM 300 trees of 31 leaves, sweep 0.23 s, tables
//! 0.12 s (263 trees; ~0.04 s build). [`tree_shap`] on 1 or 64 rows takes as long as the sweep
//! (few or no tables); [`TreeShap::new`] pays the whole build even for one row (~0.04 s on
//! these models instead of ~4 ms), so prepare it once for many rows, or use
//! [`TreeShap::for_rows`].

use glassbox_core::model::check_input;
use glassbox_core::ndarray::{Array2, Array3, ArrayView2, s};
use glassbox_core::{SplitCondition, Tree, TreeEnsemble};
use rayon::prelude::*;

use super::ShapValues;
use super::tree_shap_plan::{LANE, Lane, NONE, PlanNode, Quadrature, Sweep, TreePlan};
use super::tree_shap_v2::{TableTree, build_tables, explain_tables, go_left as split_rows};
use crate::ExplainError;

/// Rows explained together, tree by tree, in one sweep over each tree's nodes.
const ROW_BLOCK: usize = 32;
/// [`TreeShap::new`] builds a tree's tables when they pay for themselves (estimated) within this
/// many rows.
const PAYBACK_ROWS: f64 = 1000.0;
/// Which algorithm [`TreeShap`] uses per tree (for tests and benchmarks; the values agree to
/// rounding).
#[doc(hidden)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TreeShapAlgorithm {
    /// Tables where they pay and fit (the rule in the module doc), the quadrature sweep elsewhere.
    #[default]
    Auto,
    /// The quadrature sweep (Linear TreeSHAP) for every tree.
    Linear,
    /// Fast TreeSHAP v2 tables for every tree that fits (slots and size budget).
    Tables,
}

/// Exact path-dependent TreeSHAP values (see the module doc), parallel over rows (rayon; the
/// result does not depend on the thread count).
///
/// `x` has shape (samples, features). Returns values, shape (samples, features, outputs), and base
/// values, shape (samples, outputs): `v(empty)` per output, the same for every row (equal to
/// [`TreeEnsemble::expected_value`] for consistent covers). To explain several batches of rows
/// of one ensemble, prepare it once with [`TreeShap::new`]. Prepares with
/// [`TreeShap::for_rows`] for the rows of `x`, so that a small batch does not pay for tables.
pub fn tree_shap(
    ensemble: &TreeEnsemble,
    x: ArrayView2<'_, f64>,
) -> Result<ShapValues, ExplainError> {
    TreeShap::for_rows(ensemble, x.nrows())?.shap_values(x)
}

/// Path-dependent TreeSHAP prepared for one ensemble: the validation, each tree's plan, the
/// quadratures and the base values are built once and reused for every batch of rows (the
/// chunks a progress bar reports, or rows that arrive over time). The values of a batch do not
/// depend on how the rows were split into batches, nor on the thread count. They are those of
/// [`tree_shap`] bit for bit when both chose the same algorithm for every tree (always for
/// [`TreeShap::for_rows`] with the batch's number of rows), and agree to rounding (~1e-14) else.
pub struct TreeShap<'a> {
    ensemble: &'a TreeEnsemble,
    plans: Vec<TreePlan>,
    /// Fast TreeSHAP v2 tables, by tree index (those trees' plans have no sweeps).
    tables: Vec<(usize, TableTree)>,
    quads: Vec<Option<Quadrature>>,
    base: Vec<f64>,
    max_depth: usize,
    max_lanes: usize,
}

impl<'a> TreeShap<'a> {
    /// Validates `ensemble` and prepares it (parallel over trees), for many rows: trees get
    /// tables where these pay back within 1000 rows (see the module doc).
    pub fn new(ensemble: &'a TreeEnsemble) -> Result<TreeShap<'a>, ExplainError> {
        TreeShap::prepare(ensemble, TreeShapAlgorithm::Auto, PAYBACK_ROWS)
    }

    /// [`TreeShap::new`] for about `rows` rows in all: trees get tables only where these pay back
    /// within `rows` rows (none for a handful of rows).
    pub fn for_rows(ensemble: &'a TreeEnsemble, rows: usize) -> Result<TreeShap<'a>, ExplainError> {
        TreeShap::prepare(ensemble, TreeShapAlgorithm::Auto, rows as f64)
    }

    /// [`TreeShap::new`] with a chosen algorithm (for tests and benchmarks).
    #[doc(hidden)]
    pub fn with_algorithm(
        ensemble: &'a TreeEnsemble,
        algorithm: TreeShapAlgorithm,
    ) -> Result<TreeShap<'a>, ExplainError> {
        TreeShap::prepare(ensemble, algorithm, PAYBACK_ROWS)
    }

    /// Prepares with `algorithm`; [`TreeShapAlgorithm::Auto`] builds the tables that pay back
    /// within `payback_rows` rows.
    fn prepare(
        ensemble: &'a TreeEnsemble,
        algorithm: TreeShapAlgorithm,
        payback_rows: f64,
    ) -> Result<TreeShap<'a>, ExplainError> {
        ensemble.validate()?;
        let mut plans = ensemble
            .trees
            .par_iter()
            .enumerate()
            .map(|(t, tree)| TreePlan::new(tree, t, ensemble))
            .collect::<Result<Vec<_>, _>>()?;
        let mut base = ensemble.base_offset.clone();
        for plan in &plans {
            base[plan.output] += plan.expected;
        }
        let sweeps = || plans.iter().flat_map(|p| &p.sweeps);
        let max_n = sweeps().map(|s| s.n_quad).max().unwrap_or(1);
        let mut quads: Vec<Option<Quadrature>> = (0..=max_n).map(|_| None).collect();
        for sw in sweeps() {
            quads[sw.n_quad].get_or_insert_with(|| Quadrature::new(sw.n_quad));
        }
        let max_depth = plans.iter().map(|p| p.max_depth).max().unwrap_or(0);
        let tables = build_tables(ensemble, &plans, algorithm, payback_rows);
        for (t, _) in &tables {
            plans[*t].sweeps.clear();
        }
        Ok(TreeShap {
            ensemble,
            plans,
            tables,
            quads,
            base,
            max_depth,
            max_lanes: max_n.div_ceil(LANE),
        })
    }

    /// Trees explained with Fast TreeSHAP v2 tables (for tests and benchmarks).
    #[doc(hidden)]
    pub fn n_table_trees(&self) -> usize {
        self.tables.len()
    }

    /// The values of the rows `x`, shape (samples, features), as [`tree_shap`] returns them.
    pub fn shap_values(&self, x: ArrayView2<'_, f64>) -> Result<ShapValues, ExplainError> {
        self.shap_values_with(x, true)
    }

    /// [`TreeShap::shap_values`], optionally without the AVX build of the kernel (the results
    /// are bit-identical: both builds do the same operations in the same order, without fused
    /// multiply-adds).
    fn shap_values_with(
        &self,
        x: ArrayView2<'_, f64>,
        simd: bool,
    ) -> Result<ShapValues, ExplainError> {
        let ensemble = self.ensemble;
        check_input(x, ensemble.n_features)?;
        let (n, m, k) = (x.nrows(), ensemble.n_features, ensemble.n_outputs);
        let base_values = Array2::from_shape_fn((n, k), |(_, o)| self.base[o]);
        let (plans, quads) = (&self.plans, &self.quads);
        let (max_depth, max_lanes) = (self.max_depth, self.max_lanes);
        let mk = m * k;
        let block = Block {
            plans,
            trees: &ensemble.trees,
            quads,
            cond: ensemble.split,
            mk,
        };
        let mut values = vec![0.0; n * mk];
        if mk > 0 {
            // Blocks of rows share each tree's plan while it is hot in cache.
            values
                .par_chunks_mut(ROW_BLOCK * mk)
                .enumerate()
                .for_each_init(
                    || Workspace::new(max_depth, max_lanes, m),
                    |ws, (b, phis)| {
                        let rows = b * ROW_BLOCK..b * ROW_BLOCK + phis.len() / mk;
                        ws.x.clear();
                        ws.x.resize(ROW_BLOCK * m, 0.0);
                        for (r, row) in x.slice(s![rows, ..]).outer_iter().enumerate() {
                            for (f, &v) in row.iter().enumerate() {
                                ws.x[f * ROW_BLOCK + r] = v;
                            }
                        }
                        explain_block_best(&block, ws, phis, simd);
                    },
                );
        }
        if mk > 0 && !self.tables.is_empty() {
            explain_tables(&self.tables, ensemble, x, &mut values);
        }
        let values = Array3::from_shape_vec((n, m, k), values).expect("sized above");
        Ok(ShapValues {
            values,
            base_values,
        })
    }
}

/// Per-thread buffers, reused for every block and tree. Lane buffers are indexed by depth, row
/// of the block and lane (`(depth * rows + row) * lanes + lane`), scalar ones by depth and row
/// (`depth * ROW_BLOCK + row`). Level `ones_slot` of `o` and `z` (past the deepest level) holds the
/// neutral "no previous split" fractions.
struct Workspace {
    /// `P(t_q)` of the node on the current path at each depth.
    p: Vec<Lane>,
    /// `1 / f(t_q)` of the edge into the internal node at each depth.
    r: Vec<Lane>,
    /// All ones: the `1 / f` of a split that has no previous split on its feature.
    unit: Vec<Lane>,
    /// Attribution weights `(o - z) w_q / f(t_q)` of the edge into the internal node at each
    /// depth.
    u: Vec<Lane>,
    /// `S(t_q)`: sum of `v P` over the leaves finished below the node at each depth.
    s: Vec<Lane>,
    /// Corrections `-sum S_u` from deeper splits on the same feature as the edge at each depth.
    a: Vec<Lane>,
    /// Combined one fraction (0 or 1) of the edge into the node at each depth; 1 in `ones_slot`.
    o: Vec<f64>,
    /// Combined zero fraction of the edge into the node at each depth; 1 in `ones_slot`.
    z: Vec<f64>,
    /// The current edge's combined one fraction, per row.
    on: [f64; ROW_BLOCK],
    /// The current edge's combined zero fraction, per row.
    zn: [f64; ROW_BLOCK],
    /// Pre-order position of the node at each depth.
    pos: Vec<u32>,
    /// Whether `x` goes left at the (internal) node at each depth.
    go_left: Vec<bool>,
    /// The block of rows being explained, feature-major (`feature * ROW_BLOCK + row`), so that
    /// a split reads its feature's values of all rows at once.
    x: Vec<f64>,
    /// Index of the neutral level.
    ones_slot: usize,
}

impl Workspace {
    fn new(max_depth: usize, lanes: usize, n_features: usize) -> Workspace {
        let levels = max_depth + 1;
        let buf = |fill: f64| vec![[fill; LANE]; levels * lanes * ROW_BLOCK];
        let mut o = vec![0.0; (levels + 1) * ROW_BLOCK];
        let mut z = vec![0.0; (levels + 1) * ROW_BLOCK];
        o[levels * ROW_BLOCK..].fill(1.0);
        z[levels * ROW_BLOCK..].fill(1.0);
        Workspace {
            p: buf(0.0),
            r: buf(0.0),
            unit: vec![[1.0; LANE]; lanes],
            u: buf(0.0),
            s: buf(0.0),
            a: buf(0.0),
            o,
            z,
            on: [0.0; ROW_BLOCK],
            zn: [0.0; ROW_BLOCK],
            pos: vec![0; levels],
            go_left: vec![false; levels * ROW_BLOCK],
            x: Vec::with_capacity(ROW_BLOCK * n_features),
            ones_slot: levels,
        }
    }
}

/// The number of lanes, known at compile time for the common widths so loops unroll.
trait Lanes: Copy {
    fn get(self) -> usize;
}

#[derive(Clone, Copy)]
struct Fixed<const L: usize>;
impl<const L: usize> Lanes for Fixed<L> {
    #[inline(always)]
    fn get(self) -> usize {
        L
    }
}

#[derive(Clone, Copy)]
struct Dynamic(usize);
impl Lanes for Dynamic {
    #[inline(always)]
    fn get(self) -> usize {
        self.0
    }
}

/// What every row block needs: the trees, their plans and quadrature rules.
struct Block<'a> {
    plans: &'a [TreePlan],
    trees: &'a [Tree],
    /// Quadrature rule by number of points.
    quads: &'a [Option<Quadrature>],
    cond: SplitCondition,
    /// Features times outputs: the length of one row's `phi`.
    mk: usize,
}

/// Explains the rows in `ws.x` into `phis` (one `mk` chunk per row), tree by tree,
/// all rows of the block in one sweep.
#[inline(always)]
fn explain_block(block: &Block<'_>, ws: &mut Workspace, phis: &mut [f64]) {
    let rows = Rows {
        n: phis.len() / block.mk,
        mk: block.mk,
    };
    for (plan, tree) in block.plans.iter().zip(block.trees) {
        for sweep in &plan.sweeps {
            let q = block.quads[sweep.n_quad]
                .as_ref()
                .expect("built for every sweep");
            explain_tree_dispatch(sweep, tree, block.cond, q, ws, rows, phis);
        }
    }
}

/// The rows of a block: how many, and the stride of `phi`.
#[derive(Clone, Copy)]
struct Rows {
    n: usize,
    mk: usize,
}

#[inline(never)]
fn explain_block_portable(block: &Block<'_>, ws: &mut Workspace, phis: &mut [f64]) {
    explain_block(block, ws, phis);
}

/// The same kernel compiled for AVX: the lane loops become 4-wide instead of 2-wide vector
/// instructions. Bit-identical results (no fused multiply-adds; tested). An AVX-512 build
/// (`avx512f`) measured the same as this one on the benchmarks (the lanes stay 4 wide).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
fn explain_block_avx(block: &Block<'_>, ws: &mut Workspace, phis: &mut [f64]) {
    explain_block(block, ws, phis);
}

/// Runs the AVX build when the CPU has AVX (and `simd` is set), else the portable one.
#[allow(unsafe_code)]
fn explain_block_best(block: &Block<'_>, ws: &mut Workspace, phis: &mut [f64], simd: bool) {
    #[cfg(target_arch = "x86_64")]
    if simd && std::arch::is_x86_feature_detected!("avx") {
        // SAFETY: `explain_block_avx` only needs AVX, which the CPU was just checked to have.
        unsafe { explain_block_avx(block, ws, phis) };
        return;
    }
    let _ = simd;
    explain_block_portable(block, ws, phis);
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn explain_tree_dispatch(
    plan: &Sweep,
    tree: &Tree,
    cond: SplitCondition,
    q: &Quadrature,
    ws: &mut Workspace,
    rows: Rows,
    phi: &mut [f64],
) {
    match q.t.len() {
        1 => explain_tree(Fixed::<1>, plan, tree, cond, q, ws, rows, phi),
        2 => explain_tree(Fixed::<2>, plan, tree, cond, q, ws, rows, phi),
        3 => explain_tree(Fixed::<3>, plan, tree, cond, q, ws, rows, phi),
        4 => explain_tree(Fixed::<4>, plan, tree, cond, q, ws, rows, phi),
        5 => explain_tree(Fixed::<5>, plan, tree, cond, q, ws, rows, phi),
        6 => explain_tree(Fixed::<6>, plan, tree, cond, q, ws, rows, phi),
        l => explain_tree(Dynamic(l), plan, tree, cond, q, ws, rows, phi),
    }
}

/// Adds one sweep's attributions for the rows of the block (`ws.x`) to `phi`, shape
/// (rows, features, outputs) flat.
///
/// The tree's structure drives the sweep and is shared by all rows of the block (one pass over
/// the nodes, whatever the number of rows); each row's path enters as data, branch-free: whether
/// `x` follows an edge is a 0/1 factor, a missing previous split on the same feature reads a
/// level of ones, and every internal node stores `R = 1 / f` and its attribution weights
/// `U = (o - z) w R` (for `o = 0` these are `-w / (1 - t)`), so leaving a node is one dot product
/// per row. Leaves are one fused pass: their `S / f` is `v P_parent R_old`. A row whose edge has
/// zero cover and is not taken (`o = z = 0`, so `f = 0`) carries `P = 0` below it with `R` read
/// as 1, and contributes exactly nothing; the subtree is skipped when that holds for every row.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn explain_tree<L: Lanes>(
    lanes: L,
    plan: &Sweep,
    tree: &Tree,
    cond: SplitCondition,
    q: &Quadrature,
    ws: &mut Workspace,
    rows: Rows,
    phi: &mut [f64],
) {
    let nodes = &plan.nodes[..];
    if nodes[0].is_leaf {
        return;
    }
    let w = lanes.get() * rows.n;
    let ones = ws.ones_slot;
    ws.p[..w].fill([1.0; LANE]);
    ws.s[..w].fill([0.0; LANE]);
    ws.a[..w].fill([0.0; LANE]);
    go_left(tree, cond, nodes[0].node as usize, 0, rows, ws);
    ws.pos[0] = 0;
    let mut cur = 0usize;
    let mut idx = 1usize;
    while idx < nodes.len() {
        let nd = &nodes[idx];
        let d = nd.depth as usize;
        while cur >= d {
            finish(lanes, rows, cur, &nodes[ws.pos[cur] as usize], ws, phi);
            cur -= 1;
        }
        // Combined fractions after this edge, from the previous split on the same feature
        // (or the level of ones when there is none).
        let k = (nd.prev as usize).min(ones);
        if !edge_fractions(nd, k, d, rows.n, ws) {
            // Zero cover and not taken by any row: nothing below contributes.
            idx = nd.end as usize;
            continue;
        }
        if nd.is_leaf {
            leaf(lanes, rows, nd, k, d, q, ws, phi);
            idx += 1;
            continue;
        }
        enter(lanes, rows.n, k, d, q, ws);
        go_left(tree, cond, nd.node as usize, d, rows, ws);
        ws.pos[d] = idx as u32;
        cur = d;
        idx += 1;
    }
    while cur >= 1 {
        finish(lanes, rows, cur, &nodes[ws.pos[cur] as usize], ws, phi);
        cur -= 1;
    }
}

/// Records, per row, whether `x` goes left at the internal `node` at depth `d`.
#[inline(always)]
fn go_left(
    tree: &Tree,
    cond: SplitCondition,
    node: usize,
    d: usize,
    rows: Rows,
    ws: &mut Workspace,
) {
    let xf = &ws.x[tree.feature[node] as usize * ROW_BLOCK..][..rows.n];
    let out = &mut ws.go_left[d * ROW_BLOCK..][..rows.n];
    split_rows(tree, node, cond, xf, out);
}

/// Each row's combined one and zero fractions after the edge into `nd` (depth `d`), from level
/// `k`, into `ws.on` and `ws.zn`; whether any row has one of them non-zero.
#[inline(always)]
fn edge_fractions(nd: &PlanNode, k: usize, d: usize, n: usize, ws: &mut Workspace) -> bool {
    let go = &ws.go_left[(d - 1) * ROW_BLOCK..][..n];
    let (o, z) = (&ws.o[k * ROW_BLOCK..][..n], &ws.z[k * ROW_BLOCK..][..n]);
    let mut live = false;
    for r in 0..n {
        let follows = f64::from(u8::from(nd.is_left == go[r]));
        let (on, zn) = (o[r] * follows, z[r] * nd.ratio);
        ws.on[r] = on;
        ws.zn[r] = zn;
        live |= on != 0.0 || zn != 0.0;
    }
    live
}

/// A leaf at depth `d`, per row: `S / f = v P_parent R_old` is added, times `f`, to the parent's
/// `S` and, weighted, to the attribution of the incoming edge.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn leaf<L: Lanes>(
    lanes: L,
    rows: Rows,
    nd: &PlanNode,
    k: usize,
    d: usize,
    q: &Quadrature,
    ws: &mut Workspace,
    phi: &mut [f64],
) {
    let nl = lanes.get();
    let w = nl * rows.n;
    let (tq, wq) = (&q.t[..nl], &q.w[..nl]);
    let v = nd.value;
    let Workspace {
        p,
        r,
        s,
        unit,
        on,
        zn,
        ..
    } = ws;
    for row in 0..rows.n {
        let (zn, c1) = (zn[row], on[row] - zn[row]);
        let off = row * nl;
        let src = &p[(d - 1) * w + off..][..nl];
        let rk = if k < d {
            &r[k * w + off..][..nl]
        } else {
            &unit[..nl]
        };
        let sp = &mut s[(d - 1) * w + off..][..nl];
        let mut acc = [0.0; LANE];
        for ((((spl, pl), rl), tl), wl) in sp.iter_mut().zip(src).zip(rk).zip(tq).zip(wq) {
            let (p, r, t, w, sp) = (*pl, *rl, *tl, *wl, *spl);
            let b = lane(|j| p[j] * r[j]);
            acc = lane(|j| acc[j] + w[j] * b[j]);
            *spl = lane(|j| sp[j] + v * b[j] * (zn + c1 * t[j]));
        }
        phi[row * rows.mk + nd.phi_index as usize] += c1 * v * sum_lane(acc);
    }
}

/// Enters the internal node at depth `d`, per row: `P = P_parent R_old f`, `R = 1 / f`,
/// `U = (o - z) w R`, the node's fractions, and empty `S` and `A`.
#[inline(always)]
fn enter<L: Lanes>(lanes: L, n: usize, k: usize, d: usize, q: &Quadrature, ws: &mut Workspace) {
    let nl = lanes.get();
    let w = nl * n;
    let (tq, wq) = (&q.t[..nl], &q.w[..nl]);
    let Workspace {
        p,
        r,
        u,
        o,
        z,
        unit,
        on,
        zn,
        ..
    } = ws;
    let (p_lo, p_hi) = p.split_at_mut(d * w);
    let (r_lo, r_hi) = r.split_at_mut(d * w);
    for row in 0..n {
        // f(t) = z (1 - t) + o t = zn + c1 t; `dead` makes R = 1 where f = 0.
        let (zn, on) = (zn[row], on[row]);
        let c1 = on - zn;
        let dead = f64::from(u8::from(on == 0.0 && zn == 0.0));
        let off = row * nl;
        let src = &p_lo[(d - 1) * w + off..][..nl];
        let rk = if k < d {
            &r_lo[k * w + off..][..nl]
        } else {
            &unit[..nl]
        };
        let lanes_out = p_hi[off..][..nl]
            .iter_mut()
            .zip(r_hi[off..][..nl].iter_mut())
            .zip(u[d * w + off..][..nl].iter_mut());
        for (((dl, rl), ul), (((pl, ol), tl), wl)) in
            lanes_out.zip(src.iter().zip(rk).zip(tq).zip(wq))
        {
            let (p, r_old, t, w) = (*pl, *ol, *tl, *wl);
            let f = lane(|j| zn + c1 * t[j]);
            let rf = lane(|j| 1.0 / (f[j] + dead));
            *dl = lane(|j| p[j] * r_old[j] * f[j]);
            *rl = rf;
            *ul = lane(|j| c1 * w[j] * rf[j]);
        }
        o[d * ROW_BLOCK + row] = on;
        z[d * ROW_BLOCK + row] = zn;
    }
    ws.s[d * w..][..w].fill([0.0; LANE]);
    ws.a[d * w..][..w].fill([0.0; LANE]);
}

/// Builds a lane element-wise; whole lanes are loaded before and stored after the arithmetic so
/// that the compiler turns each lane into one vector operation.
#[inline(always)]
fn lane(f: impl Fn(usize) -> f64) -> Lane {
    [f(0), f(1), f(2), f(3)]
}

#[inline(always)]
fn sum_lane(acc: Lane) -> f64 {
    (acc[0] + acc[1]) + (acc[2] + acc[3])
}

/// Leaves the internal node at depth `d` (all of its subtree is done), per row: registers it as
/// a deeper split for its ancestor edge on the same feature, attributes its incoming edge
/// (`sum_q U_q (S_q + A_q)`), and adds its `S` to its parent's.
#[inline(always)]
fn finish<L: Lanes>(
    lanes: L,
    rows: Rows,
    d: usize,
    nd: &PlanNode,
    ws: &mut Workspace,
    phi: &mut [f64],
) {
    let nl = lanes.get();
    let w = nl * rows.n;
    let Workspace { s, a, u, .. } = ws;
    let (s_lo, s_hi) = s.split_at_mut(d * w);
    let s_d = &s_hi[..w];
    if nd.anc != NONE {
        let k = nd.anc as usize;
        for (al, sl) in a[k * w..][..w].iter_mut().zip(s_d) {
            let (av, sv) = (*al, *sl);
            *al = lane(|j| av[j] - sv[j]);
        }
    }
    let a_d = &a[d * w..][..w];
    let u_d = &u[d * w..][..w];
    let parent = &mut s_lo[(d - 1) * w..][..w];
    for row in 0..rows.n {
        let off = row * nl;
        let mut acc = [0.0; LANE];
        let ins = s_d[off..][..nl]
            .iter()
            .zip(&a_d[off..][..nl])
            .zip(&u_d[off..][..nl]);
        for (((sl, al), ul), pl) in ins.zip(parent[off..][..nl].iter_mut()) {
            let (sv, av, uv, pv) = (*sl, *al, *ul, *pl);
            acc = lane(|j| acc[j] + uv[j] * (sv[j] + av[j]));
            *pl = lane(|j| pv[j] + sv[j]);
        }
        phi[row * rows.mk + nd.phi_index as usize] += sum_lane(acc);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padded_quadrature_keeps_weights_zero() {
        let q = Quadrature::new(5);
        assert_eq!(q.t.len(), 2);
        let flat: Vec<f64> = q.w.iter().flatten().copied().collect();
        assert_eq!(&flat[5..], &[0.0, 0.0, 0.0]);
        assert!(q.t.iter().flatten().all(|&t| t > 0.0 && t < 1.0));
    }

    /// A random tree over `m` features, up to `depth` levels, with consistent covers.
    fn random_tree(rng: &mut glassbox_core::rng::Rng, m: usize, depth: usize) -> Tree {
        let mut t = Tree::leaf(0.0, 0.0);
        let mut stack = vec![(0usize, 0usize)];
        let mut order = vec![];
        while let Some((n, d)) = stack.pop() {
            order.push(n);
            if d < depth && (d < 3 || rng.next_f64() < 0.8) {
                let l = t.n_nodes();
                for _ in 0..2 {
                    t.left.push(glassbox_core::LEAF);
                    t.right.push(glassbox_core::LEAF);
                    t.feature.push(0);
                    t.threshold.push(0.0);
                    t.default_left.push(rng.next_f64() < 0.5);
                    t.missing.push(glassbox_core::Missing::Default);
                    t.cover.push(0.0);
                    t.value.push(rng.normal());
                }
                t.left[n] = l as u32;
                t.right[n] = l as u32 + 1;
                t.feature[n] = rng.below(m) as u32;
                t.threshold[n] = rng.next_f64();
                stack.push((l, d + 1));
                stack.push((l + 1, d + 1));
            } else {
                t.cover[n] = 1.0 + rng.below(9) as f64;
            }
        }
        for &n in order.iter().rev() {
            if !t.is_leaf(n) {
                t.cover[n] = t.cover[t.left[n] as usize] + t.cover[t.right[n] as usize];
            }
        }
        t
    }

    #[test]
    fn vector_build_is_bit_identical_to_portable_build() {
        let mut rng = glassbox_core::rng::Rng::new(3);
        let m = 30;
        let trees: Vec<Tree> = (0..6)
            .map(|i| random_tree(&mut rng, m, 4 + 3 * i))
            .collect();
        let e = TreeEnsemble {
            tree_output: vec![0; trees.len()],
            tree_weight: vec![0.3; trees.len()],
            trees,
            base_offset: vec![0.0],
            n_features: m,
            n_outputs: 1,
            split: SplitCondition::LessOrEqual,
            feature_names: None,
        };
        let x = Array2::from_shape_fn((40, m), |_| {
            if rng.next_f64() < 0.05 {
                f64::NAN
            } else {
                rng.next_f64()
            }
        });
        let fast = TreeShap::new(&e)
            .unwrap()
            .shap_values_with(x.view(), true)
            .unwrap();
        let portable = TreeShap::new(&e)
            .unwrap()
            .shap_values_with(x.view(), false)
            .unwrap();
        assert!(fast.values.iter().any(|&v| v != 0.0));
        assert_eq!(fast, portable);
        // One preparation reused over uneven chunks gives the whole batch's values, bit for bit.
        let prepared = TreeShap::new(&e).unwrap();
        for (a, b) in [(0, 7), (7, 33), (33, 40)] {
            let part = prepared.shap_values(x.slice(s![a..b, ..])).unwrap();
            assert_eq!(part.values, fast.values.slice(s![a..b, .., ..]));
            assert_eq!(part.base_values, fast.base_values.slice(s![a..b, ..]));
        }
        // `tree_shap` prepares for its rows: bit for bit as `for_rows` with as many.
        let for_rows = TreeShap::for_rows(&e, 40).unwrap();
        let direct = tree_shap(&e, x.view()).unwrap();
        assert_eq!(direct, for_rows.shap_values(x.view()).unwrap());
        for (a, b) in direct.values.iter().zip(&fast.values) {
            assert!((a - b).abs() <= 1e-12 * b.abs().max(1.0), "{a} vs {b}");
        }
    }
}
