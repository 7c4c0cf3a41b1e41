//! KernelSHAP against oracles that share none of its code: brute-force Shapley values of the
//! interventional game, the closed form for linear models, and the Shapley axioms.

use glassbox_core::ndarray::{Array2, ArrayView2, array};
use glassbox_core::rng::Rng;
use glassbox_core::{CoreError, Predict};
use glassbox_explain::ExplainError;
use glassbox_explain::shap::kernel_shap::{KernelShap, L1Reg};
use glassbox_explain::shap::kmeans::kmeans;

/// A model given by a closure over one row, returning `k` outputs.
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
        for (i, r) in x.rows().into_iter().enumerate() {
            let v = (self.f)(&r.to_vec());
            for o in 0..self.k {
                out[[i, o]] = v[o];
            }
        }
        Ok(out)
    }
}

/// Brute-force Shapley values of v(S) = sum_b w_b f(x_S, b_notS) for output `o`: the
/// permutation-weighted sum over all 2^M coalitions.
fn brute_force(model: &dyn Predict, x: &[f64], bg: &Array2<f64>, w: &[f64], o: usize) -> Vec<f64> {
    let m = x.len();
    let ws: f64 = w.iter().sum();
    let v = |s: u64| -> f64 {
        let mut rows = bg.clone();
        for mut r in rows.rows_mut() {
            for j in 0..m {
                if s >> j & 1 == 1 {
                    r[j] = x[j];
                }
            }
        }
        let y = model.predict(rows.view()).unwrap();
        (0..bg.nrows()).map(|b| w[b] * y[[b, o]]).sum::<f64>() / ws
    };
    let vals: Vec<f64> = (0..1u64 << m).map(v).collect();
    let fact = |n: usize| (1..=n).map(|i| i as f64).product::<f64>();
    let mut phi = vec![0.0; m];
    for s in 0..1u64 << m {
        let size = s.count_ones() as usize;
        for (j, p) in phi.iter_mut().enumerate() {
            if s >> j & 1 == 0 {
                let weight = fact(size) * fact(m - size - 1) / fact(m);
                *p += weight * (vals[(s | 1 << j) as usize] - vals[s as usize]);
            }
        }
    }
    phi
}

fn random_matrix(rows: usize, cols: usize, seed: u64) -> Array2<f64> {
    let mut rng = Rng::new(seed);
    Array2::from_shape_fn((rows, cols), |_| rng.uniform(-1.0, 2.0))
}

/// Nonlinear, with interactions among several features and two outputs.
fn interacting(m: usize) -> FnModel<impl Fn(&[f64]) -> Vec<f64> + Send + Sync> {
    FnModel {
        m,
        k: 2,
        f: move |x: &[f64]| {
            let a = x[0] * x[1] + (x[2] * 1.3).sin() * x[3] + x[4].max(0.2) * x[0] * x[2];
            let extra: f64 = x[5..]
                .iter()
                .enumerate()
                .map(|(j, v)| (j as f64 + 1.0) * v * v)
                .sum();
            vec![a + 0.3 * extra, (x[1] - x[3]).exp() + x[m - 1] * x[0]]
        },
    }
}

#[test]
fn full_enumeration_equals_brute_force_shapley_values() {
    let m = 7;
    let model = interacting(m);
    let bg = random_matrix(5, m, 1);
    let w = [1.0, 3.0, 0.5, 2.0, 1.0];
    let x = random_matrix(3, m, 2);
    // Default nsamples is 2M + 2048, capped at 2^7 - 2 = 126: every coalition is evaluated.
    let ks = KernelShap::new(&model, bg.view(), Some(&w)).unwrap();
    let sv = ks.explain(x.view()).unwrap();
    for i in 0..3 {
        for o in 0..2 {
            let bf = brute_force(&model, &x.row(i).to_vec(), &bg, &w, o);
            for (j, b) in bf.iter().enumerate() {
                let got = sv.values[[i, j, o]];
                assert!(
                    (got - b).abs() < 1e-9,
                    "row {i} out {o} feat {j}: {got} vs {b}"
                );
            }
        }
    }
    // Even M (middle size unpaired) as well.
    let m = 6;
    let model = interacting(m);
    let bg = random_matrix(4, m, 3);
    let x = random_matrix(2, m, 4);
    let sv = KernelShap::new(&model, bg.view(), None)
        .unwrap()
        .explain(x.view())
        .unwrap();
    for i in 0..2 {
        let bf = brute_force(&model, &x.row(i).to_vec(), &bg, &[1.0; 4], 0);
        for (j, b) in bf.iter().enumerate() {
            assert!((sv.values[[i, j, 0]] - b).abs() < 1e-9);
        }
    }
}

