//! LIME for tables against models whose local behaviour is known exactly.

use glassbox_core::ndarray::{Array2, ArrayView2, array};
use glassbox_core::rng::Rng;
use glassbox_core::{CoreError, Predict};
use glassbox_explain::ExplainError;
use glassbox_explain::lime::surrogate::FeatureSelection;
use glassbox_explain::lime::tabular::{LimeMode, LimeTabular};

struct FnModel<F> {
    m: usize,
    f: F,
}

impl<F: Fn(&[f64]) -> f64 + Send + Sync> Predict for FnModel<F> {
    fn n_features(&self) -> usize {
        self.m
    }
    fn n_outputs(&self) -> usize {
        1
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>, CoreError> {
        Ok(Array2::from_shape_fn((x.nrows(), 1), |(i, _)| {
            (self.f)(&x.row(i).to_vec())
        }))
    }
}

/// Training data whose columns have different means and spreads.
fn training(n: usize, m: usize, seed: u64) -> Array2<f64> {
    let mut rng = Rng::new(seed);
    Array2::from_shape_fn((n, m), |(_, j)| {
        (j as f64 - 1.0) + (0.5 + j as f64) * rng.normal()
    })
}

fn std_of(col: &[f64]) -> f64 {
    let mu = col.iter().sum::<f64>() / col.len() as f64;
    (col.iter().map(|v| (v - mu) * (v - mu)).sum::<f64>() / col.len() as f64).sqrt()
}

#[test]
fn continuous_mode_recovers_linear_coefficients_times_std() {
    let m = 5;
    let coef = [1.5, -2.0, 0.0, 0.7, 3.0];
    let model = FnModel {
        m,
        f: move |x: &[f64]| 2.0 + x.iter().zip(&coef).map(|(a, b)| a * b).sum::<f64>(),
    };
    let train = training(300, m, 1);
    let x = array![[0.3, -1.0, 2.0, 0.1, 4.0], [1.0, 1.0, 1.0, 1.0, 1.0]];
    for around_instance in [false, true] {
        // Unregularised: the surrogate IS the model, exactly.
        let exact = LimeTabular::new(&model, train.view())
            .unwrap()
            .mode(LimeMode::Continuous { around_instance })
            .feature_selection(FeatureSelection::None)
            .alpha(0.0)
            .nsamples(500)
            .explain(x.view())
            .unwrap();
        for i in 0..2 {
            for (j, c) in coef.iter().enumerate() {
                let sd = std_of(&train.column(j).to_vec());
                let want = c * sd;
                assert!((exact.weights[[i, j, 0]] - want).abs() < 1e-9, "{i} {j}");
            }
            assert!((exact.score[[i, 0]] - 1.0).abs() < 1e-12);
            assert!((exact.local_prediction[[i, 0]] - exact.prediction[[i, 0]]).abs() < 1e-9);
        }
        // lime's default Ridge(alpha=1) shrinks a little; 10000 samples.
        let ridge = LimeTabular::new(&model, train.view())
            .unwrap()
            .mode(LimeMode::Continuous { around_instance })
            .num_features(5)
            .nsamples(10_000)
            .explain(x.view())
            .unwrap();
        // The penalty also leaks a little of the large coefficients (up to 3 * 4.5) into the
        // zero one through the samples' chance correlations: |w| ~ 0.003 across seeds. The
        // shrinkage itself is about alpha / sum(kernel weights), largest for the second row,
        // far from the training mean (small weights): 1.02% with 5000 samples, hence 10000
        // samples for the 1% bound.
        for i in 0..2 {
            for j in 0..m {
                let want = exact.weights[[i, j, 0]];
                assert!(
                    (ridge.weights[[i, j, 0]] - want).abs() <= 0.01 * want.abs().max(0.5),
                    "{i} {j}: {} vs {want}",
                    ridge.weights[[i, j, 0]]
                );
            }
            assert!(ridge.score[[i, 0]] > 0.9999);
        }
    }
}

#[test]
fn quartile_mode_gets_signs_and_ranking_of_a_step_model() {
    let m = 3;
    let model = FnModel {
        m,
        f: |x: &[f64]| 10.0 * ((x[0] > 0.0) as u8 as f64) - 4.0 * ((x[2] > 1.0) as u8 as f64),
    };
    let mut rng = Rng::new(2);
    let train = Array2::from_shape_fn((400, m), |_| rng.normal());
    // x0 and x2 in their top quartile bins: staying there keeps +10 and -4.
    let x = array![[2.0, 0.0, 2.0]];
    let e = LimeTabular::new(&model, train.view())
        .unwrap()
        .seed(4)
        .explain(x.view())
        .unwrap();
    let w = e
        .weights
        .index_axis(glassbox_core::ndarray::Axis(0), 0)
        .column(0)
        .to_vec();
    assert!(w[0] > 0.0 && w[2] < 0.0, "{w:?}");
    assert!(
        w[0].abs() > w[2].abs() && w[2].abs() > 5.0 * w[1].abs(),
        "{w:?}"
    );
    assert_eq!(e.selected[0][0][0], 0);
    let bins = e.bins.as_ref().unwrap();
    assert_eq!((bins[[0, 0]], bins[[0, 2]]), (3, 3));
    let lime = LimeTabular::new(&model, train.view()).unwrap();
    assert!(
        lime.bin_label(0, 3, "x0").starts_with("x0 > 0."),
        "{}",
        lime.bin_label(0, 3, "x0")
    );
    assert!(lime.bin_label(1, 1, "x1").contains(" < x1 <= "));
}

#[test]
fn deterministic_per_seed_and_per_row() {
    let m = 4;
    let model = FnModel {
        m,
        f: |x: &[f64]| (x[0] * x[1]).sin() + x[2] * x[3],
    };
    let train = training(200, m, 3);
    let x = training(3, m, 4);
    let run = |seed: u64| {
        LimeTabular::new(&model, train.view())
            .unwrap()
            .nsamples(300)
            .seed(seed)
            .explain(x.view())
            .unwrap()
    };
    let a = run(7);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    assert_eq!(a, pool.install(|| run(7)));
    assert_ne!(a.weights, run(8).weights);
    assert_eq!(a.selected.len(), 3);
}

#[test]
fn bad_input_is_reported() {
    let model = FnModel {
        m: 3,
        f: |x: &[f64]| if x[1] > 100.0 { f64::NAN } else { x[0] },
    };
    let train = training(50, 3, 5);
    let lime = LimeTabular::new(&model, train.view()).unwrap();
    let x = array![[0.0, 0.0, 0.0]];
    let err = lime.nsamples(1).explain(x.view()).unwrap_err().to_string();
    assert!(err.contains("nsamples must be at least 2"), "{err}");
    let err = LimeTabular::new(&model, training(5, 4, 0).view())
        .unwrap_err()
        .to_string();
    assert!(err.contains("4 columns but the model expects 3"), "{err}");
    let bad = array![[0.0, 0.0, 0.0], [0.0, 500.0, 0.0]];
    let err = LimeTabular::new(&model, train.view())
        .unwrap()
        .nsamples(20)
        .explain(bad.view())
        .unwrap_err();
    assert!(
        matches!(err, ExplainError::Model(_)) && err.to_string().contains("explained row 1"),
        "{err}"
    );
    let mut t = train.clone();
    t[[3, 2]] = f64::INFINITY;
    let err = LimeTabular::new(&model, t.view()).unwrap_err().to_string();
    assert!(err.contains("row 3, column 2"), "{err}");
}
