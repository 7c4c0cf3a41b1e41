//! Imports a TreeEnsembleRegressor / TreeEnsembleClassifier node into a [`TreeEnsemble`]:
//! leaf weights per output, base values, aggregation, and the post-transform as output link.
//!
//! glassbox's trees have one value per leaf and add to one output, while an ONNX leaf may carry
//! a weight for several targets or classes: each ONNX tree becomes one glassbox tree per output
//! it contributes to, with the same splits (the same way the XGBoost/LightGBM importers give
//! each class its own trees).

use std::collections::{BTreeMap, HashMap};

use glassbox_core::{Link, Tree, TreeEnsemble};

use crate::attrs::Attrs;
use crate::model::{ModelKind, ScoreLayout};
use crate::nodes::{MISSING, NodeTable, Structure, TreeShape};
use crate::proto::NodeProto;

/// What a tree node imports into.
pub struct ImportedTrees {
    /// The trees in margin space (before the link).
    pub ensemble: TreeEnsemble,
    /// How margins map to the outputs onnxruntime reports.
    pub layout: ScoreLayout,
    /// The link from margins to those outputs.
    pub link: Link,
    /// Regressor or classifier, with class labels.
    pub kind: ModelKind,
    /// Whether the file's hit rates are usable covers (consistent, positive).
    pub hitrate_covers: bool,
}

/// The `(tree id, node id) -> [(output, weight)]` leaf table of `target_*` or `class_*`.
pub type Leaves = HashMap<(i64, i64), Vec<(usize, f64)>>;

/// A tree node's attributes, read into the layout of ai.onnx.ml opsets 1 to 3.
pub struct Parts {
    /// The node table.
    pub table: NodeTable,
    /// Leaf weights.
    pub leaves: Leaves,
    /// Regressor or classifier.
    pub kind: ModelKind,
    /// Targets or classes.
    pub n_outputs: usize,
    /// `base_values` (may be empty).
    pub base: Vec<f64>,
    /// `post_transform` name (`NONE`, `LOGISTIC`, ...).
    pub post: String,
    /// `aggregate_function` name (`SUM`, `AVERAGE`, ...).
    pub aggregate: String,
}

/// Most outputs (targets or classes) accepted: a guard against corrupt counts.
pub const MAX_OUTPUTS: usize = 1 << 16;

/// Imports `node`; `n_features` is the input's width when the graph fixes it.
pub fn import(node: &NodeProto, n_features: Option<usize>) -> Result<ImportedTrees, String> {
    let a = Attrs::new(node);
    let classifier = node.op_type == "TreeEnsembleClassifier";
    let p = if node.op_type == "TreeEnsemble" {
        crate::tree_v5::read(&a)?
    } else {
        read_v1(&a, classifier)?
    };
    let structure = p.table.build()?;
    let n_features = match n_features {
        Some(f) if f < structure.min_features => {
            return Err(format!(
                "splits use feature {} but the input has {f} features",
                structure.min_features - 1
            ));
        }
        Some(f) => f,
        None => structure.min_features.max(1),
    };
    let (layout, link, n_margins, base) = if classifier {
        classifier_outputs(&p.leaves, p.n_outputs, p.base, &p.post)?
    } else {
        regressor_outputs(p.n_outputs, p.base, &p.post)?
    };
    let tree_weight = aggregate_weight(&p.aggregate, structure.trees.len())?;
    let hitrate_covers = hitrates_are_covers(&structure);
    let ensemble = assemble(
        &structure,
        &p.leaves,
        n_margins,
        n_features,
        base,
        tree_weight,
        hitrate_covers,
    );
    Ok(ImportedTrees {
        ensemble,
        layout,
        link,
        kind: p.kind,
        hitrate_covers,
    })
}

/// Reads a TreeEnsembleRegressor / TreeEnsembleClassifier (opsets 1 to 3).
fn read_v1(a: &Attrs<'_>, classifier: bool) -> Result<Parts, String> {
    let (kind, n_outputs) = model_kind(a, classifier)?;
    let prefix = if classifier { "class" } else { "target" };
    Ok(Parts {
        table: NodeTable::read(a)?,
        leaves: read_leaves(a, prefix, n_outputs)?,
        kind,
        n_outputs,
        base: a.floats("base_values")?,
        post: a.string("post_transform", "NONE"),
        // The classifier has no aggregate_function: it sums.
        aggregate: if classifier {
            "SUM".into()
        } else {
            a.string("aggregate_function", "SUM")
        },
    })
}

