//! Fault injection end to end on small scenarios: the exact node-failure timeline, partitions
//! that heal, PodDisruptionBudgets, zone rate limiting, StatefulSet identity, overload
//! failures, causality, and conservation under thousands of random fault plans.

use proptest::prelude::*;

use super::Simulation;
use crate::build::{build, BuildOptions};
use crate::cluster::taints::TaintEffect;
use crate::cluster::{NodeId, PodPhase};
use crate::engine::SimTime;
use crate::metrics::cascade::EffectKind;
use crate::scenario::parse_scenario;

fn sim_of(yaml: &str) -> Simulation {
    let s = parse_scenario(yaml, "t.yaml").unwrap_or_else(|e| panic!("{e}"));
    Simulation::new(build(&s, BuildOptions::default())).expect("setup")
}

fn node(sim: &Simulation, name: &str) -> NodeId {
    let i = sim.world().nodes.name.iter().position(|n| n == name);
    NodeId(i.expect("node exists") as u32)
}

fn running_on(sim: &Simulation, n: NodeId) -> usize {
    sim.world().pods_on_node[n.ix()]
        .iter()
        .filter(|p| {
            sim.world()
                .pods
                .get(**p)
                .is_some_and(|p| p.phase == PodPhase::Running)
        })
        .count()
}

fn has_taint(sim: &Simulation, n: NodeId, effect: TaintEffect) -> bool {
    let key = sim
        .world()
        .interner
        .lookup("node.kubernetes.io/unreachable");
    sim.world()
        .node_taints(n)
        .iter()
        .any(|t| Some(t.key) == key && t.effect == effect)
}

fn ready_pods(sim: &Simulation, w: usize) -> u64 {
    sim.recorder().res.avail.ready(w)
}

const BASE: &str = r#"
simulation: {duration: 2h, seed: 11, metricsInterval: 1m}
cluster:
  zones: [a, b]
  nodePools:
    - {name: p, count: 6, racksPerZone: 1, capacity: {cpu: "4", memory: 16Gi, pods: 110}}
workloads:
  - name: web
    kind: Deployment
    replicas: 12
    template:
      labels: {app: web}
      containers: [{name: c, resources: {requests: {cpu: 500m, memory: 1Gi}}}]
  - name: db
    kind: StatefulSet
    replicas: 6
    template:
      labels: {app: db}
      topologySpreadConstraints:
        - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: db}}}
      containers: [{name: c, resources: {requests: {cpu: 250m, memory: 512Mi}}}]
  - name: agent
    kind: DaemonSet
    template:
      labels: {app: agent}
      containers: [{name: c, resources: {requests: {cpu: 100m, memory: 100Mi}}}]
"#;

fn scenario(faults: &str) -> String {
    format!("name: t\n{BASE}{faults}")
}

