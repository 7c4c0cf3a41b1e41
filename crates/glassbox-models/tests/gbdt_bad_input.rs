//! Bad model files: each gives one clear line naming the file, as `ModelError::Format`
//! (corrupt / inconsistent) or `ModelError::Unsupported` (valid but not supported).

mod gbdt_common;

use std::path::Path;

use gbdt_common::fixture;
use glassbox_models::ModelError;
use glassbox_models::gbdt::{BoostedFormat, load_boosted, parse_boosted};

fn text(name: &str) -> String {
    std::fs::read_to_string(fixture("gbdt", name)).unwrap()
}

/// Replaces `from` (which must occur) by `to` in fixture `name`.
fn edit(name: &str, from: &str, to: &str) -> String {
    let t = text(name);
    assert!(t.contains(from), "{name} lacks {from:?}");
    t.replacen(from, to, 1)
}

#[derive(Debug, PartialEq)]
enum Kind {
    Format,
    Unsupported,
}

/// Parses `content` (format detected) and checks the error kind and message.
fn expect_err(content: &str, kind: Kind, needles: &[&str]) {
    let path = Path::new("models/suspect.model");
    let err = parse_boosted(content.as_bytes(), None, path).expect_err("should fail");
    let got = match &err {
        ModelError::Format { path: p, .. } => {
            assert_eq!(p, path);
            Kind::Format
        }
        ModelError::Unsupported { path: p, .. } => {
            assert_eq!(p, path);
            Kind::Unsupported
        }
        other => panic!("unexpected error kind: {other:?}"),
    };
    let msg = err.to_string();
    assert_eq!(got, kind, "{msg}");
    assert!(msg.starts_with("models/suspect.model: "), "{msg}");
    assert!(!msg.contains('\n'), "not one line: {msg}");
    for n in needles {
        assert!(msg.contains(n), "{msg:?} lacks {n:?}");
    }
}

const XB: &str = "hand_xgb_binary.json";
const LG: &str = "hand_lgb_reg.txt";

#[test]
fn not_a_model() {
    expect_err(
        "a,b,c\n1,2,3\n",
        Kind::Format,
        &["not a boosted-tree model"],
    );
    expect_err("", Kind::Format, &["not a boosted-tree model"]);
    let path = Path::new("m.txt");
    let err = parse_boosted(b"binf\x00\x01", Some(BoostedFormat::XgboostJson), path).unwrap_err();
    assert!(err.to_string().contains("legacy binary format"), "{err}");
    let err = parse_boosted(b"{\"x\": 1}", Some(BoostedFormat::LightgbmText), path).unwrap_err();
    assert!(
        err.to_string().contains("looks like an XGBoost JSON model"),
        "{err}"
    );
    expect_err(
        "{\"learner\": 3}",
        Kind::Format,
        &["invalid XGBoost JSON model"],
    );
    let err = load_boosted(Path::new("/nonexistent/model.json"), None).unwrap_err();
    assert!(matches!(err, ModelError::Io { .. }) && err.to_string().contains("/nonexistent"));
}

#[test]
fn truncated_files() {
    let x = text(XB);
    expect_err(
        &x[..x.len() / 2],
        Kind::Format,
        &["invalid XGBoost JSON", "EOF", "line"],
    );
    let l = text(LG);
    let cut = l.find("Tree=2").unwrap();
    expect_err(&l[..cut], Kind::Format, &["truncated", "end of trees"]);
    // Cut inside a tree block: a field goes missing.
    let cut = l.find("leaf_value=10").unwrap();
    let mut t = l[..cut].to_string();
    t.push_str("end of trees\n");
    expect_err(&t, Kind::Format, &["Tree=0", "'leaf_value=' is missing"]);
    expect_err(
        &edit(LG, "leaf_value=10 20 30", "leaf_value=10 20"),
        Kind::Format,
        &["leaf_value has 2 entries, expected 3"],
    );
    expect_err(
        &edit(
            XB,
            "\"sum_hessian\": [10.0, 4.0, 6.0, 2.0, 4.0]",
            "\"sum_hessian\": [10.0]",
        ),
        Kind::Format,
        &["tree 0", "sum_hessian has 1 entries"],
    );
}

