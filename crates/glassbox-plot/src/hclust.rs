//! Deterministic agglomerative clustering of rows (average linkage on Euclidean distance) and
//! the dendrogram's leaf order, used to order instances in the heatmap and the stacked force
//! plot as shap's `hclust_ordering` does.
//!
//! Memory is O(n²) (the full distance matrix, 8·n² bytes: 32 MB at [`MAX_CLUSTER_ROWS`]); time
//! is O(n²·m) for the distances plus O(n²) per merge in the worst case (nearest neighbours are
//! cached and recomputed only for the clusters that lost theirs), O(n²) to O(n³) overall.

use glassbox_core::ndarray::ArrayView2;

/// The most rows [`average_linkage`] is meant for; callers refuse more (the plots say so).
pub const MAX_CLUSTER_ROWS: usize = 2000;

/// One merge of the dendrogram, in merge order.
#[derive(Clone, Debug, PartialEq)]
pub struct Merge {
    /// The surviving cluster, named by the smallest row index it contains.
    pub a: usize,
    /// The absorbed cluster, named by the smallest row index it contains (`a < b`).
    pub b: usize,
    /// Average-linkage distance between the two clusters when they were merged.
    pub distance: f64,
    /// Rows in the merged cluster.
    pub size: usize,
}

/// Euclidean distance between rows `i` and `j` of `points`.
fn euclid(points: &ArrayView2<'_, f64>, i: usize, j: usize) -> f64 {
    points
        .row(i)
        .iter()
        .zip(points.row(j).iter())
        .map(|(a, b)| (a - b) * (a - b))
        .sum::<f64>()
        .sqrt()
}

/// The nearest active cluster to `i` (smallest distance, ties by smaller index), or
/// `(usize::MAX, ∞)` when `i` is the only active cluster.
fn nearest(d: &[f64], n: usize, active: &[bool], i: usize) -> (usize, f64) {
    let mut best = (usize::MAX, f64::INFINITY);
    for k in (0..n).filter(|&k| k != i && active[k]) {
        let v = d[i * n + k];
        if v < best.1 || (v == best.1 && k < best.0) {
            best = (k, v);
        }
    }
    best
}

/// Average-linkage (UPGMA) agglomerative clustering of the rows of `points`, shape
/// (rows, dimensions), on Euclidean distance. Each step merges the closest pair of clusters;
/// ties go to the pair with the smaller (smallest index, larger index), clusters being named
/// by their smallest row index. Returns the `rows − 1` merges in order (empty for ≤ 1 row).
/// Non-finite coordinates give NaN distances, which sort after every finite one.
pub fn average_linkage(points: ArrayView2<'_, f64>) -> Vec<Merge> {
    let n = points.nrows();
    if n < 2 {
        return Vec::new();
    }
    let mut d = vec![0.0; n * n];
    for i in 0..n {
        for j in i + 1..n {
            let v = euclid(&points, i, j);
            // NaN distances (non-finite input) become +∞ so that they merge last.
            let v = if v.is_nan() { f64::INFINITY } else { v };
            d[i * n + j] = v;
            d[j * n + i] = v;
        }
    }
    let mut active = vec![true; n];
    let mut size = vec![1usize; n];
    let mut nn: Vec<(usize, f64)> = (0..n).map(|i| nearest(&d, n, &active, i)).collect();
    let mut merges = Vec::with_capacity(n - 1);
    for _ in 1..n {
        // The closest pair: smallest distance, then smallest (min index, max index).
        let mut pick: Option<(f64, usize, usize)> = None;
        for i in (0..n).filter(|&i| active[i]) {
            let (k, v) = nn[i];
            let cand = (v, i.min(k), i.max(k));
            let better = match pick {
                None => true,
                Some(p) => cand.0 < p.0 || (cand.0 == p.0 && (cand.1, cand.2) < (p.1, p.2)),
            };
            if better {
                pick = Some(cand);
            }
        }
        let Some((dist, a, b)) = pick else { break };
        let (sa, sb) = (size[a] as f64, size[b] as f64);
        active[b] = false;
        for k in (0..n).filter(|&k| active[k] && k != a) {
            let v = (sa * d[a * n + k] + sb * d[b * n + k]) / (sa + sb);
            d[a * n + k] = v;
            d[k * n + a] = v;
        }
        size[a] += size[b];
        merges.push(Merge {
            a,
            b,
            distance: dist,
            size: size[a],
        });
        for k in (0..n).filter(|&k| active[k]) {
            let lost = nn[k].0 == a || nn[k].0 == b;
            let v = d[k * n + a];
            if k == a || lost {
                nn[k] = nearest(&d, n, &active, k);
            } else if v < nn[k].1 || (v == nn[k].1 && a < nn[k].0) {
                nn[k] = (a, v);
            }
        }
    }
    merges
}

