//! PodTopologySpread pre-filter and pre-score state, from the incremental pod-group counts
//! (`world.groups`) rather than by scanning pods (`podtopologyspread/{filtering,scoring}.go`).
//!
//! Upstream counts, per constraint and topology domain, the matching pods on every node that
//! (a) carries all the constraints' topology keys (always for hard constraints; for soft ones
//! unless the constraints are the system defaults) and (b) passes the node-inclusion policies
//! (`nodeAffinityPolicy: Honor` — the node matches the pod's nodeSelector/required affinity;
//! `nodeTaintsPolicy: Honor` — the pod tolerates the node's taints). When every node is
//! eligible (the usual case: no node selector, taints policy Ignore) the group's per-domain
//! counters are the answer. Otherwise the eligible nodes are derived from the static filter
//! cache: label-only policies are cached per (template, constraint) and node set (node labels
//! are assumed not to change after a node is created); the taints policy is re-evaluated each
//! cycle.

use std::collections::HashMap;

use super::cache::affinity_trivial;
use super::cycle::Scheduler;
use super::filter::SpreadState;
use super::score::topology_normalizing_weight;
use crate::cluster::template::SpreadConstraint;
use crate::cluster::{
    GroupId, NodeId, PodGroups, PodTemplate, TemplateId, TopoKeyId, World, NO_DOMAIN,
};

/// Facts about the node set that change only when nodes are added or removed.
#[derive(Default)]
pub(crate) struct TopoCache {
    sig: (usize, usize, usize, u64),
    /// Bumped whenever the node set changes.
    pub epoch: u64,
    /// Nodes (in `node_order`) per domain, per topology key.
    pub domain_nodes: Vec<Vec<u32>>,
    /// Nodes (in `node_order`) lacking each topology key.
    pub missing: Vec<u32>,
    /// The topology key `kubernetes.io/hostname`, if the world has one.
    pub hostname_key: Option<TopoKeyId>,
    /// The hostname key's domain of every node is its node id.
    pub host_identity: bool,
}

impl TopoCache {
    /// Recomputes the facts if the node set changed (detected by its sizes and version).
    pub(crate) fn refresh(&mut self, world: &World) {
        let sig = (
            world.nodes.len(),
            world.node_order.len(),
            world.groups.keys.len(),
            world.node_set_version(),
        );
        if sig == self.sig && self.epoch > 0 {
            return;
        }
        self.sig = sig;
        self.epoch += 1;
        let keys = &world.groups.keys;
        self.hostname_key = keys
            .iter()
            .position(|k| k.label == "kubernetes.io/hostname")
            .map(|k| k as TopoKeyId);
        self.host_identity = self.hostname_key.is_some_and(|h| {
            let nd = &keys[h as usize].node_domain;
            nd.len() >= world.nodes.len() && nd.iter().enumerate().all(|(i, &d)| d == i as u32)
        });
        self.domain_nodes = keys
            .iter()
            .map(|k| vec![0u32; k.domains as usize])
            .collect();
        self.missing = vec![0; keys.len()];
        for &n in &world.node_order {
            for (k, key) in keys.iter().enumerate() {
                let d = key.node_domain[n.ix()];
                if d == NO_DOMAIN {
                    self.missing[k] += 1;
                } else {
                    self.domain_nodes[k][d as usize] += 1;
                }
            }
        }
    }
}

/// Label-static eligibility of the nodes for one (template, constraint set, constraint).
#[derive(Default)]
pub(crate) struct Inclusion {
    epoch: u64,
    /// Per node id.
    mask: Vec<bool>,
    /// Eligible / ineligible node ids as sorted half-open ranges (pools are usually
    /// contiguous id ranges, so these are short and scan contiguous memory).
    included: Vec<(u32, u32)>,
    excluded: Vec<(u32, u32)>,
    n_included: usize,
    n_excluded: usize,
    /// `domain_counts` walks `included` (true) or `excluded`, whichever is shorter.
    walk_included: bool,
    /// Per node id: in the walked ranges.
    walk: Vec<bool>,
    /// Per domain of the constraint's key, over the walked nodes: their number and the
    /// group's pods on them, as of `walk_cursor` in the group's change log (`None`: not yet
    /// summed since the inclusion was built).
    walk_nodes: Vec<u32>,
    walk_pods: Vec<i64>,
    walk_cursor: Option<u64>,
}

