//! The LIME options of `glassbox image explain` (`--method lime`). Each is optional: a flag
//! the user gives is applied to [`LimeSettings::default`], and refused by the library with any
//! other method.

use clap::Args;
use glassbox::image::{HideColor, LimeSettings, hide_color_name, parse_hide_color};

const HEADING: &str = "LIME (--method lime)";

/// A help line ending in the library's default.
fn help(text: &str, default: impl std::fmt::Display) -> String {
    format!("{text} [default: {default}]")
}

fn defaults() -> LimeSettings {
    LimeSettings::default()
}

/// LIME settings of `glassbox image explain`.
#[derive(Args, Debug, Clone, Default, PartialEq)]
pub struct LimeArgs {
    /// LIME: perturbed images per explained image (lime's num_samples).
    #[arg(long, value_name = "N", help_heading = HEADING,
          help = help("LIME: perturbed images per explained image (lime's num_samples)", defaults().samples))]
    pub lime_samples: Option<usize>,
    /// LIME: approximate number of SLIC superpixels.
    #[arg(long, value_name = "N", help_heading = HEADING,
          help = help("LIME: approximate number of SLIC superpixels", defaults().segments))]
    pub segments: Option<usize>,
    /// LIME: SLIC compactness (larger: squarer superpixels, smaller: closer to edges).
    #[arg(long, value_name = "M", help_heading = HEADING,
          help = help("LIME: SLIC compactness (larger: squarer superpixels, smaller: closer to edges)", defaults().compactness))]
    pub compactness: Option<f64>,
    /// LIME: what a switched-off superpixel becomes: "mean" (its own mean, lime's default) or a
    /// gray value from 0 (black) to 1 (white).
    #[arg(long, value_parser = parse_hide, value_name = "mean|VALUE", help_heading = HEADING,
          help = help("LIME: what a switched-off superpixel becomes: \"mean\" (its own mean, lime's default) or a gray value from 0 (black) to 1 (white)", hide_color_name(defaults().hide_color)))]
    pub hide_color: Option<HideColor>,
    /// LIME: superpixels marked in the "top" tiles of each panel.
    #[arg(long, value_name = "K", help_heading = HEADING,
          help = help("LIME: superpixels marked in the \"top\" tiles of each panel", defaults().top))]
    pub top: Option<usize>,
}

fn parse_hide(s: &str) -> Result<HideColor, String> {
    parse_hide_color(s).map_err(|e| e.to_string())
}

impl LimeArgs {
    /// The LIME settings with the flags given applied to the defaults; `None` when no LIME
    /// flag was given.
    pub fn settings(&self) -> Option<LimeSettings> {
        let given = self.lime_samples.is_some()
            || self.segments.is_some()
            || self.compactness.is_some()
            || self.hide_color.is_some()
            || self.top.is_some();
        if !given {
            return None;
        }
        let d = LimeSettings::default();
        Some(LimeSettings {
            samples: self.lime_samples.unwrap_or(d.samples),
            segments: self.segments.unwrap_or(d.segments),
            compactness: self.compactness.unwrap_or(d.compactness),
            hide_color: self.hide_color.unwrap_or(d.hide_color),
            top: self.top.unwrap_or(d.top),
        })
    }
}
