//! [`Conv2d`]: 2-D convolution (cross-correlation, as in PyTorch and Keras) with stride 1 and
//! "same" zero padding, computed per image as im2col followed by one matrix product.

use glassbox_core::rng::Rng;
use rayon::prelude::*;

use super::matmul::{MatRef, matmul, matmul_strided};
use super::{Layer, LayerSpec, Param, Scalar, Tensor};

/// 2-D convolution over (N, C_in, H, W) giving (N, C_out, H, W): stride 1, "same" zero padding
/// (Keras' rule: `(k - 1) / 2` rows/columns before, the rest after, so even kernels pad one
/// more at the bottom and right), weight (C_out, C_in, k, k) as in PyTorch's `nn.Conv2d`,
/// bias (C_out,).
///
/// Per image, the input is unfolded into a (C_in·k·k, H·W) column matrix (im2col) and the output
/// is `W (C_out, C_in·k·k) × cols + b`, computed over tiles of output rows so that each block of
/// `cols` is still in cache when it is multiplied. Images are processed in parallel with rayon; each
/// image's arithmetic is the same whatever the thread count, and the per-image parameter
/// gradients are summed in image order, so results never depend on the number of threads.
#[derive(Clone, Debug)]
pub struct Conv2d<T> {
    in_channels: usize,
    out_channels: usize,
    kernel: usize,
    weight: Param<T>,
    bias: Param<T>,
}

impl<T: Scalar> Conv2d<T> {
    /// A layer with all-zero weights and biases. Panics if `kernel == 0`.
    pub fn zeros(in_channels: usize, out_channels: usize, kernel: usize) -> Self {
        assert!(kernel > 0, "convolution kernel size must be >= 1");
        let k = in_channels * kernel * kernel;
        Conv2d {
            in_channels,
            out_channels,
            kernel,
            weight: Param {
                name: "weight",
                shape: vec![out_channels, in_channels, kernel, kernel],
                data: vec![T::ZERO; out_channels * k],
            },
            bias: Param {
                name: "bias",
                shape: vec![out_channels],
                data: vec![T::ZERO; out_channels],
            },
        }
    }

    /// Glorot (Xavier) uniform weights, `U(-a, a)` with `a = sqrt(6 / (fan_in + fan_out))`,
    /// `fan_in = C_in·k·k`, `fan_out = C_out·k·k` (Keras' default for `Conv2D`), zero biases.
    pub fn glorot_uniform(
        in_channels: usize,
        out_channels: usize,
        kernel: usize,
        rng: &mut Rng,
    ) -> Self {
        let mut layer = Self::zeros(in_channels, out_channels, kernel);
        let kk = kernel * kernel;
        let a = (6.0 / ((in_channels + out_channels) * kk) as f64).sqrt();
        for w in &mut layer.weight.data {
            *w = T::from_f64(rng.uniform(-a, a));
        }
        layer
    }

    /// The weight, (C_out, C_in, k, k), row-major.
    pub fn weight(&self) -> &[T] {
        &self.weight.data
    }

    /// The bias, (C_out,).
    pub fn bias(&self) -> &[T] {
        &self.bias.data
    }

    /// Rows of the im2col matrix: C_in·k·k.
    fn col_rows(&self) -> usize {
        self.in_channels * self.kernel * self.kernel
    }

    /// Padding before (top/left) in Keras' "same" rule.
    fn pad(&self) -> usize {
        (self.kernel - 1) / 2
    }

    fn dims(&self, x: &Tensor<T>) -> (usize, usize, usize) {
        let s = x.shape();
        assert!(
            s.len() == 4 && s[1] == self.in_channels,
            "conv2d input shape {s:?}"
        );
        (s[0], s[2], s[3])
    }

