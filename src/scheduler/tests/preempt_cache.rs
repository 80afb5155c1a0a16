//! The preemption victim cache (`preempt_cache.rs`) against the uncached dry run: randomized
//! worlds with several priorities, node changes of every kind, nominations and retries; a
//! scheduler with the memo (and so the cache) on decides exactly as one without it.

use rand::RngExt;

use super::*;
use crate::cluster::PodId;

/// A PDB oracle that protects every pod whose id is a multiple of 3 (violations possible).
struct EveryThird;

impl PdbOracle for EveryThird {
    fn violating(&self, _w: &crate::cluster::World, pods: &[PodId], v: &mut Vec<bool>) {
        v.clear();
        v.extend(pods.iter().map(|p| p.index % 3 == 0));
    }
}

struct Run {
    preemptions: u64,
    cache_hits: u64,
}

/// `steps` cycles on a random cluster of `nodes` nodes; `with` has the memo on, `without` not.
/// Panics at the first differing outcome.
fn cache_on_vs_off(seed: u64, nodes: usize, steps: u64, pdbs: &dyn PdbOracle) -> Run {
    let mut r = rng(seed);
    let mut tw = TestWorld::new();
    for i in 0..nodes {
        let cpu = [4_000, 4_000, 6_000, 8_000][r.random_range(0..4usize)];
        let pods = [6, 12, 110][r.random_range(0..3usize)];
        tw.node(&format!("n{i}"), ["a", "b", "c"][i % 3], cpu, 16 * GI, pods);
    }
    let mk = |tw: &mut TestWorld, name: &str, prio: i32, cpu: i64, mem: i64| {
        let mut t = tw.template(name, cpu, mem);
        t.priority = prio;
        tw.add_template(t, &[])
    };
    // Fillers of three priorities and sizes; preemptors of higher priorities, two of them of
    // the same shape (one scheduling signature), one that may not preempt.
    let fillers = [
        mk(&mut tw, "f0", 0, 500, GI),
        mk(&mut tw, "f1", 1, 1_000, 2 * GI),
        mk(&mut tw, "f2", 2, 750, GI / 2),
    ];
    let mut never = tw.template("never", 3_000, GI);
    never.priority = 9;
    never.preemption_never = true;
    let preemptors = [
        mk(&mut tw, "hi-a", 3, 2_500, 2 * GI),
        mk(&mut tw, "hi-b", 3, 2_500, 2 * GI),
        mk(&mut tw, "top", 5, 3_500, 4 * GI),
        mk(&mut tw, "mid", 2, 1_500, GI),
        mk(&mut tw, "huge", 4, 7_000, 8 * GI),
        tw.add_template(never, &[]),
    ];
    tw.finish();
    let taint = tw.taint("maint", "", TaintEffect::NoSchedule);
    for i in 0..nodes * 6 {
        let f = fillers[r.random_range(0..fillers.len())];
        let n = NodeId((i % nodes) as u32);
        let w = &tw.world;
        let req = &w.templates[f as usize].requests;
        let fits = (0..w.nodes.stride()).all(|x| w.nodes.alloc(n, x) - w.nodes.req(n, x) >= req[x]);
        if fits && (w.pods_on_node[n.ix()].len() as i64) < w.nodes.alloc(n, PODS) {
            tw.place_at(f, n, r.random_range(0..1_000));
        }
    }
    let cfg = SchedulerConfig::default();
    let mut with = Scheduler::new(cfg.clone(), &tw.world, rng(seed + 1));
    with.set_failure_memo(true);
    let mut without = Scheduler::new(cfg, &tw.world, rng(seed + 1));
    let mut nominated: Vec<PodId> = Vec::new();
    let mut preemptions = 0;
    for step in 0..steps {
        // Between cycles: a node change (binds of a random filler, deletions, taints,
        // cordons, allocatable changes) most of the time.
        if r.random_range(0..4u32) != 0 {
            let f = fillers[r.random_range(0..fillers.len())];
            tw.random_node_change(&mut r, f, taint, 1_000 + step);
        }
        nominated.retain(|&p| tw.world.pods.get(p).is_some_and(|p| p.node.is_none()));
        let pod = if !nominated.is_empty() && r.random_range(0..4u32) == 0 {
            nominated[r.random_range(0..nominated.len())]
        } else {
            tw.pod(preemptors[r.random_range(0..preemptors.len())])
        };
        let a = with.schedule_with_pdbs(&tw.world, pod, pdbs);
        let b = without.schedule_with_pdbs(&tw.world, pod, pdbs);
        assert_eq!(a, b, "seed {seed}, step {step}");
        if let Outcome::Unschedulable {
            nominated: Some(_), ..
        } = &a
        {
            preemptions += 1;
            nominated.push(pod);
        }
        tw.apply_outcome(pod, a, 1_000 + step);
    }
    assert_eq!(without.preemption_cache_hits(), 0, "memo off: no cache");
    Run {
        preemptions,
        cache_hits: with.preemption_cache_hits(),
    }
}

#[test]
fn cached_victim_selection_equals_the_full_one() {
    let (mut preemptions, mut hits) = (0, 0);
    for seed in 0..6 {
        let run = cache_on_vs_off(seed, 6 + 3 * seed as usize, 2_000, &NoPdbs);
        preemptions += run.preemptions;
        hits += run.cache_hits;
    }
    // The comparison means something only if preemption happened and the cache answered.
    assert!(preemptions > 500, "{preemptions} preemptions");
    assert!(hits > 2_000, "{hits} cache hits");
}

/// With an oracle that reports violations the dry run does not use the cache (the failure
/// memo's per-node verdicts, which ask no oracle, still do); decisions are unchanged.
#[test]
fn victim_cache_with_violating_budgets_changes_nothing() {
    let run = cache_on_vs_off(11, 12, 1_500, &EveryThird);
    assert!(run.preemptions > 50, "{} preemptions", run.preemptions);
}
