//! The results format, defined once: every output file, its columns in order, their units and
//! descriptions. The writers take their headers from here (and, for the failure tables, their
//! cells: each column is declared with the accessor that formats it, so header and row cannot
//! drift); the report reads columns by these names; `docs/output-format.md` is generated from
//! here (with the figures and SLOs, by the `figures` module; a test fails when the committed
//! document is stale).
//!
//! To add a column: add it here (name, unit, description, and for a [`Cell`] or [`Sampled`]
//! table its accessor: the writer iterates those tables), give the recorder the value, and for
//! the other files write the cell where the file's row is written (`write.rs`). Then
//! `UPDATE_DOCS=1 cargo test --release --lib output_format_doc` regenerates the document.

use std::fmt::Write as _;

use super::cascade::{CascadeRow, EffectRecord};
use super::gpu::GpuSample;
use super::resilience::{FaultWindow, WorkloadRow, WorkloadUsed};
use super::series::{Sample, ZoneSample};
use super::{AutoscalerSample, PressureSample};

/// One column of an output file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    /// Name in the header (for per-zone columns, the prefix before `_zone_<zone>`).
    pub name: &'static str,
    /// Unit (`pods`, `millicores`, `s`, …; empty for text).
    pub unit: &'static str,
    /// What it holds.
    pub description: &'static str,
}

/// A column in a const table.
pub const fn col(name: &'static str, unit: &'static str, description: &'static str) -> Column {
    Column {
        name,
        unit,
        description,
    }
}

/// When a group of columns is present.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    /// In every file.
    Always,
    /// Once per zone, named `<name>_zone_<zone>`, zones in scenario order.
    PerZone,
    /// Only when the kubelet usage model was on.
    UsageModel,
    /// Once per zone, only when the usage model was on.
    UsageModelPerZone,
    /// Only when the Cluster Autoscaler was on.
    Autoscaler,
    /// Only when the cluster has GPUs (GPU devices, or nodes advertising `nvidia.com/gpu`).
    Gpu,
    /// Only when the cluster has GPU devices (`nodePools[].gpus`).
    GpuDevices,
    /// Once per zone, only when the cluster has GPUs.
    GpuPerZone,
    /// Only when the scenario has services.
    Services,
}

/// Which optional column groups a run wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Present {
    /// The kubelet usage model was on.
    pub usage_model: bool,
    /// The Cluster Autoscaler was on.
    pub autoscaler: bool,
    /// The cluster has GPUs.
    pub gpu: bool,
    /// The cluster has GPU devices.
    pub gpu_devices: bool,
    /// The scenario has services.
    pub services: bool,
}

impl When {
    /// Whether the group is in a run with these optional groups.
    pub fn is_on(self, present: Present) -> bool {
        match self {
            When::Always | When::PerZone => true,
            When::UsageModel | When::UsageModelPerZone => present.usage_model,
            When::Autoscaler => present.autoscaler,
            When::Gpu | When::GpuPerZone => present.gpu,
            When::GpuDevices => present.gpu_devices,
            When::Services => present.services,
        }
    }

    /// Whether the group's columns repeat once per zone.
    pub fn per_zone(self) -> bool {
        matches!(
            self,
            When::PerZone | When::UsageModelPerZone | When::GpuPerZone
        )
    }

    fn doc(self) -> &'static str {
        match self {
            When::Always => "",
            When::PerZone => "per zone",
            When::UsageModel => "usage model",
            When::UsageModelPerZone => "usage model, per zone",
            When::Autoscaler => "autoscaler",
            When::Gpu => "clusters with GPUs",
            When::GpuDevices => "clusters with GPU devices",
            When::GpuPerZone => "clusters with GPUs, per zone",
            When::Services => "services",
        }
    }
}

/// A run of columns that are present together.
#[derive(Clone, Copy)]
pub struct Group {
    /// When they are present.
    pub when: When,
    /// The columns, in order.
    pub columns: fn() -> Vec<Column>,
}

/// One output file.
#[derive(Clone, Copy)]
pub struct FileSchema {
    /// File name in the results directory.
    pub file: &'static str,
    /// When it is written.
    pub written: &'static str,
    /// What one row is.
    pub description: &'static str,
    /// Its columns, in order.
    pub groups: &'static [Group],
}

impl FileSchema {
    /// The header for a run with these zones and options (no GPU columns).
    pub fn header(&self, zones: &[String], usage_model: bool, autoscaler: bool) -> Vec<String> {
        self.header_with(
            zones,
            Present {
                usage_model,
                autoscaler,
                ..Present::default()
            },
        )
    }

    /// The header for a run with these zones and optional groups.
    pub fn header_with(&self, zones: &[String], present: Present) -> Vec<String> {
        let mut h = Vec::new();
        for g in self.groups {
            if !g.when.is_on(present) {
                continue;
            }
            let cols = (g.columns)();
            if g.when.per_zone() {
                for z in zones {
                    h.extend(cols.iter().map(|c| format!("{}_zone_{z}", c.name)));
                }
            } else {
                h.extend(cols.iter().map(|c| c.name.to_string()));
            }
        }
        h
    }
}

const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// `name`, checked at compile time to be a column of `cols`: a reader names a column by
/// `const X: &str = name_in(TS_BASE, "pods_pending")`, so it cannot read a column nothing
/// writes.
pub const fn name_in(cols: &[Column], name: &'static str) -> &'static str {
    let mut i = 0;
    while i < cols.len() {
        if str_eq(cols[i].name, name) {
            return cols[i].name;
        }
        i += 1;
    }
    panic!("not a column of this schema table")
}

/// [`name_in`] for a [`Cell`] table.
pub const fn cell_name<R>(cells: &[Cell<R>], name: &'static str) -> &'static str {
    let mut i = 0;
    while i < cells.len() {
        if str_eq(cells[i].column.name, name) {
            return cells[i].column.name;
        }
        i += 1;
    }
    panic!("not a column of this schema table")
}

/// A column with the accessor that formats its cell from one row of type `R`.
pub struct Cell<R> {
    /// The column.
    pub column: Column,
    /// The cell's text for a row.
    pub value: fn(&R) -> String,
}

/// The header of a [`Cell`] table.
pub fn cell_header<R>(cells: &[Cell<R>]) -> Vec<&'static str> {
    cells.iter().map(|c| c.column.name).collect()
}

/// The cells of `row`, in column order.
pub fn cell_row<R>(cells: &[Cell<R>], row: &R) -> Vec<String> {
    cells.iter().map(|c| (c.value)(row)).collect()
}

fn cell_columns<R>(cells: &[Cell<R>]) -> Vec<Column> {
    cells.iter().map(|c| c.column).collect()
}

/// Milliseconds as seconds with three decimals.
pub fn secs(ms: u64) -> String {
    let mut s = String::new();
    super::write::format_secs(ms, &mut s);
    s
}

/// A fraction with six decimals, empty for none.
pub fn frac(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.6}")).unwrap_or_default()
}

/// Milli-core-milliseconds as core-seconds with three decimals.
pub fn core_s(mcms: u128) -> String {
    let core_ms = mcms / 1000;
    format!("{}.{:03}", core_ms / 1000, core_ms % 1000)
}

