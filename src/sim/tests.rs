//! Tests of the loop and the controllers, with the stand-in scheduler and queue.

use super::testkit::{Fixture, TestSim, GI};
use super::PodQueue;
use crate::cluster::taints::TaintEffect;
use crate::cluster::{NodeId, PodId, PodPhase};
use crate::controllers::{Arrivals, DurationDist, WorkloadKind};
use crate::engine::SimTime;
use crate::metrics::{EventKind, EventLogLevel, RunResult};
use proptest::prelude::*;

fn pods_of(sim: &TestSim, workload: u32) -> Vec<(PodId, u32, PodPhase)> {
    sim.world()
        .pods
        .iter()
        .filter(|(_, p)| p.workload == workload)
        .map(|(id, p)| (id, p.ordinal, p.phase))
        .collect()
}

fn count_phase(sim: &TestSim, workload: u32, phase: PodPhase) -> usize {
    pods_of(sim, workload)
        .iter()
        .filter(|p| p.2 == phase)
        .count()
}

fn conservation_holds(r: &RunResult) {
    for s in &r.timeseries.rows {
        assert_eq!(
            s.pods_created,
            s.pods_pending + s.pods_running + s.pods_succeeded + s.pods_failed + s.pods_deleted,
            "conservation broken at t={} ms: {s:?}",
            s.time_ms
        );
    }
}

fn three_nodes() -> Fixture {
    let mut f = Fixture::new(&["a", "b"]);
    f.node("n0", 0, 4_000, 16 * GI);
    f.node("n1", 1, 4_000, 16 * GI);
    f.node("n2", 0, 4_000, 16 * GI);
    f
}

#[test]
fn deployment_keeps_replicas_after_deletions() {
    let mut f = three_nodes();
    let web = f.workload("web", WorkloadKind::Deployment { replicas: 10 }, 500, GI, 0);
    let mut sim = f.sim(60_000, 10_000, 1, EventLogLevel::All);
    sim.run_until(SimTime(1_000));
    assert_eq!(count_phase(&sim, web, PodPhase::Running), 10);
    let victims: Vec<PodId> = pods_of(&sim, web).iter().take(3).map(|p| p.0).collect();
    for v in &victims {
        assert!(sim.delete_pod(*v, 42));
        assert!(!sim.delete_pod(*v, 42), "a stale id is refused");
    }
    // Replacements exist at once (Pending until the next cycle), carrying the cause.
    assert_eq!(pods_of(&sim, web).len(), 10);
    assert_eq!(
        sim.world()
            .pods
            .iter()
            .filter(|(_, p)| p.cause == 42)
            .count(),
        3
    );
    sim.run_until(SimTime(2_000));
    assert_eq!(count_phase(&sim, web, PodPhase::Running), 10);
    assert_eq!(sim.recorder().workload_counts(web), (13, 0, 10, 0, 0, 3));
    sim.check_consistency().unwrap();
    let r = sim.run(&mut |_| {});
    assert_eq!(r.summary.workloads[0].desired, 10);
    assert_eq!(r.summary.pods_deleted, 3);
    conservation_holds(&r);
}

#[test]
fn job_pods_complete_at_exactly_start_plus_duration() {
    let mut f = Fixture::new(&["a"]);
    f.node("n0", 0, 1_000, 4 * GI);
    let kind = WorkloadKind::Job {
        arrivals: Arrivals::At(vec![5_000, 1_000, 1_500]),
        duration: DurationDist::Constant(30_000),
    };
    f.workload("batch", kind, 1_000, GI, 0); // one pod fills the node: they run one after another
    let sim = f.sim(200_000, 60_000, 3, EventLogLevel::All);
    let r = sim.run(&mut |_| {});
    let rows = &r.events.rows;
    let mut starts = std::collections::HashMap::new();
    let mut completions = 0;
    for row in rows {
        match row.kind {
            EventKind::Scheduled => {
                starts.insert(row.ordinal, row.time_ms);
            }
            EventKind::Completed => {
                assert_eq!(
                    row.time_ms,
                    starts[&row.ordinal] + 30_000,
                    "ordinal {}",
                    row.ordinal
                );
                completions += 1;
            }
            _ => {}
        }
    }
    assert_eq!(completions, 3);
    // Arrivals are sorted; the second and third wait for the node to free up.
    assert_eq!(starts[&0], 1_000);
    assert_eq!(starts[&1], 31_000);
    assert!(starts[&2] >= 61_000);
    assert_eq!(r.summary.pods_succeeded, 3);
    assert_eq!(r.summary.workloads[0].desired, 3);
    conservation_holds(&r);
}