/// Regressor (`n_targets`) or classifier (class labels), and the number of outputs.
fn model_kind(a: &Attrs<'_>, classifier: bool) -> Result<(ModelKind, usize), String> {
    let (kind, n) = if classifier {
        let ints = a.ints("classlabels_int64s");
        let strings = a.strings("classlabels_strings");
        let labels: Vec<String> = if ints.is_empty() {
            strings
        } else {
            ints.iter().map(i64::to_string).collect()
        };
        let n = labels.len();
        (ModelKind::Classifier { labels }, n)
    } else {
        let n = a.int("n_targets", 1);
        let n = usize::try_from(n).map_err(|_| format!("n_targets is {n}"))?;
        (ModelKind::Regressor { n_targets: n }, n)
    };
    if n == 0 || n > MAX_OUTPUTS || (classifier && n < 2) {
        return Err(format!(
            "the model declares {n} {}",
            if classifier {
                "class labels (at least 2 needed)"
            } else {
                "targets"
            }
        ));
    }
    Ok((kind, n))
}

/// Reads `{prefix}_treeids`, `_nodeids`, `_ids`, `_weights` (or `_weights_as_tensor`).
fn read_leaves(a: &Attrs<'_>, prefix: &str, n_outputs: usize) -> Result<Leaves, String> {
    let trees = a.ints(&format!("{prefix}_treeids"));
    let nodes = a.ints(&format!("{prefix}_nodeids"));
    let ids = a.ints(&format!("{prefix}_ids"));
    let weights = a.floats(&format!("{prefix}_weights"))?;
    let n = trees.len();
    if nodes.len() != n || ids.len() != n || weights.len() != n {
        return Err(format!(
            "leaf attributes {prefix}_treeids/_nodeids/_ids/_weights have {n}/{}/{}/{} entries",
            nodes.len(),
            ids.len(),
            weights.len()
        ));
    }
    let mut leaves = Leaves::new();
    for i in 0..n {
        let out = usize::try_from(ids[i])
            .ok()
            .filter(|&k| k < n_outputs)
            .ok_or_else(|| {
                format!(
                    "{prefix}_ids[{i}] = {} but the model has {n_outputs} outputs",
                    ids[i]
                )
            })?;
        if !weights[i].is_finite() {
            return Err(format!("{prefix}_weights[{i}] is {}", weights[i]));
        }
        leaves
            .entry((trees[i], nodes[i]))
            .or_default()
            .push((out, weights[i]));
    }
    Ok(leaves)
}

/// The output link for a post_transform name applied element-wise or across outputs.
fn link_of(post: &str) -> Result<Link, String> {
    match post {
        "NONE" => Ok(Link::Identity),
        "LOGISTIC" => Ok(Link::Logistic),
        "SOFTMAX" => Ok(Link::Softmax),
        other => Err(format!(
            "post_transform '{other}' is not supported (glassbox supports NONE, LOGISTIC and \
             SOFTMAX as output links)"
        )),
    }
}

/// Regressor: margins = sum (or average) + base, per target.
fn regressor_outputs(
    n: usize,
    base: Vec<f64>,
    post: &str,
) -> Result<(ScoreLayout, Link, usize, Vec<f64>), String> {
    let base = expand_base(base, n)?;
    let link = link_of(post)?;
    if n == 1 && link != Link::Identity {
        return Err(format!(
            "post_transform '{post}' on a single-target regressor: the specification applies it \
             but onnxruntime ignores it, so the model's output is ambiguous"
        ));
    }
    Ok((ScoreLayout::Direct, link, n, base))
}

/// Classifier outputs, following onnxruntime's documented binary special case: two classes but
/// weights for class 0 only means one score `s` for class 1, reported as `[1 - s, s]` when all
/// weights are non-negative and as `[-s, s]` (or `[σ(-s), σ(s)]` under LOGISTIC) otherwise.
fn classifier_outputs(
    leaves: &Leaves,
    n: usize,
    base: Vec<f64>,
    post: &str,
) -> Result<(ScoreLayout, Link, usize, Vec<f64>), String> {
    let mut used = [false, false];
    let mut all_positive = true;
    for w in leaves.values().flatten() {
        if w.0 < 2 {
            used[w.0] = true;
        }
        all_positive &= w.1 >= 0.0;
    }
    let single_class0 = n == 2 && used == [true, false];
    if !single_class0 {
        if n == 2 && used == [false, true] && base.len() == 2 {
            return Err(
                "two classes with weights for class 1 only and two base values: onnxruntime's \
                 reading of this layout is not specified; not supported"
                    .into(),
            );
        }
        return Ok((
            ScoreLayout::Direct,
            link_of(post)?,
            n,
            expand_base(base, n)?,
        ));
    }
    if base.len() > 1 {
        return Err(
            "binary classifier with weights for one class and two base values: ambiguous \
             in the ONNX specification; not supported"
                .into(),
        );
    }
    link_of(post)?; // PROBIT / SOFTMAX_ZERO refused as everywhere
    let base = vec![base.first().copied().unwrap_or(0.0)];
    Ok(if all_positive {
        (ScoreLayout::BinaryComplement, Link::Identity, 1, base)
    } else if post == "LOGISTIC" {
        (ScoreLayout::BinaryNegate, Link::Logistic, 1, base)
    } else {
        (ScoreLayout::BinaryNegate, Link::Identity, 1, base)
    })
}

