//! k-means summary of a background data set, as `shap.kmeans` builds it for KernelSHAP.
//!
//! shap runs scikit-learn's `KMeans(n_clusters=k)` (k-means++ seeding, Lloyd iterations, several
//! restarts), then snaps every centroid coordinate to the nearest value that feature actually
//! takes in the data (`round_values=True`), and weights each centroid by its cluster size. This
//! does the same with glassbox's seeded [`Rng`]: 10 restarts, each its own derived stream, the
//! lowest inertia wins; snapping is on by default ([`kmeans_with`] can turn it off). On an exact
//! tie between two data values the smaller one is taken.

use glassbox_core::ndarray::{Array2, ArrayView2};
use glassbox_core::rng::Rng;

use crate::ExplainError;

/// A weighted background summary: centroids and how many data rows each stands for.
#[derive(Clone, Debug, PartialEq)]
pub struct WeightedBackground {
    /// Centroids, shape (k, features).
    pub data: Array2<f64>,
    /// Cluster sizes, length k (the number of data rows assigned to each centroid).
    pub weights: Vec<f64>,
}

/// `kmeans_with(data, k, seed, true)`: the summary `shap.kmeans(data, k)` gives.
///
/// `data` has shape (samples, features) and must be finite.
pub fn kmeans(
    data: ArrayView2<'_, f64>,
    k: usize,
    seed: u64,
) -> Result<WeightedBackground, ExplainError> {
    kmeans_with(data, k, seed, true)
}

/// k-means summary of `data`, shape (samples, features): `k` centroids (1 <= k <= samples)
/// weighted by cluster size; with `round_values` each centroid coordinate is replaced by the
/// nearest value of that feature in `data`.
pub fn kmeans_with(
    data: ArrayView2<'_, f64>,
    k: usize,
    seed: u64,
    round_values: bool,
) -> Result<WeightedBackground, ExplainError> {
    let (n, m) = data.dim();
    if k == 0 || k > n {
        return Err(ExplainError::InvalidArgument(format!(
            "k-means background: k must be in 1..={n} (the number of data rows), got {k}"
        )));
    }
    for ((row, column), &value) in data.indexed_iter() {
        if !value.is_finite() {
            return Err(ExplainError::InvalidArgument(format!(
                "k-means background: non-finite value {value} at row {row}, column {column}"
            )));
        }
    }
    let x: Vec<f64> = data.iter().copied().collect();
    const N_INIT: u64 = 10;
    let mut best: Option<(f64, Vec<f64>, Vec<usize>)> = None;
    for restart in 0..N_INIT {
        let mut rng = Rng::derive(seed, restart);
        let (centres, labels, inertia) = lloyd(&x, n, m, k, &mut rng);
        if best.as_ref().is_none_or(|b| inertia < b.0) {
            best = Some((inertia, centres, labels));
        }
    }
    let (_, mut centres, labels) = best.expect("at least one restart");
    let mut weights = vec![0.0; k];
    for &l in &labels {
        weights[l] += 1.0;
    }
    if round_values {
        for j in 0..m {
            let mut col: Vec<f64> = (0..n).map(|i| x[i * m + j]).collect();
            col.sort_by(f64::total_cmp);
            for c in 0..k {
                centres[c * m + j] = nearest(&col, centres[c * m + j]);
            }
        }
    }
    Ok(WeightedBackground {
        data: Array2::from_shape_vec((k, m), centres).expect("k * m values"),
        weights,
    })
}

/// The value of sorted `col` nearest to `v` (the smaller one on a tie).
fn nearest(col: &[f64], v: f64) -> f64 {
    let i = col.partition_point(|&c| c < v);
    match (i.checked_sub(1).map(|j| col[j]), col.get(i)) {
        (Some(lo), Some(&hi)) => {
            if v - lo <= hi - v {
                lo
            } else {
                hi
            }
        }
        (Some(lo), None) => lo,
        (None, Some(&hi)) => hi,
        (None, None) => v,
    }
}

