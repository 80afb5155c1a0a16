//! Node pressure end to end: the real binary on small scenarios written to a temporary
//! directory (exact OOM and pressure timings, eviction order, node OOM victims), the two
//! shipped what-if scenarios, and a property test of conservation through the library.

use std::fs;
use std::path::Path;
use std::process::Command;

use proptest::prelude::*;

mod common;
use common::{assert_same_files, csv_maps, run_all_events as run, summary, write};

/// `(time_s, event, pod)` of the event rows whose kind is in `kinds`.
fn events(out: &Path, kinds: &[&str]) -> Vec<(String, String, String)> {
    csv_maps(&out.join("events.csv"))
        .into_iter()
        .filter(|r| kinds.contains(&r["event"].as_str()))
        .map(|r| (r["time_s"].clone(), r["event"].clone(), r["pod"].clone()))
        .collect()
}

fn one_node(capacity_mem: &str, workloads: &str, extra: &str) -> String {
    format!(
        "name: t\nsimulation: {{duration: 2h, metricsInterval: 10s}}\n{extra}cluster:\n  zones: [a]\n  nodes:\n    - {{name: n0, zone: a, capacity: {{cpu: \"4\", memory: {capacity_mem}, pods: 110}}}}\nworkloads:\n{workloads}"
    )
}

const LEAKY: &str = "  - name: leaky\n    kind: Deployment\n    replicas: 1\n    template:\n      containers:\n        - {name: app, resources: {requests: {cpu: 500m, memory: 1Gi}, limits: {memory: 2Gi}}}\n    usage: {memory: 1x, memoryLeak: 1Gi/h}\n";

#[test]
fn leaking_container_is_oom_killed_at_the_exact_time_and_restarts_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let s = write(dir.path(), "leak.yaml", &one_node("8Gi", LEAKY, ""));
    let out = dir.path().join("out");
    run(&s, &out, &["--set", "simulation.duration=3h"]);
    // 1Gi used at start, limit 2Gi, +1Gi/h: floor(24Gi·Δ/1d) > 1Gi first at Δ = 1h + 1ms.
    // The first crash restarts at once (upstream `kuberuntime_manager.go` `doBackOff`: no
    // back-off entry yet), so the second kill is at 2·(1h+1ms).
    let kills = events(
        &out,
        &["oom-killed", "failed", "evicted", "node-oom-killed"],
    );
    assert_eq!(
        kills,
        vec![
            ("3600.001".into(), "oom-killed".into(), "leaky-0".into()),
            ("7200.002".into(), "oom-killed".into(), "leaky-0".into()),
        ]
    );
    let row = csv_maps(&out.join("events.csv"))
        .into_iter()
        .find(|r| r["event"] == "oom-killed")
        .unwrap();
    assert_eq!(row["qos"], "Burstable");
    assert_eq!(row["node"], "n0");
    assert_eq!(
        row["usage_bytes"],
        ((1i64 << 30) + (24i64 << 30) * 3_600_001 / 86_400_000).to_string()
    );
    assert!(
        row["reason"].contains("exceeded its memory limit"),
        "{}",
        row["reason"]
    );
    let sm = summary(&out);
    assert_eq!(sm["podsCreated"], 1, "the pod stays on its node");
    assert_eq!(sm["oomKills"], 2);
    assert_eq!(sm["pressure"]["oomKillsLimit"], 2);
    assert_eq!(
        sm["pressure"]["containerRestarts"], 2,
        "restarted at 3600.001 s and 7210.002 s"
    );
    let nodes = csv_maps(&out.join("nodes.csv"));
    assert_eq!(nodes[0]["oom_kills_limit"], "2");
    assert_eq!(
        nodes[0]["peak_mem_bytes"], row["usage_bytes"],
        "peak is just before the kill"
    );
}

const PAIR: &str = "  - name: app\n    kind: Deployment\n    replicas: 2\n    template:\n      containers:\n        - {name: app, resources: {requests: {cpu: 500m, memory: 1Gi}}}\n";

