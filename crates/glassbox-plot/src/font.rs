//! The embedded DejaVu Sans fonts: text measurement and rasterisation for PNG output.
//!
//! PNG text is rasterised here with `ab_glyph` directly rather than through plotters' text path,
//! which drops each glyph's left side bearing and truncates pen positions to whole pixels (uneven
//! letter spacing). The same fonts are also registered with plotters (`register_font`) under
//! [`FAMILY`], so any plotters text rendering finds them on a machine without system fonts.
//! SVG output names the family and lets the viewer render it.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, GlyphId, PxScale, ScaleFont, point};

static REGULAR_TTF: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");
static BOLD_TTF: &[u8] = include_bytes!("../assets/DejaVuSans-Bold.ttf");

/// The font family written into SVG files (a CSS list, so viewers without DejaVu Sans fall back
/// to a similar sans-serif font) and the name the fonts are registered under in plotters.
pub(crate) const FAMILY: &str = "DejaVu Sans, Verdana, Arial, sans-serif";

/// DejaVu Sans x-height in em (OS/2 `sxHeight` 1120 / 2048 units): where SVG's `0.5ex` puts the
/// baseline of vertically centred text, mirrored in PNG output.
const X_HEIGHT_EM: f64 = 1120.0 / 2048.0;

struct Fonts {
    regular: FontRef<'static>,
    bold: FontRef<'static>,
}

fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| {
        // The bytes are compiled in and tested; a failure here is a build defect, not input.
        let regular = FontRef::try_from_slice(REGULAR_TTF).expect("embedded DejaVuSans.ttf parses");
        let bold = FontRef::try_from_slice(BOLD_TTF).expect("embedded DejaVuSans-Bold.ttf parses");
        use plotters::style::{FontStyle, register_font};
        // register_font only fails on unparsable bytes, which the two lines above rule out.
        let _ = register_font(FAMILY, FontStyle::Normal, REGULAR_TTF);
        let _ = register_font(FAMILY, FontStyle::Bold, BOLD_TTF);
        Fonts { regular, bold }
    })
}

fn font(bold: bool) -> &'static FontRef<'static> {
    let f = fonts();
    if bold { &f.bold } else { &f.regular }
}

/// `ab_glyph` scales by the font's line height; glassbox sizes text by its em (as CSS does).
fn px_scale(f: &FontRef<'static>, size: f64) -> PxScale {
    let upem = f.units_per_em().unwrap_or(2048.0) as f64;
    PxScale::from((size * f.height_unscaled() as f64 / upem) as f32)
}

/// Advance width of `text` in pixels at em size `size` (kerning included).
pub(crate) fn text_width(text: &str, size: f64, bold: bool) -> f64 {
    let f = font(bold);
    let upem = f.units_per_em().unwrap_or(2048.0) as f64;
    let mut units = 0.0f64;
    let mut prev: Option<GlyphId> = None;
    for c in text.chars() {
        let id = f.glyph_id(c);
        if let Some(p) = prev {
            units += f.kern_unscaled(p, id) as f64;
        }
        units += f.h_advance_unscaled(id) as f64;
        prev = Some(id);
    }
    units * size / upem
}

/// Horizontal anchor of a text primitive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HAlign {
    Left,
    Center,
    Right,
}

/// Vertical anchor of a text primitive (same meaning as plotters' SVG `dy` offsets).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum VAlign {
    Top,
    Center,
    Bottom,
}

/// Baseline offset below the anchor point, in em (matches plotters' SVG `dy`).
pub(crate) fn baseline_offset_em(v: VAlign) -> f64 {
    match v {
        VAlign::Top => 0.76,
        VAlign::Center => 0.5 * X_HEIGHT_EM,
        VAlign::Bottom => -0.5 * X_HEIGHT_EM,
    }
}

/// Rasterises `text` with its anchor at the local origin, calling `put(u, v, coverage)` for
/// every covered pixel in the text's own (unrotated) frame: u to the right, v downwards.
pub(crate) fn rasterize(
    text: &str,
    size: f64,
    bold: bool,
    h: HAlign,
    v: VAlign,
    mut put: impl FnMut(i32, i32, f32),
) {
    let f = font(bold);
    let scale = px_scale(f, size);
    let sf = f.as_scaled(scale);
    let width = text_width(text, size, bold);
    let mut pen = match h {
        HAlign::Left => 0.0,
        HAlign::Center => -width / 2.0,
        HAlign::Right => -width,
    } as f32;
    let baseline = (baseline_offset_em(v) * size) as f32;
    let mut prev: Option<GlyphId> = None;
    for c in text.chars() {
        let id = f.glyph_id(c);
        if let Some(p) = prev {
            pen += sf.kern(p, id);
        }
        let glyph = id.with_scale_and_position(scale, point(pen, baseline));
        if let Some(outline) = f.outline_glyph(glyph) {
            let b = outline.px_bounds();
            let (bx, by) = (b.min.x as i32, b.min.y as i32);
            outline.draw(|x, y, cov| put(bx + x as i32, by + y as i32, cov));
        }
        pen += sf.h_advance(id);
        prev = Some(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_scale_linearly_and_grow_with_text() {
        let a = text_width("Fill time derived (sec)", 13.0, false);
        let b = text_width("Fill time derived (sec)", 26.0, false);
        assert!((b - 2.0 * a).abs() < 1e-9);
        assert!(a > 100.0 && a < 200.0, "{a}");
        assert!(text_width("Weight", 13.0, true) > text_width("Weight", 13.0, false));
        assert_eq!(text_width("", 13.0, false), 0.0);
    }

    #[test]
    fn unicode_glyphs_exist_in_the_embedded_font() {
        let f = font(false);
        for c in ['²', '−', '…', '⁻', 'ä', 'µ', '±'] {
            assert_ne!(f.glyph_id(c).0, 0, "glyph for {c:?} missing");
        }
    }

    #[test]
    fn rasterised_text_covers_its_measured_box() {
        let mut max_u = i32::MIN;
        let mut min_u = i32::MAX;
        let mut n = 0;
        rasterize(
            "R² = 0.99",
            20.0,
            false,
            HAlign::Left,
            VAlign::Center,
            |u, _, c| {
                if c > 0.5 {
                    max_u = max_u.max(u);
                    min_u = min_u.min(u);
                    n += 1;
                }
            },
        );
        let w = text_width("R² = 0.99", 20.0, false);
        assert!(n > 100);
        assert!((0..=3).contains(&min_u), "{min_u}");
        assert!(
            (max_u as f64) <= w && (max_u as f64) > w - 6.0,
            "{max_u} vs {w}"
        );
    }
}
