//! One scheduling cycle (`schedule_one.go`): pre-filter, sampled filtering from a rotating
//! start index, pre-score, score, normalise, `selectHost`. `schedule` and `explain` run the
//! very same code; `explain` only reads more of the scratch space afterwards.

use std::collections::BTreeMap;

use rand::RngExt;

use super::cache::{NodeClasses, StaticFail, TemplateStatics};
use super::config::{
    num_feasible_nodes_to_find, FitKind, ResolvedProfile, BALANCED, FIT, IMAGE, INTERPOD,
    NODE_AFFINITY, N_PLUGINS, SPREAD, TAINT,
};
use super::filter::{dynamic_filters, Adjust, Fail, Prep, SpreadState};
use super::preempt::{NoPdbs, PdbOracle};
use super::score::{
    balanced_score, balanced_score2, default_normalize, fraction, image_locality_score,
    interpod_normalize, least_requested_score, most_requested_score, ratio_resource_score,
    round_half_away, scaled_image_score, spread_normalize, spread_score_for_count, weighted_mean,
    weighted_mean_rounded,
};
use super::spread::{InclusionCache, TopoCache};
use super::{Explanation, NodeExplanation, Outcome, PluginScore, SchedulerConfig, SCORE_PLUGINS};
use crate::cluster::template::ExistingTermKind;
use crate::cluster::{
    NodeId, PodId, PodPhase, PodTemplate, TemplateId, World, CPU, EPHEMERAL_STORAGE, MEMORY, PODS,
};
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
}

/// How many feasible nodes to look for and where to start.
#[derive(Clone, Copy)]
struct Sampling {
    start: usize,
    to_find: usize,
}

impl Scheduler {
    /// A scheduler for `world` (caches are sized from it). `rng` is the tie-break/preemption stream.
    pub fn new(config: SchedulerConfig, world: &World, rng: SimRng) -> Self {
        assert!(
            world.resources.len() <= 64,
            "the scheduler supports at most 64 resources"
        );
        let mut profiles: Vec<ResolvedProfile> = config
            .profiles
            .iter()
            .map(|p| ResolvedProfile::resolve(p, config.percentage_of_nodes_to_score, world))
            .collect();
        if profiles.is_empty() {
            profiles.push(ResolvedProfile::resolve(
                &super::Profile::default(),
                config.percentage_of_nodes_to_score,
                world,
            ));
        }
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
        if let Some(nn) = self.nominated_node_of(world, pod) {
            if nn.ix() < world.nodes.len() && self.filter_node(world, nn).is_ok() {
                self.forget_nomination(pod);
                return Outcome::Bind { node: nn, score: 0 };
            }
        }
        let sampling = self.sampling(n_all, false);
        let processed = self.find_feasible(world, sampling);
        self.next_start_index = (sampling.start + processed) % n_all;
        match self.sc.feasible.len() {
            0 => self.post_filter(world, pod, sampling.start, pdbs),
            1 => {
                self.forget_nomination(pod);
                Outcome::Bind {
                    node: self.sc.feasible[0],
                    score: 0,
                }
            }
            _ => {
                self.prioritize(world);
                let i = select_host(&mut self.rng, &self.sc.total);
                self.forget_nomination(pod);
                Outcome::Bind {
                    node: self.sc.feasible[i],
                    score: self.sc.total[i],
                }
            }
        }
    }