#[test]
fn memory_pressure_is_set_and_cleared_at_the_expected_times() {
    let dir = tempfile::tempdir().unwrap();
    // 2 × 1950Mi on 4Gi: 196Mi available. A 3 % spike at 10m leaves 79Mi < 100Mi.
    let w = format!(
        "{PAIR}    usage: {{memory: 1950Mi, spikes: {{at: [10m], size: 1.03, duration: 3m}}}}\n"
    );
    let s = write(dir.path(), "press.yaml", &one_node("4Gi", &w, ""));
    let out = dir.path().join("out");
    run(&s, &out, &["--set", "simulation.duration=30m"]);
    let ev = events(&out, &["evicted", "scheduled", "unschedulable"]);
    assert_eq!(
        ev,
        vec![
            ("0.000".into(), "scheduled".into(), "app-0".into()),
            ("0.000".into(), "scheduled".into(), "app-1".into()),
            // Spike at 600 s; the kubelet's housekeeping tick at 600 s sees it and evicts one
            // pod (a tie: same usage above request, same priority, same start: lower slot).
            ("600.000".into(), "evicted".into(), "app-0".into()),
            // The replacement cannot go back: the node is tainted memory-pressure:NoSchedule.
            ("600.000".into(), "unschedulable".into(), "app-2".into()),
            // Last observed at 600 s + the 5 min transition period: condition and taint go.
            ("900.000".into(), "scheduled".into(), "app-2".into()),
        ]
    );
    let rows = csv_maps(&out.join("events.csv"));
    let evicted = rows.iter().find(|r| r["event"] == "evicted").unwrap();
    assert!(
        evicted["reason"].contains("Threshold quantity: 100Mi, available: 79Mi"),
        "{}",
        evicted["reason"]
    );
    assert_eq!(evicted["qos"], "Burstable");
    let unsched = rows.iter().find(|r| r["event"] == "unschedulable").unwrap();
    assert!(
        unsched["reason"].contains("node.kubernetes.io/memory-pressure"),
        "{}",
        unsched["reason"]
    );
    assert_eq!(
        unsched["cause"], evicted["cause"],
        "the replacement carries the eviction's cause"
    );
    let nodes = csv_maps(&out.join("nodes.csv"));
    assert_eq!(nodes[0]["memory_pressure_s"], "300.000");
    assert_eq!(nodes[0]["evictions"], "1");
    let ts = csv_maps(&out.join("timeseries.csv"));
    let under: Vec<&str> = ts
        .iter()
        .filter(|r| r["nodes_memory_pressure"] == "1")
        .map(|r| r["time_s"].as_str())
        .collect();
    // The condition is set at exactly 600 s (the eviction's instant) and cleared at exactly
    // 900 s: a sample reflects every event of its instant, so 600 s is under pressure and
    // 900 s is not (10 s samples: 600, 610, ..., 890).
    assert_eq!(under.first(), Some(&"600.000"));
    assert_eq!(under.len(), 30, "{under:?}");
    assert_eq!(
        ts.iter()
            .map(|r| r["evictions"].parse::<u64>().unwrap())
            .sum::<u64>(),
        1
    );
}

#[test]
fn soft_threshold_evicts_only_after_its_grace_period() {
    let dir = tempfile::tempdir().unwrap();
    // 2 × 1850Mi on 4Gi: 396Mi available, under the 500Mi soft threshold, above the hard one.
    let w = format!("{PAIR}    usage: {{memory: 1850Mi}}\n");
    let k = "kubelet: {evictionSoft: {memory.available: 500Mi}, evictionSoftGracePeriod: {memory.available: 1m}}\n";
    let s = write(dir.path(), "soft.yaml", &one_node("4Gi", &w, k));
    let out = dir.path().join("out");
    run(&s, &out, &["--set", "simulation.duration=10m"]);
    let ev = events(&out, &["evicted", "scheduled"]);
    // Met from 0 s (condition at once), evicted when met for 1 min; the condition clears 5 min
    // after it was last met, the replacement lands and the cycle repeats.
    assert_eq!(
        ev,
        vec![
            ("0.000".into(), "scheduled".into(), "app-0".into()),
            ("0.000".into(), "scheduled".into(), "app-1".into()),
            ("60.000".into(), "evicted".into(), "app-0".into()),
            ("360.000".into(), "scheduled".into(), "app-2".into()),
            // Ties go to the newest pod: the replacement that tipped the node over.
            ("420.000".into(), "evicted".into(), "app-2".into()),
        ]
    );
}

