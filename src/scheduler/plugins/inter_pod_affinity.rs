//! InterPodAffinity (`interpodaffinity/filtering.go`, `scoring.go`): the Filter (required
//! affinity with the first-pod special case, required anti-affinity, existing pods' required
//! anti-affinity) and the Score (preferred terms both ways, existing pods' required affinity
//! with `hardPodAffinityWeight`).

use super::super::config::ResolvedProfile;
use super::super::filter::{Adjust, Fail, Prep};
use crate::cluster::template::ExistingTermKind;
use crate::cluster::{NodeId, PodTemplate, World, NO_DOMAIN};

/// InterPodAffinity filter: required affinity (with the first-pod special case), required
/// anti-affinity, existing pods' required anti-affinity.
#[inline]
pub(crate) fn filter(
    world: &World,
    tpl: &PodTemplate,
    prep: &Prep,
    n: NodeId,
    adj: &Adjust,
) -> Option<Fail> {
    let groups = &world.groups;
    let a = &tpl.affinity;
    if !a.required.is_empty() {
        let mut pods_exist = true;
        let mut removed_total = 0;
        for t in &a.required {
            let d = groups.domain(t.key, n);
            if d == NO_DOMAIN {
                return Some(Fail::PodAffinity);
            }
            let r = adj.removed_in(world, t.group);
            removed_total += r;
            if i64::from(groups.count(t.group, t.key, d)) - r <= 0 {
                pods_exist = false;
            }
        }
        // First pod of a series with affinity to itself: nobody matches yet, it matches itself.
        let first_pod = prep.aff_total - removed_total <= 0 && prep.aff_self_all;
        if !pods_exist && !first_pod {
            return Some(Fail::PodAffinity);
        }
    }
    for t in &a.anti_required {
        let d = groups.domain(t.key, n);
        if d != NO_DOMAIN
            && i64::from(groups.count(t.group, t.key, d)) - adj.removed_in(world, t.group) > 0
        {
            return Some(Fail::PodAntiAffinity);
        }
    }
    for e in &tpl.existing_terms {
        if e.kind != ExistingTermKind::RequiredAntiAffinity {
            continue;
        }
        let d = groups.domain(e.key, n);
        if d != NO_DOMAIN
            && i64::from(groups.count(e.owners, e.key, d)) - adj.removed_in(world, e.owners) > 0
        {
            return Some(Fail::ExistingAntiAffinity);
        }
    }
    None
}

/// Whether any InterPodAffinity score term involves this pod: its preferred (anti-)affinity,
/// or existing pods' preferred terms / required affinity selecting it.
/// With `ignorePreferredTermsOfExistingPods` a pod without preferred terms of its own skips the
/// plugin (upstream `PreScore` returns Skip: existing pods' terms, preferred and required, are
/// not counted).
pub(crate) fn score_relevant(tpl: &PodTemplate, prof: &ResolvedProfile) -> bool {
    let own = !tpl.affinity.preferred.is_empty() || !tpl.affinity.anti_preferred.is_empty();
    own || (!prof.ignore_preferred_terms_of_existing_pods
        && tpl.existing_terms.iter().any(|e| match e.kind {
            ExistingTermKind::RequiredAntiAffinity => false,
            ExistingTermKind::RequiredAffinity => prof.hard_pod_affinity_weight > 0,
            ExistingTermKind::PreferredAffinity(_) | ExistingTermKind::PreferredAntiAffinity(_) => {
                true
            }
        }))
}

/// InterPodAffinity raw score: Σ over the terms involved of ±weight × matching pods in the
/// node's domain of the term's key.
pub(crate) fn score(
    world: &World,
    prof: &ResolvedProfile,
    tpl: &PodTemplate,
    feasible: &[NodeId],
    out: &mut [i64],
) {
    let groups = &world.groups;
    let a = &tpl.affinity;
    if !score_relevant(tpl, prof) {
        out.fill(0);
        return;
    }
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
