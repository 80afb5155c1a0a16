//! Per-service figures (`service:<name>.<figure>`, e.g. `service:checkout.availability`): each
//! read from the service's entry in `summary.json` `services[]` by one function
//! ([`service_value`]), for a run in memory (its summary serialised) and for a results
//! directory alike; the per-service SLOs of `slo.services`, and the error budget
//! ([`error_budget`]) written into the summary when the scenario sets an availability target.

use std::fmt;
use std::hash::Hash;

use serde_json::Value;

use super::metric::{Metric, Op, Threshold};
use crate::metrics::services::{ErrorBudget, ServiceSummary};
use crate::scenario::types::slo::{ServiceSlo, Slo};

/// Longest service name (a DNS label).
const NAME_MAX: usize = 63;

/// A service name held inline, so a [`Metric`] stays `Copy`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ServiceName {
    len: u8,
    bytes: [u8; NAME_MAX],
}

impl ServiceName {
    /// The name; an error when empty or longer than a DNS label (63 bytes).
    pub fn new(name: &str) -> Result<ServiceName, String> {
        if name.is_empty() || name.len() > NAME_MAX {
            return Err(format!(
                "{name:?} is not a service name (1 to {NAME_MAX} characters)"
            ));
        }
        let mut bytes = [0u8; NAME_MAX];
        bytes[..name.len()].copy_from_slice(name.as_bytes());
        Ok(ServiceName {
            len: name.len() as u8,
            bytes,
        })
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or("")
    }
}

impl fmt::Debug for ServiceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

/// One figure of a service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ServiceFigure {
    /// Successful / offered requests over the run.
    Availability,
    /// Median response time over the run, s.
    P50Latency,
    /// 95th percentile response time, s.
    P95Latency,
    /// 99th percentile response time, s.
    P99Latency,
    /// Highest error ratio over a 5-minute window.
    WorstErrorRate5m,
    /// Highest error ratio over a 1-hour window.
    WorstErrorRate1h,
    /// Share of the error budget consumed (needs an availability target).
    ErrorBudgetConsumed,
    /// Worst burn rate over a 5-minute window (needs an availability target).
    BurnRate5m,
    /// Worst burn rate over a 1-hour window (needs an availability target).
    BurnRate1h,
    /// Highest error share of a service tick.
    PeakErrorRate,
    /// Containers restarted by liveness or startup probes.
    ProbeRestarts,
    /// Largest backlog of the queues it consumes.
    PeakQueueBacklog,
}

impl ServiceFigure {
    /// Every figure.
    pub const ALL: [ServiceFigure; 12] = [
        ServiceFigure::Availability,
        ServiceFigure::P50Latency,
        ServiceFigure::P95Latency,
        ServiceFigure::P99Latency,
        ServiceFigure::WorstErrorRate5m,
        ServiceFigure::WorstErrorRate1h,
        ServiceFigure::ErrorBudgetConsumed,
        ServiceFigure::BurnRate5m,
        ServiceFigure::BurnRate1h,
        ServiceFigure::PeakErrorRate,
        ServiceFigure::ProbeRestarts,
        ServiceFigure::PeakQueueBacklog,
    ];

