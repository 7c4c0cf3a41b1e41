//! Hyper-parameters of the random forest, with scikit-learn's defaults for a regressor.

use serde::{Deserialize, Serialize};

use crate::ModelError;

/// How many features each split may consider (scikit-learn's `max_features`).
///
/// Features that are constant within a node do not count towards the limit, as in scikit-learn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaxFeatures {
    /// Every feature (scikit-learn's default for regression, `max_features=1.0`).
    #[default]
    All,
    /// `max(1, floor(sqrt(n_features)))`.
    Sqrt,
    /// `max(1, floor(log2(n_features)))`.
    Log2,
    /// `max(1, floor(fraction * n_features))`, with `fraction` in `(0, 1]`.
    Fraction(f64),
    /// Exactly this many features, `1..=n_features`.
    Count(usize),
}

impl MaxFeatures {
    /// The number of features per split for a data set with `n_features` features (>= 1).
    ///
    /// Errors when a [`MaxFeatures::Fraction`] is outside `(0, 1]` or a [`MaxFeatures::Count`]
    /// is outside `1..=n_features`.
    pub fn resolve(self, n_features: usize) -> Result<usize, ModelError> {
        let m = n_features as f64;
        let k = match self {
            MaxFeatures::All => n_features,
            MaxFeatures::Sqrt => m.sqrt().floor() as usize,
            MaxFeatures::Log2 => m.log2().floor() as usize,
            MaxFeatures::Fraction(f) => {
                if !(f > 0.0 && f <= 1.0) {
                    return Err(ModelError::InvalidArgument(format!(
                        "max_features fraction must be in (0, 1], got {f}"
                    )));
                }
                (f * m).floor() as usize
            }
            MaxFeatures::Count(c) => {
                if c == 0 || c > n_features {
                    return Err(ModelError::InvalidArgument(format!(
                        "max_features count must be in 1..={n_features} (the number of \
                         features), got {c}"
                    )));
                }
                c
            }
        };
        Ok(k.clamp(1, n_features.max(1)))
    }
}

/// Hyper-parameters of [`crate::forest::RandomForest`]; [`Default`] gives scikit-learn's
/// `RandomForestRegressor()` settings with seed 42.
///
/// `min_samples_split` and `min_samples_leaf` count distinct training samples, as in
/// scikit-learn (a sample drawn twice by the bootstrap counts once here, twice in the cover).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RandomForestParams {
    /// Number of trees (>= 1).
    pub n_estimators: usize,
    /// Maximum depth of a tree (the root has depth 0); `None` grows until leaves are pure or
    /// cannot be split. `Some(d)` needs `d >= 1`.
    pub max_depth: Option<usize>,
    /// A node with fewer distinct samples than this is not split (>= 2).
    pub min_samples_split: usize,
    /// Each leaf keeps at least this many distinct samples (>= 1).
    pub min_samples_leaf: usize,
    /// Features considered per split.
    pub max_features: MaxFeatures,
    /// Whether each tree trains on a bootstrap sample (n draws with replacement).
    pub bootstrap: bool,
    /// Seed of every random choice; tree `i` uses the stream `Rng::derive(seed, i)`.
    pub seed: u64,
}

impl Default for RandomForestParams {
    fn default() -> Self {
        RandomForestParams {
            n_estimators: 100,
            max_depth: None,
            min_samples_split: 2,
            min_samples_leaf: 1,
            max_features: MaxFeatures::All,
            bootstrap: true,
            seed: 42,
        }
    }
}

impl RandomForestParams {
    /// Checks every parameter for a data set with `n_features` features; the error names the
    /// parameter, its value and the valid range.
    pub fn validate(&self, n_features: usize) -> Result<(), ModelError> {
        let bad = |m: String| Err(ModelError::InvalidArgument(m));
        if self.n_estimators == 0 {
            return bad("n_estimators must be at least 1, got 0".into());
        }
        if self.max_depth == Some(0) {
            return bad("max_depth must be at least 1 (or none for unlimited), got 0".into());
        }
        if self.min_samples_split < 2 {
            return bad(format!(
                "min_samples_split must be at least 2, got {}",
                self.min_samples_split
            ));
        }
        if self.min_samples_leaf == 0 {
            return bad("min_samples_leaf must be at least 1, got 0".into());
        }
        if u32::try_from(self.n_estimators).is_err() {
            return bad(format!("n_estimators {} is too large", self.n_estimators));
        }
        self.max_features.resolve(n_features).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_like_scikit_learn() {
        assert_eq!(MaxFeatures::All.resolve(37).unwrap(), 37);
        assert_eq!(MaxFeatures::Sqrt.resolve(37).unwrap(), 6);
        assert_eq!(MaxFeatures::Log2.resolve(37).unwrap(), 5);
        assert_eq!(MaxFeatures::Log2.resolve(1).unwrap(), 1);
        assert_eq!(MaxFeatures::Fraction(0.5).resolve(37).unwrap(), 18);
        assert_eq!(MaxFeatures::Fraction(0.01).resolve(37).unwrap(), 1);
        assert_eq!(MaxFeatures::Count(3).resolve(37).unwrap(), 3);
        assert!(MaxFeatures::Count(38).resolve(37).is_err());
        assert!(MaxFeatures::Count(0).resolve(37).is_err());
        assert!(MaxFeatures::Fraction(0.0).resolve(37).is_err());
        assert!(MaxFeatures::Fraction(f64::NAN).resolve(37).is_err());
        assert!(MaxFeatures::Fraction(1.5).resolve(37).is_err());
    }

    #[test]
    fn validate_names_the_parameter() {
        let p = RandomForestParams::default();
        p.validate(5).unwrap();
        for (q, name) in [
            (
                RandomForestParams {
                    n_estimators: 0,
                    ..p.clone()
                },
                "n_estimators",
            ),
            (
                RandomForestParams {
                    max_depth: Some(0),
                    ..p.clone()
                },
                "max_depth",
            ),
            (
                RandomForestParams {
                    min_samples_split: 1,
                    ..p.clone()
                },
                "min_samples_split",
            ),
            (
                RandomForestParams {
                    min_samples_leaf: 0,
                    ..p.clone()
                },
                "min_samples_leaf",
            ),
        ] {
            let msg = q.validate(5).unwrap_err().to_string();
            assert!(msg.contains(name), "{msg}");
        }
    }
}
