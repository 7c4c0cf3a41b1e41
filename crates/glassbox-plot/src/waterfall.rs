//! shap's waterfall plot: how one row's prediction is built from the base value, one feature
//! at a time, largest contributions at the top.

use glassbox_core::Explanation;

use crate::axis::format_sig;
use crate::figure::Figure;
use crate::font::{self, HAlign, VAlign};
use crate::frame::{self, Area, PAD, Scale, TICK_SIZE, TITLE_BAND, VALUE_SIZE, X_AXIS_BAND};
use crate::ranking::rank_top_k;
use crate::scene::{BLUE, GREY, INK, RED, Rgba, Scene, WHITE};
use crate::{PlotError, check};

/// One arrow of the waterfall (top to bottom).
#[derive(Clone, Debug, PartialEq)]
pub struct WaterfallRow {
    /// "value = name" for a single feature, "N other features" for the pooled row.
    pub label: String,
    /// The contribution (SHAP value, or the sum over the pooled features).
    pub value: f64,
    /// Running total before this contribution.
    pub start: f64,
    /// Running total after it (`start + value`).
    pub end: f64,
    /// Feature indices behind the row.
    pub features: Vec<usize>,
}

/// A waterfall: base value E[f(X)], the explained output f(x), and the arrows in between.
#[derive(Clone, Debug, PartialEq)]
pub struct WaterfallData {
    /// Base value E[f(X)] of the row.
    pub base: f64,
    /// Output f(x) = base + sum of all contributions.
    pub fx: f64,
    /// Arrows, top (largest |value|) to bottom (the pooled row, if any).
    pub rows: Vec<WaterfallRow>,
}

/// Waterfall data for explained row `row` and `output`: features sorted by |SHAP value|
/// (descending), at most `max_display` arrows, the last pooling the rest. Running totals are
/// accumulated from the base value upwards, so the bottom arrow starts exactly at E[f(X)].
pub fn waterfall_data(
    e: &Explanation,
    row: usize,
    output: usize,
    max_display: usize,
) -> Result<WaterfallData, PlotError> {
    check::explanation("waterfall", e, output)?;
    if row >= e.n_samples() {
        return Err(PlotError::input(
            "waterfall",
            format!(
                "row {row} out of range: the explanation has {} rows",
                e.n_samples()
            ),
        ));
    }
    if max_display == 0 {
        return Err(PlotError::input(
            "waterfall",
            "max_display must be at least 1",
        ));
    }
    let vals: Vec<f64> = (0..e.n_features())
        .map(|j| e.values[[row, j, output]])
        .collect();
    let abs: Vec<f64> = vals.iter().map(|v| v.abs()).collect();
    let r = rank_top_k(&abs, max_display);
    let mut rows: Vec<WaterfallRow> = r
        .shown
        .iter()
        .map(|&j| WaterfallRow {
            label: format!(
                "{} = {}",
                e.category_label(row, j)
                    .unwrap_or_else(|| format_sig(e.data[[row, j]], 4, false)),
                e.feature_names[j]
            ),
            value: vals[j],
            start: 0.0,
            end: 0.0,
            features: vec![j],
        })
        .collect();
    if !r.rest.is_empty() {
        let n = r.rest.len();
        rows.push(WaterfallRow {
            label: if n == 1 {
                "1 other feature".into()
            } else {
                format!("{n} other features")
            },
            value: r.rest.iter().map(|&j| vals[j]).sum(),
            start: 0.0,
            end: 0.0,
            features: r.rest.clone(),
        });
    }
    let base = e.base_values[[row, output]];
    let mut acc = base;
    for w in rows.iter_mut().rev() {
        w.start = acc;
        acc += w.value;
        w.end = acc;
    }
    Ok(WaterfallData {
        base,
        fx: acc,
        rows,
    })
}

/// shap-style waterfall for explained row `row` and `output`: E[f(X)] at the bottom, f(x) at
/// the top, one arrow per feature (red pushes the output up, blue down), sorted by |value|, at
/// most `max_display` arrows with the rest pooled; labels read "feature value = name".
pub fn waterfall(
    e: &Explanation,
    row: usize,
    output: usize,
    max_display: usize,
) -> Result<Figure, PlotError> {
    waterfall_figure(e, row, row, output, max_display, false)
}

