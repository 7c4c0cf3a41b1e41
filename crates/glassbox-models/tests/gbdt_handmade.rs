//! Hand-written model files in both formats (tests/fixtures/gbdt/hand_*), each prediction worked
//! out by hand in the comments. (The files were also loaded into XGBoost 3.2.0 and LightGBM
//! 4.7.0, which gave the same numbers, except where a comment says otherwise.)

mod gbdt_common;

use gbdt_common::fixture;
use glassbox_core::ndarray::{Array2, array};
use glassbox_core::{Missing, Predict, SplitCondition};
use glassbox_models::gbdt::{
    BoostedFormat, ImportedModel, Objective, load_boosted, parse_lightgbm_text,
};

fn load(name: &str) -> ImportedModel {
    load_boosted(&fixture("gbdt", name), None).unwrap_or_else(|e| panic!("{e}"))
}

fn margins(m: &ImportedModel, x: Array2<f64>) -> Array2<f64> {
    m.predict(x.view()).unwrap()
}

const NAN: f64 = f64::NAN;

#[test]
fn xgboost_binary_by_hand() {
    let m = load("hand_xgb_binary.json");
    assert_eq!(m.format, BoostedFormat::XgboostJson);
    assert_eq!(m.objective, Objective::BinaryLogistic { sigmoid: 1.0 });
    assert_eq!(m.objective_name, "binary:logistic");
    assert_eq!(m.library_version.as_deref(), Some("3.2.0"));
    assert_eq!(
        m.feature_names(),
        Some(&["a".to_string(), "b".to_string()][..])
    );
    let e = &m.ensemble;
    assert_eq!((e.n_features, e.n_outputs, e.trees.len()), (2, 1, 2));
    assert_eq!(e.split, SplitCondition::Less);
    // base_score "[2.5E-1]" is a probability: margin = logit(0.25) = ln(1/3).
    let base = (1.0f64 / 3.0).ln();
    assert!((e.base_offset[0] - base).abs() < 1e-15);
    // Tree 0: a < 0.5 (NaN left) ? 0.25 : (b < 2 (NaN right) ? -0.5 : 1.0); tree 1: leaf 0.125.
    // Covers are sum_hessian: 10 = 4 + 6, 6 = 2 + 4.
    assert_eq!(e.trees[0].cover, vec![10.0, 4.0, 6.0, 2.0, 4.0]);
    assert_eq!(e.trees[1].n_nodes(), 1);
    let p = margins(
        &m,
        array![[0.4, 5.0], [0.5, 1.0], [NAN, 3.0], [0.7, NAN], [0.7, 2.0]],
    );
    let expect = [
        base + 0.25 + 0.125, // a = 0.4 < 0.5: left leaf
        base - 0.5 + 0.125,  // a = 0.5 is not < 0.5: right; b = 1 < 2: left
        base + 0.25 + 0.125, // a missing: default left
        base + 1.0 + 0.125,  // b missing at node 2: default right
        base + 1.0 + 0.125,  // b = 2 is not < 2: right
    ];
    for (i, want) in expect.iter().enumerate() {
        assert!(
            (p[[i, 0]] - want).abs() < 1e-15,
            "row {i}: {} vs {want}",
            p[[i, 0]]
        );
    }
    // Probability = sigmoid(margin): row 3 margin ~0.0264 -> ~0.5066.
    let prob = m.predict_transformed(array![[0.7, NAN]].view()).unwrap();
    assert!((prob[[0, 0]] - 1.0 / (1.0 + (-expect[3]).exp())).abs() < 1e-15);
    // Expected value under the covers: base + (4*0.25 + 2*-0.5 + 4*1)/10 + 0.125.
    assert!((e.expected_value()[0] - (base + 0.4 + 0.125)).abs() < 1e-15);
}

