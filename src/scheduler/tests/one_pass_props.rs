//! Property test of the one-pass cycle (`one_pass.rs`) and the packed per-node words
//! (`verdicts::Hot`): a scheduler using the one-pass cycle, one running the general cycle with
//! the verdict cache and its words, and one without any cache decide identically (node,
//! score, reasons, nominations, victims) through random node changes, PreferNoSchedule taints
//! that make TaintToleration vary, soft spread constraints, priorities and preemption.

use super::*;
use crate::cluster::taints::TaintEffect;
use proptest::collection;
use proptest::prelude::*;

/// (cpu in 500m, memory in GiB, pods, zone, taint: 0 PreferNoSchedule, 1 NoSchedule, else none)
type NodeSpec = (i64, i64, i64, usize, u8);
/// (cpu in 250m, memory in GiB/2, priority, soft spread, tolerates the NoSchedule taint)
type TplSpec = (i64, i64, i32, bool, bool);

fn run(nodes: &[NodeSpec], tpls: &[TplSpec], steps: usize, seed: u64) -> (u64, u64) {
    let mut tw = TestWorld::new();
    let soft = tw.taint("soft", "x", TaintEffect::PreferNoSchedule);
    let hard = tw.taint("dedicated", "x", TaintEffect::NoSchedule);
    for (i, &(c, m, p, z, t)) in nodes.iter().enumerate() {
        let taints = match t {
            0 => vec![soft],
            1 => vec![hard],
            _ => Vec::new(),
        };
        let alloc = [(CPU, c * 500), (MEMORY, m * GI), (PODS, p)];
        tw.node_with(&format!("n{i}"), &format!("z{z}"), &alloc, &[], taints);
    }
    let mut filler = tw.template("filler", 500, GI);
    filler.priority = -10;
    let filler = tw.add_template(filler, &[]);
    let mut ids = Vec::new();
    for (i, &(c, m, prio, spread_soft, tolerates)) in tpls.iter().enumerate() {
        let g = tw.group();
        let mut t = tw.template(&format!("t{i}"), c * 250, m * GI / 2);
        t.priority = prio;
        if spread_soft {
            system_default_spread(&mut t, g);
        }
        if tolerates {
            t.tolerations = vec![tw.toleration("dedicated", "x", Some(TaintEffect::NoSchedule))];
        }
        ids.push(tw.add_template(t, &[g]));
    }
    tw.finish();
    let cfg = SchedulerConfig::default();
    let mut one = Scheduler::new(cfg.clone(), &tw.world, rng(seed));
    let mut general = Scheduler::new(cfg.clone(), &tw.world, rng(seed));
    // No memo, no verdict cache, no packed words: every node evaluated in full.
    let mut reference = Scheduler::new(cfg, &tw.world, rng(seed));
    one.set_failure_memo(true);
    general.set_failure_memo(true);
    general.one_pass = false;
    let mut changes = rng(seed ^ 0x5eed);
    for step in 0..steps as u64 {
        tw.random_node_change(&mut changes, filler, hard, step);
        let t = ids[rand::RngExt::random_range(&mut changes, 0..ids.len())];
        let pod = tw.pod(t);
        let a = one.schedule(&tw.world, pod);
        let b = general.schedule(&tw.world, pod);
        let c = reference.schedule(&tw.world, pod);
        assert_eq!(a, b, "step {step}: one pass vs general");
        assert_eq!(b, c, "step {step}: cached vs uncached");
        tw.apply_outcome(pod, a, step);
    }
    (one.one_pass_cycles, general.one_pass_cycles)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
    #[test]
    fn one_pass_and_general_cycles_agree(
        nodes in collection::vec((1i64..16, 1i64..32, 1i64..12, 0usize..3, 0u8..6), 2..24),
        tpls in collection::vec((0i64..8, 0i64..8, -1i32..3, any::<bool>(), any::<bool>()), 1..5),
        steps in 20usize..300,
        seed in any::<u64>(),
    ) {
        // The general scheduler never takes the one-pass cycle.
        prop_assert_eq!(run(&nodes, &tpls, steps, seed).1, 0);
    }
}

/// The one-pass cycle really runs (node-local pods without soft constraints) and agrees.
#[test]
fn one_pass_cycles_run_and_agree() {
    let nodes: Vec<NodeSpec> = (0..30).map(|i| (8, 16, 20, i % 3, (i % 7) as u8)).collect();
    let tpls = [
        (2, 2, 0, false, false),
        (4, 4, 1, false, true),
        (8, 8, 2, false, false),
        (1, 1, 0, true, false),
    ];
    let (used, unused) = run(&nodes, &tpls, 2_000, 7);
    assert!(used > 200, "one-pass cycles: {used}");
    assert_eq!(unused, 0);
}
