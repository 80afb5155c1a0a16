//! `horizontalPodAutoscalers[]`: HorizontalPodAutoscalers shaped like `autoscaling/v2`
//! (`scaleTargetRef`, `minReplicas`, `maxReplicas`, `metrics`, `behavior`). Defaults are
//! upstream's (`pkg/apis/autoscaling/v2/defaults.go`): `minReplicas` 1, no metrics → CPU at
//! 80 % utilisation, and a `behavior` that is given has its missing rules filled in.

use serde::Deserialize;

/// Default CPU utilisation target when `metrics` is empty (upstream `DefaultCPUUtilization`).
pub const DEFAULT_CPU_UTILIZATION: i32 = 80;

/// One HorizontalPodAutoscaler.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HorizontalPodAutoscaler {
    /// Unique name (names its rows in `hpa.csv`).
    pub name: String,
    /// The workload it scales.
    pub scale_target_ref: ScaleTargetRef,
    /// Lower bound of the replicas it sets (default 1).
    #[serde(default)]
    pub min_replicas: Option<i32>,
    /// Upper bound of the replicas it sets.
    pub max_replicas: i32,
    /// What it scales on (default: CPU at 80 % of requests).
    #[serde(default)]
    pub metrics: Vec<MetricSpec>,
    /// Scale-up and scale-down rules (absent: upstream's controller defaults).
    #[serde(default)]
    pub behavior: Option<Behavior>,
}

impl HorizontalPodAutoscaler {
    /// `minReplicas` with its default.
    pub fn effective_min(&self) -> i32 {
        self.min_replicas.unwrap_or(1)
    }

    /// The metrics with the default applied: `(resource, averageUtilization)`.
    pub fn effective_metrics(&self) -> Vec<(String, i32)> {
        if self.metrics.is_empty() {
            return vec![("cpu".to_string(), DEFAULT_CPU_UTILIZATION)];
        }
        self.metrics
            .iter()
            .map(|m| {
                (
                    m.resource.name.clone(),
                    m.resource.target.average_utilization,
                )
            })
            .collect()
    }
}

/// `scaleTargetRef`: the workload by name (`kind` and `apiVersion` optional, checked when given).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ScaleTargetRef {
    /// Workload name.
    pub name: String,
    /// `Deployment` or `StatefulSet`; must match the workload's kind when given.
    #[serde(default)]
    pub kind: Option<String>,
    /// `apps/v1` when given.
    #[serde(default)]
    pub api_version: Option<String>,
}

/// `metrics[]`: only `type: Resource` is modelled.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MetricSpec {
    /// `Resource`.
    #[serde(rename = "type")]
    pub kind: MetricType,
    /// The resource and its target.
    pub resource: ResourceMetric,
}

/// A metric's `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum MetricType {
    /// A resource of the pods (`cpu`, `memory`) against their requests.
    Resource,
}

/// `metrics[].resource`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ResourceMetric {
    /// `cpu` or `memory`.
    pub name: String,
    /// The target.
    pub target: MetricTarget,
}

/// `metrics[].resource.target`: only `type: Utilization` is modelled.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MetricTarget {
    /// `Utilization`.
    #[serde(rename = "type")]
    pub kind: TargetType,
    /// Percent of the pods' requests (positive).
    pub average_utilization: i32,
}

/// A target's `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum TargetType {
    /// Average usage as a percentage of the requests.
    Utilization,
}

/// `behavior`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Behavior {
    /// Scale-up rules (default: window 0, `Max` of 4 pods and 100 % per 15 s).
    #[serde(default)]
    pub scale_up: Option<ScalingRules>,
    /// Scale-down rules (default: window 300 s, `Max` of 100 % per 15 s).
    #[serde(default)]
    pub scale_down: Option<ScalingRules>,
}

/// `behavior.scaleUp` / `behavior.scaleDown`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ScalingRules {
    /// Seconds of past recommendations considered (0..=3600).
    #[serde(default)]
    pub stabilization_window_seconds: Option<i32>,
    /// `Max` (default), `Min` or `Disabled`.
    #[serde(default)]
    pub select_policy: Option<SelectPolicy>,
    /// The rate limits (at least one when given).
    #[serde(default)]
    pub policies: Option<Vec<ScalingPolicy>>,
}

/// `selectPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum SelectPolicy {
    /// The policy allowing the largest change.
    Max,
    /// The policy allowing the smallest change.
    Min,
    /// No scaling in this direction.
    Disabled,
}

/// `policies[]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ScalingPolicy {
    /// `Pods` or `Percent`.
    #[serde(rename = "type")]
    pub kind: PolicyType,
    /// Pods, or percent of the replicas at the start of the period (positive).
    pub value: i32,
    /// The period (1..=1800 s).
    pub period_seconds: i32,
}

/// A policy's `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum PolicyType {
    /// A number of pods.
    Pods,
    /// A percentage of the current replicas.
    Percent,
}
