//! The one entry point for per-row tabular explanations: [`explain`].

use std::time::Instant;

use glassbox_core::differentiable::NeuralNetwork;
use glassbox_core::ndarray::{Array2, Array4, ArrayView2, Axis, concatenate, s};
use glassbox_core::{Explanation, FeatureGroups, Table, TreeEnsemble};
use glassbox_explain::ShapValues;
use glassbox_explain::deep::{
    GradientShapOptions, IntegratedGradientsOptions, deep_shap, gradient_shap, integrated_gradients,
};
use glassbox_explain::shap::output::{self as shap_output, interventional_tree_shap_output};
use glassbox_explain::shap::tree_shap::TreeShap;
use glassbox_explain::shap::tree_shap_interactions;
use rayon::prelude::*;

use super::background::{Background, background};
use super::{ExplainSettings, Method, OutputSpace, ProbabilityMethod, Setting};
use crate::records::tabular::LimeRecord;
use crate::{Error, Model, Progress, Result};
use glassbox_core::link::Link;

/// Local-accuracy tolerance (relative) of the exact methods in f64.
pub const EXACT_RTOL: f64 = 1e-9;

/// The result of [`explain`]: attributions in the requested output space, checked.
#[derive(Clone, Debug)]
pub struct TabularExplanation {
    /// The method that computed them.
    pub method: Method,
    /// Values (samples, features, outputs), base values (samples, outputs), the explained raw
    /// feature values (samples, features), feature and output names.
    pub explanation: Explanation,
    /// The model's output in the explained space (probabilities with
    /// [`OutputSpace::Probability`]), shape (samples, outputs).
    pub predictions: Array2<f64>,
    /// Row ids of the explained rows.
    pub row_ids: Vec<String>,
    /// Local-accuracy tolerance every row was checked against (exact methods).
    pub local_accuracy_rtol: Option<f64>,
    /// Largest relative local-accuracy error over rows and outputs.
    pub local_accuracy_max_rel_error: f64,
    /// Approximate methods: sum over rows of |f(x) - base - sum φ| divided by the sum of
    /// |f(x) - base|.
    pub completeness_gap: Option<f64>,
    /// Background rows used (methods with a background).
    pub background_rows: Option<usize>,
    /// Interaction values ([`Method::Interactions`]), shape (samples, features, features,
    /// outputs).
    pub interactions: Option<Array4<f64>>,
    /// LIME's surrogate fidelity ([`Method::Lime`]).
    pub lime: Option<LimeRecord>,
    /// Seconds spent computing the values.
    pub seconds: f64,
    /// The model file explained, as recorded (the final path, not a staging folder).
    pub model: String,
    /// How the explained outputs map to probabilities: the model's link when its margins were
    /// explained ([`Link::Logistic`] for a binary classifier, [`Link::Softmax`] for a
    /// multi-class one), [`Link::Identity`] for regressors and for probabilities explained
    /// directly. Plots of a [`Link::Logistic`] run label their axis in probabilities.
    pub margin_link: Link,
}

/// What one method computed, before it is checked and dressed.
pub(crate) struct Computed {
    pub shap: ShapValues,
    pub gap: Option<f64>,
    pub background_rows: Option<usize>,
    pub interactions: Option<Array4<f64>>,
    pub lime: Option<LimeRecord>,
}

impl Computed {
    fn exact(shap: ShapValues) -> Computed {
        Computed {
            shap,
            gap: None,
            background_rows: None,
            interactions: None,
            lime: None,
        }
    }
}

/// What every method needs: the model, the explained rows in its input space, the settings.
pub(crate) struct Job<'a> {
    pub model: &'a Model,
    pub rows: &'a Table,
    pub x: Array2<f64>,
    pub predictions: Array2<f64>,
    pub settings: &'a ExplainSettings,
    pub method: Method,
    pub progress: &'a dyn Progress,
}

