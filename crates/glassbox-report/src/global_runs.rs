//! Sections for the global explanation runs of `glassbox explain`: permutation importance (a
//! folder with `importance.json` and `permutation_importance.png`) and partial dependence / ICE
//! (a folder with `partial_dependence.csv` and one `pdp_NN_<feature>.png` per feature, `NN` the
//! feature's rank).

use std::path::Path;

use crate::runs::read_run_record;
use glassbox::records::tabular::{ImportanceRecord, PartialDependenceRecord};

use crate::document::{Figure, Note, Section, Table};
use crate::error::ReportError;
use crate::runs::{format_number, require};

const PERMUTATION_WHY: &str =
    "`glassbox explain --method permutation` writes it with importance.json";
const PDP_WHY: &str = "`glassbox explain --method pdp` writes it with partial_dependence.csv";

/// Features listed in the permutation table (the plot shows as many as were asked for).
const TABLE_ROWS: usize = 15;
/// Partial-dependence plots shown in the page; the others stay in the folder.
const PDP_SHOWN: usize = 4;

/// True for a permutation-importance run folder.
pub(crate) fn is_permutation_run(dir: &Path) -> bool {
    dir.join("importance.json").is_file()
}

/// True for a partial-dependence run folder.
pub(crate) fn is_pdp_run(dir: &Path) -> bool {
    dir.join("partial_dependence.csv").is_file()
}

/// The section of a permutation-importance run.
pub(crate) fn permutation_section(dir: &Path, name: &str) -> Result<Section, ReportError> {
    let path = dir.join("importance.json");
    let s: ImportanceRecord =
        read_run_record(&path, "permutation importance summary (importance.json)")?;
    let plot = require(dir, "permutation_importance.png", PERMUTATION_WHY)?;
    let score = if s.scoring == "accuracy" {
        "accuracy"
    } else {
        "R²"
    };
    let repeats = s.repeats;
    let mut section = Section::new(format!("Permutation importance run {name}"));
    section = section.text(format!(
        "Permutation importance (Breiman 2001) measures how much the model's {score} on the \
         explained rows drops when one feature's column is shuffled, which breaks its link to \
         the target while keeping its distribution. Each feature was shuffled {repeats} times; \
         the bar is the mean drop and the whisker its standard deviation. Unlike SHAP values it \
         is a global measure: one number per feature for the whole data set."
    ));
    section = section.figure(
        Figure::from_file(format!("Permutation importance (drop in {score})"), &plot)?
            .shows(format!(
                "One bar per feature, the largest drop in {score} on top, with the spread over \
                 the shuffles."
            ))
            .how_to_read(
                "A long bar: the model relies on that feature. A bar near zero: shuffling it \
                 changes nothing, so the model does not use it (or another feature carries the \
                 same information; correlated features share and hide each other's importance).",
            ),
    );
    let mut table = Table::grid(
        "Importance per feature",
        ["feature", "mean drop", "standard deviation"],
    );
    let rows = &s.importances;
    for (feature, mean, std) in rows.iter().take(TABLE_ROWS) {
        table = table.cells([feature.clone(), format_number(*mean), format_number(*std)]);
    }
    section = section.table(table);
    if rows.len() > TABLE_ROWS {
        section = section.note(Note::info(format!(
            "{} more features are in permutation_importance.csv.",
            rows.len() - TABLE_ROWS
        )));
    }
    let settings = Table::key_value("Settings")
        .row("score", score.to_string())
        .row("repeats per feature", repeats.to_string())
        .row(
            format!("{score} before shuffling"),
            format_number(s.baseline),
        );
    Ok(section.table(settings))
}

/// The section of a partial-dependence run: the first [`PDP_SHOWN`] plots by rank.
pub(crate) fn pdp_section(
    dir: &Path,
    name: &str,
    files: &[(String, u64)],
) -> Result<Section, ReportError> {
    let plots: Vec<&str> = files
        .iter()
        .map(|(f, _)| f.as_str())
        .filter(|f| f.starts_with("pdp_") && f.ends_with(".png"))
        .collect();
    if plots.is_empty() {
        require(dir, "pdp_00_<feature>.png", PDP_WHY)?;
    }
    let mut section = Section::new(format!("Partial dependence run {name}"));
    section = section.text(
        "Partial dependence (Friedman 2001) shows how the model's prediction changes, on \
         average, when one feature is moved over its range while every other feature keeps \
         its value in each row; the thin grey lines are the same curve for single rows \
         (individual conditional expectation, ICE). The features are ordered by how much \
         their curve moves the prediction.",
    );
    for file in plots.iter().take(PDP_SHOWN) {
        let feature = file
            .trim_end_matches(".png")
            .splitn(3, '_')
            .nth(2)
            .unwrap_or(file)
            .replace('_', " ");
        section = section.figure(
            Figure::from_file(format!("Partial dependence: {feature}"), &dir.join(file))?
                .shows(format!(
                    "The prediction against {feature}: the blue line is the average over the \
                     explained rows (partial dependence), each grey line one row (ICE)."
                ))
                .how_to_read(
                    "A steep part of the blue line is where the feature matters most. Grey \
                     lines that are parallel mean the feature acts the same way in every row; \
                     lines that cross or fan out mean it interacts with other features.",
                ),
        );
    }
    // Runs written since partial_dependence.json exists record their settings.
    let record = dir.join("partial_dependence.json");
    if record.is_file() {
        let r: PartialDependenceRecord = read_run_record(
            &record,
            "partial dependence summary (partial_dependence.json)",
        )?;
        section = section.table(
            Table::key_value("Settings")
                .row("model file", r.model)
                .row("data file", r.data)
                .row("rows (one ICE curve each)", r.n_rows.to_string())
                .row("output", r.output)
                .row("grid points per feature", r.grid.to_string()),
        );
    }
    if plots.len() > PDP_SHOWN {
        section = section.note(Note::info(format!(
            "The plots of the other {} features are in the folder, and every curve's values in \
             partial_dependence.csv.",
            plots.len() - PDP_SHOWN
        )));
    }
    Ok(section)
}