#[test]
fn xgboost_1x_multiclass_by_hand() {
    // XGBoost 1.7 schema: scalar base_score "5E-1" added to every class margin, empty
    // feature_names, one tree per class (tree_info 0, 1, 2).
    let m = load("hand_xgb_multi_v1.json");
    assert_eq!(m.objective, Objective::MultiSoftmax { n_classes: 3 });
    assert_eq!(m.feature_names(), None);
    assert_eq!(m.library_version.as_deref(), Some("1.7.6"));
    assert_eq!(m.ensemble.base_offset, vec![0.5; 3]);
    assert_eq!(m.ensemble.tree_output, vec![0, 1, 2]);
    // Thresholds are XGBoost's f32 values: "0.1" is the f32 nearest 0.1, not the f64.
    assert_eq!(m.ensemble.trees[0].threshold[0], 0.1f32 as f64);
    // class 0: x1 < 0.1 (NaN right) ? -0.5 : 0.75; class 1: x2 < -3 (NaN left) ? 1.5 : -1;
    // class 2: leaf 0.25. Each + 0.5.
    let x1_f32 = 0.1f32 as f64; // XGBoost sees features as f32: 0.1 -> this value -> right.
    let p = margins(
        &m,
        array![
            [0.0, 0.05, -4.0],
            [0.0, 0.2, -3.0],
            [0.0, NAN, NAN],
            [0.0, x1_f32, 0.0]
        ],
    );
    let expect = array![
        [0.0, 2.0, 0.75],   // 0.05 < 0.1: -0.5 + 0.5; -4 < -3: 1.5 + 0.5
        [1.25, -0.5, 0.75], // 0.2 right: 0.75 + 0.5; -3 is not < -3: -1 + 0.5
        [1.25, 2.0, 0.75],  // NaN: right at class 0, left at class 1
        [1.25, -0.5, 0.75], // x1 equal to the f32 threshold: right
    ];
    assert_eq!(p, expect);
    // The f64 0.1 is below the f32 threshold, so glassbox sends it left; XGBoost rounds the
    // input to f32 first (= the threshold) and sends it right (documented in xgboost_json.rs).
    assert_eq!(margins(&m, array![[0.0, 0.1, 0.0]])[[0, 0]], 0.0);
    // Softmax of (0, 2, 0.75).
    let mut row = [0.0, 2.0, 0.75];
    m.transform_row(&mut row);
    let z: f64 = [0.0f64, 2.0, 0.75].iter().map(|v| v.exp()).sum();
    assert!((row[1] - 2f64.exp() / z).abs() < 1e-15);
    assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-15);
}

#[test]
fn lightgbm_regression_by_hand() {
    let m = load("hand_lgb_reg.txt");
    assert_eq!(m.format, BoostedFormat::LightgbmText);
    assert_eq!(m.objective, Objective::Regression);
    assert_eq!(m.library_version.as_deref(), Some("v4"));
    assert_eq!(m.ensemble.split, SplitCondition::LessOrEqual);
    assert_eq!(m.ensemble.base_offset, vec![0.0]);
    let t0 = &m.ensemble.trees[0];
    // Internal nodes 0, 1 then leaves 2, 3, 4; decision_type 2 = None + default left,
    // 8 = NaN missing + default right, 6 (tree 1) = Zero missing + default left.
    assert_eq!(t0.left, vec![1, 2, u32::MAX, u32::MAX, u32::MAX]);
    assert_eq!(t0.right, vec![4, 3, u32::MAX, u32::MAX, u32::MAX]);
    assert_eq!(t0.missing[..2], [Missing::AsZero, Missing::Default]);
    assert_eq!(t0.default_left[..2], [true, false]);
    assert_eq!(t0.cover, vec![10.0, 5.0, 3.0, 2.0, 5.0]); // internal_count / leaf_count
    assert_eq!(m.ensemble.trees[1].missing[0], Missing::ZeroDefault);
    assert_eq!(m.ensemble.trees[2].n_nodes(), 1); // num_leaves=1
    // Tree 0: x <= 1.5 (NaN as 0) ? (y <= 0 (NaN right) ? 10 : 20) : 30;
    // tree 1: z <= 0 (zero and NaN left) ? -1 : 1 (shrinkage 0.1 already in the leaves);
    // tree 2: 0.5.
    let p = margins(
        &m,
        array![
            [1.5, 0.0, 5.0],
            [NAN, NAN, 0.0],
            [2.0, -1.0, NAN],
            [0.0, 0.5, 1e-36],
            [1.6, 0.0, -0.5]
        ],
    );
    let expect = [
        10.0 + 1.0 + 0.5, // 1.5 <= 1.5, 0 <= 0, 5 > 0
        20.0 - 1.0 + 0.5, // x NaN -> 0 <= 1.5; y NaN -> right; z = 0 -> default left
        30.0 - 1.0 + 0.5, // 2 > 1.5; z NaN -> default left
        20.0 - 1.0 + 0.5, // 0.5 > 0; |z| <= 1e-35 counts as zero -> default left
        30.0 - 1.0 + 0.5, // -0.5 <= 0
    ];
    for (i, want) in expect.iter().enumerate() {
        assert_eq!(p[[i, 0]], *want, "row {i}");
    }
    // Expected value under counts: (3*10 + 2*20 + 5*30)/10 + (4*-1 + 6*1)/10 + 0.5 = 22.7,
    // which is LightGBM's own pred_contrib bias for this file.
    assert!((m.ensemble.expected_value()[0] - 22.7).abs() < 1e-12);
}