    /// Adds the weight and bias gradients to `grads` and, when `dx` is given (N·C_in·H·W
    /// values), writes the input gradient into it.
    fn param_grads(
        &self,
        x: &Tensor<T>,
        dy: &Tensor<T>,
        grads: &mut [Vec<T>],
        dx: Option<&mut Vec<T>>,
    ) {
        let (n, h, w) = self.dims(x);
        let hw = h * w;
        let (ci, co, kr) = (self.in_channels, self.out_channels, self.col_rows());
        // Per-image weight gradients, summed below in image order (deterministic).
        let mut gw = vec![T::ZERO; n * co * kr];
        let image =
            |cols: &mut Vec<T>, xi: &[T], dyi: &[T], gwi: &mut [T], dxi: Option<&mut [T]>| {
                let mut dxi = dxi;
                if let Some(d) = dxi.as_deref_mut() {
                    d.fill(T::ZERO);
                }
                for (y0, y1) in self.tiles(h, w) {
                    let nc = (y1 - y0) * w;
                    let dy_tile = MatRef::new(&dyi[y0 * w..], co, nc, hw, 1);
                    im2col(xi, cols, ci, h, w, self.kernel, self.pad(), y0, y1);
                    // dW (C_out, K) += dy (C_out, tile) × colsᵀ (tile, K)
                    matmul(gwi, true, dy_tile, MatRef::row_major(cols, kr, nc).t());
                    if let Some(d) = dxi.as_deref_mut() {
                        self.tile_input_grad(dy_tile, cols, d, h, w, y0, y1);
                    }
                }
            };
        match dx {
            Some(dx) => dx
                .par_chunks_mut(ci * hw)
                .zip(dy.data().par_chunks(co * hw))
                .zip(x.data().par_chunks(ci * hw))
                .zip(gw.par_chunks_mut(co * kr))
                .for_each_init(Vec::new, |cols, (((dxi, dyi), xi), gwi)| {
                    image(cols, xi, dyi, gwi, Some(dxi))
                }),
            None => dy
                .data()
                .par_chunks(co * hw)
                .zip(x.data().par_chunks(ci * hw))
                .zip(gw.par_chunks_mut(co * kr))
                .for_each_init(Vec::new, |cols, ((dyi, xi), gwi)| {
                    image(cols, xi, dyi, gwi, None)
                }),
        }
        let (g_w, g_b) = grads.split_at_mut(1);
        for gwi in gw.chunks_exact(co * kr) {
            for (g, &v) in g_w[0].iter_mut().zip(gwi) {
                *g += v;
            }
        }
        for dyi in dy.data().chunks_exact(co * hw) {
            for (g, row) in g_b[0].iter_mut().zip(dyi.chunks_exact(hw)) {
                *g += row.iter().copied().sum::<T>();
            }
        }
    }

    /// Input gradient of one image from its output gradient `dy` (C_out, H·W) into `dx`
    /// (C_in, H, W), tile by tile; `dcols` is scratch.
    fn image_input_grad(&self, dy: &[T], h: usize, w: usize, dcols: &mut Vec<T>, dx: &mut [T]) {
        dx.fill(T::ZERO);
        for (y0, y1) in self.tiles(h, w) {
            let dy_tile = MatRef::new(&dy[y0 * w..], self.out_channels, (y1 - y0) * w, h * w, 1);
            self.tile_input_grad(dy_tile, dcols, dx, h, w, y0, y1);
        }
    }

    /// Adds the input gradient from output rows `y0..y1` (their gradient `dy_tile`,
    /// (C_out, (y1 - y0)·W)) to `dx` (C_in, H, W); `dcols` is scratch.
    #[allow(clippy::too_many_arguments)]
    fn tile_input_grad(
        &self,
        dy_tile: MatRef<'_, T>,
        dcols: &mut Vec<T>,
        dx: &mut [T],
        h: usize,
        w: usize,
        y0: usize,
        y1: usize,
    ) {
        let kr = self.col_rows();
        let nc = (y1 - y0) * w;
        dcols.resize(kr * nc, T::ZERO);
        // dcols (K, tile) = Wᵀ (K, C_out) × dy (C_out, tile)
        matmul(
            dcols,
            false,
            MatRef::row_major(&self.weight.data, self.out_channels, kr).t(),
            dy_tile,
        );
        col2im_add(
            dcols,
            dx,
            self.in_channels,
            h,
            w,
            self.kernel,
            self.pad(),
            y0,
            y1,
        );
    }

