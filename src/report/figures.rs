//! The key figures of a run, each computed from whatever the results directory holds. A figure
//! whose inputs are absent is `None` ("n/a") with a note saying what is missing.

use serde::Serialize;
use serde_json::Value;

use super::columns as col;
use super::data::RunData;
use super::format::{self, Unit};
use crate::figures::services::ServiceMetric;
use crate::figures::view::{RunView, SummaryField};
use crate::figures::Metric;
use crate::scenario::types::slo::{PendingAfter, Slo};

/// Identifies a figure (also its key in `report.json` and `compare.json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum FigureKey {
    /// Highest `pods_pending` at any sample.
    PeakPending,
    /// `podsUnschedulableAtEnd`.
    UnschedulableAtEnd,
    /// Highest `pods_pending` after the `maxPendingAfter` grace period (only with that SLO).
    PendingAfter,
    /// Highest `nodes_memory_pressure`.
    PeakNodesUnderPressure,
    /// Evictions over the run.
    Evictions,
    /// OOM kills over the run.
    OomKills,
    /// Rows of `cascades.csv`.
    Cascades,
    /// Largest `depth` in `cascades.csv`.
    WorstCascadeDepth,
    /// Lowest workload availability.
    WorstAvailability,
    /// Longest time to recover from a fault.
    TimeToRecover,
    /// Pods created.
    PodsCreated,
    /// Failed scheduling cycles.
    SchedulingFailures,
    /// Pods deleted by preemption.
    PodsPreempted,
    /// Pods failed.
    PodsFailed,
    /// Jobs failed with `BackoffLimitExceeded` (runs with Jobs only).
    JobsFailed,
    /// Peak CPU requested / allocatable over Ready nodes (requests of pods on Ready nodes).
    PeakCpuRequested,
    /// Peak memory requested / allocatable over Ready nodes.
    PeakMemRequested,
    /// Peak CPU requested / allocatable over all nodes (Ready or not).
    PeakCpuRequestedAllNodes,
    /// Peak memory requested / allocatable over all nodes.
    PeakMemRequestedAllNodes,
    /// Peak nodes above 90 % requested.
    PeakNodesOver90,
    /// A figure of one service (only those the scenario's `slo.services` sets).
    Service(ServiceMetric),
}

impl FigureKey {
    /// The figure that shows `m`'s value (the figure an SLO on `m` is judged by); None for a
    /// metric the report does not show.
    pub fn of_metric(m: Metric) -> Option<FigureKey> {
        Some(match m {
            Metric::PodsPendingAtEnd | Metric::PodsScheduled | Metric::MeanCpuRequested => {
                return None
            }
            Metric::PeakPending => FigureKey::PeakPending,
            Metric::PodsUnschedulableAtEnd => FigureKey::UnschedulableAtEnd,
            Metric::PendingAfter(_) | Metric::PendingAfterFault(_) => FigureKey::PendingAfter,
            Metric::SchedulingFailures => FigureKey::SchedulingFailures,
            Metric::PodsPreempted => FigureKey::PodsPreempted,
            Metric::PodsFailed => FigureKey::PodsFailed,
            Metric::PeakCpuRequested => FigureKey::PeakCpuRequested,
            Metric::PeakMemRequested => FigureKey::PeakMemRequested,
            Metric::Evictions => FigureKey::Evictions,
            Metric::OomKills => FigureKey::OomKills,
            Metric::MinWorkloadAvailability => FigureKey::WorstAvailability,
            Metric::MaxCascadeDepth => FigureKey::WorstCascadeDepth,
            Metric::TimeToRecover => FigureKey::TimeToRecover,
            Metric::Service(s) => FigureKey::Service(s),
        })
    }
}

/// One figure of a run.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Figure {
    /// Which figure.
    pub key: FigureKey,
    /// Human label.
    pub label: String,
    /// How to show it.
    pub unit: Unit,
    /// The value; None when the run lacks its inputs. `+∞` for "not recovered".
    #[serde(serialize_with = "finite_or_null")]
    pub value: Option<f64>,
    /// Why it is n/a, or a detail (which workload, how many faults).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Whether it belongs in the summary table's key figures (else "more figures").
    pub key_figure: bool,
}

fn finite_or_null<S: serde::Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(x) if x.is_finite() => s.serialize_some(x),
        _ => s.serialize_none(),
    }
}

impl Figure {
    /// The value as shown in tables.
    pub fn display(&self) -> String {
        format::value(self.unit, self.value)
    }
}

