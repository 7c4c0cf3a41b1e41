//! Small dense linear algebra for the surrogate fits of KernelSHAP and LIME.
//!
//! The systems solved here are tiny (at most a few hundred unknowns), so plain row-major
//! `Vec<f64>` code is both simpler and faster than pulling in a LAPACK binding.

/// Solves `a x = b` for a symmetric positive semi-definite `a`, shape (n, n) row-major, and
/// `b`, shape (n, k) row-major, overwriting `b` with `x`.
///
/// Cholesky first; when `a` is singular (a pivot at or below `1e-12` times the largest diagonal
/// entry) the minimum-norm least-squares solution is returned instead, computed from a Jacobi
/// eigen-decomposition, which is what `numpy.linalg.lstsq` would give for the normal equations.
pub(crate) fn solve_psd(a: &[f64], n: usize, b: &mut [f64], k: usize) {
    debug_assert_eq!(a.len(), n * n);
    debug_assert_eq!(b.len(), n * k);
    if n == 0 {
        return;
    }
    if let Some(l) = cholesky(a, n) {
        // Forward then backward substitution, column by column of b.
        for c in 0..k {
            for i in 0..n {
                let mut s = b[i * k + c];
                for j in 0..i {
                    s -= l[i * n + j] * b[j * k + c];
                }
                b[i * k + c] = s / l[i * n + i];
            }
            for i in (0..n).rev() {
                let mut s = b[i * k + c];
                for j in i + 1..n {
                    s -= l[j * n + i] * b[j * k + c];
                }
                b[i * k + c] = s / l[i * n + i];
            }
        }
    } else {
        pinv_solve(a, n, b, k);
    }
}

/// Lower Cholesky factor of `a`, or `None` when `a` is not numerically positive definite.
fn cholesky(a: &[f64], n: usize) -> Option<Vec<f64>> {
    let max_diag = (0..n).map(|i| a[i * n + i].abs()).fold(0.0, f64::max);
    let tol = 1e-12 * max_diag.max(f64::MIN_POSITIVE);
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let mut s = a[i * n + j];
            for p in 0..j {
                s -= l[i * n + p] * l[j * n + p];
            }
            if i == j {
                if s.is_nan() || s <= tol {
                    return None;
                }
                l[i * n + i] = s.sqrt();
            } else {
                l[i * n + j] = s / l[j * n + j];
            }
        }
    }
    Some(l)
}

/// Minimum-norm solution of `a x = b` for symmetric `a` through its eigen-decomposition,
/// discarding eigenvalues below `1e-12` times the largest.
fn pinv_solve(a: &[f64], n: usize, b: &mut [f64], k: usize) {
    let (vals, vecs) = jacobi_eigen(a, n);
    let vmax = vals.iter().map(|v| v.abs()).fold(0.0, f64::max);
    let tol = 1e-12 * vmax.max(f64::MIN_POSITIVE);
    let mut x = vec![0.0; n * k];
    for (e, &lam) in vals.iter().enumerate() {
        if lam.abs() <= tol {
            continue;
        }
        for c in 0..k {
            // coefficient of b along eigenvector e
            let mut dot = 0.0;
            for i in 0..n {
                dot += vecs[i * n + e] * b[i * k + c];
            }
            let s = dot / lam;
            for i in 0..n {
                x[i * k + c] += s * vecs[i * n + e];
            }
        }
    }
    b.copy_from_slice(&x);
}

