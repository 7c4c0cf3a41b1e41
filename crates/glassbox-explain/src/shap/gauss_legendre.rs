//! Gauss–Legendre quadrature on `[0, 1]`.
//!
//! TreeSHAP's Shapley weights are Beta integrals of a polynomial of degree < number of path
//! features, so an `n`-point rule integrates them exactly; both fast TreeSHAP and the interaction
//! values use it.

/// The `n` Gauss–Legendre nodes and weights on `[0, 1]` (Newton iteration on `P_n`); exact for
/// polynomials of degree `<= 2n - 1`.
pub(crate) fn gauss_legendre(n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut nodes = Vec::with_capacity(n);
    let mut weights = Vec::with_capacity(n);
    for i in 0..n {
        // Tricomi's initial guess for the i-th largest root of P_n on [-1, 1].
        let mut x = (std::f64::consts::PI * (i as f64 + 0.75) / (n as f64 + 0.5)).cos();
        let mut dp = 0.0;
        for iter in 0..100 {
            let (p, d) = legendre(n, x);
            dp = d;
            let dx = p / d;
            x -= dx;
            // Two extra steps after convergence polish the last bits.
            if dx.abs() < 1e-15 && iter > 2 {
                let (_, d) = legendre(n, x);
                dp = d;
                break;
            }
        }
        let w = 2.0 / ((1.0 - x * x) * dp * dp);
        nodes.push(0.5 * (1.0 + x));
        weights.push(0.5 * w);
    }
    (nodes, weights)
}

/// `(P_n(x), P_n'(x))` by the three-term recurrence.
fn legendre(n: usize, x: f64) -> (f64, f64) {
    let (mut p0, mut p1) = (1.0, x);
    for k in 2..=n {
        let p2 = ((2 * k - 1) as f64 * x * p1 - (k - 1) as f64 * p0) / k as f64;
        p0 = p1;
        p1 = p2;
    }
    if n == 0 {
        return (1.0, 0.0);
    }
    (p1, n as f64 * (x * p1 - p0) / (x * x - 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn beta(a: usize, b: usize) -> f64 {
        let mut r = 1.0;
        for i in 1..=a {
            r *= i as f64 / (b + i) as f64;
        }
        r / (a + b + 1) as f64
    }

    #[test]
    fn gauss_legendre_is_exact_up_to_degree_2n_minus_1() {
        for n in 1..=40 {
            let (t, w) = gauss_legendre(n);
            assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-14, "n = {n}");
            assert!(t.iter().all(|&t| t > 0.0 && t < 1.0));
            for deg in 0..2 * n {
                for a in 0..=deg {
                    let got: f64 = t
                        .iter()
                        .zip(&w)
                        .map(|(&t, &w)| w * t.powi(a as i32) * (1.0 - t).powi((deg - a) as i32))
                        .sum();
                    let want = beta(a, deg - a);
                    assert!(
                        (got - want).abs() <= 1e-13 * want,
                        "n {n} t^{a} (1-t)^{}: {got} vs {want}",
                        deg - a
                    );
                }
            }
            // Degree 2n is NOT integrated exactly: the squared shifted Legendre polynomial
            // vanishes at every node, but its integral is 1 / (2n + 1).
            let got: f64 = t
                .iter()
                .zip(&w)
                .map(|(&t, &w)| w * legendre(n, 2.0 * t - 1.0).0.powi(2))
                .sum();
            assert!(got.abs() < 1e-20, "n = {n}: {got}");
        }
    }
}