fn poisson_fixture(rate: f64, with_other: bool) -> Fixture {
    let mut f = Fixture::new(&["a"]);
    f.node("n0", 0, 1_000_000, 4_000 * GI);
    if with_other {
        let other = WorkloadKind::Job {
            arrivals: Arrivals::Poisson {
                rate_per_sec: 5.0,
                start_ms: 0,
                until_ms: 1_000_000,
            },
            duration: DurationDist::Exponential { mean: 7_000 },
        };
        f.workload("other", other, 10, GI, 0);
    }
    let kind = WorkloadKind::Job {
        arrivals: Arrivals::Poisson {
            rate_per_sec: rate,
            start_ms: 0,
            until_ms: 1_000_000,
        },
        duration: DurationDist::Uniform {
            min: 1_000,
            max: 5_000,
        },
    };
    f.workload("batch", kind, 10, 1 << 20, 0);
    f
}

#[test]
fn poisson_arrival_counts_are_plausible_and_streams_independent() {
    let run = |seed, with_other| {
        poisson_fixture(2.0, with_other)
            .sim(1_000_000, 60_000, seed, EventLogLevel::All)
            .run(&mut |_| {})
    };
    let r = run(11, false);
    let n = r.summary.workloads[0].desired;
    // Poisson(2000): sd ≈ 44.7; five sd either side.
    assert!((1_776..=2_224).contains(&n), "arrivals {n}");
    assert_eq!(r.summary.workloads[0].created, n);
    assert_eq!(run(11, false), r, "same seed, same result");
    assert_ne!(
        run(12, false).summary.workloads[0].desired,
        n,
        "another seed draws differently"
    );
    // Adding another workload leaves this one's arrivals and durations unchanged.
    let times = |r: &RunResult, w: &str| -> Vec<(u64, EventKind, u32)> {
        let id = r.events.workloads.iter().position(|x| x == w).unwrap() as u32;
        r.events
            .rows
            .iter()
            .filter(|e| e.workload == id)
            .map(|e| (e.time_ms, e.kind, e.ordinal))
            .collect()
    };
    let with_other = run(11, true);
    assert_eq!(times(&r, "batch"), times(&with_other, "batch"));
    conservation_holds(&r);
}

#[test]
fn statefulset_replacement_waits_for_the_old_pod() {
    let mut f = three_nodes();
    let db = f.workload("db", WorkloadKind::StatefulSet { replicas: 3 }, 500, GI, 0);
    let mut sim = f.sim(60_000, 10_000, 1, EventLogLevel::All);
    sim.run_until(SimTime(1_000));
    let mut ords: Vec<u32> = pods_of(&sim, db).iter().map(|p| p.1).collect();
    ords.sort();
    assert_eq!(ords, vec![0, 1, 2]);
    let one = pods_of(&sim, db).into_iter().find(|p| p.1 == 1).unwrap().0;
    assert!(sim.delete_pod(one, 7));
    // Not created synchronously: the replacement waits for the event that checks the old pod is gone.
    assert!(pods_of(&sim, db).iter().all(|p| p.1 != 1));
    sim.run_until(SimTime(1_000));
    let again: Vec<_> = pods_of(&sim, db).into_iter().filter(|p| p.1 == 1).collect();
    assert_eq!(again.len(), 1, "ordinal 1 recreated once");
    assert_ne!(again[0].0, one);
    assert_eq!(sim.world().pods.get(again[0].0).unwrap().cause, 7);
    // A replacement request while the ordinal's pod is alive creates nothing.
    sim.core.push(
        SimTime(1_000),
        crate::runtime::ControllerEvent::ReplaceAfterDelete {
            workload: db,
            ordinal: 0,
            cause: 0,
        },
    );
    sim.run_until(SimTime(2_000));
    assert_eq!(pods_of(&sim, db).len(), 3);
    assert_eq!(sim.recorder().workload_counts(db).0, 4);
    sim.check_consistency().unwrap();
}

