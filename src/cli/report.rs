//! `clustersim report`: charts and the review report of a results directory.

use std::path::{Path, PathBuf};

use super::{load, CliError};
use clustersim::report::{write_report, ReportError, ReportOptions, Status, Verdict};
use clustersim::scenario::types::slo::Slo;

/// Options of `report`.
pub struct ReportArgs {
    pub dir: PathBuf,
    pub slo: Option<PathBuf>,
    pub quiet: bool,
}

/// Bad input (not a results directory, malformed file, unwritable output) is exit 2; a chart
/// that cannot be drawn is an internal error (exit 1).
pub fn map_err(e: ReportError) -> CliError {
    if e.is_input() {
        CliError::input(e.to_string())
    } else {
        CliError::internal(e.to_string())
    }
}

/// The `slo:` section of the scenario file `path`, and a label naming it.
pub fn slo_from(path: &Path) -> Result<(Slo, String), CliError> {
    let s = load(path, &[])?;
    match s.into_inner().slo {
        Some(slo) if !slo.is_empty() => Ok((slo, format!("--slo {}", path.display()))),
        _ => Err(CliError::input(format!(
            "{}: has no `slo:` section to judge the run against",
            path.display()
        ))),
    }
}

/// Writes the report of `dir` and prints one line about it (unless `quiet`).
pub fn report(a: ReportArgs) -> Result<(), CliError> {
    report_verdicts(a).map(|_| ())
}

/// [`report`], returning the SLO verdicts.
fn report_verdicts(a: ReportArgs) -> Result<Vec<Verdict>, CliError> {
    let (slo, slo_source) = match &a.slo {
        Some(p) => {
            let (s, src) = slo_from(p)?;
            (Some(s), Some(src))
        }
        None => (None, None),
    };
    let out = write_report(&a.dir, &ReportOptions { slo, slo_source }).map_err(map_err)?;
    if !a.quiet {
        let n = |s: Status| out.verdicts.iter().filter(|v| v.status == s).count();
        let slo = if out.verdicts.is_empty() {
            "no SLOs".to_string()
        } else {
            format!(
                "SLOs: {} pass, {} fail, {} not evaluated",
                n(Status::Pass),
                n(Status::Fail),
                n(Status::NotEvaluated)
            )
        };
        eprintln!(
            "report: {} charts ({} not available in this run) in {:.2}s; {slo} -> {}",
            out.charts.len(),
            out.skipped.len(),
            out.seconds,
            out.html.display()
        );
    }
    Ok(out.verdicts)
}

/// For `run --report`: the report of the directory a run just wrote, with its own `slo.json`;
/// returns the SLO verdicts.
pub fn after_run(dir: &Path, quiet: bool) -> Result<Vec<Verdict>, CliError> {
    report_verdicts(ReportArgs {
        dir: dir.to_path_buf(),
        slo: None,
        quiet,
    })
}
