//! `clustersim run`: simulate a scenario and write its results directory.

use std::path::{Path, PathBuf};

use super::args::{EventsOpt, OutArg, QuietArg, ScenarioArgs, SeedArg};
use super::progress::RunProgress;
use super::{load, output, CliError};
use clustersim::build::{build, describe, BuildOptions};
use clustersim::metrics::EventLogLevel;
use clustersim::report::{Status, Verdict};
use clustersim::results::{run_and_write, Finished, RunError, WriteOptions};
use clustersim::scenario::{effective_yaml, warnings, Override};
use clustersim::sim::Progress;

/// Options of `run`.
#[derive(clap::Args, Debug)]
#[command(mut_arg("out", |a| a.help("Results directory (default `results/<name>-<seed>`)")))]
pub struct RunArgs {
    #[command(flatten)]
    pub input: ScenarioArgs,
    #[command(flatten)]
    pub seed: SeedArg,
    #[command(flatten)]
    pub out: OutArg,
    #[command(flatten)]
    pub events: EventsOpt,
    #[command(flatten)]
    pub quiet: QuietArg,
    /// Also write charts and `report.html` / `report.md` into the results directory.
    #[arg(long)]
    pub report: bool,
}

/// Fails early (exit 2) when the results directory's parent cannot be created or written.
fn check_output_parent(dir: &Path) -> Result<(), CliError> {
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|e| {
        CliError::input(format!(
            "--out {}: cannot create {}: {e}",
            dir.display(),
            parent.display()
        ))
    })?;
    let probe = parent.join(format!(".clustersim-probe-{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(|e| {
        CliError::input(format!(
            "--out {}: directory {} is not writable: {e}",
            dir.display(),
            parent.display()
        ))
    })?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

/// Runs the scenario and writes `summary.json`, `timing.json`, `timeseries.csv`, `events.csv`.
pub fn run(a: RunArgs) -> Result<(), CliError> {
    let (scenario, overrides, quiet) = (&a.input.scenario, &a.input.set, a.quiet.quiet);
    let s = load(scenario, overrides)?;
    let event_log = EventLogLevel::from(a.events.events);
    let setup = build(
        &s,
        BuildOptions {
            seed: a.seed.seed,
            event_log,
        },
    );
    if !quiet {
        // The notes `validate` prints: e.g. a fault scheduled after the end never happens.
        let mut notes = warnings(&s);
        notes.extend(describe(&setup).warnings);
        for n in notes {
            output::note(&format!("warning: {}: {n}", scenario.display()));
        }
    }
    let seed = setup.seed;
    let out = a
        .out
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(format!("{}-{seed}", s.name)));
    check_output_parent(&out)?;
    let effective = effective_scenario(scenario, overrides)?;
    let opts = WriteOptions {
        dir: &out,
        effective_yaml: &effective,
        peak_rss: true,
    };
    let mut progress = RunProgress::new(quiet, s.simulation.duration.as_millis() / 1000);
    let run = run_and_write(&s, setup, &opts, &mut |p: Progress| progress.update(p));
    progress.finish();
    let Finished { result, timing } = run.map_err(|e| match e {
        RunError::Setup(e) => CliError::input(format!("{}: {e}", scenario.display())),
        RunError::Write { source, .. } => {
            CliError::input(format!("--out {}: {source}", out.display()))
        }
    })?;
    let wall = timing.wall_time_s;
    let verdicts = if a.report {
        super::report::after_run(&out, quiet)?
    } else if clustersim::report::slo_json(&s).is_some() {
        clustersim::report::judge_results_dir(&out).map_err(super::report::map_err)?
    } else {
        Vec::new()
    };
    if !quiet {
        let sm = &result.summary;
        eprintln!(
            "{}: {} events in {:.2}s ({:.0} events/s); {} pods created, {} scheduled, {} pending at end ({} unschedulable) -> {}",
            s.name,
            sm.events_processed,
            wall,
            timing.events_per_sec,
            sm.pods_created,
            sm.pods_scheduled,
            sm.pods_pending_at_end,
            sm.pods_unschedulable_at_end,
            out.display()
        );
    }
    slo_outcome(&verdicts, &out)
}

/// The effective scenario (`scenario.yaml` in the results directory): the file after `--set`.
fn effective_scenario(path: &Path, overrides: &[Override]) -> Result<String, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::input(format!("{}: cannot read: {e}", path.display())))?;
    effective_yaml(&text, &path.display().to_string(), overrides)
        .map_err(|e| CliError::input(e.to_string()))
}

/// Exit code 3 when any SLO of the scenario's `slo:` section fails ("not evaluated" does not
/// fail), so that CI can gate on a what-if.
fn slo_outcome(verdicts: &[Verdict], out: &Path) -> Result<(), CliError> {
    let failed: Vec<String> = verdicts
        .iter()
        .filter(|v| v.status == Status::Fail)
        .map(|v| format!("{} (was {}, must be {})", v.slo, v.value, v.threshold))
        .collect();
    if failed.is_empty() {
        return Ok(());
    }
    Err(CliError::slo_failed(format!(
        "{} of {} SLOs failed: {}; results in {}",
        failed.len(),
        verdicts.len(),
        failed.join(", "),
        out.display()
    )))
}
