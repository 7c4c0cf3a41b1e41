//! The figures of a tabular explanation: which kinds there are ([`PlotKind`]), what they are
//! drawn from ([`FigureSource`]) and the one function that draws each ([`draw`]). `glassbox
//! explain` writes the default set with [`write_figures`]; `glassbox plot` redraws any kind from
//! a saved explanation ([`crate::tabular::SavedExplanation`]) through the same [`draw`], which
//! is why a re-plot has the same bytes as the run's figure.

use std::path::Path;

use rayon::prelude::*;

use glassbox_core::Explanation;
use glassbox_core::ndarray::ArrayView3;
use glassbox_plot::{Figure, HeatmapOrder};

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
    /// Rows × features matrix of values with the f(x) curve on top (`shap_heatmap`).
    Heatmap,
    /// Every row's force band side by side, x = rows, y = output (`shap_force_stacked`).
    ForceStacked,
    /// Mean |interaction value| per feature pair, main effects on the diagonal
    /// (`shap_interaction_matrix`; interaction runs).
    InteractionMatrix,
    /// A feature's main effect and its interaction with another, against its value
    /// (interaction runs; [`PlotOptions::feature`] and [`PlotOptions::with`] pick the pair).
    InteractionPair,
    /// Mean |value| per feature stacked by output (class), for models of several outputs
    /// (`shap_bar_classes`; drawn from every output, whatever the output asked for).
    BarClasses,
}

impl PlotKind {
    /// Every kind.
    pub const ALL: [PlotKind; 11] = [
        PlotKind::Bar,
        PlotKind::Beeswarm,
        PlotKind::Waterfall,
        PlotKind::Dependence,
        PlotKind::Force,
        PlotKind::Decision,
        PlotKind::Heatmap,
        PlotKind::ForceStacked,
        PlotKind::InteractionMatrix,
        PlotKind::InteractionPair,
        PlotKind::BarClasses,
    ];

    /// The kinds every run writes, in order ([`PlotKind::InteractionMatrix`] is added for
    /// interaction runs).
    pub const RUN: [PlotKind; 8] = [
        PlotKind::Bar,
        PlotKind::Beeswarm,
        PlotKind::Waterfall,
        PlotKind::Dependence,
        PlotKind::Force,
        PlotKind::Decision,
        PlotKind::Heatmap,
        PlotKind::ForceStacked,
    ];

    /// The name on the command line: `bar`, `beeswarm`, `waterfall`, `dependence`, `force`,
    /// `decision`, `heatmap`, `force-stacked`, `interaction-matrix`, `interaction-pair`,
    /// `bar-classes`.
    pub fn name(self) -> &'static str {
        match self {
            PlotKind::Bar => "bar",
            PlotKind::Beeswarm => "beeswarm",
            PlotKind::Waterfall => "waterfall",
            PlotKind::Dependence => "dependence",
            PlotKind::Force => "force",
            PlotKind::Decision => "decision",
            PlotKind::Heatmap => "heatmap",
            PlotKind::ForceStacked => "force-stacked",
            PlotKind::InteractionMatrix => "interaction-matrix",
            PlotKind::InteractionPair => "interaction-pair",
            PlotKind::BarClasses => "bar-classes",
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
        format!("shap_{}", self.name().replace('-', "_"))
    }
}

/// What the figures of one output are drawn from.
#[derive(Clone, Copy)]
pub struct FigureSource<'a> {
    /// Rows for the beeswarm, dependence and decision plots (every explained row, or a streamed
    /// run's sample).
    pub rows: &'a Explanation,
    /// Mean |value| per output and feature over every explained row, outputs × features (the
    /// bar plots; the dependence plot's default feature is the largest).
    pub mean_abs: &'a [Vec<f64>],
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
    /// Row order of the heatmap and the stacked force plot; `None`: clustered (similar rows
    /// side by side) up to [`glassbox_plot::hclust::MAX_CLUSTER_ROWS`] rows, by prediction
    /// beyond.
    pub order: Option<HeatmapOrder>,
    /// The interaction pair's second feature; `None`: the one interacting most with
    /// [`PlotOptions::feature`].
    pub with: Option<usize>,
}

