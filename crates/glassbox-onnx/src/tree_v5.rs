//! The ai.onnx.ml opset-5 `TreeEnsemble` operator, read into the layout of the opset 1-3
//! operators so that one builder serves both.
//!
//! Opset 5 addresses interior nodes by position (`tree_roots`, `nodes_truenodeids` with
//! `nodes_trueleafs` saying whether the id is a node or a leaf), keeps one target and weight per
//! leaf (`leaf_targetids`, `leaf_weights`), and encodes modes, aggregation and post-transform as
//! numbers. Here each tree gets the root's position as its tree id, each interior node its
//! position as node id, and each reference to a leaf a fresh node id past the interior nodes (a
//! one-leaf tree references the same leaf from both branches of a dummy split: that becomes two
//! leaves with the same weight, which predicts the same).

use std::collections::HashSet;

use crate::attrs::Attrs;
use crate::model::ModelKind;
use crate::nodes::{Columns, NodeTable};
use crate::trees::{Leaves, MAX_OUTPUTS, Parts};

/// Most node rows the conversion may create (trees may share nodes, which are then copied).
const MAX_ROWS: usize = 1 << 24;

/// The opset-5 mode numbers' names.
fn mode_name(m: i64) -> String {
    match m {
        0 => "BRANCH_LEQ".into(),
        1 => "BRANCH_LT".into(),
        2 => "BRANCH_GTE".into(),
        3 => "BRANCH_GT".into(),
        4 => "BRANCH_EQ".into(),
        5 => "BRANCH_NEQ".into(),
        6 => "BRANCH_MEMBER".into(),
        other => format!("mode number {other}"),
    }
}

/// The positional attributes of one TreeEnsemble node.
struct Positional {
    roots: Vec<i64>,
    features: Vec<i64>,
    modes: Vec<i64>,
    splits: Vec<f64>,
    true_ids: Vec<i64>,
    false_ids: Vec<i64>,
    true_leafs: Vec<i64>,
    false_leafs: Vec<i64>,
    tracks: Vec<i64>,
    leaf_targets: Vec<i64>,
    leaf_weights: Vec<f64>,
}

impl Positional {
    fn read(a: &Attrs<'_>) -> Result<Positional, String> {
        let p = Positional {
            roots: a.required_ints("tree_roots")?.to_vec(),
            features: a.required_ints("nodes_featureids")?.to_vec(),
            modes: a.tensor_ints("nodes_modes")?,
            splits: a.tensor_floats("nodes_splits")?,
            true_ids: a.required_ints("nodes_truenodeids")?.to_vec(),
            false_ids: a.required_ints("nodes_falsenodeids")?.to_vec(),
            true_leafs: a.required_ints("nodes_trueleafs")?.to_vec(),
            false_leafs: a.required_ints("nodes_falseleafs")?.to_vec(),
            tracks: a.ints("nodes_missing_value_tracks_true").to_vec(),
            leaf_targets: a.required_ints("leaf_targetids")?.to_vec(),
            leaf_weights: a.tensor_floats("leaf_weights")?,
        };
        let n = p.features.len();
        for (name, len) in [
            ("nodes_modes", p.modes.len()),
            ("nodes_splits", p.splits.len()),
            ("nodes_truenodeids", p.true_ids.len()),
            ("nodes_falsenodeids", p.false_ids.len()),
            ("nodes_trueleafs", p.true_leafs.len()),
            ("nodes_falseleafs", p.false_leafs.len()),
        ] {
            if len != n {
                return Err(format!(
                    "attribute '{name}' has {len} entries, nodes_featureids has {n}"
                ));
            }
        }
        if !p.tracks.is_empty() && p.tracks.len() != n {
            return Err(format!(
                "attribute 'nodes_missing_value_tracks_true' has {} entries, expected {n}",
                p.tracks.len()
            ));
        }
        if p.leaf_weights.len() != p.leaf_targets.len() {
            return Err(format!(
                "leaf_weights has {} entries, leaf_targetids {}",
                p.leaf_weights.len(),
                p.leaf_targets.len()
            ));
        }
        Ok(p)
    }
}

