//! The walk over a network graph: nodes in order, one chain of data tensors from the graph
//! input to its output, constants folded on the side, each data node turned into layers of
//! the engine by [`super::ops`].
//!
//! The layer engine runs one chain of layers, so the walk follows one *current* data tensor:
//! every data node must read it (and nothing but constants besides), and makes its output the
//! new current tensor. A node reading an earlier data tensor, or two of them (the `Add` of a
//! residual block), is refused: the graph branches.

use std::collections::{HashMap, HashSet};

use glassbox_core::Link;
use glassbox_models::nn::LayerSpec;

use super::consts::{self, BATCH, Const};
use crate::error::{NETWORK_OPS, Problem};
use crate::graph::{float_tensor, opset, single_input};
use crate::proto::{GraphProto, ModelProto, NodeProto, ValueInfoProto};

/// A layer of the engine being assembled: its spec, its parameters in `Layer::params` order
/// (row-major f64), and the ONNX node(s) it came from.
#[derive(Clone, Debug)]
pub struct Pending {
    /// Architecture.
    pub spec: LayerSpec,
    /// Parameter values, one vector per parameter (e.g. weight, bias).
    pub params: Vec<Vec<f64>>,
    /// The node it came from (a folded BatchNormalization adds its name).
    pub node: String,
}

/// What the walk found: the layers, the output link and the input.
#[derive(Debug)]
pub struct Walked {
    /// Layers in order.
    pub layers: Vec<Pending>,
    /// The output link (a final Softmax or single-output Sigmoid), identity otherwise.
    pub link: Link,
    /// Per-sample input shape: (features,) or (channels, height, width).
    pub input_shape: Vec<usize>,
    /// The graph input's name.
    pub input_name: String,
    /// Default-domain opset.
    pub opset: i64,
}

/// An input of a node, classified.
pub(super) enum Arg<'g> {
    /// An empty optional input.
    Absent,
    /// A constant.
    Const(&'g Const),
    /// The current data tensor.
    Data,
}

/// The walk's state.
pub(super) struct State {
    /// Default-domain opset (for messages and version-dependent defaults).
    pub opset: i64,
    /// The fixed batch size of the input, when the file fixes one.
    pub fixed_batch: Option<i64>,
    /// Engine per-sample shape of the current data tensor.
    pub shape: Vec<usize>,
    /// ONNX's per-sample shape of it (differs from `shape` after GlobalAveragePool, which
    /// keeps (C, 1, 1) where the engine has (C,)).
    pub onnx_shape: Vec<usize>,
    /// Whether the current tensor is the direct output of the last layer, and that layer is
    /// affine (Dense, Conv, ChannelAffine): a following BatchNormalization or per-channel
    /// Add/Mul folds into it.
    pub fusable: bool,
    /// Layers so far.
    pub layers: Vec<Pending>,
    /// The output link, once a final Softmax / Sigmoid was read (and the node).
    pub link: Option<(Link, String)>,
}

