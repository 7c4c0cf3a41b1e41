//! [`Sequential`]: a list of layers applied in order, with traced forward passes, backward
//! passes (gradients for training and for explanations) and DeepLIFT.

use glassbox_core::rng::Rng;

use super::{
    AvgPool2d, ChannelAffine, Conv2d, Dense, Flatten, GlobalAvgPool, Layer, LayerSpec, LeakyRelu,
    MaxPool2d, Relu, Scalar, Sigmoid, Tanh, Tensor,
};

/// Most values one sample may have (e.g. 8192 x 8192 one-channel pixels).
pub const MAX_INPUT_VALUES: u128 = 1 << 26;
/// Most parameters one layer may have (1 GiB of f32 weights).
pub const MAX_LAYER_PARAMETERS: u128 = 1 << 28;
/// Most values one layer's output may have per sample (a padding or window read from a file
/// can make a small input's activation huge; 2^28 f32 values are 1 GiB).
pub const MAX_ACTIVATION_VALUES: u128 = 1 << 28;

/// Refuses an input shape or a layer too large to allocate, naming it (the sizes come from
/// architecture files and flags; allocating first would abort the process).
fn check_sizes(input_shape: &[usize], specs: &[LayerSpec]) -> Result<(), String> {
    let values: u128 = input_shape.iter().map(|&d| d as u128).product();
    if values > MAX_INPUT_VALUES {
        return Err(format!(
            "input shape {input_shape:?}: {values} values per sample; at most {MAX_INPUT_VALUES}"
        ));
    }
    for (i, spec) in specs.iter().enumerate() {
        let (kind, params) = match *spec {
            LayerSpec::Dense { inputs, units } => ("dense", (inputs as u128 + 1) * units as u128),
            LayerSpec::Conv2d {
                in_channels,
                out_channels,
                kernel_size,
            } => (
                "conv2d",
                (in_channels as u128 * (kernel_size as u128).pow(2) + 1) * out_channels as u128,
            ),
            LayerSpec::Conv {
                in_channels,
                out_channels,
                window,
            } => (
                "conv",
                (in_channels as u128 * window.kernel[0] as u128 * window.kernel[1] as u128 + 1)
                    * out_channels as u128,
            ),
            LayerSpec::ChannelAffine { channels } => ("channel_affine", 2 * channels as u128),
            _ => continue,
        };
        if params > MAX_LAYER_PARAMETERS {
            return Err(format!(
                "layer {i} ({kind}): {params} parameters; at most {MAX_LAYER_PARAMETERS} per layer"
            ));
        }
    }
    Ok(())
}

/// The layers of imported networks (the variants beyond glassbox's own CNN and MLP), checked.
fn imported_layer<T: Scalar>(spec: &LayerSpec) -> Result<Box<dyn Layer<T>>, String> {
    Ok(match *spec {
        LayerSpec::Conv {
            in_channels,
            out_channels,
            window,
        } => {
            window.check()?;
            if in_channels == 0 || out_channels == 0 {
                return Err(format!(
                    "channels must be >= 1, got {in_channels} -> {out_channels}"
                ));
            }
            Box::new(Conv2d::<T>::zeros_window(in_channels, out_channels, window))
        }
        LayerSpec::MaxPool { window } => {
            window.check()?;
            Box::new(MaxPool2d::with_window(window))
        }
        LayerSpec::AvgPool {
            window,
            count_include_pad,
        } => {
            window.check()?;
            if window.dilation != [1, 1] {
                return Err(format!(
                    "dilation {:?}: average pooling has none",
                    window.dilation
                ));
            }
            Box::new(AvgPool2d::new(window, count_include_pad))
        }
        LayerSpec::LeakyRelu { alpha } => {
            if !alpha.is_finite() {
                return Err(format!("alpha {alpha} is not finite"));
            }
            Box::new(LeakyRelu::new(alpha))
        }
        LayerSpec::Sigmoid => Box::new(Sigmoid),
        LayerSpec::Tanh => Box::new(Tanh),
        LayerSpec::ChannelAffine { channels } => {
            if channels == 0 {
                return Err("channels must be >= 1".into());
            }
            Box::new(ChannelAffine::<T>::identity(channels))
        }
        _ => unreachable!("glassbox's own layers are built by from_specs"),
    })
}

