//! shap's dependence (scatter) plot: a feature's value against its SHAP value, coloured by the
//! feature it interacts with most, and the interaction heuristic behind that choice.

use glassbox_core::Explanation;
use glassbox_core::ndarray::ArrayView3;

use crate::axis::format_sig;
use crate::figure::Figure;
use crate::frame::{self, Area, COLORBAR_BAND, PAD, Scale, TITLE_BAND, X_AXIS_BAND};
use crate::ranking::{color_positions, color_range};
use crate::scene::{BLUE, MISSING, Rgba, Scene};
use crate::{PlotError, check, colormap};

/// How to colour the points of a dependence plot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorBy {
    /// The feature with the strongest interaction: the largest mean |SHAP interaction value|
    /// when interaction values are given, else shap's `approximate_interactions` heuristic
    /// (see [`approximate_interactions`]). No colouring when no feature interacts at all.
    Auto,
    /// This feature's values (an index into the explanation's features).
    Feature(usize),
    /// A single colour.
    None,
}

/// Sum over chunks of `|corr(a, b)|`, chunks of `inc` consecutive entries, skipping chunks where
/// either side is constant or contains NaN (numpy's `std` is then NaN or 0, as in shap).
fn chunked_abs_corr(a: &[f64], b: &[f64], inc: usize) -> f64 {
    let mut total = 0.0;
    for (ca, cb) in a.chunks(inc).zip(b.chunks(inc)) {
        let n = ca.len() as f64;
        let (ma, mb) = (ca.iter().sum::<f64>() / n, cb.iter().sum::<f64>() / n);
        let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
        for (&x, &y) in ca.iter().zip(cb) {
            let (dx, dy) = (x - ma, y - mb);
            sab += dx * dy;
            saa += dx * dx;
            sbb += dy * dy;
        }
        if saa > 0.0 && sbb > 0.0 {
            total += (sab / (saa * sbb).sqrt()).abs();
        }
    }
    total
}

/// shap's `approximate_interactions` for `feature` and `output`: rows are sorted by the
/// feature's value and cut into chunks of `clamp(n / 10, 1, 50)` rows; for every other feature
/// the score is the sum over chunks of |Pearson correlation| between the feature's SHAP values
/// and the other feature's values within the chunk (chunks where either is constant are
/// skipped), or the same with the other feature's missing-value indicator, whichever is larger.
/// A feature that drives the SHAP values *within* narrow ranges of `feature` is interacting
/// with it. Returns (feature index, score) for all other features, strongest first (ties by
/// index). Unlike shap, all rows are used (shap samples 10 000 at random beyond that).
pub fn approximate_interactions(
    e: &Explanation,
    feature: usize,
    output: usize,
) -> Result<Vec<(usize, f64)>, PlotError> {
    check::explanation("dependence", e, output)?;
    let m = e.n_features();
    if feature >= m {
        return Err(PlotError::input(
            "dependence",
            format!("feature {feature} out of range: the explanation has {m} features"),
        ));
    }
    let n = e.n_samples();
    let mut srt: Vec<usize> = (0..n).collect();
    srt.sort_by(|&a, &b| {
        e.data[[a, feature]]
            .total_cmp(&e.data[[b, feature]])
            .then(a.cmp(&b))
    });
    let shap_ref: Vec<f64> = srt
        .iter()
        .map(|&i| e.values[[i, feature, output]])
        .collect();
    let inc = (n / 10).clamp(1, 50);
    let mut scores: Vec<(usize, f64)> = (0..m)
        .filter(|&j| j != feature)
        .map(|j| {
            let other: Vec<f64> = srt.iter().map(|&i| e.data[[i, j]]).collect();
            let nan_ind: Vec<f64> = other
                .iter()
                .map(|v| if v.is_nan() { 1.0 } else { 0.0 })
                .collect();
            let score = |vals: &[f64]| {
                // shap skips features whose values sum to ~0 in absolute value (NaN passes).
                let mass: f64 = vals.iter().map(|v| v.abs()).sum();
                if mass < 1e-8 {
                    0.0
                } else {
                    chunked_abs_corr(&shap_ref, vals, inc)
                }
            };
            (j, score(&other).max(score(&nan_ind)))
        })
        .collect();
    scores.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    Ok(scores)
}