/// [`waterfall`] of `e`'s row `row`, titled as row `number`: the row's number in a larger
/// table of which `e` holds only some rows (an explanation streamed in chunks).
pub fn waterfall_numbered(
    e: &Explanation,
    row: usize,
    number: usize,
    output: usize,
    max_display: usize,
) -> Result<Figure, PlotError> {
    waterfall_figure(e, row, number, output, max_display, false)
}

/// [`waterfall`] for a binary classifier explained in margin (log-odds) space: the geometry
/// stays in margin units, the tick labels show the logistic of the margin positions, the axis
/// title says so, and E[f(X)] and f(x) are labelled with their probabilities too.
pub fn waterfall_probability(
    e: &Explanation,
    row: usize,
    output: usize,
    max_display: usize,
) -> Result<Figure, PlotError> {
    waterfall_figure(e, row, row, output, max_display, true)
}

/// Every option of the waterfall in one call: explained row `row` of `e`, titled as row
/// `number` (see [`waterfall_numbered`]), with probability ticks for a binary classifier's
/// margin when `probability` (see [`waterfall_probability`]).
pub fn waterfall_figure(
    e: &Explanation,
    row: usize,
    number: usize,
    output: usize,
    max_display: usize,
    probability: bool,
) -> Result<Figure, PlotError> {
    let d = waterfall_data(e, row, output, max_display)?;
    let title = format!(
        "Row {number} — {} · {}",
        check::output_name(e, output),
        e.method
    );
    let pitch = 32.0;
    let labels: Vec<String> = d.rows.iter().map(|r| r.label.clone()).collect();
    let label_w = frame::max_width(&labels, frame::ROW_LABEL_SIZE).min(460.0);
    let labels: Vec<String> = labels
        .iter()
        .map(|l| frame::fit_text(l, frame::ROW_LABEL_SIZE, false, label_w))
        .collect();
    let left = PAD + label_w + 14.0;
    let width = (left + 580.0).max(900.0);
    let top = TITLE_BAND + 34.0;
    let bottom = top + pitch * d.rows.len() as f64;
    let area = Area {
        left,
        top,
        right: width - PAD - 10.0,
        bottom,
    };

    let texts: Vec<String> = d
        .rows
        .iter()
        .map(|r| format_sig(r.value, 3, true))
        .collect();
    let (lo, hi) = d
        .rows
        .iter()
        .flat_map(|r| [r.start, r.end])
        .chain([d.base, d.fx])
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    // Room for a value label outside the arrow on either side.
    let label_room = texts
        .iter()
        .map(|t| font::text_width(t, VALUE_SIZE, false))
        .fold(0.0, f64::max)
        + 10.0;
    let span = if hi > lo {
        hi - lo
    } else {
        lo.abs().max(1.0) * 0.1
    };
    let ppu = (area.width() - 2.0 * label_room).max(60.0) / span;
    let scale = Scale::linear(
        lo - label_room / ppu,
        lo + span + label_room / ppu,
        area.left,
        area.right,
    );

    let mut s = Scene::default();
    let centres: Vec<f64> = (0..d.rows.len())
        .map(|i| top + pitch * (i as f64 + 0.5))
        .collect();
    frame::row_labels(&mut s, area, &labels, &centres, true);
    // Reference lines at E[f(X)] (bottom) and f(x) (top).
    let (xb, xf) = (scale.map(d.base), scale.map(d.fx));
    s.dashed((xb, top), (xb, bottom + 4.0), GREY, 0.8, (3.0, 3.0));
    s.dashed((xf, top - 10.0), (xf, bottom), GREY, 0.8, (3.0, 3.0));
    draw_arrows(&mut s, &d, scale, &centres, &texts, pitch);
    if probability {
        crate::force::probability_axis(&mut s, area, scale, 50.0);
    } else {
        frame::x_axis(&mut s, area, scale, 6, "");
    }
    let base_label = format!("E[f(X)] = {}", crate::force::fmt_out(d.base, probability));
    s.text(
        (xb, bottom + 30.0),
        base_label,
        TICK_SIZE + 1.0,
        INK,
        HAlign::Center,
        VAlign::Top,
    );
    let fx_label = format!("f(x) = {}", crate::force::fmt_out(d.fx, probability));
    s.text_full(
        (xf, top - 12.0),
        fx_label,
        TICK_SIZE + 1.0,
        INK,
        true,
        HAlign::Center,
        VAlign::Bottom,
        false,
    );
    frame::title(&mut s, &title, area.left, area.right, width);
    let extra = if probability { 18.0 } else { 0.0 };
    Ok(Figure::new(title, width, bottom + X_AXIS_BAND + extra, s))
}

