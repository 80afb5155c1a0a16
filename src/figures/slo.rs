//! The SLOs of a scenario's `slo:` section, each a threshold on one figure ([`Metric`]),
//! defined once in [`SLOS`]: `report` (and `run`'s exit code) judges a results directory by
//! them, `plan --slo <key>` and `sweep` judge runs in memory by the same thresholds.

use super::metric::{Metric, Op, Threshold, METRIC_NAMES};
use super::services::service_thresholds;
use crate::scenario::types::slo::Slo;
use crate::scenario::ScenarioFile;

/// One SLO: its key in `slo:`, and the threshold it sets when the scenario sets it.
#[derive(Clone, Copy)]
pub struct SloDef {
    /// The key in the scenario's `slo:` section (`maxPeakPending`).
    pub key: &'static str,
    /// The figure it bounds, for the documentation.
    pub doc: &'static str,
    /// The figure, comparison and limit, when `slo` sets this key.
    pub threshold: fn(&Slo) -> Option<(Metric, Op, f64)>,
}

/// Every SLO, in the order of the scenario format (and of the report's verdicts).
pub const SLOS: [SloDef; 8] = [
    SloDef {
        key: "maxPendingAfter",
        doc: "`{at, pods}`: `pendingAfter:<at>` ≤ pods; `{fault, pods}`: `pendingAfterFault:<fault>` ≤ pods",
        threshold: |s| {
            let p = s.max_pending_after.as_ref()?;
            let metric = match (p.at, p.fault) {
                (Some(at), _) => Metric::PendingAfter(at),
                (None, Some(grace)) => Metric::PendingAfterFault(grace),
                (None, None) => return None,
            };
            Some((metric, Op::Le, p.pods as f64))
        },
    },
    SloDef {
        key: "maxUnschedulableAtEnd",
        doc: "`podsUnschedulableAtEnd` ≤ value",
        threshold: |s| {
            let v = s.max_unschedulable_at_end?;
            Some((Metric::PodsUnschedulableAtEnd, Op::Le, v as f64))
        },
    },
    SloDef {
        key: "maxPeakPending",
        doc: "`peakPending` ≤ value",
        threshold: |s| Some((Metric::PeakPending, Op::Le, s.max_peak_pending? as f64)),
    },
    SloDef {
        key: "minWorkloadAvailability",
        doc: "`minWorkloadAvailability` ≥ value (fraction of 1)",
        threshold: |s| {
            let v = s.min_workload_availability?;
            Some((Metric::MinWorkloadAvailability, Op::Ge, v))
        },
    },
    SloDef {
        key: "maxEvictions",
        doc: "`evictions` ≤ value (not evaluated without the usage model)",
        threshold: |s| Some((Metric::Evictions, Op::Le, s.max_evictions? as f64)),
    },
    SloDef {
        key: "maxOomKills",
        doc: "`oomKills` ≤ value (not evaluated without the usage model)",
        threshold: |s| Some((Metric::OomKills, Op::Le, s.max_oom_kills? as f64)),
    },
    SloDef {
        key: "maxCascadeDepth",
        doc: "`maxCascadeDepth` ≤ value",
        threshold: |s| Some((Metric::MaxCascadeDepth, Op::Le, s.max_cascade_depth? as f64)),
    },
    SloDef {
        key: "maxTimeToRecover",
        doc: "`timeToRecover` ≤ value (a duration; a fault cascade not recovered fails)",
        threshold: |s| {
            let d = s.max_time_to_recover?;
            Some((Metric::TimeToRecover, Op::Le, d.as_millis() as f64 / 1000.0))
        },
    },
];

impl SloDef {
    /// This SLO's threshold in `slo`, None when `slo` does not set it.
    pub fn get(&self, slo: &Slo) -> Option<Threshold> {
        (self.threshold)(slo).map(|(metric, op, limit)| Threshold {
            name: self.key.to_string(),
            metric,
            op,
            limit,
        })
    }
}

/// Every threshold `slo` sets, in the order of [`SLOS`], then the per-service targets
/// (`slo.services`, by service name; [`super::services::service_thresholds`]).
pub fn thresholds(slo: &Slo) -> Vec<Threshold> {
    let mut out: Vec<Threshold> = SLOS.iter().filter_map(|d| d.get(slo)).collect();
    out.extend(service_thresholds(slo));
    out
}

