//! Train a small neural network (MLP) on the bundled concrete table and explain its test rows
//! with DeepSHAP against 100 background rows drawn from the training rows.
//!
//! `cargo run -p glassbox --example mlp_deep_shap`

use glassbox::data::{ReadOptions, read_table};
use glassbox::tabular::{self, ExplainSettings, Method, ModelKind, TrainSettings};
use glassbox::{NoProgress, Result};

fn main() -> Result<()> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/concrete/concrete.csv"
    );
    let raw = read_table(path.as_ref(), &ReadOptions::default())?;
    let settings = TrainSettings {
        target: "Compressive strength (MPa)".into(),
        model: ModelKind::Mlp,
        ..TrainSettings::default()
    };
    let run = tabular::train(&raw, &settings, &NoProgress)?;
    println!(
        "MLP: test R² {:.4} after {} epochs",
        run.metrics.test.r2,
        run.metrics.loss_history.len()
    );
    let model = run.model();
    let table = model.feature_table(&raw, None)?;
    let explain = ExplainSettings {
        // Background rows come from the training rows, as `glassbox explain` does for a run.
        background_pool: Some(table.select_rows(&run.split.train)),
        ..ExplainSettings::default()
    };
    let rows = table.select_rows(&run.split.test);
    let e = tabular::explain(&model, &rows, Method::DeepShap, &explain, &NoProgress)?;
    let record = e.record(path);
    println!(
        "DeepSHAP on {} rows against {:?} background rows; base value {:.3}",
        record.n_rows, record.background_rows, record.base_value
    );
    for (feature, value) in record.mean_abs_shap.iter().take(3) {
        println!("  {feature}: mean |SHAP| {value:.3}");
    }
    Ok(())
}
