//! DefaultPreemption.

use super::*;

// ---------------------------------------------------------------------------------------------
// Preemption.

struct PreemptWorld {
    tw: TestWorld,
    low: TemplateId,
    mid: TemplateId,
    high: TemplateId,
}

fn preempt_world(nodes: usize, cpu: i64) -> PreemptWorld {
    let mut tw = TestWorld::new();
    for i in 0..nodes {
        tw.node(&format!("n{i}"), "z", cpu, 64 * GI, 110);
    }
    let mk = |tw: &mut TestWorld, name: &str, prio: i32, c: i64| {
        let mut t = tw.template(name, c, MI);
        t.priority = prio;
        tw.add_template(t, &[])
    };
    let low = mk(&mut tw, "low", 0, 1000);
    let mid = mk(&mut tw, "mid", 5, 2000);
    let high = mk(&mut tw, "high", 10, 1000);
    tw.finish();
    PreemptWorld { tw, low, mid, high }
}

#[test]
fn preemption_prefers_lowest_priority_victims_and_reprieves() {
    let mut w = preempt_world(2, 2000);
    let (n0, n1) = (NodeId(0), NodeId(1));
    let l1 = w.tw.place_at(w.low, n0, 1);
    let l2 = w.tw.place_at(w.low, n0, 2);
    w.tw.place_at(w.mid, n1, 1);
    let p = w.tw.pod(w.high);
    let mut s = default_sched(&w.tw);
    let out = s.schedule(&w.tw.world, p);
    // n1's victim has priority 5, n0's have 0: n0. One low pod is enough; the more important
    // (earlier started) one is reprieved.
    let Outcome::Unschedulable {
        reason,
        nominated,
        victims,
    } = out
    else {
        panic!()
    };
    assert_eq!(reason, "0/2 nodes are available: 2 Insufficient cpu.");
    assert_eq!(nominated, Some(n0));
    assert_eq!(victims, vec![l2]);
    let _ = l1;
}

#[test]
fn preemption_minimal_victims_in_importance_order() {
    let mut tw = TestWorld::new();
    let n = tw.node("n", "z", 2000, 64 * GI, 110);
    let mut small = tw.template("small", 500, MI);
    small.priority = 1;
    let small = tw.add_template(small, &[]);
    let mut big = tw.template("big", 1000, MI);
    big.priority = 1;
    let big = tw.add_template(big, &[]);
    let mut hi = tw.template("hi", 1000, MI);
    hi.priority = 100;
    let hi = tw.add_template(hi, &[]);
    tw.finish();
    let _p1 = tw.place_at(small, n, 1);
    let _p2 = tw.place_at(small, n, 2);
    let p3 = tw.place_at(big, n, 3);
    let p = tw.pod(hi);
    let mut s = default_sched(&tw);
    let Outcome::Unschedulable {
        nominated, victims, ..
    } = s.schedule(&tw.world, p)
    else {
        panic!()
    };
    assert_eq!(nominated, Some(n));
    // Reprieve p1 (0.5) and p2 (0.5): 1 + 1 = 2 fits; p3 would make 3 > 2.
    assert_eq!(victims, vec![p3]);
}

#[test]
fn preemption_picks_fewest_victims_then_latest_start() {
    let mut w = preempt_world(3, 2000);
    // n0: two low pods (both must go for a 2-CPU... no: high needs 1 CPU) -> make n0 need 2
    // victims by using 500m pods; n1: one low 2-CPU pod started early; n2: one started late.
    let mut half = w.tw.template("half", 500, MI);
    half.priority = 0;
    w.tw.world.templates.push(half);
    let half = (w.tw.world.templates.len() - 1) as TemplateId;
    let mut two = w.tw.template("two", 2000, MI);
    two.priority = 0;
    w.tw.world.templates.push(two);
    let two = (w.tw.world.templates.len() - 1) as TemplateId;
    for _ in 0..4 {
        w.tw.place_at(half, NodeId(0), 10);
    }
    w.tw.place_at(two, NodeId(1), 5);
    let late = w.tw.place_at(two, NodeId(2), 50);
    let p = w.tw.pod(w.high);
    let mut s = default_sched(&w.tw);
    let Outcome::Unschedulable {
        nominated, victims, ..
    } = s.schedule(&w.tw.world, p)
    else {
        panic!()
    };
    // n0 needs 2 victims (sum of priorities shifted by 2^31 is larger); n1 and n2 need one
    // each: the latest-started victim wins.
    assert_eq!((nominated, victims), (Some(NodeId(2)), vec![late]));
}

