//! Random tree ensembles written as ONNX bytes (with the crate's own prost messages) against an
//! oracle that evaluates the ONNX attributes directly, by node id and branch mode, as the
//! operator specification reads: every branch mode, missing-value tracking, thresholds hit
//! exactly, several targets, SUM and AVERAGE, base values, float and double (`*_as_tensor`)
//! weights. The oracle shares no code with the importer.

use glassbox_onnx::parse;
use glassbox_onnx::proto::{
    AttributeProto, Dimension, GraphProto, ModelProto, NodeProto, OperatorSetIdProto, TensorProto,
    TensorShapeProto, TypeProto, TypeProtoTensor, ValueInfoProto,
};
use ndarray::Array2;
use proptest::prelude::*;
use prost::Message;

const MODES: [&str; 4] = ["BRANCH_LEQ", "BRANCH_LT", "BRANCH_GTE", "BRANCH_GT"];
const GRID: [f64; 5] = [-1.0, -0.5, 0.0, 0.5, 1.0];
const N_FEATURES: usize = 3;

/// One ONNX node row.
#[derive(Clone, Debug)]
struct Row {
    tree: i64,
    id: i64,
    mode: &'static str,
    feature: i64,
    value: f64,
    t: i64,
    f: i64,
    tracks: i64,
}

/// A random ensemble in ONNX attribute form.
#[derive(Clone, Debug)]
struct Spec {
    rows: Vec<Row>,
    /// (tree, node, target, weight)
    leaves: Vec<(i64, i64, i64, f64)>,
    n_targets: usize,
    base: Vec<f64>,
    average: bool,
    double: bool,
    n_trees: usize,
}

/// Grows one tree from `choices` (a stream of small numbers), ids shuffled by `id_salt`.
fn grow(tree: i64, choices: &[u32], id_salt: i64, n_targets: usize, spec: &mut Spec) {
    let mut next_id = 0i64;
    let mut pos = 0usize;
    let mut pick = |m: u32| {
        pos += 1;
        choices[pos % choices.len()] % m
    };
    // (id, depth)
    let mut stack = vec![(0i64, 0usize)];
    let id = |k: i64| (k * 7 + id_salt) % 1000 + 1000 * (k / 1000);
    while let Some((k, depth)) = stack.pop() {
        if depth >= 4 || (depth > 0 && pick(3) == 0) {
            spec.rows.push(Row {
                tree,
                id: id(k),
                mode: "LEAF",
                feature: 0,
                value: 0.0,
                t: 0,
                f: 0,
                tracks: 0,
            });
            for target in 0..n_targets {
                if pick(4) != 0 {
                    let w = f64::from(pick(200) as i32 - 100) / 16.0;
                    spec.leaves.push((tree, id(k), target as i64, w));
                }
            }
            continue;
        }
        let (t, f) = (next_id + 1, next_id + 2);
        next_id += 2;
        spec.rows.push(Row {
            tree,
            id: id(k),
            mode: MODES[pick(4) as usize],
            feature: i64::from(pick(N_FEATURES as u32)),
            value: GRID[pick(5) as usize],
            t: id(t),
            f: id(f),
            tracks: i64::from(pick(2)),
        });
        stack.push((t, depth + 1));
        stack.push((f, depth + 1));
    }
}

fn spec_strategy() -> impl Strategy<Value = Spec> {
    (
        1usize..4,
        1usize..3,
        prop::collection::vec(0u32..1000, 64),
        0i64..7,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(n_trees, n_targets, choices, salt, average, double, with_base)| {
                let mut spec = Spec {
                    rows: Vec::new(),
                    leaves: Vec::new(),
                    n_targets,
                    base: if with_base {
                        (0..n_targets).map(|k| 0.25 * k as f64 - 0.5).collect()
                    } else {
                        vec![]
                    },
                    average,
                    double,
                    n_trees,
                };
                for t in 0..n_trees {
                    grow(
                        t as i64 * 3 + 1,
                        &choices[t * 5..],
                        salt,
                        n_targets,
                        &mut spec,
                    );
                }
                // Shuffle rows deterministically so trees are not stored in order.
                spec.rows.reverse();
                spec
            },
        )
}