/// Reads a TreeEnsemble node (regression semantics: `n_targets` outputs, no base values).
pub fn read(a: &Attrs<'_>) -> Result<Parts, String> {
    let p = Positional::read(a)?;
    let n_targets = a.int("n_targets", 1);
    let n_outputs = usize::try_from(n_targets)
        .ok()
        .filter(|n| (1..=MAX_OUTPUTS).contains(n))
        .ok_or_else(|| format!("the model declares {n_targets} targets"))?;
    let aggregate = match a.int("aggregate_function", 1) {
        0 => "AVERAGE".to_string(),
        1 => "SUM".to_string(),
        2 => "MIN".to_string(),
        3 => "MAX".to_string(),
        other => format!("number {other}"),
    };
    let post = match a.int("post_transform", 0) {
        0 => "NONE".to_string(),
        1 => "SOFTMAX".to_string(),
        2 => "LOGISTIC".to_string(),
        3 => "SOFTMAX_ZERO".to_string(),
        4 => "PROBIT".to_string(),
        other => format!("number {other}"),
    };
    let (columns, leaves) = unfold(&p, n_outputs)?;
    Ok(Parts {
        table: NodeTable::from_columns(columns)?,
        leaves,
        kind: ModelKind::Regressor {
            n_targets: n_outputs,
        },
        n_outputs,
        base: Vec::new(),
        post,
        aggregate,
    })
}

/// Walks every tree from its root and writes it in the opset 1-3 layout.
fn unfold(p: &Positional, n_outputs: usize) -> Result<(Columns, Leaves), String> {
    let n = p.features.len();
    let mut c = Columns {
        tree_ids: Vec::new(),
        node_ids: Vec::new(),
        feature_ids: Vec::new(),
        modes: Vec::new(),
        values: Vec::new(),
        true_ids: Vec::new(),
        false_ids: Vec::new(),
        tracks: Vec::new(),
        hitrates: Vec::new(),
    };
    let mut leaves = Leaves::new();
    let mut next_leaf = n as i64;
    for (tree, &root) in p.roots.iter().enumerate() {
        let tree = tree as i64;
        let mut seen = HashSet::new();
        let mut stack = vec![index(root, n, "tree_roots")?];
        while let Some(pos) = stack.pop() {
            if !seen.insert(pos) {
                return Err(format!(
                    "tree {tree}: node {pos} is reached twice (not a tree)"
                ));
            }
            if c.tree_ids.len() >= MAX_ROWS {
                return Err(format!("the trees unfold to more than {MAX_ROWS} nodes"));
            }
            let mut child = |is_leaf: i64, id: i64, c: &mut Columns| -> Result<i64, String> {
                if is_leaf == 0 {
                    stack.push(index(id, n, "a node's child")?);
                    return Ok(id);
                }
                let leaf = index(id, p.leaf_targets.len(), "a leaf reference")?;
                let target = usize::try_from(p.leaf_targets[leaf])
                    .ok()
                    .filter(|&k| k < n_outputs)
                    .ok_or_else(|| {
                        format!("leaf {leaf} adds to target {}", p.leaf_targets[leaf])
                    })?;
                let weight = p.leaf_weights[leaf];
                if !weight.is_finite() {
                    return Err(format!("leaf {leaf} has weight {weight}"));
                }
                next_leaf += 1;
                push(c, tree, next_leaf, "LEAF".into(), [0, 0, 0, 0], 0.0);
                leaves.insert((tree, next_leaf), vec![(target, weight)]);
                Ok(next_leaf)
            };
            let t = child(p.true_leafs[pos], p.true_ids[pos], &mut c)?;
            let f = child(p.false_leafs[pos], p.false_ids[pos], &mut c)?;
            let track = p.tracks.get(pos).copied().unwrap_or(0);
            let mode = mode_name(p.modes[pos]);
            push(
                &mut c,
                tree,
                pos as i64,
                mode,
                [p.features[pos], t, f, track],
                p.splits[pos],
            );
        }
    }
    Ok((c, leaves))
}

/// A position checked against `len`.
fn index(id: i64, len: usize, what: &str) -> Result<usize, String> {
    usize::try_from(id)
        .ok()
        .filter(|&i| i < len)
        .ok_or_else(|| format!("{what} is {id}, outside 0..{len}"))
}

/// Appends one node row; `ints` = [feature, true id, false id, tracks].
fn push(c: &mut Columns, tree: i64, id: i64, mode: String, ints: [i64; 4], value: f64) {
    c.tree_ids.push(tree);
    c.node_ids.push(id);
    c.modes.push(mode);
    c.feature_ids.push(ints[0]);
    c.true_ids.push(ints[1]);
    c.false_ids.push(ints[2]);
    c.tracks.push(ints[3]);
    c.values.push(value);
}
