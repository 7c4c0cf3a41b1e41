//! Raster images inside figures (the `Image` primitive): nearest-neighbour scaling for the
//! bitmap backend, and base64 PNG `<image>` elements for SVG.
//!
//! plotters' SVG backend can only embed bitmaps through a second copy of the `image` crate, so
//! the SVG pass draws a unique marker text where each image goes and [`embed_images`] swaps the
//! marker's `<text>` element for the `<image>`. That keeps the drawing order (later primitives on
//! top) identical in PNG and SVG.

use crate::scene::{Prim, Scene};

/// The marker text drawn for the `i`-th image of a scene in the SVG pass.
pub(crate) fn marker(i: usize) -> String {
    format!("glassbox-raster-{i}")
}

/// Scales an RGB8 raster `sw × sh` to `dw × dh` by nearest neighbour: destination pixel `x`
/// samples source column `floor((x + 0.5) · sw / dw)`, so an integer enlargement repeats each
/// source pixel exactly `dw / sw` times.
pub(crate) fn scale_nearest(src: &[u8], sw: u32, sh: u32, dw: u32, dh: u32) -> Vec<u8> {
    let (sw, sh, dw, dh) = (sw as usize, sh as usize, dw as usize, dh as usize);
    let mut out = vec![0u8; dw * dh * 3];
    if sw == 0 || sh == 0 {
        return out;
    }
    let cols: Vec<usize> = (0..dw)
        .map(|x| (((2 * x + 1) * sw) / (2 * dw)).min(sw - 1))
        .collect();
    for y in 0..dh {
        let sy = (((2 * y + 1) * sh) / (2 * dh)).min(sh - 1);
        let row = &src[sy * sw * 3..(sy + 1) * sw * 3];
        let dst = &mut out[y * dw * 3..(y + 1) * dw * 3];
        for (x, &sx) in cols.iter().enumerate() {
            dst[x * 3..x * 3 + 3].copy_from_slice(&row[sx * 3..sx * 3 + 3]);
        }
    }
    out
}

/// Standard base64 (RFC 4648, with padding).
pub(crate) fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Replaces the marker text of every image in `scene` (in order) with an `<image>` element
/// holding the image as a base64 PNG; `k` is SVG units per logical pixel.
pub(crate) fn embed_images(svg: &str, scene: &Scene, k: f64) -> Result<String, String> {
    let mut out = svg.to_string();
    let mut i = 0;
    for prim in &scene.prims {
        let Prim::Image {
            x0,
            y0,
            x1,
            y1,
            width,
            height,
            rgb,
        } = prim
        else {
            continue;
        };
        let key = format!(">\n{}\n</text>\n", marker(i));
        let at = out
            .find(&key)
            .ok_or_else(|| format!("image {i}: marker missing from the SVG"))?;
        let start = out[..at]
            .rfind("<text")
            .ok_or_else(|| format!("image {i}: marker element not found"))?;
        let png = crate::render::encode_png(*width, *height, rgb)?;
        let r = |v: f64| (v * k).round() as i64;
        let element = format!(
            "<image x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" preserveAspectRatio=\"none\" \
             image-rendering=\"optimizeSpeed\" style=\"image-rendering:pixelated\" \
             href=\"data:image/png;base64,{}\"/>\n",
            r(*x0),
            r(*y0),
            r(*x1) - r(*x0),
            r(*y1) - r(*y0),
            base64(&png)
        );
        out.replace_range(start..at + key.len(), &element);
        i += 1;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (raw, enc) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(raw.as_bytes()), enc);
        }
    }

    #[test]
    fn nearest_enlargement_repeats_pixels() {
        // 2 × 1 source: red, blue; enlarged 3× to 6 × 3.
        let src = [255, 0, 0, 0, 0, 255];
        let out = scale_nearest(&src, 2, 1, 6, 3);
        for y in 0..3 {
            for x in 0..6 {
                let p = &out[(y * 6 + x) * 3..(y * 6 + x) * 3 + 3];
                assert_eq!(p, if x < 3 { &src[..3] } else { &src[3..] }, "({x}, {y})");
            }
        }
        // Shrinking samples pixel centres: 4 → 2 keeps source columns 1 and 3.
        let src: Vec<u8> = (0..4).flat_map(|v| [v, v, v]).collect();
        assert_eq!(scale_nearest(&src, 4, 1, 2, 1), [1, 1, 1, 3, 3, 3]);
    }
}
