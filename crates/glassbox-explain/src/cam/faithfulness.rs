//! Evidence that a saliency map is faithful to the model.
//!
//! * Deletion and insertion curves (Petsiuk et al. 2018, "RISE: randomized input sampling for
//!   explanation of black-box models"). Pixels are ranked by the map, most salient first (ties
//!   in row-major order). Deletion replaces the top pixels of the image, step by step, by a
//!   baseline; insertion starts from the baseline and puts the image's top pixels back. At each
//!   step the model's softmax probability of the explained class is recorded. A faithful map
//!   makes the deletion curve fall fast (low AUC) and the insertion curve rise fast (high AUC).
//!   Baselines follow RISE: zeros (black) for deletion, a blurred copy of the image for
//!   insertion ([`Baseline::Blur`], σ = 5 px truncated to an 11 × 11 kernel like RISE's
//!   `gkern(11, 5)`; not bit-identical, as RISE builds its kernel with scipy's reflected
//!   `gaussian_filter`). A removed or inserted pixel changes in every channel.
//! * The model-randomisation sanity check (Adebayo et al. 2018, "Sanity checks for saliency
//!   maps"): the Spearman rank correlation between the map of the trained model and the map of
//!   a re-initialised one ([`spearman`], average ranks for ties, like `scipy.stats.spearmanr`).
//!   A map that barely changes (correlation near 1) does not depend on what the model learned.
//!
//! The AUC is the trapezoid rule over the fraction of pixels changed, so x runs over [0, 1]
//! and the AUC lies in [0, 1] like the probabilities.

use glassbox_core::ConvClassifier;
use glassbox_core::ndarray::{Array3, Array4, ArrayView2, ArrayView3, ArrayView4, Axis};
use rayon::prelude::*;

use super::checked_class_scores;
use crate::ExplainError;

/// What removed pixels become (deletion) or what insertion starts from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Baseline {
    /// The same value in every channel (0: black).
    Constant(f32),
    /// The image blurred by a Gaussian of standard deviation `sigma` pixels, truncated to
    /// `radius` pixels each side (kernel `2·radius + 1` wide), edges replicated.
    Blur {
        /// Standard deviation in pixels.
        sigma: f64,
        /// Half-width of the kernel in pixels.
        radius: usize,
    },
}

/// Which curve to trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CurveKind {
    /// Remove the most salient pixels first.
    Deletion,
    /// Insert the most salient pixels first.
    Insertion,
}

/// Options of the deletion and insertion curves.
#[derive(Clone, Debug, PartialEq)]
pub struct FaithfulnessOptions {
    /// Number of steps; step `s` of `steps` has changed `floor(s · H·W / steps)` pixels, so a
    /// curve has `steps + 1` points. Default 100.
    pub steps: usize,
    /// Perturbed images per forward pass. Default 32.
    pub batch_size: usize,
    /// Default `Constant(0.0)` (RISE).
    pub deletion_baseline: Baseline,
    /// Default `Blur { sigma: 5.0, radius: 5 }` (RISE).
    pub insertion_baseline: Baseline,
}

impl Default for FaithfulnessOptions {
    fn default() -> Self {
        FaithfulnessOptions {
            steps: 100,
            batch_size: 32,
            deletion_baseline: Baseline::Constant(0.0),
            insertion_baseline: Baseline::Blur {
                sigma: 5.0,
                radius: 5,
            },
        }
    }
}

/// One deletion or insertion curve.
#[derive(Clone, Debug, PartialEq)]
pub struct FaithfulnessCurve {
    /// Fraction of pixels changed at each step, from 0 to 1, length (steps + 1,).
    pub fractions: Vec<f64>,
    /// Softmax probability of the explained class at each step, length (steps + 1,).
    pub probabilities: Vec<f64>,
    /// Area under the curve (trapezoid rule over `fractions`), in [0, 1].
    pub auc: f64,
}

/// Both curves of one image.
#[derive(Clone, Debug, PartialEq)]
pub struct Faithfulness {
    /// Deletion curve (lower AUC is better).
    pub deletion: FaithfulnessCurve,
    /// Insertion curve (higher AUC is better).
    pub insertion: FaithfulnessCurve,
}