/// Run identity and the figures.
#[derive(Debug, Clone)]
pub struct Figures {
    /// Fleet size; None when unknown.
    pub fleet: Option<f64>,
    /// Where the fleet size came from.
    pub fleet_note: &'static str,
    /// In display order.
    pub list: Vec<Figure>,
}

impl Figures {
    /// The figure `key`, if computed.
    pub fn get(&self, key: FigureKey) -> Option<&Figure> {
        self.list.iter().find(|f| f.key == key)
    }
}

fn max_of(v: &[f64]) -> Option<f64> {
    v.iter()
        .copied()
        .filter(|x| !x.is_nan())
        .fold(None, |m, x| Some(m.map_or(x, |m: f64| m.max(x))))
}

/// Computes every figure of `run`; `slo` decides the `PendingAfter` figure's grace period.
pub fn compute(run: &RunData, slo: Option<&Slo>) -> Figures {
    let ts = &run.ts;
    let mut list = Vec::new();
    let mut push = |key, label: &str, unit, value: Option<f64>, note: Option<String>, kf| {
        list.push(Figure {
            key,
            label: label.to_owned(),
            unit,
            value,
            note,
            key_figure: kf,
        });
    };
    let missing = |what: &str| Some(format!("not recorded in this run ({what})"));

    let peak_pending = Metric::PeakPending.get(run);
    push(
        FigureKey::PeakPending,
        "Peak pending pods",
        Unit::Count,
        peak_pending,
        peak_pending.is_none().then(|| "no samples".to_owned()),
        true,
    );
    let unsched = Metric::PodsUnschedulableAtEnd.get(run);
    push(
        FigureKey::UnschedulableAtEnd,
        "Unschedulable pods at end",
        Unit::Count,
        unsched,
        unsched
            .is_none()
            .then(|| missing(col::S_UNSCHEDULABLE_AT_END).unwrap()),
        true,
    );
    if let Some(after) = slo.and_then(|s| s.max_pending_after.as_ref()) {
        let (label, value, note) = pending_after(run, after);
        push(
            FigureKey::PendingAfter,
            &label,
            Unit::Count,
            value,
            note,
            true,
        );
    }
    let pressure = ts.get(col::NODES_MEMORY_PRESSURE).and_then(max_of);
    push(
        FigureKey::PeakNodesUnderPressure,
        "Nodes under memory pressure (peak)",
        Unit::Count,
        pressure,
        pressure
            .is_none()
            .then(|| missing(col::NODES_MEMORY_PRESSURE).unwrap()),
        true,
    );
    for (key, label, metric, s_key) in [
        (
            FigureKey::Evictions,
            "Evictions",
            Metric::Evictions,
            col::S_EVICTIONS,
        ),
        (
            FigureKey::OomKills,
            "OOM kills",
            Metric::OomKills,
            col::S_OOM_KILLS,
        ),
    ] {
        let v = metric.get(run);
        push(
            key,
            label,
            Unit::Count,
            v,
            v.is_none().then(|| missing(s_key).unwrap()),
            true,
        );
    }
    let cascades = run
        .cascades
        .as_ref()
        .map(|t| t.len() as f64)
        .or_else(|| run.summary(SummaryField::Cascades));
    push(
        FigureKey::Cascades,
        "Cascades",
        Unit::Count,
        cascades,
        match cascades {
            None => missing(col::CASCADES_FILE),
            Some(_) => largest_cascade_note(run),
        },
        true,
    );
    let depth = Metric::MaxCascadeDepth.get(run);
    push(
        FigureKey::WorstCascadeDepth,
        "Worst cascade depth",
        Unit::Count,
        depth,
        depth
            .is_none()
            .then(|| missing(col::CASCADES_FILE).unwrap()),
        true,
    );
    let avail = Metric::MinWorkloadAvailability.get(run);
    push(
        FigureKey::WorstAvailability,
        "Worst workload availability",
        Unit::Fraction,
        avail,
        worst_availability_note(run, avail),
        true,
    );
    let ttr = Metric::TimeToRecover.get(run);
    push(
        FigureKey::TimeToRecover,
        "Time to recover (worst fault)",
        Unit::Seconds,
        ttr,
        recovery_note(run),
        true,
    );

    let v = run.summary_num(col::S_PODS_CREATED);
    push(
        FigureKey::PodsCreated,
        "Pods created",
        Unit::Count,
        v,
        v.is_none().then(|| missing(col::S_PODS_CREATED).unwrap()),
        false,
    );
    for (key, label, metric, s_key) in [
        (
            FigureKey::SchedulingFailures,
            "Failed scheduling cycles",
            Metric::SchedulingFailures,
            col::S_SCHED_FAILURES,
        ),
        (
            FigureKey::PodsPreempted,
            "Pods preempted",
            Metric::PodsPreempted,
            col::S_PODS_PREEMPTED,
        ),
        (
            FigureKey::PodsFailed,
            "Pods failed",
            Metric::PodsFailed,
            col::S_PODS_FAILED,
        ),
    ] {
        let v = metric.get(run);
        push(
            key,
            label,
            Unit::Count,
            v,
            v.is_none().then(|| missing(s_key).unwrap()),
            false,
        );
    }
    if let Some(v) = run.summary_num(col::S_JOBS_FAILED) {
        let ok = run.summary_num(col::S_JOBS_SUCCEEDED);
        push(
            FigureKey::JobsFailed,
            "Jobs failed (BackoffLimitExceeded)",
            Unit::Count,
            Some(v),
            ok.map(|n| format!("{} succeeded", format::count(n))),
            false,
        );
    }
    utilisation_figures(run, &mut push);
    let over90 = ts.get(col::NODES_OVER_90).and_then(max_of);
    push(
        FigureKey::PeakNodesOver90,
        "Peak nodes above 90 % requested",
        Unit::Count,
        over90,
        over90
            .is_none()
            .then(|| missing(col::NODES_OVER_90).unwrap()),
        false,
    );

    // The per-service figures the scenario's SLOs judge, by the one definition.
    if let Some(slo) = slo {
        for t in crate::figures::services::service_thresholds(slo) {
            let Metric::Service(m) = t.metric else {
                continue;
            };
            if list.iter().any(|f| f.key == FigureKey::Service(m)) {
                continue;
            }
            let v = t.metric.get(run);
            list.push(Figure {
                key: FigureKey::Service(m),
                label: format!("Service {}: {}", m.service.as_str(), m.figure.label()),
                unit: super::slo::unit_of(t.metric),
                value: v,
                note: v
                    .is_none()
                    .then(|| "not recorded in this run (summary.json services)".to_owned()),
                key_figure: true,
            });
        }
    }

    let (fleet, fleet_note) = if let Some(n) = &run.nodes {
        (Some(n.len() as f64), "")
    } else {
        (ts.get(col::NODES_READY).and_then(max_of), " (peak Ready)")
    };
    Figures {
        fleet,
        fleet_note,
        list,
    }
}

