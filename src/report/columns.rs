//! Every file and column name the report reads from a results directory, in one place.
//!
//! The report degrades gracefully: a chart or figure whose inputs are absent is skipped and
//! listed as "not available in this run"; as soon as a later version of the recorder writes the
//! column or file named here, the chart or figure appears without any change to the report.
//! Columns are only ever added to the results format, never renamed, so these names are a
//! contract: a recorder that adds, say, evictions must write them under the name below.
//!
//! # `summary.json` (required)
//! | key | meaning |
//! |---|---|
//! | `scenario`, `seed`, `simulatedDurationS` | required; identify the run |
//! | `files` | every other file the run wrote; a directory missing one is refused as incomplete |
//! | `podsUnschedulableAtEnd`, `podsCreated`, `schedulingFailures`, `podsPreempted`, `podsFailed` | end-of-run counts |
//! | `workloads[]` (`name`, `kind`, `desired`, `created`, `runningAtEnd`, `pendingAtEnd`, `succeeded`, `failed`, `deleted`) | per-workload pods |
//! | `nodes` *(later)* | fleet size; else the rows of `nodes.csv`; else the peak of `nodes_ready` |
//! | `jobsFailed`, `jobsSucceeded` *(runs with Jobs)* | Jobs failed (`BackoffLimitExceeded`) / succeeded; the "Jobs failed" figure |
//! | `evictions`, `oomKills` *(usage model)* | totals; else the sums of the per-interval columns below |
//! | `workloads[].availability` *(later)* | fraction of 1; or the `availability` column of `workloads.csv` |
//!
//! # `timeseries.csv` (required; one row per metrics interval)
//! `time_s` (simulated seconds) is required. Counts named "per interval" are reset at every
//! sample; the others are levels at the sample time. Per-zone columns are
//! `<column>_zone_<zone>` (zones are discovered from [`CPU_REQUESTED`]`_zone_*`).
//! | column | meaning | used by |
//! |---|---|---|
//! | `nodes_ready`, `pods_running`, `pods_pending` | levels (`pods_running`: phase Running, also on down nodes and terminating) | timeline (fallback), figures |
//! | `pods_ready` | level: Running, not terminating, on an up node | timeline |
//! | `gpu_requested_milli`, `gpu_allocatable_milli`, `gpu_frag_partial_milli`, `gpu_frag_fgd_milli` *(clusters with GPUs)* | levels, milli-GPU | gpu (the chart is left out, not listed as skipped, without them) |
//! | `pods_unschedulable` | level: Pending pods that failed a scheduling cycle | timeline |
//! | `nodes_not_ready`, `nodes_unknown`, `nodes_cordoned` | levels | nodes |
//! | `pods_displaced` | per interval: pods that lost their node | evictions (own panel) |
//! | `cpu_requested_m`, `cpu_allocatable_m`, `mem_requested_bytes`, `mem_allocatable_bytes` (+ per zone) | levels: requested by pods on any node; allocatable of Ready nodes | utilisation |
//! | `cpu_requested_m_ready`, `mem_requested_bytes_ready` | levels: requested by pods on Ready nodes | peak requested / allocatable (Ready nodes) |
//! | `cpu_allocatable_m_all`, `mem_allocatable_bytes_all` | levels: allocatable of all nodes | peak requested / allocatable (all nodes) |
//! | `cpu_used_m`, `mem_used_bytes` (+ per zone) *(usage model)* | actual usage | utilisation |
//! | `nodes_over_80pct_requested`, `nodes_over_90pct_requested` | levels | nodes |
//! | `nodes_memory_pressure` *(usage model)* | nodes with MemoryPressure | nodes, figures |
//! | `sched_attempts`, `sched_failures`, `preemptions` | per interval | scheduling |
//! | `evictions`, `oom_kills` *(usage model)* | per interval | evictions, figures |
//! | `evictions_cause_<cause>`, `oom_kills_cause_<cause>` *(later)* | per interval, by cause | evictions (stacked) |
//! | `oom_kills_limit`, `oom_kills_node` | per interval: OOM kills at the container limit / by the node running out | evictions (stacked) |
//! | `node_mem_usage_<q>`, `node_cpu_usage_<q>` for `q` in `p50`, `p90`, `p99`, `max` | spread of node usage / allocatable at the sample | node usage spread |
//!
//! # Optional files
//! | file | columns | used by |
//! |---|---|---|
//! | `faults.csv` | `start_s`, `end_s` (empty: until the end), `kind`, `target` | shaded fault windows on every time chart and the heatmap, `maxPendingAfter {fault}`, time to recover |
//! | `cascades.csv` | as `metrics::cascade` writes it ([`crate::metrics::cascade::CASCADE_COLUMNS`]): `root_id`, `root_kind`, `root_target`, `root_time_s`, `nodes_failed`, `pods_evicted`, `pods_oom_killed`, `pods_displaced`, `pods_rescheduled`, `effects`, `depth`, `time_to_recovery_s` (seconds or `not recovered`) (required: `effects`, `depth`) | cascades chart, cascade figures, which cascade the tree shows (largest `effects`); its `fault` rows give time to recover, and fault windows when there is no `faults.csv` |
//! | `effects.csv` | `id`, `parent` (empty for roots), `root`, `kind` (`EffectKind::as_str`), `target`, `time_s` | cascade tree of the largest cascade (streamed) |
//! | `nodes.csv` | `node`, `zone`, `pool`, `peak_cpu_usage_fraction`, `peak_mem_usage_fraction` | heatmap grouping, usage histogram |
//! | `node_samples.csv` | `time_s`, `node`, `mem_usage_fraction`, `memory_pressure` (0/1), `ready` (0/1) | pressure heatmap (streamed) |
//! | `workloads.csv` | `workload`, `kind`, `desired`, `availability` (time-weighted mean of ready/desired, fraction of 1), `min_availability`, `minutes_below_desired`, `cpu_requested_m`, `cpu_used_m`, `mem_requested_bytes`, `mem_used_bytes` (at the end), `cpu_requested_core_s`, `cpu_used_core_s`, `mem_requested_byte_s`, `mem_used_byte_s` (integrated over the run; the chart shows them divided by the duration) and more (used: empty without the usage model) | requested-vs-used chart, worst availability, which workloads the availability chart shows |
//! | `workload_availability.csv` | `time_s`, `workload`, `desired`, `ready` (one row per metrics sample per workload) | availability chart (streamed) |
//! | `slo.json` | the scenario's `slo:` section as JSON (see [`crate::scenario::types::slo`]) | pass / fail verdicts |
//!
//! The large files (`node_samples.csv`, `effects.csv`, `workload_availability.csv`) are
//! streamed, not loaded: a week of 7,000 nodes sampled every 15 minutes (4.7 million rows) is
//! fine; a sample every minute (70 million rows) is too big to be useful, which is why the
//! recorder samples nodes more coarsely (`simulation.nodeSampleInterval`).

