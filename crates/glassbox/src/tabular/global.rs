//! The global tabular methods: permutation importance and partial dependence / ICE, with
//! their run files.

use std::path::Path;
use std::time::Instant;

use glassbox_core::Table;
use glassbox_core::ndarray::Array1;
use glassbox_explain::importance::partial_dependence::{
    PartialDependence, partial_dependence as pd,
};
use glassbox_explain::importance::permutation::{
    PermutationImportance, Scoring as ExplainScoring, permutation_importance_groups as pi,
};

use super::explain::recorded_model;
use super::{PdpSettings, PermutationSettings, Scoring, WriteSettings};
use crate::records::tabular::{ImportanceRecord, PartialDependenceRecord};
use crate::records::{Timings, write_record};
use crate::run_dir::{num, write_csv};
use crate::{Error, Model, Progress, Result};

/// Permutation importance of every feature ([`permutation_importance`]).
#[derive(Clone, Debug)]
pub struct PermutationResult {
    /// Drops per feature and repeat, their mean and std, and the unshuffled score.
    pub importance: PermutationImportance,
    /// Feature names, in model order.
    pub feature_names: Vec<String>,
    /// The score used (`r2`, `accuracy`).
    pub scoring: &'static str,
    /// Shuffles per feature.
    pub repeats: usize,
    /// Seconds spent.
    pub seconds: f64,
}

/// Permutation importance on `rows` (raw feature values) against `target`, shape (samples,):
/// the drop in R² or accuracy when each feature is shuffled.
pub fn permutation_importance(
    model: &Model,
    rows: &Table,
    target: &[f64],
    settings: &PermutationSettings,
    progress: &dyn Progress,
) -> Result<PermutationResult> {
    if rows.n_samples() == 0 {
        return Err(Error::Input("no rows to explain".into()));
    }
    if settings.repeats == 0 {
        return Err(Error::Settings("--repeats must be at least 1".into()));
    }
    let scoring = match (settings.scoring, model.n_classes()) {
        (Scoring::R2, _) | (Scoring::Auto, None) => ExplainScoring::R2 { output: 0 },
        (Scoring::Accuracy, _) | (Scoring::Auto, Some(_)) => ExplainScoring::MarginAccuracy,
    };
    let started = Instant::now();
    let x = model.to_input(rows.features.view())?;
    let y = Array1::from(target.to_vec());
    progress.start("permutation", None);
    // A one-hot encoded column is shuffled as one (its indicators with one permutation).
    let (groups, feature_names) = match model.feature_groups()? {
        Some(g) => (g.members, g.names),
        None => (
            (0..x.ncols()).map(|j| vec![j]).collect(),
            rows.feature_names.clone(),
        ),
    };
    let importance = pi(
        model.input_predictor()?,
        x.view(),
        y.view(),
        scoring,
        settings.repeats,
        settings.seed,
        &groups,
    )
    .map_err(|e| Error::Input(format!("permutation importance ({}): {e}", scoring.name())))?;
    progress.finish();
    Ok(PermutationResult {
        importance,
        feature_names,
        scoring: scoring.name(),
        repeats: settings.repeats,
        seconds: started.elapsed().as_secs_f64(),
    })
}

impl PermutationResult {
    /// Features by decreasing mean drop (indices).
    pub fn order(&self) -> Vec<usize> {
        let mean = &self.importance.mean;
        let mut order: Vec<usize> = (0..mean.len()).collect();
        order.sort_by(|&a, &b| mean[b].total_cmp(&mean[a]));
        order
    }

    /// The `importance.json` record.
    pub fn record(&self) -> ImportanceRecord {
        let p = &self.importance;
        ImportanceRecord {
            scoring: self.scoring.into(),
            baseline: p.baseline,
            repeats: self.repeats,
            importances: self
                .order()
                .into_iter()
                .map(|j| (self.feature_names[j].clone(), p.mean[j], p.std[j]))
                .collect(),
        }
    }

