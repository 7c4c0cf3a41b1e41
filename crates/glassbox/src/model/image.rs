//! The image side of [`Model`]: a CNN run held as [`Source::Image`], the conversions to
//! [`ImageModel`] that the image entry points take, and the errors for a model of the wrong
//! kind.

use glassbox_core::ndarray::{Array2, Array4, ArrayView2};
use glassbox_core::{ConvClassifier, CoreError};

use super::{Model, Source};
use crate::image::ImageModel;
use crate::{Error, Result};

impl Model {
    /// A CNN run held in memory (e.g. [`ImageModel::from_cnn`] of a network just trained).
    pub fn from_image(image: ImageModel) -> Model {
        let dir = image.dir().to_path_buf();
        Model {
            source: Source::Image(Box::new(image)),
            path: Some(dir.clone()),
            run_dir: Some(dir),
        }
    }

    /// The CNN run of image models (what [`crate::image::explain_images`] explains); `None`
    /// for table models. [`ImageModel::try_from`] gives it with an error instead.
    pub fn image(&self) -> Option<&ImageModel> {
        match &self.source {
            Source::Image(m) => Some(m),
            _ => None,
        }
    }

    /// The convolutional classifier of image models (what the CAM family reads).
    pub fn conv_classifier(&self) -> Option<&dyn ConvClassifier> {
        self.image().map(|m| m.cnn() as &dyn ConvClassifier)
    }

    /// What kind of model this is, for messages: `random forest`, `MLP`, `xgboost model`,
    /// `lightgbm model`, `tree ensemble`, `CNN (gap-cnn)`.
    pub fn kind(&self) -> String {
        match &self.source {
            Source::Glassbox(s) => match s.model.kind() {
                "random_forest" => "random forest".into(),
                "mlp" => "MLP".into(),
                other => other.into(),
            },
            Source::Boosted(b) => format!("{} model", b.format),
            Source::Trees { .. } => "tree ensemble".into(),
            Source::Onnx(o) => format!("ONNX {}", o.operator.0),
            Source::OnnxNetwork(_) => "ONNX network".into(),
            Source::Predictor(_) => "predictor".into(),
            Source::Image(m) => format!("CNN ({})", m.arch()),
        }
    }

    /// The error of a table entry point given an image model.
    pub(super) fn not_a_table_model(&self) -> Error {
        let (h, w) = self.image().map_or((0, 0), ImageModel::input_size);
        Error::Input(format!(
            "{} is an image model ({}, classifying {h}x{w} images into {} classes); table \
             explainers need a table model; explain it with `glassbox image explain` \
             (glassbox::image::explain_images)",
            self.label(),
            self.kind(),
            self.n_classes().unwrap_or(0),
        ))
    }

    /// The error of an image entry point given a table model.
    fn not_an_image_model(&self) -> Error {
        Error::Input(format!(
            "{} is a table model ({}); image explain needs a CNN run folder (weights.safetensors \
             and architecture.json, as `glassbox image train` writes) or an ONNX network taking \
             images (N, channels, height, width)",
            self.label(),
            self.kind()
        ))
    }
}

impl TryFrom<Model> for ImageModel {
    type Error = Error;

    /// The CNN run of an image model; errors for table models.
    fn try_from(model: Model) -> Result<ImageModel> {
        match model.source {
            Source::Image(m) => Ok(*m),
            _ => Err(model.not_an_image_model()),
        }
    }
}

impl<'a> TryFrom<&'a Model> for &'a ImageModel {
    type Error = Error;

    /// The CNN run of an image model; errors for table models.
    fn try_from(model: &'a Model) -> Result<&'a ImageModel> {
        model.image().ok_or_else(|| model.not_an_image_model())
    }
}

