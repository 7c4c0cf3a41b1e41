//! LIME for tables (Ribeiro, Singh & Guestrin 2016), mirroring the `lime` package's
//! `LimeTabularExplainer` (lime 0.2).
//!
//! * [`LimeMode::Quartile`] (lime's default, `discretize_continuous=True`): every feature is cut
//!   at its training quartiles. A perturbed sample draws, per feature, a quartile bin with the
//!   training frequencies and a value inside that bin from a normal with the bin's training
//!   mean and std truncated to the bin's edges. The interpretable representation is binary
//!   ("same bin as the instance"), distances are Euclidean on it, and the surrogate is fitted
//!   on it. (lime returns a z-score instead of a value for a bin whose edges coincide; here
//!   such a bin gives its only value.)
//! * [`LimeMode::Continuous`]: samples `N(0, 1) * std + mean` (or `+ x` around the instance),
//!   the surrogate is fitted on the standardised samples, so a weight is the local slope per
//!   training standard deviation.
//!
//! Kernel `sqrt(exp(-d^2 / width^2))`, width `0.75 sqrt(M)` by default; row 0 of the samples is
//! the instance itself; surrogate `Ridge(alpha = 1)` with the kernel weights after feature
//! selection ([`FeatureSelection`]). Each row's samples go to the model in one `predict` call;
//! rows run in parallel and row `i` draws from `Rng::derive(seed, i)`, its normals by the
//! ziggurat method ([`Rng::normal_ziggurat`]: with Box-Muller, the sine/cosine and logarithm
//! alone were 13% of LIME's time on a 100-tree forest, in a profile of the command).

use glassbox_core::Predict;
use glassbox_core::ndarray::{Array2, Array3, ArrayView1, ArrayView2};
use glassbox_core::rng::Rng;
use rayon::prelude::*;

use super::surrogate::{self, FeatureSelection, Surrogate, kernel};
use crate::ExplainError;

/// How LIME perturbs a row and represents the perturbations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimeMode {
    /// Quartile discretisation (lime's default).
    Quartile,
    /// No discretisation: Gaussian samples scaled by the training std, centred on the training
    /// mean, or on the explained instance when `around_instance` (lime's
    /// `sample_around_instance`).
    Continuous {
        /// Centre the samples on the instance instead of the training mean.
        around_instance: bool,
    },
}

/// Training statistics of one feature for quartile mode.
#[derive(Clone, Debug)]
struct Bins {
    /// Distinct quartiles (at most 3), ascending.
    edges: Vec<f64>,
    /// Per bin: training mean, std (+1e-11 as lime), lower and upper edge.
    mean: Vec<f64>,
    std: Vec<f64>,
    lo: Vec<f64>,
    hi: Vec<f64>,
    /// Cumulative training frequency of each bin (last = 1).
    cum_freq: Vec<f64>,
}

impl Bins {
    fn bin(&self, v: f64) -> usize {
        // numpy searchsorted(side="left"): the number of edges strictly below v.
        self.edges.partition_point(|&e| e < v)
    }
}

/// LIME explainer for tables. Build with [`LimeTabular::new`], tune with the builder methods,
/// call [`LimeTabular::explain`].
pub struct LimeTabular<'m> {
    model: &'m dyn Predict,
    mean: Vec<f64>,
    scale: Vec<f64>,
    bins: Vec<Bins>,
    mode: LimeMode,
    kernel_width: Option<f64>,
    nsamples: usize,
    num_features: usize,
    selection: FeatureSelection,
    alpha: f64,
    seed: u64,
}

impl std::fmt::Debug for LimeTabular<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LimeTabular")
            .field("mode", &self.mode)
            .field("kernel_width", &self.kernel_width)
            .field("nsamples", &self.nsamples)
            .field("num_features", &self.num_features)
            .field("selection", &self.selection)
            .field("seed", &self.seed)
            .finish()
    }
}

