//! Subcommands and their arguments.

mod args;
mod compare;
mod error;
mod explain;
mod import;
mod merge;
mod output;
mod plan;
mod progress;
mod report;
mod run;
mod sweep;
mod validate;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use args::{OutArg, QuietArg, ScenarioArgs};
use clustersim::scenario::{load_scenario_with_overrides, Override, ValidScenario};
pub use error::CliError;

/// Deterministic discrete-event simulator of large Kubernetes clusters for capacity planning.
#[derive(Parser, Debug)]
#[command(name = "clustersim", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a scenario and write a results directory (with the effective scenario,
    /// `scenario.yaml`). Exit code 3 when an SLO of the scenario's `slo:` section fails.
    Run(run::RunArgs),
    /// Check a scenario and print what it describes.
    Validate(ScenarioArgs),
    /// Show why a workload's pod is pending, or how the scheduler would place its next pod.
    Explain(explain::ExplainArgs),
    /// Draw charts and write report.html / report.md into a results directory.
    Report {
        /// Results directory written by `clustersim run`.
        dir: PathBuf,
        /// Judge against the `slo:` section of this scenario file instead of the run's slo.json.
        #[arg(long, value_name = "SCENARIO")]
        slo: Option<PathBuf>,
        #[command(flatten)]
        quiet: QuietArg,
    },
    /// Compare a baseline and a variant: figures with deltas, overlay charts, SLO verdicts.
    ///
    /// Each side is a results directory or a directory of per-seed results directories; runs
    /// are paired by seed (mean difference with a 95 % interval when there are several).
    #[command(mut_arg("out", |a| {
        a.help("Output directory (default `results/compare-<baseline>-vs-<variant>`)")
    }))]
    Compare {
        /// <BASELINE> <VARIANT> results directories (or use --baseline/--variant).
        #[arg(value_name = "DIR", num_args = 0..=2)]
        runs: Vec<PathBuf>,
        /// Baseline results directories (several: one per seed).
        #[arg(long, value_name = "DIR", num_args = 1..)]
        baseline: Vec<PathBuf>,
        /// Variant results directories (several: one per seed).
        #[arg(long, value_name = "DIR", num_args = 1..)]
        variant: Vec<PathBuf>,
        #[command(flatten)]
        out: OutArg,
        /// Judge both sides against the `slo:` section of this scenario file.
        #[arg(long, value_name = "SCENARIO")]
        slo: Option<PathBuf>,
        #[command(flatten)]
        quiet: QuietArg,
    },
    /// Run a sweep: a base scenario over a grid of overrides, each point with several seeds, in
    /// parallel; writes one results directory per run, `sweep.csv` and charts.
    Sweep(sweep::SweepArgs),
    /// Join the shards of a sweep (directories holding `shard-K-of-N.json`, or the files) into
    /// the `sweep.csv` an unsharded sweep writes.
    Merge(merge::MergeArgs),
    /// Find the smallest value of a scenario path (e.g. a node pool's count) that meets the SLOs
    /// in every case, by bisection with replications.
    Plan(plan::PlanArgs),
    /// Write a scenario from rendered manifests, a kubectl snapshot or a public trace.
    Import {
        #[command(subcommand)]
        what: import::ImportCommand,
    },
}

/// Runs one parsed command line.
pub fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Run(a) => run::run(a),
        Command::Validate(a) => validate::validate(&a.scenario, &a.set),
        Command::Explain(a) => explain::explain(a),
        Command::Sweep(a) => sweep::sweep(a),
        Command::Merge(a) => merge::merge(a),
        Command::Import { what } => import::import(what),
        Command::Plan(a) => plan::plan(a),
        Command::Report { dir, slo, quiet } => report::report(report::ReportArgs {
            dir,
            slo,
            quiet: quiet.quiet,
        }),
        Command::Compare {
            runs,
            baseline,
            variant,
            out,
            slo,
            quiet,
        } => compare::compare(compare::CompareArgs {
            runs,
            baseline,
            variant,
            out: out.out,
            slo,
            quiet: quiet.quiet,
        }),
    }
}

/// Loads and validates a scenario file with overrides; errors are bad input (exit 2).
fn load(path: &std::path::Path, overrides: &[Override]) -> Result<ValidScenario, CliError> {
    load_scenario_with_overrides(path, overrides).map_err(|e| CliError::input_lines(e.to_string()))
}
