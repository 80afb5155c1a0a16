//! The per-service SLI tables: a run report's "Services" section and a comparison's
//! per-service deltas, each value by the one definition in [`crate::figures::services`].

use super::data::RunData;
use super::document::{Section, Table};
use super::format::{self, Unit};
use crate::figures::services::{FigureKind, ServiceFigure, ServiceMetric, ServiceName};
use crate::figures::Metric;

/// The SLIs shown, in column order.
const SHOWN: [ServiceFigure; 9] = [
    ServiceFigure::Availability,
    ServiceFigure::P50Latency,
    ServiceFigure::P95Latency,
    ServiceFigure::P99Latency,
    ServiceFigure::WorstErrorRate5m,
    ServiceFigure::ErrorBudgetConsumed,
    ServiceFigure::BurnRate1h,
    ServiceFigure::ProbeRestarts,
    ServiceFigure::PeakQueueBacklog,
];

fn unit(f: ServiceFigure) -> Unit {
    match f.kind() {
        FigureKind::Fraction => Unit::Fraction,
        FigureKind::Seconds => Unit::Latency,
        FigureKind::Ratio | FigureKind::Count(_) => Unit::Count,
    }
}

/// Service names of `run`'s summary, in its order.
fn names(run: &RunData) -> Vec<String> {
    run.summary
        .get("services")
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|s| s.get("name")?.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn value(run: &RunData, name: &str, figure: ServiceFigure) -> Option<f64> {
    let service = ServiceName::new(name).ok()?;
    Metric::Service(ServiceMetric { service, figure }).get(run)
}

/// The "Services" section of a run report (None without services).
pub fn section(run: &RunData) -> Option<Section> {
    let names = names(run);
    if names.is_empty() {
        return None;
    }
    let mut header = vec!["Service"];
    header.extend(SHOWN.iter().map(|f| f.label()));
    let mut t = Table::new(&header);
    for n in &names {
        let mut row = vec![n.clone()];
        for f in SHOWN {
            row.push(format::value(unit(f), value(run, n, f)));
        }
        t.row(row);
    }
    Some(Section {
        heading: "Services".into(),
        text: Some(
            "Per-service SLIs over the run (summary.json `services`): availability = successful / \
             offered requests; latency percentiles of the requests served, request-weighted over \
             the modelled per-tick distributions (∞: saturated without a queue limit); worst 5m \
             error rate over any 5-minute window; error budget and 1h burn rate against the \
             scenario's `slo.services` availability target (n/a without one)."
                .into(),
        ),
        table: Some(t),
    })
}

/// Per-service SLIs of a baseline and a variant run with their differences (None when
/// neither has services).
pub fn compare_section(base: &RunData, var: &RunData) -> Option<Section> {
    let mut all = names(base);
    for n in names(var) {
        if !all.contains(&n) {
            all.push(n);
        }
    }
    if all.is_empty() {
        return None;
    }
    let mut t = Table::new(&["Service", "SLI", "Baseline", "Variant", "Δ"]);
    for n in &all {
        for f in SHOWN {
            let (b, v) = (value(base, n, f), value(var, n, f));
            if b.is_none() && v.is_none() {
                continue;
            }
            let delta = match (b, v) {
                (Some(b), Some(v)) if b.is_finite() && v.is_finite() => {
                    format::delta(unit(f), v - b)
                }
                _ => "n/a".into(),
            };
            t.row(vec![
                n.clone(),
                f.label().to_owned(),
                format::value(unit(f), b),
                format::value(unit(f), v),
                delta,
            ]);
        }
    }
    Some(Section {
        heading: "Services".into(),
        text: Some(
            "Per-service SLIs of the first pair (summary.json `services`), variant − baseline."
                .into(),
        ),
        table: Some(t),
    })
}
