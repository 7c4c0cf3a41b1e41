//! Permutation importance and partial dependence with models whose answer is known.

use glassbox_core::ndarray::{Array1, Array2, ArrayView2};
use glassbox_core::rng::Rng;
use glassbox_core::{CoreError, Predict};
use glassbox_explain::importance::partial_dependence::{
    grid, partial_dependence, partial_dependence_on_grid,
};
use glassbox_explain::importance::permutation::{Scoring, permutation_importance};

struct FnModel<F> {
    m: usize,
    k: usize,
    f: F,
}

impl<F: Fn(&[f64]) -> Vec<f64> + Send + Sync> Predict for FnModel<F> {
    fn n_features(&self) -> usize {
        self.m
    }
    fn n_outputs(&self) -> usize {
        self.k
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>, CoreError> {
        let mut out = Array2::zeros((x.nrows(), self.k));
        for i in 0..x.nrows() {
            let v = (self.f)(&x.row(i).to_vec());
            for o in 0..self.k {
                out[[i, o]] = v[o];
            }
        }
        Ok(out)
    }
}

fn uniform(n: usize, m: usize, seed: u64) -> Array2<f64> {
    let mut rng = Rng::new(seed);
    Array2::from_shape_fn((n, m), |_| rng.next_f64())
}

#[test]
fn ignored_feature_has_exactly_zero_importance_and_strong_feature_the_expected_drop() {
    let model = FnModel {
        m: 3,
        k: 1,
        f: |x: &[f64]| vec![3.0 * x[0] + x[1]],
    };
    let x = uniform(2000, 3, 1);
    let y: Array1<f64> = x.rows().into_iter().map(|r| 3.0 * r[0] + r[1]).collect();
    let pi = permutation_importance(&model, x.view(), y.view(), Scoring::R2 { output: 0 }, 5, 7)
        .unwrap();
    assert_eq!(pi.baseline, 1.0);
    assert!(pi.importances.row(2).iter().all(|&v| v == 0.0));
    assert_eq!((pi.mean[2], pi.std[2]), (0.0, 0.0));
    // Shuffling an independent term c*x_j of y leaves R^2 = 1 - 2 c^2 Var(x_j) / Var(y) in
    // expectation: 2*9/10 = 1.8 for x0, 2*1/10 = 0.2 for x1 (Var(U(0,1)) cancels).
    assert!((pi.mean[0] - 1.8).abs() < 0.1, "{:?}", pi.mean);
    assert!((pi.mean[1] - 0.2).abs() < 0.03, "{:?}", pi.mean);
    assert!(pi.std[0] > 0.0 && pi.std[0] < 0.1);
    // Deterministic, independent of threads.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let again = pool.install(|| {
        permutation_importance(&model, x.view(), y.view(), Scoring::R2 { output: 0 }, 5, 7).unwrap()
    });
    assert_eq!(pi, again);
}

#[test]
fn accuracy_drop_for_a_classifier() {
    // Two-output classifier: class 1 iff x0 > 0.5 (argmax of the outputs).
    let model = FnModel {
        m: 2,
        k: 2,
        f: |x: &[f64]| vec![0.5 - x[0], x[0] - 0.5],
    };
    let x = uniform(1000, 2, 2);
    let y: Array1<f64> = x.column(0).mapv(|v| (v > 0.5) as u8 as f64);
    let pi = permutation_importance(&model, x.view(), y.view(), Scoring::Accuracy, 3, 1).unwrap();
    assert_eq!(pi.baseline, 1.0);
    assert_eq!(pi.mean[1], 0.0);
    // A shuffled x0 agrees with the label half the time.
    assert!((pi.mean[0] - 0.5).abs() < 0.06, "{:?}", pi.mean);
}

#[test]
fn margin_accuracy_thresholds_one_margin_at_zero_and_checks_labels() {
    // One log-odds output: class 1 iff margin > 0, i.e. x0 > 0.5; rounding the margin instead
    // (plain Accuracy) would call margins in (-0.5, 0.5) class 0 and miss half the positives.
    let model = FnModel {
        m: 2,
        k: 1,
        f: |x: &[f64]| vec![x[0] - 0.5],
    };
    let x = uniform(1000, 2, 4);
    let y: Array1<f64> = x.column(0).mapv(|v| (v > 0.5) as u8 as f64);
    let pi =
        permutation_importance(&model, x.view(), y.view(), Scoring::MarginAccuracy, 3, 1).unwrap();
    assert_eq!(pi.baseline, 1.0);
    assert_eq!(pi.mean[1], 0.0);
    assert!((pi.mean[0] - 0.5).abs() < 0.06, "{:?}", pi.mean);
    let plain =
        permutation_importance(&model, x.view(), y.view(), Scoring::Accuracy, 1, 1).unwrap();
    assert!(plain.baseline < 0.6, "{}", plain.baseline);
    assert_eq!(Scoring::MarginAccuracy.name(), "accuracy");
    for bad in [2.0, 0.5, -1.0] {
        let mut yb = y.clone();
        yb[7] = bad;
        let err =
            permutation_importance(&model, x.view(), yb.view(), Scoring::MarginAccuracy, 1, 1)
                .unwrap_err();
        assert!(err.to_string().contains("target row 7"), "{err}");
        assert!(err.to_string().contains("0..1"), "{err}");
    }
}

