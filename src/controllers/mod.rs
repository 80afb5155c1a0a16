//! Workload controllers (Deployment, StatefulSet, DaemonSet, Job, bare Pod).
//!
//! Architecture invariant: controllers decide which pods should exist; they never choose a
//! node (that is the scheduler's job; the one exception, DaemonSet pods, are pinned to their
//! node like upstream's node-affinity pin) and never read files. They change the cluster only
//! through [`Core`]'s lifecycle operations and schedule follow-ups as events.
//!
//! Every pod leaves through [`Controllers::delete_pod`] (or [`Controllers::fail_pod`]), which
//! lets its owner react: a Deployment replaces it at once, a StatefulSet once the old pod is
//! gone from the slab, a DaemonSet pins a new pod to the same node, a Job retries after its
//! back-off. Replacements inherit the cause of what removed the original.

pub mod daemonset;
pub mod deployment;
pub mod hpa;
pub mod job;
pub mod pod;
mod scale;
pub mod statefulset;
pub mod workload;

pub use crate::engine::dist::{DurationDist, DurationSampler};

/// A Job pod whose node is down when its run should end is checked again this much later.
pub const STALLED_RECHECK_MS: u64 = 10_000;
pub use workload::{Arrivals, JobPolicy, JobRestartPolicy, WorkloadKind, WorkloadSpec};

use crate::cluster::{Pod, PodId, WorkloadId, World};
use crate::engine::RngStreams;
use crate::metrics::WorkloadInfo;
use crate::runtime::{ControllerEvent, Core, SetupError};

/// Controller state of one workload.
pub(crate) struct WorkloadState {
    /// The spec.
    pub spec: WorkloadSpec,
    /// Its index.
    pub id: WorkloadId,
    /// Next ordinal for pods without a stable identity (Deployment, Job).
    pub next_ordinal: u32,
    /// Kind-specific state.
    pub kind: KindState,
}

impl WorkloadState {
    /// A fresh ordinal.
    pub fn take_ordinal(&mut self) -> u32 {
        let o = self.next_ordinal;
        self.next_ordinal += 1;
        o
    }
}

/// Kind-specific controller state.
pub(crate) enum KindState {
    Deployment,
    StatefulSet(statefulset::State),
    DaemonSet,
    Job(Box<job::State>),
    Pod,
}

/// The bind reason of pods placed by `initialPlacement` (`scheduled` rows of `events.csv`).
pub const INITIAL_PLACEMENT: &str = "initialPlacement";

/// Binds a pod created at time zero to the node it names (`nodeName`, `initialPlacement`)
/// without the scheduler, as upstream's kubelet admits such a pod: bound if the node has room;
/// otherwise the pod fails with `OutOf<resource>` and leaves the cluster, and is returned so
/// that its owner can react. None when bound.
pub(crate) fn admit_on_node(
    core: &mut Core,
    pod: PodId,
    node: crate::cluster::NodeId,
    why: &'static str,
) -> Option<Pod> {
    if let Some(r) = core.lacks(pod, node) {
        let reason = format!("OutOf{}", core.world().resources.name(r));
        core.terminate(pod, crate::cluster::PodPhase::Failed, &reason);
        core.remove(pod)
    } else {
        core.bind_direct(pod, node, why);
        None
    }
}

/// All workload controllers of a run.
pub struct Controllers {
    workloads: Vec<WorkloadState>,
    /// Per pod slot: the run duration and failures of the Job a Job pod belongs to.
    job_pods: Vec<job::PodInfo>,
}

/// The kind label used in summaries.
pub fn kind_name(kind: &WorkloadKind) -> &'static str {
    match kind {
        WorkloadKind::Deployment { .. } => "Deployment",
        WorkloadKind::StatefulSet { .. } => "StatefulSet",
        WorkloadKind::DaemonSet => "DaemonSet",
        WorkloadKind::Job { .. } => "Job",
        WorkloadKind::Pod { .. } => "Pod",
    }
}

