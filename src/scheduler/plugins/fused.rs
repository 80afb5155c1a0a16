//! A named optimisation: the default profile's two resource scores (NodeResourcesFit
//! LeastAllocated over cpu and memory with weight 1, NodeResourcesBalancedAllocation over cpu
//! and memory) in one pass over the node columns. The per-plugin path (`resources_fit::score`,
//! `balanced_allocation::score`) computes the same numbers; a property test in
//! `scheduler/tests/props.rs` checks the two agree.

use super::super::config::ResolvedProfile;
use super::super::score::{
    balanced_score, balanced_score2, fraction, least_requested_score, weighted_mean,
};
use super::super::verdicts::Entry;
use super::ScorePlugin;
use crate::cluster::{NodeId, PodTemplate, World, CPU, MEMORY};

/// Whether the fused pass replaces both plugins' scores for this profile.
pub(crate) fn applies(prof: &ResolvedProfile) -> bool {
    prof.default_fit() && prof.balanced_resources == [Some(CPU), Some(MEMORY)]
}

/// The weighted normalised score every plugin other than the two resource scores adds to each
/// feasible node, when it is the same for all of them except for ImageLocality: a skipped
/// plugin adds nothing, ImageLocality adds 0 when `image_zero` (`image_locality::all_zero`),
/// and TaintToleration adds `100 × weight` when no feasible node has an untolerated
/// PreferNoSchedule taint (its reverse `DefaultNormalizeScore` of all-zero counts). The flag
/// is true when ImageLocality's raw column (it has no NormalizeScore) must still be added with
/// its weight. None when any other plugin runs or a node has such a taint.
pub(crate) fn constant_rest(
    skipped: &[bool],
    image_zero: bool,
    prof: &ResolvedProfile,
    statics: &[(i32, i32)],
) -> Option<(i64, bool)> {
    let mut c = 0;
    let mut image_column = false;
    for p in ScorePlugin::ALL {
        let i = p.index();
        if skipped[i] {
            continue;
        }
        match p {
            ScorePlugin::NodeResourcesFit | ScorePlugin::NodeResourcesBalancedAllocation => {}
            ScorePlugin::ImageLocality => image_column = !image_zero,
            ScorePlugin::TaintToleration if statics.iter().all(|s| s.0 == 0) => {
                c += super::super::score::MAX_NODE_SCORE * prof.weights[i];
            }
            _ => return None,
        }
    }
    Some((c, image_column))
}

/// NodeResourcesFit LeastAllocated (cpu, memory, weight 1, non-zero requests) and
/// NodeResourcesBalancedAllocation (cpu, memory, actual requests) in one pass: the same
/// arithmetic as `resources_fit::score` and `balanced_allocation::score`, sharing the node
/// column loads.
pub(crate) fn score_fit_balanced_default(
    world: &World,
    tpl: &PodTemplate,
    feasible: &[NodeId],
    fit: &mut [i64],
    bal: &mut [i64],
) {
    let pod = PodShape::of(tpl);
    for ((f, b), &n) in fit.iter_mut().zip(bal.iter_mut()).zip(feasible) {
        (*f, *b) = one(world, &pod, n.ix());
    }
}

/// [`score_fit_balanced_default`] through the verdict cache (`verdicts.rs`): a node whose
/// version did not change since its scores were computed for this template is not recomputed.
pub(crate) fn score_cached(
    world: &World,
    tpl: &PodTemplate,
    feasible: &[NodeId],
    entries: &mut [Entry],
    ver: &[u32],
    fit: &mut [i64],
    bal: &mut [i64],
) {
    let pod = PodShape::of(tpl);
    for ((f, b), &n) in fit.iter_mut().zip(bal.iter_mut()).zip(feasible) {
        let i = n.ix();
        (*f, *b) = cached_one(world, &pod, &mut entries[i], ver[i], i);
    }
}

/// Both raw scores of node `i` from its cache entry `e` when it holds them for version
/// `ver`, else computed and stored there.
#[inline(always)]
pub(crate) fn cached_one(
    world: &World,
    pod: &PodShape,
    e: &mut Entry,
    ver: u32,
    i: usize,
) -> (i64, i64) {
    if e.score_ver == ver {
        (i64::from(e.fit), i64::from(e.bal))
    } else {
        let (f, b) = one(world, pod, i);
        // Both scores lie in 0..=100.
        e.fit = f as i32;
        e.bal = b as i32;
        e.score_ver = ver;
        (f, b)
    }
}

/// The pod's requests the two scores read.
pub(crate) struct PodShape {
    cpu: i64,
    mem: i64,
    nonzero_cpu: i64,
    nonzero_mem: i64,
}

impl PodShape {
    /// The shape of `tpl`'s pods.
    pub(crate) fn of(tpl: &PodTemplate) -> Self {
        PodShape {
            cpu: tpl.requests[CPU],
            mem: tpl.requests[MEMORY],
            nonzero_cpu: tpl.nonzero_cpu,
            nonzero_mem: tpl.nonzero_mem,
        }
    }
}

/// Both raw scores of node `i`.
#[inline(always)]
pub(crate) fn one(world: &World, pod: &PodShape, i: usize) -> (i64, i64) {
    let nodes = &world.nodes;
    let base = i * nodes.stride();
    let (ac, am) = (
        nodes.allocatable[base + CPU],
        nodes.allocatable[base + MEMORY],
    );
    let (rc, rm) = (nodes.requested[base + CPU], nodes.requested[base + MEMORY]);
    let (pc, pm) = (pod.cpu, pod.mem);
    let (nzc, nzm) = (pod.nonzero_cpu, pod.nonzero_mem);
    if ac != 0 && am != 0 {
        let sum = least_requested_score(nodes.nonzero_cpu[i] + nzc, ac)
            + least_requested_score(nodes.nonzero_mem[i] + nzm, am);
        (
            weighted_mean(sum, 2),
            balanced_score2(fraction(rc + pc, ac), fraction(rm + pm, am)),
        )
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
        (weighted_mean(sum, w), balanced_score(&fr[..k]))
    }
}
