//! [`explain_images`]: the one explain entry point for images. CAM-family maps or LIME
//! superpixel weights, the deletion/insertion curves and the model-randomisation check.

use glassbox_core::metrics::argmax_rows;
use glassbox_core::ndarray::{Array2, Array3, ArrayView4};
use glassbox_explain::cam::faithfulness::{
    Faithfulness, FaithfulnessOptions, deletion_insertion, randomization_rank_correlation,
};
use glassbox_explain::cam::{self, BicubicKernel, CamMethod, CamOptions, resolve_layer};
use glassbox_explain::lime::image_classifier::{ClassifierLime, ClassifierLimeSettings};
use glassbox_models::nn::Cnn;

use super::lime::{lime_all, lime_maps};
use super::{ImageExplainSettings, ImageInputs, ImageMethod, ImageModel, LimeSettings};
use crate::{Error, Progress, Result};

/// The `layer` that LIME explanations name: LIME perturbs the input, not a layer.
pub const LIME_LAYER: &str = "input superpixels";

/// The maps of one model, by method family.
#[derive(Clone, Debug)]
pub enum MapDetail {
    /// A CAM-family result: the raw maps at the layer's resolution, shape (samples, h, w).
    Cam {
        /// Raw maps before upsampling and normalisation, (samples, h, w).
        raw: Array3<f32>,
    },
    /// One LIME explanation per image (segments, weights of every class, fidelity).
    Lime(Vec<ClassifierLime>),
}

/// The explanation of a batch of images.
#[derive(Clone, Debug)]
pub struct ImageExplanation {
    /// The method.
    pub method: ImageMethod,
    /// The conv layer explained ([`LIME_LAYER`] for LIME).
    pub layer: String,
    /// The settings it ran with (LIME's filled in with their defaults for LIME).
    pub settings: ImageExplainSettings,
    /// The maps at the input size, (samples, H, W): CAM-family maps min-max normalised to
    /// [0, 1], LIME weights of the explained class painted onto their superpixels.
    pub maps: Array3<f64>,
    /// Method-specific detail (raw CAM maps or the LIME explanations).
    pub detail: MapDetail,
    /// The class each map explains, length samples.
    pub explained: Vec<usize>,
    /// The model's class probabilities, (samples, classes).
    pub probabilities: Array2<f32>,
    /// The predicted class per image, length samples.
    pub predicted: Vec<usize>,
    /// Deletion and insertion curves per image (`None` when `steps` is 0).
    pub faithfulness: Option<Vec<Faithfulness>>,
    /// Parameter layers re-initialised for the randomisation check (empty: not run).
    pub randomized_layers: Vec<String>,
    /// Per image, the Spearman correlation of its map with the randomised model's (`None`
    /// inside: a constant map); `None` when the check did not run.
    pub randomization: Option<Vec<Option<f64>>>,
    /// The cascading check: per layer of `randomized_layers` from the top down, (the layer
    /// re-initialised at that step, the mean Spearman correlation over the images with that
    /// layer and every one above it re-initialised). The last step is `randomization`'s model.
    pub randomization_cascade: Vec<(String, Option<f64>)>,
}

impl ImageExplanation {
    /// Size of the raw maps, (height, width): the layer's resolution for the CAM family, the
    /// image size for LIME.
    pub fn raw_map_size(&self) -> (usize, usize) {
        match &self.detail {
            MapDetail::Cam { raw } => (raw.dim().1, raw.dim().2),
            MapDetail::Lime(_) => (self.maps.dim().1, self.maps.dim().2),
        }
    }
}

/// Per image, the Spearman correlation with the randomised model's map (`None`: a constant
/// map).
type Spearman = Vec<Option<f64>>;

/// What a run needs once the settings are checked against the model.
struct Plan {
    method: ImageMethod,
    layer: String,
    lime: Option<ClassifierLimeSettings>,
    upsampling: BicubicKernel,
}

/// Checks `settings` against `model` and `method`: a setting that does not apply (`layer`
/// with LIME, LIME settings with the CAM family) or is out of range is an
/// [`Error::Settings`] naming the CLI flag.
pub fn check_settings(
    model: &ImageModel,
    method: ImageMethod,
    settings: &ImageExplainSettings,
) -> Result<()> {
    plan(model, method, settings).map(|_| ())
}

