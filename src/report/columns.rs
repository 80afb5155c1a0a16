//! Every file and column name the report reads from a results directory, in one place, each
//! taken from the results schema ([`crate::metrics::schema`], where the writer takes its
//! headers and `docs/output-format.md` is generated from): a name here that the schema does not
//! define does not compile, so the report cannot read a column nothing writes.
//!
//! A chart or figure whose inputs a run lacks (a file written only with faults, columns written
//! only with the usage model or the autoscaler) is skipped and listed as "not available in this
//! run".
//!
//! The large files (`node_samples.csv`, `effects.csv`, `workload_availability.csv`) are
//! streamed, not loaded: a week of 7,000 nodes sampled every 15 minutes (4.7 million rows) is
//! fine; a sample every minute (70 million rows) is too big to be useful, which is why the
//! recorder samples nodes more coarsely (`simulation.nodeSampleInterval`).

use crate::metrics::schema::{self as s, cell_name, name_in, sampled_name};

/// Required: the run's totals.
pub const SUMMARY_FILE: &str = "summary.json";
/// Required: the cluster time series.
pub const TIMESERIES_FILE: &str = s::TIMESERIES.file;
/// Optional: fault windows.
pub const FAULTS_FILE: &str = s::FAULTS.file;
/// Optional: one row per cascade.
pub const CASCADES_FILE: &str = s::CASCADES.file;
/// Optional: one row per node.
pub const NODES_FILE: &str = s::NODES.file;
/// Optional: per-node samples over time (streamed).
pub const NODE_SAMPLES_FILE: &str = s::NODE_SAMPLES.file;
/// Optional: one row per workload.
pub const WORKLOADS_FILE: &str = s::WORKLOADS.file;
/// Optional: the causality log (streamed by the cascade tree).
pub const EFFECTS_FILE: &str = s::EFFECTS.file;
/// Optional: ready / desired per workload per sample (streamed).
pub const WORKLOAD_AVAILABILITY_FILE: &str = s::WORKLOAD_AVAILABILITY.file;
/// `hpa.csv` (HorizontalPodAutoscalers only).
pub const HPA_FILE: &str = s::HPA.file;
/// HPA name (hpa.csv).
pub const HPA_NAME: &str = name_in(s::HPA_COLUMNS, "hpa");
/// Replicas the HPA set (hpa.csv).
pub const HPA_DESIRED: &str = name_in(s::HPA_COLUMNS, "desired_replicas");
/// The target's pods (hpa.csv).
pub const HPA_CURRENT: &str = name_in(s::HPA_COLUMNS, "current_replicas");
/// Of those, ready (hpa.csv).
pub const HPA_READY: &str = name_in(s::HPA_COLUMNS, "ready_replicas");
/// Optional: the scenario's SLO section.
pub const SLO_FILE: &str = "slo.json";
/// Written by the report into the results directory.
pub const CHARTS_DIR: &str = "charts";

// summary.json keys.
/// Every other file the run wrote (a reader refuses the directory when one is missing).
pub const S_FILES: &str = name_in(s::SUMMARY_FIELDS, "files");
/// Scenario name.
pub const S_SCENARIO: &str = name_in(s::SUMMARY_FIELDS, "scenario");
/// Master seed.
pub const S_SEED: &str = name_in(s::SUMMARY_FIELDS, "seed");
/// Simulated duration, seconds.
pub const S_DURATION: &str = name_in(s::SUMMARY_FIELDS, "simulatedDurationS");
/// Pending pods at the end that failed a scheduling cycle.
pub const S_UNSCHEDULABLE_AT_END: &str = name_in(s::SUMMARY_FIELDS, "podsUnschedulableAtEnd");
/// Pods created.
pub const S_PODS_CREATED: &str = name_in(s::SUMMARY_FIELDS, "podsCreated");
/// Pods failed.
pub const S_PODS_FAILED: &str = name_in(s::SUMMARY_FIELDS, "podsFailed");
/// Jobs that failed with `BackoffLimitExceeded` (runs with Jobs only).
pub const S_JOBS_FAILED: &str = name_in(s::SUMMARY_FIELDS, "jobsFailed");
/// Jobs that succeeded (runs with Jobs only).
pub const S_JOBS_SUCCEEDED: &str = name_in(s::SUMMARY_FIELDS, "jobsSucceeded");
/// Scheduling cycles that found no node.
pub const S_SCHED_FAILURES: &str = name_in(s::SUMMARY_FIELDS, "schedulingFailures");
/// Pods deleted by preemption.
pub const S_PODS_PREEMPTED: &str = name_in(s::SUMMARY_FIELDS, "podsPreempted");
/// Evictions over the run (usage model).
pub const S_EVICTIONS: &str = name_in(s::SUMMARY_FIELDS, "evictions");
/// OOM kills over the run (usage model).
pub const S_OOM_KILLS: &str = name_in(s::SUMMARY_FIELDS, "oomKills");
/// Per-workload array.
pub const S_WORKLOADS: &str = name_in(s::SUMMARY_FIELDS, "workloads");
/// The resilience object.
pub const S_RESILIENCE: &str = name_in(s::SUMMARY_FIELDS, "resilience");
/// In `resilience`: true when overload failure (not upstream behaviour) was on.
pub const S_OVERLOAD_ENABLED: &str =
    name_in(s::SUMMARY_RESILIENCE_FIELDS, "overloadFailureEnabled");