/// The peak of `req / alloc` over the samples, by the one definition of a utilisation figure
/// ([`crate::metrics::requested_fraction`]); None without both columns.
fn peak_fraction(run: &RunData, req: &str, alloc: &str) -> Option<f64> {
    let (r, a) = (run.ts.get(req)?, run.ts.get(alloc)?);
    max_of(
        &r.iter()
            .zip(a)
            .filter_map(|(r, a)| crate::metrics::requested_fraction(*r, *a))
            .collect::<Vec<_>>(),
    )
}

/// Peak requested / allocatable, each over one node set: Ready nodes (requests of the pods on
/// Ready nodes over their allocatable: the capacity workloads have; the figure `sweep` and
/// `plan` judge) and all nodes (requests of every bound pod over every node's allocatable).
fn utilisation_figures(
    run: &RunData,
    push: &mut impl FnMut(FigureKey, &str, Unit, Option<f64>, Option<String>, bool),
) {
    for (key, all_key, what, metric, req, req_ready, alloc_all) in [
        (
            FigureKey::PeakCpuRequested,
            FigureKey::PeakCpuRequestedAllNodes,
            "CPU",
            Metric::PeakCpuRequested,
            col::CPU_REQUESTED,
            col::CPU_REQUESTED_READY,
            col::CPU_ALLOCATABLE_ALL,
        ),
        (
            FigureKey::PeakMemRequested,
            FigureKey::PeakMemRequestedAllNodes,
            "memory",
            Metric::PeakMemRequested,
            col::MEM_REQUESTED,
            col::MEM_REQUESTED_READY,
            col::MEM_ALLOCATABLE_ALL,
        ),
    ] {
        let v = metric.get(run);
        push(
            key,
            &format!("Peak {what} requested / allocatable (Ready nodes)"),
            Unit::Fraction,
            v,
            v.is_none()
                .then(|| format!("not recorded in this run ({req_ready})")),
            false,
        );
        let all = peak_fraction(run, req, alloc_all);
        let note = all
            .is_none()
            .then(|| format!("not recorded in this run ({alloc_all})"));
        push(
            all_key,
            &format!("Peak {what} requested / allocatable (all nodes)"),
            Unit::Fraction,
            all,
            note,
            false,
        );
    }
}

