//! `timings.json`: the wall-clock seconds of a run.
//!
//! Every other file of a run folder is a pure function of the command, its inputs and its seed,
//! so two identical runs write identical bytes; durations are not, so they live here alone (and
//! on the console), never in `metrics.json`, `explanation.json` or the report.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::Result;

/// The file name of the timings record in a run folder.
pub const TIMINGS_FILE: &str = "timings.json";

/// `timings.json`: named stages of a run and the wall-clock seconds each took, in the order
/// they ran.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Timings {
    /// (stage, seconds), e.g. `("fit", 1.25)` for a training run, `("explain", 0.4)` for an
    /// explanation run.
    pub stages: Vec<(String, f64)>,
}

impl Timings {
    /// Timings of a run with one stage.
    pub fn one(stage: &str, seconds: f64) -> Self {
        Self {
            stages: vec![(stage.to_string(), seconds)],
        }
    }

    /// Adds a stage.
    pub fn with(mut self, stage: &str, seconds: f64) -> Self {
        self.stages.push((stage.to_string(), seconds));
        self
    }

    /// Seconds of the named stage, if it was recorded.
    pub fn get(&self, stage: &str) -> Option<f64> {
        self.stages
            .iter()
            .find(|(name, _)| name == stage)
            .map(|&(_, s)| s)
    }

    /// Writes `timings.json` into the run folder `dir`, atomically.
    pub fn write(&self, dir: &Path) -> Result<()> {
        super::write_record(&dir.join(TIMINGS_FILE), self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_round_trip_in_order() {
        let tmp = tempfile::tempdir().unwrap();
        let t = Timings::one("train", 12.5).with("per step", 0.25);
        t.write(tmp.path()).unwrap();
        let back: Timings = super::super::read_record(&tmp.path().join(TIMINGS_FILE)).unwrap();
        assert_eq!(back, t);
        assert_eq!(back.get("per step"), Some(0.25));
        assert_eq!(back.get("fit"), None);
    }
}
