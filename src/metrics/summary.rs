//! What a run produced: the summary numbers (`summary.json`), per-workload figures and the
//! [`RunResult`] that `write` turns into files.

use super::*;

/// Per-workload numbers in the summary.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadSummary {
    /// Workload name.
    pub name: String,
    /// `Deployment`, `StatefulSet`, `DaemonSet`, `Job` or `Pod`.
    pub kind: String,
    /// Desired pods: replicas; matching nodes for a DaemonSet; Jobs arrived for a Job; 1 for a Pod.
    pub desired: u64,
    /// Pods created (replacements and retries included).
    pub created: u64,
    /// Pods Running at the end.
    pub running_at_end: u64,
    /// Pods Pending at the end.
    pub pending_at_end: u64,
    /// Pods that succeeded.
    pub succeeded: u64,
    /// Pods that failed.
    pub failed: u64,
    /// Pods deleted while Pending or Running (preempted).
    pub deleted: u64,
    /// Jobs only: Jobs that succeeded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jobs_succeeded: Option<u64>,
    /// Jobs only: Jobs that failed (`BackoffLimitExceeded`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jobs_failed: Option<u64>,
    /// Jobs only: pods the Job controller counted as failed (the sum of its Jobs'
    /// `status.failed`): pods that ended Failed plus pods deleted before they succeeded
    /// (preempted, evicted, lost with their node).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_pods_failed: Option<u64>,
    /// Time-weighted mean of ready/desired (not for Jobs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub availability: Option<f64>,
    /// Minutes with fewer ready pods than desired.
    pub minutes_below_desired: f64,
    /// Why a pod of this workload last failed a scheduling cycle (upstream-style summary,
    /// `0/N nodes are available: …`), whatever the event log level.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_unschedulable_reason: Option<String>,
    /// When a pod of this workload first failed a scheduling cycle, s.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_unschedulable_s: Option<f64>,
    /// When a pod of this workload last failed a scheduling cycle, s.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_unschedulable_s: Option<f64>,
}

/// Scenario-independent numbers of a run (`summary.json` adds the scenario name and seed).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Simulated duration, seconds.
    pub simulated_duration_s: f64,
    /// Events popped from the event queue.
    pub events_processed: u64,
    /// Pods created.
    pub pods_created: u64,
    /// Pods bound by the scheduler.
    pub pods_scheduled: u64,
    /// Pods bound without the scheduler (DaemonSet pods, `nodeName` pods).
    pub pods_bound_directly: u64,
    /// Pods Pending at the end.
    pub pods_pending_at_end: u64,
    /// Pods Pending at the end that failed at least one scheduling cycle.
    pub pods_unschedulable_at_end: u64,
    /// Pods Running at the end.
    pub pods_running_at_end: u64,
    /// Pods that succeeded.
    pub pods_succeeded: u64,
    /// Pods that failed.
    pub pods_failed: u64,
    /// Pods deleted while Pending or Running.
    pub pods_deleted: u64,
    /// Scheduling cycles.
    pub scheduling_attempts: u64,
    /// Scheduling cycles that found no node.
    pub scheduling_failures: u64,
    /// Scheduling cycles that preempted (nominated a node).
    pub preemptions: u64,
    /// Pods deleted by preemption.
    pub pods_preempted: u64,
    /// Jobs that succeeded (runs with Job workloads only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jobs_succeeded: Option<u64>,
    /// Jobs that failed with `BackoffLimitExceeded` (runs with Job workloads only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jobs_failed: Option<u64>,
    /// Per workload, in scenario order.
    pub workloads: Vec<WorkloadSummary>,
    /// Pods evicted by kubelets (usage model on only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evictions: Option<u64>,
    /// Containers OOM-killed, for their limit or by their node (usage model on only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oom_kills: Option<u64>,
    /// Node-pressure totals (usage model on only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pressure: Option<PressureSummary>,
    /// Failures, cascades and availability.
    pub resilience: resilience::ResilienceSummary,
    /// Cluster Autoscaler totals (autoscaler on only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub autoscaler: Option<AutoscalerSummary>,
    /// Per-service figures (services only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub services: Option<Vec<super::services::ServiceSummary>>,
    /// Per-HPA figures (HorizontalPodAutoscalers only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hpas: Option<Vec<super::hpa::HpaSummary>>,
}

/// Everything a run produced.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunResult {
    /// Summary numbers.
    pub summary: Summary,
    /// Time series.
    pub timeseries: TimeSeries,
    /// Event log (filtered by the run's [`EventLogLevel`]).
    pub events: EventLog,
    /// `nodes.csv` rows (usage model on only).
    pub nodes: Option<Vec<NodeRow>>,
    /// Cascades, causality log, workload availability and fault windows.
    pub resilience: ResilienceResult,
    /// `node_samples.csv` (None when `simulation.nodeSampleInterval` is 0).
    pub node_samples: Option<NodeSamples>,
    /// `services.csv` (services only).
    pub services: Option<super::services::ServicesResult>,
    /// `hpa.csv` (HorizontalPodAutoscalers only).
    pub hpas: Option<super::hpa::HpaResult>,
}

/// Name and kind of a workload, for the recorder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkloadInfo {
    /// Workload name.
    pub name: String,
    /// Kind label (`Deployment`, …).
    pub kind: String,
}

/// How a pod got bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BindKind {
    /// By the scheduler, with the selected node's total score.
    Scheduled {
        /// Total score.
        score: i64,
    },
    /// Without the scheduler; the text says why (`DaemonSet`, `nodeName`).
    Direct(&'static str),
}

/// End-of-run numbers the recorder does not track itself.
#[derive(Clone, Copy, Debug)]
pub struct FinishInfo {
    /// Simulated duration.
    pub duration: SimTime,
    /// Events popped from the event queue.
    pub events_processed: u64,
    /// Pending pods that failed at least one scheduling cycle.
    pub unschedulable_at_end: u64,
}