/// In `resilience`: the workload with the lowest availability.
pub const S_WORST_WORKLOAD: &str = name_in(s::SUMMARY_RESILIENCE_FIELDS, "worstWorkload");
/// In `workloads[]`: the workload's name.
pub const S_WORKLOAD_NAME: &str = name_in(s::SUMMARY_WORKLOAD_FIELDS, "name");
/// In `workloads[]`: availability, fraction of 1.
pub const S_AVAILABILITY: &str = name_in(s::SUMMARY_WORKLOAD_FIELDS, "availability");

// timeseries.csv columns.
/// Simulated time, seconds.
pub const TIME: &str = sampled_name(s::TS_BASE, "time_s");
/// Ready nodes.
pub const NODES_READY: &str = sampled_name(s::TS_BASE, "nodes_ready");
/// Running pods (phase Running: also pods on a down node and terminating pods).
pub const PODS_RUNNING: &str = sampled_name(s::TS_BASE, "pods_running");
/// Ready pods: Running, not terminating, on an up node.
pub const PODS_READY: &str = sampled_name(s::TS_READY, "pods_ready");
/// Pending pods.
pub const PODS_PENDING: &str = sampled_name(s::TS_BASE, "pods_pending");
/// Milli-GPU requested (clusters with GPUs only; the GPU chart).
pub const GPU_REQUESTED: &str = sampled_name(s::TS_GPU, "gpu_requested_milli");
/// Milli-GPU allocatable on Ready nodes.
pub const GPU_ALLOCATABLE: &str = sampled_name(s::TS_GPU, "gpu_allocatable_milli");
/// Free milli-GPU on partly used devices (clusters with GPU devices).
pub const GPU_FRAG_PARTIAL: &str = sampled_name(s::TS_GPU_DEVICES, "gpu_frag_partial_milli");
/// The FGD fragmentation measure, milli-GPU.
pub const GPU_FRAG_FGD: &str = sampled_name(s::TS_GPU_DEVICES, "gpu_frag_fgd_milli");
/// Pending pods that failed a scheduling cycle.
pub const PODS_UNSCHEDULABLE: &str = sampled_name(s::TS_RESILIENCE, "pods_unschedulable");
/// Nodes whose Ready condition is False.
pub const NODES_NOT_READY: &str = sampled_name(s::TS_RESILIENCE, "nodes_not_ready");
/// Nodes whose Ready condition is Unknown (the node stopped reporting).
pub const NODES_UNKNOWN: &str = sampled_name(s::TS_RESILIENCE, "nodes_unknown");
/// Cordoned nodes (`spec.unschedulable`).
pub const NODES_CORDONED: &str = sampled_name(s::TS_RESILIENCE, "nodes_cordoned");
/// Pods that lost their node, per interval.
pub const PODS_DISPLACED: &str = sampled_name(s::TS_RESILIENCE, "pods_displaced");
/// CPU requested by pods bound to any node (Ready or not), millicores (also per zone).
pub const CPU_REQUESTED: &str = sampled_name(s::TS_ZONE, "cpu_requested_m");
/// CPU allocatable of Ready nodes, millicores (also per zone).
pub const CPU_ALLOCATABLE: &str = sampled_name(s::TS_ZONE, "cpu_allocatable_m");
/// CPU requested by pods bound to Ready nodes, millicores.
pub const CPU_REQUESTED_READY: &str = sampled_name(s::TS_READY, "cpu_requested_m_ready");
/// CPU allocatable of all nodes (Ready or not), millicores.
pub const CPU_ALLOCATABLE_ALL: &str = sampled_name(s::TS_READY, "cpu_allocatable_m_all");
/// CPU used, millicores (usage model; also per zone).
pub const CPU_USED: &str = sampled_name(s::TS_USAGE_ZONE, "cpu_used_m");
/// Memory requested by pods bound to any node, bytes (also per zone).
pub const MEM_REQUESTED: &str = sampled_name(s::TS_ZONE, "mem_requested_bytes");
/// Memory allocatable of Ready nodes, bytes (also per zone).
pub const MEM_ALLOCATABLE: &str = sampled_name(s::TS_ZONE, "mem_allocatable_bytes");
/// Memory requested by pods bound to Ready nodes, bytes.
pub const MEM_REQUESTED_READY: &str = sampled_name(s::TS_READY, "mem_requested_bytes_ready");
/// Memory allocatable of all nodes (Ready or not), bytes.
pub const MEM_ALLOCATABLE_ALL: &str = sampled_name(s::TS_READY, "mem_allocatable_bytes_all");
/// Memory used, bytes (usage model; also per zone).
pub const MEM_USED: &str = sampled_name(s::TS_USAGE_ZONE, "mem_used_bytes");
/// Infix of per-zone columns: `<column>_zone_<zone>`.
pub const ZONE_INFIX: &str = "_zone_";
/// Nodes above 80 % requested.
pub const NODES_OVER_80: &str = sampled_name(s::TS_COUNTS, "nodes_over_80pct_requested");
/// Nodes above 90 % requested.
pub const NODES_OVER_90: &str = sampled_name(s::TS_COUNTS, "nodes_over_90pct_requested");
/// Nodes with MemoryPressure (usage model).
pub const NODES_MEMORY_PRESSURE: &str = sampled_name(s::TS_PRESSURE, "nodes_memory_pressure");
/// Scheduling cycles per interval.
pub const SCHED_ATTEMPTS: &str = sampled_name(s::TS_COUNTS, "sched_attempts");
/// Failed scheduling cycles per interval.
pub const SCHED_FAILURES: &str = sampled_name(s::TS_COUNTS, "sched_failures");
/// Preemptions per interval.
pub const PREEMPTIONS: &str = sampled_name(s::TS_COUNTS, "preemptions");
/// Evictions per interval (usage model).
pub const EVICTIONS: &str = sampled_name(s::TS_PRESSURE, "evictions");
/// OOM kills per interval (usage model).
pub const OOM_KILLS: &str = sampled_name(s::TS_PRESSURE, "oom_kills");
/// OOM-kill cause columns the usage model writes, with their legend text.
pub const OOM_KILLS_CAUSES: [(&str, &str); 2] = [
    (
        sampled_name(s::TS_PRESSURE, "oom_kills_limit"),
        "container limit",
    ),
    (
        sampled_name(s::TS_PRESSURE, "oom_kills_node"),
        "node out of memory",
    ),
];
/// Prefixes of the node-usage spread columns (memory, CPU); fractions of allocatable.
pub const NODE_USAGE_SPREAD: [(&str, &str); 2] =
    [("node_mem_usage_", "Memory"), ("node_cpu_usage_", "CPU")];