/// Explains `rows` (raw feature values in the model's feature order, e.g. from
/// [`Model::feature_table`]) with a per-row method.
///
/// Settings the method does not read are refused when they are set (`nsamples`,
/// `background_kmeans`, `background_data`); [`Method::refuse_unused`] refuses the rest for
/// front ends that know what the user typed. Exact methods are checked for local accuracy
/// (base + sum of values = output, 1e-9 relative) before anything is returned; the approximate
/// ones (Integrated Gradients, GradientSHAP, LIME) report their completeness gap.
pub fn explain(
    model: &Model,
    rows: &Table,
    method: Method,
    settings: &ExplainSettings,
    progress: &dyn Progress,
) -> Result<TabularExplanation> {
    if !method.is_per_row() {
        return Err(Error::Settings(format!(
            "{} is a global method: call permutation_importance or partial_dependence",
            method.name()
        )));
    }
    method.refuse_unused(&set_options(settings))?;
    let (output_names, link) = output_space(model, method, settings)?;
    if rows.n_samples() == 0 {
        return Err(Error::Input("no rows to explain".into()));
    }
    let x = model.to_input(rows.features.view())?;
    let margins = model.input_predictor()?.predict(x.view())?;
    let predictions = link.apply(margins.view());
    let job = Job {
        model,
        rows,
        x,
        predictions,
        settings,
        method,
        progress,
    };
    let started = Instant::now();
    let computed = compute(&job)?;
    let seconds = started.elapsed().as_secs_f64();
    finish(job, computed, output_names, seconds)
}

/// The settings that are set although they have defaults of "none".
fn set_options(settings: &ExplainSettings) -> Vec<Setting> {
    let mut given = Vec::new();
    if settings.nsamples.is_some() {
        given.push(Setting::Nsamples);
    }
    if settings.background_kmeans.is_some() {
        given.push(Setting::BackgroundKmeans);
    }
    if settings.background_data.is_some() {
        given.push(Setting::BackgroundData);
    }
    given
}

/// Output names and the link explained: the margin, or the probabilities of a classifier whose
/// probabilities glassbox reproduces, with the methods that are additive in probability space.
fn output_space(
    model: &Model,
    method: Method,
    settings: &ExplainSettings,
) -> Result<(Vec<String>, Link)> {
    if settings.output == OutputSpace::Margin {
        return Ok((model.output_names(), Link::Identity));
    }
    if !method.uses(Setting::Output) {
        return Err(Error::Settings(format!(
            "--output probability works with --method interventional-tree-shap, kernel-shap \
             or lime (probabilities are not additive under the trees' path-dependent \
             expectations); {} explains the margin",
            method.name()
        )));
    }
    let names = model.probability_names().ok_or_else(|| {
        Error::Settings(format!(
            "{}: --output probability needs a binary-logistic or softmax classifier; this model's output is not a probability",
            model.label()
        ))
    })?;
    Ok((names, model.link()))
}

fn compute(job: &Job<'_>) -> Result<Computed> {
    if job.method.uses_covers() {
        job.model.require_covers()?;
    }
    match job.method {
        Method::TreeShap => {
            let trees = need_trees(job)?;
            // Prepared once: the chunks (for the progress bar) share every tree's plan.
            let prepared = TreeShap::new(trees)?;
            let shap = by_chunks(job, default_chunk(job.x.nrows()), |x| {
                Ok(prepared.shap_values(x)?)
            })?;
            Ok(Computed::exact(shap))
        }
        Method::InterventionalTreeShap => interventional(job),
        Method::Interactions => {
            let trees = need_trees(job)?;
            job.progress.start(job.method.name(), None);
            let iv = tree_shap_interactions(trees, job.x.view())?;
            job.progress.finish();
            let mut c = Computed::exact(iv.shap_values());
            c.interactions = Some(iv.values);
            Ok(c)
        }
        Method::DeepShap => {
            let net = need_network(job)?;
            let bg = background(job.model, job.rows, job.settings)?;
            let shap = weighted(job, &bg, |x, b| Ok(deep_shap(net, x, b)?))?;
            Ok(with_background(shap, &bg))
        }
        Method::IntegratedGradients | Method::GradientShap => path_method(job),
        Method::KernelShap => super::agnostic::kernel_shap(job),
        Method::Lime => super::agnostic::lime(job),
        Method::Permutation | Method::Pdp => unreachable!("refused in explain"),
    }
}

