//! `slo`: thresholds a run is judged against in the report (`clustersim report`) and in a
//! comparison (`clustersim compare`). Every field is optional; a threshold whose figure a run
//! does not produce (no faults, no eviction model yet, …) is shown as "not evaluated".
//!
//! ```yaml
//! slo:
//!   maxPendingAfter: {fault: 15m, pods: 0}   # or {at: 30m, pods: 0}
//!   maxUnschedulableAtEnd: 0
//!   maxPeakPending: 500
//!   minWorkloadAvailability: 0.999          # fraction of 1
//!   maxEvictions: 100
//!   maxOomKills: 0
//!   maxCascadeDepth: 3
//!   maxTimeToRecover: 30m
//!   services:                               # per service (names of `services:`)
//!     checkout: {availability: 0.999, p99Latency: 300ms, maxErrorBudgetBurn: 14.4, burnWindow: 1h}
//! ```
//!
//! The same structure, serialised as JSON (camelCase, durations as strings), is what a results
//! directory's `slo.json` holds.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::non_negative::optional_non_negative;
use crate::scenario::duration::DurationMs;

/// `slo`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Slo {
    /// At most `pods` Pending pods from `fault` after the start of each fault (until the next
    /// fault starts or the run ends), or from simulated time `at` to the end of the run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_pending_after: Option<PendingAfter>,
    /// At most this many Pending pods that failed a scheduling cycle at the end of the run.
    #[serde(
        default,
        deserialize_with = "optional_non_negative",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_unschedulable_at_end: Option<u64>,
    /// At most this many Pending pods at any sample.
    #[serde(
        default,
        deserialize_with = "optional_non_negative",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_peak_pending: Option<u64>,
    /// Every workload's availability (fraction of 1) at least this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_workload_availability: Option<f64>,
    /// At most this many pod evictions over the run.
    #[serde(
        default,
        deserialize_with = "optional_non_negative",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_evictions: Option<u64>,
    /// At most this many OOM kills over the run.
    #[serde(
        default,
        deserialize_with = "optional_non_negative",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_oom_kills: Option<u64>,
    /// No cascade deeper than this.
    #[serde(
        default,
        deserialize_with = "optional_non_negative",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_cascade_depth: Option<u64>,
    /// Every fault recovered from within this time of its start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_time_to_recover: Option<DurationMs>,
    /// Per-service targets, by service name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub services: BTreeMap<String, ServiceSlo>,
}

/// `slo.services.<name>`: targets on one service's SLIs (every field optional).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ServiceSlo {
    /// Successful / offered requests over the run at least this (0 < x ≤ 1); also the
    /// target the error budget is measured against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability: Option<f64>,
    /// Median response time over the run at most this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p50_latency: Option<DurationMs>,
    /// 95th percentile response time over the run at most this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p95_latency: Option<DurationMs>,
    /// 99th percentile response time over the run at most this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p99_latency: Option<DurationMs>,
    /// Worst error-budget burn rate over a `burnWindow` window at most this (needs
    /// `availability`; 1 = spending the budget exactly at the rate it allows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_error_budget_burn: Option<f64>,
    /// The burn-rate window: `5m` or `1h` (default `1h`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub burn_window: Option<DurationMs>,
}

/// `slo.maxPendingAfter`: exactly one of `fault` and `at`, and `pods`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PendingAfter {
    /// Grace period after the start of each fault.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault: Option<DurationMs>,
    /// A simulated time (for runs without faults).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<DurationMs>,
    /// Largest number of Pending pods allowed after the grace period.
    #[serde(deserialize_with = "super::non_negative::non_negative")]
    pub pods: u64,
}

impl Slo {
    /// Whether no threshold is set.
    pub fn is_empty(&self) -> bool {
        *self == Slo::default()
    }
}