/// Pre-softmax class scores, shape (images, classes), of images flattened in (C, H, W) order,
/// shape (images, C · H · W).
pub(super) fn flat_class_scores(
    model: &ImageModel,
    x: ArrayView2<'_, f64>,
) -> std::result::Result<Array2<f64>, CoreError> {
    let cnn = model.cnn();
    let [c, h, w] = cnn.input_shape();
    glassbox_core::model::check_input(x, c * h * w)?;
    let images =
        Array4::from_shape_vec((x.nrows(), c, h, w), x.iter().map(|&v| v as f32).collect())
            .map_err(|e| CoreError::InvalidArgument(e.to_string()))?;
    let scores = cnn.class_scores(images.view())?;
    Ok(scores.mapv(f64::from))
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use glassbox_core::Predict;
    use glassbox_core::ndarray::Array2;
    use glassbox_data::{ReadOptions, read_table};

    use super::*;
    use crate::NoProgress;
    use crate::model::{Link, LoadOptions, ModelFormat};
    use crate::tabular::{TrainSettings, train};

    fn repo(rel: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(rel)
    }

    fn message(e: Error) -> String {
        e.to_string()
    }

    #[test]
    fn a_cnn_run_loads_as_an_image_model() {
        let dir = repo("data/models/neu-gap-cnn");
        let model = Model::load(&dir).unwrap();
        let image = model.image().expect("an image model");
        assert!(model.conv_classifier().is_some());
        assert!(model.trees().is_none() && model.network().is_none());
        assert!(model.scaler().is_none() && model.feature_names().is_none());
        assert_eq!(model.link(), Link::Softmax);
        assert_eq!(model.n_classes(), Some(6));
        assert_eq!(model.output_names(), image.class_names());
        assert_eq!(model.probability_names().unwrap(), image.class_names());
        assert_eq!((model.n_features(), model.n_outputs()), (200 * 200, 6));
        assert_eq!(model.run_dir(), Some(dir.as_path()));
        assert_eq!(model.kind(), "CNN (gap-cnn)");
        // Predict on flattened images gives the network's class scores.
        let flat = Array2::from_elem((2, 200 * 200), 0.5);
        let scores = model.predict(flat.view()).unwrap();
        let images = flat
            .mapv(|v| v as f32)
            .into_shape_with_order((2, 1, 200, 200));
        let direct = image.cnn().class_scores(images.unwrap().view()).unwrap();
        assert_eq!(scores, direct.mapv(f64::from));
        assert!(model.predict(Array2::zeros((1, 3)).view()).is_err());
        // The folder's architecture.json and the explicit format load the same run.
        let by_file = Model::load(&dir.join("architecture.json")).unwrap();
        assert_eq!(by_file.run_dir(), Some(dir.as_path()));
        let explicit = LoadOptions {
            format: ModelFormat::Cnn,
            ..LoadOptions::default()
        };
        assert!(Model::load_with(&dir, &explicit).unwrap().image().is_some());
        // Table entry points refuse it, naming the image command.
        let raw = read_table(&repo("data/concrete/concrete.csv"), &ReadOptions::default());
        let e = message(model.feature_table(&raw.unwrap(), None).unwrap_err());
        assert!(
            e.contains("neu-gap-cnn is an image model (CNN (gap-cnn), classifying 200x200")
                && e.contains("glassbox image explain"),
            "{e}"
        );
        assert!(message(model.input_predictor().err().unwrap()).contains("image model"));
        let forced = LoadOptions {
            format: ModelFormat::Glassbox,
            ..LoadOptions::default()
        };
        assert!(Model::load_with(&dir, &forced).is_err());
        assert_eq!(
            ImageModel::try_from(model).unwrap().input_size(),
            (200, 200)
        );
    }

    #[test]
    fn table_models_are_refused_by_the_image_side() {
        let raw = read_table(&repo("data/concrete/concrete.csv"), &ReadOptions::default());
        let mut settings = TrainSettings {
            target: "Compressive strength (MPa)".into(),
            ..TrainSettings::default()
        };
        settings.forest.n_estimators = 2;
        let run = train(&raw.unwrap(), &settings, &NoProgress).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("rf");
        std::fs::create_dir(&dir).unwrap();
        run.write(&dir).unwrap();
        let forest = Model::load(&dir).unwrap();
        assert!(forest.trees().is_some() && forest.image().is_none());
        assert!(forest.conv_classifier().is_none());
        let e = message(<&ImageModel>::try_from(&forest).unwrap_err());
        assert!(
            e.contains("rf/model.json is a table model (random forest)")
                && e.contains("image explain needs a CNN run folder"),
            "{e}"
        );
        let e = message(ImageModel::load(&dir).unwrap_err());
        assert!(e.contains("is a table model (random forest)"), "{e}");
        let cnn = LoadOptions {
            format: ModelFormat::Cnn,
            ..LoadOptions::default()
        };
        assert!(Model::load_with(&dir, &cnn).is_err());

        let xgb = repo("crates/glassbox-models/tests/fixtures/gbdt/xgb_multi.json");
        let boosted = Model::load(&xgb).unwrap();
        assert!(boosted.trees().is_some() && boosted.image().is_none());
        let e = message(ImageModel::try_from(boosted).unwrap_err());
        assert!(e.contains("is a table model (xgboost model)"), "{e}");

        // A folder with no model at all says what a model folder holds.
        let empty = tmp.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        let e = message(Model::load(&empty).unwrap_err());
        assert!(
            e.contains("holds no model") && e.contains("model.json"),
            "{e}"
        );
    }
}
