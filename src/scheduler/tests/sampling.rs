//! Sampling, rotation, a single feasible node, tie-breaking, reclassification.

use super::*;

// ---------------------------------------------------------------------------------------------
// Sampling, rotation, single feasible node, tie-breaking.

fn uniform_world(n: usize, zones: usize) -> (TestWorld, TemplateId) {
    let mut tw = TestWorld::new();
    for i in 0..n {
        tw.node(
            &format!("n{i:04}"),
            &format!("z{}", i % zones),
            16000,
            64 * GI,
            110,
        );
    }
    let t = tw.template("p", 100, 100 * MI);
    let t = tw.add_template(t, &[]);
    tw.finish();
    (tw, t)
}

#[test]
fn sampling_rotates_the_start_index() {
    let (mut tw, t) = uniform_world(200, 1);
    // 200 nodes: 50 − 200/125 = 49 % -> 98 -> at least 100 feasible nodes per cycle.
    let mut s = default_sched(&tw);
    assert_eq!(s.next_start_index(), 0);
    let p = tw.pod(t);
    let e = s.explain(&tw.world, t, "p", false);
    assert_eq!(e.nodes_examined, 100);
    assert_eq!(e.nodes[0].node, "n0000");
    assert_eq!(
        s.next_start_index(),
        0,
        "explain does not advance the rotation"
    );
    let Outcome::Bind { node, .. } = s.schedule(&tw.world, p) else {
        panic!()
    };
    assert!(node.0 < 100);
    assert_eq!(s.next_start_index(), 100);
    // Cordon 10 nodes in the next window: they are examined (and fail), so 110 are processed.
    for i in 100..110 {
        tw.world.nodes.unschedulable[i] = true;
    }
    let p2 = tw.pod(t);
    let Outcome::Bind { node, .. } = s.schedule(&tw.world, p2) else {
        panic!()
    };
    assert!(
        (110..200).contains(&(node.0 as usize)) || node.0 < 10,
        "{node:?}"
    );
    assert_eq!(s.next_start_index(), 10);
    let e = s.explain(&tw.world, t, "p", false);
    assert_eq!(e.nodes[0].node, "n0010");
    assert_eq!(s.explain(&tw.world, t, "p", true).nodes_examined, 200);
}

#[test]
fn single_feasible_node_is_chosen_without_scoring() {
    let mut tw = TestWorld::new();
    tw.node("big", "z", 8000, 8 * GI, 110);
    tw.node("small", "z", 500, 8 * GI, 110);
    let t = tw.template("p", 1000, MI);
    let t = tw.add_template(t, &[]);
    tw.finish();
    let p = tw.pod(t);
    let mut s = default_sched(&tw);
    assert_eq!(
        s.schedule(&tw.world, p),
        Outcome::Bind {
            node: tw.node_id("big"),
            score: 0
        }
    );
    let e = s.explain(&tw.world, t, "p", true);
    assert_eq!(e.selected.as_deref(), Some("big"));
    assert_eq!(e.nodes[0].total, 0);
}

#[test]
fn ties_are_broken_uniformly_and_deterministically() {
    let (mut tw, t) = uniform_world(4, 2);
    let p = tw.pod(t);
    let run = |seed| {
        let mut s = Scheduler::new(SchedulerConfig::default(), &tw.world, rng(seed));
        let mut counts = [0usize; 4];
        let mut seq = Vec::new();
        for _ in 0..4000 {
            let Outcome::Bind { node, score } = s.schedule(&tw.world, p) else {
                panic!()
            };
            // TaintToleration 300 + fit 99 + balanced 99: identical empty nodes tie.
            assert_eq!(score, 300 + 99 + 99);
            counts[node.ix()] += 1;
            seq.push(node);
        }
        (counts, seq)
    };
    let (counts, seq1) = run(7);
    for c in counts {
        assert!((850..1150).contains(&c), "not uniform: {counts:?}");
    }
    assert_eq!(run(7).1, seq1, "same seed, same choices");
    assert_ne!(run(8).1, seq1);
}

#[test]
fn taint_changes_reclassify_nodes() {
    let (mut tw, t) = uniform_world(3, 1);
    let mut s = default_sched(&tw);
    let e = s.explain(&tw.world, t, "p", true);
    assert!(e.nodes.iter().all(|n| n.feasible));
    let taint = tw.taint(
        "node.kubernetes.io/unreachable",
        "",
        TaintEffect::NoSchedule,
    );
    tw.world.add_taint(NodeId(1), taint);
    let e = s.explain(&tw.world, t, "p", true);
    assert!(!e.nodes[1].feasible);
    assert_eq!(
        e.nodes[1].reason.as_deref(),
        Some("TaintToleration: node(s) had untolerated taint {node.kubernetes.io/unreachable: }")
    );
    tw.world
        .remove_taint(NodeId(1), taint.key, TaintEffect::NoSchedule);
    let e = s.explain(&tw.world, t, "p", true);
    assert!(e.nodes[1].feasible);
}
