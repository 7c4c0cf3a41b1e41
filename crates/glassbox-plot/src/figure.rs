//! [`Figure`]: a finished plot, renderable to PNG and SVG and saved atomically.

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};

use glassbox_core::atomic::write_atomic_with;

use crate::PlotError;
use crate::render;
use crate::scene::Scene;

/// A finished plot: a title, a size in logical pixels and what to draw.
///
/// The PNG has `size × scale` pixels (`scale` 1 by default, see [`Figure::with_scale`]); the
/// SVG has the logical size. Rendering is deterministic: the same figure gives the same bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    title: String,
    width: u32,
    height: u32,
    scale: u32,
    scene: Scene,
}

impl Figure {
    pub(crate) fn new(title: impl Into<String>, width: f64, height: f64, scene: Scene) -> Figure {
        Figure {
            title: title.into(),
            width: width.ceil().max(1.0) as u32,
            height: height.ceil().max(1.0) as u32,
            scale: 1,
            scene,
        }
    }

    /// What the figure draws (for composing figures side by side).
    pub(crate) fn scene(&self) -> &Scene {
        &self.scene
    }

    /// The figure's title (also drawn at its top).
    pub fn title(&self) -> &str {
        &self.title
    }

    /// Logical size in pixels, (width, height).
    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// PNG pixels per logical pixel, clamped to `1..=4` (2 gives a sharp image on high-DPI
    /// screens and in reports).
    pub fn with_scale(mut self, scale: u32) -> Figure {
        self.scale = scale.clamp(1, 4);
        self
    }

    /// Renders to an RGB8 buffer: (width, height, pixels row-major, 3 bytes per pixel).
    pub fn to_rgb(&self) -> Result<(u32, u32, Vec<u8>), PlotError> {
        render::to_rgb(&self.scene, self.width, self.height, self.scale).map_err(|message| {
            PlotError::Render {
                what: format!("{} (PNG)", self.title),
                message,
            }
        })
    }

    /// The figure as PNG file bytes.
    pub fn png_bytes(&self) -> Result<Vec<u8>, PlotError> {
        let (w, h, rgb) = self.to_rgb()?;
        render::encode_png(w, h, &rgb).map_err(|message| PlotError::Render {
            what: format!("{} (PNG)", self.title),
            message,
        })
    }

    /// The figure as an SVG document.
    pub fn svg_string(&self) -> Result<String, PlotError> {
        render::to_svg(&self.scene, self.width, self.height).map_err(|message| PlotError::Render {
            what: format!("{} (SVG)", self.title),
            message,
        })
    }

    /// Renders and writes a PNG file atomically (nothing is left at `path` on failure).
    pub fn save_png(&self, path: &Path) -> Result<(), PlotError> {
        let bytes = self.png_bytes()?;
        write_file(path, bytes.as_slice())
    }

    /// Renders and writes an SVG file atomically (nothing is left at `path` on failure).
    pub fn save_svg(&self, path: &Path) -> Result<(), PlotError> {
        let svg = self.svg_string()?;
        write_file(path, svg.as_bytes())
    }

    /// Writes `<stem>.png` and `<stem>.svg` (the extensions are appended, so a stem containing
    /// dots is kept whole). Both are rendered before either is written; if the SVG cannot be
    /// written the PNG is removed again, so the pair is all or nothing.
    pub fn save(&self, stem: &Path) -> Result<(), PlotError> {
        let png = self.png_bytes()?;
        let svg = self.svg_string()?;
        let (png_path, svg_path) = (with_suffix(stem, ".png"), with_suffix(stem, ".svg"));
        write_file(&png_path, &png)?;
        if let Err(e) = write_file(&svg_path, svg.as_bytes()) {
            let _ = std::fs::remove_file(&png_path);
            return Err(e);
        }
        Ok(())
    }
}