fn with_background(shap: ShapValues, bg: &Background) -> Computed {
    let mut c = Computed::exact(shap);
    c.background_rows = Some(bg.rows.nrows());
    c
}

fn need_trees<'a>(job: &Job<'a>) -> Result<&'a TreeEnsemble> {
    job.model.trees().ok_or_else(|| {
        Error::Input(format!(
            "{}: {} needs a tree model (random forest, XGBoost, LightGBM)",
            job.model.label(),
            job.method.name()
        ))
    })
}

fn need_network<'a>(job: &Job<'a>) -> Result<&'a dyn NeuralNetwork> {
    job.model.neural_network().ok_or_else(|| {
        Error::Input(format!(
            "{}: {} needs a neural network (train one with --model mlp, or load an ONNX \
             network); for tree models use tree-shap",
            job.model.label(),
            job.method.name()
        ))
    })
}

fn interventional(job: &Job<'_>) -> Result<Computed> {
    let trees = need_trees(job)?;
    let bg = background(job.model, job.rows, job.settings)?;
    let probability = job.settings.output == OutputSpace::Probability;
    let method = job.settings.probability_method;
    if probability && method == ProbabilityMethod::Rescaled && bg.weights.is_some() {
        return Err(Error::Settings(
            "--probability-method rescaled has no weighted form (it rescales the whole \
             background's margin values at once); use --probability-method exact with \
             --background-kmeans, or --background N"
                .into(),
        ));
    }
    let space = if probability {
        shap_output::OutputSpace::Probability
    } else {
        shap_output::OutputSpace::Margin
    };
    let shap = weighted(job, &bg, |x, b| {
        Ok(interventional_tree_shap_output(trees, x, b, space, method)?)
    })?;
    Ok(with_background(shap, &bg))
}

/// Integrated Gradients (baseline: the weighted background mean) and GradientSHAP (uniform
/// draws from the background, so an unweighted background only).
fn path_method(job: &Job<'_>) -> Result<Computed> {
    let net = need_network(job)?;
    let bg = background(job.model, job.rows, job.settings)?;
    job.progress.start(job.method.name(), None);
    let a = if job.method == Method::IntegratedGradients {
        let options = IntegratedGradientsOptions {
            steps: job.settings.steps,
            ..IntegratedGradientsOptions::default()
        };
        integrated_gradients(net, job.x.view(), bg.mean().view(), &options)?
    } else {
        if bg.weights.is_some() {
            return Err(Error::Settings(
                "--background-kmeans: GradientSHAP draws background rows uniformly and has no \
                 weighted form; use --background N or --background-data FILE"
                    .into(),
            ));
        }
        let options = GradientShapOptions {
            nsamples: job.settings.gradient_samples,
            seed: job.settings.seed,
            ..GradientShapOptions::default()
        };
        gradient_shap(net, job.x.view(), bg.rows.view(), &options)?
    };
    job.progress.finish();
    let gap = a.relative_gap();
    let mut c = with_background(a.values, &bg);
    c.gap = Some(gap);
    Ok(c)
}

