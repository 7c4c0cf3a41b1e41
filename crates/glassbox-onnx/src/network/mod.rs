//! [`OnnxNetwork`]: a neural network read from an ONNX file (PyTorch's `torch.onnx.export`,
//! tf2onnx) into glassbox's own layer engine, so that its exact backward passes and DeepLIFT
//! rules give DeepSHAP, Integrated Gradients, GradientSHAP and the CAM family on it.
//!
//! How: [`walk`] follows the graph's one chain of data tensors from its input to its output,
//! folding constants (initializers, `Constant` nodes and the `Shape → Gather → Unsqueeze →
//! Concat` arithmetic PyTorch writes for `x.view(x.size(0), -1)`) and turning each data node
//! into layers ([`ops`] has the table). BatchNormalization and per-channel Add/Mul fold into the
//! Conv or Gemm before them; Dropout and Identity disappear; a final Softmax (or single-output
//! Sigmoid) becomes the output [`Link`], so the network explains its margins (logits), the
//! space in which attributions add up. Residual graphs are refused with a clear error (the
//! engine runs one chain of layers); so is any other operator, naming it, its node and opset.
//!
//! Precision: weights are read as f64 (float32 files widened exactly); tables are explained in
//! f64 ([`glassbox_models::nn::FlatNetwork`]), images through the f32 copy
//! ([`OnnxNetwork::network_f32`]) the CNN explainers read.

mod consts;
mod ops;
mod walk;

use glassbox_core::model::check_input;
use glassbox_core::{CoreError, Link, Predict};
use glassbox_models::nn::{Cnn, FlatNetwork, LayerSpec, Sequential};
use ndarray::{Array2, ArrayView2};

use crate::error::Problem;
use crate::proto::ModelProto;

/// A network imported from an ONNX file (see [`crate::read`]).
///
/// Implements [`Predict`] (margins: the outputs before the link), and through
/// [`OnnxNetwork::flat`] the gradient capabilities of the explainers.
#[derive(Clone, Debug)]
pub struct OnnxNetwork {
    flat: FlatNetwork,
    /// The output link: Softmax or Logistic when the graph ends in one, else identity.
    pub link: Link,
    /// Per-sample input shape: (features,) or (channels, height, width).
    pub input_shape: Vec<usize>,
    /// The ONNX node(s) each engine layer came from, in layer order (empty for a Flatten the
    /// importer added).
    pub layer_nodes: Vec<String>,
    /// The graph input's name.
    pub input_name: String,
    /// The default-domain opset of the file.
    pub opset: i64,
    /// `producer_name producer_version` from the file (e.g. `pytorch 2.9.1`).
    pub producer: String,
    /// The file (or name) it was read from.
    pub file: String,
}

impl OnnxNetwork {
    /// The network as a model of flat rows in f64: predictions (margins), input gradients,
    /// DeepLIFT multipliers.
    pub fn flat(&self) -> &FlatNetwork {
        &self.flat
    }

    /// The layers in f64.
    pub fn network(&self) -> &Sequential<f64> {
        self.flat.network()
    }

    /// The layers in f32 (the file's own precision for float32 models), for the image
    /// explainers.
    pub fn network_f32(&self) -> Sequential<f32> {
        self.flat.network().cast::<f32>()
    }

    /// Whether the input is an image, (channels, height, width).
    pub fn is_image(&self) -> bool {
        self.input_shape.len() == 3
    }

    /// Number of outputs (margins).
    pub fn n_outputs(&self) -> usize {
        self.flat.n_outputs()
    }

    /// The ONNX node names of the conv layers in forward order: what the image explainers call
    /// `conv1`, `conv2`, …
    pub fn conv_nodes(&self) -> Vec<String> {
        self.network()
            .specs()
            .iter()
            .zip(&self.layer_nodes)
            .filter(|(s, _)| matches!(s, LayerSpec::Conv { .. } | LayerSpec::Conv2d { .. }))
            .map(|(_, n)| n.clone())
            .collect()
    }

