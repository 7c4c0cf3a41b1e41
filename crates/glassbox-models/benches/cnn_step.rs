//! CNN benchmark: gap-cnn on 1×200×200 images (the NEU shape), batch 32, 6 classes.
//! Times one training step (forward + softmax cross-entropy + backward + Adam), the forward pass
//! (images/s) and `layer_gradients` at the last conv layer (what Grad-CAM needs), on 1 and 2
//! threads, plus a per-layer breakdown on 2 threads.
//! Run: `cargo bench -p glassbox-models --bench cnn_step`. Prints tables (median of 5 after a
//! warm-up). Targets (issue 5): step ≤ 1.0 s, forward ≥ 60 images/s, Grad-CAM for 32 images
//! ≤ 0.8 s, on 2 threads.

use std::time::Instant;

use glassbox_core::ConvClassifier;
use glassbox_core::ndarray::Array4;
use glassbox_core::rng::Rng;
use glassbox_models::nn::{Cnn, CnnArch, CnnParams, Tensor};

const BATCH: usize = 32;
const SIDE: usize = 200;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn time(reps: usize, mut f: impl FnMut()) -> f64 {
    f();
    let mut v = Vec::with_capacity(reps);
    for _ in 0..reps {
        let t0 = Instant::now();
        f();
        v.push(t0.elapsed().as_secs_f64());
    }
    median(v)
}

fn main() {
    let names: Vec<String> = (0..6).map(|i| format!("class{i}")).collect();
    let model = Cnn::new(CnnArch::GapCnn, [1, SIDE, SIDE], names.clone(), 42).unwrap();
    let mut rng = Rng::new(1);
    let images = Array4::from_shape_fn((BATCH, 1, SIDE, SIDE), |_| rng.next_f64() as f32);
    let labels: Vec<usize> = (0..BATCH).map(|i| i % 6).collect();
    let classes = labels.clone();

    println!(
        "gap-cnn, batch {BATCH}, 1x{SIDE}x{SIDE}, f32; median of 5 after a warm-up (shared machine)"
    );
    println!(
        "| threads | train step (s) | forward (images/s) | layer_gradients conv4, 32 images (s) |"
    );
    println!("|---|---|---|---|");
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            // One training step exactly as `CnnParams::fit` takes it (public API): fit on 32
            // images for one epoch is one step plus the model set-up.
            let p = CnnParams {
                epochs: 1,
                batch_size: BATCH,
                ..Default::default()
            };
            let step = time(5, || {
                std::hint::black_box(
                    p.fit(
                        images.view(),
                        &labels,
                        &names,
                        None,
                        &mut |_| {},
                        &mut |_| {},
                    )
                    .unwrap(),
                );
            });
            let fwd = time(5, || {
                std::hint::black_box(model.class_scores(images.view()).unwrap());
            });
            let lg = time(5, || {
                std::hint::black_box(
                    model
                        .layer_gradients(images.view(), "conv4", &classes)
                        .unwrap(),
                );
            });
            println!(
                "| {threads} | {step:.3} | {:.1} | {lg:.3} |",
                BATCH as f64 / fwd
            );
        });
    }

    // Per-layer breakdown for one image on 1 thread (what each task of a training step runs):
    // forward, and backward with parameter gradients.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    pool.install(|| {
        let net = model.network();
        let x = Tensor::new(
            vec![1, 1, SIDE, SIDE],
            images.as_slice().unwrap()[..SIDE * SIDE].to_vec(),
        )
        .unwrap();
        let trace = net.forward_trace(x);
        println!("\nper layer, one image, 1 thread (median of 5)");
        println!("| layer | output shape | forward (ms) | backward + param grads (ms) |");
        println!("|---|---|---|---|");
        for (i, layer) in net.layers().iter().enumerate() {
            let f = time(5, || {
                std::hint::black_box(layer.forward(&trace[i]));
            });
            let dy = trace[i + 1].clone();
            let mut g: Vec<Vec<f32>> = layer
                .params()
                .iter()
                .map(|p| vec![0.0; p.data.len()])
                .collect();
            let b = time(5, || {
                if i == 0 {
                    layer.param_backward(&trace[i], &trace[i + 1], &dy, &mut g);
                } else {
                    std::hint::black_box(layer.backward(
                        &trace[i],
                        &trace[i + 1],
                        &dy,
                        Some(&mut g),
                    ));
                }
            });
            println!(
                "| {i} {} | {:?} | {:.1} | {:.1} |",
                layer.spec().kind(),
                &trace[i + 1].shape()[1..],
                f * 1e3,
                b * 1e3
            );
        }
    });
}
