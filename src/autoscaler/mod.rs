//! Cluster Autoscaler model (kubernetes/autoscaler `cluster-autoscaler`): node groups that
//! grow when pods cannot be scheduled and shrink when nodes are underused.
//!
//! Every `scan-interval` (10 s) one loop runs, as upstream's `RunOnce`:
//!
//! * **Scale-up.** Pods that failed a scheduling cycle and are still Pending (not nominated
//!   by preemption, priority at least `expendable-pods-priority-cutoff`) are first fitted
//!   on existing nodes (upstream `filterOutSchedulable`: capacity may have freed since the
//!   pod failed), then on nodes still provisioning; for the rest, each node group with room
//!   estimates the new nodes it needs with the binpacking estimator ([`estimator`]) on its
//!   template node (the pool's shape with DaemonSet pods subtracted, filtered with the
//!   scheduler's own static filters); an expander ([`expander`]) picks one option; its nodes
//!   become Ready after a provisioning delay drawn from the group's distribution (stream
//!   `autoscaler`). `max-nodes-total` and each group's `maxSize` count provisioning nodes.
//! * **Scale-down.** A node of a group above `minSize` is *unneeded* while the sum of its pods'
//!   requests over allocatable (larger of cpu and memory, DaemonSet pods included) is below
//!   `scale-down-utilization-threshold` and every pod on it could move: no bare pod, no
//!   kube-system pod without a PDB (`skip-nodes-with-system-pods`), no PodDisruptionBudget
//!   left without disruptions, and a destination for each pod on another node (static filters
//!   and resources, pods of the other unneeded nodes counted on their destinations). After
//!   `scale-down-unneeded-time` unneeded, and not within `scale-down-delay-after-add` of a
//!   scale-up or `scale-down-delay-after-delete` of a deletion, empty nodes are deleted in bulk
//!   (up to `max-empty-bulk-delete`), otherwise one non-empty node is drained: its pods are
//!   deleted through their controllers (recreated and scheduled elsewhere) and the node
//!   removed.
//!
//! Simplifications (documented in the README): the drain and the node deletion are
//! instantaneous (no graceful termination); the drain simulation and `filterOutSchedulable`
//! check resources, taints, node affinity and cordons but not topology spread or pod
//! (anti-)affinity; no node-group back-off (scale-ups never fail), no
//! `max-node-provision-time`, no `balance-similar-node-groups`; local storage is not modelled.
//!
//! Architecture invariant: the decisions here read the world and return what to do; the
//! simulation applies them (`sim::autoscale`). No I/O.

pub mod estimator;
pub mod expander;
pub mod pdb;
mod scaledown;
mod scaleup;
mod state;

pub use expander::{ExpanderKind, ScaleUpOption};
pub use pdb::{CountingPdbs, DisruptionBudgets, FromOracle, PdbRule};
pub use state::{Autoscaler, ScanDecision};

use crate::cluster::NodeInit;
use crate::engine::dist::DurationDist;

/// One node group: a pool the autoscaler resizes.
#[derive(Clone, Debug)]
pub struct NodeGroup {
    /// Index into `World::pools`.
    pub pool: u32,
    /// The pool's name (new nodes are `<pool>-<index>`).
    pub name: String,
    /// Smallest size scale-down keeps.
    pub min_size: u32,
    /// Largest size scale-up reaches (provisioning nodes included).
    pub max_size: u32,
    /// Price of one node-hour.
    pub price_per_hour: f64,
    /// Time from the scale-up decision to the node being Ready.
    pub provisioning: DurationDist,
    /// Priority for the `priority` expander.
    pub priority: i32,
    /// Node shapes per zone of the pool (in the pool's zone order), then per rack (one entry
    /// without racks). Names and hostnames are set when a node is created.
    pub shapes: Vec<Vec<NodeInit>>,
    /// Name index of the first node the autoscaler adds (the pool's initial count).
    pub first_index: u32,
}

/// The autoscaler's flags (upstream names; defaults are upstream's).
#[derive(Clone, Debug)]
pub struct AutoscalerConfig {
    /// Node groups.
    pub groups: Vec<NodeGroup>,
    /// `--expander`.
    pub expander: ExpanderKind,
    /// `--scan-interval`, ms.
    pub scan_interval_ms: u64,
    /// `--scale-down-enabled`.
    pub scale_down_enabled: bool,
    /// `--scale-down-unneeded-time`, ms.
    pub unneeded_time_ms: u64,
    /// `--scale-down-utilization-threshold` in parts per million.
    pub utilization_threshold_ppm: u64,
    /// `--scale-down-delay-after-add`, ms.
    pub delay_after_add_ms: u64,
    /// `--scale-down-delay-after-delete`, ms.
    pub delay_after_delete_ms: u64,
    /// `--max-nodes-total` (0: unlimited).
    pub max_nodes_total: u32,
    /// `--max-empty-bulk-delete`.
    pub max_empty_bulk_delete: u32,
    /// `--skip-nodes-with-system-pods`.
    pub skip_nodes_with_system_pods: bool,
    /// `--expendable-pods-priority-cutoff`.
    pub expendable_cutoff: i32,
    /// PodDisruptionBudgets the drain simulation honours.
    pub pdbs: Vec<PdbRule>,
    /// `--scale-down-non-empty-candidates-count`: non-empty nodes whose drain is simulated
    /// per loop.
    pub non_empty_candidates: u32,
    /// `--scale-down-candidates-pool-ratio` in percent: extra candidates (of all nodes) once a
    /// previously unneeded node is no longer valid.
    pub candidates_pool_ratio_pct: u32,
    /// `--scale-down-candidates-pool-min-count`.
    pub candidates_pool_min_count: u32,
    /// `--max-nodes-per-scaleup`: the most nodes one scale-up asks for.
    pub max_nodes_per_scaleup: u32,
}

impl AutoscalerConfig {
    /// Upstream defaults for `groups`.
    pub fn with_groups(groups: Vec<NodeGroup>) -> Self {
        AutoscalerConfig {
            groups,
            expander: ExpanderKind::Random,
            scan_interval_ms: 10_000,
            scale_down_enabled: true,
            unneeded_time_ms: 600_000,
            utilization_threshold_ppm: 500_000,
            delay_after_add_ms: 600_000,
            delay_after_delete_ms: 10_000,
            max_nodes_total: 0,
            max_empty_bulk_delete: 10,
            skip_nodes_with_system_pods: true,
            expendable_cutoff: -10,
            pdbs: Vec::new(),
            non_empty_candidates: 30,
            candidates_pool_ratio_pct: 10,
            candidates_pool_min_count: 50,
            max_nodes_per_scaleup: 1_000,
        }
    }
}
