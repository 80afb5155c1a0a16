//! Simulate one run and write its results directory: the one path shared by `clustersim run`
//! and each run of a sweep, so both write the same files (`slo.json` and the effective
//! `scenario.yaml` included) in the same way.
//!
//! The callers keep only what differs: `run` builds the setup with its seed, prints warnings
//! and a progress bar, records the process's peak RSS; a sweep turns node samples off and
//! reads its metrics from the returned [`RunResult`].

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::metrics::{peak_rss_bytes, write_results_with, RunResult, Timing, WriteError};
use crate::report::{slo_json, SLO_FILE};
use crate::scenario::{ScenarioFile, EFFECTIVE_FILE};
use crate::sim::{Progress, SetupError, SimSetup, Simulation};

/// Simulating or writing one run failed.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The engine refused the setup (bad input).
    #[error(transparent)]
    Setup(#[from] SetupError),
    /// The results directory could not be written.
    #[error("{dir}: {source}")]
    Write {
        /// The results directory.
        dir: PathBuf,
        /// The cause.
        #[source]
        source: WriteError,
    },
}

/// What is written besides the simulation's own output.
pub struct WriteOptions<'a> {
    /// The results directory (created, or replaced if it exists).
    pub dir: &'a Path,
    /// The effective scenario (the file after `--set`), written as `scenario.yaml`.
    pub effective_yaml: &'a str,
    /// Record the process's peak resident set size in `timing.json` (meaningless when several
    /// runs share the process, as in a sweep).
    pub peak_rss: bool,
}

/// A simulated run: its results and wall-clock measurements.
pub struct Finished {
    /// The run's results.
    pub result: RunResult,
    /// Wall time (from `Simulation::new` to the end of the run), events per second, peak RSS.
    pub timing: Timing,
}

/// Simulates `setup` to its end, calling `progress` as the run advances; measures wall time
/// from the engine's construction. `peak_rss` as in [`WriteOptions::peak_rss`].
pub fn simulate(
    setup: SimSetup,
    progress: &mut dyn FnMut(Progress),
    peak_rss: bool,
) -> Result<Finished, SetupError> {
    let started = Instant::now();
    let sim = Simulation::new(setup)?;
    let result = sim.run(progress);
    let wall = started.elapsed().as_secs_f64();
    let timing = Timing {
        wall_time_s: wall,
        events_per_sec: result.summary.events_processed as f64 / wall.max(1e-9),
        peak_rss_bytes: if peak_rss { peak_rss_bytes() } else { None },
    };
    Ok(Finished { result, timing })
}

/// Writes the results directory of a finished run of `scenario` with `seed`: the metrics'
/// files, the scenario's `slo.json` (when it has an `slo:` section) and the effective
/// `scenario.yaml`, atomically.
pub fn write(
    scenario: &ScenarioFile,
    seed: u64,
    run: &Finished,
    dir: &Path,
    effective_yaml: &str,
) -> Result<(), RunError> {
    let slo = slo_json(scenario);
    let extra: Vec<(&str, &[u8])> = slo
        .iter()
        .map(|t| (SLO_FILE, t.as_bytes()))
        .chain([(EFFECTIVE_FILE, effective_yaml.as_bytes())])
        .collect();
    write_results_with(dir, &scenario.name, seed, &run.result, &run.timing, &extra).map_err(
        |source| RunError::Write {
            dir: dir.to_path_buf(),
            source,
        },
    )
}

/// Completes `result` with what depends on the scenario's `slo:` section: each service's
/// error budget against its availability target (`summary.json` `services[].errorBudget`).
pub fn apply_slo(scenario: &ScenarioFile, result: &mut RunResult) {
    if let Some(services) = result.summary.services.as_mut() {
        crate::figures::services::apply_targets(services, scenario.slo.as_ref());
    }
}

/// Simulates `setup` (built from `scenario`) and writes its results directory; see
/// [`simulate`] and [`write`]. The seed written is the setup's.
pub fn run_and_write(
    scenario: &ScenarioFile,
    setup: SimSetup,
    out: &WriteOptions<'_>,
    progress: &mut dyn FnMut(Progress),
) -> Result<Finished, RunError> {
    let seed = setup.seed;
    let mut run = simulate(setup, progress, out.peak_rss)?;
    apply_slo(scenario, &mut run.result);
    write(scenario, seed, &run, out.dir, out.effective_yaml)?;
    Ok(run)
}