/// A feed-forward network: layers applied in order to a batch-first tensor.
///
/// Every intermediate activation is available through [`Sequential::forward_trace`], and the
/// backward passes take that trace, so explainers can read activations and gradients at any
/// layer (what Grad-CAM will need).
#[derive(Debug)]
pub struct Sequential<T> {
    input_shape: Vec<usize>,
    layers: Vec<Box<dyn Layer<T>>>,
}

impl<T: Scalar> Sequential<T> {
    /// Builds a network for per-sample input shape `input_shape` (e.g. `[37]`) from layer specs,
    /// with zero parameters. Errors (naming the layer) if a size is 0 or consecutive shapes do
    /// not fit.
    ///
    /// Sizes declared by a file are checked before anything is allocated: at most
    /// [`MAX_INPUT_VALUES`] values per sample and [`MAX_LAYER_PARAMETERS`] parameters per layer.
    pub fn from_specs(input_shape: Vec<usize>, specs: &[LayerSpec]) -> Result<Self, String> {
        check_sizes(&input_shape, specs)?;
        let mut layers: Vec<Box<dyn Layer<T>>> = Vec::with_capacity(specs.len());
        for (i, spec) in specs.iter().enumerate() {
            layers.push(match *spec {
                LayerSpec::Dense { inputs, units } => Box::new(Dense::<T>::zeros(inputs, units)),
                LayerSpec::Relu => Box::new(Relu),
                LayerSpec::Conv2d {
                    in_channels,
                    out_channels,
                    kernel_size,
                } => {
                    if in_channels == 0 || out_channels == 0 || kernel_size == 0 {
                        return Err(format!(
                            "layer {i} (conv2d): channels and kernel size must be >= 1, got \
                             {in_channels} -> {out_channels}, kernel {kernel_size}"
                        ));
                    }
                    Box::new(Conv2d::<T>::zeros(in_channels, out_channels, kernel_size))
                }
                LayerSpec::MaxPool2d { size } => {
                    if size == 0 {
                        return Err(format!("layer {i} (max_pool2d): size must be >= 1"));
                    }
                    Box::new(MaxPool2d::new(size))
                }
                LayerSpec::GlobalAvgPool => Box::new(GlobalAvgPool),
                LayerSpec::Flatten => Box::new(Flatten),
                ref spec => {
                    imported_layer(spec).map_err(|e| format!("layer {i} ({}): {e}", spec.kind()))?
                }
            });
        }
        let net = Sequential {
            input_shape,
            layers,
        };
        net.check_activations()?;
        Ok(net)
    }

    /// Re-initialises every parameter: Glorot-uniform weights and zero biases for dense and
    /// convolution layers, from one generator per layer (`Rng::derive(seed, layer index)`).
    pub fn init_glorot(&mut self, seed: u64) {
        for i in 0..self.layers.len() {
            self.init_layer_glorot(i, seed);
        }
    }

    /// Re-initialises the parameters of layer `i` alone (Glorot-uniform weights, zero biases,
    /// generator `Rng::derive(seed, i)`, as [`Sequential::init_glorot`] does); parameter-free
    /// layers are left alone. Panics if `i` is out of range.
    pub fn init_layer_glorot(&mut self, i: usize, seed: u64) {
        let layer = &mut self.layers[i];
        let mut rng = Rng::derive(seed, i as u64);
        match layer.spec() {
            LayerSpec::Dense { inputs, units } => {
                *layer = Box::new(Dense::<T>::glorot_uniform(inputs, units, &mut rng));
            }
            LayerSpec::Conv2d {
                in_channels,
                out_channels,
                kernel_size,
            } => {
                *layer = Box::new(Conv2d::<T>::glorot_uniform(
                    in_channels,
                    out_channels,
                    kernel_size,
                    &mut rng,
                ));
            }
            LayerSpec::Conv {
                in_channels,
                out_channels,
                window,
            } => {
                *layer = Box::new(Conv2d::<T>::glorot_uniform_window(
                    in_channels,
                    out_channels,
                    window,
                    &mut rng,
                ));
            }
            _ => {}
        }
    }