/// The leaf order of the average-linkage dendrogram of `points`' rows, shape (rows,
/// dimensions): a permutation of `0..rows` in which every cluster of the dendrogram is
/// contiguous (so tight groups of similar rows sit side by side). When two clusters merge,
/// the one named by the smaller index goes first, and of the four ways to join them (each
/// side as is or reversed) the one whose two touching leaves are closest is kept (ties: the
/// first of as-is/as-is, reversed/as-is, as-is/reversed, reversed/reversed) — a cheap,
/// deterministic stand-in for scipy's optimal leaf ordering that shap applies.
pub fn leaf_order(points: ArrayView2<'_, f64>) -> Vec<usize> {
    let n = points.nrows();
    let mut seqs: Vec<Vec<usize>> = (0..n).map(|i| vec![i]).collect();
    for m in average_linkage(points) {
        let left = std::mem::take(&mut seqs[m.a]);
        let right = std::mem::take(&mut seqs[m.b]);
        let (l0, l1) = (left[0], left[left.len() - 1]);
        let (r0, r1) = (right[0], right[right.len() - 1]);
        let gap = |x: usize, y: usize| {
            let v = euclid(&points, x, y);
            if v.is_nan() { f64::INFINITY } else { v }
        };
        // (touching leaves, reverse left, reverse right)
        let options = [
            (gap(l1, r0), false, false),
            (gap(l0, r0), true, false),
            (gap(l1, r1), false, true),
            (gap(l0, r1), true, true),
        ];
        let mut best = options[0];
        for o in &options[1..] {
            if o.0 < best.0 {
                best = *o;
            }
        }
        let mut joined = left;
        if best.1 {
            joined.reverse();
        }
        if best.2 {
            joined.extend(right.iter().rev());
        } else {
            joined.extend(right);
        }
        seqs[m.a] = joined;
    }
    seqs.into_iter().find(|s| !s.is_empty()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use glassbox_core::ndarray::Array2;

    fn line(xs: &[f64]) -> Array2<f64> {
        Array2::from_shape_fn((xs.len(), 1), |(i, _)| xs[i])
    }

    #[test]
    fn five_points_on_a_line_merge_as_worked_on_paper() {
        // Rows 0..5 at positions 7, 0, 8, 3, 1.
        // d(0,2) = 1 and d(1,4) = 1 tie: (0, 2) goes first (smaller index).
        // Then {1,4} with {3}: (|0−3| + |1−3|)/2 = 2.5 < {0,2}–{3}: (4 + 5)/2 = 4.5.
        // Last {0,2} with {1,3,4}: (7+4+6 + 8+5+7)/6 = 37/6.
        let p = line(&[7.0, 0.0, 8.0, 3.0, 1.0]);
        let m = average_linkage(p.view());
        let got: Vec<(usize, usize, f64, usize)> =
            m.iter().map(|m| (m.a, m.b, m.distance, m.size)).collect();
        assert_eq!(
            got,
            vec![
                (0, 2, 1.0, 2),
                (1, 4, 1.0, 2),
                (1, 3, 2.5, 3),
                (0, 1, 37.0 / 6.0, 5)
            ]
        );
        // Leaves: [0,2] and [1,4]; [1,4]+[3] touch at 4–3 (2) → [1,4,3]; joining [0,2] and
        // [1,4,3]: as-is 2–1 = 8, reversed left 0–1 = 7, reversed right 2–3 = 5, both
        // reversed 0–3 = 4 → [2,0,3,4,1], i.e. positions 8, 7, 3, 1, 0.
        assert_eq!(leaf_order(p.view()), vec![2, 0, 3, 4, 1]);
    }

    #[test]
    fn leaf_order_is_a_permutation_with_tight_clusters_contiguous() {
        // Three tight clusters in 3-D, rows interleaved.
        let centres = [[0.0, 0.0, 0.0], [10.0, 0.0, 5.0], [0.0, 20.0, -5.0]];
        let n = 30;
        let p = Array2::from_shape_fn((n, 3), |(i, k)| {
            centres[i % 3][k] + 0.01 * ((i * 7 + k * 13) % 11) as f64
        });
        let order = leaf_order(p.view());
        let mut sorted = order.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..n).collect::<Vec<_>>());
        // Each cluster occupies one run of 10 consecutive positions.
        let runs = order.windows(2).filter(|w| w[0] % 3 != w[1] % 3).count();
        assert_eq!(runs, 2, "{order:?}");
        // Deterministic.
        assert_eq!(order, leaf_order(p.view()));
    }

    #[test]
    fn identical_rows_are_adjacent_and_small_inputs_work() {
        let p = line(&[5.0, 1.0, 5.0, 9.0, 1.0]);
        let order = leaf_order(p.view());
        let pos = |r: usize| order.iter().position(|&x| x == r).unwrap();
        assert_eq!(pos(0).abs_diff(pos(2)), 1, "{order:?}");
        assert_eq!(pos(1).abs_diff(pos(4)), 1, "{order:?}");
        assert_eq!(leaf_order(line(&[3.0]).view()), vec![0]);
        assert!(leaf_order(line(&[]).view()).is_empty());
        assert!(average_linkage(line(&[3.0]).view()).is_empty());
        // NaN coordinates do not break the permutation.
        let order = leaf_order(line(&[0.0, f64::NAN, 1.0]).view());
        let mut s = order.clone();
        s.sort_unstable();
        assert_eq!(s, vec![0, 1, 2]);
    }
}