#[test]
fn a_crashed_node_follows_the_upstream_timeline() {
    let mut sim = sim_of(&scenario(
        "faults: [{name: boom, kind: nodeCrash, at: 5m, target: {nodes: [p-0]}}]\n",
    ));
    let n = node(&sim, "p-0");
    let crash = SimTime(300_000);
    let rt = sim.faults.as_ref().expect("fault runtime");
    let detect = rt.lifecycle().detection_time(n, crash);
    // Last lease renewal ≤ crash, then the first 5 s monitor pass strictly after +50 s.
    let after = detect.as_millis() - crash.as_millis();
    assert!(
        (40_000..=55_000).contains(&after),
        "detected {after} ms after"
    );
    assert_eq!(detect.as_millis() % 5_000, 0, "on a monitor pass");
    sim.run_until(SimTime(detect.as_millis() - 1));
    let on_node = running_on(&sim, n);
    assert!(on_node >= 3, "web/db/agent pods on the node: {on_node}");
    assert!(!sim.world().nodes.ready[n.ix()], "down since the crash");
    assert!(!sim.core.health().unknown[n.ix()]);
    assert!(!has_taint(&sim, n, TaintEffect::NoSchedule));
    sim.run_until(detect);
    assert!(sim.core.health().unknown[n.ix()], "Unknown at detection");
    assert!(has_taint(&sim, n, TaintEffect::NoSchedule));
    // A healthy zone's limiter has a token: NoExecute at once; pods go 300 s later.
    assert!(has_taint(&sim, n, TaintEffect::NoExecute));
    let evict = detect.plus_millis(300_000);
    sim.run_until(SimTime(evict.as_millis() - 1));
    assert_eq!(sim.core.recorder_mut().res.displaced_total(), 0);
    let web_before = sim.recorder().workload_counts(0);
    sim.run_until(evict);
    let displaced = sim.core.recorder_mut().res.displaced_total();
    assert!(displaced >= 2, "web and db pods displaced: {displaced}");
    // The web replacements were created and scheduled at that same instant; the DaemonSet
    // pod tolerates the taint forever and stays.
    let web_after = sim.recorder().workload_counts(0);
    assert!(web_after.0 > web_before.0, "replacements created");
    assert_eq!(ready_pods(&sim, 0), 12, "web back to 12 ready at once");
    assert_eq!(
        sim.world().pods_on_node[n.ix()].len(),
        on_node,
        "terminating pods stay bound"
    );
    sim.check_consistency().unwrap();
    // The StatefulSet pod of that node is not replaced while its old pod is terminating.
    assert_eq!(ready_pods(&sim, 1), 5);
    sim.run_until(SimTime(2 * 3_600_000));
    assert_eq!(
        ready_pods(&sim, 1),
        5,
        "StatefulSet waits for the node (never back)"
    );
    sim.check_consistency().unwrap();
}

#[test]
fn the_statefulset_pod_comes_back_when_the_node_does() {
    let mut sim = sim_of(&scenario(
        "faults: [{name: boom, kind: nodeCrash, at: 5m, duration: 20m, target: {nodes: [p-0]}}]\n",
    ));
    sim.run_until(SimTime(20 * 60_000));
    assert_eq!(ready_pods(&sim, 1), 5);
    sim.run_until(SimTime(25 * 60_000));
    // Back at 25 m: the terminating pod is gone, the StatefulSet recreates its ordinal.
    sim.run_until(SimTime(25 * 60_000 + 1));
    assert_eq!(ready_pods(&sim, 1), 6);
    assert_eq!(ready_pods(&sim, 2), 6, "DaemonSet pod ready again");
    sim.check_consistency().unwrap();
}

#[test]
fn a_partition_that_heals_before_the_toleration_loses_no_pod() {
    let mut sim = sim_of(&scenario(
        "faults: [{name: cut, kind: partition, at: 5m, duration: 5m, target: {nodes: [p-1, p-2]}}]\n",
    ));
    sim.run_until(SimTime(9 * 60_000));
    assert!(
        ready_pods(&sim, 0) < 12,
        "pods on the cut nodes are not ready"
    );
    let created = sim.recorder().pods_created();
    sim.run_until(SimTime(60 * 60_000));
    assert_eq!(sim.recorder().pods_created(), created, "nothing recreated");
    assert_eq!(sim.core.recorder_mut().res.displaced_total(), 0);
    assert_eq!(ready_pods(&sim, 0), 12);
    assert_eq!(ready_pods(&sim, 1), 6);
    for name in ["p-1", "p-2"] {
        let n = node(&sim, name);
        assert!(!has_taint(&sim, n, TaintEffect::NoSchedule));
        assert!(!has_taint(&sim, n, TaintEffect::NoExecute));
        assert!(!sim.core.health().unknown[n.ix()]);
    }
    sim.check_consistency().unwrap();
}

