//! shap's decision plot: each row is a line that starts at the base value at the bottom and
//! adds its contributions feature by feature, most important feature last (at the top), ending
//! at f(x).

use glassbox_core::Explanation;

use crate::axis::format_sig;
use crate::colormap;
use crate::figure::Figure;
use crate::force::probability_axis;
use crate::frame::{self, Area, COLORBAR_BAND, PAD, Scale, TITLE_BAND, X_AXIS_BAND};
use crate::ranking::rank_top_k;
use crate::scene::{GREY, Rgba, Scene};
use crate::{PlotError, check};

/// One row's line through the decision plot.
#[derive(Clone, Debug, PartialEq)]
pub struct DecisionPath {
    /// The explained row.
    pub row: usize,
    /// Cumulative output, bottom to top: `points[0]` is the row's base value, `points[k]` adds
    /// the contributions of levels `0..k`; the last point is f(x). Length = levels + 1.
    pub points: Vec<f64>,
}

/// Decision-plot data: the feature levels (bottom to top) and one cumulative path per row.
#[derive(Clone, Debug, PartialEq)]
pub struct DecisionData {
    /// Level labels, bottom to top: the pooled "N other features" level first (if any), then the
    /// shown features from least to most important.
    pub labels: Vec<String>,
    /// Feature indices behind each level (same order as `labels`).
    pub features: Vec<Vec<usize>>,
    /// One path per requested row, in the order given.
    pub paths: Vec<DecisionPath>,
}

/// Decision-plot data for `rows` of `output`: features ranked by mean |SHAP value| over those
/// rows, at most `max_display` levels, the rest pooled into one bottom level; each path starts
/// at its row's base value and accumulates the levels bottom-up, ending at f(x).
pub fn decision_data(
    e: &Explanation,
    rows: &[usize],
    output: usize,
    max_display: usize,
) -> Result<DecisionData, PlotError> {
    check::explanation("decision", e, output)?;
    if rows.is_empty() {
        return Err(PlotError::input(
            "decision",
            "no rows to show: expected at least one",
        ));
    }
    if let Some(&r) = rows.iter().find(|&&r| r >= e.n_samples()) {
        return Err(PlotError::input(
            "decision",
            format!(
                "row {r} out of range: the explanation has {} rows",
                e.n_samples()
            ),
        ));
    }
    if max_display == 0 {
        return Err(PlotError::input(
            "decision",
            "max_display must be at least 1",
        ));
    }
    let m = e.n_features();
    let mean_abs: Vec<f64> = (0..m)
        .map(|j| {
            rows.iter()
                .map(|&i| e.values[[i, j, output]].abs())
                .sum::<f64>()
                / rows.len() as f64
        })
        .collect();
    let r = rank_top_k(&mean_abs, max_display);
    let mut labels = Vec::new();
    let mut features = Vec::new();
    if !r.rest.is_empty() {
        let n = r.rest.len();
        labels.push(if n == 1 {
            "1 other feature".into()
        } else {
            format!("{n} other features")
        });
        features.push(r.rest.clone());
    }
    for &j in r.shown.iter().rev() {
        labels.push(e.feature_names[j].clone());
        features.push(vec![j]);
    }
    let paths = rows
        .iter()
        .map(|&i| {
            let mut acc = e.base_values[[i, output]];
            let mut points = vec![acc];
            for f in &features {
                acc += f.iter().map(|&j| e.values[[i, j, output]]).sum::<f64>();
                points.push(acc);
            }
            DecisionPath { row: i, points }
        })
        .collect();
    Ok(DecisionData {
        labels,
        features,
        paths,
    })
}

