//! Records of image runs: `metrics.json` of `glassbox image train` ([`ImageTrainMetrics`]),
//! `summary.json` of `glassbox image explain` ([`ImageExplainSummary`] with one
//! [`ImageSummaryEntry`] per image and the [`LimeRecord`] block) and the CNN's
//! `architecture.json` ([`CnnArchitecture`], the models crate's own file type).
//!
//! Field order is the order of the files; every field is required on reading (a `null` is
//! written, and must be read, where a value does not apply).

use serde::{Deserialize, Deserializer, Serialize};

pub use glassbox_models::nn::{CnnArchitecture, CnnParams, LayerSpec};

/// An `Option` that must be present in the file (as a value or `null`): serde would otherwise
/// read a missing `Option` field as `None`.
fn nullable<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d)
}

/// Per-class precision and recall on the test images (one entry of `per_class`).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ClassRecord {
    /// Class name.
    pub class: String,
    /// Test images of this class.
    pub support: usize,
    /// Share of the images predicted as this class that are this class (null if none was).
    #[serde(deserialize_with = "nullable")]
    pub precision: Option<f64>,
    /// Share of this class's images predicted right (0 for a class without test images).
    pub recall: f64,
}

impl From<glassbox_core::metrics::ClassMetrics> for ClassRecord {
    fn from(c: glassbox_core::metrics::ClassMetrics) -> ClassRecord {
        ClassRecord {
            class: c.class,
            support: c.support,
            precision: c.precision,
            recall: c.recall,
        }
    }
}

/// `metrics.json` of an image training run.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ImageTrainMetrics {
    /// `gap-cnn` or `flatten-cnn`.
    pub arch: String,
    /// Accuracy on the test images.
    pub test_accuracy: f64,
    /// Mean cross-entropy on the test images.
    pub test_loss: f64,
    /// Accuracy on the training images after training.
    pub train_accuracy: f64,
    /// Training image count.
    pub n_train: usize,
    /// Test image count.
    pub n_test: usize,
    /// Where the split came from (`manifest` or `stratified`).
    pub split: String,
    /// Class names in class-index order.
    pub class_names: Vec<String>,
    /// Per-class precision and recall on the test images, in class-index order.
    pub per_class: Vec<ClassRecord>,
    /// `confusion_matrix[true][predicted]` counts on the test images, (classes, classes).
    pub confusion_matrix: Vec<Vec<usize>>,
    /// Training settings.
    pub params: CnnParams,
    /// Worker threads used.
    pub threads: usize,
    /// Image size, (height, width).
    pub image_size: (usize, usize),
    /// Images converted from colour when loading.
    pub converted_from_color: usize,
    /// Images resized when loading.
    pub resized: usize,
}

/// One step of the cascading randomisation check in `summary.json`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CascadeStepRecord {
    /// The layer re-initialised at this step (every layer above it is re-initialised too).
    pub layer: String,
    /// Mean Spearman correlation of the maps with this model's (over the images whose maps are
    /// not constant); null when none is defined.
    #[serde(deserialize_with = "nullable")]
    pub mean_spearman: Option<f64>,
}

/// One explained image in `summary.json`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ImageSummaryEntry {
    /// The image file.
    pub file: String,
    /// Its panel, relative to the run folder (`panels/<stem>.png`).
    pub panel: String,
    /// The true class, when known (from a folder, or a parent folder named after a class).
    #[serde(deserialize_with = "nullable")]
    pub true_class: Option<String>,
    /// The predicted class.
    pub predicted_class: String,
    /// Its probability.
    pub probability: f64,
    /// The class the map explains.
    pub explained_class: String,
    /// The explained class's probability.
    pub explained_probability: f64,
    /// Deletion AUC (lower: the map found what the model needs); null when not computed.
    #[serde(deserialize_with = "nullable")]
    pub deletion_auc: Option<f64>,
    /// Insertion AUC (higher is better); null when not computed.
    #[serde(deserialize_with = "nullable")]
    pub insertion_auc: Option<f64>,
    /// Spearman rank correlation between this map and the randomised model's; null when the
    /// check did not run or a map is constant.
    #[serde(deserialize_with = "nullable")]
    pub randomization_spearman: Option<f64>,
    /// LIME: weighted R² of the surrogate for the explained class; null for the CAM family.
    #[serde(deserialize_with = "nullable")]
    pub surrogate_r2: Option<f64>,
    /// LIME: number of superpixels of the image; null for the CAM family.
    #[serde(deserialize_with = "nullable")]
    pub superpixels: Option<usize>,
}

