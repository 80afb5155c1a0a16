//! Property test: never overcommit, never violate a filter.

use super::*;
use proptest::prelude::*;
use proptest::{bool as pbool, collection, option};

#[derive(Clone, Debug)]
struct NodeSpec {
    cpu: i64,
    mem: i64,
    pods: i64,
    zone: usize,
    tainted: bool,
    ssd: bool,
    cordoned: bool,
}

#[derive(Clone, Debug)]
struct TplSpec {
    cpu: i64,
    mem: i64,
    tolerates: bool,
    needs_ssd: bool,
    spread_hard: Option<(bool, i64)>,
    priority: i32,
}

fn node_spec() -> impl Strategy<Value = NodeSpec> {
    (
        1i64..8,
        1i64..16,
        1i64..12,
        0usize..3,
        any::<bool>(),
        any::<bool>(),
        pbool::weighted(0.1),
    )
        .prop_map(|(c, m, p, z, t, s, cord)| NodeSpec {
            cpu: c * 500,
            mem: m * GI,
            pods: p,
            zone: z,
            tainted: t,
            ssd: s,
            cordoned: cord,
        })
}

fn tpl_spec() -> impl Strategy<Value = TplSpec> {
    (
        0i64..6,
        0i64..8,
        any::<bool>(),
        pbool::weighted(0.3),
        option::weighted(0.3, (any::<bool>(), 1i64..3)),
        0i32..3,
    )
        .prop_map(|(c, m, t, s, h, pr)| TplSpec {
            cpu: c * 250,
            mem: m * GI / 2,
            tolerates: t,
            needs_ssd: s,
            spread_hard: h,
            priority: pr,
        })
}

