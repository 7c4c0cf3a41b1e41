//! [`Cnn`]: a convolutional image classifier (the two architectures of the NEU walk-through,
//! [`CnnArch`]), trained with softmax cross-entropy and Adam from [`CnnParams`], and readable by
//! the class-activation-map explainers through [`ConvClassifier`].
//!
//! Precision: everything runs in `f32` (training, inference, gradients), the precision CNNs are
//! trained and explained in. Images are (N, C, H, W).
//!
//! Parallelism: one rayon task per image runs that image's whole forward (and backward) pass;
//! per-image results (scores, gradients, parameter gradients) are combined in image order. So
//! every result is independent of the number of threads, and each task's working set stays
//! small (about 20 MB for a 200×200 image), which keeps large activations out of fresh `mmap`
//! pages (a batch-wide 32×32×200×200 activation alone is 164 MB).

use glassbox_core::conv_classifier::{check_images, predicted_class};
use glassbox_core::ndarray::{Array1, Array2, Array4, ArrayView4};
use glassbox_core::{ConvClassifier, CoreError, GapHead, LayerGradients};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{
    CnnEpochReport, CnnParams, LayerSpec, Sequential, Tensor, softmax, softmax_cross_entropy,
};
use crate::ModelError;

/// Mixed into re-initialisation seeds, so that re-initialising with the training seed does not
/// restore the initial weights.
const REINIT_SEED_SALT: u64 = 0xADEB_A700_5EED_0001;

/// The two architectures of the NEU walk-through (issue 5). Both use 3×3 "same" convolutions
/// with 32, 64, 64, 64 filters, each followed by a ReLU.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CnnArch {
    /// `gap-cnn`: Conv(32)+ReLU, MaxPool2, Conv(64)+ReLU, MaxPool2, Conv(64)+ReLU, MaxPool2,
    /// Conv(64)+ReLU, GlobalAvgPool, Dense(classes). CAM applies to its last conv layer.
    #[default]
    GapCnn,
    /// `flatten-cnn`: four Conv+ReLU blocks each followed by MaxPool2, Flatten,
    /// Dense(64)+ReLU, Dense(classes).
    FlattenCnn,
    /// `imported`: a network read from a file (an ONNX export) with its own layers; it can be
    /// explained but not trained here ([`cnn_specs`] refuses it).
    Imported,
}

impl CnnArch {
    /// The name used on the command line and in files (`gap-cnn`, `flatten-cnn`).
    pub fn name(&self) -> &'static str {
        match self {
            CnnArch::GapCnn => "gap-cnn",
            CnnArch::FlattenCnn => "flatten-cnn",
            CnnArch::Imported => "imported",
        }
    }

    /// Parses `gap-cnn` or `flatten-cnn`.
    pub fn parse(s: &str) -> Result<CnnArch, ModelError> {
        match s {
            "gap-cnn" => Ok(CnnArch::GapCnn),
            "flatten-cnn" => Ok(CnnArch::FlattenCnn),
            _ => Err(ModelError::InvalidArgument(format!(
                "unknown CNN architecture {s:?}; expected \"gap-cnn\" or \"flatten-cnn\""
            ))),
        }
    }

    /// Smallest image side the architecture accepts (every max-pooling needs a full window).
    pub fn min_side(&self) -> usize {
        match self {
            CnnArch::GapCnn => 8,
            CnnArch::FlattenCnn => 16,
            CnnArch::Imported => 1,
        }
    }
}

impl std::fmt::Display for CnnArch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The layer list of `arch` for images of shape `input_shape` = (channels, height, width) and
/// `n_classes` outputs (logits; softmax is applied by the loss and [`Cnn::predict_proba`]).
pub fn cnn_specs(
    arch: CnnArch,
    input_shape: [usize; 3],
    n_classes: usize,
) -> Result<Vec<LayerSpec>, ModelError> {
    if arch == CnnArch::Imported {
        return Err(ModelError::InvalidArgument(
            "an imported network brings its own layers; glassbox trains gap-cnn or flatten-cnn"
                .into(),
        ));
    }
    let [c, h, w] = input_shape;
    let min = arch.min_side();
    if c == 0 || h < min || w < min || n_classes == 0 {
        return Err(ModelError::InvalidArgument(format!(
            "{arch} needs images of at least 1 channel and {min}x{min} pixels and at least one \
             class, got shape ({c}, {h}, {w}) and {n_classes} classes"
        )));
    }
    let conv = |i, o| LayerSpec::Conv2d {
        in_channels: i,
        out_channels: o,
        kernel_size: 3,
    };
    let pool = LayerSpec::MaxPool2d { size: 2 };
    let mut s = vec![
        conv(c, 32),
        LayerSpec::Relu,
        pool.clone(),
        conv(32, 64),
        LayerSpec::Relu,
        pool.clone(),
        conv(64, 64),
        LayerSpec::Relu,
        pool.clone(),
        conv(64, 64),
        LayerSpec::Relu,
    ];
    match arch {
        CnnArch::GapCnn => {
            s.push(LayerSpec::GlobalAvgPool);
            s.push(LayerSpec::Dense {
                inputs: 64,
                units: n_classes,
            });
        }
        CnnArch::Imported => unreachable!("refused above"),
        CnnArch::FlattenCnn => {
            s.push(pool);
            s.push(LayerSpec::Flatten);
            s.push(LayerSpec::Dense {
                inputs: 64 * (h / 16) * (w / 16),
                units: 64,
            });
            s.push(LayerSpec::Relu);
            s.push(LayerSpec::Dense {
                inputs: 64,
                units: n_classes,
            });
        }
    }
    Ok(s)
}

