//! Capacity-planning sweeps: parameter grids over scenario paths, replications with common
//! random numbers, parallel runs, sharding for Kubernetes Indexed Jobs, and the headroom search.
//!
//! - [`file`]: the sweep file (base scenario, `parameters:` grid, seeds, metrics).
//! - [`grid`]: points and runs in a fixed order; run directory names.
//! - [`exec`]: runs in parallel on the rayon pool (each run single-threaded and deterministic).
//! - [`shard`]: `--shard K/N` and `--shard auto` (`JOB_COMPLETION_INDEX`).
//! - [`output`]: shard manifests, `sweep.csv`, `runs.csv`, charts, and `merge`.
//! - [`metric`], [`stats`]: the figures of a run, thresholds, and Student-t statistics, defined
//!   once in [`crate::figures`] (re-exported here under their former paths).
//! - [`plan`]: the smallest value of a parameter that meets the SLOs (bisection).
//! - [`nplus`]: the fault set of `plan --n-plus zone|rack` (each zone or rack lost in turn).
//!
//! Architecture invariants: a run's results depend only on its scenario and seed, never on
//! which thread, process or machine ran it, or in what order; so `sweep.csv` is byte-identical
//! whatever the thread count or sharding. This module reads the sweep file and its base
//! scenario and writes results directories; it prints nothing (progress goes through
//! callbacks) and knows nothing of the command line.
//!
//! Common random numbers come from the engine: each subsystem draws from its own stream
//! derived from the master seed ([`crate::engine::RngStreams`]), so the same seed at two points
//! gives the same arrivals, durations and tie-break draws wherever the scenario allows.

pub mod chart;
pub mod error;
pub mod exec;
pub mod file;
pub mod grid;
pub mod nplus;
pub mod output;
pub mod plan;
pub mod sha256;
pub mod shard;

pub use crate::figures::{metric, stats};

pub use crate::figures::{parse_slo, Metric, Threshold};
pub use error::SweepError;
pub use exec::{run_sweep, simulate, RunRecord};
pub use file::{load_sweep, parse_sweep, Sweep};
pub use output::{merge, write_tables, Combined, Manifest};
pub use plan::{PlanResult, PlanSpec};
pub use shard::Shard;
