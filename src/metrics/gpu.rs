//! GPU columns of `timeseries.csv` (only when the cluster has GPU devices or nodes advertising
//! `nvidia.com/gpu`): milli-GPU requested and allocatable for the cluster and per zone, and
//! two fragmentation figures.
//!
//! - `gpu_requested_milli`: milli-GPU held by pods (1000 per whole GPU) on every node;
//! - `gpu_allocatable_milli`: milli-GPU of the Ready nodes (1000 per device);
//! - `gpu_frag_partial_milli`: free milli-GPU on devices of Ready nodes that are partly in use
//!   (the share that only GPU-share pods can still use);
//! - `gpu_frag_fgd_milli`: the FGD fragmentation measure summed over the Ready nodes with
//!   devices, against the run's target workload (`cluster::gpus`), rounded.
//!
//! On nodes without devices (an `nvidia.com/gpu` extended resource listed by hand) requested
//! and allocatable come from the resource columns and add no fragmentation.

use crate::cluster::gpus::MILLI_PER_GPU;
use crate::cluster::{World, CPU};

/// One time-series row's GPU figures.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GpuSample {
    /// Milli-GPU requested, cluster.
    pub requested_milli: i64,
    /// Milli-GPU allocatable on Ready nodes, cluster.
    pub allocatable_milli: i64,
    /// Free milli-GPU on partly used devices (Ready nodes).
    pub frag_partial_milli: i64,
    /// FGD fragmentation, milli-GPU (Ready nodes).
    pub frag_fgd_milli: i64,
    /// Per zone: (requested, allocatable), milli-GPU.
    pub zones: Vec<(i64, i64)>,
}

/// Whether the run has GPUs (devices, or any node advertising `nvidia.com/gpu`).
pub fn present(world: &World) -> bool {
    world.gpus.has_devices()
        || world
            .gpus
            .whole_res
            .is_some_and(|r| world.nodes.ids().any(|n| world.nodes.alloc(n, r) > 0))
}

/// The GPU figures of `world` now.
pub fn sample(world: &World) -> GpuSample {
    let gpus = &world.gpus;
    let mut s = GpuSample {
        zones: vec![(0, 0); world.zones.len()],
        ..GpuSample::default()
    };
    let nodes = &world.nodes;
    for n in nodes.ids() {
        if nodes.removed[n.ix()] {
            continue;
        }
        let pool = nodes.pool[n.ix()];
        let ready = nodes.ready[n.ix()];
        let (req, alloc) = if gpus.pool(pool).is_some() {
            let v = gpus.view(n, pool);
            let alloc = v.n as i64 * MILLI_PER_GPU;
            if ready {
                s.frag_partial_milli += v.free_partial();
                let cpu_free = nodes.alloc(n, CPU) - nodes.req(n, CPU);
                s.frag_fgd_milli += v.fragmentation(cpu_free, &gpus.targets).round() as i64;
            }
            (alloc - v.free_total(), alloc)
        } else if let Some(r) = gpus.whole_res {
            (
                nodes.req(n, r) * MILLI_PER_GPU,
                nodes.alloc(n, r) * MILLI_PER_GPU,
            )
        } else {
            (0, 0)
        };
        let alloc = if ready { alloc } else { 0 };
        s.requested_milli += req;
        s.allocatable_milli += alloc;
        if let Some(z) = s.zones.get_mut(nodes.zone[n.ix()] as usize) {
            z.0 += req;
            z.1 += alloc;
        }
    }
    s
}
