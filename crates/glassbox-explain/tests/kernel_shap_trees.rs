//! KernelSHAP's tree path (`KernelShap::for_tree_ensemble`, coalitions walking each tree
//! together) against the generic path (synthetic rows through `Predict`) and against brute-force
//! Shapley values of the interventional game. The tree path promises the SAME estimator, so the
//! values must agree bit for bit, on every missing-value rule, both split conditions, several
//! outputs, NaN in the data and more than 64 varying features.

#![allow(clippy::needless_range_loop)] // index loops mirror the formulas

mod interventional_common;

use glassbox_core::TreeEnsemble;
use glassbox_core::ndarray::Array2;
use glassbox_core::rng::Rng;
use glassbox_explain::shap::ShapValues;
use glassbox_explain::shap::kernel_shap::KernelShap;
use glassbox_explain::shap::kmeans::kmeans;
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
