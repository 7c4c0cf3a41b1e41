//! Rendering a [`Scene`] to an RGB buffer (then PNG) and to SVG, both through plotters backends.
//!
//! Both backends take integer coordinates, so the scene is drawn at a multiple of its logical
//! size: the bitmap at `SUPERSAMPLE ×` the output resolution and then box-filtered down (plotters'
//! bitmap rasteriser does not anti-alias polygons and lines; averaging gives smooth edges), and
//! the SVG at `SVG_UNITS` units per logical pixel with a `viewBox`, so sub-pixel positions survive.

use plotters::backend::{BitMapBackend, DrawingBackend, SVGBackend};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color, FontTransform, IntoFont, RGBAColor, ShapeStyle, TextStyle};

use crate::font::{self, HAlign, VAlign};
use crate::raster;
use crate::scene::{Prim, Rgba, Scene};

/// Bitmap samples per output pixel along each axis.
const SUPERSAMPLE: u32 = 3;
/// SVG user units per logical pixel.
const SVG_UNITS: f64 = 4.0;

fn color(c: Rgba) -> RGBAColor {
    RGBAColor(c.r, c.g, c.b, c.a)
}

fn stroke(c: Rgba, width: f64, k: f64) -> ShapeStyle {
    ShapeStyle {
        color: color(c),
        filled: false,
        stroke_width: ((width * k).round() as u32).max(1),
    }
}

fn fill(c: Rgba) -> ShapeStyle {
    ShapeStyle {
        color: color(c),
        filled: true,
        stroke_width: 1,
    }
}

fn pt(p: (f64, f64), k: f64) -> (i32, i32) {
    ((p.0 * k).round() as i32, (p.1 * k).round() as i32)
}