    /// Explains the decision for a hypothetical new pod of `template` named `pod_name`.
    ///
    /// With `all_nodes` every node is examined (in `node_order`) and every feasible node is
    /// scored; otherwise the sample is exactly the one the next real cycle would examine
    /// (same start index, same `numFeasibleNodesToFind`). Either way `explain` changes nothing
    /// a later `schedule` sees: the rotation does not advance and the tie-break draw comes
    /// from a copy of the RNG. Preemption is not simulated.
    pub fn explain(
        &mut self,
        world: &World,
        template: TemplateId,
        pod_name: &str,
        all_nodes: bool,
    ) -> Explanation {
        self.begin(world);
        let n_all = world.node_order.len();
        let mut out = Explanation {
            pod: pod_name.to_string(),
            nodes_examined: 0,
            selected: None,
            nodes: Vec::new(),
        };
        if n_all == 0 {
            return out;
        }
        self.prepare(world, template, None);
        let sampling = self.sampling(n_all, all_nodes);
        let processed = self.find_feasible(world, sampling);
        let k = self.sc.feasible.len();
        let selected = match k {
            0 => None,
            1 => {
                self.clear_scores(1);
                Some(0)
            }
            _ => {
                self.prioritize(world);
                let mut rng = self.rng.clone();
                Some(select_host(&mut rng, &self.sc.total))
            }
        };
        let prof = &self.profiles[self.prep.profile];
        out.nodes_examined = processed;
        out.selected = selected.map(|i| world.nodes.name[self.sc.feasible[i].ix()].clone());
        let (mut fi, mut xi) = (0, 0);
        for i in 0..processed {
            let n = world.node_order[(sampling.start + i) % n_all];
            if fi < k && self.sc.feasible[fi] == n {
                let mut scores = BTreeMap::new();
                let mut total = 0;
                for (p, name) in SCORE_PLUGINS.iter().enumerate() {
                    if !prof.enabled[p] {
                        continue;
                    }
                    let (raw, normalized) = if self.sc.skipped[p] || k == 1 {
                        (0, 0)
                    } else {
                        (self.sc.raw[p][fi], self.normalized(p, fi))
                    };
                    let weighted = normalized * prof.weights[p];
                    total += weighted;
                    scores.insert(
                        name.to_string(),
                        PluginScore {
                            raw,
                            normalized,
                            weighted,
                        },
                    );
                }
                out.nodes.push(NodeExplanation {
                    node: world.nodes.name[n.ix()].clone(),
                    feasible: true,
                    reason: None,
                    scores,
                    total,
                });
                fi += 1;
            } else {
                let f = self.sc.failures[xi].1;
                debug_assert_eq!(self.sc.failures[xi].0, n);
                out.nodes.push(NodeExplanation {
                    node: world.nodes.name[n.ix()].clone(),
                    feasible: false,
                    reason: Some(f.describe(world)),
                    scores: BTreeMap::new(),
                    total: 0,
                });
                xi += 1;
            }
        }
        out
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
        if !self.nominations.is_empty() {
            let counts = &mut self.nominated_count;
            self.nominations.retain(|nm| {
                let live = world.pods.get(nm.pod).is_some_and(|p| {
                    p.phase == PodPhase::Pending
                        && p.node.is_none()
                        && (p.nominated.is_none() || p.nominated == Some(nm.node))
                });
                if !live {
                    counts[nm.node.ix()] -= 1;
                }
                live
            });
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
    }

    fn sampling(&self, n_all: usize, all_nodes: bool) -> Sampling {
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
        self.prep.hostname_dep = self.statics.hostname_dependent(world, t as usize);
        if prof.filter_spread {
            self.prepare_hard(world);
        } else {
            self.prep.hard.clear();
        }
    }

    /// The filter context of the prepared pod (borrows the scheduler's parts disjointly).
    fn filt<'a>(&'a mut self, world: &'a World) -> Filt<'a> {
        let prof = &self.profiles[self.prep.profile];
        Filt {
            world,
            prof,
            prep: &self.prep,
            tpl: &world.templates[self.prep.template as usize],
            classes: &mut self.classes,
            statics: &mut self.statics,
            nominations: &self.nominations,
            nominated_count: &self.nominated_count,
            delta: &mut self.sc.delta,
        }
    }

    /// All filters on node `n` for the prepared pod (see [`Filt::run`]).
    pub(super) fn filter_node(&mut self, world: &World, n: NodeId) -> Result<(i32, i32), Fail> {
        self.filt(world).run(n)
    }

    /// Examines nodes from `start` in `node_order` until `to_find` feasible nodes are found
    /// or every node was examined. Returns the number of nodes examined.
    fn find_feasible(&mut self, world: &World, s: Sampling) -> usize {
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

    fn clear_scores(&mut self, k: usize) {
        self.sc.total.clear();
        self.sc.total.resize(k, 0);
        self.sc.skipped = [true; N_PLUGINS];
    }

    /// PreScore + Score + NormalizeScore + weighting over `sc.feasible` into `sc.total`.
    pub(super) fn prioritize(&mut self, world: &World) {
        let k = self.sc.feasible.len();
        self.clear_scores(k);
        let t = self.prep.template as usize;
        let tpl = &world.templates[t];
        let p = self.prep.profile;
        let mut skipped = [false; N_PLUGINS];
        for (i, s) in skipped.iter_mut().enumerate() {
            *s = !self.profiles[p].enabled[i];
        }
        // PreScore skips.
        skipped[NODE_AFFINITY] |= tpl.preferred_node_affinity.is_empty();
        if !skipped[SPREAD] {
            skipped[SPREAD] = !self.prepare_soft(world);
        }
        skipped[INTERPOD] |= !interpod_score_relevant(tpl, &self.profiles[p]);
        skipped[BALANCED] |= self.profiles[p]
            .balanced_resources
            .iter()
            .all(|r| r.is_none_or(|r| tpl.requests.get(r).copied().unwrap_or(0) == 0));
        self.sc.skipped = skipped;
        let prof = &self.profiles[p];
        let sc = &mut self.sc;
        for (i, &skip) in skipped.iter().enumerate() {
            if !skip {
                // Every entry is overwritten below; resizing only when the count changes.
                sc.raw[i].resize(k, 0);
                if normalizes(i) {
                    sc.norm[i].resize(k, 0);
                }
            }
        }

        if !skipped[TAINT] {
            for (r, s) in sc.raw[TAINT].iter_mut().zip(&sc.feasible_static) {
                *r = i64::from(s.0);
            }
        }
        if !skipped[NODE_AFFINITY] {
            for (r, s) in sc.raw[NODE_AFFINITY].iter_mut().zip(&sc.feasible_static) {
                *r = i64::from(s.1);
            }
        }
        let fused = !skipped[FIT]
            && !skipped[BALANCED]
            && prof.default_fit()
            && prof.balanced_resources == [Some(CPU), Some(MEMORY)];
        if fused {
            // Default profile: both resource scores in one pass over the node columns.
            let (fit, bal) = two_columns(&mut sc.raw, FIT, BALANCED);
            score_fit_balanced_default(world, tpl, &sc.feasible, fit, bal);
        } else if !skipped[FIT] {
            score_fit(world, prof, tpl, &sc.feasible, &mut sc.raw[FIT]);
        }
        if !skipped[SPREAD] {
            score_spread(
                world,
                &sc.soft,
                &sc.ignored,
                &sc.feasible,
                &mut sc.acc,
                &mut sc.raw[SPREAD],
            );
        }
        if !skipped[INTERPOD] {
            score_interpod(world, prof, tpl, &sc.feasible, &mut sc.raw[INTERPOD]);
        }
        if !skipped[BALANCED] && !fused {
            score_balanced(
                world,
                prof,
                tpl,
                &sc.feasible,
                &mut sc.fractions,
                &mut sc.raw[BALANCED],
            );
        }
        if !skipped[IMAGE] {
            if tpl.images.is_empty() {
                sc.raw[IMAGE].iter_mut().for_each(|r| *r = 0);
            } else {
                score_image(world, tpl, &sc.feasible, &mut sc.raw[IMAGE]);
            }
        }

        // NormalizeScore, then the weighted sum.
        for (i, &skip) in skipped.iter().enumerate() {
            if skip {
                continue;
            }
            let col: &[i64] = if normalizes(i) {
                let (raw, norm) = (&sc.raw[i], &mut sc.norm[i]);
                norm.copy_from_slice(raw);
                match i {
                    TAINT => default_normalize(norm, true),
                    NODE_AFFINITY => default_normalize(norm, false),
                    SPREAD => {
                        let ignored = &sc.ignored;
                        spread_normalize(norm, |j| ignored[j]);
                    }
                    _ => interpod_normalize(norm),
                }
                norm
            } else {
                &sc.raw[i]
            };
            let w = prof.weights[i];
            for (tot, s) in sc.total.iter_mut().zip(col) {
                *tot += s * w;
            }
        }
    }

    /// Normalised score of plugin `p` on feasible node `i` after [`Scheduler::prioritize`].
    fn normalized(&self, p: usize, i: usize) -> i64 {
        if normalizes(p) {
            self.sc.norm[p][i]
        } else {
            self.sc.raw[p][i]
        }
    }
}

/// Whether plugin `p` has a NormalizeScore extension.
fn normalizes(p: usize) -> bool {
    matches!(p, TAINT | NODE_AFFINITY | SPREAD | INTERPOD)
}

/// What the per-node filters read, borrowed for one cycle.
pub(super) struct Filt<'a> {
    world: &'a World,
    prof: &'a ResolvedProfile,
    prep: &'a Prep,
    tpl: &'a PodTemplate,
    classes: &'a mut NodeClasses,
    statics: &'a mut TemplateStatics,
    nominations: &'a [Nomination],
    nominated_count: &'a [u32],
    delta: &'a mut Vec<i64>,
}

impl Filt<'_> {
    /// All filters on node `n`: the static verdict (cached per node class), then the dynamic
    /// filters with the requests of pods nominated there (with at least this pod's priority)
    /// reserved, as upstream's `RunFilterPluginsWithNominatedPods`. Ok carries the static score
    /// inputs (PreferNoSchedule count, preferred node-affinity sum).
    #[inline(always)]
    pub(super) fn run(&mut self, n: NodeId) -> Result<(i32, i32), Fail> {
        let world = self.world;
        let t = self.prep.template as usize;
        let cached = if self.prep.hostname_dep {
            None
        } else {
            let c = self.classes.class_of(world, n.ix()) as usize;
            self.statics.cached(t, c)
        };
        let se = match cached {
            Some(se) => se,
            None => self.statics.get(self.classes, world, self.prof, t, n.ix()),
        };
        if se.fail != StaticFail::Pass {
            return Err(Fail::from_static(world, se.fail, n).expect("static failure"));
        }
        let f = if self.nominated_count[n.ix()] == 0 {
            dynamic_filters(world, self.prof, self.tpl, self.prep, n, &Adjust::NONE)
        } else {
            self.with_nominated(n)
        };
        match f {
            None => Ok((se.prefer_count, se.node_aff)),
            Some(f) => Err(f),
        }
    }

