//! The per-row model-agnostic methods: KernelSHAP and LIME. They only need the model's
//! predictions, so they work on every [`crate::Model`].

use glassbox_core::ndarray::{Array2, Array3, ArrayView2};
use glassbox_core::{CoreError, Predict};
use glassbox_explain::ShapValues;
use glassbox_explain::lime::tabular::{LimeMode as ExplainLimeMode, LimeTabular};
use glassbox_explain::shap::kernel_shap::KernelShap;
use glassbox_explain::shap::output::OutputSpace as TreeOutputSpace;

use super::background::{background, pool_table};
use super::explain::{Computed, Job, by_chunks};
use super::{LimeMode, OutputSpace};
use crate::records::tabular::{LimeRecord, LimeRowRecord};
use crate::{Error, Result};
use glassbox_core::link::Link;

/// KernelSHAP's rows per call: each call numbers its rows from 0 for the coalition sampling
/// (`Rng::derive(seed, i)`), so the chunking is part of the result and stays fixed.
const KERNEL_CHUNK: usize = 64;

/// The margins a [`Probabilities`] maps: the model as given, or prepared
/// ([`Predict::prepare`]).
enum Margins<'a> {
    Given(&'a dyn Predict),
    Prepared(Box<dyn Predict + 'a>),
}

impl Margins<'_> {
    fn model(&self) -> &dyn Predict {
        match self {
            Margins::Given(m) => *m,
            Margins::Prepared(m) => m.as_ref(),
        }
    }
}

/// A classifier's probabilities as a model: its link applied to the margins.
struct Probabilities<'a>(Margins<'a>, Link);

impl Predict for Probabilities<'_> {
    fn n_features(&self) -> usize {
        self.0.model().n_features()
    }
    fn n_outputs(&self) -> usize {
        self.0.model().n_outputs()
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> std::result::Result<Array2<f64>, CoreError> {
        Ok(self.1.apply(self.0.model().predict(x)?.view()))
    }
    fn prepare(&self) -> Option<Box<dyn Predict + '_>> {
        let inner = self.0.model().prepare()?;
        Some(Box::new(Probabilities(Margins::Prepared(inner), self.1)))
    }
}

/// KernelSHAP values of every explained row against the (weighted) background; exact by
/// construction (checked by the caller).
pub(crate) fn kernel_shap(job: &Job<'_>) -> Result<Computed> {
    let bg = background(job.model, job.rows, job.settings)?;
    let m = job.x.ncols();
    let min = KernelShap::min_nsamples(m);
    if let Some(ns) = job.settings.nsamples
        && ns < min
    {
        return Err(Error::Settings(format!(
            "--nsamples {ns} is too small for {m} features: KernelSHAP needs at least {min} coalitions per row"
        )));
    }
    let probability = job.settings.output == OutputSpace::Probability;
    let predictor = job.model.input_predictor()?;
    let proba = Probabilities(Margins::Given(predictor), job.model.link());
    let model: &dyn Predict = if probability { &proba } else { predictor };
    let weights = bg.weights.as_deref();
    // Tree models evaluate the coalitions by walking each tree once per background row: the
    // same values (bit for bit), several times faster than synthetic rows.
    let ks = match job.model.trees() {
        Some(trees) => {
            let space = if probability {
                TreeOutputSpace::Probability
            } else {
                TreeOutputSpace::Margin
            };
            KernelShap::for_tree_ensemble_in(trees, space, bg.rows.view(), weights)
        }
        None => KernelShap::new(model, bg.rows.view(), weights),
    };
    let mut ks = ks
        .map_err(|e| Error::Input(format!("KernelSHAP background: {e}")))?
        .seed(job.settings.seed);
    if let Some(ns) = job.settings.nsamples {
        ks = ks.nsamples(ns);
    }
    let shap = by_chunks(job, KERNEL_CHUNK, |x| Ok(ks.explain(x)?))?;
    Ok(Computed {
        shap,
        gap: None,
        background_rows: Some(bg.rows.nrows()),
        interactions: None,
        lime: None,
    })
}

/// Names the first missing cell of the explained rows or the LIME training table: LIME's
/// perturbations and bins need a value in every cell.
fn refuse_missing(job: &Job<'_>, training: &Array2<f64>) -> Result<()> {
    for (rows, what) in [(&job.x, "explained"), (training, "training")] {
        if let Some(((i, j), _)) = rows.indexed_iter().find(|(_, v)| v.is_nan()) {
            let row = if what == "explained" {
                format!("row '{}'", job.rows.row_ids[i])
            } else {
                format!("data row {}", i + 1)
            };
            return Err(Error::Input(format!(
                "LIME cannot perturb missing values ({what} {row}, column '{}' is empty); \
                 drop incomplete rows, or use --method kernel-shap, which handles them",
                job.rows.feature_names[j]
            )));
        }
    }
    Ok(())
}

