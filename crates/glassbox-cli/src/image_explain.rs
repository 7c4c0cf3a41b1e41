//! `glassbox image explain`: a trained CNN + images -> CAM-family heat maps or LIME superpixel
//! weights (panels, overlays, raw maps as CSV and .npy), deletion/insertion curves and the
//! model-randomisation check.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use glassbox_core::ConvClassifier;
use glassbox_core::ndarray::{Array3, ArrayView3, Axis};
use glassbox_data::{ColorPolicy, DataError, ImageLoadOptions, ImageSize, load_image_files};
use glassbox_explain::cam::faithfulness::{
    FaithfulnessOptions, deletion_insertion, randomization_rank_correlation,
};
use glassbox_explain::cam::{CamMethod, CamOptions, explain_images, resolve_layer};
use glassbox_models::nn::{Cnn, CnnArch};
use glassbox_plot::lime_panel::pros_cons_rgb;
use glassbox_plot::saliency::{save_overlay_png, save_rgb_png};
use glassbox_plot::{
    CamPanel, FaithfulnessCurve, LimePanel, cam_grid, cam_panel, lime_grid, lime_panel,
};
use serde::Serialize;

use crate::image::{FolderArgs, argmax_rows, load_folder, recorded_test_images, report_notes};
use crate::image_explain_lime::{self as lime, LimeArgs};
use crate::output::Staging;
use crate::tables::{num, write_json};

/// Grids with more rows than this are written as PNG only (the SVG would embed every raster).
const GRID_SVG_MAX_ROWS: usize = 12;

/// Arguments of `glassbox image explain`.
#[derive(Args, Debug, Clone)]
pub struct ExplainArgs {
    /// Model folder written by `glassbox image train` (weights.safetensors, architecture.json).
    #[arg(long, value_name = "DIR")]
    pub model: PathBuf,
    /// Method: cam (gap-cnn only), grad-cam, grad-cam++, score-cam, xgrad-cam, hires-cam,
    /// layer-cam, eigen-cam (class-agnostic) or lime (superpixels, model-agnostic; see the LIME
    /// options).
    #[arg(long, default_value = "grad-cam", value_parser = parse_method)]
    pub method: ImageMethod,
    /// Image files to explain.
    #[arg(long, num_args = 1.., value_name = "FILES", required_unless_present = "data", conflicts_with = "data")]
    pub images: Vec<PathBuf>,
    /// Image folder to take test images from (with --per-class): the test images the model's
    /// run recorded (test_predictions.csv) when the folder holds them all, else the folder's
    /// own test split (manifest.csv, or --test-fraction and --seed).
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Test images per class taken from --data (the first ones, in file order).
    #[arg(long, default_value_t = 2, value_name = "K")]
    pub per_class: usize,
    /// Conv layer to explain (conv1 ... conv4; default: the last).
    #[arg(long, value_name = "NAME")]
    pub layer: Option<String>,
    /// Class to explain, by name or index (default: each image's predicted class).
    #[arg(long, value_name = "NAME|INDEX")]
    pub class: Option<String>,
    /// Weight of the heat map in the overlay, 0 to 1.
    #[arg(long, default_value_t = 0.5)]
    pub alpha: f64,
    /// Resize images of another size to the model's input size instead of refusing them.
    #[arg(long)]
    pub resize: bool,
    /// Steps of the deletion and insertion curves (0 skips them).
    #[arg(long, default_value_t = 100)]
    pub steps: usize,
    /// Parameter layers re-initialised, from the top, for the randomisation sanity check
    /// (1: the classifier head; 0 skips the check).
    #[arg(long, default_value_t = 1)]
    pub randomize_top: usize,
    /// Seed of the re-initialised weights, of LIME's perturbations, and of the split of a --data
    /// folder without a recorded test set or manifest.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    #[command(flatten)]
    pub folder: FolderArgs,
    #[command(flatten)]
    pub lime: LimeArgs,
    /// Output folder (must be absent or empty unless --force).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Replace a non-empty output folder.
    #[arg(long)]
    pub force: bool,
}

