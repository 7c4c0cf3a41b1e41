//! `glassbox explain` with the global methods: permutation importance and partial dependence /
//! ICE, which write their own CSVs, plots and records.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use glassbox::Model;
use glassbox::core::Table;
use glassbox::run_dir::{Staging, final_path};
use glassbox::tabular::{self, Method, PdpSettings, PermutationSettings, WriteSettings};
use glassbox_data::RawTable;

use crate::progress::Bars;

/// The model, the table and the rows to explain.
pub struct Loaded {
    /// The model.
    pub model: Model,
    /// The table as read.
    pub raw: RawTable,
    /// Every row of the table, the model's feature columns (raw values).
    pub table: Table,
    /// The rows explained (`--rows`).
    pub rows: Table,
}

impl Loaded {
    /// The target column for permutation importance: `--target`, else the glassbox model's.
    fn target(&self, target: Option<&str>) -> Result<Vec<f64>> {
        let name = target
            .or(self.model.target_name())
            .context("permutation importance needs the target column; pass --target COLUMN")?;
        Ok(tabular::target_values(&self.raw, &self.rows, name)?)
    }
}

/// Settings of the global methods.
pub struct GlobalSettings {
    /// The method (permutation or pdp).
    pub method: Method,
    /// The target column named by `--target`.
    pub target: Option<String>,
    /// Permutation importance.
    pub permutation: PermutationSettings,
    /// Partial dependence.
    pub pdp: PdpSettings,
    /// Plots and records.
    pub write: WriteSettings,
}

/// Runs permutation importance or partial dependence, writes their files and commits
/// `staging`; returns the output folder.
pub fn run_global(
    loaded: &Loaded,
    settings: GlobalSettings,
    staging: Staging,
    quiet: bool,
) -> Result<PathBuf> {
    let progress = Bars::new(quiet);
    let data = &settings.write.data;
    let seconds = match settings.method {
        Method::Permutation => {
            let y = loaded.target(settings.target.as_deref())?;
            let result = tabular::permutation_importance(
                &loaded.model,
                &loaded.rows,
                &y,
                &settings.permutation,
                &progress,
            )
            .with_context(|| data.clone())?;
            result.write(staging.dir(), &settings.write)?;
            result.seconds
        }
        Method::Pdp => {
            let result =
                tabular::partial_dependence(&loaded.model, &loaded.rows, &settings.pdp, &progress)?;
            result.write(staging.dir(), &settings.write)?.seconds
        }
        other => bail!("{other} is not a global method"),
    };
    let dir = staging.commit()?;
    if !quiet {
        eprintln!(
            "{}: {} rows x {} features in {seconds:.2} s -> {}",
            settings.method,
            loaded.rows.n_samples(),
            loaded.rows.n_features(),
            final_path(&dir).display()
        );
    }
    Ok(dir)
}
