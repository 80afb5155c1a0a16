//! The per-pod and per-workload state of the usage model: where each running pod's usage
//! lives (dense per-workload lists, so a usage tick scans contiguous memory) and what each
//! workload's containers draw from.

use super::backoff;
use super::config::WorkloadUsage;
use super::profile::{LevelSampler, NoiseTable};
use crate::cluster::{PodId, QosClass};
use crate::engine::SimRng;

/// Usage of one container slot of one pod.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Ctr {
    /// Drawn CPU level, millicores (at load factor 1 and noise 1).
    pub cpu_level: i64,
    /// Drawn memory level, bytes.
    pub mem_level: i64,
    /// Current CPU noise factor.
    pub cpu_noise: f64,
    /// Current memory noise factor.
    pub mem_noise: f64,
    /// CPU demand now, millicores (0 while dead).
    pub cpu: i64,
    /// Memory without the leak now, bytes (0 while dead).
    pub mem: i64,
    /// When the container (re)started: the leak's origin, ms.
    pub t0: u64,
    /// Running (false while waiting in back-off).
    pub alive: bool,
    /// Restart back-off.
    pub backoff: backoff::Backoff,
    /// Restarts so far.
    pub restarts: u32,
    /// CPU its service's requests ask for, millicores, on top of its level (services).
    pub svc_cpu: i64,
    /// Memory the container used when the node's OOM killer killed it, bytes, while it
    /// waits to restart (its demand still counts against the node); 0 otherwise.
    pub killed_mem: i64,
    /// Terminated for good (`restartPolicy: Never`, other containers of its pod still
    /// running): not in back-off, no demand against the node.
    pub terminated: bool,
}

/// Where a running pod's usage lives: its workload and its index in the workload's dense
/// running list (so a usage tick scans contiguous memory).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Loc {
    /// Workload.
    pub w: usize,
    /// Index in the workload's `pods`.
    pub pos: usize,
}

/// Per pod slot: where the pod's usage is, while it runs.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SlotRef {
    /// The pod (its slot may be reused later).
    pub id: PodId,
    /// Tracked (Running).
    pub live: bool,
    /// Workload.
    pub w: u32,
    /// Index in the workload's running list.
    pub pos: u32,
}

/// Usage totals of one running pod.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PodRec {
    /// The pod.
    pub id: PodId,
    /// Node.
    pub node: u32,
    /// Σ memory without leak of live containers.
    pub mem: i64,
    /// Σ CPU demand after throttling.
    pub cpu: i64,
    /// Σ throttled CPU.
    pub thr: i64,
    /// CPU demand (after throttling) the pod does not get: its CFS share of its node's
    /// contention, millicores (0 on a node that is not contended).
    pub con: i64,
    /// Σ leak rates of live containers, bytes/day.
    pub rate: i64,
    /// Σ rate·t0.
    pub off: i128,
    /// Time of the pending `LeakCheck`, or [`NEVER`].
    pub check_at: u64,
}

/// One running container of a workload's template.
pub(crate) struct CtrRt {
    /// Index in `PodTemplate::containers`.
    pub tpl_index: usize,
    /// CPU level sampler (millicores).
    pub cpu: LevelSampler,
    /// Memory level sampler (bytes).
    pub mem: LevelSampler,
    /// Leak, bytes/day.
    pub leak: i64,
    /// CPU limit.
    pub cpu_limit: Option<i64>,
    /// Memory limit.
    pub mem_limit: Option<i64>,
}

/// Usage model state of one workload.
pub(crate) struct WorkloadRt {
    /// Its running containers.
    pub ctrs: Vec<CtrRt>,
    /// Stream `usage/<name>`: levels and noise.
    pub rng: SimRng,
    /// Stream `usage/<name>/spikes`.
    pub spike_rng: SimRng,
    /// CPU noise quantiles, if any noise.
    pub cpu_noise: Option<NoiseTable>,
    /// Memory noise quantiles, if any noise.
    pub mem_noise: Option<NoiseTable>,
    /// Configuration.
    pub cfg: WorkloadUsage,
    /// Running pods, dense (swap-remove).
    pub pods: Vec<PodRec>,
    /// Their containers: pod `i`'s are `ctrs[i·nc .. (i+1)·nc]`.
    pub pods_ctrs: Vec<Ctr>,
    /// Running containers per pod.
    pub nc: usize,
    /// Next index into fixed spike times.
    pub next_spike: usize,
    /// Spikes on now.
    pub spikes_on: u32,
    /// Diurnal factor now.
    pub diurnal: f64,
    /// Load factor now (diurnal × spike).
    pub factor: f64,
    /// Template.
    pub template: u32,
    /// QoS class of its pods.
    pub qos: QosClass,
    /// Priority of its pods.
    pub priority: i32,
    /// Effective memory request of a pod, bytes.
    pub mem_request: i64,
    /// Effective CPU request of a pod, millicores (its `cpu.shares`).
    pub cpu_request: i64,
}