impl Inclusion {
    /// Brings `walk_nodes` / `walk_pods` up to date for the constraint's `group` and `key`:
    /// replays the group's membership changes on walked nodes since the last call (a member
    /// arriving on or leaving node n changes n's hostname count by exactly one when the
    /// hostname domains are the node ids), or sums the walked ranges afresh when the log has
    /// moved on too far, on first use, or when `host_identity` does not hold.
    fn sync_walk(
        &mut self,
        groups: &PodGroups,
        group: GroupId,
        key: TopoKeyId,
        host: Option<TopoKeyId>,
        host_identity: bool,
    ) {
        let node_domain = &groups.keys[key as usize].node_domain;
        let replay = match (self.walk_cursor, host) {
            (Some(cur), Some(_)) if host_identity => groups.changes_since(group, cur),
            _ => None,
        };
        if let Some(changes) = replay {
            for (n, sign) in changes {
                if self.walk.get(n.ix()).copied().unwrap_or(false) {
                    let d = node_domain[n.ix()];
                    if d != NO_DOMAIN {
                        self.walk_pods[d as usize] += i64::from(sign);
                    }
                }
            }
        } else {
            let ndom = groups.keys[key as usize].domains as usize;
            self.walk_nodes.clear();
            self.walk_nodes.resize(ndom, 0);
            self.walk_pods.clear();
            self.walk_pods.resize(ndom, 0);
            let ranges = if self.walk_included {
                &self.included
            } else {
                &self.excluded
            };
            for &(a, b) in ranges {
                for n in a..b {
                    let d = node_domain[n as usize];
                    if d != NO_DOMAIN {
                        let on_node = match host {
                            Some(h) => i64::from(groups.count_at(group, h, NodeId(n))),
                            None => 0,
                        };
                        self.walk_pods[d as usize] += on_node;
                        self.walk_nodes[d as usize] += 1;
                    }
                }
            }
        }
        self.walk_cursor = Some(groups.changes_total(group));
    }
}

/// Appends id `n` to sorted ranges (ids arrive in increasing order).
fn push_range(ranges: &mut Vec<(u32, u32)>, n: u32) {
    match ranges.last_mut() {
        Some(r) if r.1 == n => r.1 = n + 1,
        _ => ranges.push((n, n + 1)),
    }
}

/// Cache key: template, hard (true) or soft set, constraint index in `template.spread`.
pub(crate) type InclusionKey = (TemplateId, bool, usize);

/// Cached inclusions.
pub(crate) type InclusionCache = HashMap<InclusionKey, Inclusion>;

/// Keys of the hard (or soft) constraints of `tpl`.
fn set_has_key(tpl: &PodTemplate, hard: bool, n: NodeId, world: &World) -> bool {
    tpl.spread
        .iter()
        .filter(|c| c.hard == hard)
        .all(|c| world.groups.domain(c.key, n) != NO_DOMAIN)
}

/// One constraint of a template: index in `template.spread`, which set it belongs to (hard
/// constraints always require all hard keys; soft ones unless system-defaulted).
#[derive(Clone, Copy)]
struct Which {
    t: TemplateId,
    idx: usize,
    hard: bool,
    require_all: bool,
}

/// How eligible nodes are found for one constraint this cycle.
enum Elig {
    /// Every node in `node_order`.
    All,
    /// Label-static mask (cached).
    Cached,
    /// Label-static part plus the taints policy, evaluated per node now.
    Scan { label_all: bool },
}

impl Scheduler {
    /// Whether every node passes the label-static part of the eligibility.
    fn label_all(
        &self,
        tpl: &PodTemplate,
        c: &SpreadConstraint,
        hard: bool,
        require_all: bool,
    ) -> bool {
        (!c.honor_node_affinity || affinity_trivial(tpl))
            && (!require_all
                || tpl
                    .spread
                    .iter()
                    .filter(|x| x.hard == hard)
                    .all(|x| self.topo.missing[x.key as usize] == 0))
    }

