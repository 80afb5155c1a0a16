//! The pod template: a Kubernetes `PodSpec` subset plus labels, and the request arithmetic
//! upstream applies to it (effective request, QoS class).

use std::collections::BTreeMap;

use serde::de::IntoDeserializer;
use serde::{Deserialize, Deserializer};

use super::affinity::{Affinity, TopologySpreadConstraint};
use super::cluster::TaintEffect;
use super::ResourceList;
use crate::scenario::quantity::Quantity;

/// The scheduler profile a pod uses when `schedulerName` is not set.
pub const DEFAULT_SCHEDULER_NAME: &str = "default-scheduler";

/// `template`: what every pod of a workload looks like.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PodTemplate {
    /// Pod labels (selected by spread constraints and pod affinity).
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Node labels the pod requires (exact matches).
    #[serde(default)]
    pub node_selector: BTreeMap<String, String>,
    /// Node and pod (anti-)affinity.
    #[serde(default)]
    pub affinity: Option<Affinity>,
    /// Taints the pod tolerates.
    #[serde(default)]
    pub tolerations: Vec<Toleration>,
    /// Spread over topology domains.
    #[serde(default)]
    pub topology_spread_constraints: Vec<TopologySpreadConstraint>,
    /// Scheduler profile; default [`DEFAULT_SCHEDULER_NAME`].
    #[serde(default)]
    pub scheduler_name: Option<String>,
    /// Priority class (may instead be given on the workload, not both).
    #[serde(default)]
    pub priority_class_name: Option<String>,
    /// Explicit priority (may instead be given on the workload, not both).
    #[serde(default)]
    pub priority: Option<i32>,
    /// Whether the pod may preempt; default from its priority class, else `PreemptLowerPriority`.
    #[serde(default)]
    pub preemption_policy: Option<PreemptionPolicy>,
    /// Init containers, run in order before `containers`; those with `restartPolicy: Always`
    /// are sidecars that keep running.
    #[serde(default)]
    pub init_containers: Vec<Container>,
    /// The app containers (at least one).
    #[serde(default)]
    pub containers: Vec<Container>,
    /// Pod overhead, added to the effective request.
    #[serde(default)]
    pub overhead: ResourceList,
}

impl PodTemplate {
    /// The scheduler profile the pod asks for.
    pub fn scheduler_name(&self) -> &str {
        self.scheduler_name
            .as_deref()
            .unwrap_or(DEFAULT_SCHEDULER_NAME)
    }

    /// The pod's effective request per resource, as the scheduler and kubelet compute it
    /// (`k8s.io/component-helpers/resource.PodRequests`):
    /// `max(Σ containers + Σ sidecars, max over init containers of (init + sidecars started
    /// before it)) + overhead`, with missing requests defaulted from limits.
    pub fn effective_requests(&self) -> ResourceList {
        let mut total = ResourceList::new();
        for container in &self.containers {
            add_into(&mut total, &container.requests_with_defaults());
        }
        let mut sidecars = ResourceList::new();
        let mut init_peak = ResourceList::new();
        for init in &self.init_containers {
            let requests = init.requests_with_defaults();
            let during_init = if init.is_sidecar() {
                add_into(&mut total, &requests);
                add_into(&mut sidecars, &requests);
                sidecars.clone()
            } else {
                let mut sum = requests;
                add_into(&mut sum, &sidecars);
                sum
            };
            max_into(&mut init_peak, &during_init);
        }
        max_into(&mut total, &init_peak);
        add_into(&mut total, &self.overhead);
        total
    }

