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
use super::filter::{dynamic_filters, fit_error_message, reasons_histogram, Adjust, Fail};
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
}

/// No PodDisruptionBudgets: nothing is ever violating.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoPdbs;

impl PdbOracle for NoPdbs {
    fn violating(&self, _world: &World, pods: &[PodId], violating: &mut Vec<bool>) {
        violating.clear();
        violating.resize(pods.len(), false);
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

/// One preemption candidate.
#[derive(Clone, Debug)]
pub(super) struct Candidate {
    pub(super) node: NodeId,
    /// Victims, most important first.
    pub(super) victims: Vec<PodId>,
    pdb_violations: i64,
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

/// Upstream `pickOneNodeForPreemption` over candidates (all with at least one victim).
fn pick_one(world: &World, cands: &[Candidate]) -> usize {
    if let Some(i) = cands.iter().position(|c| c.victims.is_empty()) {
        return i;
    }
    let earliest_start = |c: &Candidate| -> i64 {
        // GetEarliestPodStartTime: earliest start among the highest-priority victims.
        let mut max_p = priority_of(world, c.victims[0]);
        let start = |p: PodId| {
            world
                .pods
                .get(p)
                .and_then(|x| x.started)
                .map_or(i64::MAX, |s| s.0 as i64)
        };
        let mut earliest = start(c.victims[0]);
        for &v in &c.victims {
            let p = priority_of(world, v);
            if p == max_p {
                earliest = earliest.min(start(v));
            } else if p > max_p {
                max_p = p;
                earliest = start(v);
            }
        }
        earliest
    };
    let score_fns: [&dyn Fn(&Candidate) -> i64; 5] = [
        &|c| -c.pdb_violations,
        &|c| -i64::from(priority_of(world, c.victims[0])),
        &|c| {
            -c.victims
                .iter()
                .map(|&v| i64::from(priority_of(world, v)) + i64::from(i32::MAX) + 1)
                .sum::<i64>()
        },
        &|c| -(c.victims.len() as i64),
        &earliest_start,
    ];
    let mut all: Vec<usize> = (0..cands.len()).collect();
    for f in score_fns {
        let mut best = i64::MIN;
        let mut selected: Vec<usize> = Vec::new();
        for &i in &all {
            let s = f(&cands[i]);
            if s > best {
                best = s;
                selected.clear();
            }
            if s == best {
                selected.push(i);
            }
        }
        if selected.len() == 1 {
            return selected[0];
        }
        all = selected;
    }
    all[0]
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
        let msg = fit_error_message(world, n_all, self.sc.failures.iter().map(|f| f.1));
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
        let n_all = world.node_order.len();
        // nodesWherePreemptionMightHelp, in node_order.
        let mut potential: Vec<NodeId> = Vec::new();
        let mut statuses: Vec<Fail> = Vec::new();
        debug_assert_eq!(self.sc.failures.len(), n_all);
        for j in 0..self.sc.failures.len() {
            let (n, f) = self.sc.failures[(j + n_all - start % n_all) % n_all];
            if f.unresolvable() {
                statuses.push(Fail::NotHelpful);
            } else {
                potential.push(n);
            }
        }
        let none_available = |statuses: Vec<Fail>| {
            let h = reasons_histogram(world, statuses.into_iter());
            format!("preemption: 0/{n_all} nodes are available: {h}..")
        };
        if potential.is_empty() {
            return Err(none_available(statuses));
        }
        let prof = &self.profiles[self.prep.profile];
        let want = num_candidates(
            potential.len(),
            prof.min_candidate_pct,
            prof.min_candidate_abs,
        );
        let offset = if keep_rng {
            self.rng.clone().random_range(0..potential.len())
        } else {
            self.rng.random_range(0..potential.len())
        };
        let mut non_violating: Vec<Candidate> = Vec::new();
        let mut violating: Vec<Candidate> = Vec::new();
        for i in 0..potential.len() {
            let n = potential[(offset + i) % potential.len()];
            match self.select_victims_on_node(world, n, pdbs) {
                Ok(c) if c.victims.is_empty() => {}
                Ok(c) => {
                    if c.pdb_violations == 0 {
                        non_violating.push(c);
                    } else {
                        violating.push(c);
                    }
                    if !non_violating.is_empty() && non_violating.len() + violating.len() >= want {
                        break;
                    }
                }
                Err(f) => {
                    statuses.push(f);
                    self.sc.pstatus.push((n, f));
                }
            }
        }
        non_violating.append(&mut violating);
        let mut cands = non_violating;
        if cands.is_empty() {
            return Err(none_available(statuses));
        }
        let best = pick_one(world, &cands);
        Ok(cands.swap_remove(best))
    }

    /// Upstream `SelectVictimsOnNode`: remove every lower-priority pod, check the pod fits,
    /// then reprieve victims (PDB-violating first, each group most important first) while it
    /// still fits. Err is the node's status when preemption cannot help there.
    pub(super) fn select_victims_on_node(
        &mut self,
        world: &World,
        n: NodeId,
        pdbs: &dyn PdbOracle,
    ) -> Result<Candidate, Fail> {
        let prio = self.prep.priority;
        let ix = n.ix();
        // Named optimisation (exact): the lowest priority among the node's pods, remembered
        // with the node's version (`verdicts.rs`; bumped by every bind and unbind there), so a
        // node without any lower-priority pod answers NoVictims without reading its pods.
        let lowest_known = self.memo.enabled();
        if lowest_known {
            if self.lowest_prio.len() < world.nodes.len() {
                self.lowest_prio.resize(world.nodes.len(), (u32::MAX, 0));
            }
            let (ver, lowest) = self.lowest_prio[ix];
            if ver == self.verdicts.ver[ix] && lowest >= prio {
                return Err(Fail::NoVictims);
            }
        }
        let mut lowest = i32::MAX;
        let mut potential: Vec<PodId> = world.pods_on_node[ix]
            .iter()
            .copied()
            .filter(|&p| match world.pods.get(p) {
                Some(pod) => {
                    let pr = world.templates[pod.template as usize].priority;
                    lowest = lowest.min(pr);
                    pr < prio
                }
                None => false,
            })
            .collect();
        if lowest_known {
            self.lowest_prio[ix] = (self.verdicts.ver[ix], lowest);
        }
        if potential.is_empty() {
            return Err(Fail::NoVictims);
        }
        potential.sort_by_key(|&p| importance_key(world, p));
        // Nominated pods with at least our priority stay reserved on the node; every pod
        // below our priority is removed. `delta` tracks requested-resource changes, kept
        // incrementally while victims are reprieved.
        let stride = world.resources.len();
        let mut delta = vec![0i64; stride];
        let mut pods_delta = 0i64;
        for nm in &self.nominations {
            if nm.node == n && nm.priority >= prio && Some(nm.pod) != self.prep.pod {
                pods_delta += 1;
                add_requests(
                    &mut delta,
                    &world.templates[nm.template as usize].requests,
                    1,
                );
            }
        }
        let mut removed: Vec<TemplateId> = Vec::with_capacity(potential.len());
        for &p in &potential {
            let t = world.pods.get(p).expect("live").template;
            removed.push(t);
            add_requests(&mut delta, &world.templates[t as usize].requests, -1);
            pods_delta -= 1;
        }
        self.check_adjusted(world, n, &delta, pods_delta, &removed)?;
        let mut flags = Vec::new();
        pdbs.violating(world, &potential, &mut flags);
        flags.resize(potential.len(), false);
        let order = potential
            .iter()
            .zip(&flags)
            .filter(|(_, &v)| v)
            .chain(potential.iter().zip(&flags).filter(|(_, &v)| !v));
        let mut victims = Vec::new();
        let mut pdb_violations = 0;
        for (&p, &v) in order {
            // Add p back; if the pod no longer fits, p is a victim after all.
            let t = world.pods.get(p).expect("live").template;
            let pos = removed.iter().position(|&r| r == t).expect("removed");
            removed.swap_remove(pos);
            let req = &world.templates[t as usize].requests;
            add_requests(&mut delta, req, 1);
            pods_delta += 1;
            if self
                .check_adjusted(world, n, &delta, pods_delta, &removed)
                .is_err()
            {
                removed.push(t);
                add_requests(&mut delta, req, -1);
                pods_delta -= 1;
                victims.push(p);
                if v {
                    pdb_violations += 1;
                }
            }
        }
        if flags.iter().any(|&v| v) && flags.iter().any(|&v| !v) {
            victims.sort_by_key(|&p| importance_key(world, p));
        }
        Ok(Candidate {
            node: n,
            victims,
            pdb_violations,
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
