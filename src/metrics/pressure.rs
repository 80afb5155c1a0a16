//! The node-pressure part of a run's results: extra `timeseries.csv` columns, `nodes.csv`
//! rows and `summary.json` totals. All of it is absent when the usage model is off, so runs
//! without `usage:`/`kubelet:` keep their outputs byte for byte.

use serde::Serialize;

/// Node-pressure numbers of one time-series row. Counts are per interval unless noted;
/// fractions are in parts per million of allocatable.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PressureSample {
    /// CPU delivered to pods now (per node `min(demand after throttling, allocatable)`), m.
    pub cpu_used_m: i64,
    /// Memory working set of running pods now, bytes.
    pub mem_used_bytes: i64,
    /// Per zone `(cpu_used_m, mem_used_bytes)`, in `World::zones` order.
    pub zones: Vec<(i64, i64)>,
    /// Nodes with the MemoryPressure condition now.
    pub nodes_memory_pressure: u64,
    /// Pods evicted by the kubelet.
    pub evictions: u64,
    /// Containers OOM-killed for exceeding their memory limit.
    pub oom_kills_limit: u64,
    /// Containers OOM-killed because their node ran out of memory.
    pub oom_kills_node: u64,
    /// Containers restarted after a kill.
    pub container_restarts: u64,
    /// Containers waiting in restart back-off (CrashLoopBackOff) now.
    pub containers_crashloop: u64,
    /// CPU demand above limits, millicore-milliseconds.
    pub cpu_throttled_mcms: u64,
    /// CPU demand above node allocatable, millicore-milliseconds.
    pub cpu_contention_mcms: u64,
    /// Node memory usage / allocatable now: p50, p90, p99, max over nodes (ppm).
    pub node_mem_ppm: [u64; 4],
    /// Node CPU demand / allocatable now: p50, p90, p99, max over nodes (ppm).
    pub node_cpu_ppm: [u64; 4],
}

/// One row of `nodes.csv`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeRow {
    /// Node name.
    pub node: String,
    /// Pool name.
    pub pool: String,
    /// Zone name.
    pub zone: String,
    /// Peak CPU demand after throttling, millicores.
    pub peak_cpu_m: i64,
    /// Peak memory working set, bytes.
    pub peak_mem_bytes: i64,
    /// Peak CPU demand / allocatable, ppm.
    pub peak_cpu_ppm: u64,
    /// Peak memory / allocatable, ppm.
    pub peak_mem_ppm: u64,
    /// Time under MemoryPressure, ms.
    pub pressure_ms: u64,
    /// Pods evicted from the node.
    pub evictions: u64,
    /// Limit OOM kills on the node.
    pub oom_kills_limit: u64,
    /// Node-level OOM kills on the node.
    pub oom_kills_node: u64,
    /// Container restarts on the node.
    pub container_restarts: u64,
}

/// Per-workload pressure totals in `summary.json`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadPressure {
    /// Workload name.
    pub name: String,
    /// Pods evicted.
    pub evictions: u64,
    /// Limit OOM kills.
    pub oom_kills_limit: u64,
    /// Node-level OOM kills.
    pub oom_kills_node: u64,
    /// Container restarts.
    pub container_restarts: u64,
    /// CPU demand above limits, core-seconds.
    pub cpu_throttled_core_seconds: f64,
}

/// Node-pressure totals of a run (`summary.json` key `pressure`).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PressureSummary {
    /// Pods evicted by kubelets.
    pub evictions: u64,
    /// Containers killed for exceeding their memory limit.
    pub oom_kills_limit: u64,
    /// Containers killed by the kernel because their node ran out of memory.
    pub oom_kills_node: u64,
    /// Container restarts.
    pub container_restarts: u64,
    /// CPU demand above limits, core-seconds.
    pub cpu_throttled_core_seconds: f64,
    /// CPU demand above node allocatable, core-seconds.
    pub cpu_contention_core_seconds: f64,
    /// Nodes that had MemoryPressure at some point.
    pub nodes_with_memory_pressure: u64,
    /// Sum over nodes of the time under MemoryPressure, seconds.
    pub memory_pressure_node_seconds: f64,
    /// Highest number of nodes under MemoryPressure at once (at condition changes).
    pub peak_nodes_memory_pressure: u64,
    /// Per workload, in scenario order.
    pub workloads: Vec<WorkloadPressure>,
}

/// Writes `value` ppm as a fraction with six decimals (`734512` → `0.734512`), exactly.
pub fn format_ppm(value: u64, out: &mut String) {
    use std::fmt::Write;
    let _ = write!(out, "{}.{:06}", value / 1_000_000, value % 1_000_000);
}

/// Writes millicore-milliseconds as core-seconds with three decimals, rounded down.
pub fn format_core_seconds(mcms: u64, out: &mut String) {
    use std::fmt::Write;
    let core_ms = mcms / 1000;
    let _ = write!(out, "{}.{:03}", core_ms / 1000, core_ms % 1000);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_formats() {
        let mut s = String::new();
        format_ppm(734_512, &mut s);
        assert_eq!(s, "0.734512");
        s.clear();
        format_ppm(1_250_000, &mut s);
        assert_eq!(s, "1.250000");
        s.clear();
        // 1.5 cores for 2 s = 3 core-seconds = 1500 m × 2000 ms.
        format_core_seconds(1500 * 2000, &mut s);
        assert_eq!(s, "3.000");
    }
}
