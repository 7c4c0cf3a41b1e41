//! Image runs: the folders written by `glassbox image train` (a CNN with its training history,
//! test metrics and confusion matrix) and `glassbox image explain` (CAM-family heat maps with
//! their faithfulness evidence), read into report sections.
//!
//! An image training run is a `metrics.json` with a top-level `test_accuracy`; it must also hold
//! `architecture.json`, `weights.safetensors`, the training-history plot and the confusion
//! matrix. An image explanation run is a `summary.json` with a `method`; it must also hold the
//! grid, the panels it embeds and (when curves were computed) the first image's curve. The
//! captions are written for a reader who has never seen a confusion matrix or a heat map.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::document::{Figure, Note, Section, Table};
use crate::error::ReportError;
use crate::runs::{
    format_number, format_seconds, get_f64, get_str, read_json, require, value_text,
};

const TRAIN_WHY: &str = "`glassbox image train` writes it with metrics.json";
const EXPLAIN_WHY: &str = "`glassbox image explain` writes it with summary.json";

/// Panels embedded beside the grid (the grid already shows every image; a panel is the large
/// version of one row, so a few suffice and the page stays small).
const MAX_PANELS: usize = 2;

/// The sub-folders `glassbox image explain` writes, listed with their file counts.
const EXPLAIN_SUBFOLDERS: [&str; 4] = ["panels", "overlays", "curves", "maps"];

/// True for the `metrics.json` of `glassbox image train` (it has a top-level `test_accuracy`).
pub(crate) fn is_training_metrics(metrics: &Value) -> bool {
    metrics.get("test_accuracy").is_some_and(Value::is_number)
}

/// True when `path` is a `summary.json` of `glassbox image explain` (a JSON object with a
/// `method` string); used to find runs inside a folder, so anything unreadable is simply not one.
pub(crate) fn is_explain_summary(path: &Path) -> bool {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| serde_json::from_str::<Value>(&t).ok())
        .is_some_and(|v| v.get("method").is_some_and(Value::is_string))
}

/// `x` (a share in [0, 1]) as a percentage with one decimal ("88.7%").
fn pct(x: f64) -> String {
    if x.is_finite() {
        format!("{:.1}%", 100.0 * x)
    } else {
        "—".into()
    }
}

fn opt_number(v: Option<f64>) -> String {
    v.map_or_else(|| "—".into(), format_number)
}

fn get_usize(v: &Value, key: &str) -> Option<usize> {
    v.get(key)?.as_u64().map(|n| n as usize)
}

