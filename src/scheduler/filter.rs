//! Per-node filters after the static ones (NodeResourcesFit, PodTopologySpread,
//! InterPodAffinity), failure statuses and upstream's reason strings.

use super::cache::StaticFail;
use super::config::ResolvedProfile;
use super::plugins::{gpu_share, inter_pod_affinity, resources_fit, topology_spread};
use crate::cluster::{
    GroupId, NodeId, PodId, PodTemplate, ResourceId, TemplateId, TopoKeyId, World, PODS,
};

/// Why a node was rejected: the first failing plugin's status (with all its reasons).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Fail {
    /// NodeUnschedulable (unresolvable).
    Unschedulable,
    /// TaintToleration (unresolvable): the first untolerated NoSchedule/NoExecute taint.
    Taint {
        key: crate::cluster::Sym,
        value: crate::cluster::Sym,
    },
    /// NodeAffinity (unresolvable).
    NodeAffinity,
    /// NodeResourcesFit: bit `r` set = resource `r` insufficient (bit `PODS` = "Too many
    /// pods"); unresolvable when a request exceeds the node's allocatable.
    Fit { mask: u64, unresolvable: bool },
    /// PodTopologySpread: the node lacks a constraint's topology key (unresolvable).
    SpreadMissingLabel,
    /// PodTopologySpread: skew would exceed maxSkew.
    Spread,
    /// InterPodAffinity: required affinity not satisfied (unresolvable).
    PodAffinity,
    /// InterPodAffinity: the pod's required anti-affinity.
    PodAntiAffinity,
    /// InterPodAffinity: an existing pod's required anti-affinity.
    ExistingAntiAffinity,
    /// GPU devices (`plugins/gpu_share.rs`): no single device holds the share, or not enough
    /// completely free devices for whole GPUs (unresolvable: device state is not simulated
    /// under preemption).
    GpuDevices { share: bool },
    /// Preemption dry run: no lower-priority pod on the node (unresolvable).
    NoVictims,
    /// Preemption: the node's filter failure cannot be resolved by removing pods.
    NotHelpful,
}

impl Fail {
    /// `UnschedulableAndUnresolvable` (preemption cannot help on this node).
    pub(crate) fn unresolvable(&self) -> bool {
        match self {
            Fail::Unschedulable
            | Fail::Taint { .. }
            | Fail::NodeAffinity
            | Fail::SpreadMissingLabel
            | Fail::PodAffinity
            | Fail::GpuDevices { .. }
            | Fail::NoVictims
            | Fail::NotHelpful => true,
            Fail::Fit { unresolvable, .. } => *unresolvable,
            Fail::Spread | Fail::PodAntiAffinity | Fail::ExistingAntiAffinity => false,
        }
    }

