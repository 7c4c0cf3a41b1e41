//! shap's multi-output summary bar: per-class mean |SHAP value| stacked into one bar per
//! feature, features ordered by the total over the classes.

use glassbox_core::Explanation;

use crate::figure::Figure;
use crate::frame::{self, Area, PAD, Scale, TITLE_BAND, X_AXIS_BAND};
use crate::ranking::{other_label, rank_top_k};
use crate::scene::{Rgba, Scene};
use crate::{PlotError, check};

/// Class colours, in output order (matplotlib's tab10, as shap's multi-output bar uses).
const PALETTE: [u32; 10] = [
    0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd, 0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22,
    0x17becf,
];

/// One stacked bar, top to bottom.
#[derive(Clone, Debug, PartialEq)]
pub struct MultiBarRow {
    /// Feature name, or "Sum of N other features".
    pub label: String,
    /// Mean |SHAP value| per output (length = number of outputs), summed over pooled features.
    pub values: Vec<f64>,
    /// The feature indices behind the bar.
    pub features: Vec<usize>,
}

/// Multi-output bar data for all outputs of `e`: per feature and output the mean |SHAP value|
/// over the rows; features sorted by the total over the outputs (descending, ties by index),
/// at most `max_display` bars, the last pooling the rest.
pub fn shap_bar_multi_data(
    e: &Explanation,
    max_display: usize,
) -> Result<Vec<MultiBarRow>, PlotError> {
    let per: Vec<Vec<f64>> = (0..e.n_outputs()).map(|k| e.mean_abs(k)).collect();
    shap_bar_multi_means_data(e, &per, max_display)
}

/// [`shap_bar_multi_data`] from given means: `per[k][j]` is output `k`'s mean |SHAP value| of
/// feature `j` (outputs × features; e.g. over more rows than `e` holds).
pub fn shap_bar_multi_means_data(
    e: &Explanation,
    per: &[Vec<f64>],
    max_display: usize,
) -> Result<Vec<MultiBarRow>, PlotError> {
    const P: &str = "multi-output bar";
    for k in 0..e.n_outputs().max(1) {
        check::explanation(P, e, k)?;
    }
    if max_display == 0 {
        return Err(PlotError::input(P, "max_display must be at least 1"));
    }
    if per.len() != e.n_outputs()
        || per
            .iter()
            .any(|v| v.len() != e.n_features() || v.iter().any(|x| !x.is_finite()))
    {
        return Err(PlotError::input(
            P,
            format!(
                "expected finite means for {} outputs x {} features",
                e.n_outputs(),
                e.n_features()
            ),
        ));
    }
    let totals: Vec<f64> = (0..e.n_features())
        .map(|j| per.iter().map(|v| v[j]).sum())
        .collect();
    let r = rank_top_k(&totals, max_display);
    let mut rows: Vec<MultiBarRow> = r
        .shown
        .iter()
        .map(|&j| MultiBarRow {
            label: e.feature_names[j].clone(),
            values: per.iter().map(|v| v[j]).collect(),
            features: vec![j],
        })
        .collect();
    if !r.rest.is_empty() {
        rows.push(MultiBarRow {
            label: other_label(r.rest.len()),
            values: per
                .iter()
                .map(|v| r.rest.iter().map(|&j| v[j]).sum())
                .collect(),
            features: r.rest.clone(),
        });
    }
    Ok(rows)
}

/// shap-style multi-output summary bar: one bar per feature, stacked from the per-output mean
/// |SHAP value| in output order with a legend of the output (class) names; features ordered by
/// the total, at most `max_display` bars.
pub fn shap_bar_multi(e: &Explanation, max_display: usize) -> Result<Figure, PlotError> {
    let per: Vec<Vec<f64>> = (0..e.n_outputs()).map(|k| e.mean_abs(k)).collect();
    shap_bar_multi_means(e, &per, max_display)
}