fn check_world(tw: &TestWorld) {
    let w = &tw.world;
    let s = w.nodes.stride();
    for n in 0..w.nodes.len() {
        for r in 0..s {
            if r == PODS {
                continue;
            }
            assert!(
                w.nodes.requested[n * s + r] <= w.nodes.allocatable[n * s + r],
                "node {n} resource {r} overcommitted"
            );
        }
        assert!(
            w.pods_on_node[n].len() as i64 <= w.nodes.allocatable[n * s + PODS],
            "node {n} has too many pods"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    #[test]
    fn never_overcommits_nor_violates_filters(
        nodes in collection::vec(node_spec(), 1..12),
        tpls in collection::vec(tpl_spec(), 1..5),
        stream in collection::vec(0usize..5, 1..80),
        seed in any::<u64>(),
    ) {
        let mut tw = TestWorld::new();
        let taint = tw.taint("dedicated", "x", TaintEffect::NoSchedule);
        let (disk, ssd) = (tw.sym("disk"), tw.sym("ssd"));
        for (i, ns) in nodes.iter().enumerate() {
            let labels: &[(&str, &str)] = if ns.ssd { &[("disk", "ssd")] } else { &[] };
            let taints = if ns.tainted { vec![taint] } else { vec![] };
            tw.node_with(&format!("n{i}"), &format!("z{}", ns.zone), &[(CPU, ns.cpu), (MEMORY, ns.mem), (PODS, ns.pods)], labels, taints);
        }
        let groups: Vec<u32> = tpls.iter().map(|_| tw.group()).collect();
        let mut ids = Vec::new();
        for (i, ts) in tpls.iter().enumerate() {
            let mut t = tw.template(&format!("t{i}"), ts.cpu, ts.mem);
            t.priority = ts.priority;
            if ts.tolerates {
                t.tolerations = vec![tw.toleration("dedicated", "x", Some(TaintEffect::NoSchedule))];
            }
            if ts.needs_ssd {
                t.node_selector = LabelSelector { requirements: vec![Requirement { key: disk, op: SelectorOp::In, values: vec![ssd], bound: 0 }] };
            }
            match ts.spread_hard {
                Some((zone, skew)) => t.spread = vec![spread(if zone { ZONE } else { HOST }, skew, true, groups[i], true)],
                None => system_default_spread(&mut t, groups[i]),
            }
            ids.push(tw.add_template(t, &[groups[i]]));
        }
        tw.finish();
        for (i, ns) in nodes.iter().enumerate() {
            tw.world.nodes.unschedulable[i] = ns.cordoned;
        }
        let mut s = Scheduler::new(SchedulerConfig::default(), &tw.world, rng(seed));
        for &k in &stream {
            let ti = k % ids.len();
            let p = tw.pod(ids[ti]);
            match s.schedule(&tw.world, p) {
                Outcome::Bind { node, .. } => {
                    let ns = &nodes[node.ix()];
                    let ts = &tpls[ti];
                    prop_assert!(!ns.cordoned, "placed on a cordoned node");
                    prop_assert!(!ns.tainted || ts.tolerates, "placed on an untolerated taint");
                    prop_assert!(!ts.needs_ssd || ns.ssd, "node selector violated");
                    if let Some((zone, skew)) = ts.spread_hard {
                        // Brute-force skew after placement, over nodes matching the selector.
                        let key = if zone { ZONE } else { HOST };
                        let eligible: Vec<usize> = (0..nodes.len()).filter(|&i| !ts.needs_ssd || nodes[i].ssd).collect();
                        let count_in = |d: u32| -> i64 {
                            eligible.iter().filter(|&&i| tw.world.groups.domain(key, NodeId(i as u32)) == d)
                                .map(|&i| tw.world.pods_on_node[i].iter().filter(|q| tw.world.template_of(**q).name == format!("t{ti}")).count() as i64)
                                .sum()
                        };
                        let d = tw.world.groups.domain(key, node);
                        let before = count_in(d);
                        let min = eligible.iter().map(|&i| count_in(tw.world.groups.domain(key, NodeId(i as u32)))).min().unwrap();
                        prop_assert!(before + 1 - min <= skew, "hard spread skew violated");
                    }
                    tw.world.bind(p, node, crate::engine::SimTime(0));
                    check_world(&tw);
                }
                Outcome::Unschedulable { victims, nominated, .. } => {
                    if nominated.is_some() {
                        for v in victims {
                            tw.world.delete(v);
                        }
                    }
                    tw.world.delete(p);
                }
            }
        }
        check_world(&tw);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    /// The fused fast path of the default profile's resource scores (`plugins/fused.rs`) gives
    /// the same raw scores, totals and placements as the per-plugin path
    /// (`resources_fit::score`, `balanced_allocation::score`), including nodes with no
    /// allocatable cpu or memory and pods requesting none; so does the constant-folded total
    /// (`fused::constant_rest`), with and without PreferNoSchedule taints among the nodes.
    #[test]
    fn fused_and_per_plugin_scores_agree(
        nodes in collection::vec((0i64..8, 0i64..16, 1i64..6, 0usize..3, 0u8..8), 2..16),
        tpls in collection::vec((0i64..6, 0i64..8), 1..5),
        stream in collection::vec(0usize..5, 1..60),
        seed in any::<u64>(),
    ) {
        let mut tw = TestWorld::new();
        for (i, &(c, m, p, z, tainted)) in nodes.iter().enumerate() {
            let taints = if tainted == 0 {
                vec![tw.taint("soft", "x", TaintEffect::PreferNoSchedule)]
            } else {
                Vec::new()
            };
            let alloc = [(CPU, c * 1000), (MEMORY, m * GI / 2), (PODS, p)];
            tw.node_with(&format!("n{i}"), &format!("z{z}"), &alloc, &[], taints);
        }
        let ids: Vec<TemplateId> = tpls.iter().enumerate().map(|(i, &(c, m))| {
            let t = tw.template(&format!("t{i}"), c * 250, m * GI / 2);
            tw.add_template(t, &[])
        }).collect();
        tw.finish();
        let mut fused = Scheduler::new(SchedulerConfig::default(), &tw.world, rng(seed));
        let mut plain = Scheduler::new(SchedulerConfig::default(), &tw.world, rng(seed));
        plain.fuse = false;
        let (fit, bal) = (ScorePlugin::NodeResourcesFit.index(), ScorePlugin::NodeResourcesBalancedAllocation.index());
        for &k in &stream {
            let p = tw.pod(ids[k % ids.len()]);
            let a = fused.schedule(&tw.world, p);
            let b = plain.schedule(&tw.world, p);
            prop_assert_eq!(&a, &b);
            let n = fused.sc.feasible.len();
            if n > 1 {
                prop_assert_eq!(&fused.sc.total, &plain.sc.total);
                for i in [fit, bal] {
                    prop_assert_eq!(fused.sc.skipped[i], plain.sc.skipped[i]);
                    if !fused.sc.skipped[i] {
                        prop_assert_eq!(&fused.sc.raw[i][..n], &plain.sc.raw[i][..n]);
                    }
                }
            }
            match a {
                Outcome::Bind { node, .. } => tw.world.bind(p, node, crate::engine::SimTime(0)),
                Outcome::Unschedulable { .. } => {
                    tw.world.delete(p);
                }
            }
        }
    }
}
