//! Shared layout and decoration: plot areas, linear scales, axes, titles, row labels, colour bars.

use crate::axis;
use crate::colormap;
use crate::font::{self, HAlign, VAlign};
use crate::scene::{GREY, INK, LIGHT, Rgba, Scene};

/// Font sizes in logical pixels (em).
pub(crate) const TITLE_SIZE: f64 = 16.0;
pub(crate) const LABEL_SIZE: f64 = 13.0;
pub(crate) const TICK_SIZE: f64 = 11.5;
pub(crate) const ROW_LABEL_SIZE: f64 = 13.0;
pub(crate) const VALUE_SIZE: f64 = 11.5;

/// Height reserved above the plot area for the title.
pub(crate) const TITLE_BAND: f64 = 44.0;
/// Height reserved below the plot area for x ticks, tick labels and the axis label.
pub(crate) const X_AXIS_BAND: f64 = 62.0;
/// Outer padding on the left and right of the figure.
pub(crate) const PAD: f64 = 14.0;

/// The rectangle data are drawn in, in logical pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Area {
    pub left: f64,
    pub top: f64,
    pub right: f64,
    pub bottom: f64,
}

impl Area {
    pub fn width(&self) -> f64 {
        self.right - self.left
    }
    pub fn height(&self) -> f64 {
        self.bottom - self.top
    }
}

/// A linear map from data `[d0, d1]` to pixels `[p0, p1]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Scale {
    pub d0: f64,
    pub d1: f64,
    pub p0: f64,
    pub p1: f64,
    pub log: bool,
}

impl Scale {
    pub fn linear(d0: f64, d1: f64, p0: f64, p1: f64) -> Scale {
        Scale {
            d0,
            d1,
            p0,
            p1,
            log: false,
        }
    }
    pub fn log10(d0: f64, d1: f64, p0: f64, p1: f64) -> Scale {
        Scale {
            d0,
            d1,
            p0,
            p1,
            log: true,
        }
    }
    pub fn map(&self, v: f64) -> f64 {
        let (v, a, b) = if self.log {
            (v.log10(), self.d0.log10(), self.d1.log10())
        } else {
            (v, self.d0, self.d1)
        };
        if b == a {
            return (self.p0 + self.p1) / 2.0;
        }
        self.p0 + (v - a) / (b - a) * (self.p1 - self.p0)
    }
    /// Tick positions and labels for this scale (about `target` ticks).
    pub fn ticks(&self, target: usize) -> Vec<(f64, String)> {
        if self.log {
            return axis::log_ticks(self.d0, self.d1);
        }
        let t = axis::nice_ticks(self.d0, self.d1, target);
        let step = if t.len() > 1 {
            t[1] - t[0]
        } else {
            axis::nice_step((self.d1 - self.d0).abs().max(1e-300), target)
        };
        t.into_iter()
            .map(|v| (v, axis::format_tick(v, step)))
            .collect()
    }
}