#[test]
fn node_oom_kills_the_highest_oom_score_first_and_backs_off() {
    let dir = tempfile::tempdir().unwrap();
    let w = "  - name: g\n    kind: Deployment\n    replicas: 1\n    template:\n      containers:\n        - {name: c, resources: {requests: {cpu: 500m, memory: 1Gi}, limits: {cpu: 500m, memory: 1Gi}}}\n    usage: {memory: 1Gi}\n\
             \x20 - name: b\n    kind: Deployment\n    replicas: 1\n    template:\n      containers:\n        - {name: c, resources: {requests: {cpu: 500m, memory: 1Gi}}}\n    usage: {memory: 1Gi}\n\
             \x20 - name: be\n    kind: Deployment\n    replicas: 1\n    template:\n      containers: [{name: c}]\n    usage: {memory: 1Gi, cpu: 100m, spikes: {at: [10m], size: 2.5, duration: 5m}}\n";
    let s = write(
        dir.path(),
        "oom.yaml",
        // Overload failure off: this is about the kernel OOM killer alone (with it on, the
        // node would fail after 60 s over capacity).
        &one_node(
            "4Gi",
            w,
            "kubelet: {evictionHard: {}}\nnodeLifecycle: {overloadFailure: {enabled: false}}\n",
        ),
    );
    let out = dir.path().join("out");
    run(&s, &out, &["--set", "simulation.duration=20m"]);
    let rows: Vec<_> = csv_maps(&out.join("events.csv"))
        .into_iter()
        .filter(|r| r["event"] == "node-oom-killed")
        .collect();
    let times: Vec<&str> = rows.iter().map(|r| r["time_s"].as_str()).collect();
    // The spike puts 4.5Gi on a 4Gi node. BestEffort (adj 1000) goes first every time; it
    // comes back at once after its first kill (and is killed again), then after 10, 20, 40,
    // 80 s while the spike lasts (until 900 s) (`kuberuntime_manager.go` `doBackOff`).
    assert_eq!(
        times,
        vec!["600.000", "600.000", "610.000", "630.000", "670.000", "750.000"]
    );
    assert!(
        rows.iter()
            .all(|r| r["pod"] == "be-0" && r["qos"] == "BestEffort"),
        "{rows:?}"
    );
    assert!(
        rows[0]["reason"].contains("oom_score_adj 1000"),
        "{}",
        rows[0]["reason"]
    );
    let ts = csv_maps(&out.join("timeseries.csv"));
    let at = |t: &str| ts.iter().find(|r| r["time_s"] == t).unwrap().clone();
    assert_eq!(at("620.000")["containers_crashloop"], "1");
    assert_eq!(at("920.000")["containers_crashloop"], "0");
    assert_eq!(summary(&out)["pressure"]["oomKillsNode"], 6);
    assert_eq!(summary(&out)["evictions"], 0, "hard eviction disabled");
}

/// One 8Gi node with 2Gi reserved (allocatable 6Gi) running one Burstable pod (1Gi request,
/// no limit) whose memory is `usage`.
fn reserved_node(usage: &str) -> String {
    format!(
        "name: t\nsimulation: {{duration: 2m, metricsInterval: 10s}}\nkubelet: {{evictionHard: {{memory.available: 100Mi}}}}\nnodeLifecycle: {{overloadFailure: {{enabled: false}}}}\ncluster:\n  zones: [a]\n  nodes:\n    - {{name: n0, zone: a, capacity: {{cpu: \"4\", memory: 8Gi, pods: 110}}, reserved: {{memory: 2Gi}}}}\nworkloads:\n  - name: app\n    kind: Deployment\n    replicas: 1\n    template:\n      containers:\n        - {{name: c, resources: {{requests: {{cpu: 500m, memory: 1Gi}}}}}}\n    usage: {{memory: {usage}}}\n"
    )
}

