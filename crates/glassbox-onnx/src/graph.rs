//! Checks the graph around the model: one float input of shape (N, F), one tree-ensemble node,
//! and only the harmless wrappers converters add around it (skl2onnx's `Cast` + `ZipMap` on a
//! classifier's outputs, onnxmltools' `Identity`). Anything else is refused by name.

use crate::error::{Problem, SUPPORTED_OPS};
use crate::proto::{DT_DOUBLE, DT_FLOAT, GraphProto, ModelProto, NodeProto, ValueInfoProto};

/// The ai.onnx.ml domain of the tree operators.
pub const ML_DOMAIN: &str = "ai.onnx.ml";

/// Operators accepted around the tree node: they rename, cast or reshape outputs into a dict
/// (ZipMap) without changing any score.
const WRAPPERS: [(&str, &str); 3] = [("", "Identity"), ("", "Cast"), (ML_DOMAIN, "ZipMap")];

/// Tree operators of ai.onnx.ml opsets 1 to 5 that the importer reads.
pub const TREE_OPS: [&str; 3] = [
    "TreeEnsembleRegressor",
    "TreeEnsembleClassifier",
    "TreeEnsemble",
];

/// Widest input accepted (a guard against corrupt shapes; far above any tree model's width).
const MAX_FEATURES: i64 = 1 << 24;

/// What the graph check found.
pub struct GraphInfo<'a> {
    /// The tree-ensemble node.
    pub tree: &'a NodeProto,
    /// The model's ai.onnx.ml opset version.
    pub ml_opset: i64,
    /// Number of features when the input shape fixes it (its second axis), else None.
    pub n_features: Option<usize>,
    /// Name of the graph input.
    pub input_name: String,
}

/// The model's opset version for `domain` (`""` and `"ai.onnx"` are the same domain), 0 if the
/// model does not import it.
pub fn opset(model: &ModelProto, domain: &str) -> i64 {
    let norm = |d: &str| if d == "ai.onnx" { "" } else { d }.to_string();
    let want = norm(domain);
    model
        .opset_import
        .iter()
        .filter(|o| norm(&o.domain) == want)
        .map(|o| o.version)
        .max()
        .unwrap_or(0)
}

/// Whether the graph holds an ai.onnx.ml tree operator (then it is read as a tree ensemble,
/// else as a neural network).
pub fn holds_trees(model: &ModelProto) -> bool {
    model.graph.as_ref().is_some_and(|g| {
        g.node
            .iter()
            .any(|n| n.domain == ML_DOMAIN && TREE_OPS.contains(&n.op_type.as_str()))
    })
}

/// Checks the model's graph and finds its tree-ensemble node.
pub fn inspect(model: &ModelProto) -> Result<GraphInfo<'_>, Problem> {
    let graph = model.graph.as_ref().ok_or(Problem::NoGraph)?;
    let input = single_input(graph)?;
    let n_features = input_features(input)?;
    let mut tree = None;
    for node in &graph.node {
        let domain = if node.domain == "ai.onnx" {
            ""
        } else {
            node.domain.as_str()
        };
        if domain == ML_DOMAIN && TREE_OPS.contains(&node.op_type.as_str()) {
            if let Some(first) = tree.replace(node) {
                return Err(Problem::Structure(format!(
                    "the graph holds more than one tree ensemble (nodes '{}' and '{}'); \
                     glassbox imports one",
                    first.name, node.name
                )));
            }
        } else if !WRAPPERS.contains(&(domain, node.op_type.as_str())) && !is_times_one(graph, node)
        {
            return Err(Problem::UnsupportedOp {
                op: node.op_type.clone(),
                domain: node.domain.clone(),
                node: node.name.clone(),
                opset: opset(model, domain),
                supported: SUPPORTED_OPS,
            });
        }
    }
    let tree = tree.ok_or_else(|| {
        Problem::Structure(format!(
            "the graph holds no tree ensemble; glassbox imports {SUPPORTED_OPS}"
        ))
    })?;
    let ml_opset = opset(model, ML_DOMAIN);
    let first = if tree.op_type == "TreeEnsemble" { 5 } else { 1 };
    if !(first..=5).contains(&ml_opset) {
        return Err(Problem::UnsupportedOp {
            op: tree.op_type.clone(),
            domain: tree.domain.clone(),
            node: tree.name.clone(),
            opset: ml_opset,
            supported: SUPPORTED_OPS,
        });
    }
    Ok(GraphInfo {
        tree,
        ml_opset,
        n_features,
        input_name: input.name.clone(),
    })
}

/// Whether `node` multiplies by a constant initializer of ones (onnxmltools writes
/// `Mul(probabilities, one)` after a LightGBM classifier): a no-op wrapper.
fn is_times_one(graph: &GraphProto, node: &NodeProto) -> bool {
    node.op_type == "Mul"
        && (node.domain.is_empty() || node.domain == "ai.onnx")
        && node.input.len() == 2
        && node.input.iter().any(|name| {
            graph.initializer.iter().any(|t| {
                &t.name == name
                    && crate::tensor::floats(t)
                        .is_ok_and(|v| !v.is_empty() && v.iter().all(|&x| x == 1.0))
            })
        })
}

