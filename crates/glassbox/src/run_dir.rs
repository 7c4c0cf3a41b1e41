//! Run folders: all-or-nothing output folders and the atomic CSV/JSON writers every run uses.
//!
//! A run writes into a hidden staging folder beside the requested one ([`Staging`]) and renames
//! it into place only when everything succeeded, so a failed run never leaves a half-filled
//! output folder (and each file inside is itself written atomically). Paths recorded inside a
//! run are the final ones ([`final_path`]), never the staging name.
//!
//! A run that is killed cannot clean up after itself: a front end that handles SIGINT/SIGTERM
//! calls [`remove_live_staging`] before it exits, and every new [`Staging`] sweeps the staging
//! folders beside it whose process no longer runs ([`Staging::swept`]).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use glassbox_core::atomic::{write_atomic, write_atomic_with};

use crate::{Error, Result};

/// A staging folder that becomes `final_dir` on [`Staging::commit`] and is removed on drop
/// otherwise.
#[derive(Debug)]
pub struct Staging {
    final_dir: PathBuf,
    dir: PathBuf,
    force: bool,
    committed: bool,
    swept: Vec<PathBuf>,
}

/// The staging folders of this process not yet committed or dropped.
static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn live() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    // A panic while the lock was held leaves the list itself intact.
    LIVE.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Removes every staging folder of this process that is not committed yet, and returns them.
///
/// For a front end's SIGINT/SIGTERM handler, just before it exits: an interrupted run leaves
/// nothing behind. Runs still working find their folder gone and fail; the caller is expected
/// to exit at once.
pub fn remove_live_staging() -> Vec<PathBuf> {
    let mut live = live();
    for dir in live.iter() {
        let _ = std::fs::remove_dir_all(dir);
    }
    std::mem::take(&mut *live)
}

impl Staging {
    /// Checks that `final_dir` may be written (absent or empty, or `force`) and creates the
    /// staging folder `.NAME.partial-PID` beside it. `final_dir` may never be the working
    /// folder or one of its ancestors (a forced commit replaces the folder whole).
    pub fn new(final_dir: &Path, force: bool) -> Result<Staging> {
        Staging::with_inputs(final_dir, force, &[])
    }

    /// [`Staging::new`], also refusing a `final_dir` that is one of the run's `inputs` (files
    /// or folders it reads) or contains one: replacing it would delete them.
    pub fn with_inputs(final_dir: &Path, force: bool, inputs: &[&Path]) -> Result<Staging> {
        refuse_unsafe_out(final_dir, inputs)?;
        if final_dir.exists() {
            if !final_dir.is_dir() {
                return Err(Error::Settings(format!(
                    "output path {} exists and is not a folder",
                    final_dir.display()
                )));
            }
            let non_empty = std::fs::read_dir(final_dir)
                .map_err(|e| Error::io(final_dir, e))?
                .next()
                .is_some();
            if non_empty && !force {
                return Err(Error::Settings(format!(
                    "output folder {} exists and is not empty; choose another --out or pass --force to replace it",
                    final_dir.display()
                )));
            }
        }
        let parent = match final_dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
        let name = final_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "out".into());
        // Unique within the process too (two runs of one Python process may stage the same
        // folder): `.NAME.partial-PID`, then `.NAME.partial-PID_1`, ...
        static STAGED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = STAGED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let suffix = match n {
            0 => std::process::id().to_string(),
            n => format!("{}_{n}", std::process::id()),
        };
        let dir = parent.join(format!(".{name}.partial-{suffix}"));
        let swept = sweep_stale(&parent);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).ok();
        }
        let mut live = live();
        std::fs::create_dir(&dir).map_err(|e| Error::io(&dir, e))?;
        live.push(dir.clone());
        Ok(Staging {
            final_dir: final_dir.to_path_buf(),
            dir,
            force,
            committed: false,
            swept,
        })
    }

    /// Stale staging folders removed beside this one when it was created: `.NAME.partial-PID`
    /// folders left by runs that were killed, whose process no longer runs. A front end may
    /// tell the user.
    pub fn swept(&self) -> &[PathBuf] {
        &self.swept
    }

    /// Path of `name` inside the staging folder.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The staging folder itself.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The folder this becomes on commit.
    pub fn final_dir(&self) -> &Path {
        &self.final_dir
    }

    /// Moves the staging folder into place. With `force` an existing folder is replaced;
    /// without, only an absent or empty one: the rename itself refuses a folder another run
    /// filled meanwhile (renaming a folder onto a non-empty one fails), so of two runs racing
    /// for the same new folder exactly one wins and nothing is deleted.
    pub fn commit(mut self) -> Result<PathBuf> {
        if self.force && self.final_dir.exists() {
            std::fs::remove_dir_all(&self.final_dir).map_err(|e| Error::io(&self.final_dir, e))?;
        }
        if let Err(e) = std::fs::rename(&self.dir, &self.final_dir) {
            if !self.force && self.final_dir.exists() && !dir_is_empty(&self.final_dir) {
                return Err(Error::Settings(format!(
                    "output folder {} was filled by another run while this one worked; it is \
                     left as it is (pass --force to replace it)",
                    self.final_dir.display()
                )));
            }
            return Err(Error::io(&self.final_dir, e));
        }
        self.committed = true;
        forget_live(&self.dir);
        Ok(self.final_dir.clone())
    }
}

