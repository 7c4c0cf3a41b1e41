//! [`FlatNetwork`]: any network of the layer engine seen as a model of flat rows, with its
//! predictions, input gradients and DeepLIFT multipliers in `f64` (what the gradient explainers
//! read through [`Differentiable`] and [`DeepLift`]); and [`row_blocks`], the block-parallel
//! loop it shares with [`super::Mlp`].

use glassbox_core::differentiable::{DeepLift, Differentiable, check_deeplift_pairs, check_output};
use glassbox_core::model::check_input;
use glassbox_core::ndarray::{Array2, ArrayView2, s};
use glassbox_core::{CoreError, Predict};
use rayon::prelude::*;

use super::{Sequential, Tensor};

/// Values per block (rows × values per row) when a [`FlatNetwork`] predicts or differentiates:
/// 256 rows of a 256-feature table, one 3×148×148 image.
const BLOCK_VALUES: usize = 1 << 16;

/// Runs `f(first row, block)` on consecutive blocks of at most `block_rows` rows of `x`
/// (samples, features) in parallel and stacks the (block rows, `cols`) results in row order.
/// Each block's arithmetic is independent of the thread count.
pub(crate) fn row_blocks<F>(
    x: ArrayView2<'_, f64>,
    block_rows: usize,
    cols: usize,
    f: F,
) -> Array2<f64>
where
    F: Fn(usize, ArrayView2<'_, f64>) -> Array2<f64> + Sync,
{
    let n = x.nrows();
    let starts: Vec<usize> = (0..n).step_by(block_rows.max(1)).collect();
    let parts: Vec<Array2<f64>> = starts
        .par_iter()
        .map(|&s0| f(s0, x.slice(s![s0..(s0 + block_rows).min(n), ..])))
        .collect();
    let mut out = Array2::zeros((n, cols));
    for (&s0, p) in starts.iter().zip(&parts) {
        out.slice_mut(s![s0..s0 + p.nrows(), ..]).assign(p);
    }
    out
}

/// A network whose per-sample input (any shape: `(features,)`, `(channels, height, width)`) is
/// read from flat rows in row-major order, and whose output is one vector per sample (the
/// margins: logits of a classifier, the prediction of a regressor).
///
/// `x` arguments of its [`Predict`], [`Differentiable`] and [`DeepLift`] methods have shape
/// (samples, product of the input shape); outputs have shape (samples, outputs). An image
/// network so answers for images flattened in (channel, row, column) order, which is what lets
/// DeepSHAP and Integrated Gradients explain it pixel by pixel.
#[derive(Clone, Debug)]
pub struct FlatNetwork {
    net: Sequential<f64>,
    n_features: usize,
    n_outputs: usize,
    block_rows: usize,
}

impl FlatNetwork {
    /// Wraps `net`; errors (a message) unless its output is one vector per sample.
    pub fn new(net: Sequential<f64>) -> Result<FlatNetwork, String> {
        let out = net.output_shape()?;
        let n_outputs = match out.as_slice() {
            [k] if *k > 0 => *k,
            _ => {
                return Err(format!(
                    "the network's output per sample has shape {out:?}; expected one vector \
                     of outputs (k,)"
                ));
            }
        };
        let n_features: usize = net.input_shape().iter().product();
        if n_features == 0 {
            return Err(format!(
                "the network's input shape {:?} has no values",
                net.input_shape()
            ));
        }
        Ok(FlatNetwork {
            block_rows: (BLOCK_VALUES / n_features).clamp(1, 256),
            net,
            n_features,
            n_outputs,
        })
    }

    /// The network.
    pub fn network(&self) -> &Sequential<f64> {
        &self.net
    }

    /// The rows `x` (rows, features) as a batch tensor of the network's input shape.
    fn batch(&self, x: ArrayView2<'_, f64>) -> Tensor<f64> {
        let mut shape = vec![x.nrows()];
        shape.extend_from_slice(self.net.input_shape());
        Tensor::from_array2(x)
            .reshape(shape)
            .expect("rows hold one input each (checked)")
    }

    /// A (rows, outputs) seed selecting output `output`.
    fn one_hot(&self, rows: usize, output: usize) -> Tensor<f64> {
        let mut seed = Tensor::zeros(vec![rows, self.n_outputs]);
        for r in 0..rows {
            seed.data_mut()[r * self.n_outputs + output] = 1.0;
        }
        seed
    }

    /// A (rows, features) matrix from a gradient tensor of the input's shape.
    fn rows(&self, t: Tensor<f64>) -> Array2<f64> {
        let n = t.batch();
        Array2::from_shape_vec((n, self.n_features), t.into_data()).expect("input-shaped gradient")
    }
}

impl Predict for FlatNetwork {
    fn n_features(&self) -> usize {
        self.n_features
    }

    fn n_outputs(&self) -> usize {
        self.n_outputs
    }

    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>, CoreError> {
        check_input(x, self.n_features)?;
        Ok(row_blocks(x, self.block_rows, self.n_outputs, |_, xb| {
            let y = self.net.forward(&self.batch(xb));
            Array2::from_shape_vec((xb.nrows(), self.n_outputs), y.into_data())
                .expect("one output vector per row")
        }))
    }
}

impl Differentiable for FlatNetwork {
    fn input_gradients(
        &self,
        x: ArrayView2<'_, f64>,
        output: usize,
    ) -> Result<Array2<f64>, CoreError> {
        check_input(x, self.n_features)?;
        check_output(output, self.n_outputs)?;
        Ok(row_blocks(x, self.block_rows, self.n_features, |_, xb| {
            let trace = self.net.forward_trace(self.batch(xb));
            self.rows(
                self.net
                    .backward(&trace, self.one_hot(xb.nrows(), output), None),
            )
        }))
    }
}

impl DeepLift for FlatNetwork {
    fn deeplift_multipliers(
        &self,
        x: ArrayView2<'_, f64>,
        reference: ArrayView2<'_, f64>,
        output: usize,
    ) -> Result<Array2<f64>, CoreError> {
        check_deeplift_pairs(x, reference, self.n_features, output, self.n_outputs)?;
        Ok(row_blocks(x, self.block_rows, self.n_features, |s0, xb| {
            let rb = reference.slice(s![s0..s0 + xb.nrows(), ..]);
            let xt = self.net.forward_trace(self.batch(xb));
            let rt = self.net.forward_trace(self.batch(rb));
            self.rows(
                self.net
                    .deeplift(&xt, &rt, self.one_hot(xb.nrows(), output)),
            )
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::LayerSpec;
    use glassbox_core::ndarray::Array2;
    use glassbox_core::rng::Rng;

    /// A small conv net over (2, 5, 5) images, random weights.
    fn conv_net() -> FlatNetwork {
        let specs = [
            LayerSpec::Conv2d {
                in_channels: 2,
                out_channels: 3,
                kernel_size: 3,
            },
            LayerSpec::Relu,
            LayerSpec::Flatten,
            LayerSpec::Dense {
                inputs: 75,
                units: 2,
            },
        ];
        let mut net = Sequential::<f64>::from_specs(vec![2, 5, 5], &specs).unwrap();
        net.init_glorot(7);
        let mut rng = Rng::new(3);
        for p in net.params_mut() {
            for v in &mut p.data {
                *v += rng.uniform(-0.1, 0.1);
            }
        }
        FlatNetwork::new(net).unwrap()
    }

    fn rows(n: usize, seed: u64) -> Array2<f64> {
        let mut rng = Rng::new(seed);
        Array2::from_shape_fn((n, 50), |_| rng.uniform(-1.0, 1.0))
    }

    #[test]
    fn image_rows_predict_differentiate_and_sum_to_delta() {
        let model = conv_net();
        assert_eq!((model.n_features(), model.n_outputs()), (50, 2));
        let (x, r) = (rows(3, 1), rows(3, 2));
        let y = model.predict(x.view()).unwrap();
        let yr = model.predict(r.view()).unwrap();
        // Row by row through the network directly: the flat layout is (channel, row, column).
        for i in 0..3 {
            let t = Tensor::new(vec![1, 2, 5, 5], x.row(i).to_vec()).unwrap();
            assert_eq!(
                model.network().forward(&t).data(),
                y.row(i).as_slice().unwrap()
            );
        }
        for out in 0..2 {
            let m = model.deeplift_multipliers(x.view(), r.view(), out).unwrap();
            for i in 0..3 {
                let lhs: f64 = (0..50).map(|j| m[[i, j]] * (x[[i, j]] - r[[i, j]])).sum();
                let rhs = y[[i, out]] - yr[[i, out]];
                assert!(
                    (lhs - rhs).abs() <= 1e-12 * rhs.abs().max(1.0),
                    "{lhs} vs {rhs}"
                );
            }
            // Central differences of the output.
            let g = model.input_gradients(x.view(), out).unwrap();
            let h = 1e-6;
            for j in [0, 17, 49] {
                let (mut xp, mut xm) = (x.clone(), x.clone());
                xp[[0, j]] += h;
                xm[[0, j]] -= h;
                let fd = (model.predict(xp.view()).unwrap()[[0, out]]
                    - model.predict(xm.view()).unwrap()[[0, out]])
                    / (2.0 * h);
                assert!((fd - g[[0, j]]).abs() < 1e-6, "{fd} vs {}", g[[0, j]]);
            }
        }
        assert!(model.predict(rows(2, 3).slice(s![.., ..49])).is_err());
        assert!(model.input_gradients(x.view(), 2).is_err());
    }

    #[test]
    fn refuses_a_padding_that_would_make_a_huge_activation() {
        let window = crate::nn::Window2d {
            kernel: [1, 1],
            stride: [1, 1],
            pads: [60_000; 4],
            dilation: [1, 1],
        };
        let specs = [LayerSpec::Conv {
            in_channels: 1,
            out_channels: 1,
            window,
        }];
        let e = Sequential::<f64>::from_specs(vec![1, 2, 2], &specs).unwrap_err();
        assert!(
            e.contains("layer 0 (conv)") && e.contains("values per sample"),
            "{e}"
        );
    }

    #[test]
    fn refuses_a_network_without_a_vector_output() {
        let specs = [LayerSpec::Conv2d {
            in_channels: 1,
            out_channels: 1,
            kernel_size: 3,
        }];
        let net = Sequential::<f64>::from_specs(vec![1, 4, 4], &specs).unwrap();
        assert!(FlatNetwork::new(net).unwrap_err().contains("one vector"));
    }
}
