//! Key metrics of a run and thresholds on them: what `sweep.csv` aggregates over seeds and
//! what `plan` judges a parameter value by.
//!
//! A [`Metric`] is a number computed from a [`RunResult`]; its name is the `summary.json` key
//! where there is one (`podsPendingAtEnd`). A [`Threshold`] is `metric op number`
//! (`podsUnschedulableAtEnd<=0`). Named SLOs of the scenario's `slo:` section become
//! thresholds through [`super::slo::threshold_from_slo`].

use std::fmt;
use std::str::FromStr;

use super::services::{FigureKind, ServiceMetric};
use super::view::{Resource, RunView, SummaryField};
use crate::scenario::DurationMs;

/// A number computed from one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Metric {
    /// Pods Pending at the end of the run (`summary.json` `podsPendingAtEnd`).
    PodsPendingAtEnd,
    /// Pending pods at the end that failed a scheduling cycle (`podsUnschedulableAtEnd`).
    PodsUnschedulableAtEnd,
    /// Largest number of Pending pods at any sample of the time series.
    PeakPending,
    /// Largest number of Pending pods at any sample at or after the given simulated time.
    PendingAfter(DurationMs),
    /// Scheduling cycles that found no node (`schedulingFailures`).
    SchedulingFailures,
    /// Pods deleted by preemption (`podsPreempted`).
    PodsPreempted,
    /// Pods that failed (`podsFailed`).
    PodsFailed,
    /// Pods bound by the scheduler (`podsScheduled`).
    PodsScheduled,
    /// Largest CPU requested / allocatable of the cluster's Ready nodes at any sample
    /// (fraction of 1; requests of pods on Ready nodes over Ready nodes' allocatable).
    PeakCpuRequested,
    /// Mean over samples of CPU requested / allocatable of Ready nodes (fraction of 1).
    MeanCpuRequested,
    /// Largest memory requested / allocatable of the cluster's Ready nodes at any sample
    /// (fraction of 1).
    PeakMemRequested,
    /// Pods evicted by the kubelet (`evictions`; usage model only, else not a number).
    Evictions,
    /// Containers OOM-killed (`oomKills`; usage model only, else not a number).
    OomKills,
    /// Largest number of Pending pods from the given grace period after each fault starts until
    /// the next fault starts (not a number without faults).
    PendingAfterFault(DurationMs),
    /// Lowest workload availability (time-weighted ready/desired, fraction of 1).
    MinWorkloadAvailability,
    /// Deepest cascade (`resilience.maxCascadeDepth`).
    MaxCascadeDepth,
    /// Longest time to recovery of a cascade rooted at a fault, s (infinite if one never
    /// recovered; 0 without such cascades).
    TimeToRecover,
    /// A figure of one service (`service:<name>.<figure>`, from `summary.json` `services[]`).
    Service(ServiceMetric),
}

/// The metrics `sweep.csv` has when a sweep file does not list `metrics:`.
pub const DEFAULT_METRICS: [Metric; 8] = [
    Metric::PodsPendingAtEnd,
    Metric::PodsUnschedulableAtEnd,
    Metric::PeakPending,
    Metric::SchedulingFailures,
    Metric::PodsPreempted,
    Metric::PeakCpuRequested,
    Metric::MeanCpuRequested,
    Metric::PeakMemRequested,
];

/// Every plain metric name (without parameter), for messages.
pub const METRIC_NAMES: &str = "podsPendingAtEnd, podsUnschedulableAtEnd, peakPending, pendingAfter:<duration>, \
schedulingFailures, podsPreempted, podsFailed, podsScheduled, peakCpuRequested, meanCpuRequested, peakMemRequested, \
evictions, oomKills, pendingAfterFault:<duration>, minWorkloadAvailability, maxCascadeDepth, timeToRecover, \
service:<name>.<figure>";

impl Metric {
    /// The value of the metric for `r`; not a number (NaN) when the run does not produce it
    /// (evictions and OOM kills without the kubelet usage model, a fault figure without faults).
    pub fn value<V: RunView + ?Sized>(self, r: &V) -> f64 {
        self.get(r).unwrap_or(f64::NAN)
    }