fn strings(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// `dir/stem.png`, else `dir/stem.svg`; a missing figure is named by its PNG.
fn figure_file(dir: &Path, stem: &str, why: &str) -> Result<PathBuf, ReportError> {
    let svg = dir.join(format!("{stem}.svg"));
    match require(dir, &format!("{stem}.png"), why) {
        Err(_) if svg.is_file() => Ok(svg),
        other => other,
    }
}

/// One plain sentence on what an architecture is.
fn arch_description(arch: &str) -> String {
    match arch {
        "gap-cnn" => "gap-cnn: four 3×3 convolution layers with 32, 64, 64 and 64 filters and \
                      max-pooling between them, then global average pooling and one dense \
                      output layer"
            .into(),
        "flatten-cnn" => "flatten-cnn: four 3×3 convolution layers with 32, 64, 64 and 64 \
                          filters, each followed by max-pooling, then a flatten step, a dense \
                          layer of 64 units and the dense output layer"
            .into(),
        other => other.to_string(),
    }
}

/// The layers of `architecture.json` in one line ("conv 3×3 ×32 → ReLU → max-pool 2 → ...").
fn layer_line(layers: &[Value]) -> String {
    layers
        .iter()
        .map(|l| {
            let n = |k: &str| l.get(k).and_then(Value::as_u64).unwrap_or(0);
            match get_str(l, "type").unwrap_or("?") {
                "conv2d" => format!("conv {0}×{0} ×{1}", n("kernel_size"), n("out_channels")),
                "relu" => "ReLU".into(),
                "max_pool2d" => format!("max-pool {}", n("size")),
                "global_avg_pool" => "global average pool".into(),
                "flatten" => "flatten".into(),
                "dense" => format!("dense {}", n("units")),
                other => other.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(" → ")
}

/// Reads `architecture.json` and checks that it is a glassbox CNN file.
fn read_architecture(path: &Path) -> Result<Value, ReportError> {
    let what = "glassbox CNN architecture file (architecture.json)";
    let a = read_json(path, what)?;
    if get_str(&a, "format") != Some("glassbox-cnn") {
        return Err(ReportError::BadJson {
            path: path.to_path_buf(),
            what: what.into(),
            message: "\"format\" is not \"glassbox-cnn\"".into(),
        });
    }
    Ok(a)
}

/// The section of a `glassbox image train` run; `metrics` is its parsed `metrics.json`.
pub(crate) fn training_section(
    dir: &Path,
    name: &str,
    metrics: &Value,
) -> Result<Section, ReportError> {
    let arch_path = require(dir, "architecture.json", TRAIN_WHY)?;
    require(dir, "weights.safetensors", TRAIN_WHY)?;
    let history_fig = figure_file(dir, "training_history", TRAIN_WHY)?;
    let confusion_fig = figure_file(dir, "confusion_matrix", TRAIN_WHY)?;
    let arch_json = read_architecture(&arch_path)?;

    let arch = get_str(metrics, "arch")
        .or_else(|| get_str(&arch_json, "arch"))
        .unwrap_or("CNN")
        .to_string();
    let mut classes = strings(metrics, "class_names");
    if classes.is_empty() {
        classes = strings(&arch_json, "class_names");
    }
    let test_acc = get_f64(metrics, &["test_accuracy"]).unwrap_or(f64::NAN);
    let train_acc = get_f64(metrics, &["train_accuracy"]);
    let count =
        |v: Option<usize>| v.map_or_else(|| "an unknown number of".into(), |n| n.to_string());
    let n_train = get_usize(metrics, "n_train");
    let n_test = get_usize(metrics, "n_test");
    let size = metrics
        .get("image_size")
        .and_then(Value::as_array)
        .and_then(|s| Some((s.first()?.as_u64()?, s.get(1)?.as_u64()?)));

    let mut section = Section::new(format!("Image training run {name}"));
    let mut intro = format!(
        "A convolutional network ({}) trained on {} images of {} classes{} reached {} \
         accuracy on {} held-out test images: that is the share of test images whose class it \
         named correctly. The test images were never used to adjust the network, so this is an \
         honest estimate of how it does on new images of the same kind.",
        arch_description(&arch),
        count(n_train),
        classes.len(),
        if classes.is_empty() {
            String::new()
        } else {
            format!(" ({})", classes.join(", "))
        },
        pct(test_acc),
        count(n_test),
    );
    if let Some((h, w)) = size {
        intro.push_str(&format!(
            " Every image was read as {w}×{h} grayscale pixels scaled to [0, 1]."
        ));
    }
    section = section.text(intro);

    let mut quality = Table::grid("Accuracy", ["", "training images", "test images"]);
    quality = quality
        .cells([
            "accuracy".to_string(),
            train_acc.map_or_else(|| "—".into(), pct),
            pct(test_acc),
        ])
        .cells([
            "images".to_string(),
            n_train.map_or_else(|| "—".into(), |n| n.to_string()),
            n_test.map_or_else(|| "—".into(), |n| n.to_string()),
        ])
        .cells([
            "mean cross-entropy loss (lower is better)".to_string(),
            "—".into(),
            opt_number(get_f64(metrics, &["test_loss"])),
        ]);
    section = section.table(quality);

    let per_class: Vec<&Value> = metrics
        .get("per_class")
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    if !per_class.is_empty() {
        section = section.text(
            "Per class: precision is the share of the images the network called this class \
             that really were this class (low precision = false alarms); recall is the share of \
             this class's test images that the network found (low recall = missed defects).",
        );
        let mut table = Table::grid(
            "Per-class precision and recall (test images)",
            ["class", "test images", "precision", "recall"],
        );
        let mut never_predicted = Vec::new();
        for c in &per_class {
            let class = get_str(c, "class").unwrap_or("?").to_string();
            let precision = match c.get("precision") {
                Some(Value::Number(n)) => n.as_f64().map_or_else(|| "—".into(), pct),
                _ => {
                    never_predicted.push(class.clone());
                    "— (never predicted)".into()
                }
            };
            table = table.cells([
                class,
                get_usize(c, "support").map_or_else(|| "—".into(), |n| n.to_string()),
                precision,
                get_f64(c, &["recall"]).map_or_else(|| "—".into(), pct),
            ]);
        }
        section = section.table(table);
        if !never_predicted.is_empty() {
            section = section.note(Note::warning(format!(
                "The network never predicted {} on the test images: it has not learned to \
                 recognise {}.",
                never_predicted.join(", "),
                if never_predicted.len() == 1 {
                    "that class"
                } else {
                    "those classes"
                }
            )));
        }
    }
    if let Some(train) = train_acc
        && train - test_acc > 0.1
    {
        section = section.note(Note::warning(format!(
            "Training accuracy ({}) is far above test accuracy ({}): the network has partly \
             memorised its training images, and the test figure is the one to trust.",
            pct(train),
            pct(test_acc)
        )));
    }
    if !classes.is_empty() && test_acc < 1.5 / classes.len() as f64 {
        section = section.note(Note::warning(format!(
            "Test accuracy {} is close to guessing among {} classes ({}): the heat maps of \
             this network would explain a model that has not learned the classes.",
            pct(test_acc),
            classes.len(),
            pct(1.0 / classes.len() as f64)
        )));
    }

    section = section.table(training_settings(metrics, &arch_json, &arch, size));
    let mut timings = Table::key_value("Timings");
    if let Some(s) = get_f64(metrics, &["train_seconds"]) {
        timings = timings.row(
            "training (all epochs, with the per-epoch test pass)",
            format_seconds(s),
        );
    }
    if let Some(s) = get_f64(metrics, &["seconds_per_step"]) {
        timings = timings.row("per optimiser step (one mini-batch)", format_seconds(s));
    }
    if let Some(t) = get_usize(metrics, "threads") {
        timings = timings.row("worker threads", t.to_string());
    }
    if !timings.is_empty() {
        section = section.table(timings);
    }

    section = section
        .figure(history_figure(&history_fig)?)
        .figure(confusion_figure(&confusion_fig, metrics, &classes)?);
    Ok(section)
}

fn training_settings(
    metrics: &Value,
    arch_json: &Value,
    arch: &str,
    size: Option<(u64, u64)>,
) -> Table {
    let params = metrics
        .get("params")
        .or_else(|| arch_json.get("training"))
        .cloned()
        .unwrap_or(Value::Null);
    let mut t = Table::key_value("Settings").row("architecture", arch.to_string());
    if let Some(layers) = arch_json.get("layers").and_then(Value::as_array) {
        t = t.row("layers", layer_line(layers));
    }
    if let Some((h, w)) = size {
        t = t.row("image size (width × height)", format!("{w} × {h}"));
    }
    for (key, label) in [
        ("epochs", "epochs (passes over the training images)"),
        ("batch_size", "batch size (images per step)"),
        ("learning_rate", "learning rate (Adam)"),
        ("lr_schedule", "learning-rate schedule"),
        ("beta1", "Adam β1"),
        ("beta2", "Adam β2"),
        ("epsilon", "Adam ε"),
        ("seed", "seed"),
    ] {
        if let Some(v) = params.get(key) {
            t = t.row(label, value_text(v));
        }
    }
    if let Some(s) = get_str(metrics, "split") {
        let how = match s {
            "manifest" => "fixed by the folder's manifest.csv".to_string(),
            "stratified" => "seeded stratified split (each class in the same proportion)".into(),
            other => other.to_string(),
        };
        t = t.row("train/test split", how);
    }
    for (key, label) in [
        (
            "converted_from_color",
            "images converted from colour to grayscale",
        ),
        ("resized", "images resized when loading"),
    ] {
        if let Some(n) = get_usize(metrics, key) {
            t = t.row(label, n.to_string());
        }
    }
    t
}

fn history_figure(path: &Path) -> Result<Figure, ReportError> {
    Ok(Figure::from_file("Training history", path)?
        .shows(
            "How the network learned, one point per epoch (one pass over all training images). \
             Left: the loss, a measure of how wrong the network's answers are (lower is \
             better). Right: the accuracy, the share of images it classified correctly. Lines \
             for the training images and, where drawn, for the held-out test images, which are \
             only looked at, never learned from.",
        )
        .how_to_read(
            "Healthy training: loss falls and flattens, accuracy rises and flattens, and the \
             test lines stay close to the training lines. Training accuracy that keeps rising \
             while test accuracy stalls or falls means the network memorises its training \
             images; lines still climbing steeply at the last epoch mean more epochs would help. \
             Zig-zags between epochs are normal.",
        ))
}

/// The largest off-diagonal cell of `m[true][predicted]`: (count, true, predicted).
fn worst_confusion(m: &[Vec<u64>]) -> Option<(u64, usize, usize)> {
    let mut best: Option<(u64, usize, usize)> = None;
    for (t, row) in m.iter().enumerate() {
        for (p, &c) in row.iter().enumerate() {
            if t != p && c > 0 && best.is_none_or(|(b, _, _)| c > b) {
                best = Some((c, t, p));
            }
        }
    }
    best
}

fn confusion_figure(
    path: &Path,
    metrics: &Value,
    classes: &[String],
) -> Result<Figure, ReportError> {
    let matrix: Vec<Vec<u64>> = metrics
        .get("confusion_matrix")
        .and_then(Value::as_array)
        .map(|rows| {
            rows.iter()
                .map(|r| {
                    r.as_array()
                        .map(|c| c.iter().filter_map(Value::as_u64).collect())
                        .unwrap_or_default()
                })
                .collect()
        })
        .unwrap_or_default();
    let mut how = "The diagonal from top-left to bottom-right holds the correct answers: a \
                   perfect network has numbers only there. Every number off the diagonal is a \
                   mistake, and its place says which class was taken for which: the row is what \
                   the image really showed, the column what the network said. Darker cells hold \
                   more images."
        .to_string();
    match worst_confusion(&matrix) {
        Some((n, t, p)) if t < classes.len() && p < classes.len() => how.push_str(&format!(
            " In this run the most frequent mistake is row {}, column {}: {n} {} image{} \
             classified as {}.",
            classes[t],
            classes[p],
            classes[t],
            if n == 1 { " was" } else { "s were" },
            classes[p]
        )),
        None if !matrix.is_empty() => {
            how.push_str(" In this run every test image was classified correctly.");
        }
        _ => {}
    }
    Ok(Figure::from_file("Confusion matrix (test images)", path)?
        .shows(
            "A tally of the test images. Each row is a true class (what the image really \
             shows), each column the class the network answered; a cell counts the test \
             images of its row's class that the network put in its column's class.",
        )
        .how_to_read(how))
}

/// Two plain sentences on what a CAM-family method computes.
fn method_description(method: &str) -> String {
    match method {
        "cam" => "CAM (class activation mapping, Zhou et al. 2016) adds up the feature maps of \
                  the last convolution layer, each weighted by the weight the classifier gives \
                  it for the class, so the map shows how much each image region adds to the \
                  class score. It only applies to networks that end in global average pooling \
                  and a single dense layer (gap-cnn)."
            .into(),
        "grad-cam" => "Grad-CAM (Selvaraju et al. 2017) weights each feature map of a \
                       convolution layer by the average gradient of the class score with \
                       respect to it (how much the score would rise if that feature grew), adds \
                       them up and keeps the positive part. It works for any convolutional \
                       network and any of its conv layers; on gap-cnn's last layer it gives the \
                       same map as CAM up to scale."
            .into(),
        "grad-cam++" => "Grad-CAM++ (Chattopadhyay et al. 2018) is Grad-CAM with finer weights: \
                         each position's gradient is weighted using second- and third-order \
                         terms instead of a plain average, so that several separate regions of \
                         the same class all show up, not only the strongest one. Like Grad-CAM \
                         it works for any convolutional network."
            .into(),
        "score-cam" => "Score-CAM (Wang et al. 2020) uses no gradients: it shows the network the \
                        image masked by each feature map of the layer in turn and weights that \
                        map by the class score the masked image gets. It needs one network pass \
                        per feature map, so it is slower, but it is not disturbed by noisy \
                        gradients."
            .into(),
        "xgrad-cam" => "XGrad-CAM (Fu et al. 2020) is Grad-CAM with each feature map's \
                        gradient averaged with the map's own activations as weights instead of \
                        uniformly, the weighting that two axioms of faithful attribution \
                        (sensitivity and conservation) call for."
            .into(),
        "hires-cam" => "HiResCAM (Draelos & Carin 2020) multiplies each feature map by its \
                        gradient position by position and adds them up, instead of averaging \
                        the gradient first as Grad-CAM does; where the layer feeds the \
                        classifier directly, the map is exactly each region's share of the \
                        class score, so it never marks a region the network did not use."
            .into(),
        "layer-cam" => "LayerCAM (Jiang et al. 2021) multiplies each feature map by its positive \
                        gradient position by position and adds them up; keeping the gradient \
                        per position gives sharper maps at shallower layers than Grad-CAM."
            .into(),
        "eigen-cam" => "Eigen-CAM (Muhammad & Yeasin 2020) uses neither gradients nor the class: \
                        it shows the first principal component of the layer's feature maps, the \
                        spatial pattern that explains most of their variation. It is the same \
                        for every class, so it shows what the network attends to, not why it \
                        chose a class."
            .into(),
        "lime" => "LIME (Ribeiro et al. 2016) treats the network as a black box: it cuts the \
                   image into superpixels (SLIC: small regions of similar brightness), shows the \
                   network many copies with random superpixels greyed out, and fits a weighted \
                   linear model of the class probability on which superpixels were kept. Each \
                   superpixel's weight is how much keeping it raises (positive) or lowers \
                   (negative) the probability; the linear model's R² says how well it mimics \
                   the network around this image."
            .into(),
        other => format!("Heat maps computed with {other}."),
    }
}

/// The `panels/<stem>.png` of an image entry, as written by `image explain`; only a plain
/// relative path inside the run folder counts, so that a doctored summary cannot make the
/// report embed a file from elsewhere.
fn panel_of(entry: &Value) -> Option<&str> {
    get_str(entry, "panel").filter(|p| {
        !p.is_empty()
            && Path::new(p)
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_)))
    })
}

/// The curve file of an entry: `curves/` + the panel's file name.
fn curve_of(entry: &Value) -> Option<String> {
    let panel = panel_of(entry)?;
    let file = panel.rsplit('/').next()?;
    Some(format!("curves/{file}"))
}

fn file_name_of(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// The section of a `glassbox image explain` run, plus the counts of files in its sub-folders.
pub(crate) fn explain_section(
    dir: &Path,
    name: &str,
) -> Result<(Section, Vec<(String, usize)>), ReportError> {
    let summary_path = dir.join("summary.json");
    let what = "glassbox image explanation summary (summary.json)";
    let s = read_json(&summary_path, what)?;
    let Some(method) = get_str(&s, "method") else {
        return Err(ReportError::BadJson {
            path: summary_path,
            what: what.into(),
            message: "no \"method\" field".into(),
        });
    };
    let grid = require(dir, "grid.png", EXPLAIN_WHY)?;
    let images: Vec<&Value> = s
        .get("images")
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let steps = get_usize(&s, "faithfulness_steps").unwrap_or(0);
    let first_curve = match images.first().and_then(|e| curve_of(e)) {
        Some(curve) if steps > 0 => Some(require(dir, &curve, EXPLAIN_WHY)?),
        _ => None,
    };
    let layer = get_str(&s, "layer").unwrap_or("?");
    let arch = get_str(&s, "arch").unwrap_or("CNN");
    let raw = s
        .get("raw_map_size")
        .and_then(Value::as_array)
        .and_then(|a| Some((a.first()?.as_u64()?, a.get(1)?.as_u64()?)));

    let lime = method == "lime";
    let mut section = Section::new(format!("Image explanation run {name} ({method})"));
    section = section.text(method_description(method));
    section = if lime {
        section.text(format!(
            "Here it explains {} image{} classified by a {arch} network{}. Unless a class was \
             chosen, the weights explain the class the network predicted for that image.",
            images.len(),
            if images.len() == 1 { "" } else { "s" },
            s.get("lime")
                .and_then(|l| Some((get_usize(l, "samples")?, get_usize(l, "segments")?)))
                .map_or_else(String::new, |(n, k)| format!(
                    ", with {n} perturbed copies of each image and about {k} superpixels"
                )),
        ))
    } else {
        section.text(format!(
            "Here it explains {} image{} classified by a {arch} network, at its layer {layer}{}. \
         Unless a class was chosen, each map explains the class the network predicted for that \
         image.",
            images.len(),
            if images.len() == 1 { "" } else { "s" },
            raw.map_or_else(String::new, |(h, w)| format!(
                ", whose maps are {w}×{h} cells (one cell per region of the image)"
            )),
        ))
    };
    section = if lime {
        section.heading("How to read a panel").text(
            "Each row of the grid (and each panel) shows one image four times: the superpixels \
             LIME switched on and off (yellow borders); each superpixel coloured by its weight \
             (red: keeping it raises the class probability, blue: it lowers it, white: no \
             effect; the colour bar gives the largest weight); the top superpixels for the \
             class alone, the rest darkened; and the top superpixels for (green) and against \
             (red) the class. Check that the green covers the defect itself, and look at the \
             surrogate R² in the heading: a low value means the linear model, and so the \
             weights, describe the network poorly for that image.",
        )
    } else {
        section.heading("How to read a panel").text(
            "Each row of the grid (and each panel) shows one image four times: the original; the \
         raw map at the layer's low resolution, one square per cell; the map enlarged smoothly \
         to the image size and scaled to 0–1; and the overlay of that map on the image. The \
         colours run from blue (0: this region did not raise the class score) to red (1: the \
         regions that raised it most). Check that the red covers the defect itself and not \
         the background, the image border or a label.",
        )
    };
    let grid_figure =
        Figure::from_file(format!("Heat maps of every image ({method})"), &grid)?.photo()?;
    section = section.figure(if lime {
        grid_figure
            .shows(
                "One row per explained image: superpixels, their LIME weights, the top \
                 superpixels for the class, and the top superpixels for and against it, with \
                 the file name, the true class (where known), the predicted class, its \
                 probability and the surrogate's R² above the row.",
            )
            .how_to_read(
                "Green / red = the superpixels whose presence raised / lowered the explained \
                 class's probability most. Compare rows of the same class: a network that has \
                 learned the defect relies on similar structures every time.",
            )
    } else {
        grid_figure
            .shows(format!(
                "One row per explained image: original, raw {layer} map, enlarged map and \
                 overlay, with the file name, the true class (where known), the predicted \
                 class and its probability above the row."
            ))
            .how_to_read(
                "Red = the regions that raised the score of the explained class the most, blue \
                 = regions that did not. Compare rows of the same class: a network that has \
                 learned the defect marks similar structures every time.",
            )
    });

    section = section.table(per_image_table(&images));
    section = section.heading("Is the map faithful to the network?").text(
        "A heat map is only useful if it shows what the network really relies on. Three checks \
         measure that. Deletion (Petsiuk et al. 2018): remove the most important pixels \
         first, by the map, and watch the class probability; a good map makes it drop fast, \
         so a low area under the curve (AUC, 0 to 1) is good. Insertion: start from a blurred \
         copy of the image and put the most important pixels back first; a good map makes the \
         probability rise fast, so a high AUC is good. Randomisation check (Adebayo et al. \
         2018): re-initialise the network's classifier head with random weights and compute the \
         map again; a low rank correlation (Spearman, −1 to 1) between the two maps means the \
         map depends on what the network learned, while a value near 1 means it mostly shows \
         the image's own structure.",
    );
    section = section.table(means_table(&s, steps));
    if let Some(rho) = get_f64(&s, &["mean_randomization_spearman"])
        && rho > 0.5
    {
        section = section.note(Note::warning(format!(
            "The maps barely change when the classifier is randomised (mean Spearman {}): \
             they may show edges and textures of the image rather than what the network \
             learned.",
            format_number(rho)
        )));
    }
    if let (Some(first), Some(curve)) = (images.first(), first_curve) {
        let file = get_str(first, "file")
            .map(file_name_of)
            .unwrap_or("the first image");
        section = section.figure(
            Figure::from_file(format!("Deletion and insertion curves ({file})"), &curve)?
                .source(curve_of(first).unwrap_or_default())
                .shows(format!(
                    "For the first image ({file}): the probability of the explained class while \
                     the pixels the map ranks highest are deleted (set to black) or inserted \
                     into a blurred copy, from 0% to 100% of the pixels."
                ))
                .how_to_read(
                    "The deletion curve should fall steeply at the left (small area under it); \
                     the insertion curve should rise steeply at the left (large area). The \
                     legend gives each area (AUC). The curves of every image are in the \
                     curves/ folder.",
                ),
        );
    }
    section = panel_figures(dir, section, &images, method)?;
    section = section.table(explain_settings(&s, method, layer, arch, raw, steps));
    let folders = EXPLAIN_SUBFOLDERS
        .iter()
        .filter_map(|sub| {
            let entries = std::fs::read_dir(dir.join(sub)).ok()?;
            let n = entries
                .filter_map(Result::ok)
                .filter(|e| e.path().is_file())
                .count();
            Some((format!("{sub}/"), n))
        })
        .collect();
    Ok((section, folders))
}

fn per_image_table(images: &[&Value]) -> Table {
    // The explained class gets its own column only when it differs from the prediction
    // somewhere (`--class`); otherwise it would repeat the predicted column.
    let explained_differs = images
        .iter()
        .any(|e| get_str(e, "explained_class") != get_str(e, "predicted_class"));
    let mut header = vec![
        "file",
        "true class",
        "predicted",
        "probability",
        "deletion AUC (low = good)",
        "insertion AUC (high = good)",
        "randomisation Spearman (low = good)",
    ];
    if explained_differs {
        header.insert(4, "explained class");
    }
    // LIME runs record each surrogate's fit.
    let has_r2 = images
        .iter()
        .any(|e| get_f64(e, &["surrogate_r2"]).is_some());
    if has_r2 {
        header.push("surrogate R² (high = faithful)");
    }
    let mut table = Table::grid("Per image", header);
    for e in images {
        let mut row = vec![
            get_str(e, "file")
                .map(file_name_of)
                .unwrap_or("?")
                .to_string(),
            get_str(e, "true_class").unwrap_or("—").to_string(),
            get_str(e, "predicted_class").unwrap_or("?").to_string(),
            opt_number(get_f64(e, &["probability"])),
            opt_number(get_f64(e, &["deletion_auc"])),
            opt_number(get_f64(e, &["insertion_auc"])),
            get_f64(e, &["randomization_spearman"])
                .map_or_else(|| "— (a map is constant)".into(), format_number),
        ];
        if explained_differs {
            row.insert(4, get_str(e, "explained_class").unwrap_or("?").to_string());
        }
        if has_r2 {
            row.push(opt_number(get_f64(e, &["surrogate_r2"])));
        }
        table = table.cells(row);
    }
    table
}

fn means_table(s: &Value, steps: usize) -> Table {
    let mut t = Table::key_value("Means over the images");
    if steps > 0 {
        t = t
            .row(
                "deletion AUC (low = good)",
                opt_number(get_f64(s, &["mean_deletion_auc"])),
            )
            .row(
                "insertion AUC (high = good)",
                opt_number(get_f64(s, &["mean_insertion_auc"])),
            );
    } else {
        t = t.row("deletion / insertion", "not computed (--steps 0)");
    }
    let layers = strings(s, "randomized_layers");
    if layers.is_empty() {
        t = t.row("randomisation check", "not run (--randomize-top 0)");
    } else {
        t = t
            .row(
                "randomisation Spearman (low = good)",
                opt_number(get_f64(s, &["mean_randomization_spearman"])),
            )
            .row("layers re-initialised", layers.join(", "));
    }
    t
}

fn explain_settings(
    s: &Value,
    method: &str,
    layer: &str,
    arch: &str,
    raw: Option<(u64, u64)>,
    steps: usize,
) -> Table {
    let mut t = Table::key_value("Settings").row("method", method.to_string());
    if let Some(l) = s.get("lime").filter(|l| l.is_object()) {
        for (key, label) in [
            ("samples", "perturbed copies per image"),
            ("segments", "superpixels asked of SLIC"),
            ("compactness", "SLIC compactness"),
            ("hide_color", "switched-off superpixels become"),
            ("top", "superpixels marked in the top tiles"),
            ("seed", "seed"),
        ] {
            if let Some(v) = l.get(key) {
                t = t.row(label, value_text(v));
            }
        }
        if let Some(r2) = get_f64(s, &["mean_surrogate_r2"]) {
            t = t.row("mean surrogate R²", format_number(r2));
        }
        t = t.row("architecture", arch.to_string());
    } else {
        t = t
            .row("layer", layer.to_string())
            .row("architecture", arch.to_string());
        if let Some((h, w)) = raw {
            t = t.row("raw map size (width × height)", format!("{w} × {h}"));
        }
    }
    if let Some(m) = get_str(s, "model") {
        t = t.row("model folder", m.to_string());
    }
    let classes = strings(s, "class_names");
    if !classes.is_empty() {
        t = t.row("classes", classes.join(", "));
    }
    if let Some(a) = s.get("alpha") {
        t = t.row("overlay opacity (alpha)", value_text(a));
    }
    t.row("deletion/insertion steps", steps.to_string())
}

/// Up to [`MAX_PANELS`] panels: the first image, and the first misclassified one if any (the
/// most instructive row to see large).
fn panel_figures(
    dir: &Path,
    mut section: Section,
    images: &[&Value],
    method: &str,
) -> Result<Section, ReportError> {
    let mut chosen: Vec<&Value> = images.first().copied().into_iter().collect();
    if let Some(wrong) = images.iter().skip(1).find(|e| {
        matches!(
            (get_str(e, "true_class"), get_str(e, "predicted_class")),
            (Some(t), Some(p)) if t != p
        )
    }) {
        chosen.push(wrong);
    }
    chosen.truncate(MAX_PANELS);
    for e in chosen {
        let Some(panel) = panel_of(e) else { continue };
        let path = require(dir, panel, EXPLAIN_WHY)?;
        let file = get_str(e, "file").map(file_name_of).unwrap_or(panel);
        let predicted = get_str(e, "predicted_class").unwrap_or("?");
        let verdict = match get_str(e, "true_class") {
            Some(t) if t == predicted => format!("a {t} image, classified correctly"),
            Some(t) => format!("a {t} image that the network took for {predicted}"),
            None => format!("predicted as {predicted}"),
        };
        let figure = Figure::from_file(format!("Panel: {file}"), &path)?
            .photo()?
            .source(panel.to_string());
        section = section.figure(if method == "lime" {
            figure
                .shows(format!(
                    "The LIME explanation of {file}, {verdict}, at full size: superpixels, \
                     their weights, the top superpixels for the class, and those for (green) \
                     and against (red) it."
                ))
                .how_to_read(
                    "Green marks the superpixels whose presence raised the explained class's \
                     probability most, red those that lowered it. For a wrong prediction, the \
                     green shows what misled the network.",
                )
        } else {
            figure
                .shows(format!(
                    "The {method} explanation of {file}, {verdict}, at full size: original, \
                     raw low-resolution map, enlarged map, overlay."
                ))
                .how_to_read(
                    "Red marks the regions that raised the explained class's score most. For a \
                     wrong prediction, the red shows what misled the network.",
                )
        });
    }
    if images.len() > MAX_PANELS {
        section = section.note(Note::info(format!(
            "The panels of all {} images are in the panels/ folder, the overlays alone in \
             overlays/, and the raw maps as CSV and .npy in maps/.",
            images.len()
        )));
    }
    Ok(section)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_confusion_is_the_largest_off_diagonal_cell() {
        let m = vec![vec![37, 0, 13], vec![0, 45, 3], vec![3, 0, 47]];
        assert_eq!(worst_confusion(&m), Some((13, 0, 2)));
        assert_eq!(worst_confusion(&[vec![5, 0], vec![0, 5]]), None);
    }

    #[test]
    fn layers_in_one_line() {
        let layers: Vec<Value> = serde_json::from_str(
            r#"[{"type":"conv2d","in_channels":1,"out_channels":32,"kernel_size":3},
                {"type":"relu"},{"type":"max_pool2d","size":2},{"type":"global_avg_pool"},
                {"type":"dense","inputs":64,"units":6}]"#,
        )
        .unwrap();
        assert_eq!(
            layer_line(&layers),
            "conv 3×3 ×32 → ReLU → max-pool 2 → global average pool → dense 6"
        );
        assert_eq!(pct(0.8866666), "88.7%");
        assert_eq!(
            curve_of(&serde_json::json!({"panel": "panels/000_a.png"})).unwrap(),
            "curves/000_a.png"
        );
    }
}
