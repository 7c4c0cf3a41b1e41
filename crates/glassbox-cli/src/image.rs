//! `glassbox image train`: flags -> [`glassbox::image::ImageTrainSettings`] ->
//! [`glassbox::image::train_cnn`] -> the run folder. `glassbox image explain` is in
//! `image_explain.rs`.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand, ValueEnum};
use glassbox::image::{Augment, CnnArch, FolderSetting, ImageTrainSettings, LrSchedule, train_cnn};
use glassbox::records::image::ImageTrainMetrics;
use glassbox::run_dir::final_path;

pub use crate::image_explain::FolderArgs;
use crate::image_explain::{self, ExplainArgs, print_notes};
use crate::progress::Bars;

/// Arguments of `glassbox image`.
#[derive(Args, Debug, Clone)]
pub struct ImageArgs {
    #[command(subcommand)]
    pub command: ImageCommand,
}

/// The `image` subcommands.
#[derive(Subcommand, Debug, Clone)]
pub enum ImageCommand {
    /// Train a CNN on an image folder (one subfolder per class; a manifest.csv may fix the split).
    Train(ImageTrainArgs),
    /// Explain a trained CNN (or an ONNX image network) with CAM-family heat maps or LIME.
    Explain(Box<ExplainArgs>),
}

/// Runs an `image` subcommand; `typed` lists the clap argument ids of that subcommand the user
/// typed (flags that do not apply are refused only when typed).
pub fn run_given(args: &ImageArgs, typed: &[&str], quiet: bool) -> Result<()> {
    let given = folder_settings(typed);
    match &args.command {
        ImageCommand::Train(a) => train_given(a, &given, quiet).map(|_| ()),
        ImageCommand::Explain(a) => {
            image_explain::run_given(a, &given, typed.contains(&"seed"), quiet).map(|_| ())
        }
    }
}

/// The image-folder settings among `ids` (clap argument ids the user typed).
pub fn folder_settings(ids: &[&str]) -> Vec<FolderSetting> {
    ids.iter()
        .copied()
        .filter_map(FolderSetting::from_flag)
        .collect()
}

/// The CNN architectures.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArchArg {
    /// Four conv blocks, global average pooling, one dense layer (CAM applies).
    GapCnn,
    /// Four conv blocks with max-pooling, flatten, Dense(64), dense output.
    FlattenCnn,
}

impl From<ArchArg> for CnnArch {
    fn from(a: ArchArg) -> CnnArch {
        match a {
            ArchArg::GapCnn => CnnArch::GapCnn,
            ArchArg::FlattenCnn => CnnArch::FlattenCnn,
        }
    }
}

impl From<CnnArch> for ArchArg {
    fn from(a: CnnArch) -> ArchArg {
        match a {
            CnnArch::GapCnn => ArchArg::GapCnn,
            CnnArch::FlattenCnn => ArchArg::FlattenCnn,
            // Never a training setting (cnn_specs refuses it); only defaults convert here.
            CnnArch::Imported => ArchArg::GapCnn,
        }
    }
}

/// Learning-rate schedules.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScheduleArg {
    /// Cosine decay from --lr to ~0 over all steps (steadier final epochs).
    Cosine,
    /// The same rate for every step (Keras' default).
    Constant,
}

impl From<ScheduleArg> for LrSchedule {
    fn from(s: ScheduleArg) -> LrSchedule {
        match s {
            ScheduleArg::Cosine => LrSchedule::Cosine,
            ScheduleArg::Constant => LrSchedule::Constant,
        }
    }
}

impl From<LrSchedule> for ScheduleArg {
    fn from(s: LrSchedule) -> ScheduleArg {
        match s {
            LrSchedule::Cosine => ScheduleArg::Cosine,
            LrSchedule::Constant => ScheduleArg::Constant,
        }
    }
}

/// Data augmentation choices.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum AugmentArg {
    /// The training images as they are.
    None,
    /// Random left-right and top-bottom mirroring (each with probability 1/2, seeded).
    Flips,
    /// Random one of the 8 symmetries of the square: rotations by multiples of 90° and
    /// mirrorings (each with probability 1/8, seeded; square images only).
    Dihedral,
}

impl From<AugmentArg> for Augment {
    fn from(a: AugmentArg) -> Augment {
        match a {
            AugmentArg::None => Augment::None,
            AugmentArg::Flips => Augment::Flips,
            AugmentArg::Dihedral => Augment::Dihedral,
        }
    }
}

fn defaults() -> ImageTrainSettings {
    ImageTrainSettings::default()
}

