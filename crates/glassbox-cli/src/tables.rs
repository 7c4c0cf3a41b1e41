//! Machine-readable result files: re-exported from [`glassbox::run_dir`] for the image
//! commands until they import it directly (no copy lives here).

pub use glassbox::run_dir::{num, write_csv, write_json};
