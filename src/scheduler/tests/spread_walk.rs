//! Property test: `domain_counts` through a cached node inclusion, whose walked side's sums
//! are kept up to date from the pod groups' change log (`Inclusion::sync_walk`), equals the
//! straightforward sum over the eligible nodes after any sequence of binds, deletions and
//! group exclusions, on either side of the inclusion and across log overflows.

use proptest::collection;
use proptest::prelude::*;
use rand::{RngExt, SeedableRng};

use super::super::testutil::{spread, system_default_spread, TestWorld, GI, ZONE};
use super::super::{Scheduler, SchedulerConfig};
use super::Which;
use crate::cluster::labels::{LabelSelector, Requirement, SelectorOp};
use crate::cluster::{PodId, TemplateId, World, CPU, MEMORY, NO_DOMAIN, PODS};
use crate::engine::{SimRng, SimTime};

/// The eligible nodes' per-domain pod counts and node counts, summed node by node: nodes in
/// `node_order` with the zone key, matching the `pool=a` selector (and, for `require_all`,
/// carrying the zone key, which every counted node does).
fn reference(world: &World, t: TemplateId, idx: usize, in_pool: &[bool]) -> (Vec<i64>, Vec<u32>) {
    let c = &world.templates[t as usize].spread[idx];
    let g = &world.groups;
    let ndom = g.keys[c.key as usize].domains as usize;
    let (mut counts, mut nodes) = (vec![0i64; ndom], vec![0u32; ndom]);
    for &n in &world.node_order {
        let d = g.domain(c.key, n);
        if d != NO_DOMAIN && in_pool[n.ix()] {
            counts[d as usize] += i64::from(g.count_at(c.group, 0, n));
            nodes[d as usize] += 1;
        }
    }
    (counts, nodes)
}

/// One step of the stream: what happens to the pods.
#[derive(Clone, Debug)]
enum Op {
    /// Bind a pod of template `tpl` (0: the constrained one, 1: same group, 2: other group)
    /// on node `node` (modulo the node count), selector or not.
    Bind { tpl: usize, node: usize },
    /// Delete the `i`-th live pod (modulo).
    Delete(usize),
    /// Stop counting the `i`-th live pod in its groups (terminating).
    Exclude(usize),
    /// Bind this many pods at random nodes with no check in between (overflows the log).
    Burst(usize),
    /// Compare with the reference.
    Check,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0usize..3, any::<usize>()).prop_map(|(tpl, node)| Op::Bind { tpl, node }),
        2 => any::<usize>().prop_map(Op::Delete),
        1 => any::<usize>().prop_map(Op::Exclude),
        1 => prop_oneof![Just(3usize), Just(2100usize), Just(2500usize)].prop_map(Op::Burst),
        3 => Just(Op::Check),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
    #[test]
    fn cached_inclusion_counts_match_a_fresh_sum(
        nodes in collection::vec((0usize..4, any::<bool>()), 2..24),
        ops in collection::vec(op(), 1..40),
        seed in any::<u64>(),
    ) {
        let mut tw = TestWorld::new();
        for (i, &(zone, pool_a)) in nodes.iter().enumerate() {
            // Zone 3 means no zone label (no domain of the zone key).
            let z = if zone == 3 { String::new() } else { format!("z{zone}") };
            let pool = if pool_a { "a" } else { "b" };
            tw.node_with(&format!("n{i}"), &z, &[(CPU, 64_000), (MEMORY, 256 * GI), (PODS, 100_000)], &[("pool", pool)], vec![]);
        }
        let (g0, g1) = (tw.group(), tw.group());
        let (key, a) = (tw.sym("pool"), tw.sym("a"));
        let mut t = tw.template("spread", 1, 1);
        t.node_selector = LabelSelector {
            requirements: vec![Requirement { key, op: SelectorOp::In, values: vec![a], bound: 0 }],
        };
        system_default_spread(&mut t, g0);
        t.spread.push(spread(ZONE, 1, true, g0, true));
        let spread_t = tw.add_template(t, &[g0]);
        let same = tw.add_template(tw.template("same-group", 1, 1), &[g0]);
        let other = tw.add_template(tw.template("other-group", 1, 1), &[g1]);
        tw.finish();
        let in_pool: Vec<bool> = nodes.iter().map(|n| n.1).collect();
        let mut s = Scheduler::new(SchedulerConfig::default(), &tw.world, SimRng::seed_from_u64(seed));
        let mut rng = SimRng::seed_from_u64(seed);
        let mut live: Vec<PodId> = Vec::new();
        let n_nodes = nodes.len();
        let mut st = Default::default();
        let mut per_domain = Vec::new();
        for (step, op) in ops.iter().enumerate() {
            match *op {
                Op::Bind { tpl, node } => {
                    let t = [spread_t, same, other][tpl];
                    let n = crate::cluster::NodeId((node % n_nodes) as u32);
                    live.push(tw.place_at(t, n, step as u64));
                }
                Op::Delete(i) if !live.is_empty() => {
                    let p = live.swap_remove(i % live.len());
                    tw.world.delete(p);
                }
                Op::Exclude(i) if !live.is_empty() => {
                    tw.world.exclude_from_groups(live[i % live.len()]);
                }
                Op::Burst(k) => {
                    for _ in 0..k {
                        let n = crate::cluster::NodeId(rng.random_range(0..n_nodes as u32));
                        let t = [spread_t, same, other][rng.random_range(0..3usize)];
                        let p = tw.pod(t);
                        tw.world.bind(p, n, SimTime(step as u64));
                        live.push(p);
                    }
                }
                _ => {
                    s.topo.refresh(&tw.world);
                    for (idx, hard, require_all) in [(1, false, false), (2, true, true)] {
                        let w = Which { t: spread_t, idx, hard, require_all };
                        s.domain_counts(&tw.world, w, &mut st, &mut per_domain);
                        let (want_counts, want_nodes) = reference(&tw.world, spread_t, idx, &in_pool);
                        prop_assert_eq!(&st.counts, &want_counts, "pod counts, constraint {}", idx);
                        prop_assert_eq!(&per_domain, &want_nodes, "node counts, constraint {}", idx);
                    }
                }
            }
        }
    }
}
