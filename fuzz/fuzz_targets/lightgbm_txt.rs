//! Fuzzes the LightGBM text parser (and format detection): any bytes must give Ok or Err, never
//! a panic, and whatever parses must predict without panicking.
#![no_main]

use std::path::Path;

use glassbox_core::Predict;
use glassbox_core::ndarray::Array2;
use glassbox_models::gbdt::{BoostedFormat, parse_boosted};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = glassbox_models::gbdt::detect_format(data);
    if let Ok(m) = parse_boosted(
        data,
        Some(BoostedFormat::LightgbmText),
        Path::new("fuzz.txt"),
    ) {
        let mut x = Array2::from_elem((2, m.n_features()), 0.0);
        x.row_mut(1).fill(f64::NAN);
        let p = m.predict(x.view()).expect("validated model predicts");
        let mut row = p.row(0).to_vec();
        m.transform_row(&mut row);
        let _ = m.check_input(x.view());
    }
});
