//! `glassbox plot`: redraws a figure of an explain run from its saved explanation, without
//! recomputing anything. With the run's settings the file has the same bytes as the run's own
//! figure.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use glassbox::tabular::{HeatmapOrder, PlotKind, SavedExplanation};

/// `--kind` of `glassbox plot`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    /// Mean |SHAP value| per feature.
    Bar,
    /// Every row's SHAP values, coloured by the feature's value.
    Beeswarm,
    /// One row (--row): arrows from the base value to the prediction.
    Waterfall,
    /// One feature (--feature, default the most important): its value against its SHAP value.
    Dependence,
    /// One row (--row) as shap's additive force band.
    Force,
    /// Many rows (--rows, default the first 100) as cumulative lines from base to prediction.
    Decision,
    /// Rows × features matrix of SHAP values with the prediction curve on top (--order).
    Heatmap,
    /// Every row's force band side by side: x = rows (--order), y = output.
    ForceStacked,
    /// Interaction runs: mean |interaction value| per feature pair, main effects on the diagonal.
    InteractionMatrix,
    /// Interaction runs: --feature's main effect and its interaction with --with (default: the
    /// strongest partner) against its value.
    InteractionPair,
    /// Models of several outputs: mean |SHAP value| per feature stacked by class.
    BarClasses,
}

impl From<KindArg> for PlotKind {
    fn from(k: KindArg) -> PlotKind {
        match k {
            KindArg::Bar => PlotKind::Bar,
            KindArg::Beeswarm => PlotKind::Beeswarm,
            KindArg::Waterfall => PlotKind::Waterfall,
            KindArg::Dependence => PlotKind::Dependence,
            KindArg::Force => PlotKind::Force,
            KindArg::Decision => PlotKind::Decision,
            KindArg::Heatmap => PlotKind::Heatmap,
            KindArg::ForceStacked => PlotKind::ForceStacked,
            KindArg::InteractionMatrix => PlotKind::InteractionMatrix,
            KindArg::InteractionPair => PlotKind::InteractionPair,
            KindArg::BarClasses => PlotKind::BarClasses,
        }
    }
}

/// Arguments of `glassbox plot`.
#[derive(Args, Debug, Clone)]
pub struct PlotArgs {
    /// Folder of a `glassbox explain` run (it holds saved_explanation.json and the .npy arrays).
    #[arg(long, value_name = "DIR")]
    pub explanation: PathBuf,
    /// The figure to draw.
    #[arg(long, value_enum)]
    pub kind: KindArg,
    /// Output file: FILE.png or FILE.svg.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Output (class) to draw: its name or 0-based index (default: the first).
    #[arg(long, value_name = "NAME")]
    pub output: Option<String>,
    /// Waterfall and force plots: the row, 0-based among the explained rows (default: the
    /// run's --row).
    #[arg(long)]
    pub row: Option<usize>,
    /// Decision plot: rows, 0-based among the explained rows, as a list of numbers and ranges
    /// (e.g. 0-49,100,120-129; default: the first 100).
    #[arg(long, value_name = "LIST")]
    pub rows: Option<String>,
    /// Dependence and interaction-pair plots: the feature (default: the largest mean |SHAP
    /// value|).
    #[arg(long, value_name = "NAME")]
    pub feature: Option<String>,
    /// Interaction-pair plot: the second feature (default: the one interacting most with
    /// --feature).
    #[arg(long, value_name = "NAME")]
    pub with: Option<String>,
    /// Heatmap and stacked force plot: row order — clustered (similar rows side by side; at
    /// most 2000 rows), prediction (largest first), given (as explained), shap:NAME (by a
    /// feature's SHAP value, largest first) or value:NAME (by its value, smallest first).
    /// Default: clustered up to 2000 rows, prediction beyond.
    #[arg(long, value_name = "ORDER")]
    pub order: Option<String>,
    /// Features shown; the rest are pooled (default: the run's --max-display).
    #[arg(long)]
    pub max_display: Option<usize>,
    /// Replace an existing output file.
    #[arg(long)]
    pub force: bool,
}

/// Which of the two formats `out` asks for.
fn is_svg(out: &Path) -> Result<bool> {
    match out.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("png") => Ok(false),
        Some(e) if e.eq_ignore_ascii_case("svg") => Ok(true),
        _ => bail!(
            "--out {}: expected a file name ending in .png or .svg",
            out.display()
        ),
    }
}

