//! Exact failure memo: "no node fits a pod of this template and preemption finds no candidate".
//!
//! Under a persistent backlog every released pod moves every unschedulable pod back to the
//! queue (upstream's NodeResourcesFit queueing hint answers `Queue` to any deletion of an
//! assigned pod), and each retry is a full cycle: every node filtered, then a preemption dry run
//! over every node where removing pods might help. The outcome of such a cycle is a function of
//! the template and the cluster state only (a pod with no nomination of its own is
//! interchangeable with any other pod of its template), so the scheduler remembers it per
//! template, with each node's verdict:
//!
//! * For a *node-local* template (no hard topology spread, no required pod affinity, required
//!   anti-affinity terms only by hostname) a node's verdict (filter status and preemption
//!   status) depends on that node alone: its allocatable, its pods, its taints and cordon, and
//!   the nominations on it. A retry re-evaluates only the nodes recorded in
//!   `World::node_changes` since the memo was last checked; if none became feasible or a
//!   preemption candidate, the cycle's outcome is the recorded failure with the reason
//!   histogram updated from the changed nodes' new statuses.
//! * Any other template reuses its memo only if no node changed at all.
//! * A change of the scheduler's nominations, of the node count, or a lag beyond the change
//!   log (or beyond one full scan) drops the memo and runs the full cycle.
//!
//! Everything a full failing cycle does besides its outcome is replayed: the rotating start
//! index is unchanged by a cycle that examines every node, and the preemption dry run's random
//! offset is still drawn from the scheduler stream with the same bound, so the stream stays
//! aligned with a run without the memo (results are byte-identical; the property test in
//! `sim::tests` compares whole runs with the memo on and off).
//!
//! The memo is off by default (a `Scheduler` used on its own may see node fields written
//! without `World::mark_node_changed`); the simulation turns it on.

use rand::RngExt;

use super::cycle::Scheduler;
use super::filter::{fit_error_message_from, reasons_histogram_counted, Fail};
use super::preempt::NoPdbs;
use super::preempt_cache::PreemptState;
use super::Outcome;
use crate::cluster::template::ExistingTermKind;
use crate::cluster::{NodeId, TemplateId, World};

/// How the failure message ends (as `post_filter` builds it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tail {
    /// Preemption disabled in the profile: the FitError message alone.
    None,
    /// `preemptionPolicy: Never`.
    Never,
    /// Preemption ran and found no candidate: its own histogram follows.
    Preemption,
}

/// One template's remembered failure.
struct Entry {
    n_nodes: usize,
    /// `World::node_changes` total the entry reflects.
    cursor: u64,
    /// Nomination epoch the entry reflects.
    nom_epoch: u64,
    /// Node verdicts depend on their own node only.
    local: bool,
    tail: Tail,
    /// Per node id: filter status, preemption status (None: the dry run left no status).
    per_node: Vec<(Fail, Option<Fail>)>,
    fails: Vec<(Fail, usize)>,
    statuses: Vec<(Fail, usize)>,
    /// Nodes whose filter status is resolvable (preemption's potential nodes).
    n_resolvable: usize,
    /// The message for the current counts (None: rebuild).
    reason: Option<String>,
    /// Nodes found feasible at the last check (their `per_node` entry is stale): a full cycle
    /// ran and (most likely) bound the pod; they are checked again before the next replay.
    recheck: Vec<NodeId>,
}

fn bump(counts: &mut Vec<(Fail, usize)>, f: Fail, up: bool) {
    match counts.iter_mut().find(|(g, _)| *g == f) {
        Some(e) if up => e.1 += 1,
        Some(e) => e.1 -= 1,
        None => {
            debug_assert!(up, "memo: decrementing a status never counted");
            counts.push((f, 1));
        }
    }
}

/// [`bump`] up for a run of statuses, most of them equal to their predecessor: `hint` is
/// the index of the last one counted.
fn bump_up_hinted(counts: &mut Vec<(Fail, usize)>, f: Fail, hint: &mut usize) {
    if let Some(e) = counts.get_mut(*hint).filter(|e| e.0 == f) {
        e.1 += 1;
        return;
    }
    bump(counts, f, true);
    *hint = counts.iter().position(|e| e.0 == f).expect("just counted");
}

