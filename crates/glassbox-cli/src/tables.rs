//! Machine-readable result files (CSV, JSON), all written atomically.

use std::path::Path;

use anyhow::{Context, Result};
use glassbox_core::Explanation;
use glassbox_core::atomic::write_atomic_with;

/// Writes a CSV with a header and rows of already-formatted fields.
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
    .with_context(|| format!("writing {}", path.display()))
}

/// Writes pretty JSON.
pub fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> Result<()> {
    let mut text = serde_json::to_string_pretty(value).context("serialising JSON")?;
    text.push('\n');
    glassbox_core::atomic::write_atomic(path, text.as_bytes())
        .with_context(|| format!("writing {}", path.display()))
}

/// Formats a float with the shortest representation that round-trips.
pub fn num(v: f64) -> String {
    format!("{v}")
}

/// Writes one output's SHAP values: `row_id`, one column per feature, `base_value`, `prediction`.
pub fn write_shap_csv(
    path: &Path,
    e: &Explanation,
    output: usize,
    row_ids: &[String],
    predictions: &[f64],
) -> Result<()> {
    let mut header = vec!["row_id".to_string()];
    header.extend(e.feature_names.iter().cloned());
    header.push("base_value".into());
    header.push("prediction".into());
    let rows = (0..e.n_samples()).map(|i| {
        let mut r = Vec::with_capacity(e.n_features() + 3);
        r.push(row_ids[i].clone());
        r.extend((0..e.n_features()).map(|j| num(e.values[[i, j, output]])));
        r.push(num(e.base_values[[i, output]]));
        r.push(num(predictions[i]));
        r
    });
    write_csv(path, &header, rows)
}
