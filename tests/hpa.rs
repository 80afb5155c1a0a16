//! HorizontalPodAutoscalers in runs: the replica sequence in `hpa.csv` on a small scenario
//! whose usage is constant except for one CPU spike (hand-computed from upstream
//! kubernetes/kubernetes `pkg/controller/podautoscaler/horizontal.go` and
//! `replica_calculator.go`), the summary, and bad input refused with exit 2 and the field.

mod common;

use common::{csv_maps, run, run_finished, s, stderr, summary, write};

const BASE: &str = r#"
name: hpa-small
simulation: {duration: 15m, seed: 1, metricsInterval: 15s}
cluster:
  zones: [a]
  nodePools:
    - {name: big, count: 1, capacity: {cpu: "16", memory: 64Gi, pods: 110}}
workloads:
  - name: web
    kind: Deployment
    replicas: 2
    template:
      containers:
        - {name: app, resources: {requests: {cpu: 500m, memory: 256Mi}}}
    usage: {cpu: 100m, memory: 100Mi, spikes: {at: [50s], size: 4.5, duration: 1m}}
horizontalPodAutoscalers:
  - name: web
    scaleTargetRef: {name: web}
    minReplicas: 2
    maxReplicas: 10
    metrics:
      - {type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}}
"#;

/// Every 15 s, without `behavior` (the controller's legacy normalisation):
/// - 15–45 s: 20 % of requests → ceil(0.4 × 2) = 1, below minReplicas: stays 2.
/// - 60 s (spike since 50 s, 90 %): ceil(1.8 × 2) = 4 (scale-up limit max(2 × 2, 4) = 4).
/// - 75 s: the 2 new pods have run one metrics window: ceil(1.8 × 4) = 8.
/// - 90 s: ceil(1.8 × 8) = 15, limited to maxReplicas 10; 105 s: 18 → 10.
/// - from 120 s (spike over, 20 %): ceil(0.4 × 10) = 4, held by the 300 s window while the
///   recommendation of 105 s (18) is in it: down to 4 at 420 s (105 < 420 − 300).
/// - then ceil(0.4 × 4) = 2, held until the last recommendation of 4 (420 s) is more than
///   300 s old: 735 s.
#[test]
fn replica_sequence_follows_the_upstream_algorithm() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(dir.path(), "s.yaml", BASE);
    let out = dir.path().join("out");
    let o = run(&["run", s(&scenario), "--out", s(&out), "--quiet"]);
    assert!(run_finished(&o), "{}", stderr(&o));
    let rows = csv_maps(&out.join("hpa.csv"));
    assert_eq!(rows.len(), 60, "one row per 15 s sample");
    let mut changes = Vec::new();
    let mut last = "2".to_string();
    for r in &rows {
        assert_eq!(r["hpa"], "web");
        assert_eq!(r["cpu_target_pct"], "50");
        if r["desired_replicas"] != last {
            last = r["desired_replicas"].clone();
            changes.push((r["time_s"].clone(), last.clone()));
        }
    }
    let expect: Vec<(String, String)> = [(60, 4), (75, 8), (90, 10), (420, 4), (735, 2)]
        .iter()
        .map(|(t, n)| (t.to_string(), n.to_string()))
        .collect();
    assert_eq!(changes, expect);
    let at = |t: &str| rows.iter().find(|r| r["time_s"] == t).unwrap();
    assert_eq!(at("45")["cpu_utilization_pct"], "20");
    assert_eq!(at("60")["cpu_utilization_pct"], "90");
    // New pods are placed at once on the big node: current = ready = desired.
    assert_eq!(at("90")["current_replicas"], "10");
    assert_eq!(at("90")["ready_replicas"], "10");
    assert_eq!(at("90")["memory_utilization_pct"], "");
    let h = &summary(&out)["hpas"][0];
    assert_eq!(h["name"], "web");
    assert_eq!(h["target"], "web");
    assert_eq!(h["minReached"], 2);
    assert_eq!(h["maxReached"], 10);
    assert_eq!(h["scaleUps"], 3);
    assert_eq!(h["scaleDowns"], 2);
    assert_eq!(h["replicasAtEnd"], 2);
    let w = &summary(&out)["workloads"][0];
    assert_eq!(
        w["desired"], 2,
        "the workload's desired count follows the HPA"
    );
}

fn refused(text: &str, needle: &str) {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(dir.path(), "bad.yaml", text);
    let o = run(&["validate", s(&scenario)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(needle),
        "{needle:?} not in: {}",
        stderr(&o)
    );
}

/// Without the usage model an HPA has no metrics (upstream without metrics-server): a
/// warning, and the run never scales.
#[test]
fn without_usage_the_hpa_warns_and_never_scales() {
    let dir = tempfile::tempdir().unwrap();
    let text = BASE.replace(
        "    usage: {cpu: 100m, memory: 100Mi, spikes: {at: [50s], size: 4.5, duration: 1m}}\n",
        "",
    );
    let scenario = write(dir.path(), "s.yaml", &text);
    let out = dir.path().join("out");
    let o = run(&["run", s(&scenario), "--out", s(&out)]);
    assert!(run_finished(&o), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("horizontalPodAutoscalers[0]: has no pod metrics"),
        "{}",
        stderr(&o)
    );
    let rows = csv_maps(&out.join("hpa.csv"));
    assert!(rows
        .iter()
        .all(|r| r["desired_replicas"] == "2" && r["cpu_utilization_pct"].is_empty()));
}

#[test]
fn bad_hpas_are_refused_with_the_field_path() {
    let at = "horizontalPodAutoscalers[0]";
    refused(
        &BASE.replace(
            "scaleTargetRef: {name: web}",
            "scaleTargetRef: {name: nope}",
        ),
        &format!("{at}.scaleTargetRef.name: no workload named \"nope\""),
    );
    refused(
        &BASE.replace("minReplicas: 2", "minReplicas: 12"),
        &format!("{at}.minReplicas: 12 is above maxReplicas 10"),
    );
    refused(
        &BASE.replace("minReplicas: 2", "minReplicas: 0"),
        &format!("{at}.minReplicas: must be at least 1"),
    );
    refused(
        &BASE.replace("averageUtilization: 50", "averageUtilization: 0"),
        &format!("{at}.metrics[0].resource.target.averageUtilization: must be positive"),
    );
    refused(
        &BASE.replace("name: cpu, target", "name: memory, target").replace(
            "requests: {cpu: 500m, memory: 256Mi}",
            "requests: {cpu: 500m}",
        ),
        &format!("{at}.metrics[0].resource.name: container \"app\" of workload \"web\" has no memory request"),
    );
    refused(
        &BASE.replace("kind: Deployment\n    replicas: 2", "kind: DaemonSet"),
        "only a Deployment or StatefulSet can be scaled",
    );
    refused(
        &format!("{BASE}    behavior: {{scaleUp: {{policies: [{{type: Pods, value: 0, periodSeconds: 15}}]}}}}\n"),
        &format!("{at}.behavior.scaleUp.policies[0].value: must be positive"),
    );
}