/// Suffixes of the node-usage spread columns, lowest first.
pub const SPREAD_QUANTILES: [&str; 4] = ["p50", "p90", "p99", "max"];

// faults.csv
/// Fault start, simulated seconds.
pub const F_START: &str = cell_name(s::FAULT_CELLS, "start_s");
/// Fault end, simulated seconds (empty: lasts to the end).
pub const F_END: &str = cell_name(s::FAULT_CELLS, "end_s");
/// Fault kind (`zoneOutage`, …).
pub const F_KIND: &str = cell_name(s::FAULT_CELLS, "kind");
/// What failed.
pub const F_TARGET: &str = cell_name(s::FAULT_CELLS, "target");

// cascades.csv
/// Id of the cascade's root effect (the `root` of its rows in `effects.csv`).
pub const C_ROOT_ID: &str = cell_name(s::CASCADE_CELLS, "root_id");
/// Kind of the cascade's root (`fault`, `overload_failure`, …).
pub const C_ROOT_KIND: &str = cell_name(s::CASCADE_CELLS, "root_kind");
/// What the root hit (fault name, node).
pub const C_ROOT_TARGET: &str = cell_name(s::CASCADE_CELLS, "root_target");
/// Root time, simulated seconds.
pub const C_START: &str = cell_name(s::CASCADE_CELLS, "root_time_s");
/// Effects in the tree besides the root.
pub const C_SIZE: &str = cell_name(s::CASCADE_CELLS, "effects");
/// Longest chain of effects from the root.
pub const C_DEPTH: &str = cell_name(s::CASCADE_CELLS, "depth");
/// Time from the root to recovery, seconds, or [`C_NOT_RECOVERED`].
pub const C_RECOVERY: &str = cell_name(s::CASCADE_CELLS, "time_to_recovery_s");
/// Text of [`C_RECOVERY`] for damage never repaired in the run.
pub const C_NOT_RECOVERED: &str = crate::metrics::cascade::NOT_RECOVERED;

