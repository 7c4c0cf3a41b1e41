//! One data node of a network graph into layers of the engine (see [`super::walk`]).
//!
//! | ONNX | engine |
//! |---|---|
//! | Gemm, MatMul | Dense (weight (units, inputs), alpha/beta/transB applied) |
//! | Conv (group 1, any pads/strides/dilations, auto_pad) | Conv |
//! | BatchNormalization, per-channel Add/Sub/Mul/Div by a constant | folded into the Dense/Conv before it, else ChannelAffine |
//! | Relu, LeakyRelu, Sigmoid, Tanh | the same layers |
//! | MaxPool (ceil_mode as extra end padding), AveragePool, GlobalAveragePool | MaxPool, AvgPool, GlobalAvgPool |
//! | Flatten, Reshape / Squeeze that flatten | Flatten (or nothing when already flat) |
//! | Identity, Dropout, Cast to float | nothing |
//! | a final Softmax / a final single-output Sigmoid | the output link |

use glassbox_core::Link;
use glassbox_models::nn::{LayerSpec, Window2d};

use super::consts::{BATCH, Const};
use super::walk::{Arg, Pending, State};
use crate::attrs::Attrs;
use crate::proto::{DT_DOUBLE, DT_FLOAT, NodeProto};

impl State {
    /// Applies data node `node` (inputs classified in `args`); `Ok(false)` for an operator the
    /// importer does not read. `is_graph_output`: the node's output is the graph's output.
    pub(super) fn apply(
        &mut self,
        node: &NodeProto,
        args: &[Arg<'_>],
        is_graph_output: bool,
    ) -> Result<bool, String> {
        let a = Attrs::new(node);
        match node.op_type.as_str() {
            "Identity" | "Dropout" => self.data_first(args).map(|_| true),
            "Cast" => match a.int("to", 0) as i32 {
                DT_FLOAT | DT_DOUBLE => self.data_first(args).map(|_| true),
                to => Err(format!(
                    "casts the data to element type {to}; only float casts are kept"
                )),
            },
            "Gemm" => self.gemm(node, &a, args).map(|_| true),
            "MatMul" => self.matmul(node, args).map(|_| true),
            "Add" | "Sub" | "Mul" | "Div" => self.elementwise(node, args).map(|_| true),
            "BatchNormalization" => self.batch_norm(node, &a, args).map(|_| true),
            "Conv" => self.conv(node, &a, args).map(|_| true),
            "Relu" => self.activation(node, args, LayerSpec::Relu),
            "LeakyRelu" => {
                let alpha = a.float("alpha", 0.01);
                self.activation(node, args, LayerSpec::LeakyRelu { alpha })
            }
            "Tanh" => self.activation(node, args, LayerSpec::Tanh),
            "Sigmoid" if is_graph_output && self.shape == [1] => {
                self.data_first(args)?;
                self.link = Some((Link::Logistic, node.name.clone()));
                Ok(true)
            }
            "Sigmoid" => self.activation(node, args, LayerSpec::Sigmoid),
            "Softmax" => self.softmax(node, &a, args).map(|_| true),
            "MaxPool" | "AveragePool" => self.pool(node, &a, args).map(|_| true),
            "GlobalAveragePool" => self.global_avg_pool(node, args).map(|_| true),
            "Flatten" => self.flatten_node(&a, args).map(|_| true),
            "Reshape" => self.reshape(&a, args).map(|_| true),
            "Squeeze" => self.squeeze(&a, args).map(|_| true),
            _ => Ok(false),
        }
    }

    /// Checks the data tensor is the node's first input.
    fn data_first(&self, args: &[Arg<'_>]) -> Result<(), String> {
        match args.first() {
            Some(Arg::Data) => Ok(()),
            _ => Err("the network's data must be its first input".into()),
        }
    }

    /// The constant input `i`, or an error naming what it is for.
    fn constant<'g>(args: &[Arg<'g>], i: usize, what: &str) -> Result<Option<&'g Const>, String> {
        match args.get(i) {
            None | Some(Arg::Absent) => Ok(None),
            Some(Arg::Const(c)) => Ok(Some(c)),
            Some(Arg::Data) => Err(format!("its {what} (input {i}) must be a constant")),
        }
    }

    fn required<'g>(args: &[Arg<'g>], i: usize, what: &str) -> Result<&'g Const, String> {
        Self::constant(args, i, what)?.ok_or_else(|| format!("its {what} (input {i}) is missing"))
    }

    /// Pushes a layer, updating the shapes; `fusable` says whether it is affine.
    fn push(
        &mut self,
        node: &NodeProto,
        spec: LayerSpec,
        params: Vec<Vec<f64>>,
        fusable: bool,
    ) -> Result<(), String> {
        let out = glassbox_models::nn::Sequential::<f64>::from_specs(
            self.shape.clone(),
            std::slice::from_ref(&spec),
        )
        .and_then(|s| s.output_shape())?;
        self.shape = out.clone();
        self.onnx_shape = out;
        self.fusable = fusable;
        self.layers.push(Pending {
            spec,
            params,
            node: node.name.clone(),
        });
        Ok(())
    }

    /// Refuses a data tensor that is not one vector per sample.
    fn need_flat(&self, op: &str) -> Result<usize, String> {
        match self.shape.as_slice() {
            [n] => Ok(*n),
            s => Err(format!(
                "{op} needs one vector per sample, but the data has per-sample shape {s:?}; \
                 flatten it first"
            )),
        }
    }

    fn gemm(&mut self, node: &NodeProto, a: &Attrs<'_>, args: &[Arg<'_>]) -> Result<(), String> {
        self.data_first(args)?;
        if a.int("transA", 0) != 0 {
            return Err("transA = 1 (a transposed data matrix) is not supported".into());
        }
        let inputs = self.need_flat("Gemm")?;
        let b = Self::required(args, 1, "weight B")?;
        let (alpha, beta) = (a.float("alpha", 1.0), a.float("beta", 1.0));
        let trans_b = a.int("transB", 0) != 0;
        let (units, w) = dense_weight(b, inputs, trans_b)?;
        let w: Vec<f64> = w.iter().map(|v| alpha * v).collect();
        let bias = match Self::constant(args, 2, "bias C")? {
            None => vec![0.0; units],
            Some(c) => broadcast(c, units, "bias C")?
                .iter()
                .map(|v| beta * v)
                .collect(),
        };
        self.push(
            node,
            LayerSpec::Dense { inputs, units },
            vec![w, bias],
            true,
        )
    }

    fn matmul(&mut self, node: &NodeProto, args: &[Arg<'_>]) -> Result<(), String> {
        self.data_first(args)?;
        let inputs = self.need_flat("MatMul")?;
        let b = Self::required(args, 1, "weight")?;
        let (units, w) = dense_weight(b, inputs, false)?;
        self.push(
            node,
            LayerSpec::Dense { inputs, units },
            vec![w, vec![0.0; units]],
            true,
        )
    }

    /// Add/Sub/Mul/Div of the data and a per-channel constant: an affine map per channel.
    fn elementwise(&mut self, node: &NodeProto, args: &[Arg<'_>]) -> Result<(), String> {
        let op = node.op_type.as_str();
        let (c, data_first) = match args {
            [Arg::Data, Arg::Const(c)] => (*c, true),
            [Arg::Const(c), Arg::Data] => (*c, false),
            _ => return Err(format!("{op} needs the data and one constant")),
        };
        let v = self.per_channel(c, op)?;
        let ones = vec![1.0; v.len()];
        let zeros = vec![0.0; v.len()];
        let (w, b) = match (op, data_first) {
            ("Add", _) => (ones, v),
            ("Sub", true) => (ones, v.iter().map(|x| -x).collect()),
            ("Sub", false) => (vec![-1.0; v.len()], v),
            ("Mul", _) => (v, zeros),
            ("Div", true) => (v.iter().map(|x| 1.0 / x).collect(), zeros),
            _ => {
                return Err(
                    "divides a constant by the data, which is not an affine map; \
                            only data / constant is supported"
                        .into(),
                );
            }
        };
        if w.iter().chain(&b).any(|x| !x.is_finite()) {
            return Err(format!(
                "{op} by a constant gives a non-finite scale or offset"
            ));
        }
        self.affine(node, w, b)
    }

    /// The per-channel values of constant `c` broadcast against (N, per-sample shape): a
    /// scalar, or constant along every axis but the channel axis (axis 1).
    fn per_channel(&self, c: &Const, op: &str) -> Result<Vec<f64>, String> {
        let channels = self.shape[0];
        let rank = self.onnx_shape.len() + 1;
        let v = c.floats();
        if c.dims.len() > rank {
            return Err(format!(
                "{op} with a constant of rank {} on data of rank {rank}",
                c.dims.len()
            ));
        }
        let mut dims = vec![1; rank - c.dims.len()];
        dims.extend(&c.dims);
        for (axis, &d) in dims.iter().enumerate() {
            if d != 1 && !(axis == 1 && d == channels) {
                return Err(format!(
                    "{op} with a constant of shape {:?} that varies along axis {axis}; glassbox \
                     folds constants that are one value per channel (axis 1) or a scalar",
                    c.dims
                ));
            }
        }
        Ok(if v.len() == 1 {
            vec![v[0]; channels]
        } else {
            v
        })
    }

    /// Applies `y = w[c]·x + b[c]` per channel: folded into the affine layer before it when
    /// the data is that layer's direct output, else a ChannelAffine layer.
    fn affine(&mut self, node: &NodeProto, w: Vec<f64>, b: Vec<f64>) -> Result<(), String> {
        if self.fusable
            && let Some(last) = self.layers.last_mut()
        {
            let per_out = match &last.spec {
                LayerSpec::Dense { inputs, .. } => *inputs,
                LayerSpec::Conv {
                    in_channels,
                    window,
                    ..
                } => in_channels * window.kernel[0] * window.kernel[1],
                LayerSpec::ChannelAffine { .. } => 1,
                _ => 0,
            };
            if per_out > 0 {
                let [weight, bias] = last.params.as_mut_slice() else {
                    return Err("an affine layer without weight and bias".into());
                };
                for (o, row) in weight.chunks_exact_mut(per_out).enumerate() {
                    row.iter_mut().for_each(|x| *x *= w[o]);
                    bias[o] = w[o] * bias[o] + b[o];
                }
                last.node = format!("{} + {}", last.node, node.name);
                return Ok(());
            }
        }
        let channels = self.shape[0];
        self.push(
            node,
            LayerSpec::ChannelAffine { channels },
            vec![w, b],
            true,
        )
    }

    fn batch_norm(
        &mut self,
        node: &NodeProto,
        a: &Attrs<'_>,
        args: &[Arg<'_>],
    ) -> Result<(), String> {
        self.data_first(args)?;
        if a.int("training_mode", 0) != 0 {
            return Err("training_mode = 1: export the model in eval mode".into());
        }
        let channels = self.shape[0];
        let get = |i, what| -> Result<Vec<f64>, String> {
            broadcast(Self::required(args, i, what)?, channels, what)
        };
        let (scale, bias, mean, var) = (
            get(1, "scale")?,
            get(2, "bias")?,
            get(3, "mean")?,
            get(4, "variance")?,
        );
        let eps = a.float("epsilon", 1e-5);
        let w: Vec<f64> = scale
            .iter()
            .zip(&var)
            .map(|(s, v)| s / (v + eps).sqrt())
            .collect();
        let b: Vec<f64> = (0..channels).map(|c| bias[c] - w[c] * mean[c]).collect();
        if w.iter().chain(&b).any(|x| !x.is_finite()) {
            return Err("non-finite scale or shift (a negative variance?)".into());
        }
        self.affine(node, w, b)
    }

    fn conv(&mut self, node: &NodeProto, a: &Attrs<'_>, args: &[Arg<'_>]) -> Result<(), String> {
        self.data_first(args)?;
        let [in_channels, h, w] = self.image_shape("Conv")?;
        if a.int("group", 1) != 1 {
            return Err(format!(
                "group = {} (a grouped or depthwise convolution); glassbox supports group 1",
                a.int("group", 1)
            ));
        }
        let weight = Self::required(args, 1, "weight")?;
        let [out_channels, wc, kh, kw] = weight.dims[..] else {
            return Err(format!(
                "weight of shape {:?}, expected (M, C, kh, kw)",
                weight.dims
            ));
        };
        if wc != in_channels {
            return Err(format!(
                "weight for {wc} input channels, but the data has {in_channels}"
            ));
        }
        let window = window(a, [kh, kw], [h, w], true)?;
        let bias = match Self::constant(args, 2, "bias")? {
            None => vec![0.0; out_channels],
            Some(c) => broadcast(c, out_channels, "bias")?,
        };
        let spec = LayerSpec::Conv {
            in_channels,
            out_channels,
            window,
        };
        self.push(node, spec, vec![weight.floats(), bias], true)
    }

    fn activation(
        &mut self,
        node: &NodeProto,
        args: &[Arg<'_>],
        spec: LayerSpec,
    ) -> Result<bool, String> {
        self.data_first(args)?;
        self.push(node, spec, Vec::new(), false)?;
        Ok(true)
    }

    fn softmax(&mut self, node: &NodeProto, a: &Attrs<'_>, args: &[Arg<'_>]) -> Result<(), String> {
        self.data_first(args)?;
        let k = self.need_flat("Softmax as the output link")?;
        let axis = a.int("axis", if self.opset >= 13 { -1 } else { 1 });
        if axis != 1 && axis != -1 || k < 2 {
            return Err(format!(
                "Softmax over axis {axis} of (N, {k}); glassbox reads a final Softmax over the \
                 classes (axis 1) as the output link"
            ));
        }
        self.link = Some((Link::Softmax, node.name.clone()));
        Ok(())
    }

    fn pool(&mut self, node: &NodeProto, a: &Attrs<'_>, args: &[Arg<'_>]) -> Result<(), String> {
        self.data_first(args)?;
        let [_, h, w] = self.image_shape(&node.op_type)?;
        let kernel = a.required_ints("kernel_shape")?;
        let [kh, kw] = kernel[..] else {
            return Err(format!(
                "kernel_shape {kernel:?}: glassbox pools over 2-D images"
            ));
        };
        let (kh, kw) = (positive(kh, "kernel_shape")?, positive(kw, "kernel_shape")?);
        let max = node.op_type == "MaxPool";
        let mut window = window(a, [kh, kw], [h, w], max)?;
        if a.int("ceil_mode", 0) != 0 {
            if !max {
                return Err(
                    "ceil_mode = 1 in AveragePool is not supported (its divisor at \
                            the partial last windows differs between runtimes)"
                        .into(),
                );
            }
            ceil_mode_pads(&mut window, [h, w]);
        }
        let spec = if max {
            LayerSpec::MaxPool { window }
        } else {
            let count_include_pad = a.int("count_include_pad", 0) != 0;
            LayerSpec::AvgPool {
                window,
                count_include_pad,
            }
        };
        self.push(node, spec, Vec::new(), false)
    }

    fn global_avg_pool(&mut self, node: &NodeProto, args: &[Arg<'_>]) -> Result<(), String> {
        self.data_first(args)?;
        let [c, _, _] = self.image_shape("GlobalAveragePool")?;
        self.push(node, LayerSpec::GlobalAvgPool, Vec::new(), false)?;
        self.onnx_shape = vec![c, 1, 1];
        Ok(())
    }

    fn image_shape(&self, op: &str) -> Result<[usize; 3], String> {
        match (self.shape.as_slice(), self.onnx_shape.len()) {
            (&[c, h, w], 3) => Ok([c, h, w]),
            (s, _) => Err(format!(
                "{op} needs (channels, height, width) per sample, but the data has shape {:?}{}",
                self.onnx_shape,
                if s.len() == 1 { " (flat)" } else { "" }
            )),
        }
    }

    /// Makes the data one vector per sample (a Flatten layer unless it already is).
    fn flatten(&mut self) -> Result<(), String> {
        if self.shape.len() == 1 {
            self.onnx_shape = self.shape.clone();
            return Ok(());
        }
        let n: usize = self.shape.iter().product();
        self.layers.push(Pending {
            spec: LayerSpec::Flatten,
            params: Vec::new(),
            node: String::new(),
        });
        self.shape = vec![n];
        self.onnx_shape = vec![n];
        self.fusable = false;
        Ok(())
    }

    fn flatten_node(&mut self, a: &Attrs<'_>, args: &[Arg<'_>]) -> Result<(), String> {
        self.data_first(args)?;
        let rank = self.onnx_shape.len() as i64 + 1;
        let axis = a.int("axis", 1);
        if axis != 1 && axis != 1 - rank {
            return Err(format!(
                "Flatten at axis {axis}; glassbox keeps the batch axis (axis 1)"
            ));
        }
        self.flatten()
    }

    fn reshape(&mut self, a: &Attrs<'_>, args: &[Arg<'_>]) -> Result<(), String> {
        self.data_first(args)?;
        let target = Self::required(args, 1, "shape")?.int_values()?.to_vec();
        let allow_zero = a.int("allowzero", 0) != 0;
        let per_sample = self.per_sample_target(&target, allow_zero)?;
        self.reshape_to(per_sample, &format!("Reshape to {target:?}"))
    }

    fn squeeze(&mut self, a: &Attrs<'_>, args: &[Arg<'_>]) -> Result<(), String> {
        self.data_first(args)?;
        let axes = match Self::constant(args, 1, "axes")? {
            Some(c) => c.int_values()?.to_vec(),
            None => a.ints("axes").to_vec(),
        };
        let rank = self.onnx_shape.len() as i64 + 1;
        let mut keep = vec![true; self.onnx_shape.len()];
        for &ax in &axes {
            let j = if ax < 0 { ax + rank } else { ax };
            if j < 1 || j >= rank || self.onnx_shape[(j - 1) as usize] != 1 {
                return Err(format!("Squeeze axis {ax} is not a unit axis of the data"));
            }
            keep[(j - 1) as usize] = false;
        }
        let dims: Vec<usize> = self
            .onnx_shape
            .iter()
            .zip(&keep)
            .filter(|(d, k)| **k && (!axes.is_empty() || **d != 1))
            .map(|(d, _)| *d)
            .collect();
        self.reshape_to(dims, "Squeeze")
    }

    /// The per-sample dims of a Reshape target (with the batch axis first).
    fn per_sample_target(&self, target: &[i64], allow_zero: bool) -> Result<Vec<usize>, String> {
        let total: usize = self.onnx_shape.iter().product();
        let Some((&first, rest)) = target.split_first() else {
            return Err("an empty target shape".into());
        };
        let batch_kept = first == BATCH
            || first == 0 && !allow_zero
            || self.fixed_batch == Some(first)
            || first == -1 && !rest.contains(&-1);
        if !batch_kept {
            return Err(format!(
                "target {target:?} does not keep the batch axis first"
            ));
        }
        let mut dims = Vec::with_capacity(rest.len());
        let mut infer = None;
        for (i, &d) in rest.iter().enumerate() {
            match d {
                -1 if infer.is_none() => {
                    infer = Some(i);
                    dims.push(1);
                }
                0 if !allow_zero => dims.push(
                    *self
                        .onnx_shape
                        .get(i)
                        .ok_or("a 0 (copy) beyond the data's rank")?,
                ),
                d if d > 0 => dims.push(d as usize),
                _ => return Err(format!("target {target:?} has an unsupported size {d}")),
            }
        }
        let known: usize = dims.iter().product();
        if let Some(i) = infer {
            if known == 0 || !total.is_multiple_of(known) {
                return Err(format!(
                    "target {target:?} does not fit {total} values per sample"
                ));
            }
            dims[i] = total / known;
        }
        if dims.iter().product::<usize>() != total {
            return Err(format!(
                "target {target:?} does not fit {total} values per sample"
            ));
        }
        Ok(dims)
    }

    /// Accepts a reshape to one vector per sample (flatten) or to the shape the engine
    /// already has; refuses others.
    fn reshape_to(&mut self, dims: Vec<usize>, what: &str) -> Result<(), String> {
        if dims.len() == 1 {
            self.flatten()
        } else if dims == self.shape {
            self.onnx_shape = dims;
            Ok(())
        } else {
            Err(format!(
                "{what} gives per-sample shape {dims:?} from {:?}; glassbox's layers take \
                 (features,) or (channels, height, width), so only reshapes that flatten are \
                 supported",
                self.onnx_shape
            ))
        }
    }
}

