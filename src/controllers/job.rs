//! Jobs: each arrival is one Job with one pod. Arrivals follow the workload's [`Arrivals`]
//! (Poisson by exponential inter-arrival draws); each Job's run duration is drawn when it
//! arrives (so it does not depend on scheduling order) and the pod runs for exactly that long
//! from the moment it is bound, then succeeds and leaves the slab.
//!
//! Failures follow upstream `job_controller.go` and `backoff_utils.go`, per Job:
//! * a Job pod that fails (Evicted, OOM-killed under `restartPolicy: Never`) or is deleted
//!   before it succeeds (preempted, drained, lost with its node) is a failed pod of its Job: a
//!   new pod is created after the pod-failure back-off, `initial · 2^(failures−1)` capped at
//!   `max` (10 s, 10 min), until the failed pods exceed `backoffLimit` (default 6);
//! * under `restartPolicy: OnFailure` (the default) a container that dies restarts in place
//!   (the kubelet's back-off), and the Job also fails once its pod's container restarts reach
//!   `backoffLimit` (`pastBackoffLimitOnFailure`; any restart when the limit is 0); the pod is
//!   then deleted (it ends Failed);
//! * a failed Job is counted (`jobsFailed`) and logged as a `job-failed` row with reason
//!   `BackoffLimitExceeded`. `podFailurePolicy` is not modelled: every failed pod counts,
//!   including preempted ones (upstream's `DisruptionTarget` pods count unless a policy with
//!   `Ignore` says otherwise).
//!
//! Streams: inter-arrival gaps come from `"arrivals/<name>"`, durations from
//! `"durations/<name>"`, so changing one workload never changes another's draws.

use super::{
    Arrivals, DurationDist, DurationSampler, JobPolicy, JobRestartPolicy, KindState, WorkloadState,
};
use crate::cluster::{NodeId, Pod, PodId, PodPhase};
use crate::engine::{RngStreams, SimRng, SimTime};
use crate::runtime::{ControllerEvent, Core, SetupError};
use rand_distr::{Distribution, Exp};

/// The reason of a failed Job (`job-failed` rows) and of the pod it deletes.
pub const BACKOFF_LIMIT_EXCEEDED: &str = "BackoffLimitExceeded";
/// The `job-failed` row's reason text (upstream's condition reason and message).
const JOB_FAILED_REASON: &str = "BackoffLimitExceeded: Job has reached the specified backoff limit";

/// What a Job pod carries besides the [`crate::cluster::Pod`] itself (kept per pod slot).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct PodInfo {
    /// Run duration of the Job, ms.
    pub duration_ms: u64,
    /// Failed pods of the Job before this pod.
    pub failures: u32,
    /// Cause of a container that failed under `restartPolicy: Never` while another still
    /// ran: the pod fails, not succeeds, when its run ends.
    pub container_failed: Option<u64>,
}

/// Where the arrival process stands.
#[derive(Clone, Debug)]
pub enum ArrivalState {
    /// Poisson: `t` is the exact (fractional) time of the last arrival, ms.
    Poisson {
        /// Inter-arrival distribution in ms (None: no more arrivals).
        gap: Option<Exp<f64>>,
        /// Last arrival, ms (fractional).
        t: f64,
        /// No arrival at or after this time.
        until_ms: u64,
    },
    /// Fixed times, sorted.
    At {
        /// Arrival times, ms.
        times: Vec<u64>,
        /// Index of the next one.
        next: usize,
    },
    /// A trace's arrivals, each with its pod's run time.
    Trace {
        /// Arrival times, ms, sorted.
        times: std::sync::Arc<[u64]>,
        /// Run times, ms.
        durations: std::sync::Arc<[u64]>,
        /// Index of the next arrival.
        next: usize,
    },
    /// `count` arrivals every `interval_ms` from `start_ms`.
    Every {
        /// Total arrivals.
        count: u64,
        /// Interval, ms.
        interval_ms: u64,
        /// First arrival, ms.
        start_ms: u64,
        /// Arrivals produced so far.
        next: u64,
    },
}

