//! Jobs: each arrival is one Job with one pod. Arrivals follow the workload's [`Arrivals`]
//! (Poisson by exponential inter-arrival draws); each Job's run duration is drawn when it
//! arrives (so it does not depend on scheduling order) and the pod runs for exactly that long
//! from the moment it is bound, then succeeds and leaves the slab.
//!
//! A Job pod that fails or is deleted (e.g. preempted) counts as a Job failure: a new pod is
//! created after the Job back-off, 10 s · 2^(failures−1) capped at 10 min, until the failures
//! exceed `backoffLimit` (6), when the Job gives up (upstream `job_controller.go`).
//!
//! Streams: inter-arrival gaps come from `"arrivals/<name>"`, durations from
//! `"durations/<name>"`, so changing one workload never changes another's draws.

use super::{Arrivals, DurationDist, DurationSampler, KindState, WorkloadState};
use crate::cluster::{PodId, PodPhase};
use crate::engine::{RngStreams, SimRng, SimTime};
use crate::sim::{Core, Event, SetupError};
use rand_distr::{Distribution, Exp};

/// Upstream default `backoffLimit`.
pub const BACKOFF_LIMIT: u32 = 6;
/// Upstream `DefaultJobPodFailureBackOff`, ms.
pub const FAILURE_BACKOFF_MS: u64 = 10_000;
/// Upstream `MaxJobPodFailureBackOff`, ms.
pub const MAX_FAILURE_BACKOFF_MS: u64 = 600_000;

/// The re-creation delay after the `failures`-th failure.
pub fn failure_backoff_ms(failures: u32) -> u64 {
    let shift = failures.saturating_sub(1).min(16);
    (FAILURE_BACKOFF_MS << shift).min(MAX_FAILURE_BACKOFF_MS)
}

/// What a Job pod carries besides the [`crate::cluster::Pod`] itself (kept per pod slot).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct PodInfo {
    /// Run duration of the Job, ms.
    pub duration_ms: u64,
    /// Failures of the Job before this pod.
    pub failures: u32,
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

/// Controller state of one Job workload.
pub(crate) struct State {
    arrivals_rng: SimRng,
    durations_rng: SimRng,
    arrival: ArrivalState,
    duration: DurationSampler,
}

impl State {
    pub fn new(
        name: &str,
        arrivals: &Arrivals,
        duration: &DurationDist,
        streams: &RngStreams,
    ) -> Result<Self, SetupError> {
        let err = |what, message| SetupError::InvalidDistribution {
            workload: name.to_owned(),
            what,
            message,
        };
        Ok(State {
            arrivals_rng: streams.stream(&format!("arrivals/{name}")),
            durations_rng: streams.stream(&format!("durations/{name}")),
            arrival: ArrivalState::new(arrivals).map_err(|m| err("arrivals", m))?,
            duration: DurationSampler::new(duration).map_err(|m| err("duration", m))?,
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
            SimTime(at).max(core.now),
            Event::JobArrival { workload: id },
        );
    }
}

/// Time zero: schedules the first arrival.
pub(crate) fn start(w: &mut WorkloadState, core: &mut Core) {
    schedule_next_arrival(w, core);
}

fn create(
    w: &mut WorkloadState,
    job_pods: &mut Vec<PodInfo>,
    core: &mut Core,
    info: PodInfo,
    cause: u64,
) -> PodId {
    let ordinal = w.take_ordinal();
    let pod = core.create_pod(w.spec.template, w.id, ordinal, cause);
    let ix = pod.index as usize;
    if job_pods.len() <= ix {
        job_pods.resize(ix + 1, PodInfo::default());
    }
    job_pods[ix] = info;
    core.enqueue(pod);
    pod
}

/// A Job arrives: draw its duration, create its pod, schedule the next arrival.
pub(crate) fn on_arrival(w: &mut WorkloadState, job_pods: &mut Vec<PodInfo>, core: &mut Core) {
    core.recorder.add_desired(w.id, 1, core.now);
    let s = state(w);
    let duration_ms = s.duration.sample(&mut s.durations_rng);
    create(
        w,
        job_pods,
        core,
        PodInfo {
            duration_ms,
            failures: 0,
        },
        0,
    );
    schedule_next_arrival(w, core);
}

/// The Job back-off has passed: a new pod retries the Job.
pub(crate) fn on_retry(
    w: &mut WorkloadState,
    job_pods: &mut Vec<PodInfo>,
    core: &mut Core,
    info: PodInfo,
    cause: u64,
) {
    create(w, job_pods, core, info, cause);
}

/// A Job pod was bound: it completes exactly its duration later.
pub(crate) fn on_bound(job_pods: &[PodInfo], core: &mut Core, pod: PodId) {
    let d = job_pods[pod.index as usize].duration_ms;
    core.push(core.now.plus_millis(d), Event::PodComplete { pod });
}

/// A Job pod's run is over: it succeeds and leaves the slab (stale ids are skipped).
pub(crate) fn on_complete(core: &mut Core, pod: PodId) {
    if core
        .world
        .pods
        .get(pod)
        .is_some_and(|p| p.phase == PodPhase::Running)
    {
        core.terminate(pod, PodPhase::Succeeded, "");
        core.remove(pod);
    }
}

/// A Job pod was deleted or failed before succeeding: retry after the back-off, unless the
/// Job has exhausted its `backoffLimit`. `pod` was just removed; its slot info is still there.
pub(crate) fn on_pod_gone(
    w: &mut WorkloadState,
    job_pods: &[PodInfo],
    core: &mut Core,
    pod: PodId,
    cause: u64,
) {
    let info = job_pods[pod.index as usize];
    let failures = info.failures + 1;
    if failures <= BACKOFF_LIMIT {
        // Upstream counts the back-off from the pod's finish time (for a pod of an
        // unreachable node: its Ready=False transition), not from now.
        let at = core
            .pod_finished_at(pod)
            .plus_millis(failure_backoff_ms(failures))
            .max(core.now);
        core.push(
            at,
            Event::JobRetry {
                workload: w.id,
                duration_ms: info.duration_ms,
                failures,
                cause,
            },
        );
    }
}