/// The one graph input that is not an initializer (older IR versions list initializers among
/// the inputs).
pub(crate) fn single_input(graph: &GraphProto) -> Result<&ValueInfoProto, Problem> {
    let real: Vec<&ValueInfoProto> = graph
        .input
        .iter()
        .filter(|i| !graph.initializer.iter().any(|t| t.name == i.name))
        .collect();
    match real.as_slice() {
        [one] => Ok(one),
        [] => Err(Problem::Input("the graph has no input".into())),
        many => Err(Problem::Input(format!(
            "the graph has {} inputs ({}); glassbox explains models with one float tensor \
             input of shape (N, F)",
            many.len(),
            many.iter()
                .map(|i| format!("'{}'", i.name))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// The declared shape of a float or double tensor input (`None`: no shape declared), or what
/// else the input is.
pub(crate) fn float_tensor(
    input: &ValueInfoProto,
) -> Result<Option<&crate::proto::TensorShapeProto>, String> {
    let Some(t) = input.r#type.as_ref().and_then(|t| t.tensor_type.as_ref()) else {
        return Err("is not a tensor".into());
    };
    if t.elem_type != DT_FLOAT && t.elem_type != DT_DOUBLE {
        return Err(format!(
            "has element type {} (float is 1, double 11)",
            t.elem_type
        ));
    }
    Ok(t.shape.as_ref())
}

/// Checks the input is a float/double tensor of rank 2 and returns its fixed feature count.
fn input_features(input: &ValueInfoProto) -> Result<Option<usize>, Problem> {
    let bad = |what: String| {
        Problem::Input(format!(
            "input '{}' {what}; glassbox expects one float tensor of shape (N, F)",
            input.name
        ))
    };
    let Some(shape) = float_tensor(input).map_err(bad)? else {
        return Ok(None);
    };
    if shape.dim.len() != 2 {
        return Err(bad(format!("has rank {}", shape.dim.len())));
    }
    match shape.dim[1].dim_value {
        Some(f) if f > 0 && f <= MAX_FEATURES => Ok(usize::try_from(f).ok()),
        Some(f) => Err(bad(format!("has {f} features"))),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::{
        Dimension, OperatorSetIdProto, TensorProto, TensorShapeProto, TypeProto, TypeProtoTensor,
    };

    fn node(op: &str, domain: &str, inputs: &[&str]) -> NodeProto {
        NodeProto {
            op_type: op.into(),
            domain: domain.into(),
            name: format!("{op}_node"),
            input: inputs.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    fn model(nodes: Vec<NodeProto>, constant: f32, ml_opset: i64) -> ModelProto {
        let dims = vec![
            Dimension {
                dim_value: None,
                dim_param: Some("N".into()),
            },
            Dimension {
                dim_value: Some(4),
                dim_param: None,
            },
        ];
        let tensor = TypeProtoTensor {
            elem_type: DT_FLOAT,
            shape: Some(TensorShapeProto { dim: dims }),
        };
        ModelProto {
            opset_import: vec![
                OperatorSetIdProto {
                    domain: ML_DOMAIN.into(),
                    version: ml_opset,
                },
                OperatorSetIdProto {
                    domain: String::new(),
                    version: 13,
                },
            ],
            graph: Some(GraphProto {
                node: nodes,
                input: vec![ValueInfoProto {
                    name: "X".into(),
                    r#type: Some(TypeProto {
                        tensor_type: Some(tensor),
                    }),
                }],
                initializer: vec![TensorProto {
                    name: "c".into(),
                    data_type: DT_FLOAT,
                    float_data: vec![constant],
                    ..Default::default()
                }],
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn accepts_wrappers_and_times_one() {
        let tree = node("TreeEnsembleClassifier", ML_DOMAIN, &["X"]);
        let nodes = vec![
            tree,
            node("Identity", "", &["p"]),
            node("Cast", "", &["l"]),
            node("ZipMap", ML_DOMAIN, &["p"]),
            node("Mul", "", &["p", "c"]),
        ];
        let m = model(nodes, 1.0, 1);
        let info = inspect(&m).unwrap();
        assert_eq!((info.n_features, info.ml_opset), (Some(4), 1));
        assert_eq!(info.input_name, "X");
    }

    #[test]
    fn refuses_other_graphs() {
        let tree = || node("TreeEnsembleRegressor", ML_DOMAIN, &["X"]);
        let msg = |m: ModelProto| inspect(&m).err().expect("refused").to_string();
        let e = msg(model(vec![tree(), node("Mul", "", &["p", "c"])], 2.0, 3));
        assert!(
            e.contains("'Mul'") && e.contains("'Mul_node'") && e.contains("opset 13"),
            "{e}"
        );
        let e = msg(model(vec![tree(), tree()], 1.0, 3));
        assert!(e.contains("more than one tree ensemble"), "{e}");
        let e = msg(model(vec![node("Identity", "", &["X"])], 1.0, 3));
        assert!(e.contains("no tree ensemble"), "{e}");
        let e = msg(model(vec![node("TreeEnsemble", ML_DOMAIN, &["X"])], 1.0, 3));
        assert!(e.contains("'TreeEnsemble'") && e.contains("opset 3"), "{e}");
        let e = msg(model(vec![node("Gemm", "", &["X"])], 1.0, 3));
        assert!(
            e.contains("'Gemm'") && e.contains("TreeEnsembleClassifier"),
            "{e}"
        );
        let mut m = model(vec![tree()], 1.0, 3);
        m.graph = None;
        assert!(msg(m).contains("no graph"));
    }
}
