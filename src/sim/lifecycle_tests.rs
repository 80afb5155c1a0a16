//! Node lifecycle timing details: which toleration decides when the taint-eviction controller
//! deletes a pod of an unreachable node, the tolerations the admission defaults add
//! (`defaultTolerationSeconds`), zone states once per monitor pass, and the Job back-off of a
//! lost node's pods.

use super::lifecycle::no_execute_toleration;
use super::Simulation;
use crate::build::{build, BuildOptions};
use crate::cluster::taints::{Taint, TaintEffect, Toleration, TolerationOp};
use crate::cluster::{NodeId, Sym};
use crate::engine::SimTime;
use crate::faults::lifecycle::NoExecuteToleration;
use crate::scenario::parse_scenario;

fn sim_of(yaml: &str) -> Simulation {
    let s = parse_scenario(yaml, "t.yaml").unwrap_or_else(|e| panic!("{e}"));
    Simulation::new(build(&s, BuildOptions::default())).expect("setup")
}

fn tol(key: u32, seconds: Option<u64>) -> Toleration {
    Toleration {
        key: Sym(key),
        op: TolerationOp::Exists,
        value: Sym::EMPTY,
        effect: Some(TaintEffect::NoExecute),
        toleration_seconds: seconds,
    }
}

/// Upstream `processPodOnNode` (`pkg/controller/tainteviction/taint_eviction.go`) takes, per
/// taint, the first toleration in the pod's list that tolerates it
/// (`GetMatchingTolerations`, `pkg/apis/core/v1/helper/helpers.go`) and reads only those in
/// `getMinTolerationTime`. Before: the smallest `tolerationSeconds` of every matching
/// toleration, and forever if any of them had none.
#[test]
fn the_first_matching_toleration_decides() {
    let taint = Taint {
        key: Sym(7),
        value: Sym::EMPTY,
        effect: TaintEffect::NoExecute,
    };
    let any = tol(0, None); // empty key, Exists: tolerates everything, forever
    let other = tol(8, Some(1)); // another key: does not match
    assert_eq!(
        no_execute_toleration(&[other, tol(7, Some(600)), any], &taint),
        NoExecuteToleration::Seconds(600),
        "a later match without seconds is not read"
    );
    assert_eq!(
        no_execute_toleration(&[tol(7, Some(600)), tol(7, Some(60))], &taint),
        NoExecuteToleration::Seconds(600),
        "a later, smaller match is not read"
    );
    assert_eq!(
        no_execute_toleration(&[any, tol(7, Some(60))], &taint),
        NoExecuteToleration::Forever
    );
    assert_eq!(
        no_execute_toleration(&[other], &taint),
        NoExecuteToleration::None
    );
}

const BASE: &str = r#"name: t
simulation: {duration: 1h, seed: 11, metricsInterval: 1m}
cluster:
  zones: [a]
  nodePools:
    - {name: p, count: 3, capacity: {cpu: "4", memory: 16Gi, pods: 110}}
faults: [{name: boom, kind: nodeCrash, at: 5m, target: {nodes: [p-0]}}]
workloads:
"#;

fn workload(name: &str, kind: &str, tolerations: &str) -> String {
    let replicas = if kind == "DaemonSet" {
        ""
    } else {
        "replicas: 3, "
    };
    format!(
        "  - {{name: {name}, kind: {kind}, {replicas}template: {{labels: {{app: {name}}}, \
         tolerations: {tolerations}, containers: [{{name: c, resources: {{requests: {{cpu: 100m, \
         memory: 100Mi}}}}}}]}}}}\n"
    )
}

/// When the pods of workload `w` on the crashed node are deleted, seconds after the
/// `unreachable:NoExecute` taint (None: not within the run).
fn deleted_after_taint(sim: &mut Simulation, w: u32) -> Option<u64> {
    let n = NodeId(0);
    let rt = sim.faults.as_ref().expect("faults");
    let detect = rt.lifecycle().detection_time(n, SimTime(300_000));
    let ours = |sim: &Simulation| {
        sim.world().pods_on_node[n.ix()]
            .iter()
            .filter(|p| {
                sim.world().pods.get(**p).is_some_and(|p| p.workload == w)
                    && !sim.core.health().is_terminating(**p)
            })
            .count()
    };
    sim.run_until(SimTime(detect.as_millis() - 1));
    assert!(ours(sim) > 0, "workload {w} has a pod on the crashed node");
    sim.run_until(detect);
    let tainted = sim.core.health().noexec_at[n.ix()].expect("tainted at detection");
    let mut t = tainted.as_millis();
    while t < 3_600_000 {
        sim.run_until(SimTime(t));
        if ours(sim) == 0 {
            return Some((t - tainted.as_millis()) / 1000);
        }
        t += 1000;
    }
    None
}

/// `nodeLifecycle.defaultTolerationSeconds` is the `tolerationSeconds` of the tolerations the
/// DefaultTolerationSeconds admission plugin adds
/// (`plugin/pkg/admission/defaulttolerationseconds/admission.go`, flags
/// `--default-not-ready-toleration-seconds` / `--default-unreachable-toleration-seconds`).
/// Before: accepted and ignored (300 s).
#[test]
fn default_toleration_seconds_applies() {
    let yaml = format!(
        "{BASE}{}nodeLifecycle: {{defaultTolerationSeconds: 60}}\n",
        workload("web", "Deployment", "[]")
    );
    let mut sim = sim_of(&yaml);
    assert_eq!(deleted_after_taint(&mut sim, 0), Some(60));
    let yaml = format!("{BASE}{}", workload("web", "Deployment", "[]"));
    assert_eq!(deleted_after_taint(&mut sim_of(&yaml), 0), Some(300));
}