// nodes.csv and node_samples.csv
/// Node name.
pub const N_NODE: &str = name_in(s::NODE_COLUMNS, "node");
/// Node zone.
pub const N_ZONE: &str = name_in(s::NODE_COLUMNS, "zone");
/// Node pool.
pub const N_POOL: &str = name_in(s::NODE_COLUMNS, "pool");
/// The node's peak CPU usage / allocatable.
pub const N_PEAK_CPU: &str = name_in(s::NODE_COLUMNS, "peak_cpu_usage_fraction");
/// The node's peak memory usage / allocatable.
pub const N_PEAK_MEM: &str = name_in(s::NODE_COLUMNS, "peak_mem_usage_fraction");
/// Memory usage / allocatable at the sample.
pub const NS_MEM: &str = name_in(s::NODE_SAMPLE_COLUMNS, "mem_usage_fraction");
/// 1 when the node has MemoryPressure at the sample.
pub const NS_PRESSURE: &str = name_in(s::NODE_SAMPLE_COLUMNS, "memory_pressure");
/// 1 when the node is Ready at the sample.
pub const NS_READY: &str = name_in(s::NODE_SAMPLE_COLUMNS, "ready");

// effects.csv
/// Effect id.
pub const E_ID: &str = cell_name(s::EFFECT_CELLS, "id");
/// Id of the effect that caused it (empty for a root).
pub const E_PARENT: &str = cell_name(s::EFFECT_CELLS, "parent");
/// Id of the root of its cascade.
pub const E_ROOT: &str = cell_name(s::EFFECT_CELLS, "root");
/// Effect kind (`fault`, `node_not_ready`, `pod_displaced`, …).
pub const E_KIND: &str = cell_name(s::EFFECT_CELLS, "kind");
/// What it hit (node, pod, fault name).
pub const E_TARGET: &str = cell_name(s::EFFECT_CELLS, "target");

