//! [`TreeEnsemble`]: THE tree representation of glassbox.
//!
//! The random forest trained by glassbox and every imported model (XGBoost JSON, LightGBM text)
//! convert into this one structure, and every tree explainer (path-dependent and interventional
//! TreeSHAP, interaction values) reads only this structure. It is flat (structure of arrays, one
//! entry per node) because the explainers walk millions of nodes per second.
//!
//! Prediction for one output `k`:
//! `f_k(x) = base_offset[k] + sum over trees t with tree_output[t] == k of tree_weight[t] * leaf_t(x)`.

use ndarray::{Array2, ArrayView1, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::{CoreError, Predict};

/// Child index marking a leaf in [`Tree::left`] / [`Tree::right`].
pub const LEAF: u32 = u32::MAX;

/// Which comparison sends a sample to the left child.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SplitCondition {
    /// `x <= threshold` goes left (scikit-learn, LightGBM, glassbox's own forest).
    LessOrEqual,
    /// `x < threshold` goes left (XGBoost).
    Less,
}

/// How a node treats missing values (NaN).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Missing {
    /// NaN follows the node's default direction (XGBoost; LightGBM `missing_type` NaN).
    #[default]
    Default,
    /// NaN and zero (|x| <= 1e-35) follow the default direction (LightGBM `missing_type` Zero).
    ZeroDefault,
    /// NaN is compared as if it were 0.0 (LightGBM `missing_type` None).
    AsZero,
}

/// LightGBM's zero threshold (`kZeroThreshold`).
const ZERO_THRESHOLD: f64 = 1e-35;

/// One binary regression tree, stored as parallel arrays indexed by node; node 0 is the root.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tree {
    /// Left child of each node, or [`LEAF`].
    pub left: Vec<u32>,
    /// Right child of each node, or [`LEAF`] (leaves have both children [`LEAF`]).
    pub right: Vec<u32>,
    /// Split feature of each internal node (0 at leaves, unused).
    pub feature: Vec<u32>,
    /// Split threshold of each internal node (0 at leaves, unused).
    pub threshold: Vec<f64>,
    /// Where a missing value goes at each internal node: `true` = left.
    pub default_left: Vec<bool>,
    /// Missing-value semantics of each internal node.
    pub missing: Vec<Missing>,
    /// Cover of each node: the (weighted) number of training samples that reached it, or the sum
    /// of hessians for boosted trees. TreeSHAP's path-dependent expectations need it. For a
    /// consistent tree, `cover[n] == cover[left[n]] + cover[right[n]]`.
    pub cover: Vec<f64>,
    /// Output value of each node. Leaves: the prediction. Internal nodes: informative only
    /// (e.g. the cover-weighted mean), never used for prediction.
    pub value: Vec<f64>,
}

impl Tree {
    /// A tree with a single leaf.
    pub fn leaf(value: f64, cover: f64) -> Tree {
        Tree {
            left: vec![LEAF],
            right: vec![LEAF],
            feature: vec![0],
            threshold: vec![0.0],
            default_left: vec![true],
            missing: vec![Missing::Default],
            cover: vec![cover],
            value: vec![value],
        }
    }

    /// Number of nodes.
    pub fn n_nodes(&self) -> usize {
        self.left.len()
    }

    /// Whether `node` is a leaf.
    #[inline]
    pub fn is_leaf(&self, node: usize) -> bool {
        self.left[node] == LEAF
    }

    /// Whether feature value `x` goes to the left child of internal node `node`.
    #[inline]
    pub fn goes_left(&self, node: usize, x: f64, cond: SplitCondition) -> bool {
        let x = match self.missing[node] {
            Missing::Default => {
                if x.is_nan() {
                    return self.default_left[node];
                }
                x
            }
            Missing::ZeroDefault => {
                if x.is_nan() || x.abs() <= ZERO_THRESHOLD {
                    return self.default_left[node];
                }
                x
            }
            Missing::AsZero => {
                if x.is_nan() {
                    0.0
                } else {
                    x
                }
            }
        };
        match cond {
            SplitCondition::LessOrEqual => x <= self.threshold[node],
            SplitCondition::Less => x < self.threshold[node],
        }
    }

