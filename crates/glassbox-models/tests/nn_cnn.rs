//! The CNN classifier: training on tiny synthetic images, save/load, the `ConvClassifier`
//! capability (layer gradients against finite differences and the closed form of a GAP head),
//! re-initialisation for the model-randomisation check, and bad input.
//!
//! Images are 12×12 (gap-cnn) or 16×16 (flatten-cnn) stripes: class 0 horizontal, class 1
//! vertical, random phase and noise, which a small network separates in a few steps.

// Index loops mirror the formulas they check.
#![allow(clippy::needless_range_loop)]

use std::path::Path;

use glassbox_core::ConvClassifier;
use glassbox_core::ndarray::{Array4, Axis, s};
use glassbox_core::rng::Rng;
use glassbox_models::ModelError;
use glassbox_models::nn::{
    Augment, CNN_ARCHITECTURE_FILE, CNN_WEIGHTS_FILE, Cnn, CnnArch, CnnArchitecture,
    CnnEpochReport, CnnParams, CnnStepReport, LayerSpec, LrSchedule, Tensor,
};

fn stripes(n: usize, side: usize, seed: u64) -> (Array4<f32>, Vec<usize>) {
    let mut rng = Rng::new(seed);
    let labels: Vec<usize> = (0..n).map(|i| i % 2).collect();
    let mut x = Array4::<f32>::zeros((n, 1, side, side));
    for (i, &l) in labels.iter().enumerate() {
        let phase = rng.below(4);
        for y in 0..side {
            for xx in 0..side {
                let t = if l == 0 { y } else { xx };
                let v = if (t + phase) % 4 < 2 { 0.8 } else { 0.2 };
                x[[i, 0, y, xx]] = (v + rng.uniform(-0.1, 0.1)) as f32;
            }
        }
    }
    (x, labels)
}

fn names() -> Vec<String> {
    vec!["horizontal".into(), "vertical".into()]
}

fn quick_params(arch: CnnArch, epochs: usize) -> CnnParams {
    CnnParams {
        arch,
        epochs,
        batch_size: 8,
        learning_rate: 3e-3,
        seed: 7,
        ..Default::default()
    }
}

fn train(arch: CnnArch, side: usize, epochs: usize) -> Cnn {
    let (x, y) = stripes(48, side, 1);
    quick_params(arch, epochs)
        .fit(x.view(), &y, &names(), None, &mut |_| {}, &mut |_| {})
        .unwrap()
}

#[test]
fn gap_cnn_learns_stripes_and_reports_progress() {
    let (x, y) = stripes(48, 12, 1);
    let (vx, vy) = stripes(20, 12, 2);
    let mut steps: Vec<CnnStepReport> = Vec::new();
    let mut epochs: Vec<CnnEpochReport> = Vec::new();
    let model = quick_params(CnnArch::GapCnn, 8)
        .fit(
            x.view(),
            &y,
            &names(),
            Some((vx.view(), &vy)),
            &mut |s| steps.push(*s),
            &mut |e| epochs.push(*e),
        )
        .unwrap();
    assert_eq!(steps.len(), 8 * 6);
    assert_eq!(
        (steps[0].epoch, steps[0].step, steps[0].steps_per_epoch),
        (1, 1, 6)
    );
    assert_eq!(epochs.len(), 8);
    assert_eq!(model.history(), epochs.as_slice());
    let last = epochs.last().unwrap();
    assert!(last.train_loss < 0.5 * epochs[0].train_loss, "{epochs:?}");
    assert!(last.val_accuracy.unwrap() >= 0.95, "{epochs:?}");
    // The reported validation figures are those of `evaluate` on the final model.
    let (vl, va) = model.evaluate(vx.view(), &vy).unwrap();
    assert_eq!((Some(vl), Some(va)), (last.val_loss, last.val_accuracy));
    let pred = model.predict(vx.view()).unwrap();
    let acc = pred.iter().zip(&vy).filter(|(a, b)| a == b).count() as f64 / 20.0;
    assert_eq!(acc, va);
    // Probabilities are a softmax of the scores.
    let p = model.predict_proba(vx.view()).unwrap();
    let z = model.class_scores(vx.view()).unwrap();
    for i in 0..20 {
        let sum: f32 = p.row(i).sum();
        assert!((sum - 1.0).abs() < 1e-6);
        let ratio = (p[[i, 1]] / p[[i, 0]]).ln();
        assert!((ratio - (z[[i, 1]] - z[[i, 0]])).abs() < 1e-4);
    }
}

