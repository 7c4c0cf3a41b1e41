//! The capability class-activation-map explainers (CAM, Grad-CAM, Grad-CAM++, Score-CAM) need
//! from a convolutional image classifier, so that they depend on `glassbox-core` only.
//!
//! Images are (samples, channels, height, width) in `f32`, the precision CNNs train and run in.
//! A "conv layer" here means the output of a convolution *after* its activation function (the
//! feature maps `A^k` of the CAM and Grad-CAM papers; Keras' `Conv2D(activation="relu")`), named
//! `conv1`, `conv2`, … in forward order.

use ndarray::{Array1, Array2, Array4, ArrayView2, ArrayView4};

use crate::CoreError;

/// Activations of one conv layer, and the gradients of one class score per image with respect
/// to them.
#[derive(Clone, Debug)]
pub struct LayerGradients {
    /// Feature maps `A`, shape (samples, channels, h, w).
    pub activations: Array4<f32>,
    /// `∂y^c/∂A` where `y^c` is the pre-softmax score of the class asked for that image, shape
    /// (samples, channels, h, w).
    pub gradients: Array4<f32>,
    /// Pre-softmax scores of every class, shape (samples, classes).
    pub scores: Array2<f32>,
}

/// The weights of a global-average-pooling head: `y^c = bias[c] + Σ_k weights[[c, k]] · mean(A^k)`.
#[derive(Clone, Debug)]
pub struct GapHead {
    /// Dense weights, shape (classes, channels).
    pub weights: Array2<f32>,
    /// Dense biases, shape (classes,).
    pub bias: Array1<f32>,
}

/// A convolutional image classifier whose conv-layer activations and gradients can be read.
pub trait ConvClassifier: Send + Sync {
    /// Input shape of one image: (channels, height, width).
    fn input_shape(&self) -> [usize; 3];

    /// Number of classes (length of the score vector).
    fn n_classes(&self) -> usize;

    /// Class names, length `n_classes()`.
    fn class_names(&self) -> Vec<String>;

    /// Names of the conv layers in forward order (`conv1`, `conv2`, …); the last is the default
    /// layer for Grad-CAM.
    fn conv_layers(&self) -> Vec<String>;

    /// Pre-softmax class scores, shape (samples, classes), for `images` (samples, C, H, W).
    /// Errors when the image shape differs from `input_shape()`.
    fn class_scores(&self, images: ArrayView4<'_, f32>) -> Result<Array2<f32>, CoreError>;

    /// Forward pass to the end, then backward from the score of `classes[i]` for image `i`,
    /// stopping at conv layer `layer`. `classes` has length (samples,).
    /// Errors on an unknown layer name (listing the valid ones), a class out of range or a
    /// wrong image shape.
    fn layer_gradients(
        &self,
        images: ArrayView4<'_, f32>,
        layer: &str,
        classes: &[usize],
    ) -> Result<LayerGradients, CoreError>;

    /// The classifier head when conv layer `layer` feeds straight into global average pooling
    /// and one dense layer (the architecture CAM needs); `None` otherwise.
    fn gap_head(&self, layer: &str) -> Option<GapHead>;

    /// [`ConvClassifier::layer_gradients`] for each image's predicted class (its highest
    /// score, the first on ties), returned beside the gradients, length (samples,). Errors on
    /// a non-finite score. The default costs a second forward pass (`class_scores`, then
    /// `layer_gradients`); a model that can choose the class between its forward and backward
    /// pass should override it.
    fn layer_gradients_for_predicted(
        &self,
        images: ArrayView4<'_, f32>,
        layer: &str,
    ) -> Result<(LayerGradients, Vec<usize>), CoreError> {
        let scores = self.class_scores(images)?;
        let classes = predicted_classes(scores.view())?;
        let lg = self.layer_gradients(images, layer, &classes)?;
        Ok((lg, classes))
    }
}

/// The predicted class of each row of `scores`, shape (samples, classes): the highest score,
/// the first on ties. Errors on a non-finite score, naming the image and class.
pub fn predicted_classes(scores: ArrayView2<'_, f32>) -> Result<Vec<usize>, CoreError> {
    scores
        .outer_iter()
        .enumerate()
        .map(|(i, row)| predicted_class(&row.to_vec(), i))
        .collect()
}

/// The predicted class of one image's `scores` (image `image`, for messages).
pub fn predicted_class(scores: &[f32], image: usize) -> Result<usize, CoreError> {
    if let Some((j, v)) = scores.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(CoreError::InvalidArgument(format!(
            "class score {v} of image {image}, class {j} is not finite"
        )));
    }
    Ok(crate::metrics::first_max(scores.iter().copied()))
}

/// Checks a batch of images against a model's expected (channels, height, width).
pub fn check_images(images: &[usize], expected: [usize; 3]) -> Result<(), CoreError> {
    if images.len() != 4 || images[1..] != expected {
        return Err(CoreError::InvalidArgument(format!(
            "images have shape {images:?}, expected (samples, {}, {}, {}) (channels, height, width)",
            expected[0], expected[1], expected[2]
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn predicted_class_is_the_first_highest_finite_score() {
        let scores = array![[0.1f32, 0.7, 0.7], [2.0, -1.0, 0.0]];
        assert_eq!(predicted_classes(scores.view()).unwrap(), [1, 0]);
        let e = predicted_classes(array![[0.0f32, 1.0], [f32::NAN, 0.0]].view())
            .unwrap_err()
            .to_string();
        assert!(e.contains("image 1, class 0"), "{e}");
        assert!(predicted_class(&[f32::INFINITY], 0).is_err());
    }
}
