//! `services[]`: services backed by workloads, their traffic, capacity and latency, and the
//! calls between them (synchronous with timeouts, retries and circuit breakers, or through a
//! queue). Probes are on the workloads' containers, as in Kubernetes.

use serde::Deserialize;

use super::usage::{Diurnal, Spikes};
use crate::scenario::duration::DurationMs;
use crate::scenario::rate::Rate;

/// One service: the ready pods of one workload behind a name.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ServiceSpec {
    /// Service name, unique.
    pub name: String,
    /// The workload whose ready pods are the endpoints.
    pub workload: String,
    /// Requests arriving from outside the graph (default: none).
    #[serde(default)]
    pub traffic: Option<Traffic>,
    /// Requests/s at which one ready pod saturates.
    pub capacity_per_pod: Rate,
    /// Time one request takes on an idle pod.
    pub latency: DurationMs,
    /// Most requests waiting per pod; more are refused at once (default: unbounded).
    #[serde(default)]
    pub queue_limit: Option<u32>,
    /// CPU time per request served, in millicores × seconds (`5m` = 5 ms of one core).
    #[serde(default)]
    pub cpu_per_request: Option<crate::scenario::quantity::Quantity>,
    /// Calls made for each request served.
    #[serde(default)]
    pub calls: Vec<CallSpec>,
}

/// External traffic of a service: a base rate shaped by a day curve and spikes, or a series.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Traffic {
    /// Base rate (required unless `series` is given).
    #[serde(default)]
    pub rate: Option<Rate>,
    /// Day curve applied to the rate.
    #[serde(default)]
    pub diurnal: Option<Diurnal>,
    /// Spikes multiplying the rate.
    #[serde(default)]
    pub spikes: Option<Spikes>,
    /// A step series instead of `rate`: each point holds until the next.
    #[serde(default)]
    pub series: Vec<RatePoint>,
}

/// One point of a rate series.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RatePoint {
    /// From when.
    pub at: DurationMs,
    /// Requests/s from then on (`0` allowed: no traffic).
    pub rate: f64,
}

/// One call edge from the service to `service`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CallSpec {
    /// The callee.
    pub service: String,
    /// Calls per request served (default 1; may be fractional).
    #[serde(default = "one")]
    pub per_request: f64,
    /// Per-attempt timeout of a synchronous call (default 1s).
    #[serde(default)]
    pub timeout: Option<DurationMs>,
    /// Retries of failed or timed-out attempts (default: none).
    #[serde(default)]
    pub retries: Option<RetrySpec>,
    /// Circuit breaker on the edge (default: none).
    #[serde(default)]
    pub circuit_breaker: Option<BreakerSpec>,
    /// Makes the call asynchronous through a queue.
    #[serde(default)]
    pub queue: Option<QueueSpec>,
}

fn one() -> f64 {
    1.0
}

/// `retries`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RetrySpec {
    /// Retries after the first attempt.
    pub attempts: u32,
    /// At most this many retries per call on average, e.g. 0.2 (default: no budget).
    #[serde(default)]
    pub budget: Option<f64>,
    /// Wait before the first retry (default 25ms), doubling per retry.
    #[serde(default)]
    pub backoff: Option<DurationMs>,
    /// Longest wait between retries (default 250ms).
    #[serde(default)]
    pub max_backoff: Option<DurationMs>,
}

/// `circuitBreaker`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct BreakerSpec {
    /// Share of failed attempts (0 < x ≤ 1) that trips the breaker (default 0.5).
    #[serde(default)]
    pub failure_rate: Option<f64>,
    /// Trip after this many consecutive failures instead.
    #[serde(default)]
    pub consecutive_failures: Option<u32>,
    /// Calls an evaluation needs before `failureRate` is judged (default 20).
    #[serde(default)]
    pub min_requests: Option<u32>,
    /// How long the breaker stays open (default 30s).
    #[serde(default)]
    pub open_for: Option<DurationMs>,
    /// Trial calls while half-open (default 3).
    #[serde(default)]
    pub half_open_requests: Option<u32>,
}

/// `queue`: the call goes through a message queue.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct QueueSpec {
    /// Queue name (for outputs; default `<caller>-to-<callee>`).
    #[serde(default)]
    pub name: Option<String>,
    /// Most messages held (default: unbounded).
    #[serde(default)]
    pub capacity: Option<u64>,
    /// What a full queue does: `drop` (default) or `block`.
    #[serde(default)]
    pub overflow: Option<QueueOverflow>,
}

/// `queue.overflow`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QueueOverflow {
    /// Drop what does not fit.
    Drop,
    /// Refuse the producer.
    Block,
}

/// A container probe (`readinessProbe`, `livenessProbe`, `startupProbe`), upstream fields.
/// The handler (`httpGet`, `tcpSocket`, `exec`, `grpc`) is accepted and not modelled: a probe
/// answers like a request to the pod's service.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Probe {
    /// Seconds after the container started before probing (default 0).
    #[serde(default)]
    pub initial_delay_seconds: Option<i64>,
    /// Seconds between probes (default 10).
    #[serde(default)]
    pub period_seconds: Option<i64>,
    /// Seconds after which a probe fails (default 1).
    #[serde(default)]
    pub timeout_seconds: Option<i64>,
    /// Successes in a row that count (default 1; must be 1 for liveness and startup).
    #[serde(default)]
    pub success_threshold: Option<i64>,
    /// Failures in a row that count (default 3).
    #[serde(default)]
    pub failure_threshold: Option<i64>,
    /// Accepted, not modelled.
    #[serde(default)]
    pub http_get: Option<serde::de::IgnoredAny>,
    /// Accepted, not modelled.
    #[serde(default)]
    pub tcp_socket: Option<serde::de::IgnoredAny>,
    /// Accepted, not modelled.
    #[serde(default)]
    pub exec: Option<serde::de::IgnoredAny>,
    /// Accepted, not modelled.
    #[serde(default)]
    pub grpc: Option<serde::de::IgnoredAny>,
    /// Accepted, not modelled.
    #[serde(default)]
    pub termination_grace_period_seconds: Option<i64>,
}
