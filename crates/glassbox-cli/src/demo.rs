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
use glassbox::Model;
use glassbox::data::{IndexCol, RawTable, ReadOptions, read_table};
use glassbox::explain::cam::CamMethod;
use glassbox::image::{
    CnnArch, FolderSelection, ImageExplainSettings, ImageInputs, ImageMethod, ImageModel,
    ImageTrainSettings, LimeSettings, explain_images, test_accuracy, train_cnn,
    write_image_explanation,
};
use glassbox::models::forest::RandomForestParams;
use glassbox::records::image::ImageTrainMetrics;
use glassbox::records::tabular::TrainMetrics;
use glassbox::records::{Timings, read_record};
use glassbox::run_dir::{Staging, final_path};
use glassbox::tabular::{
    self, ExplainSettings, Method, ModelKind, PdpSettings, PermutationSettings, Rows, TableJob,
    TrainSettings, WriteSettings,
};
use glassbox_report::{Note, Report, Section, Table};

use crate::progress::Bars;

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
    /// 100 LIME perturbations, 25-step faithfulness curves.
    #[arg(long)]
    pub quick: bool,
    /// Train the two CNNs instead of using the bundled trained runs (`glassbox image train`'s
    /// defaults: 45 epochs for gap-cnn, 15 for flatten-cnn; with --quick, 1 epoch each).
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

/// The molding column the demo's models predict.
pub const MOLDING_TARGET: &str = "Weight (g)";

/// Seed of every random choice in the demo.
const SEED: u64 = 42;

/// How much work the demo does, full or `--quick`: read by the stages and by the report's
/// settings table, so the page says what ran.
struct Effort {
    /// Trees of the molding forest.
    trees: usize,
    /// Test images per class explained by CAM and Grad-CAM (LIME explains one per class).
    cam_per_class: usize,
    /// LIME perturbations per explained image.
    lime_samples: usize,
    /// Steps of the deletion and insertion curves. Full: 50 steps delete or insert 2% of the
    /// pixels each. Measured on the 12 gap-cnn Grad-CAM maps of the full demo: mean deletion
    /// AUC 0.1293 with 50 steps against 0.1285 with 100, insertion 0.6095 against 0.6097, at
    /// half the network passes (the curves are ~90% of a CAM run's time). `glassbox image
    /// explain` keeps 100 by default.
    curve_steps: usize,
}

impl Effort {
    fn of(quick: bool) -> Self {
        if quick {
            Effort {
                trees: 30,
                cam_per_class: 1,
                lime_samples: 100,
                curve_steps: 25,
            }
        } else {
            Effort {
                trees: TrainSettings::default().forest.n_estimators,
                cam_per_class: 2,
                lime_samples: 500,
                curve_steps: 50,
            }
        }
    }

    /// One line for the report.
    fn describe(&self, quick: bool) -> String {
        format!(
            "{} ({} trees; {} test image{} per class for CAM and Grad-CAM, 1 for LIME with {} \
             perturbations; {}-step faithfulness curves)",
            if quick { "--quick" } else { "full" },
            self.trees,
            self.cam_per_class,
            if self.cam_per_class == 1 { "" } else { "s" },
            self.lime_samples,
            self.curve_steps
        )
    }
}

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