    /// Splits the output rows into tiles `(y0, y1)` whose im2col block (C_in·k·k rows,
    /// (y1 - y0)·W columns) holds about `TILE_VALUES` values, so that it stays in the L2 cache
    /// between being written and being multiplied (at least one row per tile).
    fn tiles(&self, h: usize, w: usize) -> impl Iterator<Item = (usize, usize)> {
        let rows = (TILE_VALUES / (self.col_rows() * w)).clamp(1, h.max(1));
        (0..h).step_by(rows).map(move |y0| (y0, (y0 + rows).min(h)))
    }
}

/// Target size of one im2col tile in values (128 Ki `f32` = 512 KiB, half a Zen 4 L2).
const TILE_VALUES: usize = 128 * 1024;

/// Unfolds output rows `y0..y1` of one image `x` (C, H, W) into `cols`
/// (C·k·k, (y1 - y0)·W): row `(c·k + i)·k + j` holds `x[c, y + i - pad, x + j - pad]` for every
/// output pixel (y, x) with `y0 <= y < y1`, zero outside the image.
#[allow(clippy::too_many_arguments)]
fn im2col<T: Scalar>(
    x: &[T],
    cols: &mut Vec<T>,
    c_in: usize,
    h: usize,
    w: usize,
    k: usize,
    pad: usize,
    y0: usize,
    y1: usize,
) {
    let hw = h * w;
    let nc = (y1 - y0) * w;
    cols.resize(c_in * k * k * nc, T::ZERO);
    for c in 0..c_in {
        let plane = &x[c * hw..(c + 1) * hw];
        for i in 0..k {
            for j in 0..k {
                let row = &mut cols[((c * k + i) * k + j) * nc..][..nc];
                // Output column x reads input column x + j - pad: valid for x in [x0, x1).
                let x0 = pad.saturating_sub(j);
                let x1 = (w + pad).saturating_sub(j).min(w);
                for (dy, out) in row.chunks_exact_mut(w).enumerate() {
                    let sy = y0 + dy + i;
                    if sy < pad || sy - pad >= h || x0 >= x1 {
                        out.fill(T::ZERO);
                        continue;
                    }
                    let src = &plane[(sy - pad) * w..][..w];
                    out[..x0].fill(T::ZERO);
                    out[x1..].fill(T::ZERO);
                    out[x0..x1].copy_from_slice(&src[x0 + j - pad..x1 + j - pad]);
                }
            }
        }
    }
}

/// The adjoint of [`im2col`] for output rows `y0..y1`: adds every entry of `cols`
/// (C·k·k, (y1 - y0)·W) to the input pixel it was read from, in `dx` (C, H, W).
#[allow(clippy::too_many_arguments)]
fn col2im_add<T: Scalar>(
    cols: &[T],
    dx: &mut [T],
    c_in: usize,
    h: usize,
    w: usize,
    k: usize,
    pad: usize,
    y0: usize,
    y1: usize,
) {
    let hw = h * w;
    let nc = (y1 - y0) * w;
    for c in 0..c_in {
        let plane = &mut dx[c * hw..(c + 1) * hw];
        for i in 0..k {
            for j in 0..k {
                let row = &cols[((c * k + i) * k + j) * nc..][..nc];
                let x0 = pad.saturating_sub(j);
                let x1 = (w + pad).saturating_sub(j).min(w);
                if x0 >= x1 {
                    continue;
                }
                for (dy, src) in row.chunks_exact(w).enumerate() {
                    let sy = y0 + dy + i;
                    if sy < pad || sy - pad >= h {
                        continue;
                    }
                    let dst = &mut plane[(sy - pad) * w..][..w];
                    for (d, &s) in dst[x0 + j - pad..x1 + j - pad].iter_mut().zip(&src[x0..x1]) {
                        *d += s;
                    }
                }
            }
        }
    }
}

