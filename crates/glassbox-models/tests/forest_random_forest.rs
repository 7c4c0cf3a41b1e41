//! Random-forest behaviour: determinism across thread counts, prediction as the mean of trees,
//! importances, input validation.

use glassbox_core::model::AsTreeEnsemble;
use glassbox_core::rng::Rng;
use glassbox_core::{Predict, SplitCondition};
use glassbox_models::ModelError;
use glassbox_models::forest::{MaxFeatures, RandomForest, RandomForestParams};
use ndarray::{Array1, Array2, array};

fn data(n: usize, m: usize, seed: u64) -> (Array2<f64>, Array1<f64>) {
    let mut rng = Rng::new(seed);
    let x = Array2::from_shape_fn((n, m), |_| rng.next_f64());
    // Only features 0 and 2 matter.
    let y = Array1::from_shape_fn(n, |i| 5.0 * x[[i, 0]] + (6.0 * x[[i, 2]]).sin());
    (x, y)
}

fn fit_on_threads(p: &RandomForestParams, threads: usize) -> RandomForest {
    let (x, y) = data(300, 6, 11);
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(|| p.fit(x.view(), y.view()).unwrap())
}

/// Every f64 of the ensemble as bits (PartialEq on f64 would accept -0.0 == 0.0).
fn bits(f: &RandomForest) -> Vec<u64> {
    let mut out = Vec::new();
    for t in &f.ensemble().trees {
        out.extend(t.threshold.iter().map(|v| v.to_bits()));
        out.extend(t.value.iter().map(|v| v.to_bits()));
        out.extend(t.cover.iter().map(|v| v.to_bits()));
        out.extend(t.feature.iter().map(|&v| v as u64));
        out.extend(t.left.iter().map(|&v| v as u64));
    }
    out.extend(f.feature_importances().iter().map(|v| v.to_bits()));
    out
}

#[test]
fn identical_whatever_the_thread_count() {
    for p in [
        RandomForestParams {
            n_estimators: 12,
            ..Default::default()
        },
        RandomForestParams {
            n_estimators: 12,
            max_features: MaxFeatures::Sqrt,
            seed: 7,
            ..Default::default()
        },
    ] {
        let one = fit_on_threads(&p, 1);
        let two = fit_on_threads(&p, 2);
        assert_eq!(one.ensemble(), two.ensemble());
        assert_eq!(bits(&one), bits(&two));
        assert_eq!(bits(&one), bits(&fit_on_threads(&p, 2)));
    }
    let a = fit_on_threads(&RandomForestParams::default(), 2);
    let b = fit_on_threads(
        &RandomForestParams {
            seed: 43,
            ..Default::default()
        },
        2,
    );
    assert_ne!(a.ensemble(), b.ensemble(), "the seed must matter");
}

#[test]
fn predicts_the_mean_of_its_trees() {
    let (x, y) = data(100, 4, 12);
    let forest = RandomForestParams {
        n_estimators: 7,
        ..Default::default()
    }
    .fit(x.view(), y.view())
    .unwrap();
    let e = forest.tree_ensemble();
    assert_eq!(
        (e.n_features, e.n_outputs, e.base_offset.clone()),
        (4, 1, vec![0.0])
    );
    assert_eq!(e.split, SplitCondition::LessOrEqual);
    assert!(e.tree_weight.iter().all(|&w| w == 1.0 / 7.0));
    assert_eq!(
        (forest.n_trees(), forest.n_features(), forest.n_outputs()),
        (7, 4, 1)
    );
    let (xt, _) = data(20, 4, 13);
    let p = forest.predict(xt.view()).unwrap();
    assert_eq!(p.dim(), (20, 1));
    for (i, row) in xt.rows().into_iter().enumerate() {
        let row = row.to_vec();
        let mean: f64 = e
            .trees
            .iter()
            .map(|t| t.predict_row(&row, SplitCondition::LessOrEqual))
            .sum::<f64>()
            / 7.0;
        assert!((p[[i, 0]] - mean).abs() < 1e-12);
    }
    assert!(forest.predict(Array2::zeros((2, 3)).view()).is_err());
}

