//! `scheduler`: a subset of `KubeSchedulerConfiguration` (`kubescheduler.config.k8s.io/v1`) in
//! upstream's own shape, so a real configuration can be pasted in.
//!
//! Defaults (applied by the scheduler model, documented here): `percentageOfNodesToScore` 0
//! (adaptive), `podInitialBackoffSeconds` 1, `podMaxBackoffSeconds` 10, one profile
//! `default-scheduler` with the default plugins and weights.

use serde::de::IgnoredAny;
use serde::Deserialize;

use super::affinity::TopologySpreadConstraint;
use super::non_negative::optional_non_negative;

/// Default `podInitialBackoffSeconds`.
pub const DEFAULT_POD_INITIAL_BACKOFF_SECONDS: u64 = 1;
/// Default `podMaxBackoffSeconds`.
pub const DEFAULT_POD_MAX_BACKOFF_SECONDS: u64 = 10;

/// `scheduler`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SchedulerConfig {
    /// Accepted and ignored, so a real configuration can be pasted.
    #[serde(default)]
    pub api_version: Option<String>,
    /// Accepted and ignored, so a real configuration can be pasted.
    #[serde(default)]
    pub kind: Option<String>,
    /// Accepted and ignored (no API server is simulated).
    #[serde(default)]
    pub client_connection: Option<IgnoredAny>,
    /// Accepted and ignored (one scheduler instance is simulated).
    #[serde(default)]
    pub leader_election: Option<IgnoredAny>,
    /// Accepted and ignored (the simulation is sequential).
    #[serde(default, deserialize_with = "optional_non_negative")]
    pub parallelism: Option<u32>,
    /// Percentage of nodes to score, 0..=100; 0 = adaptive.
    #[serde(default, deserialize_with = "optional_non_negative")]
    pub percentage_of_nodes_to_score: Option<u32>,
    /// Initial back-off of an unschedulable pod, in seconds.
    #[serde(default, deserialize_with = "optional_non_negative")]
    pub pod_initial_backoff_seconds: Option<u64>,
    /// Maximum back-off of an unschedulable pod, in seconds.
    #[serde(default, deserialize_with = "optional_non_negative")]
    pub pod_max_backoff_seconds: Option<u64>,
    /// Scheduling profiles, selected by the pods' `schedulerName`.
    #[serde(default)]
    pub profiles: Vec<Profile>,
    /// Simulator extension (not upstream): simulated time a scheduling cycle takes. Absent:
    /// cycles take no simulated time.
    #[serde(default)]
    pub cycle_cost: Option<CycleCostSpec>,
}

/// `scheduler.cycleCost`: a cycle costs `perCycle + perNodeExamined × nodes examined`, plus
/// `preemption` when it preempts. Omitted fields take the documented defaults.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CycleCostSpec {
    /// Fixed cost of every cycle (default 900µs).
    #[serde(default)]
    pub per_cycle: Option<crate::scenario::DurationNs>,
    /// Cost per node the cycle examines (default 1100ns).
    #[serde(default)]
    pub per_node_examined: Option<crate::scenario::DurationNs>,
    /// Extra cost of a cycle that preempts (default 0).
    #[serde(default)]
    pub preemption: Option<crate::scenario::DurationNs>,
}

/// `profiles[]`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Profile {
    /// Profile name (default `default-scheduler`).
    #[serde(default)]
    pub scheduler_name: Option<String>,
    /// Overrides the global percentage for this profile.
    #[serde(default, deserialize_with = "optional_non_negative")]
    pub percentage_of_nodes_to_score: Option<u32>,
    /// Plugins enabled or disabled relative to the defaults.
    #[serde(default)]
    pub plugins: Option<Plugins>,
    /// Per-plugin arguments.
    #[serde(default)]
    pub plugin_config: Vec<PluginConfig>,
}

impl Profile {
    /// The profile's name.
    pub fn name(&self) -> &str {
        self.scheduler_name
            .as_deref()
            .unwrap_or(super::pod::DEFAULT_SCHEDULER_NAME)
    }
}

