//! Saved explanations: the arrays and names of an explain run, written into its folder so that
//! `glassbox plot` redraws any figure without recomputing, and so that Python reads them with
//! numpy alone.
//!
//! # Format (`glassbox-explanation`, version 1)
//! A run folder holds `saved_explanation.json` ([`SavedManifest`]) and, in NumPy's `.npy`
//! format (little-endian f64, C order; `numpy.load` reads them):
//!
//! | file | shape | what |
//! |---|---|---|
//! | `values.npy` | (samples, features, outputs) | the attributions (SHAP values, or LIME's weights) |
//! | `base_values.npy` | (samples, outputs) | each row's base value E[f(X)] |
//! | `data.npy` | (samples, features) | the explained rows' raw feature values |
//! | `predictions.npy` | (samples, outputs) | the model's output in the explained space |
//! | `interaction_values.npy` | (samples, features, features, outputs) | interaction runs only |
//!
//! The manifest names the rows (`row_ids`), features and outputs in the arrays' order, the
//! method, the link from the outputs to probabilities, and the settings the run drew its
//! figures with (so that `glassbox plot` reproduces them byte for byte). Readers must refuse a
//! `version` they do not know; later versions add fields and files, never change these.

use std::path::Path;

use serde::{Deserialize, Serialize};

use glassbox_core::Explanation;
use glassbox_core::link::Link;
use glassbox_core::ndarray::{Array2, Array4, ArrayD, Axis, IxDyn};
use glassbox_core::npy::{read_npy_f64, write_npy};
use glassbox_plot::Figure;

use super::figures::{FigureSource, PlotKind, PlotOptions, draw};
use super::{TabularExplanation, WriteSettings};
use crate::records::write_record;
use crate::{Error, Result};

/// The `format` of [`SavedManifest`].
pub const SAVED_FORMAT: &str = "glassbox-explanation";
/// The version written by this glassbox.
pub const SAVED_VERSION: u32 = 1;
/// The manifest's file name in a run folder.
pub const SAVED_MANIFEST: &str = "saved_explanation.json";

/// `saved_explanation.json`: what the `.npy` files of a saved explanation hold.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SavedManifest {
    /// Always [`SAVED_FORMAT`].
    pub format: String,
    /// [`SAVED_VERSION`] when written by this glassbox.
    pub version: u32,
    /// The method that computed the values (`tree-shap`, `kernel-shap`, ...).
    pub method: String,
    /// Row ids, in the arrays' sample order.
    pub row_ids: Vec<String>,
    /// Feature names, in the arrays' feature order.
    pub feature_names: Vec<String>,
    /// Output names, in the arrays' output order.
    pub output_names: Vec<String>,
    /// Per feature, its category labels when it is categorical (`data` then holds the index of
    /// the row's category, NaN for one the model has not seen), `null` for numeric features
    /// (absent: every feature numeric).
    #[serde(default)]
    pub categories: Vec<Option<Vec<String>>>,
    /// How the outputs map to probabilities: `logistic` (a binary classifier explained in
    /// margin space: plots label their axis in probabilities), `softmax` (multi-class margins)
    /// or `identity` (regressors, and probabilities explained directly).
    pub margin_link: Link,
    /// The array files and their shapes, by role (`values`, `base_values`, `data`,
    /// `predictions`, `interaction_values`).
    pub arrays: Vec<SavedArray>,
    /// Features shown in the run's figures.
    pub max_display: usize,
    /// The row (0-based sample index) of the run's waterfall and force plots.
    pub row: usize,
}

/// One array of a saved explanation.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SavedArray {
    /// Role: `values`, `base_values`, `data`, `predictions` or `interaction_values`.
    pub name: String,
    /// File name in the run folder.
    pub file: String,
    /// Shape, e.g. `[samples, features, outputs]`.
    pub shape: Vec<usize>,
}

/// An explanation read back from a run folder ([`SavedExplanation::load`]).
#[derive(Clone, Debug)]
pub struct SavedExplanation {
    /// Values (samples, features, outputs), base values (samples, outputs), data (samples,
    /// features), names and method.
    pub explanation: Explanation,
    /// The model's output in the explained space, shape (samples, outputs).
    pub predictions: Array2<f64>,
    /// Row ids, length samples.
    pub row_ids: Vec<String>,
    /// Interaction values (samples, features, features, outputs) of interaction runs.
    pub interactions: Option<Array4<f64>>,
    /// How the outputs map to probabilities (see [`SavedManifest::margin_link`]).
    pub margin_link: Link,
    /// Features shown in the run's figures.
    pub max_display: usize,
    /// The row of the run's waterfall and force plots.
    pub row: usize,
}

