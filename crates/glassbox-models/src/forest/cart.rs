//! CART regression tree (MSE criterion) grown on presorted features, scikit-learn semantics.
//!
//! The classic presorted CART: every feature is sorted once for the whole forest
//! ([`Presorted`]); a tree keeps, for each feature, its in-bag samples in that feature's sorted
//! order, and every node owns the same contiguous range `start..end` in each feature's list.
//! Finding a node's best split is then one linear scan per feature (no sorting), and splitting a
//! node is one stable partition per feature (the left samples, in sorted order, then the right
//! ones), so a tree costs O(features x samples) per level.
//!
//! Bootstrap draws enter as integer sample weights (counts), as in scikit-learn: a node's cover
//! is the weighted number of samples reaching it (`weighted_n_node_samples`), its value the
//! weighted mean of `y`, and `min_samples_*` count distinct samples (`n_node_samples`).
//!
//! A split of `n` weighted samples into left (weight `wL`, weighted target sum `sL`) and right
//! maximises `sL^2/wL + sR^2/wR`, which is equivalent to minimising the weighted sum of the
//! children's variances. Ties keep the first split found: features in their visiting order
//! (index order when all features are considered), thresholds in increasing order.

use glassbox_core::rng::Rng;
use glassbox_core::{LEAF, Missing, Tree};
use rayon::prelude::*;

/// The training features, column-major, with each column's sample order sorted by value.
pub(crate) struct Presorted {
    /// Number of samples.
    pub n: usize,
    /// Number of features.
    pub m: usize,
    /// `cols[f * n + i]`: feature `f` of sample `i`.
    cols: Vec<f64>,
    /// `order[f * n..(f + 1) * n]`: sample indices sorted by feature `f` (ties by index).
    order: Vec<u32>,
}

impl Presorted {
    /// Copies and sorts `x`, shape (samples, features), finite values only.
    pub fn new(x: ndarray::ArrayView2<'_, f64>) -> Presorted {
        let (n, m) = x.dim();
        let mut cols = vec![0.0; n * m];
        for (f, col) in cols.chunks_mut(n.max(1)).enumerate().take(m) {
            for (c, &v) in col.iter_mut().zip(x.column(f)) {
                *c = v;
            }
        }
        let mut order = vec![0u32; n * m];
        if n > 0 {
            order
                .par_chunks_mut(n)
                .zip(cols.par_chunks(n))
                .for_each(|(ord, col)| {
                    for (k, o) in ord.iter_mut().enumerate() {
                        *o = k as u32;
                    }
                    // Keys (value, index) are unique, so the unstable sort is deterministic.
                    ord.sort_unstable_by(|&a, &b| {
                        col[a as usize].total_cmp(&col[b as usize]).then(a.cmp(&b))
                    });
                });
        }
        Presorted { n, m, cols, order }
    }
}

/// Stopping rules and feature sampling of one tree.
pub(crate) struct CartConfig {
    /// Nodes at this depth become leaves (`usize::MAX`: unlimited).
    pub max_depth: usize,
    /// Minimum distinct samples to split a node (>= 2).
    pub min_samples_split: usize,
    /// Minimum distinct samples per leaf (>= 1).
    pub min_samples_leaf: usize,
    /// Non-constant features examined per node (1..=m).
    pub max_features: usize,
}

/// A grown tree and its unnormalised impurity decreases per feature (MDI numerators:
/// `sum over splits on f of w_node*imp_node - w_left*imp_left - w_right*imp_right`).
pub(crate) struct GrownTree {
    pub tree: Tree,
    pub importance: Vec<f64>,
}

/// A node waiting to be grown: its range in every feature list and its weighted statistics.
struct Pending {
    start: usize,
    end: usize,
    depth: usize,
    /// Parent node id and whether this is its left child (`u32::MAX` for the root).
    parent: u32,
    is_left: bool,
}

/// The best split of a node found so far.
struct Best {
    proxy: f64,
    feature: usize,
    /// Number of distinct samples going left.
    n_left: usize,
}

