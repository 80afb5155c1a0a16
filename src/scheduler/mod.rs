//! kube-scheduler model: scheduling queue with backoff, filter and score plugins of the default
//! profile, adaptive `percentageOfNodesToScore` sampling, tie-breaking and DefaultPreemption.
//!
//! Architecture invariant: the scheduler only *decides*. It reads `&World` and returns an
//! [`Outcome`]; the simulation applies it (binds, deletes victims). It knows nothing of files,
//! events or controllers.
//!
//! INTERFACE CONTRACT (other modules rely on these names and signatures).
//!
//! Code map:
//! * `config.rs`: the upstream default profile and its resolution against a world
//!   (plugin weights, resource ids, `numFeasibleNodesToFind`).
//! * `cache.rs`: node classes (label set, taint set, cordon) and the per-template verdict of
//!   the static filters (NodeUnschedulable, TaintToleration, NodeAffinity) plus the static
//!   score inputs (PreferNoSchedule count, preferred node-affinity sum).
//! * `filter.rs`: the per-node filters in upstream order and the reason strings.
//! * `spread.rs`: PodTopologySpread pre-filter / pre-score state from the incremental
//!   pod-group counts.
//! * `score.rs`: the score formulas and normalisations, as pure integer functions.
//! * `plugins/`: the typed extension points ([`ScorePlugin`], [`FilterPlugin`]) and one file
//!   per upstream plugin (its dynamic Filter and its Score); `plugins/fused.rs` is the fused
//!   fast path of the default profile's two resource scores.
//! * `cost.rs`: the opt-in simulated time of a cycle (`scheduler.cycleCost`) and the
//!   scheduler's clock.
//! * `cycle.rs`: one scheduling cycle (sampling, filtering, scoring, `selectHost`) shared by
//!   `schedule` and `explain`; `filt.rs` its per-node filter context (static verdicts,
//!   dynamic filters with nominations, the verdict cache), `prioritize.rs` its score pass,
//!   `one_pass.rs` the one-pass cycle when only the resource scores vary, `spread_pass.rs`
//!   the two-pass cycle when the system-default soft spread varies too.
//! * `preempt.rs`: DefaultPreemption (PostFilter) and its dry run; `preempt_cache.rs` the
//!   exact per-(signature, node) cache of victim selections.
//! * `explain.rs`: `explain`, one cycle run for show (summary line, per-node verdicts and
//!   scores, the preemption dry run's verdict).
//! * `queue.rs`: activeQ / backoffQ / unschedulable pool.
//! * `verdicts.rs`: the exact per-(template, node) cache of filter verdicts and resource
//!   scores, invalidated by per-node versions from `World::node_changes` (on with the memo).
//! * `signature.rs`: scheduling signatures (templates a cycle cannot tell apart share the memo
//!   and the caches).
//! * `memo.rs`: the exact per-template failure memo (a retry of a pod that fits nowhere
//!   re-checks only the nodes that changed since its template last failed).
//!
//! Fidelity: filters, scores, normalisations and tie-breaking follow upstream's integer (and,
//! where upstream uses it, float64) arithmetic; the tests copy upstream's plugin test tables.
//! Known, deliberate deviations:
//! * Filtering is sequential: nodes are examined in `node_order` from the rotating start index
//!   and the search stops exactly at the `numFeasibleNodesToFind`-th feasible node (upstream's
//!   16 parallel workers may examine a few extra nodes). The preemption dry run is sequential
//!   from its random offset too, and ties in `pickOneNodeForPreemption` go to the first
//!   candidate found (upstream: map iteration order).
//! * Pods nominated by preemption reserve their requests (and a pod slot) on their node for
//!   pods of lower priority, as `RunFilterPluginsWithNominatedPods` does; their effect on
//!   spread and inter-pod affinity counts is not modelled.
//! * Required pod affinity with several terms counts matching pods per term (upstream counts
//!   pods matching all terms); identical for the usual single term.
//! * ImageLocality sums each distinct image once (upstream: once per container naming it) and
//!   spreads over the nodes in `node_order` (removed nodes excluded).
//! * TaintToleration reports the first untolerated taint in the interned (sorted) taint order;
//!   NodeResourcesFit lists extended resources in resource-id order (upstream: map order).
//! * Node labels are assumed not to change after a node is created (cached node-inclusion for
//!   PodTopologySpread is keyed by the node count); taints and cordons may change at any time.
//! * Preemption eligibility does not check for victims still terminating on the nominated node
//!   (the world has no terminating state).
//! * Queueing hints are coarse: every release of a bound pod and every node change moves every
//!   unschedulable pod (upstream's NodeResourcesFit hint; upstream skips pods rejected only by
//!   the static plugins on pod deletions, and also requeues pods rejected by InterPodAffinity /
//!   PodTopologySpread when a matching pod is bound).
//!
//! Not a deviation: the failure memo (`memo.rs`, on in simulations) answers a retry of a pod
//! that fits nowhere from its template's last failure plus the nodes changed since; outcome,
//! message and RNG draws equal the full cycle's. It relies on every write to a node field the
//! filters read being recorded in `World::node_changes` (`World::mark_node_changed`).