    /// The network as a CNN for the image explainers (the CAM family, LIME), with `class_names`
    /// (one per output) and, when given, a per-channel affine input map `(weights, biases)`
    /// (`x' = weights[c]·x + biases[c]`, one value per input channel) put in front as its first
    /// layer. Errors (a message) for a table network, a single-output Sigmoid network (the
    /// CAM family explains one score per class), or names/map of the wrong length.
    pub fn to_cnn(
        &self,
        class_names: Vec<String>,
        input_map: Option<(&[f64], &[f64])>,
    ) -> Result<Cnn, String> {
        if !self.is_image() {
            return Err(format!(
                "the network takes {:?} per sample, not images (channels, height, width)",
                self.input_shape
            ));
        }
        if self.link == Link::Logistic {
            return Err(
                "the network ends in a single Sigmoid; the image explainers need one \
                        score per class: export the logits of every class"
                    .into(),
            );
        }
        let net = self.network();
        let (specs, params) = match input_map {
            None => (net.specs(), Vec::new()),
            Some((w, b)) => {
                let channels = self.input_shape[0];
                if w.len() != channels || b.len() != channels {
                    return Err(format!(
                        "an input map of {} weights and {} biases for {channels} channels",
                        w.len(),
                        b.len()
                    ));
                }
                let mut specs = vec![LayerSpec::ChannelAffine { channels }];
                specs.extend(net.specs());
                (specs, vec![w.to_vec(), b.to_vec()])
            }
        };
        let mut full = Sequential::<f64>::from_specs(self.input_shape.clone(), &specs)?;
        let values = params
            .iter()
            .chain(net.params().into_iter().map(|p| &p.data));
        for (p, v) in full.params_mut().into_iter().zip(values) {
            p.data.copy_from_slice(v);
        }
        Cnn::imported(full.cast::<f32>(), class_names)
    }

    /// What onnxruntime returns for rows `x` (samples, features): the margins with the link
    /// applied (probabilities after a final Softmax or Sigmoid).
    pub fn predict_outputs(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>, CoreError> {
        let margins = self.flat.predict(x)?;
        Ok(self.link.apply(margins.view()))
    }
}

impl Predict for OnnxNetwork {
    fn n_features(&self) -> usize {
        self.flat.n_features()
    }

    fn n_outputs(&self) -> usize {
        self.flat.n_outputs()
    }

    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>, CoreError> {
        check_input(x, self.flat.n_features())?;
        self.flat.predict(x)
    }
}

/// Imports a decoded model whose graph is a network.
pub(crate) fn import(model: &ModelProto, file: &str) -> Result<OnnxNetwork, Problem> {
    let w = walk::walk(model)?;
    if w.layers.is_empty() {
        return Err(Problem::Structure(
            "the graph holds no layer glassbox can explain (no Gemm, MatMul or Conv)".into(),
        ));
    }
    let specs: Vec<LayerSpec> = w.layers.iter().map(|l| l.spec.clone()).collect();
    let mut net = Sequential::<f64>::from_specs(w.input_shape.clone(), &specs)
        .map_err(|e| Problem::Structure(format!("the imported layers do not fit: {e}")))?;
    let values: Vec<&Vec<f64>> = w.layers.iter().flat_map(|l| &l.params).collect();
    let params = net.params_mut();
    if params.len() != values.len() {
        return Err(Problem::Structure(format!(
            "{} parameter tensors imported for {} in the layers",
            values.len(),
            params.len()
        )));
    }
    for (p, v) in params.into_iter().zip(values) {
        if p.data.len() != v.len() {
            return Err(Problem::Structure(format!(
                "parameter '{}' of shape {:?} got {} values",
                p.name,
                p.shape,
                v.len()
            )));
        }
        if let Some(bad) = v.iter().find(|x| !x.is_finite()) {
            return Err(Problem::Structure(format!(
                "parameter '{}' holds a non-finite value ({bad})",
                p.name
            )));
        }
        p.data.copy_from_slice(v);
    }
    let flat = FlatNetwork::new(net).map_err(Problem::Structure)?;
    if w.link == Link::Logistic && flat.n_outputs() != 1 {
        return Err(Problem::Structure(
            "a final Sigmoid link needs one output".into(),
        ));
    }
    Ok(OnnxNetwork {
        flat,
        link: w.link,
        input_shape: w.input_shape,
        layer_nodes: w.layers.into_iter().map(|l| l.node).collect(),
        input_name: w.input_name,
        opset: w.opset,
        producer: format!("{} {}", model.producer_name, model.producer_version)
            .trim()
            .to_string(),
        file: file.to_string(),
    })
}
