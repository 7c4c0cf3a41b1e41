//! [`ImageInputs`]: the images to explain, with their true classes where known, loaded as the
//! model needs them (its input size, grayscale).

use std::path::{Path, PathBuf};

use glassbox_data::{
    DataError, ImageBatch, ImageDataset, ImageFolderOptions, ImageLoadOptions, MANIFEST_NAME,
    load_image_files, load_image_folder,
};

use super::ImageModel;
use crate::{Error, Result};

/// How an image folder is split when it has no recorded or manifest split.
#[derive(Clone, Debug, PartialEq)]
pub struct FolderSettings {
    /// Share of each class held out for testing when the folder has no manifest.csv.
    pub test_fraction: f64,
    /// Split at random even if the folder has a manifest.csv.
    pub ignore_manifest: bool,
}

impl Default for FolderSettings {
    fn default() -> Self {
        FolderSettings {
            test_fraction: 0.2,
            ignore_manifest: false,
        }
    }
}

/// A setting of how images are taken from an image folder (named as its command-line flag):
/// read only when the images come from a folder, and `--test-fraction` only when the folder's
/// split is drawn at random.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FolderSetting {
    /// `--per-class` ([`FolderSelection::per_class`]).
    PerClass,
    /// `--test-fraction` ([`FolderSettings::test_fraction`]).
    TestFraction,
    /// `--ignore-manifest` ([`FolderSettings::ignore_manifest`]).
    IgnoreManifest,
}

impl FolderSetting {
    /// Every setting.
    pub const ALL: [FolderSetting; 3] = [
        FolderSetting::PerClass,
        FolderSetting::TestFraction,
        FolderSetting::IgnoreManifest,
    ];

    /// The command-line flag, e.g. `--test-fraction`.
    pub fn flag(self) -> &'static str {
        match self {
            FolderSetting::PerClass => "--per-class",
            FolderSetting::TestFraction => "--test-fraction",
            FolderSetting::IgnoreManifest => "--ignore-manifest",
        }
    }

    /// The setting whose flag, without dashes, is `name` (`test-fraction` or `test_fraction`).
    pub fn from_flag(name: &str) -> Option<FolderSetting> {
        let name = name.trim_start_matches('-').replace('_', "-");
        FolderSetting::ALL
            .into_iter()
            .find(|s| s.flag().trim_start_matches('-') == name)
    }

    /// Refuses every folder setting in `given` for images that do not come from a folder
    /// (`instead` names where they come from, e.g. `--images`).
    pub fn refuse_without_folder(given: &[FolderSetting], instead: &str) -> Result<()> {
        match given.first() {
            None => Ok(()),
            Some(s) => Err(Error::Settings(format!(
                "{} applies only with --data (test images taken from a folder); the images \
                 here come from {instead}: remove it",
                s.flag()
            ))),
        }
    }
}

impl FolderSettings {
    /// Refuses settings in `given` that the split of the folder `data` would ignore:
    /// `--test-fraction` when `data`'s manifest.csv fixes the split (and `ignore_manifest` is
    /// off), and `--ignore-manifest` when `data` has no manifest.csv to ignore. `given` lists
    /// the settings set explicitly (on the command line: the flags typed).
    pub fn refuse_unused(&self, data: &Path, given: &[FolderSetting]) -> Result<()> {
        let manifest = data.join(MANIFEST_NAME);
        if self.ignore_manifest && !manifest.is_file() && data.is_dir() {
            return Err(Error::Settings(format!(
                "--ignore-manifest does not apply: {} has no {MANIFEST_NAME} (the split is \
                 random with --test-fraction already); remove it",
                data.display()
            )));
        }
        if given.contains(&FolderSetting::TestFraction)
            && !self.ignore_manifest
            && manifest.is_file()
        {
            return Err(Error::Settings(format!(
                "--test-fraction does not apply: {} fixes the split (add --ignore-manifest to \
                 split at random with --test-fraction, or remove it)",
                manifest.display()
            )));
        }
        Ok(())
    }
}

/// Loads and splits an image folder (`load` as for the loader, `seed` for a random split).
pub fn load_folder(
    data: &Path,
    folder: &FolderSettings,
    seed: u64,
    load: ImageLoadOptions,
) -> Result<ImageDataset> {
    let opts = ImageFolderOptions {
        load,
        use_manifest: !folder.ignore_manifest,
        test_fraction: folder.test_fraction,
        seed,
    };
    Ok(load_image_folder(data, &opts)?)
}

/// How test images are taken from an image folder for an explanation.
#[derive(Clone, Debug, PartialEq)]
pub struct FolderSelection {
    /// Test images per class (the first ones, in the record's or the folder's order).
    pub per_class: usize,
    /// The split of a folder without a recorded test set (see [`FolderSettings`]).
    pub folder: FolderSettings,
    /// Seed of that split.
    pub seed: u64,
}

impl Default for FolderSelection {
    fn default() -> Self {
        FolderSelection {
            per_class: 2,
            folder: FolderSettings::default(),
            seed: 42,
        }
    }
}