#[test]
fn flatten_cnn_learns_stripes() {
    let (x, y) = stripes(48, 16, 3);
    let model = quick_params(CnnArch::FlattenCnn, 6)
        .fit(x.view(), &y, &names(), None, &mut |_| {}, &mut |_| {})
        .unwrap();
    let (tx, ty) = stripes(20, 16, 4);
    let (_, acc) = model.evaluate(tx.view(), &ty).unwrap();
    assert!(acc >= 0.95, "accuracy {acc}: {:?}", model.history());
    assert_eq!(
        model.param_layers(),
        ["conv1", "conv2", "conv3", "conv4", "dense1", "dense2"]
    );
}

#[test]
fn training_is_reproducible_and_independent_of_the_thread_count() {
    let (x, y) = stripes(20, 12, 5);
    let fit_with = |threads: usize, augment: Augment| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| {
                CnnParams {
                    augment,
                    ..quick_params(CnnArch::GapCnn, 2)
                }
                .fit(x.view(), &y, &names(), None, &mut |_| {}, &mut |_| {})
                .unwrap()
            })
    };
    let fit = |threads: usize| fit_with(threads, Augment::None);
    let (a, b) = (fit(1), fit(3));
    assert_eq!(a.weights_bytes(), b.weights_bytes());
    assert_eq!(a.history(), b.history());
    // Augmented training too: its draws are per image and epoch, not per thread.
    let (f1, f3) = (fit_with(1, Augment::Flips), fit_with(3, Augment::Flips));
    assert_eq!(f1.weights_bytes(), f3.weights_bytes());
    assert_ne!(f1.weights_bytes(), a.weights_bytes());
    // A different seed gives different weights.
    let c = CnnParams {
        seed: 8,
        ..quick_params(CnnArch::GapCnn, 2)
    }
    .fit(x.view(), &y, &names(), None, &mut |_| {}, &mut |_| {})
    .unwrap();
    assert_ne!(a.weights_bytes(), c.weights_bytes());
}

#[test]
fn save_and_load_give_bit_identical_predictions() {
    let dir = tempfile::tempdir().unwrap();
    for (arch, side) in [(CnnArch::GapCnn, 12), (CnnArch::FlattenCnn, 16)] {
        let model = train(arch, side, 1);
        let out = dir.path().join(arch.name());
        model.save(&out).unwrap();
        let back = Cnn::load(&out).unwrap();
        let (x, _) = stripes(9, side, 6);
        let a = model.class_scores(x.view()).unwrap();
        let b = back.class_scores(x.view()).unwrap();
        assert!(
            a.iter().zip(&b).all(|(p, q)| p.to_bits() == q.to_bits()),
            "{arch}"
        );
        assert_eq!(back.architecture(), model.architecture());
        assert_eq!(back.input_shape(), [1, side, side]);
        assert_eq!(back.class_names(), names().as_slice());
        let arch_json: CnnArchitecture =
            serde_json::from_slice(&std::fs::read(out.join(CNN_ARCHITECTURE_FILE)).unwrap())
                .unwrap();
        assert_eq!(arch_json.arch, arch);
        assert_eq!(arch_json.history.len(), 1);
    }
}

fn expect_format_error(err: ModelError, file: &str, needle: &str) {
    match &err {
        ModelError::Format { path, message } => {
            assert!(path.ends_with(file), "{err}");
            assert!(message.contains(needle), "{err}");
        }
        other => panic!("expected a format error, got {other}"),
    }
}