#[test]
fn daemonset_pins_one_pod_per_matching_node_and_waits_for_room() {
    let mut f = Fixture::new(&["a"]);
    f.node("n0", 0, 1_000, 4 * GI);
    f.node_with(
        "gpu",
        0,
        1_000,
        4 * GI,
        vec![("nvidia.com/gpu", TaintEffect::NoSchedule)],
    );
    f.node_with(
        "soft",
        0,
        1_000,
        4 * GI,
        vec![("prefer", TaintEffect::PreferNoSchedule)],
    );
    f.node_with(
        "notready",
        0,
        1_000,
        4 * GI,
        vec![("node.kubernetes.io/not-ready", TaintEffect::NoExecute)],
    );
    // A bare pod pinned to n0 takes most of it before the DaemonSet starts.
    let big = f.workload(
        "big",
        WorkloadKind::Pod {
            node_name: Some(NodeId(0)),
        },
        900,
        GI,
        0,
    );
    let ds = f.workload("agent", WorkloadKind::DaemonSet, 200, GI, 0);
    let tolerant = f.workload("tolerant-agent", WorkloadKind::DaemonSet, 100, GI, 0);
    let t = f.workloads[tolerant as usize].template;
    f.tolerate(t, "nvidia.com/gpu");
    let mut sim = f.sim(60_000, 10_000, 1, EventLogLevel::All);
    // agent: n0 (parked: 900m taken), soft, notready; not gpu.
    let agent: Vec<_> = pods_of(&sim, ds);
    assert_eq!(agent.len(), 3);
    assert_eq!(sim.recorder().workload_desired(ds), 3);
    let parked: Vec<_> = agent.iter().filter(|p| p.2 == PodPhase::Pending).collect();
    assert_eq!(parked.len(), 1);
    assert_eq!(
        parked[0].1, 0,
        "the parked pod is n0's (ordinal = node index)"
    );
    assert_eq!(sim.core().parked(NodeId(0)), &[parked[0].0]);
    assert_eq!(pods_of(&sim, tolerant).len(), 4);
    assert_eq!(
        sim.queue().active_len(),
        0,
        "daemon pods never enter the scheduling queue"
    );
    // Free n0: the parked pod binds there at once.
    let big_pod = pods_of(&sim, big)[0].0;
    assert!(sim.delete_pod(big_pod, 0));
    let p = sim.world().pods.get(parked[0].0).unwrap();
    assert_eq!((p.phase, p.node), (PodPhase::Running, Some(NodeId(0))));
    // A deleted daemon pod is replaced on the same node.
    assert!(sim.delete_pod(parked[0].0, 5));
    let on_n0: Vec<_> = sim.world().pods_on_node[0]
        .iter()
        .map(|id| sim.world().pods.get(*id).unwrap().workload)
        .collect();
    assert!(on_n0.contains(&ds));
    sim.check_consistency().unwrap();
    let r = sim.run(&mut |_| {});
    assert_eq!(r.summary.pods_scheduled, 0);
    assert_eq!(r.summary.pods_bound_directly, 1 + 4 + 3 + 1);
    conservation_holds(&r);
}