impl Controllers {
    /// Controllers for `specs` (indexed by `WorkloadId`). Job streams are
    /// `"arrivals/<name>"` and `"durations/<name>"`.
    pub fn new(
        specs: Vec<WorkloadSpec>,
        world: &World,
        streams: &RngStreams,
    ) -> Result<Self, SetupError> {
        let mut workloads = Vec::with_capacity(specs.len());
        for (i, spec) in specs.into_iter().enumerate() {
            if spec.template as usize >= world.templates.len() {
                return Err(SetupError::UnknownTemplate {
                    workload: spec.name.clone(),
                    template: spec.template,
                });
            }
            if let Some(n) = spec
                .initial_nodes
                .iter()
                .flatten()
                .find(|n| n.ix() >= world.nodes.len())
            {
                return Err(SetupError::UnknownNode {
                    workload: spec.name.clone(),
                    node: n.0,
                });
            }
            let kind = match &spec.kind {
                WorkloadKind::Deployment { .. } => KindState::Deployment,
                WorkloadKind::StatefulSet { replicas } => {
                    KindState::StatefulSet(statefulset::State::new(*replicas))
                }
                WorkloadKind::DaemonSet => KindState::DaemonSet,
                WorkloadKind::Job { arrivals, duration } => KindState::Job(Box::new(
                    job::State::new(&spec.name, arrivals, duration, spec.job, streams)?,
                )),
                WorkloadKind::Pod { node_name } => {
                    if let Some(n) = node_name {
                        if n.ix() >= world.nodes.len() {
                            return Err(SetupError::UnknownNode {
                                workload: spec.name.clone(),
                                node: n.0,
                            });
                        }
                    }
                    KindState::Pod
                }
            };
            workloads.push(WorkloadState {
                spec,
                id: i as WorkloadId,
                next_ordinal: 0,
                kind,
            });
        }
        Ok(Controllers {
            workloads,
            job_pods: Vec::new(),
        })
    }

    /// Names and kinds, by `WorkloadId`.
    pub fn infos(&self) -> Vec<WorkloadInfo> {
        self.workloads
            .iter()
            .map(|w| WorkloadInfo {
                name: w.spec.name.clone(),
                kind: kind_name(&w.spec.kind).to_owned(),
            })
            .collect()
    }

    /// Time zero: creates the initial pods of every workload (in workload order) and schedules
    /// the first Job arrivals.
    pub fn start(&mut self, core: &mut Core) {
        for w in &mut self.workloads {
            match w.kind {
                KindState::Deployment => deployment::start(w, core),
                KindState::StatefulSet(_) => statefulset::start(w, core),
                KindState::DaemonSet => daemonset::start(w, core),
                KindState::Job(_) => job::start(w, &mut self.job_pods, core),
                KindState::Pod => pod::start(w, core),
            }
        }
    }

    /// Handles a controller event. A Job pod whose node is down when its run should end is
    /// checked again [`STALLED_RECHECK_MS`] later (it completes once the node is back, unless
    /// it is deleted meanwhile).
    pub fn handle(&mut self, core: &mut Core, event: ControllerEvent) {
        match event {
            ControllerEvent::PodComplete { pod } if core.pod_is_stalled(pod) => {
                core.push(
                    core.now().plus_millis(STALLED_RECHECK_MS),
                    ControllerEvent::PodComplete { pod },
                );
            }
            ControllerEvent::JobArrival { workload } => job::on_arrival(
                &mut self.workloads[workload as usize],
                &mut self.job_pods,
                core,
            ),
            ControllerEvent::JobRetry {
                workload,
                duration_ms,
                failures,
                cause,
            } => job::on_retry(
                &mut self.workloads[workload as usize],
                &mut self.job_pods,
                core,
                job::PodInfo {
                    duration_ms,
                    failures,
                    container_failed: None,
                },
                cause,
            ),
            ControllerEvent::PodComplete { pod } => {
                match self
                    .job_pods
                    .get(pod.index as usize)
                    .and_then(|i| i.container_failed)
                {
                    // Upstream `getPhase`: all containers terminated, one failed → Failed.
                    Some(cause) => {
                        self.fail_pod(core, pod, "OOMKilled", cause);
                    }
                    None => job::on_complete(core, pod),
                }
            }
            ControllerEvent::ReplaceAfterDelete {
                workload,
                ordinal,
                cause,
            } => statefulset::on_replace(
                &mut self.workloads[workload as usize],
                core,
                ordinal,
                cause,
            ),
        }
    }

    /// A node joined the running cluster: every DaemonSet whose template matches it places a
    /// pod there (in workload order).
    pub fn node_added(&mut self, core: &mut Core, node: crate::cluster::NodeId) {
        for w in &mut self.workloads {
            if matches!(w.kind, KindState::DaemonSet) {
                daemonset::on_node_added(w, core, node);
            }
        }
    }

    /// The template and kind of workload `w` (for the autoscaler's drain rules).
    pub fn spec(&self, w: WorkloadId) -> &WorkloadSpec {
        &self.workloads[w as usize].spec
    }

    /// A pod was just bound (by the scheduler): Job pods start their run.
    pub fn pod_bound(&mut self, core: &mut Core, pod: PodId) {
        let Some(p) = core.world().pods.get(pod) else {
            return;
        };
        if matches!(self.workloads[p.workload as usize].kind, KindState::Job(_)) {
            job::on_bound(&self.job_pods, core, pod);
        }
    }

    /// A container of `pod` restarted in place (the kubelet's back-off is over): a Job pod
    /// under `restartPolicy: OnFailure` whose container restarts reach `backoffLimit` fails its
    /// Job (upstream `pastBackoffLimitOnFailure`).
    /// `restarts` is the pod's container restarts so far (summed over its containers).
    pub fn container_restarted(&mut self, core: &mut Core, pod: PodId, restarts: u32) {
        let Some(p) = core.world().pods.get(pod) else {
            return;
        };
        let w = &mut self.workloads[p.workload as usize];
        if !job::restarts_in_place(w) {
            return;
        }
        job::on_container_restarted(w, core, pod, restarts);
    }

