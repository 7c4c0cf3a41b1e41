//! The figures of a tabular explanation: which kinds there are ([`PlotKind`]), what they are
//! drawn from ([`FigureSource`]) and the one function that draws each ([`draw`]). `glassbox
//! explain` writes the default set with [`write_figures`]; `glassbox plot` redraws any kind from
//! a saved explanation ([`crate::tabular::SavedExplanation`]) through the same [`draw`], which
//! is why a re-plot has the same bytes as the run's figure.

use std::path::Path;

use rayon::prelude::*;

use glassbox_core::Explanation;
use glassbox_core::ndarray::ArrayView3;
use glassbox_plot::Figure;

use super::WriteSettings;
use crate::{Error, Result};

/// Rows drawn in a run's decision plot: the first this many explained rows (a decision plot
/// of more lines is unreadable; `glassbox plot --kind decision --rows` draws others).
pub const DECISION_ROWS: usize = 100;

/// Contributions labelled in the force plot.
pub const FORCE_LABELS: usize = 6;

/// A kind of figure of a tabular explanation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlotKind {
    /// Mean |value| per feature (`shap_bar`).
    Bar,
    /// One dot per row and feature, coloured by the feature's value (`shap_beeswarm`).
    Beeswarm,
    /// One row's contributions from the base value to f(x), as arrows (`shap_waterfall`).
    Waterfall,
    /// A feature's value against its SHAP value (`shap_dependence`).
    Dependence,
    /// One row's contributions as shap's additive force band (`shap_force`).
    Force,
    /// Cumulative contributions of many rows, one line each (`shap_decision`).
    Decision,
}

impl PlotKind {
    /// Every kind, in the order a run writes them.
    pub const ALL: [PlotKind; 6] = [
        PlotKind::Bar,
        PlotKind::Beeswarm,
        PlotKind::Waterfall,
        PlotKind::Dependence,
        PlotKind::Force,
        PlotKind::Decision,
    ];

    /// The name on the command line: `bar`, `beeswarm`, `waterfall`, `dependence`, `force`,
    /// `decision`.
    pub fn name(self) -> &'static str {
        match self {
            PlotKind::Bar => "bar",
            PlotKind::Beeswarm => "beeswarm",
            PlotKind::Waterfall => "waterfall",
            PlotKind::Dependence => "dependence",
            PlotKind::Force => "force",
            PlotKind::Decision => "decision",
        }
    }

    /// The kind named `name`; the error lists the valid names.
    pub fn parse(name: &str) -> Result<PlotKind> {
        PlotKind::ALL
            .into_iter()
            .find(|k| k.name() == name)
            .ok_or_else(|| {
                Error::Settings(format!(
                    "unknown plot kind '{name}'; expected one of: {}",
                    PlotKind::ALL.map(PlotKind::name).join(", ")
                ))
            })
    }

    /// The file stem a run writes the figure under (before `_outputK` and the extension):
    /// `shap_bar`, `shap_beeswarm`, ...
    pub fn file_stem(self) -> String {
        format!("shap_{}", self.name())
    }
}

/// What the figures of one output are drawn from.
pub struct FigureSource<'a> {
    /// Rows for the beeswarm, dependence and decision plots (every explained row, or a streamed
    /// run's sample).
    pub rows: &'a Explanation,
    /// Mean |value| per feature over every explained row, length features (the bar plot; the
    /// dependence plot's default feature is the largest).
    pub mean_abs: &'a [f64],
    /// The waterfall and force plots' row: an explanation, the row in it, and the row's number
    /// in the table (the title).
    pub one_row: (&'a Explanation, usize, usize),
    /// Interaction values of the output, shape (samples, features, features) matching `rows`,
    /// to colour the dependence plot by the strongest interaction.
    pub interactions: Option<ArrayView3<'a, f64>>,
    /// The outputs are a binary classifier's margins (log-odds): the waterfall, force and
    /// decision plots label their axis in probabilities (the geometry stays in margins).
    pub probability_axis: bool,
}

/// Choices of one figure; [`PlotOptions::default_for`] gives what a run draws.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlotOptions {
    /// Features shown (the rest pooled into one bar / row).
    pub max_display: usize,
    /// The dependence plot's feature; `None`: the one with the largest mean |value|.
    pub feature: Option<usize>,
    /// The decision plot's rows (indices into [`FigureSource::rows`]); `None`: the first
    /// [`DECISION_ROWS`].
    pub rows: Option<Vec<usize>>,
}

impl PlotOptions {
    /// The options a run draws its figures with.
    pub fn default_for(settings: &WriteSettings) -> PlotOptions {
        PlotOptions {
            max_display: settings.max_display,
            feature: None,
            rows: None,
        }
    }
}

/// Draws figure `kind` of output `k` from `source`.
///
/// Errors name the plot and what is wrong (an output, row or feature out of range, non-finite
/// values).
pub fn draw(
    kind: PlotKind,
    source: &FigureSource<'_>,
    k: usize,
    opts: &PlotOptions,
) -> Result<Figure> {
    let max = opts.max_display;
    let rows = source.rows;
    let (one, row, number) = source.one_row;
    let prob = source.probability_axis;
    let figure = match kind {
        PlotKind::Bar => glassbox_plot::shap_bar_means(rows, k, source.mean_abs, max)?,
        PlotKind::Beeswarm => glassbox_plot::beeswarm(rows, k, max)?,
        PlotKind::Waterfall => glassbox_plot::waterfall_figure(one, row, number, k, max, prob)?,
        PlotKind::Force => glassbox_plot::force_figure(one, row, number, k, FORCE_LABELS, prob)?,
        PlotKind::Dependence => {
            let feature = match opts.feature {
                Some(j) => j,
                None => (0..source.mean_abs.len())
                    .max_by(|&a, &b| source.mean_abs[a].total_cmp(&source.mean_abs[b]))
                    .unwrap_or(0),
            };
            glassbox_plot::dependence(
                rows,
                feature,
                k,
                glassbox_plot::ColorBy::Auto,
                source.interactions,
            )?
        }
        PlotKind::Decision => {
            let first: Vec<usize>;
            let chosen = match &opts.rows {
                Some(r) => r.as_slice(),
                None => {
                    first = (0..rows.n_samples().min(DECISION_ROWS)).collect();
                    &first
                }
            };
            glassbox_plot::decision(rows, chosen, k, max, prob)?
        }
    };
    Ok(figure)
}

/// Every [`PlotKind`] of output `k` as PNG and SVG in `dir`, file names
/// `shap_<kind><suffix>.png|.svg`, laid out, rendered and written in parallel (each file
/// atomically; the run folder is staged, so a failure leaves nothing).
pub(crate) fn write_figures(
    dir: &Path,
    k: usize,
    suffix: &str,
    settings: &WriteSettings,
    source: &FigureSource<'_>,
) -> Result<()> {
    let opts = PlotOptions::default_for(settings);
    PlotKind::ALL
        .par_iter()
        .map(|&kind| {
            let figure = draw(kind, source, k, &opts)?;
            figure.save(&dir.join(format!("{}{suffix}", kind.file_stem())))?;
            Ok(())
        })
        .collect::<Result<Vec<()>>>()?;
    Ok(())
}
