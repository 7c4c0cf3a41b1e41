//! The model file: exact round trips, and one clear error per kind of bad file.

use std::path::{Path, PathBuf};

use glassbox_core::rng::Rng;
use glassbox_core::{MinMaxScaler, Predict};
use glassbox_models::ModelError;
use glassbox_models::forest::RandomForestParams;
use glassbox_models::saved::{FORMAT, ModelPayload, SavedModel, TrainingInfo, VERSION};
use ndarray::{Array1, Array2};

/// A small forest trained on scaled features of a raw table with very different column ranges.
fn model() -> (SavedModel, Array2<f64>) {
    let mut rng = Rng::new(5);
    let raw = Array2::from_shape_fn((80, 3), |(_, j)| {
        [1000.0, 0.001, -50.0][j] + rng.next_f64() * [5000.0, 0.01, 100.0][j]
    });
    let scaler = MinMaxScaler::fit(raw.view()).unwrap();
    let x = scaler.transform(raw.view()).unwrap();
    let y = Array1::from_shape_fn(80, |i| x[[i, 0]].sqrt() / 3.0 + x[[i, 1]] * x[[i, 2]]);
    let names: Vec<String> = ["surface", "thickness (mm)", "temp \"C\""]
        .map(String::from)
        .to_vec();
    let params = RandomForestParams {
        n_estimators: 9,
        ..Default::default()
    };
    let forest = params
        .fit(x.view(), y.view())
        .unwrap()
        .with_feature_names(names.clone())
        .unwrap();
    let saved = SavedModel::new(
        names,
        "Weight (g)".into(),
        scaler,
        ModelPayload::RandomForest {
            params,
            ensemble: forest.into_ensemble(),
        },
        TrainingInfo {
            seed: 42,
            test_fraction: 0.3,
            n_train: 80,
            n_test: 0,
            data_file: "data/x.csv".into(),
        },
    );
    (saved, raw)
}

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn load_err(path: &Path) -> String {
    let e = SavedModel::load(path).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains(&path.display().to_string()),
        "error must name the file: {msg}"
    );
    assert!(!msg.contains('\n'), "one line: {msg}");
    msg
}

#[test]
fn round_trip_predicts_bit_identically() {
    let (saved, raw) = model();
    saved.validate().unwrap();
    let dir = temp();
    let path = dir.path().join("model.json");
    saved.save(&path).unwrap();
    let loaded = SavedModel::load(&path).unwrap();
    assert!(loaded == saved, "loaded model differs from the saved one");
    let (a, b) = (
        saved.predict(raw.view()).unwrap(),
        loaded.predict(raw.view()).unwrap(),
    );
    assert_eq!(a.dim(), (80, 1));
    for (p, q) in a.iter().zip(&b) {
        assert_eq!(p.to_bits(), q.to_bits());
    }
    // Every tree number survives exactly (PartialEq on f64 would let -0.0 == 0.0 through).
    let (e1, e2) = (
        saved.tree_ensemble().unwrap(),
        loaded.tree_ensemble().unwrap(),
    );
    for (t1, t2) in e1.trees.iter().zip(&e2.trees) {
        for (v1, v2) in t1
            .threshold
            .iter()
            .chain(&t1.value)
            .zip(t2.threshold.iter().chain(&t2.value))
        {
            assert_eq!(v1.to_bits(), v2.to_bits());
        }
    }
    // Saving the loaded model reproduces the file byte for byte.
    let again = dir.path().join("again.json");
    loaded.save(&again).unwrap();
    assert_eq!(
        std::fs::read(&path).unwrap(),
        std::fs::read(&again).unwrap()
    );
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("\"format\": \"glassbox-model\"")
            && text.contains("\"kind\": \"random_forest\"")
    );
    assert_eq!((loaded.format.as_str(), loaded.version), (FORMAT, VERSION));
    assert_eq!(loaded.n_outputs(), 1);
}