/// Grows one tree on the samples with `counts[i] > 0`, each weighted by its count.
///
/// `y` has one entry per sample of `data`; `rng` drives the feature sampling (it is not used
/// when every feature is considered).
pub(crate) fn grow_tree(
    data: &Presorted,
    y: &[f64],
    counts: &[u32],
    cfg: &CartConfig,
    rng: &mut Rng,
) -> GrownTree {
    let (n, m) = (data.n, data.m);
    // Compact ids for the in-bag samples keep the per-sample arrays small (L1-resident).
    let mut local = vec![u32::MAX; n];
    let mut ys = Vec::new();
    let mut ws = Vec::new();
    let mut yws = Vec::new();
    for i in 0..n {
        if counts[i] > 0 {
            local[i] = ys.len() as u32;
            let w = counts[i] as f64;
            ys.push(y[i]);
            ws.push(w);
            yws.push(w * y[i]);
        }
    }
    let n_in = ys.len();
    let mut vals = vec![0.0; m * n_in];
    let mut ids = vec![0u32; m * n_in];
    for f in 0..m {
        let mut k = f * n_in;
        for &i in &data.order[f * n..(f + 1) * n] {
            let l = local[i as usize];
            if l != u32::MAX {
                vals[k] = data.cols[f * n + i as usize];
                ids[k] = l;
                k += 1;
            }
        }
    }

    let mut tree = Tree {
        left: Vec::new(),
        right: Vec::new(),
        feature: Vec::new(),
        threshold: Vec::new(),
        default_left: Vec::new(),
        missing: Vec::new(),
        cover: Vec::new(),
        value: Vec::new(),
    };
    let mut importance = vec![0.0; m];
    let mut goes_left = vec![false; n_in];
    let mut scratch_v = vec![0.0; n_in];
    let mut scratch_i = vec![0u32; n_in];
    let mut features: Vec<usize> = (0..m).collect();

    let mut stack = vec![Pending {
        start: 0,
        end: n_in,
        depth: 0,
        parent: u32::MAX,
        is_left: false,
    }];
    while let Some(node) = stack.pop() {
        // Preorder ids (left subtree first), as scikit-learn's depth-first builder.
        let id = tree.left.len() as u32;
        if node.parent != u32::MAX {
            let p = node.parent as usize;
            if node.is_left {
                tree.left[p] = id;
            } else {
                tree.right[p] = id;
            }
        }
        tree.left.push(LEAF);
        tree.right.push(LEAF);
        tree.feature.push(0);
        tree.threshold.push(0.0);
        tree.default_left.push(true);
        tree.missing.push(Missing::Default);

        let (start, end) = (node.start, node.end);
        let count = end - start;
        // Summed afresh at every node rather than passed down as parent - sibling, so rounding
        // does not accumulate with depth; a pure node's value is its target, exactly.
        let stats = node_stats(&ids[start..end], &ws, &yws, &ys);
        tree.cover.push(stats.w);
        tree.value.push(if stats.pure {
            stats.y0
        } else {
            stats.s / stats.w
        });
        if node.depth >= cfg.max_depth
            || count < cfg.min_samples_split
            || count < 2 * cfg.min_samples_leaf
            || stats.pure
        {
            continue;
        }

        let mut best: Option<Best> = None;
        let mut visited = 0;
        for k in 0..m {
            if visited >= cfg.max_features {
                break;
            }
            if cfg.max_features < m {
                let j = k + rng.below(m - k);
                features.swap(k, j);
            }
            let f = features[k];
            let base = f * n_in;
            let seg_v = &vals[base + start..base + end];
            if seg_v[0] == seg_v[count - 1] {
                continue; // constant in this node: does not count as visited
            }
            visited += 1;
            let seg_i = &ids[base + start..base + end];
            scan_feature(
                seg_v,
                seg_i,
                &ws,
                &yws,
                stats.w,
                stats.s,
                cfg.min_samples_leaf,
                f,
                &mut best,
            );
        }
        let Some(best) = best else { continue };

        let (f, n_left) = (best.feature, best.n_left);
        let base = f * n_in;
        let a = vals[base + start + n_left - 1];
        let b = vals[base + start + n_left];
        let mut threshold = a / 2.0 + b / 2.0;
        if !(threshold >= a && threshold < b) {
            threshold = a; // a and b adjacent floats: the midpoint rounded onto b
        }
        let i = id as usize;
        tree.feature[i] = f as u32;
        tree.threshold[i] = threshold;
        importance[f] += (best.proxy - stats.s * stats.s / stats.w).max(0.0);

        for (p, &sid) in ids[base + start..base + end].iter().enumerate() {
            goes_left[sid as usize] = p < n_left;
        }
        for g in 0..m {
            if g != f {
                let r = g * n_in + start..g * n_in + end;
                stable_partition(
                    &mut vals[r.clone()],
                    &mut ids[r],
                    &goes_left,
                    &mut scratch_v,
                    &mut scratch_i,
                );
            }
        }
        let mid = start + n_left;
        // Right pushed first so the left child is grown (and numbered) first.
        stack.push(Pending {
            start: mid,
            end,
            depth: node.depth + 1,
            parent: id,
            is_left: false,
        });
        stack.push(Pending {
            start,
            end: mid,
            depth: node.depth + 1,
            parent: id,
            is_left: true,
        });
        // Training data has no NaN; a NaN at prediction follows the child with more samples,
        // as scikit-learn (>= 1.3) does for splits that saw no missing values.
        tree.default_left[i] = n_left > count - n_left;
    }
    GrownTree { tree, importance }
}

