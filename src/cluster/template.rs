//! Engine-side pod templates: everything the scheduler and kubelet need about a pod, resolved
//! from the scenario once (effective requests, QoS, interned labels and constraints).

use super::groups::{GroupId, TopoKeyId};
use super::intern::Sym;
use super::labels::{LabelSelector, LabelSet, NodeSelector, PreferredTerm};
use super::nodes::ImageId;
use super::taints::Toleration;

/// The kind of controller that owns a pod.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OwnerKind {
    /// Deployment (through a ReplicaSet).
    Deployment,
    /// StatefulSet (ordinal names).
    StatefulSet,
    /// DaemonSet (one pod per matching node).
    DaemonSet,
    /// Job.
    Job,
    /// A bare pod with no controller.
    Bare,
}

/// QoS class, as upstream `GetPodQOS` computes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum QosClass {
    /// Every container has cpu and memory limits equal to requests.
    Guaranteed,
    /// Anything in between.
    Burstable,
    /// No container has any cpu/memory request or limit.
    BestEffort,
}

impl QosClass {
    /// Upstream spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            QosClass::Guaranteed => "Guaranteed",
            QosClass::Burstable => "Burstable",
            QosClass::BestEffort => "BestEffort",
        }
    }
}

/// Role of a container in the pod.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContainerRole {
    /// Regular container.
    Regular,
    /// Init container that runs to completion before the regular containers.
    Init,
    /// Restartable init container (sidecar, `restartPolicy: Always`).
    Sidecar,
}

/// CPU/memory requests and limits of one container (None = unset), for QoS and the usage model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContainerSpec {
    /// Container name.
    pub name: String,
    /// Role.
    pub role: ContainerRole,
    /// CPU request, millicores.
    pub cpu_request: Option<i64>,
    /// Memory request, bytes.
    pub mem_request: Option<i64>,
    /// CPU limit, millicores.
    pub cpu_limit: Option<i64>,
    /// Memory limit, bytes.
    pub mem_limit: Option<i64>,
}

/// A topology spread constraint, resolved (system defaults included).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpreadConstraint {
    /// `maxSkew`.
    pub max_skew: i64,
    /// Topology key.
    pub key: TopoKeyId,
    /// `DoNotSchedule` (filter) when true; `ScheduleAnyway` (score) when false.
    pub hard: bool,
    /// Pods counted: those matching the constraint's selector in the pod's namespace.
    pub group: GroupId,
    /// Whether the incoming pod itself matches the selector.
    pub self_match: bool,
    /// `minDomains` (hard constraints only).
    pub min_domains: Option<u32>,
    /// `nodeAffinityPolicy: Honor` (default): count only nodes matching the pod's node affinity.
    pub honor_node_affinity: bool,
    /// `nodeTaintsPolicy: Honor`: count only nodes whose taints the pod tolerates (default Ignore).
    pub honor_taints: bool,
}

/// A pod (anti-)affinity term: pods of `group` in the same `key` domain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AffinityTerm {
    /// Pods matching the term's selector and namespaces.
    pub group: GroupId,
    /// Topology key.
    pub key: TopoKeyId,
    /// Whether the incoming pod itself matches the term (affinity's first-pod special case).
    pub self_match: bool,
}

/// How an existing pod's term acts on an incoming pod that it selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExistingTermKind {
    /// Existing pod's required anti-affinity: the incoming pod must avoid the domain (filter).
    RequiredAntiAffinity,
    /// Existing pod's required affinity: adds `hardPodAffinityWeight` per pod (score).
    RequiredAffinity,
    /// Existing pod's preferred affinity with this weight (score, +).
    PreferredAffinity(i64),
    /// Existing pod's preferred anti-affinity with this weight (score, −).
    PreferredAntiAffinity(i64),
}

/// A term carried by existing pods that selects pods of this template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExistingTerm {
    /// The pods that carry the term.
    pub owners: GroupId,
    /// Topology key.
    pub key: TopoKeyId,
    /// Effect on the incoming pod.
    pub kind: ExistingTermKind,
}

/// Pod affinity and anti-affinity of a template.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PodAffinity {
    /// `podAffinity.required…`.
    pub required: Vec<AffinityTerm>,
    /// `podAffinity.preferred…` with weights.
    pub preferred: Vec<(i64, AffinityTerm)>,
    /// `podAntiAffinity.required…`.
    pub anti_required: Vec<AffinityTerm>,
    /// `podAntiAffinity.preferred…` with weights.
    pub anti_preferred: Vec<(i64, AffinityTerm)>,
}

impl PodAffinity {
    /// True when the template has no pod (anti-)affinity term at all.
    pub fn is_empty(&self) -> bool {
        self.required.is_empty()
            && self.preferred.is_empty()
            && self.anti_required.is_empty()
            && self.anti_preferred.is_empty()
    }
}

/// A pod template as the engine sees it.
#[derive(Clone, Debug)]
pub struct PodTemplate {
    /// The owning workload's name (pods are named `<name>-<ordinal>`).
    pub name: String,
    /// Namespace.
    pub namespace: Sym,
    /// Pod labels.
    pub labels: LabelSet,
    /// Owner kind.
    pub owner: OwnerKind,
    /// Effective request per resource (upstream `PodRequests`, overhead included); `PODS` = 1.
    pub requests: Vec<i64>,
    /// Effective CPU request with the 100m per-container default (scoring only).
    pub nonzero_cpu: i64,
    /// Effective memory request with the 200Mi per-container default (scoring only).
    pub nonzero_mem: i64,
    /// Containers (init, sidecar, regular) with their cpu/memory requests and limits.
    pub containers: Vec<ContainerSpec>,
    /// QoS class.
    pub qos: QosClass,
    /// Priority (from the priority class or `priority`).
    pub priority: i32,
    /// `preemptionPolicy: Never`.
    pub preemption_never: bool,
    /// Scheduler profile index.
    pub profile: u32,
    /// `nodeSelector` as requirements (ANDed).
    pub node_selector: LabelSelector,
    /// Required node affinity.
    pub required_node_affinity: Option<NodeSelector>,
    /// Preferred node affinity terms.
    pub preferred_node_affinity: Vec<PreferredTerm>,
    /// Tolerations (the default `not-ready`/`unreachable` 300 s ones included).
    pub tolerations: Vec<Toleration>,
    /// Topology spread constraints (explicit, or the profile's defaults for owned pods).
    pub spread: Vec<SpreadConstraint>,
    /// True when `spread` came from the system defaults (affects which nodes are counted).
    pub spread_system_default: bool,
    /// Pod affinity / anti-affinity.
    pub affinity: PodAffinity,
    /// Terms of existing pods that select this template's pods.
    pub existing_terms: Vec<ExistingTerm>,
    /// Images of all containers, normalised (`:latest` added), deduplicated.
    pub images: Vec<ImageId>,
    /// Number of init + regular containers (ImageLocality threshold).
    pub container_count: u32,
}
