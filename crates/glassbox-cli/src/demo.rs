//! `glassbox demo`: the walk-through on the bundled data, in one output folder.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Result, bail};
use clap::Args;

use crate::explain::{ExplainArgs, Method, Rows};
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
    /// Smaller models for a fast check (what CI runs).
    #[arg(long)]
    pub quick: bool,
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

/// Runs the demo.
pub fn run(args: &DemoArgs, quiet: bool) -> Result<()> {
    let started = Instant::now();
    let data = find_data_dir(args.data_dir.as_deref())?;
    let staging = Staging::new(&args.out, args.force)?;
    let molding = data.join("molding/ikv_injection_molding.xlsx");
    let table = TableArgs {
        data: molding.clone(),
        sheet: None,
        index_col: Some("0".into()),
    };
    let forest_dir = staging.path("molding-forest");
    train_model(&table, &forest_dir, ModelKind::Forest, args.quick, quiet)?;
    explain(
        &table,
        &forest_dir,
        Method::TreeShap,
        &staging.path("molding-forest-tree-shap"),
        quiet,
    )?;
    let mlp_dir = staging.path("molding-mlp");
    train_model(&table, &mlp_dir, ModelKind::Mlp, args.quick, quiet)?;
    explain(
        &table,
        &mlp_dir,
        Method::DeepShap,
        &staging.path("molding-mlp-deep-shap"),
        quiet,
    )?;
    let dir = staging.commit()?;
    if !quiet {
        eprintln!(
            "demo finished in {:.1} s -> {}",
            started.elapsed().as_secs_f64(),
            dir.display()
        );
    }
    Ok(())
}

/// Explains the test rows of a molding run.
fn explain(table: &TableArgs, run: &Path, method: Method, out: &Path, quiet: bool) -> Result<()> {
    crate::explain::run(
        &ExplainArgs {
            model: run.to_path_buf(),
            model_format: crate::explain::ModelFormat::Auto,
            target: None,
            background: 100,
            seed: 42,
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
) -> Result<()> {
    crate::train::run(
        &TrainArgs {
            table: table.clone(),
            target: "Weight (g)".into(),
            drop: MOLDING_DROP.iter().map(|s| s.to_string()).collect(),
            model,
            seed: 42,
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
    Ok(())
}
