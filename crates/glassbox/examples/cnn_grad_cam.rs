//! CNN Grad-CAM on one image: load the bundled NEU network (a trained `glassbox image train`
//! run), explain one test image with Grad-CAM, print the predicted class and the faithfulness
//! of the map, and write the run folder (panel, overlay, maps, curves, summary.json).
//!
//! `cargo run -p glassbox --example cnn_grad_cam [OUT_DIR]` (default: a temporary folder).

use std::path::{Path, PathBuf};

use glassbox::image::{
    ImageExplainSettings, ImageInputs, ImageMethod, ImageModel, explain_images,
    write_image_explanation,
};
use glassbox::run_dir::Staging;
use glassbox::{Model, NoProgress};

fn main() -> glassbox::Result<()> {
    let data = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data"));
    // Any model loads as a `Model`; the image explainers take a CNN's `ImageModel`.
    let model = ImageModel::try_from(Model::load(&data.join("models/neu-gap-cnn"))?)?;
    let image = data.join("neu/scratches/scratches_260.png");
    let inputs = ImageInputs::from_files(&model, &[image], false)?;
    let settings = ImageExplainSettings {
        steps: 20,
        ..ImageExplainSettings::default()
    };
    let method: ImageMethod = "grad-cam".parse()?;
    let e = explain_images(&model, &inputs, method, &settings, &NoProgress)?;

    let names = model.class_names();
    let f = &e.faithfulness.as_ref().expect("steps > 0")[0];
    println!(
        "predicted {} ({:.1}%), Grad-CAM at {}: deletion AUC {:.3}, insertion AUC {:.3}, \
         randomisation Spearman {:?}",
        names[e.predicted[0]],
        100.0 * e.probabilities[[0, e.predicted[0]]],
        e.layer,
        f.deletion.auc,
        f.insertion.auc,
        e.randomization.as_ref().and_then(|r| r[0]),
    );

    let out = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("glassbox-cnn-grad-cam"));
    let staging = Staging::new(&out, true)?;
    write_image_explanation(&e, &model, &inputs, staging.dir(), &NoProgress)?;
    let dir = staging.commit()?;
    println!("run folder: {}", dir.display());
    Ok(())
}