/// Cyclic Jacobi eigen-decomposition of a symmetric matrix: eigenvalues and eigenvectors (as
/// the columns of a row-major (n, n) matrix).
fn jacobi_eigen(a: &[f64], n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut m = a.to_vec();
    let mut v = vec![0.0; n * n];
    for i in 0..n {
        v[i * n + i] = 1.0;
    }
    for _sweep in 0..100 {
        let mut off = 0.0;
        let mut total = 0.0;
        for i in 0..n {
            for j in 0..n {
                let x = m[i * n + j] * m[i * n + j];
                total += x;
                if i != j {
                    off += x;
                }
            }
        }
        if off <= 1e-30 * total.max(f64::MIN_POSITIVE) {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = m[p * n + q];
                if apq == 0.0 {
                    continue;
                }
                let theta = (m[q * n + q] - m[p * n + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for r in 0..n {
                    let mrp = m[r * n + p];
                    let mrq = m[r * n + q];
                    m[r * n + p] = c * mrp - s * mrq;
                    m[r * n + q] = s * mrp + c * mrq;
                }
                for r in 0..n {
                    let mpr = m[p * n + r];
                    let mqr = m[q * n + r];
                    m[p * n + r] = c * mpr - s * mqr;
                    m[q * n + r] = s * mpr + c * mqr;
                }
                for r in 0..n {
                    let vrp = v[r * n + p];
                    let vrq = v[r * n + q];
                    v[r * n + p] = c * vrp - s * vrq;
                    v[r * n + q] = s * vrp + c * vrq;
                }
            }
        }
    }
    ((0..n).map(|i| m[i * n + i]).collect(), v)
}

/// A weighted linear fit with intercept on the columns `cols` of a design, from sufficient
/// statistics: weighted means and the weighted centred Gram matrix.
pub(crate) struct WeightedStats {
    /// Number of columns of the full design.
    pub p: usize,
    /// Weighted column means, length p.
    pub x_mean: Vec<f64>,
    /// Weighted mean of y.
    pub y_mean: f64,
    /// `sum_i w_i (x_i - x_mean)(x_i - x_mean)^T`, (p, p) row-major.
    pub gram: Vec<f64>,
    /// `sum_i w_i (x_i - x_mean)(y_i - y_mean)`, length p.
    pub xty: Vec<f64>,
    /// `sum_i w_i (y_i - y_mean)^2`.
    pub yty: f64,
}

impl WeightedStats {
    /// Statistics of design `x` (n, p) row-major, targets `y` (n,) and weights `w` (n,).
    pub fn new(x: &[f64], p: usize, y: &[f64], w: &[f64]) -> WeightedStats {
        let n = y.len();
        let sw: f64 = w.iter().sum();
        let mut x_mean = vec![0.0; p];
        let mut y_mean = 0.0;
        for i in 0..n {
            let row = &x[i * p..(i + 1) * p];
            for (m, &v) in x_mean.iter_mut().zip(row) {
                *m += w[i] * v;
            }
            y_mean += w[i] * y[i];
        }
        for m in &mut x_mean {
            *m /= sw;
        }
        y_mean /= sw;
        let mut gram = vec![0.0; p * p];
        let mut xty = vec![0.0; p];
        let mut yty = 0.0;
        let mut centred = vec![0.0; p];
        for i in 0..n {
            let row = &x[i * p..(i + 1) * p];
            for j in 0..p {
                centred[j] = row[j] - x_mean[j];
            }
            let wi = w[i];
            let yc = y[i] - y_mean;
            yty += wi * yc * yc;
            for a in 0..p {
                let wa = wi * centred[a];
                if wa == 0.0 {
                    continue;
                }
                xty[a] += wa * yc;
                let g = &mut gram[a * p..(a + 1) * p];
                for b in a..p {
                    g[b] += wa * centred[b];
                }
            }
        }
        for a in 0..p {
            for b in 0..a {
                gram[a * p + b] = gram[b * p + a];
            }
        }
        WeightedStats {
            p,
            x_mean,
            y_mean,
            gram,
            xty,
            yty,
        }
    }

    /// Ridge coefficients (as scikit-learn's `Ridge(alpha, fit_intercept=True)` with sample
    /// weights) on the columns `cols`, and the intercept.
    pub fn ridge(&self, cols: &[usize], alpha: f64) -> (Vec<f64>, f64) {
        let k = cols.len();
        let mut a = vec![0.0; k * k];
        let mut b = vec![0.0; k];
        for (i, &ci) in cols.iter().enumerate() {
            for (j, &cj) in cols.iter().enumerate() {
                a[i * k + j] = self.gram[ci * self.p + cj];
            }
            a[i * k + i] += alpha;
            b[i] = self.xty[ci];
        }
        solve_psd(&a, k, &mut b, 1);
        let intercept = self.y_mean
            - cols
                .iter()
                .zip(&b)
                .map(|(&c, &beta)| self.x_mean[c] * beta)
                .sum::<f64>();
        (b, intercept)
    }

    /// Weighted R² of coefficients `beta` on columns `cols`, from the statistics alone (used to
    /// rank candidate feature sets; the final score is recomputed from residuals).
    pub fn r2(&self, cols: &[usize], beta: &[f64]) -> f64 {
        let mut rss = self.yty;
        for (i, &ci) in cols.iter().enumerate() {
            rss -= 2.0 * beta[i] * self.xty[ci];
            for (j, &cj) in cols.iter().enumerate() {
                rss += beta[i] * beta[j] * self.gram[ci * self.p + cj];
            }
        }
        if self.yty > 0.0 {
            1.0 - rss / self.yty
        } else {
            0.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_solve_matches_hand_calculation() {
        // [[4, 2], [2, 3]] x = [2, 1]  ->  x = [0.5, 0]
        let a = [4.0, 2.0, 2.0, 3.0];
        let mut b = [2.0, 1.0];
        solve_psd(&a, 2, &mut b, 1);
        assert!((b[0] - 0.5).abs() < 1e-15 && b[1].abs() < 1e-15, "{b:?}");
    }

    #[test]
    fn singular_system_gives_minimum_norm_solution() {
        // [[1, 1], [1, 1]] x = [2, 2]: the minimum-norm solution is [1, 1].
        let a = [1.0, 1.0, 1.0, 1.0];
        let mut b = [2.0, 2.0];
        solve_psd(&a, 2, &mut b, 1);
        assert!(
            (b[0] - 1.0).abs() < 1e-12 && (b[1] - 1.0).abs() < 1e-12,
            "{b:?}"
        );
    }

    #[test]
    fn weighted_ridge_with_zero_alpha_is_weighted_least_squares() {
        // y = 1 + 2 x0 - x1 exactly, so any positive weights recover it.
        let x = [0.0, 1.0, 1.0, 0.0, 2.0, 3.0, 3.0, 1.0, -1.0, 2.0];
        let y: Vec<f64> = x.chunks(2).map(|r| 1.0 + 2.0 * r[0] - r[1]).collect();
        let w = [1.0, 0.5, 2.0, 0.1, 3.0];
        let s = WeightedStats::new(&x, 2, &y, &w);
        let (beta, b0) = s.ridge(&[0, 1], 0.0);
        assert!((beta[0] - 2.0).abs() < 1e-12 && (beta[1] + 1.0).abs() < 1e-12);
        assert!((b0 - 1.0).abs() < 1e-12);
        assert!((s.r2(&[0, 1], &beta) - 1.0).abs() < 1e-12);
    }
}