    /// The child of internal node `node` that a sample with features `x` goes to.
    #[inline]
    pub fn next(&self, node: usize, x: &[f64], cond: SplitCondition) -> usize {
        if self.goes_left(node, x[self.feature[node] as usize], cond) {
            self.left[node] as usize
        } else {
            self.right[node] as usize
        }
    }

    /// The leaf index reached by the sample `x` (a slice of all features).
    pub fn leaf_index(&self, x: &[f64], cond: SplitCondition) -> usize {
        let mut n = 0;
        while !self.is_leaf(n) {
            n = self.next(n, x, cond);
        }
        n
    }

    /// The leaf value reached by the sample `x`.
    pub fn predict_row(&self, x: &[f64], cond: SplitCondition) -> f64 {
        self.value[self.leaf_index(x, cond)]
    }

    /// Depth of the deepest leaf (a single leaf has depth 0).
    pub fn max_depth(&self) -> usize {
        let mut best = 0;
        let mut stack = vec![(0usize, 0usize)];
        while let Some((n, d)) = stack.pop() {
            if self.is_leaf(n) {
                best = best.max(d);
            } else {
                stack.push((self.left[n] as usize, d + 1));
                stack.push((self.right[n] as usize, d + 1));
            }
        }
        best
    }

    /// Number of leaves.
    pub fn n_leaves(&self) -> usize {
        (0..self.n_nodes()).filter(|&n| self.is_leaf(n)).count()
    }

    /// Cover-weighted mean of the leaf values: the tree's expected output under the
    /// path-dependent (cover) distribution.
    pub fn expected_value(&self) -> f64 {
        let root = self.cover[0];
        (0..self.n_nodes())
            .filter(|&n| self.is_leaf(n))
            .map(|n| self.value[n] * self.cover[n] / root)
            .sum()
    }

    /// Checks the structure: equal array lengths, a proper binary tree rooted at node 0 (every
    /// node reached exactly once), split features below `n_features`, finite thresholds, values
    /// and covers, non-negative covers.
    pub fn validate(&self, n_features: usize) -> Result<(), CoreError> {
        let n = self.n_nodes();
        let bad = |msg: String| Err(CoreError::InvalidModel(msg));
        if n == 0 {
            return bad("tree has no nodes".into());
        }
        for (name, len) in [
            ("right", self.right.len()),
            ("feature", self.feature.len()),
            ("threshold", self.threshold.len()),
            ("default_left", self.default_left.len()),
            ("missing", self.missing.len()),
            ("cover", self.cover.len()),
            ("value", self.value.len()),
        ] {
            if len != n {
                return bad(format!(
                    "tree array '{name}' has {len} entries, expected {n}"
                ));
            }
        }
        let mut seen = vec![false; n];
        let mut stack = vec![0usize];
        seen[0] = true;
        while let Some(node) = stack.pop() {
            let (l, r) = (self.left[node], self.right[node]);
            if !self.cover[node].is_finite() || self.cover[node] < 0.0 {
                return bad(format!(
                    "node {node} has invalid cover {}",
                    self.cover[node]
                ));
            }
            if l == LEAF || r == LEAF {
                if l != r {
                    return bad(format!("node {node} has exactly one child"));
                }
                if !self.value[node].is_finite() {
                    return bad(format!(
                        "leaf {node} has non-finite value {}",
                        self.value[node]
                    ));
                }
                continue;
            }
            if self.feature[node] as usize >= n_features {
                return bad(format!(
                    "node {node} splits on feature {} but the model has {n_features} features",
                    self.feature[node]
                ));
            }
            if self.threshold[node].is_nan() {
                return bad(format!("node {node} has a NaN threshold"));
            }
            for c in [l, r] {
                let c = c as usize;
                if c >= n {
                    return bad(format!(
                        "node {node} points to child {c}, tree has {n} nodes"
                    ));
                }
                if seen[c] {
                    return bad(format!("node {c} is reached twice (not a tree)"));
                }
                seen[c] = true;
                stack.push(c);
            }
        }
        if let Some(orphan) = seen.iter().position(|s| !s) {
            return bad(format!("node {orphan} is not reachable from the root"));
        }
        Ok(())
    }
}

