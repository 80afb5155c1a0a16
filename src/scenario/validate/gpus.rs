//! Validation of GPU devices (`nodePools[].gpus`) and GPU-share requests.

use super::{key, names, Checker};
use crate::scenario::types::cluster::{
    GpuSpec, GPU_MEM_RESOURCE, GPU_MILLI_RESOURCE, GPU_RESOURCE, MAX_GPUS_PER_NODE,
};
use crate::scenario::types::ResourceList;

/// `nodePools[i].gpus`: 1..=16 devices, a label-value model, a positive memory, and no GPU
/// resource listed by hand in the pool's capacity or allocatable (the devices define them).
pub(super) fn check_pool(
    c: &mut Checker,
    at: &str,
    g: &GpuSpec,
    capacity: &ResourceList,
    allocatable: Option<&ResourceList>,
) {
    let gat = key(at, "gpus");
    if g.count == 0 || g.count as usize > MAX_GPUS_PER_NODE {
        c.error(
            key(&gat, "count"),
            format!("{} is not in 1..={MAX_GPUS_PER_NODE}", g.count),
        );
    }
    if let Some(model) = &g.model {
        c.check(&key(&gat, "model"), names::label_value(model));
    }
    if let Some(m) = &g.memory {
        if m.value() <= 0 {
            c.error(key(&gat, "memory"), format!("{m} must be positive"));
        }
    }
    for (field, list) in [("capacity", Some(capacity)), ("allocatable", allocatable)] {
        let Some(list) = list else { continue };
        for name in [GPU_RESOURCE, GPU_MILLI_RESOURCE, GPU_MEM_RESOURCE] {
            if list.contains_key(name) {
                c.error(
                    key(&key(at, field), name),
                    "set by `gpus` (count × 1000 milli, count × memory); remove it here",
                );
            }
        }
    }
}

/// A container's GPU-share request: at most one device (1000 milli-GPU), and not mixed with
/// whole GPUs.
pub(super) fn check_requests(c: &mut Checker, at: &str, requests: &ResourceList) {
    if let Some(q) = requests.get(GPU_MILLI_RESOURCE) {
        if q.value() > 1000 {
            c.error(
                key(at, GPU_MILLI_RESOURCE),
                format!(
                    "{q} is more than one device (1000); request whole devices with {GPU_RESOURCE}"
                ),
            );
        }
    }
    let share =
        requests.contains_key(GPU_MILLI_RESOURCE) || requests.contains_key(GPU_MEM_RESOURCE);
    if share && requests.get(GPU_RESOURCE).is_some_and(|q| !q.is_zero()) {
        c.error(
            key(at, GPU_RESOURCE),
            "whole GPUs and a GPU share cannot be requested together",
        );
    }
}