/// What `image explain` computes: a CAM-family map at a conv layer, or LIME over superpixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageMethod {
    /// A CAM-family method (CAM, Grad-CAM and its successors).
    Cam(CamMethod),
    /// LIME with SLIC superpixels.
    Lime,
}

impl std::fmt::Display for ImageMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImageMethod::Cam(m) => write!(f, "{m}"),
            ImageMethod::Lime => f.write_str("lime"),
        }
    }
}

/// The `layer` that summaries of LIME runs name: LIME perturbs the input, not a layer.
const LIME_LAYER: &str = "input superpixels";

fn parse_method(s: &str) -> Result<ImageMethod, String> {
    if s.eq_ignore_ascii_case("lime") {
        return Ok(ImageMethod::Lime);
    }
    s.parse::<CamMethod>().map(ImageMethod::Cam).map_err(|_| {
        format!(
            "unknown method {s:?}; expected one of {}, lime",
            CamMethod::all_names()
        )
    })
}

/// The maps of one model, by method family.
enum Computed {
    Cam(Box<glassbox_explain::cam::CamResult>),
    Lime(Vec<glassbox_explain::lime::image_classifier::ClassifierLime>),
}

/// One explained image in `summary.json`.
#[derive(Serialize, Debug, Clone)]
pub struct ImageSummary {
    /// The image file.
    pub file: String,
    /// Files written for it, relative to the output folder.
    pub panel: String,
    /// The true class, when known (from --data, or a parent folder named after a class).
    pub true_class: Option<String>,
    /// The predicted class.
    pub predicted_class: String,
    /// Its probability.
    pub probability: f64,
    /// The class the map explains.
    pub explained_class: String,
    /// The explained class's probability.
    pub explained_probability: f64,
    /// Deletion AUC (lower: the map found what the model needs).
    pub deletion_auc: Option<f64>,
    /// Insertion AUC (higher is better).
    pub insertion_auc: Option<f64>,
    /// Spearman rank correlation between this map and the map of the randomised model (near 1
    /// would mean the map ignores what the model learned); null if a map is constant.
    pub randomization_spearman: Option<f64>,
    /// LIME: weighted R² of the surrogate for the explained class (its fidelity); null for the
    /// CAM family.
    pub surrogate_r2: Option<f64>,
    /// LIME: number of superpixels of the image; null for the CAM family.
    pub superpixels: Option<usize>,
}

/// What `summary.json` holds.
#[derive(Serialize, Debug, Clone)]
pub struct ExplainSummary {
    /// The method.
    pub method: String,
    /// The conv layer explained.
    pub layer: String,
    /// Size of the raw maps, (height, width).
    pub raw_map_size: (usize, usize),
    /// The model folder.
    pub model: String,
    /// Architecture of the model.
    pub arch: String,
    /// Class names.
    pub class_names: Vec<String>,
    /// Overlay alpha.
    pub alpha: f64,
    /// Deletion/insertion steps (0: not computed).
    pub faithfulness_steps: usize,
    /// Mean deletion AUC over the images.
    pub mean_deletion_auc: Option<f64>,
    /// Mean insertion AUC over the images.
    pub mean_insertion_auc: Option<f64>,
    /// Layers re-initialised for the randomisation check.
    pub randomized_layers: Vec<String>,
    /// Mean Spearman correlation with the randomised model's maps (over defined ones).
    pub mean_randomization_spearman: Option<f64>,
    /// LIME: mean surrogate R² over the images; null for the CAM family.
    pub mean_surrogate_r2: Option<f64>,
    /// LIME settings; null for the CAM family.
    pub lime: Option<crate::image_explain_lime::LimeSummary>,
    /// Per image.
    pub images: Vec<ImageSummary>,
}

