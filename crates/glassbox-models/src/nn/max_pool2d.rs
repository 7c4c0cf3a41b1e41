//! [`MaxPool2d`]: max pooling over any [`Window2d`], with its gradient and the DeepLIFT
//! two-step rule. Glassbox's own CNNs use non-overlapping `size × size` windows
//! ([`LayerSpec::MaxPool2d`], a fast path); imported networks any window ([`LayerSpec::MaxPool`]).

use rayon::prelude::*;

use super::{Layer, LayerSpec, Param, Scalar, Tensor, Window2d};

/// Max pooling, (N, C, H, W) to (N, C, H', W'). The legacy form pools non-overlapping
/// `size × size` windows with stride `size`, (H', W') = (⌊H/size⌋, ⌊W/size⌋): rows and columns
/// left over at the bottom and right are dropped, like Keras' `MaxPooling2D(padding="valid")`
/// and PyTorch's `MaxPool2d` (floor mode). The general form takes any [`Window2d`]; padded
/// positions never win (as −∞).
///
/// Gradient: the whole output gradient goes to the first maximal input of each window in
/// row-major order (PyTorch's tie rule), added up where windows overlap; inputs no window
/// reads get 0.
///
/// DeepLIFT: the two-step ("max") rule for pairs, as shap's DeepExplainer applies it to
/// `MaxPool` (it extends the treatment of max operations in Shrikumar et al. 2017 to a
/// reference whose argmax differs from the input's). With `y = max(x)`, `yr = max(r)` over a window and
/// `c = max(y, yr)`, the difference `y - yr` is split as `(c - yr) + (y - c)`: the first step
/// (the input rising to `c`) is credited to the input's argmax, the second (the reference's
/// winner falling back to `y`, ≤ 0) to the reference's argmax (credits add up where windows
/// overlap). Each credited input `i` gets
/// multiplier `credit_i / (x_i - r_i)`, and 0 where `x_i == r_i` (its credit is then exactly
/// 0). Hence `Σ m_x (x - r) = Σ m_y (y - yr)` per window to rounding (summation to delta),
/// which the gradient rule (the deeplift library's default `MaxPoolDeepLiftMode.gradient`)
/// does not guarantee.
#[derive(Clone, Copy, Debug)]
pub struct MaxPool2d {
    size: usize,
    window: Window2d,
    /// Built from [`LayerSpec::MaxPool2d`] (non-overlapping `size × size`).
    legacy: bool,
}

impl MaxPool2d {
    /// Pooling with `size × size` windows and stride `size`. Panics if `size == 0`.
    pub fn new(size: usize) -> Self {
        assert!(size > 0, "pool size must be >= 1");
        MaxPool2d {
            size,
            window: Window2d::tiling(size),
            legacy: true,
        }
    }

    /// Pooling over any `window`. Panics on a window that fails [`Window2d::check`]
    /// (validated before by [`super::Sequential::from_specs`]).
    pub fn with_window(window: Window2d) -> Self {
        window.check().expect("a valid pooling window");
        MaxPool2d {
            size: window.kernel[0],
            window,
            legacy: false,
        }
    }

    /// Window side and stride of the non-overlapping form (the kernel height otherwise).
    pub fn size(&self) -> usize {
        self.size
    }

    /// The window.
    pub fn window(&self) -> Window2d {
        self.window
    }

    /// Whether the window tiles the image (the fast path).
    fn tiles(&self) -> bool {
        self.window == Window2d::tiling(self.size)
    }

    fn dims(&self, x: &[usize]) -> (usize, usize, usize, usize, usize, usize) {
        assert!(x.len() == 4, "max_pool2d input shape {x:?}");
        let (oh, ow) = self
            .window
            .output_size(x[2], x[3])
            .expect("input shape checked by output_shape");
        (x[0], x[1], x[2], x[3], oh, ow)
    }

    /// Flat index (within the plane, (h, w)) of the first maximum of window (oy, ox) among
    /// the positions inside the image; `None` if the window lies in the padding alone.
    fn argmax_any<T: Scalar>(
        &self,
        plane: &[T],
        (h, w): (usize, usize),
        oy: usize,
        ox: usize,
    ) -> Option<usize> {
        if self.tiles() {
            return Some(self.argmax(plane, w, oy, ox));
        }
        let win = &self.window;
        let mut best: Option<usize> = None;
        for i in 0..win.kernel[0] {
            let sy = oy * win.stride[0] + i * win.dilation[0];
            if sy < win.pads[0] || sy - win.pads[0] >= h {
                continue;
            }
            let row = (sy - win.pads[0]) * w;
            for j in 0..win.kernel[1] {
                let sx = ox * win.stride[1] + j * win.dilation[1];
                if sx < win.pads[1] || sx - win.pads[1] >= w {
                    continue;
                }
                let q = row + sx - win.pads[1];
                // `>` keeps the first maximum; NaN never wins.
                if best.is_none_or(|b| plane[q] > plane[b]) {
                    best = Some(q);
                }
            }
        }
        best
    }

    /// Flat index (within the plane) of the first maximum of window (oy, ox).
    #[inline]
    fn argmax<T: Scalar>(&self, plane: &[T], w: usize, oy: usize, ox: usize) -> usize {
        let s = self.size;
        if s == 2 {
            let p = 2 * oy * w + 2 * ox;
            let mut best = p;
            for q in [p + 1, p + w, p + w + 1] {
                if plane[q] > plane[best] {
                    best = q;
                }
            }
            return best;
        }
        let mut best = oy * s * w + ox * s;
        let mut bv = plane[best];
        for i in 0..s {
            let row = (oy * s + i) * w + ox * s;
            for (j, &v) in plane[row..row + s].iter().enumerate() {
                // `>` keeps the first maximum; NaN never wins (it propagates through the loss).
                if v > bv {
                    bv = v;
                    best = row + j;
                }
            }
        }
        best
    }
}

