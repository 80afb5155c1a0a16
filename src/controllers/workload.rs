//! Engine-side workload specifications (what the controllers keep running).

use crate::cluster::{NodeId, TemplateId};
use crate::engine::dist::DurationDist;

/// How Job pods arrive.
#[derive(Clone, Debug, PartialEq)]
pub enum Arrivals {
    /// Poisson process: `rate_per_sec` from `start_ms` until `until_ms` (exclusive).
    Poisson {
        /// Mean arrivals per second.
        rate_per_sec: f64,
        /// First possible arrival, ms.
        start_ms: u64,
        /// No arrival at or after this time, ms.
        until_ms: u64,
    },
    /// Fixed arrival times, ms.
    At(Vec<u64>),
    /// A trace's pods: arrival times (sorted) and each pod's run time, ms (the Job's
    /// `duration` distribution is not used).
    Trace {
        /// Arrival times, ms, sorted.
        times_ms: std::sync::Arc<[u64]>,
        /// Run time of the pod of each arrival, ms.
        durations_ms: std::sync::Arc<[u64]>,
    },
    /// `count` arrivals every `interval_ms` starting at `start_ms`.
    Every {
        /// Number of arrivals.
        count: u64,
        /// Interval between arrivals, ms.
        interval_ms: u64,
        /// First arrival, ms.
        start_ms: u64,
    },
}

/// The kind of workload and its kind-specific parameters.
#[derive(Clone, Debug, PartialEq)]
pub enum WorkloadKind {
    /// Keeps `replicas` pods; replaces deleted/failed ones immediately.
    Deployment {
        /// Desired replicas.
        replicas: u32,
    },
    /// Keeps `replicas` pods with stable ordinals; a replacement waits until the old pod is gone.
    StatefulSet {
        /// Desired replicas.
        replicas: u32,
    },
    /// One pod per node that matches the template's node selector/affinity and tolerations.
    DaemonSet,
    /// Pods arrive by `arrivals`, run for a drawn duration, then succeed.
    Job {
        /// Arrival process.
        arrivals: Arrivals,
        /// Run duration distribution.
        duration: DurationDist,
    },
    /// A single pod, optionally pre-bound to a node.
    Pod {
        /// `nodeName`: bound without scheduling.
        node_name: Option<NodeId>,
    },
}

/// A Job's pod `restartPolicy` (upstream allows only these two for Jobs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum JobRestartPolicy {
    /// A failed container restarts in place after the kubelet's back-off; the Job fails once
    /// its pod's container restarts reach `backoffLimit`.
    #[default]
    OnFailure,
    /// A failed container fails the pod; the Job controller replaces it after its back-off.
    Never,
}

/// How a Job reacts to failures (`restartPolicy`, `backoffLimit`, the pod-failure back-off).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JobPolicy {
    /// The pods' restart policy.
    pub restart: JobRestartPolicy,
    /// `backoffLimit`: the Job fails when more pods than this failed, or (OnFailure) when its
    /// pod's container restarts reach it (any restart, for 0).
    pub backoff_limit: u32,
    /// Delay before replacing the pod after the first failure, ms.
    pub backoff_initial_ms: u64,
    /// Longest replacement delay, ms.
    pub backoff_max_ms: u64,
}

impl Default for JobPolicy {
    /// Upstream defaults: `OnFailure` (this simulator's default), `backoffLimit` 6, 10 s
    /// doubling to 10 min (`DefaultJobPodFailureBackOff`, `MaxJobPodFailureBackOff`).
    fn default() -> Self {
        JobPolicy {
            restart: JobRestartPolicy::OnFailure,
            backoff_limit: 6,
            backoff_initial_ms: 10_000,
            backoff_max_ms: 600_000,
        }
    }
}

impl JobPolicy {
    /// The replacement delay after the `failures`-th failed pod (from 1):
    /// `initial · 2^(failures−1)` capped at the maximum (upstream `backoff_utils.go`
    /// `getRemainingTimeForFailuresCount`).
    pub fn failure_backoff_ms(&self, failures: u32) -> u64 {
        let mut d = self.backoff_initial_ms;
        for _ in 1..failures {
            d = d.saturating_mul(2);
            if d >= self.backoff_max_ms {
                return self.backoff_max_ms;
            }
        }
        d.min(self.backoff_max_ms)
    }

    /// Whether `restarts` container restarts of a Running or Pending pod fail the Job
    /// (upstream `pastBackoffLimitOnFailure`; never under `Never`).
    pub fn past_restart_limit(&self, restarts: u32) -> bool {
        match self.restart {
            JobRestartPolicy::Never => false,
            JobRestartPolicy::OnFailure if self.backoff_limit == 0 => restarts > 0,
            JobRestartPolicy::OnFailure => restarts >= self.backoff_limit,
        }
    }
}

/// One workload of the run.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkloadSpec {
    /// Name (unique in the scenario).
    pub name: String,
    /// Kind and parameters.
    pub kind: WorkloadKind,
    /// Template of its pods.
    pub template: TemplateId,
    /// Job only: failure handling (ignored for other kinds).
    pub job: JobPolicy,
    /// `initialPlacement`: the node of each pod created at time zero, in creation order (a
    /// StatefulSet: by ordinal; a Job: its arrivals at time 0); `None` or past the end: the
    /// scheduler places it. Deployment, StatefulSet and Job only.
    pub initial_nodes: Vec<Option<NodeId>>,
}

impl WorkloadSpec {
    /// The `initialPlacement` node of the `k`-th pod created at time zero, if any.
    pub fn initial_node(&self, k: usize) -> Option<NodeId> {
        self.initial_nodes.get(k).copied().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Upstream `pkg/controller/job/backoff_utils.go` `getRemainingTimeForFailuresCount`:
    /// `DefaultJobPodFailureBackOff` (10 s) doubled per failure after the first, capped at
    /// `MaxJobPodFailureBackOff` (10 min in `job_controller.go`; the docs say 6 min).
    #[test]
    fn pod_failure_backoff_doubles_to_ten_minutes() {
        let p = JobPolicy::default();
        let s: Vec<u64> = (1..=8).map(|f| p.failure_backoff_ms(f) / 1000).collect();
        assert_eq!(s, vec![10, 20, 40, 80, 160, 320, 600, 600]);
        let q = JobPolicy {
            backoff_initial_ms: 1_000,
            backoff_max_ms: 5_000,
            ..p
        };
        let s: Vec<u64> = (1..=5).map(|f| q.failure_backoff_ms(f)).collect();
        assert_eq!(s, vec![1_000, 2_000, 4_000, 5_000, 5_000]);
    }

    /// Upstream `pkg/controller/job/job_controller.go` `pastBackoffLimitOnFailure`: only under
    /// OnFailure; restarts ≥ backoffLimit, or any restart when the limit is 0.
    #[test]
    fn restart_limit_as_upstream() {
        let p = JobPolicy::default();
        assert!(!p.past_restart_limit(5));
        assert!(p.past_restart_limit(6));
        let zero = JobPolicy {
            backoff_limit: 0,
            ..p
        };
        assert!(!zero.past_restart_limit(0));
        assert!(zero.past_restart_limit(1));
        let never = JobPolicy {
            restart: JobRestartPolicy::Never,
            ..p
        };
        assert!(!never.past_restart_limit(100));
    }
}
