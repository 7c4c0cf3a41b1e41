//! All-or-nothing output folders.
//!
//! Every command writes into a hidden staging folder beside the requested one and renames it into
//! place only when everything succeeded, so a failed run never leaves a half-filled output folder
//! (and each file inside is itself written atomically by the libraries).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// A staging folder that becomes `final_dir` on [`Staging::commit`] and is removed on drop
/// otherwise.
pub struct Staging {
    final_dir: PathBuf,
    dir: PathBuf,
    force: bool,
    committed: bool,
}

impl Staging {
    /// Checks that `final_dir` may be written (absent or empty, or `force`) and creates the
    /// staging folder.
    pub fn new(final_dir: &Path, force: bool) -> Result<Staging> {
        if final_dir.exists() {
            if !final_dir.is_dir() {
                bail!(
                    "output path {} exists and is not a folder",
                    final_dir.display()
                );
            }
            let non_empty = std::fs::read_dir(final_dir)
                .with_context(|| format!("cannot read output folder {}", final_dir.display()))?
                .next()
                .is_some();
            if non_empty && !force {
                bail!(
                    "output folder {} exists and is not empty; choose another --out or pass --force to replace it",
                    final_dir.display()
                );
            }
        }
        let parent = match final_dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent)
            .with_context(|| format!("cannot create folder {}", parent.display()))?;
        let name = final_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "out".into());
        let dir = parent.join(format!(".{name}.partial-{}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir).ok();
        }
        std::fs::create_dir(&dir)
            .with_context(|| format!("cannot create staging folder {}", dir.display()))?;
        Ok(Staging {
            final_dir: final_dir.to_path_buf(),
            dir,
            force,
            committed: false,
        })
    }

    /// Path of `name` inside the staging folder.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Moves the staging folder into place (replacing an existing folder when forced).
    pub fn commit(mut self) -> Result<PathBuf> {
        if self.final_dir.exists() {
            debug_assert!(self.force || dir_is_empty(&self.final_dir));
            std::fs::remove_dir_all(&self.final_dir).with_context(|| {
                format!("cannot replace output folder {}", self.final_dir.display())
            })?;
        }
        std::fs::rename(&self.dir, &self.final_dir)
            .with_context(|| format!("cannot move results into {}", self.final_dir.display()))?;
        self.committed = true;
        Ok(self.final_dir.clone())
    }
}

fn dir_is_empty(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .map(|mut d| d.next().is_none())
        .unwrap_or(false)
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// `path` as it will read once every staging folder in it is committed: each component
/// `.NAME.partial-PID` becomes `NAME`. Files written inside a staging folder (the demo's runs)
/// record where their inputs will be, not a temporary, process-specific name.
pub fn final_path(path: &Path) -> PathBuf {
    path.components()
        .map(|c| {
            let s = c.as_os_str().to_string_lossy();
            match s
                .strip_prefix('.')
                .and_then(|rest| rest.rsplit_once(".partial-"))
            {
                Some((name, pid)) if !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()) => {
                    std::ffi::OsString::from(name)
                }
                _ => c.as_os_str().to_os_string(),
            }
        })
        .collect()
}

#[cfg(test)]
mod final_path_tests {
    use super::*;

    #[test]
    fn staging_components_are_renamed() {
        assert_eq!(
            final_path(Path::new("/tmp/.demo.partial-123/run/model.json")),
            PathBuf::from("/tmp/demo/run/model.json")
        );
        assert_eq!(
            final_path(Path::new(".x.partial-/a")),
            PathBuf::from(".x.partial-/a")
        );
        assert_eq!(final_path(Path::new("rel/file")), PathBuf::from("rel/file"));
    }
}
