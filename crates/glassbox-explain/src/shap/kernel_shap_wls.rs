//! KernelSHAP's regression step: the Shapley-kernel weighted least squares over sampled
//! coalitions with the efficiency constraint imposed exactly, and the optional feature
//! selection (fixed count via LARS, or AIC) that precedes it. Split from `kernel_shap.rs`, which
//! samples the coalitions and evaluates the model.

use super::kernel_shap::Coalitions;
use super::lars::lar_path;
use crate::linalg::solve_psd;

/// Weighted least squares over the coalitions restricted to features `cols` (indices into the
/// varying features), with the efficiency constraint `sum phi = diff[q]` imposed by eliminating
/// the last selected feature. `ys[q]` are the adjusted targets `E[f] - E[f(background)]` per
/// coalition. Returns (cols, outputs) row-major.
pub(super) fn constrained_wls(
    coal: &Coalitions,
    mv: usize,
    cols: &[usize],
    ys: &[&[f64]],
    diff: &[f64],
) -> Vec<f64> {
    let q = ys.len();
    let nsel = cols.len();
    let nc = coal.weights.len();
    let last = cols[nsel - 1];
    let p = nsel - 1;
    let mut a = vec![0.0; p * p];
    let mut b = vec![0.0; p * q];
    let mut xrow = vec![0.0; p];
    for c in 0..nc {
        let mask = &coal.masks[c * mv..(c + 1) * mv];
        let zl = if mask[last] { 1.0 } else { 0.0 };
        for (t, &j) in cols[..p].iter().enumerate() {
            xrow[t] = (if mask[j] { 1.0 } else { 0.0 }) - zl;
        }
        let w = coal.weights[c];
        for t in 0..p {
            let wx = w * xrow[t];
            if wx == 0.0 {
                continue;
            }
            for u in t..p {
                a[t * p + u] += wx * xrow[u];
            }
            for (o, (yo, d)) in ys.iter().zip(diff).enumerate() {
                b[t * q + o] += wx * (yo[c] - zl * d);
            }
        }
    }
    for t in 0..p {
        for u in 0..t {
            a[t * p + u] = a[u * p + t];
        }
    }
    solve_psd(&a, p, &mut b, q);
    let mut out = vec![0.0; nsel * q];
    for o in 0..q {
        let mut sum = 0.0;
        for t in 0..p {
            out[t * q + o] = b[t * q + o];
            sum += b[t * q + o];
        }
        out[p * q + o] = diff[o] - sum;
    }
    out
}

/// shap's augmented L1 problem: rows `z` weighted by `w (M - |z|)` with target `y`, and rows
/// `z - 1` weighted by `w |z|` with target `y - diff`, both pre-multiplied by the square root
/// of their weight. Returns the design (2n, mv) row-major and the target.
pub(super) fn augmented(
    coal: &Coalitions,
    mv: usize,
    y: &[f64],
    diff: f64,
) -> (Vec<f64>, Vec<f64>) {
    let nc = coal.weights.len();
    let mut xa = vec![0.0; 2 * nc * mv];
    let mut ya = vec![0.0; 2 * nc];
    for c in 0..nc {
        let mask = &coal.masks[c * mv..(c + 1) * mv];
        let s = mask.iter().filter(|&&b| b).count() as f64;
        let w1 = (coal.weights[c] * (mv as f64 - s)).sqrt();
        let w2 = (coal.weights[c] * s).sqrt();
        for t in 0..mv {
            let z = if mask[t] { 1.0 } else { 0.0 };
            xa[c * mv + t] = w1 * z;
            xa[(nc + c) * mv + t] = w2 * (z - 1.0);
        }
        ya[c] = w1 * y[c];
        ya[nc + c] = w2 * (y[c] - diff);
    }
    (xa, ya)
}

