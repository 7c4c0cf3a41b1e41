//! Progress bars (indicatif). They draw on stderr only when it is a terminal and `--quiet` is
//! not given, so pipes and CI logs stay clean.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Creates a bar with `len` steps and a label, hidden when `quiet`.
pub fn bar(len: u64, label: &str, quiet: bool) -> ProgressBar {
    let pb = ProgressBar::with_draw_target(
        Some(len),
        if quiet {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        },
    );
    pb.set_style(
        ProgressStyle::with_template(
            "{prefix:>12} [{bar:30}] {pos}/{len} {msg} ({elapsed}, ETA {eta})",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    pb.set_prefix(label.to_string());
    pb
}

/// A spinner for work without a known length.
pub fn spinner(label: &str, quiet: bool) -> ProgressBar {
    let pb = ProgressBar::with_draw_target(
        None,
        if quiet {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        },
    );
    pb.set_style(
        ProgressStyle::with_template("{prefix:>12} {spinner} {msg} ({elapsed})")
            .expect("valid template"),
    );
    pb.set_prefix(label.to_string());
    pb.enable_steady_tick(std::time::Duration::from_millis(120));
    pb
}

/// The library's [`glassbox::Progress`] drawn as indicatif bars (a spinner when the length is
/// unknown); hidden when `quiet`. Each stage gets a fresh bar.
pub struct Bars {
    quiet: bool,
    current: std::sync::Mutex<Option<ProgressBar>>,
}

impl Bars {
    /// Bars on stderr, hidden when `quiet`.
    pub fn new(quiet: bool) -> Bars {
        Bars {
            quiet,
            current: std::sync::Mutex::new(None),
        }
    }

    fn with_bar(&self, f: impl FnOnce(&ProgressBar)) {
        if let Some(pb) = self
            .current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            f(pb);
        }
    }
}

impl glassbox::Progress for Bars {
    fn start(&self, label: &str, len: Option<u64>) {
        let pb = match len {
            Some(n) => bar(n, label, self.quiet),
            None => spinner(label, self.quiet),
        };
        let old = self
            .current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .replace(pb);
        if let Some(old) = old {
            old.finish_and_clear();
        }
    }

    fn advance(&self, n: u64) {
        self.with_bar(|pb| {
            pb.inc(n);
            // A stage of unknown length (rows of a CSV table read in chunks) counts what is
            // done.
            if pb.length().is_none() {
                pb.set_message(format!("{} done", pb.position()));
            }
        });
    }

    fn note(&self, line: &str) {
        let guard = self.current.lock().unwrap_or_else(|e| e.into_inner());
        match guard.as_ref() {
            Some(pb) => pb.println(line),
            None if !self.quiet => eprintln!("{line}"),
            None => {}
        }
    }

    fn finish(&self) {
        if let Some(pb) = self
            .current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            pb.finish_and_clear();
        }
    }
}
