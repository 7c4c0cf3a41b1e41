//! KernelSHAP's tree path (`KernelShap::for_tree_ensemble`, coalitions walking each tree
//! together) against the generic path (synthetic rows through `Predict`) and against brute-force
//! Shapley values of the interventional game. The tree path promises the SAME estimator, so the
//! values must agree bit for bit, on every missing-value rule, both split conditions, several
//! outputs, NaN in the data and more than 64 varying features.

#![allow(clippy::needless_range_loop)] // index loops mirror the formulas

mod interventional_common;

use glassbox_core::Predict;
use glassbox_core::TreeEnsemble;
use glassbox_core::ndarray::Array2;
use glassbox_core::rng::Rng;
use glassbox_explain::shap::ShapValues;
use glassbox_explain::shap::kernel_shap::KernelShap;
use glassbox_explain::shap::kmeans::kmeans;
use glassbox_explain::shap::output::OutputSpace;
use interventional_common::*;

#[track_caller]
fn assert_bit_identical(a: &ShapValues, b: &ShapValues, what: &str) {
    assert_eq!(a.values.dim(), b.values.dim(), "{what}");
    for ((idx, p), q) in a.values.indexed_iter().zip(&b.values) {
        assert_eq!(
            p.to_bits(),
            q.to_bits(),
            "{what}: value {idx:?}: {p} vs {q}"
        );
    }
    for (p, q) in a.base_values.iter().zip(&b.base_values) {
        assert_eq!(p.to_bits(), q.to_bits(), "{what}: base value");
    }
}

fn both(
    e: &TreeEnsemble,
    x: &Array2<f64>,
    bg: &Array2<f64>,
    w: Option<&[f64]>,
    nsamples: Option<usize>,
    seed: u64,
) -> (ShapValues, ShapValues) {
    let mut walk = KernelShap::for_tree_ensemble(e, bg.view(), w)
        .unwrap()
        .seed(seed);
    let mut generic = KernelShap::new(e, bg.view(), w).unwrap().seed(seed);
    if let Some(n) = nsamples {
        walk = walk.nsamples(n);
        generic = generic.nsamples(n);
    }
    (
        walk.explain(x.view()).unwrap(),
        generic.explain(x.view()).unwrap(),
    )
}

#[test]
fn tree_walk_equals_generic_path_bit_for_bit_on_random_ensembles() {
    let mut rng = Rng::new(11);
    for case in 0..60 {
        let m = 2 + rng.below(9);
        let k = 1 + rng.below(3);
        let depth = 1 + rng.below(7);
        let e = random_ensemble(&mut rng, m, k, 6, depth, false);
        let nan = case % 2 == 0;
        let x = to_array(&random_rows(&mut rng, 4, m, nan), m);
        let nb = 1 + rng.below(6);
        let bg = to_array(&random_rows(&mut rng, nb, m, nan), m);
        let w: Vec<f64> = (0..nb).map(|_| rng.uniform(0.1, 3.0)).collect();
        // Enumeration (small M) and sampling (budget below 2^M - 2) both.
        let ns = if case % 3 == 0 {
            None
        } else {
            Some(
                (2 * m + 2)
                    .max(((1usize << m) - 2) / 3)
                    .min((1usize << m) - 2),
            )
        };
        let (a, b) = both(&e, &x, &bg, Some(&w), ns, case);
        assert_bit_identical(&a, &b, &format!("case {case} (m {m}, k {k}, nb {nb})"));
    }
}

#[test]
fn tree_walk_handles_more_than_64_varying_features() {
    let mut rng = Rng::new(5);
    let m = 70;
    let e = random_ensemble(&mut rng, m, 2, 8, 9, false);
    let x = to_array(&random_rows(&mut rng, 3, m, true), m);
    let bg = to_array(&random_rows(&mut rng, 4, m, true), m);
    let (a, b) = both(&e, &x, &bg, None, Some(400), 3);
    assert_bit_identical(&a, &b, "70 features");
}

#[test]
fn tree_walk_equals_generic_path_on_a_trained_forest() {
    let t = glassbox_data::friedman1(300, 12, 1.0, 2);
    let x = t.features.view();
    let y = t.target.as_ref().unwrap().view();
    let forest = glassbox_models::forest::RandomForestParams {
        n_estimators: 20,
        ..Default::default()
    }
    .fit(x, y)
    .unwrap();
    let e = forest.ensemble();
    let bg = kmeans(x, 5, 0).unwrap();
    let explained = x.slice(glassbox_core::ndarray::s![..6, ..]).to_owned();
    let (a, b) = both(e, &explained, &bg.data, Some(&bg.weights), Some(200), 7);
    assert_bit_identical(&a, &b, "trained forest");
}

