//! Regression metrics reported by `glassbox train` and drawn on measured-vs-predicted plots;
//! classification metrics (accuracy, confusion matrix, per-class precision and recall) and the
//! argmax that turns class scores into predicted classes.

use ndarray::ArrayView2;
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

/// Index of the largest value of `row`, shape (outputs,); the first maximum wins on ties (and
/// a NaN never wins unless it is first). 0 for an empty row.
pub fn argmax(row: &[f64]) -> usize {
    first_max(row.iter().copied())
}

/// [`argmax`] of every row of `a`, shape (samples, outputs) -> (samples,): the predicted class
/// of each sample from its scores or probabilities, the first maximum on ties.
pub fn argmax_rows<T: Copy + PartialOrd>(a: ArrayView2<'_, T>) -> Vec<usize> {
    a.rows()
        .into_iter()
        .map(|r| first_max(r.iter().copied()))
        .collect()
}

/// Position of the first maximum: a later value replaces the best only if strictly greater.
pub(crate) fn first_max<T: Copy + PartialOrd>(values: impl IntoIterator<Item = T>) -> usize {
    let mut values = values.into_iter().enumerate();
    let Some((_, mut best_value)) = values.next() else {
        return 0;
    };
    let mut best = 0;
    for (j, v) in values {
        if v > best_value {
            best = j;
            best_value = v;
        }
    }
    best
}

/// Precision and recall of one class, as `metrics.json` of `glassbox image train` lists them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassMetrics {
    /// Class name.
    pub class: String,
    /// Samples whose true class is this one.
    pub support: usize,
    /// Share of the samples predicted as this class that are this class; `None` (JSON null)
    /// when no sample was predicted as this class.
    pub precision: Option<f64>,
    /// Share of this class's samples predicted right; 0 when the class has no samples.
    pub recall: f64,
}

/// Accuracy, confusion matrix and per-class precision and recall of predicted class labels.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassificationMetrics {
    /// Share of samples predicted right (0 for no samples).
    pub accuracy: f64,
    /// `confusion[true][predicted]` counts, (classes, classes).
    pub confusion: Vec<Vec<usize>>,
    /// One entry per class, in class-index order.
    pub per_class: Vec<ClassMetrics>,
}