fn used(row: &WorkloadRow, f: impl Fn(&WorkloadUsed) -> String) -> String {
    row.used.as_ref().map(f).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// timeseries.csv

/// A `timeseries.csv` column with the value it samples: the writer iterates these tables, so
/// a column is its name, unit, description and accessor here, and nothing else.
pub struct Sampled {
    /// The column.
    pub column: Column,
    /// Its value in a row; the `usize` is the zone's index in per-zone groups (0 otherwise).
    pub value: fn(&Sample, usize) -> Val,
}

/// One sampled cell, formatted by the writer (integers in full, no float formatting).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Val {
    /// A count or quantity.
    U(u64),
    /// A signed quantity (requests, allocatable, usage).
    I(i64),
    /// Milliseconds, written as seconds with three decimals.
    Secs(u64),
    /// Millicore-milliseconds, written as core-seconds with three decimals (rounded down).
    CoreSecs(u64),
    /// Parts per million, written as a fraction with six decimals.
    Ppm(u64),
    /// An empty cell (the row has no value for an optional group).
    Empty,
}

impl Val {
    /// Appends the cell's text to `out`.
    pub fn write(self, out: &mut String) {
        match self {
            Val::U(v) => {
                let _ = write!(out, "{v}");
            }
            Val::I(v) => {
                let _ = write!(out, "{v}");
            }
            Val::Secs(ms) => super::write::format_secs(ms, out),
            Val::CoreSecs(v) => super::pressure::format_core_seconds(v, out),
            Val::Ppm(v) => super::pressure::format_ppm(v, out),
            Val::Empty => {}
        }
    }
}

/// A sampled column in a const table.
pub const fn ts(
    name: &'static str,
    unit: &'static str,
    description: &'static str,
    value: fn(&Sample, usize) -> Val,
) -> Sampled {
    Sampled {
        column: col(name, unit, description),
        value,
    }
}

