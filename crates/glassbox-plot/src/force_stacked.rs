//! shap's stacked (multi-row) force plot, drawn static: one column per explained row, the
//! positive contributions stacked below f(x) in red and the negative ones above it in blue, so
//! that the red–blue boundary traces f(x) across the rows; the base value as a dashed line.

use glassbox_core::Explanation;

use crate::figure::Figure;
use crate::font::{self, HAlign, VAlign};
use crate::frame::{self, Area, PAD, Scale, TICK_SIZE, TITLE_BAND, X_AXIS_BAND};
use crate::heatmap::{HeatmapOrder, fx, instance_order};
use crate::scene::{BLUE, INK, RED, Scene, WHITE};
use crate::{PlotError, check};

/// One feature's contribution in one column, in output units (`start < end`).
#[derive(Clone, Debug, PartialEq)]
pub struct StackedSegment {
    /// The feature.
    pub feature: usize,
    /// Lower end.
    pub start: f64,
    /// Upper end (`start + |value|`).
    pub end: f64,
    /// The SHAP value: positive for red segments, negative for blue ones.
    pub value: f64,
}

/// One column (explained row) of the stacked force plot.
#[derive(Clone, Debug, PartialEq)]
pub struct StackedColumn {
    /// The explained row.
    pub row: usize,
    /// Its base value.
    pub base: f64,
    /// f(x) = base + Σ SHAP values.
    pub fx: f64,
    /// Red segments, from f(x) downwards in [`ForceStackedData::features`] order (zero values
    /// left out); together they cover `[f(x) − Σ positive, f(x)]`.
    pub positive: Vec<StackedSegment>,
    /// Blue segments, from f(x) upwards in the same order; together they cover
    /// `[f(x), f(x) + Σ |negative|]`.
    pub negative: Vec<StackedSegment>,
}

/// The layout of a stacked force plot.
#[derive(Clone, Debug, PartialEq)]
pub struct ForceStackedData {
    /// Stacking order of the features, nearest f(x) first: by mean |SHAP| over all rows,
    /// descending (ties by index), the same in every column so each feature forms one band.
    pub features: Vec<usize>,
    /// One column per explained row, in display order (length = samples).
    pub columns: Vec<StackedColumn>,
}

/// Stacked force-plot layout for `output`: the rows of `e` in the order `order`, each split into
/// red segments stacked downwards from f(x) and blue ones stacked upwards from it, features in
/// one global order (most important next to f(x)).
pub fn force_stacked_data(
    e: &Explanation,
    output: usize,
    order: HeatmapOrder,
) -> Result<ForceStackedData, PlotError> {
    let rows = instance_order("stacked force", e, output, order)?;
    let mean_abs = e.mean_abs(output);
    let mut features: Vec<usize> = (0..e.n_features()).collect();
    features.sort_by(|&a, &b| mean_abs[b].total_cmp(&mean_abs[a]).then(a.cmp(&b)));
    let columns = rows
        .iter()
        .map(|&i| {
            let f = fx(e, i, output);
            let (mut down, mut up) = (f, f);
            let (mut positive, mut negative) = (Vec::new(), Vec::new());
            for &j in &features {
                let value = e.values[[i, j, output]];
                if value > 0.0 {
                    positive.push(StackedSegment {
                        feature: j,
                        start: down - value,
                        end: down,
                        value,
                    });
                    down -= value;
                } else if value < 0.0 {
                    negative.push(StackedSegment {
                        feature: j,
                        start: up,
                        end: up - value,
                        value,
                    });
                    up -= value;
                }
            }
            StackedColumn {
                row: i,
                base: e.base_values[[i, output]],
                fx: f,
                positive,
                negative,
            }
        })
        .collect();
    Ok(ForceStackedData { features, columns })
}

/// (lower, upper) of feature `j`'s band in column `c` on the red (`positive`) or blue side; a
/// feature without a segment there has an empty band where it would start.
fn band(c: &StackedColumn, order: &[usize], j: usize, positive: bool) -> (f64, f64) {
    let segs = if positive { &c.positive } else { &c.negative };
    let mut edge = c.fx;
    for &k in order {
        match segs.iter().find(|s| s.feature == k) {
            Some(s) if k == j => return (s.start, s.end),
            Some(s) => edge = if positive { s.start } else { s.end },
            None if k == j => return (edge, edge),
            None => {}
        }
    }
    (edge, edge)
}