/// shap-style decision plot for `rows` of `output`: features on the y axis (most important at
/// the top, at most `max_display` levels, the rest pooled at the bottom), output on x, one line
/// per row from its base value (bottom) to f(x) (top), coloured by f(x) with a colour bar.
/// With `probability_ticks`, the output is taken as a binary classifier's margin and the tick
/// labels show the logistic of the margin (the geometry stays in margin units).
pub fn decision(
    e: &Explanation,
    rows: &[usize],
    output: usize,
    max_display: usize,
    probability_ticks: bool,
) -> Result<Figure, PlotError> {
    let d = decision_data(e, rows, output, max_display)?;
    let title = format!(
        "Decision plot — {} · {}",
        check::output_name(e, output),
        e.method
    );
    let pitch = 30.0;
    let levels = d.labels.len();
    let label_w = frame::max_width(&d.labels, frame::ROW_LABEL_SIZE).min(360.0);
    let labels: Vec<String> = d
        .labels
        .iter()
        .map(|l| frame::fit_text(l, frame::ROW_LABEL_SIZE, false, label_w))
        .collect();
    let left = PAD + label_w + 14.0;
    let width = (left + 620.0 + COLORBAR_BAND).max(900.0);
    let top = TITLE_BAND + 10.0;
    let bottom = top + pitch * levels as f64;
    let area = Area {
        left,
        top,
        right: width - PAD - COLORBAR_BAND,
        bottom,
    };
    let (lo, hi) = d
        .paths
        .iter()
        .flat_map(|p| p.points.iter().copied())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    let pad = ((hi - lo) * 0.05).max(1e-9);
    let scale = Scale::linear(lo - pad, hi + pad, area.left, area.right);
    // Level k's line sits on the boundary above level k-1: y(0) = bottom, y(levels) = top.
    let y_at = |k: usize| bottom - pitch * k as f64;
    let mut s = Scene::default();
    let centres: Vec<f64> = (0..levels)
        .map(|k| bottom - pitch * (k as f64 + 0.5))
        .collect();
    frame::row_labels(&mut s, area, &labels, &centres, true);
    frame::x_grid(&mut s, area, scale, 8);
    let base0 = d.paths[0].points[0];
    let xb = scale.map(base0);
    s.line((xb, top), (xb, bottom), GREY, 1.0);
    let (flo, fhi) = d
        .paths
        .iter()
        .map(|p| *p.points.last().unwrap())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    for p in &d.paths {
        let fx = *p.points.last().unwrap();
        let t = if fhi > flo {
            (fx - flo) / (fhi - flo)
        } else {
            0.5
        };
        let c = Rgba::rgb(colormap::shap_red_blue(t));
        let pts = p
            .points
            .iter()
            .enumerate()
            .map(|(k, &v)| (scale.map(v), y_at(k)))
            .collect();
        s.path(pts, c, 1.3);
    }
    if probability_ticks {
        probability_axis(&mut s, area, scale, 30.0);
    } else {
        frame::x_axis(&mut s, area, scale, 8, "Model output value");
    }
    frame::colorbar(
        &mut s,
        area.right + 16.0,
        top,
        bottom,
        "f(x)",
        &format_sig(flo, 3, false),
        &format_sig(fhi, 3, false),
    );
    frame::title(&mut s, &title, area.left, area.right, width);
    Ok(Figure::new(title, width, bottom + X_AXIS_BAND, s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decision_paths_run_from_base_to_prediction() {
        let e = crate::bar::tests::expl(6, 7);
        let rows = [0, 2, 3, 5];
        let d = decision_data(&e, &rows, 0, 4).unwrap();
        assert_eq!(d.labels.len(), 4);
        assert_eq!(d.labels[0], "4 other features");
        for (p, &i) in d.paths.iter().zip(&rows) {
            assert_eq!(p.row, i);
            assert_eq!(p.points.len(), 5);
            assert_eq!(p.points[0], e.base_values[[i, 0]]);
            let fx = e.base_values[[i, 0]] + (0..7).map(|j| e.values[[i, j, 0]]).sum::<f64>();
            assert!((p.points[4] - fx).abs() < 1e-12);
        }
        // Most important (by mean |SHAP| over these rows) at the top.
        let ma = |j: usize| rows.iter().map(|&i| e.values[[i, j, 0]].abs()).sum::<f64>();
        let top = d.features[3][0];
        assert!((0..7).all(|j| ma(top) >= ma(j)));
    }

    #[test]
    fn decision_hand_checked() {
        // One row, base 1, values (0.5, -2, 0.25): order by |v|: f1, f0, f2 (top to bottom).
        use glassbox_core::ndarray::{Array2, Array3};
        let v = [0.5, -2.0, 0.25];
        let e = Explanation::new(
            Array3::from_shape_fn((1, 3, 1), |(_, j, _)| v[j]),
            Array2::from_elem((1, 1), 1.0),
            Array2::zeros((1, 3)),
            vec!["a".into(), "b".into(), "c".into()],
            vec!["y".into()],
            "t",
        )
        .unwrap();
        let d = decision_data(&e, &[0], 0, 10).unwrap();
        assert_eq!(d.labels, vec!["c", "a", "b"]);
        assert_eq!(d.paths[0].points, vec![1.0, 1.25, 1.75, -0.25]);
        assert!(decision_data(&e, &[], 0, 10).is_err());
        assert!(decision_data(&e, &[1], 0, 10).is_err());
    }
}