/// Node allocatable is enforced on pods (upstream default `--enforce-node-allocatable=pods`):
/// the `kubepods` cgroup's memory limit is capacity − kube-reserved − system-reserved
/// (`pkg/kubelet/cm/node_container_manager_linux.go`, `enforceNodeAllocatableCgroups` /
/// `getNodeAllocatableAbsolute`), so pods together above 6Gi on an 8Gi node with 2Gi reserved
/// are OOM-killed by the kernel. Before, the pod ran at 6.5Gi (108 % of allocatable) untouched.
#[test]
fn pods_above_allocatable_are_oom_killed_in_the_pods_cgroup() {
    let dir = tempfile::tempdir().unwrap();
    let s = write(dir.path(), "alloc.yaml", &reserved_node("6.5Gi"));
    let out = dir.path().join("out");
    run(&s, &out, &[]);
    let kills = events(&out, &["node-oom-killed", "oom-killed"]);
    // Killed at start, and again each time it restarts after its back-off.
    assert_eq!(
        kills.first().map(|k| k.0.as_str()),
        Some("0.000"),
        "{kills:?}"
    );
    assert!(kills.len() >= 2, "{kills:?}");
    assert!(kills.iter().all(|k| k.1 == "node-oom-killed"), "{kills:?}");
    let nodes = csv_maps(&out.join("nodes.csv"));
    assert!(
        nodes[0]["peak_mem_usage_fraction"].parse::<f64>().unwrap() <= 1.0,
        "pods never use more than allocatable: {}",
        nodes[0]["peak_mem_usage_fraction"]
    );
}

/// `allocatableMemory.available` (`pkg/kubelet/eviction/helpers.go`: with
/// enforce-node-allocatable=pods, `addAllocatableThresholds` copies each hard
/// `memory.available` threshold to it; its observation is the kubepods cgroup's available
/// memory): 5.95Gi used under a 6Gi limit leaves 50Mi < 100Mi, so the node gets MemoryPressure
/// and the pod is evicted. Before, `memory.available` was 8Gi − 5.95Gi = 2.05Gi: nothing.
#[test]
fn allocatable_memory_available_drives_pressure_and_eviction() {
    let dir = tempfile::tempdir().unwrap();
    let s = write(dir.path(), "alloc.yaml", &reserved_node("6093Mi"));
    let out = dir.path().join("out");
    run(&s, &out, &[]);
    let ev = events(&out, &["evicted", "node-oom-killed"]);
    assert_eq!(
        ev.first(),
        Some(&("0.000".into(), "evicted".into(), "app-0".into())),
        "{ev:?}"
    );
    let rows = csv_maps(&out.join("events.csv"));
    let evicted = rows.iter().find(|r| r["event"] == "evicted").unwrap();
    assert!(
        evicted["reason"].contains("Threshold quantity: 100Mi, available: 51Mi"),
        "{}",
        evicted["reason"]
    );
    let sm = summary(&out);
    assert_eq!(sm["pressure"]["nodesWithMemoryPressure"], 1);
    assert_eq!(sm["pressure"]["oomKillsNode"], 0);
}

#[test]
fn without_usage_the_outputs_keep_their_schema() {
    let dir = tempfile::tempdir().unwrap();
    let s = write(dir.path(), "plain.yaml", &one_node("8Gi", PAIR, ""));
    let out = dir.path().join("out");
    run(&s, &out, &[]);
    assert!(!out.join("nodes.csv").exists());
    let ev = fs::read_to_string(out.join("events.csv")).unwrap();
    assert!(ev.starts_with("time_s,event,pod,workload,node,score,reason,cause\n"));
    let ts = fs::read_to_string(out.join("timeseries.csv")).unwrap();
    // No pressure columns; the failure columns and the ready/all-nodes columns (always
    // written) end the header.
    assert!(ts
        .lines()
        .next()
        .unwrap()
        .ends_with(",preemptions,nodes_not_ready,nodes_unknown,nodes_cordoned,pods_unschedulable,pods_terminating,pods_displaced,pods_drained,pods_ready,cpu_requested_m_ready,cpu_allocatable_m_all,mem_requested_bytes_ready,mem_allocatable_bytes_all"));
    let sm = summary(&out);
    assert!(sm.get("evictions").is_none() && sm.get("pressure").is_none());
}

