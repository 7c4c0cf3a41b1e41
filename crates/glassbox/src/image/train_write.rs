//! The run folder of a trained CNN: weights.safetensors and architecture.json (the network's
//! own files), metrics.json, history.csv, the training-history and confusion-matrix plots and
//! test_predictions.csv, and timings.json.

use std::path::Path;

use glassbox_models::nn::CnnEpochReport;

use super::ImageTraining;
use crate::Result;
use crate::records::{Timings, write_record};
use crate::run_dir::{num, write_csv};

impl ImageTraining {
    /// Writes the run folder into `dir` (created if missing).
    pub fn write(&self, dir: &Path) -> Result<()> {
        let m = &self.metrics;
        self.cnn.save(dir)?;
        write_record(&dir.join("metrics.json"), m)?;
        Timings::one("train", self.train_seconds)
            .with("per step", self.seconds_per_step)
            .write(dir)?;
        self.write_history(dir)?;
        glassbox_plot::confusion_matrix(
            &m.confusion_matrix,
            &m.class_names,
            &format!(
                "{} — test accuracy {:.1}% ({} images)",
                m.params.arch,
                100.0 * m.test_accuracy,
                m.n_test
            ),
        )?
        .save(&dir.join("confusion_matrix"))?;
        write_csv(
            &dir.join("test_predictions.csv"),
            &["file", "true_class", "predicted_class", "probability"].map(String::from),
            self.test.iter().map(|t| {
                vec![
                    t.file.display().to_string(),
                    m.class_names[t.label].clone(),
                    m.class_names[t.predicted].clone(),
                    num(t.probability as f64),
                ]
            }),
        )
    }

    /// `history.csv` and the training-history plot.
    fn write_history(&self, dir: &Path) -> Result<()> {
        let h = self.cnn.history();
        let opt = |v: Option<f64>| v.map(num).unwrap_or_default();
        write_csv(
            &dir.join("history.csv"),
            &[
                "epoch",
                "train_loss",
                "train_accuracy",
                "test_loss",
                "test_accuracy",
            ]
            .map(String::from),
            h.iter().map(|e| {
                vec![
                    e.epoch.to_string(),
                    num(e.train_loss),
                    num(e.train_accuracy),
                    opt(e.val_loss),
                    opt(e.val_accuracy),
                ]
            }),
        )?;
        let col = |f: fn(&CnnEpochReport) -> f64| h.iter().map(f).collect::<Vec<f64>>();
        let val =
            |f: fn(&CnnEpochReport) -> Option<f64>| h.iter().map(f).collect::<Option<Vec<f64>>>();
        let (vl, va) = (val(|e| e.val_loss), val(|e| e.val_accuracy));
        glassbox_plot::training_history(
            &col(|e| e.train_loss),
            &col(|e| e.train_accuracy),
            vl.as_deref(),
            va.as_deref(),
            &format!("{} training", self.metrics.params.arch),
        )?
        .save(&dir.join("training_history"))?;
        Ok(())
    }
}