pub(super) fn gram(x: &[f64], y: &[f64], p: usize) -> (Vec<f64>, Vec<f64>) {
    let n = y.len();
    let mut g = vec![0.0; p * p];
    let mut xty = vec![0.0; p];
    for i in 0..n {
        let r = &x[i * p..(i + 1) * p];
        for a in 0..p {
            if r[a] == 0.0 {
                continue;
            }
            xty[a] += r[a] * y[i];
            for b in a..p {
                g[a * p + b] += r[a] * r[b];
            }
        }
    }
    for a in 0..p {
        for b in 0..a {
            g[a * p + b] = g[b * p + a];
        }
    }
    (g, xty)
}

/// The first `r` features on the LAR path (at least one), in increasing index order with the
/// last-entered feature last (it absorbs the efficiency constraint, as in shap).
pub(super) fn select_num_features(
    coal: &Coalitions,
    mv: usize,
    y: &[f64],
    diff: f64,
    r: usize,
) -> Vec<usize> {
    let (xa, ya) = augmented(coal, mv, y, diff);
    let (g, xty) = gram(&xa, &ya, mv);
    let path = lar_path(&g, &xty, mv, r.max(1));
    let mut cols = path.order;
    if cols.is_empty() {
        cols.push(0);
    }
    cols.sort_unstable();
    cols
}

/// AIC selection along the LAR path of the centred, column-standardised augmented problem.
pub(super) fn select_aic(coal: &Coalitions, mv: usize, y: &[f64], diff: f64) -> Vec<usize> {
    let (mut xa, mut ya) = augmented(coal, mv, y, diff);
    let n = ya.len();
    let nf = n as f64;
    // Standardise columns (StandardScaler(with_mean=False) divides by the std), then centre
    // (LassoLarsIC's fit_intercept=True).
    for t in 0..mv {
        let mean = (0..n).map(|i| xa[i * mv + t]).sum::<f64>() / nf;
        let var = (0..n).map(|i| (xa[i * mv + t] - mean).powi(2)).sum::<f64>() / nf;
        let sd = if var > 0.0 { var.sqrt() } else { 1.0 };
        for i in 0..n {
            xa[i * mv + t] = (xa[i * mv + t] - mean) / sd;
        }
    }
    let ymean = ya.iter().sum::<f64>() / nf;
    for v in &mut ya {
        *v -= ymean;
    }
    let yy: f64 = ya.iter().map(|v| v * v).sum();
    let (g, xty) = gram(&xa, &ya, mv);
    let path = lar_path(&g, &xty, mv, mv);
    let rss = |beta: &[f64]| {
        let mut r = yy;
        for a in 0..mv {
            r -= 2.0 * beta[a] * xty[a];
            for b in 0..mv {
                r += beta[a] * beta[b] * g[a * mv + b];
            }
        }
        r.max(0.0)
    };
    let fallback = || {
        let mut c = path.order.clone();
        if c.is_empty() {
            c.push(0);
        }
        c.sort_unstable();
        c
    };
    // Noise variance from the full least-squares fit, as scikit-learn estimates it.
    let dof = n as f64 - mv as f64 - 1.0;
    let Some(full) = path.betas.last() else {
        return fallback();
    };
    let sigma2 = rss(full) / dof;
    if !(dof > 0.0 && sigma2 > 0.0) {
        return fallback();
    }
    let mut best = (f64::INFINITY, 0);
    for (s, beta) in path.betas.iter().enumerate() {
        let df = beta.iter().filter(|b| b.abs() > f64::EPSILON).count() as f64;
        let aic = nf * (2.0 * std::f64::consts::PI * sigma2).ln() + rss(beta) / sigma2 + 2.0 * df;
        if aic < best.0 {
            best = (aic, s);
        }
    }
    let mut cols: Vec<usize> = (0..mv)
        .filter(|&t| path.betas[best.1][t].abs() > f64::EPSILON)
        .collect();
    if cols.is_empty() {
        cols = path.order.first().map(|&j| vec![j]).unwrap_or(vec![0]);
    }
    cols
}
