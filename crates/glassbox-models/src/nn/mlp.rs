//! [`Mlp`]: a multilayer perceptron for tables (Dense + ReLU hidden layers, linear output),
//! trained with MSE and Adam; [`MlpParams`] holds the training settings (linfa style).
//!
//! Precision: training runs in `f32` (as PyTorch and Keras do; twice the SIMD width of `f64`).
//! The trained weights are then held as `f64` copies (exact: every `f32` is an `f64`), and
//! prediction, gradients and DeepLIFT multipliers are computed in `f64`, so explanations add up
//! to the model's own predictions at 1e-9 relative. Saved weights are the `f32` values, so a
//! loaded model predicts bit-identically.
//!
//! Target scaling: regression targets can span orders of magnitude (molded part weights run from
//! 0.39 g to 3317 g), which slows Adam with a fixed learning rate. By default the network is
//! trained on min-max-scaled targets and the inverse affine map is part of the model: `predict`,
//! gradients and multipliers are in the target's own units, and the reported training loss is
//! the MSE in scaled units. See [`TargetScaling`].

use glassbox_core::differentiable::{DeepLift, Differentiable, check_deeplift_pairs, check_output};
use glassbox_core::model::check_input;
use glassbox_core::ndarray::{Array2, ArrayView2, s};
use glassbox_core::rng::Rng;
use glassbox_core::{CoreError, Predict};
use serde::{Deserialize, Serialize};

use super::adam::check_training_settings;
use super::network::row_blocks;
use super::{Adam, LayerSpec, Sequential, Tensor, mse};
use crate::ModelError;

/// Rows per block when predicting or differentiating: blocks are processed in parallel and each
/// block's arithmetic is independent of the thread count.
const BLOCK_ROWS: usize = 256;

/// How regression targets are scaled for training (the inverse is applied inside the model).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetScaling {
    /// Train on the raw targets.
    None,
    /// Train on `(y - min) / (max - min)` per output (what scikit-learn's `MinMaxScaler` on
    /// the target does; a constant output uses scale 1).
    #[default]
    MinMax,
    /// Train on `(y - mean) / std` per output (population std; a constant output uses 1).
    Standardize,
}

/// The affine map from network output to model output: `y_k = offset[k] + scale[k] * net_k`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetTransform {
    /// The scaling the map came from.
    pub kind: TargetScaling,
    /// Per-output offset, (outputs,).
    pub offset: Vec<f64>,
    /// Per-output scale, (outputs,); never 0.
    pub scale: Vec<f64>,
}

impl TargetTransform {
    /// The identity map for `n_outputs` outputs (offset 0, scale 1).
    pub fn identity(n_outputs: usize) -> Self {
        TargetTransform {
            kind: TargetScaling::None,
            offset: vec![0.0; n_outputs],
            scale: vec![1.0; n_outputs],
        }
    }

    /// Fits the map on targets `y`, shape (samples, outputs).
    pub fn fit(kind: TargetScaling, y: ArrayView2<'_, f64>) -> Self {
        let k = y.ncols();
        let (mut offset, mut scale) = (vec![0.0; k], vec![1.0; k]);
        for (o, col) in y.columns().into_iter().enumerate() {
            match kind {
                TargetScaling::None => {}
                TargetScaling::MinMax => {
                    let lo = col.iter().copied().fold(f64::INFINITY, f64::min);
                    let hi = col.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    offset[o] = lo;
                    if hi > lo {
                        scale[o] = hi - lo;
                    }
                }
                TargetScaling::Standardize => {
                    let n = col.len() as f64;
                    let mean = col.sum() / n;
                    let var = col.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
                    offset[o] = mean;
                    if var > 0.0 {
                        scale[o] = var.sqrt();
                    }
                }
            }
        }
        TargetTransform {
            kind,
            offset,
            scale,
        }
    }
}

/// Training settings of an [`Mlp`]. Defaults follow the reference walk-through (five hidden
/// layers of 10, 50 epochs, batch 32) and Keras' Adam defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MlpParams {
    /// Hidden layer widths, each followed by a ReLU; default `[10, 10, 10, 10, 10]`.
    pub hidden: Vec<usize>,
    /// Passes over the training rows; default 50.
    pub epochs: usize,
    /// Rows per mini-batch (the last batch of an epoch may be smaller); default 32.
    pub batch_size: usize,
    /// Adam step size; default 1e-3.
    pub learning_rate: f64,
    /// Adam β1; default 0.9.
    pub beta1: f64,
    /// Adam β2; default 0.999.
    pub beta2: f64,
    /// Adam ε; default 1e-7, Keras' value (PyTorch uses 1e-8 in a slightly different place, see
    /// [`Adam`]).
    pub epsilon: f64,
    /// Seed for the weight initialisation and the per-epoch shuffles; default 42.
    pub seed: u64,
    /// Target scaling during training; default [`TargetScaling::MinMax`].
    pub target_scaling: TargetScaling,
}

