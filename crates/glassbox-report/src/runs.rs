//! Reading run folders written by `glassbox train` and `glassbox explain` into report sections.
//!
//! A folder is recognised by its marker files: `metrics.json` (a training run) and/or
//! `explanation.json` (an explanation run). A regression training run must also hold
//! `model.json` and `measured_vs_predicted.png`, and a SHAP explanation run at least one
//! `shap_bar*.png`, because the commands always write them: a missing one means the folder was
//! damaged or is not what the user thinks. Beyond that the reader is tolerant: every known
//! figure that exists is shown with its explanation, unknown PNGs are shown generically, and
//! metrics files of other shapes are shown as key/value tables.
//!
//! The image runs of `glassbox image train` (a `metrics.json` with `test_accuracy`) and
//! `glassbox image explain` (a `summary.json` with a `method`) get their own sections, built in
//! [`crate::image_runs`].

use std::path::{Path, PathBuf};

use glassbox::models::saved::TrainingInfo;
use glassbox::records::read_record;
use glassbox::records::tabular::{ExplanationRecord, TrainMetrics};
use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::document::{Figure, Note, Section, Table};
use crate::error::ReportError;
use crate::figures::describe_figure;
use crate::global_runs;
use crate::image_explain_runs;
use crate::image_runs;

/// Formats a number for a table: up to 6 significant digits, scientific for very large or small
/// magnitudes.
pub fn format_number(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    if x == 0.0 {
        return "0".into();
    }
    let a = x.abs();
    if !(1e-3..1e7).contains(&a) {
        return format!("{x:.3e}");
    }
    if x.fract() == 0.0 {
        return format!("{x:.0}");
    }
    let digits = a.log10().floor() as i32 + 1;
    let decimals = (6 - digits).clamp(0, 9) as usize;
    let s = format!("{x:.decimals$}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

fn folder_name(dir: &Path) -> String {
    let named = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty() && n != "." && n != "..");
    named.unwrap_or_else(|| {
        std::fs::canonicalize(dir)
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| dir.display().to_string())
    })
}

/// Reads the typed run record at `path`; a file that does not match its record (a missing,
/// renamed or unknown field, a wrong type) is a [`ReportError::BadJson`] naming the file, what
/// it should be (`what`) and the field.
pub(crate) fn read_run_record<T: serde::de::DeserializeOwned>(
    path: &Path,
    what: &str,
) -> Result<T, ReportError> {
    read_record(path).map_err(|e| match e {
        glassbox::Error::Record { path, message } => ReportError::BadJson {
            path,
            what: what.into(),
            message,
        },
        other => other.into(),
    })
}

/// The parts of `model.json` the report shows; the (large) model itself is skipped unread.
/// Every field a glassbox model file has is required (a renamed one is an error naming it).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelHead {
    #[allow(dead_code)]
    format: IgnoredAny,
    #[allow(dead_code)]
    version: IgnoredAny,
    #[serde(default)]
    #[allow(dead_code)]
    glassbox_version: Option<IgnoredAny>,
    feature_names: Vec<String>,
    target_name: String,
    #[allow(dead_code)]
    scaler: IgnoredAny,
    #[allow(dead_code)]
    model: ModelKindOnly,
    training: TrainingInfo,
}

/// The model payload's `kind` (its other fields depend on the kind and are skipped).
#[derive(Deserialize)]
struct ModelKindOnly {
    #[allow(dead_code)]
    kind: String,
}

/// Only the `format` field, checked before the rest is read strictly.
#[derive(Deserialize)]
struct FormatOnly {
    format: Option<String>,
}

