//! The scenario input rules through the real binary: a scenario without zones is refused (it
//! used to panic), every validation error is printed on its own line, and a no-op `--set`
//! gives byte-identical results.

mod common;

use std::fs;

use common::{assert_same_files, run, stderr};

const SMALL: &str = r#"name: small
simulation: {duration: 30m, seed: 3, metricsInterval: 1m}
cluster:
  zones: [a, b]
  nodePools:
    - {name: p, count: 4, capacity: {cpu: "8", memory: 32Gi, pods: 110}, labels: {version: 1.10}}
workloads:
  - name: web
    kind: Deployment
    replicas: 4
    template:
      labels: {app: web}
      nodeSelector: {version: "1.10"}
      containers: [{name: c, resources: {requests: {cpu: 100m}}}]
"#;

#[test]
fn a_scenario_without_zones_is_refused_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("nz.yaml");
    fs::write(&file, SMALL.replace("  zones: [a, b]\n", "")).unwrap();
    let f = file.to_str().unwrap();
    for args in [vec!["validate", f], vec!["explain", f, "--workload", "web"]] {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("nz.yaml: cluster.zones: missing or empty"),
            "{}",
            stderr(&o)
        );
        assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    }
}

#[test]
fn every_validation_error_is_printed_on_its_own_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.yaml");
    let text = SMALL
        .replace("replicas: 4", "replicas: 4\n    nodeName: nowhere")
        .replace("count: 4", "count: 4, racksPerZone: 0")
        .replace("metricsInterval: 1m", "metricsInterval: 2h");
    fs::write(&file, text).unwrap();
    let o = run(&["validate", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    let lines: Vec<&str> = err.trim_end().lines().collect();
    assert_eq!(lines.len(), 4, "{err}");
    for (line, path) in lines.iter().zip([
        "simulation.metricsInterval",
        "cluster.nodePools[0].racksPerZone",
        "workloads[0].nodeName",
        "workloads[0].nodeName",
    ]) {
        assert!(line.contains(&format!("bad.yaml: {path}: ")), "{err}");
        assert!(line.contains("(line "), "{err}");
    }
}

#[test]
fn a_no_op_override_gives_byte_identical_results() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("small.yaml");
    fs::write(&file, SMALL).unwrap();
    let f = file.to_str().unwrap();
    let plain = dir.path().join("plain");
    let set = dir.path().join("set");
    let o = run(&["run", f, "-q", "--out", plain.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(&[
        "run",
        f,
        "-q",
        "--set",
        "simulation.seed=3",
        "--out",
        set.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_same_files(
        &plain,
        &set,
        &["summary.json", "timeseries.csv", "events.csv"],
    );
    // The 4 web pods are scheduled in both (the `1.10` label matched its selector).
    let summary = fs::read_to_string(set.join("summary.json")).unwrap();
    assert!(summary.contains("\"podsRunningAtEnd\": 4,"), "{summary}");
}
