//! Why pods are pending: `explain` on an actual pending pod (summary line, preemption dry run)
//! and the report's "why pending" table, through the real binary.
//!
//! Upstream texts: the summary line is `FitError.Error()` and the preemption part is
//! `preemption.Evaluator` / `defaultpreemption` (kubernetes/kubernetes
//! `pkg/scheduler/framework/types.go`, `pkg/scheduler/framework/preemption/preemption.go`).

use std::fs;
use std::path::{Path, PathBuf};

mod common;
use common::{run, stderr, stdout};

/// Four nodes, a `filler` Deployment that fills them, a `web` Deployment whose nodeSelector has
/// a typo (`sdd`), and a high-priority `vip` Job arriving at 9m that has to preempt.
const SCENARIO: &str = r#"name: typo
simulation: {duration: 10m, seed: 1, metricsInterval: 1m}
priorityClasses:
  - {name: high, value: 1000}
cluster:
  zones: [a, b]
  nodePools:
    - {name: ssd, count: 2, capacity: {cpu: "4", memory: 16Gi, pods: 110}, labels: {disktype: ssd}}
    - {name: hdd, count: 2, capacity: {cpu: "4", memory: 16Gi, pods: 110}, labels: {disktype: hdd}}
workloads:
  - name: filler
    kind: Deployment
    replicas: 8
    template:
      labels: {app: filler}
      containers: [{name: c, resources: {requests: {cpu: "2", memory: 1Gi}}}]
  - name: web
    kind: Deployment
    replicas: 3
    template:
      labels: {app: web}
      nodeSelector: {disktype: sdd}
      containers: [{name: c, resources: {requests: {cpu: 100m, memory: 128Mi}}}]
  - name: vip
    kind: Job
    priorityClassName: high
    arrivals: {at: [9m]}
    duration: {distribution: constant, value: 1m}
    template:
      labels: {app: vip}
      containers: [{name: c, resources: {requests: {cpu: "3", memory: 1Gi}}}]
"#;

fn scenario(dir: &Path) -> PathBuf {
    let p = dir.join("typo.yaml");
    fs::write(&p, SCENARIO).unwrap();
    p
}

const SELECTOR: &str =
    "0/4 nodes are available: 4 node(s) didn't match Pod's node affinity/selector.";