    /// The pod's QoS class (`pkg/apis/core/v1/helper/qos`): only cpu and memory count, only
    /// quantities above zero, init containers included.
    pub fn qos_class(&self) -> QosClass {
        const COMPUTE: [&str; 2] = ["cpu", "memory"];
        let positive =
            |list: &ResourceList, name: &str| list.get(name).is_some_and(|q| *q > Quantity::ZERO);
        let containers = || self.init_containers.iter().chain(&self.containers);
        let best_effort = containers().all(|c| {
            COMPUTE
                .iter()
                .all(|r| !positive(&c.resources.requests, r) && !positive(&c.resources.limits, r))
        });
        if best_effort {
            return QosClass::BestEffort;
        }
        let all_limited =
            containers().all(|c| COMPUTE.iter().all(|r| positive(&c.resources.limits, r)));
        let requests_equal_limits = COMPUTE.iter().all(|r| {
            let sum = |f: fn(&Container) -> ResourceList| {
                containers().fold(Quantity::ZERO, |acc, c| {
                    acc + f(c).get(*r).copied().unwrap_or_default()
                })
            };
            sum(Container::requests_with_defaults) == sum(|c| c.resources.limits.clone())
        });
        if all_limited && requests_equal_limits {
            QosClass::Guaranteed
        } else {
            QosClass::Burstable
        }
    }
}

fn add_into(target: &mut ResourceList, other: &ResourceList) {
    for (name, q) in other {
        *target.entry(name.clone()).or_default() += *q;
    }
}

fn max_into(target: &mut ResourceList, other: &ResourceList) {
    for (name, q) in other {
        let slot = target.entry(name.clone()).or_default();
        if *q > *slot {
            *slot = *q;
        }
    }
}

/// A pod's quality-of-service class, which orders evictions and OOM kills.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QosClass {
    /// Every container has cpu and memory limits equal to its requests.
    Guaranteed,
    /// Some requests or limits, but not Guaranteed.
    Burstable,
    /// No cpu or memory requests or limits at all.
    BestEffort,
}

/// `containers[]` / `initContainers[]`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Container {
    /// Container name, unique within the pod.
    pub name: String,
    /// Image reference; used by ImageLocality.
    #[serde(default)]
    pub image: Option<String>,
    /// Requests and limits.
    #[serde(default)]
    pub resources: ResourceRequirements,
    /// Only for init containers: `Always` makes it a sidecar.
    #[serde(default)]
    pub restart_policy: Option<ContainerRestartPolicy>,
    /// Takes the pod out of its services' endpoints while failing (services model).
    #[serde(default)]
    pub readiness_probe: Option<super::services::Probe>,
    /// Restarts the container after repeated failures (services model).
    #[serde(default)]
    pub liveness_probe: Option<super::services::Probe>,
    /// Gates the other probes until it succeeds (services model).
    #[serde(default)]
    pub startup_probe: Option<super::services::Probe>,
}

impl Container {
    /// Whether this (init) container is a sidecar (`restartPolicy: Always`).
    pub fn is_sidecar(&self) -> bool {
        self.restart_policy == Some(ContainerRestartPolicy::Always)
    }

    /// Requests after API defaulting: a resource with a limit but no request requests its
    /// limit.
    pub fn requests_with_defaults(&self) -> ResourceList {
        let mut requests = self.resources.requests.clone();
        for (name, limit) in &self.resources.limits {
            requests.entry(name.clone()).or_insert(*limit);
        }
        requests
    }
}

/// `resources`: requests and limits by resource name.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ResourceRequirements {
    /// What the scheduler reserves.
    #[serde(default)]
    pub requests: ResourceList,
    /// Caps enforced at run time.
    #[serde(default)]
    pub limits: ResourceList,
}

/// A container's `restartPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
pub enum ContainerRestartPolicy {
    /// Restart always: on an init container, a sidecar.
    Always,
}

/// `preemptionPolicy` of a pod or priority class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
pub enum PreemptionPolicy {
    /// May evict lower-priority pods to make room (the default).
    PreemptLowerPriority,
    /// Never preempts; only waits in the queue ahead of lower priorities.
    Never,
}

