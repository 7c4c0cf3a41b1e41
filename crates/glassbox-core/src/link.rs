//! Links from a model's margins (raw scores, log-odds) to its output scale: identity, the
//! logistic function, softmax. The one implementation of each in glassbox; every explainer,
//! model and output file that turns margins into probabilities goes through here, so the same
//! margins give the same bits everywhere.

use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

/// How margins map to a model's output scale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Link {
    /// The margin itself (regression, or classifiers explained in margin space).
    Identity,
    /// The logistic function [`sigmoid`] of each margin separately (binary classifiers,
    /// one-vs-all).
    Logistic,
    /// [`softmax`] across the margins of each row (multi-class classifiers).
    Softmax,
}

impl Link {
    /// Applies the link to `margins`, shape (samples, outputs); returns the same shape.
    pub fn apply(self, margins: ArrayView2<'_, f64>) -> Array2<f64> {
        match self {
            Link::Identity => margins.to_owned(),
            Link::Logistic => margins.mapv(sigmoid),
            Link::Softmax => map_rows(margins, softmax),
        }
    }

    /// The link's name as written in output files: `identity`, `logistic`, `softmax`.
    pub fn name(self) -> &'static str {
        match self {
            Link::Identity => "identity",
            Link::Logistic => "logistic",
            Link::Softmax => "softmax",
        }
    }
}

/// The logistic function `1 / (1 + exp(-m))`, computed without overflow for large `|m|`
/// (`exp(m) / (1 + exp(m))` for negative `m`), so `sigmoid(-800) == 0` and `sigmoid(800) == 1`.
pub fn sigmoid(m: f64) -> f64 {
    if m >= 0.0 {
        1.0 / (1.0 + (-m).exp())
    } else {
        let e = m.exp();
        e / (1.0 + e)
    }
}

/// Softmax of one row of margins, shape (outputs,): `exp(m_k - max) / Σ_j exp(m_j - max)`,
/// shifted by the row maximum so large margins neither overflow nor give NaN. The sum runs in
/// order over the row; element `k` is bit-identical to [`softmax_at`]`(row, k)`.
pub fn softmax(row: &[f64]) -> Vec<f64> {
    let max = row_max(row);
    let exps: Vec<f64> = row.iter().map(|m| (m - max).exp()).collect();
    let sum: f64 = exps.iter().sum();
    exps.into_iter().map(|e| e / sum).collect()
}

/// Element `k` of [`softmax`]`(row)` without allocating, for callers that need one class's
/// probability in a hot loop; `row` has shape (outputs,).
pub fn softmax_at(row: &[f64], k: usize) -> f64 {
    let max = row_max(row);
    let sum: f64 = row.iter().map(|m| (m - max).exp()).sum();
    (row[k] - max).exp() / sum
}

/// Class probabilities from classifier margins, shape (samples, outputs) -> (samples, outputs):
/// [`sigmoid`] of the margin when there is one output, [`softmax`] across the row when there
/// are several.
pub fn probabilities(margins: ArrayView2<'_, f64>) -> Array2<f64> {
    if margins.ncols() == 1 {
        Link::Logistic.apply(margins)
    } else {
        Link::Softmax.apply(margins)
    }
}

fn row_max(row: &[f64]) -> f64 {
    row.iter().copied().fold(f64::NEG_INFINITY, f64::max)
}