    /// Per-sample input shape (without the batch axis).
    pub fn input_shape(&self) -> &[usize] {
        &self.input_shape
    }

    /// Checks every layer's per-sample output fits (see [`Sequential::output_shape`]) and holds
    /// at most [`MAX_ACTIVATION_VALUES`] values, naming the first layer that does not.
    fn check_activations(&self) -> Result<(), String> {
        let mut shape = self.input_shape.clone();
        for (i, layer) in self.layers.iter().enumerate() {
            let kind = layer.spec().kind();
            shape = layer
                .output_shape(&shape)
                .map_err(|e| format!("layer {i} ({kind}): {e}"))?;
            let values: u128 = shape.iter().map(|&d| d as u128).product();
            if values > MAX_ACTIVATION_VALUES {
                return Err(format!(
                    "layer {i} ({kind}): output shape {shape:?} holds {values} values per \
                     sample; at most {MAX_ACTIVATION_VALUES}"
                ));
            }
        }
        Ok(())
    }

    /// Per-sample output shape, or a message naming the first layer whose input does not fit.
    pub fn output_shape(&self) -> Result<Vec<usize>, String> {
        let mut shape = self.input_shape.clone();
        for (i, layer) in self.layers.iter().enumerate() {
            shape = layer
                .output_shape(&shape)
                .map_err(|e| format!("layer {i} ({}): {e}", layer.spec().kind()))?;
        }
        Ok(shape)
    }

    /// The layers, in order.
    pub fn layers(&self) -> &[Box<dyn Layer<T>>] {
        &self.layers
    }

    /// The architecture, one spec per layer.
    pub fn specs(&self) -> Vec<LayerSpec> {
        self.layers.iter().map(|l| l.spec()).collect()
    }

    /// Total number of trainable values.
    pub fn n_params(&self) -> usize {
        self.layers
            .iter()
            .flat_map(|l| l.params())
            .map(|p| p.data.len())
            .sum()
    }

    /// The same network in another precision (each value converted through `f64`; exact from
    /// `f32` to `f64`).
    pub fn cast<U: Scalar>(&self) -> Sequential<U> {
        let mut out = Sequential::<U>::from_specs(self.input_shape.clone(), &self.specs())
            .expect("same architecture is valid");
        for (src, dst) in self.layers.iter().zip(out.layers.iter_mut()) {
            for (ps, pd) in src.params().into_iter().zip(dst.params_mut()) {
                for (a, b) in ps.data.iter().zip(pd.data.iter_mut()) {
                    *b = U::from_f64(a.to_f64());
                }
            }
        }
        out
    }

    /// Mutable access to the layers' parameters, in layer order then [`Layer::params`] order.
    pub fn params_mut(&mut self) -> Vec<&mut super::Param<T>> {
        self.layers
            .iter_mut()
            .flat_map(|l| l.params_mut())
            .collect()
    }

    /// The layers' parameters, in layer order then [`Layer::params`] order.
    pub fn params(&self) -> Vec<&super::Param<T>> {
        self.layers.iter().flat_map(|l| l.params()).collect()
    }

