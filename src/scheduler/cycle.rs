//! One scheduling cycle (`schedule_one.go`): pre-filter, sampled filtering from a rotating
//! start index, pre-score, score, normalise, `selectHost`. `schedule` and `explain`
//! (`explain.rs`) run the very same code; `explain` only reads more of the scratch space
//! afterwards. The per-node filter context is `filt.rs`, the score pass `prioritize.rs`, the
//! one-pass cycle `one_pass.rs`, the two-pass cycle `spread_pass.rs`, `selectHost` `select.rs`.

use super::cache::{NodeClasses, TemplateStatics};
use super::config::{num_feasible_nodes_to_find, ResolvedProfile, N_PLUGINS};
use super::filter::{Fail, Prep, SpreadState};
use super::memo::FailMemo;
use super::preempt::{NoPdbs, PdbOracle};
use super::select::{select_host, select_tie};
use super::signature::Signatures;
use super::spread::{InclusionCache, TopoCache};
use super::verdicts::VerdictCache;
use super::{Outcome, SchedulerConfig};
use crate::cluster::template::ExistingTermKind;
use crate::cluster::{NodeId, PodId, PodPhase, TemplateId, World, PODS};
use crate::engine::SimRng;

/// A preemption nomination this scheduler handed out and still honours (upstream: the
/// nominator's reservation of the preemptor's requests on the node).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Nomination {
    pub pod: PodId,
    pub node: NodeId,
    pub template: TemplateId,
    pub priority: i32,
}

/// Reusable per-cycle buffers (the hot path allocates nothing once these have grown).
#[derive(Default)]
pub(crate) struct Scratch {
    /// Feasible nodes in examination order.
    pub feasible: Vec<NodeId>,
    /// Static score inputs of each feasible node: (PreferNoSchedule count, node-affinity sum).
    pub feasible_static: Vec<(i32, i32)>,
    /// Examined nodes that failed, in examination order.
    pub failures: Vec<(NodeId, Fail)>,
    /// Preemption dry run: the status of each potential node that is no candidate.
    pub pstatus: Vec<(NodeId, Fail)>,
    /// Raw and normalised score per plugin per feasible node.
    pub raw: [Vec<i64>; N_PLUGINS],
    pub norm: [Vec<i64>; N_PLUGINS],
    /// Plugins skipped this cycle (disabled or PreScore Skip).
    pub skipped: [bool; N_PLUGINS],
    /// Weighted total per feasible node.
    pub total: Vec<i64>,
    /// PodTopologySpread ignored nodes (per feasible index).
    pub ignored: Vec<bool>,
    /// Soft spread constraints' state.
    pub soft: Vec<SpreadState>,
    /// Eligible nodes per domain (spread pre-filter).
    pub per_domain: Vec<u32>,
    /// Domain stamps for distinct-value counting.
    pub stamp: Vec<u32>,
    pub stamp_gen: u32,
    /// Requests reserved on the node being filtered by nominated pods.
    pub delta: Vec<i64>,
    /// Balanced-allocation fractions.
    pub fractions: Vec<f64>,
    /// PodTopologySpread float accumulator per feasible node.
    pub acc: Vec<f64>,
    /// One-pass cycle: the feasible indices holding the highest total, in order.
    pub ties: Vec<u32>,
    /// The two-pass cycle's spread cell per feasible node (`spread_pass.rs`).
    pub cells: Vec<u16>,
}