fn plan(model: &ImageModel, method: ImageMethod, settings: &ImageExplainSettings) -> Result<Plan> {
    if !(0.0..=1.0).contains(&settings.alpha) {
        return Err(Error::Settings(format!(
            "--alpha {}: must be between 0 and 1",
            settings.alpha
        )));
    }
    if let Some(c) = settings.class
        && c >= model.class_names().len()
    {
        return Err(Error::Settings(format!(
            "--class {c}: the model has {} classes",
            model.class_names().len()
        )));
    }
    let (layer, lime) = match method {
        ImageMethod::Lime => {
            if settings.layer.is_some() {
                return Err(Error::Settings(
                    "--layer does not apply to LIME, which perturbs superpixels of the input \
                     image; drop it (or use --method grad-cam for a layer's map)"
                        .into(),
                ));
            }
            if settings.upsampling != BicubicKernel::default() {
                return Err(Error::Settings(format!(
                    "--upsampling {} does not apply to LIME, whose maps are at the image's own \
                     resolution (nothing is upsampled); drop it",
                    settings.upsampling
                )));
            }
            let lime = settings.lime.clone().unwrap_or_default();
            lime.check()?;
            (
                LIME_LAYER.to_string(),
                Some(lime.classifier_settings(settings.seed)),
            )
        }
        ImageMethod::Cam(m) => {
            if settings.lime.is_some() {
                return Err(Error::Settings(format!(
                    "the LIME settings (--lime-samples, --segments, --compactness, \
                     --hide-color, --top) apply to --method lime only, not {m}; drop them"
                )));
            }
            let layer = resolve_layer(model.cnn(), settings.layer.as_deref())?;
            if m == CamMethod::Cam {
                model.check_cam_layer(&layer)?;
            }
            (layer, None)
        }
    };
    Ok(Plan {
        method,
        layer,
        lime,
        upsampling: settings.upsampling,
    })
}

/// Whether a run of `method` with `settings` draws anything at random, so that
/// [`ImageExplainSettings::seed`] changes its result: LIME's perturbations, the randomisation
/// check's re-initialised weights (`randomize_top` > 0), or the random split of an image folder
/// (`from_folder`: the images come from a folder, whose split may be drawn with the seed).
/// Front ends refuse a seed the user gave where it is not used.
pub fn seed_is_used(
    method: ImageMethod,
    settings: &ImageExplainSettings,
    from_folder: bool,
) -> bool {
    method == ImageMethod::Lime || settings.randomize_top > 0 || from_folder
}

/// Explains `inputs` with `method` on `model`: the maps, the model's predictions, and (as
/// `settings` ask) the deletion/insertion curves and the randomisation check. Refuses
/// settings that do not apply to the method (see [`check_settings`]).
pub fn explain_images(
    model: &ImageModel,
    inputs: &ImageInputs,
    method: ImageMethod,
    settings: &ImageExplainSettings,
    progress: &dyn Progress,
) -> Result<ImageExplanation> {
    let plan = plan(model, method, settings)?;
    if inputs.is_empty() {
        return Err(Error::Input("no images to explain".into()));
    }
    let images = inputs.batch.images.view();
    let classes = settings.class.map(|c| vec![c; inputs.len()]);
    let (maps, detail, explained) =
        compute(model.cnn(), images, &plan, classes.as_deref(), progress, "")?;
    let probabilities = model.cnn().predict_proba(images)?;
    let predicted = argmax_rows(probabilities.view());
    let faithfulness = curves(model.cnn(), images, &maps, &explained, settings, progress)?;
    let Randomization {
        layers: randomized_layers,
        last: randomization,
        cascade: randomization_cascade,
    } = randomization(
        model.cnn(),
        images,
        &plan,
        &maps,
        &explained,
        settings,
        progress,
    )?;
    let mut settings = settings.clone();
    if method.is_lime() {
        settings.lime.get_or_insert_with(LimeSettings::default);
    }
    Ok(ImageExplanation {
        method,
        layer: plan.layer,
        settings,
        maps,
        detail,
        explained,
        probabilities,
        predicted,
        faithfulness,
        randomized_layers,
        randomization,
        randomization_cascade,
    })
}

