//! What a metrics sample sees: a sample at time `T` reflects the state after every event at `T`
//! (arrivals, the zero-time scheduling cycles that follow them, completions), and the last row
//! of `timeseries.csv` is the state `summary.json` reports.

mod common;

use common::{csv_maps, json, ok, s, write};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// `timeseries.csv` as one map per row, values as numbers (NaN where not one).
fn rows(dir: &Path) -> Vec<BTreeMap<String, f64>> {
    csv_maps(&dir.join("timeseries.csv"))
        .into_iter()
        .map(|r| {
            r.into_iter()
                .map(|(h, v)| (h, v.parse().unwrap_or(f64::NAN)))
                .collect()
        })
        .collect()
}

fn at(rows: &[BTreeMap<String, f64>], time_s: f64) -> &BTreeMap<String, f64> {
    rows.iter()
        .find(|r| r["time_s"] == time_s)
        .unwrap_or_else(|| panic!("no sample at {time_s} s"))
}

/// 1,000 Job pods arrive at exactly 10m on an empty 20-node cluster with room for all of them;
/// they run 1m, so they also all complete at exactly 11m (a sample instant). Another 3 arrive
/// at 19m and complete at exactly the end (20m), and 5 more arrive at exactly the end.
const BURST: &str = r#"name: same-instant
simulation: {duration: 20m, seed: 3, metricsInterval: 1m}
slo:
  maxPeakPending: 0
cluster:
  zones: [a, b]
  nodePools:
    - {name: p, count: 20, capacity: {cpu: "64", memory: 256Gi, pods: 110}}
workloads:
  - name: burst
    kind: Job
    arrivals: {count: 1000, interval: 0s, start: 10m}
    duration: {distribution: constant, value: 1m}
    template:
      labels: {app: burst}
      containers: [{name: c, resources: {requests: {cpu: 100m, memory: 128Mi}}}]
  - name: late
    kind: Job
    arrivals: {at: [19m, 19m, 19m]}
    duration: {distribution: constant, value: 1m}
    template:
      labels: {app: late}
      containers: [{name: c, resources: {requests: {cpu: 100m, memory: 128Mi}}}]
  - name: last
    kind: Job
    arrivals: {at: [20m, 20m, 20m, 20m, 20m]}
    duration: {distribution: constant, value: 10m}
    template:
      labels: {app: last}
      containers: [{name: c, resources: {requests: {cpu: 100m, memory: 128Mi}}}]
"#;

/// Runs `BURST` into `dir/run`; returns the results directory.
fn run_burst(dir: &Path) -> PathBuf {
    let scen = write(dir, "burst.yaml", BURST);
    let out = dir.join("run");
    ok(&["run", s(&scen), "--out", s(&out), "--quiet"]);
    out
}

#[test]
fn a_sample_sees_every_event_of_its_instant() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run_burst(tmp.path());
    let rows = rows(&out);

    // Same-instant arrivals and bindings: nobody ever waited.
    let r10 = at(&rows, 600.0);
    assert_eq!(r10["pods_pending"], 0.0, "10m sample: {r10:?}");
    assert_eq!(r10["pods_running"], 1000.0, "10m sample: {r10:?}");
    assert_eq!(r10["pods_created"], 1000.0, "10m sample: {r10:?}");
    assert!(
        rows.iter().all(|r| r["pods_pending"] == 0.0),
        "no pod ever waited"
    );
    // Same-instant completions.
    let r11 = at(&rows, 660.0);
    assert_eq!(r11["pods_running"], 0.0, "11m sample: {r11:?}");
    assert_eq!(r11["pods_succeeded"], 1000.0, "11m sample: {r11:?}");

    // The peak-pending SLO passes: the report reads the same samples.
    let scen = tmp.path().join("burst.yaml");
    ok(&["report", s(&out), "--slo", s(&scen), "--quiet"]);
    let j = json(&out.join("report.json"));
    let v = j["slo"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["slo"] == "maxPeakPending")
        .unwrap()["status"]
        .clone();
    assert_eq!(v, "pass", "{}", j["slo"]);
}

#[test]
fn the_last_row_is_the_state_the_summary_reports() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run_burst(tmp.path());
    let rows = rows(&out);
    let last = rows.last().unwrap();
    assert_eq!(last["time_s"], 1200.0);
    let sum = json(&out.join("summary.json"));
    for (col, key) in [
        ("pods_pending", "podsPendingAtEnd"),
        ("pods_running", "podsRunningAtEnd"),
        ("pods_succeeded", "podsSucceeded"),
        ("pods_created", "podsCreated"),
        ("pods_failed", "podsFailed"),
        ("pods_deleted", "podsDeleted"),
        ("pods_unschedulable", "podsUnschedulableAtEnd"),
    ] {
        assert_eq!(
            last[col],
            sum[key].as_f64().unwrap(),
            "last row {col} vs summary {key}"
        );
    }
    // The events at exactly the end are in both: 3 completions and 5 arrivals, bound at once.
    assert_eq!(last["pods_succeeded"], 1003.0);
    assert_eq!(last["pods_running"], 5.0);
    assert_eq!(last["pods_created"], 1008.0);
}