    /// Its name after `service:<name>.`.
    pub fn name(self) -> &'static str {
        match self {
            ServiceFigure::Availability => "availability",
            ServiceFigure::P50Latency => "p50Latency",
            ServiceFigure::P95Latency => "p95Latency",
            ServiceFigure::P99Latency => "p99Latency",
            ServiceFigure::WorstErrorRate5m => "worstErrorRate5m",
            ServiceFigure::WorstErrorRate1h => "worstErrorRate1h",
            ServiceFigure::ErrorBudgetConsumed => "errorBudgetConsumed",
            ServiceFigure::BurnRate5m => "burnRate5m",
            ServiceFigure::BurnRate1h => "burnRate1h",
            ServiceFigure::PeakErrorRate => "peakErrorRate",
            ServiceFigure::ProbeRestarts => "probeRestarts",
            ServiceFigure::PeakQueueBacklog => "peakQueueBacklog",
        }
    }

    /// Its path of keys in a `summary.json` `services[]` entry.
    pub fn path(self) -> &'static [&'static str] {
        match self {
            ServiceFigure::Availability => &["availability"],
            ServiceFigure::P50Latency => &["p50LatencyS"],
            ServiceFigure::P95Latency => &["p95LatencyS"],
            ServiceFigure::P99Latency => &["p99LatencyS"],
            ServiceFigure::WorstErrorRate5m => &["worstErrorRate5m"],
            ServiceFigure::WorstErrorRate1h => &["worstErrorRate1h"],
            ServiceFigure::ErrorBudgetConsumed => &["errorBudget", "consumed"],
            ServiceFigure::BurnRate5m => &["errorBudget", "burnRate5m"],
            ServiceFigure::BurnRate1h => &["errorBudget", "burnRate1h"],
            ServiceFigure::PeakErrorRate => &["peakErrorRate"],
            ServiceFigure::ProbeRestarts => &["probeRestarts"],
            ServiceFigure::PeakQueueBacklog => &["peakQueueBacklog"],
        }
    }

    /// A short description.
    pub fn label(self) -> &'static str {
        match self {
            ServiceFigure::Availability => "availability",
            ServiceFigure::P50Latency => "p50 latency",
            ServiceFigure::P95Latency => "p95 latency",
            ServiceFigure::P99Latency => "p99 latency",
            ServiceFigure::WorstErrorRate5m => "worst 5m error rate",
            ServiceFigure::WorstErrorRate1h => "worst 1h error rate",
            ServiceFigure::ErrorBudgetConsumed => "error budget consumed",
            ServiceFigure::BurnRate5m => "worst 5m burn rate",
            ServiceFigure::BurnRate1h => "worst 1h burn rate",
            ServiceFigure::PeakErrorRate => "peak error rate",
            ServiceFigure::ProbeRestarts => "probe restarts",
            ServiceFigure::PeakQueueBacklog => "peak queue backlog",
        }
    }

    /// What the value counts (for axes and the report's formatting).
    pub fn kind(self) -> FigureKind {
        match self {
            ServiceFigure::P50Latency | ServiceFigure::P95Latency | ServiceFigure::P99Latency => {
                FigureKind::Seconds
            }
            ServiceFigure::Availability
            | ServiceFigure::WorstErrorRate5m
            | ServiceFigure::WorstErrorRate1h
            | ServiceFigure::PeakErrorRate => FigureKind::Fraction,
            ServiceFigure::ErrorBudgetConsumed
            | ServiceFigure::BurnRate5m
            | ServiceFigure::BurnRate1h => FigureKind::Ratio,
            ServiceFigure::ProbeRestarts => FigureKind::Count("containers"),
            ServiceFigure::PeakQueueBacklog => FigureKind::Count("messages"),
        }
    }
}

/// What a service figure's value counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FigureKind {
    /// A fraction of requests (0 to 1).
    Fraction,
    /// Seconds.
    Seconds,
    /// A multiple of the error budget (1 = its own pace).
    Ratio,
    /// A count of the named things.
    Count(&'static str),
}

/// One figure of one service (`service:checkout.availability`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ServiceMetric {
    /// The service.
    pub service: ServiceName,
    /// The figure.
    pub figure: ServiceFigure,
}

impl fmt::Display for ServiceMetric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "service:{}.{}",
            self.service.as_str(),
            self.figure.name()
        )
    }
}

impl serde::Serialize for ServiceMetric {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The figure names, for messages.
pub fn figure_names() -> String {
    ServiceFigure::ALL.map(|f| f.name()).join(", ")
}

impl ServiceMetric {
    /// Parses `<name>.<figure>` (the text after `service:`).
    pub fn parse(text: &str) -> Result<ServiceMetric, String> {
        let Some((name, figure)) = text.rsplit_once('.') else {
            return Err(format!(
                "metric \"service:{text}\": give service:<name>.<figure> (figures: {})",
                figure_names()
            ));
        };
        let figure = ServiceFigure::ALL
            .into_iter()
            .find(|f| f.name() == figure)
            .ok_or_else(|| {
                format!(
                    "metric \"service:{text}\": unknown service figure {figure:?} (figures: {})",
                    figure_names()
                )
            })?;
        Ok(ServiceMetric {
            service: ServiceName::new(name)?,
            figure,
        })
    }
}

/// The figure `figure` of a `summary.json` `services[]` entry: a number, `"inf"` (unbounded
/// latency) as infinity, absent or null as None.
pub fn service_value(entry: &Value, figure: ServiceFigure) -> Option<f64> {
    let v = figure.path().iter().try_fold(entry, |v, k| v.get(k))?;
    match v {
        Value::String(s) if s == "inf" => Some(f64::INFINITY),
        v => v.as_f64(),
    }
}

/// The entry of service `name` in a `services[]` array.
pub fn service_entry<'a>(services: &'a Value, name: &str) -> Option<&'a Value> {
    services
        .as_array()?
        .iter()
        .find(|s| s.get("name").and_then(Value::as_str) == Some(name))
}

/// The figure for a run in memory: its summary entry serialised, read as from a file.
pub fn summary_value(
    services: &[ServiceSummary],
    name: &str,
    figure: ServiceFigure,
) -> Option<f64> {
    let s = services.iter().find(|s| s.name == name)?;
    let entry = serde_json::to_value(s).ok()?;
    service_value(&entry, figure)
}

