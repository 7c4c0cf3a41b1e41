//! `glassbox demo`: the whole walk-through on the bundled data, in one output folder with one
//! self-contained `report.html`.
//!
//! Stages: the molding table (random forest + TreeSHAP, permutation importance and partial
//! dependence, MLP + DeepSHAP), then the NEU images (gap-cnn and flatten-cnn, CAM, Grad-CAM and
//! LIME panels with their faithfulness evidence), then the report. The CNNs come from the
//! bundled trained runs in `data/models/` unless `--retrain` is given (training both on 2 cores
//! takes a while; the bundled runs were made by exactly the
//! `glassbox image train` call `--retrain` makes). Every stage writes an ordinary run folder, so
//! `glassbox report --run` can rebuild the page.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Args;
use glassbox::image::ImageMethod;
use glassbox_explain::cam::CamMethod;
use glassbox_report::{Note, Report, Section, Table};

use crate::explain::{ExplainArgs, Method, Rows};
use crate::image::{ArchArg, FolderArgs, ImageTrainArgs};
use crate::output::Staging;
use crate::table_args::TableArgs;
use crate::train::{ForestArgs, MlpArgs, ModelKind, TrainArgs};

/// Arguments of `glassbox demo`.
#[derive(Args, Debug, Clone)]
pub struct DemoArgs {
    /// Output folder (must be absent or empty unless --force).
    #[arg(long, default_value = "glassbox-demo", value_name = "DIR")]
    pub out: PathBuf,
    /// Replace a non-empty output folder.
    #[arg(long)]
    pub force: bool,
    /// Smaller runs for a fast check (what CI runs): 30 trees, one test image per class,
    /// 25-step faithfulness curves.
    #[arg(long)]
    pub quick: bool,
    /// Train the two CNNs instead of using the bundled trained runs (`glassbox image train`'s
    /// defaults: 30 epochs for gap-cnn, 15 for flatten-cnn; with --quick, 1 epoch each).
    #[arg(long)]
    pub retrain: bool,
    /// Folder with the bundled data (default: `data/` in the current folder or beside the binary's
    /// source tree).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

/// The molding columns that identify a part rather than describe it.
pub const MOLDING_DROP: &[&str] = &[
    "MoldNumber",
    "MoldName",
    "BrickType",
    "Variant",
    "Variant_en",
    "RunIndex",
    "SourceOrderRepaired",
];

/// Seed of every random choice in the demo.
const SEED: u64 = 42;

fn find_data_dir(explicit: Option<&Path>) -> Result<PathBuf> {
    if let Some(d) = explicit {
        if d.join("molding").is_dir() {
            return Ok(d.to_path_buf());
        }
        bail!("--data-dir {}: no molding/ folder inside", d.display());
    }
    let candidates = [
        PathBuf::from("data"),
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data")),
    ];
    for c in candidates {
        if c.join("molding").is_dir() {
            return Ok(c);
        }
    }
    bail!(
        "cannot find the bundled data folder (data/molding); run from the glassbox repository or pass --data-dir"
    )
}

/// Times the demo's stages and announces them.
struct Stages {
    total: usize,
    done: Vec<(String, f64)>,
    quiet: bool,
}

impl Stages {
    fn run<T>(&mut self, name: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
        if !self.quiet {
            eprintln!("[{}/{}] {name}", self.done.len() + 1, self.total);
        }
        let started = Instant::now();
        let out = f().with_context(|| format!("demo stage '{name}'"))?;
        self.done
            .push((name.to_string(), started.elapsed().as_secs_f64()));
        Ok(out)
    }
}

/// Runs the demo.
pub fn run(args: &DemoArgs, quiet: bool) -> Result<()> {
    let started = Instant::now();
    let data = find_data_dir(args.data_dir.as_deref())?;
    let neu = data.join("neu");
    if !neu.join("manifest.csv").is_file() {
        bail!(
            "{}: the NEU images (with manifest.csv) are missing from the data folder",
            neu.display()
        );
    }
    let staging = Staging::new(&args.out, args.force)?;
    let mut stages = Stages {
        total: 12,
        done: Vec::new(),
        quiet,
    };
    let molding = data.join("molding/ikv_injection_molding.xlsx");
    let table = TableArgs {
        data: molding.clone(),
        sheet: None,
        index_col: Some("0".into()),
    };

    let forest_dir = staging.path("molding-forest");
    let forest = stages.run("molding: train the random forest", || {
        train_model(&table, &forest_dir, ModelKind::Forest, args.quick, quiet)
    })?;
    let forest_shap = staging.path("molding-forest-tree-shap");
    stages.run("molding: TreeSHAP for the forest", || {
        explain(&table, &forest_dir, Method::TreeShap, &forest_shap, quiet)
    })?;
    let forest_permutation = staging.path("molding-forest-permutation");
    let forest_pdp = staging.path("molding-forest-pdp");
    stages.run(
        "molding: permutation importance and partial dependence for the forest",
        || {
            explain(
                &table,
                &forest_dir,
                Method::Permutation,
                &forest_permutation,
                quiet,
            )?;
            explain(&table, &forest_dir, Method::Pdp, &forest_pdp, quiet)
        },
    )?;
    let mlp_dir = staging.path("molding-mlp");
    let mlp = stages.run("molding: train the neural network (MLP)", || {
        train_model(&table, &mlp_dir, ModelKind::Mlp, args.quick, quiet)
    })?;
    let mlp_shap = staging.path("molding-mlp-deep-shap");
    stages.run("molding: DeepSHAP for the MLP", || {
        explain(&table, &mlp_dir, Method::DeepShap, &mlp_shap, quiet)
    })?;

    let mut image_runs: Vec<(ArchArg, PathBuf, f64)> = Vec::new();
    for arch in [ArchArg::GapCnn, ArchArg::FlattenCnn] {
        let name = arch_name(arch);
        let dir = staging.path(&format!("neu-{name}"));
        let accuracy = stages.run(&format!("images: {name}"), || {
            cnn_run(&neu, &data, arch, &dir, args, quiet)
        })?;
        image_runs.push((arch, dir, accuracy));
    }
    let mut cam_runs = Vec::new();
    for (arch, method) in [
        (ArchArg::GapCnn, ImageMethod::Cam(CamMethod::Cam)),
        (ArchArg::GapCnn, ImageMethod::Cam(CamMethod::GradCam)),
        (ArchArg::FlattenCnn, ImageMethod::Cam(CamMethod::GradCam)),
        (ArchArg::GapCnn, ImageMethod::Lime),
    ] {
        let name = arch_name(arch);
        let model = staging.path(&format!("neu-{name}"));
        let out = staging.path(&format!("neu-{name}-{method}"));
        stages.run(&format!("images: {method} for {name}"), || {
            explain_images(&neu, &model, method, &out, args.quick, quiet)
        })?;
        cam_runs.push(out);
    }

    let report_path = staging.path("report.html");
    let done = stages.done.clone();
    stages.run("report", || {
        let mut report = Report::new("glassbox demo: explainable AI on process data and images")
            .intro(
                "This page was written by `glassbox demo`. It trains models on two kinds of \
                 factory data bundled with glassbox and explains their predictions: an \
                 injection-molding process table (predict the part weight from machine and \
                 geometry settings) and grayscale images of steel-surface defects (NEU, six \
                 defect classes). Each section below is one run folder beside this page; every \
                 figure has a short note on what it shows and how to read it.",
            )
            .section(overview(
                args,
                &forest,
                &mlp,
                &image_runs,
                started.elapsed().as_secs_f64(),
                &done,
            ));
        for dir in [
            &forest_dir,
            &forest_shap,
            &forest_permutation,
            &forest_pdp,
            &mlp_dir,
            &mlp_shap,
        ] {
            report = report.run_dir(dir)?;
        }
        for (_, dir, _) in &image_runs {
            report = report.run_dir(dir)?;
        }
        for dir in &cam_runs {
            report = report.run_dir(dir)?;
        }
        // The page is built inside the staging folder; name the folders where they will be.
        let staged = staging.path("").display().to_string();
        let staged = staged.trim_end_matches('/');
        let final_dir = crate::output::final_path(Path::new(staged))
            .display()
            .to_string();
        let html = report.render().replace(staged, &final_dir).replace(
            &glassbox_report::escape_html(staged),
            &glassbox_report::escape_html(&final_dir),
        );
        glassbox_core::atomic::write_atomic(&report_path, html.as_bytes())?;
        Ok(())
    })?;

    let dir = staging.commit()?;
    if !quiet {
        eprintln!(
            "demo finished in {:.1} s -> {} (open {})",
            started.elapsed().as_secs_f64(),
            dir.display(),
            dir.join("report.html").display()
        );
    }
    Ok(())
}

fn arch_name(arch: ArchArg) -> &'static str {
    match arch {
        ArchArg::GapCnn => "gap-cnn",
        ArchArg::FlattenCnn => "flatten-cnn",
    }
}