/// The images to explain, with their true classes where known.
struct Inputs {
    batch: glassbox_data::ImageBatch,
    truth: Vec<Option<usize>>,
}

fn load_inputs(args: &ExplainArgs, cnn: &Cnn, quiet: bool) -> Result<Inputs> {
    let [c, h, w] = cnn.input_shape();
    if c != 1 {
        bail!(
            "{}: the model takes {c}-channel images; glassbox's image loader gives 1-channel \
             (grayscale) images",
            args.model.display()
        );
    }
    let size = if args.resize {
        ImageSize::Resize {
            height: h,
            width: w,
        }
    } else {
        ImageSize::Exact {
            height: h,
            width: w,
        }
    };
    let load = ImageLoadOptions {
        size,
        color: ColorPolicy::Reject,
        required_by: "the model".into(),
    };
    let size_hint = |e: DataError| match e {
        e @ DataError::ImageSize { .. } => anyhow!("{e} (--resize)"),
        e => e.into(),
    };
    let names = cnn.class_names();
    if let Some(data) = &args.data {
        if args.per_class == 0 {
            bail!("--per-class must be at least 1");
        }
        if let Some((paths, labels)) =
            recorded_test_images(&args.model, data, names, args.per_class)?
        {
            let batch = load_image_files(&paths, &load).map_err(size_hint)?;
            report_notes(&[&batch], quiet);
            let truth = labels.into_iter().map(Some).collect();
            return Ok(Inputs { batch, truth });
        }
        if !quiet && args.model.join("test_predictions.csv").is_file() {
            eprintln!(
                "note: {} does not hold the test images recorded in {}; taking its own test \
                 split",
                data.display(),
                args.model.join("test_predictions.csv").display()
            );
        }
        let ds = load_folder(data, &args.folder, size, args.seed, load).map_err(|e| match e
            .downcast::<DataError>(
        ) {
            Ok(d) => size_hint(d),
            Err(e) => e,
        })?;
        if ds.class_names != names {
            bail!(
                "{}: the folder's classes [{}] differ from the model's [{}]",
                data.display(),
                ds.class_names.join(", "),
                names.join(", ")
            );
        }
        let sel = ds.test.first_per_class(args.per_class, names.len());
        report_notes(&[&sel.batch], quiet);
        let truth = sel.labels.iter().map(|&l| Some(l)).collect();
        Ok(Inputs {
            batch: sel.batch,
            truth,
        })
    } else {
        let batch = load_image_files(&args.images, &load).map_err(size_hint)?;
        report_notes(&[&batch], quiet);
        // A parent folder named after a class is taken as the true class.
        let truth = batch
            .paths
            .iter()
            .map(|p| {
                let parent = p.parent()?.file_name()?.to_str()?;
                names.iter().position(|n| n == parent)
            })
            .collect();
        Ok(Inputs { batch, truth })
    }
}