    /// The value of the metric for `r`, None when the run does not produce it: the one
    /// definition `sweep`, `plan`, `report` and `compare` all use.
    pub fn get<V: RunView + ?Sized>(self, r: &V) -> Option<f64> {
        use SummaryField as F;
        let fraction = |res| {
            r.requested_ready(res)
                .map(|v| v.into_iter().map(|x| x.unwrap_or(0.0)).collect::<Vec<_>>())
        };
        match self {
            Metric::PodsPendingAtEnd => r.summary(F::PodsPendingAtEnd),
            Metric::PodsUnschedulableAtEnd => r.summary(F::PodsUnschedulableAtEnd),
            Metric::PeakPending => peak_pending_from(r, 0),
            Metric::PendingAfter(at) => peak_pending_from(r, at.as_millis()),
            Metric::SchedulingFailures => r.summary(F::SchedulingFailures),
            Metric::PodsPreempted => r.summary(F::PodsPreempted),
            Metric::PodsFailed => r.summary(F::PodsFailed),
            Metric::PodsScheduled => r.summary(F::PodsScheduled),
            // Requests on Ready nodes over Ready nodes' allocatable: pods still bound to dead
            // nodes hold no capacity a planner can use, and a dead node offers none.
            Metric::PeakCpuRequested => {
                fraction(Resource::Cpu).map(|v| v.into_iter().fold(0.0, f64::max))
            }
            Metric::MeanCpuRequested => fraction(Resource::Cpu).map(|v| {
                if v.is_empty() {
                    0.0
                } else {
                    v.iter().sum::<f64>() / v.len() as f64
                }
            }),
            Metric::PeakMemRequested => {
                fraction(Resource::Memory).map(|v| v.into_iter().fold(0.0, f64::max))
            }
            Metric::Evictions => r.summary(F::Evictions),
            Metric::OomKills => r.summary(F::OomKills),
            Metric::PendingAfterFault(grace) => pending_after_faults(r, grace.as_millis()),
            // Every workload available when none is tracked; the `resilience` section (always
            // written) says the run recorded it.
            Metric::MinWorkloadAvailability => r
                .summary(F::WorstAvailability)
                .or_else(|| r.summary(F::Cascades).map(|_| 1.0)),
            Metric::MaxCascadeDepth => r.summary(F::MaxCascadeDepth),
            // The worst fault: `slo.maxTimeToRecover` says every fault recovers in time.
            Metric::TimeToRecover => Some(
                r.fault_recoveries()?
                    .into_iter()
                    .map(|t| t.unwrap_or(f64::INFINITY))
                    .fold(0.0, f64::max),
            ),
            Metric::Service(m) => r.service(m.service.as_str(), m.figure),
        }
    }
}

/// The largest number of Pending pods at the samples at or after `from_ms`; without such a
/// sample, the Pending pods at the end.
fn peak_pending_from<V: RunView + ?Sized>(r: &V, from_ms: u64) -> Option<f64> {
    r.pending()
        .into_iter()
        .filter(|&(t, _)| t >= from_ms)
        .map(|(_, p)| p)
        .reduce(f64::max)
        .or_else(|| r.summary(SummaryField::PodsPendingAtEnd))
}

/// The largest number of Pending pods at the samples from `grace_ms` after each fault start
/// until the next fault starts (or the end); None when the run had no fault.
fn pending_after_faults<V: RunView + ?Sized>(r: &V, grace_ms: u64) -> Option<f64> {
    let starts = r.fault_starts_ms()?;
    if starts.is_empty() {
        return None;
    }
    let rows = r.pending();
    let mut worst = 0.0f64;
    for (i, &start) in starts.iter().enumerate() {
        let from = start.saturating_add(grace_ms);
        let until = starts.get(i + 1).copied().unwrap_or(u64::MAX);
        for &(_, p) in rows.iter().filter(|(t, _)| *t >= from && *t < until) {
            worst = worst.max(p);
        }
    }
    Some(worst)
}

/// What a metric counts, for axis labels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricUnit {
    /// A count of the named things (`pods`, `cycles`, `containers`).
    Count(&'static str),
    /// A fraction of 1 of the cluster's allocatable resources.
    FractionOfAllocatable,
}

impl Metric {
    /// A short description for chart titles and axes (`Peak Pending pods`).
    pub fn label(self) -> String {
        match self {
            Metric::PodsPendingAtEnd => "Pods Pending at the end".into(),
            Metric::PodsUnschedulableAtEnd => "Unschedulable pods at the end".into(),
            Metric::PeakPending => "Peak Pending pods".into(),
            Metric::PendingAfter(at) => format!("Peak Pending pods after {at}"),
            Metric::SchedulingFailures => "Failed scheduling cycles".into(),
            Metric::PodsPreempted => "Pods preempted".into(),
            Metric::PodsFailed => "Pods failed".into(),
            Metric::PodsScheduled => "Pods scheduled".into(),
            Metric::PeakCpuRequested => "Peak CPU requested".into(),
            Metric::MeanCpuRequested => "Mean CPU requested".into(),
            Metric::PeakMemRequested => "Peak memory requested".into(),
            Metric::Evictions => "Pods evicted".into(),
            Metric::OomKills => "Containers OOM-killed".into(),
            Metric::PendingAfterFault(d) => format!("Peak Pending pods {d} after a fault"),
            Metric::MinWorkloadAvailability => "Lowest workload availability".into(),
            Metric::MaxCascadeDepth => "Deepest cascade".into(),
            Metric::TimeToRecover => "Longest time to recover".into(),
            Metric::Service(m) => format!("{} {}", m.service.as_str(), m.figure.label()),
        }
    }