#[test]
fn importances_find_the_informative_features() {
    let (x, y) = data(400, 6, 14);
    let forest = RandomForestParams {
        n_estimators: 20,
        ..Default::default()
    }
    .fit(x.view(), y.view())
    .unwrap();
    let imp = forest.feature_importances();
    assert_eq!(imp.len(), 6);
    assert!((imp.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    assert!(imp.iter().all(|&v| v >= 0.0));
    let noise = imp[1] + imp[3] + imp[4] + imp[5];
    assert!(imp[0] > 0.5 && imp[2] > 0.1 && noise < 0.05, "{imp:?}");

    // A single split on feature 1 carries all the importance.
    let x = array![[0.0, 0.0], [0.0, 1.0], [0.0, 2.0], [0.0, 3.0]];
    let y = array![1.0, 1.0, 2.0, 2.0];
    let f = RandomForestParams {
        n_estimators: 3,
        bootstrap: false,
        ..Default::default()
    }
    .fit(x.view(), y.view())
    .unwrap();
    assert_eq!(f.feature_importances(), &[0.0, 1.0]);
    // Constant target: no split anywhere, importances all zero.
    let f = RandomForestParams::default()
        .fit(x.view(), Array1::ones(4).view())
        .unwrap();
    assert_eq!(f.feature_importances(), &[0.0, 0.0]);
    assert!(f.ensemble().trees.iter().all(|t| t.n_nodes() == 1));
}

#[test]
fn feature_names_attach_to_the_ensemble() {
    let (x, y) = data(30, 3, 15);
    let f = RandomForestParams {
        n_estimators: 2,
        ..Default::default()
    }
    .fit(x.view(), y.view())
    .unwrap();
    assert!(f.clone().with_feature_names(vec!["a".into()]).is_err());
    let f = f
        .with_feature_names(vec!["a".into(), "b".into(), "c".into()])
        .unwrap();
    assert_eq!(
        f.ensemble().feature_names.as_deref(),
        Some(&["a".to_string(), "b".to_string(), "c".to_string()][..])
    );
    f.ensemble().validate().unwrap();
    assert_eq!(f.params().n_estimators, 2);
}

fn message(r: Result<RandomForest, ModelError>) -> String {
    r.unwrap_err().to_string()
}

#[test]
fn rejects_bad_input_with_clear_errors() {
    let p = RandomForestParams::default();
    let x = Array2::from_shape_fn((4, 2), |(i, j)| (i + j) as f64);
    let y = array![1.0, 2.0, 3.0, 4.0];

    let m = message(p.fit(x.view(), array![1.0, 2.0].view()));
    assert!(m.contains("4 values") && m.contains("got 2"), "{m}");
    let m = message(p.fit(x.slice(ndarray::s![..1, ..]), array![1.0].view()));
    assert!(m.contains("at least 2 training samples"), "{m}");
    let m = message(p.fit(Array2::zeros((4, 0)).view(), y.view()));
    assert!(m.contains("at least 1 feature"), "{m}");

    let mut bad = x.clone();
    bad[[2, 1]] = f64::NAN;
    let m = message(p.fit(bad.view(), y.view()));
    assert!(
        m.contains("row 2") && m.contains("column 1") && m.contains("NaN"),
        "{m}"
    );
    let mut bad_y = y.clone();
    bad_y[3] = f64::INFINITY;
    let m = message(p.fit(x.view(), bad_y.view()));
    assert!(m.contains("target") && m.contains("row 3"), "{m}");

    let m = message(
        RandomForestParams {
            max_features: MaxFeatures::Count(3),
            ..Default::default()
        }
        .fit(x.view(), y.view()),
    );
    assert!(m.contains("max_features") && m.contains("1..=2"), "{m}");
    let m = message(
        RandomForestParams {
            min_samples_leaf: 0,
            ..Default::default()
        }
        .fit(x.view(), y.view()),
    );
    assert!(m.contains("min_samples_leaf"), "{m}");
}

#[test]
fn two_samples_is_enough() {
    let x = array![[0.0], [1.0]];
    let y = array![0.0, 1.0];
    let f = RandomForestParams {
        n_estimators: 20,
        ..Default::default()
    }
    .fit(x.view(), y.view())
    .unwrap();
    f.ensemble().validate().unwrap();
    // Some bootstrap samples hold one distinct row (a single leaf), others both (one split).
    let sizes: Vec<usize> = f.ensemble().trees.iter().map(|t| t.n_nodes()).collect();
    assert!(sizes.contains(&1) && sizes.contains(&3), "{sizes:?}");
}
