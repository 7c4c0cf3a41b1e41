//! Mutation tests of the network files (`architecture.json` + `weights.safetensors`, read by
//! `Cnn::from_bytes` / `Cnn::load` and `Mlp::from_bytes` / `Mlp::load`): byte flips,
//! truncations, splices, nasty numbers (10^12 units, 1e7-pixel sides, ...) and big words (the
//! safetensors header length) in either file of a valid CNN or MLP must give `Ok` or `Err`,
//! never a panic, an abort or a huge allocation; whatever loads must predict without panicking.
//! The `cnn_architecture` fuzz target in `fuzz/` runs the same property without a limit.

// The mutations are shared with glassbox-data's mutation tests (one copy of the helper).
#[path = "../../glassbox-data/tests/mutate/mod.rs"]
mod mutate;

use std::path::{Path, PathBuf};

use glassbox_core::Predict;
use glassbox_core::ndarray::{Array2, Array4};
use glassbox_models::nn::{Cnn, CnnArch, Mlp, MlpParams, Sequential, TargetTransform, mlp_specs};
use mutate::{apply, config, mutation};
use proptest::prelude::*;

/// A network's two files: (architecture JSON, safetensors weights).
struct Files {
    cnn: bool,
    json: Vec<u8>,
    weights: Vec<u8>,
}

fn classes(n: usize) -> Vec<String> {
    (0..n).map(|k| format!("class {k}")).collect()
}

/// A gap-CNN, a flatten-CNN and an MLP, all small.
fn networks() -> Vec<Files> {
    let cnn = |arch, shape, k| {
        let m = Cnn::new(arch, shape, classes(k), 3).unwrap();
        Files {
            cnn: true,
            json: serde_json::to_vec_pretty(&m.architecture()).unwrap(),
            weights: m.weights_bytes(),
        }
    };
    let mut net = Sequential::<f32>::from_specs(vec![3], &mlp_specs(3, &[4, 3], 2)).unwrap();
    net.init_glorot(7);
    let mlp = Mlp::from_network(&net, TargetTransform::identity(2), MlpParams::default()).unwrap();
    vec![
        cnn(CnnArch::GapCnn, [1, 8, 8], 2),
        cnn(CnnArch::FlattenCnn, [1, 16, 16], 3),
        Files {
            cnn: false,
            json: serde_json::to_vec_pretty(&mlp.architecture()).unwrap(),
            weights: mlp.weights_bytes(),
        },
    ]
}

/// Loads the two files and, on success, predicts (a NaN input included).
fn exercise(cnn: bool, json: &[u8], weights: &[u8]) {
    let (wp, ap) = (
        Path::new("weights.safetensors"),
        Path::new("architecture.json"),
    );
    let Ok(json) = std::str::from_utf8(json) else {
        return;
    };
    let check = |e: glassbox_models::ModelError| {
        let msg = e.to_string();
        assert!(!msg.contains('\n'), "one line: {msg}");
    };
    if cnn {
        match Cnn::from_bytes(weights, wp, json, ap) {
            Ok(m) => {
                let [c, h, w] = m.input_shape();
                if c * h * w <= 64 * 64 {
                    let mut x = Array4::<f32>::from_elem((2, c, h, w), 0.5);
                    x.slice_mut(ndarray::s![1, .., .., ..]).fill(f32::NAN);
                    let _ = m.predict_proba(x.view());
                }
            }
            Err(e) => check(e),
        }
    } else {
        match Mlp::from_bytes(weights, wp, json, ap) {
            Ok(m) => {
                let mut x = Array2::from_elem((2, m.n_features()), 0.5);
                x.row_mut(1).fill(f64::NAN);
                let _ = m.predict(x.view());
            }
            Err(e) => check(e),
        }
    }
}

#[test]
fn unmutated_networks_load() {
    for f in networks() {
        let json = std::str::from_utf8(&f.json).unwrap();
        let (wp, ap) = (Path::new("w"), Path::new("a"));
        if f.cnn {
            Cnn::from_bytes(&f.weights, wp, json, ap).unwrap();
        } else {
            Mlp::from_bytes(&f.weights, wp, json, ap).unwrap();
        }
    }
}

proptest! {
    #![proptest_config(config(1500, 0x6e6e_6669))]

    #[test]
    fn mutated_network_files_never_panic(
        net in 0..3usize,
        in_weights in any::<bool>(),
        muts in prop::collection::vec(mutation(), 1..4),
    ) {
        thread_local!(static NETS: Vec<Files> = networks());
        NETS.with(|nets| {
            let f = &nets[net];
            if in_weights {
                let w = muts.iter().fold(f.weights.clone(), apply);
                exercise(f.cnn, &f.json, &w);
            } else {
                let j = muts.iter().fold(f.json.clone(), apply);
                exercise(f.cnn, &j, &f.weights);
            }
        });
    }
}

/// Writes seeds for the `cnn_architecture` fuzz target into `$GLASSBOX_FUZZ_SEEDS` (run with
/// `--ignored`): byte 0 picks the loader (odd: CNN), bytes 1..5 the JSON length, then the JSON
/// and the weights.
#[test]
#[ignore = "writes fuzz seeds; run by hand"]
fn write_fuzz_seeds() {
    let out = PathBuf::from(std::env::var("GLASSBOX_FUZZ_SEEDS").unwrap());
    std::fs::create_dir_all(&out).unwrap();
    for (f, name) in networks().iter().zip(["gap_cnn", "flatten_cnn", "mlp"]) {
        let mut seed = vec![u8::from(f.cnn)];
        seed.extend_from_slice(&(f.json.len() as u32).to_le_bytes());
        seed.extend_from_slice(&f.json);
        seed.extend_from_slice(&f.weights);
        std::fs::write(out.join(name), seed).unwrap();
    }
}
