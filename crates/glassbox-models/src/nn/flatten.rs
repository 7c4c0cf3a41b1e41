//! [`Flatten`]: (N, C, H, W) (or any shape) to (N, C·H·W), row-major.

use super::{Layer, LayerSpec, Param, Scalar, Tensor};

/// Reshapes each sample to a flat vector in row-major order, (N, C, H, W) to (N, C·H·W): the
/// order of PyTorch's `nn.Flatten` on NCHW (Keras flattens NHWC, a different order).
#[derive(Clone, Copy, Debug, Default)]
pub struct Flatten;

impl<T: Scalar> Layer<T> for Flatten {
    fn spec(&self) -> LayerSpec {
        LayerSpec::Flatten
    }

    fn output_shape(&self, input: &[usize]) -> Result<Vec<usize>, String> {
        if input.is_empty() {
            return Err("flatten expects a per-sample shape with at least one axis".into());
        }
        Ok(vec![input.iter().product()])
    }

    fn params(&self) -> Vec<&Param<T>> {
        Vec::new()
    }

    fn params_mut(&mut self) -> Vec<&mut Param<T>> {
        Vec::new()
    }

    fn forward(&self, x: &Tensor<T>) -> Tensor<T> {
        Tensor::new(vec![x.batch(), x.sample_len()], x.data().to_vec()).expect("same size")
    }

    fn backward(
        &self,
        x: &Tensor<T>,
        _y: &Tensor<T>,
        dy: &Tensor<T>,
        _param_grads: Option<&mut [Vec<T>]>,
    ) -> Tensor<T> {
        Tensor::new(x.shape().to_vec(), dy.data().to_vec()).expect("same size")
    }

    fn deeplift_backward(
        &self,
        x: &Tensor<T>,
        _r: &Tensor<T>,
        _y: &Tensor<T>,
        _yr: &Tensor<T>,
        m_y: &Tensor<T>,
    ) -> Tensor<T> {
        Tensor::new(x.shape().to_vec(), m_y.data().to_vec()).expect("same size")
    }
}
