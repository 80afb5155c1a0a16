//! Service outputs: `services.csv` (one row per service per metrics sample) and the
//! per-service figures of `summary.json`. Written only when the scenario has services.

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use super::write::{create_with_header, write_err, WriteError};

/// One service at one sample.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceRow {
    /// Sample time, ms.
    pub time_ms: u64,
    /// Service index.
    pub service: u32,
    /// Requests/s offered (external, callers' attempts, queue deliveries).
    pub offered: f64,
    /// Requests/s served by its pods.
    pub served: f64,
    /// Requests/s failed (shed, or failed downstream).
    pub failed: f64,
    /// Retries/s its callers make on it.
    pub retries: f64,
    /// Median latency, s.
    pub p50_s: f64,
    /// 99th percentile latency, s.
    pub p99_s: f64,
    /// Ready endpoints.
    pub ready: u32,
    /// Open breakers on its calls.
    pub breakers_open: u32,
    /// Half-open breakers on its calls.
    pub breakers_half_open: u32,
    /// Messages waiting in the queues it consumes.
    pub queue_backlog: f64,
    /// Age of the oldest of them, s.
    pub queue_oldest_s: f64,
}

/// One service's figures over the run (`summary.json`, `services`).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceSummary {
    /// Service name.
    pub name: String,
    /// Requests offered over the run.
    pub requests: f64,
    /// Requests failed.
    pub failed: f64,
    /// Successful / offered requests.
    pub availability: f64,
    /// Highest error share of a service tick.
    pub peak_error_rate: f64,
    /// Containers restarted by failed liveness or startup probes.
    pub probe_restarts: u64,
    /// Times a pod left the endpoints by its readiness probe.
    pub readiness_removals: u64,
    /// Largest backlog of the queues it consumes.
    pub peak_queue_backlog: f64,
    /// Longest time from a backlog's peak until the queue was empty again, s.
    pub queue_drain_s: f64,
    /// Median response time of the requests served over the run, s (request-weighted over
    /// the ticks' modelled distributions; `"inf"` when unbounded, null when nothing served).
    #[serde(serialize_with = "latency")]
    pub p50_latency_s: Option<f64>,
    /// 95th percentile, as `p50LatencyS`.
    #[serde(serialize_with = "latency")]
    pub p95_latency_s: Option<f64>,
    /// 99th percentile, as `p50LatencyS`.
    #[serde(serialize_with = "latency")]
    pub p99_latency_s: Option<f64>,
    /// Highest failed / offered over any 5-minute window (the run's, if shorter).
    pub worst_error_rate_5m: f64,
    /// Highest failed / offered over any 1-hour window (the run's, if shorter).
    pub worst_error_rate_1h: f64,
    /// The error budget against the scenario's availability target for the service (only
    /// when `slo.services.<name>.availability` is set).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_budget: Option<ErrorBudget>,
}

/// A service's error budget: `1 − target` of its requests may fail.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBudget {
    /// The availability target.
    pub availability_target: f64,
    /// Share of the budget the run consumed: (1 − availability) / (1 − target).
    pub consumed: f64,
    /// Worst burn rate over a 5-minute window: its error ratio / (1 − target).
    pub burn_rate_5m: f64,
    /// Worst burn rate over a 1-hour window.
    pub burn_rate_1h: f64,
}

/// Serialises a latency: a number, `"inf"` when unbounded, null when absent.
fn latency<S: serde::Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(x) if x.is_finite() => s.serialize_f64(*x),
        Some(_) => s.serialize_str("inf"),
        None => s.serialize_none(),
    }
}

/// One call edge at one sample (`service_calls.csv`).
#[derive(Clone, Debug, PartialEq)]
pub struct CallRow {
    /// Sample time, ms.
    pub time_ms: u64,
    /// Call index (into [`ServicesResult::calls`]).
    pub call: u32,
    /// Calls/s (messages published for a queue).
    pub calls: f64,
    /// Attempts/s reaching the callee.
    pub attempts: f64,
    /// Calls/s failed.
    pub failed: f64,
    /// Breaker state: `closed`, `open`, `half-open`, `none`.
    pub breaker: &'static str,
    /// Messages waiting in the edge's queue.
    pub queue_backlog: f64,
}

/// One call edge of the graph.
#[derive(Clone, Debug, PartialEq)]
pub struct CallInfo {
    /// Caller service index.
    pub from: u32,
    /// Callee service index.
    pub to: u32,
    /// Through a queue.
    pub queue: bool,
}

/// Everything the service layer recorded.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ServicesResult {
    /// Service names, by index.
    pub names: Vec<String>,
    /// `services.csv` rows, by time then service.
    pub rows: Vec<ServiceRow>,
    /// The call edges, by index.
    pub calls: Vec<CallInfo>,
    /// `service_calls.csv` rows, by time then call.
    pub call_rows: Vec<CallRow>,
}

fn num(v: f64, out: &mut String) {
    use std::fmt::Write as _;
    out.clear();
    if v.is_finite() {
        let _ = write!(out, "{v:.3}");
    } else {
        out.push_str("inf");
    }
}

/// Writes `services.csv` into `dir`.
pub fn write_services(dir: &Path, result: &ServicesResult) -> Result<(), WriteError> {
    let path = dir.join(super::schema::SERVICES.file);
    let err = write_err(&path);
    let mut w = create_with_header(&path, &super::schema::SERVICES)?;
    let mut cells = vec![String::new(); 9];
    for r in &result.rows {
        let error_rate = if r.offered > 0.0 {
            r.failed / r.offered
        } else {
            0.0
        };
        for (cell, v) in cells.iter_mut().zip([
            r.offered,
            r.served,
            r.failed,
            error_rate,
            r.retries,
            r.p50_s,
            r.p99_s,
            r.queue_backlog,
            r.queue_oldest_s,
        ]) {
            num(v, cell);
        }
        writeln!(
            w,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            r.time_ms / 1000,
            result.names[r.service as usize],
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            cells[4],
            cells[5],
            cells[6],
            r.ready,
            r.breakers_open,
            r.breakers_half_open,
            cells[7],
            cells[8],
        )
        .map_err(err)?;
    }
    w.flush().map_err(err)
}

/// Writes `service_calls.csv` into `dir` (nothing when the graph has no calls).
pub fn write_service_calls(dir: &Path, result: &ServicesResult) -> Result<(), WriteError> {
    if result.calls.is_empty() {
        return Ok(());
    }
    let path = dir.join(super::schema::SERVICE_CALLS.file);
    let err = write_err(&path);
    let mut w = create_with_header(&path, &super::schema::SERVICE_CALLS)?;
    let mut cells = vec![String::new(); 4];
    for r in &result.call_rows {
        let c = &result.calls[r.call as usize];
        for (cell, v) in cells
            .iter_mut()
            .zip([r.calls, r.attempts, r.failed, r.queue_backlog])
        {
            num(v, cell);
        }
        writeln!(
            w,
            "{},{},{},{},{},{},{},{},{}",
            r.time_ms / 1000,
            result.names[c.from as usize],
            result.names[c.to as usize],
            if c.queue { "queue" } else { "sync" },
            cells[0],
            cells[1],
            cells[2],
            r.breaker,
            cells[3],
        )
        .map_err(err)?;
    }
    w.flush().map_err(err)
}
