//! Tables with text columns: the molding table without its `--drop` list trains (text columns
//! one-hot encoded) and explains per original column, each categorical column's SHAP value the
//! sum of its indicators' exact TreeSHAP values (computed here directly on the encoded inputs),
//! additive on every row; `groups` sum any columns the same way.

use glassbox::NoProgress;
use glassbox::core::ndarray::{Axis, s};
use glassbox::data::{IndexCol, ReadOptions, read_table};
use glassbox::explain::shap::tree_shap::TreeShap;
use glassbox::tabular::{self, ExplainSettings, Method, ModelKind, TrainSettings};

fn molding() -> glassbox::data::RawTable {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/molding/ikv_injection_molding.xlsx"
    );
    let opts = ReadOptions {
        index_col: Some(IndexCol::Position(0)),
        ..ReadOptions::default()
    };
    read_table(path.as_ref(), &opts).unwrap()
}

#[test]
fn text_columns_train_and_explain_per_column_additively() {
    let raw = molding();
    let mut settings = TrainSettings {
        target: "Weight (g)".into(),
        model: ModelKind::Forest,
        ..TrainSettings::default()
    };
    settings.forest.n_estimators = 8;
    settings.forest.max_depth = Some(8);
    let run = tabular::train(&raw, &settings, &NoProgress).unwrap();
    let model = run.model();
    let saved = model.saved().unwrap();
    let columns: Vec<&str> = saved
        .categorical
        .iter()
        .map(|c| c.column.as_str())
        .collect();
    assert_eq!(columns, ["MoldName", "BrickType", "Variant", "Variant_en"]);
    assert!(run.metrics.test.r2 > 0.99, "{:?}", run.metrics.test);

    let table = model.feature_table(&raw, None).unwrap();
    let rows = table.select_rows(&run.split.test[..40]);
    let e = tabular::explain(
        &model,
        &rows,
        Method::TreeShap,
        &ExplainSettings::default(),
        &NoProgress,
    )
    .unwrap();
    let x = &e.explanation;
    // One feature per column of the table (minus index and target), in file order.
    assert_eq!(x.feature_names, saved.input_columns());
    assert_eq!(x.feature_names[1], "MoldName");
    assert!(x.feature_names.iter().all(|n| !n.contains('=')));
    // The oracle: TreeSHAP on the encoded inputs, indicators summed per column.
    let inputs = model.to_input(rows.features.view()).unwrap();
    let direct = TreeShap::new(model.trees().unwrap())
        .unwrap()
        .shap_values(inputs.view())
        .unwrap();
    let groups = model.feature_groups().unwrap().unwrap();
    for (g, members) in groups.members.iter().enumerate() {
        for i in 0..40 {
            let sum: f64 = members.iter().map(|&j| direct.values[[i, j, 0]]).sum();
            assert!(
                (x.values[[i, g, 0]] - sum).abs() <= 1e-9 * (1.0 + sum.abs()),
                "{g} {i}"
            );
        }
    }
    // Additive on every row.
    for i in 0..40 {
        let total = x.base_values[[i, 0]] + x.values.slice(s![i, .., 0]).sum();
        let p = e.predictions[[i, 0]];
        assert!(
            (total - p).abs() <= 1e-9 * p.abs(),
            "row {i}: {total} vs {p}"
        );
    }
    // The data of a categorical column is the row's category, shown by its label.
    let names = &saved.categorical[0].categories;
    let raw_names = raw.column("MoldName").unwrap();
    let i = run.split.test[0];
    assert_eq!(
        x.category_label(0, 1).unwrap(),
        raw_names[i].to_label(),
        "{names:?}"
    );

    // Groups on top: the group's value is the sum of its columns' values, in place of them.
    let grouped = tabular::explain(
        &model,
        &rows,
        Method::TreeShap,
        &ExplainSettings {
            groups: vec![(
                "geometry".into(),
                vec!["surface".into(), "volume".into(), "MoldName".into()],
            )],
            ..ExplainSettings::default()
        },
        &NoProgress,
    )
    .unwrap();
    let gx = &grouped.explanation;
    assert_eq!(gx.n_features(), x.n_features() - 2);
    let pos = |names: &[String], n: &str| names.iter().position(|m| m == n).unwrap();
    let at = pos(&gx.feature_names, "geometry");
    assert_eq!(at, 1, "the group sits where its first column was");
    for i in 0..40 {
        let want: f64 = ["surface", "volume", "MoldName"]
            .iter()
            .map(|n| x.values[[i, pos(&x.feature_names, n), 0]])
            .sum();
        assert!((gx.values[[i, at, 0]] - want).abs() < 1e-9 * (1.0 + want.abs()));
        assert!(gx.data[[i, at]].is_nan(), "a group has no single value");
    }
    let (a, b) = (gx.values.sum_axis(Axis(1)), x.values.sum_axis(Axis(1)));
    for (u, v) in a.iter().zip(b.iter()) {
        assert!(
            (u - v).abs() <= 1e-9 * (1.0 + v.abs()),
            "row sums unchanged"
        );
    }
    // Permutation importance shuffles a one-hot column as one: one importance per column;
    // a column the trees never split on (zero SHAP on every row) loses nothing when shuffled.
    let target = tabular::target_values(&raw, &rows, "Weight (g)").unwrap();
    assert_eq!(target.len(), 40);
    let pi = tabular::permutation_importance(
        &model,
        &rows,
        &target,
        &tabular::PermutationSettings::default(),
        &NoProgress,
    )
    .unwrap();
    assert_eq!(pi.feature_names, saved.input_columns());
    assert_eq!(pi.importance.mean.len(), x.n_features());
    for (j, name) in x.feature_names.iter().enumerate() {
        if (0..40).all(|i| x.values[[i, j, 0]] == 0.0) {
            assert_eq!(pi.importance.mean[j], 0.0, "{name} is unused");
        }
    }
    // Shuffling a column whose rows all hold the same value (one category for a one-hot
    // column) changes nothing either; the others do.
    for j in 0..x.n_features() {
        let col = x.data.column(j);
        if col.iter().all(|&v| v == col[0]) {
            assert_eq!(
                pi.importance.mean[j], 0.0,
                "{} is constant",
                x.feature_names[j]
            );
        }
    }
    assert!(pi.importance.mean.iter().any(|&m| m > 0.0));

    // An unknown column is refused, listing the columns.
    let err = tabular::explain(
        &model,
        &rows,
        Method::TreeShap,
        &ExplainSettings {
            groups: vec![("g".into(), vec!["nope".into()])],
            ..ExplainSettings::default()
        },
        &NoProgress,
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("no column 'nope'") && err.contains("MoldName"),
        "{err}"
    );
}
