//! GPU devices: the resources a GPU pool advertises, its model label, the device state's
//! pool table, each profile's device policy and the FGD target workload.

use crate::cluster::gpus::{DevicePolicy, GpuDevices, PoolGpus, TargetPod, MILLI_PER_GPU};
use crate::cluster::{ResourceTable, Sym, World, CPU};
use crate::scenario::types::cluster::{
    NodePool, GPU_MEM_RESOURCE, GPU_MILLI_RESOURCE, GPU_MODEL_LABEL, GPU_RESOURCE,
};
use crate::scenario::ScenarioFile;
use crate::scheduler::SchedulerConfig;

/// Interns the GPU resources when a pool has devices (runs without GPUs keep their table).
pub(super) fn add_resources(s: &ScenarioFile, t: &mut ResourceTable) {
    let pools = || s.cluster.node_pools.iter().filter_map(|p| p.gpus.as_ref());
    if pools().next().is_none() {
        return;
    }
    t.intern(GPU_RESOURCE);
    t.intern(GPU_MILLI_RESOURCE);
    if pools().any(|g| g.memory.is_some()) {
        t.intern(GPU_MEM_RESOURCE);
    }
}

/// Records the devices of `pool` (the pool just pushed to `World::pools`).
pub(super) fn add_pool(world: &mut World, pool: &NodePool) {
    let g = pool.gpus.as_ref();
    world.gpus.pools.push(PoolGpus {
        count: g.map_or(0, |g| g.count),
        model: g.and_then(|g| g.model.clone()).unwrap_or_default(),
        memory: g.and_then(|g| g.memory).map_or(0, |m| m.value()),
    });
    let rt = &world.resources;
    world.gpus.whole_res = rt.lookup(GPU_RESOURCE);
    world.gpus.milli_res = rt.lookup(GPU_MILLI_RESOURCE);
    world.gpus.mem_res = rt.lookup(GPU_MEM_RESOURCE);
}

/// Adds the model label of a GPU pool's node.
pub(super) fn add_model_label(
    gpus: &GpuDevices,
    pool: u32,
    i: &mut crate::cluster::Interner,
    pairs: &mut Vec<(Sym, Sym)>,
) {
    if let Some(p) = gpus.pool(pool).filter(|p| !p.model.is_empty()) {
        pairs.push((i.intern(GPU_MODEL_LABEL), i.intern(&p.model)));
    }
}

/// A GPU pool's node advertises `nvidia.com/gpu: count`, `gpu-milli: count × 1000` and
/// `gpu-mem: count × memory` (capacity = allocatable).
pub(super) fn add_capacity(
    gpus: &GpuDevices,
    pool: u32,
    capacity: &mut [i64],
    allocatable: &mut [i64],
) {
    let Some(p) = gpus.pool(pool) else { return };
    let n = i64::from(p.count);
    for (r, v) in [
        (gpus.whole_res, n),
        (gpus.milli_res, n * MILLI_PER_GPU),
        (gpus.mem_res, n * p.memory),
    ] {
        if let Some(r) = r {
            capacity[r] = v;
            allocatable[r] = v;
        }
    }
}

/// Each profile's device policy (`FGDScore` enabled → FGD, else `BestFitScore` → best fit,
/// else first fit) and the FGD target workload: one pod shape per workload template, equal
/// frequencies.
pub(super) fn finish(world: &mut World, scheduler: &SchedulerConfig) {
    if !world.gpus.has_devices() {
        return;
    }
    let has = |p: &crate::scheduler::Profile, name: &str| {
        p.score_weights.iter().any(|(n, w)| n == name && *w > 0)
    };
    world.gpus.policy = scheduler
        .profiles
        .iter()
        .map(|p| {
            if has(p, "FGDScore") {
                DevicePolicy::Fgd
            } else if has(p, "BestFitScore") {
                DevicePolicy::BestFit
            } else {
                DevicePolicy::FirstFit
            }
        })
        .collect();
    let n = world.templates.len().max(1) as f64;
    let targets = world
        .templates
        .iter()
        .map(|t| TargetPod {
            demand: world.gpus.demand(&t.requests),
            cpu: t.requests.get(CPU).copied().unwrap_or(0),
            freq: 1.0 / n,
        })
        .collect();
    world.gpus.targets = targets;
}
