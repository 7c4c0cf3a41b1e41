//! Eigen-CAM (Muhammad & Yeasin 2020, "Eigen-CAM: class activation map using principal
//! components"): no gradients and no class, the first principal component of the layer's
//! feature maps.
//!
//! Per image, the activations are read as `h·w` observations of `k` channels, centred per
//! channel (pytorch-grad-cam's `get_2d_projection`), and projected on the leading right
//! singular vector `v` of that matrix: `map(x, y) = Σ_k (A^k(x, y) − mean A^k) v_k`. A singular
//! vector's sign is arbitrary, so glassbox fixes it: the map must correlate positively with the
//! channel-summed activation `Σ_k A^k` (where the network "fires"); pytorch-grad-cam leaves the
//! sign to its SVD routine. The map is then passed through a ReLU like the rest of the family.
//!
//! `v` is the top eigenvector of the k × k scatter matrix `XᵀX`, found by cyclic Jacobi
//! rotations in f64 (k is a layer's channel count, at most a few hundred); written here because
//! the workspace has no linear-algebra crate and this is the only eigenproblem it needs.

use glassbox_core::ConvClassifier;
use glassbox_core::ndarray::{Array2, Array3, ArrayView3, ArrayView4, Axis};
use rayon::prelude::*;

use super::{RawMaps, activation_method};
use crate::ExplainError;

/// Eigenvalues and eigenvectors of the symmetric matrix `a` (n × n): returns the eigenvalues
/// and the eigenvectors as the columns of an n × n matrix, in the order of the eigenvalues
/// (unsorted). Cyclic Jacobi: sweeps until the off-diagonal mass is below 1e-22 of the total.
pub fn symmetric_eigen(a: &Array2<f64>) -> (Vec<f64>, Array2<f64>) {
    let n = a.nrows();
    let mut m = a.clone();
    let mut v = Array2::<f64>::eye(n);
    let total: f64 = m.iter().map(|x| x * x).sum();
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|p| (0..n).filter(move |&q| q != p).map(move |q| (p, q)))
            .map(|(p, q)| m[[p, q]] * m[[p, q]])
            .sum();
        if off <= 1e-22 * total || off == 0.0 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = m[[p, q]];
                if apq == 0.0 {
                    continue;
                }
                // The rotation that zeroes m[p][q] (Golub & Van Loan, Algorithm 8.4.1).
                let theta = (m[[q, q]] - m[[p, p]]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for r in 0..n {
                    let (mrp, mrq) = (m[[r, p]], m[[r, q]]);
                    m[[r, p]] = c * mrp - s * mrq;
                    m[[r, q]] = s * mrp + c * mrq;
                }
                for r in 0..n {
                    let (mpr, mqr) = (m[[p, r]], m[[q, r]]);
                    m[[p, r]] = c * mpr - s * mqr;
                    m[[q, r]] = s * mpr + c * mqr;
                }
                for r in 0..n {
                    let (vrp, vrq) = (v[[r, p]], v[[r, q]]);
                    v[[r, p]] = c * vrp - s * vrq;
                    v[[r, q]] = s * vrp + c * vrq;
                }
            }
        }
    }
    ((0..n).map(|i| m[[i, i]]).collect(), v)
}

/// The Eigen-CAM map of one image's activations (channels, h, w), before the ReLU: the
/// centred activations projected on their first principal direction, signed to correlate
/// positively with the channel sum. All zeros when the activations do not vary.
pub fn eigen_cam_map(activations: ArrayView3<'_, f32>) -> Array2<f64> {
    let (k, h, w) = activations.dim();
    let p = h * w;
    let mut x = Array2::<f64>::zeros((p, k));
    for c in 0..k {
        let ch = activations.index_axis(Axis(0), c);
        let mean = ch.iter().map(|&v| v as f64).sum::<f64>() / p.max(1) as f64;
        for (r, &v) in ch.iter().enumerate() {
            x[[r, c]] = v as f64 - mean;
        }
    }
    let scatter = x.t().dot(&x);
    let (values, vectors) = symmetric_eigen(&scatter);
    let Some(top) = (0..k).max_by(|&a, &b| values[a].total_cmp(&values[b])) else {
        return Array2::zeros((h, w));
    };
    if values[top] <= 0.0 {
        return Array2::zeros((h, w));
    }
    let mut proj = x.dot(&vectors.column(top));
    // Sign: positive correlation with where the channels fire in sum.
    let fired: Vec<f64> = (0..p).map(|r| (0..k).map(|c| x[[r, c]]).sum()).collect();
    if proj.iter().zip(&fired).map(|(a, b)| a * b).sum::<f64>() < 0.0 {
        proj.mapv_inplace(|v| -v);
    }
    proj.into_shape_with_order((h, w)).expect("h x w")
}