#[test]
fn loading_mismatched_files_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let model = train(CnnArch::GapCnn, 12, 1);
    let good = dir.path().join("good");
    model.save(&good).unwrap();
    let weights = std::fs::read(good.join(CNN_WEIGHTS_FILE)).unwrap();
    let json = std::fs::read_to_string(good.join(CNN_ARCHITECTURE_FILE)).unwrap();
    let write = |name: &str, w: &[u8], j: &str| {
        let d = dir.path().join(name);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join(CNN_WEIGHTS_FILE), w).unwrap();
        std::fs::write(d.join(CNN_ARCHITECTURE_FILE), j).unwrap();
        d
    };

    // Missing folder: an I/O error naming the architecture file.
    match Cnn::load(Path::new("/nonexistent/cnn")) {
        Err(ModelError::Io { path, .. }) => assert!(path.ends_with(CNN_ARCHITECTURE_FILE)),
        other => panic!("{other:?}"),
    }
    // Not JSON.
    let d = write("notjson", &weights, "{");
    expect_format_error(
        Cnn::load(&d).unwrap_err(),
        CNN_ARCHITECTURE_FILE,
        "not a valid",
    );
    // A third class name: the layers no longer match.
    let j = json.replace("\"vertical\"", "\"vertical\",\n    \"diagonal\"");
    let d = write("classes", &weights, &j);
    expect_format_error(
        Cnn::load(&d).unwrap_err(),
        CNN_ARCHITECTURE_FILE,
        "the layers do not match a gap-cnn",
    );
    // Wrong format tag and version.
    let d = write(
        "format",
        &weights,
        &json.replace("glassbox-cnn", "glassbox-mlp"),
    );
    expect_format_error(Cnn::load(&d).unwrap_err(), CNN_ARCHITECTURE_FILE, "format");
    let d = write(
        "version",
        &weights,
        &json.replace("\"version\": 1", "\"version\": 9"),
    );
    expect_format_error(
        Cnn::load(&d).unwrap_err(),
        CNN_ARCHITECTURE_FILE,
        "version 9",
    );
    // Weights of the other architecture (flatten-cnn on 16x16) under this description.
    let other = train(CnnArch::FlattenCnn, 16, 1);
    let d = write("otherweights", &other.weights_bytes(), &json);
    expect_format_error(Cnn::load(&d).unwrap_err(), CNN_WEIGHTS_FILE, "tensor");
    // Truncated weights.
    let d = write("truncated", &weights[..weights.len() / 2], &json);
    expect_format_error(
        Cnn::load(&d).unwrap_err(),
        CNN_WEIGHTS_FILE,
        "not a valid safetensors",
    );
    // Input shape changed: the dense head still fits (GAP), so loading works and predicts on
    // the new size, but the arch check catches an impossible size.
    let j = json.replacen("12", "4", 2);
    let d = write("tiny", &weights, &j);
    expect_format_error(Cnn::load(&d).unwrap_err(), CNN_ARCHITECTURE_FILE, "8x8");
}

#[test]
fn gap_head_gradients_have_their_closed_form() {
    let model = train(CnnArch::GapCnn, 12, 2);
    assert_eq!(model.conv_layers(), ["conv1", "conv2", "conv3", "conv4"]);
    let head = model.gap_head("conv4").expect("gap-cnn has a GAP head");
    assert_eq!(head.weights.dim(), (2, 64));
    assert!(model.gap_head("conv3").is_none());
    assert!(model.gap_head("conv9").is_none());
    let (x, _) = stripes(5, 12, 9);
    let classes = [0, 1, 1, 0, 1];
    let g = model.layer_gradients(x.view(), "conv4", &classes).unwrap();
    // conv4 maps are 1x1 after three poolings of 12: 12 -> 6 -> 3 -> 1.
    assert_eq!(g.activations.dim(), (5, 64, 1, 1));
    assert_eq!(g.scores, model.class_scores(x.view()).unwrap());
    for i in 0..5 {
        for k in 0..64 {
            // dy^c / dA^k(x, y) = w[c, k] / (H W), and y^c = b_c + sum_k w[c, k] mean(A^k).
            assert_eq!(g.gradients[[i, k, 0, 0]], head.weights[[classes[i], k]]);
        }
        for c in 0..2 {
            let y: f32 = head.bias[c]
                + (0..64)
                    .map(|k| head.weights[[c, k]] * g.activations[[i, k, 0, 0]])
                    .sum::<f32>();
            assert!((y - g.scores[[i, c]]).abs() < 1e-5);
        }
    }
    // Larger images: 20x20 gives 2x2 maps at conv4, so each gradient is w / 4.
    let model20 = Cnn::new(CnnArch::GapCnn, [1, 20, 20], names(), 3).unwrap();
    let (x20, _) = stripes(2, 20, 10);
    let g = model20
        .layer_gradients(x20.view(), "conv4", &[1, 0])
        .unwrap();
    let head = model20.gap_head("conv4").unwrap();
    assert_eq!(g.gradients.dim(), (2, 64, 2, 2));
    for k in 0..64 {
        assert_eq!(g.gradients[[0, k, 1, 0]], head.weights[[1, k]] / 4.0);
        assert_eq!(g.gradients[[1, k, 0, 1]], head.weights[[0, k]] / 4.0);
    }
}

