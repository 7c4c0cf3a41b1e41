//! CAM, Grad-CAM and successors: where a convolutional network looks.
//!
//! Every method here sees the network through core's [`ConvClassifier`] capability, so the CNN
//! trained by glassbox and any other implementation are explained by the same code.
//!
//! * [`cam`]: CAM (Zhou et al. 2016), for networks whose last conv layer feeds global average
//!   pooling and one dense layer.
//! * [`grad_cam`]: Grad-CAM (Selvaraju et al. 2017), any conv layer of any network.
//! * [`grad_cam_plus_plus`]: Grad-CAM++ (Chattopadhyay et al. 2018).
//! * [`score_cam`]: Score-CAM (Wang et al. 2020), gradient-free, batched forward passes.
//! * [`xgrad_cam`]: XGrad-CAM (Fu et al. 2020), activation-weighted gradients.
//! * [`hires_cam`]: HiResCAM (Draelos & Carin 2020) and LayerCAM (Jiang et al. 2021),
//!   element-wise gradient × activation.
//! * [`eigen_cam`]: Eigen-CAM (Muhammad & Yeasin 2020), the first principal component of the
//!   feature maps, class-agnostic.
//! * [`upsample`]: bicubic upsampling of the low-resolution maps and min-max normalisation.
//! * [`faithfulness`]: deletion / insertion curves and their AUC (Petsiuk et al. 2018), and the
//!   rank correlation of the model-randomisation sanity check (Adebayo et al. 2018).
//! * [`explain`]: the common entry point [`explain_images`] with [`CamMethod`].
//!
//! Most maps are computed per image as `ReLU(Σ_k weight_k · A^k)` over the conv layer's feature
//! maps `A^k` (CAM omits the ReLU, as in its paper) and differ only in the weights; HiResCAM and
//! LayerCAM weight every position, Eigen-CAM projects on a principal direction.

// `cam::cam`: one file per algorithm, named after it, CAM included.
#[allow(clippy::module_inception)]
pub mod cam;
pub mod eigen_cam;
pub mod explain;
pub mod faithfulness;
pub mod grad_cam;
pub mod grad_cam_plus_plus;
pub mod hires_cam;
pub mod score_cam;
pub mod upsample;
pub mod xgrad_cam;

#[cfg(test)]
pub(crate) mod test_models;

pub use explain::{CamMethod, CamOptions, CamResult, explain_images};
pub use upsample::BicubicKernel;

use glassbox_core::conv_classifier::check_images;
use glassbox_core::ndarray::{Array2, Array3, ArrayView2, ArrayView4, Axis};
use glassbox_core::{ConvClassifier, LayerGradients};
use rayon::prelude::*;

use crate::ExplainError;

/// `Σ_k weights[[i, k]] · activations[[i, k, .., ..]]` for every image `i`, optionally followed
/// by a ReLU. `activations` (samples, channels, h, w), `weights` (samples, channels); the sums
/// run in f64 so that maps of different methods can be compared tightly. Returns
/// (samples, h, w).
pub fn weighted_maps(
    activations: ArrayView4<'_, f32>,
    weights: ArrayView2<'_, f64>,
    relu: bool,
) -> Result<Array3<f32>, ExplainError> {
    let (n, k, h, w) = activations.dim();
    if weights.dim() != (n, k) {
        return Err(ExplainError::InvalidArgument(format!(
            "CAM weights have shape {:?}, expected ({n}, {k}) (samples, channels)",
            weights.dim()
        )));
    }
    let maps: Vec<Vec<f32>> = (0..n)
        .into_par_iter()
        .map(|i| {
            let mut acc = vec![0.0f64; h * w];
            let a = activations.index_axis(Axis(0), i);
            for c in 0..k {
                let wc = weights[[i, c]];
                if wc == 0.0 {
                    continue;
                }
                for (s, &v) in acc.iter_mut().zip(a.index_axis(Axis(0), c)) {
                    *s += wc * v as f64;
                }
            }
            acc.into_iter()
                .map(|s| if relu { s.max(0.0) as f32 } else { s as f32 })
                .collect()
        })
        .collect();
    let out = Array3::from_shape_vec((n, h, w), maps.concat()).expect("n maps of h x w");
    Ok(out)
}