impl<T: Scalar> Layer<T> for MaxPool2d {
    fn spec(&self) -> LayerSpec {
        if self.legacy {
            LayerSpec::MaxPool2d { size: self.size }
        } else {
            LayerSpec::MaxPool {
                window: self.window,
            }
        }
    }

    fn output_shape(&self, input: &[usize]) -> Result<Vec<usize>, String> {
        if !self.legacy {
            return match input {
                [c, h, w] => {
                    let (oh, ow) = self.window.output_size(*h, *w)?;
                    Ok(vec![*c, oh, ow])
                }
                _ => Err(format!(
                    "max_pool expects (channels, height, width), got shape {input:?}"
                )),
            };
        }
        match input {
            [c, h, w] if *h >= self.size && *w >= self.size => {
                Ok(vec![*c, h / self.size, w / self.size])
            }
            _ => Err(format!(
                "max_pool2d({s}) expects (channels, height, width) with height and width >= {s}, \
                 got shape {input:?}",
                s = self.size
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
        let s = self.size;
        let mut y = vec![T::ZERO; n * c * oh * ow];
        if !self.tiles() {
            y.par_chunks_mut(oh * ow)
                .zip(x.data().par_chunks(h * w))
                .for_each(|(yp, xp)| {
                    for (o, out) in yp.iter_mut().enumerate() {
                        let best = self.argmax_any(xp, (h, w), o / ow, o % ow);
                        *out = best.map_or(T::ZERO, |q| xp[q]);
                    }
                });
            return Tensor::new(vec![n, c, oh, ow], y).expect("max_pool output size");
        }
        y.par_chunks_mut(oh * ow)
            .zip(x.data().par_chunks(h * w))
            .for_each(|(yp, xp)| {
                for (oy, out) in yp.chunks_exact_mut(ow).enumerate() {
                    if s == 2 {
                        // The common case, written out so that the compiler vectorises it; the
                        // comparison order is the general loop's (first maximum wins).
                        let r0 = &xp[2 * oy * w..][..2 * ow];
                        let r1 = &xp[(2 * oy + 1) * w..][..2 * ow];
                        for ((o, a), b) in out
                            .iter_mut()
                            .zip(r0.chunks_exact(2))
                            .zip(r1.chunks_exact(2))
                        {
                            let mut m = a[0];
                            for v in [a[1], b[0], b[1]] {
                                m = if v > m { v } else { m };
                            }
                            *o = m;
                        }
                        continue;
                    }
                    for (ox, o) in out.iter_mut().enumerate() {
                        *o = xp[oy * s * w + ox * s];
                    }
                    for i in 0..s {
                        let row = &xp[(oy * s + i) * w..][..ow * s];
                        for (o, win) in out.iter_mut().zip(row.chunks_exact(s)) {
                            for &v in win {
                                if v > *o {
                                    *o = v;
                                }
                            }
                        }
                    }
                }
            });
        Tensor::new(vec![n, c, oh, ow], y).expect("max_pool2d output size")
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
            .zip(x.data().par_chunks(h * w))
            .zip(dy.data().par_chunks(oh * ow))
            .for_each(|((dxp, xp), dyp)| {
                for oy in 0..oh {
                    for ox in 0..ow {
                        if let Some(q) = self.argmax_any(xp, (h, w), oy, ox) {
                            dxp[q] += dyp[oy * ow + ox];
                        }
                    }
                }
            });
        Tensor::new(x.shape().to_vec(), dx).expect("same shape")
    }

    fn deeplift_backward(
        &self,
        x: &Tensor<T>,
        r: &Tensor<T>,
        y: &Tensor<T>,
        yr: &Tensor<T>,
        m_y: &Tensor<T>,
    ) -> Tensor<T> {
        let (n, c, h, w, oh, ow) = self.dims(x.shape());
        let mut mx = vec![T::ZERO; n * c * h * w];
        mx.par_chunks_mut(h * w)
            .zip(x.data().par_chunks(h * w))
            .zip(r.data().par_chunks(h * w))
            .zip(
                y.data()
                    .par_chunks(oh * ow)
                    .zip(yr.data().par_chunks(oh * ow))
                    .zip(m_y.data().par_chunks(oh * ow)),
            )
            .for_each(|(((mp, xp), rp), ((yp, yrp), myp))| {
                // First the credits (added up where windows overlap), then divide by the input
                // differences.
                for oy in 0..oh {
                    for ox in 0..ow {
                        let o = oy * ow + ox;
                        let (yv, yrv, m) = (yp[o], yrp[o], myp[o]);
                        let cross = if yv > yrv { yv } else { yrv };
                        if let Some(q) = self.argmax_any(xp, (h, w), oy, ox) {
                            mp[q] += m * (cross - yrv);
                        }
                        if let Some(q) = self.argmax_any(rp, (h, w), oy, ox) {
                            mp[q] += m * (yv - cross);
                        }
                    }
                }
                for ((mv, &xv), &rv) in mp.iter_mut().zip(xp).zip(rp) {
                    let d = xv - rv;
                    *mv = if d == T::ZERO { T::ZERO } else { *mv / d };
                }
            });
        Tensor::new(x.shape().to_vec(), mx).expect("same shape")
    }
}