/// Parses a row list such as `0-49,100,120-129` (ranges inclusive) in the order given.
pub fn parse_rows(list: &str) -> Result<Vec<usize>> {
    let mut rows = Vec::new();
    for part in list.split(',').map(str::trim) {
        let number = |s: &str| {
            s.trim().parse::<usize>().with_context(|| {
                format!("--rows {list}: '{s}' is not a row number (expected e.g. 0-49,100)")
            })
        };
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (number(a)?, number(b)?);
                if a > b {
                    bail!("--rows {list}: the range {part} runs backwards");
                }
                rows.extend(a..=b);
            }
            None => rows.push(number(part)?),
        }
    }
    Ok(rows)
}

/// Parses `--order`: `clustered`, `prediction`, `given`, `shap:NAME` or `value:NAME`.
fn parse_order(order: &str, saved: &SavedExplanation) -> Result<HeatmapOrder> {
    Ok(match order {
        "clustered" => HeatmapOrder::Clustered,
        "prediction" => HeatmapOrder::Prediction,
        "given" => HeatmapOrder::Given,
        other => match other.split_once(':') {
            Some(("shap", name)) => HeatmapOrder::Feature(saved.feature_index(name)?),
            Some(("value", name)) => HeatmapOrder::FeatureValue(saved.feature_index(name)?),
            _ => bail!(
                "--order {other}: expected clustered, prediction, given, shap:FEATURE or \
                 value:FEATURE"
            ),
        },
    })
}

/// Runs `plot`; returns the written file.
pub fn run(args: &PlotArgs, quiet: bool) -> Result<PathBuf> {
    let svg = is_svg(&args.out)?;
    if args.out.exists() && !args.force {
        bail!(
            "output file {} exists; choose another --out or pass --force to replace it",
            args.out.display()
        );
    }
    let kind = PlotKind::from(args.kind);
    let one_row = matches!(kind, PlotKind::Waterfall | PlotKind::Force);
    if args.row.is_some() && !one_row {
        bail!("--row applies to --kind waterfall and force; use --rows with decision");
    }
    if args.rows.is_some() && kind != PlotKind::Decision {
        bail!("--rows applies to --kind decision");
    }
    if args.feature.is_some() && !matches!(kind, PlotKind::Dependence | PlotKind::InteractionPair) {
        bail!("--feature applies to --kind dependence and interaction-pair");
    }
    if args.with.is_some() && kind != PlotKind::InteractionPair {
        bail!("--with applies to --kind interaction-pair");
    }
    if args.order.is_some() && !matches!(kind, PlotKind::Heatmap | PlotKind::ForceStacked) {
        bail!("--order applies to --kind heatmap and force-stacked");
    }
    let saved = SavedExplanation::load(&args.explanation)?;
    let n = saved.explanation.n_samples();
    let k = match &args.output {
        Some(name) => saved.output_index(name)?,
        None => 0,
    };
    let mut opts = saved.plot_options();
    if let Some(m) = args.max_display {
        opts.max_display = m;
    }
    if let Some(name) = &args.feature {
        opts.feature = Some(saved.feature_index(name)?);
    }
    if let Some(name) = &args.with {
        opts.with = Some(saved.feature_index(name)?);
    }
    if let Some(order) = &args.order {
        opts.order = Some(parse_order(order, &saved)?);
    }
    if let Some(list) = &args.rows {
        let rows = parse_rows(list)?;
        if let Some(r) = rows.iter().find(|&&r| r >= n) {
            bail!(
                "--rows: row {r} out of range; the explanation has {n} rows (0-{})",
                n - 1
            );
        }
        opts.rows = Some(rows);
    }
    if let Some(r) = args.row.filter(|&r| r >= n) {
        bail!(
            "--row {r} out of range; the explanation has {n} rows (0-{})",
            n.saturating_sub(1)
        );
    }
    let figure = saved.draw(kind, k, args.row, &opts)?;
    let written = if svg {
        figure.save_svg(&args.out)
    } else {
        figure.save_png(&args.out)
    };
    written.with_context(|| format!("cannot write {}", args.out.display()))?;
    if !quiet {
        eprintln!("{} plot -> {}", kind.name(), args.out.display());
    }
    Ok(args.out.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_lists_are_numbers_and_inclusive_ranges_in_order() {
        assert_eq!(parse_rows("3").unwrap(), [3]);
        assert_eq!(parse_rows("0-2, 7,5-6").unwrap(), [0, 1, 2, 7, 5, 6]);
        for bad in ["", "a", "3-1", "1-", "-2", "1,,2"] {
            assert!(parse_rows(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_png_and_svg_are_written() {
        assert!(!is_svg(Path::new("a.PNG")).unwrap());
        assert!(is_svg(Path::new("dir/a.svg")).unwrap());
        for bad in ["a", "a.jpg", "a.png.txt"] {
            assert!(is_svg(Path::new(bad)).is_err(), "{bad}");
        }
    }
}