/// Walks `model`'s graph into layers.
pub fn walk(model: &ModelProto) -> Result<Walked, Problem> {
    let graph = model.graph.as_ref().ok_or(Problem::NoGraph)?;
    let input = single_input(graph)?;
    let (fixed_batch, input_shape) = input_dims(input)?;
    let opset = opset(model, "");
    let mut consts: HashMap<String, Const> = HashMap::new();
    for t in &graph.initializer {
        let c = Const::from_tensor(t).map_err(Problem::Input)?;
        consts.insert(t.name.clone(), c);
    }
    let consumed = consumed_names(graph);
    let mut data = input.name.clone();
    let mut data_shapes: HashMap<String, Vec<usize>> = HashMap::new();
    data_shapes.insert(data.clone(), input_shape.clone());
    let mut stale: HashSet<String> = HashSet::new();
    let mut st = State {
        opset,
        fixed_batch,
        shape: input_shape.clone(),
        onnx_shape: input_shape.clone(),
        fusable: false,
        layers: Vec::new(),
        link: None,
    };
    for node in &graph.node {
        let node_err = |message: String| Problem::Node {
            node: node.name.clone(),
            op: node.op_type.clone(),
            message,
        };
        if !(node.domain.is_empty() || node.domain == "ai.onnx") {
            return Err(unsupported(model, node));
        }
        let reads_data: Vec<&String> = node
            .input
            .iter()
            .filter(|n| **n == data || stale.contains(*n))
            .collect();
        if node.op_type == "Shape" && reads_data.len() == 1 {
            let shape = &data_shapes[reads_data[0]];
            let c = shape_of(node, shape).map_err(node_err)?;
            consts.insert(node.output.first().cloned().unwrap_or_default(), c);
            continue;
        }
        if reads_data.is_empty() {
            fold_constant(model, node, &mut consts)?;
            continue;
        }
        check_one_chain(node, &data, &reads_data)?;
        if let Some((_, link_node)) = &st.link {
            return Err(node_err(format!(
                "reads the output of '{link_node}', which glassbox takes as the model's output \
                 link (probabilities from the margins it explains); nothing may follow it"
            )));
        }
        let args: Vec<Arg<'_>> = node
            .input
            .iter()
            .map(|name| classify(name, &data, &consts))
            .collect::<Result<_, _>>()
            .map_err(node_err)?;
        if let Some(extra) = node.output.iter().skip(1).find(|o| consumed.contains(*o)) {
            return Err(node_err(format!(
                "its extra output '{extra}' is used by the graph; glassbox reads only the \
                 first output of a {} node",
                node.op_type
            )));
        }
        let is_graph_output = graph
            .output
            .iter()
            .any(|o| Some(&o.name) == node.output.first());
        match st.apply(node, &args, is_graph_output) {
            Ok(true) => {}
            Ok(false) => return Err(unsupported(model, node)),
            Err(m) => return Err(node_err(m)),
        }
        let out = node.output.first().cloned().unwrap_or_default();
        stale.insert(std::mem::replace(&mut data, out.clone()));
        data_shapes.insert(out, st.onnx_shape.clone());
    }
    check_output(graph, &data)?;
    Ok(Walked {
        layers: st.layers,
        link: st.link.map_or(Link::Identity, |(l, _)| l),
        input_shape,
        input_name: input.name.clone(),
        opset,
    })
}

/// The error for an operator the importer does not read.
fn unsupported(model: &ModelProto, node: &NodeProto) -> Problem {
    let domain = if node.domain == "ai.onnx" {
        ""
    } else {
        node.domain.as_str()
    };
    Problem::UnsupportedOp {
        op: node.op_type.clone(),
        domain: node.domain.clone(),
        node: node.name.clone(),
        opset: opset(model, domain),
        supported: NETWORK_OPS,
    }
}

/// Every tensor name some node reads or the graph outputs.
fn consumed_names(graph: &GraphProto) -> HashSet<String> {
    graph
        .node
        .iter()
        .flat_map(|n| n.input.iter().cloned())
        .chain(graph.output.iter().map(|o| o.name.clone()))
        .collect()
}

/// Classifies one input name of a data node.
fn classify<'g>(
    name: &str,
    data: &str,
    consts: &'g HashMap<String, Const>,
) -> Result<Arg<'g>, String> {
    if name.is_empty() {
        Ok(Arg::Absent)
    } else if name == data {
        Ok(Arg::Data)
    } else {
        consts
            .get(name)
            .map(Arg::Const)
            .ok_or_else(|| format!("reads '{name}', which no initializer or earlier node defines"))
    }
}

/// Refuses a node that reads an earlier data tensor or two data tensors: the graph branches.
fn check_one_chain(node: &NodeProto, data: &str, reads: &[&String]) -> Result<(), Problem> {
    let node_err = |message: String| Problem::Node {
        node: node.name.clone(),
        op: node.op_type.clone(),
        message,
    };
    if reads.len() > 1 || reads.iter().any(|r| *r != data) {
        let names: Vec<String> = reads.iter().map(|r| format!("'{r}'")).collect();
        return Err(node_err(format!(
            "reads {} computed by the network (besides its latest tensor '{data}'): the graph \
             branches{}; glassbox's layer engine runs one chain of layers, so residual and \
             multi-branch networks are not supported",
            names.join(" and "),
            if reads.len() > 1 {
                " and joins again (a residual connection)"
            } else {
                ""
            }
        )));
    }
    Ok(())
}

