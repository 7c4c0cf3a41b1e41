//! LIME image panels: the superpixels LIME perturbed, their surrogate weights, the top positive
//! superpixels alone (lime's `get_image_and_mask(positive_only=True, hide_rest=True)`) and the
//! top superpixels for (green) and against (red) the class (`positive_only=False`), one row of
//! four tiles per image like the CAM panels, alone or stacked into a grid.
//!
//! The rasters are public and unit-tested on their own ([`boundaries`], [`superpixel_rgb`],
//! [`weight_rgb`], [`top_positive_rgb`], [`pros_cons_rgb`]).

use glassbox_core::ndarray::{Array2, ArrayView2};

use crate::PlotError;
use crate::colormap;
use crate::figure::Figure;
use crate::frame::{self, PAD, TITLE_BAND};
use crate::saliency::{draw_tile_row, image_heading, stack_rows, tile_row_layout, tile_row_width};
use crate::scene::Scene;

/// Superpixel boundaries (skimage's `mark_boundaries`, yellow) are drawn in this colour.
const BOUNDARY: [u8; 3] = [255, 255, 0];
/// Superpixels that speak for the class.
const PRO: [u8; 3] = [0, 200, 0];
/// Superpixels that speak against it.
const CON: [u8; 3] = [220, 0, 0];
/// Brightness of the superpixels a "top" tile hides.
const DIM: f64 = 0.25;

/// Pixels on a superpixel boundary, shape (H, W): those whose right or lower neighbour has
/// another label.
pub fn boundaries(segments: ArrayView2<'_, usize>) -> Array2<bool> {
    let (h, w) = segments.dim();
    Array2::from_shape_fn((h, w), |(y, x)| {
        let l = segments[[y, x]];
        (x + 1 < w && segments[[y, x + 1]] != l) || (y + 1 < h && segments[[y + 1, x]] != l)
    })
}

fn gray(v: f32, scale: f64) -> [u8; 3] {
    let g = ((v as f64).clamp(0.0, 1.0) * scale * 255.0).round() as u8;
    [g, g, g]
}

fn blend(a: [u8; 3], b: [u8; 3], t: f64) -> [u8; 3] {
    let m = |i: usize| (a[i] as f64 * (1.0 - t) + b[i] as f64 * t).round() as u8;
    [m(0), m(1), m(2)]
}

/// Paints `f(pixel, segment)` over the image and marks the boundaries: RGB8 bytes, row-major.
fn paint(
    image: ArrayView2<'_, f32>,
    segments: ArrayView2<'_, usize>,
    mut f: impl FnMut(f32, usize) -> [u8; 3],
) -> Vec<u8> {
    let edge = boundaries(segments);
    image
        .indexed_iter()
        .flat_map(|(p, &v)| if edge[p] { BOUNDARY } else { f(v, segments[p]) })
        .collect()
}

/// The grayscale image (values in `[0, 1]`) with the superpixel boundaries in yellow.
pub fn superpixel_rgb(image: ArrayView2<'_, f32>, segments: ArrayView2<'_, usize>) -> Vec<u8> {
    paint(image, segments, |v, _| gray(v, 1.0))
}

/// Each superpixel filled with its weight on [`colormap::red_blue_diverging`], scaled so that
/// `±max |weight|` are the ends (white = 0); boundaries in yellow.
pub fn weight_rgb(segments: ArrayView2<'_, usize>, weights: &[f64]) -> Vec<u8> {
    let max = weights.iter().fold(0.0f64, |a, w| a.max(w.abs()));
    let colour: Vec<[u8; 3]> = weights
        .iter()
        .map(|w| {
            let t = if max > 0.0 { 0.5 + 0.5 * w / max } else { 0.5 };
            colormap::red_blue_diverging(t)
        })
        .collect();
    let blank = Array2::<f32>::zeros(segments.dim());
    paint(blank.view(), segments, |_, s| colour[s])
}