/// LIME explanations of a batch of rows.
#[derive(Clone, Debug, PartialEq)]
pub struct LimeTabularExplanation {
    /// Surrogate coefficients, shape (samples, features, outputs); 0 for features not selected.
    /// In quartile mode a coefficient is the effect of "being in the instance's bin"; in
    /// continuous mode the slope per training standard deviation.
    pub weights: Array3<f64>,
    /// Surrogate intercepts, shape (samples, outputs).
    pub intercept: Array2<f64>,
    /// Weighted R² of each surrogate on its samples (fidelity), shape (samples, outputs).
    pub score: Array2<f64>,
    /// The surrogate's prediction at the instance, shape (samples, outputs).
    pub local_prediction: Array2<f64>,
    /// The model's prediction at the instance, shape (samples, outputs).
    pub prediction: Array2<f64>,
    /// Selected features per row and output, by decreasing `|weight|`: `selected[i][o]`.
    pub selected: Vec<Vec<Vec<usize>>>,
    /// Quartile bin of each explained value, shape (samples, features); quartile mode only.
    pub bins: Option<Array2<usize>>,
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    // numpy's default (linear interpolation).
    let pos = q / 100.0 * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

impl<'m> LimeTabular<'m> {
    /// An explainer for `model` with statistics of `training`, shape (samples, features), all
    /// finite. Defaults as lime: quartile mode, 5000 samples, 10 features, automatic selection,
    /// ridge alpha 1, kernel width `0.75 sqrt(M)`, seed 0.
    pub fn new(
        model: &'m dyn Predict,
        training: ArrayView2<'_, f64>,
    ) -> Result<Self, ExplainError> {
        let (n, m) = training.dim();
        if m != model.n_features() {
            return Err(ExplainError::InvalidArgument(format!(
                "training data has {m} columns but the model expects {} features",
                model.n_features()
            )));
        }
        if n == 0 {
            return Err(ExplainError::InvalidArgument(
                "training data has no rows".into(),
            ));
        }
        for ((row, column), &value) in training.indexed_iter() {
            if !value.is_finite() {
                return Err(ExplainError::InvalidArgument(format!(
                    "training data: non-finite value {value} at row {row}, column {column}"
                )));
            }
        }
        let mut mean = Vec::with_capacity(m);
        let mut scale = Vec::with_capacity(m);
        let mut bins = Vec::with_capacity(m);
        for col in training.columns() {
            let mu = col.sum() / n as f64;
            let var = col.iter().map(|v| (v - mu) * (v - mu)).sum::<f64>() / n as f64;
            mean.push(mu);
            // scikit-learn's StandardScaler leaves constant features unscaled.
            scale.push(if var > 0.0 { var.sqrt() } else { 1.0 });
            bins.push(quartile_bins(col));
        }
        Ok(LimeTabular {
            model,
            mean,
            scale,
            bins,
            mode: LimeMode::Quartile,
            kernel_width: None,
            nsamples: 5000,
            num_features: 10,
            selection: FeatureSelection::Auto,
            alpha: 1.0,
            seed: 0,
        })
    }

    /// Perturbation mode (default [`LimeMode::Quartile`]).
    pub fn mode(mut self, mode: LimeMode) -> Self {
        self.mode = mode;
        self
    }

    /// Kernel width (default `0.75 sqrt(M)`); must be positive.
    pub fn kernel_width(mut self, width: f64) -> Self {
        self.kernel_width = Some(width);
        self
    }

    /// Perturbed samples per row, the instance included (default 5000; at least 2).
    pub fn nsamples(mut self, n: usize) -> Self {
        self.nsamples = n;
        self
    }

    /// Features kept in the surrogate (default 10; capped at M; at least 1).
    pub fn num_features(mut self, k: usize) -> Self {
        self.num_features = k;
        self
    }

    /// Feature selection (default [`FeatureSelection::Auto`]).
    pub fn feature_selection(mut self, s: FeatureSelection) -> Self {
        self.selection = s;
        self
    }

    /// Ridge penalty of the surrogate (default 1, lime's `Ridge(alpha=1)`); at least 0.
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }

    /// Seed (row `i` uses `Rng::derive(seed, i)`).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// lime's label of bin `bin` of `feature` named `name` (quartile mode), e.g.
    /// `"0.25 < x <= 0.50"`.
    pub fn bin_label(&self, feature: usize, bin: usize, name: &str) -> String {
        let e = &self.bins[feature].edges;
        if bin == 0 {
            format!("{name} <= {:.2}", e[0])
        } else if bin >= e.len() {
            format!("{name} > {:.2}", e[e.len() - 1])
        } else {
            format!("{:.2} < {name} <= {:.2}", e[bin - 1], e[bin])
        }
    }

    fn validate(&self) -> Result<(), ExplainError> {
        if self.nsamples < 2 {
            return Err(ExplainError::InvalidArgument(format!(
                "LIME nsamples must be at least 2 (the instance and one perturbation), got {}",
                self.nsamples
            )));
        }
        if self.num_features == 0 {
            return Err(ExplainError::InvalidArgument(
                "LIME num_features must be at least 1".into(),
            ));
        }
        if let Some(w) = self.kernel_width
            && !(w.is_finite() && w > 0.0)
        {
            return Err(ExplainError::InvalidArgument(format!(
                "LIME kernel width must be positive, got {w}"
            )));
        }
        if !(self.alpha.is_finite() && self.alpha >= 0.0) {
            return Err(ExplainError::InvalidArgument(format!(
                "LIME ridge alpha must be >= 0, got {}",
                self.alpha
            )));
        }
        Ok(())
    }