    #[cold]
    fn with_nominated(&mut self, n: NodeId) -> Option<Fail> {
        let world = self.world;
        let mut pods = 0;
        self.delta.iter_mut().for_each(|d| *d = 0);
        for nm in self.nominations {
            if nm.node == n && nm.priority >= self.prep.priority && Some(nm.pod) != self.prep.pod {
                pods += 1;
                for (d, q) in self
                    .delta
                    .iter_mut()
                    .zip(&world.templates[nm.template as usize].requests)
                {
                    *d += q;
                }
            }
        }
        let adj = if pods == 0 {
            Adjust::NONE
        } else {
            Adjust {
                delta: Some(self.delta),
                pods_delta: pods,
                removed: &[],
            }
        };
        dynamic_filters(world, self.prof, self.tpl, self.prep, n, &adj)
    }
}

/// Upstream `selectHost`: the highest total score; ties broken uniformly by reservoir
/// sampling (`rand.Intn(cntOfMaxScore) == 0` replaces the candidate).
pub(crate) fn select_host(rng: &mut SimRng, total: &[i64]) -> usize {
    let max = total
        .iter()
        .copied()
        .max()
        .expect("selectHost on an empty list");
    let mut cnt = 0u32;
    let mut selected = 0;
    for (i, &s) in total.iter().enumerate() {
        if s == max {
            cnt += 1;
            if cnt == 1 || rng.random_range(0..cnt) == 0 {
                selected = i;
            }
        }
    }
    selected
}

