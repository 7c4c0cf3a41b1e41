//! The tabular explanation methods, the settings each one reads, and the refusal of settings
//! that do not apply.

use crate::{Error, Result};

/// A tabular explanation method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    /// Exact path-dependent TreeSHAP (tree models): expectations under the trees' covers.
    TreeShap,
    /// Exact interventional TreeSHAP against background rows (tree models).
    InterventionalTreeShap,
    /// Exact path-dependent SHAP interaction values (tree models).
    Interactions,
    /// DeepSHAP: DeepLIFT-rescale multipliers averaged over background rows (networks).
    DeepShap,
    /// Integrated Gradients from the (weighted) background mean (networks).
    IntegratedGradients,
    /// GradientSHAP / expected gradients against background rows (networks).
    GradientShap,
    /// KernelSHAP (any model): weighted regression over coalitions against background rows.
    KernelShap,
    /// LIME tabular (any model): a weighted ridge surrogate around each row.
    Lime,
    /// Permutation importance (any model): drop in a score when a feature is shuffled.
    Permutation,
    /// Partial dependence and ICE curves (any model).
    Pdp,
}

impl Method {
    /// Every method, in the order the command line lists them.
    pub const ALL: [Method; 10] = [
        Method::TreeShap,
        Method::InterventionalTreeShap,
        Method::Interactions,
        Method::DeepShap,
        Method::IntegratedGradients,
        Method::GradientShap,
        Method::KernelShap,
        Method::Lime,
        Method::Permutation,
        Method::Pdp,
    ];

    /// The method's name on the command line and in records.
    pub fn name(self) -> &'static str {
        match self {
            Method::TreeShap => "tree-shap",
            Method::InterventionalTreeShap => "interventional-tree-shap",
            Method::Interactions => "interactions",
            Method::DeepShap => "deep-shap",
            Method::IntegratedGradients => "integrated-gradients",
            Method::GradientShap => "gradient-shap",
            Method::KernelShap => "kernel-shap",
            Method::Lime => "lime",
            Method::Permutation => "permutation",
            Method::Pdp => "pdp",
        }
    }

    /// Whether the method gives one value per row and feature (all but permutation
    /// importance and partial dependence, which are global).
    pub fn is_per_row(self) -> bool {
        !matches!(self, Method::Permutation | Method::Pdp)
    }

    /// Whether a table can be explained with the method in chunks
    /// ([`super::explain_streaming`]): every per-row method but interactions (features x
    /// features per row) and LIME (a surrogate record per row).
    pub fn can_stream(self) -> bool {
        self.is_per_row() && !matches!(self, Method::Interactions | Method::Lime)
    }

    /// Whether the method's values are exact Shapley values checked for local accuracy at
    /// 1e-9 (the path methods and LIME report their gap instead).
    pub fn is_exact(self) -> bool {
        !matches!(
            self,
            Method::IntegratedGradients | Method::GradientShap | Method::Lime
        )
    }

    /// Whether the method weighs tree splits by the trees' covers (path-dependent TreeSHAP and
    /// its interactions), so that a model without covers (an ONNX file) needs them
    /// recomputed first.
    pub fn uses_covers(self) -> bool {
        matches!(self, Method::TreeShap | Method::Interactions)
    }

    /// Whether the method explains against background rows.
    pub fn uses_background(self) -> bool {
        matches!(
            self,
            Method::InterventionalTreeShap
                | Method::DeepShap
                | Method::IntegratedGradients
                | Method::GradientShap
                | Method::KernelShap
        )
    }

    /// Whether `setting` changes what this method computes or writes.
    pub fn uses(self, setting: Setting) -> bool {
        use Method as M;
        use Setting as S;
        match setting {
            S::Background | S::BackgroundKmeans => self.uses_background(),
            // LIME draws its perturbation statistics from the background table too.
            S::BackgroundData => self.uses_background() || self == M::Lime,
            S::Seed => !matches!(self, M::TreeShap | M::Interactions | M::Pdp),
            S::Output => matches!(self, M::InterventionalTreeShap | M::KernelShap | M::Lime),
            S::ProbabilityMethod => self == M::InterventionalTreeShap,
            S::Steps => self == M::IntegratedGradients,
            S::GradientSamples => self == M::GradientShap,
            S::Nsamples => self == M::KernelShap,
            S::LimeSamples | S::LimeMode => self == M::Lime,
            S::Repeats | S::Scoring => self == M::Permutation,
            S::Grid => self == M::Pdp,
            S::Row | S::Format => self.is_per_row(),
        }
    }

    /// The methods that use `setting`, for messages.
    fn users(setting: Setting) -> Vec<&'static str> {
        Method::ALL
            .iter()
            .filter(|m| m.uses(setting))
            .map(|m| m.name())
            .collect()
    }

    /// Refuses settings the user gave that this method would ignore, and combinations that
    /// contradict each other. `given` lists the settings set explicitly (on the command line:
    /// the flags the user typed, not the defaults).
    pub fn refuse_unused(self, given: &[Setting]) -> Result<()> {
        for &s in given {
            if !self.uses(s) {
                return Err(Error::Settings(format!(
                    "{} does not apply to --method {} (it is used by {}); remove it",
                    s.flag(),
                    self.name(),
                    Method::users(s).join(", ")
                )));
            }
        }
        let has = |s: Setting| given.contains(&s);
        for (a, b, why) in [
            (
                Setting::Background,
                Setting::BackgroundData,
                "--background-data uses every row of the file (add --background-kmeans K to summarise it)",
            ),
            (
                Setting::Background,
                Setting::BackgroundKmeans,
                "--background-kmeans K replaces the sample of --background rows by K weighted centroids",
            ),
        ] {
            if has(a) && has(b) {
                return Err(Error::Settings(format!(
                    "{} and {} cannot be combined: {why}",
                    a.flag(),
                    b.flag()
                )));
            }
        }
        let samples_only = matches!(
            self,
            Method::InterventionalTreeShap | Method::DeepShap | Method::IntegratedGradients
        );
        if samples_only
            && has(Setting::Seed)
            && has(Setting::BackgroundData)
            && !has(Setting::BackgroundKmeans)
        {
            return Err(Error::Settings(format!(
                "--seed has no effect on --method {} with --background-data: every row of the \
                 file is used and nothing is drawn at random; remove it",
                self.name()
            )));
        }
        Ok(())
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Method {
    type Err = Error;

    fn from_str(s: &str) -> Result<Method> {
        Method::ALL
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Method::ALL.iter().map(|m| m.name()).collect();
                Error::Settings(format!(
                    "unknown method '{s}'; expected one of {}",
                    names.join(", ")
                ))
            })
    }
}

