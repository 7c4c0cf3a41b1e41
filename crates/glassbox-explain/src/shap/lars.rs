//! Least-angle regression (Efron, Hastie, Johnstone & Tibshirani 2004), the `method="lar"` path
//! of scikit-learn's `lars_path`, used by KernelSHAP's L1 feature selection.
//!
//! Everything runs on the Gram matrix `X^T X` and `X^T y`, because the designs KernelSHAP feeds
//! in have many rows (two per coalition) but few columns.

use crate::linalg::solve_psd;

/// The LAR path: the order in which variables became active, and the coefficients at every
/// breakpoint (`betas[0]` is all zeros, `betas[s]` has `s` active variables).
pub(crate) struct LarPath {
    /// Variables in order of entry.
    pub order: Vec<usize>,
    /// Coefficients at each breakpoint, each of length p.
    pub betas: Vec<Vec<f64>>,
}

/// Runs LAR on Gram matrix `gram` (p, p) row-major and correlations `xty` (p,) until
/// `max_active` variables are active (or the correlations vanish). The last breakpoint with all
/// `p` variables active is the least-squares fit.
pub(crate) fn lar_path(gram: &[f64], xty: &[f64], p: usize, max_active: usize) -> LarPath {
    let mut beta = vec![0.0; p];
    let mut c = xty.to_vec();
    let mut active: Vec<usize> = Vec::new();
    let mut is_active = vec![false; p];
    let mut betas = vec![beta.clone()];
    let scale = xty.iter().map(|v| v.abs()).fold(0.0, f64::max);
    let tiny = 1e-12 * scale.max(f64::MIN_POSITIVE);
    let first = (0..p).max_by(|&a, &b| c[a].abs().total_cmp(&c[b].abs()));
    let Some(first) = first else {
        return LarPath {
            order: active,
            betas,
        };
    };
    if c[first].abs() <= tiny {
        return LarPath {
            order: active,
            betas,
        };
    }
    active.push(first);
    is_active[first] = true;
    let max_active = max_active.min(p);
    loop {
        let cmax = active.iter().map(|&j| c[j].abs()).fold(0.0, f64::max);
        let k = active.len();
        // Equiangular direction: w = A * G_A^{-1} s, A = (s^T G_A^{-1} s)^{-1/2}.
        let mut g = vec![0.0; k * k];
        let mut q: Vec<f64> = active.iter().map(|&j| c[j].signum()).collect();
        let s = q.clone();
        for (a, &ja) in active.iter().enumerate() {
            for (b, &jb) in active.iter().enumerate() {
                g[a * k + b] = gram[ja * p + jb];
            }
        }
        solve_psd(&g, k, &mut q, 1);
        let sq: f64 = s.iter().zip(&q).map(|(a, b)| a * b).sum();
        if sq.is_nan() || sq <= 0.0 {
            break;
        }
        let aa = 1.0 / sq.sqrt();
        let w: Vec<f64> = q.iter().map(|v| v * aa).collect();
        // a_j = x_j^T u, u = X_A w.
        let a: Vec<f64> = (0..p)
            .map(|j| {
                active
                    .iter()
                    .zip(&w)
                    .map(|(&ja, &wa)| gram[j * p + ja] * wa)
                    .sum()
            })
            .collect();
        let mut gamma = cmax / aa; // the full least-squares step on the active set
        let mut next = None;
        if active.len() < max_active {
            for j in 0..p {
                if is_active[j] {
                    continue;
                }
                for cand in [(cmax - c[j]) / (aa - a[j]), (cmax + c[j]) / (aa + a[j])] {
                    if cand > 1e-15 * gamma.abs().max(1.0) && cand < gamma {
                        gamma = cand;
                        next = Some(j);
                    }
                }
            }
        }
        for (&ja, &wa) in active.iter().zip(&w) {
            beta[ja] += gamma * wa;
        }
        for j in 0..p {
            c[j] -= gamma * a[j];
        }
        betas.push(beta.clone());
        match next {
            Some(j) if active.len() < max_active => {
                active.push(j);
                is_active[j] = true;
            }
            _ => break,
        }
    }
    LarPath {
        order: active,
        betas,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orthogonal_design_enters_by_correlation_and_ends_at_least_squares() {
        // X^T X = I: LAR adds variables by |X^T y| and its last point is beta = X^T y.
        let gram = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0];
        let xty = [0.5, -3.0, 1.0];
        let path = lar_path(&gram, &xty, 3, 3);
        assert_eq!(path.order, vec![1, 2, 0]);
        let last = path.betas.last().unwrap();
        for (b, t) in last.iter().zip(xty) {
            assert!((b - t).abs() < 1e-12, "{last:?}");
        }
        let two = lar_path(&gram, &xty, 3, 2);
        assert_eq!(two.order, vec![1, 2]);
    }
}