/// [`shap_bar_multi`] from given means `per` (outputs × features), as
/// [`shap_bar_multi_means_data`].
pub fn shap_bar_multi_means(
    e: &Explanation,
    per: &[Vec<f64>],
    max_display: usize,
) -> Result<Figure, PlotError> {
    let rows = shap_bar_multi_means_data(e, per, max_display)?;
    let title = format!("Feature importance by output · {}", e.method);
    let pitch = 30.0;
    let labels: Vec<String> = rows.iter().map(|r| r.label.clone()).collect();
    let label_w = frame::max_width(&labels, frame::ROW_LABEL_SIZE).min(360.0);
    let labels: Vec<String> = labels
        .iter()
        .map(|l| frame::fit_text(l, frame::ROW_LABEL_SIZE, false, label_w))
        .collect();
    let left = PAD + label_w + 14.0;
    let width = (left + 600.0).max(860.0);
    let top = TITLE_BAND + 10.0;
    let bottom = top + pitch * rows.len() as f64;
    let area = Area {
        left,
        top,
        right: width - PAD - 10.0,
        bottom,
    };
    let max = rows
        .iter()
        .map(|r| r.values.iter().sum::<f64>())
        .fold(0.0, f64::max);
    let scale = Scale::linear(
        0.0,
        if max > 0.0 { max * 1.05 } else { 1.0 },
        left,
        area.right,
    );
    let mut s = Scene::default();
    let centres: Vec<f64> = (0..rows.len())
        .map(|i| top + pitch * (i as f64 + 0.5))
        .collect();
    frame::row_labels(&mut s, area, &labels, &centres, false);
    let color = |k: usize| Rgba::hex(PALETTE[k % PALETTE.len()]);
    for (r, &y) in rows.iter().zip(&centres) {
        let mut acc = 0.0;
        for (k, v) in r.values.iter().enumerate() {
            let (x0, x1) = (scale.map(acc), scale.map(acc + v));
            s.rect(x0, y - pitch * 0.35, x1, y + pitch * 0.35, color(k));
            acc += v;
        }
    }
    frame::x_axis(&mut s, area, scale, 6, "mean(|SHAP value|)");
    let names: Vec<String> = (0..e.n_outputs())
        .map(|k| check::output_name(e, k))
        .collect();
    let legend_area = Area {
        top: bottom - 20.0 - 19.0 * names.len() as f64,
        ..area
    };
    frame::legend(&mut s, legend_area, &names, true, |s, x, y, k| {
        s.rect(x - 6.0, y - 6.0, x + 6.0, y + 6.0, color(k));
    });
    frame::title(&mut s, &title, area.left, area.right, width);
    Ok(Figure::new(title, width, bottom + X_AXIS_BAND, s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use glassbox_core::ndarray::{Array2, Array3};

    #[test]
    fn multi_bar_sums_per_class_and_orders_by_total() {
        // 2 rows, 3 features, 2 classes. mean |φ| per (feature, class):
        // f0: (1, 0.5) total 1.5; f1: (0.25, 2) total 2.25; f2: (0.5, 0.5) total 1.
        let v = [
            [[1.0, -0.5], [0.5, 2.0], [-0.5, 0.5]],
            [[-1.0, 0.5], [0.0, -2.0], [0.5, -0.5]],
        ];
        let e = Explanation::new(
            Array3::from_shape_fn((2, 3, 2), |(i, j, k)| v[i][j][k]),
            Array2::zeros((2, 2)),
            Array2::zeros((2, 3)),
            vec!["a".into(), "b".into(), "c".into()],
            vec!["cat".into(), "dog".into()],
            "t",
        )
        .unwrap();
        let rows = shap_bar_multi_data(&e, 10).unwrap();
        let got: Vec<(&str, Vec<f64>)> = rows
            .iter()
            .map(|r| (r.label.as_str(), r.values.clone()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("b", vec![0.25, 2.0]),
                ("a", vec![1.0, 0.5]),
                ("c", vec![0.5, 0.5])
            ]
        );
        let pooled = shap_bar_multi_data(&e, 2).unwrap();
        assert_eq!(pooled[1].values, vec![1.5, 1.0]);
        assert_eq!(pooled[1].features, vec![0, 2]);
        assert!(shap_bar_multi_data(&e, 0).is_err());
    }
}