/// The threshold for the key `name` of a scenario's `slo:` section.
///
/// Errors say whether the key is unknown or not set in the scenario.
pub fn threshold_from_slo(slo: Option<&Slo>, name: &str) -> Result<Threshold, String> {
    let default = Slo::default();
    let slo = slo.unwrap_or(&default);
    if let Some(rest) = name.strip_prefix("services.") {
        return service_thresholds(slo)
            .into_iter()
            .find(|t| t.name == name)
            .ok_or_else(|| {
                format!(
                    "the scenario's slo: section does not set {name} (slo.services.<service>.<key>; {rest:?} not found)"
                )
            });
    }
    let Some(def) = SLOS.iter().find(|d| d.key == name) else {
        let keys: Vec<&str> = SLOS.iter().map(|d| d.key).collect();
        return Err(format!(
            "--slo {name:?} is neither an inline threshold (metric<=number, metrics: {METRIC_NAMES}) nor a key of slo: ({})",
            keys.join(", ")
        ));
    };
    def.get(slo).ok_or_else(|| {
        format!(
            "the scenario's slo: section does not set {name}; set it there or give an inline threshold such as --slo 'podsUnschedulableAtEnd<=0'"
        )
    })
}

/// A threshold from `--slo`: inline when it contains `<` or `>`, else a key of `slo:`.
pub fn parse_slo(slo: Option<&Slo>, text: &str) -> Result<Threshold, String> {
    if text.contains(['<', '>']) {
        Threshold::parse_inline(text)
    } else {
        threshold_from_slo(slo, text.trim())
    }
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
    use crate::scenario::types::slo::PendingAfter;
    use crate::scenario::DurationMs;

    #[test]
    fn named_slos_come_from_the_scenario() {
        let slo = Slo {
            max_peak_pending: Some(5),
            max_pending_after: Some(PendingAfter {
                fault: None,
                at: Some(DurationMs::from_millis(60_000)),
                pods: 0,
            }),
            ..Default::default()
        };
        let t = parse_slo(Some(&slo), "maxPeakPending").unwrap();
        assert_eq!((t.metric, t.limit), (Metric::PeakPending, 5.0));
        let t = parse_slo(Some(&slo), "maxPendingAfter").unwrap();
        assert_eq!(
            t.metric,
            Metric::PendingAfter(DurationMs::from_millis(60_000))
        );
        assert!(parse_slo(Some(&slo), "maxUnschedulableAtEnd")
            .unwrap_err()
            .contains("does not set"));
        assert!(parse_slo(None, "maxCascadeDepth")
            .unwrap_err()
            .contains("does not set"));
        let failures = Slo {
            max_pending_after: Some(PendingAfter {
                fault: Some(DurationMs::from_secs(900)),
                at: None,
                pods: 0,
            }),
            min_workload_availability: Some(0.99),
            max_cascade_depth: Some(3),
            max_time_to_recover: Some(DurationMs::from_secs(1800)),
            ..Slo::default()
        };
        let t = parse_slo(Some(&failures), "maxPendingAfter").unwrap();
        assert_eq!(
            t.metric,
            Metric::PendingAfterFault(DurationMs::from_secs(900))
        );
        let t = parse_slo(Some(&failures), "minWorkloadAvailability").unwrap();
        assert_eq!(
            (t.metric, t.op, t.limit),
            (Metric::MinWorkloadAvailability, Op::Ge, 0.99)
        );
        assert!(t.holds(0.995) && !t.holds(0.98));
        let t = parse_slo(Some(&failures), "maxTimeToRecover").unwrap();
        assert_eq!((t.metric, t.limit), (Metric::TimeToRecover, 1800.0));
        assert!(!t.holds(f64::INFINITY), "not recovered fails");
        let t = parse_slo(Some(&failures), "maxCascadeDepth").unwrap();
        assert_eq!((t.metric, t.limit), (Metric::MaxCascadeDepth, 3.0));
        for m in [
            "pendingAfterFault:15m",
            "minWorkloadAvailability",
            "maxCascadeDepth",
            "timeToRecover",
        ] {
            let parsed: Metric = m.parse().unwrap();
            assert_eq!(parsed.to_string(), m);
        }
        assert!(parse_slo(None, "maxEvictions")
            .unwrap_err()
            .contains("does not set"));
        assert!(parse_slo(None, "whatever").unwrap_err().contains("neither"));
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
