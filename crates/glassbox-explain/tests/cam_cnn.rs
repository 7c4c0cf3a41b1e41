//! The CAM family on glassbox's own CNN (`glassbox_models::nn::Cnn`), small images, untrained
//! (Glorot-initialised) weights: the identities that hold for any weights.

use glassbox_core::ConvClassifier;
use glassbox_core::ndarray::{Array4, Axis};
use glassbox_core::rng::Rng;
use glassbox_explain::ExplainError;
use glassbox_explain::cam::cam::cam;
use glassbox_explain::cam::grad_cam::grad_cam_maps;
use glassbox_explain::cam::{CamMethod, CamOptions, explain_images};
use glassbox_models::nn::{Cnn, CnnArch};

fn model(arch: CnnArch, side: usize, seed: u64) -> Cnn {
    let names = (0..4).map(|c| format!("c{c}")).collect();
    Cnn::new(arch, [1, side, side], names, seed).unwrap()
}

fn images(n: usize, side: usize, seed: u64) -> Array4<f32> {
    let mut rng = Rng::new(seed);
    Array4::from_shape_fn((n, 1, side, side), |_| rng.uniform(0.0, 1.0) as f32)
}

/// On gap-cnn, ∂y^c/∂A = w^c/(h·w) at conv4, so Grad-CAM before the ReLU is CAM/(h·w).
#[test]
fn grad_cam_is_cam_over_area_on_gap_cnn() {
    let m = model(CnnArch::GapCnn, 32, 7);
    let imgs = images(5, 32, 8);
    for class in 0..4 {
        let classes = [class; 5];
        let c = cam(&m, imgs.view(), "conv4", Some(&classes)).unwrap();
        assert_eq!(c.maps.dim(), (5, 4, 4));
        let lg = m.layer_gradients(imgs.view(), "conv4", &classes).unwrap();
        let pre = grad_cam_maps(lg.activations.view(), lg.gradients.view(), false).unwrap();
        let scale = c.maps.iter().fold(0.0f64, |s, &v| s.max((v as f64).abs()));
        assert!(scale > 0.0);
        for (g, cm) in pre.iter().zip(&c.maps) {
            assert!((*g as f64 * 16.0 - *cm as f64).abs() <= 1e-6 * scale);
        }
        // CAM's identity y^c = b_c + mean(M_c), with the model's own scores.
        let head = m.gap_head("conv4").unwrap();
        for i in 0..5 {
            let mean = c
                .maps
                .index_axis(Axis(0), i)
                .iter()
                .map(|&v| v as f64)
                .sum::<f64>()
                / 16.0;
            let y = c.scores[[i, class]] as f64;
            assert!((mean + head.bias[class] as f64 - y).abs() < 1e-5 * (1.0 + y.abs()));
        }
    }
}

#[test]
fn cam_on_flatten_cnn_is_refused_and_grad_cam_works_on_every_layer() {
    let m = model(CnnArch::FlattenCnn, 32, 9);
    let imgs = images(3, 32, 10);
    let o = CamOptions::default();
    let err = explain_images(&m, imgs.view(), CamMethod::Cam, None, None, &o).unwrap_err();
    assert!(matches!(err, ExplainError::Unsupported(_)), "{err}");
    assert!(err.to_string().contains("grad-cam"));
    for (layer, side) in [("conv1", 32), ("conv2", 16), ("conv3", 8), ("conv4", 4)] {
        for method in [CamMethod::GradCam, CamMethod::GradCamPlusPlus] {
            let r = explain_images(&m, imgs.view(), method, Some(layer), None, &o).unwrap();
            assert_eq!(r.raw.dim(), (3, side, side));
            assert_eq!(r.saliency.maps.dim(), (3, 32, 32));
            assert!(r.saliency.maps.iter().all(|v| (0.0..=1.0).contains(v)));
        }
    }
    let err = explain_images(
        &m,
        imgs.view(),
        CamMethod::GradCam,
        Some("dense1"),
        None,
        &o,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("conv1, conv2, conv3, conv4"), "{err}");
}