/// The specification's reading, by node id.
fn oracle(spec: &Spec, x: &[f64]) -> Vec<f64> {
    let find = |tree: i64, id: i64| {
        spec.rows
            .iter()
            .find(|r| r.tree == tree && r.id == id)
            .unwrap()
    };
    let mut out = vec![0.0; spec.n_targets];
    let roots: Vec<&Row> = spec
        .rows
        .iter()
        .filter(|r| {
            !spec
                .rows
                .iter()
                .any(|p| p.tree == r.tree && p.mode != "LEAF" && (p.t == r.id || p.f == r.id))
        })
        .collect();
    for root in &roots {
        let mut n = *root;
        while n.mode != "LEAF" {
            let v = x[n.feature as usize];
            let yes = if v.is_nan() {
                n.tracks != 0
            } else {
                match n.mode {
                    "BRANCH_LEQ" => v <= n.value,
                    "BRANCH_LT" => v < n.value,
                    "BRANCH_GTE" => v >= n.value,
                    _ => v > n.value,
                }
            };
            n = find(n.tree, if yes { n.t } else { n.f });
        }
        for &(tree, node, target, w) in &spec.leaves {
            if tree == n.tree && node == n.id {
                out[target as usize] += w;
            }
        }
    }
    for (k, o) in out.iter_mut().enumerate() {
        if spec.average {
            *o /= spec.n_trees as f64;
        }
        *o += spec.base.get(k).copied().unwrap_or(0.0);
    }
    out
}

fn ints(name: &str, v: Vec<i64>) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        ints: v,
        r#type: 7,
        ..Default::default()
    }
}

/// Float list, or a double tensor `name_as_tensor`.
fn floats(name: &str, v: Vec<f64>, double: bool) -> AttributeProto {
    if double {
        let t = TensorProto {
            dims: vec![v.len() as i64],
            data_type: 11,
            raw_data: v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            ..Default::default()
        };
        AttributeProto {
            name: format!("{name}_as_tensor"),
            t: Some(t),
            r#type: 4,
            ..Default::default()
        }
    } else {
        AttributeProto {
            name: name.into(),
            floats: v.iter().map(|&x| x as f32).collect(),
            r#type: 6,
            ..Default::default()
        }
    }
}

fn string(name: &str, s: &str) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        s: s.as_bytes().to_vec(),
        r#type: 3,
        ..Default::default()
    }
}

/// The spec as an ONNX model with one input `X` of shape (N, 3).
fn encode(spec: &Spec) -> Vec<u8> {
    let r = &spec.rows;
    let col = |f: fn(&Row) -> i64| r.iter().map(f).collect::<Vec<_>>();
    let mut attribute = vec![
        ints("nodes_treeids", col(|x| x.tree)),
        ints("nodes_nodeids", col(|x| x.id)),
        ints("nodes_featureids", col(|x| x.feature)),
        ints("nodes_truenodeids", col(|x| x.t)),
        ints("nodes_falsenodeids", col(|x| x.f)),
        ints("nodes_missing_value_tracks_true", col(|x| x.tracks)),
        floats(
            "nodes_values",
            r.iter().map(|x| x.value).collect(),
            spec.double,
        ),
        AttributeProto {
            name: "nodes_modes".into(),
            strings: r.iter().map(|x| x.mode.as_bytes().to_vec()).collect(),
            r#type: 8,
            ..Default::default()
        },
        ints("target_treeids", spec.leaves.iter().map(|l| l.0).collect()),
        ints("target_nodeids", spec.leaves.iter().map(|l| l.1).collect()),
        ints("target_ids", spec.leaves.iter().map(|l| l.2).collect()),
        floats(
            "target_weights",
            spec.leaves.iter().map(|l| l.3).collect(),
            spec.double,
        ),
        AttributeProto {
            name: "n_targets".into(),
            i: spec.n_targets as i64,
            r#type: 2,
            ..Default::default()
        },
        string(
            "aggregate_function",
            if spec.average { "AVERAGE" } else { "SUM" },
        ),
        string("post_transform", "NONE"),
    ];
    if !spec.base.is_empty() {
        attribute.push(floats("base_values", spec.base.clone(), spec.double));
    }
    let node = NodeProto {
        input: vec!["X".into()],
        output: vec!["Y".into()],
        name: "trees".into(),
        op_type: "TreeEnsembleRegressor".into(),
        domain: "ai.onnx.ml".into(),
        attribute,
    };
    wrap(node).encode_to_vec()
}

