//! "Why pods are pending": per workload with pending pods at the end or scheduling failures, the
//! latest upstream-style reason (`0/N nodes are available: …`) and when failures were first and
//! last seen. Read from `summary.json` (`lastUnschedulableReason`, kept whatever the event log
//! level); results written before that field fall back to the `unschedulable` rows of
//! `events.csv`, and say how to get reasons when the event log was off.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use super::data::RunData;
use super::document::{Section, Table};
use super::format;

/// One workload's row of the table.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingRow {
    /// Workload name.
    pub workload: String,
    /// Pods Pending at the end of the run.
    pub pending_at_end: u64,
    /// The latest reason a pod of the workload failed a scheduling cycle (None: no failed
    /// cycle, or not recorded: see `reasonsRecorded`).
    pub reason: Option<String>,
    /// The results record reasons whatever the event log level (`summary.json` has them), or
    /// `events.csv` has `unschedulable` rows; false: older results written with `--events none`.
    pub reasons_recorded: bool,
    /// First failed scheduling cycle, s.
    pub first_seen_s: Option<f64>,
    /// Last failed scheduling cycle, s.
    pub last_seen_s: Option<f64>,
}

/// Per workload from `events.csv`: (first time, last time, last reason) of `unschedulable`
/// rows; None when the file is absent or unreadable.
fn from_events(path: &Path) -> Option<BTreeMap<String, (f64, f64, String)>> {
    let mut r = csv::Reader::from_path(path).ok()?;
    let h = r.headers().ok()?.clone();
    let ix = |name: &str| h.iter().position(|c| c == name);
    let (t, ev, wl, reason) = (ix("time_s")?, ix("event")?, ix("workload")?, ix("reason")?);
    let mut out: BTreeMap<String, (f64, f64, String)> = BTreeMap::new();
    for rec in r.records() {
        let rec = rec.ok()?;
        if rec.get(ev) != Some("unschedulable") {
            continue;
        }
        let time: f64 = rec.get(t).and_then(|s| s.parse().ok()).unwrap_or(0.0);
        let e = out
            .entry(rec.get(wl).unwrap_or_default().to_owned())
            .or_insert((time, time, String::new()));
        e.1 = time;
        e.2 = rec.get(reason).unwrap_or_default().to_owned();
    }
    Some(out)
}

/// The rows: every workload with pods pending at the end or a failed scheduling cycle.
pub fn rows(run: &RunData) -> Vec<PendingRow> {
    let workloads = run.summary_workloads();
    let has_field = workloads
        .iter()
        .any(|w| w.get("lastUnschedulableReason").is_some());
    let events = if has_field {
        None
    } else {
        from_events(&run.dir.join("events.csv"))
    };
    let recorded = has_field || events.as_ref().is_some_and(|e| !e.is_empty());
    let num = |w: &Value, k: &str| w.get(k).and_then(Value::as_f64);
    let mut out = Vec::new();
    for w in workloads {
        let name = w.get("name").and_then(Value::as_str).unwrap_or_default();
        let pending = num(w, "pendingAtEnd").unwrap_or(0.0) as u64;
        let (reason, first, last) = match w.get("lastUnschedulableReason").and_then(Value::as_str) {
            Some(r) => (
                Some(r.to_owned()),
                num(w, "firstUnschedulableS"),
                num(w, "lastUnschedulableS"),
            ),
            None => match events.as_ref().and_then(|e| e.get(name)) {
                Some((f, l, r)) => (Some(r.clone()), Some(*f), Some(*l)),
                None => (None, None, None),
            },
        };
        if pending == 0 && reason.is_none() {
            continue;
        }
        out.push(PendingRow {
            workload: name.to_owned(),
            pending_at_end: pending,
            reasons_recorded: recorded || reason.is_some(),
            reason,
            first_seen_s: first,
            last_seen_s: last,
        });
    }
    out
}

/// The report section, or None when no workload has pending pods or failed cycles.
pub fn section(rows: &[PendingRow]) -> Option<Section> {
    if rows.is_empty() {
        return None;
    }
    let mut t = Table::new(&[
        "Workload",
        "Pending at end",
        "Latest reason (upstream summary)",
        "First seen",
        "Last seen",
    ]);
    let time = |s: Option<f64>| s.map_or("—".to_owned(), format::duration);
    let mut unknown = false;
    for r in rows {
        t.row(vec![
            r.workload.clone(),
            format::count(r.pending_at_end as f64),
            match &r.reason {
                Some(x) => x.clone(),
                None if r.reasons_recorded => "no failed scheduling cycle".to_owned(),
                None => {
                    unknown = true;
                    "not logged".to_owned()
                }
            },
            time(r.first_seen_s),
            time(r.last_seen_s),
        ]);
    }
    let mut text = "Per workload with pods Pending at the end or a failed scheduling cycle: the \
                    latest reason the scheduler gave (as in a pod's `FailedScheduling` event) \
                    and when failures were first and last seen. `clustersim explain <scenario> \
                    --workload NAME --at TIME` shows the per-node verdicts and whether \
                    preemption would help."
        .to_owned();
    if unknown {
        text.push_str(
            " Reasons were not logged: these results predate the reasons in `summary.json` \
             and were written with `--events none` (`events.csv` holds only its header); rerun \
             with `--events failures` (the default) or `all` to get them.",
        );
    }
    Some(Section {
        heading: "Why pods are pending".into(),
        text: Some(text),
        table: Some(t),
    })
}