/// Required files.
pub const SUMMARY_FILE: &str = "summary.json";
/// Required: the cluster time series.
pub const TIMESERIES_FILE: &str = "timeseries.csv";
/// Optional: fault windows.
pub const FAULTS_FILE: &str = "faults.csv";
/// Optional: one row per cascade.
pub const CASCADES_FILE: &str = "cascades.csv";
/// Optional: one row per node.
pub const NODES_FILE: &str = "nodes.csv";
/// Optional: per-node samples over time (streamed).
pub const NODE_SAMPLES_FILE: &str = "node_samples.csv";
/// Optional: one row per workload.
pub const WORKLOADS_FILE: &str = "workloads.csv";
/// Optional: the causality log (streamed by the cascade tree).
pub const EFFECTS_FILE: &str = "effects.csv";
/// Optional: ready / desired per workload per sample (streamed).
pub const WORKLOAD_AVAILABILITY_FILE: &str = "workload_availability.csv";
/// Optional: the scenario's SLO section.
pub const SLO_FILE: &str = "slo.json";
/// Written by the report into the results directory.
pub const CHARTS_DIR: &str = "charts";

// summary.json keys.
/// Every other file the run wrote (a reader refuses the directory when one is missing).
pub const S_FILES: &str = "files";
/// Scenario name.
pub const S_SCENARIO: &str = "scenario";
/// Master seed.
pub const S_SEED: &str = "seed";
/// Simulated duration, seconds.
pub const S_DURATION: &str = "simulatedDurationS";
/// Fleet size (later).
pub const S_NODES: &str = "nodes";
/// Pending pods at the end that failed a scheduling cycle.
pub const S_UNSCHEDULABLE_AT_END: &str = "podsUnschedulableAtEnd";
/// Pods created.
pub const S_PODS_CREATED: &str = "podsCreated";
/// Pods failed.
pub const S_PODS_FAILED: &str = "podsFailed";
/// Jobs that failed with `BackoffLimitExceeded` (runs with Jobs only).
pub const S_JOBS_FAILED: &str = "jobsFailed";
/// Jobs that succeeded (runs with Jobs only).
pub const S_JOBS_SUCCEEDED: &str = "jobsSucceeded";
/// Scheduling cycles that found no node.
pub const S_SCHED_FAILURES: &str = "schedulingFailures";
/// Pods deleted by preemption.
pub const S_PODS_PREEMPTED: &str = "podsPreempted";
/// Evictions over the run (usage model).
pub const S_EVICTIONS: &str = "evictions";
/// OOM kills over the run (usage model).
pub const S_OOM_KILLS: &str = "oomKills";
/// Per-workload array.
pub const S_WORKLOADS: &str = "workloads";
/// The resilience object.
pub const S_RESILIENCE: &str = "resilience";
/// In `resilience`: true when overload failure (not upstream behaviour) was on.
pub const S_OVERLOAD_ENABLED: &str = "overloadFailureEnabled";
/// Per-workload availability, fraction of 1 (later).
pub const S_AVAILABILITY: &str = "availability";