#[test]
fn a_pdb_blocks_a_drain_and_retries_follow_the_budget() {
    let blocked = sim_of(&scenario(
        "faults: [{name: d, kind: drain, at: 5m, target: {nodes: [p-0]}}]\n\
         pdbs: [{name: web, selector: {matchLabels: {app: web}}, minAvailable: 12}]\n",
    ));
    let mut sim = blocked;
    let n = node(&sim, "p-0");
    sim.run_until(SimTime::ZERO);
    let web_on_node = |sim: &Simulation| {
        sim.world().pods_on_node[n.ix()]
            .iter()
            .filter(|p| sim.world().pods.get(**p).is_some_and(|p| p.workload == 0))
            .count()
    };
    let before = web_on_node(&sim);
    assert!(before > 0);
    sim.run_until(SimTime(60 * 60_000));
    assert_eq!(
        web_on_node(&sim),
        before,
        "minAvailable 12 of 12: every eviction refused"
    );
    assert!(sim.world().nodes.unschedulable[n.ix()], "cordoned");
    sim.check_consistency().unwrap();

    // maxUnavailable 1: one eviction per 5 s retry (each replacement is ready at once).
    let mut sim = sim_of(&scenario(
        "faults: [{name: d, kind: drain, at: 5m, target: {nodes: [p-0]}}]\n\
         pdbs: [{name: web, selector: {matchLabels: {app: web}}, maxUnavailable: 1}]\n",
    ));
    sim.run_until(SimTime(299_999));
    assert_eq!(web_on_node(&sim), before);
    sim.run_until(SimTime(300_000));
    let left = web_on_node(&sim);
    assert_eq!(left, before - 1, "one eviction allowed at 5m");
    sim.run_until(SimTime(305_000));
    assert_eq!(web_on_node(&sim), before.saturating_sub(2));
    sim.run_until(SimTime(400_000));
    assert_eq!(web_on_node(&sim), 0);
    assert_eq!(running_on(&sim, n), 1, "only the DaemonSet pod stays");
    sim.check_consistency().unwrap();
}