    fn eligibility(&mut self, world: &World, w: Which) -> Elig {
        let Which {
            t,
            idx,
            hard,
            require_all,
        } = w;
        let tpl = &world.templates[t as usize];
        let c = &tpl.spread[idx];
        let label_all = self.label_all(tpl, c, hard, require_all);
        if c.honor_taints {
            return Elig::Scan { label_all };
        }
        if label_all {
            return Elig::All;
        }
        let epoch = self.topo.epoch;
        let fresh = self
            .incl
            .get(&(t, hard, idx))
            .is_some_and(|i| i.epoch == epoch);
        if !fresh {
            let mut inc = self.incl.remove(&(t, hard, idx)).unwrap_or_default();
            inc.epoch = epoch;
            inc.mask.clear();
            inc.mask.resize(world.nodes.len(), false);
            inc.included.clear();
            inc.excluded.clear();
            for i in 0..world.node_order.len() {
                let n = world.node_order[i];
                inc.mask[n.ix()] = self.label_ok(world, w, c.honor_node_affinity, n);
            }
            let mut in_order = vec![false; world.nodes.len()];
            for &n in &world.node_order {
                in_order[n.ix()] = true;
            }
            for (n, (&ok, &listed)) in inc.mask.iter().zip(&in_order).enumerate() {
                if !listed {
                    continue;
                }
                if ok {
                    push_range(&mut inc.included, n as u32);
                } else {
                    push_range(&mut inc.excluded, n as u32);
                }
            }
            inc.n_included = inc.included.iter().map(|r| (r.1 - r.0) as usize).sum();
            inc.n_excluded = inc.excluded.iter().map(|r| (r.1 - r.0) as usize).sum();
            inc.walk_included = inc.n_included <= inc.n_excluded;
            inc.walk.clear();
            inc.walk.resize(world.nodes.len(), false);
            for (n, (&ok, &listed)) in inc.mask.iter().zip(&in_order).enumerate() {
                inc.walk[n] = listed && ok == inc.walk_included;
            }
            inc.walk_cursor = None;
            self.incl.insert((t, hard, idx), inc);
        }
        Elig::Cached
    }

    /// Label-static eligibility of one node.
    fn label_ok(&mut self, world: &World, w: Which, honor_aff: bool, n: NodeId) -> bool {
        let t = w.t;
        let tpl = &world.templates[t as usize];
        if w.require_all && !set_has_key(tpl, w.hard, n, world) {
            return false;
        }
        if honor_aff && !affinity_trivial(tpl) {
            let key = (self.sigs.of(world, t) as usize, t as usize);
            let prof = &self.profiles[self.prep.profile];
            let se = self
                .statics
                .get(&mut self.classes, world, prof, key, n.ix());
            return se.aff_match;
        }
        true
    }

    /// Full eligibility of one node under `Elig::Scan`.
    fn scan_ok(
        &mut self,
        world: &World,
        w: Which,
        honor_aff: bool,
        label_all: bool,
        n: NodeId,
    ) -> bool {
        if !label_all && !self.label_ok(world, w, honor_aff, n) {
            return false;
        }
        let key = (self.sigs.of(world, w.t) as usize, w.t as usize);
        let prof = &self.profiles[self.prep.profile];
        self.statics
            .get(&mut self.classes, world, prof, key, n.ix())
            .taints_ok
    }

