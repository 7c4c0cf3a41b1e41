//! `glassbox report`: run folders -> one self-contained `report.html`.
//!
//! The page is rendered completely in memory before anything is created, so a bad run folder
//! leaves nothing behind; the file itself is written atomically (temp file + rename).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Args;
use glassbox_report::Report;

/// Arguments of `glassbox report`.
#[derive(Args, Debug, Clone)]
pub struct ReportArgs {
    /// Run folders written by `glassbox train` or `glassbox explain`, shown in this order.
    #[arg(long = "run", value_name = "DIR", required = true, num_args = 1..)]
    pub runs: Vec<PathBuf>,
    /// Output: an `.html` file, or a folder that receives `report.html` (a folder must be absent
    /// or empty unless --force).
    #[arg(long, value_name = "FILE_OR_DIR")]
    pub out: PathBuf,
    /// Replace an existing report file; write into a non-empty folder (only `report.html` there
    /// is replaced, other files are kept).
    #[arg(long)]
    pub force: bool,
    /// Page title.
    #[arg(long, default_value = "glassbox report")]
    pub title: String,
}

/// Where the report goes: the file, and the folder to create for it (if absent).
fn resolve_out(out: &Path, force: bool) -> Result<(PathBuf, Option<PathBuf>)> {
    let is_html = out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm"));
    if out.is_dir() {
        let non_empty = std::fs::read_dir(out)
            .with_context(|| format!("cannot read output folder {}", out.display()))?
            .next()
            .is_some();
        if non_empty && !force {
            bail!(
                "output folder {} exists and is not empty; choose another --out or pass --force to write report.html into it",
                out.display()
            );
        }
        return Ok((out.join("report.html"), None));
    }
    if is_html {
        if out.exists() && !force {
            bail!(
                "output file {} exists; choose another --out or pass --force to replace it",
                out.display()
            );
        }
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let create = (!parent.exists()).then_some(parent);
        return Ok((out.to_path_buf(), create));
    }
    if out.exists() {
        bail!(
            "output path {} exists and is neither a folder nor an .html file",
            out.display()
        );
    }
    Ok((out.join("report.html"), Some(out.to_path_buf())))
}

/// Runs `report`; returns the path of the written page.
pub fn run(args: &ReportArgs, quiet: bool) -> Result<PathBuf> {
    let (file, create) = resolve_out(&args.out, args.force)?;
    // Read every run and render before touching the output, so bad input writes nothing.
    let report = Report::from_run_dirs(&args.title, &args.runs)?.footer(format!(
        "Runs: {}",
        args.runs
            .iter()
            .map(|r| r.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let n_sections = report.sections().len();
    // The folders this command creates, deepest first, to take back if writing fails.
    let created: Vec<PathBuf> = create
        .iter()
        .flat_map(|d| d.ancestors())
        .take_while(|a| !a.as_os_str().is_empty() && !a.exists())
        .map(Path::to_path_buf)
        .collect();
    if let Some(dir) = &create {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create output folder {}", dir.display()))?;
    }
    if let Err(e) = report.write(&file) {
        for dir in &created {
            // remove_dir only removes empty folders, so nothing else can be lost here.
            let _ = std::fs::remove_dir(dir);
        }
        return Err(anyhow::anyhow!("{e}; nothing was written"));
    }
    if !quiet {
        eprintln!(
            "report of {n_sections} run{} -> {}",
            if n_sections == 1 { "" } else { "s" },
            file.display()
        );
    }
    Ok(file)
}