#[test]
fn predict_applies_the_scaler() {
    let (saved, raw) = model();
    let scaled = saved.scaler.transform(raw.view()).unwrap();
    let direct = saved
        .tree_ensemble()
        .unwrap()
        .predict(scaled.view())
        .unwrap();
    assert_eq!(saved.predict(raw.view()).unwrap(), direct);
    assert_eq!(saved.scale(raw.view()).unwrap(), scaled);
    let m = saved
        .predict(Array2::zeros((2, 2)).view())
        .unwrap_err()
        .to_string();
    assert!(
        m.contains("3 features") && m.contains("got 2 features"),
        "{m}"
    );
}

#[test]
fn serde_json_round_trips_every_f64_exactly() {
    let mut rng = Rng::new(99);
    let mut values = vec![
        0.0,
        -0.0,
        1.0 / 3.0,
        0.1,
        f64::MAX,
        f64::MIN,
        f64::MIN_POSITIVE,
        f64::EPSILON,
        5e-324,                     // smallest subnormal
        2.225_073_858_507_201e-308, // largest subnormal
        9_007_199_254_740_993.0,
        1e23,
        4.35,
    ];
    // Random bit patterns cover all exponents; random values in [0, 1) and data-like ranges
    // cover the numbers models actually hold.
    for _ in 0..100_000 {
        let v = f64::from_bits(rng.next_u64());
        if v.is_finite() {
            values.push(v);
        }
        values.push(rng.next_f64());
        values.push(rng.uniform(-1e4, 1e4));
    }
    let text = serde_json::to_string(&values).unwrap();
    let back: Vec<f64> = serde_json::from_str(&text).unwrap();
    for (a, b) in values.iter().zip(&back) {
        assert_eq!(a.to_bits(), b.to_bits(), "{a:e} came back as {b:e}");
    }
}

#[test]
fn missing_file() {
    let dir = temp();
    let path = dir.path().join("nope.json");
    let e = SavedModel::load(&path).unwrap_err();
    assert!(matches!(e, ModelError::Io { .. }));
    load_err(&path);
}

#[test]
fn invalid_json_names_line_and_column() {
    let dir = temp();
    let p = write(
        dir.path(),
        "bad.json",
        "{\n  \"format\": \"glassbox-model\",\n  \"version\": 1,,\n}",
    );
    let m = load_err(&p);
    assert!(
        m.contains("not valid JSON") && m.contains("line 3") && m.contains("column"),
        "{m}"
    );
    let p = write(
        dir.path(),
        "truncated.json",
        "{\"format\": \"glassbox-model\", \"ver",
    );
    assert!(load_err(&p).contains("not valid JSON"));
}

#[test]
fn not_a_glassbox_model() {
    let dir = temp();
    for (name, text) in [
        ("other.json", "{\"foo\": 1}"),
        ("array.json", "[1, 2, 3]"),
        ("wrong.json", "{\"format\": \"xgboost\", \"version\": 1}"),
    ] {
        let m = load_err(&write(dir.path(), name, text));
        assert!(m.contains("not a glassbox model file"), "{m}");
    }
}

#[test]
fn newer_version_is_refused_by_name() {
    let (saved, _) = model();
    let dir = temp();
    let mut newer = serde_json::to_value(&saved).unwrap();
    newer["version"] = 3.into();
    let p = write(dir.path(), "newer.json", &newer.to_string());
    let m = load_err(&p);
    assert!(
        m.ends_with("written by a newer glassbox: file version 3, this glassbox reads up to 1"),
        "{m}"
    );
    newer["version"] = 0.into();
    let p = write(dir.path(), "zero.json", &newer.to_string());
    assert!(load_err(&p).contains("invalid model file version 0"));
    newer["version"] = "1".into();
    let p = write(dir.path(), "string.json", &newer.to_string());
    assert!(load_err(&p).contains("invalid model file version"));
}

#[test]
fn schema_errors_name_the_field() {
    let (saved, _) = model();
    let dir = temp();
    let mut v = serde_json::to_value(&saved).unwrap();
    v["model"]["kind"] = "neural_net_v9".into();
    let m = load_err(&write(dir.path(), "kind.json", &v.to_string()));
    assert!(
        m.contains("invalid glassbox model file") && m.contains("neural_net_v9"),
        "{m}"
    );
    let mut v = serde_json::to_value(&saved).unwrap();
    v.as_object_mut().unwrap().remove("scaler");
    let m = load_err(&write(dir.path(), "noscaler.json", &v.to_string()));
    assert!(m.contains("scaler"), "{m}");
}

