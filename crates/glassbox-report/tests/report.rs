//! The report from parts and from run folders: structure, escaping of hostile strings, run
//! folder recognition, errors that name the folder and file, and atomic writing.

use std::path::{Path, PathBuf};

use glassbox_report::{Figure, Image, Note, Report, ReportError, Section, Table, run_section};

/// A valid 1x1 grey PNG.
const TINY_PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x3A, 0x7E, 0x9B,
    0x55, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x68, 0x00, 0x00, 0x00,
    0x82, 0x00, 0x81, 0x77, 0xCD, 0x72, 0xB6, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

const HOSTILE: &str = "<img src=x onerror=alert(1)>\"'&";
const HOSTILE_ESCAPED: &str = "&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;";

const METRICS: &str = r#"{"model":"forest","target":"Weight (g)",
  "train":{"r2":0.999,"rmse":1.0,"mae":0.25,"n":30},
  "test":{"r2":0.98,"rmse":2.3,"mae":0.6,"n":12}}"#;

fn model_json(features: &[&str]) -> String {
    let names: Vec<String> = features
        .iter()
        .map(|f| serde_json::to_string(f).unwrap())
        .collect();
    format!(
        r#"{{"format":"glassbox-model","version":1,"feature_names":[{}],"target_name":"Weight (g)",
        "scaler":{{"min":[1],"max":[2]}},"model":{{"kind":"random_forest","ensemble":{{"trees":[[1,2,3]]}}}},
        "training":{{"seed":42,"test_fraction":0.3,"n_train":30,"n_test":12,"data_file":"d.csv"}}}}"#,
        names.join(",")
    )
}

fn explanation_json(features: &[&str]) -> String {
    let ranked: Vec<String> = features
        .iter()
        .enumerate()
        .map(|(i, f)| {
            format!(
                "[{},{}]",
                serde_json::to_string(f).unwrap(),
                10.0 - i as f64
            )
        })
        .collect();
    format!(
        r#"{{"method":"tree-shap","model":"m/model.json","data":"d.csv","n_rows":12,
        "features":[],"output":"Weight (g)","base_value":285.7,"local_accuracy_rtol":1e-9,
        "local_accuracy_max_rel_error":4.8e-15,"mean_abs_shap":[{}]}}"#,
        ranked.join(",")
    )
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).unwrap();
}