/// A background method over a (possibly weighted) background. Interventional TreeSHAP and
/// DeepSHAP are averages over background rows, so a weighted background is the weighted
/// average of the values against each row alone (exact); an unweighted one is one call.
fn weighted<F>(job: &Job<'_>, bg: &Background, f: F) -> Result<ShapValues>
where
    F: Fn(ArrayView2<'_, f64>, ArrayView2<'_, f64>) -> Result<ShapValues> + Sync,
{
    let chunk = default_chunk(job.x.nrows());
    if bg.weights.is_none() {
        return by_chunks(job, chunk, |x| f(x, bg.rows.view()));
    }
    let weights = bg.normalized_weights();
    by_chunks(job, chunk, |x| {
        let mut total: Option<ShapValues> = None;
        for (b, &w) in weights.iter().enumerate() {
            let part = f(x, bg.rows.slice(s![b..b + 1, ..]))?;
            match &mut total {
                None => {
                    total = Some(ShapValues {
                        values: part.values * w,
                        base_values: part.base_values * w,
                    })
                }
                Some(t) => {
                    t.values.scaled_add(w, &part.values);
                    t.base_values.scaled_add(w, &part.base_values);
                }
            }
        }
        Ok(total.expect("background non-empty"))
    })
}

/// Rows per chunk for methods whose rows are independent: at least 64, at most 20 chunks.
pub(crate) fn default_chunk(n: usize) -> usize {
    n.div_ceil(20).max(64)
}

/// Runs `f` over chunks of `chunk` rows in parallel, reporting each finished chunk to the
/// progress, and stacks the results in row order.
pub(crate) fn by_chunks<F>(job: &Job<'_>, chunk: usize, f: F) -> Result<ShapValues>
where
    F: Fn(ArrayView2<'_, f64>) -> Result<ShapValues> + Sync,
{
    let n = job.x.nrows();
    job.progress.start(job.method.name(), Some(n as u64));
    let starts: Vec<usize> = (0..n).step_by(chunk.max(1)).collect();
    let parts: Vec<ShapValues> = starts
        .par_iter()
        .map(|&start| {
            let end = (start + chunk).min(n);
            let part = f(job.x.slice(s![start..end, ..]))?;
            job.progress.advance((end - start) as u64);
            Ok(part)
        })
        .collect::<Result<_>>()?;
    job.progress.finish();
    let values: Vec<_> = parts.iter().map(|p| p.values.view()).collect();
    let bases: Vec<_> = parts.iter().map(|p| p.base_values.view()).collect();
    Ok(ShapValues {
        values: concatenate(Axis(0), &values).map_err(shape_error)?,
        base_values: concatenate(Axis(0), &bases).map_err(shape_error)?,
    })
}

fn shape_error(e: glassbox_core::ndarray::ShapeError) -> Error {
    Error::Input(format!("stacking the chunks' values: {e}"))
}

/// Dresses the values, checks local accuracy of exact methods, and records the run.
fn finish(
    job: Job<'_>,
    computed: Computed,
    output_names: Vec<String>,
    seconds: f64,
) -> Result<TabularExplanation> {
    let explanation = computed.shap.into_explanation(
        job.rows.features.clone(),
        job.rows.feature_names.clone(),
        output_names,
        job.method.name(),
    )?;
    let exact = computed.gap.is_none();
    if exact {
        explanation
            .check_local_accuracy(job.predictions.view(), EXACT_RTOL)
            .map_err(|e| {
                Error::Input(format!(
                    "refusing SHAP values that do not add up to the model output: {e}"
                ))
            })?;
    }
    let max_rel = explanation.max_local_accuracy_error(job.predictions.view())?;
    let grouping = groups(job.model, &job.settings.groups, &explanation.feature_names)?;
    let (explanation, interactions) = match grouping {
        Some(g) => (
            g.group(&explanation)?,
            computed
                .interactions
                .map(|iv| g.group_interactions(iv.view())),
        ),
        None => (explanation, computed.interactions),
    };
    Ok(TabularExplanation {
        method: job.method,
        explanation,
        predictions: job.predictions,
        row_ids: job.rows.row_ids.clone(),
        local_accuracy_rtol: exact.then_some(EXACT_RTOL),
        local_accuracy_max_rel_error: max_rel,
        completeness_gap: computed.gap,
        background_rows: computed.background_rows,
        interactions,
        lime: computed.lime,
        seconds,
        model: recorded_model(job.model),
        margin_link: match job.settings.output {
            OutputSpace::Margin => job.model.link(),
            OutputSpace::Probability => Link::Identity,
        },
    })
}

/// How the model's features (`names`) are explained: its one-hot columns (each one feature)
/// and the user's `groups` on top; `None` when every feature stands alone.
fn groups(
    model: &Model,
    extra: &[(String, Vec<String>)],
    names: &[String],
) -> Result<Option<FeatureGroups>> {
    let base = match model.feature_groups()? {
        Some(g) => g,
        None if extra.is_empty() => return Ok(None),
        None => FeatureGroups::from_one_hot(names, &[])?,
    };
    let g = if extra.is_empty() {
        base
    } else {
        base.merge(extra)?
    };
    Ok((!g.is_identity()).then_some(g))
}

/// The model file as recorded in run files: its final path.
pub(crate) fn recorded_model(model: &Model) -> String {
    model.path().map_or_else(
        || "(in memory)".to_string(),
        |p| crate::run_dir::final_path(p).display().to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NoProgress;
    use crate::tabular::{ModelKind, TrainSettings, train};
    use glassbox_core::ndarray::Axis;
    use glassbox_data::{ReadOptions, read_table};

    fn trained(kind: ModelKind) -> (Model, Table) {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../data/concrete/concrete.csv"
        );
        let raw = read_table(path.as_ref(), &ReadOptions::default()).unwrap();
        let mut settings = TrainSettings {
            target: "Compressive strength (MPa)".into(),
            model: kind,
            ..TrainSettings::default()
        };
        settings.forest.n_estimators = 3;
        settings.mlp.hidden = vec![5, 5];
        settings.mlp.epochs = 2;
        let run = train(&raw, &settings, &NoProgress).unwrap();
        let model = run.model();
        let table = model.feature_table(&raw, None).unwrap();
        (model, table)
    }

    /// A weighted background equals the unweighted one with each row repeated by its weight.
    fn weights_are_repetitions(kind: ModelKind, method: Method) {
        let (model, table) = trained(kind);
        let rows = table.select_rows(&[0, 1, 2, 3, 4]);
        let settings = ExplainSettings::default();
        let x = model.to_input(rows.features.view()).unwrap();
        let job = Job {
            model: &model,
            rows: &rows,
            predictions: model.input_predictor().unwrap().predict(x.view()).unwrap(),
            x,
            settings: &settings,
            method,
            progress: &NoProgress,
        };
        let pool = model.to_input(table.features.view()).unwrap();
        let (a, b) = (pool.row(10).to_owned(), pool.row(500).to_owned());
        let repeated = Background {
            rows: glassbox_core::ndarray::stack(Axis(0), &[a.view(), a.view(), b.view()]).unwrap(),
            weights: None,
        };
        let weighted_bg = Background {
            rows: glassbox_core::ndarray::stack(Axis(0), &[a.view(), b.view()]).unwrap(),
            weights: Some(vec![2.0, 1.0]),
        };
        let f = |x: ArrayView2<'_, f64>, bg: ArrayView2<'_, f64>| -> Result<ShapValues> {
            match method {
                Method::DeepShap => Ok(deep_shap(model.neural_network().unwrap(), x, bg)?),
                _ => Ok(glassbox_explain::shap::interventional_tree_shap(
                    model.trees().unwrap(),
                    x,
                    bg,
                )?),
            }
        };
        let want = weighted(&job, &repeated, f).unwrap();
        let got = weighted(&job, &weighted_bg, f).unwrap();
        for (w, g) in want.values.iter().zip(&got.values) {
            assert!((w - g).abs() <= 1e-9 * w.abs().max(1.0), "{w} vs {g}");
        }
        for (w, g) in want.base_values.iter().zip(&got.base_values) {
            assert!((w - g).abs() <= 1e-9 * w.abs().max(1.0), "{w} vs {g}");
        }
        // Integrated Gradients' baseline: the weighted mean is the mean of the repetitions.
        for (w, g) in repeated.mean().iter().zip(&weighted_bg.mean()) {
            assert!((w - g).abs() <= 1e-12, "{w} vs {g}");
        }
    }

    #[test]
    fn weighted_interventional_tree_shap_is_exact() {
        weights_are_repetitions(ModelKind::Forest, Method::InterventionalTreeShap);
    }

    #[test]
    fn weighted_deep_shap_is_exact() {
        weights_are_repetitions(ModelKind::Mlp, Method::DeepShap);
    }
}
