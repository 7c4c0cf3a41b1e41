//! The capability class-activation-map explainers (CAM, Grad-CAM, Grad-CAM++, Score-CAM) need
//! from a convolutional image classifier, so that they depend on `glassbox-core` only.
//!
//! Images are (samples, channels, height, width) in `f32`, the precision CNNs train and run in.
//! A "conv layer" here means the output of a convolution *after* its activation function (the
//! feature maps `A^k` of the CAM and Grad-CAM papers; Keras' `Conv2D(activation="relu")`), named
//! `conv1`, `conv2`, … in forward order.

use ndarray::{Array1, Array2, Array4, ArrayView4};

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
