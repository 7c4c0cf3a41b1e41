//! glassbox's explicit neural-network layer engine.
//!
//! A network is a [`Sequential`] list of [`Layer`]s over batch-first [`Tensor`]s (tables
//! (N, features), images (N, C, H, W)). Each layer implements its forward pass, its backward
//! pass (input gradients, and parameter gradients for training) and its DeepLIFT backward rule,
//! and every intermediate activation is kept by [`Sequential::forward_trace`], so explainers can
//! read activations and gradients at any layer. Matrix products go through `gemm`
//! ([`matmul`]), single-threaded per call; parallelism is over fixed blocks of samples with
//! rayon, so results never depend on the thread count.
//!
//! Layers: [`Dense`], [`Relu`], [`Conv2d`] (im2col + gemm, any [`Window2d`]), [`MaxPool2d`]
//! (with the DeepLIFT two-step rule), [`AvgPool2d`], [`GlobalAvgPool`], [`Flatten`], and for
//! imported networks [`LeakyRelu`], [`Sigmoid`], [`Tanh`] (DeepLIFT rescale rule) and
//! [`ChannelAffine`]; softmax is fused with the cross-entropy loss ([`softmax_cross_entropy`]).
//! Models: the table [`Mlp`], the image classifier [`Cnn`], and [`FlatNetwork`] (any network as
//! a model of flat rows).

mod activation;
mod adam;
mod avg_pool;
mod channel_affine;
mod cnn;
mod cnn_io;
mod cnn_train;
mod conv2d;
mod cross_entropy;
mod dense;
mod flatten;
mod global_avg_pool;
mod layer;
mod loss;
pub mod matmul;
mod max_pool2d;
mod mlp;
mod mlp_io;
mod network;
mod relu;
mod scalar;
mod sequential;
mod tensor;
mod weights_io;
mod window;

pub use activation::{LeakyRelu, RESCALE_EPSILON, Sigmoid, Tanh};
pub use adam::Adam;
pub use avg_pool::AvgPool2d;
pub use channel_affine::ChannelAffine;
pub use cnn::{Cnn, CnnArch, cnn_specs};
pub use cnn_io::{
    CNN_ARCHITECTURE_FILE, CNN_FORMAT, CNN_VERSION, CNN_WEIGHTS_FILE, CnnArchitecture,
};
pub use cnn_train::{Augment, CnnEpochReport, CnnParams, CnnStepReport, LrSchedule};
pub use conv2d::Conv2d;
pub use cross_entropy::{softmax, softmax_cross_entropy};
pub use dense::Dense;
pub use flatten::Flatten;
pub use global_avg_pool::GlobalAvgPool;
pub use layer::{Layer, LayerSpec, Param};
pub use loss::mse;
pub use max_pool2d::MaxPool2d;
pub use mlp::{
    EpochReport, Mlp, MlpParams, TargetScaling, TargetTransform, mlp_specs, parse_hidden,
};
pub use mlp_io::{MLP_FORMAT, MLP_VERSION, MlpArchitecture};
pub use network::FlatNetwork;
pub use relu::{Relu, relu_rescale};
pub use scalar::Scalar;
pub use sequential::Sequential;
pub use tensor::Tensor;
pub use window::Window2d;
