//! Image training runs: the folders written by `glassbox image train` (a CNN with its training
//! history, test metrics and confusion matrix), read into report sections; the helpers shared
//! with the explanation runs ([`crate::image_explain_runs`]).
//!
//! An image training run is a `metrics.json` with a top-level `test_accuracy`; it must also hold
//! `architecture.json`, `weights.safetensors`, the training-history plot and the confusion
//! matrix. The captions are written for a reader who has never seen a confusion matrix.

use std::path::{Path, PathBuf};

use crate::runs::read_run_record;
use glassbox::models::nn::{Augment, LrSchedule};
use glassbox::records::image::{CnnArchitecture, ImageTrainMetrics, LayerSpec};

use crate::document::{Figure, Note, Section, Table};
use crate::error::ReportError;
use crate::runs::{format_number, require};

const TRAIN_WHY: &str = "`glassbox image train` writes it with metrics.json";

/// Just enough of a `metrics.json` to tell an image training run (it has a numeric
/// `test_accuracy`) from a table run; the run itself is then read strictly.
#[derive(serde::Deserialize)]
struct TrainProbe {
    #[allow(dead_code)]
    test_accuracy: f64,
}

/// Just enough of a `summary.json` to tell an image explanation run (it has a `method`
/// string); the run itself is then read strictly.
#[derive(serde::Deserialize)]
struct ExplainProbe {
    #[allow(dead_code)]
    method: String,
}

fn probe<T: serde::de::DeserializeOwned>(path: &Path) -> bool {
    std::fs::read_to_string(path)
        .ok()
        .is_some_and(|t| serde_json::from_str::<T>(&t).is_ok())
}

/// True when `dir/metrics.json` is that of `glassbox image train` (it has a top-level
/// `test_accuracy`).
pub(crate) fn is_training_run(dir: &Path) -> bool {
    probe::<TrainProbe>(&dir.join("metrics.json"))
}

/// True when `path` is a `summary.json` of `glassbox image explain` (a JSON object with a
/// `method` string); used to find runs inside a folder, so anything unreadable is simply not one.
pub(crate) fn is_explain_summary(path: &Path) -> bool {
    probe::<ExplainProbe>(path)
}

/// Just enough of a JSON object to tell whether it has a `method` at all.
#[derive(serde::Deserialize)]
struct MethodProbe {
    method: Option<serde::de::IgnoredAny>,
}

/// True when `path` is a JSON object without a `method` (a summary of something else, or a
/// damaged one): the report then says so rather than listing every other missing field.
pub(crate) fn lacks_method(path: &Path) -> bool {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| serde_json::from_str::<MethodProbe>(&t).ok())
        .is_some_and(|p| p.method.is_none())
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
fn layer_line(layers: &[LayerSpec]) -> String {
    layers
        .iter()
        .map(|l| match l {
            LayerSpec::Conv2d {
                out_channels,
                kernel_size,
                ..
            } => format!("conv {kernel_size}×{kernel_size} ×{out_channels}"),
            LayerSpec::Relu => "ReLU".into(),
            LayerSpec::MaxPool2d { size } => format!("max-pool {size}"),
            LayerSpec::GlobalAvgPool => "global average pool".into(),
            LayerSpec::Flatten => "flatten".into(),
            LayerSpec::Dense { units, .. } => format!("dense {units}"),
            LayerSpec::Conv {
                out_channels,
                window,
                ..
            } => format!(
                "conv {}×{} ×{out_channels}",
                window.kernel[0], window.kernel[1]
            ),
            LayerSpec::MaxPool { window } => {
                format!("max-pool {}×{}", window.kernel[0], window.kernel[1])
            }
            LayerSpec::AvgPool { window, .. } => {
                format!("average pool {}×{}", window.kernel[0], window.kernel[1])
            }
            LayerSpec::LeakyRelu { alpha } => format!("leaky ReLU {alpha}"),
            LayerSpec::Sigmoid => "sigmoid".into(),
            LayerSpec::Tanh => "tanh".into(),
            LayerSpec::ChannelAffine { .. } => "per-channel scale".into(),
        })
        .collect::<Vec<_>>()
        .join(" → ")
}

