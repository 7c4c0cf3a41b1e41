//! Grad-CAM++ (Chattopadhyay et al. 2018, "Grad-CAM++: generalized gradient-based visual
//! explanations for deep convolutional networks").
//!
//! The paper weighs each position's positive gradient by
//! `a_ij^k = ∂²S/∂A² / (2 ∂²S/∂A² + Σ_ab A_ab^k ∂³S/∂A³)`. Like the paper's closed form and
//! pytorch-grad-cam, this assumes the explained score is `S = exp(y^c)` of a network that is
//! piecewise linear in `A` (ReLU, max-pool, dense), so the higher derivatives of `y^c` vanish and
//! `∂ⁿS/∂Aⁿ = exp(y^c) gⁿ` with `g = ∂y^c/∂A`. The `exp(y^c)` factors cancel in `a`, giving
//! `a_ij^k = g² / (2g² + S_k g³)` with `S_k = Σ_ab A^k_ab`, and the channel weight
//! `w_k = Σ_ij a_ij^k · ReLU(g_ij)` (pytorch-grad-cam also drops the positive per-image factor
//! `exp(y^c)` from `ReLU(∂S/∂A)`; it does not change the normalised map).
//!
//! For `g > 0` the summand simplifies to `g / (2 + S_k g)`, which is what is computed: no
//! division by a vanishing `g²`. pytorch-grad-cam instead adds `1e-6` to the denominator
//! `2g² + S_k g³`, which visibly shrinks the weights of channels whose gradients are below
//! ~1e-3 (common behind global average pooling over many positions); glassbox does not, so its
//! maps follow the formula exactly. Positions with `g ≤ 0`, or (for activations that can be
//! negative) a non-positive denominator, contribute 0. The map is `ReLU(Σ_k w_k A^k)`.

use glassbox_core::ConvClassifier;
use glassbox_core::ndarray::{Array2, Array3, ArrayView4};

use super::{RawMaps, channel_weights, gradient_method, weighted_maps};
use crate::ExplainError;

/// Grad-CAM++ channel weights, shape (samples, channels), from activations and gradients
/// (samples, channels, h, w); see the module documentation for the formula.
pub fn grad_cam_plus_plus_weights(
    activations: ArrayView4<'_, f32>,
    gradients: ArrayView4<'_, f32>,
) -> Result<Array2<f64>, ExplainError> {
    channel_weights("Grad-CAM++", activations, gradients, |a, g| {
        let s: f64 = a.iter().map(|&v| v as f64).sum();
        g.iter()
            .map(|&gij| {
                let gij = gij as f64;
                let denom = 2.0 + s * gij;
                if gij > 0.0 && denom > 0.0 {
                    gij / denom
                } else {
                    0.0
                }
            })
            .sum()
    })
}

/// Grad-CAM++ maps `ReLU(Σ_k w_k A^k)`, (samples, h, w), from activations and gradients
/// (samples, channels, h, w).
pub fn grad_cam_plus_plus_maps(
    activations: ArrayView4<'_, f32>,
    gradients: ArrayView4<'_, f32>,
) -> Result<Array3<f32>, ExplainError> {
    let w = grad_cam_plus_plus_weights(activations, gradients)?;
    weighted_maps(activations, w.view(), true)
}