/// Area under the piecewise-linear curve through `(x[i], y[i])` by the trapezoid rule.
/// `x` must be sorted ascending and as long as `y`; fewer than two points give 0.
pub fn trapezoid_auc(x: &[f64], y: &[f64]) -> f64 {
    x.windows(2)
        .zip(y.windows(2))
        .map(|(xs, ys)| (xs[1] - xs[0]) * (ys[0] + ys[1]) / 2.0)
        .sum()
}

/// Pixel indices (row-major `y·W + x`) of `map` (H, W), most salient first; ties keep
/// row-major order so the ranking is deterministic.
pub fn pixel_order(map: ArrayView2<'_, f64>) -> Vec<usize> {
    let flat: Vec<f64> = map.iter().copied().collect();
    let mut order: Vec<usize> = (0..flat.len()).collect();
    order.sort_by(|&a, &b| flat[b].total_cmp(&flat[a]));
    order
}

/// Gaussian blur of `image` (C, H, W): separable, kernel `exp(−d²/2σ²)` for `|d| ≤ radius`
/// normalised to sum 1, edges replicated (so a constant image stays constant).
pub fn gaussian_blur(image: ArrayView3<'_, f32>, sigma: f64, radius: usize) -> Array3<f32> {
    let kernel: Vec<f64> = (-(radius as isize)..=radius as isize)
        .map(|d| (-((d * d) as f64) / (2.0 * sigma * sigma)).exp())
        .collect();
    let total: f64 = kernel.iter().sum();
    let kernel: Vec<f64> = kernel.iter().map(|k| k / total).collect();
    let (c, h, w) = image.dim();
    let r = radius as isize;
    let mut out = Array3::<f32>::zeros((c, h, w));
    for ch in 0..c {
        let src = image.index_axis(Axis(0), ch);
        let mut mid = vec![0.0f64; h * w];
        for y in 0..h {
            for x in 0..w {
                mid[y * w + x] = kernel
                    .iter()
                    .enumerate()
                    .map(|(j, k)| {
                        let xx = (x as isize + j as isize - r).clamp(0, w as isize - 1) as usize;
                        k * src[[y, xx]] as f64
                    })
                    .sum();
            }
        }
        for y in 0..h {
            for x in 0..w {
                out[[ch, y, x]] = kernel
                    .iter()
                    .enumerate()
                    .map(|(j, k)| {
                        let yy = (y as isize + j as isize - r).clamp(0, h as isize - 1) as usize;
                        k * mid[yy * w + x]
                    })
                    .sum::<f64>() as f32;
            }
        }
    }
    out
}

/// The baseline image of `image` (C, H, W).
pub fn baseline_image(image: ArrayView3<'_, f32>, baseline: Baseline) -> Array3<f32> {
    match baseline {
        Baseline::Constant(v) => Array3::from_elem(image.dim(), v),
        Baseline::Blur { sigma, radius } => gaussian_blur(image, sigma, radius),
    }
}

