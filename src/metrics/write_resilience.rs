//! Writes the failure tables of a run: `workloads.csv` and `workload_availability.csv`
//! always; `faults.csv`, `effects.csv` and `cascades.csv` when the run has faults, effects or
//! cascades (an absent file means "none", which the report shows as not applicable).

use std::path::Path;

use super::cascade::{CascadeRow, CASCADE_COLUMNS};
use super::resilience::{ResilienceResult, WorkloadRow, WorkloadUsed, WORKLOAD_COLUMNS};
use super::write::{csv_writer, finish_csv, format_secs, WriteError};

/// Column names of `faults.csv`.
pub const FAULT_COLUMNS: [&str; 4] = ["start_s", "end_s", "kind", "target"];
/// Column names of `effects.csv`.
pub const EFFECT_COLUMNS: [&str; 6] = ["id", "parent", "root", "kind", "target", "time_s"];
/// Column names of `workload_availability.csv`.
pub const AVAILABILITY_COLUMNS: [&str; 4] = ["time_s", "workload", "desired", "ready"];

fn secs(ms: u64) -> String {
    let mut s = String::new();
    format_secs(ms, &mut s);
    s
}

fn frac(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.6}")).unwrap_or_default()
}

/// Writes every failure table of `r` into `dir`.
pub(super) fn write_resilience(dir: &Path, r: &ResilienceResult) -> Result<(), WriteError> {
    if !r.faults.is_empty() {
        write_faults(dir, r)?;
    }
    if !r.effects.is_empty() {
        write_effects(dir, r)?;
    }
    if !r.cascades.is_empty() {
        write_cascades(dir, r)?;
    }
    write_workloads(dir, r)?;
    write_availability(dir, r)
}

fn err(p: &Path) -> impl FnOnce(csv::Error) -> WriteError {
    let p = p.to_path_buf();
    move |source| WriteError::Csv { path: p, source }
}

fn write_faults(dir: &Path, r: &ResilienceResult) -> Result<(), WriteError> {
    let path = dir.join("faults.csv");
    let mut w = csv_writer(&path)?;
    w.write_record(FAULT_COLUMNS).map_err(err(&path))?;
    for f in &r.faults {
        w.write_record([
            secs(f.start_ms),
            f.end_ms.map(secs).unwrap_or_default(),
            f.kind.clone(),
            f.target.clone(),
        ])
        .map_err(err(&path))?;
    }
    finish_csv(&path, w)
}

fn write_effects(dir: &Path, r: &ResilienceResult) -> Result<(), WriteError> {
    let path = dir.join("effects.csv");
    let mut w = csv_writer(&path)?;
    w.write_record(EFFECT_COLUMNS).map_err(err(&path))?;
    for e in &r.effects {
        w.write_record([
            e.id.to_string(),
            e.parent.map(|p| p.to_string()).unwrap_or_default(),
            e.root.to_string(),
            e.kind.as_str().to_string(),
            e.target.clone(),
            secs(e.time_ms),
        ])
        .map_err(err(&path))?;
    }
    finish_csv(&path, w)
}

fn write_cascades(dir: &Path, r: &ResilienceResult) -> Result<(), WriteError> {
    let path = dir.join("cascades.csv");
    let mut w = csv_writer(&path)?;
    w.write_record(CASCADE_COLUMNS).map_err(err(&path))?;
    for c in &r.cascades {
        let CascadeRow {
            root_id,
            root_kind,
            root_target,
            root_time_s,
            nodes_failed,
            pods_evicted,
            pods_oom_killed,
            pods_displaced,
            pods_rescheduled,
            effects,
            depth,
            time_to_recovery_s,
        } = c;
        w.write_record([
            root_id.to_string(),
            root_kind.clone(),
            root_target.clone(),
            root_time_s.clone(),
            nodes_failed.to_string(),
            pods_evicted.to_string(),
            pods_oom_killed.to_string(),
            pods_displaced.to_string(),
            pods_rescheduled.to_string(),
            effects.to_string(),
            depth.to_string(),
            time_to_recovery_s.clone(),
        ])
        .map_err(err(&path))?;
    }
    finish_csv(&path, w)
}

/// Millicore-milliseconds as core-seconds with three decimals, rounded down (exact).
fn core_s(mcms: u128) -> String {
    let core_ms = mcms / 1000;
    format!("{}.{:03}", core_ms / 1000, core_ms % 1000)
}

/// A used column: empty without the usage model.
fn used(row: &WorkloadRow, f: impl Fn(&WorkloadUsed) -> String) -> String {
    row.used.as_ref().map(f).unwrap_or_default()
}

fn write_workloads(dir: &Path, r: &ResilienceResult) -> Result<(), WriteError> {
    let path = dir.join("workloads.csv");
    let mut w = csv_writer(&path)?;
    w.write_record(WORKLOAD_COLUMNS).map_err(err(&path))?;
    for row in &r.workloads {
        w.write_record([
            row.workload.clone(),
            row.kind.clone(),
            row.desired.to_string(),
            frac(row.availability),
            frac(row.min_availability),
            format!("{:.3}", row.minutes_below_desired),
            row.cpu_requested_m.to_string(),
            row.cpu_used_m.map(|v| v.to_string()).unwrap_or_default(),
            row.mem_requested_bytes.to_string(),
            row.mem_used_bytes
                .map(|v| v.to_string())
                .unwrap_or_default(),
            core_s(row.cpu_requested_mcms),
            row.cpu_requested_peak_m.to_string(),
            (row.mem_requested_byte_ms / 1000).to_string(),
            row.mem_requested_peak_bytes.to_string(),
            used(row, |u| core_s(u.cpu_mcms)),
            used(row, |u| u.cpu_peak_m.to_string()),
            used(row, |u| (u.mem_byte_ms / 1000).to_string()),
            used(row, |u| u.mem_peak_bytes.to_string()),
            used(row, |u| core_s(u.cpu_throttled_mcms)),
            used(row, |u| core_s(u.cpu_contended_mcms)),
        ])
        .map_err(err(&path))?;
    }
    finish_csv(&path, w)
}

fn write_availability(dir: &Path, r: &ResilienceResult) -> Result<(), WriteError> {
    let path = dir.join("workload_availability.csv");
    let mut w = csv_writer(&path)?;
    w.write_record(AVAILABILITY_COLUMNS).map_err(err(&path))?;
    for (t, row) in &r.availability {
        let time = secs(*t);
        for (name, (ready, desired)) in r.availability_workloads.iter().zip(row) {
            w.write_record([
                time.as_str(),
                name.as_str(),
                &desired.to_string(),
                &ready.to_string(),
            ])
            .map_err(err(&path))?;
        }
    }
    finish_csv(&path, w)
}
