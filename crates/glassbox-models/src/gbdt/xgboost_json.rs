//! XGBoost JSON model import (`booster.save_model("model.json")`, XGBoost 1.x to 3.x).
//!
//! Schema read (everything else is ignored):
//! `learner.learner_model_param.{base_score, num_class, num_feature, num_target}` (strings),
//! `learner.objective.name`, `learner.feature_names` (optional),
//! `learner.gradient_booster.name` (`gbtree`; `dart` with `weight_drop` and a nested `gbtree`;
//! `gblinear` is rejected) and `...model.{trees, tree_info, gbtree_model_param}`. Each tree holds
//! parallel per-node arrays `left_children` / `right_children` (-1 at leaves), `split_indices`,
//! `split_conditions` (threshold at internal nodes, leaf value at leaves), `default_left`
//! (0/1 or booleans), `sum_hessian` (the cover), `base_weights`, `split_type` (1 = categorical).
//!
//! `base_score`: XGBoost 1.x writes `"5E-1"`, 2.x `"4.950002E-1"`, 3.x a bracketed vector
//! `"[4.95E-1]"` (one entry per class for `multi:*` in 3.1+). In every version it is stored on
//! the *output* scale and converted to the margin by the objective's inverse link when the model
//! is loaded (checked against XGBoost 1.7.6, 2.1.4 and 3.2.0): logit for `binary:logistic` /
//! `reg:logistic`, log for `count:poisson` / `reg:gamma` / `reg:tweedie`, identity otherwise
//! (including `binary:logitraw` and `multi:*`). A scalar is broadcast to every output.
//!
//! Precision: XGBoost stores thresholds, leaf values, covers and `base_score` as f32 and writes
//! each as the shortest decimal that round-trips in f32. glassbox reads each value as exactly that
//! f32 (so thresholds are bit-identical to XGBoost's) and computes in f64. XGBoost itself compares
//! `(f32) x < threshold` and sums tree outputs in f32, so (1) glassbox's f64 predictions differ
//! from XGBoost's by the f32 rounding of the sum (about 1e-7 relative per tree; the tests allow
//! 1e-5), and (2) an f64 feature value strictly within half an f32 ulp below a threshold goes
//! left in glassbox and right in XGBoost; data that is f32-representable (as XGBoost sees it)
//! routes identically. Explanations are exact for the f64 model glassbox evaluates.

use std::path::Path;

use glassbox_core::{LEAF, Missing, SplitCondition, Tree, TreeEnsemble};
use serde::Deserialize;
use serde_json::Value;

use super::imported::{BoostedFormat, ImportedModel, Objective, feature_label};
use crate::ModelError;

#[derive(Deserialize)]
struct JModel {
    learner: JLearner,
    #[serde(default)]
    version: Option<Vec<Value>>,
}

#[derive(Deserialize)]
struct JLearner {
    #[serde(default)]
    feature_names: Option<Vec<String>>,
    gradient_booster: JBooster,
    learner_model_param: Value,
    objective: Value,
}

#[derive(Deserialize)]
struct JBooster {
    name: String,
    /// gbtree: the trees. gblinear also has a `model` (weights); every field defaults so it
    /// parses and is then rejected by name.
    #[serde(default)]
    model: Option<JGbtreeModel>,
    /// dart: the wrapped gbtree.
    #[serde(default)]
    gbtree: Option<Box<JBooster>>,
    /// dart: the per-tree weight used at prediction time.
    #[serde(default)]
    weight_drop: Option<Vec<f64>>,
}

#[derive(Deserialize)]
struct JGbtreeModel {
    #[serde(default)]
    trees: Vec<JTree>,
    #[serde(default)]
    tree_info: Vec<i64>,
    #[serde(default)]
    gbtree_model_param: Option<Value>,
}

#[derive(Deserialize)]
struct JTree {
    left_children: Vec<i64>,
    right_children: Vec<i64>,
    split_indices: Vec<i64>,
    split_conditions: Vec<f64>,
    default_left: Vec<Flag>,
    sum_hessian: Vec<f64>,
    #[serde(default)]
    base_weights: Vec<f64>,
    #[serde(default)]
    split_type: Vec<i64>,
    #[serde(default)]
    categories_nodes: Vec<i64>,
    #[serde(default)]
    tree_param: Option<Value>,
}