use crate::cluster::{NodeId, PodId};

mod cache;
mod config;
mod cost;
mod cycle;
mod explain;
mod filt;
mod filter;
mod memo;
mod one_pass;
pub mod plugins;
mod preempt;
mod preempt_cache;
mod prioritize;
mod queue;
pub mod score;
mod select;
mod signature;
mod simulate;
mod spread;
mod spread_pass;
mod verdicts;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod testutil;

pub use config::num_feasible_nodes_to_find;
pub use cost::{CycleCost, SchedulerClock};
pub use cycle::Scheduler;
pub use plugins::{FilterPlugin, Normalization, ScorePlugin};
pub use preempt::{NoPdbs, PdbOracle};
pub use queue::SchedulingQueue;
pub use simulate::StaticFilter;

/// Score plugin names exactly as upstream, in column order (from [`ScorePlugin::ALL`]).
pub const SCORE_PLUGINS: [&str; plugins::N_SCORE_PLUGINS] = plugins::SCORE_PLUGIN_NAMES;

/// Scheduler configuration (a resolved KubeSchedulerConfiguration). `Default` is upstream's.
#[derive(Clone, Debug, PartialEq)]
pub struct SchedulerConfig {
    /// Global `percentageOfNodesToScore` (0 = adaptive).
    pub percentage_of_nodes_to_score: u32,
    /// `podInitialBackoffSeconds` in ms (default 1 s).
    pub initial_backoff_ms: u64,
    /// `podMaxBackoffSeconds` in ms (default 10 s).
    pub max_backoff_ms: u64,
    /// Profiles; index 0 is `default-scheduler`.
    pub profiles: Vec<Profile>,
    /// Simulated time a cycle takes (`scheduler.cycleCost`); None: cycles take no time.
    pub cycle_cost: Option<CycleCost>,
}

/// One scheduling profile.
#[derive(Clone, Debug, PartialEq)]
pub struct Profile {
    /// `schedulerName`.
    pub name: String,
    /// Profile-level `percentageOfNodesToScore` override.
    pub percentage_of_nodes_to_score: Option<u32>,
    /// Enabled score plugins with weights, in upstream order (names from [`SCORE_PLUGINS`]).
    pub score_weights: Vec<(String, i64)>,
    /// Disabled filter plugins by name (e.g. "PodTopologySpread").
    pub disabled_filters: Vec<String>,
    /// NodeResourcesFit scoring strategy.
    pub fit_strategy: ScoringStrategy,
    /// NodeResourcesFit `ignoredResources`.
    pub ignored_resources: Vec<String>,
    /// NodeResourcesFit `ignoredResourceGroups`.
    pub ignored_resource_groups: Vec<String>,
    /// NodeResourcesBalancedAllocation resources with weights.
    pub balanced_resources: Vec<(String, i64)>,
    /// InterPodAffinity `hardPodAffinityWeight` (default 1).
    pub hard_pod_affinity_weight: i64,
    /// InterPodAffinity `ignorePreferredTermsOfExistingPods` (default false): when the pod has
    /// no preferred (anti-)affinity terms of its own, the plugin's score is skipped.
    pub ignore_preferred_terms_of_existing_pods: bool,
    /// DefaultPreemption enabled.
    pub preemption: bool,
    /// DefaultPreemption `minCandidateNodesPercentage` (10).
    pub min_candidate_nodes_percentage: u32,
    /// DefaultPreemption `minCandidateNodesAbsolute` (100).
    pub min_candidate_nodes_absolute: u32,
}