/// A setting of a tabular explanation that only some methods read (named as its command-line
/// flag).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Setting {
    /// `--background N`: rows sampled from the background pool.
    Background,
    /// `--background-kmeans K`: a weighted k-means summary of the pool.
    BackgroundKmeans,
    /// `--background-data FILE`: the background table.
    BackgroundData,
    /// `--seed`.
    Seed,
    /// `--output`: margin or probability.
    Output,
    /// `--probability-method`.
    ProbabilityMethod,
    /// `--steps` (Integrated Gradients).
    Steps,
    /// `--gradient-samples` (GradientSHAP).
    GradientSamples,
    /// `--nsamples` (KernelSHAP).
    Nsamples,
    /// `--lime-samples`.
    LimeSamples,
    /// `--lime-mode`.
    LimeMode,
    /// `--repeats` (permutation importance).
    Repeats,
    /// `--scoring` (permutation importance).
    Scoring,
    /// `--grid` (partial dependence).
    Grid,
    /// `--row` (the waterfall plot's row).
    Row,
    /// `--format` (of the per-row values file).
    Format,
}

impl Setting {
    /// Every setting.
    pub const ALL: [Setting; 16] = [
        Setting::Background,
        Setting::BackgroundKmeans,
        Setting::BackgroundData,
        Setting::Seed,
        Setting::Output,
        Setting::ProbabilityMethod,
        Setting::Steps,
        Setting::GradientSamples,
        Setting::Nsamples,
        Setting::LimeSamples,
        Setting::LimeMode,
        Setting::Repeats,
        Setting::Scoring,
        Setting::Grid,
        Setting::Row,
        Setting::Format,
    ];

    /// The command-line flag, e.g. `--background-kmeans`.
    pub fn flag(self) -> &'static str {
        match self {
            Setting::Background => "--background",
            Setting::BackgroundKmeans => "--background-kmeans",
            Setting::BackgroundData => "--background-data",
            Setting::Seed => "--seed",
            Setting::Output => "--output",
            Setting::ProbabilityMethod => "--probability-method",
            Setting::Steps => "--steps",
            Setting::GradientSamples => "--gradient-samples",
            Setting::Nsamples => "--nsamples",
            Setting::LimeSamples => "--lime-samples",
            Setting::LimeMode => "--lime-mode",
            Setting::Repeats => "--repeats",
            Setting::Scoring => "--scoring",
            Setting::Grid => "--grid",
            Setting::Row => "--row",
            Setting::Format => "--format",
        }
    }

    /// The setting whose flag, without dashes, is `name` (`background-kmeans` or
    /// `background_kmeans`).
    pub fn from_flag(name: &str) -> Option<Setting> {
        let name = name.trim_start_matches('-').replace('_', "-");
        Setting::ALL
            .into_iter()
            .find(|s| s.flag().trim_start_matches('-') == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_list_the_valid_ones() {
        for m in Method::ALL {
            assert_eq!(m.name().parse::<Method>().unwrap(), m);
        }
        let e = "treeshap".parse::<Method>().unwrap_err().to_string();
        assert!(
            e.contains("treeshap") && e.contains("tree-shap, interventional"),
            "{e}"
        );
    }

    #[test]
    fn inapplicable_and_contradicting_settings_are_refused() {
        let e = Method::TreeShap
            .refuse_unused(&[Setting::Nsamples])
            .unwrap_err()
            .to_string();
        assert!(e.contains("--nsamples") && e.contains("kernel-shap"), "{e}");
        assert!(
            Method::KernelShap
                .refuse_unused(&[Setting::Nsamples])
                .is_ok()
        );
        let e = Method::KernelShap
            .refuse_unused(&[Setting::Background, Setting::BackgroundData])
            .unwrap_err()
            .to_string();
        assert!(e.contains("cannot be combined"), "{e}");
        assert_eq!(
            Setting::from_flag("background_kmeans"),
            Some(Setting::BackgroundKmeans)
        );
    }
}