/// [`name_in`] for a [`Sampled`] table.
pub const fn sampled_name(cols: &[Sampled], name: &'static str) -> &'static str {
    let mut i = 0;
    while i < cols.len() {
        if str_eq(cols[i].column.name, name) {
            return cols[i].column.name;
        }
        i += 1;
    }
    panic!("not a column of this schema table")
}

fn sampled_columns(cols: &[Sampled]) -> Vec<Column> {
    cols.iter().map(|c| c.column).collect()
}

/// The zone's requests and allocatable (zero if the row has no such zone).
fn zone(s: &Sample, z: usize) -> ZoneSample {
    s.zones.get(z).copied().unwrap_or_default()
}

/// One zone's pair of a per-zone optional group (zero if absent).
fn zone_pair(zones: &[(i64, i64)], z: usize) -> (i64, i64) {
    zones.get(z).copied().unwrap_or_default()
}

/// A usage-model cell (empty for a row without the pressure columns).
fn pressure(s: &Sample, f: impl Fn(&PressureSample) -> Val) -> Val {
    s.pressure.as_ref().map_or(Val::Empty, f)
}

/// An autoscaler cell (empty for a row without the autoscaler columns).
fn autoscaler(s: &Sample, f: impl Fn(&AutoscalerSample) -> u64) -> Val {
    s.autoscaler.as_ref().map_or(Val::Empty, |a| Val::U(f(a)))
}

/// A GPU cell (empty for a row without the GPU columns).
fn gpu(s: &Sample, f: impl Fn(&GpuSample) -> i64) -> Val {
    s.gpu.as_ref().map_or(Val::Empty, |g| Val::I(f(g)))
}

/// `timeseries.csv`: the first columns.
pub const TS_BASE: &[Sampled] = &[
    ts("time_s", "s", "Simulated time of the sample (three decimals).", |s, _| Val::Secs(s.time_ms)),
    ts("nodes_ready", "nodes", "Nodes whose Ready condition is true.", |s, _| Val::U(s.nodes_ready)),
    ts("pods_pending", "pods", "Pods in phase Pending (waiting to be scheduled).", |s, _| Val::U(s.pods_pending)),
    ts("pods_running", "pods", "Pods in phase Running (includes pods on a node that is down and pods terminating on an unreachable node).", |s, _| Val::U(s.pods_running)),
    ts("pods_succeeded", "pods", "Pods succeeded (cumulative).", |s, _| Val::U(s.pods_succeeded)),
    ts("cpu_requested_m", "millicores", "CPU requested by pods bound to any node.", |s, _| Val::I(s.total.cpu_requested_m)),
    ts("cpu_allocatable_m", "millicores", "Allocatable CPU of Ready nodes.", |s, _| Val::I(s.total.cpu_allocatable_m)),
    ts("mem_requested_bytes", "bytes", "Memory requested by pods bound to any node.", |s, _| Val::I(s.total.mem_requested_bytes)),
    ts("mem_allocatable_bytes", "bytes", "Allocatable memory of Ready nodes.", |s, _| Val::I(s.total.mem_allocatable_bytes)),
];
/// `timeseries.csv`: per-zone requests and allocatable.
pub const TS_ZONE: &[Sampled] = &[
    ts(
        "cpu_requested_m",
        "millicores",
        "CPU requested by pods on the zone's nodes.",
        |s, z| Val::I(zone(s, z).cpu_requested_m),
    ),
    ts(
        "cpu_allocatable_m",
        "millicores",
        "Allocatable CPU of the zone's Ready nodes.",
        |s, z| Val::I(zone(s, z).cpu_allocatable_m),
    ),
    ts(
        "mem_requested_bytes",
        "bytes",
        "Memory requested by pods on the zone's nodes.",
        |s, z| Val::I(zone(s, z).mem_requested_bytes),
    ),
    ts(
        "mem_allocatable_bytes",
        "bytes",
        "Allocatable memory of the zone's Ready nodes.",
        |s, z| Val::I(zone(s, z).mem_allocatable_bytes),
    ),
];
/// `timeseries.csv`: counters after the zones.
pub const TS_COUNTS: &[Sampled] = &[
    ts(
        "nodes_over_80pct_requested",
        "nodes",
        "Nodes whose max of CPU and memory requested / allocatable is strictly above 80 %.",
        |s, _| Val::U(s.nodes_over_80pct_requested),
    ),
    ts(
        "nodes_over_90pct_requested",
        "nodes",
        "Nodes whose max of CPU and memory requested / allocatable is strictly above 90 %.",
        |s, _| Val::U(s.nodes_over_90pct_requested),
    ),
    ts(
        "sched_attempts",
        "cycles",
        "Scheduling cycles in the interval since the previous sample.",
        |s, _| Val::U(s.sched_attempts),
    ),
    ts(
        "sched_failures",
        "cycles",
        "Scheduling cycles that found no node, in the interval.",
        |s, _| Val::U(s.sched_failures),
    ),
    ts(
        "pods_created",
        "pods",
        "Pods created (cumulative).",
        |s, _| Val::U(s.pods_created),
    ),
    ts(
        "pods_failed",
        "pods",
        "Pods failed (cumulative).",
        |s, _| Val::U(s.pods_failed),
    ),
    ts(
        "pods_deleted",
        "pods",
        "Pods deleted (cumulative).",
        |s, _| Val::U(s.pods_deleted),
    ),
    ts(
        "preemptions",
        "pods",
        "Pods preempted in the interval.",
        |s, _| Val::U(s.preemptions),
    ),
];
/// `timeseries.csv`: node health and failure counts.
pub const TS_RESILIENCE: &[Sampled] = &[
    ts(
        "nodes_not_ready",
        "nodes",
        "Nodes whose Ready condition is False.",
        |s, _| Val::U(s.resilience.nodes_not_ready),
    ),
    ts(
        "nodes_unknown",
        "nodes",
        "Nodes whose Ready condition is Unknown (kubelet unreachable).",
        |s, _| Val::U(s.resilience.nodes_unknown),
    ),
    ts(
        "nodes_cordoned",
        "nodes",
        "Nodes marked unschedulable (cordoned).",
        |s, _| Val::U(s.resilience.nodes_cordoned),
    ),
    ts(
        "pods_unschedulable",
        "pods",
        "Pending pods that failed a scheduling cycle.",
        |s, _| Val::U(s.resilience.pods_unschedulable),
    ),
    ts(
        "pods_terminating",
        "pods",
        "Pods being deleted (in their grace period).",
        |s, _| Val::U(s.resilience.pods_terminating),
    ),
    ts(
        "pods_displaced",
        "pods",
        "Pods that lost their node, in the interval.",
        |s, _| Val::U(s.resilience.pods_displaced),
    ),
    ts(
        "pods_drained",
        "pods",
        "Pods evicted by drains, in the interval.",
        |s, _| Val::U(s.resilience.pods_drained),
    ),
];
/// `timeseries.csv`: readiness and requests over Ready / all nodes.
pub const TS_READY: &[Sampled] = &[
    ts(
        "pods_ready",
        "pods",
        "Pods Running, not terminating, on an up node (the notion availability uses).",
        |s, _| Val::U(s.pods_ready),
    ),
    ts(
        "cpu_requested_m_ready",
        "millicores",
        "CPU requested by pods on Ready nodes.",
        |s, _| Val::I(s.total.cpu_requested_m_ready),
    ),
    ts(
        "cpu_allocatable_m_all",
        "millicores",
        "Allocatable CPU of all nodes, Ready or not.",
        |s, _| Val::I(s.total.cpu_allocatable_m_all),
    ),
    ts(
        "mem_requested_bytes_ready",
        "bytes",
        "Memory requested by pods on Ready nodes.",
        |s, _| Val::I(s.total.mem_requested_bytes_ready),
    ),
    ts(
        "mem_allocatable_bytes_all",
        "bytes",
        "Allocatable memory of all nodes, Ready or not.",
        |s, _| Val::I(s.total.mem_allocatable_bytes_all),
    ),
];
/// `timeseries.csv`: usage model totals.
pub const TS_USAGE: &[Sampled] = &[
    ts(
        "cpu_used_m",
        "millicores",
        "CPU delivered (per node min(demand, allocatable)).",
        |s, _| pressure(s, |p| Val::I(p.cpu_used_m)),
    ),
    ts(
        "mem_used_bytes",
        "bytes",
        "Memory used by all containers (working set).",
        |s, _| pressure(s, |p| Val::I(p.mem_used_bytes)),
    ),
];
/// `timeseries.csv`: usage model, per zone.
pub const TS_USAGE_ZONE: &[Sampled] = &[
    ts(
        "cpu_used_m",
        "millicores",
        "CPU used by containers on the zone's nodes.",
        |s, z| pressure(s, |p| Val::I(zone_pair(&p.zones, z).0)),
    ),
    ts(
        "mem_used_bytes",
        "bytes",
        "Memory used by containers on the zone's nodes.",
        |s, z| pressure(s, |p| Val::I(zone_pair(&p.zones, z).1)),
    ),
];
/// `timeseries.csv`: node pressure.
pub const TS_PRESSURE: &[Sampled] = &[
    ts(
        "nodes_memory_pressure",
        "nodes",
        "Nodes with the MemoryPressure condition.",
        |s, _| pressure(s, |p| Val::U(p.nodes_memory_pressure)),
    ),
    ts(
        "evictions",
        "pods",
        "Pods evicted by the kubelet in the interval.",
        |s, _| pressure(s, |p| Val::U(p.evictions)),
    ),
    ts(
        "oom_kills",
        "containers",
        "Containers OOM-killed in the interval (limit + node).",
        |s, _| pressure(s, |p| Val::U(p.oom_kills_limit + p.oom_kills_node)),
    ),
    ts(
        "oom_kills_limit",
        "containers",
        "Containers killed at their memory limit, in the interval.",
        |s, _| pressure(s, |p| Val::U(p.oom_kills_limit)),
    ),
    ts(
        "oom_kills_node",
        "containers",
        "Containers killed by the node's OOM killer, in the interval.",
        |s, _| pressure(s, |p| Val::U(p.oom_kills_node)),
    ),
    ts(
        "container_restarts",
        "containers",
        "Container restarts in the interval.",
        |s, _| pressure(s, |p| Val::U(p.container_restarts)),
    ),
    ts(
        "containers_crashloop",
        "containers",
        "Containers in CrashLoopBackOff now.",
        |s, _| pressure(s, |p| Val::U(p.containers_crashloop)),
    ),
    ts(
        "cpu_throttled_core_s",
        "core-seconds",
        "CPU demand throttled at limits, in the interval.",
        |s, _| pressure(s, |p| Val::CoreSecs(p.cpu_throttled_mcms)),
    ),
    ts(
        "cpu_contention_core_s",
        "core-seconds",
        "CPU demand not served because nodes were full, in the interval.",
        |s, _| pressure(s, |p| Val::CoreSecs(p.cpu_contention_mcms)),
    ),
    ts(
        "node_mem_usage_p50",
        "fraction",
        "Median over nodes of memory used / allocatable.",
        |s, _| pressure(s, |p| Val::Ppm(p.node_mem_ppm[0])),
    ),
    ts(
        "node_mem_usage_p90",
        "fraction",
        "90th percentile over nodes of memory used / allocatable.",
        |s, _| pressure(s, |p| Val::Ppm(p.node_mem_ppm[1])),
    ),
    ts(
        "node_mem_usage_p99",
        "fraction",
        "99th percentile over nodes of memory used / allocatable.",
        |s, _| pressure(s, |p| Val::Ppm(p.node_mem_ppm[2])),
    ),
    ts(
        "node_mem_usage_max",
        "fraction",
        "Largest memory used / allocatable of a node.",
        |s, _| pressure(s, |p| Val::Ppm(p.node_mem_ppm[3])),
    ),
    ts(
        "node_cpu_usage_p50",
        "fraction",
        "Median over nodes of CPU demand / allocatable.",
        |s, _| pressure(s, |p| Val::Ppm(p.node_cpu_ppm[0])),
    ),
    ts(
        "node_cpu_usage_p90",
        "fraction",
        "90th percentile over nodes of CPU demand / allocatable.",
        |s, _| pressure(s, |p| Val::Ppm(p.node_cpu_ppm[1])),
    ),
    ts(
        "node_cpu_usage_p99",
        "fraction",
        "99th percentile over nodes of CPU demand / allocatable.",
        |s, _| pressure(s, |p| Val::Ppm(p.node_cpu_ppm[2])),
    ),
    ts(
        "node_cpu_usage_max",
        "fraction",
        "Largest CPU demand / allocatable of a node.",
        |s, _| pressure(s, |p| Val::Ppm(p.node_cpu_ppm[3])),
    ),
];
/// `timeseries.csv`: Cluster Autoscaler.
pub const TS_AUTOSCALER: &[Sampled] = &[
    ts(
        "nodes_total",
        "nodes",
        "Nodes in the cluster (any state).",
        |s, _| autoscaler(s, |a| a.nodes_total),
    ),
    ts(
        "autoscaler_nodes_added",
        "nodes",
        "Nodes the autoscaler added in the interval.",
        |s, _| autoscaler(s, |a| a.nodes_added),
    ),
    ts(
        "autoscaler_nodes_removed",
        "nodes",
        "Nodes the autoscaler removed in the interval.",
        |s, _| autoscaler(s, |a| a.nodes_removed),
    ),
];

/// `timeseries.csv`: GPUs (clusters with GPU devices or nodes advertising `nvidia.com/gpu`).
pub const TS_GPU: &[Sampled] = &[
    ts(
        "gpu_requested_milli",
        "milli-GPU",
        "GPU held by pods on any node (1000 per whole GPU).",
        |s, _| gpu(s, |g| g.requested_milli),
    ),
    ts(
        "gpu_allocatable_milli",
        "milli-GPU",
        "GPU of the Ready nodes (1000 per device).",
        |s, _| gpu(s, |g| g.allocatable_milli),
    ),
];
/// `timeseries.csv`: GPU fragmentation (clusters with GPU devices).
pub const TS_GPU_DEVICES: &[Sampled] = &[
    ts(
        "gpu_frag_partial_milli",
        "milli-GPU",
        "Free GPU on partly used devices of Ready nodes (usable only by GPU-share pods).", |s, _| gpu(s, |g| g.frag_partial_milli)),
    ts(
        "gpu_frag_fgd_milli",
        "milli-GPU",
        "FGD fragmentation measure (Weng et al., ATC'23) summed over Ready nodes with devices, against the run's target workload.", |s, _| gpu(s, |g| g.frag_fgd_milli)),
];
/// `timeseries.csv`: GPUs per zone.
pub const TS_GPU_ZONE: &[Sampled] = &[
    ts(
        "gpu_requested_milli",
        "milli-GPU",
        "GPU held by pods on the zone's nodes.",
        |s, z| gpu(s, |g| zone_pair(&g.zones, z).0),
    ),
    ts(
        "gpu_allocatable_milli",
        "milli-GPU",
        "GPU of the zone's Ready nodes.",
        |s, z| gpu(s, |g| zone_pair(&g.zones, z).1),
    ),
];

/// `timeseries.csv`.
pub const TIMESERIES: FileSchema = FileSchema {
    file: "timeseries.csv",
    written: "always",
    description: "One row per metrics sample (`simulation.metricsInterval`), and one at the end of the run; a row at time T reflects every event at T.",
    groups: &[
        Group { when: When::Always, columns: || sampled_columns(TS_BASE) },
        Group { when: When::PerZone, columns: || sampled_columns(TS_ZONE) },
        Group { when: When::Always, columns: || sampled_columns(TS_COUNTS) },
        Group { when: When::Always, columns: || sampled_columns(TS_RESILIENCE) },
        Group { when: When::Always, columns: || sampled_columns(TS_READY) },
        Group { when: When::UsageModel, columns: || sampled_columns(TS_USAGE) },
        Group { when: When::UsageModelPerZone, columns: || sampled_columns(TS_USAGE_ZONE) },
        Group { when: When::UsageModel, columns: || sampled_columns(TS_PRESSURE) },
        Group { when: When::Autoscaler, columns: || sampled_columns(TS_AUTOSCALER) },
        Group { when: When::Gpu, columns: || sampled_columns(TS_GPU) },
        Group { when: When::GpuDevices, columns: || sampled_columns(TS_GPU_DEVICES) },
        Group { when: When::GpuPerZone, columns: || sampled_columns(TS_GPU_ZONE) },
    ],
};

/// The sampled tables of [`TIMESERIES`], group by group in the same order (the row writer's
/// table; `timeseries_sampled_groups_match_the_schema` checks it against `TIMESERIES`).
pub const TS_SAMPLED: &[(When, &[Sampled])] = &[
    (When::Always, TS_BASE),
    (When::PerZone, TS_ZONE),
    (When::Always, TS_COUNTS),
    (When::Always, TS_RESILIENCE),
    (When::Always, TS_READY),
    (When::UsageModel, TS_USAGE),
    (When::UsageModelPerZone, TS_USAGE_ZONE),
    (When::UsageModel, TS_PRESSURE),
    (When::Autoscaler, TS_AUTOSCALER),
    (When::Gpu, TS_GPU),
    (When::GpuDevices, TS_GPU_DEVICES),
    (When::GpuPerZone, TS_GPU_ZONE),
];

// ---------------------------------------------------------------------------------------------
// events.csv, nodes.csv, node_samples.csv, workload_availability.csv

/// `events.csv` columns.
pub const EVENT_COLUMNS: &[Column] = &[
    col("time_s", "s", "Simulated time."),
    col("event", "", "`created`, `scheduled`, `unschedulable`, `preempted`, `completed`, `failed`, `job-failed`; with the usage model `evicted`, `oom-killed`, `node-oom-killed`."),
    col("pod", "", "Pod name."),
    col("workload", "", "The pod's workload."),
    col("node", "", "Node involved, if any."),
    col("score", "", "Total score of the chosen node (scheduled rows)."),
    col("reason", "", "Upstream-style message (`0/7000 nodes are available: …` for unschedulable pods)."),
    col("cause", "", "Id of the root cause in `effects.csv` (0 = none)."),
];
/// `events.csv` columns of the usage model (filled on eviction and OOM rows).
pub const EVENT_PRESSURE_COLUMNS: &[Column] = &[
    col("qos", "", "The pod's QoS class."),
    col(
        "usage_bytes",
        "bytes",
        "Pod usage for evictions, container usage for OOM kills.",
    ),
];
/// `events.csv`.
pub const EVENTS: FileSchema = FileSchema {
    file: "events.csv",
    written: "always (rows filtered by `--events`)",
    description: "One row per pod event, in time order.",
    groups: &[
        Group {
            when: When::Always,
            columns: || EVENT_COLUMNS.to_vec(),
        },
        Group {
            when: When::UsageModel,
            columns: || EVENT_PRESSURE_COLUMNS.to_vec(),
        },
    ],
};

/// `nodes.csv` columns.
pub const NODE_COLUMNS: &[Column] = &[
    col("node", "", "Node name."),
    col("pool", "", "Node pool."),
    col("zone", "", "Zone."),
    col(
        "peak_cpu_usage_fraction",
        "fraction",
        "Highest CPU demand / allocatable.",
    ),
    col(
        "peak_mem_usage_fraction",
        "fraction",
        "Highest memory used / allocatable.",
    ),
    col("peak_cpu_m", "millicores", "Highest CPU demand."),
    col("peak_mem_bytes", "bytes", "Highest memory used."),
    col(
        "memory_pressure_s",
        "s",
        "Time with the MemoryPressure condition.",
    ),
    col("evictions", "pods", "Pods evicted by the node's kubelet."),
    col(
        "oom_kills_limit",
        "containers",
        "Containers killed at their memory limit.",
    ),
    col(
        "oom_kills_node",
        "containers",
        "Containers killed by the node's OOM killer.",
    ),
    col("container_restarts", "containers", "Container restarts."),
];
/// `nodes.csv`.
pub const NODES: FileSchema = FileSchema {
    file: "nodes.csv",
    written: "when the usage model was on",
    description: "One row per node.",
    groups: &[Group {
        when: When::Always,
        columns: || NODE_COLUMNS.to_vec(),
    }],
};

/// `node_samples.csv` columns.
pub const NODE_SAMPLE_COLUMNS: &[Column] = &[
    col("time_s", "s", "Simulated time of the sample."),
    col("node", "", "Node name."),
    col(
        "mem_usage_fraction",
        "fraction",
        "Memory used / allocatable.",
    ),
    col("memory_pressure", "0/1", "MemoryPressure condition."),
    col("ready", "0/1", "Ready condition."),
];
/// `node_samples.csv`.
pub const NODE_SAMPLES: FileSchema = FileSchema {
    file: "node_samples.csv",
    written: "unless `simulation.nodeSampleInterval` is 0",
    description: "One row per node per node sample, time-major, nodes in id order.",
    groups: &[Group {
        when: When::Always,
        columns: || NODE_SAMPLE_COLUMNS.to_vec(),
    }],
};

/// `workload_availability.csv` columns.
pub const AVAILABILITY_COLUMNS: &[Column] = &[
    col("time_s", "s", "Simulated time of the sample."),
    col("workload", "", "Workload name."),
    col("desired", "pods", "Desired ready pods."),
    col("ready", "pods", "Ready pods."),
];
/// `workload_availability.csv`.
pub const WORKLOAD_AVAILABILITY: FileSchema = FileSchema {
    file: "workload_availability.csv",
    written: "always",
    description: "One row per tracked workload per sample.",
    groups: &[Group {
        when: When::Always,
        columns: || AVAILABILITY_COLUMNS.to_vec(),
    }],
};

// ---------------------------------------------------------------------------------------------
// Failure tables: columns with their accessors.

/// `faults.csv`: columns and cells.
pub const FAULT_CELLS: &[Cell<FaultWindow>] = &[
    Cell {
        column: col("start_s", "s", "Start of the fault."),
        value: |f| secs(f.start_ms),
    },
    Cell {
        column: col(
            "end_s",
            "s",
            "End of the fault (empty: until the end of the run).",
        ),
        value: |f| f.end_ms.map(secs).unwrap_or_default(),
    },
    Cell {
        column: col(
            "kind",
            "",
            "Fault kind as written in the scenario (`zoneOutage`, …).",
        ),
        value: |f| f.kind.clone(),
    },
    Cell {
        column: col(
            "target",
            "",
            "Fault name (and the node, for single-node steps of random faults).",
        ),
        value: |f| f.target.clone(),
    },
];
/// `faults.csv`.
pub const FAULTS: FileSchema = FileSchema {
    file: "faults.csv",
    written: "when the run has faults",
    description: "One row per fault window.",
    groups: &[Group {
        when: When::Always,
        columns: || cell_columns(FAULT_CELLS),
    }],
};

/// `effects.csv`: columns and cells.
pub const EFFECT_CELLS: &[Cell<EffectRecord>] = &[
    Cell {
        column: col("id", "", "Effect id."),
        value: |e| e.id.to_string(),
    },
    Cell {
        column: col(
            "parent",
            "",
            "The effect that caused it (empty for a root).",
        ),
        value: |e| e.parent.map(|p| p.to_string()).unwrap_or_default(),
    },
    Cell {
        column: col("root", "", "Root of its causality chain."),
        value: |e| e.root.to_string(),
    },
    Cell {
        column: col(
            "kind",
            "",
            "What happened (`fault`, `node_not_ready`, `eviction`, `oom_kill`, `pod_displaced`, \
             `pod_rescheduled`, `scale_down`, `overload_failure`, `probe_restart`, \
             `service_overload`, `retry_storm`, `breaker_open`).",
        ),
        value: |e| e.kind.as_str().to_string(),
    },
    Cell {
        column: col(
            "target",
            "",
            "Node, pod, fault or service it happened to; a call edge as `caller->callee`.",
        ),
        value: |e| e.target.clone(),
    },
    Cell {
        column: col("time_s", "s", "When."),
        value: |e| secs(e.time_ms),
    },
];
/// `effects.csv`.
pub const EFFECTS: FileSchema = FileSchema {
    file: "effects.csv",
    written: "when the run has effects",
    description: "The causality log: one row per effect, with its parent and root.",
    groups: &[Group {
        when: When::Always,
        columns: || cell_columns(EFFECT_CELLS),
    }],
};

/// `cascades.csv`: columns and cells.
pub const CASCADE_CELLS: &[Cell<CascadeRow>] = &[
    Cell {
        column: col(
            "root_id",
            "",
            "Root effect id (the `cause` column of `events.csv`).",
        ),
        value: |c| c.root_id.to_string(),
    },
    Cell {
        column: col(
            "root_kind",
            "",
            "Root kind (`fault`, `overload_failure`, …; `unknown` if not recorded).",
        ),
        value: |c| c.root_kind.clone(),
    },
    Cell {
        column: col("root_target", "", "Root target (fault name, node name, …)."),
        value: |c| c.root_target.clone(),
    },
    Cell {
        column: col("root_time_s", "s", "Root time."),
        value: |c| c.root_time_s.clone(),
    },
    Cell {
        column: col(
            "nodes_failed",
            "nodes",
            "Distinct nodes that went NotReady or failed downstream.",
        ),
        value: |c| c.nodes_failed.to_string(),
    },
    Cell {
        column: col("pods_evicted", "pods", "Pods evicted."),
        value: |c| c.pods_evicted.to_string(),
    },
    Cell {
        column: col("pods_oom_killed", "containers", "Containers OOM-killed."),
        value: |c| c.pods_oom_killed.to_string(),
    },
    Cell {
        column: col("pods_displaced", "pods", "Pods displaced."),
        value: |c| c.pods_displaced.to_string(),
    },
    Cell {
        column: col("pods_rescheduled", "pods", "Displaced pods rescheduled."),
        value: |c| c.pods_rescheduled.to_string(),
    },
    Cell {
        column: col(
            "effects",
            "effects",
            "Records in the tree besides the root.",
        ),
        value: |c| c.effects.to_string(),
    },
    Cell {
        column: col(
            "depth",
            "effects",
            "Longest chain of effects from the root.",
        ),
        value: |c| c.depth.to_string(),
    },
    Cell {
        column: col(
            "time_to_recovery_s",
            "s",
            "Time from the root to recovery, or `not recovered`. Recovered when every workload \
             is healthy again after its last effect and (with services) every service overload \
             of the cascade has ended.",
        ),
        value: |c| c.time_to_recovery_s.clone(),
    },
];
/// `cascades.csv`: the columns written when the scenario has services.
pub const CASCADE_SERVICE_CELLS: &[Cell<CascadeRow>] = &[
    Cell {
        column: col(
            "peak_service_error_rate",
            "fraction",
            "Highest error share (failed / offered) of a service in a tick while one of the \
             cascade's `service_overload` effects was active; empty when it reached no service.",
        ),
        value: |c| frac(c.peak_service_error_rate),
    },
    Cell {
        column: col(
            "services_reached",
            "services",
            "Distinct services the cascade overloaded (`service_overload` effects).",
        ),
        value: |c| c.services_reached.to_string(),
    },
];
/// `cascades.csv`.
pub const CASCADES: FileSchema = FileSchema {
    file: "cascades.csv",
    written: "when the run has cascades",
    description: "One row per cascade (a root effect and everything it caused).",
    groups: &[
        Group {
            when: When::Always,
            columns: || cell_columns(CASCADE_CELLS),
        },
        Group {
            when: When::Services,
            columns: || cell_columns(CASCADE_SERVICE_CELLS),
        },
    ],
};

/// `workloads.csv`: columns and cells. `used`, `throttled` and `contended` cells are empty
/// without the usage model.
pub const WORKLOAD_CELLS: &[Cell<WorkloadRow>] = &[
    Cell {
        column: col("workload", "", "Workload name."),
        value: |r| r.workload.clone(),
    },
    Cell {
        column: col("kind", "", "Deployment, StatefulSet, DaemonSet, Job, Pod."),
        value: |r| r.kind.clone(),
    },
    Cell {
        column: col("desired", "pods", "Desired pods at the end."),
        value: |r| r.desired.to_string(),
    },
    Cell {
        column: col(
            "availability",
            "fraction",
            "Time-weighted mean of ready / desired.",
        ),
        value: |r| frac(r.availability),
    },
    Cell {
        column: col(
            "min_availability",
            "fraction",
            "Lowest ready / desired at a sample.",
        ),
        value: |r| frac(r.min_availability),
    },
    Cell {
        column: col(
            "minutes_below_desired",
            "min",
            "Time with fewer ready pods than desired.",
        ),
        value: |r| format!("{:.3}", r.minutes_below_desired),
    },
    Cell {
        column: col(
            "cpu_requested_m",
            "millicores",
            "CPU requested by the workload's bound pods at the end.",
        ),
        value: |r| r.cpu_requested_m.to_string(),
    },
    Cell {
        column: col(
            "cpu_used_m",
            "millicores",
            "CPU used at the end (usage model).",
        ),
        value: |r| r.cpu_used_m.map(|v| v.to_string()).unwrap_or_default(),
    },
    Cell {
        column: col(
            "mem_requested_bytes",
            "bytes",
            "Memory requested at the end.",
        ),
        value: |r| r.mem_requested_bytes.to_string(),
    },
    Cell {
        column: col(
            "mem_used_bytes",
            "bytes",
            "Memory used at the end (usage model).",
        ),
        value: |r| r.mem_used_bytes.map(|v| v.to_string()).unwrap_or_default(),
    },
    Cell {
        column: col(
            "cpu_requested_core_s",
            "core-seconds",
            "CPU requests integrated over the run.",
        ),
        value: |r| core_s(r.cpu_requested_mcms),
    },
    Cell {
        column: col(
            "cpu_requested_peak_m",
            "millicores",
            "Highest CPU requested at once.",
        ),
        value: |r| r.cpu_requested_peak_m.to_string(),
    },
    Cell {
        column: col(
            "mem_requested_byte_s",
            "byte-seconds",
            "Memory requests integrated over the run.",
        ),
        value: |r| (r.mem_requested_byte_ms / 1000).to_string(),
    },
    Cell {
        column: col(
            "mem_requested_peak_bytes",
            "bytes",
            "Highest memory requested at once.",
        ),
        value: |r| r.mem_requested_peak_bytes.to_string(),
    },
    Cell {
        column: col(
            "cpu_used_core_s",
            "core-seconds",
            "CPU used, integrated (usage model).",
        ),
        value: |r| used(r, |u| core_s(u.cpu_mcms)),
    },
    Cell {
        column: col(
            "cpu_used_peak_m",
            "millicores",
            "Highest CPU used at once (usage model).",
        ),
        value: |r| used(r, |u| u.cpu_peak_m.to_string()),
    },
    Cell {
        column: col(
            "mem_used_byte_s",
            "byte-seconds",
            "Memory used, integrated (usage model).",
        ),
        value: |r| used(r, |u| (u.mem_byte_ms / 1000).to_string()),
    },
    Cell {
        column: col(
            "mem_used_peak_bytes",
            "bytes",
            "Highest memory used at once (usage model).",
        ),
        value: |r| used(r, |u| u.mem_peak_bytes.to_string()),
    },
    Cell {
        column: col(
            "cpu_throttled_core_s",
            "core-seconds",
            "CPU demand throttled at limits (usage model).",
        ),
        value: |r| used(r, |u| core_s(u.cpu_throttled_mcms)),
    },
    Cell {
        column: col(
            "cpu_contended_core_s",
            "core-seconds",
            "CPU demand not served on full nodes (usage model).",
        ),
        value: |r| used(r, |u| core_s(u.cpu_contended_mcms)),
    },
];
/// `workloads.csv`.
pub const WORKLOADS: FileSchema = FileSchema {
    file: "workloads.csv",
    written: "always",
    description: "One row per workload: availability and resource integrals.",
    groups: &[Group {
        when: When::Always,
        columns: || cell_columns(WORKLOAD_CELLS),
    }],
};

/// `services.csv` columns.
pub const SERVICE_COLUMNS: &[Column] = &[
    col("time_s", "s", "Simulated time of the sample."),
    col("service", "", "Service name."),
    col("offered_rps", "requests/s", "Requests offered: external traffic, callers' attempts (retries included) and queue deliveries."),
    col("served_rps", "requests/s", "Requests its pods served."),
    col("failed_rps", "requests/s", "Requests that failed (shed, timed out, or failed downstream)."),
    col("error_rate", "fraction", "failed / offered (0 when nothing is offered)."),
    col("retries_rps", "requests/s", "Retries its callers make on it."),
    col("p50_latency_s", "s", "Median answer time (M/M/c approximation; `inf` when saturated without a queue limit)."),
    col("p99_latency_s", "s", "99th percentile answer time (same model)."),
    col("ready_endpoints", "pods", "Pods in its endpoints (running, started, readiness passing)."),
    col("breakers_open", "edges", "Circuit breakers open on its outgoing calls."),
    col("breakers_half_open", "edges", "Circuit breakers half-open on its outgoing calls."),
    col("queue_backlog", "messages", "Messages waiting in the queues it consumes."),
    col("queue_oldest_age_s", "s", "Age of the oldest of them."),
];
/// `services.csv`.
pub const SERVICES: FileSchema = FileSchema {
    file: "services.csv",
    written: "when the scenario has a `services:` section",
    description: "One row per service per metrics sample.",
    groups: &[Group {
        when: When::Always,
        columns: || SERVICE_COLUMNS.to_vec(),
    }],
};

/// `service_calls.csv` columns.
pub const SERVICE_CALL_COLUMNS: &[Column] = &[
    col("time_s", "s", "Simulated time of the sample."),
    col("caller", "", "Calling service."),
    col("callee", "", "Called service."),
    col("mode", "", "`sync` or `queue`."),
    col(
        "calls_rps",
        "calls/s",
        "Calls the caller makes (before retries; messages published for a queue).",
    ),
    col(
        "attempts_rps",
        "requests/s",
        "Attempts reaching the callee, retries included (0 while a breaker is open).",
    ),
    col(
        "failed_rps",
        "calls/s",
        "Calls failing after retries, or at once while the breaker is open.",
    ),
    col(
        "breaker",
        "",
        "Circuit breaker state: `closed`, `open`, `half-open`, or `none` (no breaker).",
    ),
    col(
        "queue_backlog",
        "messages",
        "Messages waiting in the edge's queue (queue edges).",
    ),
];
/// `service_calls.csv`.
pub const SERVICE_CALLS: FileSchema = FileSchema {
    file: "service_calls.csv",
    written: "when the scenario has a `services:` section with calls",
    description:
        "One row per call edge per metrics sample: the load and breaker state of the edge.",
    groups: &[Group {
        when: When::Always,
        columns: || SERVICE_CALL_COLUMNS.to_vec(),
    }],
};

/// `hpa.csv` columns.
pub const HPA_COLUMNS: &[Column] = &[
    col("time_s", "s", "Simulated time of the sample."),
    col("hpa", "", "HorizontalPodAutoscaler name."),
    col("target", "", "The workload it scales."),
    col("desired_replicas", "pods", "Replicas the HPA set (the workload's `spec.replicas`)."),
    col("current_replicas", "pods", "The workload's pods: Pending or Running, not terminating."),
    col("ready_replicas", "pods", "Of those, Running on an up node."),
    col("cpu_utilization_pct", "%", "CPU use / CPU requests over the ready pods with metrics at the last sync (empty: no CPU metric, or no metrics yet)."),
    col("cpu_target_pct", "%", "The CPU `averageUtilization` target (empty without one)."),
    col("memory_utilization_pct", "%", "Memory working set / memory requests, as above."),
    col("memory_target_pct", "%", "The memory target (empty without one)."),
];
/// `hpa.csv`.
pub const HPA: FileSchema = FileSchema {
    file: "hpa.csv",
    written: "when the scenario has `horizontalPodAutoscalers`",
    description: "One row per HorizontalPodAutoscaler per metrics sample.",
    groups: &[Group {
        when: When::Always,
        columns: || HPA_COLUMNS.to_vec(),
    }],
};

/// Every CSV file of a results directory, in the document's order.
pub const CSV_FILES: [&FileSchema; 12] = [
    &TIMESERIES,
    &EVENTS,
    &WORKLOADS,
    &WORKLOAD_AVAILABILITY,
    &NODES,
    &NODE_SAMPLES,
    &FAULTS,
    &EFFECTS,
    &CASCADES,
    &SERVICES,
    &SERVICE_CALLS,
    &HPA,
];

/// `summary.json`: the top-level fields the commands read (the report, `sweep` and `plan`).
pub const SUMMARY_FIELDS: &[Column] = &[
    col("scenario", "", "Scenario name."),
    col("seed", "", "Master seed."),
    col("simulatedDurationS", "s", "Simulated duration."),
    col("eventsProcessed", "events", "Events the run processed."),
    col("podsCreated", "pods", "Pods created."),
    col("podsScheduled", "pods", "Pods bound by the scheduler."),
    col("podsBoundDirectly", "pods", "DaemonSet, `nodeName` and `initialPlacement` pods bound without the scheduler."),
    col("podsPendingAtEnd", "pods", "Pods Pending at the end."),
    col("podsUnschedulableAtEnd", "pods", "Pending pods at the end that failed at least one scheduling cycle."),
    col("podsRunningAtEnd", "pods", "Pods Running at the end."),
    col("podsSucceeded", "pods", "Pods succeeded."),
    col("podsFailed", "pods", "Pods failed."),
    col("podsDeleted", "pods", "Pods deleted."),
    col("schedulingAttempts", "cycles", "Scheduling cycles."),
    col("schedulingFailures", "cycles", "Scheduling cycles that found no node."),
    col("preemptions", "preemptions", "Preemptions."),
    col("podsPreempted", "pods", "Pods deleted by preemption."),
    col("jobsSucceeded", "jobs", "Jobs succeeded (runs with Jobs)."),
    col("jobsFailed", "jobs", "Jobs failed with BackoffLimitExceeded (runs with Jobs)."),
    col("workloads", "", "Per workload: `name`, `kind`, `desired`, `created`, `runningAtEnd`, `pendingAtEnd`, `succeeded`, `failed`, `deleted`, `availability`, `minutesBelowDesired`, and for workloads whose pods failed a cycle `lastUnschedulableReason`, `firstUnschedulableS`, `lastUnschedulableS`."),
    col("evictions", "pods", "Pods evicted by the kubelet (usage model)."),
    col("oomKills", "containers", "Containers OOM-killed, limit + node (usage model)."),
    col("pressure", "", "Usage model totals (usage model)."),
    col("resilience", "", "`faults`, `nodesFailed`, `overloadFailures`, `overloadFailureEnabled` (only when on), `podsDisplaced`, `podsDrained`, `cascades`, `maxCascadeDepth`, `maxTimeToRecoverS`, `cascadesNotRecovered`, `worstWorkload`, `worstAvailability`."),
    col("autoscaler", "", "Cluster Autoscaler totals (autoscaler on)."),
    col("hpas", "", "Per HorizontalPodAutoscaler (HPAs only): `name`, `target`, `minReplicas`, `maxReplicas`, `minReached`, `maxReached`, `scaleUps`, `scaleDowns`, `replicasAtEnd`."),
    col("files", "", "Every other file of the directory (`summary.json` is written last)."),
];

/// `summary.json` `workloads[]` fields the report reads.
pub const SUMMARY_WORKLOAD_FIELDS: &[Column] = &[
    col("name", "", "Workload name."),
    col(
        "availability",
        "fraction",
        "Time-weighted mean of ready / desired.",
    ),
];
/// `summary.json` `resilience` fields the report and the figures read.
pub const SUMMARY_RESILIENCE_FIELDS: &[Column] = &[
    col(
        "overloadFailureEnabled",
        "",
        "Present (true) only when overload failure was on.",
    ),
    col("cascades", "cascades", "Rows of `cascades.csv`."),
    col(
        "maxCascadeDepth",
        "effects",
        "Largest cascade depth (0 without cascades).",
    ),
    col(
        "worstWorkload",
        "",
        "The workload with the lowest availability.",
    ),
    col("worstAvailability", "fraction", "Its availability."),
];

/// The other files of a results directory: name, when written, content.
pub const OTHER_FILES: &[(&str, &str, &str)] = &[
    ("summary.json", "always, last", "The run's totals (fields below)."),
    ("scenario.yaml", "always", "The effective scenario (after `--set`)."),
    ("slo.json", "when the scenario has an `slo:` section", "That section as JSON (read by `report`)."),
    ("timing.json", "always", "`wallTimeS`, `eventsPerSec`, `peakRssBytes`: the only file that differs between two runs of the same scenario and seed."),
];

/// `sweep.csv`: the leading columns (`<parameter>`: one column per swept parameter, named by
/// its scenario path).
pub const SWEEP_LEADING: &[Column] = &[
    col("point", "", "Grid point index."),
    col(
        "<parameter>",
        "",
        "One column per swept parameter (named by its scenario path): the point's value.",
    ),
    col("seeds", "runs", "Runs (seeds) at the point."),
];
/// `sweep.csv`: the mean over seeds of a metric (`<metric>_mean`).
pub const SWEEP_MEAN: Column = col("mean", "metric", "Mean over seeds (six decimals).");
/// `sweep.csv`: `<metric>_std`.
pub const SWEEP_STD: Column = col(
    "std",
    "metric",
    "Sample standard deviation (empty with one seed).",
);
/// `sweep.csv`: `<metric>_ci95_low`.
pub const SWEEP_CI_LOW: Column = col(
    "ci95_low",
    "metric",
    "Lower bound of the two-sided 95 % Student-t interval of the mean (empty with one seed).",
);
/// `sweep.csv`: `<metric>_ci95_high`.
pub const SWEEP_CI_HIGH: Column = col("ci95_high", "metric", "Upper bound of that interval.");
/// `runs.csv` columns (then one per parameter and one per metric, its value).
pub const RUNS_COLUMNS: &[Column] = &[
    col("run", "", "Run directory name."),
    col("point", "", "Grid point index."),
    col("seed", "", "Seed."),
];

/// The document `docs/output-format.md`, generated from this module.
pub fn output_format_markdown() -> String {
    let mut out = String::new();
    out.push_str("# Output format\n\n");
    out.push_str("<!-- Generated from src/metrics/schema.rs and src/figures/; do not edit. Regenerate with\n     UPDATE_DOCS=1 cargo test --release --lib output_format_doc -->\n\n");
    out.push_str("A results directory (`clustersim run`, one per run of a sweep) holds the files below. Columns are only ever added, never renamed. Per-zone columns are named `<column>_zone_<zone>`, zones in scenario order.\n\n");
    out.push_str("| file | written | content |\n|---|---|---|\n");
    for (f, w, d) in OTHER_FILES {
        let _ = writeln!(out, "| `{f}` | {w} | {d} |");
    }
    for f in CSV_FILES {
        let _ = writeln!(out, "| `{}` | {} | {} |", f.file, f.written, f.description);
    }
    out.push_str("\n## summary.json\n\n");
    table(&mut out, SUMMARY_FIELDS.iter().map(|c| (*c, "", "")));
    for f in CSV_FILES {
        let _ = write!(
            out,
            "\n## {}\n\nWritten {}. {}\n\n",
            f.file, f.written, f.description
        );
        let rows: Vec<(Column, &str, &str)> = f
            .groups
            .iter()
            .flat_map(|g| {
                (g.columns)().into_iter().map(move |c| {
                    let zone = matches!(g.when, When::PerZone | When::UsageModelPerZone);
                    (c, if zone { "_zone_<zone>" } else { "" }, g.when.doc())
                })
            })
            .collect();
        table(&mut out, rows.into_iter());
    }
    out.push_str("\n## sweep.csv and runs.csv\n\n`clustersim sweep` writes `sweep.csv`, one row per grid point: the columns below, then for each metric `<metric>_mean`, `<metric>_std`, `<metric>_ci95_low`, `<metric>_ci95_high`; and `runs.csv`, one row per run: `run`, `point`, `seed`, the parameters, each metric's value.\n\n");
    table(&mut out, SWEEP_LEADING.iter().map(|c| (*c, "", "")));
    out.push('\n');
    table(
        &mut out,
        [SWEEP_MEAN, SWEEP_STD, SWEEP_CI_LOW, SWEEP_CI_HIGH]
            .into_iter()
            .map(|c| (c, "", "per metric, `<metric>_`")),
    );
    out
}

fn table<'a>(out: &mut String, rows: impl Iterator<Item = (Column, &'a str, &'a str)>) {
    out.push_str("| column | unit | when | description |\n|---|---|---|---|\n");
    for (c, suffix, when) in rows {
        let _ = writeln!(
            out,
            "| `{}{suffix}` | {} | {} | {} |",
            c.name, c.unit, when, c.description
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeseries_header_expands_zones_and_options() {
        let zones = ["a".to_string()];
        let plain = TIMESERIES.header(&zones, false, false);
        assert_eq!(plain[0], "time_s");
        assert_eq!(plain[9], "cpu_requested_m_zone_a");
        assert!(!plain.iter().any(|c| c == "cpu_used_m"));
        let full = TIMESERIES.header(&zones, true, true);
        let at = full.iter().position(|c| c == "cpu_used_m").unwrap();
        assert_eq!(
            full[at..at + 4],
            [
                "cpu_used_m",
                "mem_used_bytes",
                "cpu_used_m_zone_a",
                "mem_used_bytes_zone_a"
            ]
        );
        assert_eq!(full.last().unwrap(), "autoscaler_nodes_removed");
        assert_eq!(
            full.len(),
            plain.len() + TS_USAGE.len() + TS_USAGE_ZONE.len() + TS_PRESSURE.len() + 3
        );
    }

    #[test]
    fn timeseries_sampled_groups_match_the_schema() {
        assert_eq!(TS_SAMPLED.len(), TIMESERIES.groups.len());
        for (g, (when, cols)) in TIMESERIES.groups.iter().zip(TS_SAMPLED) {
            assert_eq!(g.when, *when);
            assert_eq!((g.columns)(), sampled_columns(cols));
        }
    }

    #[test]
    fn sampled_cells_format_exactly() {
        let mut out = String::new();
        for v in [
            Val::U(7),
            Val::I(-3),
            Val::Secs(61_005),
            Val::CoreSecs(1_234_567),
            Val::Ppm(1_500_000),
            Val::Empty,
        ] {
            v.write(&mut out);
            out.push('|');
        }
        assert_eq!(out, "7|-3|61.005|1.234|1.500000||");
        let row = Sample {
            time_ms: 2_500,
            pods_pending: 4,
            ..Sample::default()
        };
        let cell = |cols: &[Sampled], name: &str| {
            let c = cols.iter().find(|c| c.column.name == name).unwrap();
            (c.value)(&row, 0)
        };
        assert_eq!(cell(TS_BASE, "time_s"), Val::Secs(2_500));
        assert_eq!(cell(TS_BASE, "pods_pending"), Val::U(4));
        // Optional groups of a row without them are empty; a missing zone is zero.
        assert_eq!(cell(TS_PRESSURE, "oom_kills"), Val::Empty);
        assert_eq!(cell(TS_GPU_ZONE, "gpu_requested_milli"), Val::Empty);
        assert_eq!(cell(TS_ZONE, "cpu_requested_m"), Val::I(0));
    }

    #[test]
    fn names_and_cells_stay_in_step() {
        const P: &str = sampled_name(TS_BASE, "pods_pending");
        assert_eq!(P, "pods_pending");
        assert_eq!(cell_name(CASCADE_CELLS, "depth"), "depth");
        for f in CSV_FILES {
            let h = f.header(&["z".into()], true, true);
            let mut sorted = h.clone();
            sorted.sort();
            sorted.dedup();
            assert_eq!(sorted.len(), h.len(), "{}: duplicate column", f.file);
        }
        let row = FaultWindow {
            start_ms: 1_500,
            end_ms: None,
            kind: "zoneOutage".into(),
            target: "b".into(),
        };
        assert_eq!(
            cell_row(FAULT_CELLS, &row),
            ["1.500", "", "zoneOutage", "b"]
        );
    }
}
