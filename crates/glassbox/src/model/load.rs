//! Loading a [`Model`] from a file or run folder, detecting the format.

use std::path::{Path, PathBuf};

use glassbox_models::gbdt::{BoostedFormat, load_boosted};
use glassbox_models::nn::{CNN_ARCHITECTURE_FILE, CNN_FORMAT, CNN_WEIGHTS_FILE};
use glassbox_models::saved::SavedModel;

use glassbox_onnx::Imported;

use super::{Model, Source};
use crate::image::{ImageModel, Preprocessing};
use crate::{Error, Result};

/// Model file formats [`Model::load_with`] reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ModelFormat {
    /// Detect: an `*.onnx` file, a CNN run folder (`architecture.json` of a glassbox CNN, no
    /// `model.json`), a glassbox run folder or model.json, else XGBoost JSON or LightGBM text by
    /// content.
    #[default]
    Auto,
    /// A glassbox run folder or model.json.
    Glassbox,
    /// XGBoost JSON (`booster.save_model("model.json")`).
    Xgboost,
    /// LightGBM text (`booster.save_model("model.txt")`).
    Lightgbm,
    /// A CNN run folder (`weights.safetensors` + `architecture.json`, as `glassbox image
    /// train` writes), or its `architecture.json`.
    Cnn,
    /// An ONNX file holding a tree ensemble (skl2onnx, onnxmltools) or a neural network
    /// (PyTorch, tf2onnx); detected by the `.onnx` extension.
    Onnx,
}

impl ModelFormat {
    /// The name used on the command line (`auto`, `glassbox`, `xgboost`, `lightgbm`, `cnn`).
    pub fn name(self) -> &'static str {
        match self {
            ModelFormat::Auto => "auto",
            ModelFormat::Glassbox => "glassbox",
            ModelFormat::Xgboost => "xgboost",
            ModelFormat::Lightgbm => "lightgbm",
            ModelFormat::Cnn => "cnn",
            ModelFormat::Onnx => "onnx",
        }
    }
}

/// Options of [`Model::load_with`].
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// The file format (default: detect).
    pub format: ModelFormat,
    /// The input map of an ONNX image network (default: none); refused for other models.
    pub preprocessing: Preprocessing,
}

/// The reader a file or folder goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reader {
    Glassbox,
    Boosted(Option<BoostedFormat>),
    Cnn,
    Onnx,
}

/// `path` itself, or `path/model.json` for a folder.
fn model_json_path(path: &Path) -> PathBuf {
    if path.is_dir() {
        path.join("model.json")
    } else {
        path.to_path_buf()
    }
}

/// The folder of a CNN run given as the folder or as its `architecture.json`.
fn cnn_dir(path: &Path) -> PathBuf {
    if path.is_file() && path.file_name() == Some(CNN_ARCHITECTURE_FILE.as_ref()) {
        path.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    } else {
        path.to_path_buf()
    }
}

/// Whether the head of the file (if readable) holds `needle`.
fn head_has(path: &Path, needle: &[u8]) -> Option<bool> {
    let bytes = std::fs::read(path).ok()?;
    let head = &bytes[..bytes.len().min(512)];
    Some(head.windows(needle.len()).any(|w| w == needle))
}

/// Whether the file's head names the glassbox model format (unreadable files count as
/// glassbox, so that its loader reports the error).
fn is_glassbox_model(path: &Path) -> bool {
    head_has(path, b"\"glassbox-model\"").unwrap_or(true)
}

/// Whether `path` is a CNN run folder without `model.json` (an MLP run folder has both
/// `model.json` and an `architecture.json`) or such a folder's `architecture.json`.
fn is_cnn_run(path: &Path) -> bool {
    if path.is_dir() && path.join("model.json").exists() {
        return false;
    }
    let arch = if path.is_dir() {
        path.join(CNN_ARCHITECTURE_FILE)
    } else {
        path.to_path_buf()
    };
    let needle = format!("\"{CNN_FORMAT}\"");
    head_has(&arch, needle.as_bytes()).unwrap_or(false)
}

/// Whether `path` is a file named `*.onnx` (any case).
fn is_onnx_file(path: &Path) -> bool {
    !path.is_dir()
        && path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("onnx"))
}

