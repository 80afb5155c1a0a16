//! Judging figures against the scenario's `slo:` section, and the `slo.json` a run writes.

use serde::Serialize;

use super::figures::{FigureKey, Figures};
use super::format::{self, Unit};
use crate::scenario::types::slo::Slo;
use crate::scenario::ScenarioFile;

pub use super::columns::SLO_FILE;

/// The verdict of one SLO.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// The figure meets the threshold.
    Pass,
    /// The figure misses the threshold.
    Fail,
    /// The run does not produce the figure.
    NotEvaluated,
}

impl Status {
    /// `pass`, `FAIL`, `not evaluated`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "FAIL",
            Status::NotEvaluated => "not evaluated",
        }
    }
}

/// One SLO judged against one run.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    /// The SLO's key in the scenario file (`maxPeakPending`, …).
    pub slo: &'static str,
    /// The figure it judges.
    pub figure: FigureKey,
    /// `≤ 0`, `≥ 99.9 %`, …
    pub threshold: String,
    /// The figure as shown (`n/a` when absent).
    pub value: String,
    /// Pass, fail, not evaluated.
    pub status: Status,
}

/// Whether the SLO is an upper or a lower bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bound {
    AtMost,
    AtLeast,
}

/// Every threshold set in `slo`, as (key, figure, bound, threshold, unit).
fn thresholds(slo: &Slo) -> Vec<(&'static str, FigureKey, Bound, f64, Unit)> {
    use Bound::*;
    let mut out = Vec::new();
    let mut add = |key, fig, bound, v: Option<f64>, unit| {
        if let Some(v) = v {
            out.push((key, fig, bound, v, unit));
        }
    };
    add(
        "maxPendingAfter",
        FigureKey::PendingAfter,
        AtMost,
        slo.max_pending_after.as_ref().map(|p| p.pods as f64),
        Unit::Count,
    );
    add(
        "maxUnschedulableAtEnd",
        FigureKey::UnschedulableAtEnd,
        AtMost,
        slo.max_unschedulable_at_end.map(|v| v as f64),
        Unit::Count,
    );
    add(
        "maxPeakPending",
        FigureKey::PeakPending,
        AtMost,
        slo.max_peak_pending.map(|v| v as f64),
        Unit::Count,
    );
    add(
        "minWorkloadAvailability",
        FigureKey::WorstAvailability,
        AtLeast,
        slo.min_workload_availability,
        Unit::Fraction,
    );
    add(
        "maxEvictions",
        FigureKey::Evictions,
        AtMost,
        slo.max_evictions.map(|v| v as f64),
        Unit::Count,
    );
    add(
        "maxOomKills",
        FigureKey::OomKills,
        AtMost,
        slo.max_oom_kills.map(|v| v as f64),
        Unit::Count,
    );
    add(
        "maxCascadeDepth",
        FigureKey::WorstCascadeDepth,
        AtMost,
        slo.max_cascade_depth.map(|v| v as f64),
        Unit::Count,
    );
    add(
        "maxTimeToRecover",
        FigureKey::TimeToRecover,
        AtMost,
        slo.max_time_to_recover
            .map(|d| d.as_millis() as f64 / 1000.0),
        Unit::Seconds,
    );
    out
}

/// Judges every threshold in `slo` against `figures`, in the order of the scenario format.
pub fn evaluate(slo: &Slo, figures: &Figures) -> Vec<Verdict> {
    thresholds(slo)
        .into_iter()
        .map(|(key, fig, bound, limit, unit)| {
            let value = figures.get(fig).and_then(|f| f.value);
            let status = match value {
                None => Status::NotEvaluated,
                Some(v) => {
                    let ok = match bound {
                        Bound::AtMost => v <= limit,
                        Bound::AtLeast => v >= limit,
                    };
                    if ok {
                        Status::Pass
                    } else {
                        Status::Fail
                    }
                }
            };
            let sign = match bound {
                Bound::AtMost => "≤",
                Bound::AtLeast => "≥",
            };
            Verdict {
                slo: key,
                figure: fig,
                threshold: format!("{sign} {}", format::value(unit, Some(limit))),
                value: format::value(unit, value),
                status,
            }
        })
        .collect()
}

/// Judges the results directory `dir` against its own `slo.json` (no verdicts when it has
/// none), as `clustersim report` does; `clustersim run` uses it for its exit code.
pub fn judge_results_dir(dir: &std::path::Path) -> Result<Vec<Verdict>, super::ReportError> {
    let run = super::RunData::load(dir)?;
    let Some(slo) = run.slo.as_ref() else {
        return Ok(Vec::new());
    };
    let figs = super::figures::compute(&run, Some(slo));
    Ok(evaluate(slo, &figs))
}

/// The contents of `slo.json` for a scenario: its `slo:` section as JSON, or None when it has
/// none. `clustersim run` writes it into the results directory so the report can judge the run.
pub fn slo_json(scenario: &ScenarioFile) -> Option<String> {
    let slo = scenario.slo.as_ref().filter(|s| !s.is_empty())?;
    let mut text = serde_json::to_string_pretty(slo).expect("SLO serialises");
    text.push('\n');
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::figures::Figure;
    use crate::scenario::DurationMs;

    fn figs(list: Vec<(FigureKey, Option<f64>)>) -> Figures {
        Figures {
            fleet: None,
            fleet_note: "",
            list: list
                .into_iter()
                .map(|(key, value)| Figure {
                    key,
                    label: String::new(),
                    unit: Unit::Count,
                    value,
                    note: None,
                    key_figure: true,
                })
                .collect(),
        }
    }

    #[test]
    fn judges_bounds_and_missing_figures() {
        let slo = Slo {
            max_peak_pending: Some(10),
            min_workload_availability: Some(0.99),
            max_evictions: Some(0),
            max_time_to_recover: Some(DurationMs::from_secs(900)),
            ..Default::default()
        };
        let f = figs(vec![
            (FigureKey::PeakPending, Some(10.0)),
            (FigureKey::WorstAvailability, Some(0.98)),
            (FigureKey::Evictions, None),
            (FigureKey::TimeToRecover, Some(f64::INFINITY)),
        ]);
        let v = evaluate(&slo, &f);
        let st: Vec<_> = v.iter().map(|v| (v.slo, v.status)).collect();
        assert_eq!(
            st,
            vec![
                ("maxPeakPending", Status::Pass),
                ("minWorkloadAvailability", Status::Fail),
                ("maxEvictions", Status::NotEvaluated),
                ("maxTimeToRecover", Status::Fail),
            ]
        );
        assert_eq!(v[1].threshold, "≥ 99 %");
        assert_eq!(v[3].threshold, "≤ 15m");
        assert_eq!(v[3].value, "not recovered");
    }

    #[test]
    fn slo_json_round_trips() {
        let yaml = "name: s\nsimulation: {duration: 1h}\ncluster: {zones: [a], nodePools: []}\n\
                    slo:\n  maxPendingAfter: {fault: 15m, pods: 0}\n  maxPeakPending: 5\n";
        let s = crate::scenario::parse_scenario(yaml, "s.yaml").unwrap();
        let text = slo_json(&s).unwrap();
        assert!(text.contains("\"fault\": \"15m\""), "{text}");
        let back: Slo = serde_json::from_str(&text).unwrap();
        assert_eq!(Some(back), s.slo);
    }
}
