//! Argument groups shared by several subcommands (`#[command(flatten)]`), each declared once.
//!
//! A command whose option means something more specific (e.g. `--out`'s default) refines the
//! help text with `#[command(mut_arg("out", ...))]` rather than declaring the option again.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use clustersim::metrics::EventLogLevel;
use clustersim::scenario::Override;

/// A scenario file and overrides of its fields.
#[derive(Args, Debug, Clone)]
pub struct ScenarioArgs {
    /// Scenario file (YAML).
    #[arg(value_name = "SCENARIO")]
    pub scenario: PathBuf,
    /// Override a scenario field, e.g. `--set workloads[web].replicas=500` (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<Override>,
}

/// The master seed.
#[derive(Args, Debug, Clone, Copy)]
pub struct SeedArg {
    /// Master seed (overrides `simulation.seed`).
    #[arg(long)]
    pub seed: Option<u64>,
}

/// Where a command writes.
#[derive(Args, Debug, Clone)]
pub struct OutArg {
    /// Output directory (the default is the command's own, see its description).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Quiet mode.
#[derive(Args, Debug, Clone, Copy)]
pub struct QuietArg {
    /// Print nothing on stderr but errors: no warnings, progress or closing line.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Worker threads of a parallel command.
#[derive(Args, Debug, Clone, Copy)]
pub struct JobsArg {
    /// Worker threads (default: all cores, or `RAYON_NUM_THREADS`).
    #[arg(long, short)]
    pub jobs: Option<usize>,
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

impl From<EventsArg> for EventLogLevel {
    fn from(e: EventsArg) -> Self {
        match e {
            EventsArg::None => EventLogLevel::None,
            EventsArg::Failures => EventLogLevel::Failures,
            EventsArg::All => EventLogLevel::All,
        }
    }
}

/// The event log of a run.
#[derive(Args, Debug, Clone, Copy)]
pub struct EventsOpt {
    /// Which pod events to log in `events.csv`.
    #[arg(long, value_enum, default_value = "all")]
    pub events: EventsArg,
}