impl PlotOptions {
    /// The options a run draws its figures with.
    pub fn default_for(settings: &WriteSettings) -> PlotOptions {
        PlotOptions {
            max_display: settings.max_display,
            feature: None,
            rows: None,
            order: None,
            with: None,
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
        PlotKind::Bar => glassbox_plot::shap_bar_means(rows, k, &source.mean_abs[k], max)?,
        PlotKind::Beeswarm => glassbox_plot::beeswarm(rows, k, max)?,
        PlotKind::Waterfall => glassbox_plot::waterfall_figure(one, row, number, k, max, prob)?,
        PlotKind::Force => glassbox_plot::force_figure(one, row, number, k, FORCE_LABELS, prob)?,
        PlotKind::Dependence => {
            // By default the most important feature that has values to plot (a group of
            // columns has none).
            let plottable: Vec<f64> = source.mean_abs[k]
                .iter()
                .enumerate()
                .map(|(j, &m)| {
                    if rows.data.column(j).iter().any(|v| v.is_finite()) {
                        m
                    } else {
                        f64::NEG_INFINITY
                    }
                })
                .collect();
            let feature = opts.feature.unwrap_or_else(|| largest(&plottable));
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
        PlotKind::Heatmap => glassbox_plot::heatmap(rows, k, max, order(rows, opts))?,
        PlotKind::BarClasses => {
            if rows.n_outputs() < 2 {
                return Err(Error::Settings(
                    "the bar-classes plot needs a model of several outputs (classes); use bar"
                        .into(),
                ));
            }
            glassbox_plot::shap_bar_multi_means(rows, source.mean_abs, max)?
        }
        PlotKind::ForceStacked => glassbox_plot::force_stacked(rows, k, order(rows, opts), prob)?,
        PlotKind::InteractionMatrix => {
            let iv = need_interactions(kind, source)?;
            let mean = glassbox_plot::interaction::mean_abs_interactions(iv);
            glassbox_plot::interaction_matrix(mean.view(), &rows.feature_names, max)?
        }
        PlotKind::InteractionPair => {
            let iv = need_interactions(kind, source)?;
            let i = opts.feature.unwrap_or_else(|| largest(&source.mean_abs[k]));
            let j = match opts.with {
                Some(j) => j,
                None => {
                    let mean = glassbox_plot::interaction::mean_abs_interactions(iv);
                    let off: Vec<f64> = (0..mean.ncols())
                        .map(|c| {
                            if c == i {
                                f64::NEG_INFINITY
                            } else {
                                mean[[i, c]]
                            }
                        })
                        .collect();
                    largest(&off)
                }
            };
            glassbox_plot::interaction_pair(rows, iv, i, j, k)?
        }
    };
    Ok(figure)
}

/// Index of the largest entry (the first on ties; 0 when empty).
fn largest(v: &[f64]) -> usize {
    (0..v.len())
        .max_by(|&a, &b| v[a].total_cmp(&v[b]).then(b.cmp(&a)))
        .unwrap_or(0)
}

/// The heatmap's and stacked force plot's row order: the one asked for, else clustered while
/// the rows are few enough to cluster, by prediction beyond.
fn order(rows: &Explanation, opts: &PlotOptions) -> HeatmapOrder {
    opts.order.unwrap_or(
        if rows.n_samples() <= glassbox_plot::hclust::MAX_CLUSTER_ROWS {
            HeatmapOrder::Clustered
        } else {
            HeatmapOrder::Prediction
        },
    )
}

/// The interaction values of an interaction run, or an error naming the plot.
fn need_interactions<'a>(kind: PlotKind, source: &FigureSource<'a>) -> Result<ArrayView3<'a, f64>> {
    source.interactions.ok_or_else(|| {
        Error::Settings(format!(
            "the {} plot needs interaction values: explain with --method interactions",
            kind.name()
        ))
    })
}

/// The [`PlotKind::RUN`] figures (and the interaction matrix of an interaction run) of output
/// `k` as PNG and SVG in `dir`, file names
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
    let mut kinds = PlotKind::RUN.to_vec();
    if source.interactions.is_some() {
        kinds.push(PlotKind::InteractionMatrix);
    }
    kinds
        .par_iter()
        .map(|&kind| {
            let figure = draw(kind, source, k, &opts)?;
            figure.save(&dir.join(format!("{}{suffix}", kind.file_stem())))?;
            Ok(())
        })
        .collect::<Result<Vec<()>>>()?;
    Ok(())
}

/// The figures of a run: per output [`write_figures`] (suffix `_outputK` with several
/// outputs), and for several outputs the per-class stacked bar `shap_bar_classes`.
/// `interactions` gives output `k`'s interaction values, shape (samples, features, features).
pub(crate) fn write_run_figures<'a>(
    dir: &Path,
    settings: &WriteSettings,
    source: &FigureSource<'a>,
    interactions: &dyn Fn(usize) -> Option<ArrayView3<'a, f64>>,
) -> Result<()> {
    let outputs = source.rows.n_outputs();
    for k in 0..outputs {
        let suffix = if outputs == 1 {
            String::new()
        } else {
            format!("_output{k}")
        };
        let of_k = FigureSource {
            interactions: interactions(k),
            ..*source
        };
        write_figures(dir, k, &suffix, settings, &of_k)?;
    }
    if outputs > 1 {
        let kind = PlotKind::BarClasses;
        draw(kind, source, 0, &PlotOptions::default_for(settings))?
            .save(&dir.join(kind.file_stem()))?;
    }
    Ok(())
}