/// NodeResourcesFit scoring strategy.
#[derive(Clone, Debug, PartialEq)]
pub enum ScoringStrategy {
    /// Prefer nodes with the most free resources (default).
    LeastAllocated {
        /// Resources with weights.
        resources: Vec<(String, i64)>,
    },
    /// Prefer nodes with the least free resources (bin packing).
    MostAllocated {
        /// Resources with weights.
        resources: Vec<(String, i64)>,
    },
    /// Piecewise-linear function of utilisation, shape points `(utilization 0..100, score 0..10)`.
    RequestedToCapacityRatio {
        /// Resources with weights.
        resources: Vec<(String, i64)>,
        /// Shape points.
        shape: Vec<(i64, i64)>,
    },
}

/// What one scheduling cycle decided for a pod.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Bind the pod to `node`; `score` is its total score (0 when no scoring happened).
    Bind {
        /// Selected node.
        node: NodeId,
        /// Total weighted score of the selected node.
        score: i64,
    },
    /// No feasible node. `reason` summarises the filter failures upstream-style
    /// (e.g. `0/7000 nodes are available: 6990 Insufficient cpu, 10 node(s) had untolerated taint`).
    /// If preemption found a node, `nominated` is set and `victims` must be deleted.
    Unschedulable {
        /// Summary of why no node fits.
        reason: String,
        /// Node nominated by preemption.
        nominated: Option<NodeId>,
        /// Pods to delete so the pod can fit on `nominated`.
        victims: Vec<PodId>,
    },
}

/// One node's verdict and scores in an [`Explanation`].
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct NodeExplanation {
    /// Node name.
    pub node: String,
    /// Passed every filter.
    pub feasible: bool,
    /// First failing filter plugin and reason (e.g. `NodeResourcesFit: Insufficient cpu`).
    pub reason: Option<String>,
    /// Per score plugin (upstream names): raw, normalized and weighted scores.
    pub scores: std::collections::BTreeMap<String, PluginScore>,
    /// Sum of weighted scores.
    pub total: i64,
}

/// One plugin's score for one node.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct PluginScore {
    /// Score returned by the plugin's Score.
    pub raw: i64,
    /// After NormalizeScore (equal to raw for plugins without normalisation).
    pub normalized: i64,
    /// normalized × weight.
    pub weighted: i64,
}

/// How the scheduler would place a pod of a template (the `explain` command).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Explanation {
    /// Pod name.
    pub pod: String,
    /// The pod is an actual pending pod (false: a hypothetical next pod of the workload).
    pub pending: bool,
    /// Nodes examined (sampling applies unless all nodes were requested).
    pub nodes_examined: usize,
    /// Selected node, if any.
    pub selected: Option<String>,
    /// When no node fits: upstream's summary, as in the pod's `FailedScheduling` event
    /// (`0/2003 nodes are available: 1500 Insufficient cpu, …`).
    pub summary: Option<String>,
    /// When no node fits: whether preemption would help.
    pub preemption: Option<PreemptionExplanation>,
    /// Every examined node.
    pub nodes: Vec<NodeExplanation>,
}

/// The preemption dry run's verdict in an [`Explanation`].
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct PreemptionExplanation {
    /// Preempting would make room for the pod.
    pub helps: bool,
    /// The node preemption would nominate.
    pub node: Option<String>,
    /// The pods it would delete, most important first.
    pub victims: Vec<PreemptionVictim>,
    /// Upstream-style text (`preemption: 0/3 nodes are available: …` when it would not help).
    pub message: String,
}

/// One pod preemption would delete.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct PreemptionVictim {
    /// Pod name.
    pub pod: String,
    /// Its priority.
    pub priority: i32,
}
