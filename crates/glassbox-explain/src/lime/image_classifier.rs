//! LIME for convolutional image classifiers: glassbox's CNNs (any [`ConvClassifier`]) seen as a
//! [`Predict`] over flattened images that returns class probabilities, as lime's
//! `classifier_fn` does, and one call that segments an image with SLIC, runs [`LimeImage`] and
//! paints the explained class's superpixel weights back onto the pixels (a saliency map that
//! the deletion/insertion curves and the plots take like any CAM map).

use glassbox_core::ndarray::{Array2, Array4, ArrayView2, ArrayView3};
use glassbox_core::{ConvClassifier, CoreError, Predict};

use super::image::{HideColor, LimeImage, LimeImageExplanation};
use super::slic::Slic;
use crate::ExplainError;

/// A [`ConvClassifier`] as a [`Predict`]: each input row is one image flattened in (C, H, W)
/// order (`n_features() == C * H * W`), each output row the softmax of its class scores,
/// computed in f64 (length `n_classes()`).
pub struct ClassifierProbabilities<'m> {
    model: &'m dyn ConvClassifier,
}

impl<'m> ClassifierProbabilities<'m> {
    /// Wraps `model`.
    pub fn new(model: &'m dyn ConvClassifier) -> Self {
        ClassifierProbabilities { model }
    }
}

impl std::fmt::Debug for ClassifierProbabilities<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClassifierProbabilities")
            .field("input_shape", &self.model.input_shape())
            .field("n_classes", &self.model.n_classes())
            .finish()
    }
}

impl Predict for ClassifierProbabilities<'_> {
    fn n_features(&self) -> usize {
        self.model.input_shape().iter().product()
    }

    fn n_outputs(&self) -> usize {
        self.model.n_classes()
    }

    /// `x`: (images, C * H * W); result: (images, classes), rows summing to 1.
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>, CoreError> {
        glassbox_core::model::check_input(x, self.n_features())?;
        let [c, h, w] = self.model.input_shape();
        let images =
            Array4::from_shape_vec((x.nrows(), c, h, w), x.iter().map(|&v| v as f32).collect())
                .expect("n * C * H * W values");
        let scores = self.model.class_scores(images.view())?;
        Ok(crate::cam::score_cam::softmax_rows(&scores.mapv(f64::from)))
    }
}

/// Settings of [`lime_classifier_image`]; [`Default`] is lime's `LimeImageExplainer` with
/// SLIC superpixels (100 segments, compactness 10): 1000 samples, segment-mean grey-out.
#[derive(Clone, Debug, PartialEq)]
pub struct ClassifierLimeSettings {
    /// Superpixel segmentation.
    pub slic: Slic,
    /// Perturbed samples per image, the image itself included (at least 2).
    pub nsamples: usize,
    /// What switched-off superpixels become.
    pub hide: HideColor,
    /// Seed of the on/off draws.
    pub seed: u64,
    /// Images per model call.
    pub batch_size: usize,
}

impl Default for ClassifierLimeSettings {
    fn default() -> Self {
        ClassifierLimeSettings {
            slic: Slic::default(),
            nsamples: 1000,
            hide: HideColor::SegmentMean,
            seed: 0,
            batch_size: 64,
        }
    }
}

/// The LIME explanation of one image for one class.
#[derive(Clone, Debug, PartialEq)]
pub struct ClassifierLime {
    /// The full explanation (segments, weights of every class, fidelity per class).
    pub explanation: LimeImageExplanation,
    /// The class explained.
    pub class: usize,
    /// The explained class's superpixel weights painted onto their pixels, shape (H, W):
    /// positive where a superpixel raises the class probability.
    pub map: Array2<f64>,
}

/// Explains `image`, shape (C, H, W) with finite values, for `class` (`None`: the class the
/// model predicts for the image).
pub fn lime_classifier_image(
    model: &dyn ConvClassifier,
    image: ArrayView3<'_, f32>,
    class: Option<usize>,
    settings: &ClassifierLimeSettings,
) -> Result<ClassifierLime, ExplainError> {
    let (c, h, w) = image.dim();
    glassbox_core::conv_classifier::check_images(&[1, c, h, w], model.input_shape())?;
    if let Some(c) = class
        && c >= model.n_classes()
    {
        return Err(ExplainError::InvalidArgument(format!(
            "class {c} out of range: the model has {} classes",
            model.n_classes()
        )));
    }
    if let Some(((ch, y, x), v)) = image.indexed_iter().find(|(_, v)| !v.is_finite()) {
        return Err(ExplainError::InvalidArgument(format!(
            "image pixel (channel {ch}, row {y}, column {x}) is {v}; expected finite values"
        )));
    }
    let image64 = image.mapv(f64::from);
    let segments = settings.slic.segment(image64.view())?;
    let rows = ClassifierProbabilities::new(model);
    let explanation = LimeImage::new(&rows)
        .nsamples(settings.nsamples)
        .hide(settings.hide)
        .seed(settings.seed)
        .batch_size(settings.batch_size)
        .explain(image64.view(), segments.view())?;
    let class = class.unwrap_or_else(|| {
        let p = &explanation.prediction;
        (0..p.len()).fold(0, |best, c| if p[c] > p[best] { c } else { best })
    });
    let map = explanation
        .segments
        .mapv(|s| explanation.weights[[s, class]]);
    Ok(ClassifierLime {
        explanation,
        class,
        map,
    })
}
