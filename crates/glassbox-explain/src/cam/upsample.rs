//! Bicubic upsampling of a low-resolution class-activation map to the image size, and min-max
//! normalisation to [0, 1].
//!
//! The kernel is Keys' cubic convolution (Keys 1981)
//! `W(x) = (a+2)|x|³ − (a+3)|x|² + 1` for `|x| ≤ 1`, `a|x|³ − 5a|x|² + 8a|x| − 4a` for
//! `1 < |x| < 2`, 0 beyond. [`BicubicKernel::OpenCv`], the default, is OpenCV's `INTER_CUBIC`
//! (`a = −0.75`): what the CAM literature's code (pytorch-grad-cam, the Keras Grad-CAM
//! examples) upsamples with, `cv2.resize(map, (W, H), interpolation=cv2.INTER_CUBIC)`, in
//! OpenCV's own float32 arithmetic for positions and weights: equal to 1e-12 on fixture numbers
//! from OpenCV itself (tests/fixtures/cv2_resize_cubic.json).
//! [`BicubicKernel::Pil`] is `a = −0.5`, Keys' own choice and PIL's (`Image.BICUBIC`): the only
//! `a` for which the interpolation is third-order accurate, i.e. reproduces linear and quadratic
//! ramps exactly away from the border (tested); OpenCV's reproduces constants only.
//!
//! Alignment is OpenCV's (half-pixel centres, also PyTorch's `align_corners=False`): output
//! pixel `d` samples the input at `s = (d + 0.5) · in / out − 0.5`, from the four input pixels
//! `floor(s) − 1 ..= floor(s) + 2`; indices outside the map are clamped to the edge (OpenCV's
//! replicated border). The filter is separable: rows first, then columns. Downsampling works
//! too but without anti-aliasing (like OpenCV, unlike PIL).

use glassbox_core::ndarray::{Array2, ArrayView2, ArrayViewMut2};

use crate::ExplainError;

/// Which bicubic kernel upsamples the maps (Keys' parameter `a`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BicubicKernel {
    /// OpenCV's `INTER_CUBIC`, `a = −0.75` (the default: what CAM implementations use).
    #[default]
    OpenCv,
    /// PIL's `Image.BICUBIC`, `a = −0.5` (Keys' third-order-accurate kernel).
    Pil,
}

impl BicubicKernel {
    /// Every kernel.
    pub const ALL: [BicubicKernel; 2] = [BicubicKernel::OpenCv, BicubicKernel::Pil];

    /// Keys' parameter `a`.
    pub fn a(self) -> f64 {
        match self {
            BicubicKernel::OpenCv => -0.75,
            BicubicKernel::Pil => -0.5,
        }
    }

    /// The name used on the command line and in records (`opencv`, `pil`).
    pub fn name(self) -> &'static str {
        match self {
            BicubicKernel::OpenCv => "opencv",
            BicubicKernel::Pil => "pil",
        }
    }
}

impl std::fmt::Display for BicubicKernel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for BicubicKernel {
    type Err = ExplainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        BicubicKernel::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| {
                ExplainError::InvalidArgument(format!(
                    "unknown upsampling kernel {s:?}; expected one of opencv, pil"
                ))
            })
    }
}

/// Keys' cubic convolution kernel with parameter `a`.
fn keys(x: f64, a: f64) -> f64 {
    let x = x.abs();
    if x <= 1.0 {
        ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0
    } else if x < 2.0 {
        ((a * x - 5.0 * a) * x + 8.0 * a) * x - 4.0 * a
    } else {
        0.0
    }
}

/// For each of `out` output positions along an axis of length `inp`: the four clamped input
/// indices and their weights.
fn taps(inp: usize, out: usize, a: f64) -> Vec<([usize; 4], [f64; 4])> {
    let scale = inp as f64 / out as f64;
    let last = inp as isize - 1;
    (0..out)
        .map(|d| {
            let s = (d as f64 + 0.5) * scale - 0.5;
            let x0 = s.floor();
            let t = s - x0;
            let x0 = x0 as isize;
            let idx = [-1isize, 0, 1, 2].map(|o| (x0 + o).clamp(0, last) as usize);
            let wts = [
                keys(1.0 + t, a),
                keys(t, a),
                keys(1.0 - t, a),
                keys(2.0 - t, a),
            ];
            (idx, wts)
        })
        .collect()
}