/// Finite differences in f64 on the tail of the network (layers after the activation), at
/// entries where the next max-pooling window has no tie (ReLU zeros tie often; there the
/// one-sided derivatives differ and no single gradient exists).
fn check_layer_gradients_fd(model: &Cnn, layer: &str, side: usize) {
    let (x, _) = stripes(2, side, 11);
    let classes = [1, 0];
    let g = model.layer_gradients(x.view(), layer, &classes).unwrap();
    let net = model.network().cast::<f64>();
    let t = {
        let idx = model.conv_layers().iter().position(|n| n == layer).unwrap();
        // Trace index of the activation after the (idx+1)-th conv's ReLU.
        let mut seen = 0;
        let mut found = 0;
        for (i, s) in net.specs().iter().enumerate() {
            if matches!(s, LayerSpec::Conv2d { .. }) {
                if seen == idx {
                    found = i + 2;
                }
                seen += 1;
            }
        }
        found
    };
    let next_pool = matches!(net.specs()[t], LayerSpec::MaxPool2d { .. });
    let xs = Tensor::new(
        vec![2, 1, side, side],
        x.iter().map(|&v| v as f64).collect(),
    )
    .unwrap();
    let trace = net.forward_trace(xs);
    let a = &trace[t];
    let (c, h, w) = (a.shape()[1], a.shape()[2], a.shape()[3]);
    let tail = |act: &Tensor<f64>, i: usize| {
        let mut v = act.clone();
        for l in &net.layers()[t..] {
            v = l.forward(&v);
        }
        v.data()[i * 2 + classes[i]]
    };
    let hstep = 1e-5;
    let (mut checked, mut nonzero, mut gmax) = (0, 0, 0.0f64);
    let mut pairs = Vec::new();
    for i in 0..2 {
        for ch in 0..c {
            for yy in 0..h {
                for xx in 0..w {
                    let idx = ((i * c + ch) * h + yy) * w + xx;
                    if next_pool {
                        // Skip entries in a 2x2 window whose maximum is tied or within 1e-3.
                        let (wy, wx) = (yy / 2 * 2, xx / 2 * 2);
                        if wy + 2 > h || wx + 2 > w {
                            continue;
                        }
                        let mut vals: Vec<f64> = (0..4)
                            .map(|q| a.data()[((i * c + ch) * h + wy + q / 2) * w + wx + q % 2])
                            .collect();
                        vals.sort_by(f64::total_cmp);
                        if vals[3] - vals[2] < 1e-3 {
                            continue;
                        }
                    }
                    let mut ap = a.clone();
                    ap.data_mut()[idx] += hstep;
                    let mut am = a.clone();
                    am.data_mut()[idx] -= hstep;
                    let num = (tail(&ap, i) - tail(&am, i)) / (2.0 * hstep);
                    let ana = g.gradients[[i, ch, yy, xx]] as f64;
                    pairs.push((ana, num, idx));
                    gmax = gmax.max(num.abs());
                    checked += 1;
                    if num != 0.0 {
                        nonzero += 1;
                    }
                }
            }
        }
    }
    assert!(
        checked > 100 && nonzero > 20,
        "{checked} checked, {nonzero} nonzero"
    );
    // f32 analytic gradients against f64 finite differences: 1e-3 of the largest gradient
    // (f32 rounding through a few layers is ~1e-6 relative; an indexing error is O(1)).
    for (ana, num, idx) in pairs {
        assert!(
            (ana - num).abs() <= 1e-3 * gmax,
            "{layer} entry {idx}: analytic {ana} vs finite difference {num} (max {gmax})"
        );
    }
    // The activations are the f32 forward's.
    for (p, q) in g.activations.iter().zip(a.data()) {
        assert!((*p as f64 - q).abs() < 1e-4 * (1.0 + q.abs()));
    }
}

#[test]
fn layer_gradients_match_finite_differences() {
    let gap = train(CnnArch::GapCnn, 12, 2);
    check_layer_gradients_fd(&gap, "conv2", 12);
    check_layer_gradients_fd(&gap, "conv3", 12);
    let flat = train(CnnArch::FlattenCnn, 16, 2);
    assert!(flat.gap_head("conv4").is_none());
    check_layer_gradients_fd(&flat, "conv3", 16);
    check_layer_gradients_fd(&flat, "conv4", 16);
}

