//! Loading a [`Model`] from a file or run folder, detecting the format.

use std::path::{Path, PathBuf};

use glassbox_models::gbdt::{BoostedFormat, load_boosted};
use glassbox_models::saved::SavedModel;

use super::{Model, Source};
use crate::{Error, Result};

/// Model file formats [`Model::load_with`] reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ModelFormat {
    /// Detect: a run folder or glassbox model.json, else XGBoost JSON or LightGBM text by
    /// content.
    #[default]
    Auto,
    /// A glassbox run folder or model.json.
    Glassbox,
    /// XGBoost JSON (`booster.save_model("model.json")`).
    Xgboost,
    /// LightGBM text (`booster.save_model("model.txt")`).
    Lightgbm,
}

impl ModelFormat {
    /// The name used on the command line (`auto`, `glassbox`, `xgboost`, `lightgbm`).
    pub fn name(self) -> &'static str {
        match self {
            ModelFormat::Auto => "auto",
            ModelFormat::Glassbox => "glassbox",
            ModelFormat::Xgboost => "xgboost",
            ModelFormat::Lightgbm => "lightgbm",
        }
    }
}

/// Options of [`Model::load_with`].
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// The file format (default: detect).
    pub format: ModelFormat,
}

/// `path` itself, or `path/model.json` for a folder.
fn model_json_path(path: &Path) -> PathBuf {
    if path.is_dir() {
        path.join("model.json")
    } else {
        path.to_path_buf()
    }
}

/// Whether the file's head names the glassbox model format (unreadable files count as
/// glassbox, so that its loader reports the error).
fn is_glassbox_model(path: &Path) -> bool {
    let Ok(bytes) = std::fs::read(path) else {
        return true;
    };
    let head = &bytes[..bytes.len().min(512)];
    head.windows(16).any(|w| w == b"\"glassbox-model\"")
}

impl Model {
    /// Loads a glassbox run folder or `model.json`, an XGBoost JSON or a LightGBM text model,
    /// detecting the format.
    pub fn load(path: &Path) -> Result<Model> {
        Model::load_with(path, &LoadOptions::default())
    }

    /// Loads a model file or run folder in the given format.
    pub fn load_with(path: &Path, options: &LoadOptions) -> Result<Model> {
        let model_path = model_json_path(path);
        let run_dir = path.is_dir().then(|| path.to_path_buf());
        let glassbox = match options.format {
            ModelFormat::Glassbox => true,
            ModelFormat::Auto => path.is_dir() || is_glassbox_model(&model_path),
            ModelFormat::Xgboost | ModelFormat::Lightgbm => false,
        };
        let source = if glassbox {
            let saved = SavedModel::load(&model_path)?;
            if saved.tree_ensemble().is_none() && saved.network().is_err() {
                return Err(Error::Input(format!(
                    "{}: model has nothing to predict with",
                    model_path.display()
                )));
            }
            Source::Glassbox(Box::new(saved))
        } else {
            let format = match options.format {
                ModelFormat::Xgboost => Some(BoostedFormat::XgboostJson),
                ModelFormat::Lightgbm => Some(BoostedFormat::LightgbmText),
                _ => None,
            };
            Source::Boosted(Box::new(load_boosted(&model_path, format)?))
        };
        Ok(Model {
            source,
            path: Some(model_path),
            run_dir,
        })
    }
}
