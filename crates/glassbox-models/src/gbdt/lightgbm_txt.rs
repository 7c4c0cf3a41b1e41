//! LightGBM text model import (`booster.save_model("model.txt")`, format `version=v3` / `v4`).
//!
//! Layout: a first line `tree`, header lines `key=value` (`version`, `num_class`,
//! `num_tree_per_iteration`, `max_feature_idx`, `objective`, `feature_names`, a bare
//! `average_output` line in random-forest mode, ...), then one block per tree starting with
//! `Tree=i`, then `end of trees` (feature importances and parameters after it are ignored).
//!
//! Per tree with `num_leaves = L`: `L - 1` internal nodes (`split_feature`, `threshold`,
//! `decision_type`, `left_child`, `right_child`, `internal_value`, `internal_count`) and `L`
//! leaves (`leaf_value`, `leaf_count`); a negative child `c` is leaf `-c - 1` (`~c`). Node 0 is
//! the root. glassbox numbers internal node `i` as `i` and leaf `j` as `L - 1 + j`.
//!
//! * `x <= threshold` goes left ([`SplitCondition::LessOrEqual`]); thresholds are f64, as in
//!   LightGBM, so predictions agree to f64 rounding.
//! * `decision_type`: bit 0 categorical (rejected, naming the feature), bit 1 default left,
//!   bits 2-3 missing type: 0 None -> [`Missing::AsZero`] (NaN compared as 0.0),
//!   1 Zero -> [`Missing::ZeroDefault`], 2 NaN -> [`Missing::Default`].
//! * Covers are `internal_count` / `leaf_count` (training-row counts), not the hessian sums
//!   `internal_weight` / `leaf_weight`: LightGBM's own `pred_contrib` (and shap's TreeExplainer
//!   for LightGBM) weigh by these counts, so glassbox's TreeSHAP matches them.
//! * `shrinkage` is already folded into `leaf_value` (and `boost_from_average`'s initial score
//!   into the first trees' leaves), so tree weights are 1 and the base offset is 0; with
//!   `average_output` every tree weighs `1 / iterations`.
//! * Tree `i` adds to output `i % num_tree_per_iteration` (one tree per class per iteration).
//! * A tree with `num_leaves=1` is a single leaf.
//! * Linear trees (`is_linear=1`) are rejected.

use std::collections::HashMap;
use std::path::Path;

use glassbox_core::{LEAF, Missing, SplitCondition, Tree, TreeEnsemble};

use super::imported::{BoostedFormat, ImportedModel, Objective, feature_label};
use crate::ModelError;

/// A `key=value` line: the value and its 1-based line number.
type Fields<'a> = HashMap<&'a str, (&'a str, usize)>;

struct Ctx<'p> {
    path: &'p Path,
}

impl Ctx<'_> {
    fn format(&self, message: String) -> ModelError {
        ModelError::Format {
            path: self.path.to_path_buf(),
            message,
        }
    }

    fn unsupported(&self, message: String) -> ModelError {
        ModelError::Unsupported {
            path: self.path.to_path_buf(),
            message,
        }
    }
}

