//! The `nodes_*` attributes of a TreeEnsembleRegressor / TreeEnsembleClassifier (ai.onnx.ml
//! opsets 1 to 3) turned into tree structures: children, split feature and threshold, branch
//! mode and missing-value direction, in glassbox's layout (pre-order, node 0 the root).

use std::collections::{BTreeMap, HashMap};

use glassbox_core::{LEAF, Missing, SplitCondition};

use crate::attrs::Attrs;

/// One ONNX branch mode that glassbox can represent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Leaf,
    /// `x <= t` takes the true branch.
    Leq,
    /// `x < t`.
    Lt,
    /// `x >= t`.
    Gte,
    /// `x > t`.
    Gt,
}

impl Mode {
    /// Whether the true branch is the side glassbox calls left (`x <= t` / `x < t`).
    fn true_is_left(self) -> bool {
        matches!(self, Mode::Leq | Mode::Lt)
    }

    /// Whether the comparison is strict when written with the left side (`x < t` goes left).
    fn strict_left(self) -> bool {
        // x >= t true  <=>  x < t false (left = false branch, strict);
        // x > t true   <=>  x <= t false (left = false branch, not strict).
        matches!(self, Mode::Lt | Mode::Gte)
    }
}

/// The node arrays of one tree-ensemble node, all of length `n` (one entry per ONNX node).
pub struct NodeTable {
    tree_ids: Vec<i64>,
    node_ids: Vec<i64>,
    feature_ids: Vec<i64>,
    modes: Vec<Mode>,
    values: Vec<f64>,
    true_ids: Vec<i64>,
    false_ids: Vec<i64>,
    tracks_true: Vec<bool>,
    hitrates: Vec<f64>,
}

/// The `nodes_*` attributes in the layout of TreeEnsembleRegressor/Classifier, one entry per
/// ONNX node (the opset-5 TreeEnsemble reader converts into this too).
pub struct Columns {
    /// Tree of each node.
    pub tree_ids: Vec<i64>,
    /// Id of each node within its tree.
    pub node_ids: Vec<i64>,
    /// Split feature.
    pub feature_ids: Vec<i64>,
    /// `BRANCH_LEQ`, ..., or `LEAF`.
    pub modes: Vec<String>,
    /// Threshold.
    pub values: Vec<f64>,
    /// Node id of the true branch.
    pub true_ids: Vec<i64>,
    /// Node id of the false branch.
    pub false_ids: Vec<i64>,
    /// 1 where NaN takes the true branch (may be empty: all 0).
    pub tracks: Vec<i64>,
    /// Hit rates (may be empty).
    pub hitrates: Vec<f64>,
}

/// One tree's structure in glassbox's layout, and where each ONNX node id went.
pub struct TreeShape {
    /// The ONNX tree id.
    pub tree_id: i64,
    /// Left child or [`LEAF`], per glassbox node.
    pub left: Vec<u32>,
    /// Right child or [`LEAF`].
    pub right: Vec<u32>,
    /// Split feature (0 at leaves).
    pub feature: Vec<u32>,
    /// Threshold in glassbox's comparison (0 at leaves).
    pub threshold: Vec<f64>,
    /// Where NaN goes.
    pub default_left: Vec<bool>,
    /// Hit rates in glassbox order (empty when the file has none).
    pub hitrates: Vec<f64>,
    /// ONNX node id -> glassbox node index.
    pub index_of: HashMap<i64, usize>,
}

/// Splits of every tree plus the one comparison they share.
pub struct Structure {
    /// Trees ordered by ONNX tree id.
    pub trees: Vec<TreeShape>,
    /// The comparison every split uses after conversion.
    pub split: SplitCondition,
    /// Number of features the splits index (max feature id + 1).
    pub min_features: usize,
}

impl NodeTable {
    /// Reads and checks the `nodes_*` attributes (TreeEnsembleRegressor/Classifier).
    pub fn read(a: &Attrs<'_>) -> Result<NodeTable, String> {
        NodeTable::from_columns(Columns {
            tree_ids: a.required_ints("nodes_treeids")?.to_vec(),
            node_ids: a.required_ints("nodes_nodeids")?.to_vec(),
            feature_ids: a.required_ints("nodes_featureids")?.to_vec(),
            modes: a.strings("nodes_modes"),
            values: a.floats("nodes_values")?,
            true_ids: a.required_ints("nodes_truenodeids")?.to_vec(),
            false_ids: a.required_ints("nodes_falsenodeids")?.to_vec(),
            tracks: a.ints("nodes_missing_value_tracks_true").to_vec(),
            hitrates: a.floats("nodes_hitrates")?,
        })
    }

