//! The run folder of an image explanation: panels, overlays, maps (CSV and .npy), curves,
//! the grid and `summary.json` ([`ImageExplainSummary`]).

use std::path::{Path, PathBuf};

use glassbox_core::ndarray::{Array2, Array3, ArrayView2, Axis};
use glassbox_core::npy::write_npy;
use glassbox_explain::lime::image_classifier::ClassifierLime;
use glassbox_plot::lime_panel::pros_cons_rgb;
use glassbox_plot::saliency::{save_overlay_png, save_rgb_png};
use glassbox_plot::{
    CamPanel, FaithfulnessCurve, Figure, LimePanel, cam_grid, cam_panel, lime_grid, lime_panel,
};

use super::{ImageExplanation, ImageInputs, ImageModel, MapDetail};
use crate::records::image::{
    CascadeStepRecord, ImageExplainSummary, ImageSummaryEntry, PreprocessingRecord,
};
use crate::records::write_record;
use crate::run_dir::{final_path, num, write_csv};
use crate::{Error, Progress, Result};

/// Grids with more rows than this are written as PNG only (the SVG would embed every raster).
pub const GRID_SVG_MAX_ROWS: usize = 12;

/// The sub-folders of an image explanation run.
pub const EXPLAIN_SUBFOLDERS: [&str; 4] = ["panels", "overlays", "maps", "curves"];

/// What every file of one image shares: its file stem and the texts of its panel.
struct ImageText {
    stem: String,
    name: String,
    true_class: Option<String>,
    predicted: String,
    score: f64,
    explained: String,
}

