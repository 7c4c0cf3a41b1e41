//! Running library work with the GIL released, on a chosen number of threads.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use pyo3::prelude::*;
use rayon::{ThreadPool, ThreadPoolBuilder};

use crate::errors::value_error;

/// One rayon pool per thread count asked for, built once and kept: building a pool per call
/// would cost more than explaining a few rows.
fn pool(threads: usize) -> PyResult<Arc<ThreadPool>> {
    static POOLS: OnceLock<Mutex<HashMap<usize, Arc<ThreadPool>>>> = OnceLock::new();
    let mut pools = POOLS
        .get_or_init(Default::default)
        .lock()
        .map_err(|_| value_error("glassbox thread pools are unusable after a panic"))?;
    if let Some(p) = pools.get(&threads) {
        return Ok(p.clone());
    }
    let p = ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("glassbox-{i}"))
        .build()
        .map_err(|e| value_error(format!("cannot start {threads} threads: {e}")))?;
    let p = Arc::new(p);
    pools.insert(threads, p.clone());
    Ok(p)
}

/// Runs `work` without the GIL on `threads` threads (`None` or 0: rayon's global pool, one
/// thread per core, or `RAYON_NUM_THREADS`).
pub fn run<T: Send>(
    py: Python<'_>,
    threads: Option<usize>,
    work: impl FnOnce() -> T + Send,
) -> PyResult<T> {
    match threads {
        None | Some(0) => Ok(py.detach(work)),
        Some(n) => {
            let pool = pool(n)?;
            Ok(py.detach(|| pool.install(work)))
        }
    }
}
