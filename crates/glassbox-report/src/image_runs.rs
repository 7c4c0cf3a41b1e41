//! Image training runs: the folders written by `glassbox image train` (a CNN with its training
//! history, test metrics and confusion matrix), read into report sections; the helpers shared
//! with the explanation runs ([`crate::image_explain_runs`]).
//!
//! An image training run is a `metrics.json` with a top-level `test_accuracy`; it must also hold
//! `architecture.json`, `weights.safetensors`, the training-history plot and the confusion
//! matrix. The captions are written for a reader who has never seen a confusion matrix.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::document::{Figure, Note, Section, Table};
use crate::error::ReportError;
use crate::runs::{
    format_number, format_seconds, get_f64, get_str, read_json, require, value_text,
};

const TRAIN_WHY: &str = "`glassbox image train` writes it with metrics.json";

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

pub(crate) fn opt_number(v: Option<f64>) -> String {
    v.map_or_else(|| "—".into(), format_number)
}

pub(crate) fn get_usize(v: &Value, key: &str) -> Option<usize> {
    v.get(key)?.as_u64().map(|n| n as usize)
}

pub(crate) fn strings(v: &Value, key: &str) -> Vec<String> {
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
    }
}
