//! The files `glassbox explain` writes for SHAP-style methods: the values as CSV, the SHAP plots,
//! interaction summaries, and the margin-to-probability map they are expressed in.

use std::path::Path;

use anyhow::{Result, bail};
use glassbox_core::Explanation;
use glassbox_core::ndarray::{Array2, ArrayView3, Axis};
use glassbox_explain::shap::output::{sigmoid, softmax};

use crate::explain::ExplainArgs;
use crate::output::Staging;
use crate::tables::write_shap_csv;

/// Maps margins (samples, outputs) to probabilities: sigmoid for one output, softmax across
/// several.
pub fn to_probabilities(margins: &Array2<f64>) -> Array2<f64> {
    let k = margins.ncols();
    let mut out = margins.clone();
    for mut row in out.rows_mut() {
        let m = row.to_vec();
        for (o, v) in row.iter_mut().enumerate() {
            *v = if k == 1 {
                sigmoid(&m, o)
            } else {
                softmax(&m, o)
            };
        }
    }
    out
}

/// Writes the (features x features) matrix of mean |interaction value| over the rows.
pub fn write_mean_interactions(
    path: &Path,
    iv: &ArrayView3<'_, f64>,
    names: &[String],
) -> Result<()> {
    let mean = iv.mapv(f64::abs).mean_axis(Axis(0)).expect("rows > 0");
    let mut header = vec!["feature".to_string()];
    header.extend(names.iter().cloned());
    crate::tables::write_csv(
        path,
        &header,
        mean.rows().into_iter().zip(names).map(|(r, name)| {
            let mut line = vec![name.clone()];
            line.extend(r.iter().map(|&v| crate::tables::num(v)));
            line
        }),
    )
}

/// Writes the CSV and the plots for output `k`, file names ending in `suffix`. With SHAP
/// interaction values for output `k`, shape (samples, features, features), the dependence plot
/// is coloured by the strongest interaction.
#[allow(clippy::too_many_arguments)]
pub fn write_outputs(
    staging: &Staging,
    e: &Explanation,
    k: usize,
    suffix: &str,
    row_ids: &[String],
    predictions: &[f64],
    args: &ExplainArgs,
    interactions: Option<ArrayView3<'_, f64>>,
) -> Result<()> {
    let p = |name: &str| staging.path(&format!("{name}{suffix}"));
    write_shap_csv(
        &p("shap_values").with_extension("csv"),
        e,
        k,
        row_ids,
        predictions,
    )?;
    glassbox_plot::shap_bar(e, k, args.max_display)?.save(&p("shap_bar"))?;
    glassbox_plot::beeswarm(e, k, args.max_display)?.save(&p("shap_beeswarm"))?;
    if args.row >= e.n_samples() {
        bail!(
            "--row {}: only {} rows were explained",
            args.row,
            e.n_samples()
        );
    }
    glassbox_plot::waterfall(e, args.row, k, args.max_display)?.save(&p("shap_waterfall"))?;
    let mean_abs = e.mean_abs(k);
    let top = (0..e.n_features())
        .max_by(|&a, &b| mean_abs[a].total_cmp(&mean_abs[b]))
        .unwrap_or(0);
    glassbox_plot::dependence(e, top, k, glassbox_plot::ColorBy::Auto, interactions)?
        .save(&p("shap_dependence"))?;
    Ok(())
}
