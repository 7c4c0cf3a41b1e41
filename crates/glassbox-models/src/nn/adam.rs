//! [`Adam`]: the optimiser (Kingma & Ba 2015) in Keras' formulation.

use super::{Param, Scalar};
use crate::ModelError;

/// Adam with Keras' update: `m ← β1 m + (1-β1) g`, `v ← β2 v + (1-β2) g²`,
/// `p ← p - lr·sqrt(1-β2ᵗ)/(1-β1ᵗ) · m / (sqrt(v) + ε)`.
///
/// PyTorch adds ε to the bias-corrected `sqrt(v̂)` instead; the two differ only in how ε is
/// scaled early in training. glassbox's default ε is Keras' 1e-7.
#[derive(Clone, Debug)]
pub struct Adam<T> {
    lr: f64,
    beta1: f64,
    beta2: f64,
    epsilon: T,
    t: i32,
    m: Vec<Vec<T>>,
    v: Vec<Vec<T>>,
}

impl<T: Scalar> Adam<T> {
    /// An optimiser with zeroed moments for parameters of the given sizes.
    pub fn new(param_sizes: &[usize], lr: f64, beta1: f64, beta2: f64, epsilon: f64) -> Self {
        Adam {
            lr,
            beta1,
            beta2,
            epsilon: T::from_f64(epsilon),
            t: 0,
            m: param_sizes.iter().map(|&n| vec![T::ZERO; n]).collect(),
            v: param_sizes.iter().map(|&n| vec![T::ZERO; n]).collect(),
        }
    }

    /// Changes the step size for the following updates (learning-rate schedules); the moment
    /// estimates are kept.
    pub fn set_learning_rate(&mut self, lr: f64) {
        self.lr = lr;
    }

    /// One update of every parameter from its gradient (`grads` in the order of `params`).
    pub fn step(&mut self, params: &mut [&mut Param<T>], grads: &[Vec<T>]) {
        self.t = self.t.saturating_add(1);
        let step =
            self.lr * (1.0 - self.beta2.powi(self.t)).sqrt() / (1.0 - self.beta1.powi(self.t));
        let (step, b1, b2) = (
            T::from_f64(step),
            T::from_f64(self.beta1),
            T::from_f64(self.beta2),
        );
        let (c1, c2) = (T::ONE - b1, T::ONE - b2);
        for (((p, g), m), v) in params
            .iter_mut()
            .zip(grads)
            .zip(&mut self.m)
            .zip(&mut self.v)
        {
            for (((w, &gi), mi), vi) in p.data.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut())
            {
                *mi = b1 * *mi + c1 * gi;
                *vi = b2 * *vi + c2 * gi * gi;
                *w -= step * *mi / (vi.sqrt() + self.epsilon);
            }
        }
    }
}

/// Checks the settings every network trainer shares (epochs, batch size, Adam's learning rate,
/// β1, β2, ε), naming the first one out of range.
pub(crate) fn check_training_settings(
    epochs: usize,
    batch_size: usize,
    learning_rate: f64,
    (beta1, beta2, epsilon): (f64, f64, f64),
) -> Result<(), ModelError> {
    let bad = |m: String| Err(ModelError::InvalidArgument(m));
    if epochs == 0 {
        return bad("epochs must be >= 1".into());
    }
    if batch_size == 0 {
        return bad("batch size must be >= 1".into());
    }
    if !(learning_rate.is_finite() && learning_rate > 0.0) {
        return bad(format!("learning rate must be > 0, got {learning_rate}"));
    }
    for (name, b) in [("beta1", beta1), ("beta2", beta2)] {
        if !(0.0..1.0).contains(&b) {
            return bad(format!("Adam {name} must be in [0, 1), got {b}"));
        }
    }
    if !(epsilon.is_finite() && epsilon > 0.0) {
        return bad(format!("Adam epsilon must be > 0, got {epsilon}"));
    }
    Ok(())
}
