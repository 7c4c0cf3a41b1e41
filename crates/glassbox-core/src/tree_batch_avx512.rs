//! The finite-value tree walk of [`super::PackedTree`] in AVX-512: 8 rows per vector, several
//! vectors in flight.
//!
//! The scalar lock-step walk spends about ten instructions per row and level (load the node,
//! mask the feature, bounds-check and load the row's value, compare, add, test for a leaf).
//! Here one level of 8 rows is three gathers (threshold, node word, row value), a compare into
//! a mask and a masked add. A gather has a long latency, so [`GROUPS`] independent vectors of
//! rows are kept in flight, and a vector whose 8 rows have all reached their leaves is refilled
//! with the next 8 rows at once (the others keep walking).
//!
//! Measured on the 2-core development machine (Xeon, AVX-512), one thread, the 100-tree
//! forest of the `model_agnostic` bench (442k nodes, 37 features) predicting 5000 prepared
//! rows: scalar walk 13.8-14.4 ms; this walk 16.3 ms with 2 groups, 10.0 with 4, **9.1 with
//! 8**, 9.5 with 12, 9.9 with 16. Through `glassbox explain --method lime` (200 rows × 5000
//! samples, Friedman 37 features, 100-tree forest): 2.12-2.14 s before, 1.56-1.57 s after,
//! outputs byte-identical.
//!
//! Results are bit-identical to the scalar walk: the same node is reached by the same
//! comparison, and each row's leaf value is added with the same scalar arithmetic in the same
//! tree order (the caller's loop over trees is unchanged).

#![allow(unsafe_code)]

use std::arch::x86_64::{
    _CMP_GE_OQ, _CMP_GT_OQ, _mm512_add_epi64, _mm512_and_si512, _mm512_cmp_pd_mask,
    _mm512_cmpneq_epi64_mask, _mm512_i64gather_epi64, _mm512_i64gather_pd, _mm512_mask_add_epi64,
    _mm512_mullo_epi64, _mm512_set1_epi64, _mm512_setr_epi64, _mm512_setzero_si512,
    _mm512_slli_epi64, _mm512_srli_epi64, _mm512_storeu_si512,
};

use super::{FEATURE_MASK, PackedTree};

/// Vectors of 8 rows walking one tree at the same time (measured: see the module doc).
const GROUPS: usize = 8;

/// Whether the CPU can run [`walk_finite`] (std caches the detection).
pub(super) fn available() -> bool {
    std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512dq")
}

/// Adds `weight * leaf value` to `out[r * k + output]` for the first `8 * (n / 8)` rows of
/// `rows` (row-major, `m` columns, every value finite), where `n = out.len() / k`; returns how
/// many rows it did (the caller walks the rest).
///
/// Panics (before any unsafe work) if the CPU lacks AVX-512F/DQ, if `rows` is shorter than
/// `n * m`, or if `m` is below the feature count `tree` was packed for. The node invariants
/// (children in range, features below that count) are [`PackedTree::pack`]'s, checked again
/// only in debug builds.
#[allow(clippy::too_many_arguments)]
pub(super) fn walk_finite<const LESS_OR_EQUAL: bool>(
    tree: &PackedTree,
    rows: &[f64],
    m: usize,
    weight: f64,
    out: &mut [f64],
    k: usize,
    output: usize,
) -> usize {
    assert!(available(), "walk_finite needs AVX-512F and AVX-512DQ");
    let n = out.len() / k;
    assert!(rows.len() >= n * m, "rows hold fewer than {n} rows of {m}");
    let len = tree.nodes.len();
    assert!(len > 0, "a packed tree has a root");
    assert!(
        m >= tree.n_features,
        "rows of {m} values for a tree packed over {} features",
        tree.n_features
    );
    debug_assert!(tree.nodes.iter().all(|node| {
        (node.feature & FEATURE_MASK) < m as u32 && (node.left as usize) + 1 < len
            || (node.left as usize) < len && node.threshold == f64::INFINITY
    }));
    assert!(
        i64::try_from(n * m).is_ok() && i64::try_from(2 * len).is_ok(),
        "block too large for 64-bit gather indices"
    );
    // SAFETY: AVX-512F/DQ are present (asserted); every index the walk gathers from is in
    // bounds: node indices start at 0 and only move to `left` or `left + 1` of an internal
    // node, both < `len` ([`PackedTree::pack`], the only constructor, builds them so; a leaf
    // points to itself), so `2 * at + 1 < 2 * len` f64/i64 words of `tree.nodes` (a
    // `#[repr(C)]` 16-byte node: threshold, then feature and left); row values are read at
    // `row * m + feature` with `row < n` and `feature < tree.n_features <= m` (pack checks every
    // split's feature), inside `rows` (asserted).
    unsafe { walk_finite_avx512::<LESS_OR_EQUAL>(tree, rows, m, weight, out, k, output) }
}