#[test]
fn node_name_pod_that_does_not_fit_fails() {
    let mut f = Fixture::new(&["a"]);
    f.node("n0", 0, 1_000, 4 * GI);
    let ok = f.workload(
        "ok",
        WorkloadKind::Pod {
            node_name: Some(NodeId(0)),
        },
        600,
        GI,
        0,
    );
    let too_big = f.workload(
        "too-big",
        WorkloadKind::Pod {
            node_name: Some(NodeId(0)),
        },
        600,
        GI,
        0,
    );
    let free = f.workload("free", WorkloadKind::Pod { node_name: None }, 100, GI, 0);
    let r = f.sim(10_000, 5_000, 1, EventLogLevel::All).run(&mut |_| {});
    let w = &r.summary.workloads;
    assert_eq!(
        (
            w[ok as usize].running_at_end,
            w[too_big as usize].failed,
            w[free as usize].running_at_end
        ),
        (1, 1, 1)
    );
    let failed = r
        .events
        .rows
        .iter()
        .find(|e| e.kind == EventKind::Failed)
        .unwrap();
    let mut reason = String::new();
    r.events.reason_into(failed, &mut reason);
    assert_eq!(reason, "OutOfcpu");
    assert_eq!(r.summary.pods_scheduled, 1);
    conservation_holds(&r);
}

/// `initialPlacement`: the placed pods of a Deployment, a StatefulSet (by ordinal) and a Job
/// (its arrivals at 0) are bound at time zero without the scheduler; one that does not fit
/// fails with `OutOf<resource>` and its Deployment replaces it through the scheduler.
#[test]
fn initial_placement_binds_at_time_zero_and_a_misfit_is_replaced() {
    let mut f = Fixture::new(&["a"]);
    let n0 = f.node("n0", 0, 1_000, 4 * GI);
    let n1 = f.node("n1", 0, 4_000, 16 * GI);
    let web = f.workload("web", WorkloadKind::Deployment { replicas: 3 }, 600, GI, 0);
    f.workloads[web as usize].initial_nodes = vec![Some(n0), Some(n0)];
    let db = f.workload("db", WorkloadKind::StatefulSet { replicas: 2 }, 600, GI, 0);
    f.workloads[db as usize].initial_nodes = vec![None, Some(n1)];
    let job_kind = WorkloadKind::Job {
        arrivals: Arrivals::At(vec![0, 0]),
        duration: DurationDist::Constant(1_000_000),
    };
    let job = f.workload("job", job_kind, 600, GI, 0);
    f.workloads[job as usize].initial_nodes = vec![Some(n1)];
    let sim = f.sim(10_000, 5_000, 1, EventLogLevel::All);
    let on = |n: NodeId| {
        let mut w: Vec<(u32, u32)> = (sim.world().pods_on_node[n.ix()].iter())
            .map(|id| {
                let p = sim.world().pods.get(*id).unwrap();
                (p.workload, p.ordinal)
            })
            .collect();
        w.sort();
        w
    };
    // Before any scheduling cycle: web's first pod on n0 (its second did not fit), db-1 and
    // the Job's first pod on n1.
    assert_eq!(on(n0), vec![(web, 0)]);
    assert_eq!(on(n1), vec![(db, 1), (job, 0)]);
    let r = sim.run(&mut |_| {});
    let w = &r.summary.workloads;
    assert_eq!(w[web as usize].failed, 1);
    assert_eq!(
        (
            w[web as usize].running_at_end,
            w[db as usize].running_at_end,
            w[job as usize].running_at_end
        ),
        (3, 2, 2)
    );
    assert_eq!(r.summary.pods_bound_directly, 3);
    assert_eq!(r.summary.pods_scheduled, 4); // web 2 (the replacement, the third), db-0, the Job's second pod
    let failed = (r.events.rows.iter())
        .find(|e| e.kind == EventKind::Failed)
        .unwrap();
    let mut reason = String::new();
    r.events.reason_into(failed, &mut reason);
    assert_eq!(reason, "OutOfcpu");
    conservation_holds(&r);
}