/// Parses a LightGBM text model. `path_for_errors` is only used in messages.
pub fn parse_lightgbm_text(
    text: &str,
    path_for_errors: &Path,
) -> Result<ImportedModel, ModelError> {
    let cx = Ctx {
        path: path_for_errors,
    };
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')));

    // Magic line.
    let first = lines.by_ref().find(|(_, l)| !l.trim().is_empty());
    match first {
        Some((_, l)) if l.trim() == "tree" => {}
        Some((n, l)) => {
            let hint = if l.trim_start().starts_with('{') {
                " (the content looks like an XGBoost JSON model; use --model-format xgboost)"
            } else {
                ""
            };
            return Err(cx.format(format!(
                "line {n}: not a LightGBM text model: expected first line 'tree', found '{}'{hint}",
                clip(l)
            )));
        }
        None => return Err(cx.format("empty file: not a LightGBM text model".into())),
    }

    // Header up to the first `Tree=` line.
    let mut header: Fields = HashMap::new();
    let mut average_output = false;
    let mut blocks: Vec<(usize, &str, Fields)> = Vec::new();
    let mut saw_end = false;
    for (n, line) in lines.by_ref() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if line == "end of trees" {
            saw_end = true;
            break;
        }
        if let Some(idx) = line.strip_prefix("Tree=") {
            blocks.push((n, idx, HashMap::new()));
            continue;
        }
        match line.split_once('=') {
            Some((k, v)) => {
                let target = match blocks.last_mut() {
                    Some((_, _, fields)) => fields,
                    None => &mut header,
                };
                target.insert(k, (v, n));
            }
            None if blocks.is_empty() && line == "average_output" => average_output = true,
            None if blocks.is_empty() => {} // other bare header flags carry no prediction info
            None => {
                return Err(cx.format(format!(
                    "line {n}: expected 'key=value' inside a tree block, found '{}'",
                    clip(line)
                )));
            }
        }
    }
    if !saw_end {
        return Err(cx.format(
            "truncated LightGBM model: no 'end of trees' line after the tree blocks".into(),
        ));
    }

    let version = header.get("version").map(|(v, _)| v.to_string());
    let get_usize = |key: &str| -> Result<usize, ModelError> {
        let (v, n) = header
            .get(key)
            .ok_or_else(|| cx.format(format!("header line '{key}=' is missing")))?;
        v.trim().parse::<usize>().map_err(|_| {
            cx.format(format!(
                "line {n}: {key}='{}' is not a non-negative integer",
                clip(v)
            ))
        })
    };
    let num_class = get_usize("num_class")?;
    let per_iter = if header.contains_key("num_tree_per_iteration") {
        get_usize("num_tree_per_iteration")?
    } else {
        num_class
    };
    let max_feature_idx = get_usize("max_feature_idx")?;
    if per_iter == 0 || per_iter > 100_000 {
        return Err(cx.format(format!("num_tree_per_iteration = {per_iter} is not valid")));
    }
    if max_feature_idx >= super::MAX_FEATURES {
        return Err(cx.format(format!(
            "implausible max_feature_idx = {max_feature_idx} (at most {} features)",
            super::MAX_FEATURES
        )));
    }
    let n_features = max_feature_idx + 1;

    let (objective, objective_name) = parse_objective(&cx, header.get("objective").copied())?;
    match objective {
        Objective::MultiSoftmax { n_classes } | Objective::MultiOneVsAll { n_classes, .. }
            if n_classes != per_iter || n_classes != num_class =>
        {
            return Err(cx.format(format!(
                "objective '{objective_name}' has {n_classes} classes but the header says \
                 num_class = {num_class}, num_tree_per_iteration = {per_iter}"
            )));
        }
        _ => {}
    }

    let feature_names = match header.get("feature_names") {
        Some((v, n)) => {
            let names: Vec<String> = v.split_whitespace().map(str::to_string).collect();
            if names.len() != n_features {
                return Err(cx.format(format!(
                    "line {n}: feature-count mismatch: {} feature_names but max_feature_idx = \
                     {max_feature_idx} ({n_features} features)",
                    names.len()
                )));
            }
            // LightGBM names unnamed columns Column_0, Column_1, ...: that is no name at all.
            let automatic = names
                .iter()
                .enumerate()
                .all(|(j, s)| *s == format!("Column_{j}"));
            (!automatic).then_some(names)
        }
        None => None,
    };

    let n_trees = blocks.len();
    if !n_trees.is_multiple_of(per_iter) {
        return Err(cx.format(format!(
            "{n_trees} trees is not a multiple of num_tree_per_iteration = {per_iter} \
             (truncated file?)"
        )));
    }
    let weight = if average_output && n_trees > 0 {
        1.0 / (n_trees / per_iter) as f64
    } else {
        1.0
    };

    let names = feature_names.as_deref();
    let mut trees = Vec::with_capacity(n_trees);
    for (i, (line, idx, fields)) in blocks.iter().enumerate() {
        if idx.trim().parse::<usize>().ok() != Some(i) {
            return Err(cx.format(format!(
                "line {line}: expected 'Tree={i}', found 'Tree={}'",
                clip(idx)
            )));
        }
        trees.push(convert_tree(&cx, i, *line, fields, n_features, names)?);
    }

    let ensemble = TreeEnsemble {
        tree_output: (0..n_trees).map(|i| i % per_iter).collect(),
        tree_weight: vec![weight; n_trees],
        trees,
        base_offset: vec![0.0; per_iter],
        n_features,
        n_outputs: per_iter,
        split: SplitCondition::LessOrEqual,
        feature_names,
    };
    ensemble
        .validate()
        .map_err(|e| cx.format(format!("inconsistent model: {e}")))?;
    Ok(ImportedModel {
        ensemble,
        format: BoostedFormat::LightgbmText,
        objective,
        objective_name,
        library_version: version,
        source: path_for_errors.to_path_buf(),
    })
}

