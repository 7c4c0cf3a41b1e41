//! shap's additive force plot for one row, drawn static: red segments (positive contributions)
//! push the output right, blue ones (negative) push it left, and they meet at f(x).

use glassbox_core::Explanation;

use crate::axis::format_sig;
use crate::figure::Figure;
use crate::font::{self, HAlign, VAlign};
use crate::frame::{self, Area, PAD, Scale, TICK_SIZE, TITLE_BAND, X_AXIS_BAND};
use crate::scene::{BLUE, GREY, INK, RED, Scene};
use crate::{PlotError, check};

/// Contributions narrower than this fraction of the drawn span are pooled per side.
pub const POOL_FRACTION: f64 = 0.005;

/// One segment of the force plot, in output units.
#[derive(Clone, Debug, PartialEq)]
pub struct ForceSegment {
    /// Left end (smaller output value).
    pub start: f64,
    /// Right end (`start + |value|`).
    pub end: f64,
    /// The contribution: positive for red segments, negative for blue ones.
    pub value: f64,
    /// Feature indices behind the segment (several for a pooled segment).
    pub features: Vec<usize>,
    /// "name = value" for the labelled (largest) segments, empty otherwise.
    pub label: String,
}

/// A force plot's layout: base value, f(x), and the segments tiling
/// `[f(x) − Σ positive, f(x) + Σ |negative|]`.
#[derive(Clone, Debug, PartialEq)]
pub struct ForceData {
    /// Base value E[f(X)] of the row.
    pub base: f64,
    /// Output f(x) = base + sum of all contributions.
    pub fx: f64,
    /// Red segments, from f(x) leftwards: the largest is adjacent to f(x), the pooled
    /// remainder (if any) outermost.
    pub positive: Vec<ForceSegment>,
    /// Blue segments, from f(x) rightwards, in the same order.
    pub negative: Vec<ForceSegment>,
}

/// Force-plot layout for explained row `row` and `output`, as shap's `additive_force` draws it:
/// positive contributions, largest first, are stacked leftwards from f(x) (so together they
/// cover `[f(x) − P, f(x)]`, P = Σ positive), negative ones rightwards from f(x) (covering
/// `[f(x), f(x) + N]`, N = Σ |negative|); the base value E[f(X)] = f(x) − P + N lies inside.
/// Zero contributions are left out. Contributions narrower than [`POOL_FRACTION`] of P + N are
/// pooled into one segment per side ("k more"); the `max_labels` largest |values| among the
/// rest get a "name = value" label.
pub fn force_data(
    e: &Explanation,
    row: usize,
    output: usize,
    max_labels: usize,
) -> Result<ForceData, PlotError> {
    check::explanation("force", e, output)?;
    if row >= e.n_samples() {
        return Err(PlotError::input(
            "force",
            format!(
                "row {row} out of range: the explanation has {} rows",
                e.n_samples()
            ),
        ));
    }
    let vals: Vec<f64> = (0..e.n_features())
        .map(|j| e.values[[row, j, output]])
        .collect();
    let base = e.base_values[[row, output]];
    let fx = base + vals.iter().sum::<f64>();
    let span: f64 = vals.iter().map(|v| v.abs()).sum();
    let mut order: Vec<usize> = (0..vals.len()).filter(|&j| vals[j] != 0.0).collect();
    // Largest |value| first, ties by index: deterministic.
    order.sort_by(|&a, &b| vals[b].abs().total_cmp(&vals[a].abs()).then(a.cmp(&b)));
    let big: Vec<usize> = order
        .iter()
        .copied()
        .filter(|&j| vals[j].abs() >= POOL_FRACTION * span)
        .collect();
    let labelled: Vec<usize> = big.iter().copied().take(max_labels).collect();
    let side = |sign: f64| -> Vec<ForceSegment> {
        let mut segs = Vec::new();
        let mut edge = fx;
        let mut push = |features: Vec<usize>, value: f64, label: String| {
            let len = value.abs();
            let (start, end) = if sign > 0.0 {
                (edge - len, edge)
            } else {
                (edge, edge + len)
            };
            edge = if sign > 0.0 { start } else { end };
            segs.push(ForceSegment {
                start,
                end,
                value,
                features,
                label,
            });
        };
        for &j in big.iter().filter(|&&j| vals[j] * sign > 0.0) {
            let label = if labelled.contains(&j) {
                format!(
                    "{} = {}",
                    e.feature_names[j],
                    e.category_label(row, j).unwrap_or_else(|| format_sig(
                        e.data[[row, j]],
                        4,
                        false
                    ))
                )
            } else {
                String::new()
            };
            push(vec![j], vals[j], label);
        }
        let rest: Vec<usize> = order
            .iter()
            .copied()
            .filter(|&j| vals[j] * sign > 0.0 && !big.contains(&j))
            .collect();
        if !rest.is_empty() {
            let v = rest.iter().map(|&j| vals[j]).sum();
            push(rest, v, String::new());
        }
        segs
    };
    Ok(ForceData {
        base,
        fx,
        positive: side(1.0),
        negative: side(-1.0),
    })
}

