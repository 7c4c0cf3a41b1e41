//! [`Tensor`]: a dense row-major array whose first axis is the batch.

use glassbox_core::CoreError;
use glassbox_core::ndarray::{Array2, ArrayView2};

use super::Scalar;

/// A dense, row-major (C-order) array whose first axis is the batch: (N, features) for tables,
/// (N, C, H, W) for images. The engine's layers exchange these.
#[derive(Clone, Debug, PartialEq)]
pub struct Tensor<T> {
    shape: Vec<usize>,
    data: Vec<T>,
}

impl<T: Scalar> Tensor<T> {
    /// Wraps `data` with `shape` (batch first). Errors if the sizes disagree or `shape` is empty.
    pub fn new(shape: Vec<usize>, data: Vec<T>) -> Result<Self, CoreError> {
        let n: usize = shape.iter().product();
        if shape.is_empty() || n != data.len() {
            return Err(CoreError::Shape {
                what: "tensor data".into(),
                expected: format!("{n} values for shape {shape:?} (batch first)"),
                got: format!("{} values", data.len()),
            });
        }
        Ok(Tensor { shape, data })
    }

    /// A tensor of zeros with `shape` (batch first).
    pub fn zeros(shape: Vec<usize>) -> Self {
        let n = shape.iter().product();
        Tensor {
            shape,
            data: vec![T::ZERO; n],
        }
    }

    /// Converts a table batch, shape (samples, features), into a (samples, features) tensor.
    pub fn from_array2(x: ArrayView2<'_, f64>) -> Self {
        let data = x.iter().map(|&v| T::from_f64(v)).collect();
        Tensor {
            shape: vec![x.nrows(), x.ncols()],
            data,
        }
    }

    /// The tensor as a (batch, values per sample) matrix in `f64`.
    pub fn to_array2(&self) -> Array2<f64> {
        let n = self.batch();
        let m = self.sample_len();
        Array2::from_shape_vec((n, m), self.data.iter().map(|v| v.to_f64()).collect())
            .expect("tensor length equals batch * sample length")
    }

    /// Shape, batch first.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// Batch size (the first axis).
    pub fn batch(&self) -> usize {
        self.shape[0]
    }

    /// Number of values per sample (the product of all axes but the first).
    pub fn sample_len(&self) -> usize {
        self.shape[1..].iter().product()
    }

    /// All values, row-major.
    pub fn data(&self) -> &[T] {
        &self.data
    }

    /// All values, row-major, mutable.
    pub fn data_mut(&mut self) -> &mut [T] {
        &mut self.data
    }

    /// Consumes the tensor, returning its values.
    pub fn into_data(self) -> Vec<T> {
        self.data
    }

    /// The values of sample `i`.
    pub fn sample(&self, i: usize) -> &[T] {
        let m = self.sample_len();
        &self.data[i * m..(i + 1) * m]
    }

    /// The same values with a new shape of the same size (e.g. Flatten).
    pub fn reshape(self, shape: Vec<usize>) -> Result<Self, CoreError> {
        Tensor::new(shape, self.data)
    }
}