#[test]
fn unknown_objective() {
    expect_err(
        &edit(XB, "binary:logistic\"", "survival:aft\""),
        Kind::Unsupported,
        &["objective 'survival:aft'", "supported:"],
    );
    expect_err(
        &edit(LG, "objective=regression", "objective=lambdamart_v9"),
        Kind::Unsupported,
        &["objective 'lambdamart_v9'"],
    );
    expect_err(
        &edit(LG, "objective=regression", "objective=regression sqrt"),
        Kind::Unsupported,
        &["sqrt"],
    );
    expect_err(
        &edit(LG, "objective=regression", "objective=multiclass"),
        Kind::Format,
        &["lacks num_class"],
    );
}

#[test]
fn unsupported_boosters() {
    let gblinear = r#"{"learner": {"gradient_booster": {"name": "gblinear", "model": {"weights": [0.1, 0.2, 0.5]}},
        "learner_model_param": {"base_score": "5E-1", "num_class": "0", "num_feature": "2"},
        "objective": {"name": "reg:squarederror"}}, "version": [2, 1, 0]}"#;
    expect_err(
        gblinear,
        Kind::Unsupported,
        &["gblinear", "only gbtree and dart"],
    );
    let dart = text("xgb_dart.json");
    let start = dart.find(",\"weight_drop\":").expect("compact JSON");
    let end = start + dart[start..].find(']').unwrap() + 1;
    let no_weights = format!("{}{}", &dart[..start], &dart[end..]);
    expect_err(
        &no_weights,
        Kind::Unsupported,
        &["dart booster without weight_drop"],
    );
    expect_err(
        &edit(XB, "\"name\": \"gbtree\"", "\"name\": \"gbforest\""),
        Kind::Unsupported,
        &["booster 'gbforest'"],
    );
    expect_err(
        &edit(LG, "is_linear=0", "is_linear=1"),
        Kind::Unsupported,
        &["linear tree"],
    );
    expect_err(
        &edit(
            XB,
            "\"size_leaf_vector\": \"1\"}",
            "\"size_leaf_vector\": \"3\"}",
        ),
        Kind::Unsupported,
        &["vector-leaf trees"],
    );
    // UBJSON starts with '{' followed by a type marker.
    expect_err(
        "{L\x00\x00\x00\x00\x00\x00\x00\x07learner",
        Kind::Unsupported,
        &["UBJSON"],
    );
}

#[test]
fn categorical_splits_name_the_feature() {
    expect_err(
        &edit(
            XB,
            "\"split_type\": [0, 0, 0, 0, 0]",
            "\"split_type\": [0, 0, 1, 0, 0]",
        ),
        Kind::Unsupported,
        &["tree 0", "categorical split on feature 'b' (index 1)"],
    );
    expect_err(
        &edit(XB, "\"categories_nodes\": []", "\"categories_nodes\": [0]"),
        Kind::Unsupported,
        &["categorical split on feature 'a' (index 0)"],
    );
    expect_err(
        &edit(LG, "decision_type=2 8", "decision_type=2 9"),
        Kind::Unsupported,
        &["Tree=0", "categorical split on feature 'y' (index 1)"],
    );
}

#[test]
fn feature_count_mismatches() {
    expect_err(
        &edit(LG, "split_feature=0 1", "split_feature=0 3"),
        Kind::Format,
        &["feature-count mismatch", "feature 3", "3 features"],
    );
    expect_err(
        &edit(LG, "feature_names=x y z", "feature_names=x y"),
        Kind::Format,
        &["feature-count mismatch: 2 feature_names but max_feature_idx = 2"],
    );
    expect_err(
        &edit(
            XB,
            "\"split_indices\": [0, 0, 1, 0, 0]",
            "\"split_indices\": [0, 0, 2, 0, 0]",
        ),
        Kind::Format,
        &["feature-count mismatch", "feature 2", "num_feature = 2"],
    );
    expect_err(
        &edit(
            XB,
            "\"feature_names\": [\"a\", \"b\"]",
            "\"feature_names\": [\"a\"]",
        ),
        Kind::Format,
        &["1 feature_names but num_feature = 2"],
    );
}