/// The first section: what ran, the headline numbers, settings and timings.
fn overview(
    args: &DemoArgs,
    forest: &crate::train::Metrics,
    mlp: &crate::train::Metrics,
    image_runs: &[(ArchArg, PathBuf, f64)],
    seconds: f64,
    stages: &[(String, f64)],
) -> Section {
    let mut results = Table::grid(
        "Results",
        ["model", "data", "held-out quality", "explained with"],
    )
    .cells([
        "random forest (regression)".to_string(),
        "molding table".into(),
        format!(
            "R² {:.5}, RMSE {:.2} g on {} test parts",
            forest.test.r2, forest.test.rmse, forest.test.n
        ),
        "TreeSHAP (exact), permutation importance, partial dependence".into(),
    ])
    .cells([
        "neural network, MLP (regression)".to_string(),
        "molding table".into(),
        format!(
            "R² {:.5}, RMSE {:.2} g on {} test parts",
            mlp.test.r2, mlp.test.rmse, mlp.test.n
        ),
        "DeepSHAP".into(),
    ]);
    for (arch, _, accuracy) in image_runs {
        let explained = match arch {
            ArchArg::GapCnn => "CAM, Grad-CAM, LIME",
            ArchArg::FlattenCnn => "Grad-CAM",
        };
        results = results.cells([
            format!("{} (image classifier)", arch_name(*arch)),
            "NEU steel-surface images".into(),
            format!("{:.1}% accuracy on 300 test images", 100.0 * accuracy),
            explained.into(),
        ]);
    }
    let settings = Table::key_value("Settings")
        .row("seed", SEED.to_string())
        .row(
            "mode",
            if args.quick {
                "--quick (30 trees, 1 test image per class, 25-step faithfulness curves)"
            } else {
                "full (100 trees, 2 test images per class, 100-step faithfulness curves)"
            },
        )
        .row(
            "CNNs",
            if args.retrain {
                "trained by this run (--retrain)"
            } else {
                "bundled trained runs from data/models (made by `glassbox image train`, re-checked \
                 on the test images here)"
            },
        )
        .row("molding split", "70% train / 30% test, seeded")
        .row(
            "NEU split",
            "manifest: images 1–250 of each class train, 251–300 test",
        );
    let mut timings = Table::key_value("Timings");
    for (name, s) in stages {
        timings = timings.row(name.clone(), format!("{s:.1} s"));
    }
    timings = timings.row("total so far", format!("{seconds:.1} s"));
    Section::new("Overview")
        .text(
            "Two models per data set, each explained by the method that fits it: exact TreeSHAP \
             for the forest, DeepSHAP for the neural network, class activation maps for the \
             image classifiers. SHAP values split each prediction into one contribution per \
             input; heat maps show which parts of an image raised the predicted class's score.",
        )
        .table(results)
        .table(settings)
        .table(timings)
        .note(Note::info(
            "Rebuild this page from the run folders with `glassbox report --run DIR`.",
        ))
}

