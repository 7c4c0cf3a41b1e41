//! The `glassbox` command-line tool: thin glue from arguments to the glassbox libraries.
//!
//! Commands: `train` (table -> model), `explain` (model + table -> attributions and plots),
//! `demo` (the whole walk-through on the bundled data), `image train` / `image explain` (CNNs on
//! image folders, CAM heat maps). Errors are printed as one line and the
//! exit code is non-zero; output folders are written all-or-nothing (see [`output`]).

mod demo;
mod explain;
mod explain_agnostic;
mod image;
mod image_explain;
mod image_explain_lime;
mod output;
mod plot;
mod progress;
mod report;
mod table_args;
mod train;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

/// glassbox: explainable AI for tables and images, in one native binary.
#[derive(Parser, Debug)]
#[command(name = "glassbox", version, about, long_about = None)]
struct Cli {
    /// Hide progress bars.
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Train a model on a table (CSV or XLSX): split, scale, fit, report metrics and a plot.
    Train(train::TrainArgs),
    /// Explain a model's predictions on a table: SHAP values (CSV) and SHAP plots.
    Explain(explain::ExplainArgs),
    /// Run the whole walk-through on the bundled data and write every result to one folder.
    Demo(demo::DemoArgs),
    /// Images: train a CNN on an image folder, or explain it with CAM heat maps.
    Image(image::ImageArgs),
    /// Build one self-contained report.html from run folders (train / explain outputs).
    Report(report::ReportArgs),
    /// Redraw a figure of an explain run from its saved explanation (no recomputation).
    Plot(plot::PlotArgs),
}

/// The argument ids the user typed (not defaulted) in the subcommand that runs: the innermost
/// one (`train`, `explain`, `image train`, `image explain`, ...).
fn typed_ids(matches: &clap::ArgMatches) -> Vec<&str> {
    let mut m = matches;
    while let Some((_, sub)) = m.subcommand() {
        m = sub;
    }
    m.ids()
        .map(|id| id.as_str())
        .filter(|id| m.value_source(id) == Some(clap::parser::ValueSource::CommandLine))
        .collect()
}

/// `cmd` and its subcommands with negative numbers accepted as values of every option that takes
/// one, so that `--lr -1` or `--seed -1` reach the option's own check and its error names the
/// option (instead of clap's "unexpected argument '-1'").
fn negative_values_reach_their_option(cmd: clap::Command) -> clap::Command {
    cmd.mut_args(|a| {
        if a.get_num_args().is_some_and(|n| n.takes_values()) || a.get_action().takes_values() {
            a.allow_negative_numbers(true)
        } else {
            a
        }
    })
    .mut_subcommands(negative_values_reach_their_option)
}

fn main() -> ExitCode {
    let matches = negative_values_reach_their_option(Cli::command()).get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let typed = typed_ids(&matches);
    output::clean_up_on_interrupt();
    let result = match &cli.command {
        Command::Train(args) => {
            train::run_given(args, &train::given_settings(&typed), cli.quiet).map(|_| ())
        }
        Command::Explain(args) => {
            explain::run_given(args, &explain::given_settings(&typed), cli.quiet).map(|_| ())
        }
        Command::Demo(args) => demo::run(args, cli.quiet),
        Command::Image(args) => image::run_given(args, &typed, cli.quiet),
        Command::Report(args) => report::run(args, cli.quiet).map(|_| ()),
        Command::Plot(args) => plot::run(args, cli.quiet).map(|_| ()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line: the context chain joined by ": ".
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
