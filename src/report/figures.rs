//! The key figures of a run, each computed from whatever the results directory holds. A figure
//! whose inputs are absent is `None` ("n/a") with a note saying what is missing.

use serde::Serialize;
use serde_json::Value;

use super::columns as col;
use super::data::RunData;
use super::format::{self, Unit};
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

fn sum_of(v: &[f64]) -> f64 {
    v.iter().copied().filter(|x| !x.is_nan()).sum()
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

    let peak_pending = ts.get(col::PODS_PENDING).and_then(max_of);
    push(
        FigureKey::PeakPending,
        "Peak pending pods",
        Unit::Count,
        peak_pending,
        peak_pending.is_none().then(|| "no samples".to_owned()),
        true,
    );
    let unsched = run.summary_num(col::S_UNSCHEDULABLE_AT_END);
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
    for (key, label, s_key, column) in [
        (
            FigureKey::Evictions,
            "Evictions",
            col::S_EVICTIONS,
            col::EVICTIONS,
        ),
        (
            FigureKey::OomKills,
            "OOM kills",
            col::S_OOM_KILLS,
            col::OOM_KILLS,
        ),
    ] {
        let v = run
            .summary_num(s_key)
            .or_else(|| ts.get(column).map(sum_of));
        push(
            key,
            label,
            Unit::Count,
            v,
            v.is_none().then(|| missing(column).unwrap()),
            true,
        );
    }
    let (cascades, depth, cnote) = match &run.cascades {
        None => (None, None, missing(col::CASCADES_FILE)),
        Some(t) => match t.col(col::C_DEPTH) {
            None => (
                Some(t.len() as f64),
                None,
                Some(format!(
                    "{} has no {:?} column",
                    col::CASCADES_FILE,
                    col::C_DEPTH
                )),
            ),
            Some(d) => (
                Some(t.len() as f64),
                Some((0..t.len()).filter_map(|r| t.num(r, d)).fold(0.0, f64::max)),
                None,
            ),
        },
    };
    push(
        FigureKey::Cascades,
        "Cascades",
        Unit::Count,
        cascades,
        match cascades {
            None => Some(cnote.clone().unwrap_or_default()),
            Some(_) => largest_cascade_note(run),
        },
        true,
    );
    push(
        FigureKey::WorstCascadeDepth,
        "Worst cascade depth",
        Unit::Count,
        depth,
        depth.is_none().then(|| cnote.unwrap_or_default()),
        true,
    );
    let (avail, anote) = worst_availability(run);
    push(
        FigureKey::WorstAvailability,
        "Worst workload availability",
        Unit::Fraction,
        avail,
        anote,
        true,
    );
    let (ttr, tnote) = cascade_recovery(run).unwrap_or_else(|| time_to_recover(run));
    push(
        FigureKey::TimeToRecover,
        "Time to recover (worst fault)",
        Unit::Seconds,
        ttr,
        tnote,
        true,
    );

    for (key, label, s_key) in [
        (FigureKey::PodsCreated, "Pods created", col::S_PODS_CREATED),
        (
            FigureKey::SchedulingFailures,
            "Failed scheduling cycles",
            col::S_SCHED_FAILURES,
        ),
        (
            FigureKey::PodsPreempted,
            "Pods preempted",
            col::S_PODS_PREEMPTED,
        ),
        (FigureKey::PodsFailed, "Pods failed", col::S_PODS_FAILED),
    ] {
        let v = run.summary_num(s_key);
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

    let (fleet, fleet_note) = if let Some(n) = run.summary_num(col::S_NODES) {
        (Some(n), "")
    } else if let Some(n) = &run.nodes {
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
/// Ready nodes over their allocatable: the capacity workloads have) and all nodes (requests of
/// every bound pod over every node's allocatable). Results without the `_ready` columns (older
/// recorders) get the Ready figure from requests on all nodes, with a note saying so.
fn utilisation_figures(
    run: &RunData,
    push: &mut impl FnMut(FigureKey, &str, Unit, Option<f64>, Option<String>, bool),
) {
    for (key, all_key, what, req, req_ready, alloc, alloc_all) in [
        (
            FigureKey::PeakCpuRequested,
            FigureKey::PeakCpuRequestedAllNodes,
            "CPU",
            col::CPU_REQUESTED,
            col::CPU_REQUESTED_READY,
            col::CPU_ALLOCATABLE,
            col::CPU_ALLOCATABLE_ALL,
        ),
        (
            FigureKey::PeakMemRequested,
            FigureKey::PeakMemRequestedAllNodes,
            "memory",
            col::MEM_REQUESTED,
            col::MEM_REQUESTED_READY,
            col::MEM_ALLOCATABLE,
            col::MEM_ALLOCATABLE_ALL,
        ),
    ] {
        let ready = peak_fraction(run, req_ready, alloc);
        let (v, note) = match ready {
            Some(v) => (Some(v), None),
            None => match peak_fraction(run, req, alloc) {
                Some(v) => (
                    Some(v),
                    Some(format!(
                        "`{req_ready}` not recorded: requests on all nodes over Ready nodes' allocatable"
                    )),
                ),
                None => (None, Some(format!("not recorded in this run ({req})"))),
            },
        };
        push(
            key,
            &format!("Peak {what} requested / allocatable (Ready nodes)"),
            Unit::Fraction,
            v,
            note,
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

/// Label, value and note of the `maxPendingAfter` figure.
fn pending_after(run: &RunData, after: &PendingAfter) -> (String, Option<f64>, Option<String>) {
    let t = run.ts.time();
    let Some(pending) = run.ts.get(col::PODS_PENDING) else {
        return (
            "Pending pods after grace period".into(),
            None,
            Some(format!("no {:?} column", col::PODS_PENDING)),
        );
    };
    let max_in = |from: f64, to: f64| {
        max_of(
            &t.iter()
                .zip(pending)
                .filter(|(t, _)| **t >= from && **t < to)
                .map(|(_, p)| *p)
                .collect::<Vec<_>>(),
        )
    };
    if let Some(at) = after.at {
        let at_s = at.as_millis() as f64 / 1000.0;
        let label = format!("Peak pending pods from {at}");
        let v = max_in(at_s, f64::INFINITY);
        let note = v.is_none().then(|| format!("no sample at or after {at}"));
        return (label, v, note);
    }
    let grace = after.fault.unwrap_or_default();
    let grace_s = grace.as_millis() as f64 / 1000.0;
    let label = format!("Peak pending pods {grace} after a fault");
    let Some(faults) = &run.faults else {
        return (
            label,
            None,
            Some(format!("no fault data in this run ({})", col::FAULTS_FILE)),
        );
    };
    if faults.is_empty() {
        return (label, None, Some("no faults in this run".into()));
    }
    let mut worst: Option<f64> = None;
    for (i, f) in faults.iter().enumerate() {
        let next = faults.get(i + 1).map_or(f64::INFINITY, |n| n.start_s);
        if let Some(v) = max_in(f.start_s + grace_s, next) {
            worst = Some(worst.map_or(v, |w| w.max(v)));
        }
    }
    let note = worst
        .is_none()
        .then(|| "no sample after any fault's grace period".to_owned())
        .or_else(|| Some(format!("{} fault(s)", faults.len())));
    (label, worst, note)
}

/// `largest: 4,120 effects (fault zone-b)`, when `cascades.csv` has rows and sizes.
fn largest_cascade_note(run: &RunData) -> Option<String> {
    let t = run.cascades.as_ref()?;
    let size = t.col_any(&col::C_SIZE)?;
    let r = (0..t.len()).max_by(|&a, &b| {
        let (x, y) = (t.num(a, size).unwrap_or(0.0), t.num(b, size).unwrap_or(0.0));
        x.total_cmp(&y).then(b.cmp(&a))
    })?;
    let root = [t.col(col::C_ROOT_KIND), t.col(col::C_ROOT_TARGET)]
        .iter()
        .flatten()
        .map(|&c| t.text(r, c))
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
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

/// Lowest availability and which workload has it.
fn worst_availability(run: &RunData) -> (Option<f64>, Option<String>) {
    let mut worst: Option<(f64, String)> = None;
    let mut consider = |name: &str, a: f64| {
        if a.is_finite() && worst.as_ref().is_none_or(|(w, _)| a < *w) {
            worst = Some((a, name.to_owned()));
        }
    };
    for w in run.summary_workloads() {
        if let (Some(name), Some(a)) = (
            w.get("name").and_then(Value::as_str),
            w.get(col::S_AVAILABILITY).and_then(Value::as_f64),
        ) {
            consider(name, a);
        }
    }
    if let Some(t) = &run.workloads {
        if let (Some(n), Some(a)) = (t.col(col::W_NAME), t.col(col::W_AVAILABILITY)) {
            for r in 0..t.len() {
                if let Some(v) = t.num(r, a) {
                    consider(t.text(r, n), v);
                }
            }
        }
    }
    match worst {
        Some((a, name)) => {
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
            (Some(a), Some(detail.unwrap_or(name)))
        }
        None => (
            None,
            Some(format!(
                "not recorded in this run ({} {:?} column)",
                col::WORKLOADS_FILE,
                col::W_AVAILABILITY
            )),
        ),
    }
}

/// The worst `time_to_recovery_s` of the cascades whose root is a fault (`+∞` for
/// `not recovered`), when `cascades.csv` records it; the recorder knows best when damage was
/// repaired.
fn cascade_recovery(run: &RunData) -> Option<(Option<f64>, Option<String>)> {
    let t = run.cascades.as_ref()?;
    let rec = t.col(col::C_RECOVERY)?;
    let rows: Vec<usize> = match t.col(col::C_ROOT_KIND) {
        Some(k) => (0..t.len())
            .filter(|&r| t.text(r, k) == col::C_FAULT)
            .collect(),
        None => (0..t.len()).collect(),
    };
    if rows.is_empty() {
        return None;
    }
    let mut unrecovered = 0;
    let worst = rows
        .iter()
        .map(|&r| {
            if t.text(r, rec).trim() == col::C_NOT_RECOVERED {
                unrecovered += 1;
                f64::INFINITY
            } else {
                t.num(r, rec).unwrap_or(0.0)
            }
        })
        .fold(0.0, f64::max);
    let note = if unrecovered > 0 {
        format!(
            "{unrecovered} of {} fault cascade(s) not recovered by the end",
            rows.len()
        )
    } else {
        format!("{} fault cascade(s)", rows.len())
    };
    Some((Some(worst), Some(note)))
}

/// Time to recover from each fault: from its start to the first sample at which it has ended,
/// pending pods are back at (or below) their level just before it, and, for a fault that ends,
/// ready nodes are back at their level before it. Returns the worst (`+∞`: never recovered).
pub fn time_to_recover(run: &RunData) -> (Option<f64>, Option<String>) {
    let Some(faults) = &run.faults else {
        return (
            None,
            Some(format!("no fault data in this run ({})", col::FAULTS_FILE)),
        );
    };
    if faults.is_empty() {
        return (None, Some("no faults in this run".into()));
    }
    let t = run.ts.time();
    let (Some(pending), ready) = (run.ts.get(col::PODS_PENDING), run.ts.get(col::NODES_READY))
    else {
        return (None, Some(format!("no {:?} column", col::PODS_PENDING)));
    };
    let mut worst = 0.0f64;
    let mut unrecovered = 0;
    for f in faults {
        let before = t.iter().rposition(|&x| x <= f.start_s);
        let p0 = before.map_or(0.0, |i| pending[i]);
        let r0 = before.and_then(|i| ready.map(|r| r[i]));
        let not_before = f.end_s.unwrap_or(f.start_s);
        let rec = t.iter().enumerate().find(|&(i, &x)| {
            x > f.start_s
                && x >= not_before
                && pending[i] <= p0
                && match (f.end_s, r0, ready) {
                    (Some(_), Some(r0), Some(r)) => r[i] >= r0,
                    _ => true,
                }
        });
        match rec {
            Some((_, &x)) => worst = worst.max(x - f.start_s),
            None => {
                unrecovered += 1;
                worst = f64::INFINITY;
            }
        }
    }
    let note = if unrecovered > 0 {
        format!(
            "{unrecovered} of {} fault(s) not recovered by the end",
            faults.len()
        )
    } else {
        format!("{} fault(s)", faults.len())
    };
    (Some(worst), Some(note))
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
    fn recovery_waits_for_pending_and_ready_nodes() {
        let r = run(
            vec![
                ("time_s", vec![60., 120., 180., 240., 300., 360.]),
                ("pods_pending", vec![1., 1., 9., 4., 1., 0.]),
                ("nodes_ready", vec![10., 10., 8., 8., 9., 10.]),
            ],
            Some(vec![fault(130.0, Some(250.0))]),
        );
        let (v, _) = time_to_recover(&r);
        assert_eq!(v, Some(360.0 - 130.0), "ready nodes back only at 360");
    }

    #[test]
    fn never_recovered_is_infinite() {
        let r = run(
            vec![
                ("time_s", vec![60., 120., 180.]),
                ("pods_pending", vec![0., 5., 5.]),
            ],
            Some(vec![fault(100.0, None)]),
        );
        assert_eq!(time_to_recover(&r).0, Some(f64::INFINITY));
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
        let (v, note) = cascade_recovery(&r).unwrap();
        assert_eq!(v, Some(300.0));
        assert_eq!(note.unwrap(), "2 fault cascade(s)");
        let f = compute(&r, None);
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