/// Maps every row of `a` (samples, outputs) through `f`, which keeps the row length.
fn map_rows(a: ArrayView2<'_, f64>, f: fn(&[f64]) -> Vec<f64>) -> Array2<f64> {
    let mut out = a.to_owned();
    for mut row in out.rows_mut() {
        let mapped = f(&row.to_vec());
        row.iter_mut().zip(mapped).for_each(|(v, p)| *v = p);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;
    use ndarray::array;

    /// The CLI's `explain_files::to_probabilities` and the sigmoid / softmax of
    /// `glassbox_explain::shap::output` as they were before this module existed: the oracle.
    fn old_to_probabilities(margins: &Array2<f64>) -> Array2<f64> {
        fn old_sigmoid(margins: &[f64], k: usize) -> f64 {
            let m = margins[k];
            if m >= 0.0 {
                1.0 / (1.0 + (-m).exp())
            } else {
                let e = m.exp();
                e / (1.0 + e)
            }
        }
        fn old_softmax(margins: &[f64], k: usize) -> f64 {
            let max = margins.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let sum: f64 = margins.iter().map(|m| (m - max).exp()).sum();
            (margins[k] - max).exp() / sum
        }
        let k = margins.ncols();
        let mut out = margins.clone();
        for mut row in out.rows_mut() {
            let m = row.to_vec();
            for (o, v) in row.iter_mut().enumerate() {
                *v = if k == 1 {
                    old_sigmoid(&m, o)
                } else {
                    old_softmax(&m, o)
                };
            }
        }
        out
    }

    fn bits(a: &Array2<f64>) -> Vec<u64> {
        a.iter().map(|v| v.to_bits()).collect()
    }

    #[test]
    fn closed_forms() {
        assert_eq!(sigmoid(0.0), 0.5);
        assert_eq!(sigmoid(-800.0), 0.0);
        assert_eq!(sigmoid(800.0), 1.0);
        assert!((sigmoid(1.0) - 1.0 / (1.0 + (-1.0f64).exp())).abs() < 1e-16);
        assert!((sigmoid(2.0) + sigmoid(-2.0) - 1.0).abs() < 1e-15);
        assert_eq!(softmax(&[0.7, 0.7, 0.7, 0.7]), vec![0.25; 4]);
        let big = softmax(&[1000.0, 1000.0, -1000.0]);
        assert!(big.iter().all(|p| p.is_finite()));
        assert_eq!(big, vec![0.5, 0.5, 0.0]);
        let p = softmax(&[0.0, 1.0, 2.0]);
        let z = 1.0 + 1f64.exp() + 2f64.exp();
        assert!((p[2] - 2f64.exp() / z).abs() < 1e-15);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-15);
    }

    #[test]
    fn probabilities_equal_the_old_cli_bit_for_bit() {
        let mut rng = Rng::new(13);
        for k in [1, 2, 3, 7, 10] {
            let m = Array2::from_shape_fn((50, k), |_| rng.uniform(-40.0, 40.0));
            let old = old_to_probabilities(&m);
            assert_eq!(bits(&probabilities(m.view())), bits(&old), "{k} outputs");
            // A transposed (non-contiguous) view gives the same values.
            let t = m.t().to_owned();
            assert_eq!(
                bits(&probabilities(t.t())),
                bits(&old),
                "{k} outputs, F order"
            );
            for row in m.rows() {
                let r = row.to_vec();
                let s = softmax(&r);
                for (j, p) in s.iter().enumerate() {
                    assert_eq!(p.to_bits(), softmax_at(&r, j).to_bits());
                }
            }
        }
    }

    #[test]
    fn links_apply_per_element_or_per_row() {
        let m = array![[0.0, 2.0], [-1.0, 1.0]];
        assert_eq!(Link::Identity.apply(m.view()), m);
        assert_eq!(Link::Logistic.apply(m.view()), m.mapv(sigmoid));
        let s = Link::Softmax.apply(m.view());
        assert_eq!(s.row(0).to_vec(), softmax(&[0.0, 2.0]));
        assert_eq!(s.row(1).to_vec(), softmax(&[-1.0, 1.0]));
        assert_eq!(probabilities(array![[0.0]].view()), array![[0.5]]);
        assert_eq!(probabilities(Array2::zeros((0, 3)).view()).dim(), (0, 3));
    }

    #[test]
    fn names_and_serde_are_lowercase() {
        for (link, name) in [
            (Link::Identity, "identity"),
            (Link::Logistic, "logistic"),
            (Link::Softmax, "softmax"),
        ] {
            assert_eq!(link.name(), name);
            let json = format!("\"{name}\"");
            assert_eq!(serde_json::to_string(&link).unwrap(), json);
            assert_eq!(serde_json::from_str::<Link>(&json).unwrap(), link);
        }
        assert!(serde_json::from_str::<Link>("\"Softmax\"").is_err());
    }
}
