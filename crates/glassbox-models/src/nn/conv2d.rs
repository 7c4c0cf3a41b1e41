//! [`Conv2d`]: 2-D convolution (cross-correlation, as in PyTorch and Keras) over any
//! [`Window2d`] (kernel, stride, padding, dilation; group 1), computed per image as im2col
//! followed by one matrix product. Glassbox's own CNNs use the stride-1 "same" form
//! ([`LayerSpec::Conv2d`]); imported networks any form ([`LayerSpec::Conv`]).
//!
//! Inference ([`super::Sequential::forward`]) runs a convolution followed by ReLU and max
//! pooling as one pass per tile ([`Conv2d::forward_relu_pool`]), bit-identical to the three
//! layers. Measured on the 2-core development machine through `glassbox image explain --method
//! lime` on the bundled gap-cnn (6 images × 300 LIME samples plus 20-step curves, 3 runs
//! each): 10.1-12.4 s before, 9.1-10.9 s after (the ReLU pass, the pooling pass and the write
//! and re-read of the full-resolution activation were about a sixth of a network pass).

use glassbox_core::rng::Rng;
use rayon::prelude::*;

use super::matmul::{MatRef, matmul, matmul_strided};
use super::{Layer, LayerSpec, Param, Scalar, Tensor, Window2d};

/// 2-D convolution over (N, C_in, H, W) giving (N, C_out, H', W') with (H', W') from
/// [`Window2d::output_size`]; weight (C_out, C_in, kh, kw) as in PyTorch's `nn.Conv2d`, bias
/// (C_out,). Zero padding.
///
/// Per image, the input is unfolded into a (C_in·kh·kw, H'·W') column matrix (im2col) and the
/// output is `W (C_out, C_in·kh·kw) × cols + b`, computed over tiles of output rows so that each
/// block of `cols` is still in cache when it is multiplied. Images are processed in parallel with
/// rayon; each image's arithmetic is the same whatever the thread count, and the per-image
/// parameter gradients are summed in image order, so results never depend on the number of
/// threads.
#[derive(Clone, Debug)]
pub struct Conv2d<T> {
    in_channels: usize,
    out_channels: usize,
    window: Window2d,
    /// Built from the stride-1 "same" spec ([`LayerSpec::Conv2d`]), which [`Layer::spec`]
    /// then returns.
    same: bool,
    weight: Param<T>,
    bias: Param<T>,
}

impl<T: Scalar> Conv2d<T> {
    /// A stride-1 "same" layer ([`Window2d::same`], Keras' rule) with all-zero weights and
    /// biases. Panics if `kernel == 0`.
    pub fn zeros(in_channels: usize, out_channels: usize, kernel: usize) -> Self {
        assert!(kernel > 0, "convolution kernel size must be >= 1");
        let mut layer = Self::zeros_window(in_channels, out_channels, Window2d::same(kernel));
        layer.same = true;
        layer
    }

