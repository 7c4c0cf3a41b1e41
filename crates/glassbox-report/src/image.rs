//! Images embedded in the page as `data:` URIs, checked before they are embedded.
//!
//! PNGs are checked for their signature and IHDR chunk (the pixel size also becomes the `<img>`'s
//! width/height, so the layout does not jump while the page decodes). Photographic figures can
//! be re-encoded as JPEG ([`Image::to_jpeg`]), which keeps image-heavy reports several times
//! smaller. SVGs are embedded through
//! `<img>` too, never inline: an image-context SVG cannot run scripts or fetch anything.

use std::path::Path;

use crate::error::ReportError;
use crate::escape::base64;

/// Image formats the report embeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageFormat {
    /// PNG (`image/png`).
    Png,
    /// SVG (`image/svg+xml`).
    Svg,
    /// JPEG (`image/jpeg`): only made by [`Image::to_jpeg`] from a checked PNG.
    Jpeg,
}

/// JPEG quality of [`Image::to_jpeg`]: high enough that the text in a figure stays crisp.
pub const PHOTO_JPEG_QUALITY: u8 = 88;

/// An image ready to be embedded: its bytes, format and (for PNG) pixel size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Image {
    bytes: Vec<u8>,
    format: ImageFormat,
    /// (width, height) in pixels; `None` for SVG.
    size: Option<(u32, u32)>,
}

const PNG_SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

impl Image {
    /// Checks and wraps PNG bytes; `name` (a file name or description) appears in errors.
    pub fn png(bytes: Vec<u8>, name: &str) -> Result<Image, ReportError> {
        let bad = |message: &str| ReportError::BadImage {
            source_name: name.to_string(),
            expected: "PNG".into(),
            message: message.into(),
        };
        if bytes.len() < 33 || &bytes[..8] != PNG_SIGNATURE {
            return Err(bad("no PNG signature"));
        }
        // The first chunk must be IHDR with a 13-byte payload: width, height (big-endian u32).
        if bytes[8..12] != [0, 0, 0, 13] || &bytes[12..16] != b"IHDR" {
            return Err(bad("first chunk is not IHDR"));
        }
        let be =
            |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
        let (w, h) = (be(16), be(20));
        if w == 0 || h == 0 {
            return Err(bad(&format!("zero-sized image {w}x{h}")));
        }
        if !bytes.windows(4).rev().take(64).any(|win| win == b"IEND") {
            return Err(bad("truncated (no IEND chunk at the end)"));
        }
        Ok(Image {
            bytes,
            format: ImageFormat::Png,
            size: Some((w, h)),
        })
    }

    /// Checks and wraps SVG text; `name` appears in errors.
    pub fn svg(text: String, name: &str) -> Result<Image, ReportError> {
        let head = text.trim_start();
        if !(head.starts_with("<svg") || head.starts_with("<?xml")) || !text.contains("<svg") {
            return Err(ReportError::BadImage {
                source_name: name.to_string(),
                expected: "SVG".into(),
                message: "does not start with <svg or <?xml".into(),
            });
        }
        Ok(Image {
            bytes: text.into_bytes(),
            format: ImageFormat::Svg,
            size: None,
        })
    }

    /// Reads a `.png` or `.svg` file (by extension) and checks it.
    pub fn from_file(path: &Path) -> Result<Image, ReportError> {
        let bytes = std::fs::read(path).map_err(|source| ReportError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let name = path.display().to_string();
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        match ext.as_deref() {
            Some("svg") => {
                let text = String::from_utf8(bytes).map_err(|_| ReportError::BadImage {
                    source_name: name.clone(),
                    expected: "SVG".into(),
                    message: "not UTF-8 text".into(),
                })?;
                Image::svg(text, &name)
            }
            _ => Image::png(bytes, &name),
        }
    }

    /// The image's format.
    pub fn format(&self) -> ImageFormat {
        self.format
    }

    /// (width, height) in pixels for PNG and JPEG; `None` for SVG.
    pub fn size(&self) -> Option<(u32, u32)> {
        self.size
    }

    /// The encoded bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// A PNG re-encoded as JPEG at `quality` (1-100) when that is smaller, else the PNG
    /// unchanged (and SVGs unchanged). For photographic figures (images, heat maps), where PNG
    /// is several times larger than a JPEG that looks the same; `name` appears in errors.
    pub fn to_jpeg(&self, quality: u8, name: &str) -> Result<Image, ReportError> {
        if self.format != ImageFormat::Png {
            return Ok(self.clone());
        }
        let bad = |message: String| ReportError::BadImage {
            source_name: name.to_string(),
            expected: "PNG".into(),
            message,
        };
        let decoded = image::load_from_memory_with_format(&self.bytes, image::ImageFormat::Png)
            .map_err(|e| bad(format!("cannot decode: {e}")))?
            .into_rgb8();
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality.clamp(1, 100))
            .encode_image(&decoded)
            .map_err(|e| bad(format!("cannot encode as JPEG: {e}")))?;
        if out.len() >= self.bytes.len() {
            return Ok(self.clone());
        }
        Ok(Image {
            bytes: out,
            format: ImageFormat::Jpeg,
            size: self.size,
        })
    }