#[test]
fn preemption_deletes_victims_their_owners_recreate_them_and_the_preemptor_runs() {
    let mut f = Fixture::new(&["a"]);
    f.node("n0", 0, 2_000, 8 * GI);
    let web = f.workload("web", WorkloadKind::Deployment { replicas: 4 }, 500, GI, 0);
    let batch_kind = WorkloadKind::Job {
        arrivals: Arrivals::At(vec![0]),
        duration: DurationDist::Constant(1_000_000),
    };
    let _batch = f.workload("batch", batch_kind, 0, 0, -10);
    let urgent_kind = WorkloadKind::Job {
        arrivals: Arrivals::At(vec![10_000]),
        duration: DurationDist::Constant(5_000),
    };
    let urgent = f.workload("urgent", urgent_kind, 1_000, GI, 100);
    let mut sim = f.sim(120_000, 10_000, 1, EventLogLevel::All);
    sim.run_until(SimTime(9_999));
    assert_eq!(count_phase(&sim, web, PodPhase::Running), 4);
    sim.run_until(SimTime(10_000));
    // Two web pods were preempted; their replacements are Pending (no room left once nominated).
    assert_eq!(sim.recorder().workload_counts(web), (6, 2, 2, 0, 0, 2));
    let urgent_pod = pods_of(&sim, urgent)[0].0;
    assert_eq!(
        sim.world().pods.get(urgent_pod).unwrap().nominated,
        Some(NodeId(0))
    );
    assert_eq!(sim.core().nominated_on(NodeId(0)), &[urgent_pod]);
    sim.check_consistency().unwrap();
    let r = sim.run(&mut |_| {});
    let u = &r.summary.workloads[urgent as usize];
    assert_eq!((u.succeeded, u.created), (1, 1));
    assert_eq!(r.summary.preemptions, 1);
    assert_eq!(r.summary.pods_preempted, 2);
    assert_eq!(
        r.summary.workloads[web as usize].running_at_end, 4,
        "web recovers after urgent completes"
    );
    let preempted: Vec<_> = r
        .events
        .rows
        .iter()
        .filter(|e| e.kind == EventKind::Preempted)
        .collect();
    assert_eq!(preempted.len(), 2);
    let mut reason = String::new();
    r.events.reason_into(preempted[0], &mut reason);
    assert_eq!(reason, "preempted by urgent-0");
    conservation_holds(&r);
}

#[test]
fn preempted_job_pod_is_retried_after_the_job_backoff() {
    let mut f = Fixture::new(&["a"]);
    f.node("n0", 0, 1_000, 8 * GI);
    let low_kind = WorkloadKind::Job {
        arrivals: Arrivals::At(vec![0]),
        duration: DurationDist::Constant(100_000),
    };
    let low = f.workload("low", low_kind, 1_000, GI, 0);
    let high_kind = WorkloadKind::Job {
        arrivals: Arrivals::At(vec![1_000]),
        duration: DurationDist::Constant(20_000),
    };
    f.workload("high", high_kind, 1_000, GI, 10);
    let r = f
        .sim(300_000, 60_000, 1, EventLogLevel::All)
        .run(&mut |_| {});
    let low_rows: Vec<_> = r
        .events
        .rows
        .iter()
        .filter(|e| e.workload == low)
        .map(|e| (e.time_ms, e.kind, e.ordinal))
        .collect();
    // Preempted at 1 s, recreated 10 s later (first failure), runs after high completes (21 s).
    assert!(low_rows.contains(&(1_000, EventKind::Preempted, 0)));
    assert!(low_rows.contains(&(11_000, EventKind::Created, 1)));
    let start = low_rows
        .iter()
        .find(|e| e.1 == EventKind::Scheduled && e.2 == 1)
        .unwrap()
        .0;
    assert!(start >= 21_000);
    assert!(low_rows.contains(&(start + 100_000, EventKind::Completed, 1)));
    let w = &r.summary.workloads[low as usize];
    assert_eq!((w.desired, w.created, w.succeeded, w.deleted), (1, 2, 1, 1));
    conservation_holds(&r);
}