/// Deletion or insertion curves for `images` (samples, C, H, W) ranked by `maps`
/// (samples, H, W), for `classes` (length samples). All `samples × (steps + 1)` perturbed
/// images go to the model in batches of `options.batch_size`, in parallel.
pub fn faithfulness_curves(
    model: &dyn ConvClassifier,
    images: ArrayView4<'_, f32>,
    maps: ArrayView3<'_, f64>,
    classes: &[usize],
    kind: CurveKind,
    options: &FaithfulnessOptions,
) -> Result<Vec<FaithfulnessCurve>, ExplainError> {
    let (n, _, h, w) = images.dim();
    super::check_inputs(model, images, Some(classes))?;
    if maps.dim() != (n, h, w) {
        return Err(ExplainError::InvalidArgument(format!(
            "saliency maps have shape {:?}, expected ({n}, {h}, {w}) (samples, H, W) to match \
             the images",
            maps.dim()
        )));
    }
    if let Some((idx, v)) = maps.indexed_iter().find(|(_, v)| !v.is_finite()) {
        return Err(ExplainError::InvalidArgument(format!(
            "saliency map value at (image, y, x) = {idx:?} is {v}; maps must be finite"
        )));
    }
    if options.steps == 0 || options.batch_size == 0 {
        return Err(ExplainError::InvalidArgument(format!(
            "steps ({}) and batch_size ({}) must be at least 1",
            options.steps, options.batch_size
        )));
    }
    let steps = options.steps;
    let pixels = h * w;
    let counts: Vec<usize> = (0..=steps).map(|s| s * pixels / steps).collect();
    let baseline = match kind {
        CurveKind::Deletion => options.deletion_baseline,
        CurveKind::Insertion => options.insertion_baseline,
    };
    // Per image: the ranking, and the image a step starts from (`from`) and takes changed
    // pixels from (`to`).
    let prepared: Vec<(Vec<usize>, Array3<f32>)> = (0..n)
        .into_par_iter()
        .map(|i| {
            let img = images.index_axis(Axis(0), i);
            (
                pixel_order(maps.index_axis(Axis(0), i)),
                baseline_image(img, baseline),
            )
        })
        .collect();

    let jobs: Vec<(usize, usize)> = (0..n)
        .flat_map(|i| (0..=steps).map(move |s| (i, s)))
        .collect();
    let probs: Vec<Vec<f64>> = jobs
        .par_chunks(options.batch_size)
        .map(|chunk| {
            let (_, c, _, _) = images.dim();
            let mut batch = Array4::<f32>::zeros((chunk.len(), c, h, w));
            for (b, &(i, s)) in chunk.iter().enumerate() {
                let img = images.index_axis(Axis(0), i);
                let (order, base) = &prepared[i];
                let (from, to) = match kind {
                    CurveKind::Deletion => (img, base.view()),
                    CurveKind::Insertion => (base.view(), img),
                };
                let mut out = batch.index_axis_mut(Axis(0), b);
                out.assign(&from);
                for &p in &order[..counts[s]] {
                    let (y, x) = (p / w, p % w);
                    for ch in 0..c {
                        out[[ch, y, x]] = to[[ch, y, x]];
                    }
                }
            }
            let scores = checked_class_scores(model, batch.view())?;
            chunk
                .iter()
                .enumerate()
                .map(|(b, &(i, s))| softmax_at(scores.row(b).as_slice(), classes[i], i, s))
                .collect()
        })
        .collect::<Result<_, ExplainError>>()?;
    let flat: Vec<f64> = probs.into_iter().flatten().collect();
    let fractions: Vec<f64> = counts.iter().map(|&k| k as f64 / pixels as f64).collect();
    Ok(flat
        .chunks(steps + 1)
        .map(|p| FaithfulnessCurve {
            auc: trapezoid_auc(&fractions, p),
            fractions: fractions.clone(),
            probabilities: p.to_vec(),
        })
        .collect())
}

/// Softmax probability of class `k` from one row of pre-softmax scores, which must be finite.
fn softmax_at(
    row: Option<&[f32]>,
    k: usize,
    image: usize,
    step: usize,
) -> Result<f64, ExplainError> {
    let row: Vec<f64> = row
        .map(|r| r.iter().map(|&v| v as f64).collect())
        .unwrap_or_default();
    if let Some(v) = row.iter().find(|v| !v.is_finite()) {
        return Err(ExplainError::Model(format!(
            "class score {v} of image {image} at step {step} is not finite"
        )));
    }
    Ok(glassbox_core::link::softmax_at(&row, k))
}

/// Deletion and insertion curves of every image; see [`faithfulness_curves`].
pub fn deletion_insertion(
    model: &dyn ConvClassifier,
    images: ArrayView4<'_, f32>,
    maps: ArrayView3<'_, f64>,
    classes: &[usize],
    options: &FaithfulnessOptions,
) -> Result<Vec<Faithfulness>, ExplainError> {
    let del = faithfulness_curves(model, images, maps, classes, CurveKind::Deletion, options)?;
    let ins = faithfulness_curves(model, images, maps, classes, CurveKind::Insertion, options)?;
    Ok(del
        .into_iter()
        .zip(ins)
        .map(|(deletion, insertion)| Faithfulness {
            deletion,
            insertion,
        })
        .collect())
}