/// A weighted sum of trees with one or more outputs: the one representation every tree model
/// converts into.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TreeEnsemble {
    /// The trees.
    pub trees: Vec<Tree>,
    /// For each tree, the output (class, for multi-class boosting) its leaves add to.
    pub tree_output: Vec<usize>,
    /// For each tree, the factor its leaf values are multiplied by (1/n_trees for a forest,
    /// 1 for boosting where the learning rate is already in the leaves).
    pub tree_weight: Vec<f64>,
    /// Constant added to each output (XGBoost's base score in margin space, 0 for a forest).
    /// Length `n_outputs`.
    pub base_offset: Vec<f64>,
    /// Number of input features the trees index into.
    pub n_features: usize,
    /// Number of outputs.
    pub n_outputs: usize,
    /// The comparison used by every split.
    pub split: SplitCondition,
    /// Feature names, if the model knows them.
    pub feature_names: Option<Vec<String>>,
}

impl TreeEnsemble {
    /// Checks every tree and the per-tree and per-output arrays.
    pub fn validate(&self) -> Result<(), CoreError> {
        let t = self.trees.len();
        let bad = |msg: String| Err(CoreError::InvalidModel(msg));
        if self.n_outputs == 0 {
            return bad("ensemble has zero outputs".into());
        }
        if self.tree_output.len() != t || self.tree_weight.len() != t {
            return bad(format!(
                "ensemble has {t} trees but {} tree outputs and {} tree weights",
                self.tree_output.len(),
                self.tree_weight.len()
            ));
        }
        if self.base_offset.len() != self.n_outputs {
            return bad(format!(
                "base_offset has {} entries, expected n_outputs = {}",
                self.base_offset.len(),
                self.n_outputs
            ));
        }
        if let Some(names) = &self.feature_names
            && names.len() != self.n_features
        {
            return bad(format!(
                "{} feature names for {} features",
                names.len(),
                self.n_features
            ));
        }
        for (i, tree) in self.trees.iter().enumerate() {
            if self.tree_output[i] >= self.n_outputs {
                return bad(format!(
                    "tree {i} adds to output {} of {}",
                    self.tree_output[i], self.n_outputs
                ));
            }
            if !self.tree_weight[i].is_finite() {
                return bad(format!("tree {i} has non-finite weight"));
            }
            tree.validate(self.n_features).map_err(|e| match e {
                CoreError::InvalidModel(m) => CoreError::InvalidModel(format!("tree {i}: {m}")),
                other => other,
            })?;
        }
        Ok(())
    }

    /// Raw (margin) prediction for one sample `x`, shape (features,), into `out`, shape (outputs,).
    pub fn predict_row_into(&self, x: ArrayView1<'_, f64>, out: &mut [f64]) {
        out.copy_from_slice(&self.base_offset);
        let owned;
        let xs = match x.as_slice() {
            Some(s) => s,
            None => {
                owned = x.to_vec();
                &owned
            }
        };
        for (i, tree) in self.trees.iter().enumerate() {
            out[self.tree_output[i]] += self.tree_weight[i] * tree.predict_row(xs, self.split);
        }
    }

    /// Expected output per output under the cover distribution (the path-dependent TreeSHAP
    /// base value), length `n_outputs`.
    pub fn expected_value(&self) -> Vec<f64> {
        let mut out = self.base_offset.clone();
        for (i, tree) in self.trees.iter().enumerate() {
            out[self.tree_output[i]] += self.tree_weight[i] * tree.expected_value();
        }
        out
    }