fn forget_live(dir: &Path) {
    live().retain(|d| d != dir);
}

/// The process id of a staging folder's name `.NAME.partial-PID` or `.NAME.partial-PID_N`.
fn staging_pid(name: &str) -> Option<u32> {
    staging_parts(name).map(|(_, pid)| pid)
}

/// The final name and process id of a staging folder's name `.NAME.partial-PID` or
/// `.NAME.partial-PID_N`; `None` for any other name.
fn staging_parts(name: &str) -> Option<(&str, u32)> {
    let (final_name, tail) = name.strip_prefix('.')?.rsplit_once(".partial-")?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let pid = match tail.split_once('_') {
        Some((pid, n)) if digits(n) => pid,
        Some(_) => return None,
        None => tail,
    };
    if !digits(pid) {
        return None;
    }
    Some((final_name, pid.parse().ok()?))
}

/// Whether process `pid` is known not to run. Only where `/proc` lists processes (Linux);
/// elsewhere nothing is ever called gone, so nothing is swept.
fn process_is_gone(pid: u32) -> bool {
    Path::new("/proc/self").is_dir() && !Path::new(&format!("/proc/{pid}")).exists()
}

/// Removes the staging folders in `parent` whose process no longer runs; returns them.
fn sweep_stale(parent: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return Vec::new();
    };
    let mut swept = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(staging_pid) else {
            continue;
        };
        let path = entry.path();
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if is_dir && process_is_gone(pid) && std::fs::remove_dir_all(&path).is_ok() {
            swept.push(path);
        }
    }
    swept.sort();
    swept
}

/// `path` made absolute: its nearest existing ancestor canonicalised (symlinks resolved), the
/// rest appended with `.` and `..` applied.
fn absolute(path: &Path) -> Result<PathBuf> {
    let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
    let full = cwd.join(path);
    let mut existing = full.as_path();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (existing.parent(), existing.components().next_back()) {
            (Some(parent), Some(last)) => {
                rest.push(last.as_os_str().to_os_string());
                existing = parent;
            }
            _ => break,
        }
    }
    let mut out = existing
        .canonicalize()
        .map_err(|e| Error::io(existing, e))?;
    for name in rest.into_iter().rev() {
        match name.to_str() {
            Some(".") => {}
            Some("..") => {
                out.pop();
            }
            _ => out.push(name),
        }
    }
    Ok(out)
}

/// Refuses an output folder that is the working folder, an ancestor of it, or an input (or
/// contains one), naming `--out`, the path and why; nothing has been touched yet.
fn refuse_unsafe_out(final_dir: &Path, inputs: &[&Path]) -> Result<()> {
    let out = absolute(final_dir)?;
    let cwd = absolute(Path::new("."))?;
    let refuse = |why: String| {
        Err(Error::Settings(format!(
            "--out {}: {why}; a run replaces its output folder whole, so give it a folder of \
             its own (e.g. --out runs/NAME)",
            final_dir.display()
        )))
    };
    if out.parent().is_none() || cwd.starts_with(&out) {
        return refuse(format!(
            "is the working folder {} or contains it",
            cwd.display()
        ));
    }
    for input in inputs {
        let input_abs = absolute(input)?;
        if input_abs.starts_with(&out) {
            return refuse(format!("holds the input {}", input.display()));
        }
    }
    Ok(())
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
            forget_live(&self.dir);
        }
    }
}

/// `path` as it will read once every staging folder in it is committed: each component
/// `.NAME.partial-PID` becomes `NAME`. Files written inside a staging folder record where their
/// inputs will be, not a temporary, process-specific name.
pub fn final_path(path: &Path) -> PathBuf {
    path.components()
        .map(|c| {
            let s = c.as_os_str().to_string_lossy();
            match staging_parts(&s) {
                Some((name, _)) => std::ffi::OsString::from(name),
                None => c.as_os_str().to_os_string(),
            }
        })
        .collect()
}

/// Writes a CSV with a header and rows of already-formatted fields, atomically.
pub fn write_csv(
    path: &Path,
    header: &[String],
    rows: impl Iterator<Item = Vec<String>>,
) -> Result<()> {
    write_atomic_with(path, |w| {
        let mut csv = csv::Writer::from_writer(w);
        csv.write_record(header).map_err(std::io::Error::other)?;
        for row in rows {
            csv.write_record(&row).map_err(std::io::Error::other)?;
        }
        csv.flush()
    })
    .map_err(Error::from)
}