/// [`walk_finite`]'s body, compiled for AVX-512.
///
/// # Safety
/// The CPU has AVX-512F and AVX-512DQ, and the bounds listed in [`walk_finite`] hold.
#[target_feature(enable = "avx512f,avx512dq")]
#[allow(clippy::too_many_arguments)]
unsafe fn walk_finite_avx512<const LESS_OR_EQUAL: bool>(
    tree: &PackedTree,
    rows: &[f64],
    m: usize,
    weight: f64,
    out: &mut [f64],
    k: usize,
    output: usize,
) -> usize {
    let n = out.len() / k;
    let n_vec = n / 8 * 8;
    let nodes = tree.nodes.as_ptr().cast::<f64>();
    let words = tree.nodes.as_ptr().cast::<i64>();
    let row_ptr = rows.as_ptr();
    let one = _mm512_set1_epi64(1);
    let feature_mask = _mm512_set1_epi64(i64::from(FEATURE_MASK));
    let lane_rows = _mm512_mullo_epi64(
        _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7),
        _mm512_set1_epi64(m as i64),
    );
    // Per group: current node of each lane, offset of each lane's row in `rows`, first row.
    let mut at = [_mm512_setzero_si512(); GROUPS];
    let mut base = [_mm512_setzero_si512(); GROUPS];
    let mut first = [usize::MAX; GROUPS];
    let mut next_row = 0;
    for g in 0..GROUPS {
        if next_row < n_vec {
            first[g] = next_row;
            base[g] = _mm512_add_epi64(lane_rows, _mm512_set1_epi64((next_row * m) as i64));
            next_row += 8;
        }
    }
    let mut active = first.iter().filter(|&&f| f != usize::MAX).count();
    let mut leaves = [0i64; 8];
    while active > 0 {
        for g in 0..GROUPS {
            if first[g] == usize::MAX {
                continue;
            }
            let idx = _mm512_slli_epi64::<1>(at[g]);
            // SAFETY (all three gathers): in bounds, see `walk_finite`.
            let threshold = unsafe { _mm512_i64gather_pd::<8>(idx, nodes) };
            let word = unsafe { _mm512_i64gather_epi64::<8>(_mm512_add_epi64(idx, one), words) };
            let feature = _mm512_and_si512(word, feature_mask);
            let left = _mm512_srli_epi64::<32>(word);
            let value =
                unsafe { _mm512_i64gather_pd::<8>(_mm512_add_epi64(base[g], feature), row_ptr) };
            let right = if LESS_OR_EQUAL {
                _mm512_cmp_pd_mask::<_CMP_GT_OQ>(value, threshold)
            } else {
                _mm512_cmp_pd_mask::<_CMP_GE_OQ>(value, threshold)
            };
            let next = _mm512_mask_add_epi64(left, right, left, one);
            let moved = _mm512_cmpneq_epi64_mask(next, at[g]);
            at[g] = next;
            if moved == 0 {
                // SAFETY: `leaves` holds 8 i64, 64 bytes.
                unsafe { _mm512_storeu_si512(leaves.as_mut_ptr().cast(), next) };
                let r0 = first[g];
                for (l, &leaf) in leaves.iter().enumerate() {
                    out[(r0 + l) * k + output] += weight * tree.values[leaf as usize];
                }
                at[g] = _mm512_setzero_si512();
                if next_row < n_vec {
                    first[g] = next_row;
                    base[g] = _mm512_add_epi64(lane_rows, _mm512_set1_epi64((next_row * m) as i64));
                    next_row += 8;
                } else {
                    first[g] = usize::MAX;
                    active -= 1;
                }
            }
        }
    }
    n_vec
}