#[test]
fn runs_are_byte_identical_for_a_seed() {
    let dir = tempfile::tempdir().unwrap();
    let w = format!(
        "{PAIR}    usage: {{cpu: {{distribution: lognormal, median: 0.4x, p99: 3x}}, memory: {{distribution: uniform, min: 500Mi, max: 1500Mi}}, noise: {{cpu: 1.5, memory: 1.1}}, diurnal: {{peakHour: 1, troughRatio: 0.5}}, spikes: {{rate: 4/h, size: 1.8, duration: 5m}}, memoryLeak: 300Mi/h}}\n"
    );
    let s = write(dir.path(), "det.yaml", &one_node("3Gi", &w, ""));
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    run(&s, &a, &[]);
    run(&s, &b, &[]);
    assert_same_files(
        &a,
        &b,
        &["summary.json", "timeseries.csv", "events.csv", "nodes.csv"],
    );
    let sm = summary(&a);
    assert!(
        sm["pressure"]["cpuThrottledCoreSeconds"].as_f64().unwrap() == 0.0,
        "no CPU limits, no throttling"
    );
}

/// The two shipped what-if scenarios: without requests and limits the fleet suffers, right
/// sized it does not. The full day in release builds (CI); a shorter window in debug.
#[test]
fn shipped_scenarios_tell_the_story() {
    let dir = tempfile::tempdir().unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let short: &[&str] = if cfg!(debug_assertions) {
        &["--set", "simulation.duration=13h45m"]
    } else {
        &[]
    };
    let mut totals = Vec::new();
    for name in ["no-limits", "right-sized"] {
        let out = dir.path().join(name);
        let s = repo.join("scenarios").join(format!("{name}.yaml"));
        let o = Command::new(env!("CARGO_BIN_EXE_clustersim"))
            .arg("run")
            .arg(&s)
            .arg("--out")
            .arg(&out)
            .args(["--events", "failures", "-q"])
            .args(short)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let sm = summary(&out);
        // Overload failure (not upstream behaviour) is off unless a scenario turns it on.
        assert!(sm["resilience"].get("overloadFailureEnabled").is_none());
        assert_eq!(sm["resilience"]["overloadFailures"], 0);
        let p = &sm["pressure"];
        let n = |k: &str| p[k].as_u64().unwrap();
        totals.push((
            n("evictions"),
            n("oomKillsNode"),
            n("nodesWithMemoryPressure"),
            n("oomKillsLimit"),
        ));
        assert_eq!(
            csv_maps(&out.join("nodes.csv")).len(),
            7000,
            "{name}: one nodes.csv row per node"
        );
    }
    let (bad, good) = (totals[0], totals[1]);
    assert!(
        bad.0 > 0 && bad.1 > 0 && bad.2 > 0,
        "no-limits shows evictions and node OOM kills: {bad:?}"
    );
    assert!(
        good.0 * 10 <= bad.0 && good.1 * 10 <= bad.1,
        "right-sizing helps: {good:?} vs {bad:?}"
    );
}

/// The kubelet's QoS classification of the engine's container specs agrees with the scenario
/// format's (upstream `GetPodQOS`) on every template of the shipped scenarios.
#[test]
fn qos_of_shipped_templates_matches_upstream_classification() {
    use clustersim::build::{build, BuildOptions};
    use clustersim::kubelet::qos::pod_qos;
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    for name in ["baseline-7000", "no-limits", "right-sized", "quickstart"] {
        let path = repo.join("scenarios").join(format!("{name}.yaml"));
        let s = clustersim::scenario::load_scenario(&path).unwrap();
        let setup = build(&s, BuildOptions::default());
        for t in &setup.world.templates {
            assert_eq!(pod_qos(&t.containers), t.qos, "{name}: {}", t.name);
        }
    }
}