fn dist2(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// One k-means++ seeding plus Lloyd iterations; returns centres (k, m), labels, inertia.
fn lloyd(x: &[f64], n: usize, m: usize, k: usize, rng: &mut Rng) -> (Vec<f64>, Vec<usize>, f64) {
    let row = |i: usize| &x[i * m..(i + 1) * m];
    // k-means++ seeding (Arthur & Vassilvitskii 2007).
    let mut centres = Vec::with_capacity(k * m);
    let first = rng.below(n);
    centres.extend_from_slice(row(first));
    let mut d2: Vec<f64> = (0..n).map(|i| dist2(row(i), row(first))).collect();
    for _ in 1..k {
        let total: f64 = d2.iter().sum();
        let pick = if total > 0.0 {
            let mut u = rng.next_f64() * total;
            let mut pick = n - 1;
            for (i, &d) in d2.iter().enumerate() {
                if u < d {
                    pick = i;
                    break;
                }
                u -= d;
            }
            pick
        } else {
            rng.below(n)
        };
        centres.extend_from_slice(row(pick));
        for (i, d) in d2.iter_mut().enumerate() {
            *d = d.min(dist2(row(i), row(pick)));
        }
    }
    let mut labels = vec![0usize; n];
    let mut inertia = f64::INFINITY;
    for _iter in 0..300 {
        // Assignment step.
        let mut new_inertia = 0.0;
        let mut dists = vec![0.0; n];
        for i in 0..n {
            let (mut bl, mut bd) = (0, f64::INFINITY);
            for c in 0..k {
                let d = dist2(row(i), &centres[c * m..(c + 1) * m]);
                if d < bd {
                    bd = d;
                    bl = c;
                }
            }
            labels[i] = bl;
            dists[i] = bd;
            new_inertia += bd;
        }
        // Update step; an empty cluster takes the point farthest from its centre.
        let mut sums = vec![0.0; k * m];
        let mut counts = vec![0usize; k];
        for i in 0..n {
            counts[labels[i]] += 1;
            for (s, &v) in sums[labels[i] * m..(labels[i] + 1) * m]
                .iter_mut()
                .zip(row(i))
            {
                *s += v;
            }
        }
        let mut shift = 0.0;
        for c in 0..k {
            let new: Vec<f64> = if counts[c] > 0 {
                sums[c * m..(c + 1) * m]
                    .iter()
                    .map(|s| s / counts[c] as f64)
                    .collect()
            } else {
                let far = (0..n)
                    .max_by(|&a, &b| dists[a].total_cmp(&dists[b]))
                    .expect("n >= 1");
                dists[far] = 0.0;
                row(far).to_vec()
            };
            shift += dist2(&new, &centres[c * m..(c + 1) * m]);
            centres[c * m..(c + 1) * m].copy_from_slice(&new);
        }
        let converged = shift <= 1e-12 * (new_inertia / n as f64).max(f64::MIN_POSITIVE)
            || new_inertia >= inertia;
        inertia = new_inertia;
        if converged {
            break;
        }
    }
    // Final labels for the final centres (the cluster sizes are the weights).
    inertia = 0.0;
    for (i, label) in labels.iter_mut().enumerate() {
        let (mut bl, mut bd) = (0, f64::INFINITY);
        for c in 0..k {
            let d = dist2(row(i), &centres[c * m..(c + 1) * m]);
            if d < bd {
                bd = d;
                bl = c;
            }
        }
        *label = bl;
        inertia += bd;
    }
    (centres, labels, inertia)
}

#[cfg(test)]
mod tests {
    use super::*;
    use glassbox_core::ndarray::array;

    #[test]
    fn two_obvious_clusters_are_found_and_weighted() {
        let x = array![
            [0.0, 0.0],
            [0.1, 0.0],
            [0.0, 0.2],
            [10.0, 10.0],
            [10.2, 10.0]
        ];
        let bg = kmeans(x.view(), 2, 1).unwrap();
        let mut rows: Vec<(f64, f64, f64)> = (0..2)
            .map(|c| (bg.data[[c, 0]], bg.data[[c, 1]], bg.weights[c]))
            .collect();
        rows.sort_by(|a, b| a.0.total_cmp(&b.0));
        // Unrounded centres would be (0.0333, 0.0667) and (10.1, 10); snapping picks the
        // nearest data value per feature.
        assert_eq!(rows, vec![(0.0, 0.0, 3.0), (10.0, 10.0, 2.0)]);
        let raw = kmeans_with(x.view(), 2, 1, false).unwrap();
        let c = if raw.data[[0, 0]] < 5.0 { 1 } else { 0 };
        assert!((raw.data[[c, 0]] - 10.1).abs() < 1e-12);
    }

    #[test]
    fn bad_k_is_rejected() {
        let x = array![[0.0], [1.0]];
        assert!(kmeans(x.view(), 0, 0).is_err());
        assert!(
            kmeans(x.view(), 3, 0)
                .unwrap_err()
                .to_string()
                .contains("1..=2")
        );
    }
}