/// `default_left` entries: 0/1 in most versions, booleans in some.
struct Flag(bool);

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Flag;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("0, 1 or a boolean")
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Flag, E> {
                Ok(Flag(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Flag, E> {
                match v {
                    0 => Ok(Flag(false)),
                    1 => Ok(Flag(true)),
                    _ => Err(E::custom(format!(
                        "default_left entry {v}, expected 0 or 1"
                    ))),
                }
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Flag, E> {
                self.visit_u64(
                    u64::try_from(v).map_err(|_| {
                        E::custom(format!("default_left entry {v}, expected 0 or 1"))
                    })?,
                )
            }
        }
        d.deserialize_any(V)
    }
}

/// How `base_score` (stored on the output scale) becomes a margin.
#[derive(Clone, Copy)]
enum BaseLink {
    Identity,
    Logit,
    Log,
}

/// XGBoost objective name -> (objective, base_score link). `n_classes` from `num_class`.
fn map_objective(name: &str, n_classes: usize) -> Option<(Objective, BaseLink)> {
    use BaseLink::*;
    Some(match name {
        "reg:squarederror"
        | "reg:linear"
        | "reg:squaredlogerror"
        | "reg:pseudohubererror"
        | "reg:absoluteerror"
        | "reg:quantileerror"
        | "binary:logitraw"
        | "rank:pairwise"
        | "rank:ndcg"
        | "rank:map" => (Objective::Regression, Identity),
        "binary:logistic" | "reg:logistic" => (Objective::BinaryLogistic { sigmoid: 1.0 }, Logit),
        "count:poisson" | "reg:gamma" | "reg:tweedie" => (Objective::LogLink, Log),
        "multi:softprob" | "multi:softmax" => (Objective::MultiSoftmax { n_classes }, Identity),
        _ => return None,
    })
}

const SUPPORTED: &str = "reg:squarederror, reg:squaredlogerror, reg:pseudohubererror, \
    reg:absoluteerror, reg:quantileerror, reg:logistic, binary:logistic, binary:logitraw, \
    count:poisson, reg:gamma, reg:tweedie, multi:softprob, multi:softmax, rank:pairwise, \
    rank:ndcg, rank:map";

/// Parses an XGBoost JSON model. `path_for_errors` is only used in messages.
pub fn parse_xgboost_json(
    bytes: &[u8],
    path_for_errors: &Path,
) -> Result<ImportedModel, ModelError> {
    let path = path_for_errors;
    let format_err = |message: String| ModelError::Format {
        path: path.to_path_buf(),
        message,
    };
    let unsupported = |message: String| ModelError::Unsupported {
        path: path.to_path_buf(),
        message,
    };

    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    let body = &bytes[start..];
    if body.first() == Some(&b'{') && body.get(1).is_some_and(|b| b"iUIlLdDSTFZ$#".contains(b)) {
        return Err(unsupported(
            "this is an XGBoost UBJSON model; save it as JSON with \
             booster.save_model(\"model.json\")"
                .into(),
        ));
    }
    if body.first() != Some(&b'{') {
        return Err(format_err(
            "not an XGBoost JSON model (expected a JSON object starting with '{'; the legacy \
             binary format is not supported, re-save with booster.save_model(\"model.json\"))"
                .into(),
        ));
    }
    let model: JModel = serde_json::from_slice(bytes)
        .map_err(|e| format_err(format!("invalid XGBoost JSON model: {e}")))?;
    let version = model.version.as_ref().map(|v| {
        v.iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join(".")
    });
    let learner = model.learner;

    // Learner parameters (all stored as strings).
    let param = &learner.learner_model_param;
    let num_feature = param_usize(param, "num_feature")
        .map_err(|m| format_err(format!("learner_model_param.num_feature: {m}")))?
        .ok_or_else(|| format_err("learner_model_param.num_feature is missing".into()))?;
    if num_feature == 0 {
        return Err(format_err("learner_model_param.num_feature is 0".into()));
    }
    if num_feature > super::MAX_FEATURES {
        return Err(format_err(format!(
            "implausible learner_model_param.num_feature = {num_feature} (at most {} features)",
            super::MAX_FEATURES
        )));
    }
    let num_class = param_usize(param, "num_class")
        .map_err(|m| format_err(format!("learner_model_param.num_class: {m}")))?
        .unwrap_or(0);
    let num_target = param_usize(param, "num_target")
        .map_err(|m| format_err(format!("learner_model_param.num_target: {m}")))?
        .unwrap_or(1)
        .max(1);
    if num_class > 0 && num_target > 1 {
        return Err(unsupported(format!(
            "num_class = {num_class} together with num_target = {num_target}"
        )));
    }
    // Guard against absurd counts in corrupt files before anything is sized by them.
    let n_outputs = if num_class > 0 { num_class } else { num_target };
    if n_outputs > 100_000 {
        return Err(format_err(format!(
            "implausible number of outputs {n_outputs}"
        )));
    }

    let objective_name = learner
        .objective
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| format_err("learner.objective.name is missing".into()))?
        .to_string();
    let (objective, base_link) = map_objective(&objective_name, num_class).ok_or_else(|| {
        unsupported(format!(
            "objective '{objective_name}' (supported: {SUPPORTED})"
        ))
    })?;
    let is_multi = matches!(objective, Objective::MultiSoftmax { .. });
    if is_multi != (num_class > 0) {
        return Err(format_err(format!(
            "objective '{objective_name}' does not agree with num_class = {num_class}"
        )));
    }

    let base_score = match param.get("base_score") {
        None => vec![0.5],
        Some(v) => {
            let s = match v {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                other => {
                    return Err(format_err(format!(
                        "learner_model_param.base_score is {other}, expected a number string"
                    )));
                }
            };
            parse_base_score(&s).ok_or_else(|| {
                format_err(format!(
                    "learner_model_param.base_score '{s}' is not a number or [n, ...] vector"
                ))
            })?
        }
    };
    let base_score = match base_score.len() {
        1 => vec![base_score[0]; n_outputs],
        n if n == n_outputs => base_score,
        n => {
            return Err(format_err(format!(
                "base_score has {n} entries for {n_outputs} outputs"
            )));
        }
    };
    let mut base_offset = Vec::with_capacity(n_outputs);
    for &b in &base_score {
        let m = match base_link {
            BaseLink::Identity => b,
            BaseLink::Logit if b > 0.0 && b < 1.0 => (b / (1.0 - b)).ln(),
            BaseLink::Log if b > 0.0 => b.ln(),
            _ => {
                return Err(format_err(format!(
                    "base_score {b} is outside the range of objective '{objective_name}'"
                )));
            }
        };
        if !m.is_finite() {
            return Err(format_err(format!("base_score {b} is not finite")));
        }
        base_offset.push(m);
    }

    let feature_names = match learner.feature_names {
        Some(v) if !v.is_empty() => {
            if v.len() != num_feature {
                return Err(format_err(format!(
                    "feature-count mismatch: {} feature_names but num_feature = {num_feature}",
                    v.len()
                )));
            }
            Some(v)
        }
        _ => None,
    };

    // The booster: gbtree, or dart wrapping a gbtree.
    let booster = learner.gradient_booster;
    let (gbtree, weight_drop) = match booster.name.as_str() {
        "gbtree" => (booster, None),
        "dart" => {
            let weights = booster.weight_drop.ok_or_else(|| {
                unsupported("dart booster without weight_drop (cannot weight its trees)".into())
            })?;
            let inner = booster.gbtree.ok_or_else(|| {
                format_err("dart booster without its nested 'gbtree' object".into())
            })?;
            (*inner, Some(weights))
        }
        "gblinear" => {
            return Err(unsupported(
                "gblinear (linear booster) models have no trees; only gbtree and dart are \
                 supported"
                    .into(),
            ));
        }
        other => {
            return Err(unsupported(format!(
                "booster '{other}' (supported: gbtree, dart)"
            )));
        }
    };
    if gbtree.name != "gbtree" {
        return Err(unsupported(format!(
            "booster '{}' inside dart",
            gbtree.name
        )));
    }
    let gb = gbtree
        .model
        .ok_or_else(|| format_err("gradient_booster.model is missing".into()))?;
    let n_trees = gb.trees.len();
    if let Some(p) = &gb.gbtree_model_param {
        match param_usize(p, "num_trees") {
            Ok(Some(n)) if n != n_trees => {
                return Err(format_err(format!(
                    "gbtree_model_param.num_trees = {n} but the file holds {n_trees} trees"
                )));
            }
            Err(m) => return Err(format_err(format!("gbtree_model_param.num_trees: {m}"))),
            _ => {}
        }
    }
    if gb.tree_info.len() != n_trees {
        return Err(format_err(format!(
            "tree_info has {} entries for {n_trees} trees",
            gb.tree_info.len()
        )));
    }
    let tree_weight = match weight_drop {
        Some(w) if w.len() != n_trees => {
            return Err(format_err(format!(
                "dart weight_drop has {} entries for {n_trees} trees",
                w.len()
            )));
        }
        Some(w) => w,
        None => vec![1.0; n_trees],
    };
    let mut tree_output = Vec::with_capacity(n_trees);
    for (t, &o) in gb.tree_info.iter().enumerate() {
        if o < 0 || o as usize >= n_outputs {
            return Err(format_err(format!(
                "tree {t} adds to output {o} but the model has {n_outputs} output(s)"
            )));
        }
        tree_output.push(o as usize);
    }

    let names = feature_names.as_deref();
    let mut trees = Vec::with_capacity(n_trees);
    for (t, jt) in gb.trees.iter().enumerate() {
        let tree = convert_tree(jt, num_feature, names).map_err(|e| match e {
            TreeErr::Format(m) => format_err(format!("tree {t}: {m}")),
            TreeErr::Unsupported(m) => unsupported(format!("tree {t}: {m}")),
        })?;
        trees.push(tree);
    }

    let ensemble = TreeEnsemble {
        trees,
        tree_output,
        tree_weight,
        base_offset,
        n_features: num_feature,
        n_outputs,
        split: SplitCondition::Less,
        feature_names,
    };
    ensemble
        .validate()
        .map_err(|e| format_err(format!("inconsistent model: {e}")))?;
    Ok(ImportedModel {
        ensemble,
        format: BoostedFormat::XgboostJson,
        objective,
        objective_name,
        library_version: version,
        source: path.to_path_buf(),
    })
}