/// LIME on every explained row. The surrogate's contributions at each row are returned as
/// SHAP-style values (base = intercept, so base + sum = the surrogate's prediction) with the
/// relative gap between the surrogate's and the model's predictions, and each surrogate's
/// fidelity (weighted R²) as the LIME record.
pub(crate) fn lime(job: &Job<'_>) -> Result<Computed> {
    let settings = job.settings;
    if settings.lime_samples < 2 {
        return Err(Error::Settings(format!(
            "--lime-samples {}: LIME needs at least 2 samples (the row and one perturbation)",
            settings.lime_samples
        )));
    }
    let training = job
        .model
        .to_input(pool_table(settings, job.rows).features.view())?;
    refuse_missing(job, &training)?;
    let predictor = job.model.input_predictor()?;
    let proba = Probabilities(Margins::Given(predictor), job.model.link());
    let model: &dyn Predict = if settings.output == OutputSpace::Probability {
        &proba
    } else {
        predictor
    };
    let mode = match settings.lime_mode {
        LimeMode::Quartile => ExplainLimeMode::Quartile,
        LimeMode::Continuous => ExplainLimeMode::Continuous {
            around_instance: false,
        },
    };
    let m = job.x.ncols();
    let lime = LimeTabular::new(model, training.view())
        .map_err(|e| Error::Input(format!("LIME training statistics: {e}")))?
        .mode(mode)
        .nsamples(settings.lime_samples)
        .num_features(m)
        .seed(settings.seed);
    job.progress.start("lime", None);
    let e = lime.explain(job.x.view())?;
    job.progress.finish();
    let values = contributions(job, &training, &e, mode)?;
    let gap = surrogate_gap(&e);
    let record = lime_record(job, &e, m);
    Ok(Computed {
        shap: ShapValues {
            values,
            base_values: e.intercept.clone(),
        },
        gap: Some(gap),
        background_rows: None,
        interactions: None,
        lime: Some(record),
    })
}

/// Contribution of feature j at each row: weight times the row's surrogate representation (1
/// in quartile mode: the row is in its own bin; the standardised value in continuous mode),
/// shape (samples, features, outputs); checks that they add up to the surrogate's prediction.
fn contributions(
    job: &Job<'_>,
    training: &Array2<f64>,
    e: &glassbox_explain::lime::tabular::LimeTabularExplanation,
    mode: ExplainLimeMode,
) -> Result<Array3<f64>> {
    let (n, m) = job.x.dim();
    let k = e.intercept.ncols();
    let mut values = Array3::zeros((n, m, k));
    for i in 0..n {
        for o in 0..k {
            let mut local = e.intercept[[i, o]];
            for j in 0..m {
                let z = match mode {
                    ExplainLimeMode::Quartile => 1.0,
                    ExplainLimeMode::Continuous { .. } => {
                        let col = training.column(j);
                        let mean = col.mean().unwrap_or(0.0);
                        let sd = col.std(0.0);
                        (job.x[[i, j]] - mean) / if sd > 0.0 { sd } else { 1.0 }
                    }
                };
                values[[i, j, o]] = e.weights[[i, j, o]] * z;
                local += values[[i, j, o]];
            }
            let want = e.local_prediction[[i, o]];
            if (local - want).abs() > 1e-6 * want.abs().max(1.0) {
                return Err(Error::Input(format!(
                    "LIME surrogate at row {i}: contributions sum to {local}, surrogate predicts {want}"
                )));
            }
        }
    }
    Ok(values)
}

/// Sum over rows and outputs of |model - surrogate| divided by the sum of |model - intercept|.
fn surrogate_gap(e: &glassbox_explain::lime::tabular::LimeTabularExplanation) -> f64 {
    let (mut gap, mut total) = (0.0, 0.0);
    for ((p, l), b) in e
        .prediction
        .iter()
        .zip(e.local_prediction.iter())
        .zip(e.intercept.iter())
    {
        gap += (p - l).abs();
        total += (p - b).abs();
    }
    if total > 0.0 { gap / total } else { 0.0 }
}

fn lime_record(
    job: &Job<'_>,
    e: &glassbox_explain::lime::tabular::LimeTabularExplanation,
    m: usize,
) -> LimeRecord {
    let n = job.x.nrows();
    let rows: Vec<LimeRowRecord> = (0..n)
        .map(|i| LimeRowRecord {
            row_id: job.rows.row_ids[i].clone(),
            prediction: e.prediction[[i, 0]],
            local_prediction: e.local_prediction[[i, 0]],
            intercept: e.intercept[[i, 0]],
            r2: e.score[[i, 0]],
        })
        .collect();
    let r2: Vec<f64> = rows.iter().map(|r| r.r2).collect();
    LimeRecord {
        mode: job.settings.lime_mode.name().into(),
        samples: job.settings.lime_samples,
        kernel_width: 0.75 * (m as f64).sqrt(),
        mean_r2: r2.iter().sum::<f64>() / n as f64,
        min_r2: r2.iter().copied().fold(f64::INFINITY, f64::min),
        rows,
    }
}