/// Whether any InterPodAffinity score term involves this pod: its preferred (anti-)affinity,
/// or existing pods' preferred terms / required affinity selecting it.
fn interpod_score_relevant(tpl: &PodTemplate, prof: &ResolvedProfile) -> bool {
    !tpl.affinity.preferred.is_empty()
        || !tpl.affinity.anti_preferred.is_empty()
        || tpl.existing_terms.iter().any(|e| match e.kind {
            ExistingTermKind::RequiredAntiAffinity => false,
            ExistingTermKind::RequiredAffinity => prof.hard_pod_affinity_weight > 0,
            ExistingTermKind::PreferredAffinity(_) | ExistingTermKind::PreferredAntiAffinity(_) => {
                true
            }
        })
}

/// (allocatable, requested incl. the pod) of resource `r` on node `n` for the resource
/// scores; `nonzero` selects the non-zero-default columns for cpu/memory (NodeResourcesFit)
/// over the actual ones (BalancedAllocation). (0, 0) = bypassed.
#[inline]
fn alloc_req(world: &World, tpl: &PodTemplate, n: NodeId, r: usize, nonzero: bool) -> (i64, i64) {
    let nodes = &world.nodes;
    let pod_req = tpl.requests.get(r).copied().unwrap_or(0);
    match r {
        CPU if nonzero => (
            nodes.alloc(n, CPU),
            nodes.nonzero_cpu[n.ix()] + tpl.nonzero_cpu,
        ),
        MEMORY if nonzero => (
            nodes.alloc(n, MEMORY),
            nodes.nonzero_mem[n.ix()] + tpl.nonzero_mem,
        ),
        CPU | MEMORY | EPHEMERAL_STORAGE => (nodes.alloc(n, r), nodes.req(n, r) + pod_req),
        PODS => (0, 0),
        _ if pod_req == 0 => (0, 0),
        _ => (nodes.alloc(n, r), nodes.req(n, r) + pod_req),
    }
}