/// Exact interaction strength from SHAP interaction values, shape (samples, features,
/// features) for one output: mean over rows of |Φ[i, feature, j]| for every j ≠ feature,
/// strongest first (ties by index).
pub fn interaction_strengths(iv: ArrayView3<'_, f64>, feature: usize) -> Vec<(usize, f64)> {
    let (n, m, _) = iv.dim();
    let mut s: Vec<(usize, f64)> = (0..m)
        .filter(|&j| j != feature)
        .map(|j| {
            (
                j,
                (0..n).map(|i| iv[[i, feature, j]].abs()).sum::<f64>() / n.max(1) as f64,
            )
        })
        .collect();
    s.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    s
}

/// The points of a dependence plot.
#[derive(Clone, Debug, PartialEq)]
pub struct DependenceData {
    /// Explained rows that are drawn (rows whose feature value is missing are left out).
    pub rows: Vec<usize>,
    /// Feature value per drawn row.
    pub x: Vec<f64>,
    /// SHAP value per drawn row.
    pub y: Vec<f64>,
    /// The colouring feature and each drawn row's colour position (`None`: missing, grey).
    pub color: Option<(usize, Vec<Option<f64>>)>,
}

/// Dependence data for `feature` and `output`. `interaction_values`, shape (samples,
/// features, features) for this output, is used by [`ColorBy::Auto`] when given.
pub fn dependence_data(
    e: &Explanation,
    feature: usize,
    output: usize,
    color_by: ColorBy,
    interaction_values: Option<ArrayView3<'_, f64>>,
) -> Result<DependenceData, PlotError> {
    const P: &str = "dependence";
    let ranking = approximate_interactions(e, feature, output)?;
    let (n, m) = (e.n_samples(), e.n_features());
    let color_feature = match color_by {
        ColorBy::None => None,
        ColorBy::Feature(j) if j >= m => {
            return Err(PlotError::input(
                P,
                format!("colour feature {j} out of range: the explanation has {m} features"),
            ));
        }
        ColorBy::Feature(j) => Some(j),
        ColorBy::Auto => {
            let ranked = match interaction_values {
                Some(iv) => {
                    if iv.dim() != (n, m, m) {
                        return Err(PlotError::input(
                            P,
                            format!(
                                "interaction values have shape {:?}; expected ({n}, {m}, {m})",
                                iv.dim()
                            ),
                        ));
                    }
                    interaction_strengths(iv, feature)
                }
                None => ranking,
            };
            ranked.first().filter(|(_, s)| *s > 0.0).map(|(j, _)| *j)
        }
    };
    let rows: Vec<usize> = (0..n)
        .filter(|&i| e.data[[i, feature]].is_finite())
        .collect();
    if rows.is_empty() {
        return Err(PlotError::input(
            P,
            format!(
                "feature '{}' has no finite values to plot",
                e.feature_names[feature]
            ),
        ));
    }
    let x = rows.iter().map(|&i| e.data[[i, feature]]).collect();
    let y = rows
        .iter()
        .map(|&i| e.values[[i, feature, output]])
        .collect();
    let color = color_feature.map(|j| {
        // Scale over all explained rows, like the beeswarm, then keep the drawn ones.
        let all = color_positions(&e.data.column(j).to_vec());
        (j, rows.iter().map(|&i| all[i]).collect())
    });
    Ok(DependenceData { rows, x, y, color })
}

/// shap-style dependence plot: the feature's value (x) against its SHAP value (y) for every
/// explained row, a light histogram of the feature's values behind, points coloured by the
/// feature chosen by `color_by` (with a colour bar). `interaction_values`, shape (samples,
/// features, features) for `output`, refines [`ColorBy::Auto`] when given.
pub fn dependence(
    e: &Explanation,
    feature: usize,
    output: usize,
    color_by: ColorBy,
    interaction_values: Option<ArrayView3<'_, f64>>,
) -> Result<Figure, PlotError> {
    let d = dependence_data(e, feature, output, color_by, interaction_values)?;
    let name = &e.feature_names[feature];
    let title = format!("Dependence: {name} — {}", check::output_name(e, output));
    let (width, height) = (900.0, 600.0);
    let top = TITLE_BAND + 6.0;
    let bottom = height - X_AXIS_BAND;
    let right = width
        - PAD
        - if d.color.is_some() {
            COLORBAR_BAND + 10.0
        } else {
            10.0
        };
    let mut s = Scene::default();
    let colors = point_colors(&d.color, d.x.len());
    let panel = Panel {
        x: &d.x,
        y: &d.y,
        colors: &colors,
        x_label: name,
        y_label: &format!("SHAP value for {name}"),
        x_categories: e.categories.get(feature).and_then(|c| c.as_deref()),
    };
    let area = scatter_panel(&mut s, &panel, PAD, top, right, bottom);
    if let Some((j, _)) = &d.color {
        feature_colorbar(&mut s, e, *j, area);
    }
    frame::title(&mut s, &title, area.left, area.right, width);
    Ok(Figure::new(title, width, height, s))
}