#[test]
fn tree_walk_enumerating_every_coalition_gives_exact_shapley_values() {
    let mut rng = Rng::new(23);
    for case in 0..20 {
        let m = 2 + rng.below(6);
        let k = 1 + rng.below(2);
        let e = random_ensemble(&mut rng, m, k, 5, 5, false);
        let xr = random_rows(&mut rng, 2, m, case % 2 == 0);
        let nb = 1 + rng.below(4);
        let bgr = random_rows(&mut rng, nb, m, case % 2 == 0);
        let ks = KernelShap::for_tree_ensemble(&e, to_array(&bgr, m).view(), None).unwrap();
        let sv = ks.explain(to_array(&xr, m).view()).unwrap();
        for (i, xi) in xr.iter().enumerate() {
            for o in 0..k {
                let exact = shapley(m, &|s| interventional_value(&e, xi, &bgr, s, o));
                for j in 0..m {
                    assert_close(
                        sv.values[[i, j, o]],
                        exact[j],
                        1e-9,
                        &format!("case {case} row {i} feature {j} output {o}"),
                    );
                }
            }
        }
    }
}

/// The ensemble's probabilities (sigmoid of one margin, softmax of several) as a model.
struct Probabilities<'a>(&'a TreeEnsemble);

impl Predict for Probabilities<'_> {
    fn n_features(&self) -> usize {
        self.0.n_features
    }
    fn n_outputs(&self) -> usize {
        self.0.n_outputs
    }
    fn predict(
        &self,
        x: glassbox_core::ndarray::ArrayView2<'_, f64>,
    ) -> Result<Array2<f64>, glassbox_core::CoreError> {
        let f = OutputSpace::Probability
            .transform(self.0.n_outputs)
            .unwrap();
        let mut y = self.0.predict(x)?;
        for mut row in y.rows_mut() {
            let m = row.to_vec();
            for (o, v) in row.iter_mut().enumerate() {
                *v = f(&m, o);
            }
        }
        Ok(y)
    }
}

#[test]
fn tree_walk_in_probability_space_equals_the_generic_path_bit_for_bit() {
    let mut rng = Rng::new(31);
    for case in 0..30 {
        let m = 2 + rng.below(7);
        let k = [1, 3][case % 2];
        let depth = 1 + rng.below(6);
        let e = random_ensemble(&mut rng, m, k, 6, depth, false);
        let x = to_array(&random_rows(&mut rng, 3, m, case % 3 == 0), m);
        let nb = 1 + rng.below(5);
        let bg = to_array(&random_rows(&mut rng, nb, m, case % 3 == 0), m);
        let ns = Some(
            (2 * m + 2)
                .max(((1usize << m) - 2) / 2)
                .min((1usize << m) - 2),
        );
        let mut walk =
            KernelShap::for_tree_ensemble_in(&e, OutputSpace::Probability, bg.view(), None)
                .unwrap()
                .seed(case as u64);
        let proba = Probabilities(&e);
        let mut generic = KernelShap::new(&proba, bg.view(), None)
            .unwrap()
            .seed(case as u64);
        if let Some(n) = ns {
            walk = walk.nsamples(n);
            generic = generic.nsamples(n);
        }
        let a = walk.explain(x.view()).unwrap();
        let b = generic.explain(x.view()).unwrap();
        assert_bit_identical(&a, &b, &format!("probability case {case} (m {m}, k {k})"));
        // Efficiency in probability space: base + sum = p(x).
        let p = proba.predict(x.view()).unwrap();
        for i in 0..3 {
            for o in 0..k {
                let sum: f64 = (0..m).map(|j| a.values[[i, j, o]]).sum();
                assert_close(a.base_values[[i, o]] + sum, p[[i, o]], 1e-12, "efficiency");
            }
        }
    }
    // Margin space is the plain tree walk.
    let e = random_ensemble(&mut rng, 4, 2, 4, 4, false);
    let x = to_array(&random_rows(&mut rng, 2, 4, false), 4);
    let bg = to_array(&random_rows(&mut rng, 3, 4, false), 4);
    let a = KernelShap::for_tree_ensemble_in(&e, OutputSpace::Margin, bg.view(), None)
        .unwrap()
        .explain(x.view())
        .unwrap();
    let b = KernelShap::for_tree_ensemble(&e, bg.view(), None)
        .unwrap()
        .explain(x.view())
        .unwrap();
    assert_bit_identical(&a, &b, "margin space");
}
