//! Public cluster traces as workloads: `workloads: {fromTrace: {format, path, from?, to?}}`.
//!
//! A pod list of up to millions of rows is read by a streaming CSV reader (one reused record,
//! never the whole file in memory) into a compact form: the pods are grouped by *shape*
//! (requests, GPU share, priority band, GPU model constraint), each shape becomes one Job
//! workload whose pods arrive at the trace's times and run for the trace's durations
//! ([`TraceRows`]: two columns of integers, shared with the engine without copying). Pods of
//! one shape share one template, so the scheduler's signature memo keeps working, and a
//! million rows never become a YAML document or a million workloads.
//!
//! Formats ([`TraceFormat`]): the Alibaba GPU 2023 pod list, the Google 2011 `task_events`
//! table and the Alibaba 2018 `batch_task` table (their node tables are read by
//! `import::trace`). Bad input is a [`TraceError`]: one line naming the file, the row (line
//! number in the file, the header being line 1) and the column.

mod formats;
mod parquet_file;
mod reader;
mod spec;

pub use spec::expand_parts;
pub(crate) use spec::{add_priority_classes, parse_spec, spec_node};

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{json, Value};

pub use formats::{machine_rows, MachineEvent, MachineRow};
pub use reader::Rows;

use super::types::workload::{TraceRows, Workload};

/// The priority classes trace pods are put in (name, value): the Google 2011 priority bands
/// ("free" 0–1, the middle 2–8, "production" 9–11), Alibaba's QoS classes mapped onto them.
pub const PRIORITY_CLASSES: [(&str, i32); 3] = [
    ("trace-free", 100),
    ("trace-batch", 1000),
    ("trace-production", 10000),
];

/// A public trace's schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceFormat {
    /// Alibaba cluster-trace-gpu-v2023 (`openb_pod_list_*.csv`, `openb_node_list_*.csv`).
    AlibabaGpu2023,
    /// Alibaba cluster-trace-v2018 (`batch_task.csv`, `machine_meta.csv`).
    Alibaba2018,
    /// Google clusterdata-2011-2 (`task_events/*.csv`, `machine_events/*.csv`).
    Google2011,
}

impl TraceFormat {
    /// The formats' names as written in scenarios and on the command line.
    pub const NAMES: [&'static str; 3] = ["alibaba-gpu-2023", "alibaba-2018", "google-2011"];

    /// The format named `name`, or an error listing the names.
    pub fn parse(name: &str) -> Result<Self, String> {
        match name {
            "alibaba-gpu-2023" => Ok(TraceFormat::AlibabaGpu2023),
            "alibaba-2018" => Ok(TraceFormat::Alibaba2018),
            "google-2011" => Ok(TraceFormat::Google2011),
            other => Err(format!(
                "unknown trace format {other:?}; the formats are {}",
                Self::NAMES.join(", ")
            )),
        }
    }

    /// The format's name.
    pub fn name(self) -> &'static str {
        match self {
            TraceFormat::AlibabaGpu2023 => Self::NAMES[0],
            TraceFormat::Alibaba2018 => Self::NAMES[1],
            TraceFormat::Google2011 => Self::NAMES[2],
        }
    }
}

/// The machine normalised requests are scaled to (Google 2011: 1.0 = this machine's CPU and
/// memory; Alibaba 2018: memory 100 = this machine's memory).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Machine {
    /// CPU of the reference machine, millicores.
    pub cpu_milli: u64,
    /// Memory of the reference machine, MiB.
    pub memory_mib: u64,
}

impl Default for Machine {
    /// 32 cores and 128 GiB (a stated assumption: the traces do not give absolute sizes).
    fn default() -> Self {
        Machine {
            cpu_milli: 32_000,
            memory_mib: 128 * 1024,
        }
    }
}

/// One `fromTrace` reference, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceSpec {
    /// The schema.
    pub format: TraceFormat,
    /// The pod list's part files, read in this order as one table (relative paths already
    /// resolved against the scenario's directory, globs expanded).
    pub paths: Vec<PathBuf>,
    /// Rows arriving before this trace time (ms) are left out; later times are shifted by it.
    pub from_ms: u64,
    /// Rows arriving at or after this trace time (ms) are left out.
    pub to_ms: Option<u64>,
    /// Scale of normalised requests.
    pub machine: Machine,
}

