//! Stand-ins for `glassbox_core::link` and `glassbox_core::npy` until the core numerics land in
//! this branch: the same names and the same arithmetic (the sigmoid and softmax of
//! glassbox-explain), so callers switch by changing one `use`.

use glassbox_core::ndarray::{Array2, ArrayView2};
use glassbox_explain::shap::output::{sigmoid, softmax};

/// How a model's margins map to its user-facing output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    /// The output is the margin (regression, raw scores).
    Identity,
    /// One margin, probability `1 / (1 + exp(-m))`.
    Logistic,
    /// One margin per class, probabilities by softmax across them.
    Softmax,
}

impl Link {
    /// Lower-case name (`identity`, `logistic`, `softmax`).
    pub fn name(self) -> &'static str {
        match self {
            Link::Identity => "identity",
            Link::Logistic => "logistic",
            Link::Softmax => "softmax",
        }
    }

    /// The link applied to margins, shape (samples, outputs).
    pub fn apply(self, margins: ArrayView2<'_, f64>) -> Array2<f64> {
        match self {
            Link::Identity => margins.to_owned(),
            Link::Logistic | Link::Softmax => probabilities(margins),
        }
    }
}

/// Probabilities from margins, shape (samples, outputs): one column -> sigmoid, several ->
/// softmax per row.
pub fn probabilities(margins: ArrayView2<'_, f64>) -> Array2<f64> {
    let k = margins.ncols();
    let mut out = margins.to_owned();
    for mut row in out.rows_mut() {
        let m = row.to_vec();
        for (o, v) in row.iter_mut().enumerate() {
            *v = if k == 1 {
                sigmoid(&m, o)
            } else {
                softmax(&m, o)
            };
        }
    }
    out
}

/// Writes an f64 array of any dimension as a NumPy `.npy` file (format 1.0, `<f8`, C order),
/// atomically.
pub fn write_npy<D: glassbox_core::ndarray::Dimension>(
    path: &std::path::Path,
    a: glassbox_core::ndarray::ArrayView<'_, f64, D>,
) -> std::io::Result<()> {
    use std::io::Write;
    let dims: Vec<String> = a.shape().iter().map(|d| d.to_string()).collect();
    let shape = if dims.len() == 1 {
        format!("{},", dims[0])
    } else {
        dims.join(", ")
    };
    let mut header =
        format!("{{'descr': '<f8', 'fortran_order': False, 'shape': ({shape}), }}");
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
    })
    .map_err(std::io::Error::other)
}

/// A model-input value of feature `j` back in the data's units: `min + v (max - min)` (a
/// constant column maps back to its min).
pub fn inverse_value(scaler: &glassbox_core::MinMaxScaler, j: usize, v: f64) -> f64 {
    let range = scaler.max[j] - scaler.min[j];
    if range > 0.0 {
        scaler.min[j] + v * range
    } else {
        scaler.min[j]
    }
}
