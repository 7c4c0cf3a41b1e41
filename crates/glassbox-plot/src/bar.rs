//! Horizontal bar charts: shap's global importance bar ([`shap_bar`]) and bars with error
//! whiskers for permutation importance ([`bar_with_errors`]).

use glassbox_core::Explanation;

use crate::axis::format_sig;
use crate::figure::Figure;
use crate::font::{self, HAlign, VAlign};
use crate::frame::{self, Area, PAD, Scale, TITLE_BAND, VALUE_SIZE, X_AXIS_BAND};
use crate::ranking::{other_label, rank_top_k};
use crate::scene::{BLUE, INK, RED, Scene};
use crate::{PlotError, check};

/// One bar of a bar chart, top to bottom.
#[derive(Clone, Debug, PartialEq)]
pub struct BarRow {
    /// Row label (feature name, or "Sum of N other features").
    pub label: String,
    /// Bar length.
    pub value: f64,
    /// Error half-width (one standard deviation), 0 when none.
    pub error: f64,
    /// The feature indices behind the bar (one, or the pooled ones).
    pub features: Vec<usize>,
}

/// shap's bar data: mean |SHAP| per feature for `output`, sorted descending, at most
/// `max_display` rows; when there are more features the last row sums the mean |SHAP| of the
/// rest (shap's "Sum of N other features").
pub fn shap_bar_data(
    e: &Explanation,
    output: usize,
    max_display: usize,
) -> Result<Vec<BarRow>, PlotError> {
    check_bar(e, output, max_display)?;
    Ok(bar_rows(&e.feature_names, &e.mean_abs(output), max_display))
}

fn check_bar(e: &Explanation, output: usize, max_display: usize) -> Result<(), PlotError> {
    check::explanation("shap bar", e, output)?;
    if max_display == 0 {
        return Err(PlotError::input(
            "shap bar",
            "max_display must be at least 1",
        ));
    }
    Ok(())
}

/// [`shap_bar_data`] with the mean |SHAP value| of each feature given, one per feature of
/// `e` (e.g. summed over every row of an explanation streamed in chunks, while `e` holds a
/// sample of the rows).
pub fn shap_bar_data_means(
    e: &Explanation,
    output: usize,
    mean_abs: &[f64],
    max_display: usize,
) -> Result<Vec<BarRow>, PlotError> {
    check_bar(e, output, max_display)?;
    if mean_abs.len() != e.n_features() {
        return Err(PlotError::input(
            "shap bar",
            format!(
                "{} mean |SHAP| values for {} features",
                mean_abs.len(),
                e.n_features()
            ),
        ));
    }
    Ok(bar_rows(&e.feature_names, mean_abs, max_display))
}

/// Bars for `scores` (one per feature), sorted descending, at most `max_display`, the last
/// pooling the rest.
fn bar_rows(names: &[String], scores: &[f64], max_display: usize) -> Vec<BarRow> {
    let r = rank_top_k(scores, max_display);
    let mut rows: Vec<BarRow> = r
        .shown
        .iter()
        .map(|&j| BarRow {
            label: names[j].clone(),
            value: scores[j],
            error: 0.0,
            features: vec![j],
        })
        .collect();
    if !r.rest.is_empty() {
        rows.push(BarRow {
            label: other_label(r.rest.len()),
            value: r.rest.iter().map(|&j| scores[j]).sum(),
            error: 0.0,
            features: r.rest.clone(),
        });
    }
    rows
}

/// shap-style global importance bar plot: mean |SHAP value| per feature for `output`, sorted,
/// at most `max_display` bars (the last pooling the remaining features), values written at the
/// bar ends.
pub fn shap_bar(e: &Explanation, output: usize, max_display: usize) -> Result<Figure, PlotError> {
    check_bar(e, output, max_display)?;
    shap_bar_means(e, output, &e.mean_abs(output), max_display)
}

/// [`shap_bar`] with the mean |SHAP value| of each feature given ([`shap_bar_data_means`]).
pub fn shap_bar_means(
    e: &Explanation,
    output: usize,
    mean_abs: &[f64],
    max_display: usize,
) -> Result<Figure, PlotError> {
    let rows = shap_bar_data_means(e, output, mean_abs, max_display)?;
    let title = format!(
        "Feature importance — {} · {}",
        check::output_name(e, output),
        e.method
    );
    Ok(hbar_figure(&title, &rows, "mean(|SHAP value|)", false))
}