/// The LIME settings recorded in `summary.json`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LimeRecord {
    /// Perturbed images per explained image.
    pub samples: usize,
    /// Superpixels asked of SLIC (each image's actual count is in its entry).
    pub segments: usize,
    /// SLIC compactness.
    pub compactness: f64,
    /// Grey-out: `"mean"` or the gray value.
    pub hide_color: String,
    /// Superpixels marked in the panels' "top" tiles.
    pub top: usize,
    /// Seed of the on/off draws.
    pub seed: u64,
}

/// The input map of an imported image network (see [`crate::image::Preprocessing`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreprocessingRecord {
    /// Multiplies the pixels first.
    pub scale: f64,
    /// Subtracted per channel (empty: 0).
    pub mean: Vec<f64>,
    /// Divides per channel (empty: 1).
    pub std: Vec<f64>,
}

/// `summary.json` of an image explanation run.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ImageExplainSummary {
    /// The method (`grad-cam`, `lime`, ...).
    pub method: String,
    /// The conv layer explained (`input superpixels` for LIME).
    pub layer: String,
    /// Size of the raw maps, (height, width).
    pub raw_map_size: (usize, usize),
    /// The model folder.
    pub model: String,
    /// Architecture of the model.
    pub arch: String,
    /// Class names.
    pub class_names: Vec<String>,
    /// The input map of an imported (ONNX) network, `x' = (x · scale − mean[c]) / std[c]`
    /// applied to the loader's [0, 1] pixels; absent for glassbox CNN runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preprocessing: Option<PreprocessingRecord>,
    /// Overlay alpha.
    pub alpha: f64,
    /// Bicubic kernel that upsampled the raw maps (`opencv` or `pil`); absent for LIME (no
    /// upsampling) and in runs made before glassbox recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upsampling: Option<String>,
    /// Deletion/insertion steps (0: not computed).
    pub faithfulness_steps: usize,
    /// Mean deletion AUC over the images.
    #[serde(deserialize_with = "nullable")]
    pub mean_deletion_auc: Option<f64>,
    /// Mean insertion AUC over the images.
    #[serde(deserialize_with = "nullable")]
    pub mean_insertion_auc: Option<f64>,
    /// Layers re-initialised for the randomisation check (empty: not run).
    pub randomized_layers: Vec<String>,
    /// Mean Spearman correlation with the randomised model's maps (over defined ones).
    #[serde(deserialize_with = "nullable")]
    pub mean_randomization_spearman: Option<f64>,
    /// The cascading randomisation (Adebayo et al. 2018): one step per layer of
    /// `randomized_layers`, from the top down, each re-initialising one more layer; the last
    /// step is the model `mean_randomization_spearman` describes. Empty when the check did not
    /// run (and in runs made before glassbox recorded it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub randomization_cascade: Vec<CascadeStepRecord>,
    /// LIME: mean surrogate R² over the images; null for the CAM family.
    #[serde(deserialize_with = "nullable")]
    pub mean_surrogate_r2: Option<f64>,
    /// LIME settings; null for the CAM family.
    #[serde(deserialize_with = "nullable")]
    pub lime: Option<LimeRecord>,
    /// Per image.
    pub images: Vec<ImageSummaryEntry>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::read_record;

    #[test]
    fn bundled_runs_read_as_records() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/models");
        for run in ["neu-gap-cnn", "neu-flatten-cnn"] {
            let path = std::path::Path::new(dir).join(run).join("metrics.json");
            let m: ImageTrainMetrics = read_record(&path).unwrap();
            assert_eq!(m.class_names.len(), 6);
            let _: CnnArchitecture =
                read_record(&path.with_file_name("architecture.json")).unwrap();
        }
    }

    #[test]
    fn a_missing_nullable_field_is_an_error() {
        let entry = r#"{"file":"a.png","panel":"panels/000_a.png","true_class":null,
            "predicted_class":"x","probability":0.5,"explained_class":"x",
            "explained_probability":0.5,"deletion_auc":null,"insertion_auc":null,
            "randomization_spearman":null,"surrogate_r2":null}"#;
        let e = serde_json::from_str::<ImageSummaryEntry>(entry).unwrap_err();
        assert!(e.to_string().contains("missing field `superpixels`"), "{e}");
        let full = entry.replace("null}", "null,\"superpixels\":null}");
        serde_json::from_str::<ImageSummaryEntry>(&full).unwrap();
    }
}
