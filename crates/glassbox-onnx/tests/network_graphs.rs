//! Hand-built network graphs (with the crate's own prost messages) against an oracle that
//! evaluates the ONNX operators directly, in f64, as the operator specification reads them
//! (NCHW loops with explicit padding, numpy broadcasting): every attribute the PyTorch fixtures
//! leave at its default — auto_pad SAME_UPPER/VALID, asymmetric pads, rectangular kernels,
//! dilations, strides, MaxPool ceil_mode, AveragePool count_include_pad both ways, Gemm alpha,
//! beta, transB, MatMul + Add, per-channel Sub/Mul/Div, BatchNormalization on a flat tensor and
//! after an activation, Squeeze after GlobalAveragePool, the Shape → Gather → Unsqueeze →
//! Concat → Reshape chain, a final Softmax (opset 11 and 17) or Sigmoid. The oracle shares no
//! code with the importer or the layer engine.

use std::collections::HashMap;

use glassbox_core::Link;
use glassbox_core::Predict;
use glassbox_core::differentiable::{DeepLift, Differentiable};
use glassbox_onnx::proto::{
    AttributeProto, Dimension, GraphProto, ModelProto, NodeProto, OperatorSetIdProto, TensorProto,
    TensorShapeProto, TypeProto, TypeProtoTensor, ValueInfoProto,
};
use glassbox_onnx::{Imported, OnnxNetwork, parse_any};
use ndarray::Array2;
use prost::Message;

// ---------- building graphs ----------