/// Bars with ±1 std whiskers, sorted by mean descending: permutation importance and similar.
/// `labels`, `means` and `stds` have one entry per bar; `stds` must be ≥ 0.
pub fn bar_with_errors_data(
    labels: &[String],
    means: &[f64],
    stds: &[f64],
) -> Result<Vec<BarRow>, PlotError> {
    const P: &str = "bar with errors";
    if labels.is_empty() {
        return Err(PlotError::input(P, "no bars to draw (empty labels)"));
    }
    check::same_len(P, ("labels", labels.len()), ("means", means.len()))?;
    check::same_len(P, ("labels", labels.len()), ("stds", stds.len()))?;
    check::finite(P, "means", means)?;
    check::finite(P, "stds", stds)?;
    if let Some(i) = stds.iter().position(|&s| s < 0.0) {
        return Err(PlotError::input(
            P,
            format!("stds[{i}] is {}; expected ≥ 0", stds[i]),
        ));
    }
    let order = rank_top_k(means, usize::MAX).shown;
    Ok(order
        .into_iter()
        .map(|i| BarRow {
            label: labels[i].clone(),
            value: means[i],
            error: stds[i],
            features: vec![i],
        })
        .collect())
}

/// Horizontal bar chart of `means` with ±`stds` whiskers, sorted by mean (largest on top), for
/// permutation importance. `x_label` names the measure (e.g. "Decrease in R²").
pub fn bar_with_errors(
    labels: &[String],
    means: &[f64],
    stds: &[f64],
    title: &str,
    x_label: &str,
) -> Result<Figure, PlotError> {
    let rows = bar_with_errors_data(labels, means, stds)?;
    Ok(hbar_figure(title, &rows, x_label, true))
}

fn value_label(r: &BarRow, with_error: bool) -> String {
    if with_error {
        format!(
            "{} ± {}",
            format_sig(r.value, 3, false),
            format_sig(r.error, 2, false)
        )
    } else {
        format_sig(r.value, 3, true)
    }
}