/// The scheduler: configuration, rotating start index, tie-break RNG and reusable scratch space.
pub struct Scheduler {
    pub(super) config: SchedulerConfig,
    pub(super) profiles: Vec<ResolvedProfile>,
    pub(super) rng: SimRng,
    pub(super) next_start_index: usize,
    pub(super) classes: NodeClasses,
    pub(super) statics: TemplateStatics,
    pub(super) topo: TopoCache,
    pub(super) incl: InclusionCache,
    pub(super) nominations: Vec<Nomination>,
    /// Live nominations per node.
    pub(super) nominated_count: Vec<u32>,
    pub(super) prep: Prep,
    pub(super) sc: Scratch,
    pub(super) memo: FailMemo,
    /// Use the fused fast path of the default profile's resource scores (`plugins/fused.rs`);
    /// off only in the test comparing it with the per-plugin path.
    pub(super) fuse: bool,
    /// Use the one-pass cycle (`one_pass.rs`) and the two-pass cycle (`spread_pass.rs`) when
    /// they apply; off only in the tests comparing them with the general cycle.
    pub(super) one_pass: bool,
    /// Cycles that ran in one pass (for tests and benchmarks).
    pub(super) one_pass_cycles: u64,
    /// Cycles that ran in two passes (for tests and benchmarks).
    pub(super) spread_pass_cycles: u64,
    /// Per-(template, node) verdicts and resource scores (on with the memo).
    pub(super) verdicts: VerdictCache,
    /// Template → scheduling signature (sharing on with the memo).
    pub(super) sigs: Signatures,
    /// Nodes the last `schedule` examined, as upstream would (see
    /// [`Scheduler::last_cycle_examined`]).
    pub(super) examined: usize,
    /// Per node id: (node version, lowest priority of a pod on the node), for the preemption
    /// dry run's NoVictims shortcut (`preempt.rs`; with the memo only).
    pub(super) lowest_prio: Vec<(u32, i32)>,
}

/// How many feasible nodes to look for and where to start.
#[derive(Clone, Copy)]
pub(super) struct Sampling {
    /// Index into `node_order` of the first node examined.
    pub start: usize,
    /// Stop after this many feasible nodes.
    pub to_find: usize,
}

impl Scheduler {
    /// A scheduler for `world` (caches are sized from it). `rng` is the tie-break/preemption stream.
    pub fn new(config: SchedulerConfig, world: &World, rng: SimRng) -> Self {
        assert!(
            world.resources.len() <= 64,
            "the scheduler supports at most 64 resources"
        );
        let profiles = ResolvedProfile::resolve_all(&config, world);
        let mut s = Scheduler {
            config,
            profiles,
            rng,
            next_start_index: 0,
            classes: NodeClasses::default(),
            statics: TemplateStatics::default(),
            topo: TopoCache::default(),
            incl: InclusionCache::default(),
            nominations: Vec::new(),
            nominated_count: Vec::new(),
            prep: Prep::default(),
            sc: Scratch::default(),
            memo: FailMemo::default(),
            fuse: true,
            one_pass: true,
            one_pass_cycles: 0,
            spread_pass_cycles: 0,
            verdicts: VerdictCache::default(),
            sigs: Signatures::default(),
            examined: 0,
            lowest_prio: Vec::new(),
        };
        s.begin(world);
        s
    }

    /// The configuration this scheduler runs.
    pub fn config(&self) -> &SchedulerConfig {
        &self.config
    }

    /// Upstream `nextStartNodeIndex`: where the next cycle starts examining `world.node_order`.
    pub fn next_start_index(&self) -> usize {
        self.next_start_index
    }

    /// Nodes the last [`Scheduler::schedule_with_pdbs`] examined, as upstream's cycle would:
    /// the pod's nominated node alone when it fits there; the nodes filtered until enough
    /// feasible ones were found when it binds; every node when nothing fits (upstream filters
    /// them all; a failure answered by the memo counts the same). Drives `scheduler.cycleCost`.
    pub fn last_cycle_examined(&self) -> usize {
        self.examined
    }

    /// Runs one scheduling cycle for pending pod `pod` against the current world.
    pub fn schedule(&mut self, world: &World, pod: PodId) -> Outcome {
        self.schedule_with_pdbs(world, pod, &NoPdbs)
    }