impl Default for MlpParams {
    fn default() -> Self {
        MlpParams {
            hidden: vec![10; 5],
            epochs: 50,
            batch_size: 32,
            learning_rate: 1e-3,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-7,
            seed: 42,
            target_scaling: TargetScaling::MinMax,
        }
    }
}

/// Parses hidden-layer widths written as comma-separated positive integers, e.g. `"10,10,10"`.
/// An empty string means no hidden layer (a linear model).
pub fn parse_hidden(s: &str) -> Result<Vec<usize>, ModelError> {
    if s.trim().is_empty() {
        return Ok(Vec::new());
    }
    s.split(',')
        .map(|part| match part.trim().parse::<usize>() {
            Ok(w) if w > 0 => Ok(w),
            _ => Err(ModelError::InvalidArgument(format!(
                "hidden layers {s:?}: expected comma-separated positive widths like \
                 \"10,10,10,10,10\", got {part:?}"
            ))),
        })
        .collect()
}

/// Progress after one epoch, passed to the `on_epoch` callback of [`MlpParams::fit`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EpochReport {
    /// 1-based epoch number.
    pub epoch: usize,
    /// Total number of epochs.
    pub epochs: usize,
    /// Mean training loss over the epoch's mini-batches, weighted by batch size (Keras' reported
    /// `loss`): MSE in the scaled target units.
    pub train_loss: f64,
    /// Optimiser steps taken so far.
    pub steps: usize,
}

impl MlpParams {
    /// Checks every setting, naming the first one out of range.
    pub fn validate(&self) -> Result<(), ModelError> {
        let bad = |m: String| Err(ModelError::InvalidArgument(m));
        if let Some(i) = self.hidden.iter().position(|&w| w == 0) {
            return bad(format!("hidden layer {i} has width 0; widths must be >= 1"));
        }
        check_training_settings(
            self.epochs,
            self.batch_size,
            self.learning_rate,
            (self.beta1, self.beta2, self.epsilon),
        )
    }

