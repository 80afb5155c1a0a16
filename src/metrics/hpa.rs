//! HorizontalPodAutoscaler outputs: `hpa.csv` (one row per HPA per metrics sample) and the
//! per-HPA figures of `summary.json` (`hpas`). Written only when the scenario has HPAs.

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use super::write::{create_with_header, write_err, WriteError};

/// One HPA at one sample.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HpaRow {
    /// Sample time, ms.
    pub time_ms: u64,
    /// HPA index.
    pub hpa: u32,
    /// The replicas the HPA set (the target's `spec.replicas`).
    pub desired: u32,
    /// The target's pods (Pending or Running, not terminating).
    pub current: u32,
    /// Of those, ready (Running on an up node).
    pub ready: u32,
    /// CPU utilisation at the last sync, percent of requests (None: no CPU metric, or no
    /// metrics yet).
    pub cpu_utilization: Option<i32>,
    /// CPU target, percent.
    pub cpu_target: Option<i32>,
    /// Memory utilisation at the last sync, percent of requests.
    pub memory_utilization: Option<i32>,
    /// Memory target, percent.
    pub memory_target: Option<i32>,
}

/// One HPA's figures over the run (`summary.json`, `hpas`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HpaSummary {
    /// HPA name.
    pub name: String,
    /// The workload it scales.
    pub target: String,
    /// Its `minReplicas`.
    pub min_replicas: u32,
    /// Its `maxReplicas`.
    pub max_replicas: u32,
    /// Fewest replicas set during the run (the workload's own count included).
    pub min_reached: u32,
    /// Most replicas set during the run.
    pub max_reached: u32,
    /// Syncs that raised the replicas.
    pub scale_ups: u64,
    /// Syncs that lowered them.
    pub scale_downs: u64,
    /// Replicas at the end.
    pub replicas_at_end: u32,
}

/// Everything the HPAs recorded.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct HpaResult {
    /// HPA names, by index.
    pub names: Vec<String>,
    /// Their target workloads, by index.
    pub targets: Vec<String>,
    /// `hpa.csv` rows, by time then HPA.
    pub rows: Vec<HpaRow>,
}

fn opt(v: Option<i32>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// Writes `hpa.csv` into `dir`.
pub fn write_hpa(dir: &Path, result: &HpaResult) -> Result<(), WriteError> {
    let path = dir.join(super::schema::HPA.file);
    let err = write_err(&path);
    let mut w = create_with_header(&path, &super::schema::HPA)?;
    for r in &result.rows {
        let i = r.hpa as usize;
        writeln!(
            w,
            "{},{},{},{},{},{},{},{},{},{}",
            r.time_ms / 1000,
            result.names[i],
            result.targets[i],
            r.desired,
            r.current,
            r.ready,
            opt(r.cpu_utilization),
            opt(r.cpu_target),
            opt(r.memory_utilization),
            opt(r.memory_target),
        )
        .map_err(err)?;
    }
    w.flush().map_err(err)
}