/// `plugins`: per extension point, plugins enabled or disabled relative to the defaults.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Plugins {
    /// All extension points a plugin implements.
    #[serde(default)]
    pub multi_point: Option<PluginSet>,
    /// PreEnqueue.
    #[serde(default)]
    pub pre_enqueue: Option<PluginSet>,
    /// QueueSort.
    #[serde(default)]
    pub queue_sort: Option<PluginSet>,
    /// PreFilter.
    #[serde(default)]
    pub pre_filter: Option<PluginSet>,
    /// Filter.
    #[serde(default)]
    pub filter: Option<PluginSet>,
    /// PostFilter (preemption).
    #[serde(default)]
    pub post_filter: Option<PluginSet>,
    /// PreScore.
    #[serde(default)]
    pub pre_score: Option<PluginSet>,
    /// Score (weights apply here).
    #[serde(default)]
    pub score: Option<PluginSet>,
    /// Reserve.
    #[serde(default)]
    pub reserve: Option<PluginSet>,
    /// Permit.
    #[serde(default)]
    pub permit: Option<PluginSet>,
    /// PreBind.
    #[serde(default)]
    pub pre_bind: Option<PluginSet>,
    /// Bind.
    #[serde(default)]
    pub bind: Option<PluginSet>,
    /// PostBind.
    #[serde(default)]
    pub post_bind: Option<PluginSet>,
}

impl Plugins {
    /// Every extension point that is set, with its field name.
    pub fn extension_points(&self) -> impl Iterator<Item = (&'static str, &PluginSet)> {
        [
            ("multiPoint", &self.multi_point),
            ("preEnqueue", &self.pre_enqueue),
            ("queueSort", &self.queue_sort),
            ("preFilter", &self.pre_filter),
            ("filter", &self.filter),
            ("postFilter", &self.post_filter),
            ("preScore", &self.pre_score),
            ("score", &self.score),
            ("reserve", &self.reserve),
            ("permit", &self.permit),
            ("preBind", &self.pre_bind),
            ("bind", &self.bind),
            ("postBind", &self.post_bind),
        ]
        .into_iter()
        .filter_map(|(name, set)| set.as_ref().map(|s| (name, s)))
    }
}

/// Plugins enabled and disabled at one extension point.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PluginSet {
    /// Plugins to enable (or re-weight), after the defaults.
    #[serde(default)]
    pub enabled: Vec<PluginRef>,
    /// Default plugins to disable; `*` disables all.
    #[serde(default)]
    pub disabled: Vec<PluginRef>,
}

/// `{name, weight?}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PluginRef {
    /// Plugin name.
    pub name: String,
    /// Score weight (score and multiPoint only); absent or 0 = the plugin's default.
    #[serde(default)]
    pub weight: Option<i32>,
}

/// `pluginConfig[]`: `{name, args}`, with `args` typed by plugin name. An unknown plugin name
/// is an error.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "name", content = "args", deny_unknown_fields)]
pub enum PluginConfig {
    /// `NodeResourcesFit` arguments.
    NodeResourcesFit(NodeResourcesFitArgs),
    /// `NodeResourcesBalancedAllocation` arguments.
    NodeResourcesBalancedAllocation(NodeResourcesBalancedAllocationArgs),
    /// `PodTopologySpread` arguments.
    PodTopologySpread(PodTopologySpreadArgs),
    /// `InterPodAffinity` arguments.
    InterPodAffinity(InterPodAffinityArgs),
    /// `DefaultPreemption` arguments.
    DefaultPreemption(DefaultPreemptionArgs),
}

impl PluginConfig {
    /// The plugin the arguments are for.
    pub fn plugin_name(&self) -> &'static str {
        match self {
            PluginConfig::NodeResourcesFit(_) => "NodeResourcesFit",
            PluginConfig::NodeResourcesBalancedAllocation(_) => "NodeResourcesBalancedAllocation",
            PluginConfig::PodTopologySpread(_) => "PodTopologySpread",
            PluginConfig::InterPodAffinity(_) => "InterPodAffinity",
            PluginConfig::DefaultPreemption(_) => "DefaultPreemption",
        }
    }
}

