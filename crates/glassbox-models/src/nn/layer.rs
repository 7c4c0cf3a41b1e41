//! The [`Layer`] trait every layer of the engine implements, the serialisable [`LayerSpec`] and
//! trainable [`Param`]s.

use std::fmt::Debug;

use serde::{Deserialize, Serialize};

use super::{Scalar, Tensor, Window2d};

/// A trainable parameter tensor of a layer (a weight matrix, a bias vector).
#[derive(Clone, Debug, PartialEq)]
pub struct Param<T> {
    /// Name within its layer (`"weight"`, `"bias"`); with the layer index it names the tensor in
    /// the safetensors file (`layers.0.weight`).
    pub name: &'static str,
    /// Shape, e.g. (out, in) for a dense weight (PyTorch's layout).
    pub shape: Vec<usize>,
    /// Values, row-major.
    pub data: Vec<T>,
}

/// The architecture of one layer, as stored in the architecture JSON (`{"type": "dense", ...}`).
///
/// Per-sample shapes below exclude the batch axis; images are (channels, height, width).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum LayerSpec {
    /// Fully connected: input (inputs,), output (units,); weight (units, inputs), bias (units,).
    Dense {
        /// Input width.
        inputs: usize,
        /// Output width.
        units: usize,
    },
    /// Elementwise `max(0, x)`; any shape.
    Relu,
    /// 2-D convolution, stride 1, "same" zero padding: input (in_channels, H, W), output
    /// (out_channels, H, W); weight (out_channels, in_channels, k, k), bias (out_channels,).
    Conv2d {
        /// Input channels.
        in_channels: usize,
        /// Output channels (filters).
        out_channels: usize,
        /// Kernel side k.
        kernel_size: usize,
    },
    /// Max pooling over `size × size` windows with stride `size` (floor): (C, H, W) to
    /// (C, ⌊H/size⌋, ⌊W/size⌋).
    MaxPool2d {
        /// Window side and stride.
        size: usize,
    },
    /// Global average pooling: (C, H, W) to (C,).
    GlobalAvgPool,
    /// Row-major flattening: any shape to (product,).
    Flatten,
    /// 2-D convolution over any window (group 1): input (in_channels, H, W), output
    /// (out_channels, H', W') with (H', W') from [`Window2d::output_size`]; weight
    /// (out_channels, in_channels, kh, kw), bias (out_channels,). Zero padding.
    Conv {
        /// Input channels.
        in_channels: usize,
        /// Output channels.
        out_channels: usize,
        /// Kernel, stride, padding, dilation.
        window: Window2d,
    },
    /// Max pooling over any window: (C, H, W) to (C, H', W'); padded positions never win.
    MaxPool {
        /// Kernel, stride, padding, dilation.
        window: Window2d,
    },
    /// Average pooling over any window (dilation 1): (C, H, W) to (C, H', W'); the divisor is
    /// kh·kw with `count_include_pad`, else the number of window positions inside the input
    /// (ONNX's AveragePool, PyTorch's `count_include_pad`).
    AvgPool {
        /// Kernel, stride, padding (dilation must be 1).
        window: Window2d,
        /// Whether padded positions count in the divisor.
        count_include_pad: bool,
    },
    /// Elementwise `x` for `x > 0`, else `alpha · x`; any shape.
    LeakyRelu {
        /// Slope for `x <= 0`.
        alpha: f64,
    },
    /// Elementwise logistic sigmoid `1 / (1 + e^(-x))`; any shape.
    Sigmoid,
    /// Elementwise hyperbolic tangent; any shape.
    Tanh,
    /// Per-channel affine map `y = weight[c] · x + bias[c]` over (C,) or (C, H, W) (axis 0 of
    /// the per-sample shape is the channel); weight (C,), bias (C,). A BatchNormalization that
    /// cannot be folded into the layer before it, or an image network's input normalisation.
    ChannelAffine {
        /// Channels C.
        channels: usize,
    },
}

impl LayerSpec {
    /// Whether the layer is a convolution (either form).
    pub fn is_conv(&self) -> bool {
        matches!(self, LayerSpec::Conv2d { .. } | LayerSpec::Conv { .. })
    }

    /// Whether the layer is an elementwise activation (what a conv layer's feature maps are
    /// read after).
    pub fn is_activation(&self) -> bool {
        matches!(
            self,
            LayerSpec::Relu | LayerSpec::LeakyRelu { .. } | LayerSpec::Sigmoid | LayerSpec::Tanh
        )
    }

