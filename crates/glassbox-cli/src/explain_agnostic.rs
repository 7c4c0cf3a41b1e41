//! `glassbox explain` with the model-agnostic methods: KernelSHAP and LIME (per-row
//! attributions, written through the same SHAP outputs as tree-shap), permutation importance and
//! partial dependence (global, with their own CSV and plots). They only need the model's
//! `Predict`, so they work on every model `explain` can load.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::ValueEnum;
use glassbox_core::ndarray::{Array2, Array3, Axis};
use glassbox_core::{Predict, Table};
use glassbox_data::read_table;
use glassbox_explain::ShapValues;
use glassbox_explain::importance::partial_dependence::partial_dependence;
use glassbox_explain::importance::permutation::{Scoring, permutation_importance};
use glassbox_explain::lime::tabular::{LimeMode, LimeTabular};
use glassbox_explain::shap::kernel_shap::KernelShap;
use glassbox_explain::shap::kmeans::kmeans;
use glassbox_explain::shap::output::OutputSpace;
use serde::Serialize;

use crate::explain::{ExplainArgs, Method, Prepared, Summary};
use crate::output::Staging;
use crate::tables::{num, write_csv, write_json};

/// LIME's perturbation mode on the command line.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimeModeArg {
    /// Quartile discretisation (lime's default): weights are effects of "being in the row's
    /// quartile bin".
    Quartile,
    /// Gaussian perturbations around the training mean: weights are slopes per training std.
    Continuous,
}

/// `--scoring` of permutation importance.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScoringArg {
    /// Accuracy for imported classifiers (binary-logistic, softmax, one-vs-all), R² otherwise.
    Auto,
    /// R² of the (first) model output against the target.
    R2,
    /// Accuracy against integer class labels, predicted from the model's margins (one output:
    /// class 1 where the margin is > 0; several: the largest).
    Accuracy,
}

/// Local-accuracy tolerance of KernelSHAP (exact by construction), relative to
/// `max(|f(x) - E[f(bg)]|, sum |phi|)`.
const KERNEL_RTOL: f64 = 1e-9;

/// The background for KernelSHAP, in model input space, with weights: a k-means summary of the
/// background pool (`--background-kmeans K`), the rows of `--background-data`, or a seeded
/// sample of `--background` pool rows.
fn kernel_background(
    prepared: &Prepared,
    args: &ExplainArgs,
) -> Result<(Array2<f64>, Option<Vec<f64>>)> {
    let pool = match &args.background_data {
        Some(path) => background_file(prepared, path)?,
        None => prepared.background_pool.clone(),
    };
    if let Some(k) = args.background_kmeans {
        if k == 0 || k > pool.nrows() {
            bail!(
                "--background-kmeans {k}: must be between 1 and the {} background rows",
                pool.nrows()
            );
        }
        let summary = kmeans(pool.view(), k, args.seed).context("k-means background summary")?;
        return Ok((summary.data, Some(summary.weights)));
    }
    if args.background_data.is_some() {
        return Ok((pool, None));
    }
    Ok((prepared.background(args.background, args.seed)?, None))
}

/// Reads `--background-data`: the model's feature columns (by name) of another table, scaled as
/// the model's inputs.
fn background_file(prepared: &Prepared, path: &std::path::Path) -> Result<Array2<f64>> {
    let raw = read_table(path, &Default::default())
        .with_context(|| format!("--background-data {}", path.display()))?;
    let table = raw
        .to_feature_table(&prepared.table.feature_names, None)
        .with_context(|| {
            format!(
                "--background-data {}: needs the model's feature columns",
                path.display()
            )
        })?;
    if table.n_samples() == 0 {
        bail!("--background-data {}: no rows", path.display());
    }
    match &prepared.scaler {
        Some(scaler) => Ok(scaler.transform(table.features.view())?),
        None => Ok(table.features),
    }
}

/// A classifier's probabilities as a model: the sigmoid of one margin, the softmax of several
/// (what `--output probability` explains with the model-agnostic methods).
struct Probabilities<'a>(&'a dyn Predict);

