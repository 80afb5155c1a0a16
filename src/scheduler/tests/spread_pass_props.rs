//! Property test of the two-pass cycle (`spread_pass.rs`): a scheduler using it (and the
//! one-pass cycle), one running the general cycle with the verdict cache, and one without any
//! cache decide identically (node, score, reasons, nominations, victims) through random node
//! changes, PreferNoSchedule taints, nodes without a zone, system-default and explicit soft
//! spread pairs (ignored nodes), images, priorities and preemption; and with host counts
//! beyond the cells.

use super::*;
use crate::cluster::taints::TaintEffect;
use crate::cluster::world::ImageInfo;
use proptest::collection;
use proptest::prelude::*;

/// (cpu in 500m, memory in GiB, pods, zone (3: none), taint: 0 PreferNoSchedule, 1
/// NoSchedule, else none, images held as a bit mask)
type NodeSpec = (i64, i64, i64, usize, u8, u8);
/// (cpu in 250m, memory in GiB/2, priority, spread: 0 none, 1 system default, 2 explicit soft
/// pair, 3 explicit pair with a hard zone constraint; tolerates the NoSchedule taint, images as
/// a bit mask)
type TplSpec = (i64, i64, i32, u8, bool, u8);

const IMAGES: u32 = 3;

/// Runs the three schedulers side by side; returns the two-pass cycles and the most pods of
/// one template found on one node at the end.
fn run(
    nodes: &[NodeSpec],
    tpls: &[TplSpec],
    skews: (i64, i64),
    steps: usize,
    seed: u64,
) -> (u64, usize) {
    let mut tw = TestWorld::new();
    for id in 0..IMAGES {
        tw.world.images.push(ImageInfo {
            name: format!("img{id}"),
            size: (300 + 400 * i64::from(id)) * MI,
            nodes_with: 0,
        });
    }
    let soft = tw.taint("soft", "x", TaintEffect::PreferNoSchedule);
    let hard = tw.taint("dedicated", "x", TaintEffect::NoSchedule);
    for (i, &(c, m, p, z, t, imgs)) in nodes.iter().enumerate() {
        let taints = match t {
            0 => vec![soft],
            1 => vec![hard],
            _ => Vec::new(),
        };
        let alloc = [(CPU, c * 500), (MEMORY, m * GI), (PODS, p)];
        let zone = if z == 3 {
            String::new()
        } else {
            format!("z{z}")
        };
        let n = tw.node_with(&format!("n{i}"), &zone, &alloc, &[], taints);
        for id in (0..IMAGES).filter(|b| imgs & (1 << b) != 0) {
            if tw.world.nodes.add_image(n, id) {
                tw.world.images[id as usize].nodes_with += 1;
            }
        }
    }
    let mut filler = tw.template("filler", 500, GI);
    filler.priority = -10;
    let filler = tw.add_template(filler, &[]);
    let mut ids = Vec::new();
    for (i, &(c, m, prio, kind, tolerates, imgs)) in tpls.iter().enumerate() {
        let g = tw.group();
        let mut t = tw.template(&format!("t{i}"), c * 250, m * GI / 2);
        t.priority = prio;
        match kind {
            1 => system_default_spread(&mut t, g),
            2 => {
                t.spread = vec![
                    spread(ZONE, skews.1, false, g, true),
                    spread(HOST, skews.0, false, g, true),
                ];
            }
            3 => {
                t.spread = vec![
                    spread(HOST, skews.0, false, g, true),
                    spread(ZONE, skews.1, false, g, true),
                    spread(ZONE, 2, true, g, true),
                ];
            }
            _ => {}
        }
        if tolerates {
            t.tolerations = vec![tw.toleration("dedicated", "x", Some(TaintEffect::NoSchedule))];
        }
        t.images = (0..IMAGES).filter(|b| imgs & (1 << b) != 0).collect();
        t.container_count = t.images.len().max(1) as u32;
        ids.push(tw.add_template(t, &[g]));
    }
    tw.finish();
    let cfg = SchedulerConfig::default();
    let mut fast = Scheduler::new(cfg.clone(), &tw.world, rng(seed));
    let mut general = Scheduler::new(cfg.clone(), &tw.world, rng(seed));
    // No memo, no verdict cache, no packed words: every node evaluated in full.
    let mut reference = Scheduler::new(cfg, &tw.world, rng(seed));
    fast.set_failure_memo(true);
    general.set_failure_memo(true);
    general.one_pass = false;
    let mut changes = rng(seed ^ 0x5eed);
    for step in 0..steps as u64 {
        tw.random_node_change(&mut changes, filler, hard, step);
        let t = ids[rand::RngExt::random_range(&mut changes, 0..ids.len())];
        let pod = tw.pod(t);
        let a = fast.schedule(&tw.world, pod);
        let b = general.schedule(&tw.world, pod);
        let c = reference.schedule(&tw.world, pod);
        assert_eq!(a, b, "step {step}: two-pass vs general");
        assert_eq!(b, c, "step {step}: cached vs uncached");
        tw.apply_outcome(pod, a, step);
    }
    assert_eq!(general.spread_pass_cycles, 0);
    let w = &tw.world;
    let most = (0..w.nodes.len())
        .flat_map(|n| {
            ids.iter().map(move |&t| {
                w.pods_on_node[n]
                    .iter()
                    .filter(|&&p| w.pods.get(p).is_some_and(|p| p.template == t))
                    .count()
            })
        })
        .max()
        .unwrap_or(0);
    (fast.spread_pass_cycles, most)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]
    #[test]
    fn two_pass_and_general_cycles_agree(
        nodes in collection::vec((1i64..16, 1i64..32, 1i64..12, 0usize..4, 0u8..8, 0u8..8), 2..24),
        tpls in collection::vec((0i64..8, 0i64..8, -1i32..3, 0u8..4, any::<bool>(), 0u8..8), 1..5),
        skews in (1i64..6, 1i64..6),
        steps in 20usize..300,
        seed in any::<u64>(),
    ) {
        run(&nodes, &tpls, skews, steps, seed);
    }
}

/// The two-pass cycle really runs (system-default and explicit pairs, images, nodes without a
/// zone, PreferNoSchedule taints) and agrees.
#[test]
fn two_pass_cycles_run_and_agree() {
    let nodes: Vec<NodeSpec> = (0..30)
        .map(|i| (8, 16, 20, i % 4, (i % 7) as u8, (i % 5) as u8))
        .collect();
    let tpls = [
        (2, 2, 0, 1, false, 0),
        (4, 4, 1, 2, true, 3),
        (1, 1, 2, 1, false, 5),
        (1, 1, 0, 0, false, 0),
    ];
    let (used, _) = run(&nodes, &tpls, (3, 5), 2_000, 7);
    assert!(used > 500, "two-pass cycles: {used}");
}

/// Host counts of 64 and more (beyond the cells) send the cycle to the general `prioritize`
/// with the same decisions.
#[test]
fn two_pass_cycles_agree_beyond_the_cells() {
    let nodes: Vec<NodeSpec> = (0..3).map(|i| (400, 400, 200, i % 3, 2, 0)).collect();
    let tpls = [(0, 1, 0, 1, false, 0), (0, 1, 0, 2, false, 1)];
    let (used, most) = run(&nodes, &tpls, (100, 100), 1_500, 11);
    assert!(used > 100, "two-pass cycles: {used}");
    assert!(most >= 90, "most pods of a template on a node: {most}");
}
