//! Measured-vs-predicted scatter with the y = x line and the fit's R², RMSE and MAE.

use crate::axis::format_sig;
use crate::figure::Figure;
use crate::frame::{self, Area, PAD, Scale, TITLE_BAND, X_AXIS_BAND};
use crate::scene::{BLUE, INK, Scene};
use crate::{PlotError, check};

/// Goodness of fit of predictions against measurements.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FitMetrics {
    /// Coefficient of determination 1 − SS_res / SS_tot; `None` when the measurements are
    /// constant (SS_tot = 0), where R² is undefined.
    pub r2: Option<f64>,
    /// Root mean squared error.
    pub rmse: f64,
    /// Mean absolute error.
    pub mae: f64,
    /// Number of points.
    pub n: usize,
}

/// R², RMSE and MAE of `predicted` against `measured` (same length, ≥ 1, finite).
pub fn fit_metrics(measured: &[f64], predicted: &[f64]) -> Result<FitMetrics, PlotError> {
    const P: &str = "measured vs predicted";
    if measured.is_empty() {
        return Err(PlotError::input(
            P,
            "no points to draw (empty measurements)",
        ));
    }
    check::same_len(
        P,
        ("measured", measured.len()),
        ("predicted", predicted.len()),
    )?;
    check::finite(P, "measured", measured)?;
    check::finite(P, "predicted", predicted)?;
    let n = measured.len() as f64;
    let mean = measured.iter().sum::<f64>() / n;
    let ss_tot: f64 = measured.iter().map(|y| (y - mean).powi(2)).sum();
    let ss_res: f64 = measured
        .iter()
        .zip(predicted)
        .map(|(y, p)| (y - p).powi(2))
        .sum();
    let mae = measured
        .iter()
        .zip(predicted)
        .map(|(y, p)| (y - p).abs())
        .sum::<f64>()
        / n;
    Ok(FitMetrics {
        r2: (ss_tot > 0.0).then(|| 1.0 - ss_res / ss_tot),
        rmse: (ss_res / n).sqrt(),
        mae,
        n: measured.len(),
    })
}

/// R² with enough decimals to show how close to 1 it is (0.999980 rather than 1.000).
fn format_r2(r2: f64) -> String {
    let gap = 1.0 - r2;
    let decimals = if gap > 0.0 {
        ((-gap.log10()).ceil() as i64 + 1).clamp(3, 8) as usize
    } else {
        3
    };
    let s = format!("{r2:.decimals$}");
    match s.strip_prefix('-') {
        Some(rest) => format!("\u{2212}{rest}"),
        None => s,
    }
}

/// Scatter of predictions against measurements (one point per row) with the y = x line and a
/// legend giving R², RMSE, MAE and n. `quantity` names what was measured, with its unit, e.g.
/// `"Weight (g)"`; `measured` and `predicted` have one value per row.
pub fn measured_vs_predicted(
    measured: &[f64],
    predicted: &[f64],
    title: &str,
    quantity: &str,
) -> Result<Figure, PlotError> {
    let m = fit_metrics(measured, predicted)?;
    let (lo, hi) = measured
        .iter()
        .chain(predicted)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let (d0, d1) = crate::axis::padded(lo, hi, 0.05);
    let side = 560.0;
    let top = TITLE_BAND + 6.0;
    let probe = Scale::linear(d0, d1, top + side, top);
    let left = PAD + 22.0 + frame::y_tick_width(probe, 6) + 12.0;
    let width = (left + side + 36.0).max(700.0);
    let area = Area {
        left,
        top,
        right: left + side,
        bottom: top + side,
    };
    let xs = Scale::linear(d0, d1, area.left, area.right);
    let ys = Scale::linear(d0, d1, area.bottom, area.top);
    let mut s = Scene::default();
    frame::x_grid(&mut s, area, xs, 6);
    frame::y_grid(&mut s, area, ys, 6);
    s.dashed(
        (xs.map(d0), ys.map(d0)),
        (xs.map(d1), ys.map(d1)),
        INK,
        1.2,
        (6.0, 4.0),
    );
    let alpha = if m.n > 2000 { 0.35 } else { 0.6 };
    for (&y, &p) in measured.iter().zip(predicted) {
        s.circle((xs.map(y), ys.map(p)), 3.0, BLUE.alpha(alpha), None);
    }
    let mut entries = vec!["y = x".to_string()];
    entries.push(match m.r2 {
        Some(r2) => format!("R² = {}", format_r2(r2)),
        None => "R² undefined (constant measurements)".to_string(),
    });
    entries.push(format!("RMSE = {}", format_sig(m.rmse, 4, false)));
    entries.push(format!("MAE = {}", format_sig(m.mae, 4, false)));
    entries.push(format!("n = {}", m.n));
    frame::legend(&mut s, area, &entries, false, |s, x, y, i| {
        if i == 0 {
            s.dashed((x - 10.0, y), (x + 10.0, y), INK, 1.2, (6.0, 4.0));
        } else if i == 1 {
            s.circle((x, y), 3.0, BLUE.alpha(0.8), None);
        }
    });
    let q = if quantity.is_empty() {
        String::new()
    } else {
        format!(" {quantity}")
    };
    frame::x_axis(&mut s, area, xs, 6, &format!("Measured{q}"));
    frame::y_axis(&mut s, area, ys, 6, &format!("Predicted{q}"), PAD);
    frame::title(&mut s, title, area.left, area.right, width);
    Ok(Figure::new(title, width, area.bottom + X_AXIS_BAND, s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_match_hand_computation() {
        let m = fit_metrics(&[1.0, 2.0, 3.0, 4.0], &[1.5, 2.0, 2.5, 4.0]).unwrap();
        // SS_res = 0.25 + 0 + 0.25 + 0 = 0.5, SS_tot = 5.
        assert!((m.r2.unwrap() - 0.9).abs() < 1e-12);
        assert!((m.rmse - (0.5f64 / 4.0).sqrt()).abs() < 1e-12);
        assert!((m.mae - 0.25).abs() < 1e-12);
        assert_eq!(m.n, 4);
        assert_eq!(fit_metrics(&[2.0, 2.0], &[2.0, 3.0]).unwrap().r2, None);
    }

    #[test]
    fn bad_scatter_input_is_rejected() {
        assert!(measured_vs_predicted(&[], &[], "t", "q").is_err());
        assert!(measured_vs_predicted(&[1.0, 2.0], &[1.0], "t", "q").is_err());
        let err = measured_vs_predicted(&[1.0, f64::NAN], &[1.0, 2.0], "t", "q").unwrap_err();
        assert!(err.to_string().contains("measured[1] is NaN"), "{err}");
    }

    #[test]
    fn r2_shows_its_distance_from_one() {
        assert_eq!(format_r2(0.99998), "0.999980");
        assert_eq!(format_r2(0.9), "0.900");
        assert_eq!(format_r2(-0.25), "\u{2212}0.250");
        assert_eq!(format_r2(1.0), "1.000");
    }
}