fn read_model_head(path: &Path) -> Result<ModelHead, ReportError> {
    let text = std::fs::read_to_string(path).map_err(|source| ReportError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let bad = |message: String| ReportError::BadJson {
        path: path.to_path_buf(),
        what: "glassbox model file".into(),
        message,
    };
    let format: FormatOnly = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
    if format.format.as_deref() != Some("glassbox-model") {
        return Err(bad("\"format\" is not \"glassbox-model\"".into()));
    }
    serde_json::from_str(&text).map_err(|e| bad(e.to_string()))
}

pub(crate) fn require(dir: &Path, file: &str, why: &str) -> Result<PathBuf, ReportError> {
    let path = dir.join(file);
    if path.is_file() {
        Ok(path)
    } else {
        Err(ReportError::MissingFile {
            dir: dir.to_path_buf(),
            file: file.into(),
            why: why.into(),
        })
    }
}

/// The files of a folder, sorted by name (sub-folders left out).
fn list_files(dir: &Path) -> Result<Vec<(String, u64)>, ReportError> {
    let read_err = |source| ReportError::Read {
        path: dir.to_path_buf(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_err)? {
        let entry = entry.map_err(read_err)?;
        let meta = entry.metadata().map_err(read_err)?;
        if meta.is_file() {
            files.push((entry.file_name().to_string_lossy().into_owned(), meta.len()));
        }
    }
    files.sort();
    Ok(files)
}

fn is_run_dir(dir: &Path) -> bool {
    dir.join("metrics.json").is_file()
        || dir.join("explanation.json").is_file()
        || image_runs::is_explain_summary(&dir.join("summary.json"))
        || global_runs::is_permutation_run(dir)
        || global_runs::is_pdp_run(dir)
}

/// The run folders `dir` stands for: itself when it is a run (or missing, or not a folder, so
/// that [`run_section`] reports it), else its immediate sub-folders that are runs, in name
/// order; itself again when it has none (and [`run_section`] says it is not a run).
pub fn expand_run_dir(dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    if !dir.is_dir() || is_run_dir(dir) {
        return Ok(vec![dir.to_path_buf()]);
    }
    let read_err = |source| ReportError::Read {
        path: dir.to_path_buf(),
        source,
    };
    let mut runs = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_err)? {
        let path = entry.map_err(read_err)?.path();
        if path.is_dir() && is_run_dir(&path) {
            runs.push(path);
        }
    }
    runs.sort();
    if runs.is_empty() {
        runs.push(dir.to_path_buf());
    }
    Ok(runs)
}

/// Builds the report section for one run folder.
///
/// Errors name the folder and the file: the folder does not exist, holds none of
/// `metrics.json`, `explanation.json` and (from `glassbox image explain`) `summary.json`, lacks
/// a file its kind of run always writes, or has a JSON or PNG file that does not parse.
pub fn run_section(dir: &Path) -> Result<Section, ReportError> {
    if !dir.exists() {
        return Err(ReportError::RunDirMissing {
            dir: dir.to_path_buf(),
        });
    }
    if !dir.is_dir() {
        return Err(ReportError::NotAFolder {
            dir: dir.to_path_buf(),
        });
    }
    let files = list_files(dir)?;
    let has = |name: &str| files.iter().any(|(f, _)| f == name);
    let is_train = has("metrics.json");
    let is_explain = has("explanation.json");
    let is_image_explain = !is_train && !is_explain && has("summary.json");
    let name = folder_name(dir);
    if !is_train && !is_explain && !is_image_explain {
        let section = if global_runs::is_permutation_run(dir) {
            global_runs::permutation_section(dir, &name)?
        } else if global_runs::is_pdp_run(dir) {
            global_runs::pdp_section(dir, &name, &files)?
        } else {
            return Err(ReportError::NotARun {
                dir: dir.to_path_buf(),
            });
        };
        return Ok(finish(dir, section, &files, &[]));
    }
    if is_image_explain {
        let (section, folders) = image_explain_runs::explain_section(dir, &name)?;
        return Ok(finish(dir, section, &files, &folders));
    }
    if is_train && !is_explain && image_runs::is_training_run(dir) {
        let section = image_runs::training_section(dir, &name)?;
        return Ok(finish(dir, section, &files, &[]));
    }
    let title = match (is_train, is_explain) {
        (true, true) => format!("Run {name}"),
        (true, false) => format!("Training run {name}"),
        _ => format!("Explanation run {name}"),
    };
    let mut section = Section::new(title);
    if is_train {
        // Not an image training run: a `glassbox train` run, read strictly through its
        // typed record (an unknown metrics.json is an error naming the file and field).
        section = training_blocks(dir, section)?;
    }
    if is_explain {
        section = explain_blocks(dir, section, &files)?;
    }
    section = figure_blocks(dir, section, &files)?;
    Ok(finish(dir, section, &files, &[]))
}

/// Ends a run's section with the listing of its files (and of its sub-folders with their file
/// counts) and the folder's path.
fn finish(
    dir: &Path,
    section: Section,
    files: &[(String, u64)],
    folders: &[(String, usize)],
) -> Section {
    let mut listing = Table::grid("Files in this folder", ["file", "size"]);
    for (f, size) in files {
        // Its size changes with the digits of the durations it records; the page does not.
        let size = if f == glassbox::records::TIMINGS_FILE {
            "wall-clock durations".to_string()
        } else {
            format_size(*size)
        };
        listing = listing.cells([f.clone(), size]);
    }
    for (folder, n) in folders {
        let count = if *n == 1 {
            "1 file".into()
        } else {
            format!("{n} files")
        };
        listing = listing.cells([folder.clone(), count]);
    }
    section
        .table(listing)
        .note(Note::info(format!("Folder: {}", dir.display())))
}

fn format_size(bytes: u64) -> String {
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < 1024 * 1024 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0)),
    }
}

