//! [`AvgPool2d`]: average pooling over any [`Window2d`] (ONNX's AveragePool), a linear layer.

use rayon::prelude::*;

use super::{Layer, LayerSpec, Param, Scalar, Tensor, Window2d};

/// Average pooling, (N, C, H, W) to (N, C, H', W') with (H', W') from
/// [`Window2d::output_size`] (dilation 1). Each output is the sum of the window's positions
/// inside the image divided by kh·kw (`count_include_pad`, padding counted as zeros) or by the
/// number of positions inside the image (ONNX's default, PyTorch's `count_include_pad=False`).
///
/// Linear, so its gradient and its DeepLIFT multipliers are the same: each output's gradient
/// spread over its window's inside positions, divided by the divisor (added up where windows
/// overlap).
#[derive(Clone, Copy, Debug)]
pub struct AvgPool2d {
    window: Window2d,
    count_include_pad: bool,
}

impl AvgPool2d {
    /// Pooling over `window`. Panics on a window that fails [`Window2d::check`] or has a
    /// dilation (validated before by [`super::Sequential::from_specs`]).
    pub fn new(window: Window2d, count_include_pad: bool) -> Self {
        window.check().expect("a valid pooling window");
        assert!(window.dilation == [1, 1], "average pooling has no dilation");
        AvgPool2d {
            window,
            count_include_pad,
        }
    }

    fn dims(&self, x: &[usize]) -> (usize, usize, usize, usize, usize, usize) {
        assert!(x.len() == 4, "avg_pool input shape {x:?}");
        let (oh, ow) = self
            .window
            .output_size(x[2], x[3])
            .expect("input shape checked by output_shape");
        (x[0], x[1], x[2], x[3], oh, ow)
    }

    /// The inside rows `[r0, r1)`, columns `[c0, c1)` of window (oy, ox) on an (h, w) image,
    /// and its divisor.
    fn extent(&self, (h, w): (usize, usize), oy: usize, ox: usize) -> ([usize; 4], usize) {
        let win = &self.window;
        let axis = |o: usize, a: usize, len: usize| {
            let start = o * win.stride[a];
            let lo = start.max(win.pads[a]) - win.pads[a];
            let hi = (start + win.kernel[a])
                .min(len + win.pads[a])
                .saturating_sub(win.pads[a]);
            (lo.min(hi), hi)
        };
        let (r0, r1) = axis(oy, 0, h);
        let (c0, c1) = axis(ox, 1, w);
        let divisor = if self.count_include_pad {
            win.kernel[0] * win.kernel[1]
        } else {
            (r1 - r0) * (c1 - c0)
        };
        ([r0, r1, c0, c1], divisor.max(1))
    }
}

impl<T: Scalar> Layer<T> for AvgPool2d {
    fn spec(&self) -> LayerSpec {
        LayerSpec::AvgPool {
            window: self.window,
            count_include_pad: self.count_include_pad,
        }
    }

    fn output_shape(&self, input: &[usize]) -> Result<Vec<usize>, String> {
        match input {
            [c, h, w] => {
                let (oh, ow) = self.window.output_size(*h, *w)?;
                Ok(vec![*c, oh, ow])
            }
            _ => Err(format!(
                "avg_pool expects (channels, height, width), got shape {input:?}"
            )),
        }
    }

    fn params(&self) -> Vec<&Param<T>> {
        Vec::new()
    }

    fn params_mut(&mut self) -> Vec<&mut Param<T>> {
        Vec::new()
    }

    fn forward(&self, x: &Tensor<T>) -> Tensor<T> {
        let (n, c, h, w, oh, ow) = self.dims(x.shape());
        let mut y = vec![T::ZERO; n * c * oh * ow];
        y.par_chunks_mut(oh * ow)
            .zip(x.data().par_chunks(h * w))
            .for_each(|(yp, xp)| {
                for (o, out) in yp.iter_mut().enumerate() {
                    let ([r0, r1, c0, c1], d) = self.extent((h, w), o / ow, o % ow);
                    let mut sum = T::ZERO;
                    for r in r0..r1 {
                        for &v in &xp[r * w + c0..r * w + c1] {
                            sum += v;
                        }
                    }
                    *out = sum / T::from_f64(d as f64);
                }
            });
        Tensor::new(vec![n, c, oh, ow], y).expect("avg_pool output size")
    }

    fn backward(
        &self,
        x: &Tensor<T>,
        _y: &Tensor<T>,
        dy: &Tensor<T>,
        _param_grads: Option<&mut [Vec<T>]>,
    ) -> Tensor<T> {
        let (n, c, h, w, oh, ow) = self.dims(x.shape());
        let mut dx = vec![T::ZERO; n * c * h * w];
        dx.par_chunks_mut(h * w)
            .zip(dy.data().par_chunks(oh * ow))
            .for_each(|(dxp, dyp)| {
                for (o, &g) in dyp.iter().enumerate() {
                    let ([r0, r1, c0, c1], d) = self.extent((h, w), o / ow, o % ow);
                    let share = g / T::from_f64(d as f64);
                    for r in r0..r1 {
                        for v in &mut dxp[r * w + c0..r * w + c1] {
                            *v += share;
                        }
                    }
                }
            });
        Tensor::new(x.shape().to_vec(), dx).expect("same shape")
    }

    fn deeplift_backward(
        &self,
        x: &Tensor<T>,
        _r: &Tensor<T>,
        y: &Tensor<T>,
        _yr: &Tensor<T>,
        m_y: &Tensor<T>,
    ) -> Tensor<T> {
        // Linear: multipliers equal gradients.
        self.backward(x, y, m_y, None)
    }
}
