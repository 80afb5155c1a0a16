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

use args::{JobsArg, OutArg, QuietArg, ScenarioArgs};
use clustersim::scenario::{load_scenario_with_overrides, Override, ScenarioFile};
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
    Plan {
        #[command(flatten)]
        input: ScenarioArgs,
        /// The integer scenario path to vary, e.g. `cluster.nodePools[general].count`.
        #[arg(long, value_name = "PATH")]
        vary: String,
        /// Smallest value searched.
        #[arg(long, allow_negative_numbers = true)]
        min: i64,
        /// Largest value searched (must meet the SLOs).
        #[arg(long, allow_negative_numbers = true)]
        max: i64,
        /// Resolution: values searched are min + k·step.
        #[arg(long, default_value_t = 1)]
        step: i64,
        /// SLO to meet (repeatable): a key of the scenario's `slo:` section (e.g.
        /// `maxUnschedulableAtEnd`) or an inline threshold such as `podsPendingAtEnd<=0`.
        #[arg(long, required = true, value_name = "NAME|METRIC<=N")]
        slo: Vec<String>,
        /// Confidence of the one-sided bound of the mean over seeds.
        #[arg(long, default_value_t = 0.95)]
        confidence: f64,
        /// Replications (seeds) per case and value.
        #[arg(long, default_value_t = 3)]
        seeds: u64,
        /// First seed (default: the scenario's `simulation.seed`).
        #[arg(long)]
        seed: Option<u64>,
        /// Cases every value must pass: `PATH=[v1, v2]` (repeatable; cartesian product).
        #[arg(long, value_name = "PATH=[V1, V2]")]
        across: Vec<Override>,
        /// Survive the loss of any one `zone` or `rack`: every case runs once per zone (rack)
        /// with a `zoneOutage` (`rackFailure`) fault `n-plus-<name>` added to the scenario's
        /// faults, and a value passes only if the SLOs hold in every variant.
        #[arg(long, value_name = "zone|rack")]
        n_plus: Option<String>,
        /// With --n-plus: when the zone or rack is lost (default: the time of peak pod demand,
        /// Pending + Running, in one run at --max with the first seed).
        #[arg(long, value_name = "DURATION")]
        fault_at: Option<String>,
        /// With --n-plus: how long it stays lost (default: to the end of the run).
        #[arg(long, value_name = "DURATION")]
        fault_duration: Option<String>,
        #[command(flatten)]
        jobs: JobsArg,
        #[command(flatten)]
        quiet: QuietArg,
    },
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
        Command::Plan {
            input,
            vary,
            min,
            max,
            step,
            slo,
            confidence,
            seeds,
            seed,
            across,
            n_plus,
            fault_at,
            fault_duration,
            jobs,
            quiet,
        } => plan::plan(plan::PlanArgs {
            scenario: input.scenario,
            vary,
            min,
            max,
            step,
            slo,
            confidence,
            seeds,
            seed,
            across,
            set: input.set,
            n_plus,
            fault_at,
            fault_duration,
            jobs: jobs.jobs,
            quiet: quiet.quiet,
        }),
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
fn load(path: &std::path::Path, overrides: &[Override]) -> Result<ScenarioFile, CliError> {
    load_scenario_with_overrides(path, overrides).map_err(|e| CliError::input_lines(e.to_string()))
}