/// Arguments of `glassbox image train`.
#[derive(Args, Debug, Clone)]
pub struct ImageTrainArgs {
    /// Image folder: one subfolder per class (PNG, JPEG, BMP), optionally a manifest.csv with
    /// columns file, class, class_id, split.
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,
    /// Network architecture.
    #[arg(long, value_enum, default_value_t = defaults().arch.into())]
    pub arch: ArchArg,
    /// Passes over the training images (default: 45 for gap-cnn, 15 for flatten-cnn).
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Learning-rate schedule: cosine decay to ~0 over the run, or constant.
    #[arg(long, value_enum, default_value_t = defaults().lr_schedule.into())]
    pub lr_schedule: ScheduleArg,
    /// Data augmentation: none, random left-right / top-bottom mirroring of each training
    /// image per epoch (flips; for textures such as steel surfaces, whose class does not
    /// depend on the side they are seen from), or a random rotation by a multiple of 90° or
    /// mirroring (dihedral; square images whose class does not depend on the orientation).
    /// Default: dihedral for gap-cnn, none for flatten-cnn.
    #[arg(long, value_enum)]
    pub augment: Option<AugmentArg>,
    /// Label smoothing ε in [0, 1): each image's target puts 1 - ε on its class and ε spread
    /// evenly over all classes (a regulariser; 0 is the plain one-hot target). Default: 0.1 for
    /// gap-cnn, 0 for flatten-cnn.
    #[arg(long, value_name = "EPSILON")]
    pub label_smoothing: Option<f64>,
    /// Images per mini-batch.
    #[arg(long, default_value_t = defaults().batch_size)]
    pub batch_size: usize,
    /// Adam learning rate (β1 0.9, β2 0.999, ε 1e-7 as in Keras).
    #[arg(long, default_value_t = defaults().learning_rate)]
    pub lr: f64,
    /// Seed for the split (without a manifest), the weights and the shuffles.
    #[arg(long, default_value_t = defaults().seed)]
    pub seed: u64,
    /// Resize every image to HEIGHTxWIDTH (e.g. 64x64) instead of requiring one size.
    #[arg(long, value_name = "HxW", value_parser = parse_size)]
    pub resize: Option<(usize, usize)>,
    #[command(flatten)]
    pub folder: FolderArgs,
    /// Output folder (must be absent or empty unless --force).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Replace a non-empty output folder.
    #[arg(long)]
    pub force: bool,
}

impl ImageTrainArgs {
    /// The library's settings.
    pub fn settings(&self) -> ImageTrainSettings {
        ImageTrainSettings {
            arch: self.arch.into(),
            epochs: self.epochs,
            lr_schedule: self.lr_schedule.into(),
            augment: self.augment.map(Into::into),
            label_smoothing: self.label_smoothing,
            batch_size: self.batch_size,
            learning_rate: self.lr,
            seed: self.seed,
            resize: self.resize,
            folder: self.folder.settings(),
        }
    }
}

/// Parses `HxW` (or `H,W`) into (height, width).
pub fn parse_size(s: &str) -> Result<(usize, usize), String> {
    let (h, w) = s
        .split_once(['x', 'X', ','])
        .ok_or_else(|| format!("'{s}': expected HEIGHTxWIDTH, e.g. 64x64"))?;
    let p = |v: &str| {
        v.trim()
            .parse::<usize>()
            .ok()
            .filter(|&v| v > 0)
            .ok_or_else(|| format!("'{s}': expected HEIGHTxWIDTH with whole numbers > 0"))
    };
    Ok((p(h)?, p(w)?))
}

/// Runs `image train`; `given` lists the folder settings the user typed, refused where the
/// folder's split ignores them. Returns the output folder and the metrics.
pub fn train_given(
    args: &ImageTrainArgs,
    given: &[FolderSetting],
    quiet: bool,
) -> Result<(PathBuf, ImageTrainMetrics)> {
    let settings = args.settings();
    settings.folder.refuse_unused(&args.data, given)?;
    let staging = crate::output::stage(&args.out, args.force, &[&args.data], quiet)?;
    let bars = Bars::new(quiet);
    let run = train_cnn(&args.data, &settings, &bars)?;
    print_notes(&run.notes, quiet);
    run.write(staging.dir())?;
    let dir = staging.commit()?;
    let m = &run.metrics;
    if !quiet {
        let (h, w) = m.image_size;
        eprintln!(
            "trained {} on {} images ({}x{}): test accuracy {:.1}% on {} images ({:.1} s, {:.2} s/step) -> {}",
            m.arch,
            m.n_train,
            w,
            h,
            100.0 * m.test_accuracy,
            m.n_test,
            run.train_seconds,
            run.seconds_per_step,
            final_path(&dir).display()
        );
    }
    Ok((dir, run.metrics))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("64x48"), Ok((64, 48)));
        assert_eq!(parse_size("8,8"), Ok((8, 8)));
        assert!(parse_size("64").is_err());
        assert!(parse_size("0x4").is_err());
    }
}
