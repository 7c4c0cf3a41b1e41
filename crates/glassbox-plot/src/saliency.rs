//! Class-activation heat maps over images: the jet overlay as a plain image, and the CAM panel
//! (original, raw low-resolution map, upsampled map, overlay) as a [`Figure`], alone or stacked
//! into a grid with one row per image.
//!
//! The pixel arithmetic is public and unit-tested on its own ([`normalize01`], [`gray_rgb`],
//! [`jet_rgb`], [`overlay_rgb`]); the figures only lay those rasters out. In the SVG the rasters
//! are embedded as base64 PNG `<image>` elements, so PNG and SVG show the same pixels.
//!
//! Overlay: every channel is `round(255 · ((1 − α) · gray + α · jet(map) / 255))` with `map`
//! min-max normalised to `[0, 1]` and `jet` matplotlib's continuous colormap. This is the blend
//! formula of pytorch-grad-cam's `show_cam_on_image` (with its `image_weight = 1 − α`), not that
//! function's pixels: it quantises the map to uint8 and colours it with OpenCV's 256-entry
//! `COLORMAP_JET` (other colours than matplotlib's), divides the blend by its maximum (which
//! brightens dim overlays) and truncates instead of rounding.

use std::path::Path;

use glassbox_core::ndarray::{Array2, ArrayView2};

use crate::PlotError;
use crate::colormap;
use crate::figure::Figure;
use crate::font::{HAlign, VAlign};
use crate::frame::{self, PAD, TITLE_BAND};
use crate::scene::{INK, Scene};

/// Min-max normalisation to `[0, 1]`. A constant map (all zeros, as Grad-CAM gives when no
/// feature map raises the class score) becomes all zeros rather than NaN. Errors on NaN or
/// infinite values.
pub fn normalize01(map: ArrayView2<'_, f64>) -> Result<Array2<f64>, PlotError> {
    check_finite("normalize01", map)?;
    let (lo, hi) = map
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let range = hi - lo;
    Ok(if range > 0.0 {
        map.mapv(|v| (v - lo) / range)
    } else {
        Array2::zeros(map.dim())
    })
}

fn check_finite(plot: &'static str, map: ArrayView2<'_, f64>) -> Result<(), PlotError> {
    if let Some(((y, x), v)) = map.indexed_iter().find(|(_, v)| !v.is_finite()) {
        return Err(PlotError::input(
            plot,
            format!("map value at (row {y}, column {x}) is {v}; expected finite numbers"),
        ));
    }
    Ok(())
}

fn to_u8(v: f64) -> u8 {
    (v.clamp(0.0, 1.0) * 255.0).round() as u8
}

/// A grayscale image (H, W) with values in `[0, 1]` (clamped) as RGB8 bytes, row-major.
pub fn gray_rgb(image: ArrayView2<'_, f32>) -> Vec<u8> {
    image
        .iter()
        .flat_map(|&v| {
            let g = to_u8(v as f64);
            [g, g, g]
        })
        .collect()
}

/// A map (h, w) with values in `[0, 1]` (clamped) coloured with [`colormap::jet`], RGB8 bytes.
pub fn jet_rgb(map: ArrayView2<'_, f64>) -> Vec<u8> {
    map.iter().flat_map(|&v| colormap::jet(v)).collect()
}

/// The jet-coloured `map` (H, W), values in `[0, 1]`, alpha-blended over the grayscale `image`
/// (H, W), values in `[0, 1]`: RGB8 bytes, row-major. `alpha` (the heat map's weight) must be in
/// `[0, 1]`; the two arrays must have the same shape (upsample the map first).
pub fn overlay_rgb(
    image: ArrayView2<'_, f32>,
    map: ArrayView2<'_, f64>,
    alpha: f64,
) -> Result<Vec<u8>, PlotError> {
    const P: &str = "heat-map overlay";
    if !(0.0..=1.0).contains(&alpha) {
        return Err(PlotError::input(
            P,
            format!("alpha is {alpha}; expected a number from 0 to 1 (e.g. 0.5)"),
        ));
    }
    if image.dim() != map.dim() {
        return Err(PlotError::input(
            P,
            format!(
                "the map is {}x{} (height x width) but the image is {}x{}; upsample the map to \
                 the image size first",
                map.nrows(),
                map.ncols(),
                image.nrows(),
                image.ncols()
            ),
        ));
    }
    check_finite(P, map)?;
    Ok(image
        .iter()
        .zip(map.iter())
        .flat_map(|(&g, &m)| {
            let g = (g as f64).clamp(0.0, 1.0);
            let c = colormap::jet(m);
            c.map(|ch| to_u8((1.0 - alpha) * g + alpha * ch as f64 / 255.0))
        })
        .collect())
}