// timeseries.csv columns.
/// Simulated time, seconds.
pub const TIME: &str = "time_s";
/// Ready nodes.
pub const NODES_READY: &str = "nodes_ready";
/// Running pods (phase Running: also pods on a down node and terminating pods).
pub const PODS_RUNNING: &str = "pods_running";
/// Ready pods: Running, not terminating, on an up node.
pub const PODS_READY: &str = "pods_ready";
/// Pending pods.
pub const PODS_PENDING: &str = "pods_pending";
/// Milli-GPU requested (clusters with GPUs only; the GPU chart).
pub const GPU_REQUESTED: &str = "gpu_requested_milli";
/// Milli-GPU allocatable on Ready nodes.
pub const GPU_ALLOCATABLE: &str = "gpu_allocatable_milli";
/// Free milli-GPU on partly used devices (clusters with GPU devices).
pub const GPU_FRAG_PARTIAL: &str = "gpu_frag_partial_milli";
/// The FGD fragmentation measure, milli-GPU.
pub const GPU_FRAG_FGD: &str = "gpu_frag_fgd_milli";
/// Pending pods that failed a scheduling cycle.
pub const PODS_UNSCHEDULABLE: &str = "pods_unschedulable";
/// Nodes whose Ready condition is False.
pub const NODES_NOT_READY: &str = "nodes_not_ready";
/// Nodes whose Ready condition is Unknown (the node stopped reporting).
pub const NODES_UNKNOWN: &str = "nodes_unknown";
/// Cordoned nodes (`spec.unschedulable`).
pub const NODES_CORDONED: &str = "nodes_cordoned";
/// Pods that lost their node, per interval.
pub const PODS_DISPLACED: &str = "pods_displaced";
/// CPU requested by pods bound to any node (Ready or not), millicores.
pub const CPU_REQUESTED: &str = "cpu_requested_m";
/// CPU allocatable of Ready nodes, millicores.
pub const CPU_ALLOCATABLE: &str = "cpu_allocatable_m";
/// CPU requested by pods bound to Ready nodes, millicores.
pub const CPU_REQUESTED_READY: &str = "cpu_requested_m_ready";
/// CPU allocatable of all nodes (Ready or not), millicores.
pub const CPU_ALLOCATABLE_ALL: &str = "cpu_allocatable_m_all";
/// CPU used, millicores (usage model).
pub const CPU_USED: &str = "cpu_used_m";
/// Memory requested by pods bound to any node, bytes.
pub const MEM_REQUESTED: &str = "mem_requested_bytes";
/// Memory allocatable of Ready nodes, bytes.
pub const MEM_ALLOCATABLE: &str = "mem_allocatable_bytes";
/// Memory requested by pods bound to Ready nodes, bytes.
pub const MEM_REQUESTED_READY: &str = "mem_requested_bytes_ready";
/// Memory allocatable of all nodes (Ready or not), bytes.
pub const MEM_ALLOCATABLE_ALL: &str = "mem_allocatable_bytes_all";
/// Memory used, bytes (usage model).
pub const MEM_USED: &str = "mem_used_bytes";
/// Infix of per-zone columns: `<column>_zone_<zone>`.
pub const ZONE_INFIX: &str = "_zone_";
/// Nodes above 80 % requested.
pub const NODES_OVER_80: &str = "nodes_over_80pct_requested";
/// Nodes above 90 % requested.
pub const NODES_OVER_90: &str = "nodes_over_90pct_requested";
/// Nodes with MemoryPressure (usage model).
pub const NODES_MEMORY_PRESSURE: &str = "nodes_memory_pressure";
/// Scheduling cycles per interval.
pub const SCHED_ATTEMPTS: &str = "sched_attempts";
/// Failed scheduling cycles per interval.
pub const SCHED_FAILURES: &str = "sched_failures";
/// Preemptions per interval.
pub const PREEMPTIONS: &str = "preemptions";
/// Evictions per interval (usage model).
pub const EVICTIONS: &str = "evictions";
/// OOM kills per interval (usage model).
pub const OOM_KILLS: &str = "oom_kills";
/// Prefix of per-cause eviction columns (later).
pub const EVICTIONS_CAUSE_PREFIX: &str = "evictions_cause_";
/// Prefix of per-cause OOM-kill columns (later).
pub const OOM_KILLS_CAUSE_PREFIX: &str = "oom_kills_cause_";
/// OOM-kill cause columns the usage model writes, with their legend text.
pub const OOM_KILLS_CAUSES: [(&str, &str); 2] = [
    ("oom_kills_limit", "container limit"),
    ("oom_kills_node", "node out of memory"),
];
/// Prefixes of the node-usage spread columns (memory, CPU); fractions of allocatable.
pub const NODE_USAGE_SPREAD: [(&str, &str); 2] =
    [("node_mem_usage_", "Memory"), ("node_cpu_usage_", "CPU")];
