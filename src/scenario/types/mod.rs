//! Serde input structs for the scenario file (see `scenario-format.md`). Field names follow
//! Kubernetes (camelCase); unknown fields are errors everywhere.
//!
//! These are plain data: they parse and carry defaults, and offer a few helpers for upstream
//! semantics that belong to the format itself (effective pod requests, QoS class, node
//! allocatable, pool node names). Cross-field rules live in `validate`.

pub mod affinity;
pub mod autoscaler;
pub mod cluster;
pub mod faults;
pub mod hpa;
pub mod kubelet;
mod non_negative;
pub mod placement;
pub mod pod;
pub mod scheduler;
pub mod services;
pub mod slo;
pub mod usage;
pub mod workload;

use std::collections::BTreeMap;

use serde::Deserialize;

use super::duration::DurationMs;
use super::quantity::Quantity;
use cluster::Cluster;
use pod::PreemptionPolicy;
use scheduler::SchedulerConfig;
use workload::Workload;

/// Resources by name (`cpu`, `memory`, `ephemeral-storage`, `pods`, `hugepages-2Mi`,
/// `nvidia.com/gpu`, ...).
pub type ResourceList = BTreeMap<String, Quantity>;

/// Default `simulation.metricsInterval`: one minute.
pub const DEFAULT_METRICS_INTERVAL: DurationMs = DurationMs::from_millis(60_000);

/// A whole scenario file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ScenarioFile {
    /// Scenario name; names the default results directory.
    pub name: String,
    /// Free text shown in the report.
    #[serde(default)]
    pub description: Option<String>,
    /// Run length, seed and sampling.
    pub simulation: Simulation,
    /// Scheduler configuration (default: the upstream default profile).
    #[serde(default)]
    pub scheduler: SchedulerConfig,
    /// Priority classes pods may name.
    #[serde(default)]
    pub priority_classes: Vec<PriorityClass>,
    /// The nodes.
    pub cluster: Cluster,
    /// What runs on the nodes.
    #[serde(default)]
    pub workloads: Vec<Workload>,
    /// Services backed by workloads and the calls between them (simulated at a 1 s service
    /// tick: traffic, CPU demand, probes, retries, breakers, queues).
    #[serde(default)]
    pub services: Vec<services::ServiceSpec>,
    /// Thresholds the report judges the run against.
    #[serde(default)]
    pub slo: Option<slo::Slo>,
    /// Failure injection (parsed and planned; see `faults` module).
    #[serde(default)]
    pub faults: Vec<faults::FaultSpec>,
    /// Node lifecycle controller settings (default: upstream's).
    #[serde(default)]
    pub node_lifecycle: Option<faults::NodeLifecycleSpec>,
    /// PodDisruptionBudgets.
    #[serde(default)]
    pub pdbs: Vec<faults::PdbSpec>,
    /// Node-pressure eviction settings of every node's kubelet (turns the usage model on).
    #[serde(default)]
    pub kubelet: Option<kubelet::Kubelet>,
    /// Cluster Autoscaler (node groups that grow and shrink with demand).
    #[serde(default)]
    pub autoscaler: Option<autoscaler::Autoscaler>,
    /// HorizontalPodAutoscalers (`autoscaling/v2`-shaped), one per scaled workload.
    #[serde(default)]
    pub horizontal_pod_autoscalers: Vec<hpa::HorizontalPodAutoscaler>,
    /// Warnings of the manifest import (`workloads: {fromManifests: ...}`), one line each;
    /// not a scenario field.
    #[serde(skip)]
    pub import_notes: Vec<String>,
}

/// `simulation`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Simulation {
    /// Simulated time span (positive).
    pub duration: DurationMs,
    /// Master seed of every random stream (default 0); the CLI's `--seed` overrides it.
    #[serde(default)]
    pub seed: u64,
    /// How often metrics are sampled (default 1m; positive, at most `duration`).
    #[serde(default = "default_metrics_interval")]
    pub metrics_interval: DurationMs,
    /// How often every node is sampled into `node_samples.csv` (default 15m; `0` disables;
    /// at most `duration`). Taken at metrics samples.
    #[serde(default)]
    pub node_sample_interval: Option<DurationMs>,
}

/// Default `simulation.nodeSampleInterval`: 15 minutes.
pub const DEFAULT_NODE_SAMPLE_INTERVAL: DurationMs = DurationMs::from_millis(15 * 60_000);

impl Simulation {
    /// The node sample interval in ms (the default when absent; 0: off).
    pub fn node_sample_interval_ms(&self) -> u64 {
        self.node_sample_interval
            .unwrap_or(DEFAULT_NODE_SAMPLE_INTERVAL)
            .as_millis()
    }
}

fn default_metrics_interval() -> DurationMs {
    DEFAULT_METRICS_INTERVAL
}

/// `priorityClasses[]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PriorityClass {
    /// Class name, unique; `system-` names are reserved.
    pub name: String,
    /// Priority of pods in the class (at most 1,000,000,000).
    pub value: i32,
    /// Whether pods without a class get this one (at most one class).
    #[serde(default)]
    pub global_default: bool,
    /// Default preemption policy of the class's pods.
    #[serde(default)]
    pub preemption_policy: Option<PreemptionPolicy>,
    /// Free text.
    #[serde(default)]
    pub description: Option<String>,
}

/// Priority classes every cluster has, with their values.
pub const BUILTIN_PRIORITY_CLASSES: [(&str, i32); 2] = [
    ("system-cluster-critical", 2_000_000_000),
    ("system-node-critical", 2_000_001_000),
];

impl ScenarioFile {
    /// The value of a priority class, user-defined or built-in.
    pub fn priority_class_value(&self, name: &str) -> Option<i32> {
        self.priority_classes
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.value)
            .or_else(|| {
                BUILTIN_PRIORITY_CLASSES
                    .iter()
                    .find(|(builtin, _)| *builtin == name)
                    .map(|&(_, value)| value)
            })
    }

    /// The class pods without a class get, if any.
    pub fn global_default_priority_class(&self) -> Option<&PriorityClass> {
        self.priority_classes.iter().find(|c| c.global_default)
    }
}
