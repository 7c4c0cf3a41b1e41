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
//! the same feature, the number of points) is computed once per tree; rows are explained in
//! blocks, tree by tree, with per-thread buffers and no allocation per row. All terms of the
//! quadrature sums are products of non-negative factors, so precision does not degrade with depth
//! (tested to ~1e-15 on paths of 90 distinct features, where the classic algorithm loses digits).

use glassbox_core::model::check_input;
use glassbox_core::ndarray::{Array2, Array3, ArrayView2, s};
use glassbox_core::{SplitCondition, Tree, TreeEnsemble};
use rayon::prelude::*;

use super::ShapValues;
use super::gauss_legendre::gauss_legendre;
use crate::ExplainError;

/// Marks "no such ancestor" in depth fields.
const NONE: u16 = u16::MAX;
/// Quadrature values are processed in lanes of four so the inner loops vectorise.
const LANE: usize = 4;
type Lane = [f64; LANE];
/// Rows explained together, tree by tree.
const ROW_BLOCK: usize = 16;

/// Exact path-dependent TreeSHAP values (see the module doc), parallel over rows (rayon; the
/// result does not depend on the thread count).
///
/// `x` has shape (samples, features). Returns values, shape (samples, features, outputs), and base
/// values, shape (samples, outputs): `v(empty)` per output, the same for every row (equal to
/// [`TreeEnsemble::expected_value`] for consistent covers).
pub fn tree_shap(
    ensemble: &TreeEnsemble,
    x: ArrayView2<'_, f64>,
) -> Result<ShapValues, ExplainError> {
    tree_shap_with(ensemble, x, true)
}

/// [`tree_shap`], optionally without the AVX build of the kernel (the results are bit-identical:
/// both builds do the same operations in the same order, without fused multiply-adds).
fn tree_shap_with(
    ensemble: &TreeEnsemble,
    x: ArrayView2<'_, f64>,
    simd: bool,
) -> Result<ShapValues, ExplainError> {
    check_input(x, ensemble.n_features)?;
    ensemble.validate()?;
    let (n, m, k) = (x.nrows(), ensemble.n_features, ensemble.n_outputs);
    let plans = ensemble
        .trees
        .par_iter()
        .enumerate()
        .map(|(t, tree)| TreePlan::new(tree, t, ensemble))
        .collect::<Result<Vec<_>, _>>()?;

    let mut base = ensemble.base_offset.clone();
    for plan in &plans {
        base[plan.output] += plan.expected;
    }
    let base_values = Array2::from_shape_fn((n, k), |(_, o)| base[o]);

    let max_n = plans.iter().map(|p| p.n_quad).max().unwrap_or(1);
    let mut quads: Vec<Option<Quadrature>> = (0..=max_n).map(|_| None).collect();
    for plan in &plans {
        quads[plan.n_quad].get_or_insert_with(|| Quadrature::new(plan.n_quad));
    }
    let max_depth = plans.iter().map(|p| p.max_depth).max().unwrap_or(0);
    let max_lanes = max_n.div_ceil(LANE);

    let mk = m * k;
    let block = Block {
        plans: &plans,
        trees: &ensemble.trees,
        quads: &quads,
        cond: ensemble.split,
        m,
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
                    ws.x.extend(x.slice(s![rows, ..]).iter());
                    explain_block_best(&block, ws, phis, simd);
                },
            );
    }
    let values = Array3::from_shape_vec((n, m, k), values).expect("sized above");
    Ok(ShapValues {
        values,
        base_values,
    })
}

/// Gauss–Legendre rule with `n` points on `[0, 1]`, padded to whole lanes with zero weights.
#[derive(Clone, Debug)]
pub(crate) struct Quadrature {
    /// Nodes `t_q`.
    t: Vec<Lane>,
    /// Weights `w_q`.
    w: Vec<Lane>,
}