/// Lays out a horizontal bar chart: labels left, bars coloured by sign, value labels at the bar
/// ends, a vertical line at zero, the numeric axis at the bottom.
fn hbar_figure(title: &str, rows: &[BarRow], x_label: &str, with_error: bool) -> Figure {
    let pitch = 30.0;
    let labels: Vec<String> = rows.iter().map(|r| r.label.clone()).collect();
    let label_w = frame::max_width(&labels, frame::ROW_LABEL_SIZE).min(420.0);
    let labels: Vec<String> = labels
        .iter()
        .map(|l| frame::fit_text(l, frame::ROW_LABEL_SIZE, false, label_w))
        .collect();
    let left = PAD + label_w + 14.0;
    let width = (left + 560.0).max(900.0);
    let top = TITLE_BAND + 6.0;
    let bottom = top + pitch * rows.len() as f64;
    let height = bottom + X_AXIS_BAND;
    let area = Area {
        left,
        top,
        right: width - PAD - 10.0,
        bottom,
    };

    // Domain: include zero and every bar end (with whiskers), then make room for the value
    // labels so none runs past the plot area.
    let texts: Vec<String> = rows.iter().map(|r| value_label(r, with_error)).collect();
    let ends = |r: &BarRow| (r.value - r.error, r.value + r.error);
    let mut lo = rows.iter().map(|r| ends(r).0).fold(0.0, f64::min);
    let mut hi = rows.iter().map(|r| ends(r).1).fold(0.0, f64::max);
    if hi == lo {
        hi = lo + 1.0;
    }
    let gap = 6.0;
    let pos_w = rows
        .iter()
        .zip(&texts)
        .filter(|(r, _)| r.value >= 0.0)
        .map(|(_, t)| font::text_width(t, VALUE_SIZE, false) + gap)
        .fold(0.0, f64::max);
    let neg_w = rows
        .iter()
        .zip(&texts)
        .filter(|(r, _)| r.value < 0.0)
        .map(|(_, t)| font::text_width(t, VALUE_SIZE, false) + gap)
        .fold(0.0, f64::max);
    let ppu = (area.width() - pos_w - neg_w).max(40.0) / (hi - lo);
    hi += pos_w / ppu;
    lo -= neg_w / ppu;
    let scale = Scale::linear(lo, hi, area.left, area.right);

    let mut s = Scene::default();
    let centres: Vec<f64> = (0..rows.len())
        .map(|i| top + pitch * (i as f64 + 0.5))
        .collect();
    frame::row_labels(&mut s, area, &labels, &centres, true);
    let x0 = scale.map(0.0);
    for ((r, &y), t) in rows.iter().zip(&centres).zip(&texts) {
        let color = if r.value >= 0.0 { RED } else { BLUE };
        let h = pitch * 0.35;
        s.rect(x0, y - h, scale.map(r.value), y + h, color);
        let (end_lo, end_hi) = ends(r);
        if with_error && r.error > 0.0 {
            let (a, b) = (scale.map(end_lo), scale.map(end_hi));
            s.line((a, y), (b, y), INK, 1.2);
            s.line((a, y - 5.0), (a, y + 5.0), INK, 1.2);
            s.line((b, y - 5.0), (b, y + 5.0), INK, 1.2);
        }
        if r.value >= 0.0 {
            s.text(
                (scale.map(end_hi) + gap, y),
                t.clone(),
                VALUE_SIZE,
                color,
                HAlign::Left,
                VAlign::Center,
            );
        } else {
            s.text(
                (scale.map(end_lo) - gap, y),
                t.clone(),
                VALUE_SIZE,
                color,
                HAlign::Right,
                VAlign::Center,
            );
        }
    }
    s.line((x0, top), (x0, bottom), INK, 1.0);
    frame::x_axis(&mut s, area, scale, 6, x_label);
    frame::title(&mut s, title, area.left, area.right, width);
    Figure::new(title, width, height, s)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use glassbox_core::ndarray::{Array2, Array3};

    pub(crate) fn expl(n: usize, m: usize) -> Explanation {
        let values = Array3::from_shape_fn((n, m, 1), |(i, j, _)| {
            ((i * 7 + j * 3) % 11) as f64 / 10.0
                * (j + 1) as f64
                * if i % 2 == 0 { 1.0 } else { -1.0 }
        });
        Explanation::new(
            values,
            Array2::from_elem((n, 1), 10.0),
            Array2::from_shape_fn((n, m), |(i, j)| (i * (j + 1)) as f64),
            (0..m).map(|j| format!("feature {j}")).collect(),
            vec!["y".into()],
            "test",
        )
        .unwrap()
    }

    #[test]
    fn bar_data_is_sorted_with_a_summed_bucket() {
        let e = expl(9, 6);
        let mean_abs = e.mean_abs(0);
        let rows = shap_bar_data(&e, 0, 4).unwrap();
        assert_eq!(rows.len(), 4);
        for w in rows[..3].windows(2) {
            assert!(w[0].value >= w[1].value);
        }
        assert_eq!(rows[3].label, "Sum of 3 other features");
        let expected: f64 = rows[3].features.iter().map(|&j| mean_abs[j]).sum();
        assert!((rows[3].value - expected).abs() < 1e-12);
        // Every feature appears exactly once.
        let mut all: Vec<usize> = rows.iter().flat_map(|r| r.features.clone()).collect();
        all.sort();
        assert_eq!(all, (0..6).collect::<Vec<_>>());
        // The largest shown bar is the largest mean |SHAP|.
        assert_eq!(rows[0].value, mean_abs.iter().cloned().fold(0.0, f64::max));
        assert_eq!(shap_bar_data(&e, 0, 6).unwrap().len(), 6);
    }

    #[test]
    fn bad_bar_input_is_rejected() {
        let e = expl(4, 3);
        assert!(matches!(
            shap_bar(&e, 1, 5),
            Err(PlotError::InvalidInput { .. })
        ));
        assert!(shap_bar(&e, 0, 0).is_err());
        let mut bad = e.clone();
        bad.values[[2, 1, 0]] = f64::NAN;
        let err = shap_bar(&bad, 0, 5).unwrap_err().to_string();
        assert!(err.contains("row 2") && err.contains("feature 1"), "{err}");
        let names = vec!["a".to_string(), "b".to_string()];
        assert!(bar_with_errors(&names, &[1.0], &[0.1, 0.1], "t", "x").is_err());
        assert!(bar_with_errors(&names, &[1.0, f64::NAN], &[0.1, 0.1], "t", "x").is_err());
        assert!(bar_with_errors(&names, &[1.0, 2.0], &[0.1, -0.1], "t", "x").is_err());
        assert!(bar_with_errors(&[], &[], &[], "t", "x").is_err());
    }

    #[test]
    fn error_bars_sort_by_mean() {
        let names: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let rows = bar_with_errors_data(&names, &[0.1, -0.05, 0.3], &[0.01, 0.02, 0.03]).unwrap();
        let labels: Vec<&str> = rows.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(labels, vec!["c", "a", "b"]);
        assert_eq!(rows[0].error, 0.03);
    }
}
