//! Saving and loading an MLP: bit-identical predictions, clear errors naming the file.

use std::path::PathBuf;

use glassbox_core::Predict;
use glassbox_core::ndarray::Array2;
use glassbox_core::rng::Rng;
use glassbox_models::ModelError;
use glassbox_models::nn::{Mlp, MlpParams};

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("gb-nn-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn model(hidden: Vec<usize>, seed: u64) -> (Mlp, Array2<f64>) {
    let mut rng = Rng::new(seed);
    let x = Array2::from_shape_fn((50, 4), |_| rng.uniform(-1.0, 1.0));
    let y = Array2::from_shape_fn((50, 2), |(i, o)| x[[i, 0]] * 300.0 + x[[i, o + 1]].powi(2));
    let p = MlpParams {
        hidden,
        epochs: 3,
        seed,
        ..Default::default()
    };
    (p.fit(x.view(), y.view(), &mut |_| {}).unwrap(), x)
}

#[test]
fn round_trip_is_bit_identical() {
    let d = dir("roundtrip");
    let (m, x) = model(vec![6, 5], 1);
    let (w, a) = (d.join("model.safetensors"), d.join("model.json"));
    m.save(&w, &a).unwrap();
    let back = Mlp::load(&w, &a).unwrap();
    let (p1, p2) = (
        m.predict(x.view()).unwrap(),
        back.predict(x.view()).unwrap(),
    );
    assert!(
        p1.iter()
            .zip(p2.iter())
            .all(|(a, b)| a.to_bits() == b.to_bits())
    );
    assert_eq!(back.architecture(), m.architecture());
    assert_eq!(back.loss_history(), m.loss_history());
    let json = std::fs::read_to_string(&a).unwrap();
    assert!(json.contains("\"format\": \"glassbox-mlp\"") && json.contains("\"type\": \"dense\""));
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn corrupt_or_mismatched_files_are_named() {
    let d = dir("corrupt");
    let (m, _) = model(vec![6, 5], 2);
    let (w, a) = (d.join("w.safetensors"), d.join("a.json"));
    m.save(&w, &a).unwrap();

    // Truncated weights.
    let bytes = std::fs::read(&w).unwrap();
    let wt = d.join("truncated.safetensors");
    std::fs::write(&wt, &bytes[..bytes.len() - 7]).unwrap();
    let e = Mlp::load(&wt, &a).unwrap_err();
    assert!(
        matches!(e, ModelError::Format { ref path, .. } if *path == wt),
        "{e}"
    );
    assert!(e.to_string().contains("safetensors"), "{e}");

    // Weights of another architecture.
    let (other, _) = model(vec![6, 3], 3);
    let (w2, a2) = (d.join("w2.safetensors"), d.join("a2.json"));
    other.save(&w2, &a2).unwrap();
    let e = Mlp::load(&w2, &a).unwrap_err().to_string();
    assert!(
        e.contains("w2.safetensors") && e.contains("layers.2.weight") && e.contains("[5, 6]"),
        "{e}"
    );

    // Broken JSON, wrong version, missing file.
    let bad = d.join("bad.json");
    std::fs::write(&bad, "{\"format\": \"glassbox-mlp\"").unwrap();
    let e = Mlp::load(&w, &bad).unwrap_err().to_string();
    assert!(
        e.contains("bad.json") && e.contains("architecture JSON"),
        "{e}"
    );
    let v2 = d.join("v2.json");
    std::fs::write(
        &v2,
        std::fs::read_to_string(&a)
            .unwrap()
            .replace("\"version\": 1", "\"version\": 2"),
    )
    .unwrap();
    let e = Mlp::load(&w, &v2).unwrap_err().to_string();
    assert!(e.contains("v2.json") && e.contains("version 2"), "{e}");
    let missing = d.join("nope.safetensors");
    assert!(
        matches!(Mlp::load(&missing, &a), Err(ModelError::Io { ref path, .. }) if *path == missing)
    );
    std::fs::remove_dir_all(&d).unwrap();
}