    /// Upstream plugin name.
    pub(crate) fn plugin(&self) -> &'static str {
        match self {
            Fail::Unschedulable => "NodeUnschedulable",
            Fail::Taint { .. } => "TaintToleration",
            Fail::NodeAffinity => "NodeAffinity",
            Fail::Fit { .. } => "NodeResourcesFit",
            Fail::SpreadMissingLabel | Fail::Spread => "PodTopologySpread",
            Fail::PodAffinity | Fail::PodAntiAffinity | Fail::ExistingAntiAffinity => {
                "InterPodAffinity"
            }
            Fail::GpuDevices { .. } => "GpuShare",
            Fail::NoVictims | Fail::NotHelpful => "DefaultPreemption",
        }
    }

    /// Calls `f` with each reason string of this status, in upstream order.
    pub(crate) fn for_each_reason(&self, world: &World, mut f: impl FnMut(&str)) {
        match self {
            Fail::Unschedulable => f("node(s) were unschedulable"),
            Fail::Taint { key, value } => f(&format!(
                "node(s) had untolerated taint {{{}: {}}}",
                world.interner.resolve(*key),
                world.interner.resolve(*value)
            )),
            Fail::NodeAffinity => f("node(s) didn't match Pod's node affinity/selector"),
            Fail::Fit { mask, .. } => {
                if mask & (1 << PODS) != 0 {
                    f("Too many pods");
                }
                for r in 0..64usize.min(world.resources.len()) {
                    if r != PODS && mask & (1u64 << r) != 0 {
                        f(&format!("Insufficient {}", world.resources.name(r)));
                    }
                }
            }
            Fail::SpreadMissingLabel => {
                f("node(s) didn't match pod topology spread constraints (missing required label)")
            }
            Fail::Spread => f("node(s) didn't match pod topology spread constraints"),
            Fail::PodAffinity => f("node(s) didn't match pod affinity rules"),
            Fail::PodAntiAffinity => f("node(s) didn't match pod anti-affinity rules"),
            Fail::ExistingAntiAffinity => {
                f("node(s) didn't satisfy existing pods anti-affinity rules")
            }
            Fail::GpuDevices { share: true } => {
                f("node(s) had no GPU device with enough free GPU share")
            }
            Fail::GpuDevices { share: false } => f("node(s) had not enough free whole GPU devices"),
            Fail::NoVictims => f("No preemption victims found for incoming pod"),
            Fail::NotHelpful => f("Preemption is not helpful for scheduling"),
        }
    }

    /// `Plugin: reason, reason` (for `explain`).
    pub(crate) fn describe(&self, world: &World) -> String {
        let mut s = format!("{}: ", self.plugin());
        let mut first = true;
        self.for_each_reason(world, |r| {
            if !first {
                s.push_str(", ");
            }
            first = false;
            s.push_str(r);
        });
        s
    }

    /// The failure for a static verdict on node `n`.
    pub(crate) fn from_static(world: &World, f: StaticFail, n: NodeId) -> Option<Fail> {
        match f {
            StaticFail::Pass => None,
            StaticFail::Unschedulable => Some(Fail::Unschedulable),
            StaticFail::Taint(ix) => {
                let t = world.node_taints(n)[ix as usize];
                Some(Fail::Taint {
                    key: t.key,
                    value: t.value,
                })
            }
            StaticFail::NodeAffinity => Some(Fail::NodeAffinity),
        }
    }
}

/// Upstream `FitError.Error()` histogram: `"<count> <reason>"` strings sorted as text, joined
/// with ", ".
pub(crate) fn reasons_histogram(world: &World, failures: impl Iterator<Item = Fail>) -> String {
    let mut by_fail: Vec<(Fail, usize)> = Vec::new();
    for f in failures {
        match by_fail.iter_mut().find(|(g, _)| *g == f) {
            Some(e) => e.1 += 1,
            None => by_fail.push((f, 1)),
        }
    }
    reasons_histogram_counted(world, by_fail.into_iter())
}

/// [`reasons_histogram`] from (status, number of nodes) pairs.
pub(crate) fn reasons_histogram_counted(
    world: &World,
    by_fail: impl Iterator<Item = (Fail, usize)>,
) -> String {
    let mut by_reason: Vec<(String, usize)> = Vec::new();
    for (f, c) in by_fail {
        if c == 0 {
            continue;
        }
        f.for_each_reason(world, |r| {
            match by_reason.iter_mut().find(|(s, _)| s == r) {
                Some(e) => e.1 += c,
                None => by_reason.push((r.to_string(), c)),
            }
        });
    }
    let mut lines: Vec<String> = by_reason
        .into_iter()
        .map(|(r, c)| format!("{c} {r}"))
        .collect();
    lines.sort();
    lines.join(", ")
}

/// `0/N nodes are available: <histogram>.`
pub(crate) fn fit_error_message(
    world: &World,
    n_all: usize,
    failures: impl Iterator<Item = Fail>,
) -> String {
    fit_error_message_from(n_all, reasons_histogram(world, failures))
}

/// `0/N nodes are available: <h>.` for an already built histogram `h`.
pub(crate) fn fit_error_message_from(n_all: usize, h: String) -> String {
    if h.is_empty() {
        format!("0/{n_all} nodes are available.")
    } else {
        format!("0/{n_all} nodes are available: {h}.")
    }
}

