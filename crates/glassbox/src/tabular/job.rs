//! [`TableJob`]: a model and a table read for one run — the rows to explain, the pool their
//! background is drawn from, and the target column — shared by the command line and the demo,
//! so both select rows and backgrounds the same way.

use glassbox_core::Table;
use glassbox_data::RawTable;

use super::{
    ExplainSettings, Method, PartialDependenceResult, PdpSettings, PermutationResult,
    PermutationSettings, SplitSet, TabularExplanation,
};
use crate::{Error, Model, Progress, Result};

/// Which rows of the table a run explains.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Rows {
    /// Every row of the table.
    #[default]
    All,
    /// The run's training rows (the model must come from a run folder with `split.csv`, and
    /// the table must be the one it was trained on).
    Train,
    /// The run's held-out test rows (same conditions as `Train`).
    Test,
}

/// A model with the table it explains: every row of the model's feature columns (raw values)
/// and the rows selected by [`Rows`].
#[derive(Debug)]
pub struct TableJob {
    /// The model.
    pub model: Model,
    /// The table as read (for the target column of permutation importance).
    pub raw: RawTable,
    /// Every row of the table, the model's feature columns, raw values.
    pub table: Table,
    /// The rows explained.
    pub rows: Table,
}

impl TableJob {
    /// Takes the model's feature columns from `raw` (by name; by position without the `target`
    /// column for imported models without names) and selects `rows`.
    ///
    /// Errors when a feature column is missing, when `Train`/`Test` is asked of a model that
    /// is not a run folder or of a table it was not trained on, and when no row is selected.
    pub fn new(model: Model, raw: RawTable, target: Option<&str>, rows: Rows) -> Result<TableJob> {
        let table = model.feature_table(&raw, target)?;
        let selected = match rows {
            Rows::All => table.clone(),
            Rows::Train => super::split_rows(&model, &table, SplitSet::Train)?,
            Rows::Test => super::split_rows(&model, &table, SplitSet::Test)?,
        };
        if selected.n_samples() == 0 {
            return Err(Error::Input(format!(
                "{}: no rows to explain",
                raw.path().display()
            )));
        }
        Ok(TableJob {
            model,
            raw,
            table,
            rows: selected,
        })
    }

    /// Explains the selected rows with a per-row method ([`super::explain`]). When `settings`
    /// name no background pool and the method draws a background (or LIME's statistics), the
    /// pool is the run's training rows if this is the table the model was trained on, else the
    /// table's rows ([`super::background_pool`]).
    pub fn explain(
        &self,
        method: Method,
        settings: &ExplainSettings,
        progress: &dyn Progress,
    ) -> Result<TabularExplanation> {
        let needs_pool = method.uses_background() || method == Method::Lime;
        if needs_pool && settings.background_pool.is_none() {
            let settings = ExplainSettings {
                background_pool: Some(super::background_pool(&self.model, &self.table)?),
                ..settings.clone()
            };
            return super::explain(&self.model, &self.rows, method, &settings, progress);
        }
        super::explain(&self.model, &self.rows, method, settings, progress)
    }

    /// Permutation importance of the selected rows against the target column `target` (default:
    /// the glassbox model's own target).
    pub fn permutation_importance(
        &self,
        target: Option<&str>,
        settings: &PermutationSettings,
        progress: &dyn Progress,
    ) -> Result<PermutationResult> {
        let name = target.or(self.model.target_name()).ok_or_else(|| {
            Error::Settings(
                "permutation importance needs the target column; pass --target COLUMN".into(),
            )
        })?;
        let y = super::target_values(&self.raw, &self.rows, name)?;
        super::permutation_importance(&self.model, &self.rows, &y, settings, progress)
    }

    /// Partial dependence and ICE curves over the selected rows.
    pub fn partial_dependence(
        &self,
        settings: &PdpSettings,
        progress: &dyn Progress,
    ) -> Result<PartialDependenceResult> {
        super::partial_dependence(&self.model, &self.rows, settings, progress)
    }
}