/// The logistic function, mapping a binary classifier's margin to a probability.
pub fn logistic(margin: f64) -> f64 {
    1.0 / (1.0 + (-margin).exp())
}

/// Bottom axis with probability tick labels at the margins `logit(p)` of round probabilities;
/// the geometry stays in margin units. The axis title sits `title_dy` below the spine.
pub(crate) fn probability_axis(s: &mut Scene, area: Area, scale: Scale, title_dy: f64) {
    let y = area.bottom;
    s.line((area.left, y), (area.right, y), INK, 1.0);
    let probs: [f64; 15] = [
        0.001, 0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999,
    ];
    let mut last = f64::NEG_INFINITY;
    for p in probs {
        let m = (p / (1.0 - p)).ln();
        let x = scale.map(m);
        let l = format!("{p}");
        let w = font::text_width(&l, TICK_SIZE, false);
        if x < area.left - 0.5 || x > area.right + 0.5 || x - w / 2.0 < last + 8.0 {
            continue;
        }
        last = x + w / 2.0;
        s.line((x, y), (x, y + 5.0), INK, 1.0);
        s.text((x, y + 8.0), l, TICK_SIZE, INK, HAlign::Center, VAlign::Top);
    }
    s.text(
        ((area.left + area.right) / 2.0, y + title_dy),
        "f(x) (margin; ticks show probability)",
        frame::LABEL_SIZE,
        INK,
        HAlign::Center,
        VAlign::Top,
    );
}

/// shap-style force plot for explained row `row` and `output`: one horizontal band in output
/// units, red segments pushing right and blue pushing left, meeting at f(x); E[f(X)] and f(x)
/// marked; the `max_labels` largest contributions labelled "name = value" below the band.
/// With `probability_ticks`, the output is taken as a binary classifier's margin and the tick
/// labels show the logistic of the margin (the geometry stays in margin units).
pub fn force(
    e: &Explanation,
    row: usize,
    output: usize,
    max_labels: usize,
    probability_ticks: bool,
) -> Result<Figure, PlotError> {
    force_figure(e, row, row, output, max_labels, probability_ticks)
}

