//! `glassbox image explain --method lime`: LIME with SLIC superpixels on a trained CNN. The
//! explained class's superpixel weights, painted onto the pixels, are the map that the shared
//! part of `image explain` (deletion/insertion curves, randomisation check) takes; this file
//! holds the settings, the per-image computation and the LIME-specific files.

use std::path::Path;

use anyhow::{Context, Result, bail};
use clap::Args;
use glassbox_core::ConvClassifier;
use glassbox_core::ndarray::{Array3, ArrayView4, Axis};
use glassbox_explain::lime::image::HideColor;
use glassbox_explain::lime::image_classifier::{
    ClassifierLime, ClassifierLimeSettings, lime_classifier_image,
};
use glassbox_explain::lime::slic::Slic;
use serde::Serialize;

use crate::tables::{num, write_csv};

/// LIME settings of `glassbox image explain`.
#[derive(Args, Debug, Clone, PartialEq)]
pub struct LimeArgs {
    /// LIME: perturbed images per explained image (lime's num_samples).
    #[arg(
        long,
        default_value_t = 1000,
        value_name = "N",
        help_heading = "LIME (--method lime)"
    )]
    pub lime_samples: usize,
    /// LIME: approximate number of SLIC superpixels.
    #[arg(
        long,
        default_value_t = 100,
        value_name = "N",
        help_heading = "LIME (--method lime)"
    )]
    pub segments: usize,
    /// LIME: SLIC compactness (larger: squarer superpixels, smaller: closer to edges).
    #[arg(
        long,
        default_value_t = 10.0,
        value_name = "M",
        help_heading = "LIME (--method lime)"
    )]
    pub compactness: f64,
    /// LIME: what a switched-off superpixel becomes: "mean" (its own mean, lime's default) or a
    /// gray value from 0 (black) to 1 (white).
    #[arg(long, default_value = "mean", value_parser = parse_hide, value_name = "mean|VALUE", help_heading = "LIME (--method lime)")]
    pub hide_color: HideColor,
    /// LIME: superpixels marked in the "top" tiles of each panel.
    #[arg(
        long,
        default_value_t = 5,
        value_name = "K",
        help_heading = "LIME (--method lime)"
    )]
    pub top: usize,
}

impl Default for LimeArgs {
    fn default() -> Self {
        LimeArgs {
            lime_samples: 1000,
            segments: 100,
            compactness: 10.0,
            hide_color: HideColor::SegmentMean,
            top: 5,
        }
    }
}

fn parse_hide(s: &str) -> Result<HideColor, String> {
    if s.eq_ignore_ascii_case("mean") {
        return Ok(HideColor::SegmentMean);
    }
    match s.parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(HideColor::Value(v)),
        _ => Err(format!(
            "{s:?}: expected \"mean\" or a gray value from 0 (black) to 1 (white)"
        )),
    }
}

impl LimeArgs {
    /// Checks the settings and turns them into the library's.
    pub fn settings(&self, seed: u64) -> Result<ClassifierLimeSettings> {
        if self.lime_samples < 2 {
            bail!(
                "--lime-samples {}: LIME needs at least 2 (the image and one perturbation); \
                 lime's default is 1000",
                self.lime_samples
            );
        }
        if self.segments < 2 {
            bail!(
                "--segments {}: LIME needs at least 2 superpixels",
                self.segments
            );
        }
        if !(self.compactness.is_finite() && self.compactness > 0.0) {
            bail!(
                "--compactness {}: must be a positive number (10 by default)",
                self.compactness
            );
        }
        if self.top == 0 {
            bail!("--top must be at least 1");
        }
        Ok(ClassifierLimeSettings {
            slic: Slic {
                n_segments: self.segments,
                compactness: self.compactness,
                ..Slic::default()
            },
            nsamples: self.lime_samples,
            hide: self.hide_color,
            seed,
            ..ClassifierLimeSettings::default()
        })
    }

    /// The settings as `summary.json` records them.
    pub fn summary(&self, seed: u64) -> LimeSummary {
        LimeSummary {
            samples: self.lime_samples,
            segments: self.segments,
            compactness: self.compactness,
            hide_color: match self.hide_color {
                HideColor::SegmentMean => "mean".into(),
                HideColor::Value(v) => num(v),
            },
            top: self.top,
            seed,
        }
    }
}

/// The LIME settings in `summary.json`.
#[derive(Serialize, Debug, Clone)]
pub struct LimeSummary {
    /// Perturbed images per explained image.
    pub samples: usize,
    /// Superpixels asked of SLIC (each image's actual count is in its entry).
    pub segments: usize,
    /// SLIC compactness.
    pub compactness: f64,
    /// Grey-out: "mean" or the gray value.
    pub hide_color: String,
    /// Superpixels marked in the panels' "top" tiles.
    pub top: usize,
    /// Seed of the on/off draws.
    pub seed: u64,
}

/// LIME for every image of `images` (samples, C, H, W), for `classes` (`None`: each image's
/// predicted class), one progress step per image.
pub fn explain_all(
    model: &dyn ConvClassifier,
    images: ArrayView4<'_, f32>,
    classes: Option<&[usize]>,
    settings: &ClassifierLimeSettings,
    bar: &indicatif::ProgressBar,
) -> Result<Vec<ClassifierLime>> {
    let n = images.dim().0;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let class = classes.map(|c| c[i]);
        out.push(
            lime_classifier_image(model, images.index_axis(Axis(0), i), class, settings)
                .with_context(|| format!("LIME on image {i}"))?,
        );
        bar.inc(1);
    }
    Ok(out)
}

/// The painted maps of `lime`, shape (samples, H, W).
pub fn maps(lime: &[ClassifierLime]) -> Array3<f64> {
    let (h, w) = lime.first().map_or((0, 0), |l| l.map.dim());
    let mut m = Array3::zeros((lime.len(), h, w));
    for (i, l) in lime.iter().enumerate() {
        m.index_axis_mut(Axis(0), i).assign(&l.map);
    }
    m
}

/// Writes one image's superpixel weights: one row per superpixel with its pixel count and its
/// weight for every class, then the surrogate's intercept and weighted R² per class.
pub fn write_weights_csv(path: &Path, lime: &ClassifierLime, class_names: &[String]) -> Result<()> {
    let e = &lime.explanation;
    let nseg = e.weights.nrows();
    let mut pixels = vec![0usize; nseg];
    for &s in &e.segments {
        pixels[s] += 1;
    }
    let mut header = vec!["superpixel".to_string(), "pixels".into()];
    header.extend(class_names.iter().cloned());
    let mut rows: Vec<Vec<String>> = (0..nseg)
        .map(|s| {
            let mut r = vec![s.to_string(), pixels[s].to_string()];
            r.extend(e.weights.row(s).iter().map(|&v| num(v)));
            r
        })
        .collect();
    for (name, values) in [("intercept", &e.intercept), ("surrogate_r2", &e.score)] {
        let mut r = vec![name.to_string(), String::new()];
        r.extend(values.iter().map(|&v| num(v)));
        rows.push(r);
    }
    write_csv(path, &header, rows.into_iter())?;
    Ok(())
}