/// The error budget of a service of `availability` whose worst window error ratios are
/// `worst_5m` and `worst_1h`, against `target` (< 1): consumed = (1 − availability) /
/// (1 − target), burn rate = window error ratio / (1 − target). The one definition.
pub fn error_budget(availability: f64, worst_5m: f64, worst_1h: f64, target: f64) -> ErrorBudget {
    let budget = (1.0 - target).max(f64::MIN_POSITIVE);
    let r6 = |v: f64| (v * 1e6).round() / 1e6;
    ErrorBudget {
        availability_target: target,
        consumed: r6((1.0 - availability).max(0.0) / budget),
        burn_rate_5m: r6(worst_5m / budget),
        burn_rate_1h: r6(worst_1h / budget),
    }
}

/// Sets each service's error budget in `services` from the availability targets of `slo`.
pub fn apply_targets(services: &mut [ServiceSummary], slo: Option<&Slo>) {
    let Some(slo) = slo else { return };
    for s in services {
        let target = slo.services.get(&s.name).and_then(|t| t.availability);
        s.error_budget = target.filter(|t| *t < 1.0).map(|t| {
            error_budget(
                s.availability,
                s.worst_error_rate_5m,
                s.worst_error_rate_1h,
                t,
            )
        });
    }
}

/// The SLO keys of one service's targets, each with its figure, comparison and limit.
fn service_targets(t: &ServiceSlo) -> Vec<(&'static str, ServiceFigure, Op, f64)> {
    let secs = |d: crate::scenario::DurationMs| d.as_millis() as f64 / 1000.0;
    let mut out = Vec::new();
    if let Some(a) = t.availability {
        out.push(("availability", ServiceFigure::Availability, Op::Ge, a));
    }
    for (key, fig, d) in [
        ("p50Latency", ServiceFigure::P50Latency, t.p50_latency),
        ("p95Latency", ServiceFigure::P95Latency, t.p95_latency),
        ("p99Latency", ServiceFigure::P99Latency, t.p99_latency),
    ] {
        if let Some(d) = d {
            out.push((key, fig, Op::Le, secs(d)));
        }
    }
    if let Some(b) = t.max_error_budget_burn {
        let fig = match t.burn_window.map(|w| w.as_millis()) {
            Some(300_000) => ServiceFigure::BurnRate5m,
            _ => ServiceFigure::BurnRate1h,
        };
        out.push(("maxErrorBudgetBurn", fig, Op::Le, b));
    }
    out
}

/// Every per-service threshold of `slo`, by service name then in the field order above; each
/// named `services.<name>.<key>`.
pub fn service_thresholds(slo: &Slo) -> Vec<Threshold> {
    let mut out = Vec::new();
    for (name, t) in &slo.services {
        let Ok(service) = ServiceName::new(name) else {
            continue;
        };
        for (key, figure, op, limit) in service_targets(t) {
            out.push(Threshold {
                name: format!("services.{name}.{key}"),
                metric: Metric::Service(ServiceMetric { service, figure }),
                op,
                limit,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_service_metrics() {
        let m: Metric = "service:checkout.availability".parse().unwrap();
        assert_eq!(m.to_string(), "service:checkout.availability");
        let Metric::Service(s) = m else { panic!() };
        assert_eq!(s.service.as_str(), "checkout");
        assert_eq!(s.figure, ServiceFigure::Availability);
        for f in ServiceFigure::ALL {
            let text = format!("service:a-b.{}", f.name());
            assert_eq!(text.parse::<Metric>().unwrap().to_string(), text);
        }
        assert!("service:checkout.nope"
            .parse::<Metric>()
            .unwrap_err()
            .contains("unknown"));
        assert!("service:checkout".parse::<Metric>().is_err());
        let long = format!("service:{}.availability", "x".repeat(64));
        assert!(long.parse::<Metric>().is_err());
        let t = Threshold::parse_inline("service:checkout.availability>=0.999").unwrap();
        assert_eq!((t.op, t.limit), (Op::Ge, 0.999));
    }

    #[test]
    fn error_budget_by_hand() {
        // 99.8 % available against 99.9 %: twice the budget; a 5m window at 1.44 % errors burns
        // 14.4× (the SRE workbook's page threshold).
        let b = error_budget(0.998, 0.0144, 0.004, 0.999);
        assert!((b.consumed - 2.0).abs() < 1e-9);
        assert!((b.burn_rate_5m - 14.4).abs() < 1e-9);
        assert!((b.burn_rate_1h - 4.0).abs() < 1e-9);
    }

    #[test]
    fn reads_figures_from_a_summary_entry() {
        let e: Value = serde_json::json!({"name": "a", "availability": 0.5, "p99LatencyS": "inf",
            "p50LatencyS": null, "errorBudget": {"burnRate1h": 3.0}});
        assert_eq!(service_value(&e, ServiceFigure::Availability), Some(0.5));
        assert_eq!(
            service_value(&e, ServiceFigure::P99Latency),
            Some(f64::INFINITY)
        );
        assert_eq!(service_value(&e, ServiceFigure::P50Latency), None);
        assert_eq!(service_value(&e, ServiceFigure::BurnRate1h), Some(3.0));
        assert_eq!(service_value(&e, ServiceFigure::BurnRate5m), None);
    }
}
