//! NodeResourcesBalancedAllocation (`noderesources/balanced_allocation.go`): Score only, no
//! normalisation; PreScore skips pods requesting none of its resources.

use super::super::config::ResolvedProfile;
use super::super::score::{balanced_score, balanced_score2, fraction};
use super::resources_fit::alloc_req;
use crate::cluster::{NodeId, PodTemplate, World, CPU, MEMORY};

/// PreScore: Skip when the pod requests none of the configured resources.
pub(crate) fn skip(tpl: &PodTemplate, prof: &ResolvedProfile) -> bool {
    prof.balanced_resources
        .iter()
        .all(|r| r.is_none_or(|r| tpl.requests.get(r).copied().unwrap_or(0) == 0))
}

/// NodeResourcesBalancedAllocation score (actual requests).
pub(crate) fn score(
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
