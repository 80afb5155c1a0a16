//! The scheduler's failure memo is exact: whole runs of small overloaded scenarios (persistent
//! backlogs, preemption, topology spread, pod (anti-)affinity, MemoryPressure taints and
//! evictions) give identical results with the memo on and off.

use super::Simulation;
use crate::build::{build, BuildOptions};
use crate::engine::{RngStreams, SimTime};
use crate::metrics::{EventLogLevel, RunResult};
use crate::scenario::parse_scenario;
use crate::scheduler::{Scheduler, SchedulingQueue};
use proptest::prelude::*;
use std::fmt::Write;

/// One random workload: kind (0 Deployment, 1 StatefulSet, 2 Job), size (replicas or arrivals
/// per minute), CPU in m, memory in GiB, priority class (0 none, 1 high, 2 batch), feature
/// (0 none, 1 zone spread, 2 hostname anti-affinity, 3 zone affinity to itself, 4 usage above
/// requests).
type Wl = (u8, u32, u32, u32, u8, u8);

fn scenario_yaml(general: u32, big: u32, duration_min: u32, wls: &[Wl]) -> String {
    let mut y = format!(
        "name: memo\nsimulation: {{duration: {duration_min}m, seed: 1, metricsInterval: 2m}}\n\
         priorityClasses:\n  - {{name: high, value: 1000}}\n  - {{name: batch, value: -10}}\n\
         kubelet:\n  evictionHard: {{memory.available: 500Mi}}\n  evictionPressureTransitionPeriod: 1m\n\
         cluster:\n  zones: [a, b, c]\n  nodePools:\n\
         \x20   - name: general\n      count: {general}\n      capacity: {{cpu: \"4\", memory: 16Gi, pods: 20}}\n"
    );
    if big > 0 {
        write!(
            y,
            "    - name: big\n      count: {big}\n      capacity: {{cpu: \"8\", memory: 32Gi, pods: 30}}\n\
             \x20     taints: [{{key: dedicated, value: big, effect: NoSchedule}}]\n"
        )
        .unwrap();
    }
    y.push_str("workloads:\n");
    for (i, &(kind, size, cpu, mem, prio, feature)) in wls.iter().enumerate() {
        let name = format!("w{i}");
        let head = match kind % 3 {
            0 => format!("    kind: Deployment\n    replicas: {}\n", size * 4),
            1 => format!("    kind: StatefulSet\n    replicas: {}\n", size * 2),
            _ => format!(
                "    kind: Job\n    arrivals: {{process: poisson, rate: {size}/m}}\n\
                 \x20   duration: {{distribution: exponential, mean: 4m}}\n"
            ),
        };
        write!(y, "  - name: {name}\n{head}").unwrap();
        match prio % 3 {
            1 => y.push_str("    priorityClassName: high\n"),
            2 => y.push_str("    priorityClassName: batch\n"),
            _ => {}
        }
        if feature % 5 == 4 {
            y.push_str(
                "    usage: {cpu: 100m, memory: {distribution: uniform, min: 1Gi, max: 6Gi}}\n",
            );
        }
        write!(y, "    template:\n      labels: {{app: {name}}}\n").unwrap();
        if i % 2 == 1 {
            y.push_str("      tolerations: [{key: dedicated, operator: Exists}]\n");
        }
        let sel = format!("{{matchLabels: {{app: {name}}}}}");
        match feature % 5 {
            1 => write!(
                y,
                "      topologySpreadConstraints:\n        - {{maxSkew: 1, topologyKey: \
                 topology.kubernetes.io/zone, whenUnsatisfiable: DoNotSchedule, labelSelector: {sel}}}\n"
            )
            .unwrap(),
            2 => write!(
                y,
                "      affinity:\n        podAntiAffinity:\n          \
                 requiredDuringSchedulingIgnoredDuringExecution:\n            \
                 - {{topologyKey: kubernetes.io/hostname, labelSelector: {sel}}}\n"
            )
            .unwrap(),
            3 => write!(
                y,
                "      affinity:\n        podAffinity:\n          \
                 requiredDuringSchedulingIgnoredDuringExecution:\n            \
                 - {{topologyKey: topology.kubernetes.io/zone, labelSelector: {sel}}}\n"
            )
            .unwrap(),
            _ => {}
        }
        write!(
            y,
            "      containers:\n        - {{name: c, resources: {{requests: {{cpu: {cpu}m, memory: {mem}Gi}}}}}}\n"
        )
        .unwrap();
    }
    y
}