/// Explains the test rows of a molding run.
fn explain(table: &TableArgs, run: &Path, method: Method, out: &Path, quiet: bool) -> Result<()> {
    crate::explain::run(
        &ExplainArgs {
            model: run.to_path_buf(),
            model_format: crate::explain::ModelFormat::Auto,
            target: None,
            background: 100,
            seed: SEED,
            output: crate::explain::OutputArg::Margin,
            probability_method: crate::explain::ProbabilityArg::Exact,
            steps: 50,
            gradient_samples: 200,
            table: table.clone(),
            method,
            out: out.to_path_buf(),
            force: false,
            max_display: 12,
            row: 0,
            rows: Rows::Test,
            nsamples: None,
            background_kmeans: None,
            background_data: None,
            lime_samples: 5000,
            lime_mode: crate::explain::LimeModeArg::Quartile,
            repeats: 5,
            scoring: crate::explain::ScoringArg::Auto,
            grid: 20,
        },
        quiet,
    )?;
    Ok(())
}

fn train_model(
    table: &TableArgs,
    out: &Path,
    model: ModelKind,
    quick: bool,
    quiet: bool,
) -> Result<crate::train::Metrics> {
    let (_, metrics) = crate::train::run(
        &TrainArgs {
            table: table.clone(),
            target: "Weight (g)".into(),
            drop: MOLDING_DROP.iter().map(|s| s.to_string()).collect(),
            model,
            seed: SEED,
            test_fraction: 0.3,
            out: out.to_path_buf(),
            force: false,
            forest: ForestArgs {
                n_trees: if quick { 30 } else { 100 },
                max_depth: None,
                min_samples_split: 2,
                min_samples_leaf: 1,
                max_features: "all".into(),
            },
            mlp: MlpArgs {
                hidden: "10,10,10,10,10".into(),
                epochs: 50,
                batch_size: 32,
                lr: 1e-3,
            },
        },
        quiet,
    )?;
    Ok(metrics)
}