/// The maps of `model` for `classes` (`None`: predicted), with their detail and the classes
/// they explain; `what` labels the progress (the randomised model's pass).
fn compute(
    model: &Cnn,
    images: ArrayView4<'_, f32>,
    plan: &Plan,
    classes: Option<&[usize]>,
    progress: &dyn Progress,
    what: &str,
) -> Result<(Array3<f64>, MapDetail, Vec<usize>)> {
    let n = images.dim().0;
    match (plan.method, &plan.lime) {
        (ImageMethod::Cam(method), _) => {
            progress.start(
                &format!("{method} on {n} image(s){what}, layer {}", plan.layer),
                None,
            );
            let r = cam::explain_images(
                model,
                images,
                method,
                Some(&plan.layer),
                classes,
                &CamOptions {
                    kernel: plan.upsampling,
                    ..CamOptions::default()
                },
            )?;
            progress.finish();
            Ok((r.saliency.maps, MapDetail::Cam { raw: r.raw }, r.classes))
        }
        (ImageMethod::Lime, lime) => {
            let lime = lime.as_ref().ok_or_else(|| {
                Error::Settings("LIME needs its settings (checked before the run)".into())
            })?;
            progress.start(&format!("lime{what}"), Some(n as u64));
            let l = lime_all(model, images, classes, lime, progress)?;
            progress.finish();
            let explained = l.iter().map(|e| e.class).collect();
            Ok((lime_maps(&l), MapDetail::Lime(l), explained))
        }
    }
}

/// Deletion and insertion curves (`None` when `settings.steps` is 0).
fn curves(
    model: &Cnn,
    images: ArrayView4<'_, f32>,
    maps: &Array3<f64>,
    explained: &[usize],
    settings: &ImageExplainSettings,
    progress: &dyn Progress,
) -> Result<Option<Vec<Faithfulness>>> {
    if settings.steps == 0 {
        return Ok(None);
    }
    progress.start(
        &format!("deletion/insertion curves, {} steps", settings.steps),
        None,
    );
    let opts = FaithfulnessOptions {
        steps: settings.steps,
        ..FaithfulnessOptions::default()
    };
    let f = deletion_insertion(model, images, maps.view(), explained, &opts)?;
    progress.finish();
    Ok(Some(f))
}

/// What the randomisation check found.
struct Randomization {
    /// The layers re-initialised, bottom-most first (as in the network).
    layers: Vec<String>,
    /// Per image, the correlation with the model whose every layer of `layers` is
    /// re-initialised; `None` when the check did not run.
    last: Option<Spearman>,
    /// Per step from the top down: (layer re-initialised, mean correlation).
    cascade: Vec<(String, Option<f64>)>,
}

