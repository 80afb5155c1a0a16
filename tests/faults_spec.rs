//! Integration tests of the `faults`, `nodeLifecycle` and `pdbs` sections through the real
//! `clustersim validate` binary.

use std::path::Path;
use std::process::Output;

mod common;
use common::{s, write};

fn validate(path: &Path) -> Output {
    common::run(&["validate", s(path)])
}

const CLUSTER: &str = r#"name: faults
simulation: {duration: 6h, seed: 3}
cluster:
  zones: [a, b, c]
  nodePools:
    - {name: web, count: 30, racksPerZone: 2, capacity: {cpu: "8", memory: 32Gi}, labels: {tier: front}}
    - {name: batch, count: 9, capacity: {cpu: "16", memory: 64Gi}}
  nodes:
    - {name: gpu-0, zone: a, rack: a-gpu, capacity: {cpu: "32", memory: 128Gi}}
workloads:
  - name: web
    kind: Deployment
    replicas: 20
    template:
      labels: {app: web}
      containers: [{name: c, resources: {requests: {cpu: 500m, memory: 1Gi}}}]
"#;

/// Every fault kind, target form, distribution family, plus nodeLifecycle and pdbs.
const FAULTS: &str = r#"faults:
  - {name: crash-two, kind: nodeCrash, at: 10m, duration: 20m, target: {pool: web}, count: 2}
  - {name: reboot-gpu, kind: reboot, at: 15m, target: {nodes: [gpu-0]}}
  - {name: kubelet, kind: kubeletStop, at: 20m, duration: 5m, target: {zone: b}, fraction: 0.1}
  - name: partition-front
    kind: partition
    at: 25m
    duration: 3m
    target:
      selector:
        matchLabels: {tier: front}
        matchExpressions: [{key: topology.kubernetes.io/zone, operator: In, values: [c]}]
  - {name: rack-a1, kind: rackFailure, at: 30m, duration: 1h, target: {rack: a-r1}}
  - {name: zone-b, kind: zoneOutage, at: 2h, duration: 30m, target: {zone: b}}
  - {name: drain-batch, kind: drain, at: 40m, duration: 10m, drainTimeout: 5m, target: {nodes: [batch-0, batch-1]}}
  - {name: cordon-batch, kind: cordon, at: 45m, target: {pool: batch, zone: c}}
  - {name: upgrade, kind: upgradeWave, at: 3h, maxUnavailable: 2, surge: 1, drainTimeout: 10m, duration: 3m, target: {pool: web}}
  - name: random-web
    kind: random
    pool: web
    mtbf: {distribution: weibull, shape: 1.2, scale: 30d}
    mttr: {distribution: lognormal, median: 15m, p99: 2h}
  - {name: random-all, kind: random, mtbf: {distribution: exponential, mean: 60d}, mttr: 10m}
  - {name: racks, kind: correlated, scope: rack, rate: 1/d, fraction: 0.3, mttr: {distribution: exponential, mean: 1h}}
  - {name: zones, kind: correlated, scope: zone, rate: 0.5/d, mttr: 2h}
nodeLifecycle:
  nodeMonitorGracePeriod: 50s
  nodeMonitorPeriod: 5s
  nodeStartupGracePeriod: 60s
  nodeEvictionRate: 0.1
  secondaryNodeEvictionRate: 0.01
  largeClusterSizeThreshold: 50
  unhealthyZoneThreshold: 0.55
  defaultTolerationSeconds: 300
  overloadFailure: {enabled: true, memoryOverCapacityFor: 60s}
pdbs:
  - {name: web, selector: {matchLabels: {app: web}}, maxUnavailable: "25%"}
  - {name: web-min, namespace: shop, selector: {matchLabels: {app: web}}, minAvailable: 15, unhealthyPodEvictionPolicy: AlwaysAllow}
  - {name: db, selector: {matchExpressions: [{key: app, operator: In, values: [db]}]}, minAvailable: "50%"}
"#;

#[test]
fn every_fault_kind_validates() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "all.yaml", &format!("{CLUSTER}{FAULTS}"));
    let out = validate(&path);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stderr: {stderr}");
}

#[test]
fn late_fault_is_only_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{CLUSTER}faults: [{{name: late, kind: nodeCrash, at: 7h, target: {{pool: batch}}}}]\n"
    );
    let out = validate(&write(dir.path(), "late.yaml", &text));
    assert_eq!(out.status.code(), Some(0));
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(all.contains("faults[0].at"), "{all}");
}