    /// Maximum depth over all trees.
    pub fn max_depth(&self) -> usize {
        self.trees.iter().map(Tree::max_depth).max().unwrap_or(0)
    }
}

impl Predict for TreeEnsemble {
    fn n_features(&self) -> usize {
        self.n_features
    }

    fn n_outputs(&self) -> usize {
        self.n_outputs
    }

    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>, CoreError> {
        // Tree-major over row blocks, in parallel; bit-identical to `predict_row_into` per row.
        crate::tree_batch::predict_batch(self, x)
    }

    fn prepare(&self) -> Option<Box<dyn Predict + '_>> {
        crate::tree_batch::PreparedEnsemble::new(self)
            .ok()
            .map(|p| Box::new(p) as Box<dyn Predict>)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    /// x0 <= 0.5 ? (x1 <= 2 ? 1 : 2) : 3, covers 10 = 6 + 4, 6 = 2 + 4.
    pub(crate) fn small_tree() -> Tree {
        Tree {
            left: vec![1, 3, LEAF, LEAF, LEAF],
            right: vec![2, 4, LEAF, LEAF, LEAF],
            feature: vec![0, 1, 0, 0, 0],
            threshold: vec![0.5, 2.0, 0.0, 0.0, 0.0],
            default_left: vec![false, true, true, true, true],
            missing: vec![Missing::Default; 5],
            cover: vec![10.0, 6.0, 4.0, 2.0, 4.0],
            value: vec![0.0, 0.0, 3.0, 1.0, 2.0],
        }
    }

    #[test]
    fn predicts_and_routes_missing() {
        let t = small_tree();
        t.validate(2).unwrap();
        let c = SplitCondition::LessOrEqual;
        assert_eq!(t.predict_row(&[0.5, 2.0], c), 1.0);
        assert_eq!(t.predict_row(&[0.5, 2.5], c), 2.0);
        assert_eq!(t.predict_row(&[0.7, 0.0], c), 3.0);
        assert_eq!(t.predict_row(&[f64::NAN, 0.0], c), 3.0); // default right at root
        assert_eq!(t.predict_row(&[0.0, f64::NAN], c), 1.0); // default left at node 1
        assert_eq!(t.predict_row(&[0.5, 2.0], SplitCondition::Less), 3.0);
        // (2*1 + 4*2 + 4*3) / 10
        assert!((t.expected_value() - 2.2).abs() < 1e-15);
        assert_eq!(t.max_depth(), 2);
        assert_eq!(t.n_leaves(), 3);
    }

    #[test]
    fn validate_rejects_broken_trees() {
        let mut t = small_tree();
        t.left[1] = 0;
        assert!(t.validate(2).is_err());
        let mut t = small_tree();
        t.feature[1] = 5;
        assert!(t.validate(2).is_err());
        let mut t = small_tree();
        t.value.pop();
        assert!(t.validate(2).is_err());
    }

    #[test]
    fn ensemble_predicts_weighted_sum() {
        let e = TreeEnsemble {
            trees: vec![small_tree(), Tree::leaf(10.0, 10.0)],
            tree_output: vec![0, 0],
            tree_weight: vec![0.5, 0.5],
            base_offset: vec![1.0],
            n_features: 2,
            n_outputs: 1,
            split: SplitCondition::LessOrEqual,
            feature_names: None,
        };
        e.validate().unwrap();
        let p = e.predict(array![[0.0, 0.0], [1.0, 0.0]].view()).unwrap();
        assert_eq!(p, array![[1.0 + 0.5 + 5.0], [1.0 + 1.5 + 5.0]]);
        assert!((e.expected_value()[0] - (1.0 + 1.1 + 5.0)).abs() < 1e-12);
        assert!(e.predict(array![[0.0]].view()).is_err());
    }
}