/// Suffixes of the node-usage spread columns, lowest first.
pub const SPREAD_QUANTILES: [&str; 4] = ["p50", "p90", "p99", "max"];

// faults.csv
/// Fault start, simulated seconds.
pub const F_START: &str = "start_s";
/// Fault end, simulated seconds (empty: lasts to the end).
pub const F_END: &str = "end_s";
/// Fault kind (`node`, `rack`, `zone`, …).
pub const F_KIND: &str = "kind";
/// What failed.
pub const F_TARGET: &str = "target";

// cascades.csv (written by `metrics::cascade`)
/// Id of the cascade's root effect (the `root` of its rows in `effects.csv`).
pub const C_ROOT_ID: &str = "root_id";
/// Kind of the cascade's root (`fault`, `overload_failure`, …).
pub const C_ROOT_KIND: &str = "root_kind";
/// Root kind of cascades set off by an injected fault.
pub const C_FAULT: &str = "fault";
/// What the root hit (fault name, node).
pub const C_ROOT_TARGET: &str = "root_target";
/// Root time, simulated seconds (older name: `start_s`).
pub const C_START: [&str; 2] = ["root_time_s", "start_s"];
/// Effects in the tree besides the root (older name: `size`).
pub const C_SIZE: [&str; 2] = ["effects", "size"];
/// Longest chain of effects from the root.
pub const C_DEPTH: &str = "depth";
/// Time from the root to recovery, seconds, or [`C_NOT_RECOVERED`].
pub const C_RECOVERY: &str = "time_to_recovery_s";
/// Text of [`C_RECOVERY`] for damage never repaired in the run.
pub const C_NOT_RECOVERED: &str = "not recovered";
/// Duration, seconds (used when there is no [`C_RECOVERY`]).
pub const C_DURATION: &str = "duration_s";