    /// Explains the rows of `x`, shape (samples, features).
    pub fn explain(&self, x: ArrayView2<'_, f64>) -> Result<LimeTabularExplanation, ExplainError> {
        self.validate()?;
        let m = self.mean.len();
        if x.ncols() != m {
            return Err(ExplainError::InvalidArgument(format!(
                "explained data has {} columns but the training data and model have {m}",
                x.ncols()
            )));
        }
        let n = x.nrows();
        let k = self.model.n_outputs();
        // One predict call per row: prepare the model once for all of them.
        let prepared = self.model.prepare();
        let model = prepared.as_deref().unwrap_or(self.model);
        let rows: Vec<(Vec<Surrogate>, Vec<f64>)> = (0..n)
            .into_par_iter()
            .map(|i| self.explain_row(model, i, x.row(i)))
            .collect::<Result<_, _>>()?;
        let mut out = LimeTabularExplanation {
            weights: Array3::zeros((n, m, k)),
            intercept: Array2::zeros((n, k)),
            score: Array2::zeros((n, k)),
            local_prediction: Array2::zeros((n, k)),
            prediction: Array2::zeros((n, k)),
            selected: Vec::with_capacity(n),
            bins: match self.mode {
                LimeMode::Quartile => Some(Array2::from_shape_fn((n, m), |(i, j)| {
                    self.bins[j].bin(x[[i, j]])
                })),
                LimeMode::Continuous { .. } => None,
            },
        };
        for (i, (surrogates, fx)) in rows.into_iter().enumerate() {
            let mut sel = Vec::with_capacity(k);
            for (o, s) in surrogates.into_iter().enumerate() {
                for j in 0..m {
                    out.weights[[i, j, o]] = s.coef[j];
                }
                out.intercept[[i, o]] = s.intercept;
                out.score[[i, o]] = s.score;
                out.local_prediction[[i, o]] = s.local_prediction;
                out.prediction[[i, o]] = fx[o];
                sel.push(s.selected);
            }
            out.selected.push(sel);
        }
        Ok(out)
    }

    fn explain_row(
        &self,
        model: &dyn Predict,
        row: usize,
        x: ArrayView1<'_, f64>,
    ) -> Result<(Vec<Surrogate>, Vec<f64>), ExplainError> {
        let m = x.len();
        let ns = self.nsamples;
        let mut rng = Rng::derive(self.seed, row as u64);
        // `inverse`: samples in the model's units; `data`: the representation the surrogate
        // sees (binary in quartile mode, standardised in continuous mode).
        let mut inverse = Array2::<f64>::zeros((ns, m));
        let mut data = vec![0.0; ns * m];
        inverse.row_mut(0).assign(&x);
        match self.mode {
            LimeMode::Quartile => {
                let first: Vec<usize> = (0..m).map(|j| self.bins[j].bin(x[j])).collect();
                data[..m].fill(1.0);
                for s in 1..ns {
                    for j in 0..m {
                        let b = &self.bins[j];
                        let u = rng.next_f64();
                        let bin = b
                            .cum_freq
                            .partition_point(|&c| c <= u)
                            .min(b.cum_freq.len() - 1);
                        data[s * m + j] = if bin == first[j] { 1.0 } else { 0.0 };
                        inverse[[s, j]] = truncated_normal(&mut rng, b, bin);
                    }
                }
            }
            LimeMode::Continuous { around_instance } => {
                for j in 0..m {
                    data[j] = (x[j] - self.mean[j]) / self.scale[j];
                }
                for s in 1..ns {
                    for j in 0..m {
                        let z = rng.normal_ziggurat();
                        let centre = if around_instance { x[j] } else { self.mean[j] };
                        let v = z * self.scale[j] + centre;
                        inverse[[s, j]] = v;
                        data[s * m + j] = (v - self.mean[j]) / self.scale[j];
                    }
                }
            }
        }
        let width = self.kernel_width.unwrap_or(0.75 * (m as f64).sqrt());
        let weights: Vec<f64> = (0..ns)
            .map(|s| {
                let d2: f64 = (0..m).map(|j| (data[s * m + j] - data[j]).powi(2)).sum();
                kernel(d2.sqrt(), width)
            })
            .collect();
        let y = model.predict(inverse.view())?;
        let k = model.n_outputs();
        if y.dim() != (ns, k) {
            return Err(ExplainError::Model(format!(
                "model returned shape {:?} for {ns} rows, expected ({ns}, {k})",
                y.dim()
            )));
        }
        for ((s, o), &v) in y.indexed_iter() {
            if !v.is_finite() {
                let what = if s == 0 {
                    "the instance".to_string()
                } else {
                    format!("perturbed sample {s}")
                };
                return Err(ExplainError::Model(format!(
                    "model returned {v} (output {o}) for {what} of explained row {row}"
                )));
            }
        }
        let surrogates = (0..k)
            .map(|o| {
                let yo: Vec<f64> = y.column(o).to_vec();
                surrogate::fit(
                    &data,
                    m,
                    &yo,
                    &weights,
                    self.num_features,
                    self.selection,
                    self.alpha,
                )
            })
            .collect();
        Ok((surrogates, y.row(0).to_vec()))
    }
}