impl ClassificationMetrics {
    /// Computes the metrics; `truth` and `predicted` have shape (samples,) and hold class indices
    /// below `class_names.len()`.
    ///
    /// # Panics
    /// If a label is not below `class_names.len()` (labels come from the model and the data
    /// set, which were built with these class names).
    pub fn from_labels(truth: &[usize], predicted: &[usize], class_names: &[String]) -> Self {
        let k = class_names.len();
        let mut confusion = vec![vec![0; k]; k];
        for (&t, &p) in truth.iter().zip(predicted) {
            confusion[t][p] += 1;
        }
        let per_class = (0..k)
            .map(|c| {
                let support: usize = confusion[c].iter().sum();
                let predicted: usize = confusion.iter().map(|row| row[c]).sum();
                let right = confusion[c][c] as f64;
                ClassMetrics {
                    class: class_names[c].clone(),
                    support,
                    precision: (predicted > 0).then(|| right / predicted as f64),
                    recall: if support > 0 {
                        right / support as f64
                    } else {
                        0.0
                    },
                }
            })
            .collect();
        let n = truth.len().min(predicted.len());
        let correct = truth.iter().zip(predicted).filter(|(t, p)| t == p).count();
        ClassificationMetrics {
            accuracy: if n > 0 {
                correct as f64 / n as f64
            } else {
                0.0
            },
            confusion,
            per_class,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn argmax_takes_the_first_maximum() {
        assert_eq!(argmax(&[0.1, 0.7, 0.7, 0.2]), 1);
        assert_eq!(argmax(&[3.0, 1.0]), 0);
        assert_eq!(argmax(&[-1.0, f64::NAN, 2.0]), 2);
        assert_eq!(argmax(&[]), 0);
        let a = array![[0.2f32, 0.5, 0.5], [0.9, 0.05, 0.05], [0.1, 0.1, 0.1]];
        assert_eq!(argmax_rows(a.view()), vec![1, 0, 0]);
        assert_eq!(argmax_rows(a.t()), vec![1, 0, 0]);
        assert_eq!(argmax_rows(array![[1usize, 4, 4]].view()), vec![1]);
    }

    /// The CLI's `image::argmax_rows` before this module existed: the oracle for the tie rule.
    #[test]
    fn argmax_rows_matches_the_old_cli() {
        fn old(p: &ndarray::Array2<f32>) -> Vec<usize> {
            p.rows()
                .into_iter()
                .map(|r| {
                    let mut best = 0;
                    for (j, &v) in r.iter().enumerate() {
                        if v > r[best] {
                            best = j;
                        }
                    }
                    best
                })
                .collect()
        }
        let mut rng = crate::rng::Rng::new(5);
        // Few distinct values, so ties are frequent.
        let p = ndarray::Array2::from_shape_fn((200, 4), |_| rng.below(3) as f32);
        assert_eq!(argmax_rows(p.view()), old(&p));
    }

    #[test]
    fn classification_metrics_by_hand() {
        let names: Vec<String> = ["ok", "scratch", "dent"].map(String::from).to_vec();
        // truth:     ok ok ok scratch scratch dent
        // predicted: ok ok scratch scratch ok ok   ("dent" is never predicted)
        let truth = [0, 0, 0, 1, 1, 2];
        let predicted = [0, 0, 1, 1, 0, 0];
        let m = ClassificationMetrics::from_labels(&truth, &predicted, &names);
        assert_eq!(
            m.confusion,
            vec![vec![2, 1, 0], vec![1, 1, 0], vec![1, 0, 0]]
        );
        assert_eq!(m.accuracy, 3.0 / 6.0);
        let ok = &m.per_class[0];
        assert_eq!((ok.class.as_str(), ok.support), ("ok", 3));
        assert_eq!(ok.precision, Some(2.0 / 4.0));
        assert_eq!(ok.recall, 2.0 / 3.0);
        assert_eq!(m.per_class[1].precision, Some(1.0 / 2.0));
        assert_eq!(m.per_class[1].recall, 1.0 / 2.0);
        let dent = &m.per_class[2];
        assert_eq!((dent.support, dent.precision, dent.recall), (1, None, 0.0));
        // A class with no samples: recall 0, precision null unless predicted.
        let m = ClassificationMetrics::from_labels(&[0, 0], &[0, 1], &names);
        assert_eq!(m.per_class[1].precision, Some(0.0));
        assert_eq!(m.per_class[2].recall, 0.0);
        assert_eq!(
            ClassificationMetrics::from_labels(&[], &[], &names).accuracy,
            0.0
        );
    }

    /// The CLI's `image::confusion_matrix` and `per_class_metrics` before this module existed:
    /// the oracle, on random labels with classes that are never predicted or never present.
    #[test]
    fn from_labels_matches_the_old_cli() {
        fn old(truth: &[usize], predicted: &[usize], names: &[String]) -> ClassificationMetrics {
            let k = names.len();
            let mut m = vec![vec![0; k]; k];
            for (&t, &p) in truth.iter().zip(predicted) {
                m[t][p] += 1;
            }
            let per_class = (0..k)
                .map(|c| {
                    let support: usize = m[c].iter().sum();
                    let predicted: usize = m.iter().map(|row| row[c]).sum();
                    ClassMetrics {
                        class: names[c].clone(),
                        support,
                        precision: (predicted > 0).then(|| m[c][c] as f64 / predicted as f64),
                        recall: if support > 0 {
                            m[c][c] as f64 / support as f64
                        } else {
                            0.0
                        },
                    }
                })
                .collect();
            let correct = truth.iter().zip(predicted).filter(|(t, p)| t == p).count();
            ClassificationMetrics {
                accuracy: correct as f64 / truth.len() as f64,
                confusion: m,
                per_class,
            }
        }
        let mut rng = crate::rng::Rng::new(11);
        let names: Vec<String> = (0..6).map(|c| format!("c{c}")).collect();
        for _ in 0..20 {
            // Truth never uses class 5, predictions never use class 4.
            let truth: Vec<usize> = (0..97).map(|_| rng.below(5)).collect();
            let predicted: Vec<usize> = (0..97).map(|_| [0, 1, 2, 3, 5][rng.below(5)]).collect();
            let new = ClassificationMetrics::from_labels(&truth, &predicted, &names);
            assert_eq!(new, old(&truth, &predicted, &names));
            assert_eq!(
                serde_json::to_string(&new.per_class).unwrap(),
                serde_json::to_string(&old(&truth, &predicted, &names).per_class).unwrap()
            );
            assert_eq!(new.per_class[4].precision, None);
            assert_eq!(new.per_class[5].recall, 0.0);
        }
    }

    #[test]
    fn class_metrics_json_is_the_image_metrics_entry() {
        let c = ClassMetrics {
            class: "dent".into(),
            support: 4,
            precision: None,
            recall: 0.25,
        };
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(
            json,
            r#"{"class":"dent","support":4,"precision":null,"recall":0.25}"#
        );
        assert_eq!(serde_json::from_str::<ClassMetrics>(&json).unwrap(), c);
    }

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