/// Errors unless `activations` and `gradients` (samples, channels, h, w) have one shape;
/// `method` names the caller in the message.
pub(crate) fn check_same_shape(
    method: &str,
    activations: ArrayView4<'_, f32>,
    gradients: ArrayView4<'_, f32>,
) -> Result<(), ExplainError> {
    if activations.dim() != gradients.dim() {
        return Err(ExplainError::InvalidArgument(format!(
            "{method}: activations {:?} and gradients {:?} differ in shape",
            activations.dim(),
            gradients.dim()
        )));
    }
    Ok(())
}

/// The model's pre-softmax scores for `images` (samples, C, H, W), checked to be
/// (samples, classes).
pub(crate) fn checked_class_scores(
    model: &dyn ConvClassifier,
    images: ArrayView4<'_, f32>,
) -> Result<Array2<f32>, ExplainError> {
    let n = images.dim().0;
    let scores = model.class_scores(images)?;
    if scores.dim() != (n, model.n_classes()) {
        return Err(ExplainError::Model(format!(
            "class_scores returned shape {:?} for {n} images, expected ({n}, {})",
            scores.dim(),
            model.n_classes()
        )));
    }
    Ok(scores)
}

/// Channel weights `f(A^k, ∂y/∂A^k)` of every image and channel, shape (samples, channels),
/// from activations and gradients of one shape (samples, channels, h, w); `method` names the
/// caller in errors.
pub(crate) fn channel_weights(
    method: &str,
    activations: ArrayView4<'_, f32>,
    gradients: ArrayView4<'_, f32>,
    f: impl Fn(ArrayView2<'_, f32>, ArrayView2<'_, f32>) -> f64,
) -> Result<Array2<f64>, ExplainError> {
    check_same_shape(method, activations, gradients)?;
    let (n, k, _, _) = activations.dim();
    let mut weights = Array2::<f64>::zeros((n, k));
    for ((i, c), wt) in weights.indexed_iter_mut() {
        let a = activations.index_axis(Axis(0), i);
        let g = gradients.index_axis(Axis(0), i);
        *wt = f(a.index_axis(Axis(0), c), g.index_axis(Axis(0), c));
    }
    Ok(weights)
}

/// The skeleton of every gradient-based method: check the inputs, get the layer's activations
/// and the gradients for `classes` (or the predicted classes), turn them into maps.
pub(crate) fn gradient_method(
    model: &dyn ConvClassifier,
    images: ArrayView4<'_, f32>,
    layer: &str,
    classes: Option<&[usize]>,
    maps: impl FnOnce(&LayerGradients) -> Result<Array3<f32>, ExplainError>,
) -> Result<RawMaps, ExplainError> {
    check_inputs(model, images, classes)?;
    let (lg, classes) = gradients_for_classes(model, images, layer, classes)?;
    let maps = maps(&lg)?;
    Ok(RawMaps {
        maps,
        classes,
        scores: lg.scores,
    })
}