/// The superpixels of `chosen` as they are, every other one dimmed to a quarter of its
/// brightness; boundaries in yellow.
pub fn top_positive_rgb(
    image: ArrayView2<'_, f32>,
    segments: ArrayView2<'_, usize>,
    chosen: &[usize],
) -> Vec<u8> {
    paint(image, segments, |v, s| {
        gray(v, if chosen.contains(&s) { 1.0 } else { DIM })
    })
}

/// The image with the superpixels of `pros` tinted green and those of `cons` red (half and
/// half), boundaries in yellow.
pub fn pros_cons_rgb(
    image: ArrayView2<'_, f32>,
    segments: ArrayView2<'_, usize>,
    pros: &[usize],
    cons: &[usize],
) -> Vec<u8> {
    paint(image, segments, |v, s| {
        let g = gray(v, 1.0);
        if pros.contains(&s) {
            blend(g, PRO, 0.5)
        } else if cons.contains(&s) {
            blend(g, CON, 0.5)
        } else {
            g
        }
    })
}

/// One image's LIME panel.
#[derive(Clone, Debug)]
pub struct LimePanel<'a> {
    /// The image, shape (H, W), values in `[0, 1]`.
    pub image: ArrayView2<'a, f32>,
    /// Superpixel label of every pixel, shape (H, W), labels `0..K`.
    pub segments: ArrayView2<'a, usize>,
    /// Surrogate weight of each superpixel for the explained class, length (K,).
    pub weights: &'a [f64],
    /// How many superpixels the two "top" tiles mark (lime's `num_features`, 5 in its examples).
    pub top: usize,
    /// What the row is about, e.g. the file name.
    pub name: String,
    /// The true class, when known.
    pub true_class: Option<String>,
    /// The predicted class.
    pub predicted: String,
    /// The predicted class's probability.
    pub score: f64,
    /// The class the weights explain.
    pub explained: String,
    /// Weighted R² of the surrogate for the explained class (its fidelity).
    pub fidelity: f64,
}

impl LimePanel<'_> {
    /// The one-line heading: name, true class, prediction, class explained, surrogate R².
    pub fn heading(&self) -> String {
        let mut h = image_heading(
            &self.name,
            self.true_class.as_deref(),
            &self.predicted,
            self.score,
            &self.explained,
            "weights for",
        );
        h.push_str(&format!(" · surrogate R² {:.2}", self.fidelity));
        h
    }

    /// The top `top` superpixels with positive weight, and with negative weight, each by
    /// decreasing `|weight|` (ties by label).
    pub fn top_superpixels(&self) -> (Vec<usize>, Vec<usize>) {
        let mut idx: Vec<usize> = (0..self.weights.len()).collect();
        idx.sort_by(|&a, &b| self.weights[b].abs().total_cmp(&self.weights[a].abs()));
        let pick = |positive: bool| -> Vec<usize> {
            idx.iter()
                .copied()
                .filter(|&s| {
                    let w = self.weights[s];
                    if positive { w > 0.0 } else { w < 0.0 }
                })
                .take(self.top)
                .collect()
        };
        (pick(true), pick(false))
    }

    fn validate(&self) -> Result<(), PlotError> {
        const P: &str = "LIME panel";
        let (h, w) = self.image.dim();
        if h == 0 || w == 0 {
            return Err(PlotError::input(P, format!("'{}': empty image", self.name)));
        }
        if self.segments.dim() != (h, w) {
            return Err(PlotError::input(
                P,
                format!(
                    "'{}': segments are {}x{} but the image is {h}x{w} (height x width)",
                    self.name,
                    self.segments.nrows(),
                    self.segments.ncols()
                ),
            ));
        }
        if let Some(&l) = self.segments.iter().find(|&&l| l >= self.weights.len()) {
            return Err(PlotError::input(
                P,
                format!(
                    "'{}': superpixel label {l} but only {} weights",
                    self.name,
                    self.weights.len()
                ),
            ));
        }
        if let Some(i) = self.weights.iter().position(|w| !w.is_finite()) {
            return Err(PlotError::input(
                P,
                format!("'{}': weight {i} is {}", self.name, self.weights[i]),
            ));
        }
        Ok(())
    }
}

