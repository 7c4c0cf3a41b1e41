//! Mean squared error, the regression loss.

use super::{Scalar, Tensor};

/// Mean squared error over every value of a batch, `L = mean((pred - target)²)` over
/// (N, outputs) (Keras' and PyTorch's `MSELoss` with mean reduction).
///
/// `pred` has shape (N, outputs) and `target` holds N × outputs values, row-major. Returns the
/// loss (accumulated in `f64`) and `∂L/∂pred`, shape (N, outputs).
pub fn mse<T: Scalar>(pred: &Tensor<T>, target: &[T]) -> (f64, Tensor<T>) {
    assert_eq!(
        pred.data().len(),
        target.len(),
        "mse: prediction and target sizes"
    );
    let count = target.len().max(1);
    let factor = T::from_f64(2.0 / count as f64);
    let mut loss = 0.0f64;
    let grad = pred
        .data()
        .iter()
        .zip(target)
        .map(|(&p, &t)| {
            let d = p - t;
            loss += d.to_f64() * d.to_f64();
            factor * d
        })
        .collect();
    (
        loss / count as f64,
        Tensor::new(pred.shape().to_vec(), grad).expect("same shape"),
    )
}
