//! [`Relu`]: `max(0, x)` with its gradient and the DeepLIFT rescale rule.

use super::{Layer, LayerSpec, Param, Scalar, Tensor};

/// Elementwise rectifier `y = max(0, x)`, any shape.
#[derive(Clone, Copy, Debug, Default)]
pub struct Relu;

/// The DeepLIFT rescale multiplier of ReLU between `x` and its reference `r`:
/// `(relu(x) - relu(r)) / (x - r)`, and the gradient (1 for `x > 0`, else 0) when `x == r`.
///
/// shap's DeepExplainer falls back to the gradient whenever `|x - r| < 1e-6`, because for
/// smooth nonlinearities the secant loses its digits to cancellation there. For ReLU the secant
/// never cancels: on the same side of 0 it is exactly 1 or 0, and across 0, `|x - r| >=
/// max(|x|, |r|)`. Using it for every `x != r` keeps summation to delta exact to rounding; the
/// 1e-6 fallback would break local accuracy by up to `1e-6 × |downstream weights|` whenever a
/// pair straddles 0 within 1e-6 (which happens among millions of pairs).
#[inline]
pub fn relu_rescale<T: Scalar>(x: T, r: T) -> T {
    let zero = T::ZERO;
    match (x > zero, r > zero) {
        (true, true) => T::ONE,
        (false, false) => zero,
        // Exactly one of relu(x), relu(r) is nonzero; x - r has no cancellation.
        (true, false) => x / (x - r),
        (false, true) => -r / (x - r),
    }
}

impl<T: Scalar> Layer<T> for Relu {
    fn spec(&self) -> LayerSpec {
        LayerSpec::Relu
    }

    fn output_shape(&self, input: &[usize]) -> Result<Vec<usize>, String> {
        Ok(input.to_vec())
    }

    fn params(&self) -> Vec<&Param<T>> {
        Vec::new()
    }

    fn params_mut(&mut self) -> Vec<&mut Param<T>> {
        Vec::new()
    }

    fn forward(&self, x: &Tensor<T>) -> Tensor<T> {
        let data = x
            .data()
            .iter()
            .map(|&v| if v > T::ZERO { v } else { T::ZERO })
            .collect();
        Tensor::new(x.shape().to_vec(), data).expect("same shape")
    }

    fn forward_owned(&self, mut x: Tensor<T>) -> Tensor<T> {
        for v in x.data_mut() {
            // A select, not a conditional store, so it vectorises.
            *v = if *v > T::ZERO { *v } else { T::ZERO };
        }
        x
    }

    fn backward(
        &self,
        x: &Tensor<T>,
        _y: &Tensor<T>,
        dy: &Tensor<T>,
        _param_grads: Option<&mut [Vec<T>]>,
    ) -> Tensor<T> {
        // Derivative 0 at exactly 0, as PyTorch and Keras do.
        let data = x
            .data()
            .iter()
            .zip(dy.data())
            .map(|(&v, &d)| if v > T::ZERO { d } else { T::ZERO })
            .collect();
        Tensor::new(x.shape().to_vec(), data).expect("same shape")
    }

    fn deeplift_backward(
        &self,
        x: &Tensor<T>,
        r: &Tensor<T>,
        _y: &Tensor<T>,
        _yr: &Tensor<T>,
        m_y: &Tensor<T>,
    ) -> Tensor<T> {
        let data = x
            .data()
            .iter()
            .zip(r.data())
            .zip(m_y.data())
            .map(|((&xv, &rv), &m)| m * relu_rescale(xv, rv))
            .collect();
        Tensor::new(x.shape().to_vec(), data).expect("same shape")
    }
}
