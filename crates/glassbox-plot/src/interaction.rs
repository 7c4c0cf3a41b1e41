//! SHAP interaction plots: the matrix of mean |interaction value| between features
//! ([`interaction_matrix`]) and, for one pair, the main effect beside the interaction effect
//! ([`interaction_pair`]).
//!
//! Convention (shap's, from TreeExplainer's `shap_interaction_values`): for one row and output,
//! `Φ[i, i]` is feature i's main effect and `Φ[i, j] = Φ[j, i]` (i ≠ j) is *half* the
//! interaction between i and j, so that row sums give the SHAP values. The full interaction
//! effect of a pair is `Φ[i, j] + Φ[j, i] = 2·Φ[i, j]`.

use glassbox_core::Explanation;
use glassbox_core::ndarray::{Array2, ArrayView2, ArrayView3, Axis};

use crate::axis::format_sig;
use crate::dependence::{Panel, feature_colorbar, point_colors, scatter_panel};
use crate::figure::Figure;
use crate::font::{HAlign, VAlign};
use crate::frame::{self, COLORBAR_BAND, PAD, TITLE_BAND, X_AXIS_BAND};
use crate::ranking::color_positions;
use crate::scene::{BLUE, GREY, INK, Rgba, Scene, WHITE};
use crate::{PlotError, check, colormap};

/// Mean |interaction value| over rows: `iv` has shape (samples, features, features) for one
/// output; the result has shape (features, features) (all zeros when there are no rows).
pub fn mean_abs_interactions(iv: ArrayView3<'_, f64>) -> Array2<f64> {
    let n = iv.dim().0.max(1) as f64;
    iv.mapv(f64::abs).sum_axis(Axis(0)) / n
}

/// The cells of an interaction matrix figure.
#[derive(Clone, Debug, PartialEq)]
pub struct InteractionMatrixData {
    /// Shown features, most important first: by their total (row sum of the matrix, main
    /// effect included), descending, ties by index; at most `max_display`.
    pub features: Vec<usize>,
    /// Their names.
    pub labels: Vec<String>,
    /// Their totals (same order).
    pub totals: Vec<f64>,
    /// The matrix restricted to the shown features in that order, shape (shown, shown):
    /// `matrix[[a, b]] = iv_mean[[features[a], features[b]]]`.
    pub matrix: Array2<f64>,
}

/// Interaction matrix data: `iv_mean`, shape (features, features), mean |SHAP interaction
/// value| per pair (diagonal: main effects; see [`mean_abs_interactions`]), non-negative and
/// finite; `names` one per feature. Keeps the `max_display` features with the largest totals.
pub fn interaction_matrix_data(
    iv_mean: ArrayView2<'_, f64>,
    names: &[String],
    max_display: usize,
) -> Result<InteractionMatrixData, PlotError> {
    const P: &str = "interaction matrix";
    let (m, m2) = iv_mean.dim();
    if m == 0 || m != m2 {
        return Err(PlotError::input(
            P,
            format!("matrix has shape ({m}, {m2}); expected a non-empty square matrix"),
        ));
    }
    check::same_len(P, ("matrix rows", m), ("names", names.len()))?;
    if max_display == 0 {
        return Err(PlotError::input(P, "max_display must be at least 1"));
    }
    if let Some(((a, b), v)) = iv_mean
        .indexed_iter()
        .find(|(_, v)| !v.is_finite() || **v < 0.0)
    {
        return Err(PlotError::input(
            P,
            format!("entry ({a}, {b}) is {v}; expected a finite mean |interaction value| ≥ 0"),
        ));
    }
    let totals: Vec<f64> = (0..m).map(|j| iv_mean.row(j).sum()).collect();
    let mut features: Vec<usize> = (0..m).collect();
    features.sort_by(|&a, &b| totals[b].total_cmp(&totals[a]).then(a.cmp(&b)));
    features.truncate(max_display);
    let k = features.len();
    Ok(InteractionMatrixData {
        labels: features.iter().map(|&j| names[j].clone()).collect(),
        totals: features.iter().map(|&j| totals[j]).collect(),
        matrix: Array2::from_shape_fn((k, k), |(a, b)| iv_mean[[features[a], features[b]]]),
        features,
    })
}

