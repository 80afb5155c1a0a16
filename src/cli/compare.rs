//! `clustersim compare`: a baseline and a variant side by side.
//!
//! ```text
//! clustersim compare <BASELINE> <VARIANT> [--out DIR] [--slo FILE]
//! clustersim compare --baseline DIR... --variant DIR... [--out DIR] [--slo FILE]
//! ```
//! Each side is a results directory, or a directory holding one results directory per seed;
//! the flag form takes several directories per side (e.g. a shell glob). Runs are paired by seed.

use std::path::PathBuf;

use super::report::{map_err, slo_from};
use super::CliError;
use clustersim::report::compare::side_label;
use clustersim::report::{write_compare, CompareOptions};

/// Options of `compare`.
pub struct CompareArgs {
    pub runs: Vec<PathBuf>,
    pub baseline: Vec<PathBuf>,
    pub variant: Vec<PathBuf>,
    pub out: Option<PathBuf>,
    pub slo: Option<PathBuf>,
    pub quiet: bool,
}

/// Compares, writes `compare.html`/`.md`/`.json` and overlay charts, prints one line.
pub fn compare(a: CompareArgs) -> Result<(), CliError> {
    let flags = !a.baseline.is_empty() || !a.variant.is_empty();
    let (baseline, variant) = if flags {
        if !a.runs.is_empty() {
            return Err(CliError::input(
                "give either <BASELINE> <VARIANT> or --baseline/--variant, not both",
            ));
        }
        if a.baseline.is_empty() || a.variant.is_empty() {
            return Err(CliError::input(
                "give both sides: --baseline DIR... --variant DIR...",
            ));
        }
        (a.baseline, a.variant)
    } else {
        match a.runs.as_slice() {
            [b, v] => (vec![b.clone()], vec![v.clone()]),
            other => {
                return Err(CliError::input(format!(
                    "expected two results directories <BASELINE> <VARIANT>, got {}",
                    other.len()
                )))
            }
        }
    };
    let out = a.out.unwrap_or_else(|| {
        PathBuf::from("results").join(format!(
            "compare-{}-vs-{}",
            side_label(&baseline, "baseline"),
            side_label(&variant, "variant")
        ))
    });
    let (slo, slo_source) = match &a.slo {
        Some(p) => {
            let (s, src) = slo_from(p)?;
            (Some(s), Some(src))
        }
        None => (None, None),
    };
    let o = write_compare(&CompareOptions {
        baseline,
        variant,
        out,
        slo,
        slo_source,
    })
    .map_err(map_err)?;
    if !a.quiet {
        eprintln!(
            "compare: {} pair{} of runs, {} overlay charts in {:.2}s -> {}",
            o.pairs,
            if o.pairs == 1 { "" } else { "s" },
            o.charts.len(),
            o.seconds,
            o.html.display()
        );
    }
    Ok(())
}
