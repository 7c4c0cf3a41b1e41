//! Writes every glassbox plot, drawn from synthetic data with the molding table's feature names,
//! as PNG and SVG into a folder: `cargo run -p glassbox-plot --example gallery -- /tmp/gallery`.

use std::path::PathBuf;

use glassbox_core::Explanation;
use glassbox_core::ndarray::{Array2, Array3};
use glassbox_core::rng::Rng;

const NAMES: [&str; 12] = [
    "Fill time derived (sec)",
    "Injection volume flow",
    "Holding pressure",
    "Mold temperature (°C)",
    "Cooling time",
    "Melt temperature",
    "Screw speed",
    "Back pressure",
    "Switch-over point",
    "Cycle time",
    "Dosing time",
    "Clamp force",
];

fn explanation(n: usize) -> Explanation {
    let m = NAMES.len();
    let mut rng = Rng::new(7);
    let data = Array2::from_shape_fn((n, m), |_| rng.normal());
    let mut values = Array3::zeros((n, m, 1));
    for i in 0..n {
        for j in 0..m {
            let w = 1.0 / (j as f64 + 1.0).powf(1.3);
            let x = data[[i, j]];
            values[[i, j, 0]] = w * (x + 0.3 * x * data[[i, (j + 1) % m]]) + 0.02 * rng.normal();
        }
    }
    Explanation::new(
        values,
        Array2::from_elem((n, 1), 22.4),
        data,
        NAMES.iter().map(|s| s.to_string()).collect(),
        vec!["Weight (g)".into()],
        "tree-shap",
    )
    .unwrap()
}

/// A 3-class explanation from the regressor's: class k weights feature j by a deterministic
/// factor, so every class stays additive (base + Σ values = its margin).
fn three_class(e: &Explanation) -> Explanation {
    let (n, m, _) = e.values.dim();
    let values = Array3::from_shape_fn((n, m, 3), |(i, j, k)| {
        e.values[[i, j, 0]] * (1.0 + ((j * 3 + k * 5) % 7) as f64 / 3.0)
    });
    Explanation::new(
        values,
        Array2::from_shape_fn((n, 3), |(_, k)| k as f64 * 0.3 - 0.3),
        e.data.clone(),
        e.feature_names.clone(),
        vec!["scrap".into(), "rework".into(), "good".into()],
        "tree-shap",
    )
    .expect("consistent shapes")
}