enum TreeErr {
    Format(String),
    Unsupported(String),
}

/// Converts one tree, keeping only the nodes reachable from the root (pruned XGBoost trees may
/// keep deleted nodes in their arrays) and numbering them in breadth-first order.
fn convert_tree(jt: &JTree, n_features: usize, names: Option<&[String]>) -> Result<Tree, TreeErr> {
    let n = jt.left_children.len();
    if n == 0 {
        return Err(TreeErr::Format("tree has no nodes".into()));
    }
    for (what, len) in [
        ("right_children", jt.right_children.len()),
        ("split_indices", jt.split_indices.len()),
        ("split_conditions", jt.split_conditions.len()),
        ("default_left", jt.default_left.len()),
        ("sum_hessian", jt.sum_hessian.len()),
    ] {
        if len != n {
            return Err(TreeErr::Format(format!(
                "{what} has {len} entries, left_children has {n}"
            )));
        }
    }
    if let Some(p) = &jt.tree_param {
        match param_usize(p, "size_leaf_vector") {
            Ok(Some(s)) if s > 1 => {
                return Err(TreeErr::Unsupported(format!(
                    "vector-leaf trees (size_leaf_vector = {s}, multi_strategy = \
                     multi_output_tree); train with multi_strategy = one_output_per_tree"
                )));
            }
            Err(m) => return Err(TreeErr::Format(format!("tree_param.size_leaf_vector: {m}"))),
            _ => {}
        }
        match param_usize(p, "num_nodes") {
            Ok(Some(k)) if k != n => {
                return Err(TreeErr::Format(format!(
                    "tree_param.num_nodes = {k} but the arrays have {n} nodes"
                )));
            }
            Err(m) => return Err(TreeErr::Format(format!("tree_param.num_nodes: {m}"))),
            _ => {}
        }
    }
    let f32v = |v: f64| v as f32 as f64;
    let mut new_id = vec![u32::MAX; n];
    let mut order: Vec<usize> = Vec::with_capacity(n);
    new_id[0] = 0;
    order.push(0);
    let mut head = 0;
    while head < order.len() {
        let old = order[head];
        head += 1;
        let (l, r) = (jt.left_children[old], jt.right_children[old]);
        if l == -1 && r == -1 {
            continue;
        }
        if l == -1 || r == -1 {
            return Err(TreeErr::Format(format!(
                "node {old} has exactly one child ({l}, {r})"
            )));
        }
        let is_categorical = jt.split_type.get(old).is_some_and(|&s| s == 1)
            || jt.categories_nodes.contains(&(old as i64));
        let f = jt.split_indices[old];
        if f < 0 || f as usize >= n_features {
            return Err(TreeErr::Format(format!(
                "feature-count mismatch: node {old} splits on feature {f} but num_feature = \
                 {n_features}"
            )));
        }
        if is_categorical {
            return Err(TreeErr::Unsupported(format!(
                "categorical split on feature {} at node {old}; categorical splits are not \
                 supported (one-hot encode the feature or train without enable_categorical)",
                feature_label(names, f as usize)
            )));
        }
        for c in [l, r] {
            if c < 0 || c as usize >= n {
                return Err(TreeErr::Format(format!(
                    "node {old} points to child {c}, tree has {n} nodes"
                )));
            }
            let c = c as usize;
            if new_id[c] != u32::MAX {
                return Err(TreeErr::Format(format!(
                    "node {c} is reached twice (not a tree)"
                )));
            }
            new_id[c] = order.len() as u32;
            order.push(c);
        }
    }
    let m = order.len();
    let mut tree = Tree {
        left: vec![LEAF; m],
        right: vec![LEAF; m],
        feature: vec![0; m],
        threshold: vec![0.0; m],
        default_left: vec![true; m],
        missing: vec![Missing::Default; m],
        cover: vec![0.0; m],
        value: vec![0.0; m],
    };
    for (i, &old) in order.iter().enumerate() {
        tree.cover[i] = f32v(jt.sum_hessian[old]);
        if jt.left_children[old] == -1 {
            tree.value[i] = f32v(jt.split_conditions[old]);
        } else {
            tree.left[i] = new_id[jt.left_children[old] as usize];
            tree.right[i] = new_id[jt.right_children[old] as usize];
            tree.feature[i] = jt.split_indices[old] as u32;
            tree.threshold[i] = f32v(jt.split_conditions[old]);
            tree.default_left[i] = jt.default_left[old].0;
            tree.value[i] = jt.base_weights.get(old).copied().map_or(0.0, f32v);
        }
    }
    Ok(tree)
}