/// Draws the waterfall's arrows (one per row of `d`, centred at `centres`, `pitch` apart), the
/// dashed connectors between them and each arrow's value label `texts` (inside the arrow when
/// it fits, else beyond its head).
fn draw_arrows(
    s: &mut Scene,
    d: &WaterfallData,
    scale: Scale,
    centres: &[f64],
    texts: &[String],
    pitch: f64,
) {
    let h = pitch * 0.36;
    let head: f64 = 9.0;
    for (i, ((r, &y), t)) in d.rows.iter().zip(centres).zip(texts).enumerate() {
        let (xs, xe) = (scale.map(r.start), scale.map(r.end));
        let color = if r.value >= 0.0 { RED } else { BLUE };
        let len = (xe - xs).abs();
        let hl = head.min(len);
        let dir = if xe >= xs { 1.0 } else { -1.0 };
        let neck = xe - dir * hl;
        s.polygon(
            vec![
                (xs, y - h),
                (neck, y - h),
                (xe, y),
                (neck, y + h),
                (xs, y + h),
            ],
            color,
        );
        // Connector to the next arrow's start (thin dashed, as shap draws them).
        if i + 1 < d.rows.len() {
            s.dashed(
                (xs, y + h),
                (xs, y + pitch - h),
                Rgba::hex(0xbbbbbb),
                0.8,
                (2.0, 2.0),
            );
        }
        let tw = font::text_width(t, VALUE_SIZE, false);
        if tw + 8.0 < len - hl {
            let cx = (xs + neck) / 2.0;
            s.text(
                (cx, y),
                t.clone(),
                VALUE_SIZE,
                WHITE,
                HAlign::Center,
                VAlign::Center,
            );
        } else if dir > 0.0 {
            s.text(
                (xe + 5.0, y),
                t.clone(),
                VALUE_SIZE,
                color,
                HAlign::Left,
                VAlign::Center,
            );
        } else {
            s.text(
                (xe - 5.0, y),
                t.clone(),
                VALUE_SIZE,
                color,
                HAlign::Right,
                VAlign::Center,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waterfall_runs_from_base_to_prediction() {
        let e = crate::bar::tests::expl(6, 7);
        for row in 0..6 {
            let d = waterfall_data(&e, row, 0, 4).unwrap();
            assert_eq!(d.rows.len(), 4);
            let last = d.rows.last().unwrap();
            assert_eq!(last.start, d.base);
            let total: f64 = (0..7).map(|j| e.values[[row, j, 0]]).sum();
            assert!((d.fx - (d.base + total)).abs() < 1e-12);
            assert_eq!(d.rows[0].end, d.fx);
            for w in d.rows.windows(2) {
                assert_eq!(w[0].start, w[1].end);
            }
            for w in d.rows[..3].windows(2) {
                assert!(w[0].value.abs() >= w[1].value.abs());
            }
            assert_eq!(last.label, "4 other features");
            let pooled: f64 = last.features.iter().map(|&j| e.values[[row, j, 0]]).sum();
            assert_eq!(last.value, pooled);
        }
    }

    #[test]
    fn waterfall_labels_show_the_feature_value() {
        let e = crate::bar::tests::expl(3, 2);
        let d = waterfall_data(&e, 2, 0, 10).unwrap();
        let j = d.rows[0].features[0];
        assert_eq!(
            d.rows[0].label,
            format!("{} = feature {j}", format_sig(e.data[[2, j]], 4, false))
        );
        assert!(waterfall_data(&e, 3, 0, 10).is_err());
    }
}