/// The molding table, its target and where it came from.
struct Molding {
    raw: RawTable,
    path: PathBuf,
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
    let staging = crate::output::stage(&args.out, args.force, &[], quiet)?;
    let mut stages = Stages {
        total: 12,
        done: Vec::new(),
        quiet,
    };
    let bars = Bars::new(quiet);
    let path = data.join("molding/ikv_injection_molding.xlsx");
    let options = ReadOptions {
        sheet: None,
        index_col: Some(IndexCol::Position(0)),
        columns: None,
    };
    let molding = Molding {
        raw: read_table(&path, &options)?,
        path,
    };
    let table_runs = molding_stages(&molding, &staging, args.quick, &bars, &mut stages)?;
    let image_runs = image_stages(&neu, &data, &staging, args, &bars, &mut stages)?;
    let report_path = staging.path("report.html");
    stages.run("report", || {
        let overview = overview(
            args,
            &table_runs.forest,
            &table_runs.mlp,
            &image_runs.trained,
        );
        let dirs = table_runs
            .dirs
            .iter()
            .chain(image_runs.trained.iter().map(|(_, dir, _)| dir))
            .chain(&image_runs.explained);
        write_report(&staging, &report_path, overview, dirs)
    })?;
    // Durations go to timings.json alone: every other file is the same for the same command.
    Timings {
        stages: stages.done.clone(),
    }
    .with("total", started.elapsed().as_secs_f64())
    .write(staging.dir())?;

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

/// What the molding stages made: the two training records and every run folder, in report
/// order.
struct TableRuns {
    forest: TrainMetrics,
    mlp: TrainMetrics,
    dirs: Vec<PathBuf>,
}

/// The molding stages: the forest (TreeSHAP, permutation importance, partial dependence) and
/// the MLP (DeepSHAP), each explained on its test rows.
fn molding_stages(
    molding: &Molding,
    staging: &Staging,
    quick: bool,
    bars: &Bars,
    stages: &mut Stages,
) -> Result<TableRuns> {
    let forest_dir = staging.path("molding-forest");
    let forest = stages.run("molding: train the random forest", || {
        train_model(molding, &forest_dir, ModelKind::Forest, quick, bars)
    })?;
    let forest_shap = staging.path("molding-forest-tree-shap");
    stages.run("molding: TreeSHAP for the forest", || {
        explain(molding, &forest_dir, Method::TreeShap, &forest_shap, bars)
    })?;
    let forest_permutation = staging.path("molding-forest-permutation");
    let forest_pdp = staging.path("molding-forest-pdp");
    stages.run(
        "molding: permutation importance and partial dependence for the forest",
        || {
            let permutation = Method::Permutation;
            explain(molding, &forest_dir, permutation, &forest_permutation, bars)?;
            explain(molding, &forest_dir, Method::Pdp, &forest_pdp, bars)
        },
    )?;
    let mlp_dir = staging.path("molding-mlp");
    let mlp = stages.run("molding: train the neural network (MLP)", || {
        train_model(molding, &mlp_dir, ModelKind::Mlp, quick, bars)
    })?;
    let mlp_shap = staging.path("molding-mlp-deep-shap");
    stages.run("molding: DeepSHAP for the MLP", || {
        explain(molding, &mlp_dir, Method::DeepShap, &mlp_shap, bars)
    })?;
    Ok(TableRuns {
        forest,
        mlp,
        dirs: vec![
            forest_dir,
            forest_shap,
            forest_permutation,
            forest_pdp,
            mlp_dir,
            mlp_shap,
        ],
    })
}

/// What the image stages made: each CNN run with its test accuracy, and the explanation runs.
struct ImageRuns {
    trained: Vec<(CnnArch, PathBuf, f64)>,
    explained: Vec<PathBuf>,
}

/// The image stages: both CNNs (bundled or retrained), then CAM, Grad-CAM and LIME runs.
fn image_stages(
    neu: &Path,
    data: &Path,
    staging: &Staging,
    args: &DemoArgs,
    bars: &Bars,
    stages: &mut Stages,
) -> Result<ImageRuns> {
    let mut trained = Vec::new();
    for arch in [CnnArch::GapCnn, CnnArch::FlattenCnn] {
        let name = arch.name();
        let dir = staging.path(&format!("neu-{name}"));
        let accuracy = stages.run(&format!("images: {name}"), || {
            cnn_run(neu, data, arch, &dir, args, bars)
        })?;
        trained.push((arch, dir, accuracy));
    }
    let mut explained = Vec::new();
    for (arch, method) in [
        (CnnArch::GapCnn, ImageMethod::Cam(CamMethod::Cam)),
        (CnnArch::GapCnn, ImageMethod::Cam(CamMethod::GradCam)),
        (CnnArch::FlattenCnn, ImageMethod::Cam(CamMethod::GradCam)),
        (CnnArch::GapCnn, ImageMethod::Lime),
    ] {
        let name = arch.name();
        let model = staging.path(&format!("neu-{name}"));
        let out = staging.path(&format!("neu-{name}-{method}"));
        stages.run(&format!("images: {method} for {name}"), || {
            explain_images_run(neu, &model, method, &out, args.quick, bars)
        })?;
        explained.push(out);
    }
    Ok(ImageRuns { trained, explained })
}

/// Renders the report from the run folders into `path`, naming the folders where they will be
/// once the staging folder is committed.
fn write_report<'a>(
    staging: &Staging,
    path: &Path,
    overview: Section,
    dirs: impl Iterator<Item = &'a PathBuf>,
) -> Result<()> {
    let mut report = Report::new("glassbox demo: explainable AI on process data and images")
        .intro(
            "This page was written by `glassbox demo`. It trains models on two kinds of \
             factory data bundled with glassbox and explains their predictions: an \
             injection-molding process table (predict the part weight from machine and \
             geometry settings) and grayscale images of steel-surface defects (NEU, six \
             defect classes). Each section below is one run folder beside this page; every \
             figure has a short note on what it shows and how to read it.",
        )
        .section(overview);
    for dir in dirs {
        report = report.run_dir(dir)?;
    }
    let staged = staging.dir().display().to_string();
    let final_dir = final_path(staging.dir()).display().to_string();
    let html = report.render().replace(&staged, &final_dir).replace(
        &glassbox_report::escape_html(&staged),
        &glassbox_report::escape_html(&final_dir),
    );
    glassbox::core::atomic::write_atomic(path, html.as_bytes())?;
    Ok(())
}

