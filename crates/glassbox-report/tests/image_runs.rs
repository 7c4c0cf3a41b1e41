//! Image runs in the report: folders shaped like the output of `glassbox image train` and
//! `glassbox image explain` become sections with their tables, figures and captions; class and
//! file names are escaped; an incomplete folder is an error naming the folder and the file.

use std::path::{Path, PathBuf};

use glassbox_report::{Block, Report, Section, expand_run_dir, run_section};

/// A valid 1x1 grey PNG.
const TINY_PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x3A, 0x7E, 0x9B,
    0x55, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x68, 0x00, 0x00, 0x00,
    0x82, 0x00, 0x81, 0x77, 0xCD, 0x72, 0xB6, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

const HOSTILE: &str = "<b>scratch</b>&\"";
const HOSTILE_ESCAPED: &str = "&lt;b&gt;scratch&lt;/b&gt;&amp;&quot;";

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

fn json(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

/// `metrics.json` of a 2-class run: class 0 "crazing", class 1 the hostile name. The confusion
/// matrix [[8, 2], [0, 10]]: 2 crazing images taken for the other class.
fn image_metrics(schedule: Option<&str>, precision1: &str) -> String {
    let schedule = schedule.map_or(String::new(), |s| format!(r#","lr_schedule":"{s}""#));
    format!(
        r#"{{"arch":"gap-cnn","test_accuracy":0.9,"test_loss":0.31,"train_accuracy":0.95,
        "n_train":80,"n_test":20,"split":"manifest","class_names":["crazing",{h}],
        "per_class":[{{"class":"crazing","support":10,"precision":1.0,"recall":0.8}},
                     {{"class":{h},"support":10,"precision":{precision1},"recall":1.0}}],
        "confusion_matrix":[[8,2],[0,10]],
        "params":{{"arch":"gap-cnn","epochs":3,"batch_size":16,"learning_rate":0.001,
                   "beta1":0.9,"beta2":0.999,"epsilon":1e-7,"seed":7{schedule}}},
        "threads":2,"image_size":[24,32],
        "converted_from_color":0,"resized":0}}"#,
        h = json(HOSTILE)
    )
}

const ARCHITECTURE: &str = r#"{"format":"glassbox-cnn","version":1,"dtype":"f32","arch":"gap-cnn",
  "input_shape":[1,24,32],"class_names":["crazing","x"],
  "layers":[{"type":"conv2d","in_channels":1,"out_channels":32,"kernel_size":3},{"type":"relu"},
            {"type":"max_pool2d","size":2},{"type":"global_avg_pool"},
            {"type":"dense","inputs":32,"units":2}],
  "training":{"arch":"gap-cnn","epochs":3,"batch_size":16,"learning_rate":0.001,"beta1":0.9,
              "beta2":0.999,"epsilon":1e-7,"seed":7,"lr_schedule":"cosine","augment":"none"},
  "history":[]}"#;

fn image_train_run(root: &Path, name: &str) -> PathBuf {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    write(
        &dir,
        "metrics.json",
        image_metrics(Some("cosine"), "0.8333333333").as_bytes(),
    );
    write(&dir, "architecture.json", ARCHITECTURE.as_bytes());
    write(
        &dir,
        "weights.safetensors",
        b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ",
    );
    write(&dir, "history.csv", b"epoch,train_loss\n1,0.5\n");
    write(&dir, "training_history.png", TINY_PNG);
    write(
        &dir,
        "training_history.svg",
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
    );
    write(&dir, "confusion_matrix.png", TINY_PNG);
    write(&dir, "test_predictions.csv", b"file,true_class\n");
    dir
}

/// One `images` entry of `summary.json`.
fn entry(i: usize, file: &str, truth: &str, predicted: &str, explained: &str) -> String {
    let stem = format!("{i:03}_{}", file.trim_end_matches(".png"));
    format!(
        r#"{{"file":{},"panel":{},"true_class":{},"predicted_class":{},"probability":0.75,
        "explained_class":{},"explained_probability":0.7,"deletion_auc":0.125,
        "insertion_auc":0.625,"randomization_spearman":{},"surrogate_r2":null,
        "superpixels":null}}"#,
        json(&format!("data/x/{file}")),
        json(&format!("panels/{stem}.png")),
        json(truth),
        json(predicted),
        json(explained),
        if i == 1 {
            "null".to_string()
        } else {
            format!("0.{i}5")
        }
    )
}

