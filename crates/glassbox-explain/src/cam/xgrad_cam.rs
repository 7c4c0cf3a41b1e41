//! XGrad-CAM (Fu, Hu, Dong, Zhang, Lin & Bai 2020, "Axiom-based Grad-CAM: towards accurate
//! visualization and explanation of CNNs").
//!
//! Channel weights are activation-weighted gradients,
//! `α_k^c = Σ_{x,y} (A^k(x, y) / Σ_{x',y'} A^k(x', y')) ∂y^c/∂A^k(x, y)`, and
//! `map = ReLU(Σ_k α_k^c A^k)`. A channel that is zero everywhere contributes nothing whatever
//! its weight, so it gets weight 0 (pytorch-grad-cam adds 1e-7 to the denominator instead; the
//! maps agree). On a GAP head the gradient is spatially constant, so XGrad-CAM equals Grad-CAM
//! (tested); the paper derives the weights from the sensitivity and conservation axioms.

use glassbox_core::ConvClassifier;
use glassbox_core::ndarray::{Array2, ArrayView4};

use super::{RawMaps, channel_weights, gradient_method, weighted_maps};
use crate::ExplainError;

/// XGrad-CAM channel weights, shape (samples, channels), from activations and gradients, both
/// (samples, channels, h, w); sums in f64.
pub fn xgrad_cam_weights(
    activations: ArrayView4<'_, f32>,
    gradients: ArrayView4<'_, f32>,
) -> Result<Array2<f64>, ExplainError> {
    channel_weights("XGrad-CAM", activations, gradients, |act, grad| {
        let total: f64 = act.iter().map(|&v| v as f64).sum();
        if total == 0.0 {
            return 0.0;
        }
        let dot: f64 = act
            .iter()
            .zip(grad.iter())
            .map(|(&x, &g)| x as f64 * g as f64)
            .sum();
        dot / total
    })
}

/// XGrad-CAM for `images` (samples, C, H, W) at conv layer `layer`, explaining `classes`
/// (length samples) or, when `None`, each image's predicted class.
pub fn xgrad_cam(
    model: &dyn ConvClassifier,
    images: ArrayView4<'_, f32>,
    layer: &str,
    classes: Option<&[usize]>,
) -> Result<RawMaps, ExplainError> {
    gradient_method(model, images, layer, classes, |lg| {
        let alpha = xgrad_cam_weights(lg.activations.view(), lg.gradients.view())?;
        weighted_maps(lg.activations.view(), alpha.view(), true)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cam::grad_cam::{grad_cam, grad_cam_weights};
    use crate::cam::test_models::{Head, RefCnn};
    use glassbox_core::ndarray::{Array4, array};
    use glassbox_core::rng::Rng;

    #[test]
    fn weights_are_activation_weighted_gradients() {
        // Channel 0: A = (1, 3), g = (2, 6) -> (1*2 + 3*6) / 4 = 5. Channel 1: A = 0 -> 0.
        let a = array![[[[1.0f32, 3.0]], [[0.0, 0.0]]]];
        let g = array![[[[2.0f32, 6.0]], [[7.0, -1.0]]]];
        let w = xgrad_cam_weights(a.view(), g.view()).unwrap();
        assert_eq!(w, array![[5.0, 0.0]]);
        // Spatially constant gradients: the Grad-CAM weights (where the channel is not zero).
        let g2 = array![[[[4.0f32, 4.0]], [[-2.0, -2.0]]]];
        let w2 = xgrad_cam_weights(a.view(), g2.view()).unwrap();
        assert_eq!(w2[[0, 0]], grad_cam_weights(g2.view())[[0, 0]]);
        assert!(
            xgrad_cam_weights(
                a.view(),
                g.slice(glassbox_core::ndarray::s![.., ..1, .., ..])
            )
            .is_err()
        );
    }

    #[test]
    fn xgrad_cam_equals_grad_cam_on_a_gap_head() {
        let model = RefCnn::random(75, [1, 8, 7], &[3, 5], 3, Head::Gap, 3);
        let mut rng = Rng::new(76);
        let imgs = Array4::from_shape_fn((3, 1, 8, 7), |_| rng.uniform(0.0, 1.0) as f32);
        let a = xgrad_cam(&model, imgs.view(), "conv2", None).unwrap();
        let b = grad_cam(&model, imgs.view(), "conv2", None).unwrap();
        assert_eq!(a.classes, b.classes);
        for (p, q) in a.maps.iter().zip(b.maps.iter()) {
            assert!((p - q).abs() < 1e-5 * (1.0 + q.abs()), "{p} vs {q}");
        }
    }
}
