//! Train a random forest on the bundled concrete table and explain its test rows with exact
//! TreeSHAP; writes the run folder and the explanation folder under the system's temp folder.
//!
//! `cargo run -p glassbox --example forest_tree_shap`

use glassbox::data::{ReadOptions, read_table};
use glassbox::tabular::{self, ExplainSettings, Method, TrainSettings, WriteSettings};
use glassbox::{NoProgress, Result};

fn main() -> Result<()> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/concrete/concrete.csv"
    );
    let raw = read_table(path.as_ref(), &ReadOptions::default())?;
    let settings = TrainSettings {
        target: "Compressive strength (MPa)".into(),
        ..TrainSettings::default()
    };
    let run = tabular::train(&raw, &settings, &NoProgress)?;
    println!(
        "random forest: test R² {:.4}, RMSE {:.3} on {} rows",
        run.metrics.test.r2, run.metrics.test.rmse, run.metrics.test.n
    );

    let model = run.model();
    let table = model.feature_table(&raw, None)?;
    let test_rows = table.select_rows(&run.split.test);
    let e = tabular::explain(
        &model,
        &test_rows,
        Method::TreeShap,
        &ExplainSettings::default(),
        &NoProgress,
    )?;
    let out = std::env::temp_dir().join("glassbox-example-forest-tree-shap");
    std::fs::create_dir_all(&out).map_err(|e| glassbox::Error::io(&out, e))?;
    let record = e.write(
        &out,
        &WriteSettings {
            data: path.into(),
            ..WriteSettings::default()
        },
    )?;
    println!(
        "TreeSHAP on {} rows, local accuracy max rel. error {:.1e}; most important:",
        record.n_rows, record.local_accuracy_max_rel_error
    );
    for (feature, value) in record.mean_abs_shap.iter().take(3) {
        println!("  {feature}: mean |SHAP| {value:.3}");
    }
    println!("files in {}", out.display());
    Ok(())
}