/// Writes `value` as pretty JSON with a final newline, atomically.
pub fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> Result<()> {
    let mut text = serde_json::to_string_pretty(value)
        .map_err(|e| Error::io(path, std::io::Error::other(e)))?;
    text.push('\n');
    Ok(write_atomic(path, text.as_bytes())?)
}

/// Formats a float with the shortest representation that round-trips (the number format of
/// every CSV glassbox writes).
pub fn num(v: f64) -> String {
    format!("{v}")
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn staging_names_give_their_process_id() {
        assert_eq!(staging_pid(".run.partial-123"), Some(123));
        assert_eq!(staging_pid(".my.run.partial-77_4"), Some(77));
        for name in [
            "run.partial-1",
            ".run.partial-",
            ".run.partial-12a",
            ".run.partial-1_",
            ".run.partial-1_x",
            ".run",
        ] {
            assert_eq!(staging_pid(name), None, "{name}");
        }
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn stale_staging_folders_of_gone_processes_are_swept_and_nothing_else() {
        let tmp = tempfile::tempdir().unwrap();
        // A process id that no longer runs: a child that has exited and been waited for.
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let gone = child.id();
        child.wait().unwrap();
        let stale = tmp.path().join(format!(".old.partial-{gone}"));
        let stale_n = tmp.path().join(format!(".run.partial-{gone}_2"));
        let alive = tmp
            .path()
            .join(format!(".other.partial-{}", std::process::id()));
        let user_dir = tmp.path().join("keep.partial-1");
        let user_file = tmp.path().join(format!(".file.partial-{gone}"));
        for d in [&stale, &stale_n, &alive, &user_dir] {
            std::fs::create_dir(d).unwrap();
            std::fs::write(d.join("x"), "x").unwrap();
        }
        std::fs::write(&user_file, "not a folder").unwrap();
        let staging = Staging::new(&tmp.path().join("run"), false).unwrap();
        let mut expected = [stale.clone(), stale_n.clone()];
        expected.sort();
        assert_eq!(staging.swept(), &expected[..]);
        assert!(!stale.exists() && !stale_n.exists());
        assert!(alive.exists() && user_dir.exists() && user_file.exists());
        assert!(staging.dir().is_dir());
    }

    #[test]
    fn staging_is_removed_unless_committed() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("run");
        let staging = Staging::new(&out, false).unwrap();
        let dir = staging.dir().to_path_buf();
        write_json(&staging.path("a.json"), &1).unwrap();
        drop(staging);
        assert!(!dir.exists() && !out.exists());
        let staging = Staging::new(&out, false).unwrap();
        write_json(&staging.path("a.json"), &1).unwrap();
        assert_eq!(staging.commit().unwrap(), out);
        assert_eq!(std::fs::read_to_string(out.join("a.json")).unwrap(), "1\n");
        assert!(
            Staging::new(&out, false).is_err(),
            "non-empty without force"
        );
        assert!(Staging::new(&out, true).is_ok());
    }

    #[test]
    fn of_two_runs_racing_for_one_new_folder_one_wins_and_nothing_is_deleted() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("run");
        let first = Staging::new(&out, false).unwrap();
        let second = Staging::new(&out, false).unwrap();
        assert_ne!(first.dir(), second.dir());
        write_json(&first.path("a.json"), &1).unwrap();
        write_json(&second.path("a.json"), &2).unwrap();
        first.commit().unwrap();
        let e = second.commit().unwrap_err().to_string();
        assert!(e.contains("was filled by another run"), "{e}");
        assert_eq!(std::fs::read_to_string(out.join("a.json")).unwrap(), "1\n");
        // Only the committed folder is left: the loser's staging folder is gone.
        let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
        assert_eq!(left.len(), 1);
        assert_eq!(
            final_path(&tmp.path().join(".run.partial-12_3/x")),
            tmp.path().join("run/x")
        );
    }

    #[test]
    fn an_output_folder_holding_an_input_or_the_working_folder_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("in/table.csv");
        std::fs::create_dir_all(data.parent().unwrap()).unwrap();
        std::fs::write(&data, "a\n1\n").unwrap();
        for out in [
            tmp.path().join("in"),
            tmp.path().to_path_buf(),
            data.clone(),
        ] {
            let e = Staging::with_inputs(&out, true, &[&data])
                .unwrap_err()
                .to_string();
            assert!(e.contains("holds the input"), "{e}");
        }
        // Through `..` and a folder that does not exist yet.
        let sneaky = tmp.path().join("in/new/../..");
        let e = Staging::with_inputs(&sneaky, true, &[&data])
            .unwrap_err()
            .to_string();
        assert!(e.contains("holds the input"), "{e}");
        assert!(Staging::with_inputs(&tmp.path().join("in/out"), true, &[&data]).is_ok());
        let e = Staging::new(Path::new("."), true).unwrap_err().to_string();
        assert!(e.starts_with("--out .: is the working folder"), "{e}");
        assert!(data.exists());
    }
}
