//! NodeResourcesFit (`pkg/scheduler/framework/plugins/noderesources/fit.go`): the Filter
//! (requests against allocatable minus requested, with nominated pods' reservations) and the
//! Score of the three strategies (`least_allocated.go`, `most_allocated.go`,
//! `requested_to_capacity_ratio.go`).

use super::super::config::{FitKind, ResolvedProfile};
use super::super::filter::{Adjust, Fail, Prep};
use super::super::score::{
    least_requested_score, most_requested_score, ratio_resource_score, weighted_mean,
    weighted_mean_rounded,
};
use crate::cluster::{NodeId, PodTemplate, World, CPU, EPHEMERAL_STORAGE, MEMORY, PODS};

/// NodeResourcesFit filter. `None` when the pod fits.
#[inline(always)]
pub(crate) fn filter(world: &World, prep: &Prep, n: NodeId, adj: &Adjust) -> Option<Fail> {
    let nodes = &world.nodes;
    let s = nodes.stride();
    let base = n.ix() * s;
    let alloc = &nodes.allocatable[base..base + s];
    let req = &nodes.requested[base..base + s];
    let mut mask = 0u64;
    let mut unresolvable = false;
    let pods = world.pods_on_node[n.ix()].len() as i64 + adj.pods_delta;
    if pods + 1 > alloc[PODS] {
        mask |= 1 << PODS;
    }
    match adj.delta {
        None => {
            for &(r, q) in &prep.fit_reqs {
                if q > alloc[r] - req[r] {
                    mask |= 1 << r;
                    unresolvable |= q > alloc[r];
                }
            }
        }
        Some(d) => {
            for &(r, q) in &prep.fit_reqs {
                if q > alloc[r] - (req[r] + d[r]) {
                    mask |= 1 << r;
                    unresolvable |= q > alloc[r];
                }
            }
        }
    }
    if mask != 0 {
        Some(Fail::Fit { mask, unresolvable })
    } else {
        None
    }
}

/// (allocatable, requested incl. the pod) of resource `r` on node `n` for the resource
/// scores; `nonzero` selects the non-zero-default columns for cpu/memory (NodeResourcesFit)
/// over the actual ones (BalancedAllocation). (0, 0) = bypassed.
#[inline]
pub(crate) fn alloc_req(
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

/// NodeResourcesFit score (LeastAllocated / MostAllocated / RequestedToCapacityRatio).
pub(crate) fn score(
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