fn train_run(root: &Path, name: &str) -> PathBuf {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    write(&dir, "metrics.json", METRICS.as_bytes());
    write(&dir, "model.json", model_json(&["a", HOSTILE]).as_bytes());
    write(&dir, "measured_vs_predicted.png", TINY_PNG);
    write(
        &dir,
        "measured_vs_predicted.svg",
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
    );
    write(&dir, "timings.json", br#"{"stages": [["fit", 0.123456]]}"#);
    dir
}

fn explain_run(root: &Path, name: &str) -> PathBuf {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    write(
        &dir,
        "explanation.json",
        explanation_json(&[HOSTILE, "b"]).as_bytes(),
    );
    for f in [
        "shap_bar",
        "shap_beeswarm",
        "shap_waterfall",
        "shap_dependence",
    ] {
        write(&dir, &format!("{f}.png"), TINY_PNG);
    }
    dir
}

fn figure_titles(section: &Section) -> Vec<String> {
    section
        .blocks()
        .iter()
        .filter_map(|b| match b {
            glassbox_report::Block::Figure(f) => Some(f.title().to_string()),
            _ => None,
        })
        .collect()
}

#[test]
fn report_from_parts_has_toc_figures_tables_notes_and_escapes_everything() {
    let image = Image::png(TINY_PNG.to_vec(), "tiny").unwrap();
    let report = Report::new(HOSTILE)
        .intro(HOSTILE)
        .section(
            Section::new(HOSTILE)
                .text(HOSTILE)
                .heading(HOSTILE)
                .table(Table::key_value(HOSTILE).row(HOSTILE, HOSTILE))
                .table(Table::grid(HOSTILE, [HOSTILE, "x"]).cells([HOSTILE, "1.5"]))
                .figure(
                    Figure::new(HOSTILE, image)
                        .shows(HOSTILE)
                        .how_to_read(HOSTILE)
                        .source(HOSTILE),
                )
                .note(Note::warning(HOSTILE))
                .note(Note::not_run(HOSTILE, HOSTILE)),
        )
        .footer(HOSTILE);
    let html = report.render();
    assert!(
        !html.contains(HOSTILE),
        "a hostile string reached the page raw"
    );
    assert!(!html.contains("<img src=x"));
    // Every use, escaped: <title> and <h1>, intro, section (TOC and <h2>), paragraph, heading,
    // two captions, key and value, header, cell, figure (TOC, alt, <h3>), its three texts,
    // warning, not-run (twice in one text), footer.
    assert_eq!(html.matches(HOSTILE_ESCAPED).count(), 23, "{html}");
    assert!(html.contains("<nav class=\"toc\">"));
    assert!(html.contains("<a href=\"#s1\">"));
    assert!(html.contains("<a href=\"#s1-f1\">"));
    assert!(html.contains("<figure id=\"s1-f1\">"));
    assert!(html.contains("width=\"1\" height=\"1\""));
    assert!(html.contains("<strong>Not run:</strong>"));
    assert!(html.contains("<strong>Warning:</strong>"));
    assert!(html.contains("<td class=\"num\">1.5</td>"));
    assert_eq!(html.matches("<img ").count(), 1);
    assert!(html.contains(glassbox_report::CSP));
    // Deterministic.
    assert_eq!(html, report.render());
}

#[test]
fn run_folders_become_sections_with_their_figures_in_reading_order() {
    let tmp = tempfile::tempdir().unwrap();
    let train = train_run(tmp.path(), "rf <b>");
    let shap = explain_run(tmp.path(), "rf-shap");
    write(&shap, "zz custom <plot>.png", TINY_PNG);
    write(&shap, "shap_values.csv", b"row_id\n");

    let s = run_section(&train).unwrap();
    assert_eq!(s.title(), "Training run rf <b>");
    // One figure: the SVG twin of the PNG is not embedded again.
    assert_eq!(figure_titles(&s), ["Measured vs. predicted"]);

    let s = run_section(&shap).unwrap();
    assert_eq!(
        figure_titles(&s),
        [
            "Feature importance (mean |SHAP|)",
            "SHAP beeswarm",
            "Waterfall for one row",
            "Dependence plot (most important feature)",
            "zz custom <plot>.png",
        ]
    );

    let report = Report::from_run_dirs("runs", &[&train, &shap]).unwrap();
    let html = report.render();
    assert_eq!(html.matches("<img ").count(), 6);
    assert!(html.contains("Training run rf &lt;b&gt;"));
    assert!(html.contains("zz custom &lt;plot&gt;.png"));
    assert!(html.contains(HOSTILE_ESCAPED));
    assert!(!html.contains(HOSTILE));
    // Metrics and settings (seed) reach the page; durations (timings.json) do not, so the page
    // is the same for the same runs.
    assert!(html.contains("<td class=\"num\">0.98</td>"), "test R²");
    assert!(html.contains("<td class=\"key\">seed</td><td>42</td>"));
    assert!(!html.contains("Timings") && !html.contains("0.123"));
    assert!(html.contains("<td>timings.json</td><td>wall-clock durations</td>"));
    assert!(html.contains("checked on every row"));
    for section in ["#s1", "#s2"] {
        assert!(html.contains(&format!("href=\"{section}\"")));
    }
}

/// A metrics.json of no known kind is an error naming the file and the field (it used to be
/// shown as a generic key/value table, where a renamed field silently went missing).
#[test]
fn metrics_of_an_unknown_shape_are_refused_naming_the_file_and_field() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cnn");
    std::fs::create_dir(&dir).unwrap();
    write(
        &dir,
        "metrics.json",
        br#"{"model":"gap-cnn","test":{"accuracy":0.93,"n":360},"classes":["crazing","pitted"],"epochs":3}"#,
    );
    write(&dir, "confusion_matrix.png", TINY_PNG);
    let e = run_section(&dir).unwrap_err().to_string();
    assert!(
        e.contains("cnn/metrics.json") && e.contains("not a valid metrics file"),
        "{e}"
    );
    assert!(e.contains("field"), "names the field: {e}");
}