    /// Forward pass, returning only the output. A convolution followed by ReLU (and by a
    /// non-overlapping max pooling) runs as one fused pass
    /// ([`super::Conv2d::forward_relu_pool`]); the result is bit-identical to running the
    /// layers one by one, as [`Sequential::forward_trace`] does.
    pub fn forward(&self, x: &Tensor<T>) -> Tensor<T> {
        let mut a: Option<Tensor<T>> = None;
        let mut i = 0;
        while i < self.layers.len() {
            let input = a.as_ref().unwrap_or(x);
            if let Some((conv, pool, used)) = self.fusable(i) {
                a = Some(conv.forward_relu_pool(input, pool));
                i += used;
                continue;
            }
            a = Some(match a.take() {
                Some(t) => self.layers[i].forward_owned(t),
                None => self.layers[i].forward(x),
            });
            i += 1;
        }
        a.unwrap_or_else(|| x.clone())
    }

    /// When layer `i` is a convolution followed by ReLU, and maybe by a max pooling whose
    /// windows tile the image: the convolution, the pooling size and the layers covered.
    fn fusable(&self, i: usize) -> Option<(&super::Conv2d<T>, Option<usize>, usize)> {
        let conv = self.layers[i].as_conv2d()?;
        if self.layers.get(i + 1)?.spec() != LayerSpec::Relu {
            return None;
        }
        let pool = self.layers.get(i + 2).and_then(|l| match l.spec() {
            LayerSpec::MaxPool2d { size } => Some(size),
            LayerSpec::MaxPool { window }
                if window == super::Window2d::tiling(window.kernel[0]) =>
            {
                Some(window.kernel[0])
            }
            _ => None,
        });
        Some((conv, pool, if pool.is_some() { 3 } else { 2 }))
    }

    /// Forward pass keeping every activation: `trace[0]` is the input, `trace[i + 1]` the output
    /// of layer `i`; the last element is the network output.
    pub fn forward_trace(&self, x: Tensor<T>) -> Vec<Tensor<T>> {
        let mut trace = Vec::with_capacity(self.layers.len() + 1);
        trace.push(x);
        for layer in &self.layers {
            let next = layer.forward(trace.last().expect("non-empty"));
            trace.push(next);
        }
        trace
    }

    /// Backward pass from `d_out = ∂L/∂output` through a trace from
    /// [`Sequential::forward_trace`]; returns `∂L/∂input`. With `param_grads` (one buffer per
    /// parameter, in [`Sequential::params`] order), parameter gradients are added to it.
    pub fn backward(
        &self,
        trace: &[Tensor<T>],
        d_out: Tensor<T>,
        mut param_grads: Option<&mut [Vec<T>]>,
    ) -> Tensor<T> {
        let mut offsets = Vec::with_capacity(self.layers.len());
        let mut o = 0;
        for layer in &self.layers {
            offsets.push(o);
            o += layer.params().len();
        }
        let mut d = d_out;
        for (i, layer) in self.layers.iter().enumerate().rev() {
            let np = layer.params().len();
            let grads = param_grads
                .as_deref_mut()
                .map(|g| &mut g[offsets[i]..offsets[i] + np]);
            d = layer.backward(&trace[i], &trace[i + 1], &d, grads);
        }
        d
    }

    /// Backward pass from `d_out = ∂L/∂output` down to `trace[stop]` (the input of layer
    /// `stop`, i.e. the output of layer `stop - 1`): runs layers `stop..` in reverse and returns
    /// `∂L/∂trace[stop]`. `stop == 0` is [`Sequential::backward`] without parameter gradients.
    /// Panics if `stop` exceeds the number of layers.
    pub fn backward_to(&self, trace: &[Tensor<T>], d_out: Tensor<T>, stop: usize) -> Tensor<T> {
        assert!(
            stop <= self.layers.len(),
            "backward_to: stop beyond the last layer"
        );
        let mut d = d_out;
        for i in (stop..self.layers.len()).rev() {
            d = self.layers[i].backward(&trace[i], &trace[i + 1], &d, None);
        }
        d
    }

