//! [`GlobalAvgPool`]: the mean of every feature map, (N, C, H, W) to (N, C).

use super::{Layer, LayerSpec, Param, Scalar, Tensor};

/// Global average pooling: `y[n, c] = mean over (h, w) of x[n, c, h, w]` (Keras'
/// `GlobalAveragePooling2D`), the layer that makes CAM possible.
#[derive(Clone, Copy, Debug, Default)]
pub struct GlobalAvgPool;

impl<T: Scalar> Layer<T> for GlobalAvgPool {
    fn spec(&self) -> LayerSpec {
        LayerSpec::GlobalAvgPool
    }

    fn output_shape(&self, input: &[usize]) -> Result<Vec<usize>, String> {
        match input {
            [c, h, w] if *h > 0 && *w > 0 => Ok(vec![*c]),
            _ => Err(format!(
                "global_avg_pool expects (channels, height, width) per sample, got shape {input:?}"
            )),
        }
    }

    fn params(&self) -> Vec<&Param<T>> {
        Vec::new()
    }

    fn params_mut(&mut self) -> Vec<&mut Param<T>> {
        Vec::new()
    }

    fn forward(&self, x: &Tensor<T>) -> Tensor<T> {
        let s = x.shape();
        let (n, c, hw) = (s[0], s[1], s[2] * s[3]);
        let inv = T::from_f64(1.0 / hw as f64);
        let data = x
            .data()
            .chunks_exact(hw)
            .map(|plane| plane.iter().copied().sum::<T>() * inv)
            .collect();
        Tensor::new(vec![n, c], data).expect("global_avg_pool output size")
    }

    fn backward(
        &self,
        x: &Tensor<T>,
        _y: &Tensor<T>,
        dy: &Tensor<T>,
        _param_grads: Option<&mut [Vec<T>]>,
    ) -> Tensor<T> {
        let s = x.shape();
        let hw = s[2] * s[3];
        let inv = T::from_f64(1.0 / hw as f64);
        let mut dx = Vec::with_capacity(x.data().len());
        for &d in dy.data() {
            dx.extend(std::iter::repeat_n(d * inv, hw));
        }
        Tensor::new(s.to_vec(), dx).expect("same shape")
    }

    fn deeplift_backward(
        &self,
        x: &Tensor<T>,
        _r: &Tensor<T>,
        y: &Tensor<T>,
        _yr: &Tensor<T>,
        m_y: &Tensor<T>,
    ) -> Tensor<T> {
        // Linear: multipliers equal gradients.
        self.backward(x, y, m_y, None)
    }
}