/// The cascading randomisation check (Adebayo et al. 2018): for k = 1 ..= `randomize_top`,
/// the maps of the model with its top k parameter layers re-initialised (each step adds the
/// next layer down; a layer's new weights depend only on the seed, so they are the same at
/// every step), for the same classes, rank-correlated with `maps`.
fn randomization(
    model: &Cnn,
    images: ArrayView4<'_, f32>,
    plan: &Plan,
    maps: &Array3<f64>,
    explained: &[usize],
    settings: &ImageExplainSettings,
    progress: &dyn Progress,
) -> Result<Randomization> {
    let k = settings.randomize_top;
    let layers = model.param_layers();
    let mut out = Randomization {
        layers: layers[layers.len().saturating_sub(k)..].to_vec(),
        last: None,
        cascade: Vec::with_capacity(k),
    };
    for step in 1..=k {
        let random = model
            .with_reinitialized_top(step, settings.seed)
            .map_err(|e| Error::Settings(format!("--randomize-top: {e}")))?;
        let what = if k == 1 {
            " (randomised model)".to_string()
        } else {
            format!(" (randomised model, top {step} of {k} layers)")
        };
        let (random_maps, _, _) = compute(&random, images, plan, Some(explained), progress, &what)?;
        let corr = randomization_rank_correlation(maps.view(), random_maps.view())?;
        let defined: Vec<f64> = corr.iter().flatten().copied().collect();
        let mean =
            (!defined.is_empty()).then(|| defined.iter().sum::<f64>() / defined.len() as f64);
        out.cascade
            .push((layers[layers.len() - step].clone(), mean));
        out.last = Some(corr);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn bundled() -> ImageModel {
        ImageModel::load(Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../data/models/neu-flatten-cnn"
        )))
        .unwrap()
    }

    fn refused(model: &ImageModel, method: &str, settings: ImageExplainSettings) -> String {
        let method: ImageMethod = method.parse().unwrap();
        match check_settings(model, method, &settings) {
            Err(Error::Settings(m)) => m,
            other => panic!("{method} with {settings:?} gave {other:?}"),
        }
    }

    #[test]
    fn the_randomisation_check_cascades_from_the_top_layer_down() {
        let model = bundled();
        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/neu");
        let files = [
            data.join("patches/patches_260.png"),
            data.join("scratches/scratches_260.png"),
        ];
        let inputs = ImageInputs::from_files(&model, &files, false).unwrap();
        let run = |k: usize| {
            let settings = ImageExplainSettings {
                steps: 0,
                randomize_top: k,
                ..ImageExplainSettings::default()
            };
            let method = "grad-cam".parse().unwrap();
            explain_images(&model, &inputs, method, &settings, &crate::NoProgress).unwrap()
        };
        let (one, three) = (run(1), run(3));
        let layers = model.cnn().param_layers();
        let top: Vec<&String> = layers.iter().rev().take(3).collect();
        assert_eq!(three.randomized_layers, layers[layers.len() - 3..]);
        let cascade: Vec<&String> = three.randomization_cascade.iter().map(|(l, _)| l).collect();
        assert_eq!(cascade, top, "top layer first");
        // A layer's new weights depend on the seed alone: step 1 of the cascade is the
        // one-layer check, and the last step is the model `randomization` describes.
        assert_eq!(one.randomization_cascade.len(), 1);
        assert_eq!(one.randomization_cascade[0], three.randomization_cascade[0]);
        let last = three.randomization.as_ref().unwrap();
        let defined: Vec<f64> = last.iter().flatten().copied().collect();
        let mean = defined.iter().sum::<f64>() / defined.len() as f64;
        assert_eq!(three.randomization_cascade[2].1, Some(mean));
        for (_, m) in &three.randomization_cascade {
            assert!(m.is_some_and(|m| (-1.0..=1.0).contains(&m)), "{m:?}");
        }
        assert!(run(0).randomization_cascade.is_empty());
    }

    #[test]
    fn settings_that_do_not_apply_are_refused_naming_the_flag() {
        let model = bundled();
        let lime = ImageExplainSettings {
            lime: Some(LimeSettings::default()),
            ..ImageExplainSettings::default()
        };
        let m = refused(&model, "grad-cam", lime.clone());
        assert!(
            m.contains("--lime-samples") && m.contains("grad-cam"),
            "{m}"
        );
        check_settings(&model, ImageMethod::Lime, &lime).unwrap();
        let layer = ImageExplainSettings {
            layer: Some("conv2".into()),
            ..ImageExplainSettings::default()
        };
        let m = refused(&model, "lime", layer.clone());
        assert!(m.contains("--layer does not apply to LIME"), "{m}");
        check_settings(&model, "grad-cam".parse().unwrap(), &layer).unwrap();
        let m = refused(&model, "cam", ImageExplainSettings::default());
        assert!(m.contains("this model is flatten-cnn"), "{m}");
        let bad = ImageExplainSettings {
            lime: Some(LimeSettings {
                samples: 1,
                ..LimeSettings::default()
            }),
            ..ImageExplainSettings::default()
        };
        assert!(refused(&model, "lime", bad).contains("--lime-samples 1"));
        let alpha = ImageExplainSettings {
            alpha: 1.5,
            ..ImageExplainSettings::default()
        };
        assert!(refused(&model, "eigen-cam", alpha).contains("--alpha 1.5"));
    }
}