/// Writes an RGB8 raster (`width × height`, row-major) as a PNG file, atomically.
pub fn save_rgb_png(path: &Path, width: u32, height: u32, rgb: &[u8]) -> Result<(), PlotError> {
    if rgb.len() != width as usize * height as usize * 3 {
        return Err(PlotError::input(
            "PNG image",
            format!(
                "{} bytes for a {width}x{height} RGB image; expected {}",
                rgb.len(),
                width as usize * height as usize * 3
            ),
        ));
    }
    let bytes =
        crate::render::encode_png(width, height, rgb).map_err(|message| PlotError::Render {
            what: format!("{} (PNG)", path.display()),
            message,
        })?;
    glassbox_core::atomic::write_atomic(path, &bytes).map_err(|source| PlotError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Saves the overlay of `map` (H, W; min-max normalised here) on `image` (H, W, values in
/// `[0, 1]`) as a PNG of the image's size.
pub fn save_overlay_png(
    path: &Path,
    image: ArrayView2<'_, f32>,
    map: ArrayView2<'_, f64>,
    alpha: f64,
) -> Result<(), PlotError> {
    let rgb = overlay_rgb(image, normalize01(map)?.view(), alpha)?;
    save_rgb_png(path, image.ncols() as u32, image.nrows() as u32, &rgb)
}

/// One image's CAM panel.
#[derive(Clone, Debug)]
pub struct CamPanel<'a> {
    /// The image, shape (H, W), values in `[0, 1]`.
    pub image: ArrayView2<'a, f32>,
    /// The map at the conv layer's resolution, shape (h, w); normalised here for display and
    /// enlarged by nearest neighbour, so its cells stay visible.
    pub raw_map: ArrayView2<'a, f64>,
    /// The map upsampled to the image size, shape (H, W); normalised here for display.
    pub map: ArrayView2<'a, f64>,
    /// What the row is about, e.g. the file name.
    pub name: String,
    /// The true class, when known.
    pub true_class: Option<String>,
    /// The predicted class.
    pub predicted: String,
    /// The predicted class's probability.
    pub score: f64,
    /// The class the map explains.
    pub explained: String,
    /// Heat-map weight of the overlay, in `[0, 1]` (0.5 in the walk-through).
    pub alpha: f64,
}

impl CamPanel<'_> {
    /// The one-line heading: name, true class, prediction with its probability, class explained.
    pub fn heading(&self) -> String {
        image_heading(
            &self.name,
            self.true_class.as_deref(),
            &self.predicted,
            self.score,
            &self.explained,
            "map for",
        )
    }

    fn validate(&self) -> Result<(), PlotError> {
        const P: &str = "CAM panel";
        let (h, w) = self.image.dim();
        if h == 0 || w == 0 || self.raw_map.is_empty() {
            return Err(PlotError::input(
                P,
                format!("'{}': empty image or map", self.name),
            ));
        }
        if self.map.dim() != (h, w) {
            return Err(PlotError::input(
                P,
                format!(
                    "'{}': the upsampled map is {}x{} but the image is {h}x{w} (height x width)",
                    self.name,
                    self.map.nrows(),
                    self.map.ncols()
                ),
            ));
        }
        check_finite(P, self.raw_map)?;
        check_finite(P, self.map)?;
        if !(0.0..=1.0).contains(&self.alpha) {
            return Err(PlotError::input(
                P,
                format!("alpha is {}; expected 0 to 1", self.alpha),
            ));
        }
        Ok(())
    }
}

/// The heading of an explained image: its name, true class (when known), prediction with its
/// probability, and — when it differs from the prediction — the class explained, introduced by
/// `explained_label`.
pub(crate) fn image_heading(
    name: &str,
    true_class: Option<&str>,
    predicted: &str,
    score: f64,
    explained: &str,
    explained_label: &str,
) -> String {
    let mut h = name.to_string();
    if let Some(t) = true_class {
        h.push_str(&format!(" · true: {t}"));
    }
    h.push_str(&format!(" · predicted: {predicted} ({score:.3})"));
    if explained != predicted {
        h.push_str(&format!(" · {explained_label}: {explained}"));
    }
    h
}

/// Tile size in logical pixels for an image of `h × w`: integer enlargement of small images up
/// to [`TILE`], proportional shrinking of large ones.
pub(crate) fn tile_size(h: usize, w: usize) -> (f64, f64) {
    let side = h.max(w) as f64;
    let s = if side <= TILE {
        (TILE / side).floor()
    } else {
        TILE / side
    };
    (w as f64 * s, h as f64 * s)
}

/// Longest tile side in logical pixels.
const TILE: f64 = 200.0;
const GAP: f64 = 12.0;
/// Band above each row of tiles for the column titles.
const COLUMN_TITLE_BAND: f64 = 22.0;
/// Band above a grid row for its heading.
const ROW_HEADING_BAND: f64 = 22.0;
const COLORBAR_W: f64 = 12.0;
const COLORBAR_BAND: f64 = 50.0;
const HEADING_SIZE: f64 = 13.0;
const TILE_TITLE_SIZE: f64 = 12.0;

/// Where a row's four tiles go: `x` of each tile, the tiles' top, and their size.
pub(crate) struct RowLayout {
    pub xs: [f64; 4],
    pub top: f64,
    pub tile: (f64, f64),
}

/// The layout of a row of four tiles for an image of `dim` (height, width) whose column titles
/// start at `top`.
pub(crate) fn tile_row_layout(dim: (usize, usize), top: f64) -> RowLayout {
    let tile = tile_size(dim.0, dim.1);
    let mut xs = [0.0; 4];
    for (i, x) in xs.iter_mut().enumerate() {
        *x = PAD + i as f64 * (tile.0 + GAP);
    }
    RowLayout {
        xs,
        top: top + COLUMN_TITLE_BAND,
        tile,
    }
}

fn row_layout(panel: &CamPanel<'_>, top: f64) -> RowLayout {
    tile_row_layout(panel.image.dim(), top)
}

/// An RGB8 raster: (width, height, bytes row-major).
pub(crate) type Raster = (usize, usize, Vec<u8>);

/// Draws four titled tiles and, right of them, a vertical colour bar of `bar` (RGB8 entries
/// from the top down) labelled `labels` (top, bottom); returns the tiles' bottom.
pub(crate) fn draw_tile_row(
    s: &mut Scene,
    l: &RowLayout,
    titles: [String; 4],
    rasters: [Raster; 4],
    bar: Vec<u8>,
    labels: (&str, &str),
) -> f64 {
    for (i, ((w, h, rgb), title)) in rasters.into_iter().zip(titles).enumerate() {
        let x = l.xs[i];
        let t = frame::fit_text(&title, TILE_TITLE_SIZE, false, l.tile.0 + GAP - 2.0);
        s.text(
            (x + l.tile.0 / 2.0, l.top - 6.0),
            t,
            TILE_TITLE_SIZE,
            INK,
            HAlign::Center,
            VAlign::Bottom,
        );
        s.image(
            x,
            l.top,
            x + l.tile.0,
            l.top + l.tile.1,
            w as u32,
            h as u32,
            rgb,
        );
    }
    let cx = l.xs[3] + l.tile.0 + GAP + 4.0;
    let steps = (bar.len() / 3) as u32;
    s.image(cx, l.top, cx + COLORBAR_W, l.top + l.tile.1, 1, steps, bar);
    for (y, label, v) in [
        (l.top, labels.0, VAlign::Top),
        (l.top + l.tile.1, labels.1, VAlign::Bottom),
    ] {
        s.text(
            (cx + COLORBAR_W + 4.0, y),
            label,
            frame::TICK_SIZE,
            INK,
            HAlign::Left,
            v,
        );
    }
    l.top + l.tile.1
}

/// Draws one row (column titles, four tiles, a colour bar); returns its bottom.
fn draw_row(s: &mut Scene, panel: &CamPanel<'_>, top: f64) -> Result<f64, PlotError> {
    let l = row_layout(panel, top);
    let (hh, ww) = panel.image.dim();
    let (rh, rw) = panel.raw_map.dim();
    let raw = normalize01(panel.raw_map)?;
    let up = normalize01(panel.map)?;
    let zero = |m: &ArrayView2<'_, f64>| {
        if m.iter().all(|&v| v == m[[0, 0]]) {
            " — constant"
        } else {
            ""
        }
    };
    let titles = [
        format!("Original ({ww}×{hh})"),
        format!("Raw map ({rw}×{rh}){}", zero(&panel.raw_map)),
        format!("Upsampled map ({ww}×{hh})"),
        format!("Overlay (α = {})", panel.alpha),
    ];
    let rasters = [
        (ww, hh, gray_rgb(panel.image)),
        (rw, rh, jet_rgb(raw.view())),
        (ww, hh, jet_rgb(up.view())),
        (ww, hh, overlay_rgb(panel.image, up.view(), panel.alpha)?),
    ];
    // Colour bar: 256 jet steps, high at the top.
    let bar: Vec<u8> = (0..256)
        .rev()
        .flat_map(|i| colormap::jet(i as f64 / 255.0))
        .collect();
    Ok(draw_tile_row(s, &l, titles, rasters, bar, ("1", "0")))
}