    /// The deletion path: removes a pod from the cluster and lets its owner react. The
    /// replacement (if any) inherits `cause`. None for a stale id.
    pub fn delete_pod(&mut self, core: &mut Core, pod: PodId, cause: u64) -> Option<Pod> {
        let removed = core.remove(pod)?;
        self.pod_gone(core, pod, &removed, cause);
        Some(removed)
    }

    /// A container of Job pod `pod` failed under `restartPolicy: Never` while another still
    /// runs (the loop carries the kubelet's action here): the pod fails when
    /// its run ends.
    pub fn container_failed(&mut self, pod: PodId, cause: u64) {
        if let Some(info) = self.job_pods.get_mut(pod.index as usize) {
            info.container_failed.get_or_insert(cause);
        }
    }

    /// A Pending or Running pod fails (`reason`, e.g. `Evicted`, `OOMKilled`): it ends Failed,
    /// leaves the slab, and its owner reacts. False for a stale or already terminal pod.
    pub fn fail_pod(&mut self, core: &mut Core, pod: PodId, reason: &str, cause: u64) -> bool {
        if !core.terminate(pod, crate::cluster::PodPhase::Failed, reason) {
            return false;
        }
        let removed = core.remove(pod).expect("terminated pod is live");
        self.pod_gone(core, pod, &removed, cause);
        true
    }

    /// The kubelet evicted a Running pod (its `evicted` row is logged already): it ends Failed
    /// with reason `Evicted`, leaves the slab, and its owner reacts (a Deployment recreates it,
    /// the scheduler places the replacement). False for a stale or terminal pod.
    pub fn evict_pod(&mut self, core: &mut Core, pod: PodId, cause: u64) -> bool {
        if !core.terminate_as(pod, crate::cluster::PodPhase::Failed, "Evicted", false) {
            return false;
        }
        let removed = core.remove(pod).expect("terminated pod is live");
        self.pod_gone(core, pod, &removed, cause);
        true
    }

    /// A Running pod on an unreachable node was deleted (taint eviction, or a drain of a down
    /// node): it stays bound, terminating, until the node confirms. A Deployment or Job
    /// replaces it now (upstream does not count terminating pods); a StatefulSet or DaemonSet
    /// waits until it is really gone ([`Controllers::terminating_pod_removed`]). False if the
    /// pod is not Running or already terminating.
    pub fn pod_terminating(&mut self, core: &mut Core, pod: PodId, cause: u64) -> bool {
        if !core.mark_terminating(pod, cause) {
            return false;
        }
        let p = core.world().pods.get(pod).expect("live").clone();
        let w = &mut self.workloads[p.workload as usize];
        match w.kind {
            KindState::Deployment => deployment::on_pod_gone(w, core, cause),
            KindState::Job(_) => job::on_pod_gone(w, &self.job_pods, core, pod, &p, cause),
            KindState::StatefulSet(_) | KindState::DaemonSet | KindState::Pod => {}
        }
        true
    }

    /// A terminating pod's node is back and confirms the deletion: the pod leaves the cluster,
    /// and a StatefulSet or DaemonSet replaces it now.
    pub fn terminating_pod_removed(&mut self, core: &mut Core, pod: PodId, cause: u64) {
        let Some(removed) = core.remove(pod) else {
            return;
        };
        let w = &mut self.workloads[removed.workload as usize];
        match w.kind {
            KindState::StatefulSet(_) => statefulset::on_pod_gone(w, core, removed.ordinal, cause),
            KindState::DaemonSet => daemonset::on_pod_gone(w, core, removed.ordinal, cause),
            KindState::Deployment | KindState::Job(_) | KindState::Pod => {}
        }
    }

    /// Whether a workload's pods are ignored by drains (`kubectl drain --ignore-daemonsets`).
    pub fn is_daemonset(&self, workload: WorkloadId) -> bool {
        matches!(self.workloads[workload as usize].kind, KindState::DaemonSet)
    }

    /// The owner of `pod` (now removed; `removed` is what it was) reacts.
    fn pod_gone(&mut self, core: &mut Core, pod: PodId, removed: &Pod, cause: u64) {
        let w = &mut self.workloads[removed.workload as usize];
        match w.kind {
            KindState::Deployment => deployment::on_pod_gone(w, core, cause),
            KindState::StatefulSet(_) => statefulset::on_pod_gone(w, core, removed.ordinal, cause),
            KindState::DaemonSet => daemonset::on_pod_gone(w, core, removed.ordinal, cause),
            KindState::Job(_) => job::on_pod_gone(w, &self.job_pods, core, pod, removed, cause),
            KindState::Pod => {}
        }
    }
}