/// Heat map of the mean |SHAP interaction value| matrix `iv_mean`, shape (features,
/// features), diagonal = main effects: the `max_display` features with the largest totals,
/// most important at the top left, shaded on matplotlib's `Blues` from 0 to the largest shown
/// value with a colour bar; the values are written in the cells when at most 12 are shown.
pub fn interaction_matrix(
    iv_mean: ArrayView2<'_, f64>,
    names: &[String],
    max_display: usize,
) -> Result<Figure, PlotError> {
    let d = interaction_matrix_data(iv_mean, names, max_display)?;
    let m = iv_mean.nrows();
    let k = d.features.len();
    let title = if k < m {
        format!("SHAP interaction values, mean |Φ| — top {k} of {m} features")
    } else {
        "SHAP interaction values, mean |Φ|".to_string()
    };
    let max = d.matrix.iter().copied().fold(0.0, f64::max);
    let cell = (560.0 / k as f64).clamp(22.0, 80.0);
    let names_w = frame::max_width(&d.labels, frame::TICK_SIZE).min(240.0);
    let labels: Vec<String> = d
        .labels
        .iter()
        .map(|c| frame::fit_text(c, frame::TICK_SIZE, false, names_w))
        .collect();
    let vertical_x = names_w > cell - 6.0;
    let left = PAD + names_w + 10.0;
    let top = TITLE_BAND + 10.0;
    let grid = cell * k as f64;
    let x_band = if vertical_x { names_w + 14.0 } else { 22.0 };
    let width = (left + grid + 24.0 + COLORBAR_BAND + 20.0).max(520.0);
    let height = top + grid + x_band + 20.0;
    let mut s = Scene::default();
    draw_cells(&mut s, &d.matrix, (left, top), cell, max);
    for (i, name) in labels.iter().enumerate() {
        let c = cell * (i as f64 + 0.5);
        let (ts, r) = (frame::TICK_SIZE, HAlign::Right);
        s.text(
            (left - 8.0, top + c),
            name.clone(),
            ts,
            INK,
            r,
            VAlign::Center,
        );
        let pos = (left + c, top + grid + 8.0);
        let (h, v) = if vertical_x {
            (r, VAlign::Center)
        } else {
            (HAlign::Center, VAlign::Top)
        };
        s.text_full(pos, name.clone(), ts, INK, false, h, v, vertical_x);
    }
    let y1 = top + grid.max(120.0);
    blues_colorbar(&mut s, left + grid + 24.0, (top, y1), max);
    frame::title(&mut s, &title, left, left + grid, width);
    Ok(Figure::new(title, width, height.max(y1 + 20.0), s))
}

/// The cells of `matrix` from `(left, top)`, `cell` px square, shaded on `Blues` from 0 to
/// `max`, with their values written in when there are at most 12 rows, and an outline.
fn draw_cells(s: &mut Scene, matrix: &Array2<f64>, (left, top): (f64, f64), cell: f64, max: f64) {
    let k = matrix.nrows();
    let scale = if max > 0.0 { max } else { 1.0 };
    let size = (cell * 0.3).clamp(8.0, 12.0);
    for ((a, b), &v) in matrix.indexed_iter() {
        let (x, y) = (left + cell * b as f64, top + cell * a as f64);
        let frac = v / scale;
        s.rect(x, y, x + cell, y + cell, Rgba::rgb(colormap::blues(frac)));
        if k <= 12 {
            let ink = if frac > 0.55 { WHITE } else { INK };
            let t = frame::fit_text(&format_sig(v, 2, false), size, false, cell - 4.0);
            let c = (x + cell / 2.0, y + cell / 2.0);
            s.text(c, t, size, ink, HAlign::Center, VAlign::Center);
        }
    }
    let grid = cell * k as f64;
    s.rect_outline(left, top, left + grid, top + grid, GREY, 0.8);
}