#[test]
fn metrics_track_requests_zones_and_thresholds() {
    let mut f = Fixture::new(&["a", "b"]);
    f.node("n0", 0, 1_000, 10 * GI);
    f.node("n1", 1, 1_000, 10 * GI);
    f.node("n2", 1, 1_000, 10 * GI);
    // 850m on n0 (> 80 %), 950m on n1 (> 90 %), n2 empty.
    f.workload(
        "a",
        WorkloadKind::Pod {
            node_name: Some(NodeId(0)),
        },
        850,
        GI,
        0,
    );
    f.workload(
        "b",
        WorkloadKind::Pod {
            node_name: Some(NodeId(1)),
        },
        950,
        2 * GI,
        0,
    );
    let r = f
        .sim(120_000, 60_000, 1, EventLogLevel::None)
        .run(&mut |_| {});
    assert_eq!(r.timeseries.rows.len(), 2);
    assert!(r.events.rows.is_empty());
    let s = &r.timeseries.rows[0];
    assert_eq!(s.time_ms, 60_000);
    assert_eq!((s.nodes_ready, s.pods_running, s.pods_pending), (3, 2, 0));
    assert_eq!(
        (s.total.cpu_requested_m, s.total.cpu_allocatable_m),
        (1_800, 3_000)
    );
    assert_eq!(s.total.mem_requested_bytes, 3 * GI);
    assert_eq!(
        (s.zones[0].cpu_requested_m, s.zones[1].cpu_requested_m),
        (850, 950)
    );
    assert_eq!(
        (s.zones[0].cpu_allocatable_m, s.zones[1].cpu_allocatable_m),
        (1_000, 2_000)
    );
    assert_eq!(
        (s.nodes_over_80pct_requested, s.nodes_over_90pct_requested),
        (2, 1)
    );
    assert_eq!(
        r.timeseries
            .header()
            .iter()
            .filter(|h| h.ends_with("_zone_b"))
            .count(),
        4
    );
}

#[test]
fn final_sample_at_end_and_progress_reported() {
    let mut f = three_nodes();
    f.workload("web", WorkloadKind::Deployment { replicas: 2 }, 100, GI, 0);
    let mut calls = Vec::new();
    let r = f
        .sim(150_000, 60_000, 1, EventLogLevel::Failures)
        .run(&mut |p| calls.push(p));
    let times: Vec<u64> = r.timeseries.rows.iter().map(|s| s.time_ms).collect();
    assert_eq!(times, vec![60_000, 120_000, 150_000]);
    assert_eq!(calls.last().unwrap().sim_time, SimTime(150_000));
    assert_eq!(
        r.summary.events_processed,
        calls.last().unwrap().events_processed
    );
    assert_eq!(r.timeseries.rows[0].sched_attempts, 2);
    assert_eq!(
        r.timeseries.rows[1].sched_attempts, 0,
        "interval counters reset"
    );
}

#[test]
fn unschedulable_pods_are_retried_when_capacity_frees() {
    let mut f = Fixture::new(&["a"]);
    f.node("n0", 0, 1_000, 8 * GI);
    let kind = WorkloadKind::Job {
        arrivals: Arrivals::Every {
            count: 3,
            interval_ms: 0,
            start_ms: 0,
        },
        duration: DurationDist::Constant(400_000),
    };
    f.workload("batch", kind, 1_000, GI, 0);
    let r = f
        .sim(2_000_000, 60_000, 1, EventLogLevel::Failures)
        .run(&mut |_| {});
    assert_eq!(r.summary.pods_succeeded, 3);
    // The pool flush (5 min) and the completions wake the waiting pods; they are not lost.
    assert!(r.summary.scheduling_failures >= 2);
    assert!(r
        .events
        .rows
        .iter()
        .all(|e| e.kind == EventKind::Unschedulable));
    conservation_holds(&r);
}

