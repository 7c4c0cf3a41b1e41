//! Softmax and the sparse categorical cross-entropy loss, fused for numerical stability.

use super::{Scalar, Tensor};

/// Row-wise softmax of `logits` (N, classes), computed as `exp(z - max z) / Σ exp(z - max z)`
/// (never overflows). Returns (N, classes) probabilities.
pub fn softmax<T: Scalar>(logits: &Tensor<T>) -> Tensor<T> {
    let k = logits.sample_len();
    let mut out = Vec::with_capacity(logits.data().len());
    for row in logits.data().chunks_exact(k.max(1)) {
        let mx = row.iter().fold(f64::NEG_INFINITY, |m, v| m.max(v.to_f64()));
        let e: Vec<f64> = row.iter().map(|v| (v.to_f64() - mx).exp()).collect();
        let s: f64 = e.iter().sum();
        out.extend(e.iter().map(|v| T::from_f64(v / s)));
    }
    Tensor::new(logits.shape().to_vec(), out).expect("same shape")
}

/// Softmax followed by sparse categorical cross-entropy, averaged over the batch (Keras'
/// `SparseCategoricalCrossentropy(from_logits=True)`, PyTorch's `CrossEntropyLoss`):
/// `L = mean_n (logsumexp(z_n) - z_n[label_n])`.
///
/// `logits` has shape (N, classes) and `labels` length N, each `< classes` (panics otherwise:
/// labels are validated before training). The log-sum-exp is shifted by the row maximum and
/// accumulated in `f64`, so large logits neither overflow nor lose the loss to cancellation.
/// Returns the loss, `∂L/∂logits = (softmax(z) - onehot(label)) / N` with shape (N, classes),
/// and the number of rows whose largest logit is the label (first maximum on ties).
pub fn softmax_cross_entropy<T: Scalar>(
    logits: &Tensor<T>,
    labels: &[usize],
) -> (f64, Tensor<T>, usize) {
    let n = logits.batch();
    let k = logits.sample_len();
    assert_eq!(labels.len(), n, "one label per row");
    let inv_n = 1.0 / n.max(1) as f64;
    let mut loss = 0.0f64;
    let mut correct = 0;
    let mut grad = Vec::with_capacity(n * k);
    for (row, &label) in logits.data().chunks_exact(k).zip(labels) {
        assert!(label < k, "label {label} out of range for {k} classes");
        let mut best = 0;
        for (j, v) in row.iter().enumerate() {
            if v.to_f64() > row[best].to_f64() {
                best = j;
            }
        }
        if best == label {
            correct += 1;
        }
        let mx = row[best].to_f64();
        let e: Vec<f64> = row.iter().map(|v| (v.to_f64() - mx).exp()).collect();
        let s: f64 = e.iter().sum();
        loss += s.ln() - (row[label].to_f64() - mx);
        grad.extend(e.iter().enumerate().map(|(j, v)| {
            let p = v / s - if j == label { 1.0 } else { 0.0 };
            T::from_f64(p * inv_n)
        }));
    }
    (
        loss * inv_n,
        Tensor::new(logits.shape().to_vec(), grad).expect("same shape"),
        correct,
    )
}