impl TraceSpec {
    /// The part files for a message: the file, or the first and the number of parts.
    pub fn shown_paths(&self) -> String {
        match self.paths.as_slice() {
            [one] => one.display().to_string(),
            [first, ..] => format!(
                "{} and {} more parts",
                first.display(),
                self.paths.len() - 1
            ),
            [] => String::new(),
        }
    }
}

/// Bad trace input: the file, the row (its line number; none for the whole file), the column
/// and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct TraceError {
    /// The file, as given.
    pub file: String,
    /// Line number in the file (from 1), if the problem is on one row.
    pub row: Option<u64>,
    /// The column's name (empty when the problem is not one column's).
    pub column: String,
    /// What is wrong.
    pub message: String,
}

impl TraceError {
    /// The error's location after the file name (`row 12, column cpu_milli`).
    pub fn location(&self) -> String {
        match (self.row, self.column.is_empty()) {
            (Some(r), false) => format!("row {r}, column {}", self.column),
            (Some(r), true) => format!("row {r}"),
            (None, false) => format!("column {}", self.column),
            (None, true) => String::new(),
        }
    }
}

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = self.location();
        if at.is_empty() {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}: {at}: {}", self.file, self.message)
        }
    }
}

/// Priority band of a trace pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Band {
    /// Google priorities 0–1; Alibaba QoS `BE`.
    Free,
    /// Google priorities 2–8; Alibaba `Burstable`, `Guaranteed`, batch tasks.
    Batch,
    /// Google priorities 9–11; Alibaba QoS `LS`.
    Production,
}

impl Band {
    fn class(self) -> &'static str {
        PRIORITY_CLASSES[self as usize].0
    }
}

/// What pods of one template share.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Shape {
    /// CPU request, millicores.
    pub cpu_milli: u64,
    /// Memory request, MiB.
    pub memory_mib: u64,
    /// Whole GPUs (`nvidia.com/gpu`).
    pub gpus: u32,
    /// A share of one GPU in milli-GPU (`alibabacloud.com/gpu-milli`), 0 for none.
    pub gpu_milli: u32,
    /// Priority band.
    pub band: Band,
    /// GPU models the pod may run on (`V100M16|V100M32`), empty for any.
    pub models: String,
}

/// One pod of a trace: arrival and run time in the trace's clock (ms), `None` = to the end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodRow {
    /// Arrival (creation / submit) time, ms of trace time.
    pub arrival_ms: u64,
    /// How long it runs once started, ms; `None`: until the end of the run.
    pub duration_ms: Option<u64>,
    /// Its shape.
    pub shape: Shape,
    /// Identical pods this row stands for (Alibaba 2018 `instance_num`).
    pub count: u32,
}

/// The pods of a trace grouped by shape.
#[derive(Debug, Default)]
pub struct TracePods {
    /// Shapes in order of first appearance, each with its `(arrival, duration)` pairs (ms, run
    /// time; arrivals shifted by `from`).
    pub shapes: Vec<(Shape, Vec<(u64, u64)>)>,
    /// Rows left out (outside the window, or never started in the trace).
    pub skipped: u64,
}

impl TracePods {
    /// Pods in all shapes.
    pub fn pods(&self) -> u64 {
        self.shapes.iter().map(|(_, r)| r.len() as u64).sum()
    }
}

