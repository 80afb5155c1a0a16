//! Judging a results directory's figures against the scenario's `slo:` section.

use serde::Serialize;

use super::figures::{FigureKey, Figures};
use super::format::{self, Unit};
use crate::figures::services::FigureKind;
use crate::figures::slo::thresholds;
use crate::figures::Metric;
use crate::scenario::types::slo::Slo;

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
    /// The SLO's key in the scenario file (`maxPeakPending`, `services.checkout.availability`, …).
    pub slo: String,
    /// The figure it judges.
    pub figure: FigureKey,
    /// `≤ 0`, `≥ 99.9 %`, …
    pub threshold: String,
    /// The figure as shown (`n/a` when absent).
    pub value: String,
    /// Pass, fail, not evaluated.
    pub status: Status,
}

/// Judges every threshold in `slo` (defined once in [`crate::figures::slo::SLOS`]) against
/// `figures`, in the order of the scenario format. The figures' values come from
/// [`crate::figures::Metric::get`], as `sweep` and `plan` compute them.
pub fn evaluate(slo: &Slo, figures: &Figures) -> Vec<Verdict> {
    thresholds(slo)
        .into_iter()
        .map(|t| {
            let fig = FigureKey::of_metric(t.metric).expect("every SLO's figure is shown");
            let unit = unit_of(t.metric);
            let value = figures.get(fig).and_then(|f| f.value);
            let status = match value {
                None => Status::NotEvaluated,
                Some(v) if t.holds(v) => Status::Pass,
                Some(_) => Status::Fail,
            };
            let sign = if t.op.is_upper() { "≤" } else { "≥" };
            Verdict {
                slo: t.name.clone(),
                figure: fig,
                threshold: format!("{sign} {}", format::value(unit, Some(t.limit))),
                value: format::value(unit, value),
                status,
            }
        })
        .collect()
}

/// How the report shows a figure's value.
pub fn unit_of(m: Metric) -> Unit {
    match m {
        Metric::MinWorkloadAvailability
        | Metric::PeakCpuRequested
        | Metric::MeanCpuRequested
        | Metric::PeakMemRequested => Unit::Fraction,
        Metric::TimeToRecover => Unit::Seconds,
        Metric::Service(s) => match s.figure.kind() {
            FigureKind::Fraction => Unit::Fraction,
            FigureKind::Seconds => Unit::Latency,
            FigureKind::Ratio | FigureKind::Count(_) => Unit::Count,
        },
        _ => Unit::Count,
    }
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
        let st: Vec<_> = v.iter().map(|v| (v.slo.as_str(), v.status)).collect();
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
}
