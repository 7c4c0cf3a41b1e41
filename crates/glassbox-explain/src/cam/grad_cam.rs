//! Grad-CAM (Selvaraju et al. 2017, "Grad-CAM: visual explanations from deep networks via
//! gradient-based localization").
//!
//! `α_k^c = mean_{x,y} ∂y^c/∂A^k(x, y)` with `y^c` the pre-softmax score, and
//! `map = ReLU(Σ_k α_k^c A^k)`, at any conv layer (default: the last). On a GAP network the
//! gradient at the last conv layer is `w_k^c / (h·w)` everywhere, so before the ReLU Grad-CAM is
//! exactly CAM divided by `h·w` (tested).

use glassbox_core::ConvClassifier;
use glassbox_core::ndarray::{Array2, Array3, ArrayView4, Axis};

use super::{RawMaps, check_same_shape, gradient_method, weighted_maps};
use crate::ExplainError;

/// Grad-CAM channel weights `α`, shape (samples, channels): the spatial mean of `gradients`
/// (samples, channels, h, w), accumulated in f64.
pub fn grad_cam_weights(gradients: ArrayView4<'_, f32>) -> Array2<f64> {
    let (n, k, h, w) = gradients.dim();
    let area = (h * w).max(1) as f64;
    let mut alpha = Array2::<f64>::zeros((n, k));
    for ((i, c), a) in alpha.indexed_iter_mut() {
        let g = gradients.index_axis(Axis(0), i);
        *a = g
            .index_axis(Axis(0), c)
            .iter()
            .map(|&v| v as f64)
            .sum::<f64>()
            / area;
    }
    alpha
}

/// Grad-CAM maps `ReLU(Σ_k α_k A^k)` from activations and gradients, both
/// (samples, channels, h, w); returns (samples, h, w). With `relu = false`, the map before the
/// ReLU (for comparisons such as Grad-CAM vs CAM).
pub fn grad_cam_maps(
    activations: ArrayView4<'_, f32>,
    gradients: ArrayView4<'_, f32>,
    relu: bool,
) -> Result<Array3<f32>, ExplainError> {
    check_same_shape("Grad-CAM", activations, gradients)?;
    let alpha = grad_cam_weights(gradients);
    weighted_maps(activations, alpha.view(), relu)
}