/// `objective=binary sigmoid:1` -> (objective, the line's value).
fn parse_objective(
    cx: &Ctx,
    line: Option<(&str, usize)>,
) -> Result<(Objective, String), ModelError> {
    let Some((value, n)) = line else {
        // Models trained with a custom objective function carry no objective: raw scores.
        return Ok((Objective::Regression, "none (raw scores)".into()));
    };
    let mut parts = value.split_whitespace();
    let name = parts.next().unwrap_or("");
    let mut params: HashMap<&str, &str> = HashMap::new();
    let mut flags: Vec<&str> = Vec::new();
    for p in parts {
        match p.split_once(':') {
            Some((k, v)) => {
                params.insert(k, v);
            }
            None => flags.push(p),
        }
    }
    let num = |key: &str, default: f64| -> Result<f64, ModelError> {
        match params.get(key) {
            None => Ok(default),
            Some(v) => v
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite() && *x > 0.0)
                .ok_or_else(|| {
                    cx.format(format!(
                        "line {n}: objective parameter {key}:{v} is not a positive number"
                    ))
                }),
        }
    };
    let classes = || -> Result<usize, ModelError> {
        params
            .get("num_class")
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|&k| k >= 1)
            .ok_or_else(|| cx.format(format!("line {n}: objective '{value}' lacks num_class:K")))
    };
    if flags.contains(&"sqrt") {
        return Err(cx.unsupported(format!(
            "objective '{value}' (regression on sqrt-transformed labels)"
        )));
    }
    let objective = match name {
        "regression"
        | "regression_l2"
        | "l2"
        | "mean_squared_error"
        | "mse"
        | "regression_l1"
        | "l1"
        | "mean_absolute_error"
        | "mae"
        | "huber"
        | "fair"
        | "quantile"
        | "mape"
        | "lambdarank"
        | "rank_xendcg"
        | "custom" => Objective::Regression,
        "poisson" | "gamma" | "tweedie" => Objective::LogLink,
        "binary" => Objective::BinaryLogistic {
            sigmoid: num("sigmoid", 1.0)?,
        },
        "cross_entropy" | "xentropy" => Objective::BinaryLogistic { sigmoid: 1.0 },
        "multiclass" | "softmax" => Objective::MultiSoftmax {
            n_classes: classes()?,
        },
        "multiclassova" | "multiclass_ova" | "ova" | "ovr" => Objective::MultiOneVsAll {
            n_classes: classes()?,
            sigmoid: num("sigmoid", 1.0)?,
        },
        _ => {
            return Err(cx.unsupported(format!(
                "line {n}: objective '{}' (supported: regression and its variants, huber, fair, \
                 quantile, mape, poisson, gamma, tweedie, binary, cross_entropy, multiclass, \
                 multiclassova, lambdarank, rank_xendcg)",
                clip(value)
            )));
        }
    };
    Ok((objective, value.trim().to_string()))
}

