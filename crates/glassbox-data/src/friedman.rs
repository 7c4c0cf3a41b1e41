//! Friedman #1 synthetic regression data (Friedman 1991, "Multivariate adaptive regression
//! splines"), the benchmark table of the forest and TreeSHAP benchmarks.

use glassbox_core::Table;
use glassbox_core::ndarray::{Array1, Array2};
use glassbox_core::rng::Rng;

/// Friedman #1: `n` rows, `m` features drawn uniformly from [0, 1), and
/// `y = 10 sin(pi x0 x1) + 20 (x2 - 0.5)^2 + 10 x3 + 5 x4 + noise * N(0, 1)`; features
/// `m - 5` onwards do not enter `y`.
///
/// Deterministic in `seed`: one [`Rng::new`] stream is consumed row by row, first the row's `m`
/// features in column order, then one normal draw for its noise (drawn even when `noise` is 0,
/// so the features do not depend on `noise`). Features are named `x0`..`x{m-1}`, the target
/// `y`, rows `0`..`n-1`. Shape of the features: (n, m).
///
/// # Panics
/// If `m < 5` (the formula uses five features) or `noise` is not finite.
pub fn friedman1(n: usize, m: usize, noise: f64, seed: u64) -> Table {
    assert!(m >= 5, "friedman1 needs at least 5 features, got {m}");
    assert!(
        noise.is_finite(),
        "friedman1 noise must be finite, got {noise}"
    );
    let mut rng = Rng::new(seed);
    let mut x = Array2::<f64>::zeros((n, m));
    let mut y = Array1::<f64>::zeros(n);
    for i in 0..n {
        for j in 0..m {
            x[[i, j]] = rng.next_f64();
        }
        let e = rng.normal();
        y[i] = friedman1_mean(&[x[[i, 0]], x[[i, 1]], x[[i, 2]], x[[i, 3]], x[[i, 4]]]) + noise * e;
    }
    Table::new(
        (0..m).map(|j| format!("x{j}")).collect(),
        x,
        Some("y".to_string()),
        Some(y),
        (0..n).map(|i| i.to_string()).collect(),
    )
    .expect("generated values are finite and shapes agree")
}

/// The noise-free Friedman #1 function of the first five features.
pub fn friedman1_mean(x: &[f64; 5]) -> f64 {
    10.0 * (std::f64::consts::PI * x[0] * x[1]).sin()
        + 20.0 * (x[2] - 0.5).powi(2)
        + 10.0 * x[3]
        + 5.0 * x[4]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noise_free_matches_formula_and_is_deterministic() {
        let t = friedman1(200, 7, 0.0, 5);
        assert_eq!(t.features.dim(), (200, 7));
        assert_eq!(t.feature_names[6], "x6");
        assert_eq!(t.target_name.as_deref(), Some("y"));
        let y = t.target.as_ref().unwrap();
        for i in 0..200 {
            let r = t.features.row(i);
            assert!(r.iter().all(|&v| (0.0..1.0).contains(&v)));
            // Written out independently of friedman1_mean.
            let expect = 10.0 * (std::f64::consts::PI * r[0] * r[1]).sin()
                + 20.0 * (r[2] - 0.5) * (r[2] - 0.5)
                + 10.0 * r[3]
                + 5.0 * r[4];
            assert!((y[i] - expect).abs() < 1e-12);
        }
        assert_eq!(t, friedman1(200, 7, 0.0, 5));
        assert_ne!(t.features, friedman1(200, 7, 0.0, 6).features);
        // Noise leaves the features alone and adds noise with the requested spread.
        let noisy = friedman1(20_000, 5, 2.0, 5);
        let clean = friedman1(20_000, 5, 0.0, 5);
        assert_eq!(noisy.features, clean.features);
        let d = noisy.target.unwrap() - clean.target.unwrap();
        let mean = d.mean().unwrap();
        let sd = (d.mapv(|v| (v - mean) * (v - mean)).sum() / d.len() as f64).sqrt();
        assert!(
            mean.abs() < 0.05 && (sd - 2.0).abs() < 0.05,
            "mean {mean} sd {sd}"
        );
    }

    #[test]
    #[should_panic(expected = "at least 5 features")]
    fn too_few_features_panics() {
        friedman1(10, 4, 0.0, 1);
    }
}
