//! Settings of [`super::explain_images`]: plain structs whose [`Default`] is the documented
//! default (the CLI takes its defaults from these impls).

use glassbox_explain::cam::BicubicKernel;
use glassbox_explain::lime::image::HideColor;
use glassbox_explain::lime::image_classifier::ClassifierLimeSettings;
use glassbox_explain::lime::slic::Slic;

use crate::records::image::LimeRecord;
use crate::run_dir::num;
use crate::{Error, Result};

/// LIME settings (`--method lime` only).
#[derive(Clone, Debug, PartialEq)]
pub struct LimeSettings {
    /// Perturbed images per explained image (lime's `num_samples`); default 1000.
    pub samples: usize,
    /// Approximate number of SLIC superpixels; default 100.
    pub segments: usize,
    /// SLIC compactness (larger: squarer superpixels, smaller: closer to edges); default 10.
    pub compactness: f64,
    /// What a switched-off superpixel becomes; default its own mean (lime's default).
    pub hide_color: HideColor,
    /// Superpixels marked in the "top" tiles of each panel; default 5.
    pub top: usize,
}

impl Default for LimeSettings {
    fn default() -> Self {
        LimeSettings {
            samples: 1000,
            segments: 100,
            compactness: 10.0,
            hide_color: HideColor::SegmentMean,
            top: 5,
        }
    }
}

impl LimeSettings {
    /// Checks every setting, naming the first one out of range by its CLI flag.
    pub fn check(&self) -> Result<()> {
        let refuse = |m: String| Err(Error::Settings(m));
        if self.samples < 2 {
            return refuse(format!(
                "--lime-samples {}: LIME needs at least 2 (the image and one perturbation); \
                 lime's default is 1000",
                self.samples
            ));
        }
        if self.segments < 2 {
            return refuse(format!(
                "--segments {}: LIME needs at least 2 superpixels",
                self.segments
            ));
        }
        if !(self.compactness.is_finite() && self.compactness > 0.0) {
            return refuse(format!(
                "--compactness {}: must be a positive number (10 by default)",
                self.compactness
            ));
        }
        if let HideColor::Value(v) = self.hide_color
            && !(0.0..=1.0).contains(&v)
        {
            return refuse(format!(
                "--hide-color {v}: expected \"mean\" or a gray value from 0 (black) to 1 (white)"
            ));
        }
        if self.top == 0 {
            return refuse("--top must be at least 1".into());
        }
        Ok(())
    }

    /// The explainer's settings, seeded with `seed`.
    pub fn classifier_settings(&self, seed: u64) -> ClassifierLimeSettings {
        ClassifierLimeSettings {
            slic: Slic {
                n_segments: self.segments,
                compactness: self.compactness,
                ..Slic::default()
            },
            nsamples: self.samples,
            hide: self.hide_color,
            seed,
            ..ClassifierLimeSettings::default()
        }
    }

    /// The settings as `summary.json` records them.
    pub fn record(&self, seed: u64) -> LimeRecord {
        LimeRecord {
            samples: self.samples,
            segments: self.segments,
            compactness: self.compactness,
            hide_color: hide_color_name(self.hide_color),
            top: self.top,
            seed,
        }
    }
}

/// `"mean"` or the gray value, as the CLI takes it and `summary.json` records it.
pub fn hide_color_name(h: HideColor) -> String {
    match h {
        HideColor::SegmentMean => "mean".into(),
        HideColor::Value(v) => num(v),
    }
}

/// Parses `"mean"` or a gray value from 0 (black) to 1 (white).
pub fn parse_hide_color(s: &str) -> Result<HideColor> {
    if s.eq_ignore_ascii_case("mean") {
        return Ok(HideColor::SegmentMean);
    }
    match s.parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(HideColor::Value(v)),
        _ => Err(Error::Settings(format!(
            "{s:?}: expected \"mean\" or a gray value from 0 (black) to 1 (white)"
        ))),
    }
}

/// Settings of an image explanation.
#[derive(Clone, Debug, PartialEq)]
pub struct ImageExplainSettings {
    /// Conv layer to explain (`conv1` ... `conv4`); default `None`, the last. Refused with
    /// LIME, which perturbs the input.
    pub layer: Option<String>,
    /// Class to explain (index); default `None`, each image's predicted class.
    pub class: Option<usize>,
    /// Weight of the heat map in the overlays, 0 to 1; default 0.5.
    pub alpha: f64,
    /// Steps of the deletion and insertion curves (0 skips them); default 100.
    pub steps: usize,
    /// Parameter layers re-initialised, from the top, for the randomisation check (1: the
    /// classifier head; 0 skips it); default 1. With k > 1 the check cascades: k steps, the
    /// top layer first, one more layer down per step.
    pub randomize_top: usize,
    /// Seed of the re-initialised weights and of LIME's perturbations; default 42.
    pub seed: u64,
    /// LIME settings; default `None` (LIME then uses [`LimeSettings::default`]). Refused with
    /// the CAM family, where they do not apply.
    pub lime: Option<LimeSettings>,
    /// Bicubic kernel that upsamples the CAM family's raw maps to the image size; default
    /// OpenCV's (`cv2.resize(..., INTER_CUBIC)`, as the CAM literature's code does), or PIL's.
    /// Another than the default is refused with LIME, whose maps need no upsampling.
    pub upsampling: BicubicKernel,
}

impl Default for ImageExplainSettings {
    fn default() -> Self {
        ImageExplainSettings {
            layer: None,
            class: None,
            alpha: 0.5,
            steps: 100,
            randomize_top: 1,
            seed: 42,
            lime: None,
            upsampling: BicubicKernel::default(),
        }
    }
}