impl TabularExplanation {
    /// Writes the saved explanation (module docs) into `dir`, each file atomically.
    pub(crate) fn save(&self, dir: &Path, settings: &WriteSettings) -> Result<()> {
        let e = &self.explanation;
        let mut arrays = Vec::new();
        let mut put = |name: &str, view: glassbox_core::ndarray::ArrayViewD<'_, f64>| {
            let file = format!("{name}.npy");
            let path = dir.join(&file);
            write_npy(&path, view.view()).map_err(|err| Error::io(&path, err))?;
            arrays.push(SavedArray {
                name: name.into(),
                file,
                shape: view.shape().to_vec(),
            });
            Ok::<(), Error>(())
        };
        put("values", e.values.view().into_dyn())?;
        put("base_values", e.base_values.view().into_dyn())?;
        put("data", e.data.view().into_dyn())?;
        put("predictions", self.predictions.view().into_dyn())?;
        if let Some(iv) = &self.interactions {
            put("interaction_values", iv.view().into_dyn())?;
        }
        let manifest = SavedManifest {
            format: SAVED_FORMAT.into(),
            version: SAVED_VERSION,
            method: e.method.clone(),
            row_ids: self.row_ids.clone(),
            feature_names: e.feature_names.clone(),
            output_names: e.output_names.clone(),
            categories: e.categories.clone(),
            margin_link: self.margin_link,
            arrays,
            max_display: settings.max_display,
            row: settings.row,
        };
        write_record(&dir.join(SAVED_MANIFEST), &manifest)
    }
}

impl SavedExplanation {
    /// Reads the saved explanation of run folder `dir` (written by `glassbox explain` or
    /// [`TabularExplanation::write`]).
    ///
    /// Errors name the file and what is wrong: no manifest (a folder of another command, or a
    /// run explained in chunks, which keeps its values in `shap_values.parquet` only), another
    /// format or an unknown version, a missing or malformed array, shapes that disagree with
    /// each other or with the names.
    pub fn load(dir: &Path) -> Result<SavedExplanation> {
        let path = dir.join(SAVED_MANIFEST);
        if !path.is_file() {
            return Err(Error::Input(format!(
                "{} has no {SAVED_MANIFEST}: expected the folder of a `glassbox explain` run \
                 (runs explained in chunks with --chunk-rows keep their values in \
                 shap_values.parquet and cannot be re-plotted)",
                dir.display()
            )));
        }
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        let m: SavedManifest = serde_json::from_str(&text).map_err(|e| {
            Error::Input(format!(
                "{}: not a saved-explanation manifest: {e}",
                path.display()
            ))
        })?;
        if m.format != SAVED_FORMAT {
            return Err(Error::Input(format!(
                "{}: format is '{}', expected '{SAVED_FORMAT}'",
                path.display(),
                m.format
            )));
        }
        if m.version != SAVED_VERSION {
            return Err(Error::Input(format!(
                "{}: version {} is not supported by this glassbox (it reads version \
                 {SAVED_VERSION}); upgrade glassbox",
                path.display(),
                m.version
            )));
        }
        let (n, f, o) = (m.row_ids.len(), m.feature_names.len(), m.output_names.len());
        let get = |name: &str, shape: &[usize]| read_array(dir, &m, name, shape);
        let values = get("values", &[n, f, o])?
            .into_dimensionality()
            .expect("3-d");
        let base = get("base_values", &[n, o])?
            .into_dimensionality()
            .expect("2-d");
        let data = get("data", &[n, f])?.into_dimensionality().expect("2-d");
        let predictions = get("predictions", &[n, o])?
            .into_dimensionality()
            .expect("2-d");
        let interactions = match m.arrays.iter().any(|a| a.name == "interaction_values") {
            true => Some(
                get("interaction_values", &[n, f, f, o])?
                    .into_dimensionality()
                    .expect("4-d"),
            ),
            false => None,
        };
        let explanation = Explanation::new(
            values,
            base,
            data,
            m.feature_names,
            m.output_names,
            m.method,
        )?;
        let explanation = if m.categories.is_empty() {
            explanation
        } else {
            explanation
                .with_categories(m.categories)
                .map_err(|e| Error::Input(format!("{}: {e}", path.display())))?
        };
        if n > 0 && m.row >= n {
            return Err(Error::Input(format!(
                "{}: row {} out of range for {n} rows",
                path.display(),
                m.row
            )));
        }
        Ok(SavedExplanation {
            explanation,
            predictions,
            row_ids: m.row_ids,
            interactions,
            margin_link: m.margin_link,
            max_display: m.max_display,
            row: m.row,
        })
    }

