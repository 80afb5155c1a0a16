//! GPU devices through the real binary: `nodePools[].gpus`, GPU shares packed per device,
//! the GPU columns of `timeseries.csv` only when the cluster has GPUs, validation with field
//! paths, and the GPU score plugins selected with `--set`.

mod common;

use common::{csv_maps, run, stderr};
use std::fs;
use std::path::Path;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// 2 nodes × 2 devices; 5 pods of 600 milli-GPU. Each device holds one (two 600 shares do
/// not fit on one device), so 4 run and 1 stays Pending although 1,600 milli are free in
/// total: requested 2,400, allocatable 4,000, 400 free on each of the 4 partly used devices.
const GPUS: &str = r#"name: gpus
simulation: {duration: 10m, seed: 1, metricsInterval: 1m}
cluster:
  zones: [a]
  nodePools:
    - name: g
      count: 2
      capacity: {cpu: "32", memory: 128Gi, pods: 110}
      gpus: {count: 2, model: A100, memory: 80Gi}
scheduler:
  profiles:
    - schedulerName: default-scheduler
      plugins:
        score:
          enabled: [{name: FGDScore}]
workloads:
  - name: share
    kind: Deployment
    replicas: 5
    template:
      containers:
        - name: c
          resources:
            requests: {cpu: "1", memory: 1Gi, alibabacloud.com/gpu-milli: "600"}
            limits: {memory: 1Gi, alibabacloud.com/gpu-milli: "600"}
"#;

fn run_ok(dir: &Path, name: &str, text: &str, extra: &[&str]) -> std::path::PathBuf {
    let scen = dir.join(format!("{name}.yaml"));
    fs::write(&scen, text).unwrap();
    let out = dir.join(name);
    let mut args = vec!["run", s(&scen), "--out", s(&out), "--quiet"];
    args.extend_from_slice(extra);
    let o = run(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    out
}

#[test]
fn shares_pack_per_device_and_gpu_columns_appear() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_ok(dir.path(), "gpus", GPUS, &[]);
    let rows = csv_maps(&out.join("timeseries.csv"));
    let last = rows.last().unwrap();
    assert_eq!(last["pods_running"], "4");
    assert_eq!(last["pods_pending"], "1");
    assert_eq!(last["gpu_requested_milli"], "2400");
    assert_eq!(last["gpu_allocatable_milli"], "4000");
    assert_eq!(last["gpu_frag_partial_milli"], "1600");
    assert_eq!(last["gpu_requested_milli_zone_a"], "2400");
    assert!(last.contains_key("gpu_frag_fgd_milli"));
    // The best-fit policy through --set, as the shipped scenario documents.
    let o = run_ok(
        dir.path(),
        "gpus-bf",
        GPUS,
        &[
            "--set",
            "scheduler.profiles[0].plugins.score.enabled[0].name=BestFitScore",
        ],
    );
    let rows = csv_maps(&o.join("timeseries.csv"));
    assert_eq!(rows.last().unwrap()["pods_pending"], "1");
}

#[test]
fn no_gpu_columns_without_gpus() {
    let dir = tempfile::tempdir().unwrap();
    let plain = GPUS
        .replace("      gpus: {count: 2, model: A100, memory: 80Gi}\n", "")
        .replace(", alibabacloud.com/gpu-milli: \"600\"", "")
        .replace(
            "          enabled: [{name: FGDScore}]",
            "          enabled: [{name: NodeResourcesFit}]",
        );
    let out = run_ok(dir.path(), "plain", &plain, &[]);
    let ts = fs::read_to_string(out.join("timeseries.csv")).unwrap();
    assert!(!ts.lines().next().unwrap().contains("gpu_"));
}

#[test]
fn gpu_fields_are_validated_with_paths() {
    let dir = tempfile::tempdir().unwrap();
    for (from, to, path) in [
        (
            "gpus: {count: 2,",
            "gpus: {count: 0,",
            "cluster.nodePools[0].gpus.count",
        ),
        (
            "capacity: {cpu: \"32\",",
            "capacity: {nvidia.com/gpu: 2, cpu: \"32\",",
            "cluster.nodePools[0].capacity[nvidia.com/gpu]",
        ),
        (
            "requests: {cpu: \"1\", memory: 1Gi, alibabacloud.com/gpu-milli: \"600\"}",
            "requests: {cpu: \"1\", memory: 1Gi, alibabacloud.com/gpu-milli: \"1500\"}",
            "requests[alibabacloud.com/gpu-milli]",
        ),
    ] {
        let text = GPUS.replace(from, to);
        assert_ne!(text, GPUS, "{from}");
        let scen = dir.path().join("bad.yaml");
        fs::write(&scen, text).unwrap();
        let o = run(&["validate", s(&scen)]);
        assert_eq!(o.status.code(), Some(2), "{path}");
        assert!(stderr(&o).contains(path), "{path}: {}", stderr(&o));
    }
}