/// OpenCV's taps for `INTER_CUBIC`, in its own arithmetic: the sample position
/// `(float)((d + 0.5) · scale − 0.5)` and the four weights are float32 (OpenCV's
/// `interpolateCubic`, the last weight `1 − the other three`), the sums then run in f64. This
/// is what makes the default kernel equal `cv2.resize` to float64 rounding instead of to
/// float32's ~1e-7 (measured: 1.7e-6 off on a 5×6 → 15×17 map with f64 weights).
fn taps_opencv(inp: usize, out: usize) -> Vec<([usize; 4], [f64; 4])> {
    const A: f32 = -0.75;
    let scale = 1.0 / (out as f64 / inp as f64);
    let last = inp as isize - 1;
    (0..out)
        .map(|d| {
            let fx = ((d as f64 + 0.5) * scale - 0.5) as f32;
            let sx = fx.floor();
            let x = fx - sx;
            let c0 = ((A * (x + 1.0) - 5.0 * A) * (x + 1.0) + 8.0 * A) * (x + 1.0) - 4.0 * A;
            let c1 = ((A + 2.0) * x - (A + 3.0)) * x * x + 1.0;
            let c2 = ((A + 2.0) * (1.0 - x) - (A + 3.0)) * (1.0 - x) * (1.0 - x) + 1.0;
            let c3 = 1.0 - c0 - c1 - c2;
            let sx = sx as isize;
            let idx = [-1isize, 0, 1, 2].map(|o| (sx + o).clamp(0, last) as usize);
            (idx, [c0, c1, c2, c3].map(f64::from))
        })
        .collect()
}

/// Bicubic resize of `map`, shape (h, w), to (out_h, out_w) with `kernel` (see the module
/// documentation for the kernel, alignment and border). Errors on an empty input or output
/// size.
pub fn upsample_bicubic(
    map: ArrayView2<'_, f64>,
    out_h: usize,
    out_w: usize,
    kernel: BicubicKernel,
) -> Result<Array2<f64>, ExplainError> {
    let (h, w) = check_sizes(map, out_h, out_w)?;
    Ok(match kernel {
        BicubicKernel::OpenCv => resample(map, &taps_opencv(h, out_h), &taps_opencv(w, out_w)),
        BicubicKernel::Pil => upsample_bicubic_with(map, out_h, out_w, kernel.a())?,
    })
}

/// Bicubic resize with any Keys kernel parameter `a` (−0.5 PIL, −0.75 OpenCV), all in f64.
/// `map` is (h, w); returns (out_h, out_w). Errors on an empty input or output size.
pub fn upsample_bicubic_with(
    map: ArrayView2<'_, f64>,
    out_h: usize,
    out_w: usize,
    a: f64,
) -> Result<Array2<f64>, ExplainError> {
    let (h, w) = check_sizes(map, out_h, out_w)?;
    Ok(resample(map, &taps(h, out_h, a), &taps(w, out_w, a)))
}

fn check_sizes(
    map: ArrayView2<'_, f64>,
    out_h: usize,
    out_w: usize,
) -> Result<(usize, usize), ExplainError> {
    let (h, w) = map.dim();
    if h == 0 || w == 0 || out_h == 0 || out_w == 0 {
        return Err(ExplainError::InvalidArgument(format!(
            "bicubic upsampling from ({h}, {w}) to ({out_h}, {out_w}): both sizes must be \
             at least 1 x 1"
        )));
    }
    Ok((h, w))
}

/// The separable resize of `map` (h, w) with row taps `ty` (out_h) and column taps `tx`
/// (out_w): rows first, then columns.
fn resample(
    map: ArrayView2<'_, f64>,
    ty: &[([usize; 4], [f64; 4])],
    tx: &[([usize; 4], [f64; 4])],
) -> Array2<f64> {
    let h = map.dim().0;
    let (out_h, out_w) = (ty.len(), tx.len());
    // Horizontal pass: (h, w) -> (h, out_w).
    let mut mid = Array2::<f64>::zeros((h, out_w));
    for (row_in, mut row_out) in map.outer_iter().zip(mid.outer_iter_mut()) {
        for (o, (idx, wts)) in row_out.iter_mut().zip(tx) {
            *o = (0..4).map(|j| wts[j] * row_in[idx[j]]).sum();
        }
    }
    // Vertical pass: (h, out_w) -> (out_h, out_w).
    let mut out = Array2::<f64>::zeros((out_h, out_w));
    for (mut row_out, (idx, wts)) in out.outer_iter_mut().zip(ty) {
        for j in 0..4 {
            let src = mid.row(idx[j]);
            row_out.zip_mut_with(&src, |o, &v| *o += wts[j] * v);
        }
    }
    out
}

