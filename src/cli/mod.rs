//! Subcommands and their arguments.

mod compare;
mod error;
mod explain;
mod report;
mod run;
mod validate;

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use clustersim::scenario::{load_scenario_with_overrides, Override, ScenarioFile};
pub use error::CliError;

/// Deterministic discrete-event simulator of large Kubernetes clusters for capacity planning.
#[derive(Parser, Debug)]
#[command(name = "clustersim", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Which pod events go into `events.csv`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum EventsArg {
    /// No event log.
    None,
    /// Unschedulable, preempted and failed pods only.
    Failures,
    /// Every pod event.
    All,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a scenario and write a results directory.
    Run {
        /// Scenario file (YAML).
        scenario: PathBuf,
        /// Master seed (overrides `simulation.seed`).
        #[arg(long)]
        seed: Option<u64>,
        /// Results directory (default `results/<name>-<seed>`).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Override a scenario field, e.g. `--set workloads[web].replicas=500` (repeatable).
        #[arg(long = "set", value_name = "PATH=VALUE")]
        set: Vec<Override>,
        /// Which pod events to log in `events.csv`.
        #[arg(long, value_enum, default_value = "all")]
        events: EventsArg,
        /// No progress bar and no closing line.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Check a scenario and print what it describes.
    Validate {
        /// Scenario file (YAML).
        scenario: PathBuf,
        /// Override a scenario field (repeatable).
        #[arg(long = "set", value_name = "PATH=VALUE")]
        set: Vec<Override>,
    },
    /// Show how the scheduler would place the next pod of a workload.
    Explain {
        /// Scenario file (YAML).
        scenario: PathBuf,
        /// Workload whose next pod is explained.
        #[arg(long)]
        workload: String,
        /// Simulated time at which to look (e.g. `30m`); default 0 (after the initial pods).
        #[arg(long, default_value = "0s")]
        at: String,
        /// Examine every node (no `percentageOfNodesToScore` sampling).
        #[arg(long)]
        all_nodes: bool,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// Master seed (overrides `simulation.seed`).
        #[arg(long)]
        seed: Option<u64>,
        /// Override a scenario field (repeatable).
        #[arg(long = "set", value_name = "PATH=VALUE")]
        set: Vec<Override>,
    },
    /// Draw charts and write report.html / report.md into a results directory.
    Report {
        /// Results directory written by `clustersim run`.
        dir: PathBuf,
        /// Judge against the `slo:` section of this scenario file instead of the run's slo.json.
        #[arg(long, value_name = "SCENARIO")]
        slo: Option<PathBuf>,
        /// No closing line.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Compare a baseline and a variant: figures with deltas, overlay charts, SLO verdicts.
    ///
    /// Each side is a results directory or a directory of per-seed results directories; runs
    /// are paired by seed (mean difference with a 95 % interval when there are several).
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
        /// Output directory (default `results/compare-<baseline>-vs-<variant>`).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Judge both sides against the `slo:` section of this scenario file.
        #[arg(long, value_name = "SCENARIO")]
        slo: Option<PathBuf>,
        /// No closing line.
        #[arg(long, short)]
        quiet: bool,
    },
}

/// Runs one parsed command line.
pub fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Run {
            scenario,
            seed,
            out,
            set,
            events,
            quiet,
        } => run::run(run::RunArgs {
            scenario,
            seed,
            out,
            overrides: set,
            events,
            quiet,
        }),
        Command::Validate { scenario, set } => validate::validate(&scenario, &set),
        Command::Explain {
            scenario,
            workload,
            at,
            all_nodes,
            json,
            seed,
            set,
        } => explain::explain(explain::ExplainArgs {
            scenario,
            workload,
            at,
            all_nodes,
            json,
            seed,
            overrides: set,
        }),
        Command::Report { dir, slo, quiet } => {
            report::report(report::ReportArgs { dir, slo, quiet })
        }
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
            out,
            slo,
            quiet,
        }),
    }
}

/// Loads and validates a scenario file with overrides; errors are bad input (exit 2).
fn load(path: &std::path::Path, overrides: &[Override]) -> Result<ScenarioFile, CliError> {
    load_scenario_with_overrides(path, overrides).map_err(|e| CliError::input(e.to_string()))
}
