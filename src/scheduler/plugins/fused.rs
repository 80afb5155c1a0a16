//! A named optimisation: the default profile's two resource scores (NodeResourcesFit
//! LeastAllocated over cpu and memory with weight 1, NodeResourcesBalancedAllocation over cpu
//! and memory) in one pass over the node columns. The per-plugin path (`resources_fit::score`,
//! `balanced_allocation::score`) computes the same numbers; a property test in
//! `scheduler/tests/props.rs` checks the two agree.

use super::super::config::ResolvedProfile;
use super::super::score::{
    balanced_score, balanced_score2, fraction, least_requested_score, weighted_mean,
};
use crate::cluster::{NodeId, PodTemplate, World, CPU, MEMORY};

/// Whether the fused pass replaces both plugins' scores for this profile.
pub(crate) fn applies(prof: &ResolvedProfile) -> bool {
    prof.default_fit() && prof.balanced_resources == [Some(CPU), Some(MEMORY)]
}

/// NodeResourcesFit LeastAllocated (cpu, memory, weight 1, non-zero requests) and
/// NodeResourcesBalancedAllocation (cpu, memory, actual requests) in one pass: the same
/// arithmetic as [`score_fit`] and [`score_balanced`], sharing the node column loads.
pub(crate) fn score_fit_balanced_default(
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
