//! The events of a run: one top-level [`Event`] wrapping one event type per subsystem.
//!
//! Each subsystem owns its event type: it is the only one that pushes and matches it
//! ([`ControllerEvent`]: `controllers`; [`KubeletEvent`]: `kubelet`; [`FaultEvent`]: fault
//! application and node lifecycle in `sim`; [`AutoscalerEvent`]: `sim`'s autoscaler applier).
//! The run loop (`sim`) owns the three plain variants and routes each wrapped event to its
//! owner without looking inside. The types are defined here, below the subsystems, because the
//! [`Core`](super::Core) that holds the event queue sits below them too.
//!
//! The queue orders events by `(time, class, sequence)` only, never by their payload, so the
//! wrapping changes no order.

use crate::cluster::{NodeId, PodId, WorkloadId};

/// Something that happens at a point in simulated time.
///
/// Events about pods carry the generational [`PodId`]: if the pod is gone (or its slot was
/// reused) the id is stale and the event is skipped (lazy cancellation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// One scheduling cycle: pop one pod from the active queue and apply the outcome.
    SchedulerCycle,
    /// A backoff expired or the unschedulable pool is due for its periodic flush.
    QueueWakeup,
    /// Take a time-series sample.
    MetricsTick,
    /// One tick of the service layer (traffic, CPU demand, probes); owned by `sim::services`.
    ServiceTick,
    /// One sync of every HorizontalPodAutoscaler; owned by `sim::hpa`.
    HpaSync,
    /// An event of the workload controllers.
    Controller(ControllerEvent),
    /// An event of the kubelet model.
    Kubelet(KubeletEvent),
    /// An event of fault application or the node lifecycle controller.
    Fault(FaultEvent),
    /// An event of the Cluster Autoscaler.
    Autoscaler(AutoscalerEvent),
}

macro_rules! wrap {
    ($t:ident, $v:ident) => {
        impl From<$t> for Event {
            #[inline]
            fn from(e: $t) -> Event {
                Event::$v(e)
            }
        }
    };
}
wrap!(ControllerEvent, Controller);
wrap!(KubeletEvent, Kubelet);
wrap!(FaultEvent, Fault);
wrap!(AutoscalerEvent, Autoscaler);

/// Events of the workload controllers (handled by `controllers::Controllers::handle`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ControllerEvent {
    /// The next Job of `workload` arrives (creates one pod, schedules the next arrival).
    JobArrival {
        /// The Job workload.
        workload: WorkloadId,
    },
    /// A Job pod has run for its drawn duration and succeeds.
    PodComplete {
        /// The pod.
        pod: PodId,
    },
    /// A StatefulSet pod was deleted: create the replacement for `ordinal` once the old pod is
    /// gone from the slab.
    ReplaceAfterDelete {
        /// The StatefulSet.
        workload: WorkloadId,
        /// The ordinal to replace.
        ordinal: u32,
        /// Cause inherited by the replacement.
        cause: u64,
    },
    /// A Job pod failed or was deleted; after the Job back-off a new pod retries it.
    JobRetry {
        /// The Job workload.
        workload: WorkloadId,
        /// Run duration drawn when the Job arrived (kept across retries).
        duration_ms: u64,
        /// Failures of this Job so far.
        failures: u32,
        /// Cause inherited by the new pod.
        cause: u64,
    },
}

/// Events of the kubelet model (handled by `kubelet::Kubelet::handle`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KubeletEvent {
    /// Usage model: redraw a workload's noise and re-evaluate its diurnal factor.
    UsageTick {
        /// The workload.
        workload: WorkloadId,
    },
    /// Usage model: a load spike of a workload starts (`start`) or ends.
    UsageSpike {
        /// The workload.
        workload: WorkloadId,
        /// True at the start, false at the end.
        start: bool,
    },
    /// Kubelet: a container's restart back-off is over.
    ContainerRestart {
        /// The pod.
        pod: PodId,
        /// Container slot (index among the pod's running containers).
        container: u16,
    },
    /// Kubelet: a container of a pod with `restartPolicy: Never` (a Job's) was OOM-killed; the
    /// pod fails (`OOMKilled`) and its Job controller reacts.
    ContainerFailed {
        /// The pod.
        pod: PodId,
        /// Cause id of the kill (inherited by the replacement).
        cause: u64,
    },
    /// Kubelet: a leaking container of the pod may cross its memory limit now.
    LeakCheck {
        /// The pod.
        pod: PodId,
    },
    /// Kubelet: a node's leaking memory may cross a threshold or its capacity now.
    NodeCheck {
        /// The node.
        node: NodeId,
    },
    /// Kubelet: one housekeeping pass of a node's eviction manager.
    KubeletSync {
        /// The node.
        node: NodeId,
    },
    /// Kubelet: the node's memory demand has exceeded its capacity since `since_ms`; the node
    /// fails if it still does.
    OverloadCheck {
        /// The node.
        node: NodeId,
        /// When the overload started, ms.
        since_ms: u64,
    },
}

/// Events of fault application and the node lifecycle controller (handled by `sim::faults`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultEvent {
    /// Faults: apply step `step` of the run's fault plan.
    FaultStep {
        /// Index into the plan's steps.
        step: u32,
    },
    /// Node lifecycle: the monitor pass that finds `node` silent past the grace period.
    NodeUnknown {
        /// The node.
        node: NodeId,
        /// The node's health epoch when it went down (stale if it changed).
        epoch: u32,
    },
    /// Node lifecycle: the end of a monitor pass in which some node changed: the zones' states
    /// are computed once for the whole pass (`handleDisruption`).
    MonitorPass,
    /// Node lifecycle: a zone's rate-limited NoExecute tainting queue may taint its next node.
    ZoneTaint {
        /// The zone.
        zone: u32,
    },
    /// Taint eviction: delete the pods of `node` whose `tolerationSeconds` ran out.
    TaintEviction {
        /// The node.
        node: NodeId,
        /// The node's health epoch when it was tainted.
        epoch: u32,
    },
    /// A drain retries the evictions a PodDisruptionBudget refused (`kubectl drain`, 5 s).
    DrainRetry {
        /// Index of the drain.
        drain: u32,
    },
    /// A node that failed from overload is repaired (rebooted) and comes back.
    OverloadRepair {
        /// The node.
        node: NodeId,
    },
}

/// Events of the Cluster Autoscaler (handled by `sim::autoscale`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AutoscalerEvent {
    /// One Cluster Autoscaler loop (every `scan-interval`).
    Scan,
    /// A node the autoscaler requested for group `group` is provisioned and Ready.
    NodeReady {
        /// Node group index.
        group: u32,
    },
}