    /// Per-domain matching-pod counts over the eligible nodes into `st.counts`, and the number
    /// of eligible nodes per domain into `per_domain`. Non-hostname keys only.
    fn domain_counts(
        &mut self,
        world: &World,
        w: Which,
        st: &mut SpreadState,
        per_domain: &mut Vec<u32>,
    ) {
        let Which { t, idx, hard, .. } = w;
        let c = world.templates[t as usize].spread[idx].clone();
        let groups = &world.groups;
        let host = self.topo.hostname_key;
        let ndom = groups.keys[c.key as usize].domains as usize;
        st.counts.clear();
        per_domain.clear();
        // Pods on node `n` matching the constraint (its hostname-domain count).
        let on_node = |n: NodeId| -> i64 {
            match host {
                Some(h) => i64::from(groups.count_at(c.group, h, n)),
                None => 0,
            }
        };
        match self.eligibility(world, w) {
            Elig::All => {
                st.counts
                    .extend(groups.counts(c.group, c.key).iter().map(|&x| i64::from(x)));
                per_domain.extend_from_slice(&self.topo.domain_nodes[c.key as usize]);
            }
            Elig::Cached => {
                // The walked side's sums are kept up to date from the group's change log, so
                // a cycle costs O(domains + changes), not O(walked nodes).
                let inc = self
                    .incl
                    .get_mut(&(t, hard, idx))
                    .expect("eligibility built the inclusion");
                inc.sync_walk(groups, c.group, c.key, host, self.topo.host_identity);
                if inc.walk_included {
                    st.counts.extend_from_slice(&inc.walk_pods);
                    per_domain.extend_from_slice(&inc.walk_nodes);
                } else {
                    let all = groups.counts(c.group, c.key);
                    st.counts.extend(
                        all.iter()
                            .zip(&inc.walk_pods)
                            .map(|(&x, &w)| i64::from(x) - w),
                    );
                    per_domain.extend(
                        self.topo.domain_nodes[c.key as usize]
                            .iter()
                            .zip(&inc.walk_nodes)
                            .map(|(&x, &w)| x.wrapping_sub(w)),
                    );
                }
            }
            Elig::Scan { label_all } => {
                st.counts.resize(ndom, 0);
                per_domain.resize(ndom, 0);
                for i in 0..world.node_order.len() {
                    let n = world.node_order[i];
                    let d = groups.domain(c.key, n);
                    if d != NO_DOMAIN && self.scan_ok(world, w, c.honor_node_affinity, label_all, n)
                    {
                        st.counts[d as usize] += on_node(n);
                        per_domain[d as usize] += 1;
                    }
                }
            }
        }
    }

    /// Minimum per-node count over the eligible nodes and their number (hostname key).
    fn hostname_min(&mut self, world: &World, t: TemplateId, idx: usize) -> (i64, usize) {
        let c = world.templates[t as usize].spread[idx].clone();
        let groups = &world.groups;
        let mut min = i64::MAX;
        let mut num = 0usize;
        let w = Which {
            t,
            idx,
            hard: true,
            require_all: true,
        };
        let elig = self.eligibility(world, w);
        for i in 0..world.node_order.len() {
            let n = world.node_order[i];
            let ok = match &elig {
                Elig::All => true,
                Elig::Cached => self.incl[&(t, true, idx)].mask[n.ix()],
                Elig::Scan { label_all } => {
                    self.scan_ok(world, w, c.honor_node_affinity, *label_all, n)
                }
            };
            if ok {
                num += 1;
                min = min.min(i64::from(groups.count_at(c.group, c.key, n)));
            }
        }
        (min, num)
    }

    /// PreFilter of the hard (DoNotSchedule) constraints into `self.prep.hard`.
    pub(crate) fn prepare_hard(&mut self, world: &World) {
        let t = self.prep.template;
        let tpl = &world.templates[t as usize];
        let mut hard = std::mem::take(&mut self.prep.hard);
        let mut per_domain = std::mem::take(&mut self.sc.per_domain);
        let mut used = 0;
        for idx in 0..tpl.spread.len() {
            let c = &world.templates[t as usize].spread[idx];
            if !c.hard {
                continue;
            }
            if hard.len() <= used {
                hard.push(SpreadState::default());
            }
            let st = &mut hard[used];
            used += 1;
            st.key = c.key;
            st.group = c.group;
            st.max_skew = c.max_skew;
            st.self_match = i64::from(c.self_match);
            st.hostname = self.topo.hostname_key == Some(c.key);
            let min_domains = c.min_domains.unwrap_or(1) as usize;
            let (min, num) = if st.hostname {
                st.counts.clear();
                self.hostname_min(world, t, idx)
            } else {
                self.domain_counts(
                    world,
                    Which {
                        t,
                        idx,
                        hard: true,
                        require_all: true,
                    },
                    st,
                    &mut per_domain,
                );
                let mut min = i64::MAX;
                let mut num = 0;
                for (d, &k) in per_domain.iter().enumerate() {
                    if k > 0 {
                        num += 1;
                        min = min.min(st.counts[d]);
                    }
                }
                (min, num)
            };
            st.min = if num == 0 { i64::from(i32::MAX) } else { min };
            st.min_forced_zero = num < min_domains;
        }
        hard.truncate(used);
        self.prep.hard = hard;
        self.sc.per_domain = per_domain;
    }

