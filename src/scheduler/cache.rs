//! Node classes and the cached verdict of the static filters.
//!
//! NodeUnschedulable, TaintToleration and NodeAffinity (and the static score inputs:
//! untolerated PreferNoSchedule taints, the preferred node-affinity sum) depend only on the
//! pod template and on the node's (label set, taint set, cordon flag) — plus the hostname when
//! a template's selectors name `kubernetes.io/hostname`. Nodes sharing those three ids form a
//! *class*; the verdict is computed once per (template, class) and the per-node hot path is a
//! couple of integer loads and compares.
//!
//! A node's class is re-derived whenever its ids change (taints come and go with conditions
//! and faults): each node keeps the 64-bit key it was classified with, compared on every use.

use std::collections::HashMap;

use super::config::ResolvedProfile;
use crate::cluster::taints::{tolerated, Taint, TaintEffect};
use crate::cluster::{PodTemplate, World};

/// Why a node fails the static filters (first failing plugin, in upstream order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum StaticFail {
    /// Passes all three.
    Pass,
    /// NodeUnschedulable: cordoned and the pod does not tolerate
    /// `node.kubernetes.io/unschedulable:NoSchedule`.
    Unschedulable,
    /// TaintToleration: index of the first untolerated NoSchedule/NoExecute taint in the node's
    /// (sorted) taint set.
    Taint(u8),
    /// NodeAffinity: nodeSelector or required node affinity does not match.
    NodeAffinity,
}

/// The static verdict and score inputs of one (template, node class).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct StaticEntry {
    /// False for a cache slot not computed yet.
    pub known: bool,
    /// First failing static filter (only the filters enabled in the template's profile).
    pub fail: StaticFail,
    /// nodeSelector and required node affinity match (PodTopologySpread node-inclusion policy).
    pub aff_match: bool,
    /// Every NoSchedule/NoExecute taint is tolerated (PodTopologySpread `nodeTaintsPolicy`).
    pub taints_ok: bool,
    /// TaintToleration raw score: untolerated PreferNoSchedule taints.
    pub prefer_count: i32,
    /// NodeAffinity raw score: sum of the weights of matching preferred terms.
    pub node_aff: i32,
}

impl StaticEntry {
    const UNKNOWN: StaticEntry = StaticEntry {
        known: false,
        fail: StaticFail::Pass,
        aff_match: false,
        taints_ok: false,
        prefer_count: 0,
        node_aff: 0,
    };
}

/// What the static filters read of a node: its label set, taint set, cordon and hostname.
/// A real node or a node that does not exist yet (the autoscaler's node-group template).
#[derive(Clone, Copy, Debug)]
pub(crate) struct NodeView {
    /// Interned label set (without hostname).
    pub labels: crate::cluster::nodes::LabelSetId,
    /// Interned taint set.
    pub taints: crate::cluster::nodes::TaintSetId,
    /// `spec.unschedulable`.
    pub unschedulable: bool,
    /// `kubernetes.io/hostname`.
    pub hostname: crate::cluster::Sym,
}

impl NodeView {
    /// The view of node `node` of `world`.
    pub(crate) fn of(world: &World, node: usize) -> Self {
        NodeView {
            labels: world.nodes.labels[node],
            taints: world.nodes.taints[node],
            unschedulable: world.nodes.unschedulable[node],
            hostname: world.nodes.hostname[node],
        }
    }
}

/// Evaluates the static filters and score inputs of `tpl` on node `node`.
pub(crate) fn compute_static(
    world: &World,
    tpl: &PodTemplate,
    prof: &ResolvedProfile,
    node: usize,
) -> StaticEntry {
    compute_static_view(world, tpl, prof, NodeView::of(world, node))
}

/// [`compute_static`] on a node described by `view` (it need not exist in `world`).
pub(crate) fn compute_static_view(
    world: &World,
    tpl: &PodTemplate,
    prof: &ResolvedProfile,
    view: NodeView,
) -> StaticEntry {
    let taints = world.taint_sets.get(view.taints).as_slice();
    let labels = world.label_sets.get(view.labels);
    let hostname_key = world.well_known.hostname;
    let get = |k| {
        if k == hostname_key {
            Some(view.hostname)
        } else {
            labels.get(k)
        }
    };
    let interner = &world.interner;
    let mut fail = StaticFail::Pass;
    if prof.filter_unschedulable && view.unschedulable {
        // A pod tolerating `node.kubernetes.io/unschedulable:NoSchedule` tolerates the cordon.
        let key = world
            .interner
            .lookup("node.kubernetes.io/unschedulable")
            .unwrap_or(crate::cluster::Sym(u32::MAX));
        let t = Taint {
            key,
            value: crate::cluster::Sym::EMPTY,
            effect: TaintEffect::NoSchedule,
        };
        if !tolerated(&tpl.tolerations, &t) {
            fail = StaticFail::Unschedulable;
        }
    }
    let first_untolerated = taints.iter().position(|t| {
        matches!(t.effect, TaintEffect::NoSchedule | TaintEffect::NoExecute)
            && !tolerated(&tpl.tolerations, t)
    });
    if fail == StaticFail::Pass && prof.filter_taints {
        if let Some(ix) = first_untolerated {
            fail = StaticFail::Taint(ix.min(u8::MAX as usize) as u8);
        }
    }
    let aff_match = tpl.node_selector.matches_with(get, interner)
        && tpl
            .required_node_affinity
            .as_ref()
            .is_none_or(|r| r.matches_with(get, interner));
    if fail == StaticFail::Pass && prof.filter_node_affinity && !aff_match {
        fail = StaticFail::NodeAffinity;
    }
    // TaintToleration score: tolerations with an empty effect or PreferNoSchedule.
    let prefer_count = taints
        .iter()
        .filter(|t| t.effect == TaintEffect::PreferNoSchedule)
        .filter(|t| {
            !tpl.tolerations.iter().any(|tol| {
                matches!(tol.effect, None | Some(TaintEffect::PreferNoSchedule)) && tol.tolerates(t)
            })
        })
        .count() as i32;
    let node_aff = tpl
        .preferred_node_affinity
        .iter()
        .filter(|p| p.weight != 0 && !p.term.is_empty() && p.term.matches_with(get, interner))
        .map(|p| p.weight)
        .sum::<i64>() as i32;
    StaticEntry {
        known: true,
        fail,
        aff_match,
        taints_ok: first_untolerated.is_none(),
        prefer_count,
        node_aff,
    }
}