/// The first section: what ran, the headline numbers and the settings.
fn overview(
    args: &DemoArgs,
    forest: &TrainMetrics,
    mlp: &TrainMetrics,
    image_runs: &[(CnnArch, PathBuf, f64)],
) -> Section {
    let results = results_table(forest, mlp, image_runs);
    let settings = Table::key_value("Settings")
        .row("seed", SEED.to_string())
        .row("mode", Effort::of(args.quick).describe(args.quick))
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
    Section::new("Overview")
        .text(
            "Two models per data set, each explained by the method that fits it: exact TreeSHAP \
             for the forest, DeepSHAP for the neural network, class activation maps for the \
             image classifiers. SHAP values split each prediction into one contribution per \
             input; heat maps show which parts of an image raised the predicted class's score.",
        )
        .table(results)
        .table(settings)
        .note(Note::info(
            "Rebuild this page from the run folders with `glassbox report --run DIR`.",
        ))
}

/// Explains the test rows of a molding run with the library's default settings (what
/// `glassbox explain --rows test` does), into the new folder `out`.
fn explain(molding: &Molding, run: &Path, method: Method, out: &Path, bars: &Bars) -> Result<()> {
    let job = TableJob::new(Model::load(run)?, molding.raw.clone(), None, Rows::Test)?;
    let write = WriteSettings {
        data: molding.path.display().to_string(),
        ..WriteSettings::default()
    };
    std::fs::create_dir(out).with_context(|| format!("cannot create {}", out.display()))?;
    match method {
        Method::Permutation => {
            let settings = PermutationSettings {
                seed: SEED,
                ..PermutationSettings::default()
            };
            job.permutation_importance(None, &settings, bars)?
                .write(out, &write)?;
        }
        Method::Pdp => {
            job.partial_dependence(&PdpSettings::default(), bars)?
                .write(out, &write)?;
        }
        per_row => {
            let settings = ExplainSettings {
                seed: SEED,
                ..ExplainSettings::default()
            };
            job.explain(per_row, &settings, bars)?.write(out, &write)?;
        }
    }
    Ok(())
}

/// Trains a molding model with the library's default settings (`glassbox train`'s), fewer
/// trees with `--quick`, into the new folder `out`.
fn train_model(
    molding: &Molding,
    out: &Path,
    model: ModelKind,
    quick: bool,
    bars: &Bars,
) -> Result<TrainMetrics> {
    let defaults = TrainSettings::default();
    let settings = TrainSettings {
        target: MOLDING_TARGET.into(),
        drop: MOLDING_DROP.iter().map(|s| s.to_string()).collect(),
        model,
        seed: SEED,
        forest: RandomForestParams {
            n_estimators: Effort::of(quick).trees,
            ..defaults.forest.clone()
        },
        ..defaults
    };
    let run = tabular::train(&molding.raw, &settings, bars)?;
    std::fs::create_dir(out).with_context(|| format!("cannot create {}", out.display()))?;
    run.write(out)?;
    Ok(run.metrics)
}