#[test]
fn permutation_importance_rejects_bad_input() {
    let model = FnModel {
        m: 2,
        k: 1,
        f: |x: &[f64]| vec![if x[1] > 2.0 { f64::NAN } else { x[0] }],
    };
    let x = uniform(10, 2, 3);
    let y = Array1::zeros(10);
    assert!(
        permutation_importance(&model, x.view(), y.view(), Scoring::R2 { output: 1 }, 2, 0)
            .is_err()
    );
    assert!(
        permutation_importance(&model, x.view(), y.view(), Scoring::R2 { output: 0 }, 0, 0)
            .is_err()
    );
    let err = permutation_importance(
        &model,
        x.view(),
        Array1::zeros(9).view(),
        Scoring::Accuracy,
        1,
        0,
    )
    .unwrap_err();
    assert!(err.to_string().contains("9 targets"), "{err}");
    let mut bad = x.clone();
    bad[[4, 1]] = 5.0;
    let err =
        permutation_importance(&model, bad.view(), y.view(), Scoring::Accuracy, 1, 0).unwrap_err();
    assert!(err.to_string().contains("row 4"), "{err}");
}

#[test]
fn pdp_of_an_additive_model_is_the_shape_function_up_to_a_constant() {
    let g0 = |v: f64| (3.0 * v).sin() + v * v;
    let model = FnModel {
        m: 4,
        k: 2,
        f: move |x: &[f64]| vec![g0(x[0]) + x[1].exp() + x[2] * x[3], -2.0 * g0(x[0])],
    };
    let x = uniform(300, 4, 4);
    let pd = partial_dependence(&model, x.view(), 0, 50).unwrap();
    assert_eq!(pd.grid.len(), 50);
    assert_eq!(pd.ice.dim(), (300, 50, 2));
    let c0 = pd.average[[0, 0]] - g0(pd.grid[0]);
    for (t, &v) in pd.grid.iter().enumerate() {
        assert!((pd.average[[t, 0]] - g0(v) - c0).abs() < 1e-12);
        assert!((pd.average[[t, 1]] + 2.0 * g0(v)).abs() < 1e-12);
        // Each ICE curve is g0 plus that row's own remainder.
        for i in 0..300 {
            let rest = x[[i, 1]].exp() + x[[i, 2]] * x[[i, 3]];
            assert!((pd.ice[[i, t, 0]] - g0(v) - rest).abs() < 1e-12);
        }
    }
    let c = pd.centered_ice();
    assert!(
        c.index_axis(glassbox_core::ndarray::Axis(1), 0)
            .iter()
            .all(|&v| v == 0.0)
    );
}

#[test]
fn grid_uses_unique_values_or_percentile_range() {
    let few = Array1::from(vec![3.0, 1.0, 3.0, 2.0, 1.0]);
    assert_eq!(grid(few.view(), 100, (5.0, 95.0)), vec![1.0, 2.0, 3.0]);
    // 0..=100: numpy's 5th and 95th percentiles are 5 and 95.
    let many: Array1<f64> = (0..=100).map(f64::from).collect();
    let g = grid(many.view(), 10, (5.0, 95.0));
    assert_eq!(g.len(), 10);
    assert!(
        (g[0] - 5.0).abs() < 1e-12 && (g[9] - 95.0).abs() < 1e-12 && (g[1] - 15.0).abs() < 1e-12
    );
    let model = FnModel {
        m: 1,
        k: 1,
        f: |x: &[f64]| vec![x[0]],
    };
    let x = Array2::from_shape_vec((101, 1), many.to_vec()).unwrap();
    let pd = partial_dependence_on_grid(&model, x.view(), 0, &[1.0, 2.0]).unwrap();
    assert_eq!(pd.average.column(0).to_vec(), vec![1.0, 2.0]);
    assert!(partial_dependence(&model, x.view(), 1, 10).is_err());
    assert!(partial_dependence(&model, x.view(), 0, 1).is_err());
}
