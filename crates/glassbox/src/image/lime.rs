//! LIME on a CNN, image by image, and its painted maps.

use glassbox_core::ConvClassifier;
use glassbox_core::ndarray::{Array3, ArrayView4, Axis};
use glassbox_explain::lime::image_classifier::{
    ClassifierLime, ClassifierLimeSettings, lime_classifier_image,
};

use crate::{Error, Progress, Result};

/// LIME for every image of `images` (samples, C, H, W), for `classes` (length samples;
/// `None`: each image's predicted class), one progress step per image.
pub(crate) fn lime_all(
    model: &dyn ConvClassifier,
    images: ArrayView4<'_, f32>,
    classes: Option<&[usize]>,
    settings: &ClassifierLimeSettings,
    progress: &dyn Progress,
) -> Result<Vec<ClassifierLime>> {
    let n = images.dim().0;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let class = classes.map(|c| c[i]);
        let l = lime_classifier_image(model, images.index_axis(Axis(0), i), class, settings)
            .map_err(|e| Error::Input(format!("LIME on image {i}: {e}")))?;
        out.push(l);
        progress.advance(1);
    }
    Ok(out)
}

/// The painted maps of `lime`, shape (samples, H, W).
pub(crate) fn lime_maps(lime: &[ClassifierLime]) -> Array3<f64> {
    let (h, w) = lime.first().map_or((0, 0), |l| l.map.dim());
    let mut m = Array3::zeros((lime.len(), h, w));
    for (i, l) in lime.iter().enumerate() {
        m.index_axis_mut(Axis(0), i).assign(&l.map);
    }
    m
}