#[test]
fn linear_model_matches_closed_form_even_when_sampling() {
    let m = 14;
    let coef: Vec<f64> = (0..m).map(|j| (j as f64 - 6.0) * 0.7).collect();
    let c2 = coef.clone();
    let model = FnModel {
        m,
        k: 1,
        f: move |x: &[f64]| vec![3.0 + x.iter().zip(&c2).map(|(a, b)| a * b).sum::<f64>()],
    };
    let data = random_matrix(200, m, 9);
    let bg = kmeans(data.view(), 10, 0).unwrap();
    let x = random_matrix(4, m, 10);
    // 100 of 16382 coalitions: the sampled regression is still exact for an additive model.
    let sv = KernelShap::new(&model, bg.data.view(), Some(&bg.weights))
        .unwrap()
        .nsamples(100)
        .seed(3)
        .explain(x.view())
        .unwrap();
    let wsum: f64 = bg.weights.iter().sum();
    for j in 0..m {
        let eb: f64 = (0..10)
            .map(|b| bg.weights[b] * bg.data[[b, j]])
            .sum::<f64>()
            / wsum;
        for i in 0..4 {
            let want = coef[j] * (x[[i, j]] - eb);
            assert!((sv.values[[i, j, 0]] - want).abs() < 1e-9, "{i} {j}");
        }
    }
}

#[test]
fn efficiency_holds_exactly_when_sampling() {
    let m = 12;
    let model = interacting(m);
    let bg = random_matrix(8, m, 5);
    let x = random_matrix(6, m, 6);
    for l1 in [L1Reg::Off, L1Reg::NumFeatures(4), L1Reg::Auto] {
        let ks = KernelShap::new(&model, bg.view(), None)
            .unwrap()
            .nsamples(200)
            .l1(l1);
        let sv = ks.explain(x.view()).unwrap();
        let fx = model.predict(x.view()).unwrap();
        let e = sv
            .into_explanation(
                x.clone(),
                (0..m).map(|j| format!("x{j}")).collect(),
                vec!["a".into(), "b".into()],
                "kernel-shap",
            )
            .unwrap();
        e.check_local_accuracy(fx.view(), 1e-12).unwrap();
    }
}

#[test]
fn error_against_brute_force_shrinks_as_nsamples_grows() {
    let m = 12;
    let model = interacting(m);
    let bg = random_matrix(4, m, 7);
    let x = random_matrix(6, m, 8);
    let truth: Vec<Vec<f64>> = (0..6)
        .map(|i| brute_force(&model, &x.row(i).to_vec(), &bg, &[1.0; 4], 0))
        .collect();
    let err = |ns: usize| {
        let sv = KernelShap::new(&model, bg.view(), None)
            .unwrap()
            .nsamples(ns)
            .seed(11)
            .explain(x.view())
            .unwrap();
        let mut e = 0.0;
        for (i, t) in truth.iter().enumerate() {
            for (j, v) in t.iter().enumerate() {
                e += (sv.values[[i, j, 0]] - v).powi(2);
            }
        }
        (e / (6 * m) as f64).sqrt()
    };
    let (e100, e2000) = (err(100), err(2000));
    assert!(e2000 < 0.5 * e100, "rmse at 100: {e100}, at 2000: {e2000}");
    // With every coalition (4094) the error vanishes.
    assert!(err(4094) < 1e-9);
}

#[test]
fn dummy_and_background_constant_features_get_zero() {
    let m = 6;
    // Feature 2 is ignored by the model.
    let model = FnModel {
        m,
        k: 1,
        f: |x: &[f64]| vec![x[0] * x[1] + x[3].exp() * x[4] - x[5]],
    };
    let bg = random_matrix(5, m, 12);
    let x = random_matrix(3, m, 13);
    let sv = KernelShap::new(&model, bg.view(), None)
        .unwrap()
        .explain(x.view())
        .unwrap();
    for i in 0..3 {
        assert!(sv.values[[i, 2, 0]].abs() < 1e-12);
    }
    // Feature 1 equals its (constant) background value in the explained row: exactly 0, also
    // when sampling.
    let mut bg = random_matrix(5, 9, 14);
    bg.column_mut(1).fill(0.5);
    let mut x = random_matrix(2, 9, 15);
    x[[0, 1]] = 0.5;
    let model = FnModel {
        m: 9,
        k: 1,
        f: |x: &[f64]| vec![x.iter().product::<f64>() + x[1] * 10.0],
    };
    let sv = KernelShap::new(&model, bg.view(), None)
        .unwrap()
        .nsamples(40)
        .explain(x.view())
        .unwrap();
    assert_eq!(sv.values[[0, 1, 0]], 0.0);
    assert_ne!(sv.values[[1, 1, 0]], 0.0);
}