fn err_of(dir: &Path) -> String {
    run_section(dir).unwrap_err().to_string()
}

#[test]
fn bad_run_folders_name_the_folder_and_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("nope");
    let e = err_of(&missing);
    assert!(e.contains("does not exist") && e.contains("nope"), "{e}");

    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let e = err_of(&empty);
    assert!(
        e.contains("not a glassbox run folder") && e.contains("empty"),
        "{e}"
    );
    assert!(
        e.contains("metrics.json") && e.contains("explanation.json"),
        "{e}"
    );

    let file = tmp.path().join("file.txt");
    std::fs::write(&file, "x").unwrap();
    assert!(err_of(&file).contains("is not a folder"));

    let train = train_run(tmp.path(), "rf");
    std::fs::remove_file(train.join("measured_vs_predicted.png")).unwrap();
    let e = err_of(&train);
    assert!(
        e.contains("rf") && e.contains("measured_vs_predicted.png is missing"),
        "{e}"
    );
    let train = train_run(tmp.path(), "rf2");
    std::fs::remove_file(train.join("model.json")).unwrap();
    assert!(err_of(&train).contains("model.json is missing"));

    let train = train_run(tmp.path(), "rf3");
    write(&train, "metrics.json", b"{\"train\": ");
    let e = err_of(&train);
    assert!(
        e.contains("metrics.json") && e.contains("not a valid metrics file"),
        "{e}"
    );
    let train = train_run(tmp.path(), "rf4");
    write(&train, "model.json", b"{\"format\":\"other\"}");
    assert!(err_of(&train).contains("not \"glassbox-model\""));

    let shap = explain_run(tmp.path(), "shap");
    std::fs::remove_file(shap.join("shap_bar.png")).unwrap();
    assert!(err_of(&shap).contains("shap_bar.png is missing"));

    let shap = explain_run(tmp.path(), "shap2");
    write(
        &shap,
        "shap_beeswarm.png",
        b"not a png at all, just text.............",
    );
    let e = err_of(&shap);
    assert!(
        e.contains("shap_beeswarm.png") && e.contains("not a valid PNG"),
        "{e}"
    );

    // from_run_dirs stops at the first bad folder and says which.
    let good = explain_run(tmp.path(), "good");
    let e = Report::from_run_dirs("t", &[good, missing.clone()]).unwrap_err();
    assert!(matches!(e, ReportError::RunDirMissing { ref dir } if *dir == missing));
}

#[test]
fn write_is_atomic_and_leaves_nothing_on_failure() {
    let tmp = tempfile::tempdir().unwrap();
    let report = Report::new("t").section(Section::new("s").text("x"));
    let path = tmp.path().join("report.html");
    report.write(&path).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), report.render());

    // A parent that is a file cannot hold the report: error naming the path, nothing written.
    let blocker = tmp.path().join("blocker");
    std::fs::write(&blocker, "x").unwrap();
    let bad = blocker.join("report.html");
    let e = report.write(&bad).unwrap_err().to_string();
    assert!(e.contains("cannot write") && e.contains("blocker"), "{e}");
    let mut names: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["blocker", "report.html"]);
}