/// A vertical `Blues` colour bar at `x` over `(y0, y1)`, `max` at the top and 0 at the bottom,
/// with its rotated label.
fn blues_colorbar(s: &mut Scene, x: f64, (y0, y1): (f64, f64), max: f64) {
    let steps = 128u32;
    let rgb: Vec<u8> = (0..steps)
        .flat_map(|i| colormap::blues(1.0 - (i as f64 + 0.5) / steps as f64))
        .collect();
    s.image(x, y0, x + 10.0, y1, 1, steps, rgb);
    s.rect_outline(x, y0, x + 10.0, y1, GREY, 0.6);
    let hi = format_sig(max, 2, false);
    let (ts, l) = (frame::TICK_SIZE, HAlign::Left);
    let lw = crate::font::text_width(&hi, ts, false).max(8.0);
    s.text((x + 14.0, y0 + 6.0), hi, ts, INK, l, VAlign::Center);
    s.text((x + 14.0, y1 - 6.0), "0", ts, INK, l, VAlign::Center);
    let size = frame::LABEL_SIZE;
    let label = frame::fit_text("mean |SHAP interaction value|", size, false, y1 - y0);
    let at = (x + 20.0 + lw, (y0 + y1) / 2.0);
    s.text_full(
        at,
        label,
        size,
        INK,
        false,
        HAlign::Center,
        VAlign::Top,
        true,
    );
}

/// The points of an interaction-pair figure (rows whose value of feature `i` is missing are
/// left out, as in the dependence plot).
#[derive(Clone, Debug, PartialEq)]
pub struct InteractionPairData {
    /// Explained rows drawn.
    pub rows: Vec<usize>,
    /// Feature i's value per drawn row.
    pub x: Vec<f64>,
    /// Main effect `Φ[r, i, i]` per drawn row.
    pub main: Vec<f64>,
    /// Full interaction effect `2·Φ[r, i, j]` (= `Φ[r, i, j] + Φ[r, j, i]`) per drawn row.
    pub interaction: Vec<f64>,
    /// Colour position of feature j's value per drawn row (`None`: missing, grey), scaled
    /// over all rows as in the beeswarm.
    pub color: Vec<Option<f64>>,
}

/// Interaction-pair data for features `i` ≠ `j` of `e` and `output`; `iv` is the SHAP
/// interaction values of that output, shape (samples, features, features), finite.
pub fn interaction_pair_data(
    e: &Explanation,
    iv: ArrayView3<'_, f64>,
    i: usize,
    j: usize,
    output: usize,
) -> Result<InteractionPairData, PlotError> {
    const P: &str = "interaction pair";
    check::explanation(P, e, output)?;
    let (n, m) = (e.n_samples(), e.n_features());
    if iv.dim() != (n, m, m) {
        return Err(PlotError::input(
            P,
            format!(
                "interaction values have shape {:?}; expected ({n}, {m}, {m})",
                iv.dim()
            ),
        ));
    }
    if let Some(&f) = [i, j].iter().find(|&&f| f >= m) {
        return Err(PlotError::input(
            P,
            format!("feature {f} out of range: the explanation has {m} features"),
        ));
    }
    if i == j {
        return Err(PlotError::input(
            P,
            format!("features i and j are both {i}; expected two different features"),
        ));
    }
    let rows: Vec<usize> = (0..n).filter(|&r| e.data[[r, i]].is_finite()).collect();
    if rows.is_empty() {
        return Err(PlotError::input(
            P,
            format!(
                "feature '{}' has no finite values to plot",
                e.feature_names[i]
            ),
        ));
    }
    let main: Vec<f64> = rows.iter().map(|&r| iv[[r, i, i]]).collect();
    let interaction: Vec<f64> = rows.iter().map(|&r| 2.0 * iv[[r, i, j]]).collect();
    check::finite(P, "main effect", &main)?;
    check::finite(P, "interaction", &interaction)?;
    let all = color_positions(&e.data.column(j).to_vec());
    Ok(InteractionPairData {
        x: rows.iter().map(|&r| e.data[[r, i]]).collect(),
        color: rows.iter().map(|&r| all[r]).collect(),
        rows,
        main,
        interaction,
    })
}

