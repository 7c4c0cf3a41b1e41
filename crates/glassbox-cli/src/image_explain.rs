//! `glassbox image explain`: flags -> [`glassbox::image::ImageExplainSettings`] ->
//! [`glassbox::image::explain_images`] -> the run folder and one line on stderr.

use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::Args;
use glassbox::Model;
use glassbox::explain::cam::BicubicKernel;
use glassbox::image::{
    FolderSelection, FolderSetting, FolderSettings, ImageExplainSettings, ImageInputs, ImageMethod,
    ImageModel, Preprocessing, check_settings, explain_images, seed_is_used,
    write_image_explanation,
};
use glassbox::model::LoadOptions;
use glassbox::records::image::ImageExplainSummary;
use glassbox::run_dir::final_path;

use crate::image_explain_lime::LimeArgs;
use crate::progress::Bars;

/// Image-folder options shared by `image train` and `image explain --data`.
#[derive(Args, Debug, Clone)]
pub struct FolderArgs {
    /// Share of each class held out for testing when the folder has no manifest.csv.
    #[arg(long, default_value_t = FolderSettings::default().test_fraction, help_heading = "Image folder")]
    pub test_fraction: f64,
    /// Split at random even if the folder has a manifest.csv.
    #[arg(long, help_heading = "Image folder")]
    pub ignore_manifest: bool,
}

impl FolderArgs {
    /// The library's folder settings.
    pub fn settings(&self) -> FolderSettings {
        FolderSettings {
            test_fraction: self.test_fraction,
            ignore_manifest: self.ignore_manifest,
        }
    }
}

fn parse_kernel(s: &str) -> Result<BicubicKernel, String> {
    s.parse()
        .map_err(|e: glassbox::explain::ExplainError| e.to_string())
}

fn parse_method(s: &str) -> Result<ImageMethod, String> {
    s.parse().map_err(|e: glassbox::Error| e.to_string())
}

/// Arguments of `glassbox image explain`.
#[derive(Args, Debug, Clone)]
pub struct ExplainArgs {
    /// Model: a folder written by `glassbox image train` (weights.safetensors,
    /// architecture.json), or an ONNX image network (`*.onnx`, input (N, 1 or 3, H, W): gray
    /// or R, G, B; see --scale, --mean, --std).
    #[arg(long, value_name = "DIR|FILE")]
    pub model: PathBuf,
    /// Method: cam (gap-cnn only), grad-cam, grad-cam++, score-cam, xgrad-cam, hires-cam,
    /// layer-cam, eigen-cam (class-agnostic) or lime (superpixels, model-agnostic; see the LIME
    /// options).
    #[arg(long, default_value = "grad-cam", value_parser = parse_method)]
    pub method: ImageMethod,
    /// Image files to explain.
    #[arg(long, num_args = 1.., value_name = "FILES", required_unless_present = "data", conflicts_with = "data")]
    pub images: Vec<PathBuf>,
    /// Image folder to take test images from (with --per-class): the test images the model's
    /// run recorded (test_predictions.csv) when the folder holds them all, else the folder's
    /// own test split (manifest.csv, or --test-fraction and --seed).
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Test images per class taken from --data (the first ones, in file order).
    #[arg(long, default_value_t = FolderSelection::default().per_class, value_name = "K")]
    pub per_class: usize,
    /// Conv layer to explain (conv1, conv2, ... in forward order; default: the last).
    #[arg(long, value_name = "NAME")]
    pub layer: Option<String>,
    /// Class to explain, by name or index (default: each image's predicted class).
    #[arg(long, value_name = "NAME|INDEX")]
    pub class: Option<String>,
    /// Weight of the heat map in the overlay, 0 to 1.
    #[arg(long, default_value_t = ImageExplainSettings::default().alpha)]
    pub alpha: f64,
    /// Resize images of another size to the model's input size instead of refusing them.
    #[arg(long)]
    pub resize: bool,
    /// Bicubic kernel that upsamples the raw maps to the image size: opencv (cv2.INTER_CUBIC,
    /// a = -0.75, what the CAM literature's code uses) or pil (Image.BICUBIC, a = -0.5).
    /// Not with --method lime.
    #[arg(long, default_value_t = ImageExplainSettings::default().upsampling, value_parser = parse_kernel)]
    pub upsampling: BicubicKernel,
    /// Steps of the deletion and insertion curves (0 skips them).
    #[arg(long, default_value_t = ImageExplainSettings::default().steps)]
    pub steps: usize,
    /// Parameter layers re-initialised, from the top, for the randomisation sanity check
    /// (1: the classifier head; 0 skips the check). With K > 1 the check cascades (Adebayo et
    /// al. 2018): the top layer, then one more layer down per step, K steps, each step's mean
    /// rank correlation recorded in summary.json and shown in the report.
    #[arg(long, default_value_t = ImageExplainSettings::default().randomize_top)]
    pub randomize_top: usize,
    /// Seed of the re-initialised weights, of LIME's perturbations, and of the split of a --data
    /// folder without a recorded test set or manifest.
    #[arg(long, default_value_t = ImageExplainSettings::default().seed)]
    pub seed: u64,
    /// ONNX image networks: multiply the loader's pixel values (0 to 1) by this first (255 for
    /// a network trained on 0-255 values).
    #[arg(long, value_name = "X", help_heading = "ONNX image networks")]
    pub scale: Option<f64>,
    /// ONNX image networks: subtract this per channel after --scale (one value, or one per
    /// channel), as a Normalize(mean, std) step before export did.
    #[arg(long, value_name = "M[,M...]", help_heading = "ONNX image networks")]
    pub mean: Option<String>,
    /// ONNX image networks: then divide by this per channel (one value, or one per channel).
    #[arg(long, value_name = "S[,S...]", help_heading = "ONNX image networks")]
    pub std: Option<String>,
    #[command(flatten)]
    pub folder: FolderArgs,
    #[command(flatten)]
    pub lime: LimeArgs,
    /// Output folder (must be absent or empty unless --force).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Replace a non-empty output folder.
    #[arg(long)]
    pub force: bool,
}