/// Trains a CNN (`--retrain`) or copies the bundled trained run, then returns its test
/// accuracy — recomputed from the weights for a bundled run (and compared with the recorded
/// one, within 1 percentage point), so a stale or damaged bundle is caught rather than reported.
fn cnn_run(
    neu: &Path,
    data: &Path,
    arch: ArchArg,
    out: &Path,
    args: &DemoArgs,
    quiet: bool,
) -> Result<f64> {
    if args.retrain {
        let (_, metrics) = crate::image::train(
            &ImageTrainArgs {
                data: neu.to_path_buf(),
                arch,
                epochs: args.quick.then_some(1),
                lr_schedule: crate::image::ScheduleArg::Cosine,
                augment: crate::image::AugmentArg::None,
                batch_size: 32,
                lr: 1e-3,
                seed: SEED,
                resize: None,
                folder: FolderArgs {
                    test_fraction: 0.2,
                    ignore_manifest: false,
                },
                out: out.to_path_buf(),
                force: false,
            },
            quiet,
        )?;
        return Ok(metrics.test_accuracy);
    }
    let bundled = data.join("models").join(format!("neu-{}", arch_name(arch)));
    if !bundled.join("weights.safetensors").is_file() {
        bail!(
            "{}: the bundled trained {} is missing; run the demo with --retrain to train it",
            bundled.display(),
            arch_name(arch)
        );
    }
    copy_dir(&bundled, out)?;
    let recorded: serde_json::Value = serde_json::from_slice(
        &std::fs::read(out.join("metrics.json"))
            .with_context(|| format!("{}: metrics.json", bundled.display()))?,
    )
    .with_context(|| format!("{}/metrics.json is not valid JSON", bundled.display()))?;
    let recorded = recorded["test_accuracy"]
        .as_f64()
        .with_context(|| format!("{}/metrics.json has no test_accuracy", bundled.display()))?;
    let measured = crate::image::test_accuracy(out, neu, quiet)?;
    // Another CPU may round a few products differently (gemm picks its kernels at run time)
    // and flip a borderline image; a damaged or stale bundle moves accuracy by far more.
    if (measured - recorded).abs() > 0.01 {
        bail!(
            "{}: the bundled weights give {:.2}% test accuracy but metrics.json records {:.2}%; \
             the bundle is stale or damaged (rerun with --retrain)",
            bundled.display(),
            100.0 * measured,
            100.0 * recorded
        );
    }
    Ok(measured)
}

/// Copies the plain files of `from` (recursively) into the new folder `to`.
fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))?;
    let mut entries: Vec<_> = std::fs::read_dir(from)
        .with_context(|| format!("cannot read {}", from.display()))?
        .collect::<std::io::Result<_>>()
        .with_context(|| format!("cannot read {}", from.display()))?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let (src, dst) = (e.path(), to.join(e.file_name()));
        if src.is_dir() {
            copy_dir(&src, &dst)?;
        } else {
            std::fs::copy(&src, &dst)
                .with_context(|| format!("cannot copy {} to {}", src.display(), dst.display()))?;
        }
    }
    Ok(())
}

/// CAM-family maps (test images of every class) or LIME weights (one test image per class,
/// fewer perturbations, no randomisation check: LIME costs a network pass per perturbation),
/// with faithfulness curves.
fn explain_images(
    neu: &Path,
    model: &Path,
    method: ImageMethod,
    out: &Path,
    quick: bool,
    quiet: bool,
) -> Result<()> {
    let lime = method == ImageMethod::Lime;
    crate::image_explain::run(
        &crate::image_explain::ExplainArgs {
            model: model.to_path_buf(),
            method,
            images: Vec::new(),
            data: Some(neu.to_path_buf()),
            per_class: if quick || lime { 1 } else { 2 },
            layer: None,
            class: None,
            alpha: 0.5,
            resize: false,
            steps: if quick { 25 } else { 100 },
            randomize_top: if lime { 0 } else { 1 },
            seed: SEED,
            folder: FolderArgs {
                test_fraction: 0.2,
                ignore_manifest: false,
            },
            lime: crate::image_explain_lime::LimeArgs {
                lime_samples: lime.then_some(if quick { 100 } else { 500 }),
                ..Default::default()
            },
            out: out.to_path_buf(),
            force: false,
        },
        quiet,
    )?;
    Ok(())
}
