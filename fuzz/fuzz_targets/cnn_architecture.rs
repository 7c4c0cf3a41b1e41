//! Fuzzes the network loaders: an `architecture.json` and a `weights.safetensors` together
//! (`Cnn::from_bytes`, what `Cnn::load` and `glassbox image explain --model` read; and
//! `Mlp::from_bytes`, what an MLP's `model.json` leads to). Any bytes must give Ok or Err,
//! never a panic, an abort or a huge allocation (an architecture once declared 10^12 units or a
//! 1e7 x 1e7 input); a network that loads must predict without panicking.
//!
//! Input layout: byte 0 picks the loader (even: MLP, odd: CNN), bytes 1..5 are the JSON's
//! length (u32, little-endian), then the JSON, then the safetensors bytes.
#![no_main]

use std::path::Path;

use glassbox_core::Predict;
use glassbox_core::ndarray::{Array2, Array4};
use glassbox_models::nn::{Cnn, Mlp};
use libfuzzer_sys::fuzz_target;

/// Largest image (values per sample) pushed through a loaded CNN: a bigger declared input is
/// legal, but a forward pass over it would only make the fuzzer slow.
const MAX_PREDICT_VALUES: usize = 64 * 64;

fuzz_target!(|data: &[u8]| {
    if data.len() < 5 {
        return;
    }
    let cnn = data[0] % 2 == 1;
    let n = u32::from_le_bytes([data[1], data[2], data[3], data[4]]) as usize;
    let rest = &data[5..];
    let (json, weights) = rest.split_at(n.min(rest.len()));
    let Ok(json) = std::str::from_utf8(json) else {
        return;
    };
    let (wp, ap) = (
        Path::new("weights.safetensors"),
        Path::new("architecture.json"),
    );
    if cnn {
        if let Ok(m) = Cnn::from_bytes(weights, wp, json, ap) {
            let [c, h, w] = m.input_shape();
            assert!(m.n_classes() > 0);
            if c * h * w <= MAX_PREDICT_VALUES {
                let mut x = Array4::<f32>::from_elem((2, c, h, w), 0.5);
                x.slice_mut(glassbox_core::ndarray::s![1, .., .., ..])
                    .fill(f32::NAN);
                let _ = m.class_scores(x.view());
                let _ = m.predict_proba(x.view());
                let _ = m.predict(x.view());
            }
        }
    } else if let Ok(m) = Mlp::from_bytes(weights, wp, json, ap) {
        let f = m.n_features();
        let mut x = Array2::from_elem((2, f), 0.5);
        x.row_mut(1).fill(f64::NAN);
        let _ = m.predict(x.view());
    }
});