/// A corrupt feature count must be refused before anything is sized by it (a mutated file
/// that declared 4 billion features made a caller allocate 100 GB).
#[test]
fn implausible_feature_counts() {
    expect_err(
        &edit(
            XB,
            "\"num_class\": \"0\", \"num_feature\": \"2\"",
            "\"num_class\": \"0\", \"num_feature\": \"4294967295\"",
        ),
        Kind::Format,
        &[
            "implausible learner_model_param.num_feature = 4294967295",
            "at most 10000000",
        ],
    );
    expect_err(
        &edit(LG, "max_feature_idx=2\n", "max_feature_idx=10000000\n"),
        Kind::Format,
        &["implausible max_feature_idx = 10000000"],
    );
}

#[test]
fn broken_structure() {
    expect_err(
        &edit(LG, "left_child=1 -1", "left_child=5 -1"),
        Kind::Format,
        &["left_child of node 0 is 5, out of range"],
    );
    expect_err(
        &edit(LG, "right_child=-3 -2", "right_child=-9 -2"),
        Kind::Format,
        &["right_child of node 0 is -9"],
    );
    expect_err(
        &edit(LG, "left_child=1 -1", "left_child=1 -2"),
        Kind::Format,
        &["reached twice"],
    );
    expect_err(
        &edit(LG, "left_child=1 -1", "left_child=0 -1"),
        Kind::Format,
        &["inconsistent"],
    );
    expect_err(
        &edit(LG, "Tree=1", "Tree=7"),
        Kind::Format,
        &["expected 'Tree=1'"],
    );
    expect_err(
        &edit(LG, "threshold=1.5 0", "threshold=1.5 abc"),
        Kind::Format,
        &["threshold entry 1 'abc' is not a number"],
    );
    expect_err(
        &edit(LG, "leaf_value=10 20 30", "leaf_value=10 inf 30"),
        Kind::Format,
        &["non-finite value"],
    );
    expect_err(
        &edit(LG, "decision_type=2 8", "decision_type=2 12"),
        Kind::Format,
        &["missing type 3"],
    );
    expect_err(
        &edit(LG, "max_feature_idx=2\n", ""),
        Kind::Format,
        &["'max_feature_idx=' is missing"],
    );
    expect_err(
        &edit(
            XB,
            "\"left_children\": [1, -1, 3, -1, -1]",
            "\"left_children\": [1, -1, 7, -1, -1]",
        ),
        Kind::Format,
        &["tree 0", "node 2 points to child 7, tree has 5 nodes"],
    );
    expect_err(
        &edit(
            XB,
            "\"left_children\": [1, -1, 3, -1, -1]",
            "\"left_children\": [1, -1, 0, -1, -1]",
        ),
        Kind::Format,
        &["node 0 is reached twice"],
    );
    expect_err(
        &edit(
            XB,
            "\"left_children\": [1, -1, 3, -1, -1]",
            "\"left_children\": [1, -1, -1, -1, -1]",
        ),
        Kind::Format,
        &["node 2 has exactly one child"],
    );
    expect_err(
        &edit(XB, "\"tree_info\": [0, 0]", "\"tree_info\": [0, 1]"),
        Kind::Format,
        &["tree 1 adds to output 1 but the model has 1 output"],
    );
    expect_err(
        &edit(XB, "\"tree_info\": [0, 0]", "\"tree_info\": [0]"),
        Kind::Format,
        &["tree_info has 1 entries for 2 trees"],
    );
    expect_err(
        &edit(XB, "\"num_trees\": \"2\"", "\"num_trees\": \"3\""),
        Kind::Format,
        &["num_trees = 3 but the file holds 2 trees"],
    );
    expect_err(
        &edit(
            XB,
            "\"base_score\": \"[2.5E-1]\"",
            "\"base_score\": \"[1.5E0]\"",
        ),
        Kind::Format,
        &["base_score 1.5 is outside the range of objective 'binary:logistic'"],
    );
    expect_err(
        &edit(
            XB,
            "\"base_score\": \"[2.5E-1]\"",
            "\"base_score\": \"oops\"",
        ),
        Kind::Format,
        &["base_score 'oops'"],
    );
    expect_err(
        &edit(XB, "\"num_class\": \"0\"", "\"num_class\": \"3\""),
        Kind::Format,
        &["does not agree with num_class = 3"],
    );
    expect_err(
        &edit(
            XB,
            "\"default_left\": [1, 0, 0, 0, 0]",
            "\"default_left\": [2, 0, 0, 0, 0]",
        ),
        Kind::Format,
        &["default_left entry 2"],
    );
}