    /// What the metric's value counts.
    pub fn unit(self) -> MetricUnit {
        match self {
            Metric::SchedulingFailures => MetricUnit::Count("cycles"),
            Metric::OomKills => MetricUnit::Count("containers"),
            Metric::MinWorkloadAvailability => MetricUnit::Count("fraction of desired"),
            Metric::MaxCascadeDepth => MetricUnit::Count("effects in a chain"),
            Metric::TimeToRecover => MetricUnit::Count("seconds"),
            Metric::Service(m) => match m.figure.kind() {
                FigureKind::Fraction => MetricUnit::Count("fraction of requests"),
                FigureKind::Seconds => MetricUnit::Count("seconds"),
                FigureKind::Ratio => MetricUnit::Count("× error budget"),
                FigureKind::Count(what) => MetricUnit::Count(what),
            },
            Metric::PeakCpuRequested | Metric::MeanCpuRequested | Metric::PeakMemRequested => {
                MetricUnit::FractionOfAllocatable
            }
            _ => MetricUnit::Count("pods"),
        }
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Metric::PodsPendingAtEnd => "podsPendingAtEnd",
            Metric::PodsUnschedulableAtEnd => "podsUnschedulableAtEnd",
            Metric::PeakPending => "peakPending",
            Metric::PendingAfter(at) => return write!(f, "pendingAfter:{at}"),
            Metric::SchedulingFailures => "schedulingFailures",
            Metric::PodsPreempted => "podsPreempted",
            Metric::PodsFailed => "podsFailed",
            Metric::PodsScheduled => "podsScheduled",
            Metric::PeakCpuRequested => "peakCpuRequested",
            Metric::MeanCpuRequested => "meanCpuRequested",
            Metric::PeakMemRequested => "peakMemRequested",
            Metric::Evictions => "evictions",
            Metric::OomKills => "oomKills",
            Metric::PendingAfterFault(d) => return write!(f, "pendingAfterFault:{d}"),
            Metric::MinWorkloadAvailability => "minWorkloadAvailability",
            Metric::MaxCascadeDepth => "maxCascadeDepth",
            Metric::TimeToRecover => "timeToRecover",
            Metric::Service(m) => return write!(f, "{m}"),
        };
        f.write_str(name)
    }
}

impl FromStr for Metric {
    type Err = String;

    /// Parses a metric name; `pendingAtEnd` and `unschedulableAtEnd` are accepted for the
    /// `pods…` names, and `pendingAfter:<duration>` takes a simulated time (`30m`).
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if let Some(at) = s.strip_prefix("pendingAfter:") {
            let at: DurationMs = at
                .trim()
                .parse()
                .map_err(|e| format!("metric {s:?}: invalid duration: {e}"))?;
            return Ok(Metric::PendingAfter(at));
        }
        if let Some(rest) = s.strip_prefix("service:") {
            return ServiceMetric::parse(rest.trim()).map(Metric::Service);
        }
        if let Some(d) = s.strip_prefix("pendingAfterFault:") {
            let d: DurationMs = d
                .trim()
                .parse()
                .map_err(|e| format!("metric {s:?}: invalid duration: {e}"))?;
            return Ok(Metric::PendingAfterFault(d));
        }
        Ok(match s {
            "podsPendingAtEnd" | "pendingAtEnd" => Metric::PodsPendingAtEnd,
            "podsUnschedulableAtEnd" | "unschedulableAtEnd" => Metric::PodsUnschedulableAtEnd,
            "peakPending" => Metric::PeakPending,
            "schedulingFailures" => Metric::SchedulingFailures,
            "podsPreempted" => Metric::PodsPreempted,
            "podsFailed" => Metric::PodsFailed,
            "podsScheduled" => Metric::PodsScheduled,
            "peakCpuRequested" => Metric::PeakCpuRequested,
            "meanCpuRequested" => Metric::MeanCpuRequested,
            "peakMemRequested" => Metric::PeakMemRequested,
            "evictions" => Metric::Evictions,
            "oomKills" => Metric::OomKills,
            "minWorkloadAvailability" => Metric::MinWorkloadAvailability,
            "maxCascadeDepth" => Metric::MaxCascadeDepth,
            "timeToRecover" => Metric::TimeToRecover,
            "pendingAfter" => return Err(
                "metric pendingAfter needs a time: pendingAfter:<duration>, e.g. pendingAfter:30m"
                    .into(),
            ),
            other => return Err(format!("unknown metric {other:?} (known: {METRIC_NAMES})")),
        })
    }
}

