//! [`ImageModel`]: a CNN run folder loaded once, with everything an explanation needs.

use std::path::{Path, PathBuf};

use glassbox_core::ConvClassifier;
use glassbox_data::{ColorPolicy, ImageLoadOptions, ImageSize};
use glassbox_models::nn::{Cnn, CnnArch};
use glassbox_onnx::OnnxNetwork;

use super::Preprocessing;

use crate::{Error, Model, Result};

/// The file of a training run listing its test images and their predictions.
pub const TEST_PREDICTIONS_FILE: &str = "test_predictions.csv";

/// One row of a run's `test_predictions.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct TestPrediction {
    /// The image file as recorded (the path it was trained from).
    pub file: PathBuf,
    /// Index of its true class.
    pub label: usize,
}

/// A trained CNN run (`glassbox image train`'s folder, or any folder with `weights.safetensors`
/// and `architecture.json`): the network, its classes and input size, where it came from, and
/// the test images it recorded (when the folder has `test_predictions.csv`).
///
/// It is the image capability of the one [`Model`] type: [`Model::load`] reads a CNN run
/// folder as a model whose [`Model::image`] is this; `ImageModel::try_from(model)` (or
/// `<&ImageModel>::try_from(&model)`) takes it out, refusing table models with a clear error.
#[derive(Clone, Debug)]
pub struct ImageModel {
    cnn: Cnn,
    dir: PathBuf,
    test_predictions: Option<Vec<TestPrediction>>,
    preprocessing: Option<Preprocessing>,
}

impl ImageModel {
    /// Loads the CNN saved in `dir`, and its recorded test images if any, through
    /// [`Model::load`] (so that any model path is recognised).
    ///
    /// Errors when `dir` holds a table model (a glassbox forest or MLP run, a boosted model),
    /// when the weights or architecture cannot be read, when the network does not take
    /// 1-channel images (glassbox's image loader gives grayscale), or when
    /// `test_predictions.csv` is malformed.
    pub fn load(dir: &Path) -> Result<ImageModel> {
        ImageModel::try_from(Model::load(dir)?)
    }

    /// Reads the CNN run in `dir` (what [`Model::load`] does for a CNN run folder).
    pub(crate) fn read(dir: &Path) -> Result<ImageModel> {
        let cnn = Cnn::load(dir).map_err(|e| {
            Error::Input(format!("cannot load the model in {}: {e}", dir.display()))
        })?;
        ImageModel::from_cnn(cnn, dir)
    }

    /// Wraps a network already in memory, as if it had been loaded from `dir` (which is read
    /// for `test_predictions.csv` only).
    pub fn from_cnn(cnn: Cnn, dir: &Path) -> Result<ImageModel> {
        let [c, _, _] = cnn.input_shape();
        if c != 1 {
            return Err(Error::Input(format!(
                "{}: the model takes {c}-channel images; glassbox's image loader gives \
                 1-channel (grayscale) images",
                dir.display()
            )));
        }
        let record = dir.join(TEST_PREDICTIONS_FILE);
        let test_predictions = if record.is_file() {
            Some(read_test_predictions(&record, cnn.class_names())?)
        } else {
            None
        };
        Ok(ImageModel {
            cnn,
            dir: dir.to_path_buf(),
            test_predictions,
            preprocessing: None,
        })
    }

    /// An image network imported from the ONNX file `path`, with the input map `preprocessing`
    /// put in front (see [`Preprocessing`]). Its classes are named by index (`0`, `1`, …); it
    /// has no recorded test images. A 3-channel network gets images loaded as R, G, B.
    ///
    /// Errors for a table network, a network that takes neither 1 nor 3 channels (the
    /// library's [`glassbox_core::ConvClassifier`] of [`OnnxNetwork::to_cnn`] takes any channel
    /// count), or a preprocessing that does not fit.
    pub fn from_onnx(
        network: &OnnxNetwork,
        preprocessing: &Preprocessing,
        path: &Path,
    ) -> Result<ImageModel> {
        let bad = |m: String| Error::Input(format!("{}: {m}", path.display()));
        let channels = network.input_shape.first().copied().unwrap_or(0);
        if network.is_image() && channels != 1 && channels != 3 {
            return Err(bad(format!(
                "the network takes {channels}-channel images; glassbox's image loader gives \
                 1-channel (grayscale) or 3-channel (RGB) images (the library's \
                 OnnxNetwork::to_cnn explains it on image tensors you load)"
            )));
        }
        let map = if preprocessing.is_identity() {
            None
        } else {
            Some(preprocessing.affine(channels)?)
        };
        let names = (0..network.n_outputs()).map(|i| i.to_string()).collect();
        let cnn = network
            .to_cnn(
                names,
                map.as_ref().map(|(w, b)| (w.as_slice(), b.as_slice())),
            )
            .map_err(bad)?;
        Ok(ImageModel {
            cnn,
            dir: path.to_path_buf(),
            test_predictions: None,
            preprocessing: Some(preprocessing.clone()),
        })
    }

    /// The input map of an imported (ONNX) network; `None` for glassbox CNN runs.
    pub fn preprocessing(&self) -> Option<&Preprocessing> {
        self.preprocessing.as_ref()
    }