/// The `format` of a JSON model file, read before the file's own record so that a file of
/// another kind is named as such.
#[derive(serde::Deserialize)]
struct FormatProbe {
    format: Option<String>,
}

/// Reads `architecture.json` and checks that it is a glassbox CNN file.
fn read_architecture(path: &Path) -> Result<CnnArchitecture, ReportError> {
    let format = std::fs::read_to_string(path)
        .ok()
        .and_then(|t| serde_json::from_str::<FormatProbe>(&t).ok())
        .and_then(|p| p.format);
    if format.is_some_and(|f| f != "glassbox-cnn") {
        return Err(ReportError::BadJson {
            path: path.to_path_buf(),
            what: "glassbox CNN architecture file (architecture.json)".into(),
            message: "\"format\" is not \"glassbox-cnn\"".into(),
        });
    }
    read_run_record(path, "glassbox CNN architecture file (architecture.json)")
}

/// The section of a `glassbox image train` run, read from its `metrics.json` and
/// `architecture.json` records.
pub(crate) fn training_section(dir: &Path, name: &str) -> Result<Section, ReportError> {
    let metrics: ImageTrainMetrics =
        read_run_record(&dir.join("metrics.json"), "metrics file (metrics.json)")?;
    let arch_path = require(dir, "architecture.json", TRAIN_WHY)?;
    require(dir, "weights.safetensors", TRAIN_WHY)?;
    let history_fig = figure_file(dir, "training_history", TRAIN_WHY)?;
    let confusion_fig = figure_file(dir, "confusion_matrix", TRAIN_WHY)?;
    let arch_json = read_architecture(&arch_path)?;
    let m = &metrics;
    let classes = if m.class_names.is_empty() {
        &arch_json.class_names
    } else {
        &m.class_names
    };
    let mut section = Section::new(format!("Image training run {name}"))
        .text(training_intro(m, classes))
        .table(accuracy_table(m));
    section = per_class_blocks(section, m);
    if m.train_accuracy - m.test_accuracy > 0.1 {
        section = section.note(Note::warning(format!(
            "Training accuracy ({}) is far above test accuracy ({}): the network has partly \
             memorised its training images, and the test figure is the one to trust.",
            pct(m.train_accuracy),
            pct(m.test_accuracy)
        )));
    }
    if !classes.is_empty() && m.test_accuracy < 1.5 / classes.len() as f64 {
        section = section.note(Note::warning(format!(
            "Test accuracy {} is close to guessing among {} classes ({}): the heat maps of \
             this network would explain a model that has not learned the classes.",
            pct(m.test_accuracy),
            classes.len(),
            pct(1.0 / classes.len() as f64)
        )));
    }
    Ok(section
        .table(training_settings(m, &arch_json))
        .figure(history_figure(&history_fig)?)
        .figure(confusion_figure(&confusion_fig, m, classes)?))
}

fn training_intro(m: &ImageTrainMetrics, classes: &[String]) -> String {
    let (h, w) = m.image_size;
    format!(
        "A convolutional network ({}) trained on {} images of {} classes{} reached {} \
         accuracy on {} held-out test images: that is the share of test images whose class it \
         named correctly. The test images were never used to adjust the network, so this is an \
         honest estimate of how it does on new images of the same kind. Every image was read \
         as {w}×{h} grayscale pixels scaled to [0, 1].",
        arch_description(&m.arch),
        m.n_train,
        classes.len(),
        if classes.is_empty() {
            String::new()
        } else {
            format!(" ({})", classes.join(", "))
        },
        pct(m.test_accuracy),
        m.n_test,
    )
}

fn accuracy_table(m: &ImageTrainMetrics) -> Table {
    Table::grid("Accuracy", ["", "training images", "test images"])
        .cells([
            "accuracy".to_string(),
            pct(m.train_accuracy),
            pct(m.test_accuracy),
        ])
        .cells([
            "images".to_string(),
            m.n_train.to_string(),
            m.n_test.to_string(),
        ])
        .cells([
            "mean cross-entropy loss (lower is better)".to_string(),
            "—".into(),
            format_number(m.test_loss),
        ])
}