/// Pre-filter state of one PodTopologySpread constraint (hard: filter; soft: score).
#[derive(Clone, Debug, Default)]
pub(crate) struct SpreadState {
    pub key: TopoKeyId,
    pub group: GroupId,
    pub max_skew: i64,
    /// 1 when the incoming pod matches the constraint's selector.
    pub self_match: i64,
    /// Topology key is `kubernetes.io/hostname` (per-node counts).
    pub hostname: bool,
    /// Matching pods per domain over the eligible nodes (non-hostname keys).
    pub counts: Vec<i64>,
    /// Global minimum (hard; `i32::MAX` when no eligible domain, as upstream's critical paths).
    pub min: i64,
    /// `minDomains` not reached: the global minimum is 0 whatever happens.
    pub min_forced_zero: bool,
    /// Score weight `ln(size + 2)` (soft).
    pub weight: f64,
}

/// Everything a cycle computes once per pod before looking at nodes (upstream PreFilter).
#[derive(Default)]
pub(crate) struct Prep {
    pub template: TemplateId,
    /// The template's scheduling signature (`signature.rs`): the key of the memo and caches.
    pub sig: u32,
    pub profile: usize,
    pub priority: i32,
    /// The pod being scheduled (None for `explain`'s hypothetical pod).
    pub pod: Option<PodId>,
    /// Resources the fit filter checks: non-zero requests, ignored extended resources left out.
    pub fit_reqs: Vec<(ResourceId, i64)>,
    /// Hard (DoNotSchedule) spread constraints.
    pub hard: Vec<SpreadState>,
    /// InterPodAffinity filter has work (required terms, or existing pods' anti-affinity).
    pub aff_active: bool,
    /// Pods matching the required affinity terms anywhere (first-pod special case when 0).
    pub aff_total: i64,
    /// The pod matches all of its own required affinity terms.
    pub aff_self_all: bool,
    /// The template's node selectors read the hostname (static verdict per node).
    pub hostname_dep: bool,
    /// Node verdicts are node-local and may be served from the verdict cache (`verdicts.rs`).
    pub cache: bool,
}

/// Changes to a node applied before filtering: nominated pods' requests (positive) and pods
/// removed by a preemption dry run (negative, with their templates for group counts).
#[derive(Clone, Copy)]
pub(crate) struct Adjust<'a> {
    /// Added to `requested` per resource.
    pub delta: Option<&'a [i64]>,
    /// Added to the node's pod count.
    pub pods_delta: i64,
    /// Templates of pods removed from the node.
    pub removed: &'a [TemplateId],
}

impl Adjust<'_> {
    pub(crate) const NONE: Adjust<'static> = Adjust {
        delta: None,
        pods_delta: 0,
        removed: &[],
    };

    /// Removed pods that belong to `group`.
    #[inline]
    pub(crate) fn removed_in(&self, world: &World, group: GroupId) -> i64 {
        if self.removed.is_empty() {
            return 0;
        }
        self.removed
            .iter()
            .filter(|&&t| world.groups.groups_of(t).contains(&group))
            .count() as i64
    }
}

/// The dynamic filters in upstream order (NodeResourcesFit, PodTopologySpread,
/// InterPodAffinity) for a node that passed the static ones.
#[inline(always)]
pub(crate) fn dynamic_filters(
    world: &World,
    prof: &ResolvedProfile,
    tpl: &PodTemplate,
    prep: &Prep,
    n: NodeId,
    adj: &Adjust,
) -> Option<Fail> {
    if prof.filter_fit {
        if let Some(f) = resources_fit::filter(world, prep, n, adj) {
            return Some(f);
        }
    }
    if let Some(f) = gpu_share::filter(world, tpl, n) {
        return Some(f);
    }
    if prof.filter_spread && !prep.hard.is_empty() {
        if let Some(f) = topology_spread::filter(world, prep, n, adj) {
            return Some(f);
        }
    }
    if prof.filter_interpod && prep.aff_active {
        if let Some(f) = inter_pod_affinity::filter(world, tpl, prep, n, adj) {
            return Some(f);
        }
    }
    None
}