/// The (units, inputs) weight of a Dense layer from Gemm/MatMul's B: (inputs, units), or
/// (units, inputs) with `trans_b`.
fn dense_weight(b: &Const, inputs: usize, trans_b: bool) -> Result<(usize, Vec<f64>), String> {
    let [r, c] = b.dims[..] else {
        return Err(format!("weight of shape {:?}, expected a matrix", b.dims));
    };
    let (rows_in, units) = if trans_b { (c, r) } else { (r, c) };
    if rows_in != inputs {
        return Err(format!(
            "weight of shape {:?} for {inputs} inputs (transB = {})",
            b.dims, trans_b as u8
        ));
    }
    let v = b.floats();
    if trans_b {
        return Ok((units, v));
    }
    let mut w = vec![0.0; units * inputs];
    for i in 0..inputs {
        for o in 0..units {
            w[o * inputs + i] = v[i * units + o];
        }
    }
    Ok((units, w))
}

/// A bias-like constant of `n` values (or one value broadcast).
fn broadcast(c: &Const, n: usize, what: &str) -> Result<Vec<f64>, String> {
    let v = c.floats();
    match v.len() {
        1 => Ok(vec![v[0]; n]),
        len if len == n => Ok(v),
        len => Err(format!("{what} has {len} values, expected {n}")),
    }
}