/// Trains a CNN (`--retrain`) or copies the bundled trained run, then returns its test
/// accuracy — recomputed from the weights for a bundled run (and compared with the recorded
/// one, within 1 percentage point), so a stale or damaged bundle is caught rather than reported.
fn cnn_run(
    neu: &Path,
    data: &Path,
    arch: CnnArch,
    out: &Path,
    args: &DemoArgs,
    bars: &Bars,
) -> Result<f64> {
    if args.retrain {
        let settings = ImageTrainSettings {
            arch,
            epochs: args.quick.then_some(1),
            seed: SEED,
            ..ImageTrainSettings::default()
        };
        let training = train_cnn(neu, &settings, bars)?;
        std::fs::create_dir(out).with_context(|| format!("cannot create {}", out.display()))?;
        training.write(out)?;
        return Ok(training.metrics.test_accuracy);
    }
    let bundled = data.join("models").join(format!("neu-{}", arch.name()));
    if !bundled.join("weights.safetensors").is_file() {
        bail!(
            "{}: the bundled trained {} is missing; run the demo with --retrain to train it",
            bundled.display(),
            arch.name()
        );
    }
    copy_dir(&bundled, out)?;
    let recorded: ImageTrainMetrics = read_record(&out.join("metrics.json"))
        .with_context(|| format!("bundled run {}", bundled.display()))?;
    let measured = test_accuracy(&ImageModel::load(out)?, neu, bars)?;
    // Another CPU may round a few products differently (gemm picks its kernels at run time)
    // and flip a borderline image; a damaged or stale bundle moves accuracy by far more.
    if (measured - recorded.test_accuracy).abs() > 0.01 {
        bail!(
            "{}: the bundled weights give {:.2}% test accuracy but metrics.json records {:.2}%; \
             the bundle is stale or damaged (rerun with --retrain)",
            bundled.display(),
            100.0 * measured,
            100.0 * recorded.test_accuracy
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
/// with faithfulness curves, into the new folder `out`.
fn explain_images_run(
    neu: &Path,
    model: &Path,
    method: ImageMethod,
    out: &Path,
    quick: bool,
    bars: &Bars,
) -> Result<()> {
    let lime = method == ImageMethod::Lime;
    let effort = Effort::of(quick);
    let model = ImageModel::load(model)?;
    let selection = FolderSelection {
        per_class: if lime { 1 } else { effort.cam_per_class },
        seed: SEED,
        ..FolderSelection::default()
    };
    let inputs = ImageInputs::from_folder(&model, neu, &selection, false)?;
    let settings = ImageExplainSettings {
        steps: effort.curve_steps,
        randomize_top: if lime { 0 } else { 1 },
        seed: SEED,
        lime: lime.then(|| LimeSettings {
            samples: effort.lime_samples,
            ..LimeSettings::default()
        }),
        ..ImageExplainSettings::default()
    };
    let explanation = explain_images(&model, &inputs, method, &settings, bars)?;
    std::fs::create_dir(out).with_context(|| format!("cannot create {}", out.display()))?;
    write_image_explanation(&explanation, &model, &inputs, out, bars)?;
    Ok(())
}

/// The headline numbers of every model the demo ran.
fn results_table(
    forest: &TrainMetrics,
    mlp: &TrainMetrics,
    image_runs: &[(CnnArch, PathBuf, f64)],
) -> Table {
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
            CnnArch::GapCnn => "CAM, Grad-CAM, LIME",
            CnnArch::FlattenCnn | CnnArch::Imported => "Grad-CAM",
        };
        results = results.cells([
            format!("{} (image classifier)", arch.name()),
            "NEU steel-surface images".into(),
            format!("{:.1}% accuracy on 300 test images", 100.0 * accuracy),
            explained.into(),
        ]);
    }
    results
}