/// Reads the pod list of `spec` (streaming). Durations `None` become `horizon_ms` (the pod runs
/// to the end of the run).
pub fn read_pods(spec: &TraceSpec, horizon_ms: u64) -> Result<TracePods, TraceError> {
    let mut out = TracePods::default();
    let mut index: HashMap<Shape, usize> = HashMap::new();
    let mut add = |row: PodRow| {
        if row.arrival_ms < spec.from_ms || spec.to_ms.is_some_and(|t| row.arrival_ms >= t) {
            out.skipped += u64::from(row.count);
            return;
        }
        let at = row.arrival_ms - spec.from_ms;
        let d = row.duration_ms.unwrap_or(horizon_ms);
        let i = *index.entry(row.shape.clone()).or_insert_with(|| {
            out.shapes.push((row.shape, Vec::new()));
            out.shapes.len() - 1
        });
        let list = &mut out.shapes[i].1;
        list.extend(std::iter::repeat_n((at, d), row.count as usize));
    };
    let mut rows = Rows::open_parts(&spec.paths, spec.format.has_header())?;
    let skipped = match spec.format {
        TraceFormat::AlibabaGpu2023 => formats::alibaba_gpu_pods(&mut rows, &mut add)?,
        TraceFormat::Alibaba2018 => formats::alibaba_2018_pods(&mut rows, spec.machine, &mut add)?,
        TraceFormat::Google2011 => formats::google_pods(&mut rows, spec.machine, &mut add)?,
    };
    out.skipped += skipped;
    for (_, list) in &mut out.shapes {
        list.sort_by_key(|&(at, _)| at);
    }
    Ok(out)
}

impl TraceFormat {
    /// Whether the format's files start with a header row.
    pub fn has_header(self) -> bool {
        matches!(self, TraceFormat::AlibabaGpu2023)
    }
}

/// The Job workload of one shape, named `<prefix>-<k>`, with its rows.
pub fn shape_workload(name: &str, shape: &Shape, rows: &[(u64, u64)], horizon_ms: u64) -> Workload {
    let mut requests = serde_json::Map::new();
    let mut limits = serde_json::Map::new();
    requests.insert("cpu".into(), json!(format!("{}m", shape.cpu_milli)));
    requests.insert("memory".into(), json!(format!("{}Mi", shape.memory_mib)));
    if shape.gpus > 0 {
        let v = json!(shape.gpus.to_string());
        requests.insert("nvidia.com/gpu".into(), v.clone());
        limits.insert("nvidia.com/gpu".into(), v);
    } else if shape.gpu_milli > 0 {
        let v = json!(shape.gpu_milli.to_string());
        requests.insert("alibabacloud.com/gpu-milli".into(), v.clone());
        limits.insert("alibabacloud.com/gpu-milli".into(), v);
    }
    let mut resources = json!({ "requests": requests });
    if !limits.is_empty() {
        resources["limits"] = Value::Object(limits);
    }
    let mut template = json!({
        "priorityClassName": shape.band.class(),
        "containers": [{"name": "main", "resources": resources}],
    });
    if !shape.models.is_empty() {
        let models: Vec<&str> = shape.models.split('|').filter(|m| !m.is_empty()).collect();
        template["affinity"] = json!({"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [
            {"key": "nvidia.com/gpu.product", "operator": "In", "values": models}
        ]}]}}});
    }
    let w = json!({
        "name": name,
        "kind": "Job",
        "template": template,
        "duration": format!("{horizon_ms}ms"),
    });
    let mut w: Workload = serde_json::from_value(w).expect("a trace workload is a valid workload");
    let (times, durations): (Vec<u64>, Vec<u64>) = rows.iter().copied().unzip();
    w.trace = Some(TraceRows {
        times_ms: Arc::from(times),
        durations_ms: Arc::from(durations),
    });
    w
}

/// The workloads of `spec`'s pod list (one per shape, named `trace-<k>`), and a note on the
/// rows left out.
pub fn trace_workloads(
    spec: &TraceSpec,
    horizon_ms: u64,
) -> Result<(Vec<Workload>, Option<String>), TraceError> {
    let pods = read_pods(spec, horizon_ms)?;
    let note = (pods.skipped > 0).then(|| {
        format!(
            "workloads.fromTrace: {} pods of {} left out (outside from/to, or never started in \
             the trace)",
            pods.skipped,
            spec.shown_paths()
        )
    });
    let workloads = pods
        .shapes
        .iter()
        .enumerate()
        .map(|(k, (shape, rows))| shape_workload(&format!("trace-{k}"), shape, rows, horizon_ms))
        .collect();
    Ok((workloads, note))
}