    /// Checks the columns (equal lengths, known modes) and keeps them.
    pub fn from_columns(c: Columns) -> Result<NodeTable, String> {
        let n = c.tree_ids.len();
        for (name, len) in [
            ("nodes_nodeids", c.node_ids.len()),
            ("nodes_featureids", c.feature_ids.len()),
            ("nodes_modes", c.modes.len()),
            ("nodes_values", c.values.len()),
            ("nodes_truenodeids", c.true_ids.len()),
            ("nodes_falsenodeids", c.false_ids.len()),
        ] {
            if len != n {
                return Err(format!(
                    "attribute '{name}' has {len} entries, nodes_treeids has {n}"
                ));
            }
        }
        for (name, len) in [
            ("nodes_missing_value_tracks_true", c.tracks.len()),
            ("nodes_hitrates", c.hitrates.len()),
        ] {
            if len != 0 && len != n {
                return Err(format!(
                    "attribute '{name}' has {len} entries, expected {n}"
                ));
            }
        }
        let modes = (0..n)
            .map(|i| parse_mode(&c.modes[i], c.tree_ids[i], c.node_ids[i]))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(NodeTable {
            tracks_true: if c.tracks.is_empty() {
                vec![false; n]
            } else {
                c.tracks.iter().map(|&v| v != 0).collect()
            },
            tree_ids: c.tree_ids,
            node_ids: c.node_ids,
            feature_ids: c.feature_ids,
            modes,
            values: c.values,
            true_ids: c.true_ids,
            false_ids: c.false_ids,
            hitrates: c.hitrates,
        })
    }

    /// Builds every tree, choosing the shared comparison: `<=` when every split is LEQ or GT,
    /// `<` when every split is LT or GTE, and otherwise `<=` with the thresholds of the strict
    /// splits moved down by one f64 step (`x < t` is exactly `x <= next_down(t)` for every
    /// non-NaN f64 `x`).
    pub fn build(&self) -> Result<Structure, String> {
        let splits = self.modes.iter().filter(|m| **m != Mode::Leaf);
        let all_strict = splits.clone().all(|m| m.strict_left());
        let any_strict = splits.clone().any(|m| m.strict_left());
        let split = if all_strict && any_strict {
            SplitCondition::Less
        } else {
            SplitCondition::LessOrEqual
        };
        let adjust = any_strict && !all_strict;
        let mut by_tree: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
        for (i, &t) in self.tree_ids.iter().enumerate() {
            by_tree.entry(t).or_default().push(i);
        }
        let trees = by_tree
            .into_iter()
            .map(|(tree_id, rows)| self.build_tree(tree_id, &rows, adjust))
            .collect::<Result<Vec<_>, _>>()?;
        let max_feature = (0..self.modes.len())
            .filter(|&i| self.modes[i] != Mode::Leaf)
            .map(|i| self.feature_ids[i])
            .max();
        let min_features = match max_feature {
            // Below 2^24: a guard against corrupt ids (no tree model is that wide).
            Some(f) if (0..1 << 24).contains(&f) => f as usize + 1,
            Some(f) => return Err(format!("a split uses feature id {f}, out of range")),
            None => 0,
        };
        Ok(Structure {
            trees,
            split,
            min_features,
        })
    }

    /// Lays out one tree in pre-order from its root (the one node no other node points to).
    fn build_tree(&self, tree_id: i64, rows: &[usize], adjust: bool) -> Result<TreeShape, String> {
        let mut row_of: HashMap<i64, usize> = HashMap::with_capacity(rows.len());
        for &r in rows {
            if row_of.insert(self.node_ids[r], r).is_some() {
                return Err(format!(
                    "tree {tree_id} has node id {} twice",
                    self.node_ids[r]
                ));
            }
        }
        let root = self.find_root(tree_id, rows, &row_of)?;
        let mut shape = TreeShape {
            tree_id,
            left: Vec::new(),
            right: Vec::new(),
            feature: Vec::new(),
            threshold: Vec::new(),
            default_left: Vec::new(),
            hitrates: Vec::new(),
            index_of: HashMap::with_capacity(rows.len()),
        };
        // (ONNX row, parent glassbox index, whether it is the parent's left child)
        let mut stack = vec![(root, usize::MAX, false)];
        while let Some((r, parent, is_left)) = stack.pop() {
            let g = shape.left.len();
            if shape.index_of.insert(self.node_ids[r], g).is_some() {
                return Err(format!(
                    "tree {tree_id}: node {} is reached twice (not a tree)",
                    self.node_ids[r]
                ));
            }
            if parent != usize::MAX {
                let slot = if is_left {
                    &mut shape.left[parent]
                } else {
                    &mut shape.right[parent]
                };
                *slot = g as u32;
            }
            self.push_node(&mut shape, r, adjust)?;
            if self.modes[r] != Mode::Leaf {
                let (l, rt) = self.children(tree_id, r, &row_of)?;
                stack.push((rt, g, false));
                stack.push((l, g, true));
            }
        }
        if shape.left.len() != rows.len() {
            return Err(format!(
                "tree {tree_id}: {} of its {} nodes are not reachable from the root",
                rows.len() - shape.left.len(),
                rows.len()
            ));
        }
        Ok(shape)
    }