/// shap's stacked force plot for `output`: x = the rows of `e` in the order `order`, y = the
/// model output; each column shows its red (positive) contributions stacked below f(x) and its
/// blue (negative) ones above, one band per feature (thin white separators), the base value as
/// a dashed line, and the largest bands labelled with their feature's name where they are thick
/// enough. With `probability_ticks` the output is read as a binary classifier's margin and the
/// y tick labels show probabilities (the geometry stays in margin units), as in [`crate::force()`].
pub fn force_stacked(
    e: &Explanation,
    output: usize,
    order: HeatmapOrder,
    probability_ticks: bool,
) -> Result<Figure, PlotError> {
    let d = force_stacked_data(e, output, order)?;
    let title = format!(
        "Stacked force plot — {} · {}",
        check::output_name(e, output),
        e.method
    );
    let (width, height) = (1000.0, 560.0);
    let (lo, hi) = d
        .columns
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), c| {
            let low = c.positive.last().map_or(c.fx, |s| s.start).min(c.base);
            let high = c.negative.last().map_or(c.fx, |s| s.end).max(c.base);
            (a.min(low), b.max(high))
        });
    let (lo, hi) = crate::axis::padded(lo, hi, 0.04);
    let top = TITLE_BAND + 26.0;
    let bottom = height - X_AXIS_BAND;
    let probe = Scale::linear(lo, hi, bottom, top);
    let tick_w = if probability_ticks {
        font::text_width("0.999", TICK_SIZE, false)
    } else {
        frame::y_tick_width(probe, 7)
    };
    let area = Area {
        left: PAD + 22.0 + tick_w + 12.0,
        top,
        right: width - PAD - 10.0,
        bottom,
    };
    let ys = Scale::linear(lo, hi, bottom, top);
    let n = d.columns.len();
    let xs = Scale::linear(0.0, n as f64, area.left, area.right);
    let mut s = Scene::default();
    draw_bands(&mut s, &d, xs, ys);
    let base_box = draw_base(&mut s, &d, xs, ys, area, probability_ticks);
    label_bands(
        &mut s,
        &d,
        &e.feature_names,
        (xs, ys),
        base_box.into_iter().collect(),
    );
    if probability_ticks {
        probability_y_axis(&mut s, area, ys);
    } else {
        frame::y_axis(&mut s, area, ys, 7, "Model output f(x)", PAD);
    }
    let axis_label = match order {
        HeatmapOrder::Clustered => "Instances (ordered by similarity of their SHAP values)".into(),
        HeatmapOrder::Prediction => "Instances (by f(x), largest first)".into(),
        HeatmapOrder::Feature(j) => format!("Instances (by SHAP value of {})", e.feature_names[j]),
        HeatmapOrder::FeatureValue(j) => format!("Instances (by {})", e.feature_names[j]),
        HeatmapOrder::Given => "Instances".to_string(),
    };
    frame::x_axis(&mut s, area, xs, 8, &axis_label);
    legend(&mut s, area);
    frame::title(&mut s, &title, area.left, area.right, width);
    Ok(Figure::new(title, width, height, s))
}