/// Two distinct columns of the per-plugin score table, mutably.
fn two_columns(cols: &mut [Vec<i64>; N_PLUGINS], a: usize, b: usize) -> (&mut [i64], &mut [i64]) {
    assert!(a < b);
    let (lo, hi) = cols.split_at_mut(b);
    (&mut lo[a], &mut hi[0])
}

/// NodeResourcesFit LeastAllocated (cpu, memory, weight 1, non-zero requests) and
/// NodeResourcesBalancedAllocation (cpu, memory, actual requests) in one pass: the same
/// arithmetic as [`score_fit`] and [`score_balanced`], sharing the node column loads.
fn score_fit_balanced_default(
    world: &World,
    tpl: &PodTemplate,
    feasible: &[NodeId],
    fit: &mut [i64],
    bal: &mut [i64],
) {
    let nodes = &world.nodes;
    let s = nodes.stride();
    let (pc, pm) = (tpl.requests[CPU], tpl.requests[MEMORY]);
    let (nzc, nzm) = (tpl.nonzero_cpu, tpl.nonzero_mem);
    for ((f, b), &n) in fit.iter_mut().zip(bal.iter_mut()).zip(feasible) {
        let i = n.ix();
        let base = i * s;
        let (ac, am) = (
            nodes.allocatable[base + CPU],
            nodes.allocatable[base + MEMORY],
        );
        let (rc, rm) = (nodes.requested[base + CPU], nodes.requested[base + MEMORY]);
        if ac != 0 && am != 0 {
            let sum = least_requested_score(nodes.nonzero_cpu[i] + nzc, ac)
                + least_requested_score(nodes.nonzero_mem[i] + nzm, am);
            *f = weighted_mean(sum, 2);
            *b = balanced_score2(fraction(rc + pc, ac), fraction(rm + pm, am));
        } else {
            let (mut sum, mut w) = (0, 0);
            let mut fr = [0.0f64; 2];
            let mut k = 0;
            if ac != 0 {
                sum += least_requested_score(nodes.nonzero_cpu[i] + nzc, ac);
                w += 1;
                fr[k] = fraction(rc + pc, ac);
                k += 1;
            }
            if am != 0 {
                sum += least_requested_score(nodes.nonzero_mem[i] + nzm, am);
                w += 1;
                fr[k] = fraction(rm + pm, am);
                k += 1;
            }
            *f = weighted_mean(sum, w);
            *b = balanced_score(&fr[..k]);
        }
    }
}

