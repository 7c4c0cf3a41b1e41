//! The training settings that only one kind of model reads, and the refusal of those that do
//! not apply to the model being trained.

use super::ModelKind;
use crate::{Error, Result};

/// A setting of [`super::train`] that only one [`ModelKind`] reads (named as its
/// command-line flag).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TrainSetting {
    /// `--n-trees` (forest).
    NTrees,
    /// `--max-depth` (forest).
    MaxDepth,
    /// `--min-samples-split` (forest).
    MinSamplesSplit,
    /// `--min-samples-leaf` (forest).
    MinSamplesLeaf,
    /// `--max-features` (forest).
    MaxFeatures,
    /// `--hidden` (MLP).
    Hidden,
    /// `--epochs` (MLP).
    Epochs,
    /// `--batch-size` (MLP).
    BatchSize,
    /// `--lr` (MLP).
    Lr,
}

impl TrainSetting {
    /// Every setting.
    pub const ALL: [TrainSetting; 9] = [
        TrainSetting::NTrees,
        TrainSetting::MaxDepth,
        TrainSetting::MinSamplesSplit,
        TrainSetting::MinSamplesLeaf,
        TrainSetting::MaxFeatures,
        TrainSetting::Hidden,
        TrainSetting::Epochs,
        TrainSetting::BatchSize,
        TrainSetting::Lr,
    ];

    /// The command-line flag, e.g. `--n-trees`.
    pub fn flag(self) -> &'static str {
        match self {
            TrainSetting::NTrees => "--n-trees",
            TrainSetting::MaxDepth => "--max-depth",
            TrainSetting::MinSamplesSplit => "--min-samples-split",
            TrainSetting::MinSamplesLeaf => "--min-samples-leaf",
            TrainSetting::MaxFeatures => "--max-features",
            TrainSetting::Hidden => "--hidden",
            TrainSetting::Epochs => "--epochs",
            TrainSetting::BatchSize => "--batch-size",
            TrainSetting::Lr => "--lr",
        }
    }

    /// The setting whose flag, without dashes, is `name` (`n-trees` or `n_trees`).
    pub fn from_flag(name: &str) -> Option<TrainSetting> {
        let name = name.trim_start_matches('-').replace('_', "-");
        TrainSetting::ALL
            .into_iter()
            .find(|s| s.flag().trim_start_matches('-') == name)
    }

    /// The kind of model that reads this setting.
    pub fn model(self) -> ModelKind {
        match self {
            TrainSetting::NTrees
            | TrainSetting::MaxDepth
            | TrainSetting::MinSamplesSplit
            | TrainSetting::MinSamplesLeaf
            | TrainSetting::MaxFeatures => ModelKind::Forest,
            TrainSetting::Hidden
            | TrainSetting::Epochs
            | TrainSetting::BatchSize
            | TrainSetting::Lr => ModelKind::Mlp,
        }
    }
}

impl ModelKind {
    /// Whether training this kind of model reads `setting`.
    pub fn uses(self, setting: TrainSetting) -> bool {
        setting.model() == self
    }

    /// `a forest` or `an MLP`, for messages.
    fn described(self) -> &'static str {
        match self {
            ModelKind::Forest => "a forest",
            ModelKind::Mlp => "an MLP",
        }
    }

    /// Refuses settings the user gave that training this kind of model would ignore, naming
    /// the flag and the model it applies to. `given` lists the settings set explicitly (on the
    /// command line: the flags the user typed, not the defaults).
    pub fn refuse_unused(self, given: &[TrainSetting]) -> Result<()> {
        match given.iter().find(|s| !self.uses(**s)) {
            None => Ok(()),
            Some(s) => Err(Error::Settings(format!(
                "{} applies to --model {}; this trains {} (remove it, or add --model {})",
                s.flag(),
                s.model().name(),
                self.described(),
                s.model().name()
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_model_refuses_the_other_models_settings_and_takes_its_own() {
        for s in TrainSetting::ALL {
            assert_eq!(TrainSetting::from_flag(s.flag()), Some(s));
            assert!(s.model().refuse_unused(&[s]).is_ok(), "{s:?}");
        }
        let e = ModelKind::Forest
            .refuse_unused(&[TrainSetting::Epochs])
            .unwrap_err();
        assert!(matches!(e, Error::Settings(_)));
        assert_eq!(
            e.to_string(),
            "--epochs applies to --model mlp; this trains a forest (remove it, or add --model mlp)"
        );
        let e = ModelKind::Mlp
            .refuse_unused(&[TrainSetting::Lr, TrainSetting::MaxDepth])
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("--max-depth applies to --model forest; this trains an MLP"),
            "{e}"
        );
        assert_eq!(
            TrainSetting::from_flag("min_samples_leaf"),
            Some(TrainSetting::MinSamplesLeaf)
        );
        assert_eq!(TrainSetting::from_flag("seed"), None);
        assert!(ModelKind::Forest.refuse_unused(&[]).is_ok());
    }
}
