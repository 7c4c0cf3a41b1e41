//! HiResCAM (Draelos & Carin 2020, "Use HiResCAM instead of Grad-CAM for faithful explanations
//! of convolutional neural networks") and LayerCAM (Jiang, Zhang, Hou, Cheng & Wei 2021,
//! "LayerCAM: exploring hierarchical class activation maps for localization").
//!
//! Both keep the gradient where Grad-CAM averages it away:
//! * HiResCAM: `map = ReLU(Σ_k ∂y^c/∂A^k ⊙ A^k)`. When the layer feeds a flatten + dense head
//!   directly, `y^c = b_c + Σ_{k,x,y} W^c_{k,x,y} A^k(x, y)` and the map before the ReLU is
//!   exactly each position's contribution to the score: it sums to `y^c − b_c` (tested). On a
//!   GAP head the gradient is spatially constant and HiResCAM equals Grad-CAM.
//! * LayerCAM: `map = ReLU(Σ_k ReLU(∂y^c/∂A^k) ⊙ A^k)`: only positive gradients count, which
//!   keeps fine detail at shallow layers. With non-negative gradients it equals HiResCAM.
//!
//! The products are summed in f64, as every map of the family.

use glassbox_core::ConvClassifier;
use glassbox_core::ndarray::{Array3, ArrayView4, Axis};
use rayon::prelude::*;

use super::{RawMaps, check_same_shape, gradient_method};
use crate::ExplainError;

/// `Σ_k g(∂y/∂A^k) ⊙ A^k` per image and position, then optionally a ReLU; `activations` and
/// `gradients` (samples, channels, h, w); returns (samples, h, w). `positive_gradients` applies
/// `g = ReLU` (LayerCAM), else `g` is the identity (HiResCAM).
pub fn gradient_product_maps(
    activations: ArrayView4<'_, f32>,
    gradients: ArrayView4<'_, f32>,
    positive_gradients: bool,
    relu: bool,
) -> Result<Array3<f32>, ExplainError> {
    check_same_shape("HiResCAM / LayerCAM", activations, gradients)?;
    let (n, k, h, w) = activations.dim();
    let maps: Vec<Vec<f32>> = (0..n)
        .into_par_iter()
        .map(|i| {
            let (a, g) = (
                activations.index_axis(Axis(0), i),
                gradients.index_axis(Axis(0), i),
            );
            let mut acc = vec![0.0f64; h * w];
            for c in 0..k {
                let ac = a.index_axis(Axis(0), c);
                let gc = g.index_axis(Axis(0), c);
                for ((s, &av), &gv) in acc.iter_mut().zip(ac.iter()).zip(gc.iter()) {
                    let gv = if positive_gradients { gv.max(0.0) } else { gv };
                    *s += gv as f64 * av as f64;
                }
            }
            acc.into_iter()
                .map(|s| if relu { s.max(0.0) as f32 } else { s as f32 })
                .collect()
        })
        .collect();
    Ok(Array3::from_shape_vec((n, h, w), maps.concat()).expect("n maps of h x w"))
}

fn product_cam(
    model: &dyn ConvClassifier,
    images: ArrayView4<'_, f32>,
    layer: &str,
    classes: Option<&[usize]>,
    positive_gradients: bool,
) -> Result<RawMaps, ExplainError> {
    gradient_method(model, images, layer, classes, |lg| {
        gradient_product_maps(
            lg.activations.view(),
            lg.gradients.view(),
            positive_gradients,
            true,
        )
    })
}

/// HiResCAM for `images` (samples, C, H, W) at conv layer `layer`, explaining `classes`
/// (length samples) or, when `None`, each image's predicted class.
pub fn hires_cam(
    model: &dyn ConvClassifier,
    images: ArrayView4<'_, f32>,
    layer: &str,
    classes: Option<&[usize]>,
) -> Result<RawMaps, ExplainError> {
    product_cam(model, images, layer, classes, false)
}

/// LayerCAM for `images` (samples, C, H, W) at conv layer `layer`, explaining `classes`
/// (length samples) or, when `None`, each image's predicted class.
pub fn layer_cam(
    model: &dyn ConvClassifier,
    images: ArrayView4<'_, f32>,
    layer: &str,
    classes: Option<&[usize]>,
) -> Result<RawMaps, ExplainError> {
    product_cam(model, images, layer, classes, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cam::grad_cam::grad_cam;
    use crate::cam::test_models::{Head, RefCnn, random_images as images};
    use glassbox_core::ndarray::array;

    /// Flatten + dense head: the pre-ReLU HiResCAM map is each position's share of the score.
    #[test]
    fn hires_cam_adds_up_to_the_score_on_a_flatten_head() {
        let model = RefCnn::random(71, [1, 6, 5], &[3, 4], 3, Head::Flatten, 3);
        let imgs = images(4, [1, 6, 5], 72);
        for class in 0..3 {
            let classes = [class; 4];
            let lg = model
                .layer_gradients(imgs.view(), "conv2", &classes)
                .unwrap();
            let pre =
                gradient_product_maps(lg.activations.view(), lg.gradients.view(), false, false)
                    .unwrap();
            for i in 0..4 {
                let sum: f64 = pre.index_axis(Axis(0), i).iter().map(|&v| v as f64).sum();
                let want = lg.scores[[i, class]] as f64 - model.dense_b[class];
                assert!(
                    (sum - want).abs() < 1e-4 * (1.0 + want.abs()),
                    "image {i} class {class}: {sum} vs {want}"
                );
            }
        }
    }

    #[test]
    fn hires_cam_equals_grad_cam_on_a_gap_head() {
        let model = RefCnn::random(73, [2, 7, 6], &[4, 5], 3, Head::Gap, 3);
        let imgs = images(3, [2, 7, 6], 74);
        let a = hires_cam(&model, imgs.view(), "conv2", None).unwrap();
        let b = grad_cam(&model, imgs.view(), "conv2", None).unwrap();
        assert_eq!(a.classes, b.classes);
        for (p, q) in a.maps.iter().zip(b.maps.iter()) {
            assert!((p - q).abs() < 1e-5 * (1.0 + q.abs()), "{p} vs {q}");
        }
    }

    #[test]
    fn layer_cam_drops_negative_gradients_only() {
        // One image, two channels of 1 x 2: gradients (+2, -1) and (-3, +4).
        let a = array![[[[1.0f32, 2.0]], [[3.0, 0.5]]]];
        let g = array![[[[2.0f32, -1.0]], [[-3.0, 4.0]]]];
        let hires = gradient_product_maps(a.view(), g.view(), false, false).unwrap();
        assert_eq!(hires, array![[[2.0 - 9.0, -2.0 + 2.0]]]);
        let layer = gradient_product_maps(a.view(), g.view(), true, false).unwrap();
        assert_eq!(layer, array![[[2.0, 2.0]]]);
        let relu = gradient_product_maps(a.view(), g.view(), false, true).unwrap();
        assert_eq!(relu, array![[[0.0, 0.0]]]);
        assert!(
            gradient_product_maps(
                a.view(),
                g.slice(glassbox_core::ndarray::s![.., ..1, .., ..]),
                true,
                true
            )
            .is_err()
        );
    }
}
