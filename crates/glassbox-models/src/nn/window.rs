//! [`Window2d`]: the geometry of a 2-D convolution or pooling window (kernel, stride, padding,
//! dilation), with ONNX's and PyTorch's output-size rule.

use serde::{Deserialize, Serialize};

/// Largest kernel side, stride, dilation or padding accepted (a guard against corrupt files).
const MAX_SIDE: usize = 1 << 16;

/// The geometry of a sliding 2-D window over (H, W).
///
/// Output size per axis: `⌊(len + pad_before + pad_after − dilation·(kernel − 1) − 1) / stride⌋
/// + 1` (ONNX, PyTorch, floor mode). Input position of output `o`, kernel tap `t`:
/// `o·stride + t·dilation − pad_before`; positions outside the input are padding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Window2d {
    /// Kernel (kh, kw).
    pub kernel: [usize; 2],
    /// Stride (sh, sw).
    pub stride: [usize; 2],
    /// Padding (top, left, bottom, right): ONNX's `pads` order `[h_begin, w_begin, h_end,
    /// w_end]`.
    pub pads: [usize; 4],
    /// Dilation (dh, dw).
    pub dilation: [usize; 2],
}

impl Window2d {
    /// A `kernel × kernel` window with stride 1 and Keras' "same" zero padding: `(k − 1) / 2`
    /// before, the rest after (even kernels pad one more at the bottom and right).
    pub fn same(kernel: usize) -> Window2d {
        let before = kernel.saturating_sub(1) / 2;
        let after = kernel.saturating_sub(1) - before;
        Window2d {
            kernel: [kernel, kernel],
            stride: [1, 1],
            pads: [before, before, after, after],
            dilation: [1, 1],
        }
    }

    /// A `size × size` window with stride `size` and no padding (non-overlapping pooling).
    pub fn tiling(size: usize) -> Window2d {
        Window2d {
            kernel: [size, size],
            stride: [size, size],
            pads: [0; 4],
            dilation: [1, 1],
        }
    }

    /// Checks every size is at least 1 (paddings at least 0) and at most 2^16.
    pub fn check(&self) -> Result<(), String> {
        let sides = self.kernel.iter().chain(&self.stride).chain(&self.dilation);
        if sides.clone().any(|&v| v == 0 || v > MAX_SIDE) || self.pads.iter().any(|&p| p > MAX_SIDE)
        {
            return Err(format!(
                "window {self:?}: kernel, stride and dilation must be 1 to {MAX_SIDE}, padding \
                 at most {MAX_SIDE}"
            ));
        }
        Ok(())
    }

    /// The dilated kernel's extent along axis `a` (0: rows, 1: columns).
    pub fn span(&self, a: usize) -> usize {
        self.dilation[a] * (self.kernel[a] - 1) + 1
    }

    /// Output (height, width) for an input (h, w), or a message when the padded input is
    /// smaller than the dilated kernel (or the window is invalid).
    pub fn output_size(&self, h: usize, w: usize) -> Result<(usize, usize), String> {
        self.check()?;
        let axis = |a: usize, len: usize| {
            let padded = len + self.pads[a] + self.pads[a + 2];
            let span = self.span(a);
            if len == 0 || padded < span {
                return Err(format!(
                    "an input of {h}x{w} padded by {:?} is smaller than the window's {}x{} \
                     (kernel {:?}, dilation {:?})",
                    self.pads,
                    self.span(0),
                    self.span(1),
                    self.kernel,
                    self.dilation
                ));
            }
            Ok((padded - span) / self.stride[a] + 1)
        };
        Ok((axis(0, h)?, axis(1, w)?))
    }

    /// For output column (or row) range of axis `a` with kernel tap `t`: the outputs `o` in
    /// `[lo, hi)` that read an input position inside `0..len` (others read padding), given
    /// `outputs` outputs along the axis.
    pub fn valid_outputs(&self, a: usize, t: usize, len: usize, outputs: usize) -> (usize, usize) {
        let (s, off, before) = (self.stride[a], t * self.dilation[a], self.pads[a]);
        // Input position o·s + off − before must lie in [0, len).
        let lo = before.saturating_sub(off).div_ceil(s);
        let hi = (len + before).saturating_sub(off).div_ceil(s);
        (lo.min(outputs), hi.min(outputs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_sizes_follow_onnx() {
        assert_eq!(Window2d::same(3).output_size(7, 5).unwrap(), (7, 5));
        assert_eq!(Window2d::same(4).pads, [1, 1, 2, 2]);
        assert_eq!(Window2d::tiling(2).output_size(7, 6).unwrap(), (3, 3));
        let w = Window2d {
            kernel: [3, 2],
            stride: [2, 1],
            pads: [1, 0, 1, 1],
            dilation: [1, 2],
        };
        // (9 + 2 − 3) / 2 + 1 = 5; (8 + 1 − 3) / 1 + 1 = 7.
        assert_eq!(w.output_size(9, 8).unwrap(), (5, 7));
        assert!(
            w.output_size(9, 1)
                .unwrap_err()
                .contains("smaller than the window")
        );
        let zero = Window2d {
            stride: [0, 1],
            ..w
        };
        assert!(zero.output_size(9, 8).is_err());
        // Every output in [lo, hi) reads inside the input, every other one reads padding.
        for t in 0..2 {
            let (lo, hi) = w.valid_outputs(1, t, 8, 7);
            for o in 0..7 {
                let p = (o + t * 2) as i64; // stride 1, dilation 2, left pad 0
                assert_eq!(
                    (lo..hi).contains(&o),
                    (0..8).contains(&p),
                    "tap {t} out {o}"
                );
            }
        }
        for t in 0..3 {
            let (lo, hi) = w.valid_outputs(0, t, 9, 5);
            for o in 0..5 {
                let p = (o * 2 + t) as i64 - 1;
                assert_eq!(
                    (lo..hi).contains(&o),
                    (0..9).contains(&p),
                    "tap {t} out {o}"
                );
            }
        }
        let json = serde_json::to_string(&w).unwrap();
        assert_eq!(serde_json::from_str::<Window2d>(&json).unwrap(), w);
    }
}
