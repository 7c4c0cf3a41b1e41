//! Helpers shared by the fuzz targets: a private scratch folder for entry points that take a
//! path, and a short workout for whatever loads.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// A scratch folder of this process (in /dev/shm when there is one, so writes stay in memory).
pub fn scratch() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let base = if Path::new("/dev/shm").is_dir() {
            PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        };
        let dir = base.join(format!("glassbox-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch folder");
        dir
    })
}

/// Writes `bytes` to `name` in the scratch folder and returns its path.
pub fn write(name: &str, bytes: &[u8]) -> PathBuf {
    let p = scratch().join(name);
    std::fs::write(&p, bytes).expect("write scratch file");
    p
}

/// Everything a loaded table goes on to: training and feature tables, a split, cell locations.
pub fn exercise_table(raw: &glassbox_data::RawTable) {
    let names = raw.column_names().to_vec();
    let Some((target, features)) = names.split_last() else {
        return;
    };
    if raw.n_rows() > 0 {
        let _ = raw.locate(raw.n_rows() - 1, names.len() - 1);
    }
    let _ = raw.column(target);
    if let Ok(t) = raw.to_training_table(target, &[]) {
        let _ = glassbox_data::train_test_split(t.n_samples(), 0.3, 42);
    }
    let _ = raw.to_feature_table(features, Some(target));
    let _ = raw.to_feature_table_with_missing(features, Some(target));
}