/// A `glassbox train` run, read through [`TrainMetrics`] and the model file's head.
fn training_blocks(dir: &Path, mut section: Section) -> Result<Section, ReportError> {
    let why = "`glassbox train` writes it with metrics.json";
    // The record first: a metrics.json of no known kind is named as such, field and all.
    let metrics: TrainMetrics =
        read_run_record(&dir.join("metrics.json"), "metrics file (metrics.json)")?;
    let model_path = require(dir, "model.json", why)?;
    require(dir, "measured_vs_predicted.png", why)?;
    let head = read_model_head(&model_path)?;
    let (target, model) = (&metrics.target, &metrics.model);
    let r2 = metrics.test.r2;
    section = section.text(format!(
        "A {model} model trained to predict {target} from {} features. It was fitted on the \
         training rows only and then scored on held-out test rows it had never seen; on those, \
         it explains {} of the variation in {target} (R² = {}).",
        head.feature_names.len(),
        percent(r2),
        format_number(r2)
    ));
    let (train, test) = (&metrics.train, &metrics.test);
    let grid = Table::grid("Model quality", ["metric", "train", "test"])
        .cells([
            "R² (1 = perfect)".to_string(),
            format_number(train.r2),
            format_number(test.r2),
        ])
        .cells([
            "RMSE (target units)".to_string(),
            format_number(train.rmse),
            format_number(test.rmse),
        ])
        .cells([
            "MAE (target units)".to_string(),
            format_number(train.mae),
            format_number(test.mae),
        ])
        .cells([
            "rows".to_string(),
            format_number(train.n as f64),
            format_number(test.n as f64),
        ]);
    let t = &head.training;
    let settings = Table::key_value("Settings")
        .row("model", model.clone())
        .row("target", target.clone())
        .row("features", head.feature_names.len().to_string())
        .row("seed", format_number(t.seed as f64))
        .row("test fraction", format_number(t.test_fraction))
        .row("training rows", format_number(t.n_train as f64))
        .row("test rows", format_number(t.n_test as f64))
        .row("data file", t.data_file.clone());
    section = section.table(grid).table(settings);
    if head.target_name != *target {
        section = section.note(Note::warning(format!(
            "metrics.json names the target {target} but model.json {}: the folder mixes two runs.",
            head.target_name
        )));
    }
    if r2 < 0.5 {
        section = section.note(Note::warning(format!(
            "The test R² is {}: the model explains little of the variation, so its \
             explanations describe a poor model and should not be trusted as statements about \
             the data.",
            format_number(r2)
        )));
    }
    Ok(section)
}

