//! Fuzzes the ONNX reader (`glassbox_onnx::parse_any`, what `Model::load` / `glassbox explain
//! --model x.onnx` read): any bytes must give Ok or Err, never a panic. A tree ensemble that
//! loads must predict a row and a NaN row, recompute its covers from them and report its scores;
//! a network that loads must predict, differentiate and give DeepLIFT multipliers for two rows
//! (and, for an image network, build its CNN) without panicking.
#![no_main]

use glassbox_core::differentiable::{DeepLift, Differentiable};
use glassbox_core::ndarray::Array2;
use glassbox_core::Predict;
use glassbox_onnx::Imported;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match glassbox_onnx::parse_any(data, "fuzz.onnx") {
        Ok(Imported::Trees(mut m)) => {
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
        Ok(Imported::Network(n)) => {
            let f = n.n_features();
            if f > 1 << 16 || n.network().n_params() > 1 << 20 {
                return;
            }
            let x = Array2::from_elem((2, f), 0.5);
            let r = Array2::from_elem((2, f), -0.25);
            let _ = n.predict_outputs(x.view());
            let _ = n.flat().input_gradients(x.view(), 0);
            let _ = n.flat().deeplift_multipliers(x.view(), r.view(), 0);
            let names = (0..n.n_outputs()).map(|i| i.to_string()).collect();
            let _ = n.to_cnn(names, None);
        }
        Err(_) => {}
    }
});