/// `tolerations[]`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Toleration {
    /// Taint key; empty with `Exists` tolerates everything.
    #[serde(default)]
    pub key: String,
    /// `Equal` (default) or `Exists`.
    #[serde(default)]
    pub operator: TolerationOperator,
    /// Taint value to match with `Equal`.
    #[serde(default)]
    pub value: String,
    /// Effect tolerated; absent or `""` means all effects.
    #[serde(default, deserialize_with = "empty_effect_is_none")]
    pub effect: Option<TaintEffect>,
    /// For `NoExecute`: how long the pod stays bound after the taint appears.
    #[serde(default)]
    pub toleration_seconds: Option<i64>,
}

/// A toleration's `operator`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize)]
pub enum TolerationOperator {
    /// Key and value must equal the taint's.
    #[default]
    Equal,
    /// Only the key must match (any value).
    Exists,
}

/// Reads a toleration `effect`, where `""` (like absence) means "all effects".
fn empty_effect_is_none<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<TaintEffect>, D::Error> {
    match Option::<String>::deserialize(deserializer)?.as_deref() {
        None | Some("") => Ok(None),
        Some(effect) => TaintEffect::deserialize(effect.into_deserializer()).map(Some),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn container(requests: &[(&str, &str)], limits: &[(&str, &str)], sidecar: bool) -> Container {
        let list = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.parse().unwrap()))
                .collect()
        };
        Container {
            name: "c".into(),
            resources: ResourceRequirements {
                requests: list(requests),
                limits: list(limits),
            },
            restart_policy: sidecar.then_some(ContainerRestartPolicy::Always),
            ..Container::default()
        }
    }

    #[test]
    fn effective_request_follows_upstream_example() {
        // From the upstream comment: init {2 CPU,1G},{2 CPU,3G}; containers {2,1G},{1,1G}
        // ⇒ CPU 3, memory 3G.
        let pod = PodTemplate {
            init_containers: vec![
                container(&[("cpu", "2"), ("memory", "1G")], &[], false),
                container(&[("cpu", "2"), ("memory", "3G")], &[], false),
            ],
            containers: vec![
                container(&[("cpu", "2"), ("memory", "1G")], &[], false),
                container(&[("cpu", "1"), ("memory", "1G")], &[], false),
            ],
            ..PodTemplate::default()
        };
        let requests = pod.effective_requests();
        assert_eq!(requests["cpu"], "3".parse().unwrap());
        assert_eq!(requests["memory"], "3G".parse().unwrap());
    }

    #[test]
    fn sidecars_add_to_containers_and_later_inits() {
        let pod = PodTemplate {
            init_containers: vec![
                container(&[("cpu", "1")], &[], true),
                container(&[("cpu", "3")], &[], false),
            ],
            containers: vec![container(&[("cpu", "1")], &[], false)],
            overhead: [("cpu".to_string(), "100m".parse().unwrap())].into(),
            ..PodTemplate::default()
        };
        // max(1 + 1, 3 + 1) + 0.1
        assert_eq!(pod.effective_requests()["cpu"].milli_value(), 4100);
    }

    #[test]
    fn limits_default_requests_and_qos() {
        let guaranteed = PodTemplate {
            containers: vec![container(&[], &[("cpu", "1"), ("memory", "1Gi")], false)],
            ..PodTemplate::default()
        };
        assert_eq!(guaranteed.effective_requests()["memory"].value(), 1 << 30);
        assert_eq!(guaranteed.qos_class(), QosClass::Guaranteed);
        let burstable = PodTemplate {
            containers: vec![container(&[("cpu", "1")], &[], false)],
            ..PodTemplate::default()
        };
        assert_eq!(burstable.qos_class(), QosClass::Burstable);
        let best_effort = PodTemplate {
            containers: vec![container(&[("nvidia.com/gpu", "1")], &[], false)],
            ..PodTemplate::default()
        };
        assert_eq!(best_effort.qos_class(), QosClass::BestEffort);
    }
}
