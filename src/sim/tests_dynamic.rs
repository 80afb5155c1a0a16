//! Nodes added and removed while a run is in progress: every per-node structure follows, the
//! whole state stays consistent and no pod is lost.

use super::testkit::{node_init as init, Fixture, GI};
use crate::cluster::{NodeId, Sym};
use crate::controllers::{Arrivals, DurationDist, WorkloadKind};
use crate::engine::SimTime;
use crate::metrics::EventLogLevel;
use proptest::prelude::*;

fn fixture(load: &[(u8, i64)]) -> (Fixture, Vec<Sym>) {
    let mut f = Fixture::new(&["a", "b"]);
    f.node("n0", 0, 2_000, 8 * GI);
    f.node("n1", 1, 2_000, 8 * GI);
    for (i, &(kind, cpu)) in load.iter().enumerate() {
        let kind = match kind % 4 {
            0 => WorkloadKind::Deployment { replicas: 4 },
            1 => WorkloadKind::DaemonSet,
            2 => WorkloadKind::StatefulSet { replicas: 3 },
            _ => WorkloadKind::Job {
                arrivals: Arrivals::Poisson {
                    rate_per_sec: 0.05,
                    start_ms: 0,
                    until_ms: 400_000,
                },
                duration: DurationDist::Exponential { mean: 60_000 },
            },
        };
        f.workload(&format!("w{i}"), kind, cpu, GI / 2, 0);
    }
    let names = (0..8)
        .map(|i| f.world.interner.intern(&format!("extra{i}")))
        .collect();
    (f, names)
}