/// Splits a line into dash segments (so both backends draw dashes the same way).
fn dash_segments(
    from: (f64, f64),
    to: (f64, f64),
    (on, off): (f64, f64),
) -> Vec<((f64, f64), (f64, f64))> {
    let (dx, dy) = (to.0 - from.0, to.1 - from.1);
    let len = (dx * dx + dy * dy).sqrt();
    let period = on + off;
    if len <= 0.0 || on <= 0.0 || period <= 0.0 {
        return vec![(from, to)];
    }
    let (ux, uy) = (dx / len, dy / len);
    let mut out = Vec::new();
    let mut s = 0.0;
    while s < len {
        let e = (s + on).min(len);
        out.push((
            (from.0 + ux * s, from.1 + uy * s),
            (from.0 + ux * e, from.1 + uy * e),
        ));
        s += period;
    }
    out
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum TextMode {
    /// Rasterise glyphs from the embedded font (bitmap).
    Raster,
    /// Emit text elements (SVG).
    Native,
}

fn draw<B: DrawingBackend>(b: &mut B, scene: &Scene, k: f64, mode: TextMode) -> Result<(), String> {
    let mut n_images = 0;
    for prim in &scene.prims {
        match prim {
            Prim::Image {
                x0,
                y0,
                x1,
                y1,
                width,
                height,
                rgb,
            } => {
                // Bitmaps are blitted; SVG gets a marker replaced by an <image> afterwards.
                let (p0, p1) = (pt((*x0, *y0), k), pt((*x1, *y1), k));
                match mode {
                    TextMode::Raster => {
                        let (dw, dh) = ((p1.0 - p0.0).max(0) as u32, (p1.1 - p0.1).max(0) as u32);
                        let buf = raster::scale_nearest(rgb, *width, *height, dw, dh);
                        b.blit_bitmap(p0, (dw, dh), &buf).map_err(msg)?;
                    }
                    TextMode::Native => {
                        let style = TextStyle::from((font::FAMILY, 10.0).into_font());
                        b.draw_text(&raster::marker(n_images), &style, p0)
                            .map_err(msg)?;
                    }
                }
                n_images += 1;
            }
            Prim::Line {
                from,
                to,
                color: c,
                width,
                dash,
            } => {
                let style = stroke(*c, *width, k);
                let segs = match dash {
                    Some(d) => dash_segments(*from, *to, *d),
                    None => vec![(*from, *to)],
                };
                for (a, z) in segs {
                    b.draw_line(pt(a, k), pt(z, k), &style).map_err(msg)?;
                }
            }
            Prim::Path {
                points,
                color: c,
                width,
            } => {
                let style = stroke(*c, *width, k);
                b.draw_path(points.iter().map(|&p| pt(p, k)), &style)
                    .map_err(msg)?;
            }
            Prim::Rect {
                x0,
                y0,
                x1,
                y1,
                fill: c,
            } => {
                b.draw_rect(pt((*x0, *y0), k), pt((*x1, *y1), k), &fill(*c), true)
                    .map_err(msg)?;
            }
            Prim::Circle {
                center,
                radius,
                fill: c,
                stroke: s,
            } => {
                let r = ((radius * k).round() as u32).max(1);
                b.draw_circle(pt(*center, k), r, &fill(*c), true)
                    .map_err(msg)?;
                if let Some((sc, sw)) = s {
                    b.draw_circle(pt(*center, k), r, &stroke(*sc, *sw, k), false)
                        .map_err(msg)?;
                }
            }
            Prim::Polygon { points, fill: c } => {
                b.fill_polygon(points.iter().map(|&p| pt(p, k)), &fill(*c))
                    .map_err(msg)?;
            }
            Prim::Text {
                pos,
                text,
                size,
                color: c,
                bold,
                h,
                v,
                vertical,
            } => match mode {
                TextMode::Native => {
                    // plotters writes font-size = size / 1.24 (its ab_glyph em convention).
                    let style_font = if *bold {
                        (font::FAMILY, size * k * 1.24)
                            .into_font()
                            .style(plotters::style::FontStyle::Bold)
                    } else {
                        (font::FAMILY, size * k * 1.24).into_font()
                    };
                    let hp = match h {
                        HAlign::Left => HPos::Left,
                        HAlign::Center => HPos::Center,
                        HAlign::Right => HPos::Right,
                    };
                    let vp = match v {
                        VAlign::Top => VPos::Top,
                        VAlign::Center => VPos::Center,
                        VAlign::Bottom => VPos::Bottom,
                    };
                    let text_color = color(*c);
                    let mut style = TextStyle::from(style_font)
                        .color(&text_color)
                        .pos(Pos::new(hp, vp));
                    if *vertical {
                        style = style.transform(FontTransform::Rotate270);
                    }
                    b.draw_text(text, &style, pt(*pos, k)).map_err(msg)?;
                }
                TextMode::Raster => {
                    let (ax, ay) = pt(*pos, k);
                    let mut result = Ok(());
                    font::rasterize(text, size * k, *bold, *h, *v, |u, w, cov| {
                        if result.is_err() || cov <= 0.0 {
                            return;
                        }
                        let p = if *vertical {
                            (ax + w, ay - u)
                        } else {
                            (ax + u, ay + w)
                        };
                        let col = color(c.alpha(c.a * cov.min(1.0) as f64)).to_backend_color();
                        result = b.draw_pixel(p, col).map_err(msg);
                    });
                    result?;
                }
            },
        }
    }
    Ok(())
}

/// Backend errors become one-line messages (their type is not re-exported by plotters).
fn msg<T: std::fmt::Display>(err: T) -> String {
    err.to_string()
}

/// Renders the scene to an RGB8 buffer of `(width * scale) × (height * scale)` pixels.
pub(crate) fn to_rgb(
    scene: &Scene,
    width: u32,
    height: u32,
    scale: u32,
) -> Result<(u32, u32, Vec<u8>), String> {
    let (ow, oh) = (width * scale, height * scale);
    let ss = SUPERSAMPLE;
    let (bw, bh) = (ow * ss, oh * ss);
    let mut big = vec![255u8; (bw as usize) * (bh as usize) * 3];
    {
        let mut backend = BitMapBackend::with_buffer(&mut big, (bw, bh));
        draw(&mut backend, scene, (scale * ss) as f64, TextMode::Raster)?;
        backend.present().map_err(|err| err.to_string())?;
    }
    // Box filter: each output pixel is the mean of its ss × ss samples.
    let mut out = vec![0u8; (ow as usize) * (oh as usize) * 3];
    let n = ss * ss;
    let (ssz, bwz) = (ss as usize, bw as usize);
    for y in 0..oh as usize {
        for x in 0..ow as usize {
            let mut acc = [0u32; 3];
            for dy in 0..ssz {
                let row = (y * ssz + dy) * bwz;
                for dx in 0..ssz {
                    let i = (row + x * ssz + dx) * 3;
                    acc[0] += big[i] as u32;
                    acc[1] += big[i + 1] as u32;
                    acc[2] += big[i + 2] as u32;
                }
            }
            let o = (y * ow as usize + x) * 3;
            for c in 0..3 {
                out[o + c] = ((acc[c] + n / 2) / n) as u8;
            }
        }
    }
    Ok((ow, oh, out))
}

/// Encodes an RGB8 buffer as PNG.
pub(crate) fn encode_png(w: u32, h: u32, rgb: &[u8]) -> Result<Vec<u8>, String> {
    use image::ImageEncoder;
    let mut bytes = Vec::new();
    image::codecs::png::PngEncoder::new(&mut bytes)
        .write_image(rgb, w, h, image::ExtendedColorType::Rgb8)
        .map_err(|err| err.to_string())?;
    Ok(bytes)
}

/// Renders the scene as an SVG document of `width × height` logical pixels.
pub(crate) fn to_svg(scene: &Scene, width: u32, height: u32) -> Result<String, String> {
    let (uw, uh) = (
        (width as f64 * SVG_UNITS) as u32,
        (height as f64 * SVG_UNITS) as u32,
    );
    let mut svg = String::new();
    {
        let mut backend = SVGBackend::with_string(&mut svg, (uw, uh));
        draw(&mut backend, scene, SVG_UNITS, TextMode::Native)?;
        backend.present().map_err(|err| err.to_string())?;
    }
    // Keep the viewBox in drawing units but give the document its logical size.
    let from = format!("width=\"{uw}\" height=\"{uh}\"");
    if !svg.contains(&from) {
        return Err("unexpected SVG header from plotters".into());
    }
    let svg = svg.replacen(&from, &format!("width=\"{width}\" height=\"{height}\""), 1);
    raster::embed_images(&round_font_sizes(&svg), scene, SVG_UNITS)
}

/// plotters writes `font-size` as `size / 1.24`, which leaves float noise such as
/// `52.00000000000001`; round those to two decimals.
fn round_font_sizes(svg: &str) -> String {
    const KEY: &str = "font-size=\"";
    let mut out = String::with_capacity(svg.len());
    let mut rest = svg;
    while let Some(i) = rest.find(KEY) {
        let (head, tail) = rest.split_at(i + KEY.len());
        out.push_str(head);
        let end = tail.find('"').unwrap_or(tail.len());
        match tail[..end].parse::<f64>() {
            Ok(v) => {
                let r = format!("{:.2}", v);
                out.push_str(r.trim_end_matches('0').trim_end_matches('.'));
            }
            Err(_) => out.push_str(&tail[..end]),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn font_sizes_are_rounded() {
        let s = round_font_sizes(
            "<text font-size=\"52.00000000000001\" x=\"1\">a</text><text font-size=\"46.5\">",
        );
        assert_eq!(
            s,
            "<text font-size=\"52\" x=\"1\">a</text><text font-size=\"46.5\">"
        );
    }

    #[test]
    fn dashes_cover_the_line_with_gaps() {
        let segs = dash_segments((0.0, 0.0), (10.0, 0.0), (3.0, 2.0));
        assert_eq!(segs.len(), 2);
        assert_eq!(segs[0], ((0.0, 0.0), (3.0, 0.0)));
        assert_eq!(segs[1], ((5.0, 0.0), (8.0, 0.0)));
    }

    #[test]
    fn supersampled_rect_edges_are_anti_aliased() {
        let mut s = Scene::default();
        // Covers x in [0, 10.5): the pixel at x = 10 is half covered.
        s.rect(0.0, 0.0, 10.5, 4.0, Rgba::hex(0x000000));
        let (w, _, rgb) = to_rgb(&s, 20, 4, 1).unwrap();
        let px = |x: usize, y: usize| rgb[(y * w as usize + x) * 3];
        assert_eq!(px(5, 1), 0);
        assert_eq!(px(15, 1), 255);
        let edge = px(10, 1);
        assert!(edge > 40 && edge < 215, "edge pixel {edge}");
    }
}