/// NodeResourcesFit score (LeastAllocated / MostAllocated / RequestedToCapacityRatio).
fn score_fit(
    world: &World,
    prof: &ResolvedProfile,
    tpl: &PodTemplate,
    feasible: &[NodeId],
    out: &mut [i64],
) {
    let nodes = &world.nodes;
    if prof.default_fit() {
        // LeastAllocated, cpu and memory with weight 1.
        let s = nodes.stride();
        for (o, &n) in out.iter_mut().zip(feasible) {
            let i = n.ix();
            let (ac, am) = (
                nodes.allocatable[i * s + CPU],
                nodes.allocatable[i * s + MEMORY],
            );
            let (mut sum, mut w) = (0, 0);
            if ac != 0 {
                sum += least_requested_score(nodes.nonzero_cpu[i] + tpl.nonzero_cpu, ac);
                w += 1;
            }
            if am != 0 {
                sum += least_requested_score(nodes.nonzero_mem[i] + tpl.nonzero_mem, am);
                w += 1;
            }
            *o = weighted_mean(sum, w);
        }
        return;
    }
    for (o, &n) in out.iter_mut().zip(feasible) {
        let (mut sum, mut wsum) = (0i64, 0i64);
        for &(r, w) in &prof.fit_resources {
            let Some(r) = r else { continue };
            let (alloc, req) = alloc_req(world, tpl, n, r, true);
            if alloc == 0 {
                continue;
            }
            match &prof.fit_kind {
                FitKind::Least => {
                    sum += least_requested_score(req, alloc) * w;
                    wsum += w;
                }
                FitKind::Most => {
                    sum += most_requested_score(req, alloc) * w;
                    wsum += w;
                }
                FitKind::Ratio(shape) => {
                    let s = ratio_resource_score(shape, req, alloc);
                    if s > 0 {
                        sum += s * w;
                        wsum += w;
                    }
                }
            }
        }
        *o = match prof.fit_kind {
            FitKind::Ratio(_) => weighted_mean_rounded(sum, wsum),
            _ => weighted_mean(sum, wsum),
        };
    }
}

/// NodeResourcesBalancedAllocation score (actual requests).
fn score_balanced(
    world: &World,
    prof: &ResolvedProfile,
    tpl: &PodTemplate,
    feasible: &[NodeId],
    fr: &mut Vec<f64>,
    out: &mut [i64],
) {
    let nodes = &world.nodes;
    if prof.balanced_resources == [Some(CPU), Some(MEMORY)] {
        let s = nodes.stride();
        let (pc, pm) = (tpl.requests[CPU], tpl.requests[MEMORY]);
        for (o, &n) in out.iter_mut().zip(feasible) {
            let i = n.ix() * s;
            let (ac, am) = (nodes.allocatable[i + CPU], nodes.allocatable[i + MEMORY]);
            if ac != 0 && am != 0 {
                let f0 = fraction(nodes.requested[i + CPU] + pc, ac);
                let f1 = fraction(nodes.requested[i + MEMORY] + pm, am);
                *o = balanced_score2(f0, f1);
            } else {
                fr.clear();
                if ac != 0 {
                    fr.push(fraction(nodes.requested[i + CPU] + pc, ac));
                }
                if am != 0 {
                    fr.push(fraction(nodes.requested[i + MEMORY] + pm, am));
                }
                *o = balanced_score(fr);
            }
        }
        return;
    }
    for (o, &n) in out.iter_mut().zip(feasible) {
        fr.clear();
        for &r in &prof.balanced_resources {
            let Some(r) = r else { continue };
            let (alloc, req) = alloc_req(world, tpl, n, r, false);
            if alloc != 0 {
                fr.push(fraction(req, alloc));
            }
        }
        *o = balanced_score(fr);
    }
}

