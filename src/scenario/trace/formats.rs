//! The three public schemas, row by row: pod rows ([`PodRow`]) and machine rows
//! ([`MachineRow`]).
//!
//! Column lists (cited in `docs/importing.md`):
//! * Alibaba GPU 2023 (`cluster-trace-gpu-v2023/README.md`), with a header. Pods: `name,
//!   cpu_milli, memory_mib, num_gpu, gpu_milli, gpu_spec, qos, pod_phase, creation_time,
//!   deletion_time, scheduled_time` (times in seconds). Nodes: `sn, cpu_milli, memory_mib, gpu,
//!   model` (`num_gpu`, `gpu_type` also accepted).
//! * Alibaba 2018 (`cluster-trace-v2018/schema.txt`), no header. `batch_task`: `task_name,
//!   instance_num, job_name, task_type, status, start_time, end_time, plan_cpu (100 = 1 core),
//!   plan_mem (normalised 0–100)`. `machine_meta`: `machine_id, time_stamp, failure_domain_1,
//!   failure_domain_2, cpu_num, mem_size (normalised 0–100), status`.
//! * Google 2011 ("Google cluster-usage traces: format + schema", v2.1), no header.
//!   `task_events`: `timestamp (µs), missing info, job ID, task index, machine ID, event type,
//!   user, scheduling class, priority, CPU request, memory request, disk request,
//!   different-machine restriction`. `machine_events`: `timestamp, machine ID, event type,
//!   platform ID, CPUs, memory` (normalised to the largest machine: 1.0).

use std::collections::HashMap;
use std::path::Path;

use super::reader::Rows;
use super::{Band, Machine, PodRow, Shape, TraceError, TraceFormat};

/// Seconds → ms.
fn secs(v: f64) -> u64 {
    (v * 1000.0).round() as u64
}

/// Alibaba GPU 2023 pod list. Returns the rows left out (none).
pub(super) fn alibaba_gpu_pods(
    rows: &mut Rows,
    add: &mut impl FnMut(PodRow),
) -> Result<u64, TraceError> {
    let cpu = rows.column("cpu_milli")?;
    let mem = rows.column("memory_mib")?;
    let num_gpu = rows.column("num_gpu")?;
    let gpu_milli = rows.column("gpu_milli")?;
    let creation = rows.column("creation_time")?;
    let deletion = rows.column("deletion_time")?;
    let scheduled = rows.column("scheduled_time")?;
    let spec = rows.column("gpu_spec").ok();
    let qos = rows.column("qos").ok();
    while rows.next_row()? {
        let cpu_milli = rows.required(cpu, "cpu_milli")?.round() as u64;
        let memory_mib = rows.required(mem, "memory_mib")?.round() as u64;
        let n = rows.non_negative(num_gpu, "num_gpu")?.unwrap_or(0.0);
        if n.fract() != 0.0 {
            return Err(rows.error("num_gpu", format!("{n} is not a whole number")));
        }
        let milli = rows
            .non_negative(gpu_milli, "gpu_milli")?
            .unwrap_or(0.0)
            .round() as u32;
        if milli > 1000 {
            return Err(rows.error("gpu_milli", format!("{milli} is more than one GPU (1000)")));
        }
        let created = rows.required(creation, "creation_time")?;
        let deleted = rows.non_negative(deletion, "deletion_time")?;
        let started = rows.non_negative(scheduled, "scheduled_time")?;
        if let Some(d) = deleted {
            if d < created {
                return Err(rows.error(
                    "deletion_time",
                    format!("{d} is before creation_time ({created})"),
                ));
            }
        }
        let start = started.unwrap_or(created).max(created);
        let duration_ms = deleted.map(|d| secs((d - start).max(0.0)));
        let (gpus, gpu_milli) = match n as u32 {
            0 => (0, 0),
            1 if milli > 0 && milli < 1000 => (0, milli),
            k => (k, 0),
        };
        let band = match qos.map(|q| rows.text(q)) {
            Some("LS") => Band::Production,
            Some("BE") => Band::Free,
            _ => Band::Batch,
        };
        let models = spec
            .map(|s| rows.text(s))
            .filter(|s| !s.eq_ignore_ascii_case("nan") && (gpus > 0 || gpu_milli > 0))
            .unwrap_or("")
            .to_string();
        add(PodRow {
            arrival_ms: secs(created),
            duration_ms,
            shape: Shape {
                cpu_milli,
                memory_mib,
                gpus,
                gpu_milli,
                band,
                models,
            },
            count: 1,
        });
    }
    Ok(0)
}