fn positive(v: i64, what: &str) -> Result<usize, String> {
    usize::try_from(v)
        .ok()
        .filter(|&v| v > 0 && v <= 1 << 16)
        .ok_or_else(|| format!("{what} value {v} out of range"))
}

/// The window of a Conv or pool node: strides, dilations, pads or auto_pad (SAME_UPPER,
/// SAME_LOWER, VALID). `dilations` apply to Conv and MaxPool.
fn window(
    a: &Attrs<'_>,
    kernel: [usize; 2],
    input: [usize; 2],
    dilated: bool,
) -> Result<Window2d, String> {
    let pair = |name: &str| -> Result<[usize; 2], String> {
        match a.ints(name) {
            [] => Ok([1, 1]),
            [x, y] => Ok([positive(*x, name)?, positive(*y, name)?]),
            v => Err(format!("{name} {v:?}: glassbox supports 2-D windows")),
        }
    };
    let (stride, dilation) = (pair("strides")?, pair("dilations")?);
    if !dilated && dilation != [1, 1] {
        return Err(format!("dilations {dilation:?} are not supported here"));
    }
    if let Some(k) = a.get("kernel_shape").map(|k| &k.ints)
        && k.as_slice() != [kernel[0] as i64, kernel[1] as i64]
    {
        return Err(format!(
            "kernel_shape {k:?} differs from the weight's {kernel:?}"
        ));
    }
    let pads = match a.string("auto_pad", "NOTSET").as_str() {
        "NOTSET" => match a.ints("pads") {
            [] => [0; 4],
            [t, l, b, r] => {
                let p = |v: i64| {
                    usize::try_from(v)
                        .ok()
                        .filter(|&v| v <= 1 << 16)
                        .ok_or_else(|| format!("pads value {v} out of range"))
                };
                [p(*t)?, p(*l)?, p(*b)?, p(*r)?]
            }
            v => return Err(format!("pads {v:?}: expected 4 values (2-D)")),
        },
        "VALID" => [0; 4],
        mode @ ("SAME_UPPER" | "SAME_LOWER") => {
            let total = |i: usize| {
                let out = input[i].div_ceil(stride[i]);
                ((out - 1) * stride[i] + dilation[i] * (kernel[i] - 1) + 1).saturating_sub(input[i])
            };
            let (th, tw) = (total(0), total(1));
            if mode == "SAME_UPPER" {
                [th / 2, tw / 2, th - th / 2, tw - tw / 2]
            } else {
                [th - th / 2, tw - tw / 2, th / 2, tw / 2]
            }
        }
        other => return Err(format!("auto_pad '{other}' is not an ONNX mode")),
    };
    let window = Window2d {
        kernel,
        stride,
        pads,
        dilation,
    };
    window.output_size(input[0], input[1])?;
    Ok(window)
}

/// Extra bottom/right padding that makes the floor output size equal ceil_mode's (padded
/// positions never win a max): the last window must start inside the input or its top/left
/// padding, as PyTorch and onnxruntime count.
fn ceil_mode_pads(w: &mut Window2d, input: [usize; 2]) {
    for (i, &len) in input.iter().enumerate() {
        let before = w.pads[i];
        let span = w.span(i);
        let padded = len + before + w.pads[i + 2];
        let mut out = (padded.saturating_sub(span)).div_ceil(w.stride[i]) + 1;
        if (out - 1) * w.stride[i] >= len + before {
            out -= 1;
        }
        let need = (out - 1) * w.stride[i] + span;
        if need > padded {
            w.pads[i + 2] += need - padded;
        }
    }
}