/// Label, value and note of the `maxPendingAfter` figure (its value by the SLO's metric).
fn pending_after(run: &RunData, after: &PendingAfter) -> (String, Option<f64>, Option<String>) {
    if let Some(at) = after.at {
        let v = Metric::PendingAfter(at).get(run);
        let note = v.is_none().then(|| format!("no sample at or after {at}"));
        return (format!("Peak pending pods from {at}"), v, note);
    }
    let grace = after.fault.unwrap_or_default();
    let label = format!("Peak pending pods {grace} after a fault");
    let v = Metric::PendingAfterFault(grace).get(run);
    let note = match &run.faults {
        None => format!("no fault data in this run ({})", col::FAULTS_FILE),
        Some(f) if f.is_empty() => "no faults in this run".into(),
        Some(f) => format!("{} fault(s)", f.len()),
    };
    (label, v, Some(note))
}

/// `largest: 4,120 effects (fault zone-b)`, when `cascades.csv` has rows and sizes.
fn largest_cascade_note(run: &RunData) -> Option<String> {
    let t = run.cascades.as_ref()?;
    let size = t.col(col::C_SIZE)?;
    let r = (0..t.len()).max_by(|&a, &b| {
        let (x, y) = (t.num(a, size).unwrap_or(0.0), t.num(b, size).unwrap_or(0.0));
        x.total_cmp(&y).then(b.cmp(&a))
    })?;
    let root = t.joined(r, &[t.col(col::C_ROOT_KIND), t.col(col::C_ROOT_TARGET)]);
    let root = if root.is_empty() {
        String::new()
    } else {
        format!(" ({root})")
    };
    Some(format!(
        "largest: {} effects{root}",
        format::count(t.num(r, size).unwrap_or(0.0))
    ))
}

/// Which workload has the lowest availability `avail` (with its minimum and time below
/// desired from `workloads.csv`), or why there is none.
fn worst_availability_note(run: &RunData, avail: Option<f64>) -> Option<String> {
    let Some(a) = avail else {
        return Some(format!(
            "not recorded in this run ({} {:?})",
            col::SUMMARY_FILE,
            col::S_RESILIENCE
        ));
    };
    let name = run
        .summary
        .get(col::S_RESILIENCE)
        .and_then(|r| r.get(col::S_WORST_WORKLOAD))
        .and_then(Value::as_str)
        .or_else(|| {
            run.summary_workloads().iter().find_map(|w| {
                let v = w.get(col::S_AVAILABILITY).and_then(Value::as_f64)?;
                (v == a)
                    .then(|| w.get(col::S_WORKLOAD_NAME).and_then(Value::as_str))
                    .flatten()
            })
        })?
        .to_owned();
    let detail = run.workloads.as_ref().and_then(|t| {
        let n = t.col(col::W_NAME)?;
        let r = (0..t.len()).find(|&r| t.text(r, n) == name)?;
        let parts: Vec<String> = [
            t.col(col::W_MIN_AVAILABILITY)
                .and_then(|c| t.num(r, c))
                .map(|m| format!("min {}", format::percent(m))),
            t.col(col::W_MINUTES_BELOW)
                .and_then(|c| t.num(r, c))
                .map(|m| format!("{} below desired", format::duration(m * 60.0))),
        ]
        .into_iter()
        .flatten()
        .collect();
        (!parts.is_empty()).then(|| format!("{name} ({})", parts.join(", ")))
    });
    Some(detail.unwrap_or(name))
}

