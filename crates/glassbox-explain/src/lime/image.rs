//! LIME for images, mirroring the `lime` package's `LimeImageExplainer` (lime 0.2).
//!
//! The image is cut into superpixels (e.g. [`super::slic::Slic`]); each perturbed sample switches
//! every superpixel on or off with probability 1/2 (sample 0 keeps all on) and replaces the
//! switched-off ones by a grey-out value ([`HideColor`]). Samples are weighted by the kernel
//! `sqrt(exp(-d^2 / 0.25^2))` of their cosine distance to the all-on vector, and a weighted ridge
//! surrogate over the on/off indicators gives one weight per superpixel and output.
//!
//! The model sees an image as one row of `C * H * W` values in (C, H, W) order, i.e. a
//! [`Predict`] with `n_features() == C * H * W`. Samples go to the model in batches of
//! [`LimeImage::batch_size`] rows, batches in parallel; the draws come from
//! `Rng::derive(seed, 0)`, so results do not depend on batching or threads.

use glassbox_core::Predict;
use glassbox_core::ndarray::{Array2, ArrayView2, ArrayView3};
use glassbox_core::rng::Rng;
use rayon::prelude::*;

use super::surrogate::{self, FeatureSelection, kernel};
use crate::ExplainError;

/// What a switched-off superpixel is replaced with.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum HideColor {
    /// The superpixel's own mean, per channel (lime's default, `hide_color=None`).
    #[default]
    SegmentMean,
    /// A fixed value in every channel (e.g. 0 for black).
    Value(f64),
}

/// Which superpixels [`LimeImageExplanation::mask`] marks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MaskKind {
    /// The top positive superpixels (lime's `positive_only=True`), marked 1.
    Positive,
    /// The top negative superpixels, marked -1.
    Negative,
    /// The top superpixels by `|weight|`, marked 1 or -1 by sign.
    Both,
}

/// LIME explainer for images. Build with [`LimeImage::new`], call [`LimeImage::explain`].
pub struct LimeImage<'m> {
    model: &'m dyn Predict,
    nsamples: usize,
    kernel_width: f64,
    hide: HideColor,
    num_features: usize,
    selection: FeatureSelection,
    alpha: f64,
    seed: u64,
    batch_size: usize,
}

impl std::fmt::Debug for LimeImage<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LimeImage")
            .field("nsamples", &self.nsamples)
            .field("kernel_width", &self.kernel_width)
            .field("hide", &self.hide)
            .field("seed", &self.seed)
            .finish()
    }
}

/// The LIME explanation of one image.
#[derive(Clone, Debug, PartialEq)]
pub struct LimeImageExplanation {
    /// Superpixel label of every pixel, shape (H, W), labels `0..n_segments`.
    pub segments: Array2<usize>,
    /// Surrogate weight per superpixel and output, shape (segments, outputs).
    pub weights: Array2<f64>,
    /// Surrogate intercept per output, length (outputs,).
    pub intercept: Vec<f64>,
    /// Weighted R² of the surrogate per output, length (outputs,).
    pub score: Vec<f64>,
    /// The surrogate's prediction with every superpixel on, length (outputs,).
    pub local_prediction: Vec<f64>,
    /// The model's prediction for the image, length (outputs,).
    pub prediction: Vec<f64>,
}

impl LimeImageExplanation {
    /// Superpixels for `output` ordered by decreasing `|weight|` (lime's `local_exp` order).
    pub fn ranked(&self, output: usize) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..self.weights.nrows()).collect();
        idx.sort_by(|&a, &b| {
            self.weights[[b, output]]
                .abs()
                .total_cmp(&self.weights[[a, output]].abs())
        });
        idx
    }

    /// Plot-ready mask, shape (H, W): the first `num_features` superpixels of `kind` whose
    /// `|weight|` exceeds `min_weight` are marked 1 (positive) or -1 (negative), the rest 0
    /// (lime's `get_image_and_mask`).
    pub fn mask(
        &self,
        output: usize,
        kind: MaskKind,
        num_features: usize,
        min_weight: f64,
    ) -> Array2<i8> {
        let chosen: Vec<(usize, i8)> = self
            .ranked(output)
            .into_iter()
            .map(|s| (s, self.weights[[s, output]]))
            .filter(|&(_, w)| match kind {
                MaskKind::Positive => w > 0.0 && w > min_weight,
                MaskKind::Negative => w < 0.0 && w.abs() > min_weight,
                MaskKind::Both => w.abs() >= min_weight && w != 0.0,
            })
            .take(num_features)
            .map(|(s, w)| (s, if w > 0.0 { 1 } else { -1 }))
            .collect();
        let mut mark = vec![0i8; self.weights.nrows()];
        for (s, v) in chosen {
            mark[s] = v;
        }
        self.segments.mapv(|l| mark[l])
    }
}