/// Rescales `map` in place to `(x − min) / (max − min)`, so its values span [0, 1]. A constant
/// map (max = min) carries no ranking and becomes all zeros, the value of "no evidence".
/// Non-finite values must not occur (the CAM code checks model outputs first).
pub fn normalize_min_max(mut map: ArrayViewMut2<'_, f64>) {
    let (lo, hi) = map
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    let range = hi - lo;
    if range > 0.0 && range.is_finite() {
        map.mapv_inplace(|v| ((v - lo) / range).clamp(0.0, 1.0));
    } else {
        map.fill(0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use glassbox_core::ndarray::{Array2, array};

    const PIL_A: f64 = -0.5;

    // Weights for t = 0.25 with a = -0.5, by hand from the kernel formula:
    // W(1.25) = a(1.25³ − 5·1.25² + 8·1.25 − 4) = −0.5 · 0.140625 = −0.0703125
    // W(0.25) = 1.5·0.25³ − 2.5·0.25² + 1 = 0.8671875
    // W(0.75) = 1.5·0.75³ − 2.5·0.75² + 1 = 0.2265625
    // W(1.75) = a(1.75³ − 5·1.75² + 8·1.75 − 4) = −0.5 · 0.046875 = −0.0234375
    const W125: f64 = -0.0703125;
    const W025: f64 = 0.8671875;
    const W075: f64 = 0.2265625;
    const W175: f64 = -0.0234375;

    #[test]
    fn kernel_matches_hand_values_and_sums_to_one() {
        assert_eq!(keys(1.25, PIL_A), W125);
        assert_eq!(keys(0.25, PIL_A), W025);
        assert_eq!(keys(0.75, PIL_A), W075);
        assert_eq!(keys(1.75, PIL_A), W175);
        assert_eq!(W125 + W025 + W075 + W175, 1.0);
        assert_eq!(keys(0.0, PIL_A), 1.0);
        assert_eq!(keys(1.0, PIL_A), 0.0);
        assert_eq!(keys(2.0, PIL_A), 0.0);
    }

    #[test]
    fn impulse_doubling_matches_hand_computation() {
        // 1 x 4 row [0, 0, 1, 0] -> 1 x 8. Output d samples s = (d + 0.5)/2 − 0.5:
        // d=2: s=0.75, taps (-1→0, 0, 1, 2) with W(1.75), W(0.75), W(0.25), W(1.25) -> W(1.25)
        // d=3: s=1.25, taps (0, 1, 2, 3) with W(1.25), W(0.25), W(0.75), W(1.75) -> W(0.75)
        // d=4: s=1.75, taps (0, 1, 2, 3) with W(1.75), W(0.75), W(0.25), W(1.25) -> W(0.25)
        // d=5: s=2.25, taps (1, 2, 3, 4→3) with W(1.25), W(0.25), W(0.75), W(1.75) -> W(0.25)
        // d=6: s=2.75, taps (1, 2, 3, 4→3) -> W(0.75)
        // d=7: s=3.25, taps (2, 3, 4→3, 5→3) with W(1.25) on index 2 -> W(1.25)
        // d=0: s=-0.25, floor -1, t=0.75: taps (-2,-1,0,1)→(0,0,0,1): 0
        // d=1: s=0.25, taps (-1→0, 0, 1, 2) with W(1.25), W(0.25), W(0.75), W(1.75) -> W(1.75)
        let row = array![[0.0, 0.0, 1.0, 0.0]];
        let up = upsample_bicubic(row.view(), 1, 8, BicubicKernel::Pil).unwrap();
        let expected = [0.0, W175, W125, W075, W025, W025, W075, W125];
        for (d, e) in expected.iter().enumerate() {
            assert!(
                (up[[0, d]] - e).abs() < 1e-15,
                "d={d}: {} vs {e}",
                up[[0, d]]
            );
        }
        // Separable: a 2-D impulse gives the outer product of the 1-D responses.
        let mut img = Array2::zeros((4, 4));
        img[[2, 2]] = 1.0;
        let up2 = upsample_bicubic(img.view(), 8, 8, BicubicKernel::Pil).unwrap();
        for y in 0..8 {
            for x in 0..8 {
                let e = expected[y] * expected[x];
                assert!((up2[[y, x]] - e).abs() < 1e-15);
            }
        }
        assert!((up2[[3, 3]] - 0.05133056640625).abs() < 1e-15);
    }

    #[test]
    fn same_size_is_identity() {
        let m = Array2::from_shape_fn((5, 7), |(i, j)| (i * 7 + j) as f64 * 0.37 - 3.0);
        let up = upsample_bicubic(m.view(), 5, 7, BicubicKernel::OpenCv).unwrap();
        assert_eq!(up, m);
    }

    /// Interior output pixels are those whose four taps are all inside the map (no clamping).
    fn interior(inp: usize, out: usize, d: usize) -> Option<f64> {
        // Same arithmetic as `taps` (scale first), so the floor agrees at exact boundaries.
        let s = (d as f64 + 0.5) * (inp as f64 / out as f64) - 0.5;
        let f = s.floor();
        (f >= 1.0 && f + 2.0 <= (inp - 1) as f64).then_some(s)
    }

    #[test]
    fn linear_ramps_are_exact_in_the_interior() {
        let m = Array2::from_shape_fn((5, 6), |(i, j)| 2.0 * i as f64 - 3.0 * j as f64 + 1.0);
        let up = upsample_bicubic(m.view(), 15, 17, BicubicKernel::Pil).unwrap();
        // OpenCV's a = -0.75 reproduces constants but not ramps (Keys 1981: only a = -1/2 is
        // third-order accurate), so it must miss somewhere in the interior.
        let cv = upsample_bicubic_with(m.view(), 15, 17, -0.75).unwrap();
        let (mut checked, mut worst_cv) = (0, 0.0f64);
        for y in 0..15 {
            for x in 0..17 {
                if let (Some(sy), Some(sx)) = (interior(5, 15, y), interior(6, 17, x)) {
                    let e = 2.0 * sy - 3.0 * sx + 1.0;
                    assert!(
                        (up[[y, x]] - e).abs() < 1e-12,
                        "({y},{x}) {} vs {e}",
                        up[[y, x]]
                    );
                    worst_cv = worst_cv.max((cv[[y, x]] - e).abs());
                    checked += 1;
                }
            }
        }
        assert!(checked > 20);
        assert!(worst_cv > 1e-3);
        // Constants are reproduced everywhere (edges included) for any a.
        let c = Array2::from_elem((3, 4), 2.5);
        for a in [-0.5, -0.75] {
            let up = upsample_bicubic_with(c.view(), 7, 9, a).unwrap();
            assert!(up.iter().all(|v| (v - 2.5).abs() < 1e-12));
        }
    }

    #[test]
    fn quadratics_are_exact_in_the_interior_for_keys_a() {
        let m = Array2::from_shape_fn((1, 8), |(_, j)| (j as f64).powi(2));
        let up = upsample_bicubic(m.view(), 1, 24, BicubicKernel::Pil).unwrap();
        let opencv = upsample_bicubic_with(m.view(), 1, 24, -0.75).unwrap();
        let mut worst_cv: f64 = 0.0;
        for x in 0..24 {
            if let Some(s) = interior(8, 24, x) {
                assert!((up[[0, x]] - s * s).abs() < 1e-12);
                worst_cv = worst_cv.max((opencv[[0, x]] - s * s).abs());
            }
        }
        assert!(worst_cv > 1e-3, "a = -0.75 should not reproduce quadratics");
    }

    #[test]
    fn min_max_normalisation() {
        let mut m = array![[1.0, 3.0], [2.0, 5.0]];
        normalize_min_max(m.view_mut());
        assert_eq!(m, array![[0.0, 0.5], [0.25, 1.0]]);
        let mut c = Array2::from_elem((3, 3), 4.2);
        normalize_min_max(c.view_mut());
        assert_eq!(c, Array2::<f64>::zeros((3, 3)));
    }

    #[test]
    fn empty_sizes_are_rejected() {
        let m = Array2::<f64>::zeros((2, 2));
        let err = upsample_bicubic(m.view(), 0, 4, BicubicKernel::OpenCv)
            .unwrap_err()
            .to_string();
        assert!(err.contains("at least 1 x 1"), "{err}");
    }
}
