//! Load an XGBoost binary classifier (a test fixture saved by `booster.save_model`) and explain
//! its probabilities with exact interventional TreeSHAP: the values add up to the probability.
//!
//! `cargo run -p glassbox --example xgboost_probability`

use glassbox::data::{ReadOptions, read_table};
use glassbox::tabular::{self, ExplainSettings, Method, OutputSpace};
use glassbox::{Model, NoProgress, Result};

fn main() -> Result<()> {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../glassbox-models/tests/fixtures/gbdt"
    );
    let model = Model::load(format!("{dir}/xgb_binary.json").as_ref())?;
    println!(
        "{}: {} features, link {}, probability outputs {:?}",
        model.label(),
        glassbox::core::Predict::n_features(&model),
        model.link().name(),
        model.probability_names()
    );
    let raw = read_table(format!("{dir}/data.csv").as_ref(), &ReadOptions::default())?;
    // The model reads its features by name; `y` is the target column of the file.
    let rows = model.feature_table(&raw, Some("y"))?;
    let settings = ExplainSettings {
        output: OutputSpace::Probability,
        background: 50,
        ..ExplainSettings::default()
    };
    let e = tabular::explain(
        &model,
        &rows,
        Method::InterventionalTreeShap,
        &settings,
        &NoProgress,
    )?;
    let x = &e.explanation;
    for i in 0..3 {
        let sum: f64 = (0..x.n_features()).map(|j| x.values[[i, j, 0]]).sum();
        println!(
            "row {}: P(y = 1) = {:.4} = base {:.4} + sum of SHAP values {:+.4}",
            e.row_ids[i],
            e.predictions[[i, 0]],
            x.base_values[[i, 0]],
            sum
        );
    }
    println!(
        "checked on {} rows: largest relative error {:.1e}",
        x.n_samples(),
        e.local_accuracy_max_rel_error
    );
    Ok(())
}