/// Alibaba 2018 `batch_task`: each row is `instance_num` pods. Rows that never started
/// (`start_time` 0 or empty) are left out and counted.
pub(super) fn alibaba_2018_pods(
    rows: &mut Rows,
    machine: Machine,
    add: &mut impl FnMut(PodRow),
) -> Result<u64, TraceError> {
    let mut skipped = 0;
    while rows.next_row()? {
        rows.require_fields(9, "batch_task")?;
        let instances = rows.required(1, "instance_num")?;
        let start = rows.non_negative(5, "start_time")?.unwrap_or(0.0);
        let end = rows.non_negative(6, "end_time")?.unwrap_or(0.0);
        let plan_cpu = rows.non_negative(7, "plan_cpu")?.unwrap_or(0.0);
        let plan_mem = rows.non_negative(8, "plan_mem")?.unwrap_or(0.0);
        if plan_mem > 100.0 {
            return Err(rows.error("plan_mem", format!("{plan_mem} is above 100 (normalised)")));
        }
        if start <= 0.0 {
            skipped += instances as u64;
            continue;
        }
        if end > 0.0 && end < start {
            return Err(rows.error("end_time", format!("{end} is before start_time ({start})")));
        }
        add(PodRow {
            arrival_ms: secs(start),
            duration_ms: (end > 0.0).then(|| secs(end - start)),
            shape: Shape {
                cpu_milli: (plan_cpu * 10.0).round() as u64,
                memory_mib: (plan_mem / 100.0 * machine.memory_mib as f64).round() as u64,
                gpus: 0,
                gpu_milli: 0,
                band: Band::Batch,
                models: String::new(),
            },
            count: instances.min(f64::from(u32::MAX)) as u32,
        });
    }
    Ok(skipped)
}

/// Google 2011 event types of `task_events`.
const SUBMIT: u32 = 0;
const SCHEDULE: u32 = 1;
const UPDATE_PENDING: u32 = 7;
const UPDATE_RUNNING: u32 = 8;

/// A task between its SUBMIT and its end.
struct Task {
    submit_ms: u64,
    started_ms: Option<u64>,
    shape: Shape,
}