enum A {
    I(i64),
    F(f32),
    Is(Vec<i64>),
    S(&'static str),
}

fn node(op: &str, inputs: &[&str], output: &str, attrs: Vec<(&str, A)>) -> NodeProto {
    NodeProto {
        op_type: op.into(),
        name: format!("{op}_{output}"),
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: vec![output.to_string()],
        attribute: attrs
            .into_iter()
            .map(|(name, a)| {
                let mut p = AttributeProto {
                    name: name.into(),
                    ..Default::default()
                };
                match a {
                    A::I(i) => (p.i, p.r#type) = (i, 2),
                    A::F(f) => (p.f, p.r#type) = (f, 1),
                    A::Is(v) => (p.ints, p.r#type) = (v, 7),
                    A::S(s) => (p.s, p.r#type) = (s.as_bytes().to_vec(), 3),
                }
                p
            })
            .collect(),
        ..Default::default()
    }
}

/// A deterministic stream of values in [-1, 1).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    }
}

struct Graph {
    nodes: Vec<NodeProto>,
    inits: Vec<TensorProto>,
    rng: Lcg,
}

impl Graph {
    fn new(seed: u64) -> Graph {
        Graph {
            nodes: Vec::new(),
            inits: Vec::new(),
            rng: Lcg(seed),
        }
    }

    /// A float32 initializer with random values scaled by `scale` plus `offset`.
    fn weight(&mut self, name: &str, dims: &[i64], scale: f64, offset: f64) -> String {
        let n: i64 = dims.iter().product();
        let v: Vec<f32> = (0..n)
            .map(|_| (offset + scale * self.rng.next()) as f32)
            .collect();
        self.inits.push(TensorProto {
            name: name.into(),
            dims: dims.to_vec(),
            data_type: 1,
            float_data: v,
            ..Default::default()
        });
        name.to_string()
    }

    fn ints(&mut self, name: &str, v: &[i64]) -> String {
        self.inits.push(TensorProto {
            name: name.into(),
            dims: vec![v.len() as i64],
            data_type: 7,
            int64_data: v.to_vec(),
            ..Default::default()
        });
        name.to_string()
    }

    fn add(&mut self, n: NodeProto) {
        self.nodes.push(n);
    }

    fn model(self, input: &[i64], output: &str, opset: i64) -> Vec<u8> {
        let mut dims = vec![Dimension {
            dim_value: None,
            dim_param: Some("N".into()),
        }];
        dims.extend(input.iter().map(|&d| Dimension {
            dim_value: Some(d),
            dim_param: None,
        }));
        let tensor = |dims| TypeProto {
            tensor_type: Some(TypeProtoTensor {
                elem_type: 1,
                shape: Some(TensorShapeProto { dim: dims }),
            }),
        };
        ModelProto {
            ir_version: 8,
            producer_name: "test".into(),
            producer_version: String::new(),
            opset_import: vec![OperatorSetIdProto {
                domain: String::new(),
                version: opset,
            }],
            graph: Some(GraphProto {
                node: self.nodes,
                initializer: self.inits,
                input: vec![ValueInfoProto {
                    name: "x".into(),
                    r#type: Some(tensor(dims)),
                }],
                output: vec![ValueInfoProto {
                    name: output.into(),
                    r#type: None,
                }],
                ..Default::default()
            }),
        }
        .encode_to_vec()
    }
}

// ---------- the oracle ----------

/// A tensor: dims (batch first) and row-major values.
#[derive(Clone, Debug)]
struct T {
    d: Vec<usize>,
    v: Vec<f64>,
}

fn tensor_of(t: &TensorProto) -> T {
    let v = if t.data_type == 1 {
        t.float_data.iter().map(|&x| f64::from(x)).collect()
    } else {
        t.int64_data.iter().map(|&x| x as f64).collect()
    };
    T {
        d: t.dims.iter().map(|&x| x as usize).collect(),
        v,
    }
}

fn attr<'a>(n: &'a NodeProto, name: &str) -> Option<&'a AttributeProto> {
    n.attribute.iter().find(|a| a.name == name)
}

fn ints(n: &NodeProto, name: &str, default: &[i64]) -> Vec<i64> {
    attr(n, name).map_or(default.to_vec(), |a| a.ints.clone())
}

fn int(n: &NodeProto, name: &str, default: i64) -> i64 {
    attr(n, name).map_or(default, |a| a.i)
}

fn float(n: &NodeProto, name: &str, default: f32) -> f64 {
    f64::from(attr(n, name).map_or(default, |a| a.f))
}

/// numpy broadcasting of a binary op.
fn broadcast(a: &T, b: &T, f: impl Fn(f64, f64) -> f64) -> T {
    let r = a.d.len().max(b.d.len());
    let pad = |d: &[usize]| {
        let mut p = vec![1; r - d.len()];
        p.extend_from_slice(d);
        p
    };
    let (da, db) = (pad(&a.d), pad(&b.d));
    let d: Vec<usize> = da.iter().zip(&db).map(|(x, y)| *x.max(y)).collect();
    let n: usize = d.iter().product();
    let index = |dims: &[usize], mut flat: usize| {
        let mut idx = 0;
        let mut stride = 1;
        for k in (0..r).rev() {
            let i = flat % d[k];
            flat /= d[k];
            if dims[k] != 1 {
                idx += i * stride;
            }
            stride *= dims[k];
        }
        idx
    };
    let v = (0..n)
        .map(|i| f(a.v[index(&da, i)], b.v[index(&db, i)]))
        .collect();
    T { d, v }
}

/// Pads of a window op (explicit or auto_pad) for input (h, w).
fn pads_of(
    n: &NodeProto,
    k: [usize; 2],
    s: [usize; 2],
    dil: [usize; 2],
    hw: [usize; 2],
) -> [usize; 4] {
    let mode = attr(n, "auto_pad").map_or("NOTSET".to_string(), |a| {
        String::from_utf8_lossy(&a.s).into()
    });
    match mode.as_str() {
        "SAME_UPPER" | "SAME_LOWER" => {
            let mut p = [0; 4];
            for i in 0..2 {
                let out = hw[i].div_ceil(s[i]);
                let total = ((out - 1) * s[i] + dil[i] * (k[i] - 1) + 1).saturating_sub(hw[i]);
                let small = total / 2;
                let (b, e) = if mode == "SAME_UPPER" {
                    (small, total - small)
                } else {
                    (total - small, small)
                };
                p[i] = b;
                p[i + 2] = e;
            }
            p
        }
        "VALID" => [0; 4],
        _ => {
            let v = ints(n, "pads", &[0, 0, 0, 0]);
            [v[0] as usize, v[1] as usize, v[2] as usize, v[3] as usize]
        }
    }
}

/// Output size of one axis, floor or ceil mode (the last window starts inside input + pad).
fn out_size(
    len: usize,
    k: usize,
    s: usize,
    d: usize,
    before: usize,
    after: usize,
    ceil: bool,
) -> usize {
    let span = d * (k - 1) + 1;
    let padded = len + before + after;
    if ceil {
        let o = (padded - span).div_ceil(s) + 1;
        if (o - 1) * s >= len + before {
            o - 1
        } else {
            o
        }
    } else {
        (padded - span) / s + 1
    }
}

/// Conv / MaxPool / AveragePool over NCHW by direct loops.
fn window_op(n: &NodeProto, x: &T, w: Option<(&T, Option<&T>)>) -> T {
    let (b, c, h, wd) = (x.d[0], x.d[1], x.d[2], x.d[3]);
    let k = match w {
        Some((wt, _)) => [wt.d[2], wt.d[3]],
        None => {
            let v = ints(n, "kernel_shape", &[]);
            [v[0] as usize, v[1] as usize]
        }
    };
    let s = ints(n, "strides", &[1, 1]);
    let s = [s[0] as usize, s[1] as usize];
    let dl = ints(n, "dilations", &[1, 1]);
    let dl = [dl[0] as usize, dl[1] as usize];
    let p = pads_of(n, k, s, dl, [h, wd]);
    let ceil = int(n, "ceil_mode", 0) == 1;
    let oh = out_size(h, k[0], s[0], dl[0], p[0], p[2], ceil);
    let ow = out_size(wd, k[1], s[1], dl[1], p[1], p[3], ceil);
    let co = w.map_or(c, |(wt, _)| wt.d[0]);
    let mut v = vec![0.0; b * co * oh * ow];
    let include_pad = int(n, "count_include_pad", 0) == 1;
    for bi in 0..b {
        for o in 0..co {
            for y in 0..oh {
                for xo in 0..ow {
                    let mut acc = match w {
                        Some((_, bias)) => bias.map_or(0.0, |t| t.v[o]),
                        None if n.op_type == "MaxPool" => f64::NEG_INFINITY,
                        None => 0.0,
                    };
                    let mut count = 0usize;
                    let chans: Vec<usize> = if w.is_some() {
                        (0..c).collect()
                    } else {
                        vec![o]
                    };
                    for &ci in &chans {
                        for ky in 0..k[0] {
                            for kx in 0..k[1] {
                                let iy = (y * s[0] + ky * dl[0]) as i64 - p[0] as i64;
                                let ix = (xo * s[1] + kx * dl[1]) as i64 - p[1] as i64;
                                let inside =
                                    iy >= 0 && ix >= 0 && (iy as usize) < h && (ix as usize) < wd;
                                // Positions in the declared padding (not ceil_mode's extra).
                                let in_pad =
                                    iy < h as i64 + p[2] as i64 && ix < wd as i64 + p[3] as i64;
                                if !inside {
                                    if include_pad && in_pad && ci == o {
                                        count += 1;
                                    }
                                    continue;
                                }
                                let xv = x.v[((bi * c + ci) * h + iy as usize) * wd + ix as usize];
                                match w {
                                    Some((wt, _)) => {
                                        acc += wt.v[((o * c + ci) * k[0] + ky) * k[1] + kx] * xv
                                    }
                                    None if n.op_type == "MaxPool" => acc = acc.max(xv),
                                    None => {
                                        acc += xv;
                                        count += 1;
                                    }
                                }
                            }
                        }
                    }
                    if w.is_none() && n.op_type == "AveragePool" {
                        acc /= count as f64;
                    }
                    v[((bi * co + o) * oh + y) * ow + xo] = acc;
                }
            }
        }
    }
    T {
        d: vec![b, co, oh, ow],
        v,
    }
}

fn matmul(a: &T, b: &T) -> T {
    let (n, k, m) = (a.d[0], a.d[1], b.d[1]);
    let mut v = vec![0.0; n * m];
    for i in 0..n {
        for j in 0..m {
            v[i * m + j] = (0..k).map(|t| a.v[i * k + t] * b.v[t * m + j]).sum();
        }
    }
    T { d: vec![n, m], v }
}

fn transpose(a: &T) -> T {
    let (r, c) = (a.d[0], a.d[1]);
    T {
        d: vec![c, r],
        v: (0..r * c).map(|i| a.v[(i % r) * c + i / r]).collect(),
    }
}

fn map(x: &T, f: impl Fn(f64) -> f64) -> T {
    T {
        d: x.d.clone(),
        v: x.v.iter().map(|&v| f(v)).collect(),
    }
}

/// Evaluates the graph on `x` (batch first) in f64.
fn evaluate(bytes: &[u8], x: T) -> T {
    let m = ModelProto::decode(bytes).unwrap();
    let g = m.graph.unwrap();
    let mut env: HashMap<String, T> = g
        .initializer
        .iter()
        .map(|t| (t.name.clone(), tensor_of(t)))
        .collect();
    env.insert("x".into(), x);
    for n in &g.node {
        let get = |i: usize| env.get(&n.input[i]).cloned();
        let a = get(0);
        let out = match n.op_type.as_str() {
            "Conv" => {
                let w = get(1).unwrap();
                let b = n.input.get(2).and_then(|_| get(2));
                window_op(n, &a.unwrap(), Some((&w, b.as_ref())))
            }
            "MaxPool" | "AveragePool" => window_op(n, &a.unwrap(), None),
            "GlobalAveragePool" => {
                let x = a.unwrap();
                let (b, c, hw) = (x.d[0], x.d[1], x.d[2] * x.d[3]);
                let v = (0..b * c)
                    .map(|i| x.v[i * hw..(i + 1) * hw].iter().sum::<f64>() / hw as f64)
                    .collect();
                T {
                    d: vec![b, c, 1, 1],
                    v,
                }
            }
            "BatchNormalization" => {
                let x = a.unwrap();
                let (s, bias, mean, var) = (
                    get(1).unwrap(),
                    get(2).unwrap(),
                    get(3).unwrap(),
                    get(4).unwrap(),
                );
                let eps = float(n, "epsilon", 1e-5);
                let c = x.d[1];
                let inner: usize = x.d[2..].iter().product();
                let mut v = x.v.clone();
                for (i, val) in v.iter_mut().enumerate() {
                    let ch = (i / inner) % c;
                    *val = s.v[ch] * (*val - mean.v[ch]) / (var.v[ch] + eps).sqrt() + bias.v[ch];
                }
                T { d: x.d, v }
            }
            "Relu" => map(&a.unwrap(), |v| v.max(0.0)),
            "LeakyRelu" => {
                let al = float(n, "alpha", 0.01);
                map(&a.unwrap(), |v| if v >= 0.0 { v } else { al * v })
            }
            "Sigmoid" => map(&a.unwrap(), |v| 1.0 / (1.0 + (-v).exp())),
            "Tanh" => map(&a.unwrap(), f64::tanh),
            "Add" => broadcast(&a.unwrap(), &get(1).unwrap(), |p, q| p + q),
            "Sub" => broadcast(&a.unwrap(), &get(1).unwrap(), |p, q| p - q),
            "Mul" => broadcast(&a.unwrap(), &get(1).unwrap(), |p, q| p * q),
            "Div" => broadcast(&a.unwrap(), &get(1).unwrap(), |p, q| p / q),
            "MatMul" => matmul(&a.unwrap(), &get(1).unwrap()),
            "Gemm" => {
                let b = get(1).unwrap();
                let b = if int(n, "transB", 0) == 1 {
                    transpose(&b)
                } else {
                    b
                };
                let y = map(&matmul(&a.unwrap(), &b), |v| v * float(n, "alpha", 1.0));
                match n.input.get(2).and_then(|_| get(2)) {
                    Some(c) => broadcast(&y, &map(&c, |v| v * float(n, "beta", 1.0)), |p, q| p + q),
                    None => y,
                }
            }
            "Identity" | "Dropout" => a.unwrap(),
            "Flatten" => {
                let x = a.unwrap();
                let n0 = x.d[0];
                T {
                    d: vec![n0, x.v.len() / n0],
                    v: x.v,
                }
            }
            "Squeeze" => {
                let x = a.unwrap();
                T {
                    d: vec![x.d[0], x.d[1]],
                    v: x.v,
                }
            }
            "Shape" => {
                let x = a.unwrap();
                T {
                    d: vec![x.d.len()],
                    v: x.d.iter().map(|&d| d as f64).collect(),
                }
            }
            "Gather" => {
                let (x, i) = (a.unwrap(), get(1).unwrap());
                T {
                    d: vec![],
                    v: vec![x.v[i.v[0] as usize]],
                }
            }
            "Unsqueeze" => {
                let x = a.unwrap();
                T { d: vec![1], v: x.v }
            }
            "Concat" => {
                let v: Vec<f64> = n.input.iter().flat_map(|i| env[i].v.clone()).collect();
                T {
                    d: vec![v.len()],
                    v,
                }
            }
            "Reshape" => {
                let (x, s) = (a.unwrap(), get(1).unwrap());
                let n0 = s.v[0] as usize;
                T {
                    d: vec![n0, x.v.len() / n0],
                    v: x.v,
                }
            }
            "Softmax" => {
                let x = a.unwrap();
                let k = x.d[1];
                let mut v = x.v.clone();
                for row in v.chunks_exact_mut(k) {
                    let m = row.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                    let s: f64 = row.iter().map(|z| (z - m).exp()).sum();
                    row.iter_mut().for_each(|z| *z = (*z - m).exp() / s);
                }
                T { d: x.d, v }
            }
            op => panic!("oracle has no {op}"),
        };
        env.insert(n.output[0].clone(), out);
    }
    env.remove(&g.output[0].name).unwrap()
}

// ---------- the graphs ----------

fn import(bytes: &[u8]) -> OnnxNetwork {
    match parse_any(bytes, "graph.onnx").unwrap_or_else(|e| panic!("{e}")) {
        Imported::Network(n) => *n,
        Imported::Trees(_) => panic!("trees"),
    }
}

/// Every window attribute, BatchNormalization after a conv and after an activation, Squeeze
/// after GlobalAveragePool, Gemm alpha/beta/transB, MatMul + Add, a final Softmax.
fn image_graph(opset: i64) -> Vec<u8> {
    let mut g = Graph::new(1);
    let w1 = g.weight("w1", &[4, 2, 3, 2], 0.5, 0.0);
    let b1 = g.weight("b1", &[4], 0.2, 0.0);
    g.add(node(
        "Conv",
        &["x", &w1, &b1],
        "c1",
        vec![
            ("strides", A::Is(vec![2, 1])),
            ("pads", A::Is(vec![1, 0, 1, 1])),
            ("dilations", A::Is(vec![1, 2])),
        ],
    ));
    let bn: Vec<String> = ["s", "bb", "m"]
        .iter()
        .map(|n| g.weight(&format!("bn1_{n}"), &[4], 0.5, 0.0))
        .collect();
    let var = g.weight("bn1_v", &[4], 0.3, 1.0);
    g.add(node(
        "BatchNormalization",
        &["c1", &bn[0], &bn[1], &bn[2], &var],
        "n1",
        vec![("epsilon", A::F(1e-3))],
    ));
    g.add(node("LeakyRelu", &["n1"], "a1", vec![("alpha", A::F(0.1))]));
    g.add(node(
        "MaxPool",
        &["a1"],
        "p1",
        vec![
            ("kernel_shape", A::Is(vec![2, 2])),
            ("strides", A::Is(vec![2, 2])),
            ("ceil_mode", A::I(1)),
        ],
    ));
    let w2 = g.weight("w2", &[3, 4, 3, 3], 0.4, 0.0);
    g.add(node(
        "Conv",
        &["p1", &w2],
        "c2",
        vec![
            ("auto_pad", A::S("SAME_UPPER")),
            ("strides", A::Is(vec![2, 2])),
        ],
    ));
    g.add(node("Sigmoid", &["c2"], "a2", vec![]));
    let bn2: Vec<String> = ["s", "bb", "m"]
        .iter()
        .map(|n| g.weight(&format!("bn2_{n}"), &[3], 0.5, 0.0))
        .collect();
    let var2 = g.weight("bn2_v", &[3], 0.3, 1.0);
    g.add(node(
        "BatchNormalization",
        &["a2", &bn2[0], &bn2[1], &bn2[2], &var2],
        "n2",
        vec![],
    ));
    g.add(node(
        "AveragePool",
        &["n2"],
        "p2",
        vec![
            ("kernel_shape", A::Is(vec![2, 2])),
            ("pads", A::Is(vec![1, 1, 0, 0])),
            ("count_include_pad", A::I(1)),
        ],
    ));
    let sub = g.weight("sub", &[1, 3, 1, 1], 0.5, 0.0);
    g.add(node("Sub", &["p2", &sub], "d1", vec![]));
    let mul = g.weight("mul", &[], 0.0, 1.5);
    g.add(node("Mul", &[&mul, "d1"], "d2", vec![]));
    g.add(node("GlobalAveragePool", &["d2"], "gap", vec![]));
    let axes = g.ints("axes", &[2, 3]);
    g.add(node("Squeeze", &["gap", &axes], "sq", vec![]));
    let wg = g.weight("wg", &[5, 3], 0.8, 0.0);
    let bg = g.weight("bg", &[5], 0.3, 0.0);
    g.add(node(
        "Gemm",
        &["sq", &wg, &bg],
        "f1",
        vec![
            ("transB", A::I(1)),
            ("alpha", A::F(0.5)),
            ("beta", A::F(2.0)),
        ],
    ));
    g.add(node("Tanh", &["f1"], "t1", vec![]));
    let wm = g.weight("wm", &[5, 3], 0.8, 0.0);
    g.add(node("MatMul", &["t1", &wm], "f2", vec![]));
    let bm = g.weight("bm", &[3], 0.5, 0.0);
    g.add(node("Add", &["f2", &bm], "f3", vec![]));
    g.add(node(
        "Softmax",
        &["f3"],
        "y",
        if opset < 13 {
            vec![("axis", A::I(1))]
        } else {
            vec![]
        },
    ));
    g.model(&[2, 9, 8], "y", opset)
}

/// VALID conv, AveragePool without the pad count, PyTorch's view chain, a final Sigmoid.
fn view_graph() -> Vec<u8> {
    let mut g = Graph::new(2);
    let w = g.weight("w", &[3, 1, 3, 3], 0.5, 0.0);
    g.add(node(
        "Conv",
        &["x", &w],
        "c",
        vec![("auto_pad", A::S("VALID"))],
    ));
    g.add(node("Relu", &["c"], "r", vec![]));
    g.add(node(
        "AveragePool",
        &["r"],
        "p",
        vec![
            ("kernel_shape", A::Is(vec![3, 2])),
            ("strides", A::Is(vec![2, 2])),
            ("pads", A::Is(vec![1, 0, 1, 1])),
        ],
    ));
    g.add(node("Shape", &["p"], "shape", vec![]));
    let zero = g.ints("zero", &[0]);
    g.inits.last_mut().unwrap().dims.clear();
    g.add(node(
        "Gather",
        &["shape", &zero],
        "n",
        vec![("axis", A::I(0))],
    ));
    let ax = g.ints("ax", &[0]);
    g.add(node("Unsqueeze", &["n", &ax], "n1", vec![]));
    let minus = g.ints("minus", &[-1]);
    g.add(node(
        "Concat",
        &["n1", &minus],
        "target",
        vec![("axis", A::I(0))],
    ));
    g.add(node("Reshape", &["p", "target"], "flat", vec![]));
    let wf = g.weight("wf", &[3 * 3 * 3, 1], 0.5, 0.0);
    let bf = g.weight("bf", &[1], 0.1, 0.0);
    g.add(node("Gemm", &["flat", &wf, &bf], "z", vec![]));
    g.add(node("Sigmoid", &["z"], "y", vec![]));
    g.model(&[1, 8, 7], "y", 17)
}

/// A table network: per-feature Div and Sub, BatchNormalization of a flat tensor, Dropout,
/// Identity, two Gemms.
fn table_graph() -> Vec<u8> {
    let mut g = Graph::new(3);
    let div = g.weight("div", &[1, 5], 0.5, 1.0);
    g.add(node("Div", &["x", &div], "a", vec![]));
    let sub = g.weight("sub", &[5], 0.5, 0.0);
    g.add(node("Sub", &[&sub, "a"], "b", vec![]));
    let bn: Vec<String> = ["s", "bb", "m"]
        .iter()
        .map(|n| g.weight(&format!("bn_{n}"), &[5], 0.5, 0.0))
        .collect();
    let var = g.weight("bn_v", &[5], 0.3, 1.0);
    g.add(node(
        "BatchNormalization",
        &["b", &bn[0], &bn[1], &bn[2], &var],
        "c",
        vec![],
    ));
    let w1 = g.weight("w1", &[5, 7], 0.6, 0.0);
    let b1 = g.weight("b1", &[1, 7], 0.2, 0.0);
    g.add(node("Gemm", &["c", &w1, &b1], "d", vec![]));
    g.add(node("Relu", &["d"], "e", vec![]));
    g.add(node("Dropout", &["e"], "f", vec![]));
    g.add(node("Identity", &["f"], "g", vec![]));
    let w2 = g.weight("w2", &[2, 7], 0.6, 0.0);
    g.add(node("Gemm", &["g", &w2], "y", vec![("transB", A::I(1))]));
    g.model(&[5], "y", 13)
}

fn inputs(shape: &[usize], n: usize, seed: u64) -> Array2<f64> {
    let mut r = Lcg(seed);
    let f: usize = shape.iter().product();
    Array2::from_shape_fn((n, f), |_| 2.0 * r.next())
}

fn check(bytes: &[u8], per_sample: &[usize], link: Link) -> OnnxNetwork {
    let net = import(bytes);
    assert_eq!(net.input_shape, per_sample);
    assert_eq!(net.link, link);
    let x = inputs(per_sample, 5, 11);
    let mut d = vec![5];
    d.extend_from_slice(per_sample);
    let want = evaluate(
        bytes,
        T {
            d,
            v: x.iter().copied().collect(),
        },
    );
    let got = net.predict_outputs(x.view()).unwrap();
    assert_eq!(got.len(), want.v.len());
    for (g, w) in got.iter().zip(&want.v) {
        assert!((g - w).abs() <= 1e-12 * w.abs().max(1.0), "{g} vs {w}");
    }
    // Summation to delta through every imported layer, each output.
    let r = inputs(per_sample, 5, 12);
    let (fx, fr) = (
        net.predict(x.view()).unwrap(),
        net.predict(r.view()).unwrap(),
    );
    for o in 0..net.n_outputs() {
        let m = net
            .flat()
            .deeplift_multipliers(x.view(), r.view(), o)
            .unwrap();
        for i in 0..5 {
            let lhs: f64 = (0..x.ncols())
                .map(|j| m[[i, j]] * (x[[i, j]] - r[[i, j]]))
                .sum();
            let rhs = fx[[i, o]] - fr[[i, o]];
            assert!(
                (lhs - rhs).abs() <= 1e-9 * rhs.abs().max(1.0),
                "{lhs} vs {rhs}"
            );
        }
    }
    // Input gradients of every output against central differences (every layer's backward).
    let h = 1e-6;
    for o in 0..net.n_outputs() {
        let g = net.flat().input_gradients(x.view(), o).unwrap();
        for j in (0..x.ncols()).step_by(7) {
            let (mut xp, mut xm) = (x.clone(), x.clone());
            xp[[0, j]] += h;
            xm[[0, j]] -= h;
            let fd = (net.predict(xp.view()).unwrap()[[0, o]]
                - net.predict(xm.view()).unwrap()[[0, o]])
                / (2.0 * h);
            assert!(
                (fd - g[[0, j]]).abs() < 1e-6 * g[[0, j]].abs().max(1.0),
                "output {o} input {j}: {fd} vs {}",
                g[[0, j]]
            );
        }
    }
    net
}

#[test]
fn image_graph_with_every_window_attribute_equals_the_oracle() {
    for opset in [11, 17] {
        let net = check(&image_graph(opset), &[2, 9, 8], Link::Softmax);
        // BatchNormalization folds into the first Conv; the second (after an activation)
        // stays a per-channel layer; Sub and Mul fold into one.
        assert_eq!(
            net.conv_nodes(),
            ["Conv_c1 + BatchNormalization_n1", "Conv_c2"]
        );
    }
}

#[test]
fn pytorch_view_chain_and_final_sigmoid_equal_the_oracle() {
    let net = check(&view_graph(), &[1, 8, 7], Link::Logistic);
    assert_eq!(net.n_outputs(), 1);
    assert!(
        net.to_cnn(vec!["a".into()], None)
            .unwrap_err()
            .contains("Sigmoid")
    );
}

#[test]
fn table_graph_equals_the_oracle() {
    let net = check(&table_graph(), &[5], Link::Identity);
    assert!(!net.is_image());
}