/// [`force`] of `e`'s row `row`, titled as row `number`: the row's number in a larger table of
/// which `e` holds only some rows (an explanation streamed in chunks).
pub fn force_figure(
    e: &Explanation,
    row: usize,
    number: usize,
    output: usize,
    max_labels: usize,
    probability_ticks: bool,
) -> Result<Figure, PlotError> {
    let d = force_data(e, row, output, max_labels)?;
    let title = format!(
        "Row {number} — {} · {}",
        check::output_name(e, output),
        e.method
    );
    let width = 1000.0;
    let top = TITLE_BAND + 44.0;
    let band = 30.0;
    let label_rows = 2.0;
    let bottom = top + band + 18.0 * label_rows + 22.0;
    let area = Area {
        left: PAD + 40.0,
        top,
        right: width - PAD - 40.0,
        bottom,
    };
    let lo = d.positive.last().map_or(d.fx, |s| s.start).min(d.base);
    let hi = d.negative.last().map_or(d.fx, |s| s.end).max(d.base);
    let pad = ((hi - lo) * 0.05).max(1e-9);
    let scale = Scale::linear(lo - pad, hi + pad, area.left, area.right);
    let mut s = Scene::default();
    let (y0, y1) = (top, top + band);
    draw_segments(&mut s, &d, scale, (y0, y1), width);
    let (xb, xf) = (scale.map(d.base), scale.map(d.fx));
    s.dashed((xb, y0 - 18.0), (xb, y1), GREY, 0.8, (3.0, 3.0));
    s.line((xf, y0 - 18.0), (xf, y1), INK, 1.2);
    let fx_label = format!("f(x) = {}", fmt_out(d.fx, probability_ticks));
    let base_label = format!("E[f(X)] = {}", fmt_out(d.base, probability_ticks));
    let (bh, fh) = if xb < xf {
        (HAlign::Right, HAlign::Left)
    } else {
        (HAlign::Left, HAlign::Right)
    };
    s.text_full(
        (xf, y0 - 20.0),
        fx_label,
        TICK_SIZE + 1.0,
        INK,
        true,
        fh,
        VAlign::Bottom,
        false,
    );
    s.text(
        (xb, y0 - 20.0),
        base_label,
        TICK_SIZE,
        GREY,
        bh,
        VAlign::Bottom,
    );
    if probability_ticks {
        probability_axis(&mut s, area, scale, 30.0);
    } else {
        frame::x_axis(&mut s, area, scale, 8, "f(x)");
    }
    frame::title(&mut s, &title, area.left, area.right, width);
    Ok(Figure::new(title, width, bottom + X_AXIS_BAND, s))
}

/// Draws the chevrons of `d` in the band `(y0, y1)` and the "name = value" labels, staggered
/// on two lines below it (a label that fits on neither line is left out).
fn draw_segments(s: &mut Scene, d: &ForceData, scale: Scale, (y0, y1): (f64, f64), width: f64) {
    let ym = (y0 + y1) / 2.0;
    let tip: f64 = 7.0;
    for seg in d.positive.iter().chain(&d.negative) {
        let (xs, xe) = (scale.map(seg.start), scale.map(seg.end));
        let t = tip.min(xe - xs);
        // A chevron: the red ones point right (towards f(x)), the blue ones left.
        let (color, pts) = if seg.value > 0.0 {
            (
                RED,
                vec![
                    (xs, y0),
                    (xe - t, y0),
                    (xe, ym),
                    (xe - t, y1),
                    (xs, y1),
                    (xs + t, ym),
                ],
            )
        } else {
            (
                BLUE,
                vec![
                    (xe, y0),
                    (xs + t, y0),
                    (xs, ym),
                    (xs + t, y1),
                    (xe, y1),
                    (xe - t, ym),
                ],
            )
        };
        s.polygon(pts, color);
    }
    // Labels: staggered on two lines below the band, each with a tick to its segment.
    let mut ends = [f64::NEG_INFINITY; 2];
    let mut labelled: Vec<&ForceSegment> = d
        .positive
        .iter()
        .chain(&d.negative)
        .filter(|g| !g.label.is_empty())
        .collect();
    labelled.sort_by(|a, b| a.start.total_cmp(&b.start));
    for g in labelled {
        let cx = scale.map((g.start + g.end) / 2.0);
        let w = font::text_width(&g.label, TICK_SIZE, false);
        let lx = (cx - w / 2.0).max(PAD).min(width - PAD - w);
        let Some(line) = (0..2).find(|&k| lx > ends[k] + 6.0) else {
            continue;
        };
        ends[line] = lx + w;
        let ly = y1 + 10.0 + 18.0 * line as f64;
        let color = if g.value > 0.0 { RED } else { BLUE };
        s.line((cx, y1 + 1.0), (cx, ly), color.alpha(0.6), 0.8);
        s.text(
            (lx, ly),
            g.label.clone(),
            TICK_SIZE,
            color,
            HAlign::Left,
            VAlign::Top,
        );
    }
}

