//! Imported networks against their oracles (fixtures by
//! `fixtures/networks/make_network_fixtures.py`, PyTorch exports): onnxruntime's outputs, the
//! PyTorch module's logits in float64, shap.DeepExplainer, captum's IntegratedGradients and
//! pytorch-grad-cam's GradCAM raw maps. Run with `--nocapture` to see the measured differences.

mod common;

use common::path;
use glassbox_core::ConvClassifier;
use glassbox_core::Predict;
use glassbox_explain::cam::{CamMethod, CamOptions, explain_images};
use glassbox_explain::deep::{
    IntegratedGradientsOptions, Riemann, deep_shap, integrated_gradients,
};
use glassbox_onnx::{Imported, OnnxNetwork, read};
use ndarray::{Array2, Array3, Array4};
use serde_json::Value;

const TABLES: &[&str] = &["mlp_regressor", "mlp_classifier"];
const IMAGES: &[&str] = &["gap_cnn", "flatten_cnn"];

fn fixture(name: &str) -> (OnnxNetwork, Value) {
    let file = path(&format!("networks/{name}.onnx"));
    let net = match read(&file).unwrap_or_else(|e| panic!("{e}")) {
        Imported::Network(n) => *n,
        Imported::Trees(_) => panic!("{name} read as trees"),
    };
    let text = std::fs::read_to_string(path(&format!("networks/{name}.json"))).unwrap();
    (net, serde_json::from_str(&text).unwrap())
}

/// A nested JSON array: its shape and row-major values.
fn nd(v: &Value) -> (Vec<usize>, Vec<f64>) {
    match v.as_array() {
        None => (Vec::new(), vec![v.as_f64().expect("a number")]),
        Some(items) => {
            let parts: Vec<(Vec<usize>, Vec<f64>)> = items.iter().map(nd).collect();
            let mut shape = vec![items.len()];
            shape.extend(parts.first().map_or(Vec::new(), |p| p.0.clone()));
            (shape, parts.into_iter().flat_map(|p| p.1).collect())
        }
    }
}

/// A nested array as (first axis, everything else flattened).
fn rows(v: &Value) -> Array2<f64> {
    let (shape, values) = nd(v);
    let n = shape[0];
    Array2::from_shape_vec((n, values.len() / n.max(1)), values).unwrap()
}

/// Attributions stored as (sample, input axes..., output) as (samples, features, outputs).
fn attributions(v: &Value) -> Array3<f64> {
    let (shape, values) = nd(v);
    let (n, k) = (shape[0], shape[shape.len() - 1]);
    Array3::from_shape_vec((n, values.len() / (n * k), k), values).unwrap()
}

/// Largest |a − b| / max(1, |b|).
fn worst(a: impl IntoIterator<Item = f64>, b: impl IntoIterator<Item = f64>) -> f64 {
    a.into_iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs() / y.abs().max(1.0))
        .fold(0.0, f64::max)
}

#[test]
fn predictions_equal_onnxruntime_and_pytorch() {
    for name in TABLES.iter().chain(IMAGES) {
        let (net, fx) = fixture(name);
        let x = rows(&fx["x"]);
        let (_, shape) = (0, nd(&fx["input_shape"]).1);
        let want_shape: Vec<usize> = shape.iter().map(|&d| d as usize).collect();
        assert_eq!(net.input_shape, want_shape, "{name}");
        let ort = rows(&fx["onnxruntime"]);
        let got = net.predict_outputs(x.view()).unwrap();
        let d_ort = worst(got.iter().copied(), ort.iter().copied());
        let logits = rows(&fx["torch_logits"]);
        let margins = net.predict(x.view()).unwrap();
        let d_torch = worst(margins.iter().copied(), logits.iter().copied());
        println!("{name}: vs onnxruntime {d_ort:.1e}, margins vs PyTorch float64 {d_torch:.1e}");
        assert!(d_ort < 1e-5, "{name}: {d_ort}");
        assert!(d_torch < 1e-8, "{name}: {d_torch}");
    }
}