    /// Adds the parameter gradients of `L` (given `d_out = ∂L/∂output` and a trace from
    /// [`Sequential::forward_trace`]) to `param_grads` (one buffer per parameter, in
    /// [`Sequential::params`] order). Unlike [`Sequential::backward`] it never computes the
    /// input gradient of the first layer, which training does not need.
    pub fn accumulate_param_grads(
        &self,
        trace: &[Tensor<T>],
        d_out: Tensor<T>,
        param_grads: &mut [Vec<T>],
    ) {
        let mut offsets = Vec::with_capacity(self.layers.len());
        let mut o = 0;
        for layer in &self.layers {
            offsets.push(o);
            o += layer.params().len();
        }
        let mut d = d_out;
        for (i, layer) in self.layers.iter().enumerate().rev() {
            let np = layer.params().len();
            let grads = &mut param_grads[offsets[i]..offsets[i] + np];
            if i == 0 {
                layer.param_backward(&trace[0], &trace[1], &d, grads);
            } else {
                d = layer.backward(&trace[i], &trace[i + 1], &d, Some(grads));
            }
        }
    }

    /// DeepLIFT (rescale rule) backward pass for pairs: sample `p` of `x_trace` against sample
    /// `p` of `r_trace` (both from [`Sequential::forward_trace`], same batch size), starting from
    /// the output multipliers `m_out` (e.g. one-hot on the explained output). Returns the input
    /// multipliers.
    pub fn deeplift(
        &self,
        x_trace: &[Tensor<T>],
        r_trace: &[Tensor<T>],
        m_out: Tensor<T>,
    ) -> Tensor<T> {
        let mut m = m_out;
        for (i, layer) in self.layers.iter().enumerate().rev() {
            m = layer.deeplift_backward(
                &x_trace[i],
                &r_trace[i],
                &x_trace[i + 1],
                &r_trace[i + 1],
                &m,
            );
        }
        m
    }
}

impl<T: Scalar> Clone for Sequential<T> {
    fn clone(&self) -> Self {
        self.cast::<T>()
    }
}

#[cfg(test)]
mod size_tests {
    use super::*;

    #[test]
    fn absurd_sizes_are_refused_before_allocating() {
        let dense = |inputs, units| LayerSpec::Dense { inputs, units };
        let e = Sequential::<f32>::from_specs(vec![8], &[dense(8, 1_000_000_000_000)]).unwrap_err();
        assert_eq!(
            e,
            "layer 0 (dense): 9000000000000 parameters; at most 268435456 per layer"
        );
        let e =
            Sequential::<f32>::from_specs(vec![1, 10_000_000, 10_000_000], &[LayerSpec::Flatten])
                .unwrap_err();
        assert!(
            e.starts_with("input shape [1, 10000000, 10000000]: 100000000000000 values"),
            "{e}"
        );
        let conv = LayerSpec::Conv2d {
            in_channels: 100_000,
            out_channels: 100_000,
            kernel_size: 3,
        };
        let e = Sequential::<f32>::from_specs(vec![1, 8, 8], &[conv]).unwrap_err();
        assert!(e.starts_with("layer 0 (conv2d): "), "{e}");
        // Sizes within the limits build.
        assert!(Sequential::<f32>::from_specs(vec![8], &[dense(8, 4), LayerSpec::Relu]).is_ok());
    }
}

#[cfg(test)]
mod fused_tests {
    use super::*;
    use crate::nn::Window2d;

    /// Random weights (Glorot) with non-zero biases, so that the bias is part of the check.
    fn net<T: Scalar>(input: Vec<usize>, specs: &[LayerSpec], seed: u64) -> Sequential<T> {
        let mut s = Sequential::<T>::from_specs(input, specs).unwrap();
        s.init_glorot(seed);
        let mut rng = Rng::new(seed + 1);
        for p in s.params_mut() {
            if p.name == "bias" {
                for v in p.data.iter_mut() {
                    *v = T::from_f64(rng.next_f64() - 0.5);
                }
            }
        }
        s
    }

    fn input<T: Scalar>(shape: &[usize], seed: u64) -> Tensor<T> {
        let mut rng = Rng::new(seed);
        let data = (0..shape.iter().product::<usize>())
            .map(|_| T::from_f64(2.0 * rng.next_f64() - 1.0))
            .collect();
        Tensor::new(shape.to_vec(), data).unwrap()
    }

