//! Mutation tests of the model file (`model.json`, read by `SavedModel::load`): byte flips,
//! truncations, splices, nasty numbers and big words in valid forest and MLP model files must
//! give `Ok` or `Err`, never a panic; whatever loads must predict (a NaN row included) without
//! panicking. The `model_json` fuzz target in `fuzz/` runs the same property without a limit.

// The mutations are shared with glassbox-data's mutation tests (one copy of the helper).
#[path = "../../glassbox-data/tests/mutate/mod.rs"]
mod mutate;

use std::path::{Path, PathBuf};

use glassbox_core::MinMaxScaler;
use glassbox_core::ndarray::{Array1, Array2};
use glassbox_models::forest::RandomForestParams;
use glassbox_models::nn::{Mlp, MlpParams, Sequential, TargetTransform, mlp_specs};
use glassbox_models::saved::{ModelPayload, SavedModel, TrainingInfo};
use mutate::{apply, config, mutation};
use proptest::prelude::*;

fn training() -> TrainingInfo {
    TrainingInfo {
        seed: 42,
        test_fraction: 0.3,
        n_train: 20,
        n_test: 0,
        data_file: "data.csv".into(),
    }
}

fn names(n: usize) -> Vec<String> {
    (0..n).map(|j| format!("x{j}")).collect()
}

/// A small forest and a small MLP saved into `dir` (the MLP's `architecture.json` and
/// `weights.safetensors` stay beside the mutated `model.json`); returns the two model files'
/// bytes.
fn write_models(dir: &Path) -> Vec<Vec<u8>> {
    let raw = Array2::from_shape_fn((20, 3), |(i, j)| (i * (j + 2) % 7) as f64 + j as f64);
    let scaler = MinMaxScaler::fit(raw.view()).unwrap();
    let x = scaler.transform(raw.view()).unwrap();
    let y = Array1::from_shape_fn(20, |i| x[[i, 0]] - 2.0 * x[[i, 2]]);
    let params = RandomForestParams {
        n_estimators: 3,
        max_depth: Some(3),
        ..Default::default()
    };
    let forest = params
        .fit(x.view(), y.view())
        .unwrap()
        .with_feature_names(names(3))
        .unwrap();
    let payload = ModelPayload::RandomForest {
        params,
        ensemble: forest.into_ensemble(),
    };
    let rf = SavedModel::new(names(3), "y".into(), scaler.clone(), payload, training());
    rf.save(&dir.join("forest.json")).unwrap();

    let mut net = Sequential::<f32>::from_specs(vec![3], &mlp_specs(3, &[4, 3], 1)).unwrap();
    net.init_glorot(7);
    let mlp = Mlp::from_network(&net, TargetTransform::identity(1), MlpParams::default()).unwrap();
    let mlp = SavedModel::new(
        names(3),
        "y".into(),
        scaler,
        ModelPayload::mlp(mlp),
        training(),
    );
    mlp.save(&dir.join("mlp.json")).unwrap();
    ["forest.json", "mlp.json"]
        .iter()
        .map(|f| std::fs::read(dir.join(f)).unwrap())
        .collect()
}

/// Loads `bytes` as `dir/model.json` and, on success, predicts a row and a NaN row.
fn exercise(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).unwrap();
    match SavedModel::load(path) {
        Ok(m) => {
            let n = m.feature_names.len();
            let mut x = Array2::from_elem((2, n), 0.5);
            x.row_mut(1).fill(f64::NAN);
            let _ = m.predict(x.view());
            let _ = m.predict(x.slice(ndarray::s![..1, ..]));
        }
        Err(e) => {
            let msg = e.to_string();
            assert!(!msg.contains('\n'), "one line: {msg}");
        }
    }
}

struct Base {
    _dir: tempfile::TempDir,
    target: PathBuf,
    files: Vec<Vec<u8>>,
}

fn base() -> Base {
    let dir = tempfile::tempdir().unwrap();
    let files = write_models(dir.path());
    Base {
        target: dir.path().join("model.json"),
        _dir: dir,
        files,
    }
}

#[test]
fn unmutated_models_load_and_predict() {
    let b = base();
    for f in &b.files {
        std::fs::write(&b.target, f).unwrap();
        let m = SavedModel::load(&b.target).unwrap();
        assert!(m.predict(Array2::from_elem((1, 3), 2.0).view()).is_ok());
    }
}

proptest! {
    #![proptest_config(config(1500, 0x6d6f_6465))]

    #[test]
    fn mutated_model_files_never_panic(
        file in 0..2usize,
        muts in prop::collection::vec(mutation(), 1..4),
    ) {
        thread_local!(static BASE: Base = base());
        BASE.with(|b| {
            let mutated = muts.iter().fold(b.files[file].clone(), apply);
            exercise(&b.target, &mutated);
        });
    }
}

/// Writes small valid seeds for the `model_json` fuzz target into `$GLASSBOX_FUZZ_SEEDS`
/// (run with `--ignored`); the fuzz target supplies the MLP's other two files itself.
#[test]
#[ignore = "writes fuzz seeds; run by hand"]
fn write_fuzz_seeds() {
    let out = PathBuf::from(std::env::var("GLASSBOX_FUZZ_SEEDS").unwrap());
    std::fs::create_dir_all(&out).unwrap();
    let b = base();
    for (f, name) in b.files.iter().zip(["forest.json", "mlp.json"]) {
        std::fs::write(out.join(name), f).unwrap();
    }
}