#[test]
fn setup_errors_are_reported() {
    let mut f = three_nodes();
    f.workload(
        "bad",
        WorkloadKind::Job {
            arrivals: Arrivals::At(vec![]),
            duration: DurationDist::Uniform { min: 5, max: 1 },
        },
        1,
        1,
        0,
    );
    let err = super::Simulation::with_parts(
        f.setup(1, 1, 1, EventLogLevel::None),
        super::testkit::FirstFit,
        super::testkit::TestQueue::new(1, 1),
    )
    .err()
    .unwrap();
    assert!(err.to_string().contains("bad"), "{err}");
    let mut f = three_nodes();
    f.workload(
        "pinned",
        WorkloadKind::Pod {
            node_name: Some(NodeId(99)),
        },
        1,
        1,
        0,
    );
    let err = super::Simulation::with_parts(
        f.setup(1, 1, 1, EventLogLevel::None),
        super::testkit::FirstFit,
        super::testkit::TestQueue::new(1, 1),
    )
    .err()
    .unwrap();
    assert!(matches!(err, super::SetupError::UnknownNode { .. }));
}

fn arb_kind() -> impl Strategy<Value = WorkloadKind> {
    prop_oneof![
        (0u32..6).prop_map(|replicas| WorkloadKind::Deployment { replicas }),
        (0u32..5).prop_map(|replicas| WorkloadKind::StatefulSet { replicas }),
        Just(WorkloadKind::DaemonSet),
        (0.0f64..0.5, 1_000u64..120_000).prop_map(|(rate, mean)| WorkloadKind::Job {
            arrivals: Arrivals::Poisson {
                rate_per_sec: rate,
                start_ms: 0,
                until_ms: 400_000
            },
            duration: DurationDist::Exponential { mean },
        }),
        prop::collection::vec(0u64..300_000, 0..6).prop_map(|at| WorkloadKind::Job {
            arrivals: Arrivals::At(at),
            duration: DurationDist::Uniform {
                min: 0,
                max: 100_000
            },
        }),
        (0u32..4).prop_map(|n| WorkloadKind::Pod {
            node_name: if n == 3 { None } else { Some(NodeId(n)) }
        }),
    ]
}

type Load = Vec<(WorkloadKind, i64, i64, i32)>;

fn arb_load() -> impl Strategy<Value = Load> {
    prop::collection::vec((arb_kind(), 50i64..1_500, 1i64..4, -5i32..5), 1..6)
}

/// Runs `sim` to `end`, checking the whole state every `step` ms.
fn drive<S: super::PodScheduler, Q: PodQueue>(
    mut sim: super::Simulation<S, Q>,
    end: u64,
    step: u64,
) -> Result<RunResult, TestCaseError> {
    let mut t = 0;
    while t < end {
        t += step;
        sim.run_until(SimTime(t));
        if let Err(e) = sim.check_consistency() {
            prop_assert!(false, "at {t} ms: {e}");
        }
    }
    Ok(sim.run(&mut |_| {}))
}