    /// Trains an MLP on `x`, shape (samples, features), and targets `y`, shape
    /// (samples, outputs). `on_epoch` is called after every epoch (for progress bars; the library
    /// never prints).
    ///
    /// Each epoch shuffles the rows (generator `Rng::derive(seed, 1_000_000 + epoch)`), then takes
    /// Adam steps on consecutive mini-batches. Single-threaded and deterministic: the same seed
    /// gives bit-identical weights. Errors on bad settings, mismatched or non-finite input, and
    /// on a non-finite loss ([`ModelError::Diverged`]).
    pub fn fit(
        &self,
        x: ArrayView2<'_, f64>,
        y: ArrayView2<'_, f64>,
        on_epoch: &mut dyn FnMut(&EpochReport),
    ) -> Result<Mlp, ModelError> {
        self.validate()?;
        let (n, f) = x.dim();
        let k = y.ncols();
        if n == 0 || f == 0 || k == 0 {
            return Err(ModelError::InvalidArgument(format!(
                "training needs at least one row, feature and output, got x {:?} and y {:?}",
                x.dim(),
                y.dim()
            )));
        }
        if y.nrows() != n {
            return Err(CoreError::Shape {
                what: "training targets (samples, outputs)".into(),
                expected: format!("{n} rows like the features"),
                got: format!("{} rows", y.nrows()),
            }
            .into());
        }
        check_finite(x, "training features")?;
        check_finite(y, "training targets")?;

        let target = TargetTransform::fit(self.target_scaling, y);
        let xs: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        let ys: Vec<f32> = y
            .rows()
            .into_iter()
            .flat_map(|r| {
                r.iter()
                    .enumerate()
                    .map(|(o, &v)| ((v - target.offset[o]) / target.scale[o]) as f32)
                    .collect::<Vec<_>>()
            })
            .collect();

        let mut net = Sequential::<f32>::from_specs(vec![f], &mlp_specs(f, &self.hidden, k))
            .map_err(ModelError::InvalidArgument)?;
        net.init_glorot(self.seed);
        let sizes: Vec<usize> = net.params().iter().map(|p| p.data.len()).collect();
        let mut adam = Adam::<f32>::new(
            &sizes,
            self.learning_rate,
            self.beta1,
            self.beta2,
            self.epsilon,
        );
        let mut grads: Vec<Vec<f32>> = sizes.iter().map(|&s| vec![0.0; s]).collect();

        let mut order: Vec<usize> = (0..n).collect();
        let mut history = Vec::with_capacity(self.epochs);
        let mut steps = 0;
        let mut bx = Vec::with_capacity(self.batch_size * f);
        let mut by = Vec::with_capacity(self.batch_size * k);
        for epoch in 1..=self.epochs {
            Rng::derive(self.seed, 1_000_000 + epoch as u64).shuffle(&mut order);
            let mut loss_sum = 0.0;
            for batch in order.chunks(self.batch_size) {
                bx.clear();
                by.clear();
                for &i in batch {
                    bx.extend_from_slice(&xs[i * f..(i + 1) * f]);
                    by.extend_from_slice(&ys[i * k..(i + 1) * k]);
                }
                let input = Tensor::new(vec![batch.len(), f], std::mem::take(&mut bx))?;
                let trace = net.forward_trace(input);
                let (loss, d_out) = mse(trace.last().expect("output"), &by);
                if !loss.is_finite() {
                    return Err(ModelError::Diverged {
                        epoch,
                        loss,
                        learning_rate: self.learning_rate,
                    });
                }
                loss_sum += loss * batch.len() as f64;
                for g in &mut grads {
                    g.fill(0.0);
                }
                net.backward(&trace, d_out, Some(&mut grads));
                adam.step(&mut net.params_mut(), &grads);
                steps += 1;
                bx = trace.into_iter().next().expect("input").into_data();
            }
            let train_loss = loss_sum / n as f64;
            history.push(train_loss);
            on_epoch(&EpochReport {
                epoch,
                epochs: self.epochs,
                train_loss,
                steps,
            });
        }
        if let Some((i, _)) = net
            .params()
            .iter()
            .flat_map(|p| p.data.iter())
            .enumerate()
            .find(|(_, v)| !v.is_finite())
        {
            return Err(ModelError::InvalidArgument(format!(
                "training produced a non-finite weight (value {i}); try a lower learning rate than {}",
                self.learning_rate
            )));
        }
        Ok(Mlp::from_parts(
            net.cast::<f64>(),
            target,
            self.clone(),
            history,
        ))
    }
}

/// The layer list of an MLP: Dense + ReLU per hidden width, then a linear Dense output.
pub fn mlp_specs(n_features: usize, hidden: &[usize], n_outputs: usize) -> Vec<LayerSpec> {
    let mut specs = Vec::with_capacity(2 * hidden.len() + 1);
    let mut width = n_features;
    for &h in hidden {
        specs.push(LayerSpec::Dense {
            inputs: width,
            units: h,
        });
        specs.push(LayerSpec::Relu);
        width = h;
    }
    specs.push(LayerSpec::Dense {
        inputs: width,
        units: n_outputs,
    });
    specs
}

fn check_finite(a: ArrayView2<'_, f64>, what: &str) -> Result<(), CoreError> {
    match a.indexed_iter().find(|(_, v)| !v.is_finite()) {
        Some(((row, column), &value)) => Err(CoreError::NonFinite {
            what: what.into(),
            row,
            column,
            value,
        }),
        None => Ok(()),
    }
}

/// A trained multilayer perceptron. Predicts, differentiates and propagates DeepLIFT multipliers
/// in `f64` (see the module documentation for precision and target scaling).
#[derive(Clone, Debug)]
pub struct Mlp {
    net: Sequential<f64>,
    target: TargetTransform,
    params: MlpParams,
    loss_history: Vec<f64>,
    n_features: usize,
    n_outputs: usize,
}

impl Mlp {
    /// Assembles a model from a network (per-sample input shape (features,), output
    /// (outputs,)), its target map, the settings it was trained with and its loss history.
    pub(crate) fn from_parts(
        net: Sequential<f64>,
        target: TargetTransform,
        params: MlpParams,
        loss_history: Vec<f64>,
    ) -> Self {
        let n_features = net.input_shape().iter().product();
        let n_outputs = net.output_shape().expect("valid network").iter().product();
        Mlp {
            net,
            target,
            params,
            loss_history,
            n_features,
            n_outputs,
        }
    }