    /// A layer over `window` with all-zero weights and biases. Panics on a window that fails
    /// [`Window2d::check`] (validated before by [`super::Sequential::from_specs`]).
    pub fn zeros_window(in_channels: usize, out_channels: usize, window: Window2d) -> Self {
        window.check().expect("a valid convolution window");
        let k = in_channels * window.kernel[0] * window.kernel[1];
        Conv2d {
            in_channels,
            out_channels,
            window,
            same: false,
            weight: Param {
                name: "weight",
                shape: vec![
                    out_channels,
                    in_channels,
                    window.kernel[0],
                    window.kernel[1],
                ],
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
    /// `fan_in = C_in·k·k`, `fan_out = C_out·k·k` (Keras' default for `Conv2D`), zero biases;
    /// stride-1 "same" geometry.
    pub fn glorot_uniform(
        in_channels: usize,
        out_channels: usize,
        kernel: usize,
        rng: &mut Rng,
    ) -> Self {
        let mut layer = Self::zeros(in_channels, out_channels, kernel);
        layer.init_glorot(rng);
        layer
    }

    /// [`Conv2d::glorot_uniform`] over any `window` (fans `C·kh·kw`).
    pub fn glorot_uniform_window(
        in_channels: usize,
        out_channels: usize,
        window: Window2d,
        rng: &mut Rng,
    ) -> Self {
        let mut layer = Self::zeros_window(in_channels, out_channels, window);
        layer.init_glorot(rng);
        layer
    }

    fn init_glorot(&mut self, rng: &mut Rng) {
        let kk = self.window.kernel[0] * self.window.kernel[1];
        let a = (6.0 / ((self.in_channels + self.out_channels) * kk) as f64).sqrt();
        for w in &mut self.weight.data {
            *w = T::from_f64(rng.uniform(-a, a));
        }
    }

    /// The window.
    pub fn window(&self) -> Window2d {
        self.window
    }

    /// The weight, (C_out, C_in, kh, kw), row-major.
    pub fn weight(&self) -> &[T] {
        &self.weight.data
    }

    /// The bias, (C_out,).
    pub fn bias(&self) -> &[T] {
        &self.bias.data
    }

    /// Rows of the im2col matrix: C_in·kh·kw.
    fn col_rows(&self) -> usize {
        self.in_channels * self.window.kernel[0] * self.window.kernel[1]
    }

    /// (N, H, W, H', W') of input `x`.
    fn dims(&self, x: &Tensor<T>) -> (usize, usize, usize, usize, usize) {
        let s = x.shape();
        assert!(
            s.len() == 4 && s[1] == self.in_channels,
            "conv2d input shape {s:?}"
        );
        let (oh, ow) = self
            .window
            .output_size(s[2], s[3])
            .expect("input shape checked by output_shape");
        (s[0], s[2], s[3], oh, ow)
    }

    /// The im2col geometry of one image.
    fn geometry(&self, h: usize, w: usize, oh: usize, ow: usize) -> Cols {
        Cols {
            c_in: self.in_channels,
            h,
            w,
            ow,
            oh,
            window: self.window,
        }
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
        let (n, h, w, oh, ow) = self.dims(x);
        let (hw, ohw) = (h * w, oh * ow);
        let g = self.geometry(h, w, oh, ow);
        let (ci, co, kr) = (self.in_channels, self.out_channels, self.col_rows());
        // Per-image weight gradients, summed below in image order (deterministic).
        let mut gw = vec![T::ZERO; n * co * kr];
        let image =
            |cols: &mut Vec<T>, xi: &[T], dyi: &[T], gwi: &mut [T], dxi: Option<&mut [T]>| {
                let mut dxi = dxi;
                if let Some(d) = dxi.as_deref_mut() {
                    d.fill(T::ZERO);
                }
                for (y0, y1) in self.tiles(oh, ow) {
                    let nc = (y1 - y0) * ow;
                    let dy_tile = MatRef::new(&dyi[y0 * ow..], co, nc, ohw, 1);
                    g.im2col(xi, cols, y0, y1);
                    // dW (C_out, K) += dy (C_out, tile) × colsᵀ (tile, K)
                    matmul(gwi, true, dy_tile, MatRef::row_major(cols, kr, nc).t());
                    if let Some(d) = dxi.as_deref_mut() {
                        self.tile_input_grad(dy_tile, cols, d, &g, y0, y1);
                    }
                }
            };
        match dx {
            Some(dx) => dx
                .par_chunks_mut(ci * hw)
                .zip(dy.data().par_chunks(co * ohw))
                .zip(x.data().par_chunks(ci * hw))
                .zip(gw.par_chunks_mut(co * kr))
                .for_each_init(Vec::new, |cols, (((dxi, dyi), xi), gwi)| {
                    image(cols, xi, dyi, gwi, Some(dxi))
                }),
            None => dy
                .data()
                .par_chunks(co * ohw)
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
        for dyi in dy.data().chunks_exact(co * ohw) {
            for (g, row) in g_b[0].iter_mut().zip(dyi.chunks_exact(ohw)) {
                *g += row.iter().copied().sum::<T>();
            }
        }
    }

    /// Input gradient of one image from its output gradient `dy` (C_out, H'·W') into `dx`
    /// (C_in, H, W), tile by tile; `dcols` is scratch.
    fn image_input_grad(&self, dy: &[T], g: &Cols, dcols: &mut Vec<T>, dx: &mut [T]) {
        dx.fill(T::ZERO);
        let ohw = g.oh * g.ow;
        for (y0, y1) in self.tiles(g.oh, g.ow) {
            let dy_tile = MatRef::new(
                &dy[y0 * g.ow..],
                self.out_channels,
                (y1 - y0) * g.ow,
                ohw,
                1,
            );
            self.tile_input_grad(dy_tile, dcols, dx, g, y0, y1);
        }
    }

    /// Adds the input gradient from output rows `y0..y1` (their gradient `dy_tile`,
    /// (C_out, (y1 - y0)·W')) to `dx` (C_in, H, W); `dcols` is scratch.
    fn tile_input_grad(
        &self,
        dy_tile: MatRef<'_, T>,
        dcols: &mut Vec<T>,
        dx: &mut [T],
        g: &Cols,
        y0: usize,
        y1: usize,
    ) {
        let kr = self.col_rows();
        let nc = (y1 - y0) * g.ow;
        dcols.resize(kr * nc, T::ZERO);
        // dcols (K, tile) = Wᵀ (K, C_out) × dy (C_out, tile)
        matmul(
            dcols,
            false,
            MatRef::row_major(&self.weight.data, self.out_channels, kr).t(),
            dy_tile,
        );
        g.col2im_add(dcols, dx, y0, y1);
    }

    /// Inference pass of this layer followed by ReLU and, when `pool` is `Some(s)`, by
    /// non-overlapping `s × s` max pooling (stride `s`, floor): input (N, C_in, H, W), output
    /// (N, C_out, ⌊H'/s⌋, ⌊W'/s⌋) (or (N, C_out, H', W') without pooling).
    ///
    /// The same values as [`Layer::forward`], then [`super::Relu`], then [`super::MaxPool2d`],
    /// bit for bit: each tile of output rows gets the same bias-then-product arithmetic as in
    /// `forward`, but into a small buffer that is rectified and pooled while it is still in
    /// cache, so the full-resolution activation (32 × 200 × 200 values per NEU image in the
    /// first layer) is never written to memory. Used by [`super::Sequential::forward`], which
    /// keeps no activations.
    pub fn forward_relu_pool(&self, x: &Tensor<T>, pool: Option<usize>) -> Tensor<T> {
        let (n, h, w, oh, ow) = self.dims(x);
        let s = pool.unwrap_or(1).max(1);
        let (ph, pw) = (oh / s, ow / s);
        let g = self.geometry(h, w, oh, ow);
        let (co, kr, hw) = (self.out_channels, self.col_rows(), h * w);
        // The tiles of `forward`, so that every product is the same call (the gemm crate's
        // blocking, hence its rounding, depends on the product's shape). A pooling window must
        // not straddle two tiles; when it would, only the rectifier is fused.
        let tile_rows = self.tile_rows(oh, ow);
        if s > 1 && tile_rows < oh && !tile_rows.is_multiple_of(s) {
            let rectified = self.forward_relu_pool(x, None);
            return Layer::forward(&super::MaxPool2d::new(s), &rectified);
        }
        let mut y = vec![T::ZERO; n * co * ph * pw];
        if ph * pw == 0 {
            return Tensor::new(vec![n, co, ph, pw], y).expect("conv2d output size");
        }
        y.par_chunks_mut(co * ph * pw)
            .zip(x.data().par_chunks(self.in_channels * hw))
            .for_each_init(
                || (Vec::new(), Vec::new()),
                |(cols, tile), (yi, xi)| {
                    for (y0, y1) in self.tiles(oh, ow) {
                        let nc = (y1 - y0) * ow;
                        g.im2col(xi, cols, y0, y1);
                        tile.clear();
                        for &b in &self.bias.data {
                            tile.extend(std::iter::repeat_n(b, nc));
                        }
                        // tile (C_out, nc) = b + W (C_out, K) × cols (K, nc), as in `forward`.
                        matmul_strided(
                            tile,
                            nc,
                            true,
                            MatRef::row_major(&self.weight.data, co, kr),
                            MatRef::row_major(cols, kr, nc),
                        );
                        // Output rows of the windows inside this tile (the pooling drops rows
                        // past ph·s).
                        let (p0, p1) = (y0 / s, y1.min(ph * s) / s);
                        for (t, out) in tile.chunks_exact(nc).zip(yi.chunks_exact_mut(ph * pw)) {
                            relu_pool_rows(t, ow, s, &mut out[p0 * pw..p1 * pw]);
                        }
                    }
                },
            );
        Tensor::new(vec![n, co, ph, pw], y).expect("conv2d output size")
    }

    /// Output rows per tile of [`Conv2d::tiles`].
    fn tile_rows(&self, oh: usize, ow: usize) -> usize {
        (TILE_VALUES / (self.col_rows() * ow.max(1))).clamp(1, oh.max(1))
    }

    /// Splits the output rows into tiles `(y0, y1)` whose im2col block (C_in·kh·kw rows,
    /// (y1 - y0)·W' columns) holds about `TILE_VALUES` values, so that it stays in the L2 cache
    /// between being written and being multiplied (at least one row per tile).
    fn tiles(&self, oh: usize, ow: usize) -> impl Iterator<Item = (usize, usize)> {
        let rows = self.tile_rows(oh, ow);
        (0..oh)
            .step_by(rows)
            .map(move |y0| (y0, (y0 + rows).min(oh)))
    }
}

/// Rectifies `t`, rows of `w` values of one channel, and max-pools it over `s × s` windows
/// into `out` (rows of `w / s` values; `t` holds `s` input rows per output row). Each output
/// is the maximum of 0 and its window, which is the maximum of the rectified window (NaN and
/// −0 never exceed 0, as the rectifier maps them to 0); the order of comparisons then does
/// not matter, so the common 2 × 2 case is written out for the vectoriser.
fn relu_pool_rows<T: Scalar>(t: &[T], w: usize, s: usize, out: &mut [T]) {
    let pw = w / s;
    if pw == 0 {
        return;
    }
    let up = |m: T, v: T| if v > m { v } else { m };
    for (oy, o) in out.chunks_exact_mut(pw).enumerate() {
        let band = &t[oy * s * w..(oy + 1) * s * w];
        match s {
            1 => {
                for (o, &v) in o.iter_mut().zip(band) {
                    *o = up(T::ZERO, v);
                }
            }
            2 => {
                let (r0, r1) = band.split_at(w);
                for ((o, a), b) in o.iter_mut().zip(r0.chunks_exact(2)).zip(r1.chunks_exact(2)) {
                    *o = up(up(up(up(T::ZERO, a[0]), a[1]), b[0]), b[1]);
                }
            }
            _ => {
                o.fill(T::ZERO);
                for row in band.chunks_exact(w) {
                    for (o, win) in o.iter_mut().zip(row.chunks_exact(s)) {
                        *o = win.iter().fold(*o, |m, &v| up(m, v));
                    }
                }
            }
        }
    }
}

/// Target size of one im2col tile in values (128 Ki `f32` = 512 KiB, half a Zen 4 L2).
const TILE_VALUES: usize = 128 * 1024;

/// The im2col geometry of one image: input (C_in, H, W), output (H', W'), the window.
struct Cols {
    c_in: usize,
    h: usize,
    w: usize,
    oh: usize,
    ow: usize,
    window: Window2d,
}

impl Cols {
    /// For kernel tap (i, j): the input row read by output row `oy` (`None`: padding), and
    /// the output columns `[x0, x1)` that read inside the input, with the input column of
    /// output column `ox` being `ox·sw + j·dw − pad_left`.
    fn tap(&self, i: usize, j: usize, oy: usize) -> (Option<usize>, usize, usize) {
        let win = &self.window;
        let sy = oy * win.stride[0] + i * win.dilation[0];
        let row = (sy >= win.pads[0] && sy - win.pads[0] < self.h).then(|| sy - win.pads[0]);
        let (x0, x1) = win.valid_outputs(1, j, self.w, self.ow);
        (row, x0, x1)
    }

    /// Unfolds output rows `y0..y1` of one image `x` (C, H, W) into `cols`
    /// (C·kh·kw, (y1 - y0)·W'): row `(c·kh + i)·kw + j` holds the input pixel that kernel tap
    /// (i, j) reads for every output pixel of those rows, zero where it reads padding.
    fn im2col<T: Scalar>(&self, x: &[T], cols: &mut Vec<T>, y0: usize, y1: usize) {
        let (hw, ow) = (self.h * self.w, self.ow);
        let [kh, kw] = self.window.kernel;
        let (sw, dw, pl) = (
            self.window.stride[1],
            self.window.dilation[1],
            self.window.pads[1],
        );
        let nc = (y1 - y0) * ow;
        cols.resize(self.c_in * kh * kw * nc, T::ZERO);
        for c in 0..self.c_in {
            let plane = &x[c * hw..(c + 1) * hw];
            for i in 0..kh {
                for j in 0..kw {
                    let row = &mut cols[((c * kh + i) * kw + j) * nc..][..nc];
                    for (dy, out) in row.chunks_exact_mut(ow).enumerate() {
                        let (src_row, x0, x1) = self.tap(i, j, y0 + dy);
                        let Some(sr) = src_row.filter(|_| x0 < x1) else {
                            out.fill(T::ZERO);
                            continue;
                        };
                        let src = &plane[sr * self.w..][..self.w];
                        out[..x0].fill(T::ZERO);
                        out[x1..].fill(T::ZERO);
                        let first = x0 * sw + j * dw - pl;
                        if sw == 1 {
                            out[x0..x1].copy_from_slice(&src[first..first + (x1 - x0)]);
                        } else {
                            for (k, o) in out[x0..x1].iter_mut().enumerate() {
                                *o = src[first + k * sw];
                            }
                        }
                    }
                }
            }
        }
    }

    /// The adjoint of [`Cols::im2col`] for output rows `y0..y1`: adds every entry of `cols`
    /// (C·kh·kw, (y1 - y0)·W') to the input pixel it was read from, in `dx` (C, H, W).
    fn col2im_add<T: Scalar>(&self, cols: &[T], dx: &mut [T], y0: usize, y1: usize) {
        let (hw, ow) = (self.h * self.w, self.ow);
        let [kh, kw] = self.window.kernel;
        let (sw, dw, pl) = (
            self.window.stride[1],
            self.window.dilation[1],
            self.window.pads[1],
        );
        let nc = (y1 - y0) * ow;
        for c in 0..self.c_in {
            let plane = &mut dx[c * hw..(c + 1) * hw];
            for i in 0..kh {
                for j in 0..kw {
                    let row = &cols[((c * kh + i) * kw + j) * nc..][..nc];
                    for (dy, src) in row.chunks_exact(ow).enumerate() {
                        let (dst_row, x0, x1) = self.tap(i, j, y0 + dy);
                        let Some(dr) = dst_row.filter(|_| x0 < x1) else {
                            continue;
                        };
                        let dst = &mut plane[dr * self.w..][..self.w];
                        let first = x0 * sw + j * dw - pl;
                        for (k, &v) in src[x0..x1].iter().enumerate() {
                            dst[first + k * sw] += v;
                        }
                    }
                }
            }
        }
    }
}

impl<T: Scalar> Layer<T> for Conv2d<T> {
    fn spec(&self) -> LayerSpec {
        if self.same {
            LayerSpec::Conv2d {
                in_channels: self.in_channels,
                out_channels: self.out_channels,
                kernel_size: self.window.kernel[0],
            }
        } else {
            LayerSpec::Conv {
                in_channels: self.in_channels,
                out_channels: self.out_channels,
                window: self.window,
            }
        }
    }

    fn output_shape(&self, input: &[usize]) -> Result<Vec<usize>, String> {
        match input {
            [c, h, w] if *c == self.in_channels && *h > 0 && *w > 0 => {
                let (oh, ow) = self.window.output_size(*h, *w)?;
                Ok(vec![self.out_channels, oh, ow])
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

    fn as_conv2d(&self) -> Option<&Conv2d<T>> {
        Some(self)
    }

    fn forward(&self, x: &Tensor<T>) -> Tensor<T> {
        let (n, h, w, oh, ow) = self.dims(x);
        let (hw, ohw) = (h * w, oh * ow);
        let g = self.geometry(h, w, oh, ow);
        let (co, kr) = (self.out_channels, self.col_rows());
        let mut y = vec![T::ZERO; n * co * ohw];
        y.par_chunks_mut(co * ohw)
            .zip(x.data().par_chunks(self.in_channels * hw))
            .for_each_init(Vec::new, |cols, (yi, xi)| {
                for (row, &b) in yi.chunks_exact_mut(ohw).zip(&self.bias.data) {
                    row.fill(b);
                }
                for (y0, y1) in self.tiles(oh, ow) {
                    let nc = (y1 - y0) * ow;
                    g.im2col(xi, cols, y0, y1);
                    // y (C_out, tile) += W (C_out, K) × cols (K, tile)
                    matmul_strided(
                        &mut yi[y0 * ow..],
                        ohw,
                        true,
                        MatRef::row_major(&self.weight.data, co, kr),
                        MatRef::row_major(cols, kr, nc),
                    );
                }
            });
        Tensor::new(vec![n, co, oh, ow], y).expect("conv2d output size")
    }

    fn backward(
        &self,
        x: &Tensor<T>,
        _y: &Tensor<T>,
        dy: &Tensor<T>,
        param_grads: Option<&mut [Vec<T>]>,
    ) -> Tensor<T> {
        let (n, h, w, oh, ow) = self.dims(x);
        let (hw, ohw) = (h * w, oh * ow);
        let (ci, co) = (self.in_channels, self.out_channels);
        let mut dx = vec![T::ZERO; n * ci * hw];
        match param_grads {
            None => {
                let g = self.geometry(h, w, oh, ow);
                dx.par_chunks_mut(ci * hw)
                    .zip(dy.data().par_chunks(co * ohw))
                    .for_each_init(Vec::new, |dcols, (dxi, dyi)| {
                        self.image_input_grad(dyi, &g, dcols, dxi);
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