#[test]
fn malformed_fault_sections_exit_2_with_one_line_naming_file_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let f = |body: &str| format!("{CLUSTER}{body}\n");
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        (
            "unknown-kind",
            f("faults: [{name: x, kind: meteor, at: 1m, target: {pool: web}}]"),
            vec!["faults[0].kind", "meteor"],
        ),
        (
            "unknown-field",
            f("faults: [{name: x, kind: nodeCrash, at: 1m, target: {pool: web}, when: 2m}]"),
            vec!["faults[0]", "when"],
        ),
        (
            "unknown-target-field",
            f("faults: [{name: x, kind: nodeCrash, at: 1m, target: {region: eu}}]"),
            vec!["faults[0].target", "region"],
        ),
        (
            "unknown-pool",
            f("faults: [{name: x, kind: nodeCrash, at: 1m, target: {pool: gpu}}]"),
            vec!["faults[0].target.pool", "gpu"],
        ),
        (
            "unknown-zone",
            f("faults: [{name: x, kind: zoneOutage, at: 1m, target: {zone: d}}]"),
            vec!["faults[0].target.zone", "\"d\""],
        ),
        (
            "unknown-node",
            f("faults: [{name: x, kind: reboot, at: 1m, target: {nodes: [web-30]}}]"),
            vec!["faults[0].target.nodes[0]", "web-30"],
        ),
        (
            "unknown-rack",
            f("faults: [{name: x, kind: rackFailure, at: 1m, target: {rack: a-r7}}]"),
            vec!["faults[0].target.rack", "a-r7"],
        ),
        (
            "random-unknown-pool",
            f("faults: [{name: x, kind: random, pool: gpus, mtbf: 30d, mttr: 1h}]"),
            vec!["faults[0].pool", "gpus"],
        ),
        (
            "negative-at",
            f("faults: [{name: x, kind: cordon, at: -1m, target: {pool: web}}]"),
            vec!["faults[0].at", "negative"],
        ),
        (
            "negative-duration",
            f("faults: [{name: x, kind: cordon, at: 1m, duration: -1m, target: {pool: web}}]"),
            vec!["faults[0].duration", "negative"],
        ),
        (
            "missing-at",
            f("faults: [{name: x, kind: cordon, target: {pool: web}}]"),
            vec!["faults[0].at", "missing"],
        ),
        (
            "field-of-other-kind",
            f("faults: [{name: x, kind: cordon, at: 1m, target: {pool: web}, mttr: 1h}]"),
            vec!["faults[0].mttr", "cordon"],
        ),
        (
            "fraction-over-one",
            f("faults: [{name: x, kind: nodeCrash, at: 1m, target: {pool: web}, fraction: 1.5}]"),
            vec!["faults[0].fraction", "1.5"],
        ),
        (
            "bad-distribution",
            f("faults: [{name: x, kind: random, mtbf: {distribution: weibull, scale: 30d}, mttr: 1h}]"),
            vec!["faults[0].mtbf", "shape"],
        ),
        (
            "correlated-bad-scope",
            f("faults: [{name: x, kind: correlated, scope: region, rate: 1/d, mttr: 1h}]"),
            vec!["faults[0].scope", "region"],
        ),
        (
            "duplicate-fault",
            f("faults: [{name: x, kind: cordon, at: 1m, target: {pool: web}}, {name: x, kind: cordon, at: 2m, target: {pool: web}}]"),
            vec!["faults[1].name", "duplicate"],
        ),
        (
            "pdb-both",
            f("pdbs: [{name: p, selector: {matchLabels: {app: web}}, minAvailable: 1, maxUnavailable: 1}]"),
            vec!["pdbs[0].maxUnavailable", "not both"],
        ),
        (
            "pdb-over-100",
            f("pdbs: [{name: p, selector: {matchLabels: {app: web}}, minAvailable: \"150%\"}]"),
            vec!["pdbs[0].minAvailable", "150%"],
        ),
        (
            "pdb-not-a-percent",
            f("pdbs: [{name: p, selector: {matchLabels: {app: web}}, maxUnavailable: \"half\"}]"),
            vec!["pdbs[0].maxUnavailable", "half"],
        ),
        (
            "pdb-bad-policy",
            f("pdbs: [{name: p, selector: {}, maxUnavailable: 1, unhealthyPodEvictionPolicy: Never}]"),
            vec!["pdbs[0].unhealthyPodEvictionPolicy", "Never"],
        ),
        (
            "lifecycle-negative-rate",
            f("nodeLifecycle: {nodeEvictionRate: -0.1}"),
            vec!["nodeLifecycle.nodeEvictionRate"],
        ),
        (
            "lifecycle-unknown-field",
            f("nodeLifecycle: {podEvictionTimeout: 5m}"),
            vec!["nodeLifecycle", "podEvictionTimeout"],
        ),
        (
            "overload-unknown-field",
            f("nodeLifecycle: {overloadFailure: {cpuOverCapacityFor: 1m}}"),
            vec!["nodeLifecycle.overloadFailure", "cpuOverCapacityFor"],
        ),
    ];
    for (name, text, expected) in cases {
        let path = write(dir.path(), &format!("{name}.yaml"), &text);
        let out = validate(&path);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: stderr {stderr}");
        let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        assert!(!lines.is_empty(), "{name}: no error line");
        let first = lines[0];
        assert!(
            first.contains(&format!("{name}.yaml")),
            "{name}: error does not name the file: {first}"
        );
        for want in expected {
            assert!(first.contains(want), "{name}: {first:?} lacks {want:?}");
        }
    }
}