impl ArrivalState {
    /// The arrival process at its start.
    pub fn new(a: &Arrivals) -> Result<Self, String> {
        Ok(match a {
            Arrivals::Poisson {
                rate_per_sec,
                start_ms,
                until_ms,
            } => {
                if !rate_per_sec.is_finite() || *rate_per_sec < 0.0 {
                    return Err(format!(
                        "poisson rate {rate_per_sec}/s must be a non-negative number"
                    ));
                }
                let gap = if *rate_per_sec > 0.0 {
                    Some(Exp::new(rate_per_sec / 1000.0).map_err(|e| e.to_string())?)
                } else {
                    None
                };
                ArrivalState::Poisson {
                    gap,
                    t: *start_ms as f64,
                    until_ms: *until_ms,
                }
            }
            Arrivals::At(times) => {
                let mut times = times.clone();
                times.sort_unstable();
                ArrivalState::At { times, next: 0 }
            }
            Arrivals::Trace {
                times_ms,
                durations_ms,
            } => {
                if times_ms.len() != durations_ms.len() {
                    return Err(format!(
                        "{} arrival times but {} run times",
                        times_ms.len(),
                        durations_ms.len()
                    ));
                }
                if times_ms.windows(2).any(|w| w[0] > w[1]) {
                    return Err("trace arrival times are not sorted".into());
                }
                ArrivalState::Trace {
                    times: times_ms.clone(),
                    durations: durations_ms.clone(),
                    next: 0,
                }
            }
            Arrivals::Every {
                count,
                interval_ms,
                start_ms,
            } => ArrivalState::Every {
                count: *count,
                interval_ms: *interval_ms,
                start_ms: *start_ms,
                next: 0,
            },
        })
    }

    /// The time of the next arrival, ms, or None when the process is over.
    pub fn next_time(&mut self, rng: &mut SimRng) -> Option<u64> {
        match self {
            ArrivalState::Poisson { gap, t, until_ms } => {
                let d = gap.as_ref()?;
                *t += d.sample(rng);
                let at = t.floor();
                if !at.is_finite() || at >= *until_ms as f64 {
                    *gap = None;
                    return None;
                }
                Some(at as u64)
            }
            ArrivalState::At { times, next } => {
                let at = times.get(*next).copied()?;
                *next += 1;
                Some(at)
            }
            ArrivalState::Trace { times, next, .. } => {
                let at = times.get(*next).copied()?;
                *next += 1;
                Some(at)
            }
            ArrivalState::Every {
                count,
                interval_ms,
                start_ms,
                next,
            } => {
                if *next >= *count {
                    return None;
                }
                let at = start_ms.saturating_add(next.saturating_mul(*interval_ms));
                *next += 1;
                Some(at)
            }
        }
    }
}

impl ArrivalState {
    /// For a trace: the run time of the arrival now due. When an arrival fires, `next_time`
    /// has returned it and nothing after it (the following one is drawn after the pod is
    /// created), so it is the one before `next`. `None` for other processes.
    fn trace_duration(&self) -> Option<u64> {
        match self {
            ArrivalState::Trace {
                durations, next, ..
            } => Some(durations.get(next.checked_sub(1)?).copied().unwrap_or(0)),
            _ => None,
        }
    }
}

/// Controller state of one Job workload.
pub(crate) struct State {
    arrivals_rng: SimRng,
    durations_rng: SimRng,
    arrival: ArrivalState,
    duration: DurationSampler,
    policy: JobPolicy,
}