#[test]
fn layer_gradients_do_not_depend_on_blocking() {
    // 40 images span two blocks of 32; each image's result equals its result alone.
    let model = train(CnnArch::GapCnn, 12, 1);
    let (x, _) = stripes(40, 12, 12);
    let classes: Vec<usize> = (0..40).map(|i| (i / 3) % 2).collect();
    let all = model.layer_gradients(x.view(), "conv2", &classes).unwrap();
    for i in [0, 31, 32, 39] {
        let one = model
            .layer_gradients(
                x.slice(s![i..i + 1, .., .., ..]),
                "conv2",
                &classes[i..i + 1],
            )
            .unwrap();
        assert_eq!(
            one.gradients.index_axis(Axis(0), 0),
            all.gradients.index_axis(Axis(0), i)
        );
        assert_eq!(one.scores.row(0), all.scores.row(i));
    }
}

#[test]
fn gradients_for_the_predicted_class_take_one_pass_and_equal_the_two_pass_default() {
    // The override picks each image's class between its forward and backward pass; the result
    // must be what the trait's default (class_scores, then layer_gradients) gives.
    let flat = train(CnnArch::FlattenCnn, 16, 1);
    let (x, _) = stripes(7, 16, 21);
    for layer in ["conv2", "conv4"] {
        let (lg, classes) = flat.layer_gradients_for_predicted(x.view(), layer).unwrap();
        let scores = flat.class_scores(x.view()).unwrap();
        let want = glassbox_core::conv_classifier::predicted_classes(scores.view()).unwrap();
        assert_eq!(classes, want, "{layer}");
        let two_pass = flat.layer_gradients(x.view(), layer, &want).unwrap();
        assert_eq!(lg.activations, two_pass.activations, "{layer}");
        assert_eq!(lg.gradients, two_pass.gradients, "{layer}");
        assert_eq!(lg.scores, two_pass.scores, "{layer}");
    }
    assert!(
        flat.layer_gradients_for_predicted(x.view(), "conv9")
            .is_err()
    );
}

#[test]
fn layer_gradient_errors_name_the_problem() {
    let model = Cnn::new(CnnArch::GapCnn, [1, 12, 12], names(), 1).unwrap();
    let (x, _) = stripes(2, 12, 13);
    let e = model
        .layer_gradients(x.view(), "conv7", &[0, 1])
        .unwrap_err();
    assert!(
        e.to_string().contains(
            "no conv layer named \"conv7\"; the conv layers are conv1, conv2, conv3, conv4"
        ),
        "{e}"
    );
    let e = model
        .layer_gradients(x.view(), "conv1", &[0, 2])
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("class 2 for image 1 is out of range"),
        "{e}"
    );
    let e = model.layer_gradients(x.view(), "conv1", &[0]).unwrap_err();
    assert!(e.to_string().contains("2 classes, one per image"), "{e}");
    let (x16, _) = stripes(2, 16, 13);
    let e = model.class_scores(x16.view()).unwrap_err();
    assert!(
        e.to_string().contains("expected (samples, 1, 12, 12)"),
        "{e}"
    );
}

#[test]
fn reinitialisation_cascades_from_the_top() {
    let model = train(CnnArch::FlattenCnn, 16, 1);
    let params = |m: &Cnn| -> Vec<Vec<f32>> {
        m.network()
            .params()
            .iter()
            .map(|p| p.data.clone())
            .collect()
    };
    let base = params(&model);
    // Parameter tensors: 6 layers x (weight, bias).
    let head = model.with_reinitialized_head(5);
    let h = params(&head);
    assert_eq!(h[..10], base[..10]);
    assert_ne!(h[10], base[10]);
    assert!(h[11].iter().all(|&b| b == 0.0));
    let top3 = model.with_reinitialized_top(3, 5).unwrap();
    let t = params(&top3);
    assert_eq!(t[..6], base[..6]);
    for i in [6, 8, 10] {
        assert_ne!(t[i], base[i]);
    }
    // The head re-initialised alone or in the cascade gets the same weights from one seed.
    assert_eq!(t[10], h[10]);
    // Reusing the training seed does not restore the initial weights.
    let init = Cnn::new(CnnArch::FlattenCnn, [1, 16, 16], names(), 7).unwrap();
    let same_seed = model.with_reinitialized_top(6, 7).unwrap();
    assert_ne!(params(&same_seed)[0], params(&init)[0]);
    let (x, _) = stripes(4, 16, 14);
    assert_ne!(
        model.class_scores(x.view()).unwrap(),
        head.class_scores(x.view()).unwrap()
    );
    for k in [0, 7] {
        let e = model.with_reinitialized_top(k, 1).unwrap_err();
        assert!(
            e.to_string()
                .contains("conv1, conv2, conv3, conv4, dense1, dense2"),
            "{e}"
        );
    }
}