/// lime's QuartileDiscretizer statistics for one training column.
fn quartile_bins(col: ArrayView1<'_, f64>) -> Bins {
    let mut sorted: Vec<f64> = col.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut edges: Vec<f64> = [25.0, 50.0, 75.0]
        .iter()
        .map(|&q| percentile(&sorted, q))
        .collect();
    edges.dedup();
    let nb = edges.len() + 1;
    let mut b = Bins {
        edges,
        mean: vec![0.0; nb],
        std: vec![0.0; nb],
        lo: vec![0.0; nb],
        hi: vec![0.0; nb],
        cum_freq: vec![0.0; nb],
    };
    let mut members: Vec<Vec<f64>> = vec![Vec::new(); nb];
    for &v in col {
        members[b.bin(v)].push(v);
    }
    let n = col.len() as f64;
    let mut cum = 0.0;
    for (t, vals) in members.iter().enumerate() {
        let c = vals.len() as f64;
        if c > 0.0 {
            let mu = vals.iter().sum::<f64>() / c;
            b.mean[t] = mu;
            b.std[t] = (vals.iter().map(|v| (v - mu) * (v - mu)).sum::<f64>() / c).sqrt();
        }
        b.std[t] += 1e-11;
        b.lo[t] = if t == 0 { sorted[0] } else { b.edges[t - 1] };
        b.hi[t] = if t == nb - 1 {
            sorted[sorted.len() - 1]
        } else {
            b.edges[t]
        };
        cum += c / n;
        b.cum_freq[t] = cum;
    }
    b.cum_freq[nb - 1] = 1.0;
    b
}

/// A draw from N(mean, std) truncated to the bin's edges, by rejection (the bin's mean lies
/// inside its edges, so at least about half of the draws are accepted); after 64 rejections a
/// uniform draw on the bin is used.
fn truncated_normal(rng: &mut Rng, b: &Bins, bin: usize) -> f64 {
    let (lo, hi) = (b.lo[bin], b.hi[bin]);
    if lo >= hi {
        return lo;
    }
    for _ in 0..64 {
        let v = b.mean[bin] + b.std[bin] * rng.normal_ziggurat();
        if (lo..=hi).contains(&v) {
            return v;
        }
    }
    rng.uniform(lo, hi)
}

#[cfg(test)]
mod tests {
    use super::*;
    use glassbox_core::ndarray::array;

    #[test]
    fn quartiles_and_bins_follow_numpy_and_lime() {
        // 0..=8: quartiles 2, 4, 6; searchsorted(left): 2 -> bin 0, 2.5 -> bin 1, 7 -> bin 3.
        let col = array![0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];
        let b = quartile_bins(col.view());
        assert_eq!(b.edges, vec![2.0, 4.0, 6.0]);
        assert_eq!((b.bin(2.0), b.bin(2.5), b.bin(7.0)), (0, 1, 3));
        // bin 0 holds {0, 1, 2}: mean 1, edges [0, 2]; frequencies 3/9, 2/9, 2/9, 2/9.
        assert_eq!((b.mean[0], b.lo[0], b.hi[0]), (1.0, 0.0, 2.0));
        assert!((b.cum_freq[0] - 3.0 / 9.0).abs() < 1e-15);
        assert_eq!(b.cum_freq[3], 1.0);
        let mut rng = Rng::new(0);
        for _ in 0..100 {
            let v = truncated_normal(&mut rng, &b, 2);
            assert!((4.0..=6.0).contains(&v));
        }
    }
}