/// Two dependence-style panels for features `i` and `j` of `output`: left, feature i's main
/// effect `Φ[i, i]` against its value; right, the full interaction effect `2·Φ[i, j]` (shap
/// stores half of it in each off-diagonal entry) against feature i's value, coloured by feature
/// j's value with a colour bar. `iv`: SHAP interaction values of `output`, shape (samples,
/// features, features).
pub fn interaction_pair(
    e: &Explanation,
    iv: ArrayView3<'_, f64>,
    i: usize,
    j: usize,
    output: usize,
) -> Result<Figure, PlotError> {
    let d = interaction_pair_data(e, iv, i, j, output)?;
    let (ni, nj) = (&e.feature_names[i], &e.feature_names[j]);
    let title = format!(
        "Interaction: {ni} × {nj} — {} · {}",
        check::output_name(e, output),
        e.method
    );
    let (width, height) = (1240.0, 560.0);
    let top = TITLE_BAND + 30.0;
    let bottom = height - X_AXIS_BAND;
    let mut s = Scene::default();
    let half = (width - COLORBAR_BAND - 10.0) / 2.0;
    let blue = vec![BLUE; d.x.len()];
    let main_label = format!("Main effect Φ({ni}, {ni})");
    let left = Panel {
        x: &d.x,
        y: &d.main,
        colors: &blue,
        x_label: ni,
        y_label: &main_label,
        x_categories: e.categories.get(i).and_then(|c| c.as_deref()),
    };
    let a = scatter_panel(&mut s, &left, PAD, top, half - 20.0, bottom);
    let colors = point_colors(&Some((j, d.color.clone())), d.x.len());
    let inter_label = format!("Interaction 2·Φ({ni}, {nj})");
    let right = Panel {
        x: &d.x,
        y: &d.interaction,
        colors: &colors,
        x_label: ni,
        y_label: &inter_label,
        x_categories: e.categories.get(i).and_then(|c| c.as_deref()),
    };
    let b = scatter_panel(
        &mut s,
        &right,
        half + 10.0,
        top,
        width - PAD - COLORBAR_BAND - 10.0,
        bottom,
    );
    feature_colorbar(&mut s, e, j, b);
    for (area, text) in [(a, "Main effect"), (b, "Interaction effect (both halves)")] {
        let at = ((area.left + area.right) / 2.0, top - 8.0);
        s.text(
            at,
            text,
            frame::LABEL_SIZE,
            INK,
            HAlign::Center,
            VAlign::Bottom,
        );
    }
    frame::title(&mut s, &title, PAD, width - PAD, width);
    Ok(Figure::new(title, width, height, s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use glassbox_core::ndarray::{Array3, array};

    #[test]
    fn matrix_is_ordered_by_totals_and_truncated() {
        // Totals: f0 = 1.5, f1 = 3.5, f2 = 0.6.
        let iv = array![[1.0, 0.4, 0.1], [0.4, 3.0, 0.1], [0.1, 0.1, 0.4]];
        let names: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let d = interaction_matrix_data(iv.view(), &names, 2).unwrap();
        assert_eq!(d.features, vec![1, 0]);
        assert_eq!(d.labels, vec!["b", "a"]);
        assert_eq!(d.matrix, array![[3.0, 0.4], [0.4, 1.0]]);
        assert!((d.totals[0] - 3.5).abs() < 1e-12);
        let neg = array![[1.0, -0.1], [-0.1, 1.0]];
        assert!(interaction_matrix_data(neg.view(), &names[..2], 2).is_err());
        assert!(interaction_matrix_data(iv.view(), &names[..2], 2).is_err());
        assert!(interaction_matrix_data(iv.view(), &names, 0).is_err());
    }

    #[test]
    fn mean_abs_over_rows() {
        let iv =
            Array3::from_shape_fn(
                (2, 2, 2),
                |(r, a, b)| {
                    if r == 0 { -(a as f64 + b as f64) } else { 1.0 }
                },
            );
        assert_eq!(
            mean_abs_interactions(iv.view()),
            array![[0.5, 1.0], [1.0, 1.5]]
        );
    }
}
