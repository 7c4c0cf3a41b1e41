//! CAM-family benchmark on an untrained (Glorot-initialised, seed 42) `gap-cnn` and
//! `flatten-cnn` for 6 classes and 1×200×200 images (the NEU walk-through's shapes), 32 random
//! images. Target (issue 5): Grad-CAM for 32 images ≤ 0.8 s on 2 threads (pytorch-grad-cam:
//! 1.64 s on this machine type). Score-CAM needs one forward pass per image and channel
//! (64 for conv4), so it is timed on 4 images; the other successors (XGrad-CAM, HiResCAM,
//! LayerCAM, Eigen-CAM) on 2 threads only.
//! Run: `cargo bench -p glassbox-explain --bench grad_cam`. Prints a table (median of
//! `REPS` after a warm-up).

use std::time::Instant;

use glassbox_core::ndarray::{Array4, s};
use glassbox_core::rng::Rng;
use glassbox_explain::cam::{CamMethod, CamOptions, explain_images};
use glassbox_models::nn::{Cnn, CnnArch};

const REPS: usize = 3;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn time(pool: &rayon::ThreadPool, reps: usize, mut f: impl FnMut() + Send) -> f64 {
    pool.install(&mut f); // warm-up
    let mut times = Vec::new();
    for _ in 0..reps {
        let t0 = Instant::now();
        pool.install(&mut f);
        times.push(t0.elapsed().as_secs_f64());
    }
    median(times)
}

fn main() {
    let names: Vec<String> = (0..6).map(|c| format!("class{c}")).collect();
    let mut rng = Rng::new(7);
    let images = Array4::from_shape_fn((32, 1, 200, 200), |_| rng.next_f64() as f32);
    let four = images.slice(s![..4, .., .., ..]);
    let opts = CamOptions::default();

    println!("32 images 1x200x200, 6 classes, untrained networks (seed 42); median of {REPS}");
    println!("| network | what | images | threads | seconds | images/s |");
    println!("|---|---|---|---|---|---|");
    for arch in [CnnArch::GapCnn, CnnArch::FlattenCnn] {
        let model = Cnn::new(arch, [1, 200, 200], names.clone(), 42).unwrap();
        let classes = model.predict(images.view()).unwrap();
        for threads in [1, 2] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let row = |what: &str, n: usize, t: f64| {
                println!(
                    "| {} | {what} | {n} | {threads} | {t:.3} | {:.1} |",
                    arch.name(),
                    n as f64 / t
                );
            };
            let t = time(&pool, REPS, || {
                model.class_scores(images.view()).unwrap();
            });
            row("forward only (class_scores)", 32, t);
            let t = time(&pool, REPS, || {
                explain_images(&model, images.view(), CamMethod::GradCam, None, None, &opts)
                    .unwrap();
            });
            row(
                "Grad-CAM, predicted class (target <= 0.8 s on 2 threads)",
                32,
                t,
            );
            let t = time(&pool, REPS, || {
                explain_images(
                    &model,
                    images.view(),
                    CamMethod::GradCam,
                    None,
                    Some(&classes),
                    &opts,
                )
                .unwrap();
            });
            row("Grad-CAM, classes given", 32, t);
            let t = time(&pool, REPS, || {
                explain_images(
                    &model,
                    images.view(),
                    CamMethod::GradCamPlusPlus,
                    None,
                    None,
                    &opts,
                )
                .unwrap();
            });
            row("Grad-CAM++, predicted class", 32, t);
            if threads == 2 {
                for method in [
                    CamMethod::XGradCam,
                    CamMethod::HiResCam,
                    CamMethod::LayerCam,
                    CamMethod::EigenCam,
                ] {
                    let t = time(&pool, REPS, || {
                        explain_images(&model, images.view(), method, None, None, &opts).unwrap();
                    });
                    row(&format!("{method}, predicted class"), 32, t);
                }
            }
            if arch == CnnArch::GapCnn {
                let t = time(&pool, REPS, || {
                    explain_images(&model, images.view(), CamMethod::Cam, None, None, &opts)
                        .unwrap();
                });
                row("CAM, predicted class", 32, t);
            }
            if threads == 2 {
                let t = time(&pool, 1, || {
                    explain_images(&model, four, CamMethod::ScoreCam, None, None, &opts).unwrap();
                });
                row("Score-CAM (64 masked forwards per image)", 4, t);
            }
        }
    }
}