#[test]
fn every_method_runs_on_gap_cnn_with_predicted_classes() {
    let m = model(CnnArch::GapCnn, 16, 11);
    let imgs = images(3, 16, 12);
    let predicted = m.predict(imgs.view()).unwrap();
    for method in CamMethod::ALL {
        let r =
            explain_images(&m, imgs.view(), method, None, None, &CamOptions::default()).unwrap();
        assert_eq!(r.classes, predicted, "{method}");
        assert_eq!(r.layer, "conv4");
        assert_eq!(r.raw.dim(), (3, 2, 2));
        assert_eq!(r.saliency.maps.dim(), (3, 16, 16));
    }
}

/// At gap-cnn's last conv layer the gradient is spatially constant, so the successors that
/// re-weight it (XGrad-CAM, HiResCAM) give Grad-CAM's raw maps, and LayerCAM gives the map of
/// the positive-weight channels only.
#[test]
fn successors_reduce_to_grad_cam_where_the_gradient_is_constant() {
    let m = model(CnnArch::GapCnn, 24, 13);
    let imgs = images(4, 24, 14);
    let opts = CamOptions::default();
    let grad = explain_images(&m, imgs.view(), CamMethod::GradCam, None, None, &opts).unwrap();
    let scale = grad.raw.iter().fold(0.0f32, |s, &v| s.max(v.abs()));
    assert!(scale > 0.0);
    for method in [CamMethod::XGradCam, CamMethod::HiResCam] {
        let r = explain_images(&m, imgs.view(), method, None, None, &opts).unwrap();
        assert_eq!(r.classes, grad.classes, "{method}");
        for (a, b) in r.raw.iter().zip(&grad.raw) {
            assert!((a - b).abs() <= 1e-5 * scale, "{method}: {a} vs {b}");
        }
    }
    // LayerCAM = ReLU(Σ_k ReLU(w_k/(hw)) A^k): Grad-CAM's sum over the positive weights only.
    let lg = m
        .layer_gradients(imgs.view(), "conv4", &grad.classes)
        .unwrap();
    let positive = lg.gradients.mapv(|g| g.max(0.0));
    let want = grad_cam_maps(lg.activations.view(), positive.view(), true).unwrap();
    let layer = explain_images(&m, imgs.view(), CamMethod::LayerCam, None, None, &opts).unwrap();
    for (a, b) in layer.raw.iter().zip(&want) {
        assert!((a - b).abs() <= 1e-5 * scale, "layer-cam: {a} vs {b}");
    }
    // Eigen-CAM ignores the class.
    let e0 = explain_images(
        &m,
        imgs.view(),
        CamMethod::EigenCam,
        None,
        Some(&[0; 4]),
        &opts,
    );
    let e1 = explain_images(
        &m,
        imgs.view(),
        CamMethod::EigenCam,
        None,
        Some(&[1; 4]),
        &opts,
    );
    assert_eq!(e0.unwrap().raw, e1.unwrap().raw);
}

/// With no classes given, a GAP layer's gradient is taken from the head in closed form (one
/// pass); it must agree with backpropagation for the predicted classes, on every method.
#[test]
fn closed_form_gap_gradients_agree_with_backpropagation() {
    let m = model(CnnArch::GapCnn, 32, 13);
    let imgs = images(6, 32, 14);
    let predicted = m.predict(imgs.view()).unwrap();
    let o = CamOptions::default();
    for method in [CamMethod::GradCam, CamMethod::GradCamPlusPlus] {
        let fast = explain_images(&m, imgs.view(), method, None, None, &o).unwrap();
        let slow = explain_images(&m, imgs.view(), method, None, Some(&predicted), &o).unwrap();
        assert_eq!(fast.classes, predicted);
        assert_eq!(fast.scores, slow.scores);
        let scale = slow.raw.iter().fold(1e-12f32, |s, v| s.max(v.abs()));
        for (a, b) in fast.raw.iter().zip(&slow.raw) {
            assert!((a - b).abs() <= 1e-5 * scale, "{method}: {a} vs {b}");
        }
    }
}
