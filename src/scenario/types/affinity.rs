//! Placement constraints in upstream's shapes: node affinity, pod (anti-)affinity, label
//! selectors and topology spread constraints (`k8s.io/api/core/v1`).

use std::collections::BTreeMap;

use serde::Deserialize;

/// `affinity`: node affinity and pod (anti-)affinity.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Affinity {
    /// Constraints on the node's labels and fields.
    #[serde(default)]
    pub node_affinity: Option<NodeAffinity>,
    /// Co-locate with pods matching a selector.
    #[serde(default)]
    pub pod_affinity: Option<PodAffinity>,
    /// Keep away from pods matching a selector.
    #[serde(default)]
    pub pod_anti_affinity: Option<PodAffinity>,
}

/// `nodeAffinity`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NodeAffinity {
    /// Hard constraint: the node must match at least one term.
    #[serde(default)]
    pub required_during_scheduling_ignored_during_execution: Option<NodeSelector>,
    /// Soft constraint: each matching term adds its weight to the node's score.
    #[serde(default)]
    pub preferred_during_scheduling_ignored_during_execution: Vec<PreferredSchedulingTerm>,
}

/// A node selector: the terms are ORed.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NodeSelector {
    /// Terms, any of which may match.
    pub node_selector_terms: Vec<NodeSelectorTerm>,
}

/// One node selector term: all requirements must hold (ANDed).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NodeSelectorTerm {
    /// Requirements on node labels.
    #[serde(default)]
    pub match_expressions: Vec<NodeSelectorRequirement>,
    /// Requirements on node fields (upstream supports only `metadata.name`).
    #[serde(default)]
    pub match_fields: Vec<NodeSelectorRequirement>,
}

/// `{key, operator, values}` matched against a node label or field.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NodeSelectorRequirement {
    /// Label key (or field name for `matchFields`).
    pub key: String,
    /// How `key` relates to `values`.
    pub operator: NodeSelectorOperator,
    /// Values; one integer for `Gt`/`Lt`, none for `Exists`/`DoesNotExist`.
    #[serde(default)]
    pub values: Vec<String>,
}

/// Operators of node selector requirements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
pub enum NodeSelectorOperator {
    /// The label's value is in `values`.
    In,
    /// The label is absent or its value is not in `values`.
    NotIn,
    /// The label is present.
    Exists,
    /// The label is absent.
    DoesNotExist,
    /// The label's value, as an integer, is greater than the single value.
    Gt,
    /// The label's value, as an integer, is less than the single value.
    Lt,
}

/// A weighted soft node affinity term.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PreferredSchedulingTerm {
    /// Weight in 1..=100.
    pub weight: i32,
    /// The term a node must match to get the weight.
    pub preference: NodeSelectorTerm,
}

/// `podAffinity` or `podAntiAffinity` (same shape).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PodAffinity {
    /// Hard terms: all must hold.
    #[serde(default)]
    pub required_during_scheduling_ignored_during_execution: Vec<PodAffinityTerm>,
    /// Soft terms: each adds (or for anti-affinity subtracts) its weight.
    #[serde(default)]
    pub preferred_during_scheduling_ignored_during_execution: Vec<WeightedPodAffinityTerm>,
}

/// Pods matching `labelSelector` (in `namespaces`) within the same `topologyKey` domain.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PodAffinityTerm {
    /// Which pods count; absent matches no pods, as upstream.
    #[serde(default)]
    pub label_selector: Option<LabelSelector>,
    /// Node label defining the domain (e.g. `topology.kubernetes.io/zone`).
    pub topology_key: String,
    /// Namespaces to look in; empty means the pod's own namespace.
    #[serde(default)]
    pub namespaces: Vec<String>,
}

/// A weighted soft pod (anti-)affinity term.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WeightedPodAffinityTerm {
    /// Weight in 1..=100.
    pub weight: i32,
    /// The term.
    pub pod_affinity_term: PodAffinityTerm,
}

/// A label selector: `matchLabels` and `matchExpressions`, ANDed. Empty matches everything.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LabelSelector {
    /// Exact label matches.
    #[serde(default)]
    pub match_labels: BTreeMap<String, String>,
    /// Set-based requirements.
    #[serde(default)]
    pub match_expressions: Vec<LabelSelectorRequirement>,
}

/// `{key, operator, values}` matched against a pod label.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LabelSelectorRequirement {
    /// Label key.
    pub key: String,
    /// How `key` relates to `values`.
    pub operator: LabelSelectorOperator,
    /// Values; none for `Exists`/`DoesNotExist`.
    #[serde(default)]
    pub values: Vec<String>,
}

/// Operators of label selector requirements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
pub enum LabelSelectorOperator {
    /// The label's value is in `values`.
    In,
    /// The label is absent or its value is not in `values`.
    NotIn,
    /// The label is present.
    Exists,
    /// The label is absent.
    DoesNotExist,
}

/// `topologySpreadConstraints[]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TopologySpreadConstraint {
    /// Largest allowed difference in matching pods between two domains (at least 1).
    pub max_skew: i32,
    /// Node label defining the domains.
    pub topology_key: String,
    /// Filter (`DoNotSchedule`) or only score (`ScheduleAnyway`).
    pub when_unsatisfiable: UnsatisfiableConstraintAction,
    /// Which pods are counted; absent counts no pods.
    #[serde(default)]
    pub label_selector: Option<LabelSelector>,
    /// Minimum number of eligible domains (only with `DoNotSchedule`).
    #[serde(default)]
    pub min_domains: Option<i32>,
    /// Whether node affinity / nodeSelector limit the domains (default `Honor`).
    #[serde(default)]
    pub node_affinity_policy: Option<NodeInclusionPolicy>,
    /// Whether node taints limit the domains (default `Ignore`).
    #[serde(default)]
    pub node_taints_policy: Option<NodeInclusionPolicy>,
    /// Pod label keys whose values are added to the selector.
    #[serde(default)]
    pub match_label_keys: Vec<String>,
}

/// `whenUnsatisfiable`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
pub enum UnsatisfiableConstraintAction {
    /// Hard: nodes that would exceed the skew are filtered out.
    DoNotSchedule,
    /// Soft: the skew only lowers the score.
    ScheduleAnyway,
}

/// `nodeAffinityPolicy` / `nodeTaintsPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
pub enum NodeInclusionPolicy {
    /// Only nodes passing the check count as domains.
    Honor,
    /// All nodes count.
    Ignore,
}