#[test]
fn symmetric_features_get_equal_values() {
    let m = 5;
    let model = FnModel {
        m,
        k: 1,
        f: |x: &[f64]| vec![(x[0] + x[1]).powi(2) + x[2] * x[3] * x[4]],
    };
    let bg = array![[0.0, 0.0, 0.1, 0.2, 0.3], [1.0, 1.0, 0.5, 0.1, 0.0]];
    let x = array![[2.0, 2.0, 1.0, 1.0, 1.0]];
    let sv = KernelShap::new(&model, bg.view(), None)
        .unwrap()
        .explain(x.view())
        .unwrap();
    assert!((sv.values[[0, 0, 0]] - sv.values[[0, 1, 0]]).abs() < 1e-10);
}

#[test]
fn deterministic_per_seed_and_independent_of_threads() {
    let m = 10;
    let model = interacting(m);
    let bg = random_matrix(6, m, 16);
    let x = random_matrix(5, m, 17);
    let run = |seed: u64| {
        KernelShap::new(&model, bg.view(), None)
            .unwrap()
            .nsamples(80)
            .seed(seed)
            .explain(x.view())
            .unwrap()
    };
    let a = run(1);
    let one_thread = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let b = one_thread.install(|| run(1));
    assert_eq!(a, b);
    assert_ne!(a.values, run(2).values);
}

#[test]
fn num_features_selects_the_strong_features() {
    let m = 12;
    let model = FnModel {
        m,
        k: 1,
        f: |x: &[f64]| {
            let weak: f64 = x[3..].iter().map(|v| 0.01 * v * v).sum();
            vec![5.0 * x[0] + 4.0 * x[1] * x[1] - 6.0 * x[2] + weak]
        },
    };
    let bg = random_matrix(5, m, 18);
    let x = array![[2.0, 2.0, -1.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]];
    let sv = KernelShap::new(&model, bg.view(), None)
        .unwrap()
        .nsamples(150)
        .l1(L1Reg::NumFeatures(3))
        .explain(x.view())
        .unwrap();
    let nonzero: Vec<usize> = (0..m).filter(|&j| sv.values[[0, j, 0]] != 0.0).collect();
    assert_eq!(nonzero, vec![0, 1, 2]);
}

#[test]
fn bad_input_gives_clear_errors() {
    let model = interacting(8);
    let bg = random_matrix(3, 7, 19);
    let err = KernelShap::new(&model, bg.view(), None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("background has 7 columns but the model expects 8 features"),
        "{err}"
    );

    let bg = random_matrix(3, 8, 19);
    let x = random_matrix(2, 8, 20);
    let ks = KernelShap::new(&model, bg.view(), None)
        .unwrap()
        .nsamples(17);
    let err = ks.explain(x.view()).unwrap_err().to_string();
    assert!(
        err.contains("nsamples must be at least 2*M+2 = 18 for M = 8 features, got 17"),
        "{err}"
    );
    let err = KernelShap::new(&model, bg.view(), Some(&[1.0, 2.0]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("expected 3"), "{err}");
    let err = ks
        .explain(random_matrix(1, 5, 0).view())
        .unwrap_err()
        .to_string();
    assert!(err.contains("5 columns"), "{err}");

    // NaN when feature 0 is switched on for row 1 only.
    let nan_model = FnModel {
        m: 4,
        k: 1,
        f: |x: &[f64]| {
            vec![if x[0] > 50.0 {
                f64::NAN
            } else {
                x.iter().sum()
            }]
        },
    };
    let bg = random_matrix(3, 4, 21);
    let x = array![[0.0, 1.0, 1.0, 1.0], [100.0, 1.0, 1.0, 1.0]];
    let x_ok = x
        .row(0)
        .insert_axis(glassbox_core::ndarray::Axis(0))
        .to_owned();
    let ks = KernelShap::new(&nan_model, bg.view(), None).unwrap();
    ks.explain(x_ok.view()).unwrap();
    let err = ks.explain(x.view()).unwrap_err();
    assert!(matches!(err, ExplainError::Model(_)), "{err}");
    assert!(err.to_string().contains("row 1"), "{err}");
    let bg_big = Array2::from_shape_fn((2, 4), |(b, j)| if b == 1 && j == 0 { 100.0 } else { 0.5 });
    let err = KernelShap::new(&nan_model, bg_big.view(), None).unwrap_err();
    assert!(err.to_string().contains("background row 1"), "{err}");

    // f(x) and f(background) finite, but a perturbed sample (x0 from x, x1 from the
    // background) is NaN.
    let nan2 = FnModel {
        m: 3,
        k: 1,
        f: |x: &[f64]| {
            vec![if x[0] > 50.0 && x[1] > 50.0 {
                f64::NAN
            } else {
                x[0] + x[1] + x[2]
            }]
        },
    };
    let bg = array![[0.0, 100.0, 0.0]];
    let x = array![[1.0, 1.0, 1.0], [1.0, 1.0, 2.0], [100.0, 0.0, 3.0]];
    let err = KernelShap::new(&nan2, bg.view(), None)
        .unwrap()
        .explain(x.view())
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("perturbed sample of explained row 2"),
        "{err}"
    );
}