/// The skeleton of the methods that need the activations but not the gradients (CAM,
/// Score-CAM, Eigen-CAM): `maps` gets the activations and the classes explained.
pub(crate) fn activation_method(
    model: &dyn ConvClassifier,
    images: ArrayView4<'_, f32>,
    layer: &str,
    classes: Option<&[usize]>,
    maps: impl FnOnce(ArrayView4<'_, f32>, &[usize]) -> Result<Array3<f32>, ExplainError>,
) -> Result<RawMaps, ExplainError> {
    check_inputs(model, images, classes)?;
    let (lg, classes) = activations_and_classes(model, images, layer, classes)?;
    let maps = maps(lg.activations.view(), &classes)?;
    Ok(RawMaps {
        maps,
        classes,
        scores: lg.scores,
    })
}

/// The conv layer to explain: `layer` when it is one of the model's conv layers, else an error
/// listing them; `None` picks the last conv layer.
pub fn resolve_layer(
    model: &dyn ConvClassifier,
    layer: Option<&str>,
) -> Result<String, ExplainError> {
    let layers = model.conv_layers();
    match layer {
        None => layers.last().cloned().ok_or_else(|| {
            ExplainError::Unsupported(
                "the model has no conv layer, so there are no feature maps to explain".into(),
            )
        }),
        Some(name) if layers.iter().any(|l| l == name) => Ok(name.to_string()),
        Some(name) => Err(ExplainError::InvalidArgument(format!(
            "layer {name:?} is not a conv layer of the model; conv layers: {}",
            if layers.is_empty() {
                "(none)".to_string()
            } else {
                layers.join(", ")
            }
        ))),
    }
}

/// Index of the largest score of each row of `scores` (samples, classes); the first on ties.
/// Errors on non-finite scores.
pub fn predicted_classes(scores: ArrayView2<'_, f32>) -> Result<Vec<usize>, ExplainError> {
    glassbox_core::conv_classifier::predicted_classes(scores)
        .map_err(|e| ExplainError::Model(e.to_string()))
}

/// Checks what a model's `layer_gradients` returned for `n` images and `n_classes` classes:
/// consistent shapes and finite values.
pub(crate) fn check_layer_gradients(
    lg: &LayerGradients,
    n: usize,
    n_classes: usize,
    layer: &str,
) -> Result<(), ExplainError> {
    let a = lg.activations.dim();
    if a.0 != n || lg.gradients.dim() != a || lg.scores.dim() != (n, n_classes) {
        return Err(ExplainError::Model(format!(
            "layer_gradients at {layer:?} for {n} images returned activations {:?}, gradients {:?}, \
             scores {:?}; expected activations = gradients = ({n}, channels, h, w) and scores \
             ({n}, {n_classes})",
            lg.activations.dim(),
            lg.gradients.dim(),
            lg.scores.dim()
        )));
    }
    for (what, arr) in [
        ("activations", &lg.activations),
        ("gradients", &lg.gradients),
    ] {
        if let Some((idx, v)) = arr.indexed_iter().find(|(_, v)| !v.is_finite()) {
            return Err(ExplainError::Model(format!(
                "{what} of layer {layer:?} hold the non-finite value {v} at (image, channel, y, x) \
                 = {idx:?}"
            )));
        }
    }
    Ok(())
}

/// Low-resolution maps of a batch of images, before upsampling.
#[derive(Clone, Debug)]
pub struct RawMaps {
    /// One map per image at the conv layer's resolution, shape (samples, h, w).
    pub maps: Array3<f32>,
    /// The class each map explains, length (samples,).
    pub classes: Vec<usize>,
    /// Pre-softmax class scores of the images, shape (samples, classes).
    pub scores: Array2<f32>,
}

/// Checks `images` (samples, C, H, W) against the model (shape, finite pixels, at least one
/// image) and `classes` (length samples, each below `n_classes`) when given.
pub fn check_inputs(
    model: &dyn ConvClassifier,
    images: ArrayView4<'_, f32>,
    classes: Option<&[usize]>,
) -> Result<(), ExplainError> {
    check_images(images.shape(), model.input_shape())?;
    let n = images.dim().0;
    if n == 0 {
        return Err(ExplainError::InvalidArgument(
            "no images to explain (the batch has 0 samples)".into(),
        ));
    }
    if let Some((idx, v)) = images.indexed_iter().find(|(_, v)| !v.is_finite()) {
        return Err(ExplainError::InvalidArgument(format!(
            "image pixel at (image, channel, y, x) = {idx:?} is {v}; pixels must be finite"
        )));
    }
    if let Some(classes) = classes {
        if classes.len() != n {
            return Err(ExplainError::InvalidArgument(format!(
                "{} classes given for {n} images; give one class per image",
                classes.len()
            )));
        }
        let k = model.n_classes();
        if let Some((i, c)) = classes.iter().enumerate().find(|(_, c)| **c >= k) {
            return Err(ExplainError::InvalidArgument(format!(
                "class {c} asked for image {i}, but the model has {k} classes (0..{k})"
            )));
        }
    }
    Ok(())
}

/// Runs `layer_gradients` for the given classes, or — when `classes` is `None` — for class 0
/// and reads the predicted classes off the returned scores. Only for methods that use the
/// activations and scores but not the gradients (CAM, Score-CAM): one pass instead of two.
pub(crate) fn activations_and_classes(
    model: &dyn ConvClassifier,
    images: ArrayView4<'_, f32>,
    layer: &str,
    classes: Option<&[usize]>,
) -> Result<(LayerGradients, Vec<usize>), ExplainError> {
    let n = images.dim().0;
    let placeholder = vec![0; n];
    let lg = model.layer_gradients(images, layer, classes.unwrap_or(&placeholder))?;
    check_layer_gradients(&lg, n, model.n_classes(), layer)?;
    let classes = match classes {
        Some(c) => c.to_vec(),
        None => predicted_classes(lg.scores.view())?,
    };
    Ok((lg, classes))
}

/// Runs `layer_gradients` for the given classes, or for the predicted classes when `classes`
/// is `None`. For the predicted classes the model's `layer_gradients_for_predicted` is used
/// (one pass for glassbox's CNN, which picks the class between forward and backward; two for
/// models that keep the trait's default), except where `layer` feeds a GAP + Dense head: there
/// the gradient is known in closed form from the head's contract
/// `y^c = b_c + Σ_k w_k^c mean(A^k)`, namely `∂y^c/∂A^k(x, y) = w_k^c / (h·w)` at every
/// position, so one pass (for a placeholder class) gives the activations and scores and the
/// predicted class's gradient is built from the head (tested equal to backpropagation).
pub(crate) fn gradients_for_classes(
    model: &dyn ConvClassifier,
    images: ArrayView4<'_, f32>,
    layer: &str,
    classes: Option<&[usize]>,
) -> Result<(LayerGradients, Vec<usize>), ExplainError> {
    let n = images.dim().0;
    if classes.is_none()
        && let Some(head) = model.gap_head(layer)
    {
        let (mut lg, classes) = activations_and_classes(model, images, layer, None)?;
        let (_, k, h, w) = lg.activations.dim();
        if head.weights.dim() != (model.n_classes(), k) {
            return Err(ExplainError::Model(format!(
                "GAP head of layer {layer:?} has weights {:?}, expected ({}, {k}) \
                 (classes, channels)",
                head.weights.dim(),
                model.n_classes()
            )));
        }
        let area = (h * w) as f64;
        for (i, &c) in classes.iter().enumerate() {
            for j in 0..k {
                let g = (head.weights[[c, j]] as f64 / area) as f32;
                lg.gradients
                    .slice_mut(glassbox_core::ndarray::s![i, j, .., ..])
                    .fill(g);
            }
        }
        return Ok((lg, classes));
    }
    let Some(classes) = classes else {
        // One pass where the model can choose the class between forward and backward.
        let (lg, classes) = model.layer_gradients_for_predicted(images, layer)?;
        check_layer_gradients(&lg, n, model.n_classes(), layer)?;
        if classes != predicted_classes(lg.scores.view())? {
            return Err(ExplainError::Model(format!(
                "layer_gradients_for_predicted at layer {layer:?} returned classes that are not \
                 the highest scores it returned"
            )));
        }
        return Ok((lg, classes));
    };
    let lg = model.layer_gradients(images, layer, classes)?;
    check_layer_gradients(&lg, n, model.n_classes(), layer)?;
    Ok((lg, classes.to_vec()))
}
