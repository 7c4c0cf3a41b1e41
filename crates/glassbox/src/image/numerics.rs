//! Classification numerics of image runs (argmax, confusion, per-class metrics, .npy).
//! TEMPORARY: replaced by glassbox_core::{metrics, npy} when the numerics branch lands.

use std::io::Write;
use std::path::Path;

use glassbox_core::ndarray::{ArrayView2, ArrayView3};

use crate::Result;
use crate::records::image::ClassRecord;

/// Index of the largest value of each row of `a` (samples, classes), first on ties.
pub fn argmax_rows(a: ArrayView2<'_, f32>) -> Vec<usize> {
    a.rows()
        .into_iter()
        .map(|r| {
            let mut best = 0;
            for (j, &v) in r.iter().enumerate() {
                if v > r[best] {
                    best = j;
                }
            }
            best
        })
        .collect()
}

/// Per-class records and `m[true][predicted]` counts.
pub(crate) fn class_metrics(
    truth: &[usize],
    predicted: &[usize],
    names: &[String],
) -> (Vec<ClassRecord>, Vec<Vec<usize>>) {
    let k = names.len();
    let mut m = vec![vec![0; k]; k];
    for (&t, &p) in truth.iter().zip(predicted) {
        m[t][p] += 1;
    }
    let per_class = (0..k)
        .map(|c| {
            let support: usize = m[c].iter().sum();
            let predicted: usize = m.iter().map(|row| row[c]).sum();
            ClassRecord {
                class: names[c].clone(),
                support,
                precision: (predicted > 0).then(|| m[c][c] as f64 / predicted as f64),
                recall: if support > 0 {
                    m[c][c] as f64 / support as f64
                } else {
                    0.0
                },
            }
        })
        .collect();
    (per_class, m)
}

/// A float32 array as a NumPy `.npy` file.
pub(crate) fn write_npy(path: &Path, a: ArrayView3<'_, f32>) -> Result<()> {
    let (x, y, z) = a.dim();
    let mut header =
        format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({x}, {y}, {z}), }}");
    let used = 10 + header.len() + 1;
    header.push_str(&" ".repeat((64 - used % 64) % 64));
    header.push('\n');
    glassbox_core::atomic::write_atomic_with(path, |w: &mut dyn Write| {
        w.write_all(b"\x93NUMPY\x01\x00")?;
        w.write_all(&(header.len() as u16).to_le_bytes())?;
        w.write_all(header.as_bytes())?;
        for v in a.iter() {
            w.write_all(&v.to_le_bytes())?;
        }
        Ok(())
    })?;
    Ok(())
}