impl Predict for Probabilities<'_> {
    fn n_features(&self) -> usize {
        self.0.n_features()
    }
    fn n_outputs(&self) -> usize {
        self.0.n_outputs()
    }
    fn predict(
        &self,
        x: glassbox_core::ndarray::ArrayView2<'_, f64>,
    ) -> std::result::Result<Array2<f64>, glassbox_core::CoreError> {
        Ok(crate::explain_files::to_probabilities(&self.0.predict(x)?))
    }
}

/// Whether the per-row agnostic methods explain probabilities (`--output probability`; the
/// caller has checked that the model is a classifier whose probabilities glassbox reproduces).
fn explains_probability(args: &ExplainArgs) -> bool {
    args.output == crate::explain::OutputArg::Probability
}

/// KernelSHAP values of every explained row; returns them and the number of background rows.
/// Checks local accuracy (exact by construction) before anything is written.
pub fn kernel_shap(
    prepared: &Prepared,
    args: &ExplainArgs,
    quiet: bool,
) -> Result<(ShapValues, usize)> {
    let probability = explains_probability(args);
    let proba;
    let model: &dyn Predict = if probability {
        proba = Probabilities(prepared.model.as_ref());
        &proba
    } else {
        prepared.model.as_ref()
    };
    let predictions = if probability {
        crate::explain_files::to_probabilities(&prepared.predictions)
    } else {
        prepared.predictions.clone()
    };
    let (background, weights) = kernel_background(prepared, args)?;
    let m = prepared.x.ncols();
    let min = KernelShap::min_nsamples(m);
    if let Some(ns) = args.nsamples
        && ns < min
    {
        bail!(
            "--nsamples {ns} is too small for {m} features: KernelSHAP needs at least {min} coalitions per row"
        );
    }
    // Tree models evaluate the coalitions by walking each tree once per background row: the
    // same values (bit for bit), several times faster than synthetic rows.
    let ks = match &prepared.ensemble {
        Some(ensemble) => {
            let space = if probability {
                OutputSpace::Probability
            } else {
                OutputSpace::Margin
            };
            KernelShap::for_tree_ensemble_in(ensemble, space, background.view(), weights.as_deref())
        }
        None => KernelShap::new(model, background.view(), weights.as_deref()),
    };
    let mut ks = ks.context("KernelSHAP background")?.seed(args.seed);
    if let Some(ns) = args.nsamples {
        ks = ks.nsamples(ns);
    }
    let expected = ks.expected_value().to_vec();
    let bar = crate::progress::bar(prepared.x.nrows() as u64, "kernel-shap", quiet);
    let mut parts: Vec<ShapValues> = Vec::new();
    let chunk = 64;
    let mut start = 0;
    while start < prepared.x.nrows() {
        let end = (start + chunk).min(prepared.x.nrows());
        let part = ks.explain(prepared.x.slice(glassbox_core::ndarray::s![start..end, ..]))?;
        parts.push(part);
        bar.set_position(end as u64);
        start = end;
    }
    bar.finish_and_clear();
    let values: Vec<_> = parts.iter().map(|p| p.values.view()).collect();
    let bases: Vec<_> = parts.iter().map(|p| p.base_values.view()).collect();
    let shap = ShapValues {
        values: glassbox_core::ndarray::concatenate(Axis(0), &values)?,
        base_values: glassbox_core::ndarray::concatenate(Axis(0), &bases)?,
    };
    // Efficiency: sum phi = f(x) - E[f(background)] exactly, up to rounding.
    for i in 0..shap.values.dim().0 {
        for (o, e) in expected.iter().enumerate() {
            let diff = predictions[[i, o]] - e;
            let col = shap.values.index_axis(Axis(0), i);
            let phi = col.column(o);
            let sum: f64 = phi.sum();
            let scale = diff.abs().max(phi.iter().map(|v| v.abs()).sum());
            if (sum - diff).abs() > KERNEL_RTOL * scale.max(f64::MIN_POSITIVE) {
                bail!(
                    "KernelSHAP local accuracy failed at row {i}, output {o}: sum of values {sum} but f(x) - E[f(background)] = {diff}"
                );
            }
        }
    }
    Ok((shap, background.nrows()))
}

