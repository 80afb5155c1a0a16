//! GPU device filter (the role of the GPU-sharing scheduler's `Open-Gpu-Share` filter in the
//! simulator published with the Alibaba GPU 2023 trace): on a node with GPU devices
//! (`nodePools[].gpus`), a GPU-share pod needs ONE device with its milli-GPU and GPU memory
//! free, and a whole-GPU pod needs `nvidia.com/gpu` devices that are completely free. Runs
//! after NodeResourcesFit, which keeps checking the node totals. Nodes without devices (an
//! `nvidia.com/gpu` extended resource listed by hand) are left to NodeResourcesFit alone.
//!
//! The device state is not adjusted for nominated pods or preemption victims: a node where
//! the devices fail is not a preemption candidate (documented limitation).

use super::super::filter::Fail;
use crate::cluster::{NodeId, PodTemplate, World};

/// Device filter; `None` when the pod fits (or needs no GPU, or the node has no devices).
#[inline]
pub(crate) fn filter(world: &World, tpl: &PodTemplate, n: NodeId) -> Option<Fail> {
    let gpus = &world.gpus;
    let g = gpus.demand(&tpl.requests);
    if g.is_none() {
        return None;
    }
    let pool = world.nodes.pool[n.ix()];
    gpus.pool(pool)?;
    let v = gpus.view(n, pool);
    if v.fits(&g) {
        return None;
    }
    Some(Fail::GpuDevices {
        share: g.is_share(),
    })
}