/// PodTopologySpread raw score: `round(Σ cnt·w + maxSkew − 1)` over the soft constraints
/// whose key the node has; ignored nodes 0. Constraint-major so each constraint's columns are
/// fetched once; the float additions happen in constraint order per node, as upstream.
fn score_spread(
    world: &World,
    soft: &[SpreadState],
    ignored: &[bool],
    feasible: &[NodeId],
    acc: &mut Vec<f64>,
    out: &mut [i64],
) {
    let groups = &world.groups;
    acc.clear();
    acc.resize(feasible.len(), 0.0);
    for c in soft {
        let node_domain = &groups.keys[c.key as usize].node_domain;
        let w = c.weight;
        if c.hostname {
            let counts = groups.counts(c.group, c.key);
            for (a, &n) in acc.iter_mut().zip(feasible) {
                let d = node_domain[n.ix()];
                if d != crate::cluster::NO_DOMAIN {
                    *a += spread_score_for_count(i64::from(counts[d as usize]), c.max_skew, w);
                }
            }
        } else {
            let counts = &c.counts;
            for (a, &n) in acc.iter_mut().zip(feasible) {
                let d = node_domain[n.ix()];
                if d != crate::cluster::NO_DOMAIN {
                    *a += spread_score_for_count(counts[d as usize], c.max_skew, w);
                }
            }
        }
    }
    for ((o, &a), &ign) in out.iter_mut().zip(acc.iter()).zip(ignored) {
        *o = if ign { 0 } else { round_half_away(a) };
    }
}

/// InterPodAffinity raw score: Σ over the terms involved of ±weight × matching pods in the
/// node's domain of the term's key.
fn score_interpod(
    world: &World,
    prof: &ResolvedProfile,
    tpl: &PodTemplate,
    feasible: &[NodeId],
    out: &mut [i64],
) {
    let groups = &world.groups;
    let a = &tpl.affinity;
    for (o, &n) in out.iter_mut().zip(feasible) {
        let mut s = 0i64;
        for (w, t) in &a.preferred {
            s += w * i64::from(groups.count_at(t.group, t.key, n));
        }
        for (w, t) in &a.anti_preferred {
            s -= w * i64::from(groups.count_at(t.group, t.key, n));
        }
        for e in &tpl.existing_terms {
            let w = match e.kind {
                ExistingTermKind::RequiredAntiAffinity => continue,
                ExistingTermKind::RequiredAffinity => {
                    if prof.hard_pod_affinity_weight <= 0 {
                        continue;
                    }
                    prof.hard_pod_affinity_weight
                }
                ExistingTermKind::PreferredAffinity(w) => w,
                ExistingTermKind::PreferredAntiAffinity(w) => -w,
            };
            s += w * i64::from(groups.count_at(e.owners, e.key, n));
        }
        *o = s;
    }
}

/// ImageLocality raw score (no normalisation).
fn score_image(world: &World, tpl: &PodTemplate, feasible: &[NodeId], out: &mut [i64]) {
    let total = world.nodes.len();
    for (o, &n) in out.iter_mut().zip(feasible) {
        let held = &world.nodes.images[n.ix()];
        let mut sum = 0i64;
        for &img in &tpl.images {
            if held.contains(&img) {
                let info = &world.images[img as usize];
                sum += scaled_image_score(info.size, info.nodes_with, total);
            }
        }
        *o = image_locality_score(sum, tpl.container_count);
    }
}