fn draw_row(s: &mut Scene, panel: &LimePanel<'_>, top: f64) -> f64 {
    let dim = panel.image.dim();
    let l = tile_row_layout(dim, top);
    let (hh, ww) = dim;
    let (pros, cons) = panel.top_superpixels();
    let titles = [
        format!("Superpixels ({})", panel.weights.len()),
        format!("Weights for {}", panel.explained),
        format!("Top {} for {}", pros.len(), panel.explained),
        format!("For (green) / against (red), top {}", panel.top),
    ];
    let rasters = [
        (ww, hh, superpixel_rgb(panel.image, panel.segments)),
        (ww, hh, weight_rgb(panel.segments, panel.weights)),
        (ww, hh, top_positive_rgb(panel.image, panel.segments, &pros)),
        (
            ww,
            hh,
            pros_cons_rgb(panel.image, panel.segments, &pros, &cons),
        ),
    ];
    let bar: Vec<u8> = (0..256)
        .rev()
        .flat_map(|i| colormap::red_blue_diverging(i as f64 / 255.0))
        .collect();
    let max = panel.weights.iter().fold(0.0f64, |a, w| a.max(w.abs()));
    let m = two_significant(max);
    let (hi, lo) = (format!("+{m}"), format!("−{m}"));
    draw_tile_row(s, &l, titles, rasters, bar, (&hi, &lo))
}

/// `v >= 0` with two significant digits (LIME weights of a confident network are small).
fn two_significant(v: f64) -> String {
    if v <= 0.0 || !v.is_finite() {
        return "0".into();
    }
    let decimals = (1 - v.log10().floor() as i32).max(0) as usize;
    format!("{v:.decimals$}")
}

/// The LIME panel of one image: superpixels, their weights (diverging colours, colour bar at
/// `±max |weight|`), the top positive superpixels alone, and the top superpixels for and against
/// the class, under [`LimePanel::heading`].
pub fn lime_panel(panel: &LimePanel<'_>) -> Result<Figure, PlotError> {
    panel.validate()?;
    let heading = panel.heading();
    let width = tile_row_width(panel.image.dim()).max(420.0);
    let mut s = Scene::default();
    let bottom = draw_row(&mut s, panel, TITLE_BAND);
    frame::title(&mut s, &heading, 0.0, width, width);
    Ok(Figure::new(heading, width, bottom + PAD, s))
}

