//! Images: CNN runs (training on image folders) and the one explain entry point for images
//! (the CAM family and LIME, with faithfulness checks).
//!
//! - [`crate::Model::load`] reads a trained CNN run folder (`glassbox image train`'s output)
//!   like any other model; its [`ImageModel`] (`ImageModel::try_from(model)`, or
//!   [`crate::Model::image`]) is what the functions here take. A table model is refused with an
//!   error naming its kind. [`ImageModel::load`] does both steps.
//! - [`ImageInputs`] are the images to explain, loaded as the model needs them:
//!   [`ImageInputs::from_files`] or [`ImageInputs::from_folder`] (the run's recorded test
//!   images).
//! - [`explain_images`] computes CAM-family maps (`cam`, `grad-cam`, `grad-cam++`,
//!   `score-cam`, `xgrad-cam`, `hires-cam`, `layer-cam`, `eigen-cam`) or LIME superpixel
//!   weights ([`ImageMethod`]), with the deletion/insertion curves and the
//!   model-randomisation check that [`ImageExplainSettings`] ask for;
//!   [`write_image_explanation`] writes the run folder (panels, overlays, maps as CSV and
//!   .npy, curves, grid, `summary.json`).
//! - [`train_cnn`] trains a CNN on an image folder; [`ImageTraining::write`] writes its run
//!   folder.
//!
//! Grad-CAM of the bundled NEU network on one image:
//!
//! ```
//! use glassbox::image::{
//!     ImageExplainSettings, ImageInputs, ImageMethod, ImageModel, explain_images,
//! };
//! use glassbox::{Model, NoProgress};
//! # fn main() -> glassbox::Result<()> {
//! let run = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/models/neu-gap-cnn");
//! let image = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/neu/scratches/scratches_260.png");
//! let model = ImageModel::try_from(Model::load(run.as_ref())?)?; // errors for table models
//! let inputs = ImageInputs::from_files(&model, &[image.into()], false)?;
//! let settings = ImageExplainSettings {
//!     steps: 10,        // a short deletion/insertion curve
//!     randomize_top: 0, // no randomisation check
//!     ..ImageExplainSettings::default()
//! };
//! let method: ImageMethod = "grad-cam".parse()?;
//! let e = explain_images(&model, &inputs, method, &settings, &NoProgress)?;
//! let class = &model.class_names()[e.predicted[0]];
//! assert_eq!(e.maps.dim(), (1, 200, 200)); // one map at the image size, values in [0, 1]
//! assert_eq!(e.layer, "conv4");            // the last conv layer
//! let curves = &e.faithfulness.as_ref().unwrap()[0];
//! println!("{class}: deletion AUC {:.3}", curves.deletion.auc);
//! # Ok(()) }
//! ```

mod explain;
mod explain_write;
mod inputs;
mod lime;
mod method;
mod model;
mod preprocessing;
mod settings;
mod train;
mod train_write;

pub use explain::{
    ImageExplanation, LIME_LAYER, MapDetail, check_settings, explain_images, seed_is_used,
};
pub use explain_write::{EXPLAIN_SUBFOLDERS, GRID_SVG_MAX_ROWS, write_image_explanation};
pub use glassbox_explain::lime::image::HideColor;
pub use glassbox_models::nn::{Augment, CnnArch, LrSchedule};
pub use inputs::{
    FolderSelection, FolderSetting, FolderSettings, ImageInputs, load_folder, load_notes,
};
pub use method::ImageMethod;
pub use model::{ImageModel, TEST_PREDICTIONS_FILE, TestPrediction};
pub use preprocessing::Preprocessing;
pub use settings::{ImageExplainSettings, LimeSettings, hide_color_name, parse_hide_color};
pub use train::{
    ImageTrainSettings, ImageTraining, TestOutcome, epoch_line, test_accuracy, train_cnn,
};