    /// The fused pass must give the layer-by-layer values bit for bit, whatever the tiling:
    /// odd sizes whose last row and column the pooling drops, several tiles per image, pools
    /// of 2 and 3, no pool, a strided padded window, one and several input channels.
    fn check<T: Scalar>(input_shape: [usize; 4], specs: &[LayerSpec]) {
        let s = net::<T>(input_shape[1..].to_vec(), specs, 7);
        let x = input::<T>(&input_shape, 3);
        // The first block is fused exactly when a ReLU follows the convolution.
        assert_eq!(
            s.fusable(0).is_some(),
            specs.get(1) == Some(&LayerSpec::Relu),
            "{specs:?}"
        );
        let fused = s.forward(&x);
        let trace = s.forward_trace(x);
        let plain = trace.last().unwrap();
        assert_eq!(fused.shape(), plain.shape(), "{specs:?}");
        let same = fused
            .data()
            .iter()
            .zip(plain.data())
            .all(|(a, b)| a.to_f64().to_bits() == b.to_f64().to_bits());
        assert!(same, "fused and layer-by-layer passes differ for {specs:?}");
    }

    #[test]
    fn fused_conv_relu_pool_is_bit_identical() {
        let conv = |i, o, k| LayerSpec::Conv2d {
            in_channels: i,
            out_channels: o,
            kernel_size: k,
        };
        let pool = |size| LayerSpec::MaxPool2d { size };
        let strided = LayerSpec::Conv {
            in_channels: 3,
            out_channels: 5,
            window: Window2d {
                kernel: [3, 2],
                stride: [2, 1],
                pads: [1, 0, 1, 1],
                dilation: [1, 2],
            },
        };
        let cases: Vec<([usize; 4], Vec<LayerSpec>)> = vec![
            // The NEU shape's first block: one input channel, 200 rows in several tiles.
            (
                [2, 1, 200, 200],
                vec![conv(1, 32, 3), LayerSpec::Relu, pool(2)],
            ),
            // Odd sizes (the pool drops the last row and column), two blocks, no pool at the end.
            (
                [3, 2, 37, 41],
                vec![
                    conv(2, 8, 3),
                    LayerSpec::Relu,
                    pool(2),
                    conv(8, 16, 5),
                    LayerSpec::Relu,
                    LayerSpec::GlobalAvgPool,
                    LayerSpec::Dense {
                        inputs: 16,
                        units: 3,
                    },
                ],
            ),
            // Pool of 3 over many tiles (K = 288 gives tiles of a few rows).
            (
                [1, 32, 50, 50],
                vec![conv(32, 4, 3), LayerSpec::Relu, pool(3), LayerSpec::Flatten],
            ),
            // A deep input (K = 576): tiles of 4 rows (pooled in place) and of 9 rows (odd: a
            // window would straddle two tiles, so the pooling runs after the fused rectifier).
            (
                [1, 64, 50, 50],
                vec![conv(64, 64, 3), LayerSpec::Relu, pool(2)],
            ),
            (
                [1, 64, 25, 25],
                vec![conv(64, 64, 3), LayerSpec::Relu, pool(2)],
            ),
            // A general window, then the general pooling form with a tiling window.
            (
                [2, 3, 20, 17],
                vec![
                    strided,
                    LayerSpec::Relu,
                    LayerSpec::MaxPool {
                        window: Window2d::tiling(2),
                    },
                ],
            ),
            // A convolution without ReLU is not fused; one window covering the whole map.
            ([1, 1, 5, 5], vec![conv(1, 2, 3), pool(2)]),
            ([1, 1, 5, 5], vec![conv(1, 2, 3), LayerSpec::Relu, pool(5)]),
        ];
        for (shape, specs) in &cases {
            check::<f32>(*shape, specs);
            check::<f64>(*shape, specs);
        }
    }
}