/// Records every call's rows (as bit patterns).
struct Recording<M> {
    inner: M,
    calls: std::sync::Mutex<Vec<Vec<Vec<u64>>>>,
}

impl<M: Predict> Predict for Recording<M> {
    fn n_features(&self) -> usize {
        self.inner.n_features()
    }
    fn n_outputs(&self) -> usize {
        self.inner.n_outputs()
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>, CoreError> {
        let rows = x
            .rows()
            .into_iter()
            .map(|r| r.iter().map(|v| v.to_bits()).collect())
            .collect();
        self.calls.lock().unwrap().push(rows);
        self.inner.predict(x)
    }
}

#[test]
fn no_row_is_evaluated_twice_and_results_stay_exact() {
    // Discrete features (0, 1 or 2): background rows often share values with the explained
    // row, so many coalitions give the same synthetic row, the background row itself, or x.
    let m = 7;
    let mut rng = Rng::new(40);
    let bg = Array2::from_shape_fn((6, m), |_| rng.below(3) as f64);
    let x = Array2::from_shape_fn((3, m), |_| rng.below(3) as f64);
    let model = Recording {
        inner: interacting(m),
        calls: std::sync::Mutex::new(Vec::new()),
    };
    let ks = KernelShap::new(&model, bg.view(), None)
        .unwrap()
        .nsamples(126);
    let sv = ks.explain(x.view()).unwrap();
    // Every coalition enumerated: exact against brute force.
    for i in 0..3 {
        let xi = x.row(i).to_vec();
        for o in 0..2 {
            let want = brute_force(&model.inner, &xi, &bg, &[1.0; 6], o);
            for (j, w) in want.iter().enumerate() {
                assert!((sv.values[[i, j, o]] - w).abs() < 1e-9);
            }
        }
    }
    let bits = |a: ArrayView2<'_, f64>| -> std::collections::HashSet<Vec<u64>> {
        a.rows()
            .into_iter()
            .map(|r| r.iter().map(|v| v.to_bits()).collect())
            .collect()
    };
    let bg_rows = bits(bg.view());
    // One explained row at a time, so each synthetic batch belongs to a known row. Calls: the
    // background (in `new`), the explained row, then its synthetic rows in one batch.
    let mut total = 0;
    for i in 0..3 {
        model.calls.lock().unwrap().clear();
        let xi = x.slice(glassbox_core::ndarray::s![i..i + 1, ..]);
        let one = KernelShap::new(&model, bg.view(), None)
            .unwrap()
            .nsamples(126)
            .explain(xi)
            .unwrap();
        // Full enumeration: no randomness, so the same values as within the batch.
        let ax = glassbox_core::ndarray::Axis(0);
        assert_eq!(one.values.index_axis(ax, 0), sv.values.index_axis(ax, i));
        let calls = model.calls.lock().unwrap();
        assert_eq!((calls.len(), calls[0].len(), calls[1].len()), (3, 6, 1));
        let call = &calls[2];
        let distinct: std::collections::HashSet<&Vec<u64>> = call.iter().collect();
        assert_eq!(distinct.len(), call.len(), "a synthetic row was sent twice");
        let x_row = bits(xi);
        assert!(
            call.iter()
                .all(|r| !bg_rows.contains(r) && !x_row.contains(r))
        );
        total += call.len();
    }
    assert!(total < 3 * 126 * 6, "{total} rows: nothing was reused");
}