impl FolderSelection {
    /// Notes on the folder settings in `given` (the ones typed) that taking test images of
    /// `model` from `data` does not use: `--test-fraction` and `--ignore-manifest` when `data`
    /// holds the test images the model's run recorded (those are taken, so that no training
    /// image is explained as a test image), and `--test-fraction` when `data`'s manifest.csv
    /// fixes the split. Notes rather than refusals: these settings are the fallback for a
    /// folder without the recorded test images, which the user cannot always know in advance.
    pub fn unused_notes(
        &self,
        model: &ImageModel,
        data: &Path,
        given: &[FolderSetting],
    ) -> Vec<String> {
        let typed = |s: FolderSetting| given.contains(&s).then_some(s.flag());
        let split_flags: Vec<&str> = [FolderSetting::TestFraction, FolderSetting::IgnoreManifest]
            .into_iter()
            .filter_map(typed)
            .collect();
        if split_flags.is_empty() || self.per_class == 0 {
            return Vec::new();
        }
        if recorded_test_images(model, data, self.per_class).is_some() {
            return vec![format!(
                "{} not used: {} holds the test images recorded in {}, which are taken",
                split_flags.join(" and "),
                data.display(),
                model
                    .dir()
                    .join(super::model::TEST_PREDICTIONS_FILE)
                    .display()
            )];
        }
        match self.folder.refuse_unused(data, given) {
            Ok(()) => Vec::new(),
            Err(e) => vec![e.to_string()],
        }
    }
}

/// The images to explain: a batch (samples, 1, H, W) at the model's input size, each image's
/// true class where known, and notes on what loading changed.
#[derive(Clone, Debug)]
pub struct ImageInputs {
    /// The images, their paths and what loading did to them.
    pub batch: ImageBatch,
    /// True class index per image, length samples (`None` where unknown).
    pub truth: Vec<Option<usize>>,
    /// Plain-language notes for the user (colour conversions, resizes, a folder that does
    /// not hold the recorded test images).
    pub notes: Vec<String>,
}

impl ImageInputs {
    /// Loads image files for `model` (resized to its input size when `resize`, else refused
    /// at another size). A parent folder named after a class is taken as the true class.
    pub fn from_files(model: &ImageModel, files: &[PathBuf], resize: bool) -> Result<ImageInputs> {
        let batch = load_image_files(files, &model.load_options(resize)).map_err(size_hint)?;
        let names = model.class_names();
        let truth = batch
            .paths
            .iter()
            .map(|p| {
                let parent = p.parent()?.file_name()?.to_str()?;
                names.iter().position(|n| n == parent)
            })
            .collect();
        let notes = load_notes(&[&batch]);
        Ok(ImageInputs {
            batch,
            truth,
            notes,
        })
    }

    /// Takes test images of every class from the folder `data`: the test images the model's
    /// run recorded (its `test_predictions.csv`) when the folder holds them all, else the
    /// folder's own test split (manifest.csv, or `selection.folder` with `selection.seed`).
    ///
    /// Preferring the record matters: a new split (another seed or test fraction than
    /// training used) could hand the explanation images the model was trained on.
    pub fn from_folder(
        model: &ImageModel,
        data: &Path,
        selection: &FolderSelection,
        resize: bool,
    ) -> Result<ImageInputs> {
        if selection.per_class == 0 {
            return Err(Error::Settings("--per-class must be at least 1".into()));
        }
        let load = model.load_options(resize);
        if let Some((paths, labels)) = recorded_test_images(model, data, selection.per_class) {
            let batch = load_image_files(&paths, &load).map_err(size_hint)?;
            let notes = load_notes(&[&batch]);
            let truth = labels.into_iter().map(Some).collect();
            return Ok(ImageInputs {
                batch,
                truth,
                notes,
            });
        }
        let mut notes = Vec::new();
        if model.test_predictions().is_some() {
            notes.push(format!(
                "{} does not hold the test images recorded in {}; taking its own test split",
                data.display(),
                model
                    .dir()
                    .join(super::model::TEST_PREDICTIONS_FILE)
                    .display()
            ));
        }
        let ds =
            load_folder(data, &selection.folder, selection.seed, load).map_err(|e| match e {
                Error::Data(d) => size_hint(d),
                e => e,
            })?;
        let names = model.class_names();
        if ds.class_names != names {
            return Err(Error::Input(format!(
                "{}: the folder's classes [{}] differ from the model's [{}]",
                data.display(),
                ds.class_names.join(", "),
                names.join(", ")
            )));
        }
        let sel = ds.test.first_per_class(selection.per_class, names.len());
        notes.extend(load_notes(&[&sel.batch]));
        let truth = sel.labels.iter().map(|&l| Some(l)).collect();
        Ok(ImageInputs {
            batch: sel.batch,
            truth,
            notes,
        })
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.batch.len()
    }

    /// True when there is no image.
    pub fn is_empty(&self) -> bool {
        self.batch.is_empty()
    }
}