mod conservation {
    use super::*;
    use clustersim::build::{build, BuildOptions};
    use clustersim::engine::SimTime;
    use clustersim::scenario::parse_scenario;
    use clustersim::sim::Simulation;

    /// One random workload: replicas, memory request (Mi), limit above the request (Mi, if
    /// any), median usage (% of request), leak (Mi/h), spike size (tenths above 1), Job or not.
    type Wl = (u32, u32, Option<u32>, u32, u32, u32, bool);

    /// A small random scenario: 1-3 tight nodes, 1-3 workloads with random requests, limits,
    /// usage, leaks, noise and spikes, random kubelet thresholds.
    fn scenario(nodes: u32, wl: &[Wl], soft: bool) -> String {
        let mut s = format!(
            "name: p\nsimulation: {{duration: 3h, metricsInterval: 5m}}\nkubelet: {{evictionHard: {{memory.available: 200Mi}}{}}}\ncluster:\n  zones: [a, b]\n  nodePools:\n    - {{name: p, count: {nodes}, capacity: {{cpu: \"4\", memory: 4Gi, pods: 20}}}}\nworkloads:\n",
            if soft { ", evictionSoft: {memory.available: 600Mi}, evictionSoftGracePeriod: {memory.available: 30s}" } else { "" }
        );
        for (i, &(replicas, req_mi, lim_mi, use_pct, leak_mi, spike_pct, job)) in
            wl.iter().enumerate()
        {
            let limits = lim_mi.map_or(String::new(), |l| {
                format!(", limits: {{memory: {}Mi}}", req_mi + l)
            });
            let kind = if job {
                "kind: Job\n    arrivals: {count: 6, interval: 10m}\n    duration: 40m".to_string()
            } else {
                format!("kind: Deployment\n    replicas: {replicas}")
            };
            s += &format!(
                "  - name: w{i}\n    {kind}\n    template:\n      containers:\n        - {{name: c, resources: {{requests: {{cpu: 100m, memory: {req_mi}Mi}}{limits}}}}}\n    usage: {{memory: {{distribution: lognormal, median: {use_pct}e-2x, p99: {}e-2x}}, cpu: 2x, noise: {{memory: 1.2, cpu: 2}}, interval: 7m, memoryLeak: {leak_mi}Mi/h, spikes: {{rate: 3/h, size: 1.{spike_pct}, duration: 4m}}, diurnal: {{peakHour: 1, troughRatio: 0.6}}}}\n",
                use_pct * 2
            );
        }
        s
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        /// No pod is lost (created = pending + running + succeeded + failed + deleted, per
        /// workload too) and every node's usage totals equal the sum over its running pods'
        /// containers, at every step of random runs full of OOM kills and evictions.
        #[test]
        fn pods_and_usage_are_conserved(
            nodes in 1u32..4,
            wl in prop::collection::vec((1u32..6, 200u32..1500, prop::option::of(0u32..800), 50u32..200, 0u32..800, 0u32..9, any::<bool>()), 1..4),
            soft in any::<bool>(),
            seed in 0u64..1000,
        ) {
            let text = scenario(nodes, &wl, soft);
            let s = parse_scenario(&text, "p.yaml").map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
            let mut sim = Simulation::new(build(&s, BuildOptions { seed: Some(seed), ..Default::default() })).unwrap();
            for step in 1..=36u64 {
                sim.run_until(SimTime(step * 300_000 - 1));
                prop_assert_eq!(sim.check_consistency(), Ok(()), "at step {}:\n{}", step, text);
            }
            let result = sim.run(&mut |_| {});
            let sm = &result.summary;
            prop_assert_eq!(sm.pods_created, sm.pods_pending_at_end + sm.pods_running_at_end + sm.pods_succeeded + sm.pods_failed + sm.pods_deleted);
            let p = sm.pressure.as_ref().unwrap();
            prop_assert_eq!(Some(p.evictions), sm.evictions);
            prop_assert!(p.evictions <= sm.pods_failed, "every eviction fails a pod");
        }
    }
}
