//! DefaultPreemption, the PostFilter run when no node fits
//! (`framework/preemption/preemption.go`, `plugins/defaultpreemption/default_preemption.go`).
//!
//! Candidates are the nodes whose filter failure was resolvable. A dry run starts at a random
//! offset and stops once `max(N·10 %, 100)` candidates (capped at N) were found, at least one
//! without PDB violations. On each node all lower-priority pods are removed, the filters re-run,
//! and victims are reprieved in importance order (PDB-violating ones first). The best node is
//! picked by: fewest PDB violations, lowest highest-victim priority, lowest priority sum, fewest
//! victims, latest earliest start among the highest-priority victims, then candidate order.

use rand::RngExt;

use super::cache::StaticFail;
use super::cycle::Scheduler;
use super::filter::{
    dynamic_filters, fit_error_message_from, reasons_histogram, reasons_histogram_counted, Adjust,
    Fail,
};
use super::preempt_cache::{Cand, DryRunScratch, NodeScratch, Rank};
use super::Outcome;
use crate::cluster::{NodeId, PodId, TemplateId, World};

/// PodDisruptionBudget hook for preemption.
///
/// Upstream `filterPodsWithPDBViolation`: given the potential victims of one node in
/// importance order, mark those whose eviction (together with the earlier ones) would drive a
/// matching budget's `disruptionsAllowed` below zero.
pub trait PdbOracle {
    /// Fills `violating[i]` for `pods[i]` (resized by the implementation to `pods.len()`).
    fn violating(&self, world: &World, pods: &[PodId], violating: &mut Vec<bool>);

    /// Whether this oracle reports no violation for any pods whatever the budgets' state
    /// (then preemption results may be reused across cycles, `preempt_cache.rs`).
    fn never_violates(&self) -> bool {
        false
    }
}

/// No PodDisruptionBudgets: nothing is ever violating.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoPdbs;

impl PdbOracle for NoPdbs {
    fn violating(&self, _world: &World, pods: &[PodId], violating: &mut Vec<bool>) {
        violating.clear();
        violating.resize(pods.len(), false);
    }

    fn never_violates(&self) -> bool {
        true
    }
}

/// Why a pod may not preempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Ineligible {
    /// The profile's DefaultPreemption is disabled.
    Disabled,
    /// The pod's `preemptionPolicy` is `Never`.
    PolicyNever,
}

impl Ineligible {
    /// Upstream's text after the FitError message for `preemptionPolicy: Never`.
    pub(super) const NEVER: &'static str = "not eligible due to preemptionPolicy=Never..";
}

/// The candidate the dry run chose.
#[derive(Clone, Debug)]
pub(super) struct Candidate {
    pub(super) node: NodeId,
    /// Victims, most important first.
    pub(super) victims: Vec<PodId>,
}

/// One node's victim selection; the victims were appended to the caller's buffer.
#[derive(Clone, Copy, Debug)]
pub(super) struct Selected {
    /// Number of victims appended.
    pub(super) len: usize,
    /// The victims' rank for `pickOneNodeForPreemption` (`rank[0]` is −PDB violations).
    rank: Rank,
}

/// Upstream `calculateNumCandidates`: `max(n·pct/100, abs)`, capped at `n`.
pub(crate) fn num_candidates(n: usize, pct: u32, abs: u32) -> usize {
    let mut c = n * pct as usize / 100;
    if c < abs as usize {
        c = abs as usize;
    }
    c.min(n)
}

/// `MoreImportantPod` sort key: higher priority first, then earlier start (unstarted last),
/// then id for determinism.
fn importance_key(world: &World, p: PodId) -> (i64, u64, PodId) {
    let pod = world.pods.get(p).expect("victim is live");
    let prio = world.templates[pod.template as usize].priority;
    (-i64::from(prio), pod.started.map_or(u64::MAX, |s| s.0), p)
}

fn priority_of(world: &World, p: PodId) -> i32 {
    world.template_of(p).priority
}