/// Ranks 1..=n of `x`, ties given the average of the ranks they span (scipy's `rankdata`
/// method "average").
pub fn average_ranks(x: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut ranks = vec![0.0; x.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && x[order[j + 1]] == x[order[i]] {
            j += 1;
        }
        // Positions i..=j (0-based) share the ranks i+1..=j+1, whose mean is (i+j)/2 + 1.
        let r = (i + j) as f64 / 2.0 + 1.0;
        for &o in &order[i..=j] {
            ranks[o] = r;
        }
        i = j + 1;
    }
    ranks
}

/// Spearman rank correlation of `a` and `b` (equal lengths): the Pearson correlation of their
/// average ranks. `Ok(None)` when either is constant (the correlation is undefined; scipy gives
/// NaN). Errors on different lengths, fewer than two values or non-finite values.
pub fn spearman(a: &[f64], b: &[f64]) -> Result<Option<f64>, ExplainError> {
    if a.len() != b.len() || a.len() < 2 {
        return Err(ExplainError::InvalidArgument(format!(
            "Spearman correlation needs two sequences of equal length >= 2, got {} and {}",
            a.len(),
            b.len()
        )));
    }
    if let Some(v) = a.iter().chain(b).find(|v| !v.is_finite()) {
        return Err(ExplainError::InvalidArgument(format!(
            "Spearman correlation of non-finite value {v}"
        )));
    }
    let (ra, rb) = (average_ranks(a), average_ranks(b));
    let mean = (a.len() as f64 + 1.0) / 2.0;
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in ra.iter().zip(&rb) {
        let (dx, dy) = (x - mean, y - mean);
        sab += dx * dy;
        saa += dx * dx;
        sbb += dy * dy;
    }
    if saa == 0.0 || sbb == 0.0 {
        return Ok(None);
    }
    // sqrt(x·x) == x exactly in IEEE arithmetic, so identical rankings give exactly ±1.
    Ok(Some((sab / (saa * sbb).sqrt()).clamp(-1.0, 1.0)))
}