#[test]
fn deep_shap_equals_shap_deep_explainer() {
    for name in TABLES.iter().chain(IMAGES) {
        let (net, fx) = fixture(name);
        let Some(reference) = fx.get("deep_shap") else {
            panic!("{name}: no deep_shap in the fixture");
        };
        let x = rows(&fx["x"]);
        let bg = rows(&fx["background"]);
        let got = deep_shap(net.flat(), x.view(), bg.view()).unwrap();
        let want = attributions(reference);
        assert_eq!(got.values.dim(), want.dim(), "{name}");
        let d = worst(got.values.iter().copied(), want.iter().copied());
        println!("{name}: DeepSHAP vs shap.DeepExplainer {d:.1e}");
        assert!(d < 1e-7, "{name}: {d}");
    }
}

#[test]
fn integrated_gradients_equal_captum() {
    for name in TABLES {
        let (net, fx) = fixture(name);
        let x = rows(&fx["x"]);
        let baseline = Array2::zeros((1, x.ncols()));
        // captum's riemann_trapezoid with n points weighs them 1/n (ends 1/2n), which sums to
        // (n − 1)/n: its result is the trapezoid rule's times (n − 1)/n. glassbox's weights sum
        // to 1 (ends 1/2(n − 1)); the nodes are the same.
        for (key, rule, steps, captum_scale) in [
            ("integrated_gradients", Riemann::Midpoint, 50, 1.0),
            (
                "integrated_gradients_trapezoid51",
                Riemann::Trapezoid,
                50,
                50.0 / 51.0,
            ),
        ] {
            let options = IntegratedGradientsOptions { steps, rule };
            let got = integrated_gradients(net.flat(), x.view(), baseline.view(), &options);
            let got = got.unwrap();
            let want = attributions(&fx[key]);
            let scaled = got.values.values.iter().map(|v| v * captum_scale);
            let d = worst(scaled, want.iter().copied());
            println!("{name}: {key} vs captum {d:.1e}");
            // captum's α nodes come from torch.linspace in float32 (6e-8 relative), the only
            // difference from glassbox's f64 nodes.
            assert!(d < 1e-7, "{name} {key}: {d}");
        }
    }
}

#[test]
fn grad_cam_raw_maps_equal_pytorch_grad_cam() {
    for name in IMAGES {
        let (net, fx) = fixture(name);
        let names: Vec<String> = (0..net.n_outputs()).map(|i| i.to_string()).collect();
        let cnn = net.to_cnn(names, None).unwrap();
        let (shape, values) = nd(&fx["x"]);
        let images = Array4::from_shape_vec(
            (shape[0], shape[1], shape[2], shape[3]),
            values.iter().map(|&v| v as f32).collect(),
        )
        .unwrap();
        let layers = cnn.conv_layers();
        let classes: Vec<usize> = fx["grad_cam_classes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_u64().unwrap() as usize)
            .collect();
        for (key, layer) in [
            ("grad_cam", layers.last().unwrap()),
            ("grad_cam_first_layer", &layers[0]),
        ] {
            let r = explain_images(
                &cnn,
                images.view(),
                CamMethod::GradCam,
                Some(layer),
                Some(&classes),
                &CamOptions::default(),
            )
            .unwrap();
            let (s, want) = nd(&fx[key]);
            assert_eq!(r.raw.shape(), &s[..], "{name} {key}");
            // Relative to each image's largest value (the maps are min-max scaled for display).
            let scale = want.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-12);
            let d = r
                .raw
                .iter()
                .zip(&want)
                .map(|(a, b)| (f64::from(*a) - b).abs() / scale)
                .fold(0.0, f64::max);
            println!("{name}: {key} ({layer}) vs pytorch-grad-cam {d:.1e}");
            assert!(d < 1e-5, "{name} {key}: {d}");
        }
    }
}

#[test]
fn bad_networks_are_refused_naming_node_and_op() {
    let err = |name: &str| {
        read(path(&format!("networks/{name}")))
            .map(|_| ())
            .expect_err(name)
            .to_string()
    };
    let e = err("bad_residual.onnx");
    assert!(e.contains("residual") && e.contains("Add"), "{e}");
    let e = err("bad_two_inputs.onnx");
    assert!(e.contains("2 inputs"), "{e}");
    let e = err("bad_group_conv.onnx");
    assert!(e.contains("group = 2") && e.contains("Conv"), "{e}");
    let e = err("bad_unsupported_op.onnx");
    assert!(
        e.contains("unsupported operator") && e.contains("opset"),
        "{e}"
    );
    let e = err("truncated.onnx");
    assert!(e.contains("truncated.onnx"), "{e}");
}