/// Parses `"0.5"`, `"5E-1"`, `"[5E-1]"`, `"[1E0,2E0]"` into f32-exact values.
fn parse_base_score(s: &str) -> Option<Vec<f64>> {
    let t = s.trim();
    let inner = match t.strip_prefix('[') {
        Some(rest) => rest.strip_suffix(']')?,
        None => t,
    };
    inner
        .split(',')
        .map(|p| p.trim().parse::<f32>().ok().map(f64::from))
        .collect()
}

/// A non-negative integer parameter stored as a string (or a number); Ok(None) when absent.
fn param_usize(obj: &Value, key: &str) -> Result<Option<usize>, String> {
    match obj.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => s
            .trim()
            .parse::<usize>()
            .map(Some)
            .map_err(|_| format!("'{s}' is not a non-negative integer")),
        Some(Value::Number(n)) => n
            .as_u64()
            .map(|v| Some(v as usize))
            .ok_or_else(|| format!("{n} is not a non-negative integer")),
        Some(other) => Err(format!("{other} is not a non-negative integer")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_score_forms() {
        assert_eq!(parse_base_score("5E-1"), Some(vec![0.5]));
        assert_eq!(parse_base_score("[5E-1]"), Some(vec![0.5]));
        assert_eq!(parse_base_score("[1E0, -2E0]"), Some(vec![1.0, -2.0]));
        // Stored as f32: 0.1 becomes the f32 nearest to 0.1.
        assert_eq!(parse_base_score("1E-1"), Some(vec![0.1f32 as f64]));
        assert_eq!(parse_base_score("[5E-1"), None);
        assert_eq!(parse_base_score("abc"), None);
    }
}