#[test]
fn explain_answers_why_an_actual_pod_is_pending() {
    let dir = tempfile::tempdir().unwrap();
    let s = scenario(dir.path());
    let s = s.to_str().unwrap();
    let o = run(&["explain", s, "--workload", "web", "--at", "2m"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("pod web-0 (Pending at t=2m") && lines[0].contains("3 pod(s)"),
        "{text}"
    );
    assert_eq!(lines[1].trim(), SELECTOR, "the summary line comes first");
    assert!(
        text.contains("preemption: 0/4 nodes are available: 4 Preemption is not helpful"),
        "{text}"
    );
    assert!(
        text.contains("hdd-1") && text.contains("NodeAffinity"),
        "rows stay: {text}"
    );

    let o = run(&["explain", s, "--workload", "web", "--at", "2m", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["pod"], "web-0");
    assert_eq!(v["pending"], true);
    assert_eq!(v["summary"], SELECTOR);
    assert_eq!(v["preemption"]["helps"], false);
    assert!(v["preemption"]["victims"].as_array().unwrap().is_empty());
}

#[test]
fn explain_preemption_matches_what_the_run_does() {
    let dir = tempfile::tempdir().unwrap();
    let s = scenario(dir.path());
    let s = s.to_str().unwrap();
    // Before vip arrives: the hypothetical next vip pod, and the dry run's choice.
    let o = run(&["explain", s, "--workload", "vip", "--at", "2m", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["pending"], false);
    assert_eq!(v["summary"], "0/4 nodes are available: 4 Insufficient cpu.");
    let p = &v["preemption"];
    assert_eq!(p["helps"], true, "{p}");
    let node = p["node"].as_str().unwrap().to_owned();
    let mut victims: Vec<String> = p["victims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            assert_eq!(x["priority"], 0);
            x["pod"].as_str().unwrap().to_owned()
        })
        .collect();
    victims.sort();
    // The run: vip-0 arrives at 9m, nothing changed since 2m, so the real PostFilter
    // nominates the same node and deletes the same victims.
    let out = dir.path().join("r");
    let o = run(&[
        "run",
        s,
        "--out",
        out.to_str().unwrap(),
        "--events",
        "all",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let events = fs::read_to_string(out.join("events.csv")).unwrap();
    let mut preempted: Vec<String> = events
        .lines()
        .filter(|l| l.contains(",preempted,"))
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            assert_eq!(f[4], node, "{l}");
            f[2].to_owned()
        })
        .collect();
    preempted.sort();
    assert_eq!(preempted, victims);
    let o = run(&["explain", s, "--workload", "vip", "--at", "2m"]);
    let text = stdout(&o);
    assert!(text.contains(&format!("nominated node: {node}")), "{text}");
    assert!(
        text.contains(&format!("victim: {} (priority 0)", victims[0])),
        "{text}"
    );
}

/// Removes the per-workload unschedulable fields from `summary.json` (results written before
/// they existed).
fn strip_summary(dir: &Path) {
    let p = dir.join("summary.json");
    let mut v: serde_json::Value = serde_json::from_str(&fs::read_to_string(&p).unwrap()).unwrap();
    for w in v["workloads"].as_array_mut().unwrap() {
        let o = w.as_object_mut().unwrap();
        o.remove("lastUnschedulableReason");
        o.remove("firstUnschedulableS");
        o.remove("lastUnschedulableS");
    }
    fs::write(&p, serde_json::to_string_pretty(&v).unwrap()).unwrap();
}

#[test]
fn report_says_why_pods_are_pending() {
    let dir = tempfile::tempdir().unwrap();
    let s = scenario(dir.path());
    let s = s.to_str().unwrap();
    for events in ["none", "failures"] {
        let out = dir.path().join(events);
        let o = run(&[
            "run",
            s,
            "--out",
            out.to_str().unwrap(),
            "--events",
            events,
            "--quiet",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        // The reason is in summary.json whatever the event log level.
        let sum: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
        let web = &sum["workloads"][1];
        assert_eq!(web["name"], "web");
        assert!(
            web["lastUnschedulableReason"]
                .as_str()
                .unwrap()
                .starts_with(SELECTOR),
            "{web}"
        );
        assert_eq!(web["firstUnschedulableS"], 0.0);
        // vip failed once at 9m (and preempted): its latest reason has no preemption part.
        assert_eq!(
            sum["workloads"][2]["lastUnschedulableReason"],
            "0/4 nodes are available: 4 Insufficient cpu."
        );
        for round in ["fresh", "old results"] {
            if round == "old results" {
                strip_summary(&out);
            }
            let o = run(&["report", out.to_str().unwrap(), "--quiet"]);
            assert!(o.status.success(), "{}", stderr(&o));
            let md = fs::read_to_string(out.join("report.md")).unwrap();
            let j: serde_json::Value =
                serde_json::from_str(&fs::read_to_string(out.join("report.json")).unwrap())
                    .unwrap();
            let rows = j["whyPending"].as_array().unwrap();
            let web = rows.iter().find(|r| r["workload"] == "web").unwrap();
            assert_eq!(web["pendingAtEnd"], 3, "{events} {round}");
            assert!(md.contains("## Why pods are pending"), "{md}");
            let html = fs::read_to_string(out.join("report.html")).unwrap();
            assert!(html.contains("Why pods are pending"));
            if round == "old results" && events == "none" {
                assert_eq!(web["reason"], serde_json::Value::Null);
                assert!(md.contains("| web | 3 | not logged |"), "{md}");
                assert!(md.contains("--events failures"), "{md}");
            } else {
                assert!(
                    web["reason"].as_str().unwrap().starts_with(SELECTOR),
                    "{events} {round}"
                );
                assert!(md.contains(&format!("| web | 3 | {SELECTOR}")), "{md}");
            }
        }
    }
}

#[test]
fn validate_warns_when_no_node_matches_a_workloads_placement_rules() {
    // The static filters are the scheduler's NodeAffinity / TaintToleration
    // (kubernetes/kubernetes pkg/scheduler/framework/plugins/nodeaffinity/node_affinity.go,
    // tainttoleration/taint_toleration.go).
    let dir = tempfile::tempdir().unwrap();
    let s = scenario(dir.path());
    let o = run(&["validate", s.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let all = format!("{}{}", stdout(&o), stderr(&o));
    let warns: Vec<&str> = all.lines().filter(|l| l.starts_with("warning:")).collect();
    assert_eq!(
        warns,
        vec![
            "warning: workloads[web]: nodeSelector disktype=sdd matches no node (labels present: \
             disktype=hdd on 2 node(s), disktype=ssd on 2 node(s)): its pods can never schedule"
        ],
        "{all}"
    );
    // Every node tainted, no toleration: the selector matches but nothing passes.
    let tainted = SCENARIO
        .replace(
            "labels: {disktype: ssd}}",
            "labels: {disktype: ssd}, taints: [{key: dedicated, value: db, effect: NoSchedule}]}",
        )
        .replace("disktype: sdd", "disktype: ssd");
    let p = dir.path().join("tainted.yaml");
    fs::write(&p, tainted).unwrap();
    let o = run(&["validate", p.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let all = format!("{}{}", stdout(&o), stderr(&o));
    assert!(
        all.contains(
            "warning: workloads[web]: no node of 4 passes its nodeSelector, required node \
             affinity and taint tolerations together: its pods can never schedule"
        ),
        "{all}"
    );
    assert!(!all.contains("workloads[filler]"), "{all}");
}
