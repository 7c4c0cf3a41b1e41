//! Score-CAM (Wang et al. 2020, "Score-CAM: score-weighted visual explanations for
//! convolutional neural networks"), gradient-free.
//!
//! For each image and each channel `k` of the conv layer: the map `A^k` is upsampled to the
//! input size (bicubic, [`super::upsample`]), min-max normalised to [0, 1] into a mask `H^k`
//! (a constant map gives an all-zero mask), and the model scores the masked image `X ∘ H^k`
//! (every input channel multiplied by the mask). The channel weights are the softmax over `k`
//! of those pre-softmax target scores, and the map is `ReLU(Σ_k w_k A^k)`. This is
//! pytorch-grad-cam's `ScoreCAM`, except that it upsamples the masks bilinearly
//! (`align_corners=True`) where glassbox uses the same bicubic filter as for display.
//!
//! Cost: `samples × channels` forward passes. The masked images are built on the fly, `batch`
//! at a time, and the batches run in parallel (rayon); each score depends only on its own
//! masked image, so the result does not depend on the batch size or the thread count (as long
//! as the model's own scores do not depend on its batch).

use glassbox_core::ConvClassifier;
use glassbox_core::ndarray::{Array2, Array4, ArrayView2, ArrayView4, Axis, Zip};
use rayon::prelude::*;

use super::upsample::{BicubicKernel, normalize_min_max, upsample_bicubic};
use super::{RawMaps, activation_method, checked_class_scores, weighted_maps};
use crate::ExplainError;

/// Masked images scored per forward pass by default.
pub const DEFAULT_SCORE_CAM_BATCH: usize = 32;

/// The Score-CAM mask of one activation map `a` (h, w): upsampled to (out_h, out_w) with the
/// default kernel (OpenCV's bicubic) and min-max normalised to [0, 1].
pub fn score_cam_mask(
    a: ArrayView2<'_, f32>,
    out_h: usize,
    out_w: usize,
) -> Result<Array2<f64>, ExplainError> {
    let mut m = upsample_bicubic(
        a.mapv(|v| v as f64).view(),
        out_h,
        out_w,
        BicubicKernel::default(),
    )?;
    normalize_min_max(m.view_mut());
    Ok(m)
}

/// Pre-softmax score of `classes[i]` for every masked image `X_i ∘ H_i^k`, shape
/// (samples, channels). `images` (samples, C, H, W), `activations` (samples, channels, h, w);
/// `batch` masked images per forward pass.
pub fn score_cam_scores(
    model: &dyn ConvClassifier,
    images: ArrayView4<'_, f32>,
    activations: ArrayView4<'_, f32>,
    classes: &[usize],
    batch: usize,
) -> Result<Array2<f64>, ExplainError> {
    let (n, c, hh, ww) = images.dim();
    let (na, k, _, _) = activations.dim();
    if na != n || classes.len() != n {
        return Err(ExplainError::InvalidArgument(format!(
            "Score-CAM: {n} images, {na} activation maps and {} classes; expected equal counts",
            classes.len()
        )));
    }
    if batch == 0 {
        return Err(ExplainError::InvalidArgument(
            "Score-CAM batch size must be at least 1".into(),
        ));
    }
    let jobs: Vec<(usize, usize)> = (0..n).flat_map(|i| (0..k).map(move |j| (i, j))).collect();
    let per_batch: Vec<Vec<f64>> = jobs
        .par_chunks(batch)
        .map(|chunk| {
            let mut masked = Array4::<f32>::zeros((chunk.len(), c, hh, ww));
            for (b, &(i, j)) in chunk.iter().enumerate() {
                let a = activations.index_axis(Axis(0), i);
                let mask = score_cam_mask(a.index_axis(Axis(0), j), hh, ww)?;
                let img = images.index_axis(Axis(0), i);
                let mut out = masked.index_axis_mut(Axis(0), b);
                for ch in 0..c {
                    Zip::from(out.index_axis_mut(Axis(0), ch))
                        .and(img.index_axis(Axis(0), ch))
                        .and(&mask)
                        .for_each(|o, &x, &m| *o = (x as f64 * m) as f32);
                }
            }
            let scores = checked_class_scores(model, masked.view())?;
            chunk
                .iter()
                .enumerate()
                .map(|(b, &(i, j))| {
                    let v = scores[[b, classes[i]]];
                    if v.is_finite() {
                        Ok(v as f64)
                    } else {
                        Err(ExplainError::Model(format!(
                            "score {v} of image {i} masked by channel {j} is not finite"
                        )))
                    }
                })
                .collect()
        })
        .collect::<Result<_, ExplainError>>()?;
    let flat: Vec<f64> = per_batch.into_iter().flatten().collect();
    Ok(Array2::from_shape_vec((n, k), flat).expect("one score per (image, channel)"))
}

/// Softmax over each row of `scores` (samples, channels), max-subtracted for stability.
///
/// The row sum is ndarray's `sum` (eight interleaved partial sums), not the in-order sum of
/// [`glassbox_core::link::softmax`]: for rows of 8 or more entries the two differ in the last
/// bits, and Score-CAM maps and image LIME (which also uses this function) keep the bits they
/// have always had. Use `glassbox_core::link` for anything new.
pub fn softmax_rows(scores: &Array2<f64>) -> Array2<f64> {
    let mut w = scores.clone();
    for mut row in w.outer_iter_mut() {
        let m = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        row.mapv_inplace(|v| (v - m).exp());
        let s: f64 = row.sum();
        row.mapv_inplace(|v| v / s);
    }
    w
}