    /// A short lowercase name for layer names and messages (`dense`, `relu`).
    pub fn kind(&self) -> &'static str {
        match self {
            LayerSpec::Dense { .. } => "dense",
            LayerSpec::Relu => "relu",
            LayerSpec::Conv2d { .. } => "conv2d",
            LayerSpec::MaxPool2d { .. } => "max_pool2d",
            LayerSpec::GlobalAvgPool => "global_avg_pool",
            LayerSpec::Flatten => "flatten",
            LayerSpec::Conv { .. } => "conv",
            LayerSpec::MaxPool { .. } => "max_pool",
            LayerSpec::AvgPool { .. } => "avg_pool",
            LayerSpec::LeakyRelu { .. } => "leaky_relu",
            LayerSpec::Sigmoid => "sigmoid",
            LayerSpec::Tanh => "tanh",
            LayerSpec::ChannelAffine { .. } => "channel_affine",
        }
    }
}

/// One layer of a [`super::Sequential`] network: forward, backward (gradients), and the
/// DeepLIFT backward rule.
///
/// Tensors are batch first. `x` is the layer's input and `y` its output from [`Layer::forward`];
/// backward passes receive both, so layers keep no state between calls and can be shared across
/// threads.
pub trait Layer<T: Scalar>: Send + Sync + Debug {
    /// The layer's architecture.
    fn spec(&self) -> LayerSpec;

    /// The per-sample output shape for a per-sample input shape (both without the batch axis),
    /// or a message saying what input shape was expected.
    fn output_shape(&self, input: &[usize]) -> Result<Vec<usize>, String>;

    /// Trainable parameters, in a fixed order (empty for parameter-free layers).
    fn params(&self) -> Vec<&Param<T>>;

    /// Trainable parameters, mutable, in the order of [`Layer::params`].
    fn params_mut(&mut self) -> Vec<&mut Param<T>>;

    /// Forward pass of a batch.
    fn forward(&self, x: &Tensor<T>) -> Tensor<T>;

    /// [`Layer::forward`] taking the input by value, for inference where the input is not kept:
    /// element-wise layers override it to work in the input's buffer (no allocation, one pass
    /// over memory instead of two). Same result as `forward`.
    fn forward_owned(&self, x: Tensor<T>) -> Tensor<T> {
        self.forward(&x)
    }

    /// This layer as a [`super::Conv2d`], for the fused inference pass of
    /// [`super::Sequential::forward`] (`None` for every other layer).
    fn as_conv2d(&self) -> Option<&super::Conv2d<T>> {
        None
    }

    /// Backward pass: given `dy = ∂L/∂y`, returns `∂L/∂x`. When `param_grads` is given (one
    /// buffer per parameter, in [`Layer::params`] order), `∂L/∂param` is *added* to it.
    fn backward(
        &self,
        x: &Tensor<T>,
        y: &Tensor<T>,
        dy: &Tensor<T>,
        param_grads: Option<&mut [Vec<T>]>,
    ) -> Tensor<T>;

    /// Adds `∂L/∂param` to `param_grads` (as [`Layer::backward`] does) without computing the
    /// input gradient: what training needs at the first layer. The default calls
    /// [`Layer::backward`] and drops its result.
    fn param_backward(
        &self,
        x: &Tensor<T>,
        y: &Tensor<T>,
        dy: &Tensor<T>,
        param_grads: &mut [Vec<T>],
    ) {
        let _ = self.backward(x, y, dy, Some(param_grads));
    }

    /// DeepLIFT backward pass (rescale rule) for pairs: sample `p` of `x` is paired with sample
    /// `p` of the reference input `r` (`y`, `yr` are the corresponding outputs). Given the
    /// multipliers `m_y` of the network output with respect to this layer's output, returns the
    /// multipliers with respect to its input, such that
    /// `sum m_x * (x - r) == sum m_y * (y - yr)` per pair (summation to delta).
    /// Linear layers return their ordinary backward pass.
    fn deeplift_backward(
        &self,
        x: &Tensor<T>,
        r: &Tensor<T>,
        y: &Tensor<T>,
        yr: &Tensor<T>,
        m_y: &Tensor<T>,
    ) -> Tensor<T>;
}
