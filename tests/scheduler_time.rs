//! Opt-in scheduler time (`scheduler.cycleCost`) end to end: the real binary, placement times in
//! `events.csv` against hand-computed cost sequences, the default unchanged, and validation.
//! Upstream's loop is one scheduling thread (`pkg/scheduler/schedule_one.go` `ScheduleOne`:
//! a cycle runs the filters and scores, assumes the pod, and only then does the next cycle
//! start), which is what the cost model serialises.

use std::path::{Path, PathBuf};

mod common;
use common::{csv_maps, run, run_all_events, s, stderr, write};

/// `nodes` nodes with room for every pod, `pods` identical Deployment pods at time zero, and
/// `scheduler` as the scheduler section (YAML under `scheduler:`, or empty).
fn scenario(nodes: usize, pods: usize, pod_cpu: &str, scheduler: &str) -> String {
    let mut t = String::from(
        "name: t\nsimulation: {duration: 1m, metricsInterval: 10s}\ncluster:\n  zones: [a]\n  nodes:\n",
    );
    for i in 0..nodes {
        t += &format!(
            "    - {{name: n{i}, zone: a, capacity: {{cpu: \"1\", memory: 8Gi, pods: 110}}}}\n"
        );
    }
    t += &format!(
        "workloads:\n  - name: web\n    kind: Deployment\n    replicas: {pods}\n    template:\n      containers: [{{name: c, resources: {{requests: {{cpu: {pod_cpu}, memory: 16Mi}}}}}}]\n"
    );
    if !scheduler.is_empty() {
        t += &format!("scheduler:\n{scheduler}");
    }
    t
}

fn run_scenario(dir: &Path, name: &str, text: &str) -> PathBuf {
    let file = write(dir, &format!("{name}.yaml"), text);
    let out = dir.join(name);
    run_all_events(&file, &out, &[]);
    out
}

/// Milliseconds of the `events.csv` rows of kind `kind`.
fn ms_of(out: &Path, kind: &str) -> Vec<u64> {
    csv_maps(&out.join("events.csv"))
        .into_iter()
        .filter(|r| r["event"] == kind)
        .map(|r| (r["time_s"].parse::<f64>().unwrap() * 1000.0).round() as u64)
        .collect()
}

/// Six pods at once on five nodes, 700 µs per cycle + 100 µs per node examined: fewer than
/// 100 nodes, so every cycle examines all five (upstream `numFeasibleNodesToFind`'s minimum
/// of 100) and costs 1.2 ms. Back to back the cycles end at 1.2, 2.4, 3.6, 4.8, 6.0 and
/// 7.2 ms; each pod is bound at the millisecond its cycle ends in. Without the cost every pod
/// is bound at 0 ms.
#[test]
fn placements_follow_the_cycle_cost_sequence() {
    let dir = tempfile::tempdir().unwrap();
    let costed = "  cycleCost: {perCycle: 700us, perNodeExamined: 100us}\n";
    let out = run_scenario(dir.path(), "costed", &scenario(5, 6, "10m", costed));
    assert_eq!(ms_of(&out, "scheduled"), vec![1, 2, 3, 4, 6, 7]);
    let out = run_scenario(dir.path(), "free", &scenario(5, 6, "10m", ""));
    assert_eq!(ms_of(&out, "scheduled"), vec![0; 6]);
}

/// A cycle that finds no node examined every node (upstream filters them all): two pods too
/// big for any of three nodes, 1 ms + 3 × 500 µs = 2.5 ms per cycle: the failures are
/// recorded at 2.5 ms and 5.0 ms.
#[test]
fn a_failed_cycle_costs_every_node() {
    let dir = tempfile::tempdir().unwrap();
    let costed = "  cycleCost: {perCycle: 1ms, perNodeExamined: 0.5ms}\n";
    let out = run_scenario(dir.path(), "costed", &scenario(3, 2, "\"2\"", costed));
    assert_eq!(ms_of(&out, "unschedulable")[..2], [2, 5]);
}

/// Zero costs take no time: the results equal those without `cycleCost`.
#[test]
fn zero_cost_equals_no_cost() {
    let dir = tempfile::tempdir().unwrap();
    let zero = "  cycleCost: {perCycle: 0s, perNodeExamined: 0s}\n";
    let a = run_scenario(dir.path(), "zero", &scenario(3, 40, "100m", zero));
    let b = run_scenario(dir.path(), "none", &scenario(3, 40, "100m", ""));
    for f in ["events.csv", "timeseries.csv", "summary.json"] {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f}"
        );
    }
}

/// Negative or unparseable durations: exit 2, one line naming the field.
#[test]
fn bad_costs_exit_2_with_the_field_path() {
    let dir = tempfile::tempdir().unwrap();
    for (yaml, needle) in [
        (
            "  cycleCost: {perCycle: -1ms}\n",
            "scheduler.cycleCost.perCycle",
        ),
        (
            "  cycleCost: {perNodeExamined: fast}\n",
            "scheduler.cycleCost.perNodeExamined",
        ),
        (
            "  cycleCost: {preemption: 1.5}\n",
            "scheduler.cycleCost.preemption",
        ),
        ("  cycleCost: {perPod: 1ms}\n", "perPod"),
    ] {
        let f = write(dir.path(), "bad.yaml", &scenario(1, 1, "10m", yaml));
        let o = run(&["validate", s(&f)]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{yaml}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(err.contains(needle), "{yaml}: expected {needle:?} in {err}");
    }
}