/// Google 2011 `task_events`: a pod per SUBMIT that was scheduled, arriving at the SUBMIT and
/// running from its first SCHEDULE to the EVICT/FAIL/FINISH/KILL/LOST that ends it (to the end
/// of the run if none does). Tasks ended before any SCHEDULE are left out and counted.
pub(super) fn google_pods(
    rows: &mut Rows,
    machine: Machine,
    add: &mut impl FnMut(PodRow),
) -> Result<u64, TraceError> {
    let mut live: HashMap<(u64, u32), Task> = HashMap::new();
    let mut skipped = 0;
    while rows.next_row()? {
        rows.require_fields(13, "task_events")?;
        let time = google_time(rows, 0, "timestamp")?;
        let job = rows.required(2, "job ID")? as u64;
        let index = rows.required(3, "task index")? as u32;
        let event = rows.required(5, "event type")?;
        if event.fract() != 0.0 || event > 8.0 {
            return Err(rows.error("event type", format!("{event} is not an event type 0–8")));
        }
        let event = event as u32;
        let priority = rows.non_negative(8, "priority")?.unwrap_or(0.0);
        if priority > 11.0 || priority.fract() != 0.0 {
            return Err(rows.error("priority", format!("{priority} is not a priority 0–11")));
        }
        let cpu = rows.non_negative(9, "CPU request")?.unwrap_or(0.0);
        let mem = rows.non_negative(10, "memory request")?.unwrap_or(0.0);
        let key = (job, index);
        match event {
            SUBMIT => {
                let band = match priority as u32 {
                    0..=1 => Band::Free,
                    2..=8 => Band::Batch,
                    _ => Band::Production,
                };
                let shape = Shape {
                    cpu_milli: (cpu * machine.cpu_milli as f64).round() as u64,
                    memory_mib: (mem * machine.memory_mib as f64).round() as u64,
                    gpus: 0,
                    gpu_milli: 0,
                    band,
                    models: String::new(),
                };
                if let Some(old) = live.insert(
                    key,
                    Task {
                        submit_ms: time,
                        started_ms: None,
                        shape,
                    },
                ) {
                    finish(old, None, add, &mut skipped);
                }
            }
            SCHEDULE => {
                if let Some(t) = live.get_mut(&key) {
                    t.started_ms.get_or_insert(time);
                }
            }
            UPDATE_PENDING | UPDATE_RUNNING => {}
            _ => {
                if let Some(t) = live.remove(&key) {
                    finish(t, Some(time), add, &mut skipped);
                }
            }
        }
    }
    let mut rest: Vec<((u64, u32), Task)> = live.into_iter().collect();
    rest.sort_by_key(|(k, t)| (t.submit_ms, *k));
    for (_, t) in rest {
        finish(t, None, add, &mut skipped);
    }
    Ok(skipped)
}

/// Emits the pod of a task that ended at `end` (None: still there at the end of the file).
fn finish(t: Task, end: Option<u64>, add: &mut impl FnMut(PodRow), skipped: &mut u64) {
    let Some(start) = t.started_ms else {
        if end.is_some() {
            *skipped += 1;
            return;
        }
        // Still waiting when the trace ends: it arrives and runs to the end.
        add(PodRow {
            arrival_ms: t.submit_ms,
            duration_ms: None,
            shape: t.shape,
            count: 1,
        });
        return;
    };
    add(PodRow {
        arrival_ms: t.submit_ms,
        duration_ms: end.map(|e| e.saturating_sub(start)),
        shape: t.shape,
        count: 1,
    });
}

/// A Google 2011 timestamp (µs; 0 = before the trace, 2^63−1 = after it) in ms.
fn google_time(rows: &Rows, i: usize, name: &str) -> Result<u64, TraceError> {
    let t = rows.text(i);
    let v: u64 = t
        .parse()
        .map_err(|_| rows.error(name, format!("{t:?} is not a timestamp (µs)")))?;
    Ok(v / 1000)
}

/// What happens to a machine in a row of a node table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MachineEvent {
    /// The machine is there (a node list row, Google ADD, Alibaba 2018 status `USING`).
    Up,
    /// The machine leaves (Google REMOVE, Alibaba 2018 any other status).
    Down,
    /// Its attributes change (Google UPDATE): not modelled.
    Update,
}

/// One row of a node table.
#[derive(Debug, Clone, PartialEq)]
pub struct MachineRow {
    /// Trace time, ms.
    pub time_ms: u64,
    /// Machine name or ID.
    pub id: String,
    /// What happens.
    pub event: MachineEvent,
    /// CPU, millicores.
    pub cpu_milli: u64,
    /// Memory, MiB.
    pub memory_mib: u64,
    /// Whole GPUs.
    pub gpus: u32,
    /// GPU model (empty for none).
    pub model: String,
    /// Zone (Alibaba 2018 `failure_domain_1`; else empty).
    pub zone: String,
    /// Rack (Alibaba 2018 `failure_domain_2`; else empty).
    pub rack: String,
    /// Platform (Google 2011 platform ID; else empty).
    pub platform: String,
}