/// Whether `tpl`'s node selectors read `kubernetes.io/hostname` (then its static verdict is
/// per node, not per class).
pub(crate) fn hostname_dependent(world: &World, tpl: &PodTemplate) -> bool {
    let h = world.well_known.hostname;
    tpl.node_selector.requirements.iter().any(|r| r.key == h)
        || tpl.required_node_affinity.as_ref().is_some_and(|s| {
            s.terms
                .iter()
                .any(|t| t.requirements.iter().any(|r| r.key == h))
        })
        || tpl
            .preferred_node_affinity
            .iter()
            .any(|p| p.term.requirements.iter().any(|r| r.key == h))
}

/// Whether `tpl` has no nodeSelector and no required node affinity (every node matches).
pub(crate) fn affinity_trivial(tpl: &PodTemplate) -> bool {
    tpl.node_selector.is_empty() && tpl.required_node_affinity.is_none()
}

/// Node → class assignment, refreshed lazily per node.
#[derive(Default)]
pub(crate) struct NodeClasses {
    /// Per node: the key it was classified with (`u64::MAX` = never) and its class.
    slots: Vec<(u64, u32)>,
    /// Key → class id.
    ids: HashMap<u64, u32>,
}

impl NodeClasses {
    /// Grows the per-node arrays to `n` nodes.
    pub(crate) fn resize(&mut self, n: usize) {
        if self.slots.len() < n {
            self.slots.resize(n, (u64::MAX, 0));
        }
    }

    #[inline]
    fn node_key(world: &World, n: usize) -> u64 {
        let nodes = &world.nodes;
        u64::from(nodes.labels[n])
            | (u64::from(nodes.taints[n]) << 32)
            | (u64::from(nodes.unschedulable[n]) << 63)
    }

    /// The class of node `n` (re-classifying it if its labels, taints or cordon changed).
    #[inline]
    pub(crate) fn class_of(&mut self, world: &World, n: usize) -> u32 {
        let k = Self::node_key(world, n);
        let (key, class) = self.slots[n];
        if key == k {
            return class;
        }
        self.reclassify(n, k)
    }

    #[cold]
    fn reclassify(&mut self, n: usize, k: u64) -> u32 {
        let next = self.ids.len() as u32;
        let c = *self.ids.entry(k).or_insert(next);
        self.slots[n] = (k, c);
        c
    }
}

/// Per-template static verdicts.
#[derive(Default)]
pub(crate) struct TemplateStatics {
    /// Per template: selectors read the hostname (no class caching).
    hostname_dep: Vec<Option<bool>>,
    /// `[template][class]`.
    by_class: Vec<Vec<StaticEntry>>,
}

impl TemplateStatics {
    /// Whether template `t`'s selectors read the hostname (then nothing is cached per class).
    /// `key` is its scheduling signature (the cache index).
    pub(crate) fn hostname_dependent(&mut self, world: &World, key: usize, t: usize) -> bool {
        if self.by_class.len() <= key {
            self.by_class.resize_with(key + 1, Vec::new);
            self.hostname_dep.resize(key + 1, None);
        }
        *self.hostname_dep[key]
            .get_or_insert_with(|| hostname_dependent(world, &world.templates[t]))
    }

    /// The cached entry of template `t` for class `c`, if computed (hot path).
    #[inline(always)]
    pub(crate) fn cached(&self, t: usize, c: usize) -> Option<StaticEntry> {
        match self.by_class.get(t).and_then(|row| row.get(c)) {
            Some(e) if e.known => Some(*e),
            _ => None,
        }
    }

    /// The static entry of template `t` (scheduling signature `key`) on node `n`.
    #[inline]
    pub(crate) fn get(
        &mut self,
        classes: &mut NodeClasses,
        world: &World,
        prof: &ResolvedProfile,
        (key, t): (usize, usize),
        n: usize,
    ) -> StaticEntry {
        if self.by_class.len() <= key {
            self.by_class.resize_with(key + 1, Vec::new);
            self.hostname_dep.resize(key + 1, None);
        }
        let tpl = &world.templates[t];
        let dep = *self.hostname_dep[key].get_or_insert_with(|| hostname_dependent(world, tpl));
        if dep {
            return compute_static(world, tpl, prof, n);
        }
        let c = classes.class_of(world, n) as usize;
        let row = &mut self.by_class[key];
        if let Some(e) = row.get(c) {
            if e.known {
                return *e;
            }
        }
        if row.len() <= c {
            row.resize(c + 1, StaticEntry::UNKNOWN);
        }
        let e = compute_static(world, tpl, prof, n);
        row[c] = e;
        e
    }
}
