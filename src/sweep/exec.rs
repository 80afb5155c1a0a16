//! Running a sweep's runs in parallel (rayon; each run single-threaded and deterministic) and
//! writing one results directory per run.

use std::path::Path;

use rayon::prelude::*;

use super::error::SweepError;
use super::file::Sweep;
use super::grid::{run_id, Run};
use super::metric::Metric;
use super::shard::Shard;
use crate::build::{build, BuildOptions};
use crate::metrics::{EventLogLevel, RunResult};
use crate::results::{self, RunError, WriteOptions};
use crate::scenario::{effective_yaml, ValidScenario};
use crate::sim::{SetupError, SimSetup};

/// One finished run and its key metrics.
#[derive(Clone, Debug, PartialEq)]
pub struct RunRecord {
    /// Global run index.
    pub run: usize,
    /// Point index.
    pub point: usize,
    /// Seed.
    pub seed: u64,
    /// Value of each of the sweep's metrics, in the sweep's order.
    pub values: Vec<f64>,
}

/// The setup of one run of `scenario` with `seed`: node samples are off unless the scenario
/// sets `simulation.nodeSampleInterval`.
pub fn setup(scenario: &ValidScenario, seed: u64, event_log: EventLogLevel) -> SimSetup {
    let mut setup = build(
        scenario,
        BuildOptions {
            seed: Some(seed),
            event_log,
        },
    );
    if scenario.simulation.node_sample_interval.is_none() {
        // Per-node samples (tens of MB per 7,000-node day) are for one run's report; a sweep
        // writes them only when its scenario asks for them explicitly.
        setup.node_sample_interval_ms = 0;
    }
    setup
}

/// Simulates `scenario` with `seed` (set up by [`setup`]) without writing anything; returns
/// the results and the wall time in seconds.
pub fn simulate(
    scenario: &ValidScenario,
    seed: u64,
    event_log: EventLogLevel,
) -> Result<(RunResult, f64), SetupError> {
    let mut run = results::simulate(setup(scenario, seed, event_log), &mut |_| {}, false)?;
    results::apply_slo(scenario, &mut run.result);
    Ok((run.result, run.timing.wall_time_s))
}

/// Runs this shard's runs of `sweep` (whose point scenarios are `scenarios`, see
/// [`Sweep::scenarios`]) on the current rayon pool, writing `<out>/<run id>/` for each.
/// `done` is called once per finished run, from the worker threads. Records come back in
/// global run order.
pub fn run_sweep(
    sweep: &Sweep,
    scenarios: &[ValidScenario],
    shard: Shard,
    out: &Path,
    done: &(dyn Fn(&RunRecord) + Sync),
) -> Result<Vec<RunRecord>, SweepError> {
    let points = scenarios.len();
    let runs: Vec<Run> = sweep
        .runs()
        .into_iter()
        .filter(|r| shard.owns(r.index))
        .collect();
    // The effective scenario of each point, written into its runs' directories.
    let origin = sweep.base_file.display().to_string();
    let effective = sweep
        .points()
        .iter()
        .map(|p| effective_yaml(&sweep.base_text, &origin, &sweep.overrides(p)))
        .collect::<Result<Vec<String>, _>>()
        .map_err(|e| SweepError::Input(format!("{}: {e}", sweep.file)))?;
    runs.par_iter()
        .map(|r| {
            let s = &scenarios[r.point];
            let dir = out.join(run_id(r.point, points, r.seed));
            // The same files as `clustersim run` writes, `slo.json` included.
            let opts = WriteOptions {
                dir: &dir,
                effective_yaml: &effective[r.point],
                peak_rss: false,
            };
            let run = results::run_and_write(s, setup(s, r.seed, sweep.events), &opts, &mut |_| {})
                .map_err(|e| match e {
                    RunError::Setup(e) => {
                        let p = &sweep.points()[r.point];
                        SweepError::Input(format!(
                            "{}: point {} ({}), seed {}: {e}",
                            sweep.file,
                            r.point,
                            sweep.describe(p),
                            r.seed
                        ))
                    }
                    RunError::Write { dir, source } => {
                        SweepError::Output(format!("{}: {source}", dir.display()))
                    }
                })?;
            let values = sweep
                .metrics
                .iter()
                .map(|m: &Metric| m.value(&run.result))
                .collect();
            let record = RunRecord {
                run: r.index,
                point: r.point,
                seed: r.seed,
                values,
            };
            done(&record);
            Ok(record)
        })
        .collect()
}
