//! Fuzzes the ONNX reader (`glassbox_onnx::parse`, what `Model::load` / `glassbox explain
//! --model x.onnx` read): any bytes must give Ok or Err, never a panic; a model that loads must
//! predict a row and a NaN row, recompute its covers from them and report its scores without
//! panicking.
#![no_main]

use glassbox_core::ndarray::Array2;
use glassbox_core::Predict;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(mut m) = glassbox_onnx::parse(data, "fuzz.onnx") {
        let n = m.n_features();
        if n > 4096 {
            return;
        }
        let mut x = Array2::from_elem((2, n), 0.5);
        x.row_mut(1).fill(f64::NAN);
        let _ = m.ensemble.predict(x.view());
        let _ = m.predict_scores(x.view());
        let _ = m.require_covers();
        if m.recompute_covers(x.view()).is_ok() {
            let _ = m.ensemble.expected_value();
        }
    }
});