/// The candidate's scores of upstream `pickOneNodeForPreemption`, in its order (fewest PDB
/// violations, lowest priority of the first victim, lowest priority sum, fewest victims, latest
/// earliest start among the highest-priority victims), each as "higher is better".
fn pick_rank(world: &World, victims: &[PodId], pdb_violations: i64) -> Rank {
    let Some(&first) = victims.first() else {
        // Not a candidate (the dry run skips nodes without victims).
        return [-pdb_violations, 0, 0, 0, 0];
    };
    let start = |p: PodId| {
        world
            .pods
            .get(p)
            .and_then(|x| x.started)
            .map_or(i64::MAX, |s| s.0 as i64)
    };
    // GetEarliestPodStartTime: earliest start among the highest-priority victims.
    let first_prio = priority_of(world, first);
    let (mut max_p, mut earliest, mut sum) = (first_prio, start(first), 0i64);
    for &v in victims {
        let p = priority_of(world, v);
        sum += i64::from(p) + i64::from(i32::MAX) + 1;
        if p == max_p {
            earliest = earliest.min(start(v));
        } else if p > max_p {
            max_p = p;
            earliest = start(v);
        }
    }
    [
        -pdb_violations,
        -i64::from(first_prio),
        -sum,
        -(victims.len() as i64),
        earliest,
    ]
}

/// Upstream `pickOneNodeForPreemption` over candidates with at least one victim each, in
/// candidate order: each criterion in turn keeps the candidates with its best score, ties left
/// after the last go to the first, i.e. the first candidate with the lexicographically
/// greatest rank.
fn pick_one<'a>(cands: impl Iterator<Item = &'a Cand>) -> Option<&'a Cand> {
    let mut best: Option<&Cand> = None;
    for c in cands {
        if best.is_none_or(|b| c.rank > b.rank) {
            best = Some(c);
        }
    }
    best
}

impl Scheduler {
    /// PostFilter after a cycle found no feasible node: the FitError message and, if enabled
    /// and eligible, preemption. `start` is the cycle's start index (every node was examined,
    /// `sc.failures[i]` is `node_order[(start + i) % N]`).
    pub(super) fn post_filter(
        &mut self,
        world: &World,
        pod: PodId,
        start: usize,
        pdbs: &dyn PdbOracle,
    ) -> Outcome {
        let n_all = world.node_order.len();
        self.sc.pstatus.clear();
        let msg =
            fit_error_message_from(n_all, reasons_histogram_counted(world, self.fail_counts()));
        let unschedulable = |reason: String| Outcome::Unschedulable {
            reason,
            nominated: None,
            victims: Vec::new(),
        };
        match self.preemption_ineligible(world) {
            Some(Ineligible::Disabled) => return unschedulable(msg),
            Some(Ineligible::PolicyNever) => {
                return unschedulable(format!("{msg} {}", Ineligible::NEVER));
            }
            None => {}
        }
        // A failed preemption clears any earlier nomination (upstream nominates "").
        self.forget_nomination(pod);
        match self.preemption_dry_run(world, start, pdbs, false) {
            Err(why) => unschedulable(format!("{msg} {why}")),
            Ok(c) => {
                self.record_nomination(world, pod, c.node);
                Outcome::Unschedulable {
                    reason: msg,
                    nominated: Some(c.node),
                    victims: c.victims,
                }
            }
        }
    }