/// One step-shaped polygon per feature and side (each column spans `[c, c + 1]` on x), with a
/// thin white line along each band's outer edge separating it from the next (when columns are
/// at least 6 px wide).
fn draw_bands(s: &mut Scene, d: &ForceStackedData, xs: Scale, ys: Scale) {
    // Separators only where columns are wide enough for them not to turn into noise.
    let wide = (xs.p1 - xs.p0) / d.columns.len() as f64 >= 6.0;
    for positive in [true, false] {
        let color = if positive { RED } else { BLUE };
        for &j in &d.features {
            let bands: Vec<(f64, f64)> = d
                .columns
                .iter()
                .map(|c| band(c, &d.features, j, positive))
                .collect();
            if bands.iter().all(|b| b.0 == b.1) {
                continue;
            }
            let mut upper = Vec::with_capacity(bands.len() * 2);
            let mut lower = Vec::with_capacity(bands.len() * 2);
            for (c, b) in bands.iter().enumerate() {
                let (x0, x1) = (xs.map(c as f64), xs.map(c as f64 + 1.0));
                upper.extend([(x0, ys.map(b.1)), (x1, ys.map(b.1))]);
                lower.extend([(x0, ys.map(b.0)), (x1, ys.map(b.0))]);
            }
            let outer = if positive {
                lower.clone()
            } else {
                upper.clone()
            };
            let mut poly = upper;
            poly.extend(lower.into_iter().rev());
            s.polygon(poly, color);
            if wide {
                s.path(outer, WHITE.alpha(0.8), 0.6);
            }
        }
    }
}

/// The base value: a dashed line when every row has the same one (labelled at the right),
/// else a grey line through each column's base value.
fn draw_base(
    s: &mut Scene,
    d: &ForceStackedData,
    xs: Scale,
    ys: Scale,
    area: Area,
    probability: bool,
) -> Option<[f64; 4]> {
    let b0 = d.columns[0].base;
    if d.columns.iter().all(|c| c.base == b0) {
        let y = ys.map(b0);
        s.dashed((area.left, y), (area.right, y), INK, 1.0, (5.0, 3.0));
        let label = format!("E[f(X)] = {}", crate::force::fmt_out(b0, probability));
        let w = font::text_width(&label, TICK_SIZE, false);
        let bx = [area.right - w - 8.0, y - 17.0, area.right - 2.0, y - 2.0];
        s.rect(bx[0], bx[1], bx[2], bx[3], WHITE.alpha(0.8));
        s.text(
            (area.right - 5.0, y - 3.0),
            label,
            TICK_SIZE,
            INK,
            HAlign::Right,
            VAlign::Bottom,
        );
        Some(bx)
    } else {
        let pts = d
            .columns
            .iter()
            .enumerate()
            .map(|(c, col)| (xs.map(c as f64 + 0.5), ys.map(col.base)))
            .collect();
        s.path(pts, INK, 1.0);
        None
    }
}

/// Writes the names of the (up to 8) most important features inside their bands: centred on
/// the column where the label's box fits inside the band in every column it spans with the most
/// room to spare, and only where it fits and collides with no other label or `placed` box.
fn label_bands(
    s: &mut Scene,
    d: &ForceStackedData,
    names: &[String],
    (xs, ys): (Scale, Scale),
    mut placed: Vec<[f64; 4]>,
) {
    let n = d.columns.len();
    let col_w = (xs.p1 - xs.p0) / n as f64;
    for &j in d.features.iter().take(8) {
        for positive in [true, false] {
            // Pixel extent (top, bottom) of the band per column.
            let px: Vec<(f64, f64)> = d
                .columns
                .iter()
                .map(|c| {
                    let (lo, hi) = band(c, &d.features, j, positive);
                    (ys.map(hi), ys.map(lo))
                })
                .collect();
            let label = frame::fit_text(&names[j], TICK_SIZE, false, 220.0);
            let w = font::text_width(&label, TICK_SIZE, false) + 6.0;
            let span = ((w / col_w).ceil() as usize).max(1);
            if span > n {
                continue;
            }
            // Best window of `span` columns: the largest room = min bottom − max top.
            let mut best: Option<(f64, usize, f64)> = None;
            for c0 in 0..=n - span {
                let win = &px[c0..c0 + span];
                let top = win.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
                let bot = win.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
                if best.is_none_or(|b| bot - top > b.0) {
                    best = Some((bot - top, c0, (top + bot) / 2.0));
                }
            }
            let Some((room, c0, cy)) = best else { continue };
            if room < 15.0 {
                continue;
            }
            let cx = xs.map(c0 as f64 + span as f64 / 2.0);
            let bx = [cx - w / 2.0, cy - 8.0, cx + w / 2.0, cy + 8.0];
            let hit = |p: &[f64; 4]| bx[0] < p[2] && p[0] < bx[2] && bx[1] < p[3] && p[1] < bx[3];
            if placed.iter().any(hit) {
                continue;
            }
            placed.push(bx);
            s.text(
                (cx, cy),
                label,
                TICK_SIZE,
                WHITE,
                HAlign::Center,
                VAlign::Center,
            );
        }
    }
}