    /// Wraps an existing `f32` network (e.g. weights imported from elsewhere, or set by hand in
    /// tests) as a model with per-sample input shape (features,) and output (outputs,).
    /// `params` records the settings and `loss_history` is empty. Errors if the network is not
    /// flat in and out, or `target` does not have one finite offset and nonzero scale per output.
    pub fn from_network(
        net: &Sequential<f32>,
        target: TargetTransform,
        params: MlpParams,
    ) -> Result<Mlp, ModelError> {
        let out = net.output_shape().map_err(ModelError::InvalidArgument)?;
        if net.input_shape().len() != 1 || out.len() != 1 {
            return Err(ModelError::InvalidArgument(format!(
                "an MLP maps (features,) to (outputs,); this network maps {:?} to {out:?}",
                net.input_shape()
            )));
        }
        let k = out[0];
        if target.offset.len() != k
            || target.scale.len() != k
            || target
                .scale
                .iter()
                .chain(&target.offset)
                .any(|v| !v.is_finite())
            || target.scale.contains(&0.0)
        {
            return Err(ModelError::InvalidArgument(format!(
                "target map needs {k} finite offsets and nonzero finite scales"
            )));
        }
        Ok(Mlp::from_parts(
            net.cast::<f64>(),
            target,
            params,
            Vec::new(),
        ))
    }

    /// The network (weights are the trained `f32` values, held as `f64`).
    pub fn network(&self) -> &Sequential<f64> {
        &self.net
    }

    /// The map from network output to target units.
    pub fn target_transform(&self) -> &TargetTransform {
        &self.target
    }

    /// The settings the model was trained with.
    pub fn params(&self) -> &MlpParams {
        &self.params
    }

    /// Training loss after each epoch (scaled target units), length `epochs`.
    pub fn loss_history(&self) -> &[f64] {
        &self.loss_history
    }

    /// Runs `f` on blocks of `BLOCK_ROWS` rows in parallel and stacks the (rows, cols) results.
    fn blocks<F>(&self, x: ArrayView2<'_, f64>, cols: usize, f: F) -> Array2<f64>
    where
        F: Fn(usize, ArrayView2<'_, f64>) -> Array2<f64> + Sync,
    {
        row_blocks(x, BLOCK_ROWS, cols, f)
    }

    fn one_hot(&self, rows: usize, output: usize) -> Tensor<f64> {
        let mut seed = Tensor::zeros(vec![rows, self.n_outputs]);
        for r in 0..rows {
            seed.data_mut()[r * self.n_outputs + output] = self.target.scale[output];
        }
        seed
    }
}

impl Predict for Mlp {
    fn n_features(&self) -> usize {
        self.n_features
    }

    fn n_outputs(&self) -> usize {
        self.n_outputs
    }

    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>, CoreError> {
        check_input(x, self.n_features)?;
        Ok(self.blocks(x, self.n_outputs, |_, xb| {
            let mut out = self.net.forward(&Tensor::from_array2(xb)).to_array2();
            for mut row in out.rows_mut() {
                for (o, v) in row.iter_mut().enumerate() {
                    *v = self.target.offset[o] + self.target.scale[o] * *v;
                }
            }
            out
        }))
    }
}

impl Differentiable for Mlp {
    fn input_gradients(
        &self,
        x: ArrayView2<'_, f64>,
        output: usize,
    ) -> Result<Array2<f64>, CoreError> {
        check_input(x, self.n_features)?;
        check_output(output, self.n_outputs)?;
        Ok(self.blocks(x, self.n_features, |_, xb| {
            let trace = self.net.forward_trace(Tensor::from_array2(xb));
            self.net
                .backward(&trace, self.one_hot(xb.nrows(), output), None)
                .to_array2()
        }))
    }
}

impl DeepLift for Mlp {
    fn deeplift_multipliers(
        &self,
        x: ArrayView2<'_, f64>,
        reference: ArrayView2<'_, f64>,
        output: usize,
    ) -> Result<Array2<f64>, CoreError> {
        check_deeplift_pairs(x, reference, self.n_features, output, self.n_outputs)?;
        Ok(self.blocks(x, self.n_features, |s0, xb| {
            let rb = reference.slice(s![s0..s0 + xb.nrows(), ..]);
            let xt = self.net.forward_trace(Tensor::from_array2(xb));
            let rt = self.net.forward_trace(Tensor::from_array2(rb));
            self.net
                .deeplift(&xt, &rt, self.one_hot(xb.nrows(), output))
                .to_array2()
        }))
    }
}