/// A size error with the hint of the option that resizes.
fn size_hint(e: DataError) -> Error {
    match e {
        e @ DataError::ImageSize { .. } => Error::Input(format!("{e} (--resize)")),
        e => e.into(),
    }
}

/// The recorded test images of `model` found again under `data`: the first `k` of each class
/// (in the record's order), classes in the model's order, as (paths, labels). `None` without a
/// record, or when some recorded test image is not at `data/<class>/<file name>`.
fn recorded_test_images(
    model: &ImageModel,
    data: &Path,
    k: usize,
) -> Option<(Vec<PathBuf>, Vec<usize>)> {
    let names = model.class_names();
    let mut rows = Vec::new();
    for p in model.test_predictions()? {
        let path = data.join(&names[p.label]).join(p.file.file_name()?);
        if !path.is_file() {
            return None;
        }
        rows.push((path, p.label));
    }
    let mut chosen = Vec::new();
    for c in 0..names.len() {
        chosen.extend(rows.iter().filter(|(_, l)| *l == c).take(k).cloned());
    }
    Some(chosen.into_iter().unzip())
}

/// What loading changed in `batches` (colour conversions, resizes), as notes for the user.
pub fn load_notes(batches: &[&ImageBatch]) -> Vec<String> {
    let color: Vec<&Path> = batches
        .iter()
        .flat_map(|b| b.converted_from_color())
        .collect();
    let resized: Vec<&Path> = batches.iter().flat_map(|b| b.resized()).collect();
    let mut notes = Vec::new();
    if let Some(first) = color.first() {
        notes.push(format!(
            "{} colour image(s) converted to grayscale (luma), e.g. {}",
            color.len(),
            first.display()
        ));
    }
    if let Some(first) = resized.first() {
        notes.push(format!(
            "{} image(s) resized, e.g. {}",
            resized.len(),
            first.display()
        ));
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_settings_are_refused_where_they_do_not_apply() {
        for s in FolderSetting::ALL {
            assert_eq!(FolderSetting::from_flag(s.flag()), Some(s));
        }
        assert_eq!(
            FolderSetting::from_flag("ignore_manifest"),
            Some(FolderSetting::IgnoreManifest)
        );
        assert!(FolderSetting::refuse_without_folder(&[], "--images").is_ok());
        let e = FolderSetting::refuse_without_folder(&[FolderSetting::PerClass], "--images")
            .unwrap_err();
        assert!(matches!(e, Error::Settings(_)));
        assert!(
            e.to_string()
                .starts_with("--per-class applies only with --data"),
            "{e}"
        );

        let dir = tempfile::tempdir().unwrap();
        let given = [FolderSetting::TestFraction];
        let split = FolderSettings::default();
        // No manifest: the fraction draws the split.
        assert!(split.refuse_unused(dir.path(), &given).is_ok());
        std::fs::write(
            dir.path().join(MANIFEST_NAME),
            "file,class,class_id,split\n",
        )
        .unwrap();
        let e = split
            .refuse_unused(dir.path(), &given)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("--test-fraction does not apply") && e.contains("--ignore-manifest"),
            "{e}"
        );
        // Not typed (the default), or with --ignore-manifest: nothing to refuse.
        assert!(split.refuse_unused(dir.path(), &[]).is_ok());
        let ignoring = FolderSettings {
            ignore_manifest: true,
            ..FolderSettings::default()
        };
        assert!(ignoring.refuse_unused(dir.path(), &given).is_ok());
        // Without a manifest there is nothing to ignore.
        let empty = tempfile::tempdir().unwrap();
        let e = ignoring
            .refuse_unused(empty.path(), &[])
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("--ignore-manifest does not apply") && e.contains("manifest.csv"),
            "{e}"
        );
        assert!(split.refuse_unused(empty.path(), &given).is_ok());
    }

    #[test]
    fn folder_settings_the_selection_does_not_use_are_noted() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data");
        let model = ImageModel::load(&root.join("models/neu-gap-cnn")).unwrap();
        let selection = FolderSelection::default();
        let both = [FolderSetting::TestFraction, FolderSetting::IgnoreManifest];
        // The bundled folder holds the recorded test images: the split settings are not used.
        let neu = root.join("neu");
        assert!(selection.unused_notes(&model, &neu, &[]).is_empty());
        let notes = selection.unused_notes(&model, &neu, &both);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(
            notes[0].starts_with("--test-fraction and --ignore-manifest not used")
                && notes[0].contains("test_predictions.csv"),
            "{notes:?}"
        );
        // A folder without them whose manifest fixes the split: --test-fraction is not used,
        // unless --ignore-manifest is on.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(MANIFEST_NAME),
            "file,class,class_id,split\n",
        )
        .unwrap();
        let notes = selection.unused_notes(&model, dir.path(), &[FolderSetting::TestFraction]);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].contains("fixes the split"), "{notes:?}");
        let ignoring = FolderSelection {
            folder: FolderSettings {
                ignore_manifest: true,
                ..FolderSettings::default()
            },
            ..FolderSelection::default()
        };
        assert!(ignoring.unused_notes(&model, dir.path(), &both).is_empty());
    }
}