impl State {
    pub fn new(
        name: &str,
        arrivals: &Arrivals,
        duration: &DurationDist,
        policy: JobPolicy,
        streams: &RngStreams,
    ) -> Result<Self, SetupError> {
        let err = |what, message| SetupError::InvalidDistribution {
            owner: format!("workload `{name}`"),
            what,
            message,
        };
        Ok(State {
            arrivals_rng: streams.stream(&format!("arrivals/{name}")),
            durations_rng: streams.stream(&format!("durations/{name}")),
            arrival: ArrivalState::new(arrivals).map_err(|m| err("arrivals", m))?,
            duration: DurationSampler::new(duration).map_err(|m| err("duration", m))?,
            policy,
        })
    }
}

fn state(w: &mut WorkloadState) -> &mut State {
    match &mut w.kind {
        KindState::Job(s) => s,
        _ => unreachable!("not a Job"),
    }
}

fn schedule_next_arrival(w: &mut WorkloadState, core: &mut Core) {
    let id = w.id;
    let s = state(w);
    if let Some(at) = s.arrival.next_time(&mut s.arrivals_rng) {
        // Fixed times in the past (before now) arrive now.
        core.push(
            SimTime(at).max(core.now()),
            ControllerEvent::JobArrival { workload: id },
        );
    }
}

/// Time zero: schedules the first arrival. With `initialPlacement`, the first arrivals at
/// time 0 (one per placed pod) happen now instead, their pods bound to their nodes.
pub(crate) fn start(w: &mut WorkloadState, job_pods: &mut Vec<PodInfo>, core: &mut Core) {
    if w.spec.initial_nodes.is_empty() {
        schedule_next_arrival(w, core);
        return;
    }
    let mut k = 0;
    loop {
        let s = state(w);
        let Some(at) = s.arrival.next_time(&mut s.arrivals_rng) else {
            return;
        };
        if at > core.now().as_millis() || k >= w.spec.initial_nodes.len() {
            core.push(
                SimTime(at).max(core.now()),
                ControllerEvent::JobArrival { workload: w.id },
            );
            return;
        }
        arrive(w, job_pods, core, w.spec.initial_node(k));
        k += 1;
    }
}

/// Creates a Job pod: bound to `node` (kubelet admission: if it does not fit it fails with
/// `OutOf<resource>`, a failed pod of its Job) or handed to the scheduler.
fn create(
    w: &mut WorkloadState,
    job_pods: &mut Vec<PodInfo>,
    core: &mut Core,
    info: PodInfo,
    cause: u64,
    node: Option<NodeId>,
) -> PodId {
    let ordinal = w.take_ordinal();
    let pod = core.create_pod(w.spec.template, w.id, ordinal, cause);
    let ix = pod.index as usize;
    if job_pods.len() <= ix {
        job_pods.resize(ix + 1, PodInfo::default());
    }
    job_pods[ix] = info;
    match node {
        None => core.enqueue(pod),
        Some(node) => match super::admit_on_node(core, pod, node, super::INITIAL_PLACEMENT) {
            None => on_bound(job_pods, core, pod),
            Some(removed) => on_pod_gone(w, job_pods, core, pod, &removed, cause),
        },
    }
    pod
}

/// A Job arrives: draw its duration, create its pod, schedule the next arrival.
pub(crate) fn on_arrival(w: &mut WorkloadState, job_pods: &mut Vec<PodInfo>, core: &mut Core) {
    arrive(w, job_pods, core, None);
    schedule_next_arrival(w, core);
}

/// One arrival: draw its duration and create its pod (bound to `node`, if given).
fn arrive(
    w: &mut WorkloadState,
    job_pods: &mut Vec<PodInfo>,
    core: &mut Core,
    node: Option<NodeId>,
) {
    let now = core.now();
    core.recorder_mut().add_desired(w.id, 1, now);
    let s = state(w);
    // A trace arrival runs for its own time; other Jobs draw theirs.
    let duration_ms = match s.arrival.trace_duration() {
        Some(d) => d,
        None => s.duration.sample(&mut s.durations_rng),
    };
    create(
        w,
        job_pods,
        core,
        PodInfo {
            duration_ms,
            failures: 0,
            container_failed: None,
        },
        0,
        node,
    );
}

