//! Raw per-node scores of each score plugin for the feasible nodes of one cycle (the Score
//! extension point); `cycle` normalises and weights them. The formulas themselves are the pure
//! functions of `score`.

use super::config::{FitKind, ResolvedProfile, N_PLUGINS};
use super::filter::SpreadState;
use super::score::{
    balanced_score, balanced_score2, fraction, image_locality_score, least_requested_score,
    most_requested_score, ratio_resource_score, round_half_away, scaled_image_score,
    spread_score_for_count, weighted_mean, weighted_mean_rounded,
};
use crate::cluster::template::ExistingTermKind;
use crate::cluster::{NodeId, PodTemplate, World, CPU, EPHEMERAL_STORAGE, MEMORY, PODS};

/// Whether any InterPodAffinity score term involves this pod: its preferred (anti-)affinity,
/// or existing pods' preferred terms / required affinity selecting it.
pub(super) fn interpod_score_relevant(tpl: &PodTemplate, prof: &ResolvedProfile) -> bool {
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
pub(super) fn alloc_req(
    world: &World,
    tpl: &PodTemplate,
    n: NodeId,
    r: usize,
    nonzero: bool,
) -> (i64, i64) {
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
pub(super) fn two_columns(
    cols: &mut [Vec<i64>; N_PLUGINS],
    a: usize,
    b: usize,
) -> (&mut [i64], &mut [i64]) {
    assert!(a < b);
    let (lo, hi) = cols.split_at_mut(b);
    (&mut lo[a], &mut hi[0])
}

/// NodeResourcesFit LeastAllocated (cpu, memory, weight 1, non-zero requests) and
/// NodeResourcesBalancedAllocation (cpu, memory, actual requests) in one pass: the same
/// arithmetic as [`score_fit`] and [`score_balanced`], sharing the node column loads.
pub(super) fn score_fit_balanced_default(
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
pub(super) fn score_fit(
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
pub(super) fn score_balanced(
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
pub(super) fn score_spread(
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
pub(super) fn score_interpod(
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
pub(super) fn score_image(world: &World, tpl: &PodTemplate, feasible: &[NodeId], out: &mut [i64]) {
    let total = world.node_order.len();
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