/// Grad-CAM++ for `images` (samples, C, H, W) at conv layer `layer`, explaining `classes`
/// (length samples) or, when `None`, each image's predicted class.
pub fn grad_cam_plus_plus(
    model: &dyn ConvClassifier,
    images: ArrayView4<'_, f32>,
    layer: &str,
    classes: Option<&[usize]>,
) -> Result<RawMaps, ExplainError> {
    gradient_method(model, images, layer, classes, |lg| {
        grad_cam_plus_plus_maps(lg.activations.view(), lg.gradients.view())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cam::test_models::{Head, RefCnn};
    use glassbox_core::ndarray::Array4;
    use glassbox_core::rng::Rng;

    #[test]
    fn weights_match_hand_computation() {
        // A = [[1, 2], [3, 0]] (S = 6), g = [[0.5, -1], [0.25, 0]]:
        // g = 0.5: 0.5² / (2·0.5² + 6·0.5³) · 0.5 = 0.25 / 1.25 · 0.5 = 0.1
        // g = 0.25: 0.0625 / (0.125 + 6·0.015625) · 0.25 = 0.0625 / 0.21875 · 0.25 = 1/14
        // g ≤ 0: 0. Total 0.1 + 1/14.
        let a = Array4::from_shape_vec((1, 1, 2, 2), vec![1.0, 2.0, 3.0, 0.0]).unwrap();
        let g = Array4::from_shape_vec((1, 1, 2, 2), vec![0.5, -1.0, 0.25, 0.0]).unwrap();
        let w = grad_cam_plus_plus_weights(a.view(), g.view()).unwrap();
        assert!((w[[0, 0]] - (0.1 + 1.0 / 14.0)).abs() < 1e-15);
    }

    /// pytorch-grad-cam's formula transcribed literally (without its 1e-6 epsilon), in f64,
    /// on a flatten net whose gradients vary from pixel to pixel.
    #[test]
    fn weights_match_the_literal_formula() {
        let model = RefCnn::random(41, [1, 6, 6], &[3, 5], 3, Head::Flatten, 3);
        let mut rng = Rng::new(42);
        let imgs = Array4::from_shape_fn((3, 1, 6, 6), |_| rng.uniform(0.0, 1.0) as f32);
        let lg = model
            .layer_gradients(imgs.view(), "conv1", &[0, 1, 2])
            .unwrap();
        let w = grad_cam_plus_plus_weights(lg.activations.view(), lg.gradients.view()).unwrap();
        let (n, k, _, _) = lg.activations.dim();
        for i in 0..n {
            for c in 0..k {
                let a = lg
                    .activations
                    .slice(glassbox_core::ndarray::s![i, c, .., ..]);
                let g = lg.gradients.slice(glassbox_core::ndarray::s![i, c, .., ..]);
                let s: f64 = a.iter().map(|&v| v as f64).sum();
                let mut e = 0.0;
                for &gv in g.iter() {
                    let gv = gv as f64;
                    let (g2, g3) = (gv * gv, gv * gv * gv);
                    let aij = if gv != 0.0 {
                        g2 / (2.0 * g2 + s * g3)
                    } else {
                        0.0
                    };
                    e += gv.max(0.0) * aij;
                }
                assert!(
                    (w[[i, c]] - e).abs() < 1e-12 * (1.0 + e.abs()),
                    "{} vs {e}",
                    w[[i, c]]
                );
            }
        }
    }

    /// On a GAP net g_k = w_k^c/(h·w) at every pixel, so w_k = h·w · g_k / (2 + S_k g_k)
    /// for g_k > 0 and 0 otherwise.
    #[test]
    fn gap_closed_form() {
        let model = RefCnn::random(43, [2, 5, 4], &[6], 3, Head::Gap, 2);
        let mut rng = Rng::new(44);
        let imgs = Array4::from_shape_fn((2, 2, 5, 4), |_| rng.uniform(0.0, 1.0) as f32);
        let raw = grad_cam_plus_plus(&model, imgs.view(), "conv1", Some(&[1, 0])).unwrap();
        let lg = model
            .layer_gradients(imgs.view(), "conv1", &[1, 0])
            .unwrap();
        for (i, &class) in [1usize, 0].iter().enumerate() {
            let mut expected = glassbox_core::ndarray::Array2::<f64>::zeros((5, 4));
            for k in 0..6 {
                let gk = model.dense_w[[class, k]] / 20.0;
                let a = lg
                    .activations
                    .slice(glassbox_core::ndarray::s![i, k, .., ..]);
                let s: f64 = a.iter().map(|&v| v as f64).sum();
                let wk = if gk > 0.0 {
                    20.0 * gk / (2.0 + s * gk)
                } else {
                    0.0
                };
                expected.zip_mut_with(&a, |e, &v| *e += wk * v as f64);
            }
            for ((y, x), e) in expected.indexed_iter() {
                let got = raw.maps[[i, y, x]] as f64;
                assert!(
                    (got - e.max(0.0)).abs() < 1e-5 * (1.0 + e.abs()),
                    "{got} vs {e}"
                );
            }
        }
    }
}
