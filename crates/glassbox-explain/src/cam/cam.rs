//! CAM, class activation mapping (Zhou et al. 2016, "Learning deep features for
//! discriminative localization").
//!
//! For a network whose last conv layer's maps `A^k` are globally average-pooled and fed to one
//! dense layer, the class score is `y^c = b_c + Σ_k w_k^c · mean(A^k)`, so
//! `M_c(x, y) = Σ_k w_k^c · A^k(x, y)` says how much each position adds to `y^c`
//! (`y^c = b_c + mean(M_c)`). As in the paper there is no ReLU: negative evidence stays
//! negative and min-max normalisation later maps the least supportive position to 0.

use glassbox_core::ConvClassifier;
use glassbox_core::GapHead;
use glassbox_core::ndarray::{Array2, Array3, ArrayView4};

use super::{RawMaps, activation_method, weighted_maps};
use crate::ExplainError;

/// CAM maps from activations (samples, channels, h, w) and the GAP head's dense weights:
/// `M_i = Σ_k head.weights[[classes[i], k]] · A_i^k`, shape (samples, h, w).
pub fn cam_maps(
    activations: ArrayView4<'_, f32>,
    head: &GapHead,
    classes: &[usize],
) -> Result<Array3<f32>, ExplainError> {
    let (n, k, _, _) = activations.dim();
    let (n_classes, head_k) = head.weights.dim();
    if head_k != k || classes.len() != n {
        return Err(ExplainError::InvalidArgument(format!(
            "CAM: head weights are (classes {n_classes}, channels {head_k}) and {} classes were \
             given, for activations with {k} channels and {n} images",
            classes.len()
        )));
    }
    let mut weights = Array2::<f64>::zeros((n, k));
    for (i, &c) in classes.iter().enumerate() {
        if c >= n_classes {
            return Err(ExplainError::InvalidArgument(format!(
                "CAM: class {c} of image {i} is out of range (0..{n_classes})"
            )));
        }
        for j in 0..k {
            weights[[i, j]] = head.weights[[c, j]] as f64;
        }
    }
    weighted_maps(activations, weights.view(), false)
}

/// The error CAM gives for a layer without a GAP + Dense head.
fn no_gap_head(layer: &str) -> ExplainError {
    ExplainError::Unsupported(format!(
        "CAM needs conv layer {layer:?} to feed GlobalAveragePool followed by a single Dense \
         layer (a GAP network such as gap-cnn), and this model has no such head there; use \
         grad-cam, which works on any conv layer of any network"
    ))
}

/// CAM for `images` (samples, C, H, W) at conv layer `layer`, explaining `classes` (length
/// samples) or, when `None`, each image's predicted class. One forward (and the model's
/// backward) pass. Errors, naming the requirement, when `layer` has no GAP + Dense head.
pub fn cam(
    model: &dyn ConvClassifier,
    images: ArrayView4<'_, f32>,
    layer: &str,
    classes: Option<&[usize]>,
) -> Result<RawMaps, ExplainError> {
    let head = model.gap_head(layer).ok_or_else(|| no_gap_head(layer))?;
    if head.weights.dim().0 != model.n_classes() || head.bias.len() != model.n_classes() {
        return Err(ExplainError::Model(format!(
            "GAP head of layer {layer:?} has weights {:?} and {} biases for {} classes",
            head.weights.dim(),
            head.bias.len(),
            model.n_classes()
        )));
    }
    activation_method(model, images, layer, classes, |activations, classes| {
        cam_maps(activations, &head, classes)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cam::test_models::{Head, RefCnn};
    use glassbox_core::ndarray::{Array1, Array4, array};
    use glassbox_core::rng::Rng;

    #[test]
    fn cam_maps_match_hand_computation() {
        // Two channels of 2x2: A^0 = [[1, 2], [3, 4]], A^1 = [[0, 1], [1, 0]];
        // class 1 weights (0.5, -2): M = 0.5 A^0 - 2 A^1 = [[0.5, -1], [-0.5, 2]].
        let acts =
            Array4::from_shape_vec((1, 2, 2, 2), vec![1., 2., 3., 4., 0., 1., 1., 0.]).unwrap();
        let head = GapHead {
            weights: array![[9.0, 9.0], [0.5, -2.0]],
            bias: Array1::zeros(2),
        };
        let m = cam_maps(acts.view(), &head, &[1]).unwrap();
        assert_eq!(m.into_raw_vec_and_offset().0, vec![0.5, -1.0, -0.5, 2.0]);
        assert!(cam_maps(acts.view(), &head, &[2]).is_err());
    }

    /// The paper's identity y^c = b_c + mean_{x,y} M_c(x, y): the map accounts for the score.
    #[test]
    fn cam_mean_plus_bias_is_the_class_score() {
        let model = RefCnn::random(21, [2, 7, 6], &[3, 5], 3, Head::Gap, 4);
        let mut rng = Rng::new(22);
        let imgs = Array4::from_shape_fn((3, 2, 7, 6), |_| rng.uniform(0.0, 1.0) as f32);
        for class in 0..4 {
            let raw = cam(&model, imgs.view(), "conv2", Some(&[class; 3])).unwrap();
            for i in 0..3 {
                let mean = raw
                    .maps
                    .index_axis(glassbox_core::ndarray::Axis(0), i)
                    .iter()
                    .map(|&v| v as f64)
                    .sum::<f64>()
                    / 42.0;
                let expected = raw.scores[[i, class]] as f64;
                let got = mean + model.dense_b[class] as f32 as f64;
                assert!(
                    (got - expected).abs() < 1e-5 * (1.0 + expected.abs()),
                    "{got} vs {expected}"
                );
            }
        }
    }

    #[test]
    fn default_class_is_the_predicted_one() {
        let model = RefCnn::random(23, [1, 5, 5], &[3], 3, Head::Gap, 5);
        let mut rng = Rng::new(24);
        let imgs = Array4::from_shape_fn((6, 1, 5, 5), |_| rng.uniform(0.0, 1.0) as f32);
        let raw = cam(&model, imgs.view(), "conv1", None).unwrap();
        let scores = model.class_scores(imgs.view()).unwrap();
        for (i, row) in scores.outer_iter().enumerate() {
            let best = (0..5).max_by(|&a, &b| row[a].total_cmp(&row[b])).unwrap();
            assert_eq!(raw.classes[i], best);
        }
    }

    #[test]
    fn cam_without_gap_head_names_the_requirement() {
        let flat = RefCnn::random(25, [1, 4, 4], &[2], 3, Head::Flatten, 2);
        let imgs = Array4::<f32>::zeros((1, 1, 4, 4));
        let err = cam(&flat, imgs.view(), "conv1", None).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, ExplainError::Unsupported(_)));
        assert!(
            msg.contains("GlobalAveragePool") && msg.contains("Dense"),
            "{msg}"
        );
        assert!(msg.contains("grad-cam"), "{msg}");
        // A GAP network's first conv layer does not feed the head either.
        let gap = RefCnn::random(26, [1, 4, 4], &[2, 2], 3, Head::Gap, 2);
        assert!(cam(&gap, imgs.view(), "conv1", None).is_err());
        assert!(cam(&gap, imgs.view(), "conv2", None).is_ok());
    }
}
