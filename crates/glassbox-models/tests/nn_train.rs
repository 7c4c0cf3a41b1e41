//! MLP training: loss goes down and the fit is real, bit-identical reruns, typed errors.

use glassbox_core::ndarray::Array2;
use glassbox_core::rng::Rng;
use glassbox_core::{Predict, RegressionMetrics};
use glassbox_models::ModelError;
use glassbox_models::nn::{EpochReport, MlpParams, TargetScaling, parse_hidden};

/// Friedman #1 without noise: y = 10 sin(π x0 x1) + 20 (x2 - ½)² + 10 x3 + 5 x4, x ~ U(0,1)^6.
fn friedman(n: usize, seed: u64) -> (Array2<f64>, Array2<f64>) {
    let mut rng = Rng::new(seed);
    let x = Array2::from_shape_fn((n, 6), |_| rng.next_f64());
    let y = Array2::from_shape_fn((n, 1), |(i, _)| {
        let r = x.row(i);
        10.0 * (std::f64::consts::PI * r[0] * r[1]).sin()
            + 20.0 * (r[2] - 0.5).powi(2)
            + 10.0 * r[3]
            + 5.0 * r[4]
    });
    (x, y)
}

#[test]
fn training_reduces_loss_and_fits() {
    let (x, y) = friedman(400, 1);
    let params = MlpParams {
        hidden: vec![16, 16],
        epochs: 60,
        batch_size: 16,
        learning_rate: 3e-3,
        ..Default::default()
    };
    let mut reports: Vec<EpochReport> = Vec::new();
    let mlp = params
        .fit(x.view(), y.view(), &mut |r| reports.push(*r))
        .unwrap();
    assert_eq!(reports.len(), 60);
    assert_eq!(
        reports.iter().map(|r| r.epoch).collect::<Vec<_>>(),
        (1..=60).collect::<Vec<_>>()
    );
    assert_eq!(reports.last().unwrap().steps, 60 * 25);
    assert_eq!(
        mlp.loss_history(),
        reports
            .iter()
            .map(|r| r.train_loss)
            .collect::<Vec<_>>()
            .as_slice()
    );
    let (first, last) = (reports[0].train_loss, reports[59].train_loss);
    assert!(last < first / 10.0, "loss {first} -> {last}");
    // Predictions are in target units (min-max scaling undone): R² on fresh rows.
    let (xt, yt) = friedman(300, 2);
    let pred = mlp.predict(xt.view()).unwrap();
    let m = RegressionMetrics::compute(
        yt.column(0).as_slice().unwrap(),
        pred.column(0).to_vec().as_slice(),
    )
    .unwrap();
    assert!(m.r2 > 0.85, "test R² {}", m.r2);
}

#[test]
fn same_seed_gives_bit_identical_weights_other_seed_differs() {
    let (x, y) = friedman(100, 3);
    let p = MlpParams {
        hidden: vec![8, 8],
        epochs: 5,
        ..Default::default()
    };
    let a = p.fit(x.view(), y.view(), &mut |_| {}).unwrap();
    let b = p.fit(x.view(), y.view(), &mut |_| {}).unwrap();
    let bits = |m: &glassbox_models::nn::Mlp| -> Vec<u64> {
        m.network()
            .params()
            .iter()
            .flat_map(|p| p.data.iter().map(|v| v.to_bits()))
            .collect()
    };
    assert_eq!(bits(&a), bits(&b));
    assert_eq!(a.loss_history(), b.loss_history());
    // Also inside a rayon pool with a different thread count.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(3)
        .build()
        .unwrap();
    let c = pool.install(|| p.fit(x.view(), y.view(), &mut |_| {}).unwrap());
    assert_eq!(bits(&a), bits(&c));
    let d = MlpParams {
        seed: 43,
        ..p.clone()
    }
    .fit(x.view(), y.view(), &mut |_| {})
    .unwrap();
    assert_ne!(bits(&a), bits(&d));
}

#[test]
fn weights_stay_f32_exact_and_scalings_all_work() {
    let (x, y) = friedman(80, 4);
    for ts in [
        TargetScaling::None,
        TargetScaling::MinMax,
        TargetScaling::Standardize,
    ] {
        let p = MlpParams {
            hidden: vec![5],
            epochs: 2,
            target_scaling: ts,
            ..Default::default()
        };
        let m = p.fit(x.view(), y.view(), &mut |_| {}).unwrap();
        assert!(
            m.network()
                .params()
                .iter()
                .all(|p| p.data.iter().all(|&v| (v as f32) as f64 == v))
        );
        assert_eq!(m.predict(x.view()).unwrap().dim(), (80, 1));
    }
}

#[test]
fn bad_settings_and_input_are_typed_errors() {
    let (x, y) = friedman(20, 5);
    let fit = |p: MlpParams| p.fit(x.view(), y.view(), &mut |_| {});
    for p in [
        MlpParams {
            learning_rate: 0.0,
            ..Default::default()
        },
        MlpParams {
            learning_rate: -1.0,
            ..Default::default()
        },
        MlpParams {
            learning_rate: f64::NAN,
            ..Default::default()
        },
        MlpParams {
            epochs: 0,
            ..Default::default()
        },
        MlpParams {
            batch_size: 0,
            ..Default::default()
        },
        MlpParams {
            hidden: vec![4, 0],
            ..Default::default()
        },
        MlpParams {
            beta1: 1.0,
            ..Default::default()
        },
        MlpParams {
            epsilon: 0.0,
            ..Default::default()
        },
    ] {
        assert!(
            matches!(fit(p.clone()), Err(ModelError::InvalidArgument(_))),
            "{p:?}"
        );
    }
    let mut xn = x.clone();
    xn[[3, 2]] = f64::NAN;
    let err = MlpParams::default()
        .fit(xn.view(), y.view(), &mut |_| {})
        .unwrap_err()
        .to_string();
    assert!(err.contains("row 3") && err.contains("column 2"), "{err}");
    let short = Array2::zeros((19, 1));
    assert!(
        MlpParams::default()
            .fit(x.view(), short.view(), &mut |_| {})
            .is_err()
    );
}

#[test]
fn divergence_stops_with_the_epoch_and_a_hint() {
    let (x, y) = friedman(64, 6);
    let p = MlpParams {
        learning_rate: 1e30,
        epochs: 5,
        ..Default::default()
    };
    let mut seen = 0;
    match p.fit(x.view(), y.view(), &mut |_| seen += 1) {
        Err(ModelError::Diverged { epoch, .. }) => {
            assert!((1..=5).contains(&epoch));
            assert_eq!(seen, epoch - 1, "callback ran for completed epochs only");
        }
        other => panic!("expected divergence, got {other:?}"),
    }
    let msg = ModelError::Diverged {
        epoch: 2,
        loss: f64::NAN,
        learning_rate: 1e30,
    }
    .to_string();
    assert!(
        msg.contains("epoch 2") && msg.contains("lower learning rate"),
        "{msg}"
    );
}

#[test]
fn hidden_layer_strings() {
    assert_eq!(parse_hidden("10,10,10,10,10").unwrap(), vec![10; 5]);
    assert_eq!(parse_hidden(" 32, 16 ").unwrap(), vec![32, 16]);
    assert_eq!(parse_hidden("").unwrap(), Vec::<usize>::new());
    for bad in ["10,,10", "10;10", "0", "-3", "ten"] {
        let e = parse_hidden(bad).unwrap_err().to_string();
        assert!(
            e.contains("expected comma-separated positive widths"),
            "{bad}: {e}"
        );
    }
}