/// A model whose graph is `node` with one input `X` of shape (N, 3).
fn wrap(node: NodeProto) -> ModelProto {
    let dims = vec![
        Dimension {
            dim_value: None,
            dim_param: Some("N".into()),
        },
        Dimension {
            dim_value: Some(N_FEATURES as i64),
            dim_param: None,
        },
    ];
    let input = ValueInfoProto {
        name: "X".into(),
        r#type: Some(TypeProto {
            tensor_type: Some(TypeProtoTensor {
                elem_type: 1,
                shape: Some(TensorShapeProto { dim: dims }),
            }),
        }),
    };
    ModelProto {
        ir_version: 8,
        opset_import: vec![
            OperatorSetIdProto {
                domain: "ai.onnx.ml".into(),
                version: 3,
            },
            OperatorSetIdProto {
                domain: String::new(),
                version: 17,
            },
        ],
        graph: Some(GraphProto {
            node: vec![node],
            name: "g".into(),
            input: vec![input],
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Every combination of grid values and NaN for 3 features: 6^3 rows.
fn all_rows() -> Array2<f64> {
    let vals: Vec<f64> = GRID.iter().copied().chain([f64::NAN]).collect();
    let n = vals.len();
    Array2::from_shape_fn((n * n * n, N_FEATURES), |(i, j)| {
        vals[(i / n.pow(j as u32)) % n]
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 200,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x0_11ee_0015),
        ..ProptestConfig::default()
    })]

    #[test]
    fn imported_ensembles_predict_as_the_specification_reads(spec in spec_strategy()) {
        let bytes = encode(&spec);
        let model = parse(&bytes, "synthetic.onnx").unwrap();
        let x = all_rows();
        let got = model.predict_scores(x.view()).unwrap();
        for (i, row) in x.rows().into_iter().enumerate() {
            let want = oracle(&spec, row.as_slice().unwrap());
            for (k, w) in want.iter().enumerate() {
                // Weights are multiples of 1/16 (exact in f32), so sums are exact up to /n_trees.
                prop_assert!((got[[i, k]] - w).abs() <= 1e-12, "row {:?} target {}: {} vs {}", row, k, got[[i, k]], w);
            }
        }
    }
}

/// A stump `x1 <= 0.5` (leaves 1 and 3) as ONNX bytes, with `hitrates` when not empty.
fn stump(hitrates: Vec<f64>) -> Vec<u8> {
    let row = |id, mode, t, f| Row {
        tree: 0,
        id,
        mode,
        feature: 1,
        value: 0.5,
        t,
        f,
        tracks: 0,
    };
    let spec = Spec {
        rows: vec![
            row(0, "BRANCH_LEQ", 1, 2),
            row(1, "LEAF", 0, 0),
            row(2, "LEAF", 0, 0),
        ],
        leaves: vec![(0, 1, 0, 1.0), (0, 2, 0, 3.0)],
        n_targets: 1,
        base: vec![],
        average: false,
        double: false,
        n_trees: 1,
    };
    let mut m = ModelProto::decode(encode(&spec).as_slice()).unwrap();
    if !hitrates.is_empty() {
        let attrs = &mut m.graph.as_mut().unwrap().node[0].attribute;
        attrs.push(floats("nodes_hitrates", hitrates, false));
    }
    m.encode_to_vec()
}

#[test]
fn consistent_hit_rates_serve_as_covers() {
    use glassbox_onnx::Covers;
    let m = parse(&stump(vec![10.0, 4.0, 6.0]), "h.onnx").unwrap();
    assert_eq!(m.covers, Covers::HitRates);
    m.require_covers().unwrap();
    // (4 * 1 + 6 * 3) / 10
    assert!((m.ensemble.expected_value()[0] - 2.2).abs() < 1e-12);
    // skl2onnx's constant 1.0 (inconsistent), or none at all: no covers.
    for h in [vec![1.0, 1.0, 1.0], vec![]] {
        let m = parse(&stump(h), "h.onnx").unwrap();
        assert_eq!(m.covers, Covers::Absent);
        let e = m.require_covers().unwrap_err().to_string();
        assert!(e.contains("h.onnx") && e.contains("interventional"), "{e}");
    }
}

/// A float or double tensor attribute called `name`.
fn tensor_attr(name: &str, v: Vec<f64>, double: bool) -> AttributeProto {
    let mut a = floats(name, v, true);
    a.name = name.into();
    if !double {
        let t = a.t.as_mut().unwrap();
        t.data_type = 1;
        t.raw_data = t
            .raw_data
            .chunks_exact(8)
            .flat_map(|b| (f64::from_le_bytes(b.try_into().unwrap()) as f32).to_le_bytes())
            .collect();
    }
    a
}

/// The spec as an ai.onnx.ml opset-5 `TreeEnsemble` (base values dropped: the operator has
/// none). Each (tree, target) pair with weights becomes one tree, since a leaf there has one
/// target; interior nodes by position, leaves in `leaf_*`. Returns the bytes and the number of
/// trees written (AVERAGE divides by it).
fn encode_v5(spec: &Spec) -> (Vec<u8>, usize) {
    #[derive(Default)]
    struct Cols {
        feature: Vec<i64>,
        modes: Vec<u8>,
        splits: Vec<f64>,
        t: Vec<i64>,
        tl: Vec<i64>,
        f: Vec<i64>,
        fl: Vec<i64>,
        tracks: Vec<i64>,
        leaf_target: Vec<i64>,
        leaf_weight: Vec<f64>,
        roots: Vec<i64>,
    }
    fn emit(spec: &Spec, c: &mut Cols, row: &Row, k: i64) -> (i64, i64) {
        if row.mode == "LEAF" {
            let w: f64 = spec
                .leaves
                .iter()
                .filter(|l| l.0 == row.tree && l.1 == row.id && l.2 == k)
                .map(|l| l.3)
                .sum();
            c.leaf_target.push(k);
            c.leaf_weight.push(w);
            return (1, c.leaf_target.len() as i64 - 1);
        }
        let pos = c.feature.len();
        c.feature.push(row.feature);
        c.modes
            .push(MODES.iter().position(|m| *m == row.mode).unwrap() as u8);
        c.splits.push(row.value);
        c.tracks.push(row.tracks);
        for v in [&mut c.t, &mut c.tl, &mut c.f, &mut c.fl] {
            v.push(0);
        }
        let find = |id: i64| {
            spec.rows
                .iter()
                .find(|r| r.tree == row.tree && r.id == id)
                .unwrap()
        };
        let (tl, t) = emit(spec, c, find(row.t), k);
        let (fl, f) = emit(spec, c, find(row.f), k);
        (c.tl[pos], c.t[pos], c.fl[pos], c.f[pos]) = (tl, t, fl, f);
        (0, pos as i64)
    }
    let mut c = Cols::default();
    let mut trees: Vec<i64> = spec.rows.iter().map(|r| r.tree).collect();
    trees.sort();
    trees.dedup();
    for tree in trees {
        let root =
            spec.rows
                .iter()
                .find(|r| {
                    r.tree == tree
                        && !spec.rows.iter().any(|p| {
                            p.tree == tree && p.mode != "LEAF" && (p.t == r.id || p.f == r.id)
                        })
                })
                .unwrap();
        for k in 0..spec.n_targets as i64 {
            if !spec.leaves.iter().any(|l| l.0 == tree && l.2 == k) {
                continue;
            }
            let (is_leaf, idx) = emit(spec, &mut c, root, k);
            if is_leaf == 1 {
                // A one-leaf tree: a dummy split with both branches on the leaf.
                c.feature.push(0);
                c.modes.push(0);
                c.splits.push(0.0);
                c.tracks.push(0);
                c.t.push(idx);
                c.tl.push(1);
                c.f.push(idx);
                c.fl.push(1);
                c.roots.push(c.feature.len() as i64 - 1);
            } else {
                c.roots.push(idx);
            }
        }
    }
    let modes = TensorProto {
        dims: vec![c.modes.len() as i64],
        data_type: 2,
        raw_data: c.modes.clone(),
        ..Default::default()
    };
    let attribute = vec![
        ints("tree_roots", c.roots.clone()),
        ints("nodes_featureids", c.feature),
        AttributeProto {
            name: "nodes_modes".into(),
            t: Some(modes),
            r#type: 4,
            ..Default::default()
        },
        tensor_attr("nodes_splits", c.splits, spec.double),
        ints("nodes_truenodeids", c.t),
        ints("nodes_trueleafs", c.tl),
        ints("nodes_falsenodeids", c.f),
        ints("nodes_falseleafs", c.fl),
        ints("nodes_missing_value_tracks_true", c.tracks),
        ints("leaf_targetids", c.leaf_target),
        tensor_attr("leaf_weights", c.leaf_weight, spec.double),
        AttributeProto {
            name: "n_targets".into(),
            i: spec.n_targets as i64,
            r#type: 2,
            ..Default::default()
        },
        AttributeProto {
            name: "aggregate_function".into(),
            i: i64::from(!spec.average),
            r#type: 2,
            ..Default::default()
        },
    ];
    let mut m = ModelProto::decode(encode(spec).as_slice()).unwrap();
    m.opset_import[0].version = 5;
    let node = &mut m.graph.as_mut().unwrap().node[0];
    node.op_type = "TreeEnsemble".into();
    node.attribute = attribute;
    (m.encode_to_vec(), c.roots.len())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 150,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x0_11ee_0005),
        ..ProptestConfig::default()
    })]

    #[test]
    fn opset5_tree_ensembles_predict_as_the_specification_reads(spec in spec_strategy()) {
        let spec = Spec { base: vec![], ..spec };
        let (bytes, n_roots) = encode_v5(&spec);
        let model = parse(&bytes, "synthetic_v5.onnx").unwrap();
        let x = all_rows();
        let got = model.predict_scores(x.view()).unwrap();
        let sum_spec = Spec { average: false, ..spec.clone() };
        for (i, row) in x.rows().into_iter().enumerate() {
            let mut want = oracle(&sum_spec, row.as_slice().unwrap());
            if spec.average {
                want.iter_mut().for_each(|w| *w /= n_roots.max(1) as f64);
            }
            for (k, w) in want.iter().enumerate() {
                prop_assert!((got[[i, k]] - w).abs() <= 1e-12, "row {:?} target {}: {} vs {}", row, k, got[[i, k]], w);
            }
        }
    }
}
