//! The files of a per-row explanation run: the values as CSV, the SHAP plots, interaction
//! values and summaries, LIME's fidelity, and `explanation.json`.

use std::path::Path;

use glassbox_core::link::Link;
use glassbox_core::ndarray::{ArrayView3, Axis};

use super::figures::{FigureSource, write_run_figures};
use super::values_writer::{ValuesWriter, values_path};
use super::{TabularExplanation, WriteSettings};
use crate::records::tabular::{ExplanationRecord, LimeRecord};
use crate::records::{Timings, write_record};
use crate::run_dir::{num, write_csv};
use crate::{Error, Result};

impl TabularExplanation {
    /// The `explanation.json` record of this run, naming `data` as the explained file.
    pub fn record(&self, data: &str) -> ExplanationRecord {
        let e = &self.explanation;
        let mut ranked: Vec<(String, f64)> =
            e.feature_names.iter().cloned().zip(e.mean_abs(0)).collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        ExplanationRecord {
            method: self.method.name().into(),
            model: self.model.clone(),
            data: data.to_string(),
            n_rows: e.n_samples(),
            features: e.feature_names.clone(),
            output: e.output_names.join(", "),
            base_value: e.base_values[[0, 0]],
            local_accuracy_rtol: self.local_accuracy_rtol,
            local_accuracy_max_rel_error: self.local_accuracy_max_rel_error,
            completeness_gap: self.completeness_gap,
            background_rows: self.background_rows,
            mean_abs_shap: ranked,
            chunk_rows: None,
            plot_rows: None,
        }
    }

    /// Writes the run's files into `dir`: per output `shap_values.csv` (or `.parquet`,
    /// [`WriteSettings::format`]) and the [`PlotKind::RUN`] figures as PNG and SVG (suffix
    /// `_outputK` with several outputs; then also `shap_bar_classes`, the per-class stacked
    /// bar), for interactions `mean_abs_interactions.csv`, for LIME
    /// `lime.csv` and `lime.json`, the saved explanation ([`super::SavedExplanation`]: the
    /// `.npy` arrays, interaction values included, and `saved_explanation.json`),
    /// `explanation.json`, and `timings.json` (the seconds spent computing the values).
    pub fn write(&self, dir: &Path, settings: &WriteSettings) -> Result<ExplanationRecord> {
        let e = &self.explanation;
        if settings.row >= e.n_samples() {
            return Err(Error::Settings(format!(
                "--row {}: only {} rows were explained",
                settings.row,
                e.n_samples()
            )));
        }
        if let Some(lime) = &self.lime {
            write_lime(dir, lime)?;
        }
        for k in 0..e.n_outputs() {
            let path = values_path(dir, k, e.n_outputs(), settings.format);
            let mut values = ValuesWriter::create(&path, settings.format, &e.feature_names)?;
            values.append(self, k)?;
            values.finish()?;
            if let Some(iv) = &self.interactions {
                let suffix = if e.n_outputs() == 1 {
                    String::new()
                } else {
                    format!("_output{k}")
                };
                write_mean_interactions(
                    &dir.join(format!("mean_abs_interactions{suffix}.csv")),
                    &iv.index_axis(Axis(3), k),
                    &e.feature_names,
                )?;
            }
        }
        let mean_abs: Vec<Vec<f64>> = (0..e.n_outputs()).map(|k| e.mean_abs(k)).collect();
        let source = FigureSource {
            rows: e,
            mean_abs: &mean_abs,
            one_row: (e, settings.row, settings.row),
            interactions: None,
            probability_axis: self.margin_link == Link::Logistic,
        };
        let interactions = |k: usize| {
            self.interactions
                .as_ref()
                .map(|iv| iv.index_axis(Axis(3), k))
        };
        write_run_figures(dir, settings, &source, &interactions)?;
        self.save(dir, settings)?;
        let record = self.record(&settings.data);
        write_record(&dir.join("explanation.json"), &record)?;
        Timings::one("explain", self.seconds).write(dir)?;
        Ok(record)
    }
}

/// The (features x features) matrix of mean |interaction value| over the rows; `iv` has shape
/// (samples, features, features).
fn write_mean_interactions(path: &Path, iv: &ArrayView3<'_, f64>, names: &[String]) -> Result<()> {
    let mean = glassbox_plot::interaction::mean_abs_interactions(iv.view());
    let mut header = vec!["feature".to_string()];
    header.extend(names.iter().cloned());
    write_csv(
        path,
        &header,
        mean.rows().into_iter().zip(names).map(|(r, name)| {
            let mut line = vec![name.clone()];
            line.extend(r.iter().map(|&v| num(v)));
            line
        }),
    )
}

/// `lime.csv` (one line per row) and `lime.json`.
fn write_lime(dir: &Path, lime: &LimeRecord) -> Result<()> {
    let header: Vec<String> = [
        "row_id",
        "prediction",
        "local_prediction",
        "intercept",
        "r2",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    write_csv(
        &dir.join("lime.csv"),
        &header,
        lime.rows.iter().map(|r| {
            vec![
                r.row_id.clone(),
                num(r.prediction),
                num(r.local_prediction),
                num(r.intercept),
                num(r.r2),
            ]
        }),
    )?;
    write_record(&dir.join("lime.json"), lime)
}