/// Grad-CAM for `images` (samples, C, H, W) at conv layer `layer`, explaining `classes`
/// (length samples) or, when `None`, each image's predicted class.
pub fn grad_cam(
    model: &dyn ConvClassifier,
    images: ArrayView4<'_, f32>,
    layer: &str,
    classes: Option<&[usize]>,
) -> Result<RawMaps, ExplainError> {
    gradient_method(model, images, layer, classes, |lg| {
        grad_cam_maps(lg.activations.view(), lg.gradients.view(), true)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cam::cam::cam;
    use crate::cam::test_models::{Head, RefCnn, random_images as images};
    use crate::cam::{CamMethod, CamOptions, explain_images};
    use glassbox_core::ndarray::{Array3, Array4};

    /// On a GAP net ∂y^c/∂A^k = w_k^c/(h·w) everywhere, so Grad-CAM before the ReLU is CAM/(h·w).
    #[test]
    fn grad_cam_is_cam_over_area_on_a_gap_net() {
        let model = RefCnn::random(31, [2, 7, 9], &[4, 6], 3, Head::Gap, 3);
        let imgs = images(4, [2, 7, 9], 32);
        let area = 63.0f64;
        for class in 0..3 {
            let classes = [class; 4];
            let c = cam(&model, imgs.view(), "conv2", Some(&classes)).unwrap();
            let lg = model
                .layer_gradients(imgs.view(), "conv2", &classes)
                .unwrap();
            let pre = grad_cam_maps(lg.activations.view(), lg.gradients.view(), false).unwrap();
            let scale = c.maps.iter().fold(0.0f64, |m, &v| m.max((v as f64).abs()));
            let mut worst = 0.0f64;
            for (g, cm) in pre.iter().zip(&c.maps) {
                worst = worst.max((*g as f64 * area - *cm as f64).abs());
            }
            assert!(
                worst <= 1e-6 * scale,
                "class {class}: worst {worst}, scale {scale}"
            );
            // After the ReLU, through the public entry point: ReLU(CAM)/(h·w).
            let gc = explain_images(
                &model,
                imgs.view(),
                CamMethod::GradCam,
                None,
                Some(&classes),
                &CamOptions::default(),
            )
            .unwrap();
            for (g, cm) in gc.raw.iter().zip(&c.maps) {
                let e = (*cm as f64).max(0.0) / area;
                assert!((*g as f64 - e).abs() <= 1e-6 * scale / area);
            }
        }
    }

    /// Grad-CAM from central finite differences of the f64 reference network, computed naively,
    /// against the library through `layer_gradients` and `explain_images`, at both layers.
    #[test]
    fn grad_cam_matches_finite_difference_gradients() {
        let model = RefCnn::random(33, [1, 6, 5], &[3, 4], 3, Head::Flatten, 3);
        let imgs = images(2, [1, 6, 5], 34);
        let classes = [2usize, 0];
        for (l, layer) in ["conv1", "conv2"].iter().enumerate() {
            let got = explain_images(
                &model,
                imgs.view(),
                CamMethod::GradCam,
                Some(layer),
                Some(&classes),
                &CamOptions::default(),
            )
            .unwrap();
            assert_eq!(&got.layer, layer);
            for (i, &class) in classes.iter().enumerate() {
                let x = imgs.index_axis(Axis(0), i).mapv(|v| v as f64);
                let (_, acts) = model.conv_outputs(&x);
                let a = &acts[l];
                let (k, h, w) = a.dim();
                let eps = 1e-6;
                let mut map = Array3::<f64>::zeros((1, h, w));
                for c in 0..k {
                    let mut alpha = 0.0;
                    for y in 0..h {
                        for xx in 0..w {
                            let (mut p, mut m) = (a.clone(), a.clone());
                            p[[c, y, xx]] += eps;
                            m[[c, y, xx]] -= eps;
                            alpha += (model.scores_from(l, &p)[class]
                                - model.scores_from(l, &m)[class])
                                / (2.0 * eps);
                        }
                    }
                    alpha /= (h * w) as f64;
                    for y in 0..h {
                        for xx in 0..w {
                            map[[0, y, xx]] += alpha * a[[c, y, xx]];
                        }
                    }
                }
                let scale = map.iter().fold(1e-3f64, |m, v| m.max(v.abs()));
                for y in 0..h {
                    for xx in 0..w {
                        let e = map[[0, y, xx]].max(0.0);
                        let g = got.raw[[i, y, xx]] as f64;
                        assert!(
                            (g - e).abs() < 1e-5 * scale,
                            "{layer} image {i} ({y},{xx}): {g} vs {e}"
                        );
                    }
                }
            }
        }
    }

    /// A model whose one-pass override explains the wrong classes must be caught, and a
    /// correct override must give what the two-pass default gives.
    #[test]
    fn predicted_class_override_is_checked_against_its_scores() {
        use glassbox_core::{ConvClassifier, CoreError, GapHead, LayerGradients};
        struct Lying(RefCnn, bool);
        impl ConvClassifier for Lying {
            fn input_shape(&self) -> [usize; 3] {
                self.0.input_shape()
            }
            fn n_classes(&self) -> usize {
                self.0.n_classes()
            }
            fn class_names(&self) -> Vec<String> {
                self.0.class_names()
            }
            fn conv_layers(&self) -> Vec<String> {
                self.0.conv_layers()
            }
            fn class_scores(&self, x: ArrayView4<'_, f32>) -> Result<Array2<f32>, CoreError> {
                self.0.class_scores(x)
            }
            fn layer_gradients(
                &self,
                x: ArrayView4<'_, f32>,
                layer: &str,
                classes: &[usize],
            ) -> Result<LayerGradients, CoreError> {
                self.0.layer_gradients(x, layer, classes)
            }
            fn gap_head(&self, layer: &str) -> Option<GapHead> {
                self.0.gap_head(layer)
            }
            fn layer_gradients_for_predicted(
                &self,
                x: ArrayView4<'_, f32>,
                layer: &str,
            ) -> Result<(LayerGradients, Vec<usize>), CoreError> {
                let scores = self.0.class_scores(x)?;
                let mut classes = glassbox_core::conv_classifier::predicted_classes(scores.view())?;
                if self.1 {
                    classes[0] = (classes[0] + 1) % self.0.n_classes();
                }
                Ok((self.0.layer_gradients(x, layer, &classes)?, classes))
            }
        }
        let imgs = images(3, [1, 6, 5], 40);
        let honest = Lying(
            RefCnn::random(33, [1, 6, 5], &[3, 4], 3, Head::Flatten, 3),
            false,
        );
        let reference = RefCnn::random(33, [1, 6, 5], &[3, 4], 3, Head::Flatten, 3);
        let a = grad_cam(&honest, imgs.view(), "conv2", None).unwrap();
        let b = grad_cam(&reference, imgs.view(), "conv2", None).unwrap();
        assert_eq!(a.maps, b.maps);
        assert_eq!(a.classes, b.classes);
        let liar = Lying(
            RefCnn::random(33, [1, 6, 5], &[3, 4], 3, Head::Flatten, 3),
            true,
        );
        let e = grad_cam(&liar, imgs.view(), "conv2", None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("not the highest scores"), "{e}");
    }

    #[test]
    fn unknown_layer_lists_the_conv_layers() {
        let model = RefCnn::random(35, [1, 4, 4], &[2, 2], 3, Head::Gap, 2);
        let imgs = images(1, [1, 4, 4], 36);
        let err = explain_images(
            &model,
            imgs.view(),
            CamMethod::GradCam,
            Some("dense1"),
            None,
            &CamOptions::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("\"dense1\"") && err.contains("conv1, conv2"),
            "{err}"
        );
    }

    #[test]
    fn grad_cam_weights_are_spatial_means() {
        let g = Array4::from_shape_vec((1, 2, 1, 2), vec![1.0, 3.0, -2.0, 0.5]).unwrap();
        let a = grad_cam_weights(g.view());
        assert_eq!(a.into_raw_vec_and_offset().0, vec![2.0, -0.75]);
    }
}
