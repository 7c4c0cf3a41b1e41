//! The common entry point of the CAM family: pick a method, a layer and the classes, get the
//! raw low-resolution maps and the upsampled, normalised [`SaliencyMap`].

use std::fmt;
use std::str::FromStr;

use glassbox_core::ndarray::{Array2, Array3, ArrayView4, Axis, concatenate, s};
use glassbox_core::{ConvClassifier, SaliencyMap};
use rayon::prelude::*;

use super::cam::cam;
use super::eigen_cam::eigen_cam;
use super::grad_cam::grad_cam;
use super::grad_cam_plus_plus::grad_cam_plus_plus;
use super::hires_cam::{hires_cam, layer_cam};
use super::score_cam::{DEFAULT_SCORE_CAM_BATCH, score_cam};
use super::upsample::{BicubicKernel, normalize_min_max, upsample_bicubic};
use super::xgrad_cam::xgrad_cam;
use super::{RawMaps, check_inputs, resolve_layer};
use crate::ExplainError;

/// A class-activation-map method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CamMethod {
    /// CAM (Zhou et al. 2016); needs a GAP + Dense head after the layer.
    Cam,
    /// Grad-CAM (Selvaraju et al. 2017).
    GradCam,
    /// Grad-CAM++ (Chattopadhyay et al. 2018).
    GradCamPlusPlus,
    /// Score-CAM (Wang et al. 2020).
    ScoreCam,
    /// XGrad-CAM (Fu et al. 2020).
    XGradCam,
    /// HiResCAM (Draelos & Carin 2020).
    HiResCam,
    /// LayerCAM (Jiang et al. 2021).
    LayerCam,
    /// Eigen-CAM (Muhammad & Yeasin 2020); class-agnostic.
    EigenCam,
}

impl CamMethod {
    /// All methods, in the order above.
    pub const ALL: [CamMethod; 8] = [
        CamMethod::Cam,
        CamMethod::GradCam,
        CamMethod::GradCamPlusPlus,
        CamMethod::ScoreCam,
        CamMethod::XGradCam,
        CamMethod::HiResCam,
        CamMethod::LayerCam,
        CamMethod::EigenCam,
    ];

    /// The method's command-line name: `cam`, `grad-cam`, `grad-cam++`, `score-cam`,
    /// `xgrad-cam`, `hires-cam`, `layer-cam`, `eigen-cam`.
    pub fn name(self) -> &'static str {
        match self {
            CamMethod::Cam => "cam",
            CamMethod::GradCam => "grad-cam",
            CamMethod::GradCamPlusPlus => "grad-cam++",
            CamMethod::ScoreCam => "score-cam",
            CamMethod::XGradCam => "xgrad-cam",
            CamMethod::HiResCam => "hires-cam",
            CamMethod::LayerCam => "layer-cam",
            CamMethod::EigenCam => "eigen-cam",
        }
    }

    /// The names of all methods, comma-separated (for messages).
    pub fn all_names() -> String {
        CamMethod::ALL.map(CamMethod::name).join(", ")
    }
}

impl fmt::Display for CamMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for CamMethod {
    type Err = ExplainError;

    /// Parses a [`CamMethod::name`] (case-insensitive; `gradcam`, `grad-cam-pp`,
    /// `gradcam++` and the other names without their hyphen are accepted too).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().replace('_', "-").as_str() {
            "cam" => Ok(CamMethod::Cam),
            "grad-cam" | "gradcam" => Ok(CamMethod::GradCam),
            "grad-cam++" | "gradcam++" | "grad-cam-pp" | "gradcampp" => {
                Ok(CamMethod::GradCamPlusPlus)
            }
            "score-cam" | "scorecam" => Ok(CamMethod::ScoreCam),
            "xgrad-cam" | "xgradcam" => Ok(CamMethod::XGradCam),
            "hires-cam" | "hirescam" => Ok(CamMethod::HiResCam),
            "layer-cam" | "layercam" => Ok(CamMethod::LayerCam),
            "eigen-cam" | "eigencam" => Ok(CamMethod::EigenCam),
            _ => Err(ExplainError::InvalidArgument(format!(
                "unknown CAM method {s:?}; expected one of {}",
                CamMethod::all_names()
            ))),
        }
    }
}

/// Options of [`explain_images`].
#[derive(Clone, Debug, PartialEq)]
pub struct CamOptions {
    /// Images per model call (forward and backward pass); bounds memory. Default 32.
    pub batch_size: usize,
    /// Masked images per forward pass in Score-CAM. Default 32.
    pub score_cam_batch_size: usize,
    /// Size (H, W) of the upsampled maps; `None` for the model's input size.
    pub output_size: Option<(usize, usize)>,
    /// Bicubic kernel of the upsampling. Default OpenCV's (`cv2.INTER_CUBIC`).
    pub kernel: BicubicKernel,
}