fn summary(method: &str, entries: &[String], steps: usize, spearman: f64) -> String {
    format!(
        r#"{{"method":{},"layer":"conv4","raw_map_size":[3,4],"model":"runs/cnn","arch":"gap-cnn",
        "class_names":["crazing",{h}],"alpha":0.5,"faithfulness_steps":{steps},
        "mean_deletion_auc":0.125,"mean_insertion_auc":0.625,"randomized_layers":["dense1"],
        "mean_randomization_spearman":{spearman},"mean_surrogate_r2":null,"lime":null,
        "images":[{}]}}"#,
        json(method),
        entries.join(","),
        h = json(HOSTILE)
    )
}

/// An explanation run of `files` (true classes alternate; image 2 is misclassified), with its
/// panels, overlays and curves.
fn image_explain_run(root: &Path, name: &str, method: &str, files: &[&str]) -> PathBuf {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    let entries: Vec<String> = files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let truth = if i % 2 == 0 { "crazing" } else { HOSTILE };
            let predicted = if i == 2 { HOSTILE } else { truth };
            let stem = format!("{i:03}_{}", f.trim_end_matches(".png"));
            write(&dir, &format!("panels/{stem}.png"), TINY_PNG);
            write(&dir, &format!("overlays/{stem}.png"), TINY_PNG);
            write(&dir, &format!("curves/{stem}.png"), TINY_PNG);
            write(&dir, &format!("maps/{stem}.raw.csv"), b"0,1\n");
            entry(i, f, truth, predicted, predicted)
        })
        .collect();
    write(
        &dir,
        "summary.json",
        summary(method, &entries, 20, 0.25).as_bytes(),
    );
    write(&dir, "grid.png", TINY_PNG);
    write(
        &dir,
        "grid.svg",
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
    );
    dir
}

fn figure_titles(section: &Section) -> Vec<String> {
    section
        .blocks()
        .iter()
        .filter_map(|b| match b {
            Block::Figure(f) => Some(f.title().to_string()),
            _ => None,
        })
        .collect()
}

