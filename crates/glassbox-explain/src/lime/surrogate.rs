//! The local surrogate shared by LIME for tables and images (the `lime` package's `LimeBase`):
//! the exponential kernel, feature selection, and a weighted ridge fit with its weighted R².

use crate::linalg::WeightedStats;

/// How LIME picks the features of its surrogate (the `lime` package's `feature_selection`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FeatureSelection {
    /// lime's default: [`FeatureSelection::ForwardSelection`] when at most 6 features are
    /// asked for, else [`FeatureSelection::HighestWeights`].
    #[default]
    Auto,
    /// Every feature.
    None,
    /// Fit a ridge (alpha 0.01) on all features and keep the largest `|coefficient|`s.
    HighestWeights,
    /// Greedily add the feature that most improves the weighted R² of an unregularised fit.
    ForwardSelection,
}

/// lime's kernel `sqrt(exp(-d^2 / width^2))`.
pub fn kernel(d: f64, width: f64) -> f64 {
    (-(d * d) / (width * width)).exp().sqrt()
}

/// A fitted surrogate for one output.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Surrogate {
    /// Coefficient per feature (0 for features not selected), length p.
    pub coef: Vec<f64>,
    /// Selected features ordered by decreasing `|coefficient|`.
    pub selected: Vec<usize>,
    /// Intercept of the surrogate.
    pub intercept: f64,
    /// Weighted R² of the surrogate on the perturbed samples (its fidelity).
    pub score: f64,
    /// The surrogate's prediction for the explained instance (row 0 of the data).
    pub local_prediction: f64,
}

/// Fits lime's surrogate on `data` (n, p) row-major (row 0 is the explained instance), targets
/// `y` (n,), kernel weights `w` (n,): select `num_features` features, then
/// `Ridge(alpha)` with sample weights.
pub(crate) fn fit(
    data: &[f64],
    p: usize,
    y: &[f64],
    w: &[f64],
    num_features: usize,
    selection: FeatureSelection,
    alpha: f64,
) -> Surrogate {
    let stats = WeightedStats::new(data, p, y, w);
    let num_features = num_features.min(p);
    let all: Vec<usize> = (0..p).collect();
    let method = match selection {
        FeatureSelection::Auto if num_features <= 6 => FeatureSelection::ForwardSelection,
        FeatureSelection::Auto => FeatureSelection::HighestWeights,
        s => s,
    };
    let used: Vec<usize> = match method {
        FeatureSelection::None | FeatureSelection::Auto => all,
        FeatureSelection::HighestWeights => {
            let (coef, _) = stats.ridge(&all, 0.01);
            let mut order = all;
            order.sort_by(|&a, &b| coef[b].abs().total_cmp(&coef[a].abs()));
            order.truncate(num_features);
            order
        }
        FeatureSelection::ForwardSelection => {
            let mut used: Vec<usize> = Vec::new();
            for _ in 0..num_features {
                let mut best = (f64::NEG_INFINITY, None);
                for f in 0..p {
                    if used.contains(&f) {
                        continue;
                    }
                    let mut cand = used.clone();
                    cand.push(f);
                    let (beta, _) = stats.ridge(&cand, 0.0);
                    let score = stats.r2(&cand, &beta);
                    if score > best.0 || best.1.is_none() {
                        best = (score, Some(f));
                    }
                }
                match best.1 {
                    Some(f) => used.push(f),
                    None => break,
                }
            }
            used
        }
    };
    let (beta, intercept) = stats.ridge(&used, alpha);
    let n = y.len();
    let predict = |i: usize| {
        intercept
            + used
                .iter()
                .zip(&beta)
                .map(|(&c, b)| b * data[i * p + c])
                .sum::<f64>()
    };
    let (mut rss, mut tss) = (0.0, 0.0);
    for i in 0..n {
        rss += w[i] * (y[i] - predict(i)).powi(2);
        tss += w[i] * (y[i] - stats.y_mean).powi(2);
    }
    // scikit-learn's r2_score: a constant target scores 1 when fitted exactly, else 0.
    let score = if tss > 0.0 {
        1.0 - rss / tss
    } else if rss == 0.0 {
        1.0
    } else {
        0.0
    };
    let mut coef = vec![0.0; p];
    for (&c, &b) in used.iter().zip(&beta) {
        coef[c] = b;
    }
    let local_prediction = if n > 0 { predict(0) } else { intercept };
    let mut selected = used;
    selected.sort_by(|&a, &b| coef[b].abs().total_cmp(&coef[a].abs()));
    Surrogate {
        local_prediction,
        coef,
        selected,
        intercept,
        score,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_matches_lime() {
        // sqrt(exp(-1/0.25^2)) = exp(-8)
        assert!((kernel(0.25 * 2.0_f64.sqrt(), 0.25) - (-1.0_f64).exp()).abs() < 1e-15);
        assert_eq!(kernel(0.0, 1.0), 1.0);
    }

    #[test]
    fn forward_selection_picks_the_informative_features() {
        // y = 3 x1 - 2 x3 exactly, x0 and x2 noise-free decoys that do not enter y.
        let n = 40;
        let p = 4;
        let mut data = vec![0.0; n * p];
        let mut y = vec![0.0; n];
        for i in 0..n {
            let t = i as f64;
            data[i * p] = (t * 0.37).sin();
            data[i * p + 1] = (t * 1.1).cos();
            data[i * p + 2] = (t * 0.05).fract();
            data[i * p + 3] = ((t * 0.73).sin() * 3.0).round();
            y[i] = 3.0 * data[i * p + 1] - 2.0 * data[i * p + 3];
        }
        let w = vec![1.0; n];
        let s = fit(&data, p, &y, &w, 2, FeatureSelection::Auto, 0.0);
        let mut sel = s.selected.clone();
        sel.sort();
        assert_eq!(sel, vec![1, 3]);
        assert!((s.coef[1] - 3.0).abs() < 1e-9 && (s.coef[3] + 2.0).abs() < 1e-9);
        assert!((s.score - 1.0).abs() < 1e-12);
        let h = fit(&data, p, &y, &w, 2, FeatureSelection::HighestWeights, 0.0);
        assert_eq!(h.selected, vec![1, 3]);
    }
}