    /// PreScore of the soft (ScheduleAnyway) constraints over the feasible nodes: ignored
    /// nodes, per-domain counts, weights `ln(size + 2)`. Returns false (Skip) when the pod has
    /// no soft constraint.
    pub(crate) fn prepare_soft(&mut self, world: &World) -> bool {
        let t = self.prep.template;
        let tpl = &world.templates[t as usize];
        if !tpl.spread.iter().any(|c| !c.hard) {
            return false;
        }
        let require_all = !tpl.spread_system_default;
        // Ignored nodes: feasible nodes missing a soft key (only when all keys are required).
        let k = self.sc.feasible.len();
        self.sc.ignored.clear();
        self.sc.ignored.resize(k, false);
        let mut n_ignored = 0;
        if require_all {
            for i in 0..k {
                let n = self.sc.feasible[i];
                if !set_has_key(tpl, false, n, world) {
                    self.sc.ignored[i] = true;
                    n_ignored += 1;
                }
            }
        }
        self.soft_states(world, k - n_ignored, None);
        true
    }

    /// The soft constraints' PreScore state into `sc.soft` (per-domain counts, weights
    /// `ln(size + 2)`), given the number of feasible nodes that are not ignored (the size of
    /// a hostname constraint) and, when known, the number of distinct values of the (only)
    /// non-hostname key among them; else that number is counted over `sc.feasible` and
    /// `sc.ignored`.
    pub(crate) fn soft_states(
        &mut self,
        world: &World,
        not_ignored: usize,
        other_size: Option<usize>,
    ) {
        let t = self.prep.template;
        let tpl = &world.templates[t as usize];
        let require_all = !tpl.spread_system_default;
        let mut soft = std::mem::take(&mut self.sc.soft);
        let mut per_domain = std::mem::take(&mut self.sc.per_domain);
        let mut used = 0;
        for idx in 0..tpl.spread.len() {
            let c = &world.templates[t as usize].spread[idx];
            if c.hard {
                continue;
            }
            if soft.len() <= used {
                soft.push(SpreadState::default());
            }
            let st = &mut soft[used];
            used += 1;
            st.key = c.key;
            st.group = c.group;
            st.max_skew = c.max_skew;
            st.hostname = self.topo.hostname_key == Some(c.key);
            let size = if st.hostname {
                st.counts.clear();
                not_ignored
            } else {
                let size = match other_size {
                    Some(size) => size,
                    None => self.distinct_values(world, c.key),
                };
                self.domain_counts(
                    world,
                    Which {
                        t,
                        idx,
                        hard: false,
                        require_all,
                    },
                    st,
                    &mut per_domain,
                );
                size
            };
            st.weight = topology_normalizing_weight(size);
        }
        soft.truncate(used);
        self.sc.soft = soft;
        self.sc.per_domain = per_domain;
    }

    /// Distinct values of `key` among the feasible nodes that are not ignored; a node lacking
    /// the key counts as the value "" (system defaults only), as upstream's map does.
    fn distinct_values(&mut self, world: &World, key: TopoKeyId) -> usize {
        let groups = &world.groups;
        let k = self.sc.feasible.len();
        let ndom = groups.keys[key as usize].domains as usize;
        self.sc.stamp_gen = self.sc.stamp_gen.wrapping_add(1);
        if self.sc.stamp_gen == 0 {
            self.sc.stamp.iter_mut().for_each(|s| *s = 0);
            self.sc.stamp_gen = 1;
        }
        if self.sc.stamp.len() < ndom + 1 {
            self.sc.stamp.resize(ndom + 1, 0);
        }
        let gen = self.sc.stamp_gen;
        let mut size = 0;
        for i in 0..k {
            if self.sc.ignored[i] {
                continue;
            }
            let d = groups.domain(key, self.sc.feasible[i]);
            let slot = if d == NO_DOMAIN { ndom } else { d as usize };
            if self.sc.stamp[slot] != gen {
                self.sc.stamp[slot] = gen;
                size += 1;
            }
        }
        size
    }
}

#[cfg(test)]
#[path = "tests/spread_walk.rs"]
mod walk_tests;
