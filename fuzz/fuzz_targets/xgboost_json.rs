//! Fuzzes the XGBoost JSON parser: any bytes must give Ok or Err, never a panic, and whatever
//! parses must predict without panicking.
#![no_main]

use std::path::Path;

use glassbox_core::Predict;
use glassbox_core::ndarray::Array2;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = glassbox_models::gbdt::parse_xgboost_json(data, Path::new("fuzz.json")) {
        let mut x = Array2::from_elem((2, m.n_features()), 0.5);
        x.row_mut(1).fill(f64::NAN);
        let p = m.predict(x.view()).expect("validated model predicts");
        let mut row = p.row(0).to_vec();
        m.transform_row(&mut row);
        let _ = m.ensemble.expected_value();
    }
});
