//! Drawing primitives in logical pixels: what a [`crate::Figure`] is made of.

use crate::font::{HAlign, VAlign};

/// An sRGB colour with opacity in `[0, 1]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Rgba {
    pub r: u8,
    pub g: u8,
    pub b: u8,
    pub a: f64,
}

impl Rgba {
    pub const fn hex(v: u32) -> Rgba {
        Rgba {
            r: (v >> 16) as u8,
            g: (v >> 8) as u8,
            b: v as u8,
            a: 1.0,
        }
    }
    pub const fn rgb(c: [u8; 3]) -> Rgba {
        Rgba {
            r: c[0],
            g: c[1],
            b: c[2],
            a: 1.0,
        }
    }
    pub const fn alpha(self, a: f64) -> Rgba {
        Rgba { a, ..self }
    }
}

/// shap's positive (red) and negative (blue) colours.
pub(crate) const RED: Rgba = Rgba::hex(0xff0051);
pub(crate) const BLUE: Rgba = Rgba::hex(0x008bfb);
pub(crate) const WHITE: Rgba = Rgba::hex(0xffffff);
/// Text and axis colours.
pub(crate) const INK: Rgba = Rgba::hex(0x333333);
pub(crate) const GREY: Rgba = Rgba::hex(0x888888);
pub(crate) const LIGHT: Rgba = Rgba::hex(0xcccccc);
/// Points whose colour value is missing (NaN feature values), as in shap.
pub(crate) const MISSING: Rgba = Rgba::hex(0x777777);

/// One drawing primitive. Coordinates are logical pixels, origin top-left, y downwards.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Prim {
    /// A straight line; `dash` is (on, off) lengths.
    Line {
        from: (f64, f64),
        to: (f64, f64),
        color: Rgba,
        width: f64,
        dash: Option<(f64, f64)>,
    },
    /// An open polyline.
    Path {
        points: Vec<(f64, f64)>,
        color: Rgba,
        width: f64,
    },
    /// A filled axis-aligned rectangle.
    Rect {
        x0: f64,
        y0: f64,
        x1: f64,
        y1: f64,
        fill: Rgba,
    },
    /// A filled circle with an optional outline.
    Circle {
        center: (f64, f64),
        radius: f64,
        fill: Rgba,
        stroke: Option<(Rgba, f64)>,
    },
    /// A filled polygon.
    Polygon { points: Vec<(f64, f64)>, fill: Rgba },
    /// An RGB8 raster (`rgb` row-major, `width × height` pixels) stretched over the rectangle
    /// `[x0, x1] × [y0, y1]` with nearest-neighbour sampling (see `raster.rs`).
    Image {
        x0: f64,
        y0: f64,
        x1: f64,
        y1: f64,
        width: u32,
        height: u32,
        rgb: std::sync::Arc<[u8]>,
    },
    /// A single line of text anchored at `pos`; `vertical` rotates it to read bottom-to-top.
    Text {
        pos: (f64, f64),
        text: String,
        size: f64,
        color: Rgba,
        bold: bool,
        h: HAlign,
        v: VAlign,
        vertical: bool,
    },
}

/// A list of primitives drawn in order (later ones on top).
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Scene {
    pub prims: Vec<Prim>,
}

impl Scene {
    pub fn line(&mut self, from: (f64, f64), to: (f64, f64), color: Rgba, width: f64) {
        self.prims.push(Prim::Line {
            from,
            to,
            color,
            width,
            dash: None,
        });
    }
    pub fn dashed(
        &mut self,
        from: (f64, f64),
        to: (f64, f64),
        color: Rgba,
        width: f64,
        dash: (f64, f64),
    ) {
        self.prims.push(Prim::Line {
            from,
            to,
            color,
            width,
            dash: Some(dash),
        });
    }
    pub fn path(&mut self, points: Vec<(f64, f64)>, color: Rgba, width: f64) {
        self.prims.push(Prim::Path {
            points,
            color,
            width,
        });
    }
    pub fn rect(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, fill: Rgba) {
        self.prims.push(Prim::Rect {
            x0: x0.min(x1),
            y0: y0.min(y1),
            x1: x0.max(x1),
            y1: y0.max(y1),
            fill,
        });
    }
    /// Outline of a rectangle, drawn as four lines.
    pub fn rect_outline(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, color: Rgba, width: f64) {
        self.path(
            vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)],
            color,
            width,
        );
    }
    pub fn circle(
        &mut self,
        center: (f64, f64),
        radius: f64,
        fill: Rgba,
        stroke: Option<(Rgba, f64)>,
    ) {
        self.prims.push(Prim::Circle {
            center,
            radius,
            fill,
            stroke,
        });
    }
    pub fn polygon(&mut self, points: Vec<(f64, f64)>, fill: Rgba) {
        self.prims.push(Prim::Polygon { points, fill });
    }
    #[allow(clippy::too_many_arguments)]
    pub fn text_full(
        &mut self,
        pos: (f64, f64),
        text: impl Into<String>,
        size: f64,
        color: Rgba,
        bold: bool,
        h: HAlign,
        v: VAlign,
        vertical: bool,
    ) {
        self.prims.push(Prim::Text {
            pos,
            text: text.into(),
            size,
            color,
            bold,
            h,
            v,
            vertical,
        });
    }
    /// An RGB8 raster of `width × height` pixels drawn over `[x0, x1] × [y0, y1]`.
    #[allow(clippy::too_many_arguments)]
    pub fn image(
        &mut self,
        x0: f64,
        y0: f64,
        x1: f64,
        y1: f64,
        width: u32,
        height: u32,
        rgb: Vec<u8>,
    ) {
        debug_assert_eq!(rgb.len(), width as usize * height as usize * 3);
        self.prims.push(Prim::Image {
            x0,
            y0,
            x1,
            y1,
            width,
            height,
            rgb: rgb.into(),
        });
    }
    /// Horizontal regular text.
    pub fn text(
        &mut self,
        pos: (f64, f64),
        text: impl Into<String>,
        size: f64,
        color: Rgba,
        h: HAlign,
        v: VAlign,
    ) {
        self.text_full(pos, text, size, color, false, h, v, false);
    }
}