// nodes.csv and node_samples.csv
/// Node name.
pub const N_NODE: &str = "node";
/// Node zone.
pub const N_ZONE: &str = "zone";
/// Node pool.
pub const N_POOL: &str = "pool";
/// The node's peak CPU usage / allocatable.
pub const N_PEAK_CPU: &str = "peak_cpu_usage_fraction";
/// The node's peak memory usage / allocatable.
pub const N_PEAK_MEM: &str = "peak_mem_usage_fraction";
/// Memory usage / allocatable at the sample.
pub const NS_MEM: &str = "mem_usage_fraction";
/// 1 when the node has MemoryPressure at the sample.
pub const NS_PRESSURE: &str = "memory_pressure";
/// 1 when the node is Ready at the sample.
pub const NS_READY: &str = "ready";

// effects.csv
/// Effect id.
pub const E_ID: &str = "id";
/// Id of the effect that caused it (empty for a root).
pub const E_PARENT: &str = "parent";
/// Id of the root of its cascade.
pub const E_ROOT: &str = "root";
/// Effect kind (`fault`, `node_not_ready`, `pod_displaced`, …).
pub const E_KIND: &str = "kind";
/// What it hit (node, pod, fault name).
pub const E_TARGET: &str = "target";

// workloads.csv and workload_availability.csv
/// Workload name.
pub const W_NAME: &str = "workload";
/// Workload kind.
pub const W_KIND: &str = "kind";
/// Desired pods.
pub const W_DESIRED: &str = "desired";
/// Ready pods (workload_availability.csv).
pub const W_READY: &str = "ready";
/// Availability, fraction of 1.
pub const W_AVAILABILITY: &str = "availability";
/// Lowest ready/desired at any sample, fraction of 1.
pub const W_MIN_AVAILABILITY: &str = "min_availability";
/// Minutes with fewer ready pods than desired.
pub const W_MINUTES_BELOW: &str = "minutes_below_desired";
/// CPU requested, millicores.
pub const W_CPU_REQUESTED: &str = "cpu_requested_m";
/// CPU used, millicores.
pub const W_CPU_USED: &str = "cpu_used_m";
/// Memory requested, bytes.
pub const W_MEM_REQUESTED: &str = "mem_requested_bytes";
/// Memory used, bytes.
pub const W_MEM_USED: &str = "mem_used_bytes";
/// CPU requested by the workload's running pods integrated over the run, core-seconds.
pub const W_CPU_REQUESTED_CORE_S: &str = "cpu_requested_core_s";
/// CPU used integrated over the run, core-seconds (empty without the usage model).
pub const W_CPU_USED_CORE_S: &str = "cpu_used_core_s";
/// Memory requested integrated over the run, byte-seconds.
pub const W_MEM_REQUESTED_BYTE_S: &str = "mem_requested_byte_s";
/// Memory used integrated over the run, byte-seconds (empty without the usage model).
pub const W_MEM_USED_BYTE_S: &str = "mem_used_byte_s";

/// The per-zone column name of `column` for `zone`.
pub fn zone_column(column: &str, zone: &str) -> String {
    format!("{column}{ZONE_INFIX}{zone}")
}
