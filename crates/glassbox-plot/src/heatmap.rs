//! shap's heatmap plot: instances (x) × features (y), each cell the SHAP value on a blue–white–red
//! map centred at zero, the model output f(x) drawn above, each feature's mean |SHAP| as a bar
//! at the right. Also the instance orderings shared with the stacked force plot
//! ([`HeatmapOrder`], [`instance_order`]).

use glassbox_core::Explanation;
use glassbox_core::ndarray::{Array2, ArrayView2};

use crate::axis::format_sig;
use crate::figure::Figure;
use crate::font::{HAlign, VAlign};
use crate::frame::{self, Area, PAD, Scale, TICK_SIZE, TITLE_BAND, X_AXIS_BAND};
use crate::hclust::{self, MAX_CLUSTER_ROWS};
use crate::ranking::{other_label, rank_top_k};
use crate::scene::{GREY, INK, Rgba, Scene};
use crate::{PlotError, check, colormap};

/// The order of the instances (explained rows) along the x axis of [`heatmap`] and
/// [`crate::force_stacked()`]. Ties are broken by row index.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HeatmapOrder {
    /// Leaf order of an average-linkage clustering of the rows' SHAP vectors for the output
    /// (see [`crate::hclust::leaf_order`]), so that rows explained alike sit together, as
    /// shap's default `Explanation.hclust()` order. At most [`MAX_CLUSTER_ROWS`] rows.
    #[default]
    Clustered,
    /// By the model output f(x) = base + Σ SHAP values, largest first.
    Prediction,
    /// By the SHAP value of this feature (an index into the features), largest first.
    Feature(usize),
    /// By this feature's value, smallest first; missing (NaN) values last.
    FeatureValue(usize),
    /// The rows as given.
    Given,
}

/// Row indices of `e` in the display order `order` for `output` (length = samples). Checks
/// the explanation and output; errors on a feature index out of range and on
/// [`HeatmapOrder::Clustered`] with more than [`MAX_CLUSTER_ROWS`] rows.
pub fn instance_order(
    plot: &'static str,
    e: &Explanation,
    output: usize,
    order: HeatmapOrder,
) -> Result<Vec<usize>, PlotError> {
    check::explanation(plot, e, output)?;
    let (n, m) = (e.n_samples(), e.n_features());
    let feature_ok = |j: usize| {
        if j < m {
            Ok(j)
        } else {
            Err(PlotError::input(
                plot,
                format!("feature {j} out of range: the explanation has {m} features"),
            ))
        }
    };
    let mut rows: Vec<usize> = (0..n).collect();
    let by_desc = |rows: &mut Vec<usize>, key: &dyn Fn(usize) -> f64| {
        rows.sort_by(|&a, &b| key(b).total_cmp(&key(a)).then(a.cmp(&b)));
    };
    match order {
        HeatmapOrder::Given => {}
        HeatmapOrder::Prediction => by_desc(&mut rows, &|i| fx(e, i, output)),
        HeatmapOrder::Feature(j) => {
            let j = feature_ok(j)?;
            by_desc(&mut rows, &|i| e.values[[i, j, output]]);
        }
        HeatmapOrder::FeatureValue(j) => {
            let j = feature_ok(j)?;
            let key = |i: usize| (e.data[[i, j]].is_nan(), e.data[[i, j]]);
            rows.sort_by(|&a, &b| {
                let (ka, kb) = (key(a), key(b));
                ka.0.cmp(&kb.0).then(ka.1.total_cmp(&kb.1)).then(a.cmp(&b))
            });
        }
        HeatmapOrder::Clustered => {
            if n > MAX_CLUSTER_ROWS {
                return Err(PlotError::input(
                    plot,
                    format!(
                        "clustering {n} rows needs O(n²) memory and time; pass at most \
                         {MAX_CLUSTER_ROWS} rows (a sample) or order by prediction instead"
                    ),
                ));
            }
            let pts = e.values.index_axis(glassbox_core::ndarray::Axis(2), output);
            rows = hclust::leaf_order(pts);
        }
    }
    Ok(rows)
}

/// f(x) of row `i` for `output`: base value plus the sum of the SHAP values.
pub(crate) fn fx(e: &Explanation, i: usize, output: usize) -> f64 {
    e.base_values[[i, output]]
        + (0..e.n_features())
            .map(|j| e.values[[i, j, output]])
            .sum::<f64>()
}