impl<'m> LimeImage<'m> {
    /// An explainer for `model`, which takes images flattened in (C, H, W) order. Defaults as
    /// lime: 1000 samples, kernel width 0.25, segment-mean grey-out, every superpixel in the
    /// surrogate, ridge alpha 1, seed 0, batches of 64 images.
    pub fn new(model: &'m dyn Predict) -> Self {
        LimeImage {
            model,
            nsamples: 1000,
            kernel_width: 0.25,
            hide: HideColor::SegmentMean,
            num_features: usize::MAX,
            selection: FeatureSelection::Auto,
            alpha: 1.0,
            seed: 0,
            batch_size: 64,
        }
    }

    /// Perturbed samples, the original image included (default 1000; at least 2).
    pub fn nsamples(mut self, n: usize) -> Self {
        self.nsamples = n;
        self
    }

    /// Kernel width on the cosine distance (default 0.25).
    pub fn kernel_width(mut self, w: f64) -> Self {
        self.kernel_width = w;
        self
    }

    /// Grey-out value (default [`HideColor::SegmentMean`]).
    pub fn hide(mut self, hide: HideColor) -> Self {
        self.hide = hide;
        self
    }

    /// Superpixels kept in the surrogate (default all) and how they are chosen.
    pub fn num_features(mut self, k: usize, selection: FeatureSelection) -> Self {
        self.num_features = k;
        self.selection = selection;
        self
    }