/// Applies `ops` (time s, add?, zone or victim index) to a real-scheduler run, checking the
/// state after every step.
fn run_ops(
    load: Vec<(u8, i64)>,
    ops: Vec<(u64, bool, u32)>,
    seed: u64,
) -> Result<(), TestCaseError> {
    let (f, names) = fixture(&load);
    let end = 600_000;
    let mut sim = super::Simulation::new(f.setup(end, 30_000, seed, EventLogLevel::All)).unwrap();
    let mut ops = ops;
    ops.sort_by_key(|o| o.0);
    let mut added = 0usize;
    for (t, add, x) in ops {
        sim.run_until(SimTime(t * 1000));
        if add && added < names.len() {
            let name = format!("extra{added}");
            let id = sim.add_node(init(&name, names[added], x % 2, 3_000, 8 * GI));
            prop_assert_eq!(id, NodeId((2 + added) as u32), "ids are never reused");
            added += 1;
        } else {
            let live: Vec<NodeId> = sim.world().node_order.clone();
            if live.len() > 1 {
                let victim = live[x as usize % live.len()];
                sim.remove_node(victim, 0);
                prop_assert!(!sim.world().node_order.contains(&victim));
            }
        }
        if let Err(e) = sim.check_consistency() {
            prop_assert!(false, "after op at {t} s: {e}");
        }
    }
    let r = sim.run(&mut |_| {});
    for s in &r.timeseries.rows {
        prop_assert_eq!(
            s.pods_created,
            s.pods_pending + s.pods_running + s.pods_succeeded + s.pods_failed + s.pods_deleted
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]
    #[test]
    fn adding_and_removing_nodes_mid_run_keeps_the_state_consistent(
        load in prop::collection::vec((0u8..4, 100i64..1_500), 1..5),
        ops in prop::collection::vec((0u64..590, any::<bool>(), 0u32..16), 0..10),
        seed in 0u64..1_000,
    ) {
        run_ops(load, ops, seed)?;
    }
}

#[test]
fn removed_node_pods_are_recreated_elsewhere_and_new_nodes_get_daemon_pods() {
    let (f, names) = fixture(&[(0, 500), (1, 100)]);
    let mut sim = super::Simulation::new(f.setup(120_000, 60_000, 1, EventLogLevel::All)).unwrap();
    sim.run_until(SimTime(1_000));
    let on_n0 = sim.world().pods_on_node[0].len();
    assert!(on_n0 > 0);
    let extra = sim.add_node(init("extra0", names[0], 0, 4_000, 16 * GI));
    assert_eq!(extra, NodeId(2));
    assert_eq!(sim.world().node_order.len(), 3);
    // The DaemonSet placed a pod on the new node at once.
    assert_eq!(sim.world().pods_on_node[2].len(), 1);
    let deleted = sim.remove_node(NodeId(0), 0);
    assert_eq!(deleted, on_n0);
    assert!(sim.world().pods_on_node[0].is_empty());
    assert_eq!(sim.world().node_order, vec![NodeId(1), NodeId(2)]);
    sim.run_until(SimTime(60_000));
    sim.check_consistency().unwrap();
    let r = sim.run(&mut |_| {});
    let web = &r.summary.workloads[0];
    assert_eq!(
        web.running_at_end + web.pending_at_end,
        4,
        "replicas recreated"
    );
    assert!(web.deleted > 0);
    let ds = &r.summary.workloads[1];
    assert_eq!(
        ds.running_at_end, 2,
        "daemon pods on the two live nodes only"
    );
    assert_eq!(r.timeseries.rows.last().unwrap().nodes_ready, 2);
}

/// The shipped autoscaler scenario, optionally with the kubelet usage model on (every node's
/// kubelet columns must follow the added and removed nodes).
fn burst_setup(kubelet: bool) -> super::SimSetup {
    let mut text = include_str!("../../scenarios/autoscaler-burst.yaml").to_string();
    if kubelet {
        text.push_str("kubelet: {}\n");
        text = text.replace(
            "          resources: {requests: {cpu: \"1\", memory: 3Gi}, limits: {cpu: \"2\", memory: 3Gi}}",
            "          resources: {requests: {cpu: \"1\", memory: 3Gi}, limits: {cpu: \"2\", memory: 3Gi}}\n    usage: {cpu: 800m, memory: 2Gi}",
        );
    }
    let s = crate::scenario::parse_scenario(&text, "autoscaler-burst.yaml").unwrap();
    crate::build::build(&s, crate::build::BuildOptions::default())
}

#[test]
fn autoscaler_run_stays_consistent_and_is_deterministic() {
    for kubelet in [false, true] {
        let mut sim = super::Simulation::new(burst_setup(kubelet)).unwrap();
        let mut peak = 0;
        for minute in 1..=120 {
            sim.run_until(SimTime(minute * 60_000));
            if let Err(e) = sim.check_consistency() {
                panic!("kubelet {kubelet}, minute {minute}: {e}");
            }
            peak = peak.max(sim.world().node_order.len());
        }
        assert!(peak > 5, "the burst scaled the cluster up (peak {peak})");
        assert_eq!(sim.world().node_order.len(), 5, "and back down");
        let r = sim.run(&mut |_| {});
        let a = r.summary.autoscaler.clone().unwrap();
        assert_eq!(a.nodes_added, (peak - 5) as u64);
        assert_eq!(a.nodes_added, a.nodes_removed);
        assert_eq!(r.summary.workloads[3].succeeded, 160);
        let again = super::Simulation::new(burst_setup(kubelet))
            .unwrap()
            .run(&mut |_| {});
        assert_eq!(r, again, "same seed, same result");
    }
}

#[test]
fn nodes_removed_from_outside_keep_the_autoscaler_group_sizes() {
    let mut sim = super::Simulation::new(burst_setup(false)).unwrap();
    sim.run_until(SimTime(60_000));
    // workers-0 is node 3 (after the three system nodes); removing it twice counts once.
    let w0 = NodeId(3);
    assert_eq!(sim.world().nodes.name[w0.ix()], "workers-0");
    sim.remove_node(w0, 0);
    assert_eq!(sim.remove_node(w0, 0), 0, "already removed");
    sim.check_consistency().unwrap();
    let r = sim.run(&mut |_| {});
    let a = r.summary.autoscaler.unwrap();
    let workers = &a.groups[0];
    // minSize 2 with one initial worker gone: the autoscaler never goes below the minimum by
    // itself, and the one lost node is not counted as an autoscaler removal.
    assert_eq!(workers.nodes_at_end, 2, "{workers:?}");
    assert_eq!(a.nodes_removed + 1, a.nodes_added, "{a:?}");
}