impl Quadrature {
    fn new(n: usize) -> Quadrature {
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

/// One node of a tree laid out in pre-order (left subtree first), with everything about it that
/// does not depend on `x`.
#[derive(Clone, Copy, Debug)]
struct PlanNode {
    /// Cover share of this node among its parent's children (root: 1).
    ratio: f64,
    /// Leaf value times the tree weight (leaves only).
    value: f64,
    /// Index in the [`Tree`].
    node: u32,
    /// Pre-order position just past this node's subtree.
    end: u32,
    /// `feature(parent) * n_outputs + output`: where this node's incoming edge attributes.
    phi_index: u32,
    depth: u16,
    /// Depth of the nearest ancestor whose incoming edge splits on the same feature as this
    /// node's incoming edge, or [`NONE`].
    prev: u16,
    /// Internal nodes: depth of the nearest node at or above this one whose incoming edge splits
    /// on this node's split feature, or [`NONE`].
    anc: u16,
    is_left: bool,
    is_leaf: bool,
}

/// Per-tree precomputation.
#[derive(Clone, Debug)]
struct TreePlan {
    nodes: Vec<PlanNode>,
    /// Quadrature points needed: `ceil(max distinct features on a path / 2)`, at least 1.
    n_quad: usize,
    max_depth: usize,
    /// Weighted `v(empty)` of this tree.
    expected: f64,
    output: usize,
}

impl TreePlan {
    fn new(tree: &Tree, t: usize, ens: &TreeEnsemble) -> Result<TreePlan, ExplainError> {
        let n = tree.n_nodes();
        let (output, weight) = (ens.tree_output[t], ens.tree_weight[t]);
        // Pre-order: (tree node, parent position, is_left).
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
        let max_depth = depth.iter().copied().max().unwrap_or(0);
        if max_depth >= NONE as usize {
            return Err(ExplainError::Unsupported(format!(
                "tree {t} is {max_depth} levels deep; TreeSHAP supports up to {} levels",
                NONE - 1
            )));
        }
        let mut end = vec![0usize; n];
        for pos in (0..n).rev() {
            end[pos] = if tree.is_leaf(order[pos].0) {
                pos + 1
            } else {
                end[right_pos[pos]]
            };
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
        // Distinct features on each root-to-leaf path (stamped per leaf).
        let mut stamp = vec![usize::MAX; ens.n_features];
        let mut max_unique = 0usize;
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
                let mut unique = 0;
                let mut a = pos;
                while a != 0 {
                    let f = edge_feature(a) as usize;
                    if stamp[f] != pos {
                        stamp[f] = pos;
                        unique += 1;
                    }
                    a = order[a].1;
                }
                max_unique = max_unique.max(unique);
            }
            nodes.push(PlanNode {
                ratio,
                value: weight * tree.value[node],
                node: node as u32,
                end: end[pos] as u32,
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
        Ok(TreePlan {
            nodes,
            n_quad: max_unique.div_ceil(2).max(1),
            max_depth,
            expected: weight * expected,
            output,
        })
    }
}

/// Per-thread buffers, indexed by depth (`depth * lanes + lane`), reused for every row and tree.
/// Slot `ones_slot` of `o` and `z` (past the deepest level) holds the neutral "no previous split"
/// fractions.
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
    /// Pre-order position of the node at each depth.
    pos: Vec<u32>,
    /// Whether `x` goes left at the (internal) node at each depth.
    go_left: Vec<bool>,
    /// The block of rows being explained, (rows, features) row-major.
    x: Vec<f64>,
    /// Index of the neutral slot.
    ones_slot: usize,
}

impl Workspace {
    fn new(max_depth: usize, lanes: usize, n_features: usize) -> Workspace {
        let levels = max_depth + 1;
        let buf = |fill: f64| vec![[fill; LANE]; levels * lanes];
        let mut o = vec![0.0; levels + 1];
        let mut z = vec![0.0; levels + 1];
        o[levels] = 1.0;
        z[levels] = 1.0;
        Workspace {
            p: buf(0.0),
            r: buf(0.0),
            unit: vec![[1.0; LANE]; lanes],
            u: buf(0.0),
            s: buf(0.0),
            a: buf(0.0),
            o,
            z,
            pos: vec![0; levels],
            go_left: vec![false; levels],
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
    /// Features.
    m: usize,
    /// Features times outputs: the length of one row's `phi`.
    mk: usize,
}

/// Explains the rows in `ws.x` (row-major) into `phis` (one `mk` chunk per row), tree by tree.
#[inline(always)]
fn explain_block(block: &Block<'_>, ws: &mut Workspace, phis: &mut [f64]) {
    for (plan, tree) in block.plans.iter().zip(block.trees) {
        let q = block.quads[plan.n_quad]
            .as_ref()
            .expect("built for every plan");
        for (r, phi) in phis.chunks_mut(block.mk).enumerate() {
            explain_tree_dispatch(plan, tree, block.cond, q, ws, r * block.m, phi);
        }
    }
}

#[inline(never)]
fn explain_block_portable(block: &Block<'_>, ws: &mut Workspace, phis: &mut [f64]) {
    explain_block(block, ws, phis);
}

/// The same kernel compiled for AVX: the lane loops become 4-wide instead of 2-wide vector
/// instructions. Measured on the benchmark forest (shared 2-core AMD EPYC): 5.2-5.6 s instead of
/// 5.8 s on one thread. Bit-identical results (no fused multiply-adds; tested).
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
    plan: &TreePlan,
    tree: &Tree,
    cond: SplitCondition,
    q: &Quadrature,
    ws: &mut Workspace,
    row_offset: usize,
    phi: &mut [f64],
) {
    match q.t.len() {
        1 => explain_tree(Fixed::<1>, plan, tree, cond, q, ws, row_offset, phi),
        2 => explain_tree(Fixed::<2>, plan, tree, cond, q, ws, row_offset, phi),
        3 => explain_tree(Fixed::<3>, plan, tree, cond, q, ws, row_offset, phi),
        4 => explain_tree(Fixed::<4>, plan, tree, cond, q, ws, row_offset, phi),
        5 => explain_tree(Fixed::<5>, plan, tree, cond, q, ws, row_offset, phi),
        6 => explain_tree(Fixed::<6>, plan, tree, cond, q, ws, row_offset, phi),
        l => explain_tree(Dynamic(l), plan, tree, cond, q, ws, row_offset, phi),
    }
}

/// Adds one tree's attributions for the row at `ws.x[row_offset..]` to `phi`, shape
/// (features, outputs) flat.
///
/// Branch-free in the data: whether `x` follows an edge enters as a 0/1 factor, a missing
/// previous split on the same feature reads a slot of ones, and every internal node stores
/// `R = 1 / f` and its attribution weights `U = (o - z) w R` (for `o = 0` these are
/// `-w / (1 - t)`), so leaving a node is one dot product. Leaves are one fused pass: their
/// `S / f` is `v P_parent R_old`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn explain_tree<L: Lanes>(
    lanes: L,
    plan: &TreePlan,
    tree: &Tree,
    cond: SplitCondition,
    q: &Quadrature,
    ws: &mut Workspace,
    row_offset: usize,
    phi: &mut [f64],
) {
    let nodes = &plan.nodes[..];
    if nodes[0].is_leaf {
        return;
    }
    let nl = lanes.get();
    let ones = ws.ones_slot;
    let Workspace {
        p,
        r,
        u,
        s,
        a,
        o,
        z,
        pos: stack_pos,
        go_left,
        x,
        unit,
        ..
    } = ws;
    let x = &x[row_offset..];
    let (tq, wq) = (&q.t[..nl], &q.w[..nl]);
    p[..nl].fill([1.0; LANE]);
    s[..nl].fill([0.0; LANE]);
    a[..nl].fill([0.0; LANE]);
    let root = nodes[0].node as usize;
    go_left[0] = tree.goes_left(root, x[tree.feature[root] as usize], cond);
    stack_pos[0] = 0;
    let mut cur = 0usize;
    let mut idx = 1usize;
    while idx < nodes.len() {
        let nd = &nodes[idx];
        let d = nd.depth as usize;
        while cur >= d {
            let fin = &nodes[stack_pos[cur] as usize];
            finish(lanes, cur, fin, s, a, u, phi);
            cur -= 1;
        }
        // Combined fractions after this edge, from the previous split on the same feature
        // (or the slot of ones when there is none).
        let k = (nd.prev as usize).min(ones);
        let follows = f64::from(u8::from(nd.is_left == go_left[d - 1]));
        let on = o[k] * follows;
        let zn = z[k] * nd.ratio;
        if on == 0.0 && zn == 0.0 {
            // Zero cover and not taken by x: nothing below contributes to any coalition.
            idx = nd.end as usize;
            continue;
        }
        // f(t) = z (1 - t) + o t = zn + c1 t.
        let c1 = on - zn;
        let (p_lo, p_hi) = p.split_at_mut(d * nl);
        let src = &p_lo[(d - 1) * nl..][..nl];
        let (r_lo, r_hi) = r.split_at_mut(d * nl);
        let r_d = &mut r_hi[..nl];
        let rk = if k < d {
            &r_lo[k * nl..][..nl]
        } else {
            &unit[..nl]
        };
        if nd.is_leaf {
            // S = v P_parent R_old f, S / f = v P_parent R_old.
            let v = nd.value;
            let sp = &mut s[(d - 1) * nl..][..nl];
            let mut acc = [0.0; LANE];
            for ((((spl, pl), rl), tl), wl) in sp.iter_mut().zip(src).zip(rk).zip(tq).zip(wq) {
                let (p, r, t, w, sp) = (*pl, *rl, *tl, *wl, *spl);
                let b = lane(|j| p[j] * r[j]);
                acc = lane(|j| acc[j] + w[j] * b[j]);
                *spl = lane(|j| sp[j] + v * b[j] * (zn + c1 * t[j]));
            }
            phi[nd.phi_index as usize] += c1 * v * sum_lane(acc);
            idx += 1;
            continue;
        }
        let dst = &mut p_hi[..nl];
        let ud = &mut u[d * nl..][..nl];
        for (((((dl, rl), ul), sl), ol), (tl, wl)) in dst
            .iter_mut()
            .zip(r_d.iter_mut())
            .zip(ud.iter_mut())
            .zip(src)
            .zip(rk)
            .zip(tq.iter().zip(wq))
        {
            let (p, r_old, t, w) = (*sl, *ol, *tl, *wl);
            let f = lane(|j| zn + c1 * t[j]);
            let rf = lane(|j| 1.0 / f[j]);
            *dl = lane(|j| p[j] * r_old[j] * f[j]);
            *rl = rf;
            *ul = lane(|j| c1 * w[j] * rf[j]);
        }
        s[d * nl..][..nl].fill([0.0; LANE]);
        a[d * nl..][..nl].fill([0.0; LANE]);
        let node = nd.node as usize;
        go_left[d] = tree.goes_left(node, x[tree.feature[node] as usize], cond);
        o[d] = on;
        z[d] = zn;
        stack_pos[d] = idx as u32;
        cur = d;
        idx += 1;
    }
    while cur >= 1 {
        let fin = &nodes[stack_pos[cur] as usize];
        finish(lanes, cur, fin, s, a, u, phi);
        cur -= 1;
    }
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

/// Leaves the internal node at depth `d` (all of its subtree is done): registers it as a deeper
/// split for its ancestor edge on the same feature, attributes its incoming edge
/// (`sum_q U_q (S_q + A_q)`), and adds its `S` to its parent's.
#[inline(always)]
fn finish<L: Lanes>(
    lanes: L,
    d: usize,
    nd: &PlanNode,
    s: &mut [Lane],
    a: &mut [Lane],
    u: &[Lane],
    phi: &mut [f64],
) {
    let nl = lanes.get();
    let (s_lo, s_hi) = s.split_at_mut(d * nl);
    let s_d = &s_hi[..nl];
    if nd.anc != NONE {
        let k = nd.anc as usize;
        for (al, sl) in a[k * nl..][..nl].iter_mut().zip(s_d) {
            let (av, sv) = (*al, *sl);
            *al = lane(|j| av[j] - sv[j]);
        }
    }
    let a_d = &a[d * nl..][..nl];
    let u_d = &u[d * nl..][..nl];
    let mut acc = [0.0; LANE];
    for (((sl, al), ul), pl) in s_d
        .iter()
        .zip(a_d)
        .zip(u_d)
        .zip(s_lo[(d - 1) * nl..][..nl].iter_mut())
    {
        let (sv, av, uv, pv) = (*sl, *al, *ul, *pl);
        acc = lane(|j| acc[j] + uv[j] * (sv[j] + av[j]));
        *pl = lane(|j| pv[j] + sv[j]);
    }
    phi[nd.phi_index as usize] += sum_lane(acc);
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
        let fast = tree_shap_with(&e, x.view(), true).unwrap();
        let portable = tree_shap_with(&e, x.view(), false).unwrap();
        assert!(fast.values.iter().any(|&v| v != 0.0));
        assert_eq!(fast, portable);
    }
}