    /// Ridge penalty of the surrogate (default 1).
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }

    /// Seed of the on/off draws.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Images per model call (default 64; at least 1).
    pub fn batch_size(mut self, b: usize) -> Self {
        self.batch_size = b.max(1);
        self
    }

    /// Explains `image`, shape (C, H, W), cut into `segments`, shape (H, W), whose labels are
    /// `0..K` (every label used).
    pub fn explain(
        &self,
        image: ArrayView3<'_, f64>,
        segments: ArrayView2<'_, usize>,
    ) -> Result<LimeImageExplanation, ExplainError> {
        let (c, h, w) = image.dim();
        if segments.dim() != (h, w) {
            return Err(ExplainError::InvalidArgument(format!(
                "segments have shape {:?} but the image is {h}x{w}",
                segments.dim()
            )));
        }
        if self.model.n_features() != c * h * w {
            return Err(ExplainError::InvalidArgument(format!(
                "the model expects {} inputs but the image has C*H*W = {c}*{h}*{w} = {}",
                self.model.n_features(),
                c * h * w
            )));
        }
        if self.nsamples < 2 {
            return Err(ExplainError::InvalidArgument(format!(
                "LIME nsamples must be at least 2 (the image and one perturbation), got {}",
                self.nsamples
            )));
        }
        if self.kernel_width.is_nan()
            || self.kernel_width <= 0.0
            || self.num_features == 0
            || self.alpha.is_nan()
            || self.alpha < 0.0
        {
            return Err(ExplainError::InvalidArgument(format!(
                "LIME image needs kernel width > 0, num_features >= 1, alpha >= 0; got {}, {}, {}",
                self.kernel_width, self.num_features, self.alpha
            )));
        }
        let nseg = segments.iter().max().map_or(0, |&m| m + 1);
        let mut sizes = vec![0usize; nseg];
        for &l in segments {
            sizes[l] += 1;
        }
        if let Some(l) = sizes.iter().position(|&s| s == 0) {
            return Err(ExplainError::InvalidArgument(format!(
                "segment label {l} is unused; labels must be 0..{nseg} with every label present"
            )));
        }
        // The grey-out image.
        let flat: Vec<f64> = image.iter().copied().collect();
        let hw = h * w;
        let seg: Vec<usize> = segments.iter().copied().collect();
        let fudged: Vec<f64> = match self.hide {
            HideColor::Value(v) => vec![v; c * hw],
            HideColor::SegmentMean => {
                let mut sums = vec![0.0; c * nseg];
                for ch in 0..c {
                    for p in 0..hw {
                        sums[ch * nseg + seg[p]] += flat[ch * hw + p];
                    }
                }
                let mut f = vec![0.0; c * hw];
                for ch in 0..c {
                    for p in 0..hw {
                        f[ch * hw + p] = sums[ch * nseg + seg[p]] / sizes[seg[p]] as f64;
                    }
                }
                f
            }
        };
        // On/off draws: row 0 all on.
        let ns = self.nsamples;
        let mut rng = Rng::derive(self.seed, 0);
        let mut data = vec![1.0; ns * nseg];
        for v in data[nseg..].iter_mut() {
            *v = (rng.next_u64() >> 63) as f64;
        }
        let k = self.model.n_outputs();
        let batches: Vec<Array2<f64>> = (0..ns.div_ceil(self.batch_size))
            .into_par_iter()
            .map(|b| {
                let lo = b * self.batch_size;
                let hi = (lo + self.batch_size).min(ns);
                let mut rows = Array2::<f64>::zeros((hi - lo, c * hw));
                for s in lo..hi {
                    let on = &data[s * nseg..(s + 1) * nseg];
                    let mut r = rows.row_mut(s - lo);
                    for i in 0..c * hw {
                        r[i] = if on[seg[i % hw]] == 1.0 {
                            flat[i]
                        } else {
                            fudged[i]
                        };
                    }
                }
                let y = self.model.predict(rows.view())?;
                if y.dim() != (hi - lo, k) {
                    return Err(ExplainError::Model(format!(
                        "model returned shape {:?} for {} images, expected ({}, {k})",
                        y.dim(),
                        hi - lo,
                        hi - lo
                    )));
                }
                if let Some(((s, o), v)) = y.indexed_iter().find(|(_, v)| !v.is_finite()) {
                    return Err(ExplainError::Model(format!(
                        "model returned {v} (output {o}) for perturbed image {}",
                        lo + s
                    )));
                }
                Ok(y)
            })
            .collect::<Result<_, _>>()?;
        let mut y = Array2::<f64>::zeros((ns, k));
        for (b, block) in batches.iter().enumerate() {
            let lo = b * self.batch_size;
            for (r, row) in block.rows().into_iter().enumerate() {
                y.row_mut(lo + r).assign(&row);
            }
        }
        // Cosine distance to the all-on vector: 1 - sqrt(#on / K); an all-off row has none.
        let weights: Vec<f64> = (0..ns)
            .map(|s| {
                let on: f64 = data[s * nseg..(s + 1) * nseg].iter().sum();
                let d = if on > 0.0 {
                    1.0 - (on / nseg as f64).sqrt()
                } else {
                    1.0
                };
                kernel(d, self.kernel_width)
            })
            .collect();
        let mut out = LimeImageExplanation {
            segments: segments.to_owned(),
            weights: Array2::zeros((nseg, k)),
            intercept: vec![0.0; k],
            score: vec![0.0; k],
            local_prediction: vec![0.0; k],
            prediction: y.row(0).to_vec(),
        };
        for o in 0..k {
            let yo = y.column(o).to_vec();
            let s = surrogate::fit(
                &data,
                nseg,
                &yo,
                &weights,
                self.num_features,
                self.selection,
                self.alpha,
            );
            for l in 0..nseg {
                out.weights[[l, o]] = s.coef[l];
            }
            out.intercept[o] = s.intercept;
            out.score[o] = s.score;
            out.local_prediction[o] = s.local_prediction;
        }
        Ok(out)
    }
}