/// Weighted statistics of a node's samples.
struct NodeStats {
    /// Weighted sample count (the cover).
    w: f64,
    /// Weighted target sum.
    s: f64,
    /// Whether every sample has the same target (zero impurity), and the first target.
    pure: bool,
    y0: f64,
}

fn node_stats(ids: &[u32], ws: &[f64], yws: &[f64], ys: &[f64]) -> NodeStats {
    let y0 = ys[ids[0] as usize];
    let (mut w, mut s, mut pure) = (0.0, 0.0, true);
    for &i in ids {
        let i = i as usize;
        w += ws[i];
        s += yws[i];
        pure &= ys[i] == y0;
    }
    NodeStats { w, s, pure, y0 }
}

/// Scans one feature's sorted node segment and updates `best` with any strictly better split.
#[allow(clippy::too_many_arguments)]
#[inline]
fn scan_feature(
    seg_v: &[f64],
    seg_i: &[u32],
    ws: &[f64],
    yws: &[f64],
    w_total: f64,
    s_total: f64,
    min_leaf: usize,
    feature: usize,
    best: &mut Option<Best>,
) {
    let count = seg_v.len();
    let mut best_proxy = best.as_ref().map_or(f64::NEG_INFINITY, |b| b.proxy);
    let mut found: Option<usize> = None;
    let (mut wl, mut sl) = (0.0, 0.0);
    // Positions before the first allowed split only accumulate.
    for &sid in &seg_i[..min_leaf - 1] {
        wl += ws[sid as usize];
        sl += yws[sid as usize];
    }
    // A split after position p puts p + 1 samples left; both sides need >= min_leaf.
    for p in min_leaf - 1..count - min_leaf {
        let sid = seg_i[p] as usize;
        wl += ws[sid];
        sl += yws[sid];
        if seg_v[p] < seg_v[p + 1] {
            let wr = w_total - wl;
            let sr = s_total - sl;
            let proxy = sl * sl / wl + sr * sr / wr;
            if proxy > best_proxy {
                best_proxy = proxy;
                found = Some(p + 1);
            }
        }
    }
    if let Some(n_left) = found {
        *best = Some(Best {
            proxy: best_proxy,
            feature,
            n_left,
        });
    }
}

/// Reorders a node segment so samples with `goes_left` come first, keeping the sorted order
/// within each side.
#[inline]
fn stable_partition(
    vals: &mut [f64],
    ids: &mut [u32],
    goes_left: &[bool],
    scratch_v: &mut [f64],
    scratch_i: &mut [u32],
) {
    let (mut li, mut ri) = (0, 0);
    for p in 0..vals.len() {
        let (v, sid) = (vals[p], ids[p]);
        // Branch-free: the side is unpredictable. Writing at li <= p never clobbers unread data.
        vals[li] = v;
        ids[li] = sid;
        scratch_v[ri] = v;
        scratch_i[ri] = sid;
        let l = goes_left[sid as usize] as usize;
        li += l;
        ri += 1 - l;
    }
    vals[li..].copy_from_slice(&scratch_v[..ri]);
    ids[li..].copy_from_slice(&scratch_i[..ri]);
}