/// Several LIME panels stacked, one row per image (all images of one size), under `title`.
pub fn lime_grid(panels: &[LimePanel<'_>], title: &str) -> Result<Figure, PlotError> {
    for p in panels {
        p.validate()?;
    }
    let Some(first) = panels.first() else {
        return Err(PlotError::input("LIME grid", "no images to show"));
    };
    stack_rows(
        "LIME grid",
        panels,
        title,
        tile_row_width(first.image.dim()).max(420.0),
        |p| (p.name.clone(), p.image.dim(), p.heading()),
        |s, p, top| Ok(draw_row(s, p, top)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use glassbox_core::ndarray::array;

    /// Two superpixels: label 0 on the left two columns, 1 on the right one.
    fn two() -> (Array2<f32>, Array2<usize>) {
        (
            array![[0.0f32, 0.4, 1.0], [0.2, 0.6, 0.8]],
            array![[0usize, 0, 1], [0, 0, 1]],
        )
    }

    fn px(rgb: &[u8], w: usize, y: usize, x: usize) -> [u8; 3] {
        let i = (y * w + x) * 3;
        [rgb[i], rgb[i + 1], rgb[i + 2]]
    }

    #[test]
    fn colour_bar_labels_keep_two_significant_digits() {
        assert_eq!(two_significant(0.0234), "0.023");
        assert_eq!(two_significant(0.5), "0.50");
        assert_eq!(two_significant(3.0456), "3.0");
        assert_eq!(two_significant(0.00071), "0.00071");
        assert_eq!(two_significant(250.0), "250");
        assert_eq!(two_significant(0.0), "0");
    }

    #[test]
    fn boundaries_mark_pixels_before_a_label_change() {
        let (_, seg) = two();
        assert_eq!(
            boundaries(seg.view()),
            array![[false, true, false], [false, true, false]]
        );
        let horizontal = array![[0usize, 0], [1, 1]];
        assert_eq!(
            boundaries(horizontal.view()),
            array![[true, true], [false, false]]
        );
    }

    #[test]
    fn rasters_colour_each_superpixel() {
        let (img, seg) = two();
        let sp = superpixel_rgb(img.view(), seg.view());
        assert_eq!(px(&sp, 3, 0, 0), [0, 0, 0]);
        assert_eq!(px(&sp, 3, 0, 1), BOUNDARY);
        assert_eq!(px(&sp, 3, 1, 2), [204, 204, 204]);

        // Weight -2 is the low end, +1 half-way up from white.
        let wr = weight_rgb(seg.view(), &[-2.0, 1.0]);
        assert_eq!(px(&wr, 3, 0, 0), colormap::red_blue_diverging(0.0));
        assert_eq!(px(&wr, 3, 0, 2), colormap::red_blue_diverging(0.75));
        let zero = weight_rgb(seg.view(), &[0.0, 0.0]);
        assert_eq!(px(&zero, 3, 1, 0), colormap::red_blue_diverging(0.5));

        let top = top_positive_rgb(img.view(), seg.view(), &[1]);
        assert_eq!(px(&top, 3, 1, 0), [13, 13, 13]); // 0.2 · 0.25 · 255 = 12.75
        assert_eq!(px(&top, 3, 0, 2), [255, 255, 255]);

        let pc = pros_cons_rgb(img.view(), seg.view(), &[1], &[0]);
        assert_eq!(px(&pc, 3, 0, 2), [128, 228, 128]); // (255 + PRO) / 2
        assert_eq!(px(&pc, 3, 0, 0), [110, 0, 0]); // (0 + CON) / 2
    }

    #[test]
    fn panel_picks_top_superpixels_by_magnitude_and_checks_input() {
        let img = Array2::<f32>::from_elem((4, 4), 0.5);
        let seg = Array2::from_shape_fn((4, 4), |(y, x)| (y / 2) * 2 + x / 2);
        let weights = [0.3, -0.9, 0.1, 0.5];
        let panel = LimePanel {
            image: img.view(),
            segments: seg.view(),
            weights: &weights,
            top: 1,
            name: "a.png".into(),
            true_class: None,
            predicted: "dogs".into(),
            score: 0.5,
            explained: "cats".into(),
            fidelity: 0.8,
        };
        assert_eq!(panel.top_superpixels(), (vec![3], vec![1]));
        assert_eq!(
            panel.heading(),
            "a.png · predicted: dogs (0.500) · weights for: cats · surrogate R² 0.80"
        );
        let fig = lime_panel(&panel).unwrap();
        let svg = fig.svg_string().unwrap();
        assert_eq!(svg.matches("<image ").count(), 5);
        assert!(svg.contains("Superpixels (4)"));
        assert!(lime_grid(&[panel.clone(), panel.clone()], "t").is_ok());

        let short = [0.1, 0.2];
        let bad = LimePanel {
            weights: &short,
            ..panel.clone()
        };
        let e = lime_panel(&bad).unwrap_err().to_string();
        assert!(e.contains("label 2"), "{e}");
        let nan = [0.1, f64::NAN, 0.0, 0.0];
        assert!(
            lime_panel(&LimePanel {
                weights: &nan,
                ..panel.clone()
            })
            .is_err()
        );
        assert!(lime_grid(&[], "t").is_err());
    }
}