/// Left axis with probability tick labels at the margins `logit(p)` of round probabilities
/// (labels closer than 14 px to the previous one are skipped) and a rotated axis title.
fn probability_y_axis(s: &mut Scene, area: Area, scale: Scale) {
    let x = area.left;
    s.line((x, area.top), (x, area.bottom), INK, 1.0);
    let probs: [f64; 15] = [
        0.001, 0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999,
    ];
    let mut last = f64::INFINITY;
    for p in probs {
        let y = scale.map((p / (1.0 - p)).ln());
        if y < area.top - 0.5 || y > area.bottom + 0.5 || y > last - 14.0 {
            continue;
        }
        last = y;
        s.line((x - 5.0, y), (x, y), INK, 1.0);
        s.text(
            (x - 8.0, y),
            format!("{p}"),
            TICK_SIZE,
            INK,
            HAlign::Right,
            VAlign::Center,
        );
    }
    s.text_full(
        (PAD, (area.top + area.bottom) / 2.0),
        "f(x) (margin; ticks show probability)",
        frame::LABEL_SIZE,
        INK,
        false,
        HAlign::Center,
        VAlign::Top,
        true,
    );
}

/// "higher"/"lower" key above the plot area, right-aligned, as shap's force plots show it.
fn legend(s: &mut Scene, area: Area) {
    let y = area.top - 12.0;
    let mut x = area.right;
    for (text, color) in [("decreases f(x)", BLUE), ("increases f(x)", RED)] {
        let w = font::text_width(text, TICK_SIZE, false);
        s.text((x, y), text, TICK_SIZE, INK, HAlign::Right, VAlign::Center);
        x -= w + 6.0;
        s.rect(x - 10.0, y - 5.0, x, y + 5.0, color);
        x -= 24.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use glassbox_core::ndarray::{Array2, Array3};

    #[test]
    fn stacked_columns_follow_the_global_order() {
        // Row 0: (+2, −1, +0.5), row 1: (−3, +1, 0); base 1.
        // mean |SHAP|: 2.5, 1, 0.25 → order 0, 1, 2.
        let v = [[2.0, -1.0, 0.5], [-3.0, 1.0, 0.0]];
        let e = Explanation::new(
            Array3::from_shape_fn((2, 3, 1), |(i, j, _)| v[i][j]),
            Array2::from_elem((2, 1), 1.0),
            Array2::zeros((2, 3)),
            vec!["a".into(), "b".into(), "c".into()],
            vec!["y".into()],
            "t",
        )
        .unwrap();
        let d = force_stacked_data(&e, 0, HeatmapOrder::Given).unwrap();
        assert_eq!(d.features, vec![0, 1, 2]);
        let c = &d.columns[0];
        assert_eq!(c.fx, 2.5);
        let pos: Vec<(usize, f64, f64)> = c
            .positive
            .iter()
            .map(|s| (s.feature, s.start, s.end))
            .collect();
        assert_eq!(pos, vec![(0, 0.5, 2.5), (2, 0.0, 0.5)]);
        assert_eq!(
            (
                c.negative[0].feature,
                c.negative[0].start,
                c.negative[0].end
            ),
            (1, 2.5, 3.5)
        );
        // Feature 1 has no red segment in column 0: its band is empty at the edge of feature 0.
        assert_eq!(band(c, &d.features, 1, true), (0.5, 0.5));
        assert_eq!(band(c, &d.features, 2, true), (0.0, 0.5));
        let c = &d.columns[1];
        assert_eq!(c.fx, -1.0);
        assert_eq!(band(c, &d.features, 0, false), (-1.0, 2.0));
        assert_eq!(band(c, &d.features, 2, false), (2.0, 2.0));
        let p = force_stacked_data(&e, 0, HeatmapOrder::Prediction).unwrap();
        assert_eq!(p.columns[0].row, 0);
        assert_eq!(p.columns[1].row, 1);
    }
}