/// Runs a random load on three small nodes, checking the whole state every 30 s.
fn never_lose_a_pod(load: Load, seed: u64, real_scheduler: bool) -> Result<(), TestCaseError> {
    let mut f = Fixture::new(&["a", "b"]);
    f.node("n0", 0, 2_000, 8 * GI);
    f.node("n1", 1, 2_000, 8 * GI);
    f.node_with(
        "n2",
        1,
        3_000,
        8 * GI,
        vec![("dedicated", TaintEffect::NoSchedule)],
    );
    for (i, (kind, cpu, mem, prio)) in load.into_iter().enumerate() {
        f.workload(&format!("w{i}"), kind, cpu, mem * GI / 2, prio * 10);
    }
    let (end, step) = (500_000, 30_000);
    let result = if real_scheduler {
        drive(
            super::Simulation::new(f.setup(end, step, seed, EventLogLevel::All)).unwrap(),
            end,
            step,
        )?
    } else {
        drive(f.sim(end, step, seed, EventLogLevel::All), end, step)?
    };
    for s in &result.timeseries.rows {
        prop_assert_eq!(
            s.pods_created,
            s.pods_pending + s.pods_running + s.pods_succeeded + s.pods_failed + s.pods_deleted
        );
    }
    for w in &result.summary.workloads {
        prop_assert_eq!(
            w.created,
            w.pending_at_end + w.running_at_end + w.succeeded + w.failed + w.deleted
        );
        if w.kind == "Deployment" || w.kind == "StatefulSet" || w.kind == "DaemonSet" {
            prop_assert_eq!(
                w.pending_at_end + w.running_at_end,
                w.desired,
                "{} keeps its desired pods",
                w.name
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
    #[test]
    fn random_small_workloads_never_lose_a_pod(load in arb_load(), seed in 0u64..1_000) {
        never_lose_a_pod(load, seed, false)?;
    }

    #[test]
    fn random_small_workloads_never_lose_a_pod_with_the_real_scheduler(load in arb_load(), seed in 0u64..1_000) {
        never_lose_a_pod(load, seed, true)?;
    }
}

fn mixed_cluster() -> super::SimSetup {
    let mut f = Fixture::new(&["a", "b", "c"]);
    for i in 0..12 {
        f.node(&format!("n{i}"), i % 3, 4_000, 16 * GI);
    }
    f.workload("agent", WorkloadKind::DaemonSet, 100, GI / 4, 0);
    f.workload("web", WorkloadKind::Deployment { replicas: 40 }, 500, GI, 0);
    f.workload(
        "db",
        WorkloadKind::StatefulSet { replicas: 3 },
        1_000,
        4 * GI,
        0,
    );
    let batch = WorkloadKind::Job {
        arrivals: Arrivals::Poisson {
            rate_per_sec: 0.2,
            start_ms: 0,
            until_ms: 3_600_000,
        },
        duration: DurationDist::Uniform {
            min: 60_000,
            max: 900_000,
        },
    };
    f.workload("batch", batch, 500, GI, -10);
    let urgent = WorkloadKind::Job {
        arrivals: Arrivals::At(vec![1_800_000; 6]),
        duration: DurationDist::Constant(600_000),
    };
    f.workload("urgent", urgent, 2_000, 4 * GI, 1_000);
    f.setup(7_200_000, 60_000, 7, EventLogLevel::All)
}

#[test]
fn real_scheduler_mixed_run_is_consistent_and_deterministic() {
    let mut sim = super::Simulation::new(mixed_cluster()).unwrap();
    for minute in 1..=120 {
        sim.run_until(SimTime(minute * 60_000));
        if let Err(e) = sim.check_consistency() {
            panic!("at minute {minute}: {e}");
        }
    }
    let r = sim.run(&mut |_| {});
    conservation_holds(&r);
    let by_name = |n: &str| {
        r.summary
            .workloads
            .iter()
            .find(|w| w.name == n)
            .unwrap()
            .clone()
    };
    assert_eq!(
        by_name("urgent").succeeded,
        6,
        "urgent Jobs preempt their way in"
    );
    assert!(r.summary.pods_preempted > 0);
    assert_eq!(
        by_name("web").running_at_end + by_name("web").pending_at_end,
        40
    );
    assert_eq!(by_name("agent").running_at_end, 12);
    let again = super::Simulation::new(mixed_cluster())
        .unwrap()
        .run(&mut |_| {});
    assert_eq!(r, again, "same seed, same result");
}
