//! Scheduling signatures: pods whose scheduling-relevant content is equal are interchangeable
//! for the scheduler whatever workload they belong to (upstream has the same notion since
//! v1.34, `framework.PodSignature`, for opportunistic batching).
//!
//! The signature of a template is everything a cycle reads of the pod being scheduled:
//! requests (with the non-zero defaults), priority and preemption policy, scheduler profile,
//! tolerations, nodeSelector and node affinity, topology spread constraints, pod (anti-)affinity
//! terms, the existing pods' terms that select it and its pod-group memberships (how spread and
//! affinity count it), images and container count. Names, labels, namespace, owner and QoS
//! class are not read by any filter, score or the preemptor's side of preemption.
//!
//! The failure memo, the static-filter cache and the verdict cache are keyed on the signature,
//! so a failure found for one workload's pod answers the retry of another workload's pod of the
//! same shape. Results are identical with sharing on or off (test below).

use std::collections::HashMap;

use crate::cluster::{TemplateId, World};

/// Template → signature id, assigned in first-seen order.
#[derive(Default)]
pub(crate) struct Signatures {
    /// Sharing on (else a template is its own signature).
    pub enabled: bool,
    of: Vec<u32>,
    ids: HashMap<String, u32>,
}

/// Not yet computed.
const UNKNOWN: u32 = u32::MAX;

impl Signatures {
    /// The signature id of template `t` (`t` itself when sharing is off).
    #[inline]
    pub(crate) fn of(&mut self, world: &World, t: TemplateId) -> u32 {
        if !self.enabled {
            return t;
        }
        let ti = t as usize;
        if self.of.len() <= ti {
            self.of.resize(world.templates.len().max(ti + 1), UNKNOWN);
        }
        if self.of[ti] == UNKNOWN {
            self.of[ti] = self.assign(world, t);
        }
        self.of[ti]
    }

    #[cold]
    fn assign(&mut self, world: &World, t: TemplateId) -> u32 {
        let tpl = &world.templates[t as usize];
        // Debug text of the relevant fields: every one of them is plain data with a
        // deterministic, injective Debug rendering (vectors in order, interned symbols as ids).
        let key = format!(
            "{:?}|{}|{}|{}|{}|{}|{:?}|{:?}|{:?}|{:?}|{:?}|{}|{:?}|{:?}|{:?}|{}|{:?}",
            tpl.requests,
            tpl.nonzero_cpu,
            tpl.nonzero_mem,
            tpl.priority,
            tpl.preemption_never,
            tpl.profile,
            tpl.node_selector,
            tpl.required_node_affinity,
            tpl.preferred_node_affinity,
            tpl.tolerations,
            tpl.spread,
            tpl.spread_system_default,
            tpl.affinity,
            tpl.existing_terms,
            tpl.images,
            tpl.container_count,
            world.groups.groups_of(t),
        );
        let next = self.ids.len() as u32;
        *self.ids.entry(key).or_insert(next)
    }

    /// Empty, with sharing `enabled` or not.
    pub(crate) fn new(enabled: bool) -> Self {
        Signatures {
            enabled,
            ..Default::default()
        }
    }

    /// Number of distinct signatures seen.
    #[cfg(test)]
    pub(crate) fn count(&self) -> usize {
        self.ids.len()
    }
}

#[cfg(test)]
mod tests {
    use rand::{RngExt, SeedableRng};

    use super::super::testutil::{TestWorld, GI};
    use super::super::{Scheduler, SchedulerConfig};
    use crate::cluster::taints::TaintEffect;
    use crate::cluster::NodeId;
    use crate::engine::SimRng;

    /// Workloads of equal shape (different names) under random node changes: schedulers with
    /// the memo keyed on the signature, on the template, and without the memo decide
    /// identically every time, and sharing answers more retries from the memo.
    #[test]
    fn signature_sharing_changes_no_outcome() {
        let mut tw = TestWorld::new();
        for i in 0..8 {
            tw.node(&format!("n{i}"), ["a", "b", "c"][i % 3], 4_000, 16 * GI, 12);
        }
        let mut filler = tw.template("filler", 500, GI);
        filler.priority = -10;
        let filler = tw.add_template(filler, &[]);
        let mut shapes = Vec::new();
        for w in 0..3 {
            shapes.push(tw.add_template(tw.template(&format!("big{w}"), 3_000, 4 * GI), &[]));
            let mut low = tw.template(&format!("low{w}"), 2_500, 2 * GI);
            low.priority = -20;
            shapes.push(tw.add_template(low, &[]));
            let mut never = tw.template(&format!("never{w}"), 3_500, GI);
            never.preemption_never = true;
            shapes.push(tw.add_template(never, &[]));
        }
        tw.finish();
        let taint = tw.taint("maint", "", TaintEffect::NoSchedule);
        let n_nodes = tw.world.nodes.len();
        for i in 0..n_nodes * 7 {
            tw.place(filler, NodeId((i % n_nodes) as u32));
        }
        let cfg = SchedulerConfig::default();
        let seed = SimRng::seed_from_u64(9);
        let mut shared = Scheduler::new(cfg.clone(), &tw.world, seed.clone());
        shared.set_failure_memo(true);
        let mut per_tpl = Scheduler::new(cfg.clone(), &tw.world, seed.clone());
        per_tpl.set_failure_memo(true);
        per_tpl.set_signature_sharing(false);
        let mut full = Scheduler::new(cfg, &tw.world, seed);
        let mut rng = SimRng::seed_from_u64(5);
        for step in 0..3_000u64 {
            tw.random_node_change(&mut rng, filler, taint, step);
            let pod = tw.pod(shapes[rng.random_range(0..shapes.len())]);
            let a = shared.schedule(&tw.world, pod);
            assert_eq!(a, per_tpl.schedule(&tw.world, pod), "step {step}");
            assert_eq!(a, full.schedule(&tw.world, pod), "step {step}");
            tw.apply_outcome(pod, a, step);
        }
        assert_eq!(shared.sigs.count(), 3, "three shapes");
        let (hs, ht) = (shared.failure_memo_hits(), per_tpl.failure_memo_hits());
        assert!(hs > ht, "sharing: {hs} memo hits, per template: {ht}");
    }
}
