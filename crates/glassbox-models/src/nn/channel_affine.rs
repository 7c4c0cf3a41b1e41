//! [`ChannelAffine`]: a per-channel affine map, `y = weight[c] · x + bias[c]`.

use super::{Layer, LayerSpec, Param, Scalar, Tensor};

/// `y = weight[c] · x + bias[c]` over per-sample shapes (C,) or (C, H, W) (axis 0 of the
/// per-sample shape is the channel); weight (C,), bias (C,). What an imported
/// BatchNormalization becomes when no Conv or Gemm precedes it, and where an image network's
/// input normalisation `(x − mean) / std` goes. Linear: its DeepLIFT multipliers are its
/// gradients.
#[derive(Clone, Debug)]
pub struct ChannelAffine<T> {
    channels: usize,
    weight: Param<T>,
    bias: Param<T>,
}

impl<T: Scalar> ChannelAffine<T> {
    /// The identity map over `channels` channels (weights 1, biases 0).
    pub fn identity(channels: usize) -> Self {
        ChannelAffine {
            channels,
            weight: Param {
                name: "weight",
                shape: vec![channels],
                data: vec![T::ONE; channels],
            },
            bias: Param {
                name: "bias",
                shape: vec![channels],
                data: vec![T::ZERO; channels],
            },
        }
    }

    /// Values per channel of a sample of `len` values.
    fn plane(&self, len: usize) -> usize {
        len / self.channels.max(1)
    }
}

impl<T: Scalar> Layer<T> for ChannelAffine<T> {
    fn spec(&self) -> LayerSpec {
        LayerSpec::ChannelAffine {
            channels: self.channels,
        }
    }

    fn output_shape(&self, input: &[usize]) -> Result<Vec<usize>, String> {
        match input.first() {
            Some(&c) if c == self.channels => Ok(input.to_vec()),
            _ => Err(format!(
                "channel_affine over {} channels expects (channels, ...) per sample, got \
                 shape {input:?}",
                self.channels
            )),
        }
    }

    fn params(&self) -> Vec<&Param<T>> {
        vec![&self.weight, &self.bias]
    }

    fn params_mut(&mut self) -> Vec<&mut Param<T>> {
        vec![&mut self.weight, &mut self.bias]
    }

    fn forward(&self, x: &Tensor<T>) -> Tensor<T> {
        let plane = self.plane(x.sample_len());
        let mut data = x.data().to_vec();
        for (i, p) in data.chunks_exact_mut(plane.max(1)).enumerate() {
            let c = i % self.channels;
            let (w, b) = (self.weight.data[c], self.bias.data[c]);
            p.iter_mut().for_each(|v| *v = w * *v + b);
        }
        Tensor::new(x.shape().to_vec(), data).expect("same shape")
    }

    fn backward(
        &self,
        x: &Tensor<T>,
        _y: &Tensor<T>,
        dy: &Tensor<T>,
        param_grads: Option<&mut [Vec<T>]>,
    ) -> Tensor<T> {
        let plane = self.plane(x.sample_len()).max(1);
        if let Some(grads) = param_grads {
            let (gw, gb) = grads.split_at_mut(1);
            for (i, (dp, xp)) in dy
                .data()
                .chunks_exact(plane)
                .zip(x.data().chunks_exact(plane))
                .enumerate()
            {
                let c = i % self.channels;
                for (&d, &v) in dp.iter().zip(xp) {
                    gw[0][c] += d * v;
                    gb[0][c] += d;
                }
            }
        }
        let mut dx = dy.data().to_vec();
        for (i, p) in dx.chunks_exact_mut(plane).enumerate() {
            let w = self.weight.data[i % self.channels];
            p.iter_mut().for_each(|v| *v *= w);
        }
        Tensor::new(x.shape().to_vec(), dx).expect("same shape")
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