/// Score-CAM for `images` (samples, C, H, W) at conv layer `layer`, explaining `classes`
/// (length samples) or, when `None`, each image's predicted class; `batch` masked images per
/// forward pass.
pub fn score_cam(
    model: &dyn ConvClassifier,
    images: ArrayView4<'_, f32>,
    layer: &str,
    classes: Option<&[usize]>,
    batch: usize,
) -> Result<RawMaps, ExplainError> {
    activation_method(model, images, layer, classes, |activations, classes| {
        let scores = score_cam_scores(model, images, activations, classes, batch)?;
        let weights = softmax_rows(&scores);
        weighted_maps(activations, weights.view(), true)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cam::test_models::{Head, RefCnn, quadrant_images, quadrant_model};
    use crate::cam::{CamMethod, CamOptions, explain_images};
    use glassbox_core::rng::Rng;

    /// A model that scores class 0 from the top-left quadrant only (class 1: bottom-right):
    /// the Score-CAM map must put its mass there.
    #[test]
    fn map_concentrates_on_the_quadrant_the_model_reads() {
        let model = quadrant_model(8, 1.0);
        let imgs = quadrant_images(3, 8, 51);
        for (class, (ys, xs)) in [(0usize, (0..4, 0..4)), (1, (4..8, 4..8))] {
            let r = explain_images(
                &model,
                imgs.view(),
                CamMethod::ScoreCam,
                None,
                Some(&[class; 3]),
                &CamOptions::default(),
            )
            .unwrap();
            for i in 0..3 {
                let m = r.raw.index_axis(Axis(0), i);
                let total: f64 = m.iter().map(|&v| v as f64).sum();
                let inside: f64 = m
                    .slice(glassbox_core::ndarray::s![ys.clone(), xs.clone()])
                    .iter()
                    .map(|&v| v as f64)
                    .sum();
                assert!(
                    inside > 0.99 * total,
                    "class {class} image {i}: {inside} of {total}"
                );
            }
        }
    }

    /// Score-CAM computed naively in f64 from the reference network (conv maps at input
    /// resolution, so the masks are the min-max normalised maps themselves).
    #[test]
    fn matches_a_naive_f64_computation() {
        let model = RefCnn::random(52, [2, 5, 6], &[4, 3], 3, Head::Flatten, 3);
        let mut rng = Rng::new(53);
        let imgs = Array4::from_shape_fn((3, 2, 5, 6), |_| rng.uniform(0.0, 1.0) as f32);
        let classes = [0usize, 2, 1];
        for (l, layer) in ["conv1", "conv2"].iter().enumerate() {
            let got = score_cam(&model, imgs.view(), layer, Some(&classes), 4).unwrap();
            for (i, &class) in classes.iter().enumerate() {
                let x = imgs.index_axis(Axis(0), i).mapv(|v| v as f64);
                let (_, acts) = model.conv_outputs(&x);
                let a = &acts[l];
                let k = a.dim().0;
                let mut s = vec![0.0; k];
                for (j, sj) in s.iter_mut().enumerate() {
                    let m = a.index_axis(Axis(0), j);
                    let lo = m.iter().copied().fold(f64::INFINITY, f64::min);
                    let hi = m.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    let mut masked = x.clone();
                    for mut ch in masked.outer_iter_mut() {
                        ch.zip_mut_with(&m, |v, &mv| {
                            *v *= if hi > lo { (mv - lo) / (hi - lo) } else { 0.0 }
                        });
                    }
                    *sj = model.scores_one(&masked)[class];
                }
                let mx = s.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let z: f64 = s.iter().map(|v| (v - mx).exp()).sum();
                let mut map = glassbox_core::ndarray::Array2::<f64>::zeros((5, 6));
                for (j, sj) in s.iter().enumerate() {
                    let wj = (sj - mx).exp() / z;
                    map.zip_mut_with(&a.index_axis(Axis(0), j), |o, &v| *o += wj * v);
                }
                let scale = map.iter().fold(1e-3f64, |m, v| m.max(v.abs()));
                for ((y, xx), e) in map.indexed_iter() {
                    let g = got.maps[[i, y, xx]] as f64;
                    assert!(
                        (g - e.max(0.0)).abs() < 1e-5 * scale,
                        "{layer} {i} ({y},{xx}): {g} vs {e}"
                    );
                }
            }
        }
    }

    #[test]
    fn batch_size_does_not_change_the_result() {
        let model = RefCnn::random(54, [1, 6, 6], &[5], 3, Head::Gap, 3);
        let mut rng = Rng::new(55);
        let imgs = Array4::from_shape_fn((3, 1, 6, 6), |_| rng.uniform(0.0, 1.0) as f32);
        let a = score_cam(&model, imgs.view(), "conv1", None, 1).unwrap();
        let b = score_cam(&model, imgs.view(), "conv1", None, 7).unwrap();
        assert_eq!(a.maps, b.maps);
        assert_eq!(a.classes, b.classes);
        assert!(score_cam(&model, imgs.view(), "conv1", None, 0).is_err());
    }

    #[test]
    fn softmax_rows_sum_to_one() {
        let s =
            Array2::from_shape_vec((2, 3), vec![1000.0, 1000.0, 1000.0, 0.0, 1.0, 2.0]).unwrap();
        let w = softmax_rows(&s);
        assert!((w[[0, 0]] - 1.0 / 3.0).abs() < 1e-15);
        let e = [1.0f64, 1.0f64.exp(), 2.0f64.exp()];
        let z: f64 = e.iter().sum();
        for j in 0..3 {
            assert!((w[[1, j]] - e[j] / z).abs() < 1e-15);
        }
    }
}