/// The model-randomisation sanity check of Adebayo et al. (2018): per image, the Spearman rank
/// correlation between the map of the trained model `original` and that of the re-initialised
/// model `randomized`, both (samples, H, W). `None` where either map is constant.
pub fn randomization_rank_correlation(
    original: ArrayView3<'_, f64>,
    randomized: ArrayView3<'_, f64>,
) -> Result<Vec<Option<f64>>, ExplainError> {
    if original.dim() != randomized.dim() {
        return Err(ExplainError::InvalidArgument(format!(
            "maps of the trained model {:?} and of the randomised model {:?} differ in shape",
            original.dim(),
            randomized.dim()
        )));
    }
    original
        .outer_iter()
        .zip(randomized.outer_iter())
        .map(|(a, b)| {
            let a: Vec<f64> = a.iter().copied().collect();
            let b: Vec<f64> = b.iter().copied().collect();
            spearman(&a, &b)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cam::test_models::LinearImage;
    use glassbox_core::ndarray::{Array2, Array3, Array4};

    fn sigmoid(x: f64) -> f64 {
        1.0 / (1.0 + (-x).exp())
    }

    #[test]
    fn trapezoid_of_known_curves() {
        let x: Vec<f64> = (0..=10).map(|i| i as f64 / 10.0).collect();
        let lin: Vec<f64> = x.iter().map(|v| 1.0 - v).collect();
        assert!((trapezoid_auc(&x, &lin) - 0.5).abs() < 1e-15);
        // Trapezoid rule on x² with n equal steps: 1/3 + 1/(6 n²).
        let sq: Vec<f64> = x.iter().map(|v| v * v).collect();
        assert!((trapezoid_auc(&x, &sq) - (1.0 / 3.0 + 1.0 / 600.0)).abs() < 1e-15);
        // Uneven steps: (0,1) -> (0.25,1) -> (1,0): 0.25 + 0.375.
        assert!((trapezoid_auc(&[0.0, 0.25, 1.0], &[1.0, 1.0, 0.0]) - 0.625).abs() < 1e-15);
        assert_eq!(trapezoid_auc(&[0.0], &[1.0]), 0.0);
    }

    /// P(class 0) = sigmoid(Σ v·x) on a 2x2 image, contributions v·x = [0.5, 2, -1, 1]:
    /// ranking by the true contributions deletes pixels 1, 3, 0, 2.
    fn linear_setup() -> (LinearImage, Array4<f32>, Array3<f64>) {
        let model = LinearImage {
            input: [1, 2, 2],
            v: Array3::from_shape_vec((1, 2, 2), vec![1.0, 4.0, -2.0, 2.0]).unwrap(),
        };
        let img = Array4::from_shape_vec((1, 1, 2, 2), vec![0.5f32, 0.5, 0.5, 0.5]).unwrap();
        let map = Array3::from_shape_vec((1, 2, 2), vec![0.5, 2.0, -1.0, 1.0]).unwrap();
        (model, img, map)
    }

    #[test]
    fn deletion_and_insertion_curves_of_a_linear_model() {
        let (model, img, map) = linear_setup();
        let opts = FaithfulnessOptions {
            steps: 4,
            batch_size: 3,
            deletion_baseline: Baseline::Constant(0.0),
            insertion_baseline: Baseline::Constant(0.0),
        };
        let f = deletion_insertion(&model, img.view(), map.view(), &[0], &opts).unwrap();
        // Deletion: remaining sums 2.5, 0.5, -0.5, -1, 0 (removing 2, 1, 0.5, -1 in turn).
        let del: Vec<f64> = [2.5, 0.5, -0.5, -1.0, 0.0]
            .iter()
            .map(|&s| sigmoid(s))
            .collect();
        // Insertion: 0, 2, 3, 3.5, 2.5.
        let ins: Vec<f64> = [0.0, 2.0, 3.0, 3.5, 2.5]
            .iter()
            .map(|&s| sigmoid(s))
            .collect();
        let x = [0.0, 0.25, 0.5, 0.75, 1.0];
        let d = &f[0].deletion;
        assert_eq!(d.fractions, x);
        for (g, e) in d.probabilities.iter().zip(&del) {
            assert!((g - e).abs() < 1e-6, "{g} vs {e}");
        }
        for (g, e) in f[0].insertion.probabilities.iter().zip(&ins) {
            assert!((g - e).abs() < 1e-6, "{g} vs {e}");
        }
        let auc = |p: &[f64]| (p[0] + p[4]) / 8.0 + (p[1] + p[2] + p[3]) / 4.0;
        assert!((d.auc - auc(&del)).abs() < 1e-6);
        assert!((f[0].insertion.auc - auc(&ins)).abs() < 1e-6);
        // The reversed map deletes the helpful pixels last: higher deletion AUC, lower insertion.
        let rev = map.mapv(|v| -v);
        let r = deletion_insertion(&model, img.view(), rev.view(), &[0], &opts).unwrap();
        assert!(r[0].deletion.auc > d.auc + 0.1);
        assert!(r[0].insertion.auc < f[0].insertion.auc - 0.1);
    }

    #[test]
    fn batch_size_and_step_rounding() {
        let model = LinearImage {
            input: [2, 3, 5],
            v: Array3::from_shape_fn((2, 3, 5), |(c, y, x)| (c + 2 * y) as f64 - x as f64 * 0.3),
        };
        let img = Array4::from_shape_fn((2, 2, 3, 5), |(i, c, y, x)| {
            ((i + 3 * c + 5 * y + 7 * x) % 11) as f32 / 11.0
        });
        let maps = Array3::from_shape_fn((2, 3, 5), |(i, y, x)| ((i + y * x) % 4) as f64);
        let mut opts = FaithfulnessOptions {
            steps: 7,
            batch_size: 1,
            ..FaithfulnessOptions::default()
        };
        let a = deletion_insertion(&model, img.view(), maps.view(), &[0, 1], &opts).unwrap();
        opts.batch_size = 64;
        let b = deletion_insertion(&model, img.view(), maps.view(), &[0, 1], &opts).unwrap();
        assert_eq!(a, b);
        // 15 pixels in 7 steps: floor(s·15/7) = 0, 2, 4, 6, 8, 10, 12, 15.
        let counts: Vec<f64> = [0., 2., 4., 6., 8., 10., 12., 15.]
            .iter()
            .map(|c| c / 15.0)
            .collect();
        assert_eq!(a[0].deletion.fractions, counts);
        // Full deletion with a zero baseline leaves a black image: P = sigmoid(0) for class 0,
        // 1 - sigmoid(0) for class 1; full insertion restores the image.
        assert!((a[0].deletion.probabilities[7] - 0.5).abs() < 1e-7);
        let p1 = model.class_scores(img.view()).unwrap();
        let full = 1.0 - sigmoid(p1[[1, 0]] as f64);
        assert!((a[1].insertion.probabilities[7] - full).abs() < 1e-6);
    }

    #[test]
    fn map_shape_is_checked() {
        let (model, img, _) = linear_setup();
        let bad = Array3::<f64>::zeros((1, 3, 2));
        let err = deletion_insertion(
            &model,
            img.view(),
            bad.view(),
            &[0],
            &FaithfulnessOptions::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("expected (1, 2, 2)"), "{err}");
    }

    #[test]
    fn blur_keeps_constants_and_mass() {
        let c = Array3::from_elem((2, 6, 7), 0.3f32);
        let b = gaussian_blur(c.view(), 5.0, 5);
        assert!(b.iter().all(|v| (v - 0.3).abs() < 1e-6));
        let mut imp = Array3::<f32>::zeros((1, 21, 21));
        imp[[0, 10, 10]] = 1.0;
        let b = gaussian_blur(imp.view(), 1.5, 4);
        let total: f32 = b.sum();
        assert!((total - 1.0).abs() < 1e-6);
        assert!((b[[0, 10, 9]] - b[[0, 10, 11]]).abs() < 1e-9);
        assert!((b[[0, 9, 10]] - b[[0, 10, 9]]).abs() < 1e-9);
        assert!(b[[0, 10, 10]] > b[[0, 10, 11]] && b[[0, 10, 15]] == 0.0);
        // Separable Gaussian: centre weight (1/Σ_d exp(−d²/4.5))², d = −4..=4.
        let z: f64 = (-4..=4).map(|d: i32| (-(d * d) as f64 / 4.5).exp()).sum();
        assert!((b[[0, 10, 10]] as f64 - 1.0 / (z * z)).abs() < 1e-7);
    }

    #[test]
    fn ranks_and_spearman_match_hand_values() {
        assert_eq!(
            average_ranks(&[10.0, 20.0, 20.0, 30.0]),
            vec![1.0, 2.5, 2.5, 4.0]
        );
        assert_eq!(
            average_ranks(&[3.0, 1.0, 3.0, 3.0]),
            vec![3.0, 1.0, 3.0, 3.0]
        );
        // scipy.stats.spearmanr([1,2,3,4,5], [5,6,7,8,7]) = 0.8207826816681233: ranks of b are
        // [1, 2, 3.5, 5, 3.5]; Σ dx·dy = 8, Σ dx² = 10, Σ dy² = 9.5, ρ = 8 / √95.
        let r = spearman(&[1.0, 2.0, 3.0, 4.0, 5.0], &[5.0, 6.0, 7.0, 8.0, 7.0])
            .unwrap()
            .unwrap();
        assert!((r - 8.0 / 95f64.sqrt()).abs() < 1e-15);
        assert!((r - 0.8207826816681233).abs() < 1e-15);
        let a = [0.3, -1.0, 2.0, 7.0];
        let mono: Vec<f64> = a.iter().map(|v: &f64| v.exp()).collect();
        assert_eq!(spearman(&a, &mono).unwrap(), Some(1.0));
        let neg: Vec<f64> = a.iter().map(|v| -v).collect();
        assert_eq!(spearman(&a, &neg).unwrap(), Some(-1.0));
        assert_eq!(spearman(&a, &[1.0; 4]).unwrap(), None);
        assert!(spearman(&a, &[1.0; 3]).is_err());
        assert!(spearman(&[f64::NAN, 1.0], &[1.0, 2.0]).is_err());
    }

    #[test]
    fn randomization_check_per_image() {
        let a = Array3::from_shape_fn((2, 2, 3), |(i, y, x)| (i + y * 3 + x) as f64);
        let mut b = a.clone();
        b.index_axis_mut(Axis(0), 1).mapv_inplace(|v| -v);
        let r = randomization_rank_correlation(a.view(), b.view()).unwrap();
        assert_eq!(r, vec![Some(1.0), Some(-1.0)]);
        let z = Array2::<f64>::zeros((2, 3)).insert_axis(Axis(0));
        assert!(randomization_rank_correlation(a.view(), z.view()).is_err());
    }
}