impl Default for CamOptions {
    fn default() -> Self {
        CamOptions {
            batch_size: 32,
            score_cam_batch_size: DEFAULT_SCORE_CAM_BATCH,
            output_size: None,
            kernel: BicubicKernel::default(),
        }
    }
}

/// The maps of a batch of images.
#[derive(Clone, Debug)]
pub struct CamResult {
    /// Raw maps at the conv layer's resolution, shape (samples, h, w), before normalisation
    /// (after the ReLU for every method but CAM).
    pub raw: Array3<f32>,
    /// The raw maps upsampled bicubically (`options.kernel`) to the output size and min-max
    /// normalised to [0, 1] per image (a constant map becomes all zeros), shape (samples, H, W), with the
    /// explained classes and the method name.
    pub saliency: SaliencyMap,
    /// The class each map explains, length (samples,) (the predicted class unless given).
    pub classes: Vec<usize>,
    /// Pre-softmax class scores of the images, shape (samples, classes).
    pub scores: Array2<f32>,
    /// The conv layer explained.
    pub layer: String,
}

/// Explains `images` (samples, C, H, W) with `method` at conv layer `layer` (`None`: the last
/// conv layer), for `classes` (length samples; `None`: each image's predicted class).
///
/// Images go to the model `options.batch_size` at a time. Errors on images that do not match
/// the model, non-finite pixels, classes out of range, an unknown layer (the message lists the
/// conv layers), CAM on a layer without a GAP + Dense head, or unusable model outputs.
pub fn explain_images(
    model: &dyn ConvClassifier,
    images: ArrayView4<'_, f32>,
    method: CamMethod,
    layer: Option<&str>,
    classes: Option<&[usize]>,
    options: &CamOptions,
) -> Result<CamResult, ExplainError> {
    let layer = resolve_layer(model, layer)?;
    check_inputs(model, images, classes)?;
    if options.batch_size == 0 || options.score_cam_batch_size == 0 {
        return Err(ExplainError::InvalidArgument(format!(
            "batch sizes must be at least 1 (batch_size {}, score_cam_batch_size {})",
            options.batch_size, options.score_cam_batch_size
        )));
    }
    let [_, in_h, in_w] = model.input_shape();
    let (out_h, out_w) = options.output_size.unwrap_or((in_h, in_w));
    if out_h == 0 || out_w == 0 {
        return Err(ExplainError::InvalidArgument(format!(
            "output size ({out_h}, {out_w}) must be at least 1 x 1"
        )));
    }

    let n = images.dim().0;
    let mut parts: Vec<RawMaps> = Vec::new();
    for start in (0..n).step_by(options.batch_size) {
        let end = (start + options.batch_size).min(n);
        let chunk = images.slice(s![start..end, .., .., ..]);
        let cls = classes.map(|c| &c[start..end]);
        let part = match method {
            CamMethod::Cam => cam(model, chunk, &layer, cls)?,
            CamMethod::GradCam => grad_cam(model, chunk, &layer, cls)?,
            CamMethod::GradCamPlusPlus => grad_cam_plus_plus(model, chunk, &layer, cls)?,
            CamMethod::ScoreCam => {
                score_cam(model, chunk, &layer, cls, options.score_cam_batch_size)?
            }
            CamMethod::XGradCam => xgrad_cam(model, chunk, &layer, cls)?,
            CamMethod::HiResCam => hires_cam(model, chunk, &layer, cls)?,
            CamMethod::LayerCam => layer_cam(model, chunk, &layer, cls)?,
            CamMethod::EigenCam => eigen_cam(model, chunk, &layer, cls)?,
        };
        if let Some(first) = parts.first()
            && first.maps.shape()[1..] != part.maps.shape()[1..]
        {
            return Err(ExplainError::Model(format!(
                "layer {layer:?} gave maps of size {:?} and {:?} for images of the same size",
                &first.maps.shape()[1..],
                &part.maps.shape()[1..]
            )));
        }
        parts.push(part);
    }
    let raw = concatenate(
        Axis(0),
        &parts.iter().map(|p| p.maps.view()).collect::<Vec<_>>(),
    )
    .expect("maps of equal size");
    let scores = concatenate(
        Axis(0),
        &parts.iter().map(|p| p.scores.view()).collect::<Vec<_>>(),
    )
    .expect("scores of equal width");
    let classes: Vec<usize> = parts.into_iter().flat_map(|p| p.classes).collect();

    let upsampled: Vec<Array2<f64>> = (0..n)
        .into_par_iter()
        .map(|i| {
            let r = raw.index_axis(Axis(0), i).mapv(|v| v as f64);
            let mut up = upsample_bicubic(r.view(), out_h, out_w, options.kernel)?;
            normalize_min_max(up.view_mut());
            Ok(up)
        })
        .collect::<Result<_, ExplainError>>()?;
    let mut maps = Array3::<f64>::zeros((n, out_h, out_w));
    for (mut out, up) in maps.outer_iter_mut().zip(&upsampled) {
        out.assign(up);
    }
    Ok(CamResult {
        raw,
        saliency: SaliencyMap {
            maps,
            class_index: classes.clone(),
            method: method.name().to_string(),
        },
        classes,
        scores,
        layer,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cam::test_models::{Head, RefCnn};
    use glassbox_core::ndarray::Array4;
    use glassbox_core::rng::Rng;

    fn setup() -> (RefCnn, Array4<f32>) {
        let model = RefCnn::random(61, [1, 6, 7], &[3, 4], 3, Head::Gap, 3);
        let mut rng = Rng::new(62);
        let imgs = Array4::from_shape_fn((5, 1, 6, 7), |_| rng.uniform(0.0, 1.0) as f32);
        (model, imgs)
    }

    #[test]
    fn method_names_round_trip() {
        for m in CamMethod::ALL {
            assert_eq!(m.name().parse::<CamMethod>().unwrap(), m);
            assert_eq!(m.to_string(), m.name());
        }
        assert_eq!(
            "GradCAM++".parse::<CamMethod>().unwrap(),
            CamMethod::GradCamPlusPlus
        );
        let err = "lrp".parse::<CamMethod>().unwrap_err().to_string();
        assert!(err.contains("grad-cam++"), "{err}");
    }

    #[test]
    fn batching_does_not_change_the_result() {
        let (model, imgs) = setup();
        for method in CamMethod::ALL {
            let whole = explain_images(
                &model,
                imgs.view(),
                method,
                None,
                None,
                &CamOptions::default(),
            )
            .unwrap();
            let opts = CamOptions {
                batch_size: 2,
                score_cam_batch_size: 3,
                ..CamOptions::default()
            };
            let parts = explain_images(&model, imgs.view(), method, None, None, &opts).unwrap();
            assert_eq!(whole.raw, parts.raw, "{method}");
            assert_eq!(whole.saliency, parts.saliency, "{method}");
            assert_eq!(whole.classes, parts.classes);
            assert_eq!(whole.scores, parts.scores);
            assert_eq!(whole.layer, "conv2");
            assert_eq!(whole.saliency.method, method.name());
        }
    }

    #[test]
    fn saliency_is_upsampled_and_normalised() {
        let (model, imgs) = setup();
        let opts = CamOptions {
            output_size: Some((12, 21)),
            ..CamOptions::default()
        };
        let r = explain_images(
            &model,
            imgs.view(),
            CamMethod::GradCam,
            Some("conv1"),
            None,
            &opts,
        )
        .unwrap();
        assert_eq!(r.raw.dim(), (5, 6, 7));
        assert_eq!(r.saliency.maps.dim(), (5, 12, 21));
        assert_eq!(r.saliency.class_index, r.classes);
        for (i, m) in r.saliency.maps.outer_iter().enumerate() {
            assert!(m.iter().all(|&v| (0.0..=1.0).contains(&v)));
            let constant = r
                .raw
                .index_axis(Axis(0), i)
                .iter()
                .all(|&v| v == r.raw[[i, 0, 0]]);
            let hi = m.iter().copied().fold(0.0, f64::max);
            assert_eq!(hi, if constant { 0.0 } else { 1.0 });
        }
    }

    #[test]
    fn bad_input_gives_one_line_errors() {
        let (model, imgs) = setup();
        let o = CamOptions::default();
        let run = |imgs: &Array4<f32>, classes: Option<&[usize]>, o: &CamOptions| {
            explain_images(&model, imgs.view(), CamMethod::GradCam, None, classes, o)
                .unwrap_err()
                .to_string()
        };
        let wrong = Array4::<f32>::zeros((2, 3, 6, 7));
        assert!(run(&wrong, None, &o).contains("expected (samples, 1, 6, 7)"));
        let mut nan = imgs.clone();
        nan[[3, 0, 2, 1]] = f32::NAN;
        assert!(run(&nan, None, &o).contains("(3, 0, 2, 1)"));
        assert!(run(&imgs, Some(&[0, 1]), &o).contains("2 classes given for 5 images"));
        assert!(run(&imgs, Some(&[0, 1, 2, 3, 0]), &o).contains("class 3 asked for image 3"));
        let empty = Array4::<f32>::zeros((0, 1, 6, 7));
        assert!(run(&empty, None, &o).contains("no images"));
        let zero = CamOptions {
            batch_size: 0,
            ..CamOptions::default()
        };
        assert!(run(&imgs, None, &zero).contains("at least 1"));
        for e in [run(&wrong, None, &o), run(&nan, None, &o)] {
            assert!(!e.contains('\n'));
        }
    }
}
