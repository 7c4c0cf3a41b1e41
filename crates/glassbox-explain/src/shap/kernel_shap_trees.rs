//! KernelSHAP's coalition values for tree ensembles, by walking every tree once per background
//! row for all coalitions together.
//!
//! KernelSHAP needs `v(S) = sum_b w_b f(x_S, b_notS)` for a few hundred coalitions `S` and every
//! background row `b`. Evaluated as a model call, that is coalitions x background rows synthetic
//! rows, each walking every tree from the root (issue 6's benchmark: 500 x 10 = 5000 walks of
//! 100 deep trees per explained row). But a synthetic row only leaves the path of `b` at a node
//! whose split sends `x` and `b` different ways, and there its direction depends on a single
//! bit: whether the split feature is in `S`. So the coalitions can walk each tree TOGETHER, as a
//! list that is split (partitioned in place by that bit) only where `x` and `b` disagree:
//! shared path prefixes are walked once, and each node is read once per (tree, background row)
//! instead of once per coalition. This is the same recursion as interventional TreeSHAP's, but
//! it produces exactly the model outputs the generic path would, so KernelSHAP's estimator
//! (sampling, kernel weights, constrained regression) is unchanged.
//!
//! The sums are accumulated in the same order as [`TreeEnsemble::predict`] (base offset, then
//! tree by tree) and then over the background in row order, so the coalition values are
//! bit-identical to the generic path's; `tests/kernel_shap_trees.rs` checks that. Each
//! (coalition, background row) cell holds a whole synthetic row's margins, so a link such as
//! the classifier's probability is applied to the cell before the average, exactly as a model
//! returning probabilities would be.

use glassbox_core::TreeEnsemble;
use glassbox_core::ndarray::{ArrayView1, ArrayView2};

/// `out[c * k + o] = sum_b weights[b] * f_o(x on S_c, background row b elsewhere)` for every
/// coalition `c` and output `o` of `ensemble` (k outputs), `f` the ensemble's margins or, with
/// `link`, `link(margins, o)` (e.g. the probability).
///
/// * `x`: the explained row, shape (features,).
/// * `background`: shape (background rows, features); `weights`: length (background rows,).
/// * `varying`: the features the coalitions range over, ascending; every other feature takes the
///   background value (KernelSHAP only leaves out features equal to `x` in every background row).
/// * `masks`: shape (coalitions, `varying.len()`) row-major; `masks[c * mv + t]` says whether
///   `varying[t]` is in coalition `c`.
/// * `out`: shape (coalitions, outputs) row-major, overwritten.
#[allow(clippy::too_many_arguments)] // one call site; the arguments are the game's parts
pub(crate) fn coalition_values(
    ensemble: &TreeEnsemble,
    link: Option<fn(&[f64], usize) -> f64>,
    x: ArrayView1<'_, f64>,
    background: ArrayView2<'_, f64>,
    weights: &[f64],
    varying: &[usize],
    masks: &[bool],
    out: &mut [f64],
) {
    let m = x.len();
    let nb = background.nrows();
    let mv = varying.len();
    let k = ensemble.n_outputs;
    let nc = masks.len().checked_div(mv).unwrap_or(0);
    debug_assert_eq!(out.len(), nc * k);
    // Bit position of each feature in a coalition's bit set (`None`: not varying).
    let mut position = vec![None; m];
    for (t, &j) in varying.iter().enumerate() {
        position[j] = Some(t);
    }
    let words = mv.div_ceil(64).max(1);
    let mut bits = vec![0u64; nc * words];
    for c in 0..nc {
        for t in 0..mv {
            if masks[c * mv + t] {
                bits[c * words + t / 64] |= 1 << (t % 64);
            }
        }
    }
    let xs: Vec<f64> = x.to_vec();
    let rows: Vec<Vec<f64>> = background.rows().into_iter().map(|r| r.to_vec()).collect();

    // f[(c * nb + b) * k + o]: model output o on synthetic row (c, b), summed like predict does.
    let mut f = vec![0.0; nc * nb * k];
    for cell in f.chunks_exact_mut(k) {
        cell.copy_from_slice(&ensemble.base_offset);
    }
    // The coalitions of the list being walked, permuted in place by the partitions.
    let mut order: Vec<u32> = (0..nc as u32).collect();
    let mut stack: Vec<(usize, usize, usize)> = Vec::new();
    let split = ensemble.split;
    for (t, tree) in ensemble.trees.iter().enumerate() {
        let o = ensemble.tree_output[t];
        let w = ensemble.tree_weight[t];
        for (b, row) in rows.iter().enumerate() {
            stack.push((0, 0, nc));
            while let Some((mut node, lo, mut hi)) = stack.pop() {
                loop {
                    if tree.is_leaf(node) {
                        let v = w * tree.value[node];
                        for &c in &order[lo..hi] {
                            f[(c as usize * nb + b) * k + o] += v;
                        }
                        break;
                    }
                    let j = tree.feature[node] as usize;
                    let left_x = tree.goes_left(node, xs[j], split);
                    let left_b = tree.goes_left(node, row[j], split);
                    let child = |left: bool| {
                        if left {
                            tree.left[node] as usize
                        } else {
                            tree.right[node] as usize
                        }
                    };
                    let p = match position[j] {
                        Some(p) if left_x != left_b => p,
                        // x and b agree, or the feature always takes b's value.
                        _ => {
                            node = child(left_b);
                            continue;
                        }
                    };
                    let (word, bit) = (p / 64, 1u64 << (p % 64));
                    let takes_x = |c: u32| bits[c as usize * words + word] & bit != 0;
                    // Partition order[lo..hi]: coalitions holding feature j first.
                    let mut mid = lo;
                    for i in lo..hi {
                        if takes_x(order[i]) {
                            order.swap(i, mid);
                            mid += 1;
                        }
                    }
                    if mid == lo {
                        node = child(left_b);
                    } else if mid == hi {
                        node = child(left_x);
                    } else {
                        stack.push((child(left_b), mid, hi));
                        node = child(left_x);
                        hi = mid;
                    }
                }
            }
        }
    }
    if let Some(link) = link {
        let mut margins = vec![0.0; k];
        for cell in f.chunks_exact_mut(k) {
            margins.copy_from_slice(cell);
            for (o, v) in cell.iter_mut().enumerate() {
                *v = link(&margins, o);
            }
        }
    }
    out.fill(0.0);
    for c in 0..nc {
        for (b, &wb) in weights.iter().enumerate() {
            for o in 0..k {
                out[c * k + o] += wb * f[(c * nb + b) * k + o];
            }
        }
    }
}
