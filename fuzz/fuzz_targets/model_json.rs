//! Fuzzes glassbox's own model file (`SavedModel::load` of a `model.json`, what
//! `Model::load`/`glassbox explain --model` read): any bytes must give Ok or Err, never a panic,
//! and a model that loads must predict a row and a NaN row without panicking. The scratch
//! folder also holds a valid 3-feature MLP (`architecture.json`, `weights.safetensors`), so MLP
//! model files (`"kind": "mlp"`) load all the way.
#![no_main]

mod common;

use std::sync::Once;

use glassbox_core::ndarray::Array2;
use glassbox_models::nn::{Mlp, MlpParams, Sequential, TargetTransform, mlp_specs};
use glassbox_models::saved::SavedModel;
use libfuzzer_sys::fuzz_target;

fn write_mlp_files() {
    let mut net = Sequential::<f32>::from_specs(vec![3], &mlp_specs(3, &[4, 3], 1)).unwrap();
    net.init_glorot(7);
    let mlp = Mlp::from_network(&net, TargetTransform::identity(1), MlpParams::default()).unwrap();
    let dir = common::scratch();
    mlp.save(
        &dir.join("weights.safetensors"),
        &dir.join("architecture.json"),
    )
    .unwrap();
}

fuzz_target!(|data: &[u8]| {
    static MLP: Once = Once::new();
    MLP.call_once(write_mlp_files);
    let path = common::write("model.json", data);
    if let Ok(m) = SavedModel::load(&path) {
        let n = m.feature_names.len();
        let mut x = Array2::from_elem((2, n), 0.5);
        x.row_mut(1).fill(f64::NAN);
        let _ = m.predict(x.view());
        let _ = m.predict(x.slice(glassbox_core::ndarray::s![..1, ..]));
        let _ = m.n_outputs();
        if let Some(e) = m.tree_ensemble() {
            let _ = e.expected_value();
        }
    }
});