/// Folds a node whose inputs are all constants.
fn fold_constant(
    model: &ModelProto,
    node: &NodeProto,
    consts: &mut HashMap<String, Const>,
) -> Result<(), Problem> {
    let inputs: Vec<Option<&Const>> = node
        .input
        .iter()
        .map(|n| {
            if n.is_empty() {
                Ok(None)
            } else {
                consts.get(n).map(Some).ok_or_else(|| Problem::Node {
                    node: node.name.clone(),
                    op: node.op_type.clone(),
                    message: format!("reads '{n}', which no initializer or earlier node defines"),
                })
            }
        })
        .collect::<Result<_, _>>()?;
    let folded = consts::fold(node, &inputs).map_err(|message| Problem::Node {
        node: node.name.clone(),
        op: node.op_type.clone(),
        message,
    })?;
    match (folded, node.output.first()) {
        (Some(c), Some(out)) => {
            consts.insert(out.clone(), c);
            Ok(())
        }
        (Some(_), None) => Ok(()),
        (None, _) => Err(unsupported(model, node)),
    }
}

/// `Shape` of a data tensor: `[BATCH, per-sample dims...]`, sliced by `start` / `end`.
fn shape_of(node: &NodeProto, per_sample: &[usize]) -> Result<Const, String> {
    let mut full = vec![BATCH];
    full.extend(per_sample.iter().map(|&d| d as i64));
    let a = crate::attrs::Attrs::new(node);
    let r = full.len() as i64;
    let norm = |x: i64| (if x < 0 { x + r } else { x }).clamp(0, r) as usize;
    let (s, e) = (norm(a.int("start", 0)), norm(a.int("end", r)));
    Ok(Const::ints(full[s..e.max(s)].to_vec()))
}

/// Checks the graph's one output is the end of the chain.
fn check_output(graph: &GraphProto, data: &str) -> Result<(), Problem> {
    match graph.output.as_slice() {
        [one] if one.name == data => Ok(()),
        [one] => Err(Problem::Structure(format!(
            "the graph output '{}' is not the end of the network's chain of layers ('{data}')",
            one.name
        ))),
        outs => Err(Problem::Structure(format!(
            "the graph has {} outputs ({}); glassbox explains networks with one output tensor",
            outs.len(),
            outs.iter()
                .map(|o| format!("'{}'", o.name))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// The input's fixed batch size (if any) and per-sample shape: (features,) or
/// (channels, height, width), every size fixed.
fn input_dims(input: &ValueInfoProto) -> Result<(Option<i64>, Vec<usize>), Problem> {
    let bad = |what: String| {
        Problem::Input(format!(
            "input '{}' {what}; glassbox explains networks with one float tensor input of shape \
             (N, features) or (N, channels, height, width), every size but N fixed",
            input.name
        ))
    };
    let Some(shape) = float_tensor(input).map_err(bad)? else {
        return Err(bad("has no declared shape".into()));
    };
    let rank = shape.dim.len();
    if rank != 2 && rank != 4 {
        return Err(bad(format!("has rank {rank}")));
    }
    let mut dims = Vec::with_capacity(rank - 1);
    for (i, d) in shape.dim.iter().enumerate().skip(1) {
        match d.dim_value {
            Some(v) if v > 0 && v <= 1 << 26 => dims.push(v as usize),
            Some(v) => return Err(bad(format!("has size {v} on axis {i}"))),
            None => {
                return Err(bad(format!(
                    "has a symbolic size ('{}') on axis {i}; re-export it with fixed sizes \
                     (e.g. a fixed image size)",
                    d.dim_param.clone().unwrap_or_default()
                )));
            }
        }
    }
    Ok((shape.dim[0].dim_value.filter(|&b| b > 0), dims))
}