/// The per-class table, and a warning for classes never predicted.
fn per_class_blocks(mut section: Section, m: &ImageTrainMetrics) -> Section {
    if m.per_class.is_empty() {
        return section;
    }
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
    for c in &m.per_class {
        let precision = match c.precision {
            Some(p) => pct(p),
            None => {
                never_predicted.push(c.class.clone());
                "— (never predicted)".into()
            }
        };
        table = table.cells([
            c.class.clone(),
            c.support.to_string(),
            precision,
            pct(c.recall),
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
    section
}

fn training_settings(m: &ImageTrainMetrics, arch_json: &CnnArchitecture) -> Table {
    let (h, w) = m.image_size;
    let p = &m.params;
    let n = |v: f64| format_number(v);
    let schedule = match p.lr_schedule {
        LrSchedule::Cosine => "cosine",
        LrSchedule::Constant => "constant",
    };
    let augment = match p.augment {
        Augment::None => "none",
        Augment::Flips => "random left-right and top-bottom mirroring",
        Augment::Dihedral => "random rotation by a multiple of 90° or mirroring (dihedral)",
    };
    let split = match m.split.as_str() {
        "manifest" => "fixed by the folder's manifest.csv".to_string(),
        "stratified" => "seeded stratified split (each class in the same proportion)".into(),
        other => other.to_string(),
    };
    Table::key_value("Settings")
        .row("architecture", m.arch.clone())
        .row("layers", layer_line(&arch_json.layers))
        .row("image size (width × height)", format!("{w} × {h}"))
        .row(
            "epochs (passes over the training images)",
            n(p.epochs as f64),
        )
        .row("batch size (images per step)", n(p.batch_size as f64))
        .row("learning rate (Adam)", n(p.learning_rate))
        .row("learning-rate schedule", schedule)
        .row("augmentation", augment)
        .row("label smoothing", n(p.label_smoothing))
        .row("Adam β1", n(p.beta1))
        .row("Adam β2", n(p.beta2))
        .row("Adam ε", n(p.epsilon))
        .row("seed", n(p.seed as f64))
        .row("train/test split", split)
        .row(
            "images converted from colour to grayscale",
            m.converted_from_color.to_string(),
        )
        .row("images resized when loading", m.resized.to_string())
        .row("worker threads", m.threads.to_string())
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
    metrics: &ImageTrainMetrics,
    classes: &[String],
) -> Result<Figure, ReportError> {
    let matrix: Vec<Vec<u64>> = metrics
        .confusion_matrix
        .iter()
        .map(|r| r.iter().map(|&c| c as u64).collect())
        .collect();
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
        let layers: Vec<LayerSpec> = serde_json::from_str(
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

    /// Copies the plain files of `from` into the new folder `to`.
    fn copy_run(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }

    /// The bundled training run reads, and with a field of metrics.json renamed by hand it is
    /// an error naming the file and the field (not a blank in the report).
    #[test]
    fn a_renamed_metrics_field_is_an_error_naming_file_and_field() {
        let bundled = Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../data/models/neu-gap-cnn"
        ));
        let tmp = tempfile::tempdir().unwrap();
        let run = tmp.path().join("neu-gap-cnn");
        copy_run(bundled, &run);
        assert!(is_training_run(&run));
        crate::run_section(&run).unwrap();
        let path = run.join("metrics.json");
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replace("\"test_loss\"", "\"test_losses\"")).unwrap();
        let msg = crate::run_section(&run).unwrap_err().to_string();
        assert!(
            msg.contains("metrics.json") && msg.contains("test_losses"),
            "{msg}"
        );
        std::fs::write(&path, text.replace("\"recall\"", "\"recal\"")).unwrap();
        let msg = crate::run_section(&run).unwrap_err().to_string();
        assert!(
            msg.contains("metrics.json") && msg.contains("recal"),
            "{msg}"
        );
    }
}