fn paragraphs(section: &Section) -> String {
    section
        .blocks()
        .iter()
        .filter_map(|b| match b {
            Block::Paragraph(p) => Some(p.as_str()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn html_of(section: Section) -> String {
    Report::new("t").section(section).render()
}

fn err_of(dir: &Path) -> String {
    run_section(dir).unwrap_err().to_string()
}

#[test]
fn image_training_run_has_summary_tables_settings_and_two_figures() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = image_train_run(tmp.path(), "cnn");
    let s = run_section(&dir).unwrap();
    assert_eq!(s.title(), "Image training run cnn");
    assert_eq!(
        figure_titles(&s),
        ["Training history", "Confusion matrix (test images)"]
    );
    let text = paragraphs(&s);
    assert!(
        text.contains(
            "A convolutional network (gap-cnn: four 3×3 convolution layers with 32, 64, 64 and \
             64 filters"
        ),
        "{text}"
    );
    assert!(
        text.contains("trained on 80 images of 2 classes (crazing, ")
            && text.contains("reached 90.0% accuracy on 20 held-out test images"),
        "{text}"
    );
    assert!(text.contains("read as 32×24 grayscale pixels"), "{text}");
    let html = html_of(s);
    // Accuracy table, per-class table, settings and timings.
    assert!(
        html.contains("<td>accuracy</td><td class=\"num\">95.0%</td><td class=\"num\">90.0%</td>"),
        "{html}"
    );
    assert!(html.contains("<td class=\"num\">0.31</td>"), "test loss");
    assert!(html.contains("<td>crazing</td><td class=\"num\">10</td><td class=\"num\">100.0%</td><td class=\"num\">80.0%</td>"), "{html}");
    assert!(
        html.contains("<td class=\"num\">83.3%</td><td class=\"num\">100.0%</td>"),
        "{html}"
    );
    assert!(
        html.contains("<td class=\"key\">seed</td><td>7</td>"),
        "{html}"
    );
    assert!(html.contains("<td class=\"key\">learning-rate schedule</td><td>cosine</td>"));
    assert!(html.contains("<td class=\"key\">augmentation</td><td>none</td>"));
    assert!(html.contains("<td class=\"key\">label smoothing</td><td>0</td>"));
    assert!(
        html.contains(">batch size (images per step)</td><td>16</td>"),
        "{html}"
    );
    assert!(html.contains("conv 3×3 ×32 → ReLU → max-pool 2 → global average pool → dense 2"));
    assert!(
        html.contains("fixed by the folder&#39;s manifest.csv"),
        "{html}"
    );
    // Durations live in timings.json alone: the page is the same for the same runs.
    assert!(!html.contains("Timings"), "{html}");
    assert!(html.contains(">worker threads</td><td>2</td>"), "{html}");
    // The confusion-matrix caption names this run's most frequent mistake, escaped.
    assert!(
        html.contains(&format!(
            "row crazing, column {HOSTILE_ESCAPED}: 2 crazing images were classified as \
             {HOSTILE_ESCAPED}."
        )),
        "{html}"
    );
    assert!(html.contains("The diagonal from top-left to bottom-right holds the correct answers"));
    // Only PNGs are embedded (the SVG twin is skipped), and nothing raw from the class names.
    assert_eq!(html.matches("<img ").count(), 2);
    assert!(!html.contains(HOSTILE));
    assert!(html.contains(HOSTILE_ESCAPED));
    // No warning: test accuracy is close to training accuracy and well above guessing.
    assert!(!html.contains("<strong>Warning:</strong>"), "{html}");
    // The file listing names every top-level file.
    assert!(html.contains("<td>weights.safetensors</td>"));
}

#[test]
fn image_training_warnings_for_never_predicted_classes_and_overfitting() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = image_train_run(tmp.path(), "cnn");
    let metrics = image_metrics(None, "null")
        .replace("\"train_accuracy\":0.95", "\"train_accuracy\":1.0")
        .replace("\"test_accuracy\":0.9", "\"test_accuracy\":0.55");
    write(&dir, "metrics.json", metrics.as_bytes());
    let html = html_of(run_section(&dir).unwrap());
    assert!(html.contains("— (never predicted)"), "{html}");
    assert!(html.contains(&format!(
        "never predicted {HOSTILE_ESCAPED} on the test images"
    )));
    assert!(html.contains("Training accuracy (100.0%) is far above test accuracy (55.0%)"));
    assert!(
        html.contains("close to guessing among 2 classes (50.0%)"),
        "{html}"
    );
    // A settings record without a schedule predates schedules: it trained at a constant
    // rate (the typed record reads it so).
    assert!(
        html.contains("<td class=\"key\">learning-rate schedule</td><td>constant</td>"),
        "absent from params"
    );
}

#[test]
fn incomplete_image_training_runs_name_the_folder_and_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    for file in [
        "architecture.json",
        "weights.safetensors",
        "training_history.png",
        "confusion_matrix.png",
    ] {
        let dir = image_train_run(tmp.path(), &format!("no-{file}"));
        std::fs::remove_file(dir.join(file)).unwrap();
        if file == "training_history.png" {
            // The SVG twin stands in for a missing PNG ...
            run_section(&dir).unwrap();
            std::fs::remove_file(dir.join("training_history.svg")).unwrap();
        }
        // ... and without either the error names the PNG.
        let e = err_of(&dir);
        assert!(
            e.contains(&format!("no-{file}")) && e.contains(&format!("{file} is missing")),
            "{e}"
        );
        assert!(e.contains("glassbox image train"), "{e}");
    }
    let dir = image_train_run(tmp.path(), "wrong-format");
    write(&dir, "architecture.json", br#"{"format":"glassbox-model"}"#);
    let e = err_of(&dir);
    assert!(
        e.contains("architecture.json") && e.contains("glassbox-cnn"),
        "{e}"
    );
    let dir = image_train_run(tmp.path(), "broken-png");
    write(&dir, "confusion_matrix.png", b"not a png");
    let e = err_of(&dir);
    assert!(
        e.contains("confusion_matrix.png") && e.contains("PNG"),
        "{e}"
    );
}

#[test]
fn image_explanation_run_explains_the_method_panels_and_faithfulness() {
    let tmp = tempfile::tempdir().unwrap();
    let files = ["a.png", "b&<i>.png", "c.png", "d.png", "e.png"];
    let dir = image_explain_run(tmp.path(), "gc", "grad-cam", &files);
    let s = run_section(&dir).unwrap();
    assert_eq!(s.title(), "Image explanation run gc (grad-cam)");
    // Grid, the first image's curve, then two panels: the first image and the first
    // misclassified one (image 2), not all five.
    assert_eq!(
        figure_titles(&s),
        [
            "Heat maps of every image (grad-cam)",
            "Deletion and insertion curves (a.png)",
            "Panel: a.png",
            "Panel: c.png",
        ]
    );
    let text = paragraphs(&s);
    assert!(text.contains("Grad-CAM (Selvaraju et al. 2017)"), "{text}");
    assert!(text.contains("explains 5 images classified by a gap-cnn network, at its layer conv4, whose maps are 4×3 cells"), "{text}");
    assert!(text.contains("Deletion (Petsiuk et al. 2018)") && text.contains("Adebayo et al."));
    assert!(
        text.contains("from blue (0") && text.contains("red (1"),
        "{text}"
    );
    let html = html_of(s);
    assert_eq!(html.matches("<img ").count(), 4);
    // Per-image table: file names and class names escaped; a constant map's Spearman is "—".
    assert!(html.contains("b&amp;&lt;i&gt;.png"), "{html}");
    assert!(!html.contains("b&<i>"));
    assert!(!html.contains(HOSTILE));
    assert!(
        html.contains(&format!(
            "<td>c.png</td><td>crazing</td><td>{HOSTILE_ESCAPED}</td><td class=\"num\">0.75</td>\
         <td class=\"num\">0.125</td><td class=\"num\">0.625</td><td class=\"num\">0.25</td>"
        )),
        "{html}"
    );
    assert!(html.contains("— (a map is constant)"));
    assert!(
        !html.contains("<th scope=\"col\">explained class</th>"),
        "same as predicted everywhere"
    );
    // Means and settings.
    assert!(
        html.contains(">randomisation Spearman (low = good)</td><td>0.25</td>"),
        "{html}"
    );
    assert!(html.contains(">layers re-initialised</td><td>dense1</td>"));
    assert!(
        html.contains(">deletion AUC (low = good)</td><td>0.125</td>"),
        "{html}"
    );
    assert!(html.contains(">model folder</td><td>runs/cnn</td>"));
    assert!(
        html.contains("a crazing image that the network took for"),
        "{html}"
    );
    assert!(html.contains("The panels of all 5 images are in the panels/ folder"));
    assert!(!html.contains("<strong>Warning:</strong>"));
    // The listing counts the sub-folders' files.
    assert!(html.contains("<td>panels/</td><td>5 files</td>"), "{html}");
    assert!(html.contains("<td>grid.png</td>"));
}

#[test]
fn every_cam_method_is_described_and_explained_classes_get_a_column() {
    let tmp = tempfile::tempdir().unwrap();
    for (method, cite) in [
        ("cam", "Zhou et al. 2016"),
        ("grad-cam++", "Chattopadhyay et al. 2018"),
        ("score-cam", "Wang et al. 2020"),
    ] {
        let dir = image_explain_run(tmp.path(), method, method, &["a.png"]);
        let s = run_section(&dir).unwrap();
        assert!(paragraphs(&s).contains(cite), "{method}");
        // One image: grid, curve, one panel.
        assert_eq!(figure_titles(&s).len(), 3, "{method}");
    }
    let dir = tmp.path().join("class");
    std::fs::create_dir_all(&dir).unwrap();
    let entries = [entry(0, "a.png", "crazing", "crazing", HOSTILE)];
    write(
        &dir,
        "summary.json",
        summary("grad-cam", &entries, 0, 0.9).as_bytes(),
    );
    write(&dir, "grid.png", TINY_PNG);
    write(&dir, "panels/000_a.png", TINY_PNG);
    // With --steps 0 no curve is expected; a high Spearman gets a warning.
    let s = run_section(&dir).unwrap();
    assert_eq!(
        figure_titles(&s),
        ["Heat maps of every image (grad-cam)", "Panel: a.png"]
    );
    let html = html_of(s);
    assert!(
        html.contains("<th scope=\"col\">explained class</th>"),
        "{html}"
    );
    assert!(html.contains("not computed (--steps 0)"));
    assert!(html.contains("barely change when the classifier is randomised (mean Spearman 0.9)"));
}

#[test]
fn incomplete_image_explanation_runs_name_the_folder_and_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    for (missing, name) in [
        ("grid.png", "no-grid"),
        ("curves/000_a.png", "no-curve"),
        ("panels/000_a.png", "no-panel"),
    ] {
        let dir = image_explain_run(tmp.path(), name, "cam", &["a.png", "b.png"]);
        std::fs::remove_file(dir.join(missing)).unwrap();
        let e = err_of(&dir);
        assert!(
            e.contains(name) && e.contains(&format!("{missing} is missing")),
            "{e}"
        );
        assert!(e.contains("glassbox image explain"), "{e}");
    }
    let dir = image_explain_run(tmp.path(), "no-method", "cam", &["a.png"]);
    write(&dir, "summary.json", br#"{"layer":"conv4"}"#);
    let e = err_of(&dir);
    assert!(
        e.contains("summary.json") && e.contains("\"method\""),
        "{e}"
    );
    let dir = image_explain_run(tmp.path(), "bad-json", "cam", &["a.png"]);
    write(&dir, "summary.json", b"{\"method\": ");
    let e = err_of(&dir);
    assert!(e.contains("bad-json") && e.contains("summary.json"), "{e}");
}

#[test]
fn a_doctored_panel_path_is_never_followed() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "outside.png", TINY_PNG);
    let dir = image_explain_run(tmp.path(), "run", "grad-cam", &["a.png"]);
    let text = std::fs::read_to_string(dir.join("summary.json"))
        .unwrap()
        .replace("panels/000_a.png", "../outside.png");
    write(&dir, "summary.json", text.as_bytes());
    let s = run_section(&dir).unwrap();
    assert_eq!(figure_titles(&s), ["Heat maps of every image (grad-cam)"]);
}

