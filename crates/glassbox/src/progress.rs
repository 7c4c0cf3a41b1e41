//! Progress reporting without printing: the library calls a [`Progress`] the front end provides
//! (the CLI draws an indicatif bar, Python may call back or stay silent).

/// Receives progress of long work. Implementations must be cheap and thread-safe: `advance` is
/// called from inside parallel work.
pub trait Progress: Sync {
    /// A new stage begins: `label` names it, `len` is its number of steps when known.
    fn start(&self, label: &str, len: Option<u64>);
    /// `n` more steps of the current stage are done.
    fn advance(&self, n: u64);
    /// The current stage is done.
    fn finish(&self);
    /// A line worth keeping once the bars are gone (e.g. one per training epoch); ignored by
    /// default.
    fn note(&self, _line: &str) {}
}

/// Progress that goes nowhere (the default for library callers).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _label: &str, _len: Option<u64>) {}
    fn advance(&self, _n: u64) {}
    fn finish(&self) {}
}
