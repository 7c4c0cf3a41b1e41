//! Deletion and insertion curves (Petsiuk et al. 2018): the class probability as the most
//! salient pixels are removed from, or added to, the image, with each curve's area under the
//! curve in the legend.

use crate::figure::Figure;
use crate::line::{Series, line_chart};
use crate::{PlotError, check};

/// One deletion or insertion curve.
#[derive(Clone, Debug, PartialEq)]
pub struct FaithfulnessCurve {
    /// `"Deletion"` or `"Insertion"` (the legend shows it with the AUC).
    pub name: String,
    /// Fraction of pixels deleted or inserted at each step, in `[0, 1]`, length (steps,).
    pub fractions: Vec<f64>,
    /// The class probability at each step, length (steps,).
    pub probabilities: Vec<f64>,
    /// Area under the curve, as computed by the explainer.
    pub auc: f64,
}

/// Probability of `class_name` against the fraction of pixels changed, one line per curve,
/// labelled `"<name> (AUC 0.123)"`.
pub fn deletion_insertion(
    curves: &[FaithfulnessCurve],
    class_name: &str,
    title: &str,
) -> Result<Figure, PlotError> {
    const P: &str = "deletion/insertion curves";
    if curves.is_empty() {
        return Err(PlotError::input(P, "no curves to draw"));
    }
    let mut series = Vec::with_capacity(curves.len());
    for c in curves {
        check::finite(P, &format!("'{}' fractions", c.name), &c.fractions)?;
        if !c.auc.is_finite() {
            return Err(PlotError::input(
                P,
                format!("'{}' AUC is {}", c.name, c.auc),
            ));
        }
        series.push(Series::new(
            format!("{} (AUC {:.3})", c.name, c.auc),
            c.fractions.clone(),
            c.probabilities.clone(),
        ));
    }
    line_chart(
        &series,
        title,
        "Fraction of pixels deleted / inserted (most salient first)",
        &format!("Probability of {class_name}"),
        false,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legend_carries_the_auc() {
        let c = |name: &str, auc: f64| FaithfulnessCurve {
            name: name.into(),
            fractions: vec![0.0, 0.5, 1.0],
            probabilities: vec![0.9, 0.3, 0.1],
            auc,
        };
        let f = deletion_insertion(
            &[c("Deletion", 0.4), c("Insertion", 0.71234)],
            "crazing",
            "t",
        )
        .unwrap();
        let svg = f.svg_string().unwrap();
        assert!(svg.contains("Deletion (AUC 0.400)") && svg.contains("Insertion (AUC 0.712)"));
        assert!(deletion_insertion(&[], "x", "t").is_err());
        assert!(deletion_insertion(&[c("D", f64::NAN)], "x", "t").is_err());
        let mut bad = c("D", 0.1);
        bad.probabilities.pop();
        assert!(deletion_insertion(&[bad], "x", "t").is_err());
    }
}
