//! LIME for images with a deterministic image model whose answer is known: the mean intensity
//! inside a fixed square. With a black grey-out that output is linear in the superpixel on/off
//! indicators, so the unregularised surrogate must reproduce each superpixel's share exactly.

use glassbox_core::ndarray::{Array2, Array3, ArrayView2};
use glassbox_core::rng::Rng;
use glassbox_core::{CoreError, Predict};
use glassbox_explain::lime::image::{HideColor, LimeImage, MaskKind};
use glassbox_explain::lime::slic::Slic;

const H: usize = 32;
const W: usize = 32;
/// The square the model looks at: rows 8..20, columns 12..24.
fn in_square(y: usize, x: usize) -> bool {
    (8..20).contains(&y) && (12..24).contains(&x)
}

struct SquareMean {
    channels: usize,
}

impl Predict for SquareMean {
    fn n_features(&self) -> usize {
        self.channels * H * W
    }
    fn n_outputs(&self) -> usize {
        1
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>, CoreError> {
        Ok(Array2::from_shape_fn((x.nrows(), 1), |(i, _)| {
            let mut s = 0.0;
            for c in 0..self.channels {
                for y in 0..H {
                    for xx in 0..W {
                        if in_square(y, xx) {
                            s += x[[i, c * H * W + y * W + xx]];
                        }
                    }
                }
            }
            s / (self.channels * 144) as f64
        }))
    }
}

/// A bright square on a darker, textured background.
fn image(channels: usize) -> Array3<f64> {
    let mut rng = Rng::new(1);
    Array3::from_shape_fn((channels, H, W), |(c, y, x)| {
        if in_square(y, x) {
            0.85 + 0.03 * c as f64
        } else {
            0.2 + 0.1 * rng.next_f64()
        }
    })
}

/// Each superpixel's exact share of the model output when switched on.
fn shares(img: &Array3<f64>, seg: &Array2<usize>) -> Vec<f64> {
    let c = img.dim().0;
    let k = seg.iter().max().unwrap() + 1;
    let mut s = vec![0.0; k];
    for ((y, x), &l) in seg.indexed_iter() {
        if in_square(y, x) {
            for ch in 0..c {
                s[l] += img[[ch, y, x]] / (c * 144) as f64;
            }
        }
    }
    s
}

#[test]
fn unregularised_surrogate_recovers_each_superpixel_share_exactly() {
    for channels in [1, 3] {
        let model = SquareMean { channels };
        let img = image(channels);
        let seg = Slic {
            n_segments: 40,
            ..Default::default()
        }
        .segment(img.view())
        .unwrap();
        let e = LimeImage::new(&model)
            .hide(HideColor::Value(0.0))
            .alpha(0.0)
            .nsamples(400)
            .explain(img.view(), seg.view())
            .unwrap();
        let want = shares(&img, &seg);
        for (l, w) in want.iter().enumerate() {
            assert!(
                (e.weights[[l, 0]] - w).abs() < 1e-9,
                "segment {l}: {} vs {w}",
                e.weights[[l, 0]]
            );
        }
        assert!((e.score[0] - 1.0).abs() < 1e-9);
    }
}

#[test]
fn superpixels_covering_the_square_get_the_top_weights() {
    let model = SquareMean { channels: 3 };
    let img = image(3);
    let seg = Slic {
        n_segments: 40,
        ..Default::default()
    }
    .segment(img.view())
    .unwrap();
    let k = seg.iter().max().unwrap() + 1;
    // Fraction of each superpixel inside the square.
    let mut inside = vec![0.0; k];
    let mut size = vec![0.0; k];
    for ((y, x), &l) in seg.indexed_iter() {
        size[l] += 1.0;
        if in_square(y, x) {
            inside[l] += 1.0;
        }
    }
    // SLIC follows the square's edges: every superpixel is (almost) all in or all out.
    for l in 0..k {
        let f = inside[l] / size[l];
        assert!(
            !(0.1..0.9).contains(&f),
            "segment {l} is {f} inside the square"
        );
    }
    // lime's defaults: ridge alpha 1, 1000 samples.
    let e = LimeImage::new(&model)
        .hide(HideColor::Value(0.0))
        .seed(3)
        .explain(img.view(), seg.view())
        .unwrap();
    let in_sq: Vec<usize> = (0..k).filter(|&l| inside[l] / size[l] >= 0.9).collect();
    let out_sq: Vec<usize> = (0..k).filter(|&l| inside[l] == 0.0).collect();
    assert!(!in_sq.is_empty() && !out_sq.is_empty());
    let min_in = in_sq
        .iter()
        .map(|&l| e.weights[[l, 0]])
        .fold(f64::INFINITY, f64::min);
    let max_out = out_sq
        .iter()
        .map(|&l| e.weights[[l, 0]].abs())
        .fold(0.0, f64::max);
    assert!(
        min_in > 0.0 && min_in > 3.0 * max_out,
        "inside min {min_in}, outside max |w| {max_out}"
    );
    // The positive mask of the top |in_sq| superpixels is exactly the square's superpixels.
    let mask = e.mask(0, MaskKind::Positive, in_sq.len(), 0.0);
    for ((y, x), &v) in mask.indexed_iter() {
        assert_eq!(v == 1, in_sq.contains(&seg[[y, x]]), "pixel {y},{x}");
    }
    assert_eq!(
        e.ranked(0)[..in_sq.len()]
            .iter()
            .filter(|l| in_sq.contains(l))
            .count(),
        in_sq.len()
    );
}

#[test]
fn segment_mean_grey_out_and_determinism() {
    // Inside the flat square, a segment's mean equals its pixels: hiding it changes nothing,
    // so with the default grey-out the square's superpixels carry (almost) no weight.
    let model = SquareMean { channels: 1 };
    let img = image(1);
    let seg = Slic {
        n_segments: 40,
        ..Default::default()
    }
    .segment(img.view())
    .unwrap();
    let run = |batch: usize| {
        LimeImage::new(&model)
            .nsamples(300)
            .batch_size(batch)
            .explain(img.view(), seg.view())
            .unwrap()
    };
    let a = run(64);
    assert_eq!(a, run(7));
    assert!(a.weights.iter().all(|w| w.abs() < 1e-3), "{:?}", a.weights);
    let bad = Array2::<usize>::zeros((H, W - 1));
    assert!(
        LimeImage::new(&model)
            .explain(img.view(), bad.view())
            .is_err()
    );
}
