//! [`Dense`]: the fully connected layer `y = x Wᵀ + b`.

use glassbox_core::rng::Rng;

use super::matmul::{MatRef, matmul};
use super::{Layer, LayerSpec, Param, Scalar, Tensor};

/// Fully connected layer: input (N, inputs), output (N, units), `y = x Wᵀ + b` with the weight
/// stored as (units, inputs) like PyTorch's `nn.Linear`.
#[derive(Clone, Debug)]
pub struct Dense<T> {
    inputs: usize,
    units: usize,
    weight: Param<T>,
    bias: Param<T>,
}

impl<T: Scalar> Dense<T> {
    /// A layer with all-zero weights and biases.
    pub fn zeros(inputs: usize, units: usize) -> Self {
        Dense {
            inputs,
            units,
            weight: Param {
                name: "weight",
                shape: vec![units, inputs],
                data: vec![T::ZERO; units * inputs],
            },
            bias: Param {
                name: "bias",
                shape: vec![units],
                data: vec![T::ZERO; units],
            },
        }
    }

    /// Glorot (Xavier) uniform weights, `U(-a, a)` with `a = sqrt(6 / (inputs + units))`, and
    /// zero biases: Keras' default initialisation for `Dense`.
    pub fn glorot_uniform(inputs: usize, units: usize, rng: &mut Rng) -> Self {
        let mut layer = Self::zeros(inputs, units);
        let a = (6.0 / (inputs + units) as f64).sqrt();
        for w in &mut layer.weight.data {
            *w = T::from_f64(rng.uniform(-a, a));
        }
        layer
    }

    /// The weight matrix, (units, inputs), row-major.
    pub fn weight(&self) -> &[T] {
        &self.weight.data
    }

    /// The bias, (units,).
    pub fn bias(&self) -> &[T] {
        &self.bias.data
    }
}

impl<T: Scalar> Layer<T> for Dense<T> {
    fn spec(&self) -> LayerSpec {
        LayerSpec::Dense {
            inputs: self.inputs,
            units: self.units,
        }
    }

    fn output_shape(&self, input: &[usize]) -> Result<Vec<usize>, String> {
        if input != [self.inputs] {
            return Err(format!(
                "dense layer expects a flat input of {} values per sample, got shape {input:?}",
                self.inputs
            ));
        }
        Ok(vec![self.units])
    }

    fn params(&self) -> Vec<&Param<T>> {
        vec![&self.weight, &self.bias]
    }

    fn params_mut(&mut self) -> Vec<&mut Param<T>> {
        vec![&mut self.weight, &mut self.bias]
    }

    fn forward(&self, x: &Tensor<T>) -> Tensor<T> {
        let n = x.batch();
        let mut y = Vec::with_capacity(n * self.units);
        for _ in 0..n {
            y.extend_from_slice(&self.bias.data);
        }
        let xm = MatRef::row_major(x.data(), n, self.inputs);
        let wt = MatRef::row_major(&self.weight.data, self.units, self.inputs).t();
        matmul(&mut y, true, xm, wt);
        Tensor::new(vec![n, self.units], y).expect("dense output size")
    }

    fn backward(
        &self,
        x: &Tensor<T>,
        _y: &Tensor<T>,
        dy: &Tensor<T>,
        param_grads: Option<&mut [Vec<T>]>,
    ) -> Tensor<T> {
        let n = x.batch();
        let dym = MatRef::row_major(dy.data(), n, self.units);
        if let Some(grads) = param_grads {
            let (gw, gb) = grads.split_at_mut(1);
            // dW (units, inputs) += dyᵀ (units, N) × x (N, inputs)
            matmul(
                &mut gw[0],
                true,
                dym.t(),
                MatRef::row_major(x.data(), n, self.inputs),
            );
            // db += column sums of dy, summed in sample order (fixed order: deterministic).
            for row in dy.data().chunks_exact(self.units) {
                for (g, &d) in gb[0].iter_mut().zip(row) {
                    *g += d;
                }
            }
        }
        Tensor::new(vec![n, self.inputs], self.input_grad(dym)).expect("dense input size")
    }

    fn deeplift_backward(
        &self,
        _x: &Tensor<T>,
        _r: &Tensor<T>,
        _y: &Tensor<T>,
        _yr: &Tensor<T>,
        m_y: &Tensor<T>,
    ) -> Tensor<T> {
        // Linear: y - yr = W (x - r), so the multipliers pass through the weights exactly as
        // gradients do.
        let n = m_y.batch();
        let m = MatRef::row_major(m_y.data(), n, self.units);
        Tensor::new(vec![n, self.inputs], self.input_grad(m)).expect("dense input size")
    }
}

impl<T: Scalar> Dense<T> {
    /// `dy (N, units) × W (units, inputs)`.
    fn input_grad(&self, dy: MatRef<'_, T>) -> Vec<T> {
        let n = dy.rows();
        let mut dx = vec![T::ZERO; n * self.inputs];
        matmul(
            &mut dx,
            false,
            dy,
            MatRef::row_major(&self.weight.data, self.units, self.inputs),
        );
        dx
    }
}