impl ExplainArgs {
    /// The input map of an ONNX image network from --scale, --mean and --std.
    fn preprocessing(&self) -> Result<Preprocessing> {
        let list = |v: &Option<String>, flag: &str| {
            v.as_deref()
                .map(|t| Preprocessing::parse_list(t, flag))
                .transpose()
                .map(Option::unwrap_or_default)
        };
        Ok(Preprocessing {
            scale: self.scale.unwrap_or(1.0),
            mean: list(&self.mean, "--mean")?,
            std: list(&self.std, "--std")?,
        })
    }

    /// The library's settings (the class resolved against `model`).
    fn settings(&self, model: &ImageModel) -> Result<ImageExplainSettings> {
        Ok(ImageExplainSettings {
            layer: self.layer.clone(),
            class: self
                .class
                .as_deref()
                .map(|c| model.resolve_class(c))
                .transpose()?,
            alpha: self.alpha,
            steps: self.steps,
            randomize_top: self.randomize_top,
            seed: self.seed,
            lime: self.lime.settings(),
            upsampling: self.upsampling,
        })
    }

    /// Refuses typed folder settings (`given`) that the chosen input ignores (every one with
    /// --images), and a typed `--seed` (`seed_typed`) where nothing is drawn at random.
    fn refuse_unused(
        &self,
        given: &[FolderSetting],
        seed_typed: bool,
        settings: &ImageExplainSettings,
    ) -> Result<()> {
        if self.data.is_none() {
            FolderSetting::refuse_without_folder(given, "--images")?;
        }
        if seed_typed && !seed_is_used(self.method, settings, self.data.is_some()) {
            bail!(
                "--seed does not apply: {} with --randomize-top 0 on --images draws nothing at                  random (the seed drives LIME's perturbations, the randomisation check's                  weights and the random split of a --data folder); remove it",
                self.method
            );
        }
        Ok(())
    }

    /// The images to explain: --images, or the test images of --data; with --data, notes on
    /// the typed folder settings (`given`) the selection does not use.
    fn inputs(
        &self,
        model: &ImageModel,
        given: &[FolderSetting],
    ) -> Result<(ImageInputs, Vec<String>)> {
        Ok(match &self.data {
            Some(data) => {
                let selection = FolderSelection {
                    per_class: self.per_class,
                    folder: self.folder.settings(),
                    seed: self.seed,
                };
                let unused = selection.unused_notes(model, data, given);
                let inputs = ImageInputs::from_folder(model, data, &selection, self.resize)?;
                (inputs, unused)
            }
            None => (
                ImageInputs::from_files(model, &self.images, self.resize)?,
                Vec::new(),
            ),
        })
    }
}

/// Runs `image explain`; `given` lists the folder settings the user typed and `seed_typed`
/// whether `--seed` was typed: each is refused where the run does not read it. Returns the
/// output folder and the summary.
pub fn run_given(
    args: &ExplainArgs,
    given: &[FolderSetting],
    seed_typed: bool,
    quiet: bool,
) -> Result<(PathBuf, ImageExplainSummary)> {
    let options = LoadOptions {
        preprocessing: args.preprocessing()?,
        ..LoadOptions::default()
    };
    let model = ImageModel::try_from(Model::load_with(&args.model, &options)?)?;
    let settings = args.settings(&model)?;
    args.refuse_unused(given, seed_typed, &settings)?;
    check_settings(&model, args.method, &settings)?;
    let mut inputs: Vec<&std::path::Path> = vec![args.model.as_path()];
    inputs.extend(args.images.iter().map(PathBuf::as_path));
    inputs.extend(args.data.as_deref());
    let staging = crate::output::stage(&args.out, args.force, &inputs, quiet)?;
    let (inputs, unused) = args.inputs(&model, given)?;
    print_notes(&unused, quiet);
    print_notes(&inputs.notes, quiet);
    let bars = Bars::new(quiet);
    let explanation = explain_images(&model, &inputs, args.method, &settings, &bars)?;
    let summary = write_image_explanation(&explanation, &model, &inputs, staging.dir(), &bars)?;
    let dir = staging.commit()?;
    if !quiet {
        let opt = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.3}"));
        eprintln!(
            "explained {} image(s) with {} at {}: mean deletion AUC {}, insertion AUC {}, \
             randomisation Spearman {} -> {}",
            inputs.len(),
            args.method,
            explanation.layer,
            opt(summary.mean_deletion_auc),
            opt(summary.mean_insertion_auc),
            opt(summary.mean_randomization_spearman),
            final_path(&dir).display()
        );
    }
    Ok((dir, summary))
}

/// Prints the library's notes on what loading changed, unless quiet.
pub fn print_notes(notes: &[String], quiet: bool) {
    if !quiet {
        for n in notes {
            eprintln!("note: {n}");
        }
    }
}