#[test]
fn preemption_never_and_disabled() {
    let mut w = preempt_world(1, 1000);
    w.tw.place(w.low, NodeId(0));
    w.tw.world.templates[w.high as usize].preemption_never = true;
    let p = w.tw.pod(w.high);
    let mut s = default_sched(&w.tw);
    let Outcome::Unschedulable {
        reason, nominated, ..
    } = s.schedule(&w.tw.world, p)
    else {
        panic!()
    };
    assert_eq!(
        reason,
        "0/1 nodes are available: 1 Insufficient cpu. not eligible due to preemptionPolicy=Never.."
    );
    assert_eq!(nominated, None);
    w.tw.world.templates[w.high as usize].preemption_never = false;
    let mut s = sched_with(
        &w.tw,
        Profile {
            preemption: false,
            ..Profile::default()
        },
    );
    let Outcome::Unschedulable {
        reason, nominated, ..
    } = s.schedule(&w.tw.world, p)
    else {
        panic!()
    };
    assert_eq!(
        (reason.as_str(), nominated),
        ("0/1 nodes are available: 1 Insufficient cpu.", None)
    );
}

#[test]
fn nominated_node_is_reserved_and_tried_first() {
    let mut w = preempt_world(2, 1000);
    let (n0, n1) = (NodeId(0), NodeId(1));
    let victim = w.tw.place_at(w.low, n0, 1);
    w.tw.place_at(w.mid, n1, 1);
    let stride = w.tw.world.nodes.stride();
    w.tw.world.nodes.allocatable[n1.ix() * stride + CPU] = 2000;
    let p = w.tw.pod(w.high);
    let mut s = default_sched(&w.tw);
    let Outcome::Unschedulable {
        nominated, victims, ..
    } = s.schedule(&w.tw.world, p)
    else {
        panic!()
    };
    assert_eq!((nominated, victims.clone()), (Some(n0), vec![victim]));
    // The simulation records the nomination and deletes the victim.
    w.tw.world.pods.get_mut(p).unwrap().nominated = Some(n0);
    w.tw.world.delete(victim);
    // A lower-priority pod must not take the room reserved for the preemptor.
    let q = w.tw.pod(w.low);
    let Outcome::Unschedulable { reason, .. } = s.schedule(&w.tw.world, q) else {
        panic!("took the reserved room")
    };
    assert!(
        reason.starts_with("0/2 nodes are available: 2 Insufficient cpu."),
        "{reason}"
    );
    // The preemptor goes to its nominated node.
    assert_eq!(
        s.schedule(&w.tw.world, p),
        Outcome::Bind { node: n0, score: 0 }
    );
}

#[test]
fn preemption_respects_pdb_oracle() {
    struct Protect(crate::cluster::PodId);
    impl PdbOracle for Protect {
        fn violating(
            &self,
            _w: &crate::cluster::World,
            pods: &[crate::cluster::PodId],
            v: &mut Vec<bool>,
        ) {
            v.clear();
            v.extend(pods.iter().map(|p| *p == self.0));
        }
    }
    let mut w = preempt_world(2, 1000);
    let protected = w.tw.place_at(w.low, NodeId(0), 1);
    let other = w.tw.place_at(w.low, NodeId(1), 1);
    let p = w.tw.pod(w.high);
    let mut s = default_sched(&w.tw);
    let Outcome::Unschedulable {
        nominated, victims, ..
    } = s.schedule_with_pdbs(&w.tw.world, p, &Protect(protected))
    else {
        panic!()
    };
    assert_eq!((nominated, victims), (Some(NodeId(1)), vec![other]));
    let mut s = default_sched(&w.tw);
    let Outcome::Unschedulable { nominated, .. } =
        s.schedule_with_pdbs(&w.tw.world, p, &Protect(other))
    else {
        panic!()
    };
    assert_eq!(nominated, Some(NodeId(0)));
}