/// The numbers behind a heatmap.
#[derive(Clone, Debug, PartialEq)]
pub struct HeatmapData {
    /// Explained rows in display order, left to right (length = samples).
    pub order: Vec<usize>,
    /// Matrix row labels, top to bottom: feature names, the last "Sum of N other features"
    /// when features were pooled.
    pub labels: Vec<String>,
    /// Feature indices behind each matrix row (same order as `labels`).
    pub features: Vec<Vec<usize>>,
    /// SHAP values, shape (matrix rows, samples): `matrix[[r, c]]` is the sum over
    /// `features[r]` of the SHAP value of row `order[c]`.
    pub matrix: Array2<f64>,
    /// Mean |SHAP value| per matrix row (the pooled row sums its features' means, as shap).
    pub importance: Vec<f64>,
    /// The colour map spans `[−limit, limit]`: the 99.9th percentile of |matrix| (numpy's
    /// linear percentile), or 1 when every value is 0.
    pub limit: f64,
    /// f(x) = base + Σ SHAP values for each row in display order (length = samples).
    pub fx: Vec<f64>,
    /// The base value drawn as the reference line: the mean of the rows' base values.
    pub base: f64,
}

/// Heatmap data for `output` of `e`: matrix rows are the `max_display − 1` features with the
/// largest mean |SHAP| (descending), the rest summed per instance into one bottom row (all
/// features when there are at most `max_display`); instances in the order `order`.
pub fn heatmap_data(
    e: &Explanation,
    output: usize,
    max_display: usize,
    order: HeatmapOrder,
) -> Result<HeatmapData, PlotError> {
    const P: &str = "heatmap";
    let rows = instance_order(P, e, output, order)?;
    if max_display == 0 {
        return Err(PlotError::input(P, "max_display must be at least 1"));
    }
    let mean_abs = e.mean_abs(output);
    let r = rank_top_k(&mean_abs, max_display);
    let mut labels: Vec<String> = r
        .shown
        .iter()
        .map(|&j| e.feature_names[j].clone())
        .collect();
    let mut features: Vec<Vec<usize>> = r.shown.iter().map(|&j| vec![j]).collect();
    if !r.rest.is_empty() {
        labels.push(other_label(r.rest.len()));
        features.push(r.rest.clone());
    }
    let matrix = Array2::from_shape_fn((features.len(), rows.len()), |(k, c)| {
        features[k]
            .iter()
            .map(|&j| e.values[[rows[c], j, output]])
            .sum::<f64>()
    });
    let importance = features
        .iter()
        .map(|f| f.iter().map(|&j| mean_abs[j]).sum())
        .collect();
    let fxs = rows.iter().map(|&i| fx(e, i, output)).collect();
    let base = (0..e.n_samples())
        .map(|i| e.base_values[[i, output]])
        .sum::<f64>()
        / e.n_samples() as f64;
    Ok(HeatmapData {
        limit: color_limit(matrix.view()),
        order: rows,
        labels,
        features,
        matrix,
        importance,
        fx: fxs,
        base,
    })
}

