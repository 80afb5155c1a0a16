//! The event log: one row per pod event (filtered by [`EventLogLevel`]), names resolved when
//! written.

use super::*;

/// Which pod events go into the event log.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum EventLogLevel {
    /// No event log.
    None,
    /// Failures only: `unschedulable`, `preempted` and `failed`.
    #[default]
    Failures,
    /// Every pod event.
    All,
}

/// The kind of an event-log row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// A pod was created (Pending).
    Created,
    /// A pod was bound to a node (by the scheduler, or directly for DaemonSet / `nodeName` pods).
    Scheduled,
    /// A scheduling cycle found no node (the row's node is the node nominated by preemption, if any).
    Unschedulable,
    /// A pod was deleted to make room for a higher-priority pod.
    Preempted,
    /// A pod finished successfully (Job pods).
    Completed,
    /// A pod ended in phase Failed (e.g. a `nodeName` pod that does not fit: `OutOfcpu`).
    Failed,
    /// The kubelet evicted a pod under node pressure (it ends Failed, reason `Evicted`).
    Evicted,
    /// A container exceeded its memory limit and was OOM-killed (the pod stays, restarts it).
    OomKilled,
    /// The node ran out of memory and the kernel OOM-killed a container.
    NodeOomKilled,
    /// A container failed its liveness (or startup) probe and was killed to be restarted.
    ProbeKilled,
    /// A Job failed (reason `BackoffLimitExceeded`); the row names the Job's last pod.
    JobFailed,
}

impl EventKind {
    /// The name written in `events.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Created => "created",
            EventKind::Scheduled => "scheduled",
            EventKind::Unschedulable => "unschedulable",
            EventKind::Preempted => "preempted",
            EventKind::Completed => "completed",
            EventKind::Failed => "failed",
            EventKind::Evicted => "evicted",
            EventKind::OomKilled => "oom-killed",
            EventKind::NodeOomKilled => "node-oom-killed",
            EventKind::JobFailed => "job-failed",
            EventKind::ProbeKilled => "probe-killed",
        }
    }

    /// Whether `level` records this kind.
    pub fn recorded_at(self, level: EventLogLevel) -> bool {
        match level {
            EventLogLevel::None => false,
            EventLogLevel::All => true,
            EventLogLevel::Failures => {
                matches!(
                    self,
                    EventKind::Unschedulable
                        | EventKind::Preempted
                        | EventKind::Failed
                        | EventKind::Evicted
                        | EventKind::OomKilled
                        | EventKind::NodeOomKilled
                        | EventKind::JobFailed
                        | EventKind::ProbeKilled
                )
            }
        }
    }
}

/// The `reason` column of an event-log row, kept compact until it is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// Empty.
    None,
    /// An interned text (index into [`EventLog::reasons`]).
    Text(u32),
    /// `preempted by <workload>-<ordinal>`.
    PreemptedBy {
        /// Workload of the preemptor.
        workload: WorkloadId,
        /// Ordinal of the preemptor.
        ordinal: u32,
    },
}

/// One event-log row. Names are resolved through the [`EventLog`] when written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventRow {
    /// Simulated time, ms.
    pub time_ms: u64,
    /// What happened.
    pub kind: EventKind,
    /// Workload of the pod.
    pub workload: WorkloadId,
    /// Ordinal of the pod (pod name is `<workload>-<ordinal>`).
    pub ordinal: u32,
    /// Node involved, if any.
    pub node: Option<NodeId>,
    /// Score of the selected node (scheduler binds only).
    pub score: Option<i64>,
    /// Reason.
    pub reason: Reason,
    /// Root cause id carried by the pod (for `preempted`: the preemptor's); 0 = none.
    pub cause: u64,
    /// QoS class of the pod (eviction and OOM rows).
    pub qos: Option<QosClass>,
    /// Memory usage of the pod (evictions) or container (OOM kills), bytes.
    pub usage: Option<i64>,
}

/// The event log of a run, with the names needed to render it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EventLog {
    /// Rows in the order they happened.
    pub rows: Vec<EventRow>,
    /// Workload names by [`WorkloadId`].
    pub workloads: Vec<String>,
    /// Node names by [`NodeId`].
    pub nodes: Vec<String>,
    /// Interned reason texts.
    pub reasons: Vec<String>,
    /// The usage model was on: `events.csv` has the `qos` and `usage_bytes` columns.
    pub pressure: bool,
}

impl EventLog {
    /// The name of the row's pod, `<workload>-<ordinal>`, written into `out` (cleared first).
    pub fn pod_name_into(&self, row: &EventRow, out: &mut String) {
        use std::fmt::Write;
        out.clear();
        let _ = write!(
            out,
            "{}-{}",
            self.workloads[row.workload as usize], row.ordinal
        );
    }

    /// The row's node name, or `""`.
    pub fn node_name(&self, row: &EventRow) -> &str {
        row.node.map_or("", |n| self.nodes[n.ix()].as_str())
    }

    /// The row's reason text written into `out` (cleared first).
    pub fn reason_into(&self, row: &EventRow, out: &mut String) {
        use std::fmt::Write;
        out.clear();
        match row.reason {
            Reason::None => {}
            Reason::Text(i) => out.push_str(&self.reasons[i as usize]),
            Reason::PreemptedBy { workload, ordinal } => {
                let _ = write!(
                    out,
                    "preempted by {}-{}",
                    self.workloads[workload as usize], ordinal
                );
            }
        }
    }
}