    /// The cycle's failures (`sc.failures`) counted per status, in first-seen order (the
    /// FitError histogram's input; runs of equal statuses are counted without a search).
    fn fail_counts(&mut self) -> std::vec::Drain<'_, (Fail, usize)> {
        let counts = &mut self.memo.preempt.dry.counts;
        counts.clear();
        let mut last = 0;
        for &(_, f) in &self.sc.failures {
            match counts.get_mut(last) {
                Some(e) if e.0 == f => e.1 += 1,
                _ => match counts.iter().position(|e| e.0 == f) {
                    Some(i) => {
                        counts[i].1 += 1;
                        last = i;
                    }
                    None => {
                        last = counts.len();
                        counts.push((f, 1));
                    }
                },
            }
        }
        counts.drain(..)
    }

    /// Why the prepared pod may not preempt (upstream `PodEligibleToPreemptOthers` and the
    /// profile's PostFilter), or None when it may.
    pub(super) fn preemption_ineligible(&self, world: &World) -> Option<Ineligible> {
        if !self.profiles[self.prep.profile].preemption {
            Some(Ineligible::Disabled)
        } else if world.templates[self.prep.template as usize].preemption_never {
            Some(Ineligible::PolicyNever)
        } else {
            None
        }
    }

    /// The preemption dry run for the prepared pod after a cycle that examined every node
    /// from `start` and found none feasible (upstream `findCandidates` + `SelectCandidate`):
    /// the chosen candidate (node and victims), or the upstream-style `preemption: 0/N nodes
    /// are available: …` message. Nominations are left alone; with `keep_rng` the random
    /// offset is drawn from a copy of the scheduler's RNG, so `explain` changes nothing.
    pub(super) fn preemption_dry_run(
        &mut self,
        world: &World,
        start: usize,
        pdbs: &dyn PdbOracle,
        keep_rng: bool,
    ) -> Result<Candidate, String> {
        let mut d = std::mem::take(&mut self.memo.preempt.dry);
        let r = self.dry_run_with(world, start, pdbs, keep_rng, &mut d);
        self.memo.preempt.dry = d;
        r
    }

    fn dry_run_with(
        &mut self,
        world: &World,
        start: usize,
        pdbs: &dyn PdbOracle,
        keep_rng: bool,
        d: &mut DryRunScratch,
    ) -> Result<Candidate, String> {
        let n_all = world.node_order.len();
        d.nodes.clear();
        d.statuses.clear();
        d.clean.clear();
        d.violating.clear();
        d.victims.clear();
        // nodesWherePreemptionMightHelp, in node_order.
        debug_assert_eq!(self.sc.failures.len(), n_all);
        // `failures[i]` is `node_order[(start + i) % N]`: node order starts at index N − start.
        let (wrapped, first) = self.sc.failures.split_at((n_all - start % n_all) % n_all);
        for &(n, f) in first.iter().chain(wrapped) {
            if f.unresolvable() {
                d.statuses.push(Fail::NotHelpful);
            } else {
                d.nodes.push(n);
            }
        }
        let none_available = |statuses: &[Fail]| {
            let h = reasons_histogram(world, statuses.iter().copied());
            format!("preemption: 0/{n_all} nodes are available: {h}..")
        };
        if d.nodes.is_empty() {
            return Err(none_available(&d.statuses));
        }
        let prof = &self.profiles[self.prep.profile];
        let n_potential = d.nodes.len();
        let want = num_candidates(n_potential, prof.min_candidate_pct, prof.min_candidate_abs);
        let offset = if keep_rng {
            self.rng.clone().random_range(0..n_potential)
        } else {
            self.rng.random_range(0..n_potential)
        };
        for i in 0..n_potential {
            let j = offset + i;
            let n = d.nodes[if j < n_potential { j } else { j - n_potential }];
            let at = d.victims.len();
            match self.select_victims_on_node(world, n, pdbs, &mut d.victims) {
                Ok(s) if s.len == 0 => {}
                Ok(s) => {
                    let c = Cand {
                        node: n,
                        start: at,
                        len: s.len,
                        rank: s.rank,
                    };
                    if s.rank[0] == 0 {
                        d.clean.push(c);
                    } else {
                        d.violating.push(c);
                    }
                    if !d.clean.is_empty() && d.clean.len() + d.violating.len() >= want {
                        break;
                    }
                }
                Err(f) => {
                    d.statuses.push(f);
                    self.sc.pstatus.push((n, f));
                }
            }
        }
        match pick_one(d.clean.iter().chain(&d.violating)) {
            None => Err(none_available(&d.statuses)),
            Some(c) => Ok(Candidate {
                node: c.node,
                victims: d.victims[c.start..c.start + c.len].to_vec(),
            }),
        }
    }

    /// Whether preemption on `n` would evict anything (Ok: the number of victims), or the
    /// node's status when it cannot help, for the failure memo's per-node verdict.
    pub(super) fn victims_on_node(
        &mut self,
        world: &World,
        n: NodeId,
        pdbs: &dyn PdbOracle,
    ) -> Result<usize, Fail> {
        let mut buf = std::mem::take(&mut self.memo.preempt.node.victims);
        buf.clear();
        let r = self.select_victims_on_node(world, n, pdbs, &mut buf);
        self.memo.preempt.node.victims = buf;
        r.map(|s| s.len)
    }

    /// Upstream `SelectVictimsOnNode`: remove every lower-priority pod, check the pod fits,
    /// then reprieve victims (PDB-violating first, each group most important first) while it
    /// still fits. The victims are appended to `out`; Err is the node's status when
    /// preemption cannot help there.
    pub(super) fn select_victims_on_node(
        &mut self,
        world: &World,
        n: NodeId,
        pdbs: &dyn PdbOracle,
        out: &mut Vec<PodId>,
    ) -> Result<Selected, Fail> {
        let prio = self.prep.priority;
        let ix = n.ix();
        // Named optimisation (exact): the lowest priority among the node's pods, remembered
        // with the node's version (`verdicts.rs`; bumped by every bind and unbind there), so a
        // node without any lower-priority pod answers NoVictims without reading its pods.
        let memo = self.memo.enabled();
        if memo {
            if self.lowest_prio.len() < world.nodes.len() {
                self.lowest_prio.resize(world.nodes.len(), (u32::MAX, 0));
            }
            let (ver, lowest) = self.lowest_prio[ix];
            if ver == self.verdicts.ver[ix] && lowest >= prio {
                return Err(Fail::NoVictims);
            }
        }
        // Named optimisation (exact): the whole selection remembered per (signature, node)
        // with the node's version (`preempt_cache.rs` says when it holds).
        let cacheable =
            memo && self.prep.cache && self.nominated_count[ix] == 0 && pdbs.never_violates();
        if cacheable {
            let ver = self.verdicts.ver[ix];
            if let Some(hit) = self.memo.preempt.cache.get(self.prep.sig, ix, ver) {
                return hit.map(|(victims, rank)| {
                    out.extend_from_slice(victims);
                    Selected {
                        len: victims.len(),
                        rank,
                    }
                });
            }
        }
        let at = out.len();
        let mut ns = std::mem::take(&mut self.memo.preempt.node);
        let r = self.select_victims_uncached(world, n, pdbs, out, &mut ns);
        self.memo.preempt.node = ns;
        if cacheable {
            let ver = self.verdicts.ver[ix];
            let n_nodes = world.nodes.len();
            let cache = &mut self.memo.preempt.cache;
            match r {
                // Answered by the lowest-priority shortcut from now on.
                Err(Fail::NoVictims) => {}
                Err(f) => cache.store(self.prep.sig, ix, ver, n_nodes, Err(f)),
                Ok(s) => cache.store(self.prep.sig, ix, ver, n_nodes, Ok((&out[at..], s.rank))),
            }
        }
        r
    }

    /// [`Scheduler::select_victims_on_node`] without the per-(signature, node) cache.
    fn select_victims_uncached(
        &mut self,
        world: &World,
        n: NodeId,
        pdbs: &dyn PdbOracle,
        out: &mut Vec<PodId>,
        ns: &mut NodeScratch,
    ) -> Result<Selected, Fail> {
        let prio = self.prep.priority;
        let ix = n.ix();
        // Every pod below our priority is removed; nominated pods with at least our priority
        // stay reserved on the node. `delta` tracks requested-resource changes, kept
        // incrementally while victims are reprieved; `removed` the removed pods' templates (a
        // multiset: the filters only count them).
        ns.potential.clear();
        ns.removed.clear();
        ns.delta.clear();
        ns.delta.resize(world.resources.len(), 0);
        let mut pods_delta = 0i64;
        let mut lowest = i32::MAX;
        for &p in &world.pods_on_node[ix] {
            let Some(pod) = world.pods.get(p) else {
                continue;
            };
            let tpl = &world.templates[pod.template as usize];
            lowest = lowest.min(tpl.priority);
            if tpl.priority < prio {
                ns.potential.push(p);
                ns.removed.push(pod.template);
                add_requests(&mut ns.delta, &tpl.requests, -1);
                pods_delta -= 1;
            }
        }
        if self.memo.enabled() {
            self.lowest_prio[ix] = (self.verdicts.ver[ix], lowest);
        }
        if ns.potential.is_empty() {
            return Err(Fail::NoVictims);
        }
        for nm in &self.nominations {
            if nm.node == n && nm.priority >= prio && Some(nm.pod) != self.prep.pod {
                pods_delta += 1;
                let req = &world.templates[nm.template as usize].requests;
                add_requests(&mut ns.delta, req, 1);
            }
        }
        // With every potential victim gone (the order does not matter yet).
        self.check_adjusted(world, n, &ns.delta, pods_delta, &ns.removed)?;
        // Keys are unique (they end with the pod id): an unstable sort orders as a stable one.
        ns.potential
            .sort_unstable_by_key(|&p| importance_key(world, p));
        pdbs.violating(world, &ns.potential, &mut ns.flags);
        ns.flags.resize(ns.potential.len(), false);
        let at = out.len();
        let mut pdb_violations = 0;
        // Reprieve the PDB-violating pods first, then the others, each most important first.
        for violating in [true, false] {
            for (&p, &v) in ns.potential.iter().zip(&ns.flags) {
                if v != violating {
                    continue;
                }
                // Add p back; if the pod no longer fits, p is a victim after all.
                let t = world.pods.get(p).expect("live").template;
                let pos = ns.removed.iter().position(|&r| r == t).expect("removed");
                ns.removed.swap_remove(pos);
                let req = &world.templates[t as usize].requests;
                add_requests(&mut ns.delta, req, 1);
                pods_delta += 1;
                if self
                    .check_adjusted(world, n, &ns.delta, pods_delta, &ns.removed)
                    .is_err()
                {
                    ns.removed.push(t);
                    add_requests(&mut ns.delta, req, -1);
                    pods_delta -= 1;
                    out.push(p);
                    if v {
                        pdb_violations += 1;
                    }
                }
            }
        }
        let victims = &mut out[at..];
        if ns.flags.iter().any(|&v| v) && ns.flags.iter().any(|&v| !v) {
            victims.sort_unstable_by_key(|&p| importance_key(world, p));
        }
        Ok(Selected {
            len: victims.len(),
            rank: pick_rank(world, victims, pdb_violations),
        })
    }

    /// All filters on `n` with requested resources changed by `delta` / `pods_delta` and the
    /// pods of `removed` templates gone (for pod-group counts).
    fn check_adjusted(
        &mut self,
        world: &World,
        n: NodeId,
        delta: &[i64],
        pods_delta: i64,
        removed: &[TemplateId],
    ) -> Result<(), Fail> {
        let prof = &self.profiles[self.prep.profile];
        let t = self.prep.template as usize;
        let key = (self.prep.sig as usize, t);
        let se = self
            .statics
            .get(&mut self.classes, world, prof, key, n.ix());
        if se.fail != StaticFail::Pass {
            return Err(Fail::from_static(world, se.fail, n).expect("static failure"));
        }
        let adj = Adjust {
            delta: Some(delta),
            pods_delta,
            removed,
        };
        match dynamic_filters(world, prof, &world.templates[t], &self.prep, n, &adj) {
            None => Ok(()),
            Some(f) => Err(f),
        }
    }
}

/// `acc += sign · requests`, element-wise.
fn add_requests(acc: &mut [i64], requests: &[i64], sign: i64) {
    for (a, q) in acc.iter_mut().zip(requests) {
        *a += sign * q;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn num_candidates_matches_upstream() {
        assert_eq!(num_candidates(7000, 10, 100), 700);
        assert_eq!(num_candidates(500, 10, 100), 100);
        assert_eq!(num_candidates(50, 10, 100), 50);
        assert_eq!(num_candidates(0, 10, 100), 0);
        assert_eq!(num_candidates(2000, 50, 100), 1000);
    }
}