pub(super) fn check_labels(
    labels: &[usize],
    n: usize,
    k: usize,
    what: &str,
) -> Result<(), ModelError> {
    if labels.len() != n {
        return Err(CoreError::Shape {
            what: format!("{what} labels"),
            expected: format!("{n} labels, one per image"),
            got: format!("{} labels", labels.len()),
        }
        .into());
    }
    if let Some((i, &l)) = labels.iter().enumerate().find(|(_, l)| **l >= k) {
        return Err(ModelError::InvalidArgument(format!(
            "{what} label {l} of image {i} is out of range; expected a class index below {k}"
        )));
    }
    Ok(())
}

pub(super) fn check_finite_pixels(
    data: &[f32],
    sample: usize,
    what: &str,
) -> Result<(), CoreError> {
    match data.iter().position(|v| !v.is_finite()) {
        Some(p) => Err(CoreError::NonFinite {
            what: format!("{what} (row = image, column = flat pixel index c*H*W + y*W + x)"),
            row: p / sample,
            column: p % sample,
            value: data[p] as f64,
        }),
        None => Ok(()),
    }
}

/// The values of `a` in row-major order (a copy only when `a` is not already contiguous).
pub(super) fn contiguous<'a>(a: ArrayView4<'a, f32>) -> std::borrow::Cow<'a, [f32]> {
    match a.to_slice() {
        Some(s) => std::borrow::Cow::Borrowed(s),
        None => std::borrow::Cow::Owned(a.iter().copied().collect()),
    }
}

/// A trained (or freshly initialised) convolutional image classifier: a [`Sequential`] network
/// from images (N, C, H, W) to class logits (N, classes), with its class names, architecture,
/// training settings and history. Implements [`ConvClassifier`] for CAM and Grad-CAM.
#[derive(Clone, Debug)]
pub struct Cnn {
    pub(crate) net: Sequential<f32>,
    pub(crate) arch: CnnArch,
    pub(crate) input_shape: [usize; 3],
    pub(crate) class_names: Vec<String>,
    pub(crate) params: CnnParams,
    pub(crate) history: Vec<CnnEpochReport>,
}

impl Cnn {
    /// An untrained network of architecture `arch` for images (C, H, W) = `input_shape` and
    /// the given classes, with Glorot-uniform weights from `seed` (exactly the weights
    /// [`CnnParams::fit`] starts from with that seed). Errors if the image is too small for
    /// the architecture or there are no classes.
    pub fn new(
        arch: CnnArch,
        input_shape: [usize; 3],
        class_names: Vec<String>,
        seed: u64,
    ) -> Result<Cnn, ModelError> {
        let specs = cnn_specs(arch, input_shape, class_names.len())?;
        let mut net = Sequential::<f32>::from_specs(input_shape.to_vec(), &specs)
            .map_err(ModelError::InvalidArgument)?;
        net.init_glorot(seed);
        Ok(Cnn {
            net,
            arch,
            input_shape,
            class_names,
            params: CnnParams {
                arch,
                seed,
                ..CnnParams::default()
            },
            history: Vec::new(),
        })
    }

    /// A network read from a file (an ONNX export): `net` maps images (C, H, W) to one score
    /// per class of `class_names` (logits; the softmax is applied by [`Cnn::predict_proba`]).
    /// Its architecture is [`CnnArch::Imported`]; conv layers are named `conv1`, `conv2`, … in
    /// forward order like the built-in ones. Errors (a message) when the input is not
    /// (channels, height, width) or the output is not one score per class.
    pub fn imported(net: Sequential<f32>, class_names: Vec<String>) -> Result<Cnn, String> {
        Cnn::from_parts(
            net,
            CnnArch::Imported,
            class_names,
            CnnParams {
                arch: CnnArch::Imported,
                ..CnnParams::default()
            },
            Vec::new(),
        )
    }