impl Entry {
    fn set(&mut self, n: NodeId, v: (Fail, Option<Fail>)) {
        let old = self.per_node[n.ix()];
        if old == v {
            return;
        }
        self.per_node[n.ix()] = v;
        self.reason = None;
        if old.0 != v.0 {
            bump(&mut self.fails, old.0, false);
            bump(&mut self.fails, v.0, true);
            self.n_resolvable += usize::from(!v.0.unresolvable());
            self.n_resolvable -= usize::from(!old.0.unresolvable());
        }
        if old.1 != v.1 {
            if let Some(s) = old.1 {
                bump(&mut self.statuses, s, false);
            }
            if let Some(s) = v.1 {
                bump(&mut self.statuses, s, true);
            }
        }
    }

    fn build_reason(&self, world: &World) -> String {
        let n_all = self.n_nodes;
        let msg = fit_error_message_from(
            n_all,
            reasons_histogram_counted(world, self.fails.iter().copied()),
        );
        match self.tail {
            Tail::None => msg,
            Tail::Never => format!("{msg} not eligible due to preemptionPolicy=Never.."),
            Tail::Preemption => {
                let h = reasons_histogram_counted(world, self.statuses.iter().copied());
                format!("{msg} preemption: 0/{n_all} nodes are available: {h}..")
            }
        }
    }
}

/// A node's verdict for the prepared pod.
enum Verdict {
    /// Passes every filter: the memo no longer holds.
    Fits,
    /// Preemption could make room here: the memo no longer holds.
    Candidate,
    /// Filter status and preemption status.
    Fails(Fail, Option<Fail>),
}

/// Per-template failure memos and the nomination epoch they are checked against.
#[derive(Default)]
pub(crate) struct FailMemo {
    enabled: bool,
    entries: Vec<Option<Box<Entry>>>,
    /// Nodes to check in one replay (reused buffer).
    pending: Vec<NodeId>,
    /// Bumped whenever the scheduler's nominations change.
    nom_epoch: u64,
    hits: u64,
    /// Preemption's per-(signature, node) victim cache (read and written only while the memo
    /// is on) and the dry run's buffers (`preempt_cache.rs`).
    pub(crate) preempt: PreemptState,
}

impl FailMemo {
    /// The scheduler's nominations changed.
    #[inline]
    pub(crate) fn nominations_changed(&mut self) {
        self.nom_epoch += 1;
    }

    /// Whether the memo is on.
    #[inline]
    pub(crate) fn enabled(&self) -> bool {
        self.enabled
    }
}

impl Scheduler {
    /// Turns the exact failure memo on or off (see the `memo` module). Turn it on only if every
    /// change to a node field the filters read is recorded in `World::node_changes` (the
    /// simulation guarantees this; `World` methods record binds, releases and taints).
    ///
    /// With the memo on, templates with equal scheduling signatures share the memo and the
    /// caches (`signature.rs`); see [`Scheduler::set_signature_sharing`].
    pub fn set_failure_memo(&mut self, on: bool) {
        self.memo.enabled = on;
        if !on {
            self.memo.entries.clear();
        }
        // Node versions are kept only while the memo is on: start the caches keyed on them
        // afresh.
        self.memo.preempt.cache.clear();
        self.lowest_prio.clear();
        self.set_signature_sharing(on);
    }

    /// Keys the failure memo and the static-filter and verdict caches on the scheduling
    /// signature (on) or on the template (off). Outcomes are identical either way.
    pub fn set_signature_sharing(&mut self, on: bool) {
        if self.sigs.enabled == on {
            return;
        }
        // Cache keys change meaning: start afresh.
        self.sigs = super::signature::Signatures::new(on);
        self.memo.entries.clear();
        self.statics = Default::default();
        self.verdicts = Default::default();
        self.memo.preempt.cache.clear();
        self.lowest_prio.clear();
    }

    /// Cycles answered from the failure memo so far.
    pub fn failure_memo_hits(&self) -> u64 {
        self.memo.hits
    }

    /// Preemption victim selections answered from the per-(signature, node) cache so far.
    pub fn preemption_cache_hits(&self) -> u64 {
        self.memo.preempt.cache.hits()
    }

