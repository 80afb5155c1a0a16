//! `FGDScore`: Fragmentation Gradient Descent (Weng et al., "Beware of Fragmentation:
//! Scheduling GPU-Sharing Workloads with Fragmentation Gradient Descent", USENIX ATC'23; the
//! scorer of its published simulator, `fgd_score.go`). A node's fragmentation is measured
//! against the target workload (`cluster::gpus::DeviceView::fragmentation`); placing the pod
//! on the node's best device (the one raising the fragmentation least) changes it by Δ, and
//! the score is `int(sigmoid((before − after) / 1000) × 100)` with no normalisation, as the
//! paper's scorer. PreScore skips pods without a GPU request.

use crate::cluster::gpus::DevicePolicy;
use crate::cluster::{NodeId, PodTemplate, World, CPU};

/// PreScore: Skip pods without a GPU request, or when no node has devices.
pub(crate) fn skip(world: &World, tpl: &PodTemplate) -> bool {
    super::gpu_best_fit::skip(world, tpl)
}

/// `int(sigmoid(x) × 100)`.
pub(crate) fn sigmoid_score(decrease: f64) -> i64 {
    (100.0 / (1.0 + (-decrease / 1000.0).exp())) as i64
}

/// Raw scores (no normalisation).
pub(crate) fn score(world: &World, tpl: &PodTemplate, feasible: &[NodeId], out: &mut [i64]) {
    let gpus = &world.gpus;
    let g = gpus.demand(&tpl.requests);
    let cpu = tpl.requests.get(CPU).copied().unwrap_or(0);
    for (o, &n) in out.iter_mut().zip(feasible) {
        let pool = world.nodes.pool[n.ix()];
        if gpus.pool(pool).is_none() {
            *o = 0;
            continue;
        }
        let v = gpus.view(n, pool);
        let cpu_free = world.nodes.alloc(n, CPU) - world.nodes.req(n, CPU);
        let before = v.fragmentation(cpu_free, &gpus.targets);
        *o = match v.choose(&g, DevicePolicy::Fgd, cpu_free - cpu, &gpus.targets) {
            Some(mask) => {
                let mut after = v;
                after.take(&g, mask);
                sigmoid_score(before - after.fragmentation(cpu_free - cpu, &gpus.targets))
            }
            None => 0,
        };
    }
}