/// The 99.9th percentile of |values| (numpy's linear interpolation); 1 when it is 0.
fn color_limit(values: ArrayView2<'_, f64>) -> f64 {
    let mut a: Vec<f64> = values.iter().map(|v| v.abs()).collect();
    a.sort_by(f64::total_cmp);
    let pos = 0.999 * (a.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    let p = a[lo] + (a[hi] - a[lo]) * (pos - lo as f64);
    if p > 0.0 { p } else { 1.0 }
}

/// Pixel layout of a heatmap figure.
struct Layout {
    /// The matrix.
    grid: Area,
    /// The f(x) panel above it.
    curve: Area,
    /// Left edge and width of the importance bars.
    bars: (f64, f64),
    /// Left edge of the colour bar.
    cbar_x: f64,
    width: f64,
    pitch: f64,
}

fn layout(labels: &[String]) -> Layout {
    let pitch = 26.0;
    let label_w = frame::max_width(labels, frame::ROW_LABEL_SIZE)
        .clamp(60.0, 320.0)
        .max(70.0);
    let left = PAD + label_w + 14.0;
    let top = TITLE_BAND + 8.0;
    let curve = Area {
        left,
        top,
        right: left + 620.0,
        bottom: top + 90.0,
    };
    let gtop = curve.bottom + 12.0;
    let grid = Area {
        left,
        top: gtop,
        right: curve.right,
        bottom: gtop + pitch * labels.len() as f64,
    };
    let bars = (grid.right + 24.0, 90.0);
    let cbar_x = bars.0 + bars.1 + 36.0;
    Layout {
        grid,
        curve,
        bars,
        cbar_x,
        width: cbar_x + 90.0,
        pitch,
    }
}

/// shap-style heatmap for `output`: the SHAP values of every instance (x, in the order `order`)
/// and of the `max_display − 1` most important features (y, the rest summed into a bottom row)
/// as colours on shap's blue–white–red map, symmetric about 0 (±[`HeatmapData::limit`]); above,
/// f(x) per instance with the base value dashed; right, each row's mean |SHAP| as a bar and the
/// colour bar.
pub fn heatmap(
    e: &Explanation,
    output: usize,
    max_display: usize,
    order: HeatmapOrder,
) -> Result<Figure, PlotError> {
    let d = heatmap_data(e, output, max_display, order)?;
    let title = format!("Heatmap — {} · {}", check::output_name(e, output), e.method);
    let labels: Vec<String> = d
        .labels
        .iter()
        .map(|l| frame::fit_text(l, frame::ROW_LABEL_SIZE, false, 320.0))
        .collect();
    let l = layout(&labels);
    let mut s = Scene::default();
    draw_curve(&mut s, &d, &l);
    draw_matrix(&mut s, &d, &l, &labels);
    draw_bars(&mut s, &d, &l);
    draw_colorbar(&mut s, &l, d.limit);
    let n = d.order.len();
    let xs = Scale::linear(0.0, n as f64, l.grid.left, l.grid.right);
    let axis_label = match order {
        HeatmapOrder::Clustered => "Instances (clustered by SHAP values)".to_string(),
        HeatmapOrder::Prediction => "Instances (by f(x), largest first)".to_string(),
        HeatmapOrder::Feature(j) => format!("Instances (by SHAP of {})", e.feature_names[j]),
        HeatmapOrder::FeatureValue(j) => format!("Instances (by {})", e.feature_names[j]),
        HeatmapOrder::Given => "Instances".to_string(),
    };
    frame::x_axis(&mut s, l.grid, xs, 6, &axis_label);
    frame::title(&mut s, &title, l.grid.left, l.grid.right, l.width);
    Ok(Figure::new(title, l.width, l.grid.bottom + X_AXIS_BAND, s))
}

/// The f(x) line above the matrix, one point per instance at the centre of its column, with the
/// base value as a dashed line and a small left axis.
fn draw_curve(s: &mut Scene, d: &HeatmapData, l: &Layout) {
    let a = l.curve;
    let n = d.fx.len();
    let (lo, hi) =
        d.fx.iter()
            .chain(std::iter::once(&d.base))
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(p, q), &v| {
                (p.min(v), q.max(v))
            });
    let (lo, hi) = crate::axis::padded(lo, hi, 0.08);
    let ys = Scale::linear(lo, hi, a.bottom, a.top);
    let col = |c: usize| a.left + (c as f64 + 0.5) * a.width() / n as f64;
    let yb = ys.map(d.base);
    s.dashed((a.left, yb), (a.right, yb), GREY, 1.0, (4.0, 3.0));
    let pts: Vec<(f64, f64)> =
        d.fx.iter()
            .enumerate()
            .map(|(c, &v)| (col(c), ys.map(v)))
            .collect();
    if n == 1 {
        s.circle(pts[0], 2.5, INK, None);
    } else {
        s.path(pts, INK, 1.3);
    }
    frame::y_axis(s, a, ys, 3, "", 0.0);
    let tick_w = frame::y_tick_width(ys, 3);
    s.text(
        (a.left - tick_w - 16.0, (a.top + a.bottom) / 2.0),
        "f(x)",
        frame::ROW_LABEL_SIZE,
        INK,
        HAlign::Right,
        VAlign::Center,
    );
    s.text(
        (a.right + 8.0, yb),
        format!("E[f(X)] = {}", format_sig(d.base, 4, false)),
        TICK_SIZE,
        GREY,
        HAlign::Left,
        VAlign::Center,
    );
}

/// The matrix as one raster (a pixel per cell), row labels at the left.
fn draw_matrix(s: &mut Scene, d: &HeatmapData, l: &Layout, labels: &[String]) {
    let (rows, n) = d.matrix.dim();
    let rgb: Vec<u8> = d
        .matrix
        .iter()
        .flat_map(|&v| colormap::shap_red_white_blue(0.5 + 0.5 * v / d.limit))
        .collect();
    let g = l.grid;
    s.image(g.left, g.top, g.right, g.bottom, n as u32, rows as u32, rgb);
    s.rect_outline(g.left, g.top, g.right, g.bottom, GREY, 0.8);
    if rows > 1 && labels.last().is_some_and(|t| t.starts_with("Sum of ")) {
        // A thin rule separates the pooled row, as shap draws it.
        let y = g.bottom - l.pitch;
        s.line((g.left, y), (g.right, y), INK, 1.0);
    }
    let centres: Vec<f64> = (0..rows)
        .map(|r| g.top + l.pitch * (r as f64 + 0.5))
        .collect();
    frame::row_labels(s, g, labels, &centres, false);
}