    /// Whether the prepared template's node verdicts depend on their own node only.
    fn memo_local(&self, world: &World) -> bool {
        let prof = &self.profiles[self.prep.profile];
        if !self.prep.hard.is_empty() {
            return false;
        }
        if !(prof.filter_interpod && self.prep.aff_active) {
            return true;
        }
        let tpl = &world.templates[self.prep.template as usize];
        let Some(host) = self.topo.hostname_key.filter(|_| self.topo.host_identity) else {
            return false;
        };
        tpl.affinity.required.is_empty()
            && tpl.affinity.anti_required.iter().all(|t| t.key == host)
            && tpl
                .existing_terms
                .iter()
                .filter(|e| e.kind == ExistingTermKind::RequiredAntiAffinity)
                .all(|e| e.key == host)
    }

    fn tail(&self, world: &World) -> Tail {
        if !self.profiles[self.prep.profile].preemption {
            Tail::None
        } else if world.templates[self.prep.template as usize].preemption_never {
            Tail::Never
        } else {
            Tail::Preemption
        }
    }

    /// Node `n`'s verdict for the prepared pod, as a full cycle would reach it.
    fn node_verdict(&mut self, world: &World, n: NodeId, tail: Tail) -> Verdict {
        let f = match self.filter_node(world, n) {
            Ok(_) => return Verdict::Fits,
            Err(f) => f,
        };
        if tail != Tail::Preemption {
            return Verdict::Fails(f, None);
        }
        if f.unresolvable() {
            return Verdict::Fails(f, Some(Fail::NotHelpful));
        }
        // Whether a node is a candidate does not depend on PodDisruptionBudgets (they only
        // order the reprieve), so the dry run without them decides it.
        match self.victims_on_node(world, n, &NoPdbs) {
            Err(g) => Verdict::Fails(f, Some(g)),
            Ok(0) => Verdict::Fails(f, None),
            Ok(_) => Verdict::Candidate,
        }
    }

    /// The remembered outcome for the prepared pod (signature `t`, no nomination of its own),
    /// if it still holds. Call after `begin` and `prepare`.
    pub(super) fn memo_replay(&mut self, world: &World, t: TemplateId) -> Option<Outcome> {
        let ti = t as usize;
        let mut e = self.memo.entries.get_mut(ti)?.take()?;
        let n_all = world.node_order.len();
        let total = world.node_changes.total();
        if e.n_nodes != n_all || world.nodes.len() != n_all || e.nom_epoch != self.memo.nom_epoch {
            return None;
        }
        if e.cursor != total || !e.recheck.is_empty() {
            if !e.local || total - e.cursor > n_all as u64 {
                return None;
            }
            let mut pending = std::mem::take(&mut self.memo.pending);
            pending.clear();
            pending.append(&mut e.recheck);
            pending.extend(world.node_changes.since(e.cursor)?);
            e.cursor = total;
            for &n in &pending {
                match self.node_verdict(world, n, e.tail) {
                    Verdict::Fails(f, s) => e.set(n, (f, s)),
                    Verdict::Fits => {
                        if !e.recheck.contains(&n) {
                            e.recheck.push(n);
                        }
                    }
                    Verdict::Candidate => {
                        self.memo.pending = pending;
                        return None;
                    }
                }
            }
            self.memo.pending = pending;
            if !e.recheck.is_empty() {
                // Some node fits: the full cycle runs (and binds); the rest of the memo stays.
                self.memo.entries[ti] = Some(e);
                return None;
            }
        }
        if e.tail == Tail::Preemption && e.n_resolvable > 0 {
            // The dry run's random offset (`post_filter`), drawn as the full cycle would.
            let _ = self.rng.random_range(0..e.n_resolvable);
        }
        self.next_start_index %= n_all;
        if e.reason.is_none() {
            e.reason = Some(e.build_reason(world));
        }
        let reason = e.reason.clone().expect("just built");
        self.memo.entries[ti] = Some(e);
        self.memo.hits += 1;
        Some(Outcome::Unschedulable {
            reason,
            nominated: None,
            victims: Vec::new(),
        })
    }