/// End to end: a pod whose first matching toleration has 120 s and a later one tolerates the
/// taint forever is deleted 120 s after the taint (before: never).
#[test]
fn a_later_forever_toleration_does_not_keep_the_pod() {
    let tols = "[{key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, \
                tolerationSeconds: 120}, {key: node.kubernetes.io/unreachable, operator: Exists, \
                effect: NoExecute}]";
    let yaml = format!("{BASE}{}", workload("web", "Deployment", tols));
    assert_eq!(deleted_after_taint(&mut sim_of(&yaml), 0), Some(120));
}

/// The admission plugin looks only at key and effect: a toleration with the unreachable key
/// and NoExecute effect but a value the taint lacks keeps the default from being added, and
/// does not tolerate the taint, so the pod goes at once (before: the 300 s default was added).
/// The DaemonSet controller adds or *updates* its forever tolerations
/// (`AddOrUpdateDaemonPodTolerations`, `pkg/controller/daemon/util/daemonset_util.go`): a
/// DaemonSet's own `Exists` toleration of unreachable with 60 s is replaced (before: kept,
/// and its pods deleted after 60 s).
#[test]
fn admission_defaults_follow_upstream() {
    let tols =
        "[{key: node.kubernetes.io/unreachable, operator: Equal, value: x, effect: NoExecute}]";
    let yaml = format!("{BASE}{}", workload("web", "Deployment", tols));
    assert_eq!(deleted_after_taint(&mut sim_of(&yaml), 0), Some(0));
    let tols = "[{key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, \
                tolerationSeconds: 60}]";
    let yaml = format!("{BASE}{}", workload("agent", "DaemonSet", tols));
    let sim = sim_of(&yaml);
    let rt = sim.faults.as_ref().expect("faults");
    assert!(rt.lifecycle().tolerates_forever(0));
}

/// A Job pod deleted by taint eviction from an unreachable node is replaced at once: upstream
/// counts the failure back-off from the pod's finish time, which for a pod of an unreachable
/// node is its Ready=False transition (`getFinishedTime` in
/// `pkg/controller/job/backoff_utils.go`; `MarkPodsNotReady` at the Unknown transition in
/// `pkg/controller/nodelifecycle/node_lifecycle_controller.go`), 300 s earlier. Before: 10 s
/// after the deletion.
#[test]
fn a_job_pod_of_a_lost_node_is_replaced_without_a_fresh_back_off() {
    let yaml = format!(
        "{BASE}  - {{name: batch, kind: Job, arrivals: {{count: 6, interval: 1s}}, \
         duration: {{distribution: uniform, min: 2h, max: 3h}}, template: {{labels: {{app: b}}, \
         containers: [{{name: c, resources: {{requests: {{cpu: 100m, memory: 100Mi}}}}}}]}}}}\n"
    );
    let mut sim = sim_of(&yaml);
    assert_eq!(deleted_after_taint(&mut sim, 0), Some(300));
    let (created, ..) = sim.recorder().workload_counts(0);
    assert!(
        created > 6,
        "replacements created with the deletion: {created}"
    );
}

/// Zone states are computed once per monitor pass, after every node of the pass
/// (`monitorNodeHealth` → `handleDisruption` in
/// `pkg/controller/nodelifecycle/node_lifecycle_controller.go`). With a 30 s pass, a zone of
/// 4 nodes that fails at 10m is seen whole in the 11m pass: Normal → FullDisruption keeps the
/// 0.1/s rate and its token, so the first node is tainted at once, then one per 10 s. Before:
/// re-evaluated per node, the zone passed through PartialDisruption (rate 0), and the new
/// bucket started empty: every taint 10 s late.
#[test]
fn a_zone_that_fails_whole_is_evaluated_once_per_pass() {
    let yaml = "name: z
simulation: {duration: 20m, seed: 2, metricsInterval: 1m}
cluster:
  zones: [a, b]
  nodePools:
    - {name: p, count: 8, capacity: {cpu: \"4\", memory: 16Gi, pods: 110}}
nodeLifecycle: {nodeMonitorPeriod: 30s}
faults: [{name: za, kind: zoneOutage, at: 10m, target: {zone: a}}]
";
    let mut sim = sim_of(yaml);
    let zone_a: Vec<NodeId> = {
        let w = sim.world();
        w.nodes
            .ids()
            .filter(|n| w.nodes.zone[n.ix()] == 0)
            .collect()
    };
    assert_eq!(zone_a.len(), 4);
    let rt = sim.faults.as_ref().expect("faults");
    for &n in &zone_a {
        let at = rt.lifecycle().detection_time(n, SimTime(600_000));
        assert_eq!(at, SimTime(660_000), "every node seen in the 11m pass");
    }
    sim.run_until(SimTime(15 * 60_000));
    let mut tainted: Vec<u64> = zone_a
        .iter()
        .map(|n| {
            sim.core.health().noexec_at[n.ix()]
                .expect("tainted")
                .as_millis()
        })
        .collect();
    tainted.sort_unstable();
    assert_eq!(tainted, vec![660_000, 670_000, 680_000, 690_000]);
}