    /// Writes `permutation_importance.csv`, the bar plot of the `max_display` largest drops
    /// and `importance.json` into `dir`, with `timings.json`.
    pub fn write(&self, dir: &Path, settings: &WriteSettings) -> Result<ImportanceRecord> {
        let p = &self.importance;
        let names = &self.feature_names;
        let mut header = vec!["feature".to_string(), "mean".into(), "std".into()];
        header.extend((0..self.repeats).map(|r| format!("repeat_{r}")));
        write_csv(
            &dir.join("permutation_importance.csv"),
            &header,
            (0..names.len()).map(|j| {
                let mut r = vec![names[j].clone(), num(p.mean[j]), num(p.std[j])];
                r.extend(p.importances.row(j).iter().map(|&v| num(v)));
                r
            }),
        )?;
        let shown: Vec<usize> = self
            .order()
            .into_iter()
            .take(settings.max_display.max(1))
            .collect();
        let label = if self.scoring == "r2" {
            "R²"
        } else {
            "accuracy"
        };
        glassbox_plot::bar_with_errors(
            &shown.iter().map(|&j| names[j].clone()).collect::<Vec<_>>(),
            &shown.iter().map(|&j| p.mean[j]).collect::<Vec<_>>(),
            &shown.iter().map(|&j| p.std[j]).collect::<Vec<_>>(),
            &format!(
                "Permutation importance — drop in {label} ({} repeats)",
                self.repeats
            ),
            &format!("drop in {label} when the feature is shuffled"),
        )?
        .save(&dir.join("permutation_importance"))?;
        let record = self.record();
        write_record(&dir.join("importance.json"), &record)?;
        Timings::one("importance", self.seconds).write(dir)?;
        Ok(record)
    }
}

/// Partial dependence and ICE curves of every feature ([`partial_dependence`]).
#[derive(Clone, Debug)]
pub struct PartialDependenceResult {
    /// One curve set per feature, grids in the model's input space.
    pub curves: Vec<PartialDependence>,
    /// The grid values of each feature in the data's units.
    pub raw_grids: Vec<Vec<f64>>,
    /// Feature names, in model order.
    pub feature_names: Vec<String>,
    /// Row ids of the rows whose ICE curves were computed.
    pub row_ids: Vec<String>,
    /// Name of the output the curves show (the model's first output).
    pub output: String,
    /// Grid points per feature.
    pub grid: usize,
    /// Seconds spent.
    pub seconds: f64,
    /// The model file, as recorded.
    pub model: String,
}

/// Partial dependence and ICE curves of every feature over `rows` (raw feature values), on
/// `grid` points per feature.
pub fn partial_dependence(
    model: &Model,
    rows: &Table,
    settings: &PdpSettings,
    progress: &dyn Progress,
) -> Result<PartialDependenceResult> {
    if rows.n_samples() == 0 {
        return Err(Error::Input("no rows to explain".into()));
    }
    if settings.grid < 2 {
        return Err(Error::Settings(format!(
            "--grid {}: partial dependence needs at least 2 grid points",
            settings.grid
        )));
    }
    let started = Instant::now();
    let x = model.to_input(rows.features.view())?;
    let predictor = model.input_predictor()?;
    // Every feature's curve predicts the model: prepare it once for all of them.
    let prepared = predictor.prepare();
    let predictor = prepared.as_deref().unwrap_or(predictor);
    let m = x.ncols();
    progress.start("pdp", Some(m as u64));
    let mut curves = Vec::with_capacity(m);
    for j in 0..m {
        curves.push(pd(predictor, x.view(), j, settings.grid)?);
        progress.advance(1);
    }
    progress.finish();
    let raw_grids = curves
        .iter()
        .enumerate()
        .map(|(j, c)| match model.scaler() {
            Some(s) => c.grid.iter().map(|&v| s.inverse_value(j, v)).collect(),
            None => c.grid.clone(),
        })
        .collect();
    Ok(PartialDependenceResult {
        curves,
        raw_grids,
        feature_names: rows.feature_names.clone(),
        row_ids: rows.row_ids.clone(),
        output: model.output_names().swap_remove(0),
        grid: settings.grid,
        seconds: started.elapsed().as_secs_f64(),
        model: recorded_model(model),
    })
}