/// Width of a row of four tiles for an image of `dim` (height, width), colour bar included.
pub(crate) fn tile_row_width(dim: (usize, usize)) -> f64 {
    let tile = tile_size(dim.0, dim.1);
    PAD + 4.0 * tile.0 + 4.0 * GAP + 4.0 + COLORBAR_BAND
}

fn row_width(panel: &CamPanel<'_>) -> f64 {
    tile_row_width(panel.image.dim())
}

/// The CAM panel of one image: original, raw low-resolution map (nearest-neighbour enlarged,
/// its size in the tile title), upsampled map and overlay, with a jet colour bar, under the
/// heading [`CamPanel::heading`].
pub fn cam_panel(panel: &CamPanel<'_>) -> Result<Figure, PlotError> {
    panel.validate()?;
    let heading = panel.heading();
    let width = row_width(panel).max(420.0);
    let mut s = Scene::default();
    let bottom = draw_row(&mut s, panel, TITLE_BAND)?;
    frame::title(&mut s, &heading, 0.0, width, width);
    Ok(Figure::new(heading, width, bottom + PAD, s))
}

/// Several CAM panels stacked, one row per image (all images must have one size), under
/// `title`; each row has its own heading line.
pub fn cam_grid(panels: &[CamPanel<'_>], title: &str) -> Result<Figure, PlotError> {
    for p in panels {
        p.validate()?;
    }
    let Some(first) = panels.first() else {
        return Err(PlotError::input("CAM grid", "no images to show"));
    };
    stack_rows(
        "CAM grid",
        panels,
        title,
        row_width(first).max(420.0),
        |p| (p.name.clone(), p.image.dim(), p.heading()),
        draw_row,
    )
}

/// Stacks one row per item under `title`, each row under its own heading line: the shared
/// layout of the CAM and LIME grids. `describe` gives an item's name, image size (height,
/// width) and heading; all sizes must agree (`what` names the grid in errors). `draw` draws an
/// item's tiles from a top coordinate and returns their bottom.
pub(crate) fn stack_rows<T>(
    what: &'static str,
    items: &[T],
    title: &str,
    width: f64,
    describe: impl Fn(&T) -> (String, (usize, usize), String),
    mut draw: impl FnMut(&mut Scene, &T, f64) -> Result<f64, PlotError>,
) -> Result<Figure, PlotError> {
    let Some(first) = items.first() else {
        return Err(PlotError::input(what, "no images to show"));
    };
    let (first_name, first_dim, _) = describe(first);
    let mut s = Scene::default();
    let mut y = TITLE_BAND;
    for item in items {
        let (name, dim, heading) = describe(item);
        if dim != first_dim {
            return Err(PlotError::input(
                what,
                format!(
                    "'{name}' is {dim:?} but '{first_name}' is {first_dim:?} (height, width); \
                     a grid needs one size"
                ),
            ));
        }
        let heading = frame::fit_text(&heading, HEADING_SIZE, true, width - 2.0 * PAD);
        s.text_full(
            (PAD, y + 4.0),
            heading,
            HEADING_SIZE,
            INK,
            true,
            HAlign::Left,
            VAlign::Top,
            false,
        );
        y = draw(&mut s, item, y + ROW_HEADING_BAND)? + 16.0;
    }
    frame::title(&mut s, title, 0.0, width, width);
    Ok(Figure::new(title, width, y - 16.0 + PAD, s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use glassbox_core::ndarray::array;

    #[test]
    fn normalisation_and_constant_maps() {
        let m = normalize01(array![[1.0, 3.0], [2.0, 5.0]].view()).unwrap();
        assert_eq!(m, array![[0.0, 0.5], [0.25, 1.0]]);
        assert_eq!(
            normalize01(array![[0.0, 0.0]].view()).unwrap(),
            array![[0.0, 0.0]]
        );
        assert!(normalize01(array![[0.0, f64::NAN]].view()).is_err());
    }

    #[test]
    fn overlay_blends_jet_over_gray() {
        // Pixel 0: gray 1.0 with map 0 (jet (0, 0, 128)) at alpha 0.5:
        // (0.5·255 + 0.5·0, same, 0.5·255 + 0.5·128) = (127.5, 127.5, 191.5) -> (128, 128, 192).
        // Pixel 1: gray 0 with map 1 (jet (128, 0, 0)): (64, 0, 0).
        let img = array![[1.0f32, 0.0]];
        let map = array![[0.0, 1.0]];
        let rgb = overlay_rgb(img.view(), map.view(), 0.5).unwrap();
        assert_eq!(rgb, [128, 128, 192, 64, 0, 0]);
        // alpha 0 is the image, alpha 1 the heat map.
        assert_eq!(
            overlay_rgb(img.view(), map.view(), 0.0).unwrap(),
            [255, 255, 255, 0, 0, 0]
        );
        assert_eq!(
            overlay_rgb(img.view(), map.view(), 1.0).unwrap(),
            [0, 0, 128, 128, 0, 0]
        );
        assert!(overlay_rgb(img.view(), map.view(), 1.5).is_err());
        assert!(overlay_rgb(img.view(), array![[0.0]].view(), 0.5).is_err());
    }

    #[test]
    fn tiles_enlarge_small_images_by_whole_factors() {
        assert_eq!(tile_size(24, 24), (192.0, 192.0));
        assert_eq!(tile_size(200, 200), (200.0, 200.0));
        assert_eq!(tile_size(400, 200), (100.0, 200.0));
        assert_eq!(tile_size(3, 5), (200.0, 120.0));
    }

    /// The panel PNG shows each raster at its tile: sample the middle of every source pixel.
    #[test]
    fn panel_pixels_are_the_rasters() {
        // 4 × 4 image (tiles 200 × 200, 50 px per source pixel), 2 × 2 raw map.
        let img = array![
            [0.0f32, 0.2, 0.4, 0.6],
            [0.1, 0.3, 0.5, 0.7],
            [0.8, 0.9, 1.0, 0.0],
            [0.25, 0.5, 0.75, 1.0]
        ];
        let raw = array![[0.0, 2.0], [4.0, 8.0]];
        let up = glassbox_core::ndarray::Array2::from_shape_fn((4, 4), |(y, x)| (y * 4 + x) as f64);
        let panel = CamPanel {
            image: img.view(),
            raw_map: raw.view(),
            map: up.view(),
            name: "a.png".into(),
            true_class: Some("cats".into()),
            predicted: "dogs".into(),
            score: 0.75,
            explained: "dogs".into(),
            alpha: 0.5,
        };
        let fig = cam_panel(&panel).unwrap();
        assert_eq!(
            panel.heading(),
            "a.png · true: cats · predicted: dogs (0.750)"
        );
        let (w, _h, rgb) = fig.to_rgb().unwrap();
        let px = |x: f64, y: f64| {
            let i = (y as usize * w as usize + x as usize) * 3;
            [rgb[i], rgb[i + 1], rgb[i + 2]]
        };
        let l = row_layout(&panel, TITLE_BAND);
        let upn = normalize01(up.view()).unwrap();
        let over = overlay_rgb(img.view(), upn.view(), 0.5).unwrap();
        for y in 0..4 {
            for x in 0..4 {
                let (cx, cy) = (x as f64 * 50.0 + 25.0, l.top + y as f64 * 50.0 + 25.0);
                let g = to_u8(img[[y, x]] as f64);
                assert_eq!(px(l.xs[0] + cx, cy), [g, g, g], "original ({x}, {y})");
                let r = raw[[y / 2, x / 2]] / 8.0;
                assert_eq!(px(l.xs[1] + cx, cy), colormap::jet(r), "raw ({x}, {y})");
                assert_eq!(
                    px(l.xs[2] + cx, cy),
                    colormap::jet(upn[[y, x]]),
                    "upsampled ({x}, {y})"
                );
                let k = (y * 4 + x) * 3;
                assert_eq!(px(l.xs[3] + cx, cy), [over[k], over[k + 1], over[k + 2]]);
            }
        }
        // The SVG embeds the four tiles and the colour bar as PNG images, and no marker is left.
        let svg = fig.svg_string().unwrap();
        assert_eq!(svg.matches("<image ").count(), 5);
        assert!(!svg.contains("glassbox-raster"));
        assert!(svg.contains("Raw map (2×2)"));
    }
}