    /// [`Scheduler::schedule`] with PodDisruptionBudgets for preemption: `pdbs` tells which
    /// potential victims would violate a budget (preemption prefers nodes with fewer violations
    /// and reprieves violating victims first, as upstream).
    pub fn schedule_with_pdbs(
        &mut self,
        world: &World,
        pod: PodId,
        pdbs: &dyn PdbOracle,
    ) -> Outcome {
        let p = world.pods.get(pod).expect("schedule: stale pod id");
        let t = p.template;
        self.begin(world);
        let n_all = world.node_order.len();
        self.examined = n_all;
        if n_all == 0 {
            return Outcome::Unschedulable {
                reason: "no nodes available to schedule pods".to_string(),
                nominated: None,
                victims: Vec::new(),
            };
        }
        self.prepare(world, t, Some(pod));
        // A pod nominated by an earlier preemption tries its node first; if it fits there it
        // is the only feasible node (no scoring, rotation unchanged).
        let nominated = self.nominated_node_of(world, pod);
        if let Some(nn) = nominated {
            if nn.ix() < world.nodes.len() && self.filter_node(world, nn).is_ok() {
                self.forget_nomination(pod);
                self.examined = 1;
                return Outcome::Bind { node: nn, score: 0 };
            }
        }
        // Without a nomination of its own the pod is interchangeable with any other pod of its
        // template: a failure remembered for the template may still hold (see `memo`).
        let memo = self.memo.enabled() && nominated.is_none();
        if memo {
            if let Some(out) = self.memo_replay(world, self.prep.sig) {
                return out;
            }
        }
        let sampling = self.sampling(n_all, false);
        let (processed, one_pass) = if let Some(constant) = self.one_pass_constant(world) {
            self.find_and_score(world, sampling, constant)
        } else if let Some(plan) = self.spread_pass_plan(world) {
            self.find_and_score_spread(world, sampling, &plan)
        } else {
            (self.find_feasible(world, sampling), None)
        };
        self.next_start_index = (sampling.start + processed) % n_all;
        if !self.sc.feasible.is_empty() {
            self.examined = processed;
        }
        match self.sc.feasible.len() {
            0 => {
                let out = self.post_filter(world, pod, sampling.start, pdbs);
                if let Outcome::Unschedulable {
                    reason,
                    nominated: None,
                    ..
                } = &out
                {
                    if memo {
                        self.memo_record(world, self.prep.sig, reason);
                    }
                }
                out
            }
            1 => {
                self.forget_nomination(pod);
                Outcome::Bind {
                    node: self.sc.feasible[0],
                    score: 0,
                }
            }
            _ => {
                let (i, score) = match one_pass {
                    Some(t) => {
                        let i = select_tie(&mut self.rng, &self.sc.ties[..t.ties]);
                        (i, t.max + t.constant)
                    }
                    None => {
                        self.prioritize(world);
                        let i = select_host(&mut self.rng, &self.sc.total);
                        (i, self.sc.total[i])
                    }
                };
                self.forget_nomination(pod);
                Outcome::Bind {
                    node: self.sc.feasible[i],
                    score,
                }
            }
        }
    }

    /// Syncs per-node arrays and caches with the world and drops stale nominations.
    pub(super) fn begin(&mut self, world: &World) {
        let n = world.nodes.len();
        self.classes.resize(n);
        if self.nominated_count.len() < n {
            self.nominated_count.resize(n, 0);
        }
        if self.sc.delta.len() < world.resources.len() {
            self.sc.delta.resize(world.resources.len(), 0);
        }
        self.topo.refresh(world);
        if self.memo.enabled() {
            self.verdicts.sync(world);
        }
        if !self.nominations.is_empty() {
            let before = self.nominations.len();
            let counts = &mut self.nominated_count;
            self.nominations.retain(|nm| {
                let live = world.nodes.is_live(nm.node)
                    && world.pods.get(nm.pod).is_some_and(|p| {
                        p.phase == PodPhase::Pending
                            && p.node.is_none()
                            && (p.nominated.is_none() || p.nominated == Some(nm.node))
                    });
                if !live {
                    counts[nm.node.ix()] -= 1;
                }
                live
            });
            if self.nominations.len() != before {
                self.memo.nominations_changed();
            }
        }
    }

    /// The node `pod` was nominated to (its own record, else the pod's field).
    fn nominated_node_of(&self, world: &World, pod: PodId) -> Option<NodeId> {
        self.nominations
            .iter()
            .find(|n| n.pod == pod)
            .map(|n| n.node)
            .or_else(|| world.pods.get(pod).and_then(|p| p.nominated))
    }

    /// Drops `pod`'s nomination record.
    pub(super) fn forget_nomination(&mut self, pod: PodId) {
        if let Some(i) = self.nominations.iter().position(|n| n.pod == pod) {
            let nm = self.nominations.swap_remove(i);
            self.nominated_count[nm.node.ix()] -= 1;
            self.memo.nominations_changed();
        }
    }

