//! `workloads.csv` end to end: requested and used figures integrated over the run (exact,
//! event-driven), their peaks, and each workload's throttled and contended CPU.

use std::collections::HashMap;
use std::fs;
use std::path::Path;
use std::process::Command;

/// Runs the scenario `text` and returns `workloads.csv` as workload → column → value.
fn run(text: &str) -> HashMap<String, HashMap<String, String>> {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("s.yaml");
    fs::write(&s, text).unwrap();
    let out = dir.path().join("out");
    let o = Command::new(env!("CARGO_BIN_EXE_clustersim"))
        .arg("run")
        .arg(&s)
        .arg("--out")
        .arg(&out)
        .arg("-q")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    rows(&out.join("workloads.csv"))
}

fn rows(path: &Path) -> HashMap<String, HashMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_owned).collect();
    r.records()
        .map(|rec| {
            let m: HashMap<String, String> = header
                .iter()
                .cloned()
                .zip(rec.unwrap().iter().map(str::to_owned))
                .collect();
            (m["workload"].clone(), m)
        })
        .collect()
}

const NODE: &str = "cluster:\n  zones: [a]\n  nodes:\n    - {name: n0, zone: a, capacity: {cpu: \"16\", memory: 64Gi, pods: 110}}\n";

/// Four Job pods of 30 min each (one every 10 min), all gone by the end of the 2 h run: the
/// end-of-run figures are 0, the integrals are pods × request × duration.
#[test]
fn a_job_stream_gone_at_the_end_still_shows_what_it_requested_and_used() {
    let text = format!(
        "name: t\nsimulation: {{duration: 2h, metricsInterval: 10m}}\n{NODE}workloads:\n  - name: jobs\n    kind: Job\n    arrivals: {{count: 4, interval: 10m}}\n    duration: 30m\n    template:\n      containers:\n        - {{name: c, resources: {{requests: {{cpu: 500m, memory: 1Gi}}}}}}\n    usage: {{cpu: 400m, memory: 800Mi}}\n"
    );
    let w = &run(&text)["jobs"];
    assert_eq!(w["cpu_requested_m"], "0", "nothing runs at the end");
    assert_eq!(w["mem_requested_bytes"], "0");
    // 4 pods × 0.5 core × 1 800 s.
    assert_eq!(w["cpu_requested_core_s"], "3600.000");
    // 4 pods × 1Gi × 1 800 s.
    assert_eq!(
        w["mem_requested_byte_s"],
        (4i64 * (1 << 30) * 1800).to_string()
    );
    // At 30 min the first pod ends as the fourth starts: three at once at most.
    assert_eq!(w["cpu_requested_peak_m"], "1500");
    assert_eq!(w["mem_requested_peak_bytes"], (3i64 << 30).to_string());
    // Used, from the usage model: 4 × 0.4 core × 1 800 s, 4 × 800Mi × 1 800 s.
    assert_eq!(w["cpu_used_core_s"], "2880.000");
    assert_eq!(
        w["mem_used_byte_s"],
        (4i64 * (800 << 20) * 1800).to_string()
    );
    assert_eq!(w["cpu_used_peak_m"], "1200");
    assert_eq!(w["mem_used_peak_bytes"], (3i64 * (800 << 20)).to_string());
    assert_eq!(w["cpu_used_m"], "0");
    assert_eq!(w["mem_used_bytes"], "0");
    assert_eq!(w["cpu_throttled_core_s"], "0.000");
    assert_eq!(w["cpu_contended_core_s"], "0.000");
}

/// Without a usage model the used columns stay empty and the requested ones are filled.
#[test]
fn without_usage_the_used_columns_are_empty() {
    let text = format!(
        "name: t\nsimulation: {{duration: 1h, metricsInterval: 10m}}\n{NODE}workloads:\n  - name: app\n    kind: Deployment\n    replicas: 2\n    template:\n      containers:\n        - {{name: c, resources: {{requests: {{cpu: 250m, memory: 1Gi}}}}}}\n"
    );
    let w = &run(&text)["app"];
    assert_eq!(w["cpu_requested_m"], "500");
    assert_eq!(w["cpu_requested_core_s"], "1800.000");
    for c in [
        "cpu_used_m",
        "mem_used_bytes",
        "cpu_used_core_s",
        "cpu_used_peak_m",
        "mem_used_byte_s",
        "mem_used_peak_bytes",
        "cpu_throttled_core_s",
        "cpu_contended_core_s",
    ] {
        assert_eq!(w[c], "", "{c}");
    }
}

/// A 2-CPU node with two pods of equal requests (equal `cpu.shares`, upstream
/// `MilliCPUToShares`): `a` wants 3 cores, `b` 1.5 cores capped at its 1.2-core limit. Demand
/// after throttling (4.2 cores) exceeds allocatable by 2.2 cores; CFS gives each pod its 1-core
/// share, so `a` loses 2 cores and `b` 0.2 to contention, and `b` is throttled 0.3 cores.
#[test]
fn cpu_contention_is_charged_to_each_pod_by_its_cfs_share() {
    let text = "name: t\nsimulation: {duration: 1h, metricsInterval: 10m}\ncluster:\n  zones: [a]\n  nodes:\n    - {name: n0, zone: a, capacity: {cpu: \"2\", memory: 8Gi, pods: 110}}\nworkloads:\n  - name: a\n    kind: Deployment\n    replicas: 1\n    template:\n      containers:\n        - {name: c, resources: {requests: {cpu: \"1\", memory: 1Gi}}}\n    usage: {cpu: 3000m, memory: 100Mi}\n  - name: b\n    kind: Deployment\n    replicas: 1\n    template:\n      containers:\n        - {name: c, resources: {requests: {cpu: \"1\", memory: 1Gi}, limits: {cpu: 1200m}}}\n    usage: {cpu: 1500m, memory: 100Mi}\n";
    let r = run(text);
    let (a, b) = (&r["a"], &r["b"]);
    assert_eq!(a["cpu_contended_core_s"], "7200.000");
    assert_eq!(b["cpu_contended_core_s"], "720.000");
    assert_eq!(a["cpu_throttled_core_s"], "0.000");
    assert_eq!(b["cpu_throttled_core_s"], "1080.000");
    // Each gets one core for the hour.
    assert_eq!(a["cpu_used_core_s"], "3600.000");
    assert_eq!(b["cpu_used_core_s"], "3600.000");
    assert_eq!(a["cpu_used_peak_m"], "1000");
    assert_eq!(a["cpu_used_m"], "1000");
}