/// Runs `yaml` with the memo on or off; returns the result and the memo's hits.
fn run(yaml: &str, memo: bool) -> (RunResult, u64) {
    let scenario = parse_scenario(yaml, "memo.yaml").expect("generated scenario parses");
    let setup = build(
        &scenario,
        BuildOptions {
            seed: None,
            event_log: EventLogLevel::All,
        },
    );
    let end = SimTime(setup.duration_ms);
    let mut scheduler = Scheduler::new(
        setup.scheduler.clone(),
        &setup.world,
        RngStreams::new(setup.seed).stream("scheduler"),
    );
    scheduler.set_failure_memo(memo);
    let queue = SchedulingQueue::new(
        setup.scheduler.initial_backoff_ms,
        setup.scheduler.max_backoff_ms,
    );
    let mut sim = Simulation::with_parts(setup, scheduler, queue).expect("valid setup");
    sim.run_until(end);
    sim.check_consistency().expect("consistent");
    let hits = sim.scheduler_mut().failure_memo_hits();
    (sim.run(&mut |_| {}), hits)
}

fn assert_same(yaml: &str) -> u64 {
    let (on, hits) = run(yaml, true);
    let (off, none) = run(yaml, false);
    assert_eq!(none, 0);
    assert!(
        on.summary.scheduling_failures > 0,
        "the scenario is not overloaded"
    );
    assert_eq!(on, off, "memo changed the run:\n{yaml}");
    hits
}

fn arb_wl() -> impl Strategy<Value = Wl> {
    (0u8..3, 1u32..6, 200u32..3_000, 1u32..6, 0u8..3, 0u8..5)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]
    #[test]
    fn memo_on_and_off_give_identical_runs(
        general in 2u32..8,
        big in 0u32..3,
        wls in prop::collection::vec(arb_wl(), 2..6),
    ) {
        let yaml = scenario_yaml(general, big, 30, &wls);
        let (on, _) = run(&yaml, true);
        let (off, _) = run(&yaml, false);
        prop_assert_eq!(on, off, "memo changed the run:\n{}", yaml);
    }
}

#[test]
fn memo_answers_most_retries_of_a_backlog_and_changes_nothing() {
    // Batch Jobs pile up behind long-running services; a high-priority Job stream preempts
    // batch pods; a zone-spread service and a hostname anti-affinity service are short of room
    // too; one service uses more memory than it requests (MemoryPressure taints, evictions).
    let wls: [Wl; 6] = [
        (0, 6, 1_000, 2, 0, 0),
        (2, 5, 1_500, 3, 2, 0),
        (2, 1, 2_000, 2, 1, 0),
        (0, 3, 1_000, 2, 0, 1),
        (1, 4, 1_000, 1, 0, 2),
        (0, 2, 500, 1, 0, 4),
    ];
    let yaml = scenario_yaml(4, 1, 60, &wls);
    let hits = assert_same(&yaml);
    let (on, _) = run(&yaml, true);
    assert!(on.summary.preemptions > 0, "no preemption happened");
    assert!(
        hits * 2 > on.summary.scheduling_failures,
        "memo answered only {hits} of {} failed cycles",
        on.summary.scheduling_failures
    );
}

#[test]
fn memo_is_exact_with_faults_taints_and_drains() {
    // Node failures add and remove unreachable taints, terminating pods leave the spread
    // counts, drains cordon: every one of those changes must reach the memo.
    let wls: [Wl; 5] = [
        (0, 6, 1_000, 2, 0, 0),
        (2, 5, 1_500, 3, 2, 0),
        (0, 3, 1_000, 2, 0, 1),
        (1, 4, 1_000, 1, 0, 2),
        (0, 2, 500, 1, 0, 4),
    ];
    let mut yaml = scenario_yaml(6, 1, 60, &wls);
    yaml.push_str(
        "faults:\n\
         \x20 - {name: c, kind: nodeCrash, at: 5m, duration: 25m, target: {pool: general}, count: 2}\n\
         \x20 - {name: p, kind: partition, at: 12m, duration: 8m, target: {pool: general}, count: 1}\n\
         \x20 - {name: d, kind: drain, at: 20m, duration: 15m, target: {pool: general}, count: 1}\n\
         pdbs: [{name: w0, selector: {matchLabels: {app: w0}}, maxUnavailable: 1}]\n",
    );
    let hits = assert_same(&yaml);
    assert!(hits > 0);
}
