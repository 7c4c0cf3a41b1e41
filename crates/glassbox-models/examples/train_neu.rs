//! Trains a CNN on the bundled NEU steel-defect images (`data/neu`, 1500 train / 300 test by the
//! manifest's `split` column, 200×200 grayscale scaled to [0, 1]) and prints per-epoch metrics,
//! the test accuracy and the wall time.
//!
//! Run: `cargo run --release -p glassbox-models --example train_neu -- [ARCH] [EPOCHS] [SEED]
//! [SCHEDULE] [OUT_DIR]` (defaults: gap-cnn, the default epochs, 42, the default schedule
//! (`constant` or `cosine`), no saving).

use std::time::Instant;

use glassbox_core::ndarray::Array4;
use glassbox_models::nn::{CnnArch, CnnParams, LrSchedule};

const SIDE: usize = 200;

/// Images (N, 1, 200, 200) and their class indices.
type Split = (Array4<f32>, Vec<usize>);

/// Train split, test split and class names.
fn load(root: &std::path::Path) -> (Split, Split, Vec<String>) {
    let mut rdr = csv::Reader::from_path(root.join("manifest.csv")).expect("manifest.csv");
    let headers = rdr.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).expect(name);
    let (cf, cc, cs, ci) = (col("file"), col("class"), col("split"), col("class_id"));
    let mut names: Vec<String> = Vec::new();
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for rec in rdr.records() {
        let rec = rec.unwrap();
        let id: usize = rec[ci].parse().unwrap();
        if names.len() <= id {
            names.resize(id + 1, String::new());
        }
        names[id] = rec[cc].to_string();
        let img = image::open(root.join(&rec[cf])).unwrap().to_luma8();
        assert_eq!(img.dimensions(), (SIDE as u32, SIDE as u32));
        let px: Vec<f32> = img.into_raw().iter().map(|&v| v as f32 / 255.0).collect();
        match &rec[cs] {
            "train" => train.push((px, id)),
            "test" => test.push((px, id)),
            other => panic!("unknown split {other}"),
        }
    }
    let stack = |v: Vec<(Vec<f32>, usize)>| -> Split {
        let labels = v.iter().map(|(_, l)| *l).collect();
        let n = v.len();
        let data = v.into_iter().flat_map(|(p, _)| p).collect();
        (
            Array4::from_shape_vec((n, 1, SIDE, SIDE), data).unwrap(),
            labels,
        )
    };
    (stack(train), stack(test), names)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arch = args
        .first()
        .map(|a| CnnArch::parse(a).unwrap())
        .unwrap_or_default();
    let defaults = CnnParams::default();
    let epochs = args
        .get(1)
        .map(|a| a.parse().unwrap())
        .unwrap_or(defaults.epochs);
    let seed = args.get(2).map(|a| a.parse().unwrap()).unwrap_or(42);
    let lr_schedule = match args.get(3).map(String::as_str) {
        None => defaults.lr_schedule,
        Some("constant") => LrSchedule::Constant,
        Some("cosine") => LrSchedule::Cosine,
        Some(other) => panic!("schedule {other:?}: expected constant or cosine"),
    };
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/neu");
    let t0 = Instant::now();
    let ((xtr, ytr), (xte, yte), names) = load(&root);
    println!(
        "loaded {} train / {} test images in {:.1} s; classes {names:?}",
        ytr.len(),
        yte.len(),
        t0.elapsed().as_secs_f64()
    );
    let params = CnnParams {
        arch,
        epochs,
        seed,
        lr_schedule,
        ..defaults
    };
    println!("{params:?}, {} threads", rayon::current_num_threads());
    let t1 = Instant::now();
    let model = params
        .fit(
            xtr.view(),
            &ytr,
            &names,
            Some((xte.view(), &yte)),
            &mut |s| {
                if s.step % 10 == 0 {
                    eprintln!(
                        "  epoch {} step {}/{} loss {:.4} acc {:.3} ({:.0} s)",
                        s.epoch,
                        s.step,
                        s.steps_per_epoch,
                        s.running_loss,
                        s.running_accuracy,
                        t1.elapsed().as_secs_f64()
                    );
                }
            },
            &mut |e| {
                println!(
                    "epoch {:2}: loss {:.4} acc {:.4} | test loss {:.4} acc {:.4} | {:.0} s",
                    e.epoch,
                    e.train_loss,
                    e.train_accuracy,
                    e.val_loss.unwrap(),
                    e.val_accuracy.unwrap(),
                    t1.elapsed().as_secs_f64()
                );
            },
        )
        .unwrap();
    let train_s = t1.elapsed().as_secs_f64();
    let (loss, acc) = model.evaluate(xte.view(), &yte).unwrap();
    println!(
        "{arch} seed {seed}, {epochs} epochs: test accuracy {:.2}% ({} of {}), test loss {loss:.4}; \
         training {train_s:.0} s (incl. per-epoch test evaluation)",
        acc * 100.0,
        (acc * yte.len() as f64).round(),
        yte.len()
    );
    if let Some(out) = args.get(4) {
        model.save(std::path::Path::new(out)).unwrap();
        println!("saved to {out}");
    }
}