    /// Output index of `name`: an output name, or its 0-based index; the error lists them.
    pub fn output_index(&self, name: &str) -> Result<usize> {
        let names = &self.explanation.output_names;
        names
            .iter()
            .position(|n| n == name)
            .or_else(|| name.parse::<usize>().ok().filter(|&k| k < names.len()))
            .ok_or_else(|| {
                Error::Settings(format!(
                    "unknown output '{name}'; expected one of: {} (or an index below {})",
                    names.join(", "),
                    names.len()
                ))
            })
    }

    /// Feature index of `name`; the error lists the features.
    pub fn feature_index(&self, name: &str) -> Result<usize> {
        let names = &self.explanation.feature_names;
        names.iter().position(|n| n == name).ok_or_else(|| {
            Error::Settings(format!(
                "unknown feature '{name}'; expected one of: {}",
                names.join(", ")
            ))
        })
    }

    /// Draws figure `kind` of output `k`, `row` (default: the run's) for the waterfall and
    /// force plots. With the run's settings (`opts` from [`SavedExplanation::plot_options`],
    /// no `row`) the bytes equal the run's own figure.
    pub fn draw(
        &self,
        kind: PlotKind,
        k: usize,
        row: Option<usize>,
        opts: &PlotOptions,
    ) -> Result<Figure> {
        let e = &self.explanation;
        if k >= e.n_outputs() {
            return Err(Error::Settings(format!(
                "output {k} out of range: the explanation has {} ({})",
                e.n_outputs(),
                e.output_names.join(", ")
            )));
        }
        let row = row.unwrap_or(self.row);
        let mean_abs: Vec<Vec<f64>> = (0..e.n_outputs()).map(|o| e.mean_abs(o)).collect();
        let interactions = self
            .interactions
            .as_ref()
            .map(|iv| iv.index_axis(Axis(3), k));
        let source = FigureSource {
            rows: e,
            mean_abs: &mean_abs,
            one_row: (e, row, row),
            interactions,
            probability_axis: self.margin_link == Link::Logistic,
        };
        draw(kind, &source, k, opts)
    }

    /// The options the run drew its figures with.
    pub fn plot_options(&self) -> PlotOptions {
        PlotOptions {
            max_display: self.max_display,
            feature: None,
            rows: None,
            order: None,
            with: None,
        }
    }
}

/// Reads array `name` of manifest `m` from `dir`, checking it has `shape`.
fn read_array(dir: &Path, m: &SavedManifest, name: &str, shape: &[usize]) -> Result<ArrayD<f64>> {
    let entry = m.arrays.iter().find(|a| a.name == name).ok_or_else(|| {
        Error::Input(format!(
            "{}: lists no '{name}' array",
            dir.join(SAVED_MANIFEST).display()
        ))
    })?;
    if entry.file.contains(['/', '\\']) || entry.file.starts_with('.') {
        return Err(Error::Input(format!(
            "{}: array file '{}' must be a plain file name in the run folder",
            dir.join(SAVED_MANIFEST).display(),
            entry.file
        )));
    }
    let path = dir.join(&entry.file);
    let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
    let (got, data) =
        read_npy_f64(&bytes).map_err(|e| Error::Input(format!("{}: {e}", path.display())))?;
    if got != shape {
        return Err(Error::Input(format!(
            "{}: shape {got:?}, expected {shape:?} (from the manifest's rows, features and \
             outputs)",
            path.display()
        )));
    }
    Ok(ArrayD::from_shape_vec(IxDyn(&got), data).expect("shape checked by the reader"))
}