#[test]
fn inconsistent_content_is_refused() {
    let (saved, _) = model();
    let dir = temp();
    type Corrupt = Box<dyn Fn(&mut SavedModel)>;
    let cases: Vec<(&str, Corrupt, &str)> = vec![
        (
            "scaler",
            Box::new(|s| {
                s.scaler.min.pop();
                s.scaler.max.pop();
            }),
            "scaler has 2 minima",
        ),
        (
            "names",
            Box::new(|s| s.feature_names.push("extra".into())),
            "4 feature names",
        ),
        (
            "nfeat",
            Box::new(|s| {
                let ModelPayload::RandomForest { ensemble, .. } = &mut s.model else {
                    unreachable!()
                };
                ensemble.n_features = 2;
                ensemble.feature_names = None;
            }),
            "forest has 2 features",
        ),
        (
            "tree",
            Box::new(|s| {
                let ModelPayload::RandomForest { ensemble, .. } = &mut s.model else {
                    unreachable!()
                };
                ensemble.trees[4].left[0] = 9999;
            }),
            "tree 4",
        ),
        (
            "bounds",
            Box::new(|s| s.scaler.min[1] = s.scaler.max[1] + 1.0),
            "thickness (mm)",
        ),
    ];
    for (name, corrupt, expect) in cases {
        let mut bad = saved.clone();
        corrupt(&mut bad);
        assert!(bad.validate().is_err());
        // save refuses it and leaves no file ...
        let target = dir.path().join(format!("{name}-refused.json"));
        let m = bad.save(&target).unwrap_err().to_string();
        assert!(
            m.contains(expect) && m.contains("refusing to save"),
            "{name}: {m}"
        );
        assert!(!target.exists());
        // ... and load refuses it when written by hand.
        let p = write(
            dir.path(),
            &format!("{name}.json"),
            &serde_json::to_string(&bad).unwrap(),
        );
        let m = load_err(&p);
        assert!(m.contains(expect), "{name}: {m}");
    }
}

#[test]
fn failed_save_leaves_nothing() {
    let (saved, _) = model();
    let dir = temp();
    let target = dir.path().join("no-such-dir").join("model.json");
    assert!(saved.save(&target).is_err());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn schema_example_in_the_docs_is_what_save_writes() {
    // The module docs show a file; rebuild the model it describes and compare byte for byte.
    let src = include_str!("../src/saved.rs");
    let start = src.find("//! ```json\n").unwrap() + "//! ```json\n".len();
    let end = start + src[start..].find("//! ```\n").unwrap();
    let documented: String = src[start..end]
        .lines()
        .map(|l| format!("{}\n", l.strip_prefix("//! ").unwrap_or("")))
        .collect();

    let x = ndarray::array![[1.0, 5.0], [2.0, 6.0], [3.0, 7.0], [4.0, 9.0]];
    let y = ndarray::array![10.0, 10.5, 12.0, 12.5];
    let scaler = MinMaxScaler::fit(x.view()).unwrap();
    let xs = scaler.transform(x.view()).unwrap();
    let params = RandomForestParams {
        n_estimators: 1,
        max_depth: Some(1),
        ..Default::default()
    };
    let names = vec!["surface".to_string(), "volume".to_string()];
    let forest = params
        .fit(xs.view(), y.view())
        .unwrap()
        .with_feature_names(names.clone())
        .unwrap();
    let saved = SavedModel::new(
        names,
        "Weight (g)".into(),
        scaler,
        ModelPayload::RandomForest {
            params,
            ensemble: forest.into_ensemble(),
        },
        TrainingInfo {
            seed: 42,
            test_fraction: 0.3,
            n_train: 4,
            n_test: 2,
            data_file: "data/molding/ikv_injection_molding.xlsx".into(),
        },
    );
    let dir = temp();
    let path = dir.path().join("example.json");
    saved.save(&path).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), documented);
}
