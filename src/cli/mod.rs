//! Subcommands and their arguments.

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
    /// Run a scenario and write a results directory (with the effective scenario,
    /// `scenario.yaml`). Exit code 3 when an SLO of the scenario's `slo:` section fails.
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
        /// No warnings, no progress (bar, or lines every 10 s when stderr is not a terminal)
        /// and no closing line.
        #[arg(long, short)]
        quiet: bool,
        /// Also write charts and `report.html` / `report.md` into the results directory.
        #[arg(long)]
        report: bool,
    },
    /// Check a scenario and print what it describes.
    Validate {
        /// Scenario file (YAML).
        scenario: PathBuf,
        /// Override a scenario field (repeatable).
        #[arg(long = "set", value_name = "PATH=VALUE")]
        set: Vec<Override>,
    },
    /// Show why a workload's pod is pending, or how the scheduler would place its next pod.
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
    /// Run a sweep: a base scenario over a grid of overrides, each point with several seeds, in
    /// parallel; writes one results directory per run, `sweep.csv` and charts.
    Sweep {
        /// Sweep file (YAML).
        sweep: PathBuf,
        /// Results directory (default `results/<sweep name>`).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Run only shard K of N (`K/N`, K from 1), or `auto` in a Kubernetes Indexed Job
        /// (K from `JOB_COMPLETION_INDEX`, N from `auto/N` or `CLUSTERSIM_SHARDS`).
        #[arg(long, value_name = "K/N|auto")]
        shard: Option<String>,
        /// Worker threads (default: all cores, or `RAYON_NUM_THREADS`).
        #[arg(long, short)]
        jobs: Option<usize>,
        /// Check every point's scenario and print the grid and the number of runs; run nothing.
        #[arg(long)]
        dry_run: bool,
        /// No progress bar and no closing line.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Join the shards of a sweep (directories holding `shard-K-of-N.json`, or the files) into
    /// the `sweep.csv` an unsharded sweep writes.
    Merge {
        /// Shard directories or manifest files.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// Where to write `sweep.csv`, `runs.csv` and `charts/` (default: the first input).
        #[arg(long)]
        out: Option<PathBuf>,
        /// No closing line.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Find the smallest value of a scenario path (e.g. a node pool's count) that meets the SLOs
    /// in every case, by bisection with replications.
    Plan {
        /// Scenario file (YAML).
        scenario: PathBuf,
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
        /// Override a scenario field (repeatable).
        #[arg(long = "set", value_name = "PATH=VALUE")]
        set: Vec<Override>,
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
        /// Worker threads (default: all cores, or `RAYON_NUM_THREADS`).
        #[arg(long, short)]
        jobs: Option<usize>,
        /// No progress bar.
        #[arg(long, short)]
        quiet: bool,
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
        Command::Import { what } => import::import(what),
        Command::Sweep {
            sweep,
            out,
            shard,
            jobs,
            dry_run,
            quiet,
        } => sweep::sweep(sweep::SweepArgs {
            sweep,
            out,
            shard,
            jobs,
            dry_run,
            quiet,
        }),
        Command::Merge { inputs, out, quiet } => {
            merge::merge(merge::MergeArgs { inputs, out, quiet })
        }
        Command::Plan {
            scenario,
            vary,
            min,
            max,
            step,
            slo,
            confidence,
            seeds,
            seed,
            across,
            set,
            n_plus,
            fault_at,
            fault_duration,
            jobs,
            quiet,
        } => plan::plan(plan::PlanArgs {
            scenario,
            vary,
            min,
            max,
            step,
            slo,
            confidence,
            seeds,
            seed,
            across,
            set,
            n_plus,
            fault_at,
            fault_duration,
            jobs,
            quiet,
        }),
        Command::Run {
            scenario,
            seed,
            out,
            set,
            events,
            quiet,
            report,
        } => run::run(run::RunArgs {
            scenario,
            seed,
            out,
            overrides: set,
            events,
            quiet,
            report,
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
    load_scenario_with_overrides(path, overrides).map_err(|e| CliError::input_lines(e.to_string()))
}