/// Which reader `path` goes to under `format`. Errors on a folder holding no model at all.
fn reader(path: &Path, format: ModelFormat) -> Result<Reader> {
    let forced_boosted = matches!(format, ModelFormat::Xgboost | ModelFormat::Lightgbm);
    if forced_boosted && head_has(&model_json_path(path), b"\"glassbox-model\"") == Some(true) {
        return Err(Error::Input(format!(
            "{} is a glassbox model (format glassbox-model), not {}: use --model-format \
             glassbox or auto",
            model_json_path(path).display(),
            if format == ModelFormat::Xgboost {
                "XGBoost JSON"
            } else {
                "LightGBM text"
            }
        )));
    }
    Ok(match format {
        ModelFormat::Glassbox => Reader::Glassbox,
        ModelFormat::Xgboost => Reader::Boosted(Some(BoostedFormat::XgboostJson)),
        ModelFormat::Lightgbm => Reader::Boosted(Some(BoostedFormat::LightgbmText)),
        ModelFormat::Cnn => Reader::Cnn,
        ModelFormat::Onnx => Reader::Onnx,
        ModelFormat::Auto if is_onnx_file(path) => Reader::Onnx,
        ModelFormat::Auto if is_cnn_run(path) => Reader::Cnn,
        ModelFormat::Auto if path.is_dir() => {
            if !path.join("model.json").exists() && !path.join(CNN_ARCHITECTURE_FILE).exists() {
                return Err(Error::Input(format!(
                    "{} holds no model: a glassbox table run has model.json, a CNN run has \
                     {CNN_WEIGHTS_FILE} and {CNN_ARCHITECTURE_FILE}",
                    path.display()
                )));
            }
            Reader::Glassbox
        }
        ModelFormat::Auto if is_glassbox_model(path) => Reader::Glassbox,
        ModelFormat::Auto => Reader::Boosted(None),
    })
}

impl Model {
    /// Loads a glassbox run folder or `model.json`, a CNN run folder, an XGBoost JSON or a
    /// LightGBM text model, or an ONNX tree ensemble or network (`*.onnx`), detecting the
    /// format.
    pub fn load(path: &Path) -> Result<Model> {
        Model::load_with(path, &LoadOptions::default())
    }

    /// Loads a model file or run folder in the given format.
    pub fn load_with(path: &Path, options: &LoadOptions) -> Result<Model> {
        let model_path = model_json_path(path);
        let run_dir = path.is_dir().then(|| path.to_path_buf());
        let source = match reader(path, options.format)? {
            Reader::Cnn if !options.preprocessing.is_identity() => {
                return Err(Error::Settings(
                    "--scale, --mean and --std apply to ONNX image networks; a glassbox CNN \
                     run reads the loader's pixels as it was trained on them"
                        .into(),
                ));
            }
            Reader::Cnn => return Model::load_cnn(&cnn_dir(path)),
            Reader::Glassbox => {
                let saved = SavedModel::load(&model_path)?;
                if saved.tree_ensemble().is_none() && saved.network().is_err() {
                    return Err(Error::Input(format!(
                        "{}: model has nothing to predict with",
                        model_path.display()
                    )));
                }
                Source::Glassbox(Box::new(saved))
            }
            Reader::Boosted(format) => {
                Source::Boosted(Box::new(load_boosted(&model_path, format)?))
            }
            Reader::Onnx => {
                match glassbox_onnx::read(path).map_err(|e| Error::Input(e.to_string()))? {
                    Imported::Trees(t) => Source::Onnx(t),
                    Imported::Network(n) if n.is_image() => {
                        let image = ImageModel::from_onnx(&n, &options.preprocessing, path)?;
                        return Ok(Model {
                            source: Source::Image(Box::new(image)),
                            path: Some(path.to_path_buf()),
                            run_dir: None,
                        });
                    }
                    Imported::Network(n) => Source::OnnxNetwork(n),
                }
            }
        };
        if !options.preprocessing.is_identity() {
            return Err(Error::Settings(format!(
                "--scale, --mean and --std apply to ONNX image networks; {} is not one",
                path.display()
            )));
        }
        Ok(Model {
            source,
            path: Some(model_path),
            run_dir,
        })
    }

    /// The CNN run in folder `dir`.
    fn load_cnn(dir: &Path) -> Result<Model> {
        Ok(Model::from_image(ImageModel::read(dir)?))
    }
}
