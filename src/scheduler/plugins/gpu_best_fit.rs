//! `BestFitScore` (GPU sharing): prefer the node whose chosen device is left with the least
//! free milli-GPU (a share pod) or, for whole GPUs, the node left with the least free
//! milli-GPU in total. Raw score = minus that remainder, normalised min–max to 0..100 (the
//! simulator of the Alibaba GPU 2023 trace normalises its scores the same way). The device
//! on the chosen node is picked by the same rule (`cluster::gpus::DevicePolicy::BestFit`).
//! PreScore skips pods without a GPU request.

use crate::cluster::gpus::{DevicePolicy, MILLI_PER_GPU};
use crate::cluster::{NodeId, PodTemplate, World};

/// PreScore: Skip pods without a GPU request, or when no node has devices.
pub(crate) fn skip(world: &World, tpl: &PodTemplate) -> bool {
    !world.gpus.has_devices() || world.gpus.demand(&tpl.requests).is_none()
}

/// Raw scores (higher = tighter fit).
pub(crate) fn score(world: &World, tpl: &PodTemplate, feasible: &[NodeId], out: &mut [i64]) {
    let gpus = &world.gpus;
    let g = gpus.demand(&tpl.requests);
    for (o, &n) in out.iter_mut().zip(feasible) {
        let pool = world.nodes.pool[n.ix()];
        if gpus.pool(pool).is_none() {
            *o = -(MILLI_PER_GPU * crate::cluster::gpus::MAX_GPUS_PER_NODE as i64);
            continue;
        }
        let v = gpus.view(n, pool);
        let left = match v.choose(&g, DevicePolicy::BestFit, 0, &[]) {
            Some(mask) if g.is_share() => {
                let d = mask.trailing_zeros() as usize;
                v.free_milli[d] - g.milli
            }
            Some(_) => v.free_total() - g.whole * MILLI_PER_GPU,
            None => MILLI_PER_GPU * crate::cluster::gpus::MAX_GPUS_PER_NODE as i64,
        };
        *o = -left;
    }
}