/// How many fault cascades there were and how many did not recover, or why there is no figure.
fn recovery_note(run: &RunData) -> Option<String> {
    let Some(rec) = run.fault_recoveries() else {
        return Some(format!("not recorded in this run ({})", col::CASCADES_FILE));
    };
    let unrecovered = rec.iter().filter(|r| r.is_none()).count();
    Some(if rec.is_empty() {
        "no fault cascades in this run".into()
    } else if unrecovered > 0 {
        format!(
            "{unrecovered} of {} fault cascade(s) not recovered by the end",
            rec.len()
        )
    } else {
        format!("{} fault cascade(s)", rec.len())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::data::{Fault, Series};
    use serde_json::json;
    use std::path::PathBuf;

    fn run(cols: Vec<(&str, Vec<f64>)>, faults: Option<Vec<Fault>>) -> RunData {
        let ts = Series::from_columns(cols.into_iter().map(|(n, v)| (n.to_owned(), v)).collect());
        RunData {
            dir: PathBuf::new(),
            summary: json!({"scenario": "s", "seed": 1, "podsUnschedulableAtEnd": 2}),
            scenario: "s".into(),
            seed: 1,
            duration_s: 600.0,
            ts,
            zones: vec![],
            faults,
            cascades: None,
            nodes: None,
            workloads: None,
            node_samples: None,
            effects: None,
            workload_availability: None,
            hpa: None,
            slo: None,
        }
    }

    fn fault(s: f64, e: Option<f64>) -> Fault {
        Fault {
            start_s: s,
            end_s: e,
            label: String::new(),
        }
    }

    #[test]
    fn pending_after_fault_and_at() {
        let r = run(
            vec![
                ("time_s", vec![60., 120., 180., 240., 300.]),
                ("pods_pending", vec![0., 50., 7., 3., 0.]),
            ],
            Some(vec![fault(100.0, Some(130.0))]),
        );
        let after = |fault: Option<u64>, at: Option<u64>| PendingAfter {
            fault: fault.map(crate::scenario::DurationMs::from_secs),
            at: at.map(crate::scenario::DurationMs::from_secs),
            pods: 0,
        };
        assert_eq!(pending_after(&r, &after(Some(60), None)).1, Some(7.0));
        assert_eq!(pending_after(&r, &after(None, Some(240))).1, Some(3.0));
        let none = run(
            vec![("time_s", vec![60.]), ("pods_pending", vec![0.])],
            None,
        );
        assert_eq!(pending_after(&none, &after(Some(60), None)).1, None);
    }

    #[test]
    fn recovery_comes_from_fault_cascades_when_recorded() {
        let mut r = run(
            vec![("time_s", vec![60.]), ("pods_pending", vec![0.])],
            None,
        );
        r.cascades = Some(crate::report::data::TextTable::from_rows(
            &[
                "root_kind",
                "root_time_s",
                "effects",
                "depth",
                "time_to_recovery_s",
            ],
            &[
                &["fault", "10.000", "4", "2", "300.000"],
                &["overload_failure", "20.000", "9", "3", "not recovered"],
                &["fault", "30.000", "1", "1", "120.500"],
            ],
        ));
        r.summary = json!({"scenario": "s", "seed": 1,
            "resilience": {"cascades": 3, "maxCascadeDepth": 3}});
        let f = compute(&r, None);
        let ttr = f.get(FigureKey::TimeToRecover).unwrap();
        assert_eq!(ttr.note.as_deref(), Some("2 fault cascade(s)"));
        assert_eq!(f.get(FigureKey::Cascades).unwrap().value, Some(3.0));
        assert_eq!(
            f.get(FigureKey::WorstCascadeDepth).unwrap().value,
            Some(3.0)
        );
        assert_eq!(f.get(FigureKey::TimeToRecover).unwrap().value, Some(300.0));
    }

    /// Issue 14 item 2: failed Jobs are shown (with the succeeded count), only for runs with
    /// Jobs.
    #[test]
    fn failed_jobs_are_a_figure() {
        let mut r = run(vec![("time_s", vec![60.])], None);
        assert!(compute(&r, None).get(FigureKey::JobsFailed).is_none());
        r.summary = json!({"scenario": "s", "seed": 1, "jobsFailed": 3, "jobsSucceeded": 40});
        let f = compute(&r, None);
        let jf = f.get(FigureKey::JobsFailed).unwrap();
        assert_eq!(jf.value, Some(3.0));
        assert_eq!(jf.note.as_deref(), Some("40 succeeded"));
        assert!(jf.label.contains("BackoffLimitExceeded"));
    }

    #[test]
    fn figures_without_later_columns_are_na() {
        let r = run(
            vec![("time_s", vec![60.]), ("pods_pending", vec![4.])],
            None,
        );
        let f = compute(&r, None);
        assert_eq!(f.get(FigureKey::PeakPending).unwrap().value, Some(4.0));
        assert_eq!(
            f.get(FigureKey::UnschedulableAtEnd).unwrap().value,
            Some(2.0)
        );
        assert_eq!(f.get(FigureKey::Evictions).unwrap().value, None);
        assert!(f.get(FigureKey::PendingAfter).is_none());
    }
}