/// An output value as text; in probability mode also its probability.
pub(crate) fn fmt_out(v: f64, probability: bool) -> String {
    if probability {
        format!(
            "{} (p = {})",
            format_sig(v, 4, false),
            format_sig(logistic(v), 3, false)
        )
    } else {
        format_sig(v, 4, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use glassbox_core::ndarray::{Array2, Array3};

    fn one_row(vals: &[f64], base: f64) -> Explanation {
        let m = vals.len();
        Explanation::new(
            Array3::from_shape_fn((1, m, 1), |(_, j, _)| vals[j]),
            Array2::from_elem((1, 1), base),
            Array2::from_shape_fn((1, m), |(_, j)| j as f64),
            (0..m).map(|j| format!("f{j}")).collect(),
            vec!["y".into()],
            "test",
        )
        .unwrap()
    }

    #[test]
    fn force_segments_follow_shaps_layout() {
        // base 1, values +2, -0.5, +1, -3 → f(x) = 0.5; P = 3, N = 3.5.
        let e = one_row(&[2.0, -0.5, 1.0, -3.0], 1.0);
        let d = force_data(&e, 0, 0, 2).unwrap();
        assert_eq!(d.fx, 0.5);
        let pos: Vec<(f64, f64, Vec<usize>)> = d
            .positive
            .iter()
            .map(|s| (s.start, s.end, s.features.clone()))
            .collect();
        assert_eq!(pos, vec![(-1.5, 0.5, vec![0]), (-2.5, -1.5, vec![2])]);
        let neg: Vec<(f64, f64, Vec<usize>)> = d
            .negative
            .iter()
            .map(|s| (s.start, s.end, s.features.clone()))
            .collect();
        assert_eq!(neg, vec![(0.5, 3.5, vec![3]), (3.5, 4.0, vec![1])]);
        // The two largest are labelled.
        assert_eq!(d.negative[0].label, "f3 = 3");
        assert_eq!(d.positive[0].label, "f0 = 0");
        assert!(d.positive[1].label.is_empty() && d.negative[1].label.is_empty());
    }

    #[test]
    fn force_segments_tile_and_sum() {
        let e = crate::bar::tests::expl(6, 9);
        for row in 0..6 {
            let d = force_data(&e, row, 0, 3).unwrap();
            let vals: Vec<f64> = (0..9).map(|j| e.values[[row, j, 0]]).collect();
            let p: f64 = vals.iter().filter(|v| **v > 0.0).sum();
            let n: f64 = vals.iter().filter(|v| **v < 0.0).sum();
            let rp: f64 = d.positive.iter().map(|s| s.end - s.start).sum();
            let bn: f64 = d.negative.iter().map(|s| s.end - s.start).sum();
            assert!((rp - p).abs() < 1e-12 && (bn + n).abs() < 1e-12);
            assert!((rp - bn - (d.fx - d.base)).abs() < 1e-12);
            for w in d.positive.windows(2) {
                assert_eq!(w[0].start, w[1].end);
            }
            for w in d.negative.windows(2) {
                assert_eq!(w[0].end, w[1].start);
            }
        }
    }

    #[test]
    fn tiny_contributions_are_pooled() {
        let e = one_row(&[10.0, 0.001, 0.002, -5.0], 0.0);
        let d = force_data(&e, 0, 0, 10).unwrap();
        assert_eq!(d.positive.len(), 2);
        assert_eq!(d.positive[1].features, vec![2, 1]);
        assert!((d.positive[1].value - 0.003).abs() < 1e-15);
        assert!(force_data(&e, 1, 0, 3).is_err());
        assert!(force_data(&e, 0, 1, 3).is_err());
    }
}