    /// The network.
    pub fn cnn(&self) -> &Cnn {
        &self.cnn
    }

    /// The run folder it was loaded from (the `.onnx` file for an imported network).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Class names in class-index order.
    pub fn class_names(&self) -> &[String] {
        self.cnn.class_names()
    }

    /// The architecture.
    pub fn arch(&self) -> CnnArch {
        self.cnn.arch()
    }

    /// Input image size, (height, width).
    pub fn input_size(&self) -> (usize, usize) {
        let [_, h, w] = self.cnn.input_shape();
        (h, w)
    }

    /// The test images the run recorded, in the record's order; `None` without a record.
    pub fn test_predictions(&self) -> Option<&[TestPrediction]> {
        self.test_predictions.as_deref()
    }

    /// How images must be loaded for this model: its input size (resized when `resize`, else
    /// required exactly); grayscale for a 1-channel network (colour images are refused, not
    /// converted), R, G, B for a 3-channel one.
    pub fn load_options(&self, resize: bool) -> ImageLoadOptions {
        let (height, width) = self.input_size();
        ImageLoadOptions {
            size: if resize {
                ImageSize::Resize { height, width }
            } else {
                ImageSize::Exact { height, width }
            },
            color: if self.cnn.input_shape()[0] == 3 {
                ColorPolicy::Rgb
            } else {
                ColorPolicy::Reject
            },
            required_by: "the model".into(),
        }
    }

    /// Resolves a class given by name or index (a name wins over an index); the error lists
    /// the classes.
    pub fn resolve_class(&self, class: &str) -> Result<usize> {
        let names = self.class_names();
        if let Some(i) = names.iter().position(|n| n == class) {
            return Ok(i);
        }
        if let Ok(i) = class.parse::<usize>()
            && i < names.len()
        {
            return Ok(i);
        }
        Err(Error::Settings(format!(
            "--class {class}: not a class of the model; classes (index: name): {}",
            names
                .iter()
                .enumerate()
                .map(|(i, n)| format!("{i}: {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        )))
    }

    /// Checks that `layer` (or, for CAM, the default layer) can be explained by CAM: it must
    /// feed a global-average-pooling head.
    pub(crate) fn check_cam_layer(&self, layer: &str) -> Result<()> {
        if self.cnn.gap_head(layer).is_some() {
            return Ok(());
        }
        let why = if self.arch() == CnnArch::GapCnn {
            format!(
                "layer {layer} does not feed the global-average-pooling head (only the last \
                 conv layer does)"
            )
        } else if self.arch() == CnnArch::Imported {
            format!(
                "in this network, layer {layer} is not followed by global average pooling and \
                 the output layer alone"
            )
        } else {
            format!("this model is {} (no global average pooling)", self.arch())
        };
        Err(Error::Settings(format!(
            "CAM needs a conv layer followed by global average pooling and one dense layer; \
             {why}; use --method grad-cam (or grad-cam++, score-cam, lime), which work on any \
             CNN"
        )))
    }
}

/// Reads `test_predictions.csv` (columns file, true_class, ...), classes resolved against
/// `class_names`.
fn read_test_predictions(record: &Path, class_names: &[String]) -> Result<Vec<TestPrediction>> {
    let bad = |message: String| Error::Record {
        path: record.to_path_buf(),
        message,
    };
    let mut reader = csv::Reader::from_path(record).map_err(|e| bad(e.to_string()))?;
    let headers = reader
        .headers()
        .map_err(|_| bad("no header line".into()))?
        .clone();
    let column = |name: &str| {
        headers.iter().position(|h| h == name).ok_or_else(|| {
            bad(format!(
                "no column '{name}' (glassbox image train writes file, true_class, \
                 predicted_class, probability)"
            ))
        })
    };
    let (file_col, class_col) = (column("file")?, column("true_class")?);
    let mut rows = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| bad(format!("data row {}: {e}", i + 1)))?;
        let class = &rec[class_col];
        let label = class_names.iter().position(|c| c == class).ok_or_else(|| {
            bad(format!(
                "data row {}: class '{class}' is not one of the model's [{}]",
                i + 1,
                class_names.join(", ")
            ))
        })?;
        rows.push(TestPrediction {
            file: PathBuf::from(&rec[file_col]),
            label,
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundled() -> ImageModel {
        ImageModel::load(Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../data/models/neu-gap-cnn"
        )))
        .unwrap()
    }

    #[test]
    fn a_bundled_run_loads_with_its_test_images() {
        let m = bundled();
        assert_eq!(m.input_size(), (200, 200));
        assert_eq!(m.class_names().len(), 6);
        assert_eq!(m.test_predictions().unwrap().len(), 300);
    }

    #[test]
    fn classes_by_name_or_index() {
        let m = bundled();
        assert_eq!(m.resolve_class("patches").unwrap(), 2);
        assert_eq!(m.resolve_class("2").unwrap(), 2);
        let e = m.resolve_class("9").unwrap_err().to_string();
        assert!(e.contains("0: crazing, 1: inclusion"), "{e}");
    }
}