/// One LIME row in `lime.csv` / `lime.json`.
#[derive(Serialize, Debug, Clone)]
struct LimeRow {
    row_id: String,
    prediction: f64,
    local_prediction: f64,
    intercept: f64,
    r2: f64,
}

/// LIME summary written to `lime.json`.
#[derive(Serialize, Debug, Clone)]
struct LimeSummary {
    mode: String,
    samples: usize,
    kernel_width: f64,
    mean_r2: f64,
    min_r2: f64,
    rows: Vec<LimeRow>,
}

/// LIME on every explained row (output 0). Returns the surrogate's contributions at each row as
/// SHAP-style values (base = intercept, so base + sum = the surrogate's prediction) and the
/// relative gap between the surrogate's and the model's predictions; writes `lime.csv` and
/// `lime.json` (per-row weighted R², the surrogate's fidelity) into `staging`.
pub fn lime(
    prepared: &Prepared,
    args: &ExplainArgs,
    staging: &Staging,
    quiet: bool,
) -> Result<(ShapValues, f64)> {
    let proba;
    let model: &dyn Predict = if explains_probability(args) {
        proba = Probabilities(prepared.model.as_ref());
        &proba
    } else {
        prepared.model.as_ref()
    };
    if args.lime_samples < 2 {
        bail!(
            "--lime-samples {}: LIME needs at least 2 samples (the row and one perturbation)",
            args.lime_samples
        );
    }
    let (n, m) = prepared.x.dim();
    // LIME's perturbations and bins need a value in every cell (imported models read missing
    // ones); say where the first hole is instead of failing inside the statistics.
    for (rows, what) in [
        (&prepared.x, "explained"),
        (&prepared.background_pool, "training"),
    ] {
        if let Some(((i, j), _)) = rows.indexed_iter().find(|(_, v)| v.is_nan()) {
            let row = if what == "explained" {
                format!("row '{}'", prepared.table.row_ids[i])
            } else {
                format!("data row {}", i + 1)
            };
            bail!(
                "{}: LIME cannot perturb missing values ({what} {row}, column '{}' is empty); \
                 drop incomplete rows, or use --method kernel-shap, which handles them",
                args.table.data.display(),
                prepared.table.feature_names[j]
            );
        }
    }
    let mode = match args.lime_mode {
        LimeModeArg::Quartile => LimeMode::Quartile,
        LimeModeArg::Continuous => LimeMode::Continuous {
            around_instance: false,
        },
    };
    let lime = LimeTabular::new(model, prepared.background_pool.view())
        .context("LIME training statistics")?
        .mode(mode)
        .nsamples(args.lime_samples)
        .num_features(m)
        .seed(args.seed);
    let spinner = crate::progress::spinner("lime", quiet);
    let e = lime.explain(prepared.x.view())?;
    spinner.finish_and_clear();
    let k = e.intercept.ncols();
    // Contribution of feature j at the row: weight times the row's surrogate representation
    // (1 in quartile mode: the row is in its own bin; the standardised value in continuous mode).
    let mut values = Array3::zeros((n, m, k));
    for i in 0..n {
        for o in 0..k {
            let mut local = e.intercept[[i, o]];
            for j in 0..m {
                let z = match mode {
                    LimeMode::Quartile => 1.0,
                    LimeMode::Continuous { .. } => {
                        let col = prepared.background_pool.column(j);
                        let mean = col.mean().unwrap_or(0.0);
                        let sd = col.std(0.0);
                        (prepared.x[[i, j]] - mean) / if sd > 0.0 { sd } else { 1.0 }
                    }
                };
                values[[i, j, o]] = e.weights[[i, j, o]] * z;
                local += values[[i, j, o]];
            }
            let want = e.local_prediction[[i, o]];
            if (local - want).abs() > 1e-6 * want.abs().max(1.0) {
                bail!(
                    "LIME surrogate at row {i}: contributions sum to {local}, surrogate predicts {want}"
                );
            }
        }
    }
    let (mut gap, mut total) = (0.0, 0.0);
    for i in 0..n {
        for o in 0..k {
            gap += (e.prediction[[i, o]] - e.local_prediction[[i, o]]).abs();
            total += (e.prediction[[i, o]] - e.intercept[[i, o]]).abs();
        }
    }
    let rows: Vec<LimeRow> = (0..n)
        .map(|i| LimeRow {
            row_id: prepared.table.row_ids[i].clone(),
            prediction: e.prediction[[i, 0]],
            local_prediction: e.local_prediction[[i, 0]],
            intercept: e.intercept[[i, 0]],
            r2: e.score[[i, 0]],
        })
        .collect();
    let header: Vec<String> = [
        "row_id",
        "prediction",
        "local_prediction",
        "intercept",
        "r2",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    write_csv(
        &staging.path("lime.csv"),
        &header,
        rows.iter().map(|r| {
            vec![
                r.row_id.clone(),
                num(r.prediction),
                num(r.local_prediction),
                num(r.intercept),
                num(r.r2),
            ]
        }),
    )?;
    let r2: Vec<f64> = rows.iter().map(|r| r.r2).collect();
    let summary = LimeSummary {
        mode: format!("{:?}", args.lime_mode).to_lowercase(),
        samples: args.lime_samples,
        kernel_width: 0.75 * (m as f64).sqrt(),
        mean_r2: r2.iter().sum::<f64>() / n as f64,
        min_r2: r2.iter().copied().fold(f64::INFINITY, f64::min),
        rows,
    };
    write_json(&staging.path("lime.json"), &summary)?;
    let shap = ShapValues {
        values,
        base_values: e.intercept.clone(),
    };
    Ok((shap, if total > 0.0 { gap / total } else { 0.0 }))
}

/// Summary of permutation importance (`importance.json`).
#[derive(Serialize, Debug, Clone)]
struct ImportanceSummary {
    scoring: String,
    baseline: f64,
    repeats: usize,
    /// (feature, mean drop, std), by decreasing mean drop.
    importances: Vec<(String, f64, f64)>,
}

/// The target column of the explained rows (for permutation importance): `--target`, else the
/// glassbox model's target, read from `--data` and matched to the explained rows by row id.
fn target(prepared: &Prepared, args: &ExplainArgs) -> Result<Vec<f64>> {
    let name = match &args.target {
        Some(t) => t.clone(),
        None => match &prepared.target_name {
            Some(name) => name.clone(),
            None => bail!("permutation importance needs the target column; pass --target COLUMN"),
        },
    };
    let raw = read_table(&args.table.data, &args.table.read_options())?;
    // Only the target is read here (the features were checked when the rows were prepared), so
    // missing feature cells, which imported models accept, must not stop it.
    let table: Table = raw
        .to_feature_table_with_missing(&prepared.table.feature_names, Some(&name))
        .with_context(|| format!("{}: target column '{name}'", args.table.data.display()))?;
    let y = table.target.with_context(|| {
        format!(
            "{}: no target column '{name}' (permutation importance needs it; pass --target)",
            args.table.data.display()
        )
    })?;
    let index: std::collections::HashMap<&str, usize> = table
        .row_ids
        .iter()
        .enumerate()
        .map(|(i, r)| (r.as_str(), i))
        .collect();
    prepared
        .table
        .row_ids
        .iter()
        .map(|r| {
            index
                .get(r.as_str())
                .map(|&i| y[i])
                .with_context(|| format!("{}: row '{r}' has no target", args.table.data.display()))
        })
        .collect()
}

/// Runs the global methods (permutation importance, partial dependence), which write their own
/// files and commit `staging`; the per-row methods go through the SHAP outputs instead.
pub fn run_global(
    args: &ExplainArgs,
    prepared: &Prepared,
    staging: Staging,
    quiet: bool,
) -> Result<(PathBuf, Summary)> {
    let started = Instant::now();
    let model: &dyn Predict = prepared.model.as_ref();
    let names = &prepared.table.feature_names;
    let (n, m) = prepared.x.dim();
    if n == 0 {
        bail!("{}: no rows to explain", args.table.data.display());
    }
    let ranked: Vec<(String, f64)> = match args.method {
        Method::Permutation => {
            if args.repeats == 0 {
                bail!("--repeats must be at least 1");
            }
            let y = target(prepared, args)?;
            let y = glassbox_core::ndarray::Array1::from(y);
            let scoring = match (args.scoring, prepared.classes) {
                (ScoringArg::R2, _) | (ScoringArg::Auto, None) => Scoring::R2 { output: 0 },
                (ScoringArg::Accuracy, _) | (ScoringArg::Auto, Some(_)) => Scoring::MarginAccuracy,
            };
            let score_label = match scoring {
                Scoring::R2 { .. } => "R²",
                _ => "accuracy",
            };
            let spinner = crate::progress::spinner("permutation", quiet);
            let pi = permutation_importance(
                model,
                prepared.x.view(),
                y.view(),
                scoring,
                args.repeats,
                args.seed,
            )
            .with_context(|| {
                format!(
                    "{}: permutation importance ({})",
                    args.table.data.display(),
                    scoring.name()
                )
            })?;
            spinner.finish_and_clear();
            let mut header = vec!["feature".to_string(), "mean".into(), "std".into()];
            header.extend((0..args.repeats).map(|r| format!("repeat_{r}")));
            write_csv(
                &staging.path("permutation_importance.csv"),
                &header,
                (0..m).map(|j| {
                    let mut r = vec![names[j].clone(), num(pi.mean[j]), num(pi.std[j])];
                    r.extend(pi.importances.row(j).iter().map(|&v| num(v)));
                    r
                }),
            )?;
            let mut order: Vec<usize> = (0..m).collect();
            order.sort_by(|&a, &b| pi.mean[b].total_cmp(&pi.mean[a]));
            let shown: Vec<usize> = order
                .iter()
                .copied()
                .take(args.max_display.max(1))
                .collect();
            let labels: Vec<String> = shown.iter().map(|&j| names[j].clone()).collect();
            let means: Vec<f64> = shown.iter().map(|&j| pi.mean[j]).collect();
            let stds: Vec<f64> = shown.iter().map(|&j| pi.std[j]).collect();
            glassbox_plot::bar_with_errors(
                &labels,
                &means,
                &stds,
                &format!(
                    "Permutation importance — drop in {score_label} ({} repeats)",
                    args.repeats
                ),
                &format!("drop in {score_label} when the feature is shuffled"),
            )?
            .save(&staging.path("permutation_importance"))?;
            let summary = ImportanceSummary {
                scoring: scoring.name().into(),
                baseline: pi.baseline,
                repeats: args.repeats,
                importances: order
                    .iter()
                    .map(|&j| (names[j].clone(), pi.mean[j], pi.std[j]))
                    .collect(),
            };
            write_json(&staging.path("importance.json"), &summary)?;
            order
                .iter()
                .map(|&j| (names[j].clone(), pi.mean[j]))
                .collect()
        }
        Method::Pdp => {
            if args.grid < 2 {
                bail!(
                    "--grid {}: partial dependence needs at least 2 grid points",
                    args.grid
                );
            }
            // Curves for the features the model's output varies most with along its grid.
            let mut curves = Vec::with_capacity(m);
            let bar = crate::progress::bar(m as u64, "pdp", quiet);
            for j in 0..m {
                curves.push(partial_dependence(model, prepared.x.view(), j, args.grid)?);
                bar.set_position(j as u64 + 1);
            }
            bar.finish_and_clear();
            let range = |j: usize| {
                let c = curves[j].average.column(0);
                c.iter().copied().fold(f64::NEG_INFINITY, f64::max)
                    - c.iter().copied().fold(f64::INFINITY, f64::min)
            };
            let mut order: Vec<usize> = (0..m).collect();
            order.sort_by(|&a, &b| range(b).total_cmp(&range(a)));
            let header: Vec<String> = ["feature", "grid_value", "model_input", "average"]
                .iter()
                .map(|s| s.to_string())
                .collect();
            // Grid values in the data's units: the model input is scaled for glassbox models.
            let raw_grid = |j: usize, t: usize| -> f64 {
                let v = curves[j].grid[t];
                unscale(prepared, j, v)
            };
            write_csv(
                &staging.path("partial_dependence.csv"),
                &header,
                (0..m).flat_map(|j| {
                    let c = &curves[j];
                    (0..c.grid.len())
                        .map(|t| {
                            vec![
                                names[j].clone(),
                                num(raw_grid(j, t)),
                                num(c.grid[t]),
                                num(c.average[[t, 0]]),
                            ]
                        })
                        .collect::<Vec<_>>()
                }),
            )?;
            for (rank, &j) in order.iter().take(args.max_display.max(1)).enumerate() {
                let c = &curves[j];
                let xs: Vec<f64> = (0..c.grid.len()).map(|t| raw_grid(j, t)).collect();
                // ICE curves of up to 50 rows, faint, behind the average.
                let step = (n / 50).max(1);
                let mut series: Vec<glassbox_plot::Series> = (0..n)
                    .step_by(step)
                    .map(|i| {
                        let mut s = glassbox_plot::Series::new(
                            "",
                            xs.clone(),
                            (0..c.grid.len()).map(|t| c.ice[[i, t, 0]]).collect(),
                        );
                        s.faint = true;
                        s
                    })
                    .collect();
                series.push(glassbox_plot::Series::new(
                    "partial dependence",
                    xs.clone(),
                    c.average.column(0).to_vec(),
                ));
                glassbox_plot::line_chart(
                    &series,
                    &format!("Partial dependence — {}", names[j]),
                    &names[j],
                    &prepared.output_names[0],
                    false,
                )?
                .save(&staging.path(&format!("pdp_{rank:02}_{}", file_safe(&names[j]))))?;
            }
            order
                .iter()
                .map(|&j| (names[j].clone(), range(j)))
                .collect()
        }
        other => bail!("{} is not a global method", method_name(other)),
    };
    let seconds = started.elapsed().as_secs_f64();
    let dir = staging.commit()?;
    let summary = Summary {
        method: method_name(args.method).into(),
        model: crate::output::final_path(&prepared.model_path)
            .display()
            .to_string(),
        data: args.table.data.display().to_string(),
        n_rows: n,
        features: names.clone(),
        output: prepared.output_names.join(", "),
        base_value: prepared.predictions.column(0).mean().unwrap_or(0.0),
        local_accuracy_rtol: None,
        local_accuracy_max_rel_error: 0.0,
        completeness_gap: None,
        background_rows: None,
        mean_abs_shap: ranked,
        seconds,
    };
    if !quiet {
        eprintln!(
            "{}: {n} rows x {m} features in {seconds:.2} s -> {}",
            summary.method,
            crate::output::final_path(&dir).display()
        );
    }
    Ok((dir, summary))
}

fn method_name(method: Method) -> &'static str {
    match method {
        Method::Permutation => "permutation",
        Method::Pdp => "pdp",
        Method::KernelShap => "kernel-shap",
        Method::Lime => "lime",
        _ => "other",
    }
}

/// A model-input value of feature `j` back in the data's units (glassbox models scale their
/// inputs to [0, 1] with the training min and max; the explained table gives both ends).
fn unscale(prepared: &Prepared, j: usize, v: f64) -> f64 {
    let raw = prepared.table.features.column(j);
    let x = prepared.x.column(j);
    // The scaling is affine per feature: recover it from two rows with different values.
    let (mut a, mut b) = (None, None);
    for i in 0..x.len() {
        match a {
            None => a = Some(i),
            Some(p) if x[i] != x[p] => {
                b = Some(i);
                break;
            }
            _ => {}
        }
    }
    match (a, b) {
        (Some(p), Some(q)) => raw[p] + (v - x[p]) * (raw[q] - raw[p]) / (x[q] - x[p]),
        (Some(p), None) => raw[p] + (v - x[p]),
        _ => v,
    }
}

/// A feature name as a file-name part.
fn file_safe(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}