/// A comparison of a threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `<=`
    Le,
    /// `<`
    Lt,
    /// `>=`
    Ge,
    /// `>`
    Gt,
}

impl Op {
    /// Whether `value op limit` holds.
    pub fn holds(self, value: f64, limit: f64) -> bool {
        match self {
            Op::Le => value <= limit,
            Op::Lt => value < limit,
            Op::Ge => value >= limit,
            Op::Gt => value > limit,
        }
    }

    /// Whether the threshold is an upper bound (smaller is better).
    pub fn is_upper(self) -> bool {
        matches!(self, Op::Le | Op::Lt)
    }

    /// `<=`, `<`, `>=`, `>`.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Le => "<=",
            Op::Lt => "<",
            Op::Ge => ">=",
            Op::Gt => ">",
        }
    }
}

/// `metric op limit`, e.g. `podsUnschedulableAtEnd<=0`.
#[derive(Clone, Debug, PartialEq)]
pub struct Threshold {
    /// The SLO's name: its `slo:` key, or the inline text.
    pub name: String,
    /// What is measured.
    pub metric: Metric,
    /// The comparison.
    pub op: Op,
    /// The limit.
    pub limit: f64,
}

impl Threshold {
    /// Whether `value` meets the threshold.
    pub fn holds(&self, value: f64) -> bool {
        self.op.holds(value, self.limit)
    }

    /// Parses an inline threshold `metric op number` (`op` is `<=`, `<`, `>=` or `>`).
    pub fn parse_inline(text: &str) -> Result<Threshold, String> {
        let pos = text
            .find(['<', '>'])
            .ok_or_else(|| format!("{text:?} is not a threshold (metric<=number)"))?;
        let (metric, rest) = text.split_at(pos);
        let (op, number) = if let Some(n) = rest.strip_prefix("<=") {
            (Op::Le, n)
        } else if let Some(n) = rest.strip_prefix(">=") {
            (Op::Ge, n)
        } else if let Some(n) = rest.strip_prefix('<') {
            (Op::Lt, n)
        } else {
            (Op::Gt, &rest[1..])
        };
        let metric: Metric = metric.parse()?;
        let limit: f64 = number
            .trim()
            .parse()
            .map_err(|_| format!("threshold {text:?}: {:?} is not a number", number.trim()))?;
        if !limit.is_finite() {
            return Err(format!("threshold {text:?}: the limit must be finite"));
        }
        Ok(Threshold {
            name: text.trim().to_string(),
            metric,
            op,
            limit,
        })
    }

    /// `metric op limit` as text.
    pub fn describe(&self) -> String {
        format!("{} {} {}", self.metric, self.op.as_str(), self.limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_metrics_and_round_trips_names() {
        for m in DEFAULT_METRICS {
            assert_eq!(m.to_string().parse::<Metric>().unwrap(), m);
        }
        assert_eq!(
            "pendingAtEnd".parse::<Metric>().unwrap(),
            Metric::PodsPendingAtEnd
        );
        let m: Metric = "pendingAfter:30m".parse().unwrap();
        assert_eq!(m, Metric::PendingAfter(DurationMs::from_millis(1_800_000)));
        assert_eq!(m.to_string().parse::<Metric>().unwrap(), m);
        assert!("nope"
            .parse::<Metric>()
            .unwrap_err()
            .contains("unknown metric"));
        assert!("pendingAfter".parse::<Metric>().is_err());
    }

    #[test]
    fn parses_inline_thresholds() {
        let t = Threshold::parse_inline("pendingAtEnd<=0").unwrap();
        assert_eq!(
            (t.metric, t.op, t.limit),
            (Metric::PodsPendingAtEnd, Op::Le, 0.0)
        );
        assert!(t.holds(0.0) && !t.holds(1.0));
        let t = Threshold::parse_inline(" peakCpuRequested < 0.8 ").unwrap();
        assert_eq!((t.op, t.limit), (Op::Lt, 0.8));
        let t = Threshold::parse_inline("podsScheduled>=10").unwrap();
        assert!(t.holds(10.0) && !t.op.is_upper());
        assert!(Threshold::parse_inline("peakPending<=x").is_err());
        assert!(Threshold::parse_inline("bogus<=1").is_err());
    }
}