fn hand_lgb_variant(from: &str, to: &str) -> ImportedModel {
    let path = fixture("gbdt", "hand_lgb_reg.txt");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from));
    parse_lightgbm_text(&text.replacen(from, to, 1), &path).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn lightgbm_objectives_and_average_output() {
    // binary with sigmoid:2: P = 1 / (1 + exp(-2 m)).
    let m = hand_lgb_variant("objective=regression", "objective=binary sigmoid:2");
    assert_eq!(m.objective, Objective::BinaryLogistic { sigmoid: 2.0 });
    assert!((m.transform_output(0.25) - 1.0 / (1.0 + (-0.5f64).exp())).abs() < 1e-15);
    // Poisson: exp link.
    let m = hand_lgb_variant("objective=regression", "objective=poisson");
    assert_eq!(m.objective, Objective::LogLink);
    assert!((m.transform_output(1.0) - std::f64::consts::E).abs() < 1e-15);
    // Random-forest mode: 3 iterations, each tree weighs 1/3: (10 + 1 + 0.5) / 3 for row 0.
    let m = hand_lgb_variant("feature_names=", "average_output\nfeature_names=");
    assert_eq!(m.ensemble.tree_weight, vec![1.0 / 3.0; 3]);
    let p = margins(&m, array![[1.5, 0.0, 5.0]]);
    assert!((p[[0, 0]] - 11.5 / 3.0).abs() < 1e-15);
}

#[test]
fn lightgbm_one_tree_per_class() {
    // The same three trees read as one iteration of a 3-class model: tree i adds to class i.
    // Read as 2 classes, 3 trees are not whole iterations: an error.
    let path = fixture("gbdt", "hand_lgb_reg.txt");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replacen("num_class=1", "num_class=3", 1)
        .replacen("num_tree_per_iteration=1", "num_tree_per_iteration=3", 1)
        .replacen(
            "objective=regression",
            "objective=multiclass num_class:3",
            1,
        );
    let m = parse_lightgbm_text(&text, &path).unwrap();
    assert_eq!(m.objective, Objective::MultiSoftmax { n_classes: 3 });
    assert_eq!(m.ensemble.tree_output, vec![0, 1, 2]);
    assert_eq!(
        margins(&m, array![[1.5, 0.0, 5.0]]),
        array![[10.0, 1.0, 0.5]]
    );
    let bad = text
        .replacen("num_class=3", "num_class=2", 1)
        .replacen("num_tree_per_iteration=3", "num_tree_per_iteration=2", 1)
        .replacen("num_class:3", "num_class:2", 1);
    let err = parse_lightgbm_text(&bad, &path).unwrap_err().to_string();
    assert!(
        err.contains("not a multiple of num_tree_per_iteration = 2"),
        "{err}"
    );
}

#[test]
fn columns_by_name_or_position() {
    let m = load("hand_lgb_reg.txt");
    let cols: Vec<String> = ["id", "z", "y", "x"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(m.match_columns(&cols).unwrap(), vec![3, 2, 1]);
    let err = m.match_columns(&cols[..3]).unwrap_err().to_string();
    assert!(
        err.contains("lacks 'x'") && err.contains("hand_lgb_reg.txt"),
        "{err}"
    );
    // No names (XGBoost multi-class file): by position, counts must agree.
    let m = load("hand_xgb_multi_v1.json");
    let three: Vec<String> = ["p", "q", "r"].iter().map(|s| s.to_string()).collect();
    assert_eq!(m.match_columns(&three).unwrap(), vec![0, 1, 2]);
    let err = m.match_columns(&three[..2]).unwrap_err().to_string();
    assert!(
        err.contains("takes 3 features by position") && err.contains("has 2"),
        "{err}"
    );
}

#[test]
fn nan_without_missing_direction_is_rejected_by_check_input() {
    let m = load("hand_lgb_reg.txt");
    // x (feature 0) has missing type None at the root: NaN there has no direction.
    assert_eq!(
        m.features_without_missing_direction(),
        vec![true, false, false]
    );
    m.check_input(array![[1.0, NAN, NAN]].view()).unwrap();
    let err = m
        .check_input(array![[1.0, 2.0, 3.0], [NAN, 0.0, 0.0]].view())
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("row 1, column 0") && msg.contains("'x'") && msg.contains("hand_lgb_reg.txt"),
        "{msg}"
    );
    assert!(!msg.contains('\n'));
    let err = m
        .check_input(array![[1.0, 2.0]].view())
        .unwrap_err()
        .to_string();
    assert!(err.contains("3 features"), "{err}");
    // XGBoost always has a default direction.
    let m = load("hand_xgb_binary.json");
    m.check_input(array![[NAN, NAN]].view()).unwrap();
}

#[test]
fn format_names_parse() {
    assert_eq!(
        "xgboost".parse::<BoostedFormat>(),
        Ok(BoostedFormat::XgboostJson)
    );
    assert_eq!(
        "LightGBM".parse::<BoostedFormat>(),
        Ok(BoostedFormat::LightgbmText)
    );
    assert!("catboost".parse::<BoostedFormat>().is_err());
    // An explicit format overrides detection.
    let m = load_boosted(
        &fixture("gbdt", "hand_lgb_reg.txt"),
        Some(BoostedFormat::LightgbmText),
    );
    assert!(m.is_ok());
    let err = load_boosted(
        &fixture("gbdt", "hand_lgb_reg.txt"),
        Some(BoostedFormat::XgboostJson),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("not an XGBoost JSON model"), "{err}");
}