#[test]
fn a_folder_of_runs_stands_for_its_runs_in_name_order() {
    let tmp = tempfile::tempdir().unwrap();
    explain_run(tmp.path(), "b-shap");
    train_run(tmp.path(), "a-forest");
    std::fs::create_dir(tmp.path().join("c-not-a-run")).unwrap();
    let report = Report::from_run_dirs("demo", &[tmp.path()]).unwrap();
    let titles: Vec<&str> = report.sections().iter().map(Section::title).collect();
    assert_eq!(titles, ["Training run a-forest", "Explanation run b-shap"]);
    // A folder with neither runs nor run files is still an error.
    let empty = tmp.path().join("c-not-a-run");
    let e = Report::from_run_dirs("t", &[&empty])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("c-not-a-run") && e.contains("not a glassbox run folder"),
        "{e}"
    );
}

/// Copies the plain files of `from` into the new folder `to`.
fn copy_run(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

#[test]
fn a_renamed_record_field_is_an_error_naming_the_file_and_the_field() {
    let tmp = tempfile::tempdir().unwrap();
    let good = explain_run(tmp.path(), "good");
    assert!(run_section(&good).is_ok());

    let bad = tmp.path().join("renamed");
    copy_run(&good, &bad);
    let text = std::fs::read_to_string(bad.join("explanation.json")).unwrap();
    std::fs::write(
        bad.join("explanation.json"),
        text.replacen("\"n_rows\"", "\"nrows\"", 1),
    )
    .unwrap();
    let e = err_of(&bad);
    assert!(
        e.contains("renamed") && e.contains("explanation.json"),
        "{e}"
    );
    assert!(e.contains("nrows"), "{e}");

    // A field every run writes, removed: named too, never shown as a blank.
    let missing = tmp.path().join("missing");
    copy_run(&good, &missing);
    std::fs::write(
        missing.join("explanation.json"),
        text.replacen("\"output\":\"Weight (g)\",", "", 1),
    )
    .unwrap();
    let e = err_of(&missing);
    assert!(
        e.contains("explanation.json") && e.contains("missing field `output`"),
        "{e}"
    );

    // The same for a training run's metrics.json.
    let train = train_run(tmp.path(), "rf");
    let metrics = std::fs::read_to_string(train.join("metrics.json")).unwrap();
    std::fs::write(
        train.join("metrics.json"),
        metrics.replacen("\"target\"", "\"target_name\"", 1),
    )
    .unwrap();
    let e = err_of(&train);
    assert!(
        e.contains("metrics.json") && e.contains("target_name"),
        "{e}"
    );
}

#[test]
fn global_runs_are_read_through_their_records() {
    let tmp = tempfile::tempdir().unwrap();
    let pdp = tmp.path().join("pdp");
    std::fs::create_dir(&pdp).unwrap();
    write(
        &pdp,
        "partial_dependence.csv",
        b"feature,grid_value,model_input,average\n",
    );
    write(&pdp, "pdp_00_a.png", TINY_PNG);
    let record = r#"{"method":"pdp","model":"m/model.json","data":"d.csv","n_rows":12,
        "features":["a"],"output":"Weight (g)","grid":20,"ranked":[["a",1.5]]}"#;
    write(&pdp, "partial_dependence.json", record.as_bytes());
    let html = Report::new("t")
        .section(run_section(&pdp).unwrap())
        .render();
    assert!(html.contains("grid points per feature") && !html.contains("computing the curves"));
    write(
        &pdp,
        "partial_dependence.json",
        record.replacen("\"grid\"", "\"grid_points\"", 1).as_bytes(),
    );
    let e = err_of(&pdp);
    assert!(
        e.contains("partial_dependence.json") && e.contains("grid_points"),
        "{e}"
    );

    let perm = tmp.path().join("perm");
    std::fs::create_dir(&perm).unwrap();
    write(&perm, "permutation_importance.png", TINY_PNG);
    write(
        &perm,
        "importance.json",
        br#"{"scoring":"r2","baseline":0.9,"repeat":5,"importances":[["a",0.5,0.1]]}"#,
    );
    let e = err_of(&perm);
    assert!(e.contains("importance.json") && e.contains("repeat"), "{e}");
}
