//! Quality on the bundled injection-molding table, set up as `glassbox train` does: 28 numeric
//! features, min-max scaling fitted on the training rows, a seeded 70/30 split. scikit-learn's
//! RandomForestRegressor reaches test R^2 0.99998 here; glassbox must reach at least 0.999.

use glassbox_core::rng::Rng;
use glassbox_core::{MinMaxScaler, Predict};
use glassbox_models::forest::RandomForestParams;
use ndarray::{Array1, Array2, Axis};

const CSV: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/molding/ikv_injection_molding.csv"
);
const TARGET: &str = "Weight (g)";
const DROP: [&str; 7] = [
    "MoldNumber",
    "MoldName",
    "BrickType",
    "Variant",
    "Variant_en",
    "RunIndex",
    "SourceOrderRepaired",
];

/// Reads the table: features (rows, 28) in file column order, their names, the target.
fn load() -> (Array2<f64>, Vec<String>, Array1<f64>) {
    let mut reader = csv::Reader::from_path(CSV).expect("molding CSV");
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    let target = header.iter().position(|h| h == TARGET).expect("target");
    let keep: Vec<usize> = (0..header.len())
        .filter(|&j| j != target && !DROP.contains(&header[j].as_str()))
        .collect();
    let (mut x, mut y) = (Vec::new(), Vec::new());
    let mut n = 0;
    for rec in reader.records() {
        let rec = rec.unwrap();
        let num = |j: usize| -> f64 {
            rec[j]
                .trim()
                .parse()
                .unwrap_or_else(|_| panic!("row {n} column {}", header[j]))
        };
        x.extend(keep.iter().map(|&j| num(j)));
        y.push(num(target));
        n += 1;
    }
    let names = keep.iter().map(|&j| header[j].clone()).collect();
    (
        Array2::from_shape_vec((n, keep.len()), x).unwrap(),
        names,
        Array1::from(y),
    )
}

fn r2(y: &[f64], p: &[f64]) -> f64 {
    let mean = y.iter().sum::<f64>() / y.len() as f64;
    let ss_res: f64 = y.iter().zip(p).map(|(a, b)| (a - b) * (a - b)).sum();
    let ss_tot: f64 = y.iter().map(|a| (a - mean) * (a - mean)).sum();
    1.0 - ss_res / ss_tot
}

#[test]
fn molding_test_r2_at_least_0_999() {
    let (x, names, y) = load();
    let n = x.nrows();
    assert_eq!((n, names.len()), (4620, 28), "{names:?}");

    // The product's split: shuffle 0..n with seed 42; the first round(0.3 n) rows are the test set.
    let mut idx: Vec<usize> = (0..n).collect();
    Rng::new(42).shuffle(&mut idx);
    let n_test = (0.3 * n as f64).round() as usize;
    let mut test = idx[..n_test].to_vec();
    let mut train = idx[n_test..].to_vec();
    test.sort_unstable();
    train.sort_unstable();

    let scaler = MinMaxScaler::fit(x.select(Axis(0), &train).view()).unwrap();
    let x_train = scaler.transform(x.select(Axis(0), &train).view()).unwrap();
    let x_test = scaler.transform(x.select(Axis(0), &test).view()).unwrap();
    let y_train = y.select(Axis(0), &train);
    let y_test = y.select(Axis(0), &test);

    let forest = RandomForestParams::default()
        .fit(x_train.view(), y_train.view())
        .unwrap();
    assert_eq!(forest.n_trees(), 100);
    let p = forest.predict(x_test.view()).unwrap();
    let score = r2(&y_test.to_vec(), &p.column(0).to_vec());
    eprintln!("molding test R^2 = {score}");
    assert!(score >= 0.999, "test R^2 {score}");
    let p_train = forest.predict(x_train.view()).unwrap();
    assert!(r2(&y_train.to_vec(), &p_train.column(0).to_vec()) >= score);
}