/// Every row of the node table `path` in `format`, in file order.
pub fn machine_rows(
    path: &Path,
    format: TraceFormat,
    machine: Machine,
) -> Result<Vec<MachineRow>, TraceError> {
    let mut rows = Rows::open(path, format.has_header())?;
    let mut out = Vec::new();
    match format {
        TraceFormat::AlibabaGpu2023 => {
            let sn = rows.column("sn")?;
            let cpu = rows.column("cpu_milli")?;
            let mem = rows.column("memory_mib")?;
            let gpu = rows.column_of(&["gpu", "num_gpu"])?;
            let model = rows.column_of(&["model", "gpu_type"])?;
            while rows.next_row()? {
                let gpus = rows.non_negative(gpu, "gpu")?.unwrap_or(0.0);
                if gpus.fract() != 0.0 {
                    return Err(rows.error("gpu", format!("{gpus} is not a whole number")));
                }
                let m = rows.text(model);
                out.push(MachineRow {
                    time_ms: 0,
                    id: rows.text(sn).to_string(),
                    event: MachineEvent::Up,
                    cpu_milli: rows.required(cpu, "cpu_milli")?.round() as u64,
                    memory_mib: rows.required(mem, "memory_mib")?.round() as u64,
                    gpus: gpus as u32,
                    model: if gpus > 0.0 && !m.eq_ignore_ascii_case("nan") {
                        m.to_string()
                    } else {
                        String::new()
                    },
                    zone: String::new(),
                    rack: String::new(),
                    platform: String::new(),
                });
            }
        }
        TraceFormat::Google2011 => {
            while rows.next_row()? {
                rows.require_fields(6, "machine_events")?;
                let event = match rows.text(2) {
                    "0" => MachineEvent::Up,
                    "1" => MachineEvent::Down,
                    "2" => MachineEvent::Update,
                    t => return Err(rows.error("event type", format!("{t:?} is not 0, 1 or 2"))),
                };
                let cpu = rows.non_negative(4, "CPUs")?.unwrap_or(0.0);
                let mem = rows.non_negative(5, "memory")?.unwrap_or(0.0);
                if event == MachineEvent::Up && (cpu == 0.0 || mem == 0.0) {
                    return Err(rows.error(
                        if cpu == 0.0 { "CPUs" } else { "memory" },
                        "an ADD needs the machine's capacity",
                    ));
                }
                out.push(MachineRow {
                    time_ms: google_time(&rows, 0, "timestamp")?,
                    id: rows.text(1).to_string(),
                    event,
                    cpu_milli: (cpu * machine.cpu_milli as f64).round() as u64,
                    memory_mib: (mem * machine.memory_mib as f64).round() as u64,
                    gpus: 0,
                    model: String::new(),
                    zone: String::new(),
                    rack: String::new(),
                    platform: rows.text(3).to_string(),
                });
            }
        }
        TraceFormat::Alibaba2018 => {
            while rows.next_row()? {
                rows.require_fields(7, "machine_meta")?;
                let mem = rows.required(5, "mem_size")?;
                if mem > 100.0 {
                    return Err(rows.error("mem_size", format!("{mem} is above 100 (normalised)")));
                }
                out.push(MachineRow {
                    time_ms: secs(rows.required(1, "time_stamp")?),
                    id: rows.text(0).to_string(),
                    event: if rows.text(6) == "USING" {
                        MachineEvent::Up
                    } else {
                        MachineEvent::Down
                    },
                    cpu_milli: (rows.required(4, "cpu_num")? * 1000.0).round() as u64,
                    memory_mib: (mem / 100.0 * machine.memory_mib as f64).round() as u64,
                    gpus: 0,
                    model: String::new(),
                    zone: rows.text(2).to_string(),
                    rack: rows.text(3).to_string(),
                    platform: String::new(),
                });
            }
        }
    }
    Ok(out)
}