/// Base values: empty means zeros; otherwise one per output.
fn expand_base(base: Vec<f64>, n: usize) -> Result<Vec<f64>, String> {
    match base.len() {
        0 => Ok(vec![0.0; n]),
        len if len == n && base.iter().all(|b| b.is_finite()) => Ok(base),
        len if len == n => Err("base_values holds a non-finite value".into()),
        len => Err(format!("base_values has {len} entries for {n} outputs")),
    }
}

/// The factor every tree's leaves are multiplied by: 1 for SUM, 1/trees for AVERAGE.
fn aggregate_weight(agg: &str, n_trees: usize) -> Result<f64, String> {
    match agg {
        "SUM" => Ok(1.0),
        "AVERAGE" => Ok(1.0 / n_trees.max(1) as f64),
        "MIN" | "MAX" => Err(format!(
            "aggregate_function '{agg}' is not supported: SHAP values are additive, they sum to \
             the model's output, which needs the trees' outputs to be summed (SUM or AVERAGE); \
             a {agg} over trees has no such decomposition"
        )),
        other => Err(format!(
            "aggregate_function '{other}' is not one of SUM, AVERAGE, MIN, MAX"
        )),
    }
}

/// Whether every tree's hit rates are positive and consistent (each split's equals the sum of
/// its children's), so that they can serve as covers. skl2onnx writes 1.0 everywhere: not covers.
fn hitrates_are_covers(s: &Structure) -> bool {
    s.trees.iter().all(|t| {
        t.hitrates.len() == t.left.len()
            && t.hitrates.iter().all(|h| h.is_finite() && *h > 0.0)
            && (0..t.left.len())
                .filter(|&n| t.left[n] != glassbox_core::LEAF)
                .all(|n| {
                    let sum = t.hitrates[t.left[n] as usize] + t.hitrates[t.right[n] as usize];
                    (t.hitrates[n] - sum).abs() <= 1e-6 * t.hitrates[n]
                })
    })
}

/// Builds the ensemble: one glassbox tree per (ONNX tree, output it adds to), in tree-id order.
fn assemble(
    s: &Structure,
    leaves: &Leaves,
    n_outputs: usize,
    n_features: usize,
    base_offset: Vec<f64>,
    tree_weight: f64,
    covers: bool,
) -> TreeEnsemble {
    let mut e = TreeEnsemble {
        trees: Vec::new(),
        tree_output: Vec::new(),
        tree_weight: Vec::new(),
        base_offset,
        n_features,
        n_outputs,
        split: s.split,
        feature_names: None,
    };
    for shape in &s.trees {
        // BTreeMap: outputs in increasing order, deterministic.
        let mut per_output: BTreeMap<usize, Vec<f64>> = BTreeMap::new();
        for (&node_id, &g) in &shape.index_of {
            if shape.left[g] != glassbox_core::LEAF {
                continue;
            }
            for &(k, w) in leaves.get(&(shape.tree_id, node_id)).into_iter().flatten() {
                // n_outputs is 1 in the binary case, where every weight is class 0's.
                let k = k.min(n_outputs - 1);
                per_output
                    .entry(k)
                    .or_insert_with(|| vec![0.0; shape.left.len()])[g] += w;
            }
        }
        for (k, values) in per_output {
            e.trees.push(tree_from(shape, values, covers));
            e.tree_output.push(k);
            e.tree_weight.push(tree_weight);
        }
    }
    e
}

/// A glassbox tree with `shape`'s splits and the given node values.
fn tree_from(shape: &TreeShape, value: Vec<f64>, covers: bool) -> Tree {
    let n = shape.left.len();
    Tree {
        left: shape.left.clone(),
        right: shape.right.clone(),
        feature: shape.feature.clone(),
        threshold: shape.threshold.clone(),
        default_left: shape.default_left.clone(),
        missing: vec![MISSING; n],
        cover: if covers {
            shape.hitrates.clone()
        } else {
            vec![0.0; n]
        },
        value,
    }
}