fn percent(x: f64) -> String {
    if !x.is_finite() {
        return "an unknown share".into();
    }
    let p = 100.0 * x;
    if p > 99.99 && p < 100.0 {
        "more than 99.99%".into()
    } else {
        format!("{}%", format_number((p * 100.0).round() / 100.0))
    }
}

fn explain_blocks(
    dir: &Path,
    mut section: Section,
    files: &[(String, u64)],
) -> Result<Section, ReportError> {
    let e: ExplanationRecord = read_run_record(
        &dir.join("explanation.json"),
        "explanation summary (explanation.json)",
    )?;
    if !files
        .iter()
        .any(|(f, _)| f.starts_with("shap_bar") && f.ends_with(".png"))
    {
        return Err(ReportError::MissingFile {
            dir: dir.to_path_buf(),
            file: "shap_bar.png".into(),
            why: "`glassbox explain` writes it with explanation.json".into(),
        });
    }
    let (method, output) = (&e.method, &e.output);
    section = section.text(format!(
        "Explanations of the model's predictions for {output} by {method}. A SHAP value is one \
         feature's share of one prediction: for every row, the average prediction (the base \
         value) plus the row's SHAP values gives exactly the model's prediction for that row."
    ));
    if let Some((top, _)) = e.mean_abs_shap.first() {
        section = section.text(format!(
            "The feature with the largest average effect is {top}."
        ));
    }
    let settings = Table::key_value("Settings")
        .row("method", method.clone())
        .row("model file", e.model.clone())
        .row("data file", e.data.clone())
        .row("rows explained", format_number(e.n_rows as f64))
        .row("output", output.clone())
        .row("base value E[f(X)]", format_number(e.base_value))
        .row("features", e.features.len().to_string());
    section = section.table(settings);
    let mut check = Table::key_value("Check");
    if let Some(tol) = e.local_accuracy_rtol {
        let err = e.local_accuracy_max_rel_error;
        check = check
            .row(
                "base + sum of SHAP = prediction",
                if err <= tol {
                    "checked on every row"
                } else {
                    "FAILED"
                },
            )
            .row("largest relative error", format_number(err))
            .row("tolerance", format_number(tol));
    }
    if !check.rows.is_empty() {
        section = section.table(check);
    }
    if !e.mean_abs_shap.is_empty() {
        let mut top = Table::grid("Most important features", ["#", "feature", "mean |SHAP|"]);
        for (i, (f, v)) in e.mean_abs_shap.iter().take(12).enumerate() {
            top = top.cells([(i + 1).to_string(), f.clone(), format_number(*v)]);
        }
        section = section.table(top);
    }
    Ok(section)
}

fn figure_blocks(
    dir: &Path,
    mut section: Section,
    files: &[(String, u64)],
) -> Result<Section, ReportError> {
    let has = |name: &str| files.iter().any(|(f, _)| f == name);
    // PNGs, plus SVGs that have no PNG twin (the PNG is smaller and renders the same).
    let mut images: Vec<(usize, &str)> = files
        .iter()
        .map(|(f, _)| f.as_str())
        .filter(|f| {
            let lower = f.to_ascii_lowercase();
            lower.ends_with(".png")
                || (lower.ends_with(".svg") && !has(&format!("{}.png", &f[..f.len() - 4])))
        })
        .map(|f| (describe_figure(f).rank, f))
        .collect();
    images.sort();
    for (_, f) in images {
        section = section.figure(Figure::known(&dir.join(f))?);
    }
    Ok(section)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short_and_exact_enough() {
        assert_eq!(format_number(0.9999853702635901), "0.999985");
        assert_eq!(format_number(2.364296433780609), "2.3643");
        assert_eq!(format_number(285.70306633271485), "285.703");
        assert_eq!(format_number(3234.0), "3234");
        assert_eq!(format_number(4.87e-15), "4.870e-15");
        assert_eq!(format_number(0.0), "0");
        assert_eq!(format_number(-0.5), "-0.5");
        assert_eq!(percent(0.9999853702635901), "more than 99.99%");
        assert_eq!(percent(0.8123), "81.23%");
    }
}