fn convert_tree(
    cx: &Ctx,
    t: usize,
    line: usize,
    fields: &Fields,
    n_features: usize,
    names: Option<&[String]>,
) -> Result<Tree, ModelError> {
    let at = |msg: String| cx.format(format!("Tree={t} (line {line}): {msg}"));
    let field = |key: &str| -> Result<(&str, usize), ModelError> {
        fields
            .get(key)
            .copied()
            .ok_or_else(|| at(format!("'{key}=' is missing")))
    };
    let (v, n) = field("num_leaves")?;
    let n_leaves: usize = v.trim().parse().ok().filter(|&l| l >= 1).ok_or_else(|| {
        cx.format(format!(
            "line {n}: num_leaves='{}' is not a positive integer",
            clip(v)
        ))
    })?;
    if let Some((v, n)) = fields.get("is_linear")
        && v.trim() != "0"
    {
        return Err(cx.unsupported(format!(
            "line {n}: Tree={t} is a linear tree (is_linear={v}); linear_tree models are not \
             supported"
        )));
    }
    let leaf_value: Vec<f64> = numbers(cx, "leaf_value", field("leaf_value")?, n_leaves)?;
    // Counts are optional in hand-written files only for single leaves.
    let leaf_count: Option<Vec<f64>> = match fields.get("leaf_count") {
        Some(&(v, n)) if !(n_leaves == 1 && v.trim().is_empty()) => {
            Some(numbers(cx, "leaf_count", (v, n), n_leaves)?)
        }
        _ if n_leaves == 1 => None,
        _ => return Err(at("'leaf_count=' is missing".into())),
    };
    if n_leaves == 1 {
        let cover = leaf_count.map_or(1.0, |c| c[0]);
        let cover = if cover > 0.0 { cover } else { 1.0 };
        return Ok(Tree::leaf(leaf_value[0], cover));
    }
    let n_int = n_leaves - 1;
    let split_feature: Vec<i64> = numbers(cx, "split_feature", field("split_feature")?, n_int)?;
    let threshold: Vec<f64> = numbers(cx, "threshold", field("threshold")?, n_int)?;
    let decision_type: Vec<u32> = numbers(cx, "decision_type", field("decision_type")?, n_int)?;
    let left_child: Vec<i64> = numbers(cx, "left_child", field("left_child")?, n_int)?;
    let right_child: Vec<i64> = numbers(cx, "right_child", field("right_child")?, n_int)?;
    let internal_count: Vec<f64> = numbers(cx, "internal_count", field("internal_count")?, n_int)?;
    let internal_value: Vec<f64> = match fields.get("internal_value") {
        Some(&f) => numbers(cx, "internal_value", f, n_int)?,
        None => vec![0.0; n_int],
    };
    let leaf_count = leaf_count.expect("present for n_leaves > 1");

    let n_nodes = n_int + n_leaves;
    let child = |c: i64, node: usize, side: &str| -> Result<u32, ModelError> {
        let idx = if c >= 0 {
            let c = c as usize;
            (c < n_int).then_some(c)
        } else {
            // ~c = -c - 1, computed without overflow for i64::MIN.
            let leaf = (-(c + 1)) as usize;
            (leaf < n_leaves).then_some(n_int + leaf)
        };
        idx.map(|i| i as u32).ok_or_else(|| {
            at(format!(
                "{side}_child of node {node} is {c}, out of range for {n_int} internal nodes \
                 and {n_leaves} leaves"
            ))
        })
    };
    let mut tree = Tree {
        left: vec![LEAF; n_nodes],
        right: vec![LEAF; n_nodes],
        feature: vec![0; n_nodes],
        threshold: vec![0.0; n_nodes],
        default_left: vec![true; n_nodes],
        missing: vec![Missing::Default; n_nodes],
        cover: vec![0.0; n_nodes],
        value: vec![0.0; n_nodes],
    };
    for i in 0..n_int {
        let f = split_feature[i];
        if f < 0 || f as usize >= n_features {
            return Err(at(format!(
                "feature-count mismatch: node {i} splits on feature {f} but the header's \
                 max_feature_idx allows {n_features} features"
            )));
        }
        let dt = decision_type[i];
        if dt & 1 == 1 {
            return Err(cx.unsupported(format!(
                "Tree={t}: categorical split on feature {} at node {i}; categorical splits are \
                 not supported (one-hot encode the feature or train without \
                 categorical_feature)",
                feature_label(names, f as usize)
            )));
        }
        tree.missing[i] = match (dt >> 2) & 3 {
            0 => Missing::AsZero,
            1 => Missing::ZeroDefault,
            2 => Missing::Default,
            _ => {
                return Err(at(format!(
                    "node {i} has decision_type {dt} with missing type 3"
                )));
            }
        };
        tree.default_left[i] = dt & 2 != 0;
        tree.feature[i] = f as u32;
        tree.threshold[i] = threshold[i];
        tree.left[i] = child(left_child[i], i, "left")?;
        tree.right[i] = child(right_child[i], i, "right")?;
        tree.cover[i] = internal_count[i];
        tree.value[i] = internal_value[i];
    }
    tree.cover[n_int..].copy_from_slice(&leaf_count);
    tree.value[n_int..].copy_from_slice(&leaf_value);
    Ok(tree)
}

/// Parses a whitespace-separated list of exactly `expected` numbers.
fn numbers<T: std::str::FromStr>(
    cx: &Ctx,
    key: &str,
    (value, line): (&str, usize),
    expected: usize,
) -> Result<Vec<T>, ModelError> {
    let mut out = Vec::new();
    for (k, tok) in value.split_whitespace().enumerate() {
        if k == expected {
            break;
        }
        out.push(tok.parse::<T>().map_err(|_| {
            cx.format(format!(
                "line {line}: {key} entry {k} '{}' is not a number",
                clip(tok)
            ))
        })?);
    }
    let found = value.split_whitespace().count();
    if found != expected {
        return Err(cx.format(format!(
            "line {line}: {key} has {found} entries, expected {expected}"
        )));
    }
    Ok(out)
}

/// At most 40 characters of `s`, for messages.
fn clip(s: &str) -> String {
    let s = s.trim();
    match s.char_indices().nth(40) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_string(),
    }
}