/// Shortens `text` with a trailing ellipsis so it is at most `max_width` wide.
pub(crate) fn fit_text(text: &str, size: f64, bold: bool, max_width: f64) -> String {
    if font::text_width(text, size, bold) <= max_width {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    let mut n = chars.len();
    while n > 1 {
        n -= 1;
        let s: String = chars[..n].iter().collect::<String>() + "…";
        if font::text_width(&s, size, bold) <= max_width {
            return s;
        }
    }
    "…".into()
}

/// Widest of `labels` at `size`.
pub(crate) fn max_width(labels: &[String], size: f64) -> f64 {
    labels
        .iter()
        .map(|l| font::text_width(l, size, false))
        .fold(0.0, f64::max)
}

/// Title centred over `[x0, x1]`, shortened to fit the figure width `fig_w`.
pub(crate) fn title(s: &mut Scene, text: &str, x0: f64, x1: f64, fig_w: f64) {
    let t = fit_text(text, TITLE_SIZE, true, fig_w - 2.0 * PAD);
    let w = font::text_width(&t, TITLE_SIZE, true);
    // Centre over the plot area when it fits there, else over the figure.
    let mut cx = (x0 + x1) / 2.0;
    if cx - w / 2.0 < PAD || cx + w / 2.0 > fig_w - PAD {
        cx = fig_w / 2.0;
    }
    s.text_full(
        (cx, 14.0),
        t,
        TITLE_SIZE,
        INK,
        true,
        HAlign::Center,
        VAlign::Top,
        false,
    );
}

/// Bottom axis: spine, outward ticks with labels, and the axis label below. Tick labels that
/// would overlap their neighbour are thinned out (every second one, repeatedly).
pub(crate) fn x_axis(s: &mut Scene, area: Area, scale: Scale, target: usize, label: &str) {
    x_axis_ticks(s, area, scale, scale.ticks(target), label);
}

/// [`x_axis`] with the given ticks (value, label), e.g. category names at their codes; ticks
/// outside the area are left out and crowded ones thinned.
pub(crate) fn x_axis_ticks(
    s: &mut Scene,
    area: Area,
    scale: Scale,
    ticks: Vec<(f64, String)>,
    label: &str,
) {
    let y = area.bottom;
    s.line((area.left, y), (area.right, y), INK, 1.0);
    let ticks: Vec<(f64, String)> = ticks
        .into_iter()
        .filter(|(v, _)| {
            let x = scale.map(*v);
            x >= area.left - 0.5 && x <= area.right + 0.5
        })
        .collect();
    let mut keep = 1;
    loop {
        let shown: Vec<&(f64, String)> = ticks.iter().step_by(keep).collect();
        let ok = shown.windows(2).all(|w| {
            let (a, b) = (scale.map(w[0].0), scale.map(w[1].0));
            let wa = font::text_width(&w[0].1, TICK_SIZE, false);
            let wb = font::text_width(&w[1].1, TICK_SIZE, false);
            (b - a).abs() > (wa + wb) / 2.0 + 8.0
        });
        if ok || keep > ticks.len() {
            break;
        }
        keep += 1;
    }
    for (v, l) in ticks.iter().step_by(keep) {
        let x = scale.map(*v);
        s.line((x, y), (x, y + 5.0), INK, 1.0);
        s.text(
            (x, y + 8.0),
            l.clone(),
            TICK_SIZE,
            INK,
            HAlign::Center,
            VAlign::Top,
        );
    }
    if !label.is_empty() {
        let l = fit_text(label, LABEL_SIZE, false, area.width() + 100.0);
        let cx = (area.left + area.right) / 2.0;
        s.text(
            (cx, y + 30.0),
            l,
            LABEL_SIZE,
            INK,
            HAlign::Center,
            VAlign::Top,
        );
    }
}

/// Width a numeric left axis needs for its tick labels.
pub(crate) fn y_tick_width(scale: Scale, target: usize) -> f64 {
    scale
        .ticks(target)
        .iter()
        .map(|(_, l)| font::text_width(l, TICK_SIZE, false))
        .fold(0.0, f64::max)
}

/// Left numeric axis: spine, ticks, labels, and a rotated axis label `label_x` from the left.
pub(crate) fn y_axis(
    s: &mut Scene,
    area: Area,
    scale: Scale,
    target: usize,
    label: &str,
    label_x: f64,
) {
    let x = area.left;
    s.line((x, area.top), (x, area.bottom), INK, 1.0);
    for (v, l) in scale.ticks(target) {
        let y = scale.map(v);
        if y < area.top - 0.5 || y > area.bottom + 0.5 {
            continue;
        }
        s.line((x - 5.0, y), (x, y), INK, 1.0);
        s.text(
            (x - 8.0, y),
            l,
            TICK_SIZE,
            INK,
            HAlign::Right,
            VAlign::Center,
        );
    }
    if !label.is_empty() {
        let l = fit_text(label, LABEL_SIZE, false, area.height() + 60.0);
        s.text_full(
            (label_x, (area.top + area.bottom) / 2.0),
            l,
            LABEL_SIZE,
            INK,
            false,
            HAlign::Center,
            VAlign::Top,
            true,
        );
    }
}

/// Light horizontal grid lines at the scale's ticks, drawn behind the data.
pub(crate) fn y_grid(s: &mut Scene, area: Area, scale: Scale, target: usize) {
    for (v, _) in scale.ticks(target) {
        let y = scale.map(v);
        if y >= area.top && y <= area.bottom {
            s.line((area.left, y), (area.right, y), Rgba::hex(0xeeeeee), 1.0);
        }
    }
}

/// Light vertical grid lines at the scale's ticks, drawn behind the data.
pub(crate) fn x_grid(s: &mut Scene, area: Area, scale: Scale, target: usize) {
    for (v, _) in scale.ticks(target) {
        let x = scale.map(v);
        if x >= area.left && x <= area.right {
            s.line((x, area.top), (x, area.bottom), Rgba::hex(0xeeeeee), 1.0);
        }
    }
}

/// Category labels right-aligned left of the plot area at the given row centres, with faint
/// row guides across the area (shap's dotted lines).
pub(crate) fn row_labels(
    s: &mut Scene,
    area: Area,
    labels: &[String],
    centres: &[f64],
    guides: bool,
) {
    for (l, &y) in labels.iter().zip(centres) {
        if guides {
            // shap draws these dotted; a faint solid line reads the same and keeps SVGs small.
            s.line((area.left, y), (area.right, y), GREY.alpha(0.25), 0.8);
        }
        s.text(
            (area.left - 10.0, y),
            l.clone(),
            ROW_LABEL_SIZE,
            INK,
            HAlign::Right,
            VAlign::Center,
        );
    }
}

/// Width of the colour bar block drawn by [`colorbar`] (bar, tick words and rotated label).
pub(crate) const COLORBAR_BAND: f64 = 78.0;

/// shap's feature-value colour bar: a vertical blue→red gradient from `y1` (low) to `y0`
/// (high) at `x`, with `high`/`low` words at its ends and a rotated `label` beside it.
pub(crate) fn colorbar(
    s: &mut Scene,
    x: f64,
    y0: f64,
    y1: f64,
    label: &str,
    low: &str,
    high: &str,
) {
    let w = 10.0;
    let steps = 64;
    let h = (y1 - y0) / steps as f64;
    for i in 0..steps {
        let t = 1.0 - (i as f64 + 0.5) / steps as f64;
        let c = Rgba::rgb(colormap::shap_red_blue(t));
        // Overlap by half a pixel so no seams show between the bands.
        s.rect(
            x,
            y0 + i as f64 * h,
            x + w,
            y0 + (i + 1) as f64 * h + 0.5,
            c,
        );
    }
    s.text(
        (x + w + 5.0, y0 + 6.0),
        high,
        TICK_SIZE,
        INK,
        HAlign::Left,
        VAlign::Center,
    );
    s.text(
        (x + w + 5.0, y1 - 6.0),
        low,
        TICK_SIZE,
        INK,
        HAlign::Left,
        VAlign::Center,
    );
    let lw = font::text_width(high, TICK_SIZE, false).max(font::text_width(low, TICK_SIZE, false));
    let l = fit_text(label, LABEL_SIZE, false, (y1 - y0).max(40.0));
    s.text_full(
        (x + w + 10.0 + lw, (y0 + y1) / 2.0),
        l,
        LABEL_SIZE,
        INK,
        false,
        HAlign::Center,
        VAlign::Top,
        true,
    );
}

/// A boxed legend in the top-left (or top-right) corner of `area`: one row per entry, with a
/// marker drawn by `marker(scene, x, y, index)` before the text.
pub(crate) fn legend(
    s: &mut Scene,
    area: Area,
    entries: &[String],
    right: bool,
    mut marker: impl FnMut(&mut Scene, f64, f64, usize),
) {
    if entries.is_empty() {
        return;
    }
    let row = 19.0;
    let w = max_width(entries, TICK_SIZE) + 40.0;
    let h = row * entries.len() as f64 + 10.0;
    let x0 = if right {
        area.right - w - 10.0
    } else {
        area.left + 10.0
    };
    let y0 = area.top + 10.0;
    s.rect(x0, y0, x0 + w, y0 + h, Rgba::hex(0xffffff).alpha(0.9));
    s.rect_outline(x0, y0, x0 + w, y0 + h, LIGHT, 1.0);
    for (i, e) in entries.iter().enumerate() {
        let y = y0 + 5.0 + row * (i as f64 + 0.5);
        marker(s, x0 + 16.0, y, i);
        s.text(
            (x0 + 32.0, y),
            e.clone(),
            TICK_SIZE,
            INK,
            HAlign::Left,
            VAlign::Center,
        );
    }
}