fn image_texts(e: &ImageExplanation, model: &ImageModel, inputs: &ImageInputs) -> Vec<ImageText> {
    let names = model.class_names();
    let file_part = |p: Option<&std::ffi::OsStr>| {
        p.map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    inputs
        .batch
        .paths
        .iter()
        .enumerate()
        .map(|(i, path)| ImageText {
            stem: format!("{i:03}_{}", file_part(path.file_stem())),
            name: file_part(path.file_name()),
            true_class: inputs.truth[i].map(|t| names[t].clone()),
            predicted: names[e.predicted[i]].clone(),
            score: e.probabilities[[i, e.predicted[i]]] as f64,
            explained: names[e.explained[i]].clone(),
        })
        .collect()
}

/// Image `i` as the panels and overlays draw it: its one channel, or the luminance of an RGB
/// image (ITU-R 601 weights, as Pillow's `convert("L")`); the explanations themselves were
/// computed on every channel.
fn image_view(inputs: &ImageInputs, i: usize) -> Array2<f32> {
    let image = inputs.batch.images.index_axis(Axis(0), i);
    match image.dim().0 {
        3 => {
            let [r, g, b] = [0, 1, 2].map(|c| image.index_axis(Axis(0), c));
            Array2::from_shape_fn(r.dim(), |p| 0.299 * r[p] + 0.587 * g[p] + 0.114 * b[p])
        }
        _ => image.index_axis(Axis(0), 0).to_owned(),
    }
}

/// Writes the run folder of `e` into `dir` (which must exist) and returns its summary.
/// `model` and `inputs` are those `e` was computed from.
pub fn write_image_explanation(
    e: &ImageExplanation,
    model: &ImageModel,
    inputs: &ImageInputs,
    dir: &Path,
    progress: &dyn Progress,
) -> Result<ImageExplainSummary> {
    progress.start("writing panels", None);
    for sub in EXPLAIN_SUBFOLDERS {
        std::fs::create_dir(dir.join(sub)).map_err(|err| Error::io(dir.join(sub), err))?;
    }
    let texts = image_texts(e, model, inputs);
    let grid = match &e.detail {
        MapDetail::Cam { raw } => write_cam_files(e, inputs, &texts, raw, dir)?,
        MapDetail::Lime(l) => write_lime_files(e, model, inputs, &texts, l, dir)?,
    };
    write_curves(e, model, &texts, dir)?;
    grid.save_png(&dir.join("grid.png"))?;
    if inputs.len() <= GRID_SVG_MAX_ROWS {
        grid.save_svg(&dir.join("grid.svg"))?;
    }
    write_npy_maps(e, dir)?;
    let summary = e.summary(model, inputs);
    write_record(&dir.join("summary.json"), &summary)?;
    progress.finish();
    Ok(summary)
}

/// Panels, overlays and raw-map CSVs of a CAM-family run; returns the grid.
fn write_cam_files(
    e: &ImageExplanation,
    inputs: &ImageInputs,
    texts: &[ImageText],
    raw: &Array3<f32>,
    dir: &Path,
) -> Result<Figure> {
    let raw64 = raw.mapv(f64::from);
    let alpha = e.settings.alpha;
    let images: Vec<Array2<f32>> = (0..texts.len()).map(|i| image_view(inputs, i)).collect();
    let mut panels = Vec::with_capacity(texts.len());
    for (i, t) in texts.iter().enumerate() {
        let image = images[i].view();
        let map = e.maps.index_axis(Axis(0), i);
        let panel = CamPanel {
            image,
            raw_map: raw64.index_axis(Axis(0), i),
            map,
            name: t.name.clone(),
            true_class: t.true_class.clone(),
            predicted: t.predicted.clone(),
            score: t.score,
            explained: t.explained.clone(),
            alpha,
        };
        cam_panel(&panel)?.save(&dir.join(format!("panels/{}", t.stem)))?;
        save_overlay_png(
            &dir.join(format!("overlays/{}.png", t.stem)),
            image,
            map,
            alpha,
        )?;
        write_map_csv(
            &dir.join(format!("maps/{}.raw.csv", t.stem)),
            raw64.index_axis(Axis(0), i),
        )?;
        panels.push(panel);
    }
    let (rh, rw) = e.raw_map_size();
    Ok(cam_grid(
        &panels,
        &format!("{} — layer {} ({rw}×{rh} maps)", e.method, e.layer),
    )?)
}

/// Panels, overlays, weights and segment CSVs of a LIME run; returns the grid.
fn write_lime_files(
    e: &ImageExplanation,
    model: &ImageModel,
    inputs: &ImageInputs,
    texts: &[ImageText],
    lime: &[ClassifierLime],
    dir: &Path,
) -> Result<Figure> {
    let settings = e.settings.lime.clone().unwrap_or_default();
    // Each image's weights for its explained class (the panel's colours).
    let weights: Vec<Vec<f64>> = lime
        .iter()
        .map(|l| l.explanation.weights.column(l.class).to_vec())
        .collect();
    let images: Vec<Array2<f32>> = (0..texts.len()).map(|i| image_view(inputs, i)).collect();
    let mut panels = Vec::with_capacity(texts.len());
    for (i, t) in texts.iter().enumerate() {
        let image = images[i].view();
        let ex = &lime[i].explanation;
        let panel = LimePanel {
            image,
            segments: ex.segments.view(),
            weights: &weights[i],
            top: settings.top,
            name: t.name.clone(),
            true_class: t.true_class.clone(),
            predicted: t.predicted.clone(),
            score: t.score,
            explained: t.explained.clone(),
            fidelity: ex.score[lime[i].class],
        };
        lime_panel(&panel)?.save(&dir.join(format!("panels/{}", t.stem)))?;
        let (pros, cons) = panel.top_superpixels();
        let (h, w) = image.dim();
        save_rgb_png(
            &dir.join(format!("overlays/{}.png", t.stem)),
            w as u32,
            h as u32,
            &pros_cons_rgb(image, ex.segments.view(), &pros, &cons),
        )?;
        write_weights_csv(
            &dir.join(format!("maps/{}.weights.csv", t.stem)),
            &lime[i],
            model.class_names(),
        )?;
        write_map_csv(
            &dir.join(format!("maps/{}.segments.csv", t.stem)),
            ex.segments.mapv(|s| s as f64).view(),
        )?;
        panels.push(panel);
    }
    Ok(lime_grid(
        &panels,
        &format!(
            "LIME — about {} superpixels, {} samples per image",
            settings.segments, settings.samples
        ),
    )?)
}

/// The deletion/insertion plot of every image (when computed).
fn write_curves(
    e: &ImageExplanation,
    model: &ImageModel,
    texts: &[ImageText],
    dir: &Path,
) -> Result<()> {
    let Some(faith) = &e.faithfulness else {
        return Ok(());
    };
    let curve = |name: &str, c: &glassbox_explain::cam::faithfulness::FaithfulnessCurve| {
        FaithfulnessCurve {
            name: name.into(),
            fractions: c.fractions.clone(),
            probabilities: c.probabilities.clone(),
            auc: c.auc,
        }
    };
    for (i, (t, f)) in texts.iter().zip(faith).enumerate() {
        glassbox_plot::deletion_insertion(
            &[
                curve("Deletion", &f.deletion),
                curve("Insertion", &f.insertion),
            ],
            &model.class_names()[e.explained[i]],
            &format!("{} — {} ({})", t.name, e.method, e.layer),
        )?
        .save_png(&dir.join(format!("curves/{}.png", t.stem)))?;
    }
    Ok(())
}

/// `maps/maps.npy` and `maps/raw_maps.npy` (CAM) or `maps/segments.npy` (LIME), float32.
fn write_npy_maps(e: &ImageExplanation, dir: &Path) -> Result<()> {
    let npy = |name: &str, a: &Array3<f32>| {
        let path: PathBuf = dir.join("maps").join(name);
        write_npy(&path, a.view()).map_err(|e| Error::io(&path, e))
    };
    match &e.detail {
        MapDetail::Cam { raw } => npy("raw_maps.npy", raw)?,
        MapDetail::Lime(l) => {
            let (n, h, w) = e.maps.dim();
            let seg = Array3::from_shape_fn((n, h, w), |(i, y, x)| {
                l[i].explanation.segments[[y, x]] as f32
            });
            npy("segments.npy", &seg)?;
        }
    }
    npy("maps.npy", &e.maps.mapv(|v| v as f32))
}

impl ImageExplanation {
    /// The `summary.json` record of this explanation of `inputs` by `model` (the model folder
    /// recorded by its final path).
    pub fn summary(&self, model: &ImageModel, inputs: &ImageInputs) -> ImageExplainSummary {
        let texts = image_texts(self, model, inputs);
        let lime = match &self.detail {
            MapDetail::Lime(l) => Some(l),
            MapDetail::Cam { .. } => None,
        };
        let images: Vec<ImageSummaryEntry> = texts
            .into_iter()
            .enumerate()
            .map(|(i, t)| {
                let f = self.faithfulness.as_ref().map(|f| &f[i]);
                let l = lime.map(|l| &l[i]);
                ImageSummaryEntry {
                    file: inputs.batch.paths[i].display().to_string(),
                    panel: format!("panels/{}.png", t.stem),
                    true_class: t.true_class,
                    predicted_class: t.predicted,
                    probability: t.score,
                    explained_class: t.explained,
                    explained_probability: self.probabilities[[i, self.explained[i]]] as f64,
                    deletion_auc: f.map(|f| f.deletion.auc),
                    insertion_auc: f.map(|f| f.insertion.auc),
                    randomization_spearman: self.randomization.as_ref().and_then(|c| c[i]),
                    surrogate_r2: l.map(|l| l.explanation.score[l.class]),
                    superpixels: l.map(|l| l.explanation.weights.nrows()),
                }
            })
            .collect();
        let mean = |v: Vec<f64>| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
        let mean_of =
            |f: fn(&ImageSummaryEntry) -> Option<f64>| mean(images.iter().filter_map(f).collect());
        ImageExplainSummary {
            method: self.method.to_string(),
            layer: self.layer.clone(),
            raw_map_size: self.raw_map_size(),
            model: final_path(model.dir()).display().to_string(),
            arch: model.arch().to_string(),
            class_names: model.class_names().to_vec(),
            preprocessing: model.preprocessing().map(|p| PreprocessingRecord {
                scale: p.scale,
                mean: p.mean.clone(),
                std: p.std.clone(),
            }),
            alpha: self.settings.alpha,
            upsampling: matches!(self.detail, MapDetail::Cam { .. })
                .then(|| self.settings.upsampling.to_string()),
            faithfulness_steps: self.settings.steps,
            mean_deletion_auc: mean_of(|s| s.deletion_auc),
            mean_insertion_auc: mean_of(|s| s.insertion_auc),
            randomized_layers: self.randomized_layers.clone(),
            mean_randomization_spearman: mean_of(|s| s.randomization_spearman),
            randomization_cascade: self
                .randomization_cascade
                .iter()
                .map(|(layer, mean)| CascadeStepRecord {
                    layer: layer.clone(),
                    mean_spearman: *mean,
                })
                .collect(),
            mean_surrogate_r2: mean_of(|s| s.surrogate_r2),
            lime: lime.and(
                self.settings
                    .lime
                    .as_ref()
                    .map(|s| s.record(self.settings.seed)),
            ),
            images,
        }
    }
}

/// A 2-D map as CSV: one line per row of the map, no header.
fn write_map_csv(path: &Path, map: ArrayView2<'_, f64>) -> Result<()> {
    let mut text = String::new();
    for row in map.rows() {
        let cells: Vec<String> = row.iter().map(|&v| num(v)).collect();
        text.push_str(&cells.join(","));
        text.push('\n');
    }
    glassbox_core::atomic::write_atomic(path, text.as_bytes())?;
    Ok(())
}

/// One image's superpixel weights: one row per superpixel with its pixel count and its
/// weight for every class, then the surrogate's intercept and weighted R² per class.
fn write_weights_csv(path: &Path, lime: &ClassifierLime, class_names: &[String]) -> Result<()> {
    let e = &lime.explanation;
    let nseg = e.weights.nrows();
    let mut pixels = vec![0usize; nseg];
    for &s in &e.segments {
        pixels[s] += 1;
    }
    let mut header = vec!["superpixel".to_string(), "pixels".into()];
    header.extend(class_names.iter().cloned());
    let mut rows: Vec<Vec<String>> = (0..nseg)
        .map(|s| {
            let mut r = vec![s.to_string(), pixels[s].to_string()];
            r.extend(e.weights.row(s).iter().map(|&v| num(v)));
            r
        })
        .collect();
    for (name, values) in [("intercept", &e.intercept), ("surrogate_r2", &e.score)] {
        let mut r = vec![name.to_string(), String::new()];
        r.extend(values.iter().map(|&v| num(v)));
        rows.push(r);
    }
    write_csv(path, &header, rows.into_iter())
}
