//! LIME on glassbox's trained CNN (the bundled NEU gap-cnn): the probability adapter against the
//! network's own softmax, the painted map against the surrogate's weights, determinism, and a
//! faithfulness check that can fail: greying out the superpixels LIME ranks most positive must
//! cost the explained class more probability than greying out the most negative ones.

use std::path::{Path, PathBuf};

use glassbox_core::Predict;
use glassbox_core::ndarray::{Array2, Array4, Axis};
use glassbox_data::{ImageLoadOptions, load_image_files};
use glassbox_explain::lime::image::HideColor;
use glassbox_explain::lime::image_classifier::{
    ClassifierLimeSettings, ClassifierProbabilities, lime_classifier_image,
};
use glassbox_models::nn::Cnn;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn model() -> Cnn {
    Cnn::load(&root().join("data/models/neu-gap-cnn")).unwrap()
}

fn images(names: &[&str]) -> Array4<f32> {
    let paths: Vec<PathBuf> = names
        .iter()
        .map(|n| {
            let class = n.rsplit_once('_').unwrap().0;
            root().join("data/neu").join(class).join(n)
        })
        .collect();
    load_image_files(&paths, &ImageLoadOptions::default())
        .unwrap()
        .images
}

#[test]
fn probabilities_are_the_networks_softmax() {
    let cnn = model();
    let x = images(&["crazing_1.png", "scratches_10.png", "patches_100.png"]);
    let rows = Array2::from_shape_vec((3, x.len() / 3), x.iter().map(|&v| f64::from(v)).collect())
        .unwrap();
    let adapter = ClassifierProbabilities::new(&cnn);
    assert_eq!(adapter.n_features(), 200 * 200);
    assert_eq!(adapter.n_outputs(), 6);
    let p = adapter.predict(rows.view()).unwrap();
    let want = cnn.predict_proba(x.view()).unwrap();
    for (a, b) in p.iter().zip(want.iter()) {
        assert!((a - f64::from(*b)).abs() < 1e-6, "{a} vs {b}");
    }
    for row in p.rows() {
        assert!((row.sum() - 1.0).abs() < 1e-12);
    }
    // Wrong row length: an error, not a panic.
    assert!(adapter.predict(Array2::zeros((1, 10)).view()).is_err());
}

#[test]
fn map_paints_the_weights_and_top_superpixels_matter_most() {
    let cnn = model();
    let x = images(&["scratches_10.png"]);
    let image = x.index_axis(Axis(0), 0);
    let settings = ClassifierLimeSettings {
        nsamples: 200,
        seed: 3,
        ..Default::default()
    };
    let a = lime_classifier_image(&cnn, image, None, &settings).unwrap();
    let b = lime_classifier_image(&cnn, image, None, &settings).unwrap();
    assert_eq!(a, b, "not deterministic");
    let proba = cnn.predict_proba(x.view()).unwrap();
    let predicted = (0..6)
        .max_by(|&i, &j| proba[[0, i]].total_cmp(&proba[[0, j]]))
        .unwrap();
    assert_eq!(a.class, predicted);
    let e = &a.explanation;
    for ((y, xx), &s) in e.segments.indexed_iter() {
        assert_eq!(a.map[[y, xx]], e.weights[[s, a.class]]);
    }
    let nseg = e.weights.nrows();
    assert!(nseg > 20, "{nseg} superpixels");
    assert!(e.score[a.class] > 0.0 && e.score[a.class] <= 1.0);

    // Grey out (segment mean, as LIME did) the top 5 positive or the top 5 negative superpixels.
    let ranked = e.ranked(a.class);
    let top = |positive: bool| -> Vec<usize> {
        ranked
            .iter()
            .copied()
            .filter(|&s| (e.weights[[s, a.class]] > 0.0) == positive)
            .take(5)
            .collect()
    };
    let hidden = |segs: &[usize]| -> f64 {
        let mut img = x.clone();
        for seg in segs {
            let pixels: Vec<(usize, usize)> = e
                .segments
                .indexed_iter()
                .filter(|(_, l)| *l == seg)
                .map(|(p, _)| p)
                .collect();
            let mean =
                pixels.iter().map(|&(y, xx)| x[[0, 0, y, xx]]).sum::<f32>() / pixels.len() as f32;
            for (y, xx) in pixels {
                img[[0, 0, y, xx]] = mean;
            }
        }
        f64::from(cnn.predict_proba(img.view()).unwrap()[[0, a.class]])
    };
    let (pos, neg) = (hidden(&top(true)), hidden(&top(false)));
    let full = f64::from(proba[[0, a.class]]);
    assert!(
        pos < full && pos < neg,
        "hiding the top positive superpixels leaves p = {pos}, the top negative {neg} (image {full})"
    );

    // Another class, another hide colour.
    let other = (a.class + 1) % 6;
    let c = lime_classifier_image(
        &cnn,
        image,
        Some(other),
        &ClassifierLimeSettings {
            hide: HideColor::Value(0.0),
            ..settings.clone()
        },
    )
    .unwrap();
    assert_eq!(c.class, other);
    assert!(lime_classifier_image(&cnn, image, Some(6), &settings).is_err());
    let mut bad = image.to_owned();
    bad[[0, 5, 7]] = f32::NAN;
    let err = lime_classifier_image(&cnn, bad.view(), None, &settings).unwrap_err();
    assert!(err.to_string().contains("row 5, column 7"), "{err}");
    assert_eq!(cnn.input_shape(), [1, 200, 200]);
}