    /// The `data:` URI with the image base64-encoded (contains only `[A-Za-z0-9+/=:;,]` and the
    /// MIME type, so it needs no HTML escaping).
    pub fn data_uri(&self) -> String {
        let mime = match self.format {
            ImageFormat::Png => "image/png",
            ImageFormat::Svg => "image/svg+xml",
            ImageFormat::Jpeg => "image/jpeg",
        };
        format!("data:{mime};base64,{}", base64(&self.bytes))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A valid 1x1 PNG (one opaque grey pixel), written out by hand: signature, IHDR, IDAT
    /// (zlib stream of the filter byte and one grey byte), IEND, each with its CRC.
    pub(crate) const TINY_PNG: &[u8] = &[
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44,
        0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x3A,
        0x7E, 0x9B, 0x55, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x68,
        0x00, 0x00, 0x00, 0x82, 0x00, 0x81, 0x77, 0xCD, 0x72, 0xB6, 0x00, 0x00, 0x00, 0x00, 0x49,
        0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
    ];

    #[test]
    fn reads_png_size_and_builds_data_uri() {
        let img = Image::png(TINY_PNG.to_vec(), "tiny.png").unwrap();
        assert_eq!(img.size(), Some((1, 1)));
        let uri = img.data_uri();
        assert!(
            uri.starts_with("data:image/png;base64,iVBORw0KGgo"),
            "{uri}"
        );
    }

    #[test]
    fn rejects_non_png_and_truncated_png() {
        let err = Image::png(b"GIF89a..........................".to_vec(), "x.png").unwrap_err();
        assert!(err.to_string().contains("x.png"), "{err}");
        assert!(err.to_string().contains("PNG signature"), "{err}");
        let truncated = TINY_PNG[..TINY_PNG.len() - 12].to_vec();
        let err = Image::png(truncated, "cut.png").unwrap_err();
        assert!(err.to_string().contains("truncated"), "{err}");
    }

    /// A noisy RGB image: PNG compresses it badly, JPEG well.
    fn noisy_png(w: u32, h: u32) -> Vec<u8> {
        let mut state = 1u32;
        let img = image::RgbImage::from_fn(w, h, |x, y| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let n = (state >> 24) as u8 / 4;
            image::Rgb([(x * 3) as u8 / 2 + n, (y * 2) as u8 + n, 128 + n])
        });
        let mut bytes = Vec::new();
        img.write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .unwrap();
        bytes
    }

    #[test]
    fn photographic_png_becomes_a_smaller_jpeg_of_the_same_size() {
        let png = Image::png(noisy_png(96, 64), "noisy.png").unwrap();
        let jpeg = png.to_jpeg(PHOTO_JPEG_QUALITY, "noisy.png").unwrap();
        assert_eq!(jpeg.format(), ImageFormat::Jpeg);
        assert_eq!(jpeg.size(), Some((96, 64)));
        assert!(jpeg.bytes().len() < png.bytes().len());
        assert!(jpeg.data_uri().starts_with("data:image/jpeg;base64,/9j/"));
        // It decodes to the same size and close colours.
        let back = image::load_from_memory(jpeg.bytes()).unwrap().into_rgb8();
        let orig = image::load_from_memory(png.bytes()).unwrap().into_rgb8();
        assert_eq!(back.dimensions(), (96, 64));
        let err: f64 = back
            .as_raw()
            .iter()
            .zip(orig.as_raw())
            .map(|(a, b)| (*a as f64 - *b as f64).abs())
            .sum::<f64>()
            / back.as_raw().len() as f64;
        assert!(err < 8.0, "mean error {err}");
        // Same input, same bytes.
        assert_eq!(png.to_jpeg(PHOTO_JPEG_QUALITY, "n").unwrap(), jpeg);
        // A tiny flat PNG is already smaller than any JPEG: kept.
        let tiny = Image::png(TINY_PNG.to_vec(), "tiny.png").unwrap();
        assert_eq!(tiny.to_jpeg(PHOTO_JPEG_QUALITY, "tiny.png").unwrap(), tiny);
    }

    #[test]
    fn svg_is_checked_and_embedded_as_data_uri() {
        let svg = Image::svg("<svg xmlns='http://www.w3.org/2000/svg'/>".into(), "a.svg").unwrap();
        assert!(svg.data_uri().starts_with("data:image/svg+xml;base64,"));
        assert!(Image::svg("<html></html>".into(), "b.svg").is_err());
    }
}