/// Eigen-CAM for `images` (samples, C, H, W) at conv layer `layer`. The map does not depend on
/// the class; `classes` (or each image's predicted class) are only reported with it.
pub fn eigen_cam(
    model: &dyn ConvClassifier,
    images: ArrayView4<'_, f32>,
    layer: &str,
    classes: Option<&[usize]>,
) -> Result<RawMaps, ExplainError> {
    activation_method(model, images, layer, classes, |activations, _| {
        let (n, _, h, w) = activations.dim();
        let maps: Vec<Vec<f32>> = (0..n)
            .into_par_iter()
            .map(|i| {
                eigen_cam_map(activations.index_axis(Axis(0), i))
                    .iter()
                    .map(|&v| v.max(0.0) as f32)
                    .collect()
            })
            .collect();
        Ok(Array3::from_shape_vec((n, h, w), maps.concat()).expect("n maps of h x w"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use glassbox_core::ndarray::{Array3, array};
    use glassbox_core::rng::Rng;

    #[test]
    fn jacobi_finds_the_eigenpairs_of_a_symmetric_matrix() {
        let a = array![[4.0, 1.0, 2.0], [1.0, 3.0, 0.5], [2.0, 0.5, 5.0]];
        let (values, vectors) = symmetric_eigen(&a);
        // A v = λ v for each pair, and the eigenvectors are orthonormal.
        for (i, &lambda) in values.iter().enumerate() {
            let v = vectors.column(i);
            let av = a.dot(&v);
            for (x, y) in av.iter().zip(v.iter()) {
                assert!((x - lambda * y).abs() < 1e-12, "pair {i}");
            }
            for j in 0..3 {
                let d = v.dot(&vectors.column(j));
                assert!((d - if i == j { 1.0 } else { 0.0 }).abs() < 1e-12);
            }
        }
        // Trace is preserved.
        assert!((values.iter().sum::<f64>() - 12.0).abs() < 1e-12);
    }

    /// Rank-one activations `A^k(x, y) = u_k s(x, y)`: the map is `s − mean(s)` up to a positive
    /// factor, whatever the signs of `u`.
    #[test]
    fn rank_one_activations_give_their_spatial_pattern() {
        let mut rng = Rng::new(5);
        let (k, h, w) = (6, 4, 5);
        let s = Array2::from_shape_fn((h, w), |_| rng.uniform(0.0, 2.0));
        let u: Vec<f64> = (0..k).map(|_| rng.uniform(0.2, 1.0)).collect();
        let a = Array3::from_shape_fn((k, h, w), |(c, y, x)| (u[c] * s[[y, x]]) as f32);
        let map = eigen_cam_map(a.view());
        let mean = s.sum() / (h * w) as f64;
        let centred = s.mapv(|v| v - mean);
        let ratio = map[[0, 0]] / centred[[0, 0]];
        assert!(ratio > 0.0);
        for (m, c) in map.iter().zip(centred.iter()) {
            assert!(
                (m - ratio * c).abs() < 1e-5 * (1.0 + c.abs()),
                "{m} vs {}",
                ratio * c
            );
        }
        // Constant activations: nothing varies, the map is zero.
        let flat = Array3::<f32>::from_elem((3, 2, 2), 0.7);
        assert!(eigen_cam_map(flat.view()).iter().all(|&v| v == 0.0));
    }
}
