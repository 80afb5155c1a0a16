//! Tests of the fault plan's expansion ([`super::expand`]).

use super::super::target::tests::world;
use super::*;

const H: SimTime = SimTime(24 * SimTime::HOUR);

fn crash(name: &str, at: u64, back: Option<u64>, target: Target) -> Fault {
    Fault {
        name: name.into(),
        label: "nodeCrash",
        kind: FaultKind::Scheduled {
            kind: ScheduledKind::Down(DownKind::Crash),
            at: SimTime(at),
            recover_after_ms: back,
            target,
            pick: Pick::Count(2),
            drain_timeout_ms: None,
        },
    }
}

fn random(name: &str, pool: u32) -> Fault {
    Fault {
        name: name.into(),
        label: "random",
        kind: FaultKind::Random {
            nodes: Target {
                pool: Some(pool),
                ..Target::default()
            },
            start: SimTime::ZERO,
            mtbf: DurationDist::Exponential {
                mean: 6 * SimTime::HOUR,
            },
            mttr: DurationDist::Constant(10 * SimTime::MINUTE),
        },
    }
}

#[test]
fn scheduled_crash_and_recovery() {
    let w = world(2, 1, 5);
    let plan = expand(
        &[crash("c", 1000, Some(5000), Target::default())],
        &w,
        &RngStreams::new(3),
        H,
    );
    assert_eq!(plan.steps.len(), 2);
    assert_eq!(plan.steps[0].action, Action::Down(DownKind::Crash));
    assert_eq!(plan.steps[1].time, SimTime(6000));
    assert_eq!(plan.steps[0].nodes, plan.steps[1].nodes);
    assert_eq!(plan.steps[0].nodes.len(), 2);
    // Recovery after the horizon is dropped.
    let late = expand(
        &[crash("c", 1000, Some(H.0), Target::default())],
        &w,
        &RngStreams::new(3),
        H,
    );
    assert_eq!(late.steps.len(), 1);
}

#[test]
fn random_faults_are_deterministic_and_independent_per_fault() {
    let w = world(3, 2, 10);
    let streams = RngStreams::new(11);
    let base = expand(&[random("a", 0), random("b", 1)], &w, &streams, H);
    assert_eq!(
        base,
        expand(&[random("a", 0), random("b", 1)], &w, &streams, H)
    );
    assert!(base.steps.windows(2).all(|s| s[0].time <= s[1].time));
    // Changing fault b (another pool) leaves a's draws unchanged.
    let mut changed_b = random("b", 1);
    if let FaultKind::Random { mtbf, .. } = &mut changed_b.kind {
        *mtbf = DurationDist::Constant(SimTime::HOUR);
    }
    let variant = expand(&[random("a", 0), changed_b], &w, &streams, H);
    let of = |p: &FaultPlan, f| {
        p.steps
            .iter()
            .filter(|s| s.fault == f)
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(of(&base, 0), of(&variant, 0));
    assert_ne!(of(&base, 1), of(&variant, 1));
    // Every down is followed by its up on the same node (or the run ends).
    let a = of(&base, 0);
    assert!(!a.is_empty());
    for n in w.nodes.ids().filter(|n| w.nodes.pool[n.ix()] == 0) {
        let mine: Vec<_> = a.iter().filter(|s| s.nodes == vec![n]).collect();
        for pair in mine.chunks(2) {
            assert_eq!(pair[0].action, Action::Down(DownKind::Crash));
            if let Some(up) = pair.get(1) {
                assert_eq!(up.action, Action::Up(DownKind::Crash));
                assert_eq!(up.time.0 - pair[0].time.0, 10 * SimTime::MINUTE);
            }
        }
    }
}

#[test]
fn upgrade_wave_batches() {
    let w = world(1, 1, 5);
    let wave = Fault {
        name: "u".into(),
        label: "upgradeWave",
        kind: FaultKind::UpgradeWave(UpgradeWave {
            at: SimTime(0),
            target: Target::default(),
            pick: Pick::All,
            max_unavailable: 1,
            surge: 1,
            drain_timeout_ms: 1000,
            node_down_ms: 500,
        }),
    };
    let plan = expand(&[wave], &w, &RngStreams::new(0), H);
    let downs: Vec<_> = plan
        .steps
        .iter()
        .filter(|s| s.action == Action::Down(DownKind::Crash))
        .map(|s| (s.time.0, s.nodes.len()))
        .collect();
    assert_eq!(downs, vec![(1000, 2), (2500, 2), (4000, 1)]);
    let first: Vec<Action> = plan.steps.iter().take(3).map(|s| s.action).collect();
    assert_eq!(
        first,
        vec![
            Action::SurgeAdd { count: 1 },
            Action::Cordon,
            Action::Drain {
                timeout_ms: Some(1000)
            }
        ]
    );
    let uncordons = plan
        .steps
        .iter()
        .filter(|s| s.action == Action::Uncordon)
        .count();
    assert_eq!(uncordons, 3);
}

#[test]
fn correlated_rack_failures_hit_a_fraction_of_one_rack() {
    let w = world(2, 1, 10); // 4 racks of 5 nodes
    let f = Fault {
        name: "cr".into(),
        label: "correlated",
        kind: FaultKind::Correlated {
            scope: Scope::Rack,
            start: SimTime::ZERO,
            rate_per_ms: 1.0 / SimTime::HOUR as f64,
            fraction: 0.3,
            mttr: DurationDist::Constant(SimTime::MINUTE),
        },
    };
    assert_eq!(domains(&w, Scope::Rack).len(), 4);
    let plan = expand(std::slice::from_ref(&f), &w, &RngStreams::new(9), H);
    let downs: Vec<_> = plan
        .steps
        .iter()
        .filter(|s| s.action == Action::Down(DownKind::Crash))
        .collect();
    assert!(downs.len() > 5, "{}", downs.len());
    for d in downs {
        assert_eq!(d.nodes.len(), 2); // ceil(0.3 × 5)
        let rack = |n: NodeId| w.node_label(n, w.well_known.rack);
        assert_eq!(rack(d.nodes[0]), rack(d.nodes[1]));
    }
    assert_eq!(plan, expand(&[f], &w, &RngStreams::new(9), H));
}