#[test]
fn bad_training_input_is_rejected() {
    let (x, y) = stripes(8, 12, 15);
    let p = quick_params(CnnArch::GapCnn, 1);
    let fit = |p: &CnnParams, x: &Array4<f32>, y: &[usize], names: &[String]| {
        p.fit(x.view(), y, names, None, &mut |_| {}, &mut |_| {})
            .map(|m| m.history().to_vec())
            .expect_err("fit should fail")
            .to_string()
    };
    assert!(fit(&p, &x, &y[..7], &names()).contains("8 labels, one per image"));
    let mut bad = y.clone();
    bad[3] = 2;
    assert!(fit(&p, &x, &bad, &names()).contains("label 2 of image 3 is out of range"));
    assert!(fit(&p, &x, &y, &names()[..1]).contains("at least 2 classes"));
    let mut nan = x.clone();
    nan[[5, 0, 2, 3]] = f32::NAN;
    let e = fit(&p, &nan, &y, &names());
    assert!(e.contains("row 5, column 27"), "{e}");
    let small = Array4::<f32>::zeros((8, 1, 6, 6));
    assert!(fit(&p, &small, &y, &names()).contains("at least 1 channel and 8x8"));
    let flat16 = quick_params(CnnArch::FlattenCnn, 1);
    assert!(fit(&flat16, &x, &y, &names()).contains("16x16"));
    let lr0 = CnnParams {
        learning_rate: 0.0,
        ..p.clone()
    };
    assert!(fit(&lr0, &x, &y, &names()).contains("learning rate must be > 0"));
    // An absurd learning rate: the first step (epoch 1, one batch) throws the weights to
    // ~1e30, so epoch 2's activations overflow and its loss is not finite.
    let wild = CnnParams {
        learning_rate: 1e30,
        epochs: 3,
        ..p.clone()
    };
    let e = fit(&wild, &x, &y, &names());
    assert!(
        e.contains("training diverged at epoch 2") && e.contains("try a lower learning rate than"),
        "{e}"
    );
    let (vx, _) = stripes(3, 16, 16);
    let e = p
        .fit(
            x.view(),
            &y,
            &names(),
            Some((vx.view(), &[0, 1, 0])),
            &mut |_| {},
            &mut |_| {},
        )
        .map(|_| ())
        .unwrap_err();
    assert!(
        e.to_string().contains("expected (samples, 1, 12, 12)"),
        "{e}"
    );
    assert_eq!(CnnArch::parse("gap-cnn").unwrap(), CnnArch::GapCnn);
    assert!(
        CnnArch::parse("resnet")
            .unwrap_err()
            .to_string()
            .contains("\"gap-cnn\" or \"flatten-cnn\"")
    );
}

#[test]
fn learning_rate_schedules() {
    assert_eq!(LrSchedule::Constant.rate(1e-3, 7, 10), 1e-3);
    let c = LrSchedule::Cosine;
    assert_eq!(c.rate(1e-3, 0, 100), 1e-3);
    assert!((c.rate(1e-3, 50, 100) - 0.5e-3).abs() < 1e-15);
    assert!((c.rate(1e-3, 25, 100) - 1e-3 * (2.0 + 2f64.sqrt()) / 4.0).abs() < 1e-15);
    // The schedule changes training; settings files without the field read as constant.
    let (x, y) = stripes(16, 12, 17);
    let run = |lr_schedule| {
        CnnParams {
            lr_schedule,
            ..quick_params(CnnArch::GapCnn, 2)
        }
        .fit(x.view(), &y, &names(), None, &mut |_| {}, &mut |_| {})
        .unwrap()
        .weights_bytes()
    };
    assert_ne!(run(LrSchedule::Constant), run(LrSchedule::Cosine));
    let defaults = CnnParams::default();
    assert_eq!(
        (
            defaults.epochs,
            defaults.lr_schedule,
            defaults.learning_rate
        ),
        (30, LrSchedule::Cosine, 1e-3)
    );
    let json = serde_json::to_string(&defaults).unwrap();
    assert!(json.contains(r#""lr_schedule":"cosine""#), "{json}");
    let old = json.replace(r#","lr_schedule":"cosine""#, "");
    let back: CnnParams = serde_json::from_str(&old).unwrap();
    assert_eq!(
        back,
        CnnParams {
            lr_schedule: LrSchedule::Constant,
            ..defaults
        }
    );
}