/// Synthetic SHAP interaction values for output 0 of `e`, shape (samples, features, features):
/// feature j interacts with j + 1 (the `0.3 · x_j · x_{j+1}` term of [`explanation`]), half of
/// it in each off-diagonal entry; the main effect is the rest of the SHAP value.
fn interactions(e: &Explanation) -> Array3<f64> {
    let (n, m, _) = e.values.dim();
    let mut iv = Array3::zeros((n, m, m));
    for i in 0..n {
        for j in 0..m {
            let k = (j + 1) % m;
            let w = 1.0 / (j as f64 + 1.0).powf(1.3);
            let h = 0.5 * w * 0.3 * e.data[[i, j]] * e.data[[i, k]];
            iv[[i, j, k]] += h;
            iv[[i, k, j]] += h;
            iv[[i, j, j]] += e.values[[i, j, 0]] - 2.0 * h;
        }
    }
    iv
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "/tmp/gallery".into()),
    );
    std::fs::create_dir_all(&dir)?;
    let e = explanation(500);
    glassbox_plot::shap_bar(&e, 0, 10)?.save(&dir.join("shap_bar"))?;
    glassbox_plot::beeswarm(&e, 0, 10)?.save(&dir.join("beeswarm"))?;
    glassbox_plot::waterfall(&e, 3, 0, 10)?.save(&dir.join("waterfall"))?;
    glassbox_plot::shap_bar_multi(&three_class(&e), 10)?.save(&dir.join("shap_bar_multi"))?;
    let rows: Vec<usize> = (0..40).collect();
    glassbox_plot::decision(&e, &rows, 0, 10, false)?.save(&dir.join("decision"))?;
    glassbox_plot::force(&e, 3, 0, 6, false)?.save(&dir.join("force"))?;
    // The same row read as a binary classifier's margin: ticks in probability units.
    let mut margin = e.clone();
    margin.base_values.fill(-0.4);
    glassbox_plot::force(&margin, 3, 0, 6, true)?.save(&dir.join("force_probability"))?;
    glassbox_plot::waterfall_probability(&margin, 3, 0, 10)?
        .save(&dir.join("waterfall_probability"))?;
    glassbox_plot::dependence(&e, 0, 0, glassbox_plot::ColorBy::Auto, None)?
        .save(&dir.join("dependence"))?;
    let names: Vec<String> = NAMES.iter().take(8).map(|s| s.to_string()).collect();
    let means = [0.31, 0.12, 0.08, 0.05, 0.02, 0.01, 0.0, -0.004];
    let stds = [0.02, 0.01, 0.012, 0.004, 0.003, 0.002, 0.001, 0.002];
    glassbox_plot::bar_with_errors(
        &names,
        &means,
        &stds,
        "Permutation importance (test set)",
        "Decrease in R²",
    )?
    .save(&dir.join("permutation"))?;
    let mut rng = Rng::new(1);
    let measured: Vec<f64> = (0..1050).map(|_| 20.0 + 4.0 * rng.next_f64()).collect();
    let predicted: Vec<f64> = measured.iter().map(|m| m + 0.05 * rng.normal()).collect();
    glassbox_plot::measured_vs_predicted(
        &measured,
        &predicted,
        "Random forest — test set (1050 rows)",
        "Weight (g)",
    )?
    .save(&dir.join("measured_vs_predicted"))?;
    let epochs: Vec<f64> = (1..=50).map(|e| e as f64).collect();
    let train: Vec<f64> = epochs
        .iter()
        .map(|e| 0.5 * (-e / 8.0f64).exp() + 1e-3)
        .collect();
    let val: Vec<f64> = epochs
        .iter()
        .map(|e| 0.6 * (-e / 9.0f64).exp() + 2e-3)
        .collect();
    glassbox_plot::line_chart(
        &[
            glassbox_plot::Series::new("train", epochs.clone(), train),
            glassbox_plot::Series::new("validation", epochs, val),
        ],
        "MLP training loss",
        "Epoch",
        "MSE loss (scaled)",
        true,
    )?
    .save(&dir.join("loss"))?;
    let grid: Vec<f64> = (0..30).map(|i| -2.0 + 4.0 * i as f64 / 29.0).collect();
    let mut series: Vec<glassbox_plot::Series> = (0..40)
        .map(|_| {
            let off = 0.3 * rng.normal();
            let ys = grid.iter().map(|g| 22.4 + off + 0.8 * g.tanh()).collect();
            glassbox_plot::Series::new("", grid.clone(), ys).into_faint()
        })
        .collect();
    series.push(glassbox_plot::Series::new(
        "partial dependence",
        grid.clone(),
        grid.iter().map(|g| 22.4 + 0.8 * g.tanh()).collect(),
    ));
    glassbox_plot::line_chart(
        &series,
        "Partial dependence: Holding pressure",
        "Holding pressure",
        "Predicted Weight (g)",
        false,
    )?
    .save(&dir.join("pdp"))?;
    let classes: Vec<String> = [
        "crazing",
        "inclusion",
        "patches",
        "pitted_surface",
        "rolled-in_scale",
        "scratches",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let cm: Vec<Vec<usize>> = (0..6)
        .map(|t| {
            (0..6)
                .map(|p| if t == p { 50 + 7 * t } else { (t * 3 + p) % 5 })
                .collect()
        })
        .collect();
    glassbox_plot::confusion_matrix(&cm, &classes, "CNN — NEU test set")?
        .save(&dir.join("confusion"))?;
    issue17(&dir, &e)?;
    println!("wrote {}", dir.display());
    Ok(())
}

/// The first `k` rows of `e`.
fn first_rows(e: &Explanation, k: usize) -> Explanation {
    use glassbox_core::ndarray::s;
    Explanation::new(
        e.values.slice(s![..k, .., ..]).to_owned(),
        e.base_values.slice(s![..k, ..]).to_owned(),
        e.data.slice(s![..k, ..]).to_owned(),
        e.feature_names.clone(),
        e.output_names.clone(),
        e.method.clone(),
    )
    .expect("consistent shapes")
}

/// The heatmap, stacked force and interaction plots.
fn issue17(dir: &std::path::Path, e: &Explanation) -> Result<(), Box<dyn std::error::Error>> {
    use glassbox_plot::HeatmapOrder;
    glassbox_plot::heatmap(e, 0, 10, HeatmapOrder::Clustered)?.save(&dir.join("heatmap"))?;
    let few = first_rows(e, 60);
    glassbox_plot::heatmap(&few, 0, 6, HeatmapOrder::Prediction)?
        .save(&dir.join("heatmap_prediction"))?;
    glassbox_plot::heatmap(&three_class(e), 2, 8, HeatmapOrder::Clustered)?
        .save(&dir.join("heatmap_class"))?;
    glassbox_plot::force_stacked(&few, 0, HeatmapOrder::Clustered, false)?
        .save(&dir.join("force_stacked"))?;
    glassbox_plot::force_stacked(e, 0, HeatmapOrder::Prediction, false)?
        .save(&dir.join("force_stacked_prediction"))?;
    let mut margin = few.clone();
    margin.base_values.fill(-0.4);
    glassbox_plot::force_stacked(&margin, 0, HeatmapOrder::FeatureValue(0), true)?
        .save(&dir.join("force_stacked_probability"))?;
    let iv = interactions(e);
    let mean = glassbox_plot::interaction::mean_abs_interactions(iv.view());
    glassbox_plot::interaction_matrix(mean.view(), &e.feature_names, 8)?
        .save(&dir.join("interaction_matrix"))?;
    glassbox_plot::interaction_matrix(mean.view(), &e.feature_names, 20)?
        .save(&dir.join("interaction_matrix_all"))?;
    glassbox_plot::interaction_pair(e, iv.view(), 0, 1, 0)?.save(&dir.join("interaction_pair"))?;
    Ok(())
}