fn with_suffix(stem: &Path, suffix: &str) -> PathBuf {
    let mut s: OsString = stem.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), PlotError> {
    write_atomic_with(path, |w: &mut dyn Write| w.write_all(bytes)).map_err(|source| {
        PlotError::Write {
            path: path.to_path_buf(),
            source,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::font::{self, HAlign, baseline_offset_em};
    use crate::scene::Prim;
    use glassbox_core::Explanation;
    use glassbox_core::ndarray::{Array2, Array3};

    /// Approximate ink boxes (x0, y0, x1, y1) of every text primitive.
    fn text_boxes(fig: &Figure) -> Vec<(String, [f64; 4])> {
        let mut out = Vec::new();
        for p in &fig.scene.prims {
            if let Prim::Text {
                pos,
                text,
                size,
                bold,
                h,
                v,
                vertical,
                ..
            } = p
            {
                let w = font::text_width(text, *size, *bold);
                let u0 = match h {
                    HAlign::Left => 0.0,
                    HAlign::Center => -w / 2.0,
                    HAlign::Right => -w,
                };
                let base = baseline_offset_em(*v) * size;
                // DejaVu Sans: ascender ~0.76 em, descender ~0.24 em.
                let (v0, v1) = (base - 0.76 * size, base + 0.24 * size);
                let b = if *vertical {
                    [pos.0 + v0, pos.1 - (u0 + w), pos.0 + v1, pos.1 - u0]
                } else {
                    [pos.0 + u0, pos.1 + v0, pos.0 + u0 + w, pos.1 + v1]
                };
                out.push((text.clone(), b));
            }
        }
        out
    }

    fn expl(n: usize, names: &[&str]) -> Explanation {
        let m = names.len();
        let mut rng = glassbox_core::rng::Rng::new(9);
        let data = Array2::from_shape_fn((n, m), |_| rng.normal() * 1000.0);
        let values =
            Array3::from_shape_fn((n, m, 1), |(i, j, _)| data[[i, j]] / (j + 1) as f64 * 1e-3);
        Explanation::new(
            values,
            Array2::from_elem((n, 1), 1234.5),
            data,
            names.iter().map(|s| s.to_string()).collect(),
            vec!["Weight (g)".into()],
            "kernel-shap",
        )
        .unwrap()
    }

    #[test]
    fn text_stays_inside_the_figure_and_never_overlaps() {
        let names = [
            "Fill time derived (sec)",
            "Injection volume flow",
            "A much longer feature name with units (mm³/s)",
            "x",
            "Mold temperature (°C)",
        ];
        let e = expl(40, &names);
        let labels: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        let figs = vec![
            crate::shap_bar(&e, 0, 10).unwrap(),
            crate::shap_bar(&e, 0, 3).unwrap(),
            crate::beeswarm(&e, 0, 10).unwrap(),
            crate::waterfall(&e, 1, 0, 10).unwrap(),
            crate::waterfall(&e, 3, 0, 2).unwrap(),
            crate::dependence(&e, 2, 0, crate::ColorBy::Auto, None).unwrap(),
            crate::bar_with_errors(
                &labels,
                &[5.0, -1.0, 0.5, 0.0, 2.0],
                &[0.5; 5],
                "Permutation",
                "Decrease in R²",
            )
            .unwrap(),
            crate::measured_vs_predicted(
                &[1e4, 2e4, 3e4],
                &[1.1e4, 2e4, 2.9e4],
                "Scatter",
                "Weight (g)",
            )
            .unwrap(),
            crate::line_chart(
                &[crate::Series::new(
                    "loss",
                    vec![1.0, 2.0, 3.0],
                    vec![1e-4, 1e-2, 1.0],
                )],
                "Loss",
                "Epoch",
                "MSE",
                true,
            )
            .unwrap(),
            crate::confusion_matrix(&[vec![3, 1], vec![0, 4]], &labels[..2], "CM").unwrap(),
            crate::heatmap(&e, 0, 4, crate::HeatmapOrder::Clustered).unwrap(),
            crate::force_stacked(&e, 0, crate::HeatmapOrder::Prediction, false).unwrap(),
            crate::force_stacked(&e, 0, crate::HeatmapOrder::Given, true).unwrap(),
            crate::interaction_matrix(
                glassbox_core::ndarray::Array2::from_shape_fn((5, 5), |(a, b)| {
                    1.0 / (1 + a + b) as f64
                })
                .view(),
                &labels,
                5,
            )
            .unwrap(),
            crate::interaction_pair(
                &e,
                Array3::from_shape_fn((40, 5, 5), |(i, a, b)| e.data[[i, a]] * (b as f64) * 1e-3)
                    .view(),
                2,
                0,
                0,
            )
            .unwrap(),
        ];
        for fig in &figs {
            let (w, h) = fig.size();
            let boxes = text_boxes(fig);
            assert!(boxes.len() >= 5, "{}", fig.title());
            for (t, b) in &boxes {
                assert!(
                    b[0] >= 0.0 && b[1] >= 0.0 && b[2] <= w as f64 && b[3] <= h as f64,
                    "{}: '{t}' at {b:?} leaves the {w}x{h} figure",
                    fig.title()
                );
            }
            for i in 0..boxes.len() {
                for j in i + 1..boxes.len() {
                    let (a, b) = (&boxes[i].1, &boxes[j].1);
                    // Allow 1 px of slack for the approximate glyph boxes.
                    let overlap = a[0] < b[2] - 1.0
                        && b[0] < a[2] - 1.0
                        && a[1] < b[3] - 1.0
                        && b[1] < a[3] - 1.0;
                    assert!(
                        !overlap,
                        "{}: '{}' overlaps '{}'",
                        fig.title(),
                        boxes[i].0,
                        boxes[j].0
                    );
                }
            }
        }
    }
}