impl<T: Scalar> Layer<T> for Conv2d<T> {
    fn spec(&self) -> LayerSpec {
        LayerSpec::Conv2d {
            in_channels: self.in_channels,
            out_channels: self.out_channels,
            kernel_size: self.kernel,
        }
    }

    fn output_shape(&self, input: &[usize]) -> Result<Vec<usize>, String> {
        match input {
            [c, h, w] if *c == self.in_channels && *h > 0 && *w > 0 => {
                Ok(vec![self.out_channels, *h, *w])
            }
            _ => Err(format!(
                "conv2d expects (channels, height, width) = ({}, H, W) per sample, got shape \
                 {input:?}",
                self.in_channels
            )),
        }
    }

    fn params(&self) -> Vec<&Param<T>> {
        vec![&self.weight, &self.bias]
    }

    fn params_mut(&mut self) -> Vec<&mut Param<T>> {
        vec![&mut self.weight, &mut self.bias]
    }

    fn forward(&self, x: &Tensor<T>) -> Tensor<T> {
        let (n, h, w) = self.dims(x);
        let hw = h * w;
        let (co, kr) = (self.out_channels, self.col_rows());
        let mut y = vec![T::ZERO; n * co * hw];
        y.par_chunks_mut(co * hw)
            .zip(x.data().par_chunks(self.in_channels * hw))
            .for_each_init(Vec::new, |cols, (yi, xi)| {
                for (row, &b) in yi.chunks_exact_mut(hw).zip(&self.bias.data) {
                    row.fill(b);
                }
                for (y0, y1) in self.tiles(h, w) {
                    let nc = (y1 - y0) * w;
                    im2col(
                        xi,
                        cols,
                        self.in_channels,
                        h,
                        w,
                        self.kernel,
                        self.pad(),
                        y0,
                        y1,
                    );
                    // y (C_out, tile) += W (C_out, K) × cols (K, tile)
                    matmul_strided(
                        &mut yi[y0 * w..],
                        hw,
                        true,
                        MatRef::row_major(&self.weight.data, co, kr),
                        MatRef::row_major(cols, kr, nc),
                    );
                }
            });
        Tensor::new(vec![n, co, h, w], y).expect("conv2d output size")
    }

    fn backward(
        &self,
        x: &Tensor<T>,
        _y: &Tensor<T>,
        dy: &Tensor<T>,
        param_grads: Option<&mut [Vec<T>]>,
    ) -> Tensor<T> {
        let (n, h, w) = self.dims(x);
        let hw = h * w;
        let (ci, co) = (self.in_channels, self.out_channels);
        let mut dx = vec![T::ZERO; n * ci * hw];
        match param_grads {
            None => {
                dx.par_chunks_mut(ci * hw)
                    .zip(dy.data().par_chunks(co * hw))
                    .for_each_init(Vec::new, |dcols, (dxi, dyi)| {
                        self.image_input_grad(dyi, h, w, dcols, dxi);
                    });
            }
            Some(grads) => self.param_grads(x, dy, grads, Some(&mut dx)),
        }
        Tensor::new(vec![n, ci, h, w], dx).expect("conv2d input size")
    }

    fn param_backward(
        &self,
        x: &Tensor<T>,
        _y: &Tensor<T>,
        dy: &Tensor<T>,
        param_grads: &mut [Vec<T>],
    ) {
        self.param_grads(x, dy, param_grads, None);
    }

    fn deeplift_backward(
        &self,
        x: &Tensor<T>,
        _r: &Tensor<T>,
        y: &Tensor<T>,
        _yr: &Tensor<T>,
        m_y: &Tensor<T>,
    ) -> Tensor<T> {
        // Linear: y - yr = conv(x - r) without the bias, so multipliers pass back exactly as
        // gradients do.
        self.backward(x, y, m_y, None)
    }
}