impl PartialDependenceResult {
    /// Range (max - min) of feature `j`'s partial-dependence curve (output 0).
    pub fn range(&self, j: usize) -> f64 {
        let c = self.curves[j].average.column(0);
        c.iter().copied().fold(f64::NEG_INFINITY, f64::max)
            - c.iter().copied().fold(f64::INFINITY, f64::min)
    }

    /// Features by decreasing range (indices).
    pub fn order(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.curves.len()).collect();
        order.sort_by(|&a, &b| self.range(b).total_cmp(&self.range(a)));
        order
    }

    /// The `partial_dependence.json` record, naming `data` as the explained file.
    pub fn record(&self, data: &str) -> PartialDependenceRecord {
        PartialDependenceRecord {
            method: "pdp".into(),
            model: self.model.clone(),
            data: data.into(),
            n_rows: self.row_ids.len(),
            features: self.feature_names.clone(),
            output: self.output.clone(),
            grid: self.grid,
            ranked: self
                .order()
                .into_iter()
                .map(|j| (self.feature_names[j].clone(), self.range(j)))
                .collect(),
        }
    }

    /// Writes `partial_dependence.csv` (feature, grid_value, model_input, average), `ice.csv`
    /// (feature, row_id, grid_value, model_input, prediction), one plot per feature for the
    /// `max_display` features with the largest range, `partial_dependence.json` and
    /// `timings.json`.
    pub fn write(&self, dir: &Path, settings: &WriteSettings) -> Result<PartialDependenceRecord> {
        let names = &self.feature_names;
        let header = ["feature", "grid_value", "model_input", "average"].map(String::from);
        write_csv(
            &dir.join("partial_dependence.csv"),
            &header,
            self.curves.iter().enumerate().flat_map(|(j, c)| {
                (0..c.grid.len()).map(move |t| {
                    vec![
                        names[j].clone(),
                        num(self.raw_grids[j][t]),
                        num(c.grid[t]),
                        num(c.average[[t, 0]]),
                    ]
                })
            }),
        )?;
        self.write_ice(dir)?;
        for (rank, &j) in self
            .order()
            .iter()
            .take(settings.max_display.max(1))
            .enumerate()
        {
            self.plot(dir, rank, j)?;
        }
        let record = self.record(&settings.data);
        write_record(&dir.join("partial_dependence.json"), &record)?;
        Timings::one("curves", self.seconds).write(dir)?;
        Ok(record)
    }

    fn write_ice(&self, dir: &Path) -> Result<()> {
        let header = [
            "feature",
            "row_id",
            "grid_value",
            "model_input",
            "prediction",
        ]
        .map(String::from);
        write_csv(
            &dir.join("ice.csv"),
            &header,
            self.curves.iter().enumerate().flat_map(|(j, c)| {
                (0..self.row_ids.len()).flat_map(move |i| {
                    (0..c.grid.len()).map(move |t| {
                        vec![
                            self.feature_names[j].clone(),
                            self.row_ids[i].clone(),
                            num(self.raw_grids[j][t]),
                            num(c.grid[t]),
                            num(c.ice[[i, t, 0]]),
                        ]
                    })
                })
            }),
        )
    }

    /// The plot of feature `j`: ICE curves of up to 50 rows, faint, behind the average.
    fn plot(&self, dir: &Path, rank: usize, j: usize) -> Result<()> {
        let c = &self.curves[j];
        let name = &self.feature_names[j];
        let xs = self.raw_grids[j].clone();
        let n = self.row_ids.len();
        let step = (n / 50).max(1);
        let mut series: Vec<glassbox_plot::Series> = (0..n)
            .step_by(step)
            .map(|i| {
                let mut s = glassbox_plot::Series::new(
                    "",
                    xs.clone(),
                    (0..c.grid.len()).map(|t| c.ice[[i, t, 0]]).collect(),
                );
                s.faint = true;
                s
            })
            .collect();
        series.push(glassbox_plot::Series::new(
            "partial dependence",
            xs,
            c.average.column(0).to_vec(),
        ));
        glassbox_plot::line_chart(
            &series,
            &format!("Partial dependence — {name}"),
            name,
            &self.output,
            false,
        )?
        .save(&dir.join(format!("pdp_{rank:02}_{}", file_safe(name))))?;
        Ok(())
    }
}

/// A feature name as a file-name part.
fn file_safe(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}