    /// The root: the single node of the tree that is no other node's child.
    fn find_root(
        &self,
        tree_id: i64,
        rows: &[usize],
        row_of: &HashMap<i64, usize>,
    ) -> Result<usize, String> {
        let mut is_child: HashMap<i64, bool> = row_of.keys().map(|&k| (k, false)).collect();
        for &r in rows {
            if self.modes[r] != Mode::Leaf {
                for c in [self.true_ids[r], self.false_ids[r]] {
                    is_child.insert(c, true);
                }
            }
        }
        let roots: Vec<i64> = rows
            .iter()
            .map(|&r| self.node_ids[r])
            .filter(|id| !is_child[id])
            .collect();
        match roots.as_slice() {
            [root] => Ok(row_of[root]),
            [] => Err(format!(
                "tree {tree_id} has no root (its nodes form a cycle)"
            )),
            many => Err(format!(
                "tree {tree_id} has {} roots (node ids {:?})",
                many.len(),
                &many[..many.len().min(5)]
            )),
        }
    }

    /// (left, right) ONNX rows of split row `r`, in glassbox's orientation.
    fn children(
        &self,
        tree_id: i64,
        r: usize,
        row_of: &HashMap<i64, usize>,
    ) -> Result<(usize, usize), String> {
        let find = |id: i64| {
            row_of.get(&id).copied().ok_or_else(|| {
                format!(
                    "tree {tree_id}: node {} points to node {id}, which does not exist",
                    self.node_ids[r]
                )
            })
        };
        let (t, f) = (find(self.true_ids[r])?, find(self.false_ids[r])?);
        Ok(if self.modes[r].true_is_left() {
            (t, f)
        } else {
            (f, t)
        })
    }

    /// Appends ONNX row `r` as a glassbox node (children filled in later).
    fn push_node(&self, shape: &mut TreeShape, r: usize, adjust: bool) -> Result<(), String> {
        let mode = self.modes[r];
        shape.left.push(LEAF);
        shape.right.push(LEAF);
        if let Some(&h) = self.hitrates.get(r) {
            shape.hitrates.push(h);
        }
        if mode == Mode::Leaf {
            shape.feature.push(0);
            shape.threshold.push(0.0);
            shape.default_left.push(true);
            return Ok(());
        }
        let (tree, node) = (shape.tree_id, self.node_ids[r]);
        let feature = u32::try_from(self.feature_ids[r]).map_err(|_| {
            format!(
                "tree {tree} node {node} splits on feature {}",
                self.feature_ids[r]
            )
        })?;
        let mut t = self.values[r];
        if adjust && mode.strict_left() {
            if t == f64::NEG_INFINITY || t.is_nan() {
                return Err(format!(
                    "tree {tree} node {node}: strict split at threshold {t} cannot be written with <="
                ));
            }
            t = t.next_down();
        }
        shape.feature.push(feature);
        shape.threshold.push(t);
        // NaN fails every comparison, so it takes the false branch unless the node tracks
        // missing values to the true branch.
        shape
            .default_left
            .push(self.tracks_true[r] == mode.true_is_left());
        Ok(())
    }
}

/// The missing-value semantics of every imported node: NaN follows `default_left`.
pub const MISSING: Missing = Missing::Default;

/// Parses one `nodes_modes` entry; `tree`/`node` name it in the error.
fn parse_mode(m: &str, tree: i64, node: i64) -> Result<Mode, String> {
    Ok(match m {
        "LEAF" => Mode::Leaf,
        "BRANCH_LEQ" => Mode::Leq,
        "BRANCH_LT" => Mode::Lt,
        "BRANCH_GTE" => Mode::Gte,
        "BRANCH_GT" => Mode::Gt,
        other => {
            let why = match other {
                "BRANCH_EQ" | "BRANCH_NEQ" => {
                    "an equality test, which glassbox's trees (one threshold compared with <= or <) \
                     cannot represent exactly"
                }
                "BRANCH_MEMBER" => "a set-membership test, which glassbox's trees cannot represent",
                _ => "not a branch mode of the ONNX specification",
            };
            return Err(format!(
                "tree {tree} node {node} uses mode '{other}': {why}"
            ));
        }
    })
}