/// Mean |SHAP| bars right of the matrix with a small axis underneath.
fn draw_bars(s: &mut Scene, d: &HeatmapData, l: &Layout) {
    let (x0, w) = l.bars;
    let max = d.importance.iter().copied().fold(0.0, f64::max);
    let max = if max > 0.0 { max } else { 1.0 };
    for (r, &v) in d.importance.iter().enumerate() {
        let y = l.grid.top + l.pitch * r as f64;
        s.rect(
            x0,
            y + l.pitch * 0.2,
            x0 + w * v / max,
            y + l.pitch * 0.8,
            Rgba::hex(0x555555),
        );
    }
    let yb = l.grid.bottom;
    s.line((x0, l.grid.top), (x0, yb), INK, 0.8);
    s.line((x0, yb), (x0 + w, yb), INK, 0.8);
    s.text(
        (x0, yb + 4.0),
        "0",
        TICK_SIZE,
        INK,
        HAlign::Center,
        VAlign::Top,
    );
    s.text(
        (x0 + w, yb + 4.0),
        format_sig(max, 2, false),
        TICK_SIZE,
        INK,
        HAlign::Center,
        VAlign::Top,
    );
    s.text(
        (x0 + w / 2.0, l.grid.top - 4.0),
        "mean(|SHAP|)",
        TICK_SIZE,
        INK,
        HAlign::Center,
        VAlign::Bottom,
    );
}

/// A vertical blue–white–red colour bar, +limit at the top, with its label.
fn draw_colorbar(s: &mut Scene, l: &Layout, limit: f64) {
    let x = l.cbar_x;
    let (y0, y1) = (l.grid.top, l.grid.bottom.max(l.grid.top + 120.0));
    let steps = 128u32;
    let rgb: Vec<u8> = (0..steps)
        .flat_map(|i| colormap::shap_red_white_blue(1.0 - (i as f64 + 0.5) / steps as f64))
        .collect();
    s.image(x, y0, x + 10.0, y1, 1, steps, rgb);
    s.rect_outline(x, y0, x + 10.0, y1, GREY, 0.6);
    for (y, v) in [(y0, limit), ((y0 + y1) / 2.0, 0.0), (y1, -limit)] {
        s.line((x + 10.0, y), (x + 13.0, y), INK, 0.8);
        s.text(
            (x + 15.0, y),
            format_sig(v, 2, true),
            TICK_SIZE,
            INK,
            HAlign::Left,
            VAlign::Center,
        );
    }
    s.text_full(
        (x + 60.0, (y0 + y1) / 2.0),
        "SHAP value",
        frame::LABEL_SIZE,
        INK,
        false,
        HAlign::Center,
        VAlign::Top,
        true,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use glassbox_core::ndarray::Array3;

    fn small() -> Explanation {
        // 4 rows, 3 features, base 1.
        let v = [
            [1.0, -0.5, 0.1],
            [-2.0, 0.5, 0.0],
            [0.5, 0.25, -0.1],
            [3.0, -1.0, 0.2],
        ];
        Explanation::new(
            Array3::from_shape_fn((4, 3, 1), |(i, j, _)| v[i][j]),
            Array2::from_elem((4, 1), 1.0),
            Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as f64),
            vec!["a".into(), "b".into(), "c".into()],
            vec!["y".into()],
            "t",
        )
        .unwrap()
    }

    #[test]
    fn orders_by_prediction_feature_and_value() {
        let e = small();
        // f(x): 1.6, −0.5, 1.65, 3.2.
        let o = |k| instance_order("t", &e, 0, k).unwrap();
        assert_eq!(o(HeatmapOrder::Prediction), vec![3, 2, 0, 1]);
        assert_eq!(o(HeatmapOrder::Feature(1)), vec![1, 2, 0, 3]);
        assert_eq!(o(HeatmapOrder::FeatureValue(2)), vec![0, 1, 2, 3]);
        assert_eq!(o(HeatmapOrder::Given), vec![0, 1, 2, 3]);
        assert!(instance_order("t", &e, 0, HeatmapOrder::Feature(3)).is_err());
        assert!(instance_order("t", &e, 0, HeatmapOrder::FeatureValue(9)).is_err());
    }

    #[test]
    fn pooled_row_and_limits() {
        let e = small();
        let d = heatmap_data(&e, 0, 2, HeatmapOrder::Given).unwrap();
        // mean |SHAP|: a 1.625, b 0.5625, c 0.1 → a shown, b + c pooled.
        assert_eq!(d.labels, vec!["a", "Sum of 2 other features"]);
        assert_eq!(d.matrix.row(1).to_vec(), vec![-0.4, 0.5, 0.15, -0.8]);
        assert!((d.importance[1] - 0.6625).abs() < 1e-12);
        // |values|: 0.15 0.4 0.5 0.8 1 0.5 2 3 sorted; 99.9th percentile at 6.993 → 2.993.
        assert!((d.limit - 2.993).abs() < 1e-12, "{}", d.limit);
        assert!(heatmap_data(&e, 0, 0, HeatmapOrder::Given).is_err());
    }
}
