//! Regression metrics reported by `glassbox train` and drawn on measured-vs-predicted plots.

use serde::{Deserialize, Serialize};

use crate::CoreError;

/// R², RMSE and MAE of predictions against measured values.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegressionMetrics {
    /// Coefficient of determination, `1 - SS_res / SS_tot` (scikit-learn's `r2_score`; 1.0 for a
    /// perfect fit; 0.0 when the measured values are constant and the fit is not perfect).
    pub r2: f64,
    /// Root mean squared error, in the target's units.
    pub rmse: f64,
    /// Mean absolute error, in the target's units.
    pub mae: f64,
    /// Number of rows.
    pub n: usize,
}

impl RegressionMetrics {
    /// Computes the metrics; `measured` and `predicted` have shape (samples,).
    pub fn compute(measured: &[f64], predicted: &[f64]) -> Result<Self, CoreError> {
        if measured.len() != predicted.len() || measured.is_empty() {
            return Err(CoreError::Shape {
                what: "regression metrics (measured, predicted)".into(),
                expected: format!("two equal non-empty lengths ({} measured)", measured.len()),
                got: format!("{} predicted", predicted.len()),
            });
        }
        let n = measured.len() as f64;
        let mean = measured.iter().sum::<f64>() / n;
        let (mut ss_res, mut ss_tot, mut abs) = (0.0, 0.0, 0.0);
        for (&y, &p) in measured.iter().zip(predicted) {
            ss_res += (y - p) * (y - p);
            ss_tot += (y - mean) * (y - mean);
            abs += (y - p).abs();
        }
        let r2 = if ss_tot > 0.0 {
            1.0 - ss_res / ss_tot
        } else if ss_res == 0.0 {
            1.0
        } else {
            0.0
        };
        Ok(RegressionMetrics {
            r2,
            rmse: (ss_res / n).sqrt(),
            mae: abs / n,
            n: measured.len(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed() {
        // mean 2; ss_tot = 1 + 0 + 1 = 2; residuals 0, 0.5, -1 -> ss_res 1.25
        let m = RegressionMetrics::compute(&[1.0, 2.0, 3.0], &[1.0, 1.5, 4.0]).unwrap();
        assert!((m.r2 - (1.0 - 1.25 / 2.0)).abs() < 1e-15);
        assert!((m.rmse - (1.25f64 / 3.0).sqrt()).abs() < 1e-15);
        assert!((m.mae - 0.5).abs() < 1e-15);
        assert!(RegressionMetrics::compute(&[1.0], &[]).is_err());
    }
}
