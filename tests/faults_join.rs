//! Nodes that join later and nodes removed for good (a pool's `joinAt`, the `nodeJoin` and
//! `nodeRemove` fault kinds), through the real binary.
//!
//! A removed node's pods are deleted at once through their controllers, which recreate them
//! (the path the Cluster Autoscaler's node removal takes). Upstream, deleting a Node object
//! leaves its pods to the pod garbage collector: `gcOrphaned` in
//! `pkg/controller/podgc/gc_controller.go` (kubernetes/kubernetes) force-deletes pods bound to
//! a node that no longer exists, after a `quarantineTime` of 40 s checked every
//! `gcCheckPeriod` of 20 s; the simulator skips that delay.

mod common;

use common::{csv_maps, run, run_finished, stderr};
use std::fs;
use std::path::Path;

const SCENARIO: &str = r#"name: join
simulation: {duration: 1h, seed: 3, metricsInterval: 1m, nodeSampleInterval: 5m}
cluster:
  zones: [a]
  nodePools:
    - {name: base, count: 2, capacity: {cpu: "4", memory: 16Gi}}
    - {name: late, count: 2, joinAt: 10m, capacity: {cpu: "4", memory: 16Gi}}
  nodes:
    - {name: extra, zone: a, capacity: {cpu: "4", memory: 16Gi}}
workloads:
  - name: web
    kind: Deployment
    replicas: 14
    template:
      labels: {app: web}
      containers:
        - name: c
          resources: {requests: {cpu: "1", memory: 1Gi}}
faults:
  - {name: add-extra, kind: nodeJoin, at: 20m, target: {nodes: [extra]}}
  - {name: drop-base, kind: nodeRemove, at: 40m, target: {nodes: [base-0]}}
"#;

fn run_text(text: &str, out: &Path) {
    let path = out.with_extension("yaml");
    fs::write(&path, text).unwrap();
    let o = run(&[
        "run",
        path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(run_finished(&o), "{}", stderr(&o));
}

fn secs(row: &std::collections::BTreeMap<String, String>, col: &str) -> f64 {
    row[col].parse().unwrap()
}

#[test]
fn pods_wait_for_joining_nodes_and_move_off_removed_ones() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("join");
    run_text(SCENARIO, &out);
    let events = csv_maps(&out.join("events.csv"));
    let scheduled: Vec<_> = events
        .iter()
        .filter(|e| e["event"] == "scheduled")
        .collect();
    // Nothing is placed on a node before it joins.
    for e in &scheduled {
        let t = secs(e, "time_s");
        if e["node"].starts_with("late-") {
            assert!(t >= 600.0, "placed on {} at {t}", e["node"]);
        }
        if e["node"] == "extra" {
            assert!(t >= 1200.0, "placed on extra at {t}");
        }
        if e["node"] == "base-0" {
            assert!(t < 2400.0, "placed on the removed base-0 at {t}");
        }
    }
    // 8 pods fit on the two base nodes; 6 wait for the late pool and are placed when it joins.
    assert_eq!(
        scheduled
            .iter()
            .filter(|e| secs(e, "time_s") == 0.0)
            .count(),
        8
    );
    assert_eq!(
        scheduled
            .iter()
            .filter(|e| secs(e, "time_s") == 600.0 && e["node"].starts_with("late-"))
            .count(),
        6
    );
    // The removal deletes base-0's pods; their replacements are placed at once elsewhere.
    let on_base0 = scheduled.iter().filter(|e| e["node"] == "base-0").count();
    assert!(on_base0 > 0);
    let moved = scheduled
        .iter()
        .filter(|e| secs(e, "time_s") == 2400.0)
        .count();
    assert_eq!(moved, on_base0);
    let ts = csv_maps(&out.join("timeseries.csv"));
    for row in &ts {
        let t = secs(row, "time_s");
        let want_nodes = match t {
            t if t < 600.0 => 2,
            t if t < 1200.0 => 4,
            t if t < 2400.0 => 5,
            _ => 4,
        };
        assert_eq!(row["nodes_ready"], want_nodes.to_string(), "at {t}");
        let pending: u32 = row["pods_pending"].parse().unwrap();
        assert_eq!(pending, if t < 600.0 { 6 } else { 0 }, "at {t}");
        // Allocatable CPU counts only nodes that exist.
        assert_eq!(row["cpu_allocatable_m"], (want_nodes * 4000).to_string());
    }
    let summary: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["podsRunningAtEnd"].as_u64(), Some(14), "{summary}");
    // node_samples.csv has rows only for nodes that exist at the sample.
    let samples = csv_maps(&out.join("node_samples.csv"));
    assert!(!samples.is_empty());
    for row in &samples {
        let t = secs(row, "time_s");
        let node = row["node"].as_str();
        let exists = match node {
            "late-0" | "late-1" => t >= 600.0,
            "extra" => t >= 1200.0,
            "base-0" => t < 2400.0,
            _ => true,
        };
        assert!(exists, "{node} sampled at {t}");
    }
    let late_rows = samples.iter().filter(|r| r["node"] == "late-0").count();
    assert!(late_rows > 0);
}

#[test]
fn random_faults_do_not_hit_a_node_before_it_joins() {
    let text = SCENARIO.replace(
        "faults:\n",
        "faults:\n  - {name: ra, kind: random, pool: late, mtbf: 4m, mttr: 1m}\n",
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ra");
    run_text(&text, &out);
    let windows = csv_maps(&out.join("faults.csv"));
    let mine: Vec<_> = windows.iter().filter(|w| w["kind"] == "random").collect();
    assert!(!mine.is_empty());
    for w in &mine {
        assert!(secs(w, "start_s") >= 600.0, "{w:?}");
    }
    // Before the join only the base nodes exist, all Ready.
    let ts = csv_maps(&out.join("timeseries.csv"));
    for row in ts.iter().filter(|r| secs(r, "time_s") < 600.0) {
        assert_eq!(row["nodes_ready"], "2");
        assert_eq!(row["nodes_not_ready"], "0");
    }
}

#[test]
fn a_removal_before_the_join_is_an_error_naming_the_field() {
    let text = SCENARIO.replace(
        "{name: drop-base, kind: nodeRemove, at: 40m, target: {nodes: [base-0]}}",
        "{name: drop-late, kind: nodeRemove, at: 5m, target: {pool: late}}",
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.yaml");
    fs::write(&path, text).unwrap();
    let o = run(&["validate", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("faults[1].at"), "{err}");
    assert!(err.contains("cluster.nodePools[1].joinAt"), "{err}");
}
