//! The Recorder: time series, event log and run summary, kept in memory as running sums.
//!
//! Architecture invariant: the recorder is pure. It never scans all pods on an event; node
//! totals are maintained per node by deltas (`sync_node`), pod counts by lifecycle hooks. Only
//! [`mod@write`] touches the file system, and only when the CLI asks it to.
//!
//! Conservation (checked by tests at every sample):
//! `pods_created = pods_pending + pods_running + pods_succeeded + pods_failed + pods_deleted`,
//! where `pods_deleted` counts pods removed while still Pending or Running (preempted,
//! deleted by a controller); pods removed after they finished count only as succeeded/failed.

pub mod autoscaler;
pub mod availability;
pub mod cascade;
pub mod effects;
mod events;
pub mod gpu;
pub mod hpa;
pub mod integral;
pub mod node_samples;
pub mod pressure;
mod recorder;
mod replace;
pub mod resilience;
pub mod schema;
mod series;
pub mod services;
mod summary;
pub mod write;
mod write_resilience;

use crate::cluster::{NodeId, Pod, PodPhase, QosClass, WorkloadId, World, CPU, MEMORY};
use crate::engine::SimTime;
use serde::Serialize;

pub use autoscaler::{AutoscalerSample, AutoscalerSummary, GroupCost, WaitStats};
pub use effects::EffectTarget;
pub use events::{EventKind, EventLog, EventLogLevel, EventRow, Reason};
pub use node_samples::{NodeSamples, NodeUsage};
pub use pressure::{NodeRow, PressureSample, PressureSummary, WorkloadPressure};
pub use recorder::Recorder;
pub use resilience::{
    FaultWindow, Resilience, ResilienceResult, ResilienceSample, WorkloadRow, WorkloadUsed,
};
pub use series::{requested_fraction, Sample, TimeSeries, ZoneSample};
pub use summary::{BindKind, FinishInfo, RunResult, Summary, WorkloadInfo, WorkloadSummary};
pub use write::{peak_rss_bytes, write_results, write_results_with, Timing, WriteError};
