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

    /// Forward pass, returning only the output.
    pub fn forward(&self, x: &Tensor<T>) -> Tensor<T> {
        let mut a = self
            .layers
            .first()
            .map(|l| l.forward(x))
            .unwrap_or_else(|| x.clone());
        for layer in self.layers.iter().skip(1) {
            a = layer.forward_owned(a);
        }
        a
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
