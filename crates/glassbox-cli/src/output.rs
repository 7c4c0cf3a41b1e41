//! All-or-nothing output folders: re-exported from [`glassbox::run_dir`] for the image
//! commands until they import it directly (no copy lives here).

pub use glassbox::run_dir::{Staging, final_path};