    /// Records a nomination; lower-priority pods nominated to the same node lose theirs.
    pub(super) fn record_nomination(&mut self, world: &World, pod: PodId, node: NodeId) {
        self.forget_nomination(pod);
        let tpl_id = world.pods.get(pod).expect("nominate: stale pod").template;
        let priority = world.templates[tpl_id as usize].priority;
        let counts = &mut self.nominated_count;
        self.nominations.retain(|nm| {
            let keep = !(nm.node == node && nm.priority < priority);
            if !keep {
                counts[nm.node.ix()] -= 1;
            }
            keep
        });
        self.nominations.push(Nomination {
            pod,
            node,
            template: tpl_id,
            priority,
        });
        self.nominated_count[node.ix()] += 1;
        self.memo.nominations_changed();
    }

    pub(super) fn sampling(&self, n_all: usize, all_nodes: bool) -> Sampling {
        if all_nodes {
            return Sampling {
                start: 0,
                to_find: n_all,
            };
        }
        let prof = &self.profiles[self.prep.profile];
        let to_find = if prof.has_score_plugins {
            num_feasible_nodes_to_find(prof.percentage, n_all)
        } else {
            1
        };
        Sampling {
            start: self.next_start_index % n_all,
            to_find,
        }
    }

    /// PreFilter: everything computed once per pod.
    pub(super) fn prepare(&mut self, world: &World, t: TemplateId, pod: Option<PodId>) {
        let tpl = &world.templates[t as usize];
        let profile = (tpl.profile as usize).min(self.profiles.len() - 1);
        let prof = &self.profiles[profile];
        let prep = &mut self.prep;
        prep.template = t;
        prep.profile = profile;
        prep.priority = tpl.priority;
        prep.pod = pod;
        prep.fit_reqs.clear();
        for r in 0..world.resources.len() {
            let q = tpl.requests.get(r).copied().unwrap_or(0);
            if r != PODS && q > 0 && !prof.ignored[r] {
                prep.fit_reqs.push((r, q));
            }
        }
        // InterPodAffinity pre-filter.
        let a = &tpl.affinity;
        prep.aff_active = !a.required.is_empty()
            || !a.anti_required.is_empty()
            || tpl
                .existing_terms
                .iter()
                .any(|e| e.kind == ExistingTermKind::RequiredAntiAffinity);
        prep.aff_self_all = a.required.iter().all(|t| t.self_match);
        prep.aff_total = a
            .required
            .iter()
            .map(|t| {
                world
                    .groups
                    .counts(t.group, t.key)
                    .iter()
                    .map(|&c| i64::from(c))
                    .sum::<i64>()
            })
            .sum();
        self.prep.sig = self.sigs.of(world, t);
        let key = self.prep.sig as usize;
        self.prep.hostname_dep = self.statics.hostname_dependent(world, key, t as usize);
        let filter_spread = prof.filter_spread;
        if filter_spread {
            self.prepare_hard(world);
        } else {
            self.prep.hard.clear();
        }
        let interpod = self.profiles[profile].filter_interpod && self.prep.aff_active;
        self.prep.cache = self.memo.enabled() && self.prep.hard.is_empty() && !interpod;
    }

    /// Examines nodes from `start` in `node_order` until `to_find` feasible nodes are found
    /// or every node was examined. Returns the number of nodes examined.
    pub(super) fn find_feasible(&mut self, world: &World, s: Sampling) -> usize {
        let mut feasible = std::mem::take(&mut self.sc.feasible);
        let mut feasible_static = std::mem::take(&mut self.sc.feasible_static);
        let mut failures = std::mem::take(&mut self.sc.failures);
        feasible.clear();
        feasible_static.clear();
        failures.clear();
        let order = &world.node_order;
        let n_all = order.len();
        let wrap = n_all - s.start;
        let mut processed = 0;
        {
            let mut f = self.filt(world);
            for i in 0..n_all {
                let n = if i < wrap {
                    order[s.start + i]
                } else {
                    order[i - wrap]
                };
                processed += 1;
                match f.run(n) {
                    Ok(st) => {
                        feasible.push(n);
                        feasible_static.push(st);
                        if feasible.len() >= s.to_find {
                            break;
                        }
                    }
                    Err(fail) => failures.push((n, fail)),
                }
            }
        }
        self.sc.feasible = feasible;
        self.sc.feasible_static = feasible_static;
        self.sc.failures = failures;
        processed
    }
}