/// Point colours for a dependence-style scatter: shap's blue→red map over the colour positions
/// (grey where missing), or all blue without a colouring feature.
pub(crate) fn point_colors(color: &Option<(usize, Vec<Option<f64>>)>, n: usize) -> Vec<Rgba> {
    match color {
        Some((_, t)) => t
            .iter()
            .map(|c| c.map_or(MISSING, |t| Rgba::rgb(colormap::shap_red_blue(t))))
            .collect(),
        None => vec![BLUE; n],
    }
}

/// The points and labels of one scatter panel.
pub(crate) struct Panel<'a> {
    pub x: &'a [f64],
    pub y: &'a [f64],
    pub colors: &'a [Rgba],
    pub x_label: &'a str,
    pub y_label: &'a str,
    /// Category names of a categorical x (x holds their codes 0, 1, ...): the x ticks.
    pub x_categories: Option<&'a [String]>,
}

/// Draws a dependence-style scatter in the box from `outer_left` to `right` and `top` to
/// `bottom` (the y tick labels and the rotated y label take the box's left part): a light
/// histogram of x in the bottom fifth, the points, and both axes. Returns the plot area.
pub(crate) fn scatter_panel(
    s: &mut Scene,
    p: &Panel<'_>,
    outer_left: f64,
    top: f64,
    right: f64,
    bottom: f64,
) -> Area {
    let range = |v: &[f64]| {
        v.iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
                (a.min(v), b.max(v))
            })
    };
    let (xmin, xmax) = range(p.x);
    let (ymin, ymax) = range(p.y);
    let (x0, x1) = crate::axis::padded(xmin, xmax, 0.04);
    let (y0, y1) = crate::axis::padded(ymin, ymax, 0.06);
    let yprobe = Scale::linear(y0, y1, bottom, top);
    let left = outer_left + 22.0 + frame::y_tick_width(yprobe, 6) + 12.0;
    let area = Area {
        left,
        top,
        right,
        bottom,
    };
    let xs = Scale::linear(x0, x1, left, right);
    let ys = Scale::linear(y0, y1, bottom, top);
    // Histogram of the feature in the bottom fifth, as shap draws it.
    let bins = 40usize;
    let mut counts = vec![0usize; bins];
    for &v in p.x {
        let b = if xmax > xmin {
            (((v - xmin) / (xmax - xmin)) * bins as f64) as usize
        } else {
            bins / 2
        };
        counts[b.min(bins - 1)] += 1;
    }
    let cmax = counts.iter().copied().max().unwrap_or(1).max(1) as f64;
    let (hx0, hx1) = if xmax > xmin { (xmin, xmax) } else { (x0, x1) };
    for (b, &c) in counts.iter().enumerate() {
        if c == 0 {
            continue;
        }
        let a = xs.map(hx0 + (hx1 - hx0) * b as f64 / bins as f64);
        let z = xs.map(hx0 + (hx1 - hx0) * (b + 1) as f64 / bins as f64);
        let h = area.height() * 0.2 * c as f64 / cmax;
        s.rect(a, bottom - h, z, bottom, Rgba::hex(0xdddddd));
    }
    for ((&x, &y), c) in p.x.iter().zip(p.y).zip(p.colors) {
        s.circle((xs.map(x), ys.map(y)), 2.8, *c, None);
    }
    match p.x_categories {
        Some(names) => {
            let ticks = names
                .iter()
                .enumerate()
                .map(|(k, n)| (k as f64, n.clone()))
                .collect();
            frame::x_axis_ticks(s, area, xs, ticks, p.x_label);
        }
        None => frame::x_axis(s, area, xs, 7, p.x_label),
    }
    frame::y_axis(s, area, ys, 6, p.y_label, outer_left);
    area
}