    /// The architecture.
    pub fn arch(&self) -> CnnArch {
        self.arch
    }

    /// Input shape of one image, (channels, height, width).
    pub fn input_shape(&self) -> [usize; 3] {
        self.input_shape
    }

    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.class_names.len()
    }

    /// Class names, in class-index order.
    pub fn class_names(&self) -> &[String] {
        &self.class_names
    }

    /// The network (logits output; `f32` weights).
    pub fn network(&self) -> &Sequential<f32> {
        &self.net
    }

    /// The settings the model was trained with (for an untrained model: the defaults with its
    /// architecture and seed).
    pub fn params(&self) -> &CnnParams {
        &self.params
    }

    /// Per-epoch metrics of the training run, length `epochs` (empty if untrained).
    pub fn history(&self) -> &[CnnEpochReport] {
        &self.history
    }

    /// Pre-softmax class scores (logits), shape (samples, classes), for `images`
    /// (samples, C, H, W). Errors when the image shape differs from [`Cnn::input_shape`].
    pub fn class_scores(&self, images: ArrayView4<'_, f32>) -> Result<Array2<f32>, CoreError> {
        check_images(images.shape(), self.input_shape)?;
        let data = contiguous(images);
        let scores: Vec<Vec<f32>> =
            self.per_image(&data, images.dim().0, |x| self.net.forward(&x).into_data());
        Ok(
            Array2::from_shape_vec((scores.len(), self.n_classes()), scores.concat())
                .expect("one score per class"),
        )
    }

    /// Runs `f` on every image of `data` (n images of [`Cnn::input_shape`], row-major) as a
    /// (1, C, H, W) tensor, one rayon task per image, and returns the results in image order.
    fn per_image<R: Send>(
        &self,
        data: &[f32],
        n: usize,
        f: impl Fn(Tensor<f32>) -> R + Sync,
    ) -> Vec<R> {
        let [c, h, w] = self.input_shape;
        let sample = c * h * w;
        (0..n)
            .into_par_iter()
            .map(|i| {
                f(Tensor::new(
                    vec![1, c, h, w],
                    data[i * sample..(i + 1) * sample].to_vec(),
                )
                .expect("one image"))
            })
            .collect()
    }

    /// Class probabilities (softmax of the scores), shape (samples, classes).
    pub fn predict_proba(&self, images: ArrayView4<'_, f32>) -> Result<Array2<f32>, CoreError> {
        let scores = self.class_scores(images)?;
        let t = Tensor::new(
            vec![scores.nrows(), scores.ncols()],
            scores.into_raw_vec_and_offset().0,
        )?;
        let p = softmax(&t);
        Ok(
            Array2::from_shape_vec((p.batch(), self.n_classes()), p.into_data())
                .expect("softmax keeps the shape"),
        )
    }

    /// Predicted class index per image, (samples,): the largest score (first on ties).
    pub fn predict(&self, images: ArrayView4<'_, f32>) -> Result<Vec<usize>, CoreError> {
        let scores = self.class_scores(images)?;
        Ok(scores
            .rows()
            .into_iter()
            .map(|r| {
                let mut best = 0;
                for (j, &v) in r.iter().enumerate() {
                    if v > r[best] {
                        best = j;
                    }
                }
                best
            })
            .collect())
    }

    /// Mean cross-entropy and accuracy on `images` (samples, C, H, W) with `labels`
    /// (samples,).
    pub fn evaluate(
        &self,
        images: ArrayView4<'_, f32>,
        labels: &[usize],
    ) -> Result<(f64, f64), ModelError> {
        let n = images.dim().0;
        check_labels(labels, n, self.n_classes(), "evaluation")?;
        let scores = self.class_scores(images)?;
        if n == 0 {
            return Ok((0.0, 0.0));
        }
        let t = Tensor::new(
            vec![n, self.n_classes()],
            scores.into_raw_vec_and_offset().0,
        )?;
        let (loss, _, correct) = softmax_cross_entropy(&t, labels);
        Ok((loss, correct as f64 / n as f64))
    }

    /// Names of the layers with parameters, in forward order: `conv1` … `conv4`, then
    /// `dense1` (and `dense2` for `flatten-cnn`).
    pub fn param_layers(&self) -> Vec<String> {
        self.param_layer_indices()
            .into_iter()
            .map(|(n, _)| n)
            .collect()
    }

    /// A copy whose top `k` parameter layers (counted from the output, see
    /// [`Cnn::param_layers`]) are re-initialised (Glorot-uniform weights, zero biases, seed
    /// `seed`): the cascading model-randomisation test of Adebayo et al. (2018). `k = 1`
    /// randomises the classifier head. Errors if `k` is 0 or exceeds the number of parameter
    /// layers.
    pub fn with_reinitialized_top(&self, k: usize, seed: u64) -> Result<Cnn, ModelError> {
        let layers = self.param_layer_indices();
        if k == 0 || k > layers.len() {
            return Err(ModelError::InvalidArgument(format!(
                "can re-initialise 1 to {} top layers ({}), got {k}",
                layers.len(),
                layers
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        let mut out = self.clone();
        for (_, i) in &layers[layers.len() - k..] {
            // Offset the seed so that reusing the training seed still gives fresh weights.
            out.net.init_layer_glorot(*i, seed ^ REINIT_SEED_SALT);
        }
        Ok(out)
    }

    /// A copy with the classifier head (the last dense layer) re-initialised from `seed`.
    pub fn with_reinitialized_head(&self, seed: u64) -> Cnn {
        self.with_reinitialized_top(1, seed)
            .expect("every CNN has a dense head")
    }

    /// (name, layer index) of every layer with parameters.
    fn param_layer_indices(&self) -> Vec<(String, usize)> {
        let (mut nc, mut nd) = (0, 0);
        let mut out = Vec::new();
        for (i, spec) in self.net.specs().iter().enumerate() {
            match spec {
                LayerSpec::Conv2d { .. } | LayerSpec::Conv { .. } => {
                    nc += 1;
                    out.push((format!("conv{nc}"), i));
                }
                LayerSpec::Dense { .. } => {
                    nd += 1;
                    out.push((format!("dense{nd}"), i));
                }
                _ => {}
            }
        }
        out
    }

    /// (name, trace index of the activation after the conv's ReLU) per conv layer.
    fn conv_activations(&self) -> Vec<(String, usize)> {
        let specs = self.net.specs();
        let mut out = Vec::new();
        for (i, spec) in specs.iter().enumerate() {
            if spec.is_conv() {
                let t = if specs.get(i + 1).is_some_and(LayerSpec::is_activation) {
                    i + 2
                } else {
                    i + 1
                };
                out.push((format!("conv{}", out.len() + 1), t));
            }
        }
        out
    }

    fn conv_trace_index(&self, layer: &str) -> Result<usize, CoreError> {
        let convs = self.conv_activations();
        convs
            .iter()
            .find(|(n, _)| n == layer)
            .map(|(_, t)| *t)
            .ok_or_else(|| {
                CoreError::InvalidArgument(format!(
                    "no conv layer named {layer:?}; the conv layers are {}",
                    convs
                        .iter()
                        .map(|(n, _)| n.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })
    }

    /// Assembles a model from its parts (used by loading); checks that the network maps
    /// `input_shape` to (classes,).
    pub(crate) fn from_parts(
        net: Sequential<f32>,
        arch: CnnArch,
        class_names: Vec<String>,
        params: CnnParams,
        history: Vec<CnnEpochReport>,
    ) -> Result<Cnn, String> {
        let s = net.input_shape();
        if s.len() != 3 {
            return Err(format!(
                "input shape {s:?} is not (channels, height, width)"
            ));
        }
        let input_shape = [s[0], s[1], s[2]];
        let out = net.output_shape()?;
        if out != [class_names.len()] {
            return Err(format!(
                "the layers end in shape {out:?}, expected [{}] (one score per class name)",
                class_names.len()
            ));
        }
        Ok(Cnn {
            net,
            arch,
            input_shape,
            class_names,
            params,
            history,
        })
    }

    /// Activations of conv layer `layer` and gradients of one class score per image with
    /// respect to them (one forward and one backward pass per image, images in parallel), for
    /// `classes` (checked by the caller) or, with `None`, each image's predicted class, chosen
    /// between the two passes; returns the classes used.
    fn gradients_at(
        &self,
        images: ArrayView4<'_, f32>,
        layer: &str,
        classes: Option<&[usize]>,
    ) -> Result<(LayerGradients, Vec<usize>), CoreError> {
        check_images(images.shape(), self.input_shape)?;
        let t = self.conv_trace_index(layer)?;
        let n = images.dim().0;
        let k = self.n_classes();
        let net = self.net.output_shape().expect("valid");
        debug_assert_eq!(net, [k]);
        let mut shape = self.input_shape.to_vec();
        for l in &self.net.layers()[..t] {
            shape = l.output_shape(&shape).expect("valid network");
        }
        let (ch, lh, lw) = (shape[0], shape[1], shape[2]);
        let data = contiguous(images);
        // Per image: the layer's activations, their gradient, the scores, the class used.
        type PerImage = (Tensor<f32>, Tensor<f32>, Vec<f32>, usize);
        let per: Vec<PerImage> = {
            let [c, h, w] = self.input_shape;
            let sample = c * h * w;
            (0..n)
                .into_par_iter()
                .map(|i| {
                    let x = Tensor::new(
                        vec![1, c, h, w],
                        data[i * sample..(i + 1) * sample].to_vec(),
                    )
                    .expect("one image");
                    let mut trace = self.net.forward_trace(x);
                    let scores = trace.last().expect("output").data().to_vec();
                    let class = match classes {
                        Some(c) => c[i],
                        None => predicted_class(&scores, i)?,
                    };
                    let mut seed = Tensor::zeros(vec![1, k]);
                    seed.data_mut()[class] = 1.0;
                    let g = self.net.backward_to(&trace, seed, t);
                    Ok((trace.swap_remove(t), g, scores, class))
                })
                .collect::<Result<_, CoreError>>()?
        };
        let mut acts = Vec::with_capacity(n * ch * lh * lw);
        let mut grads = Vec::with_capacity(n * ch * lh * lw);
        let mut scores = Vec::with_capacity(n * k);
        let mut chosen = Vec::with_capacity(n);
        for (a, g, sc, class) in per {
            acts.extend_from_slice(a.data());
            grads.extend_from_slice(g.data());
            scores.extend_from_slice(&sc);
            chosen.push(class);
        }
        let dims = (n, ch, lh, lw);
        let lg = LayerGradients {
            activations: Array4::from_shape_vec(dims, acts).expect("sizes"),
            gradients: Array4::from_shape_vec(dims, grads).expect("sizes"),
            scores: Array2::from_shape_vec((n, k), scores).expect("sizes"),
        };
        Ok((lg, chosen))
    }
}

impl ConvClassifier for Cnn {
    fn input_shape(&self) -> [usize; 3] {
        self.input_shape
    }

    fn n_classes(&self) -> usize {
        self.class_names.len()
    }

    fn class_names(&self) -> Vec<String> {
        self.class_names.clone()
    }

    fn conv_layers(&self) -> Vec<String> {
        self.conv_activations()
            .into_iter()
            .map(|(n, _)| n)
            .collect()
    }

    fn class_scores(&self, images: ArrayView4<'_, f32>) -> Result<Array2<f32>, CoreError> {
        Cnn::class_scores(self, images)
    }

    fn layer_gradients(
        &self,
        images: ArrayView4<'_, f32>,
        layer: &str,
        classes: &[usize],
    ) -> Result<LayerGradients, CoreError> {
        check_images(images.shape(), self.input_shape)?;
        self.conv_trace_index(layer)?;
        let n = images.dim().0;
        let k = self.n_classes();
        if classes.len() != n {
            return Err(CoreError::Shape {
                what: "classes for layer gradients".into(),
                expected: format!("{n} classes, one per image"),
                got: format!("{}", classes.len()),
            });
        }
        if let Some((i, &c)) = classes.iter().enumerate().find(|(_, c)| **c >= k) {
            return Err(CoreError::InvalidArgument(format!(
                "class {c} for image {i} is out of range; the model has {k} classes ({})",
                self.class_names.join(", ")
            )));
        }
        Ok(self.gradients_at(images, layer, Some(classes))?.0)
    }

    /// One forward and one backward pass per image: the class is chosen between them.
    fn layer_gradients_for_predicted(
        &self,
        images: ArrayView4<'_, f32>,
        layer: &str,
    ) -> Result<(LayerGradients, Vec<usize>), CoreError> {
        self.gradients_at(images, layer, None)
    }

    fn gap_head(&self, layer: &str) -> Option<GapHead> {
        let t = self.conv_trace_index(layer).ok()?;
        let layers = self.net.layers();
        // Activation trace[t] is the input of layer t: it must be GlobalAvgPool, followed by the
        // final Dense.
        if t + 2 != layers.len()
            || layers[t].spec() != LayerSpec::GlobalAvgPool
            || !matches!(layers[t + 1].spec(), LayerSpec::Dense { .. })
        {
            return None;
        }
        let p = layers[t + 1].params();
        let (units, inputs) = (p[0].shape[0], p[0].shape[1]);
        Some(GapHead {
            weights: Array2::from_shape_vec((units, inputs), p[0].data.clone()).ok()?,
            bias: Array1::from_vec(p[1].data.clone()),
        })
    }
}