/// Resolves `--class` (a name or an index) against the model's classes.
fn resolve_class(arg: &str, names: &[String]) -> Result<usize> {
    if let Some(i) = names.iter().position(|n| n == arg) {
        return Ok(i);
    }
    if let Ok(i) = arg.parse::<usize>()
        && i < names.len()
    {
        return Ok(i);
    }
    bail!(
        "--class {arg}: not a class of the model; classes (index: name): {}",
        names
            .iter()
            .enumerate()
            .map(|(i, n)| format!("{i}: {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// Runs `image explain`; returns the output folder and the summary.
pub fn run(args: &ExplainArgs, quiet: bool) -> Result<(PathBuf, ExplainSummary)> {
    if !(0.0..=1.0).contains(&args.alpha) {
        bail!("--alpha {}: must be between 0 and 1", args.alpha);
    }
    let cnn = Cnn::load(&args.model)
        .with_context(|| format!("cannot load the model in {}", args.model.display()))?;
    let lime_settings = match args.method {
        ImageMethod::Lime => {
            if args.layer.is_some() {
                bail!(
                    "--layer does not apply to LIME, which perturbs superpixels of the input \
                     image; drop it (or use --method grad-cam for a layer's map)"
                );
            }
            Some(args.lime.settings(args.seed)?)
        }
        ImageMethod::Cam(_) => None,
    };
    let layer = match args.method {
        ImageMethod::Cam(_) => resolve_layer(&cnn, args.layer.as_deref())?,
        ImageMethod::Lime => LIME_LAYER.to_string(),
    };
    if args.method == ImageMethod::Cam(CamMethod::Cam) && cnn.gap_head(&layer).is_none() {
        let why = if cnn.arch() == CnnArch::GapCnn {
            format!(
                "layer {layer} does not feed the global-average-pooling head (only the last conv layer does)"
            )
        } else {
            format!("this model is {} (no global average pooling)", cnn.arch())
        };
        bail!(
            "CAM needs a conv layer followed by global average pooling and one dense layer; \
             {why}; use --method grad-cam (or grad-cam++, score-cam, lime), which work on any \
             CNN"
        );
    }
    let names = cnn.class_names().to_vec();
    let class = args
        .class
        .as_deref()
        .map(|c| resolve_class(c, &names))
        .transpose()?;
    let staging = Staging::new(&args.out, args.force)?;
    let inputs = load_inputs(args, &cnn, quiet)?;
    let images = inputs.batch.images.view();
    let n = inputs.batch.len();
    let classes: Option<Vec<usize>> = class.map(|c| vec![c; n]);

    // The maps of a model (the trained one, then the randomised one) for given classes.
    let compute = |model: &Cnn, classes: Option<&[usize]>, what: &str| -> Result<Computed> {
        Ok(match (args.method, &lime_settings) {
            (ImageMethod::Cam(method), _) => {
                let spinner = crate::progress::spinner("explain", quiet);
                spinner.set_message(format!("{method} on {n} image(s){what}, layer {layer}"));
                let r = explain_images(
                    model,
                    images,
                    method,
                    Some(&layer),
                    classes,
                    &CamOptions::default(),
                )?;
                spinner.finish_and_clear();
                Computed::Cam(Box::new(r))
            }
            (ImageMethod::Lime, Some(settings)) => {
                let bar = crate::progress::bar(n as u64, &format!("lime{what}"), quiet);
                let l = lime::explain_all(model, images, classes, settings, &bar)?;
                bar.finish_and_clear();
                Computed::Lime(l)
            }
            (ImageMethod::Lime, None) => unreachable!("LIME settings are checked above"),
        })
    };
    let computed = compute(&cnn, classes.as_deref(), "")?;
    let (maps, explained): (Array3<f64>, Vec<usize>) = match &computed {
        Computed::Cam(r) => (r.saliency.maps.clone(), r.classes.clone()),
        Computed::Lime(l) => (lime::maps(l), l.iter().map(|e| e.class).collect()),
    };
    let proba = cnn.predict_proba(images)?;
    let predicted = argmax_rows(&proba);

    let spinner = crate::progress::spinner("explain", quiet);
    let faith = if args.steps > 0 {
        spinner.set_message(format!("deletion/insertion curves, {} steps", args.steps));
        let opts = FaithfulnessOptions {
            steps: args.steps,
            ..FaithfulnessOptions::default()
        };
        Some(deletion_insertion(
            &cnn,
            images,
            maps.view(),
            &explained,
            &opts,
        )?)
    } else {
        None
    };
    spinner.finish_and_clear();
    let (randomized_layers, rank_corr) = if args.randomize_top > 0 {
        let layers = cnn.param_layers();
        let random = cnn
            .with_reinitialized_top(args.randomize_top, args.seed)
            .context("--randomize-top")?;
        let random_maps = match compute(&random, Some(&explained), " (randomised model)")? {
            Computed::Cam(r) => r.saliency.maps,
            Computed::Lime(l) => lime::maps(&l),
        };
        let corr = randomization_rank_correlation(maps.view(), random_maps.view())?;
        (
            layers[layers.len() - args.randomize_top..].to_vec(),
            Some(corr),
        )
    } else {
        (Vec::new(), None)
    };
    let spinner = crate::progress::spinner("explain", quiet);
    spinner.set_message("writing panels");

    for sub in ["panels", "overlays", "maps", "curves"] {
        std::fs::create_dir(staging.path(sub))
            .with_context(|| format!("cannot create {}", staging.path(sub).display()))?;
    }
    let (rh, rw) = match &computed {
        Computed::Cam(r) => (r.raw.dim().1, r.raw.dim().2),
        Computed::Lime(_) => (maps.dim().1, maps.dim().2),
    };
    let raw64 = match &computed {
        Computed::Cam(r) => r.raw.mapv(|v| v as f64),
        Computed::Lime(_) => Array3::zeros((0, 0, 0)),
    };
    // Each LIME image's weights for its explained class (the panel's colours).
    let lime_weights: Vec<Vec<f64>> = match &computed {
        Computed::Lime(l) => l
            .iter()
            .map(|e| e.explanation.weights.column(e.class).to_vec())
            .collect(),
        Computed::Cam(_) => Vec::new(),
    };
    let mut cam_panels = Vec::with_capacity(n);
    let mut lime_panels = Vec::with_capacity(n);
    let mut summaries = Vec::with_capacity(n);
    for i in 0..n {
        let path = &inputs.batch.paths[i];
        let stem = format!(
            "{i:03}_{}",
            path.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        );
        let image = inputs
            .batch
            .images
            .index_axis(Axis(0), i)
            .index_axis_move(Axis(0), 0);
        let class_i = explained[i];
        let name = path
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let true_class = inputs.truth[i].map(|t| names[t].clone());
        let score = proba[[i, predicted[i]]] as f64;
        let mut lime_entry = (None, None);
        match &computed {
            Computed::Cam(_) => {
                let panel = CamPanel {
                    image,
                    raw_map: raw64.index_axis(Axis(0), i),
                    map: maps.index_axis(Axis(0), i),
                    name: name.clone(),
                    true_class: true_class.clone(),
                    predicted: names[predicted[i]].clone(),
                    score,
                    explained: names[class_i].clone(),
                    alpha: args.alpha,
                };
                cam_panel(&panel)?.save(&staging.path(&format!("panels/{stem}")))?;
                save_overlay_png(
                    &staging.path(&format!("overlays/{stem}.png")),
                    image,
                    maps.index_axis(Axis(0), i),
                    args.alpha,
                )?;
                write_map_csv(
                    &staging.path(&format!("maps/{stem}.raw.csv")),
                    raw64.index_axis(Axis(0), i),
                )?;
                cam_panels.push(panel);
            }
            Computed::Lime(l) => {
                let e = &l[i].explanation;
                let panel = LimePanel {
                    image,
                    segments: e.segments.view(),
                    weights: &lime_weights[i],
                    top: args.lime.top,
                    name: name.clone(),
                    true_class: true_class.clone(),
                    predicted: names[predicted[i]].clone(),
                    score,
                    explained: names[class_i].clone(),
                    fidelity: e.score[class_i],
                };
                lime_panel(&panel)?.save(&staging.path(&format!("panels/{stem}")))?;
                let (pros, cons) = panel.top_superpixels();
                let (h, w) = image.dim();
                save_rgb_png(
                    &staging.path(&format!("overlays/{stem}.png")),
                    w as u32,
                    h as u32,
                    &pros_cons_rgb(image, e.segments.view(), &pros, &cons),
                )?;
                lime::write_weights_csv(
                    &staging.path(&format!("maps/{stem}.weights.csv")),
                    &l[i],
                    &names,
                )?;
                write_map_csv(
                    &staging.path(&format!("maps/{stem}.segments.csv")),
                    e.segments.mapv(|s| s as f64).view(),
                )?;
                lime_entry = (Some(e.score[class_i]), Some(e.weights.nrows()));
                lime_panels.push(panel);
            }
        }
        let f = faith.as_ref().map(|f| &f[i]);
        if let Some(f) = f {
            let curve = |name: &str, c: &glassbox_explain::cam::faithfulness::FaithfulnessCurve| {
                FaithfulnessCurve {
                    name: name.into(),
                    fractions: c.fractions.clone(),
                    probabilities: c.probabilities.clone(),
                    auc: c.auc,
                }
            };
            glassbox_plot::deletion_insertion(
                &[
                    curve("Deletion", &f.deletion),
                    curve("Insertion", &f.insertion),
                ],
                &names[class_i],
                &format!("{name} — {} ({layer})", args.method),
            )?
            .save_png(&staging.path(&format!("curves/{stem}.png")))?;
        }
        summaries.push(ImageSummary {
            file: path.display().to_string(),
            panel: format!("panels/{stem}.png"),
            true_class,
            predicted_class: names[predicted[i]].clone(),
            probability: score,
            explained_class: names[class_i].clone(),
            explained_probability: proba[[i, class_i]] as f64,
            deletion_auc: f.map(|f| f.deletion.auc),
            insertion_auc: f.map(|f| f.insertion.auc),
            randomization_spearman: rank_corr.as_ref().and_then(|c| c[i]),
            surrogate_r2: lime_entry.0,
            superpixels: lime_entry.1,
        });
    }
    let grid = match &computed {
        Computed::Cam(_) => cam_grid(
            &cam_panels,
            &format!("{} — layer {layer} ({rw}×{rh} maps)", args.method),
        )?,
        Computed::Lime(_) => lime_grid(
            &lime_panels,
            &format!(
                "LIME — about {} superpixels, {} samples per image",
                args.lime.segments, args.lime.lime_samples
            ),
        )?,
    };
    grid.save_png(&staging.path("grid.png"))?;
    if n <= GRID_SVG_MAX_ROWS {
        grid.save_svg(&staging.path("grid.svg"))?;
    }
    match &computed {
        Computed::Cam(r) => write_npy_f32(&staging.path("maps/raw_maps.npy"), r.raw.view())?,
        Computed::Lime(l) => {
            let seg = Array3::from_shape_fn((n, rh, rw), |(i, y, x)| {
                l[i].explanation.segments[[y, x]] as f32
            });
            write_npy_f32(&staging.path("maps/segments.npy"), seg.view())?;
        }
    }
    write_npy_f32(
        &staging.path("maps/maps.npy"),
        maps.mapv(|v| v as f32).view(),
    )?;
    let mean = |v: Vec<f64>| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
    let summary = ExplainSummary {
        method: args.method.to_string(),
        layer: layer.clone(),
        raw_map_size: (rh, rw),
        model: args.model.display().to_string(),
        arch: cnn.arch().to_string(),
        class_names: names.clone(),
        alpha: args.alpha,
        faithfulness_steps: args.steps,
        mean_deletion_auc: mean(summaries.iter().filter_map(|s| s.deletion_auc).collect()),
        mean_insertion_auc: mean(summaries.iter().filter_map(|s| s.insertion_auc).collect()),
        randomized_layers,
        mean_randomization_spearman: mean(
            summaries
                .iter()
                .filter_map(|s| s.randomization_spearman)
                .collect(),
        ),
        mean_surrogate_r2: mean(summaries.iter().filter_map(|s| s.surrogate_r2).collect()),
        lime: lime_settings.as_ref().map(|_| args.lime.summary(args.seed)),
        images: summaries,
    };
    write_json(&staging.path("summary.json"), &summary)?;
    spinner.finish_and_clear();
    let dir = staging.commit()?;
    if !quiet {
        let opt = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.3}"));
        eprintln!(
            "explained {n} image(s) with {} at {layer}: mean deletion AUC {}, insertion AUC {}, \
             randomisation Spearman {} -> {}",
            args.method,
            opt(summary.mean_deletion_auc),
            opt(summary.mean_insertion_auc),
            opt(summary.mean_randomization_spearman),
            crate::output::final_path(&dir).display()
        );
    }
    Ok((dir, summary))
}

/// A 2-D map as CSV: one line per row of the map, no header.
fn write_map_csv(path: &Path, map: glassbox_core::ndarray::ArrayView2<'_, f64>) -> Result<()> {
    let mut text = String::new();
    for row in map.rows() {
        let cells: Vec<String> = row.iter().map(|&v| num(v)).collect();
        text.push_str(&cells.join(","));
        text.push('\n');
    }
    glassbox_core::atomic::write_atomic(path, text.as_bytes())?;
    Ok(())
}

/// A float32 array as a NumPy `.npy` file (format 1.0, little-endian, C order).
fn write_npy_f32(path: &Path, a: ArrayView3<'_, f32>) -> Result<()> {
    let (x, y, z) = a.dim();
    let mut header =
        format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({x}, {y}, {z}), }}");
    // Magic (6) + version (2) + length (2) + header, padded with spaces to a multiple of 64,
    // ending in a newline.
    let used = 10 + header.len() + 1;
    header.push_str(&" ".repeat((64 - used % 64) % 64));
    header.push('\n');
    glassbox_core::atomic::write_atomic_with(path, |w: &mut dyn Write| {
        w.write_all(b"\x93NUMPY\x01\x00")?;
        w.write_all(&(header.len() as u16).to_le_bytes())?;
        w.write_all(header.as_bytes())?;
        for v in a.iter() {
            w.write_all(&v.to_le_bytes())?;
        }
        Ok(())
    })?;
    Ok(())
}

/// Reads back what [`write_npy_f32`] wrote (for tests): shape and values.
#[cfg(test)]
fn read_npy_f32(bytes: &[u8]) -> (Vec<usize>, Vec<f32>) {
    let hl = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    let header = std::str::from_utf8(&bytes[10..10 + hl]).unwrap();
    let shape_txt = header.split("'shape': (").nth(1).unwrap();
    let shape: Vec<usize> = shape_txt
        .split(')')
        .next()
        .unwrap()
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let data = bytes[10 + hl..]
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    (shape, data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use glassbox_core::ndarray::Array3;

    #[test]
    fn npy_header_is_aligned_and_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let a = Array3::from_shape_fn((2, 3, 4), |(i, j, k)| (i * 100 + j * 10 + k) as f32 - 0.5);
        let p = dir.path().join("a.npy");
        write_npy_f32(&p, a.view()).unwrap();
        let bytes = std::fs::read(&p).unwrap();
        assert_eq!(&bytes[..8], b"\x93NUMPY\x01\x00");
        let hl = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
        assert_eq!((10 + hl) % 64, 0);
        assert_eq!(bytes[10 + hl - 1], b'\n');
        let (shape, data) = read_npy_f32(&bytes);
        assert_eq!(shape, [2, 3, 4]);
        assert_eq!(data, a.iter().copied().collect::<Vec<_>>());
    }

    #[test]
    fn classes_by_name_or_index() {
        let names: Vec<String> = ["a", "b", "7"].map(String::from).to_vec();
        assert_eq!(resolve_class("b", &names).unwrap(), 1);
        assert_eq!(resolve_class("1", &names).unwrap(), 1);
        assert_eq!(resolve_class("7", &names).unwrap(), 2); // a name wins over an index
        let e = resolve_class("9", &names).unwrap_err().to_string();
        assert!(e.contains("0: a, 1: b, 2: 7"), "{e}");
    }
}