/// The colour bar of feature `j`'s values (shap's 5th–95th percentile range) right of `area`.
pub(crate) fn feature_colorbar(s: &mut Scene, e: &Explanation, j: usize, area: Area) {
    let (lo, hi) = color_range(&e.data.column(j).to_vec()).unwrap_or((0.0, 0.0));
    let bar_h = area.height().min(420.0);
    let by0 = (area.top + area.bottom) / 2.0 - bar_h / 2.0;
    frame::colorbar(
        s,
        area.right + 18.0,
        by0,
        by0 + bar_h,
        &e.feature_names[j],
        &format_sig(lo, 3, false),
        &format_sig(hi, 3, false),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use glassbox_core::ndarray::{Array2, Array3};

    /// SHAP of feature 0 is x0 * x2 (interacts with 2), feature 1 is noise-free x1.
    fn interacting(n: usize) -> Explanation {
        let mut rng = glassbox_core::rng::Rng::new(11);
        let data = Array2::from_shape_fn((n, 3), |_| rng.uniform(-1.0, 1.0));
        let values = Array3::from_shape_fn((n, 3, 1), |(i, j, _)| match j {
            0 => data[[i, 0]] * data[[i, 2]],
            1 => data[[i, 1]],
            _ => 0.1 * data[[i, 2]],
        });
        Explanation::new(
            values,
            Array2::zeros((n, 1)),
            data,
            vec!["a".into(), "b".into(), "c".into()],
            vec!["y".into()],
            "t",
        )
        .unwrap()
    }

    #[test]
    fn heuristic_finds_the_interacting_feature() {
        let e = interacting(400);
        let r = approximate_interactions(&e, 0, 0).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].0, 2, "{r:?}");
        assert!(r[0].1 > 3.0 * r[1].1, "{r:?}");
        let d = dependence_data(&e, 0, 0, ColorBy::Auto, None).unwrap();
        assert_eq!(d.color.as_ref().unwrap().0, 2);
        assert_eq!(d.x.len(), 400);
        let d = dependence_data(&e, 0, 0, ColorBy::None, None).unwrap();
        assert!(d.color.is_none());
    }

    #[test]
    fn chunked_correlation_matches_hand_computation() {
        // Chunk 1: perfectly correlated; chunk 2: anti-correlated; chunk 3: constant b (skipped).
        let a = [1.0, 2.0, 3.0, 1.0, 2.0, 3.0, 1.0, 2.0, 3.0];
        let b = [2.0, 4.0, 6.0, 3.0, 2.0, 1.0, 5.0, 5.0, 5.0];
        assert!((chunked_abs_corr(&a, &b, 3) - 2.0).abs() < 1e-12);
        let with_nan = [2.0, f64::NAN, 6.0, 3.0, 2.0, 1.0, 5.0, 5.0, 5.0];
        assert!((chunked_abs_corr(&a, &with_nan, 3) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn exact_interaction_values_override_the_heuristic() {
        let e = interacting(50);
        let mut iv = Array3::<f64>::zeros((50, 3, 3));
        for i in 0..50 {
            iv[[i, 0, 1]] = 0.5;
            iv[[i, 1, 0]] = 0.5;
        }
        let d = dependence_data(&e, 0, 0, ColorBy::Auto, Some(iv.view())).unwrap();
        assert_eq!(d.color.unwrap().0, 1);
        let bad = Array3::<f64>::zeros((49, 3, 3));
        assert!(dependence_data(&e, 0, 0, ColorBy::Auto, Some(bad.view())).is_err());
        assert!(dependence_data(&e, 3, 0, ColorBy::Auto, None).is_err());
        assert!(dependence_data(&e, 0, 0, ColorBy::Feature(7), None).is_err());
    }

    #[test]
    fn rows_with_missing_feature_values_are_left_out() {
        let mut e = interacting(20);
        e.data[[3, 0]] = f64::NAN;
        let d = dependence_data(&e, 0, 0, ColorBy::Feature(1), None).unwrap();
        assert_eq!(d.x.len(), 19);
        assert!(!d.rows.contains(&3));
    }
}
