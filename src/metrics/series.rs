//! The time series: one [`Sample`] per metrics interval, and the column names of
//! `timeseries.csv`.

use super::*;

/// Requested and allocatable CPU/memory of one zone at a sample.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ZoneSample {
    /// CPU requested by pods bound to the zone's nodes, millicores.
    pub cpu_requested_m: i64,
    /// CPU allocatable of the zone's Ready nodes, millicores.
    pub cpu_allocatable_m: i64,
    /// Memory requested, bytes.
    pub mem_requested_bytes: i64,
    /// Memory allocatable of the zone's Ready nodes, bytes.
    pub mem_allocatable_bytes: i64,
}

/// One time-series row (one per metrics interval, plus a final one at the end of the run).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sample {
    /// Simulated time, ms.
    pub time_ms: u64,
    /// Nodes whose Ready condition is true.
    pub nodes_ready: u64,
    /// Pods Pending now.
    pub pods_pending: u64,
    /// Pods Running now.
    pub pods_running: u64,
    /// Pods that succeeded so far (cumulative).
    pub pods_succeeded: u64,
    /// Cluster totals (sum of the zones).
    pub total: ZoneSample,
    /// Per zone, in `World::zones` order.
    pub zones: Vec<ZoneSample>,
    /// Nodes whose max(cpu, memory) requested/allocatable is above 80 %.
    pub nodes_over_80pct_requested: u64,
    /// Nodes whose max(cpu, memory) requested/allocatable is above 90 %.
    pub nodes_over_90pct_requested: u64,
    /// Scheduling cycles in the interval.
    pub sched_attempts: u64,
    /// Scheduling cycles in the interval that found no node.
    pub sched_failures: u64,
    /// Pods created so far (cumulative).
    pub pods_created: u64,
    /// Pods that failed so far (cumulative).
    pub pods_failed: u64,
    /// Pods deleted while Pending or Running so far (cumulative).
    pub pods_deleted: u64,
    /// Preemptions (scheduling cycles that nominated a node and deleted victims) in the interval.
    pub preemptions: u64,
    /// Node health, unschedulable backlog and displaced pods.
    pub resilience: ResilienceSample,
    /// Node-pressure columns (usage model on only).
    pub pressure: Option<PressureSample>,
    /// Autoscaler columns (autoscaler on only).
    pub autoscaler: Option<AutoscalerSample>,
}

/// The time series of a run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TimeSeries {
    /// Zone names (per-zone columns are named `<column>_zone_<name>`).
    pub zones: Vec<String>,
    /// Rows in time order.
    pub rows: Vec<Sample>,
    /// The usage model was on: rows carry the node-pressure columns.
    pub pressure: bool,
    /// The autoscaler was on: rows carry the autoscaler columns.
    pub autoscaler: bool,
}

impl TimeSeries {
    /// Column names of `timeseries.csv`, in order.
    pub fn header(&self) -> Vec<String> {
        let mut h: Vec<String> = [
            "time_s",
            "nodes_ready",
            "pods_pending",
            "pods_running",
            "pods_succeeded",
            "cpu_requested_m",
            "cpu_allocatable_m",
            "mem_requested_bytes",
            "mem_allocatable_bytes",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for z in &self.zones {
            h.push(format!("cpu_requested_m_zone_{z}"));
            h.push(format!("cpu_allocatable_m_zone_{z}"));
            h.push(format!("mem_requested_bytes_zone_{z}"));
            h.push(format!("mem_allocatable_bytes_zone_{z}"));
        }
        for s in [
            "nodes_over_80pct_requested",
            "nodes_over_90pct_requested",
            "sched_attempts",
            "sched_failures",
            "pods_created",
            "pods_failed",
            "pods_deleted",
            "preemptions",
        ] {
            h.push(s.to_string());
        }
        h.extend(RESILIENCE_COLUMNS.iter().map(|s| s.to_string()));
        if self.pressure {
            h.extend(pressure::pressure_columns(&self.zones));
        }
        if self.autoscaler {
            h.extend(autoscaler::AUTOSCALER_COLUMNS.iter().map(|s| s.to_string()));
        }
        h
    }
}