/// `kubectl drain` lists the node's pods once (`GetPodsForDeletion` in
/// `staging/src/k8s.io/kubectl/pkg/drain/drain.go`, called once per node by
/// `deleteOrEvictPodsSimple` in `staging/src/k8s.io/kubectl/pkg/cmd/drain/drain.go`) and
/// retries only those on a 429 every 5 s; pods that land on the cordoned node later (here
/// replacements tolerating `unschedulable`) are not evicted, and nothing is evicted once the
/// node is uncordoned. Before: the drain re-listed the nodes every 5 s while any eviction was
/// refused and went on evicting long after the 30 s window (hundreds of evictions an hour).
#[test]
fn a_drain_evicts_only_the_pods_listed_at_its_start() {
    let yaml = "name: d
simulation: {duration: 1h, seed: 3, metricsInterval: 1m}
cluster:
  zones: [a]
  nodePools:
    - {name: p, count: 2, capacity: {cpu: \"4\", memory: 16Gi, pods: 110}}
workloads:
  - name: web
    kind: Deployment
    replicas: 6
    template:
      labels: {app: web}
      tolerations: [{key: node.kubernetes.io/unschedulable, operator: Exists, effect: NoSchedule}]
      containers: [{name: c, resources: {requests: {cpu: 100m, memory: 100Mi}}}]
faults: [{name: d, kind: drain, at: 5m, duration: 30s, target: {nodes: [p-0]}}]
pdbs: [{name: web, selector: {matchLabels: {app: web}}, minAvailable: 5}]
";
    let mut sim = sim_of(yaml);
    let n = node(&sim, "p-0");
    sim.run_until(SimTime(299_999));
    let listed = running_on(&sim, n);
    assert!(listed >= 2, "{listed} web pods on p-0");
    let run = sim.run(&mut |_| {});
    let evictions: Vec<u64> = run
        .resilience
        .effects
        .iter()
        .filter(|e| e.kind == EffectKind::Eviction)
        .map(|e| e.time_ms)
        .collect();
    assert!(!evictions.is_empty());
    assert!(
        evictions.len() <= listed,
        "{} evictions of {listed} listed pods",
        evictions.len()
    );
    assert!(
        evictions.iter().all(|t| *t < 330_000),
        "nothing evicted after the uncordon at 5m30s: {evictions:?}"
    );
}

const ZONES: &str = r#"name: z
simulation: {duration: 1h, seed: 5, metricsInterval: 1m}
cluster:
  zones: [a, b, c]
  nodePools:
    - {name: p, count: 30, racksPerZone: 2, capacity: {cpu: "4", memory: 16Gi, pods: 110}}
workloads:
  - name: web
    kind: Deployment
    replicas: 60
    template:
      labels: {app: web}
      containers: [{name: c, resources: {requests: {cpu: 500m, memory: 1Gi}}}]
"#;

fn zone_a_nodes(sim: &Simulation, k: usize) -> String {
    let w = sim.world();
    let names: Vec<&str> = w
        .nodes
        .ids()
        .filter(|n| w.nodes.zone[n.ix()] == 0)
        .take(k)
        .map(|n| w.nodes.name[n.ix()].as_str())
        .collect();
    names.join(", ")
}

#[test]
fn a_healthy_zone_taints_one_node_per_ten_seconds() {
    let probe = sim_of(ZONES);
    let targets = zone_a_nodes(&probe, 4);
    let mut sim = sim_of(&format!(
        "{ZONES}faults: [{{name: four, kind: nodeCrash, at: 10m, target: {{nodes: [{targets}]}}}}]\n"
    ));
    sim.run_until(SimTime(30 * 60_000));
    let mut tainted: Vec<u64> = sim
        .core
        .health()
        .noexec_at
        .iter()
        .flatten()
        .map(|t| t.as_millis())
        .collect();
    tainted.sort_unstable();
    assert_eq!(
        tainted.len(),
        4,
        "4 of 10 nodes down: zone Normal, all tainted"
    );
    for pair in tainted.windows(2) {
        assert!(
            pair[1] - pair[0] >= 10_000,
            "0.1 node/s in a healthy zone: {tainted:?}"
        );
    }
    sim.check_consistency().unwrap();
}

#[test]
fn a_partially_disrupted_small_zone_evicts_nothing() {
    let probe = sim_of(ZONES);
    let targets = zone_a_nodes(&probe, 6);
    let mut sim = sim_of(&format!(
        "{ZONES}faults: [{{name: six, kind: nodeCrash, at: 10m, target: {{nodes: [{targets}]}}}}]\n"
    ));
    sim.run_until(SimTime(60 * 60_000));
    // 6 of 10 NotReady (≥ 55 %, > 2) in a zone of ≤ 50 nodes: the secondary rate is 0.
    let unknown = sim.core.health().unknown.iter().filter(|u| **u).count();
    assert_eq!(unknown, 6);
    let tainted = sim.core.health().noexec_at.iter().flatten().count();
    assert!(
        tainted <= 1,
        "at most the first node before the zone turned unhealthy: {tainted}"
    );
    sim.check_consistency().unwrap();
}

const OVERLOAD: &str = r#"name: o
simulation: {duration: 2h, seed: 9, metricsInterval: 1m}
cluster:
  zones: [a, b]
  nodePools:
    - {name: p, count: 6, capacity: {cpu: "8", memory: 8Gi, pods: 110}}
workloads:
  - name: hog
    kind: Deployment
    replicas: 24
    template:
      labels: {app: hog}
      containers: [{name: c, resources: {requests: {cpu: 100m, memory: 100Mi}}}]
    usage: {cpu: 100m, memory: 1800Mi}
"#;

#[test]
fn overload_failures_cascade_with_causality() {
    // 4 pods of 1.8 GiB per 8 GiB node fit; a crash moves 4 more onto the survivors, whose
    // memory demand then stays above capacity: they fail in turn, and their pods move on.
    let mut sim = sim_of(&format!(
        "{OVERLOAD}faults: [{{name: one, kind: nodeCrash, at: 10m, target: {{nodes: [p-0]}}}}]\n\
         nodeLifecycle: {{overloadFailure: {{}}}}\n"
    ));
    sim.run_until(SimTime(2 * 3_600_000));
    sim.check_consistency().unwrap();
    let recs = sim
        .core
        .recorder_mut()
        .res
        .effects
        .records(|t| format!("{t:?}"));
    let overloads: Vec<_> = recs
        .iter()
        .filter(|r| r.kind == EffectKind::OverloadFailure)
        .collect();
    assert!(!overloads.is_empty(), "a survivor failed from overload");
    assert!(
        overloads.iter().any(|r| r.root == 1),
        "the overload failure hangs off the crash: {overloads:?}"
    );
    let cascades = crate::metrics::cascade::build_cascades(&recs);
    let root = cascades.iter().find(|c| c.root_id == 1).expect("cascade");
    assert!(
        root.depth >= 6,
        "fault→node→displaced→rescheduled→overload→…: {}\n{}",
        root.depth,
        recs.iter()
            .map(|r| format!(
                "{} {:?} {} {:?} {} {}",
                r.id, r.parent, r.root, r.kind, r.target, r.time_ms
            ))
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(root.nodes_failed() >= 2);
}

#[test]
fn overload_failure_can_be_turned_off() {
    let mut sim = sim_of(&format!(
        "{OVERLOAD}faults: [{{name: one, kind: nodeCrash, at: 10m, target: {{nodes: [p-0]}}}}]\n\
         nodeLifecycle: {{overloadFailure: {{enabled: false}}}}\n"
    ));
    sim.run_until(SimTime(2 * 3_600_000));
    let recs = sim
        .core
        .recorder_mut()
        .res
        .effects
        .records(|t| format!("{t:?}"));
    assert!(recs.iter().all(|r| r.kind != EffectKind::OverloadFailure));
}

/// Overload failure is not upstream behaviour: without `nodeLifecycle.overloadFailure` the
/// same overloaded survivors stay up (before: on by default, they failed).
#[test]
fn overload_failure_is_off_by_default() {
    let mut sim = sim_of(&format!(
        "{OVERLOAD}faults: [{{name: one, kind: nodeCrash, at: 10m, target: {{nodes: [p-0]}}}}]\n"
    ));
    sim.run_until(SimTime(2 * 3_600_000));
    let recs = sim
        .core
        .recorder_mut()
        .res
        .effects
        .records(|t| format!("{t:?}"));
    assert!(recs.iter().all(|r| r.kind != EffectKind::OverloadFailure));
    let run = sim.run(&mut |_| {});
    assert!(!run.resilience.overload_failure_enabled);
    let on = sim_of(&format!(
        "{OVERLOAD}nodeLifecycle: {{overloadFailure: {{recoverAfter: 5m}}}}\n"
    ))
    .run(&mut |_| {});
    assert!(on.resilience.overload_failure_enabled, "recorded when on");
}

#[test]
fn runs_with_faults_are_deterministic() {
    let yaml = scenario(
        "faults:\n\
         \x20 - {name: r, kind: random, mtbf: {distribution: exponential, mean: 30m}, mttr: {distribution: exponential, mean: 10m}}\n\
         \x20 - {name: d, kind: drain, at: 20m, duration: 30m, target: {nodes: [p-3]}}\n\
         pdbs: [{name: web, selector: {matchLabels: {app: web}}, maxUnavailable: 2}]\n",
    );
    let run = || sim_of(&yaml).run(&mut |_| {});
    let (a, b) = (run(), run());
    assert!(!a.resilience.effects.is_empty());
    assert_eq!(a, b);
}

fn fault_strategy() -> impl Strategy<Value = String> {
    let kind = prop::sample::select(vec![
        "nodeCrash",
        "reboot",
        "kubeletStop",
        "partition",
        "drain",
        "cordon",
    ]);
    (kind, 0u32..100, 1u32..60, 0u32..6, 1u32..4, any::<bool>()).prop_map(
        |(kind, at, dur, first, count, recover)| {
            let nodes: Vec<String> = (first..first + count)
                .map(|i| format!("p-{}", i % 6))
                .collect();
            let mut nodes = nodes;
            nodes.sort();
            nodes.dedup();
            let duration = if recover || kind == "reboot" {
                format!(", duration: {dur}m")
            } else {
                String::new()
            };
            format!(
                "{{name: N, kind: {kind}, at: {at}m{duration}, target: {{nodes: [{}]}}}}",
                nodes.join(", ")
            )
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]
    #[test]
    fn random_fault_plans_never_lose_or_duplicate_a_pod(
        faults in prop::collection::vec(fault_strategy(), 1..6),
        pdb in any::<bool>(),
        seed in 0u64..1000,
    ) {
        let list: Vec<String> = faults
            .iter()
            .enumerate()
            .map(|(i, f)| format!("  - {}", f.replace("name: N", &format!("name: f{i}"))))
            .collect();
        let mut yaml = scenario(&format!("faults:\n{}\n", list.join("\n")));
        yaml = yaml.replace("seed: 11", &format!("seed: {seed}"));
        if pdb {
            yaml.push_str("pdbs: [{name: web, selector: {matchLabels: {app: web}}, maxUnavailable: 1}]\n");
        }
        let mut sim = sim_of(&yaml);
        for step in 1..=12u64 {
            sim.run_until(SimTime(step * 10 * 60_000));
            if let Err(e) = sim.check_consistency() {
                prop_assert!(false, "at {} min: {e}\n{yaml}", step * 10);
            }
            // Every StatefulSet ordinal is held by at most one live pod.
            let mut ords: Vec<u32> = sim.world().pods.iter()
                .filter(|(_, p)| p.workload == 1 && matches!(p.phase, PodPhase::Pending | PodPhase::Running))
                .map(|(_, p)| p.ordinal)
                .collect();
            ords.sort_unstable();
            let n = ords.len();
            ords.dedup();
            prop_assert_eq!(n, ords.len(), "duplicate StatefulSet ordinal");
        }
    }
}

#[test]
fn an_upgrade_wave_with_surge_adds_and_removes_its_surge_nodes() {
    let mut sim = sim_of(&scenario(
        "faults: [{name: u, kind: upgradeWave, at: 10m, maxUnavailable: 1, surge: 1, drainTimeout: 5m, duration: 2m, target: {pool: p}, count: 2}]\n",
    ));
    let live = |sim: &Simulation| {
        sim.world()
            .nodes
            .ids()
            .filter(|n| sim.world().nodes.is_live(*n))
            .count()
    };
    sim.run_until(SimTime(10 * 60_000 - 1));
    assert_eq!(live(&sim), 6);
    sim.run_until(SimTime(10 * 60_000));
    // Batch of maxUnavailable + surge = 2 nodes, one surge node shaped like the first.
    assert_eq!(live(&sim), 7);
    let surge = NodeId(6);
    assert!(sim.world().nodes.name[surge.ix()].ends_with("-surge-0"));
    sim.check_consistency().unwrap();
    // Drain 5 m, down 2 m, then back, uncordoned, and the surge node goes.
    sim.run_until(SimTime(17 * 60_000));
    assert_eq!(live(&sim), 6);
    assert!(!sim.world().nodes.is_live(surge));
    assert_eq!(sim.world().pods_on_node[surge.ix()].len(), 0);
    sim.run_until(SimTime(2 * 3_600_000));
    assert_eq!(ready_pods(&sim, 0), 12);
    sim.check_consistency().unwrap();
}

#[test]
fn an_unsampleable_fault_distribution_is_a_setup_error_like_a_jobs() {
    // Validation rejects both; a setup that bypasses it must not drop the fault silently (it
    // used to: the random process simply never fired) but fail as a bad Job duration does.
    let yaml = scenario(
        "faults:\n\
         \x20 - {name: r, kind: random, mtbf: {distribution: exponential, mean: 30m}, mttr: {distribution: exponential, mean: 10m}}\n",
    );
    let s = parse_scenario(&yaml, "t.yaml").unwrap_or_else(|e| panic!("{e}"));
    let mut setup = build(&s, BuildOptions::default());
    let fault = &mut setup.faults.as_mut().expect("fault setup").faults[0];
    match &mut fault.kind {
        crate::faults::plan::FaultKind::Random { mttr, .. } => {
            *mttr = crate::engine::DurationDist::Uniform { min: 5, max: 1 };
        }
        other => panic!("not a random fault: {other:?}"),
    }
    let err = Simulation::new(setup).err().expect("a setup error");
    assert!(matches!(
        &err,
        super::SetupError::InvalidDistribution { owner, what: "mttr", .. } if owner == "fault `r`"
    ));
    assert_eq!(
        err.to_string(),
        "fault `r`: invalid mttr: uniform min 5 ms is above max 1 ms"
    );
}

/// A duration distribution as scenario YAML, from edge-case parameters.
fn distribution_yaml() -> impl Strategy<Value = String> {
    let d = prop::sample::select(vec!["0ms", "1ms", "1s", "30m", "1d", "3650d"]);
    let f = prop::sample::select(vec!["1e-300", "1e-9", "0", "-1", "0.5", "3", "1e300"]);
    prop_oneof![
        d.clone()
            .prop_map(|v| format!("{{distribution: constant, value: {v}}}")),
        (d.clone(), d.clone())
            .prop_map(|(a, b)| format!("{{distribution: uniform, min: {a}, max: {b}}}")),
        d.clone()
            .prop_map(|m| format!("{{distribution: exponential, mean: {m}}}")),
        (d.clone(), d.clone())
            .prop_map(|(m, p)| format!("{{distribution: lognormal, median: {m}, p99: {p}}}")),
        (d.clone(), f.clone())
            .prop_map(|(m, s)| format!("{{distribution: lognormal, median: {m}, sigma: {s}}}")),
        (d.clone(), d.clone())
            .prop_map(|(m, s)| format!("{{distribution: normal, mean: {m}, stddev: {s}}}")),
        (f, d).prop_map(|(k, s)| format!("{{distribution: weibull, shape: {k}, scale: {s}}}")),
    ]
}

/// Whether a scenario with these Job duration and fault MTBF/MTTR distributions sets up
/// (None: validation rejects it).
fn distributions_set_up(job: &str, mtbf: &str, mttr: &str, cmttr: &str) -> Option<bool> {
    let yaml = format!(
        "{}  - {{name: j, kind: Job, arrivals: {{at: [1m]}}, duration: {job}, template: \
         {{containers: [{{name: c, resources: {{requests: {{cpu: 100m}}}}}}]}}}}\n\
         faults:\n\
         \x20 - {{name: r, kind: random, pool: p, mtbf: {mtbf}, mttr: {mttr}}}\n\
         \x20 - {{name: c, kind: correlated, scope: rack, rate: 1/d, fraction: 0.5, mttr: {cmttr}}}\n",
        scenario("")
    );
    let s = parse_scenario(&yaml, "t.yaml").ok()?;
    Some(Simulation::new(build(&s, BuildOptions::default())).is_ok())
}

#[test]
fn the_distribution_agreement_scenario_is_valid() {
    assert_eq!(distributions_set_up("5m", "30d", "1h", "2h"), Some(true));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// The engine's re-checks of distributions agree with validation: whatever Job duration or
    /// fault MTBF/MTTR a scenario passes validation with, the run sets up (no
    /// `SetupError::InvalidDistribution` for a validated file), for Jobs and faults alike.
    #[test]
    fn validated_distributions_always_set_up(
        job in distribution_yaml(),
        mtbf in distribution_yaml(),
        mttr in distribution_yaml(),
        cmttr in distribution_yaml(),
    ) {
        prop_assert_ne!(distributions_set_up(&job, &mtbf, &mttr, &cmttr), Some(false));
    }
}
