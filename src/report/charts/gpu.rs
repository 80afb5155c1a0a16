//! The GPU chart: GPUs requested and allocatable, and fragmentation (runs with GPU columns).

use super::panel::{Dash, Panel, YFmt};
use super::reduce::{decimate, LINE_BINS};
use super::style::{BLUE, INK, ORANGE, VERMILLION};
use super::timecharts::chart;
use super::Prep;
use crate::report::columns as col;
use crate::report::data::RunData;

/// A milli-GPU column in GPUs, decimated.
fn gpus(run: &RunData, div: f64, name: &str) -> Option<Vec<(f64, f64)>> {
    run.ts.get(name).map(|y| {
        let g: Vec<f64> = y.iter().map(|v| v / 1000.0).collect();
        decimate(run.ts.time(), &g, div, LINE_BINS)
    })
}

/// GPUs requested / allocatable (top) and fragmentation (bottom, when recorded).
pub fn gpu(run: &RunData) -> Prep {
    if run.ts.get(col::GPU_REQUESTED).is_none() || run.ts.get(col::GPU_ALLOCATABLE).is_none() {
        return Prep::Missing(format!(
            "needs timeseries.csv columns `{}`, `{}`",
            col::GPU_REQUESTED,
            col::GPU_ALLOCATABLE
        ));
    }
    if run.ts.is_empty() {
        return Prep::Missing("timeseries.csv has no samples".into());
    }
    let mut c = chart("GPUs", &[run]);
    let div = c.axis.div;
    let mut top = Panel::new("GPUs", "GPUs", YFmt::Decimal);
    top.line(
        "requested",
        BLUE,
        Dash::Solid,
        gpus(run, div, col::GPU_REQUESTED).unwrap_or_default(),
    );
    top.line(
        "allocatable (Ready nodes)",
        INK,
        Dash::Dashed,
        gpus(run, div, col::GPU_ALLOCATABLE).unwrap_or_default(),
    );
    c.panels = vec![top];
    if let Some(partial) = gpus(run, div, col::GPU_FRAG_PARTIAL) {
        let mut bottom = Panel::new("Fragmentation", "GPUs", YFmt::Decimal);
        bottom.line("free on partly used devices", ORANGE, Dash::Solid, partial);
        if let Some(fgd) = gpus(run, div, col::GPU_FRAG_FGD) {
            bottom.line("FGD fragmentation", VERMILLION, Dash::Solid, fgd);
        }
        c.panels.push(bottom);
    }
    Prep::Time(c)
}
