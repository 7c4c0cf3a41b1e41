//! Shared plot data: ranking features with an "other features" bucket, and shap's per-feature
//! colour scaling.

/// Which features a plot shows, in display order, and which are pooled into one bucket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ranking {
    /// Feature indices shown individually, most important first.
    pub shown: Vec<usize>,
    /// Feature indices pooled into the "other N features" row (empty when all fit).
    pub rest: Vec<usize>,
}

/// Ranks features by `scores` (descending; ties keep the lower index first) and keeps at most
/// `max_display` rows: when there are more features than that, the top `max_display - 1` are
/// shown and the remainder pooled, as shap does. `scores` has one entry per feature; NaN scores
/// sort last.
pub fn rank_top_k(scores: &[f64], max_display: usize) -> Ranking {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (scores[a], scores[b]);
        match (x.is_nan(), y.is_nan()) {
            (true, false) => std::cmp::Ordering::Greater,
            (false, true) => std::cmp::Ordering::Less,
            _ => y.partial_cmp(&x).unwrap_or(std::cmp::Ordering::Equal),
        }
        .then(a.cmp(&b))
    });
    let max_display = max_display.max(1);
    if order.len() <= max_display {
        Ranking {
            shown: order,
            rest: Vec::new(),
        }
    } else {
        let rest = order.split_off(max_display - 1);
        Ranking { shown: order, rest }
    }
}

/// The label of the pooled row, as shap writes it.
pub fn other_label(n: usize) -> String {
    if n == 1 {
        "Sum of 1 other feature".into()
    } else {
        format!("Sum of {n} other features")
    }
}

/// numpy's default (linear) percentile of finite values sorted ascending, `q` in `[0, 100]`.
fn percentile_sorted(sorted: &[f64], q: f64) -> f64 {
    let pos = q / 100.0 * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// The colour range shap uses for one feature's values: the 5th–95th percentile, falling back
/// to the 1st–99th and then to min–max when the range is empty. Non-finite values are ignored;
/// `None` when there is no finite value.
pub fn color_range(values: &[f64]) -> Option<(f64, f64)> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let mut lo = percentile_sorted(&v, 5.0);
    let mut hi = percentile_sorted(&v, 95.0);
    if hi == lo {
        lo = percentile_sorted(&v, 1.0);
        hi = percentile_sorted(&v, 99.0);
        if hi == lo {
            lo = v[0];
            hi = v[v.len() - 1];
        }
    }
    Some((lo.min(hi), hi))
}

/// Maps each value to a colour position in `[0, 1]` over [`color_range`] (clipped outside it).
/// Non-finite values map to `None` (drawn grey); a constant feature maps to 0.5.
pub fn color_positions(values: &[f64]) -> Vec<Option<f64>> {
    let range = color_range(values);
    values
        .iter()
        .map(|&x| {
            let (lo, hi) = range?;
            if !x.is_finite() {
                None
            } else if hi > lo {
                Some(((x - lo) / (hi - lo)).clamp(0.0, 1.0))
            } else {
                Some(0.5)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_k_sorts_descending_and_buckets_the_rest() {
        let r = rank_top_k(&[0.1, 0.5, 0.3, 0.5, 0.0], 3);
        assert_eq!(r.shown, vec![1, 3]);
        assert_eq!(r.rest, vec![2, 0, 4]);
        let all = rank_top_k(&[0.1, 0.5, 0.3], 3);
        assert_eq!(all.shown, vec![1, 2, 0]);
        assert!(all.rest.is_empty());
        let one = rank_top_k(&[0.1, 0.5], 1);
        assert!(one.shown.is_empty());
        assert_eq!(one.rest, vec![1, 0]);
        let nan = rank_top_k(&[f64::NAN, 0.2, 0.1], 5);
        assert_eq!(nan.shown, vec![1, 2, 0]);
        assert_eq!(other_label(1), "Sum of 1 other feature");
        assert_eq!(other_label(28), "Sum of 28 other features");
    }

    #[test]
    fn percentiles_match_numpy_linear() {
        let v: Vec<f64> = (0..=10).map(|i| i as f64).collect();
        // np.percentile(range(11), [5, 95]) = [0.5, 9.5]
        assert_eq!(color_range(&v), Some((0.5, 9.5)));
        let mut with_nan = v.clone();
        with_nan.push(f64::NAN);
        assert_eq!(color_range(&with_nan), Some((0.5, 9.5)));
        assert_eq!(color_range(&[f64::NAN]), None);
    }

    #[test]
    fn color_range_falls_back_for_concentrated_values() {
        // 98 zeros and two ones: p5 = p95 = 0, p1 = 0, p99 = 1 -> (0, 1).
        let mut v = vec![0.0; 98];
        v.extend([1.0, 1.0]);
        assert_eq!(color_range(&v), Some((0.0, 1.0)));
        // 200 zeros, one 5: p1 = p99 = 0 -> min-max.
        let mut v = vec![0.0; 200];
        v.push(5.0);
        assert_eq!(color_range(&v), Some((0.0, 5.0)));
    }

    #[test]
    fn positions_are_clipped_and_missing_is_none() {
        let v: Vec<f64> = (0..=10).map(|i| i as f64).chain([f64::NAN]).collect();
        let p = color_positions(&v);
        assert_eq!(p[0], Some(0.0));
        assert_eq!(p[10], Some(1.0));
        assert!((p[5].unwrap() - 0.5).abs() < 1e-12);
        assert_eq!(p[11], None);
        assert_eq!(color_positions(&[2.0, 2.0]), vec![Some(0.5), Some(0.5)]);
    }
}
