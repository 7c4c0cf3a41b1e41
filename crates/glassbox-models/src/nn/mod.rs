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
//! The layers so far are [`Dense`] and [`Relu`] (the table MLP, [`Mlp`]); convolution (im2col +
//! gemm), max-pooling (with the DeepLIFT two-step rule), global average pooling, flatten and
//! softmax slot into [`LayerSpec`] and [`Layer`] the same way.

mod adam;
mod dense;
mod layer;
mod loss;
pub mod matmul;
mod mlp;
mod mlp_io;
mod relu;
mod scalar;
mod sequential;
mod tensor;

pub use adam::Adam;
pub use dense::Dense;
pub use layer::{Layer, LayerSpec, Param};
pub use loss::mse;
pub use mlp::{
    EpochReport, Mlp, MlpParams, TargetScaling, TargetTransform, mlp_specs, parse_hidden,
};
pub use mlp_io::{MLP_FORMAT, MLP_VERSION, MlpArchitecture};
pub use relu::{Relu, relu_rescale};
pub use scalar::Scalar;
pub use sequential::Sequential;
pub use tensor::Tensor;
