//! `glassbox explain` with the global methods: permutation importance and partial dependence /
//! ICE, which write their own CSVs, plots and records.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use glassbox::run_dir::{Staging, final_path};
use glassbox::tabular::{Method, PdpSettings, PermutationSettings, TableJob, WriteSettings};

use crate::progress::Bars;

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
    job: &TableJob,
    settings: GlobalSettings,
    staging: Staging,
    quiet: bool,
) -> Result<PathBuf> {
    let progress = Bars::new(quiet);
    let data = &settings.write.data;
    let seconds = match settings.method {
        Method::Permutation => {
            let result = job
                .permutation_importance(
                    settings.target.as_deref(),
                    &settings.permutation,
                    &progress,
                )
                .with_context(|| data.clone())?;
            result.write(staging.dir(), &settings.write)?;
            result.seconds
        }
        Method::Pdp => {
            let result = job.partial_dependence(&settings.pdp, &progress)?;
            result.write(staging.dir(), &settings.write)?;
            result.seconds
        }
        other => bail!("{other} is not a global method"),
    };
    let dir = staging.commit()?;
    if !quiet {
        eprintln!(
            "{}: {} rows x {} features in {seconds:.2} s -> {}",
            settings.method,
            job.rows.n_samples(),
            job.rows.n_features(),
            final_path(&dir).display()
        );
    }
    Ok(dir)
}
