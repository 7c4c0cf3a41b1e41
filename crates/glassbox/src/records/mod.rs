//! Run records: one serde type per file of a run folder, shared by the writer (the runs in this
//! crate) and every reader (the report, the Python package).
//!
//! Reading is strict: every record type denies unknown fields and has no defaults for required
//! ones, so a renamed or missing field is an [`Error::Record`] naming the file and the field,
//! never a blank in a report.

pub mod image;
pub mod tabular;
pub mod timings;

pub use timings::{TIMINGS_FILE, Timings};

use std::path::Path;

use serde::de::DeserializeOwned;

use crate::{Error, Result};

/// Reads the JSON record at `path` into `T`.
///
/// Errors name the file, and serde's message names the field (`missing field `n_rows``,
/// `unknown field `nrows`, expected one of ...`) with its line and column.
pub fn read_record<T: DeserializeOwned>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    serde_json::from_str(&text).map_err(|e| Error::Record {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// Writes `record` to `path` as pretty JSON, atomically.
pub fn write_record<T: serde::Serialize>(path: &Path, record: &T) -> Result<()> {
    crate::run_dir::write_json(path, record)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Probe {
        n_rows: usize,
    }

    #[test]
    fn a_renamed_field_is_an_error_naming_file_and_field() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("probe.json");
        std::fs::write(&path, r#"{"nrows": 3}"#).unwrap();
        let msg = read_record::<Probe>(&path).unwrap_err().to_string();
        assert!(msg.contains("probe.json") && msg.contains("nrows"), "{msg}");
        std::fs::write(&path, r#"{}"#).unwrap();
        let msg = read_record::<Probe>(&path).unwrap_err().to_string();
        assert!(msg.contains("missing field `n_rows`"), "{msg}");
    }
}
