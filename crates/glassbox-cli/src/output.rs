//! Output folders on the command line: every command writes into a [`Staging`] folder that is
//! renamed into place when the run succeeded, so a failed run leaves nothing behind. This adds
//! the two things only a program (not the library) may do: tell the user about stale staging
//! folders that were swept, and clean up when the user interrupts the run.

use std::path::Path;

use glassbox::run_dir::{Staging, remove_live_staging};

/// [`Staging::with_inputs`], telling the user (unless `quiet`) about stale staging folders of
/// killed runs it removed.
pub fn stage(out: &Path, force: bool, inputs: &[&Path], quiet: bool) -> glassbox::Result<Staging> {
    let staging = Staging::with_inputs(out, force, inputs)?;
    if !quiet {
        for dir in staging.swept() {
            eprintln!(
                "note: removed {}, the unfinished output of an earlier run that was killed",
                dir.display()
            );
        }
    }
    Ok(staging)
}

/// On SIGINT, SIGTERM or SIGHUP: removes the unfinished output folders of this run and exits
/// with 128 + the signal number (130 for Ctrl-C, 143 for `kill`), as shells expect.
///
/// A failure to install the handler is not fatal: the run goes on with the default handling
/// (its staging folder is then swept by a later run).
#[cfg(unix)]
pub fn clean_up_on_interrupt() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        return;
    };
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            let removed = remove_live_staging();
            let what = match signal {
                SIGINT => "interrupted",
                SIGTERM => "terminated",
                _ => "hung up",
            };
            eprintln!(
                "\n{what}: no output written{}",
                if removed.is_empty() {
                    String::new()
                } else {
                    format!(
                        " (removed the unfinished {})",
                        removed
                            .iter()
                            .map(|d| d.display().to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }
            );
            std::process::exit(128 + signal);
        }
    });
}

/// Elsewhere the default handling stays; a later run sweeps what an interrupted one left.
#[cfg(not(unix))]
pub fn clean_up_on_interrupt() {}
