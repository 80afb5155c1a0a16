//! `autoscaler`: a Cluster Autoscaler over some node pools (flag names as upstream's
//! `cluster-autoscaler` command line, camelCased; every default is upstream's).

use serde::Deserialize;

use super::workload::DurationDistribution;
use crate::scenario::duration::DurationMs;

/// Upstream `--scan-interval` default.
pub const DEFAULT_SCAN_INTERVAL: DurationMs = DurationMs::from_millis(10_000);
/// Upstream `--scale-down-unneeded-time` default.
pub const DEFAULT_UNNEEDED_TIME: DurationMs = DurationMs::from_millis(600_000);
/// Upstream `--scale-down-delay-after-add` default.
pub const DEFAULT_DELAY_AFTER_ADD: DurationMs = DurationMs::from_millis(600_000);
/// Upstream `--scale-down-utilization-threshold` default.
pub const DEFAULT_UTILIZATION_THRESHOLD: f64 = 0.5;
/// Upstream `--max-empty-bulk-delete` default.
pub const DEFAULT_MAX_EMPTY_BULK_DELETE: u32 = 10;
/// Upstream `--expendable-pods-priority-cutoff` default.
pub const DEFAULT_EXPENDABLE_CUTOFF: i32 = -10;
/// Provisioning delay when a node group gives none (VM boot + kubelet registration; not an
/// upstream constant, a typical cloud figure).
pub const DEFAULT_PROVISIONING_DELAY: DurationMs = DurationMs::from_millis(90_000);

/// `autoscaler`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Autoscaler {
    /// The node groups (pools) it may resize.
    pub node_groups: Vec<NodeGroupSpec>,
    /// `--expander` (default `random`).
    #[serde(default)]
    pub expander: Expander,
    /// `--scan-interval` (default 10s).
    #[serde(default = "scan_interval")]
    pub scan_interval: DurationMs,
    /// `--scale-down-enabled` (default true).
    #[serde(default = "yes")]
    pub scale_down_enabled: bool,
    /// `--scale-down-unneeded-time` (default 10m).
    #[serde(default = "unneeded_time")]
    pub scale_down_unneeded_time: DurationMs,
    /// `--scale-down-utilization-threshold` (default 0.5; sum of requests / allocatable, the
    /// larger of cpu and memory).
    #[serde(default = "utilization_threshold")]
    pub scale_down_utilization_threshold: f64,
    /// `--scale-down-delay-after-add` (default 10m).
    #[serde(default = "delay_after_add")]
    pub scale_down_delay_after_add: DurationMs,
    /// `--scale-down-delay-after-delete` (default: the scan interval).
    #[serde(default)]
    pub scale_down_delay_after_delete: Option<DurationMs>,
    /// `--max-nodes-total` (default 0: unlimited).
    #[serde(default)]
    pub max_nodes_total: u32,
    /// `--max-empty-bulk-delete` (default 10).
    #[serde(default = "max_empty_bulk_delete")]
    pub max_empty_bulk_delete: u32,
    /// `--skip-nodes-with-system-pods` (default true).
    #[serde(default = "yes")]
    pub skip_nodes_with_system_pods: bool,
    /// `--expendable-pods-priority-cutoff` (default -10): lower-priority pods never trigger a
    /// scale-up and never block a scale-down.
    #[serde(default = "expendable_cutoff")]
    pub expendable_pods_priority_cutoff: i32,
}

/// `autoscaler.nodeGroups[]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NodeGroupSpec {
    /// The `cluster.nodePools[].name` this group resizes; new nodes are copies of its shape
    /// (capacity, labels, taints, images), spread over its zones.
    pub pool: String,
    /// Smallest size scale-down keeps.
    #[serde(default)]
    pub min_size: u32,
    /// Largest size scale-up reaches.
    pub max_size: u32,
    /// Price of one node-hour (any currency; default 0).
    #[serde(default)]
    pub price_per_hour: f64,
    /// Time from the scale-up decision to the node being Ready (a duration or a distribution
    /// like Job durations; default 90s).
    #[serde(default)]
    pub provisioning_delay: Option<DurationDistribution>,
    /// Priority for the `priority` expander (higher wins; default 0).
    #[serde(default)]
    pub priority: i32,
}

/// `autoscaler.expander`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Expander {
    /// Any option, uniformly (upstream default).
    #[default]
    Random,
    /// The option leaving the least CPU and memory unused on the new nodes.
    LeastWaste,
    /// The option scheduling the most pods.
    MostPods,
    /// The group with the highest `priority`.
    Priority,
}

fn scan_interval() -> DurationMs {
    DEFAULT_SCAN_INTERVAL
}
fn unneeded_time() -> DurationMs {
    DEFAULT_UNNEEDED_TIME
}
fn delay_after_add() -> DurationMs {
    DEFAULT_DELAY_AFTER_ADD
}
fn utilization_threshold() -> f64 {
    DEFAULT_UTILIZATION_THRESHOLD
}
fn max_empty_bulk_delete() -> u32 {
    DEFAULT_MAX_EMPTY_BULK_DELETE
}
fn expendable_cutoff() -> i32 {
    DEFAULT_EXPENDABLE_CUTOFF
}
fn yes() -> bool {
    true
}