#[test]
fn a_folder_of_image_runs_stands_for_them_and_ignores_foreign_summaries() {
    let tmp = tempfile::tempdir().unwrap();
    image_train_run(tmp.path(), "a-cnn");
    image_explain_run(tmp.path(), "b-gradcam", "grad-cam", &["a.png"]);
    let foreign = tmp.path().join("c-other");
    std::fs::create_dir(&foreign).unwrap();
    write(&foreign, "summary.json", br#"{"total": 3}"#);
    let runs = expand_run_dir(tmp.path()).unwrap();
    let names: Vec<_> = runs
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["a-cnn", "b-gradcam"]);
    let report = Report::from_run_dirs("demo", &[tmp.path()]).unwrap();
    let titles: Vec<_> = report.sections().iter().map(|s| s.title()).collect();
    assert_eq!(
        titles,
        [
            "Image training run a-cnn",
            "Image explanation run b-gradcam (grad-cam)"
        ]
    );
}

#[test]
fn image_figure_files_have_catalogue_entries() {
    use glassbox_report::describe_figure;
    assert_eq!(
        describe_figure("training_history.png").title,
        "Training history"
    );
    assert_eq!(describe_figure("grid.png").title, "Heat-map grid");
    assert!(describe_figure("insertion.png").shows.contains("blurred"));
    // Known kinds come before unknown ones, history before the confusion matrix.
    assert!(
        describe_figure("training_history.svg").rank < describe_figure("confusion_matrix.png").rank
    );
    assert!(describe_figure("grid.png").rank < describe_figure("zz.png").rank);
}

#[test]
fn a_cascading_randomisation_check_shows_one_row_per_step() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = image_explain_run(tmp.path(), "gc", "grad-cam", &["a.png", "b.png"]);
    let path = dir.join("summary.json");
    let text = std::fs::read_to_string(&path).unwrap().replacen(
        r#""randomized_layers":["dense1"],"#,
        r#""randomized_layers":["conv4","dense1"],"randomization_cascade":[
            {"layer":"dense1","mean_spearman":0.5},{"layer":"conv4","mean_spearman":null}],"#,
        1,
    );
    std::fs::write(&path, text).unwrap();
    let html = html_of(run_section(&dir).unwrap());
    assert!(
        html.contains(">Spearman with dense1 re-initialised</td><td>0.5</td>"),
        "{html}"
    );
    assert!(html.contains(">Spearman with dense1 + conv4 re-initialised</td><td>"));
    assert!(html.contains(">layers re-initialised</td><td>conv4, dense1</td>"));
}