    /// Remembers the failure a full cycle just reached for the prepared pod: every node
    /// examined (`sc.failures`), the preemption dry run's statuses (`sc.pstatus`), no
    /// nomination. `reason` is the outcome's message.
    pub(super) fn memo_record(&mut self, world: &World, t: TemplateId, reason: &str) {
        let n_all = world.node_order.len();
        if n_all != world.nodes.len() || self.sc.failures.len() != n_all {
            return;
        }
        let tail = self.tail(world);
        let mut e = match self.memo.entries.get_mut(t as usize).and_then(Option::take) {
            Some(mut e) => {
                e.per_node.clear();
                e.fails.clear();
                e.statuses.clear();
                e.recheck.clear();
                e
            }
            None => Box::new(Entry {
                n_nodes: 0,
                cursor: 0,
                nom_epoch: 0,
                local: false,
                tail,
                per_node: Vec::new(),
                fails: Vec::new(),
                statuses: Vec::new(),
                n_resolvable: 0,
                reason: None,
                recheck: Vec::new(),
            }),
        };
        e.n_nodes = n_all;
        e.cursor = world.node_changes.total();
        e.nom_epoch = self.memo.nom_epoch;
        e.local = self.memo_local(world);
        e.tail = tail;
        e.n_resolvable = 0;
        e.per_node.resize(n_all, (Fail::NotHelpful, None));
        let mut hint = 0;
        for &(n, f) in &self.sc.failures {
            let s = (tail == Tail::Preemption && f.unresolvable()).then_some(Fail::NotHelpful);
            e.per_node[n.ix()] = (f, s);
            e.n_resolvable += usize::from(!f.unresolvable());
            bump_up_hinted(&mut e.fails, f, &mut hint);
        }
        if tail == Tail::Preemption {
            for &(n, g) in &self.sc.pstatus {
                e.per_node[n.ix()].1 = Some(g);
            }
            let mut hint = 0;
            for &(_, s) in &e.per_node {
                if let Some(s) = s {
                    bump_up_hinted(&mut e.statuses, s, &mut hint);
                }
            }
        }
        debug_assert_eq!(e.build_reason(world), reason, "memo message differs");
        e.reason = Some(reason.to_string());
        if self.memo.entries.len() <= t as usize {
            self.memo.entries.resize_with(t as usize + 1, || None);
        }
        self.memo.entries[t as usize] = Some(e);
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

    /// Random node mutations (binds, deletions, taints, cordons, allocatable changes) between
    /// cycles: a scheduler with the memo and one without decide identically every time.
    #[test]
    fn memo_and_full_cycles_agree_through_every_kind_of_node_change() {
        let mut tw = TestWorld::new();
        for i in 0..8 {
            let zone = ["a", "b", "c"][i % 3];
            tw.node(&format!("n{i}"), zone, 4_000, 16 * GI, 12);
        }
        let mut filler = tw.template("filler", 500, GI);
        filler.priority = -10;
        let filler = tw.add_template(filler, &[]);
        let big = tw.add_template(tw.template("big", 3_000, 4 * GI), &[]);
        let mut low = tw.template("low", 2_500, 2 * GI);
        low.priority = -20;
        let low = tw.add_template(low, &[]);
        let mut never = tw.template("never", 3_500, GI);
        never.preemption_never = true;
        let never = tw.add_template(never, &[]);
        tw.finish();
        let taint = tw.taint("maint", "", TaintEffect::NoSchedule);
        let n_nodes = tw.world.nodes.len();
        for i in 0..n_nodes * 7 {
            tw.place(filler, NodeId((i % n_nodes) as u32));
        }
        let cfg = SchedulerConfig::default();
        let seed = SimRng::seed_from_u64(9);
        let mut with = Scheduler::new(cfg.clone(), &tw.world, seed.clone());
        with.set_failure_memo(true);
        let mut without = Scheduler::new(cfg, &tw.world, seed);
        let mut rng = SimRng::seed_from_u64(4);
        let (mut binds, mut failures) = (0, 0);
        for step in 0..3_000u64 {
            tw.random_node_change(&mut rng, filler, taint, step);
            let t = [big, big, low, never][rng.random_range(0..4usize)];
            let pod = tw.pod(t);
            let a = with.schedule(&tw.world, pod);
            let b = without.schedule(&tw.world, pod);
            assert_eq!(a, b, "step {step}");
            if tw.apply_outcome(pod, a, step) {
                binds += 1;
            } else {
                failures += 1;
            }
        }
        let hits = with.failure_memo_hits();
        assert!(
            binds > 100 && failures > 500,
            "{binds} binds, {failures} failures"
        );
        assert!(
            hits * 3 > failures,
            "{hits} memo hits of {failures} failures"
        );
        assert_eq!(without.failure_memo_hits(), 0);
    }
}
