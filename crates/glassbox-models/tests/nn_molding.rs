//! The default MLP on the bundled injection-molding table (run with `--ignored --nocapture`):
//! 70/30 split with seed 42 (shuffle 0..n with `Rng::new(42)`, the first round(0.3 n) rows are
//! the test set), features min-max scaled on the training rows, target min-max scaled inside
//! the model. Prints the test R².

use glassbox_core::ndarray::Array2;
use glassbox_core::rng::Rng;
use glassbox_core::{MinMaxScaler, Predict, RegressionMetrics};
use glassbox_models::nn::{MlpParams, TargetScaling};

const CSV: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/molding/ikv_injection_molding.csv"
);
/// Identification and bookkeeping columns, not features.
const NOT_FEATURES: [&str; 8] = [
    "MoldNumber",
    "MoldName",
    "BrickType",
    "Variant",
    "Variant_en",
    "RunIndex",
    "SourceOrderRepaired",
    "Weight (g)",
];

fn load() -> (Array2<f64>, Vec<f64>) {
    let text = std::fs::read_to_string(CSV).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let feat: Vec<usize> = (0..header.len())
        .filter(|&c| !NOT_FEATURES.contains(&header[c]))
        .collect();
    let target = header.iter().position(|&h| h == "Weight (g)").unwrap();
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    let mut n = 0;
    for line in lines.filter(|l| !l.is_empty()) {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells.len(), header.len(), "no quoted commas in this file");
        xs.extend(feat.iter().map(|&c| cells[c].parse::<f64>().unwrap()));
        ys.push(cells[target].parse::<f64>().unwrap());
        n += 1;
    }
    (Array2::from_shape_vec((n, feat.len()), xs).unwrap(), ys)
}

#[test]
#[ignore = "trains on the full molding table; run with --ignored --nocapture"]
fn default_mlp_test_r2_on_molding() {
    let (x, y) = load();
    let n = x.nrows();
    let mut idx: Vec<usize> = (0..n).collect();
    Rng::new(42).shuffle(&mut idx);
    let n_test = (0.3 * n as f64).round() as usize;
    let (test, train) = idx.split_at(n_test);
    let sel = |rows: &[usize]| x.select(glassbox_core::ndarray::Axis(0), rows);
    let scaler = MinMaxScaler::fit(sel(train).view()).unwrap();
    let (xtr, xte) = (
        scaler.transform(sel(train).view()).unwrap(),
        scaler.transform(sel(test).view()).unwrap(),
    );
    let ytr = Array2::from_shape_fn((train.len(), 1), |(i, _)| y[train[i]]);
    let yte: Vec<f64> = test.iter().map(|&i| y[i]).collect();
    for ts in [
        TargetScaling::MinMax,
        TargetScaling::Standardize,
        TargetScaling::None,
    ] {
        let p = MlpParams {
            target_scaling: ts,
            ..Default::default()
        };
        let t0 = std::time::Instant::now();
        let mlp = p.fit(xtr.view(), ytr.view(), &mut |_| {}).unwrap();
        let secs = t0.elapsed().as_secs_f64();
        let pred = mlp.predict(xte.view()).unwrap();
        let m = RegressionMetrics::compute(&yte, pred.column(0).to_vec().as_slice()).unwrap();
        println!(
            "molding {}x{} train / {} test, default MLP, target {ts:?}: test R² {:.4}, RMSE {:.2} g, MAE {:.2} g, final loss {:.3e}, {secs:.2} s",
            xtr.nrows(),
            xtr.ncols(),
            yte.len(),
            m.r2,
            m.rmse,
            m.mae,
            mlp.loss_history().last().unwrap()
        );
        if ts == TargetScaling::MinMax {
            assert!(m.r2 > 0.9, "default MLP test R² {}", m.r2);
        }
    }
}