// workloads.csv and workload_availability.csv
/// Workload name.
pub const W_NAME: &str = cell_name(s::WORKLOAD_CELLS, "workload");
/// Desired pods (workload_availability.csv).
pub const W_DESIRED: &str = name_in(s::AVAILABILITY_COLUMNS, "desired");
/// Ready pods (workload_availability.csv).
pub const W_READY: &str = name_in(s::AVAILABILITY_COLUMNS, "ready");
/// Availability, fraction of 1.
pub const W_AVAILABILITY: &str = cell_name(s::WORKLOAD_CELLS, "availability");
/// Lowest ready/desired at any sample, fraction of 1.
pub const W_MIN_AVAILABILITY: &str = cell_name(s::WORKLOAD_CELLS, "min_availability");
/// Minutes with fewer ready pods than desired.
pub const W_MINUTES_BELOW: &str = cell_name(s::WORKLOAD_CELLS, "minutes_below_desired");
/// CPU requested, millicores.
pub const W_CPU_REQUESTED: &str = cell_name(s::WORKLOAD_CELLS, "cpu_requested_m");
/// CPU used, millicores.
pub const W_CPU_USED: &str = cell_name(s::WORKLOAD_CELLS, "cpu_used_m");
/// Memory requested, bytes.
pub const W_MEM_REQUESTED: &str = cell_name(s::WORKLOAD_CELLS, "mem_requested_bytes");
/// Memory used, bytes.
pub const W_MEM_USED: &str = cell_name(s::WORKLOAD_CELLS, "mem_used_bytes");
/// CPU requested by the workload's running pods integrated over the run, core-seconds.
pub const W_CPU_REQUESTED_CORE_S: &str = cell_name(s::WORKLOAD_CELLS, "cpu_requested_core_s");
/// CPU used integrated over the run, core-seconds (empty without the usage model).
pub const W_CPU_USED_CORE_S: &str = cell_name(s::WORKLOAD_CELLS, "cpu_used_core_s");
/// Memory requested integrated over the run, byte-seconds.
pub const W_MEM_REQUESTED_BYTE_S: &str = cell_name(s::WORKLOAD_CELLS, "mem_requested_byte_s");
/// Memory used integrated over the run, byte-seconds (empty without the usage model).
pub const W_MEM_USED_BYTE_S: &str = cell_name(s::WORKLOAD_CELLS, "mem_used_byte_s");

/// The per-zone column name of `column` for `zone`.
pub fn zone_column(column: &str, zone: &str) -> String {
    format!("{column}{ZONE_INFIX}{zone}")
}

/// `services.csv`.
pub const SERVICES_FILE: &str = s::SERVICES.file;
/// `service_calls.csv`.
pub const SERVICE_CALLS_FILE: &str = s::SERVICE_CALLS.file;
/// In `services.csv`: the service.
pub const SV_SERVICE: &str = name_in(s::SERVICE_COLUMNS, "service");
/// In `services.csv`: requests offered per second.
pub const SV_OFFERED: &str = name_in(s::SERVICE_COLUMNS, "offered_rps");
/// In `services.csv`: requests failed per second.
pub const SV_FAILED: &str = name_in(s::SERVICE_COLUMNS, "failed_rps");
/// In `services.csv`: failed / offered.
pub const SV_ERROR_RATE: &str = name_in(s::SERVICE_COLUMNS, "error_rate");
/// In `services.csv`: p99 latency.
pub const SV_P99: &str = name_in(s::SERVICE_COLUMNS, "p99_latency_s");
/// In `services.csv`: ready endpoints.
pub const SV_READY: &str = name_in(s::SERVICE_COLUMNS, "ready_endpoints");
/// In `services.csv`: queue backlog.
pub const SV_BACKLOG: &str = name_in(s::SERVICE_COLUMNS, "queue_backlog");
/// In `service_calls.csv`: the caller.
pub const SC_CALLER: &str = name_in(s::SERVICE_CALL_COLUMNS, "caller");
/// In `service_calls.csv`: the callee.
pub const SC_CALLEE: &str = name_in(s::SERVICE_CALL_COLUMNS, "callee");
/// In `service_calls.csv`: `sync` or `queue`.
pub const SC_MODE: &str = name_in(s::SERVICE_CALL_COLUMNS, "mode");
/// In `service_calls.csv`: attempts per second.
pub const SC_ATTEMPTS: &str = name_in(s::SERVICE_CALL_COLUMNS, "attempts_rps");
/// In `service_calls.csv`: calls per second.
pub const SC_CALLS: &str = name_in(s::SERVICE_CALL_COLUMNS, "calls_rps");
/// In `service_calls.csv`: breaker state.
pub const SC_BREAKER: &str = name_in(s::SERVICE_CALL_COLUMNS, "breaker");
/// In `service_calls.csv`: the edge's queue backlog.
pub const SC_BACKLOG: &str = name_in(s::SERVICE_CALL_COLUMNS, "queue_backlog");