/// The Job back-off has passed: a new pod retries the Job.
pub(crate) fn on_retry(
    w: &mut WorkloadState,
    job_pods: &mut Vec<PodInfo>,
    core: &mut Core,
    info: PodInfo,
    cause: u64,
) {
    create(w, job_pods, core, info, cause, None);
}

/// A Job pod was bound: it completes exactly its duration later.
pub(crate) fn on_bound(job_pods: &[PodInfo], core: &mut Core, pod: PodId) {
    let d = job_pods[pod.index as usize].duration_ms;
    core.push(
        core.now().plus_millis(d),
        ControllerEvent::PodComplete { pod },
    );
}

/// A Job pod's run is over: it succeeds (so does its Job) and leaves the slab (stale ids are
/// skipped).
pub(crate) fn on_complete(core: &mut Core, pod: PodId) {
    let Some(p) = core.world().pods.get(pod) else {
        return;
    };
    if p.phase == PodPhase::Running {
        let workload = p.workload;
        core.terminate(pod, PodPhase::Succeeded, "");
        core.remove(pod);
        core.recorder_mut().job_succeeded(workload);
    }
}

/// The Job of `pod` failed: counted and logged (`pod` is its last pod, as it was).
fn job_failed(core: &mut Core, pod: &Pod, cause: u64) {
    let now = core.now();
    core.recorder_mut()
        .job_failed(now, pod, JOB_FAILED_REASON, cause);
}

/// A container of the Running Job pod `pod` restarted; `restarts` is the sum of its
/// containers' restart counts. Under `OnFailure`, the Job fails once they reach
/// `backoffLimit` (upstream `pastBackoffLimitOnFailure`): the pod is deleted (it ends Failed,
/// reason `BackoffLimitExceeded`) and is not replaced.
pub(crate) fn on_container_restarted(
    w: &mut WorkloadState,
    core: &mut Core,
    pod: PodId,
    restarts: u32,
) {
    if !state(w).policy.past_restart_limit(restarts) {
        return;
    }
    let Some(p) = core.world().pods.get(pod).cloned() else {
        return;
    };
    if core.terminate(pod, PodPhase::Failed, BACKOFF_LIMIT_EXCEEDED) {
        core.remove(pod);
        core.recorder_mut().job_pod_failed(w.id);
        job_failed(core, &p, p.cause);
    }
}

/// Whether the pods of Job workload `w` restart failed containers in place (`OnFailure`).
pub(crate) fn restarts_in_place(w: &WorkloadState) -> bool {
    match &w.kind {
        KindState::Job(s) => s.policy.restart == JobRestartPolicy::OnFailure,
        _ => false,
    }
}

/// A Job pod was deleted or failed before succeeding (`removed` is what it was): a failed pod
/// of its Job. Retry after the back-off, unless the Job's failed pods now exceed its
/// `backoffLimit`: then the Job fails. `pod` may be gone already; its slot info is still there.
pub(crate) fn on_pod_gone(
    w: &mut WorkloadState,
    job_pods: &[PodInfo],
    core: &mut Core,
    pod: PodId,
    removed: &Pod,
    cause: u64,
) {
    core.recorder_mut().job_pod_failed(w.id);
    let info = job_pods[pod.index as usize];
    let failures = info.failures + 1;
    let policy = state(w).policy;
    if failures > policy.backoff_limit {
        job_failed(core, removed, cause);
    } else {
        // Upstream counts the back-off from the pod's finish time (for a pod of an
        // unreachable node: its Ready=False transition), not from now.
        let at = core
            .pod_finished_at(pod)
            .plus_millis(policy.failure_backoff_ms(failures))
            .max(core.now());
        core.push(
            at,
            ControllerEvent::JobRetry {
                workload: w.id,
                duration_ms: info.duration_ms,
                failures,
                cause,
            },
        );
    }
}