/// `NodeResourcesFitArgs`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NodeResourcesFitArgs {
    /// How nodes are scored (default `LeastAllocated` over cpu and memory, weight 1 each).
    #[serde(default)]
    pub scoring_strategy: Option<ScoringStrategy>,
    /// Resources the filter ignores.
    #[serde(default)]
    pub ignored_resources: Vec<String>,
    /// Resource groups (name prefixes before `/`) the filter ignores.
    #[serde(default)]
    pub ignored_resource_groups: Vec<String>,
}

/// `scoringStrategy`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ScoringStrategy {
    /// Strategy (default `LeastAllocated`).
    #[serde(default, rename = "type")]
    pub strategy_type: Option<ScoringStrategyType>,
    /// Resources scored and their weights (default cpu and memory, weight 1 each).
    #[serde(default)]
    pub resources: Vec<ResourceSpec>,
    /// The utilization → score curve, for `RequestedToCapacityRatio`.
    #[serde(default)]
    pub requested_to_capacity_ratio: Option<RequestedToCapacityRatioParam>,
}

/// `scoringStrategy.type`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize)]
pub enum ScoringStrategyType {
    /// Prefer emptier nodes (spread).
    #[default]
    LeastAllocated,
    /// Prefer fuller nodes (bin packing).
    MostAllocated,
    /// Score by a piecewise-linear function of utilization.
    RequestedToCapacityRatio,
}

/// `{name, weight}` of a scored resource.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ResourceSpec {
    /// Resource name.
    pub name: String,
    /// Weight in 1..=100; absent or 0 means 1, as upstream defaulting.
    #[serde(default)]
    pub weight: Option<i64>,
}

impl ResourceSpec {
    /// The weight after upstream defaulting (absent or 0 → 1).
    pub fn effective_weight(&self) -> i64 {
        match self.weight {
            None | Some(0) => 1,
            Some(w) => w,
        }
    }
}

/// `requestedToCapacityRatio`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RequestedToCapacityRatioParam {
    /// Points of the curve, by increasing utilization.
    pub shape: Vec<UtilizationShapePoint>,
}

/// `{utilization, score}`: utilization 0..=100, score 0..=10.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UtilizationShapePoint {
    /// Utilization percentage.
    pub utilization: i32,
    /// Score at that utilization.
    pub score: i32,
}

/// `NodeResourcesBalancedAllocationArgs`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NodeResourcesBalancedAllocationArgs {
    /// Resources balanced (default cpu and memory).
    #[serde(default)]
    pub resources: Vec<ResourceSpec>,
}

/// `PodTopologySpreadArgs`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PodTopologySpreadArgs {
    /// Constraints for pods that have none (only with `defaultingType: List`).
    #[serde(default)]
    pub default_constraints: Vec<TopologySpreadConstraint>,
    /// `System` (built-in defaults, the default) or `List`.
    #[serde(default)]
    pub defaulting_type: Option<PodTopologySpreadDefaultingType>,
}

/// `defaultingType`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize)]
pub enum PodTopologySpreadDefaultingType {
    /// Upstream's built-in soft zone and hostname constraints.
    #[default]
    System,
    /// `defaultConstraints` as listed.
    List,
}

/// `InterPodAffinityArgs`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct InterPodAffinityArgs {
    /// Weight of existing pods' required affinity terms when scoring, 0..=100 (default 1).
    #[serde(default)]
    pub hard_pod_affinity_weight: Option<i32>,
    /// Ignore existing pods' preferred terms when scoring.
    #[serde(default)]
    pub ignore_preferred_terms_of_existing_pods: bool,
}

/// `DefaultPreemptionArgs`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DefaultPreemptionArgs {
    /// Candidate nodes to try, as a percentage of nodes, 0..=100 (default 10).
    #[serde(default)]
    pub min_candidate_nodes_percentage: Option<i32>,
    /// Candidate nodes to try, absolute (default 100).
    #[serde(default)]
    pub min_candidate_nodes_absolute: Option<i32>,
}
