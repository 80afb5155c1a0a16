//! [`TemplateBuilder`]: pod templates for tests and benches.

use crate::cluster::labels::{LabelSelector, LabelSet};
use crate::cluster::taints::Toleration;
use crate::cluster::template::{OwnerKind, PodAffinity, PodTemplate, QosClass, SpreadConstraint};
use crate::cluster::{ResourceId, Sym, CPU, MEMORY, PODS};

/// Upstream's non-zero CPU request for scoring when a pod requests none (100m).
const DEFAULT_NONZERO_CPU: i64 = 100;
/// Upstream's non-zero memory request for scoring when a pod requests none (200 MiB).
const DEFAULT_NONZERO_MEM: i64 = 200 << 20;

/// Builds a [`PodTemplate`]: a Deployment's Burstable pod in the empty namespace, priority 0,
/// one container, requesting one pod slot and nothing else, with no selector, affinity,
/// spread or toleration, until a method says otherwise.
///
/// The non-zero requests the scoring plugins use follow the CPU and memory requests as
/// upstream's `GetNonzeroRequests` does (100m / 200 MiB when a request is 0), unless
/// [`TemplateBuilder::nonzero`] sets them.
#[derive(Clone, Debug)]
pub struct TemplateBuilder {
    tpl: PodTemplate,
    nonzero_set: bool,
}

impl TemplateBuilder {
    /// A template named `name` for a world with `resources` resource columns.
    pub fn new(name: &str, resources: usize) -> Self {
        let mut requests = vec![0i64; resources];
        requests[PODS] = 1;
        TemplateBuilder {
            tpl: PodTemplate {
                name: name.to_owned(),
                namespace: Sym::EMPTY,
                labels: LabelSet::default(),
                owner: OwnerKind::Deployment,
                requests,
                nonzero_cpu: DEFAULT_NONZERO_CPU,
                nonzero_mem: DEFAULT_NONZERO_MEM,
                containers: Vec::new(),
                qos: QosClass::Burstable,
                priority: 0,
                preemption_never: false,
                profile: 0,
                node_selector: LabelSelector::default(),
                required_node_affinity: None,
                preferred_node_affinity: Vec::new(),
                tolerations: Vec::new(),
                spread: Vec::new(),
                spread_system_default: false,
                affinity: PodAffinity::default(),
                existing_terms: Vec::new(),
                images: Vec::new(),
                container_count: 1,
            },
            nonzero_set: false,
        }
    }

    /// Requests `cpu_m` millicores and `mem` bytes.
    pub fn cpu_mem(self, cpu_m: i64, mem: i64) -> Self {
        self.request(CPU, cpu_m).request(MEMORY, mem)
    }

    /// Requests `amount` of resource `r` (CPU in millicores, memory in bytes, other units).
    pub fn request(mut self, r: ResourceId, amount: i64) -> Self {
        self.tpl.requests[r] = amount;
        self
    }

    /// Sets the non-zero CPU and memory requests used by scoring explicitly.
    pub fn nonzero(mut self, cpu_m: i64, mem: i64) -> Self {
        (self.tpl.nonzero_cpu, self.tpl.nonzero_mem) = (cpu_m, mem);
        self.nonzero_set = true;
        self
    }

    /// Namespace.
    pub fn namespace(mut self, ns: Sym) -> Self {
        self.tpl.namespace = ns;
        self
    }

    /// Pod priority.
    pub fn priority(mut self, p: i32) -> Self {
        self.tpl.priority = p;
        self
    }

    /// The kind of the owning workload.
    pub fn owner(mut self, owner: OwnerKind) -> Self {
        self.tpl.owner = owner;
        self
    }

    /// QoS class.
    pub fn qos(mut self, qos: QosClass) -> Self {
        self.tpl.qos = qos;
        self
    }

    /// `nodeSelector`.
    pub fn node_selector(mut self, sel: LabelSelector) -> Self {
        self.tpl.node_selector = sel;
        self
    }

    /// Tolerations.
    pub fn tolerations(mut self, t: Vec<Toleration>) -> Self {
        self.tpl.tolerations = t;
        self
    }

    /// Topology spread constraints, and whether the system default constraints apply.
    pub fn spread(mut self, c: Vec<SpreadConstraint>, system_default: bool) -> Self {
        self.tpl.spread = c;
        self.tpl.spread_system_default = system_default;
        self
    }

    /// The template.
    pub fn build(mut self) -> PodTemplate {
        if !self.nonzero_set {
            let (cpu, mem) = (self.tpl.requests[CPU], self.tpl.requests[MEMORY]);
            self.tpl.nonzero_cpu = if cpu == 0 { DEFAULT_NONZERO_CPU } else { cpu };
            self.tpl.nonzero_mem = if mem == 0 { DEFAULT_NONZERO_MEM } else { mem };
        }
        self.tpl
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonzero_requests_follow_the_requests_or_upstream_defaults() {
        let t = TemplateBuilder::new("web", 4).cpu_mem(250, 0).build();
        assert_eq!(
            (t.requests[CPU], t.requests[MEMORY], t.requests[PODS]),
            (250, 0, 1)
        );
        assert_eq!((t.nonzero_cpu, t.nonzero_mem), (250, 200 << 20));
        let t = TemplateBuilder::new("web", 4)
            .cpu_mem(50, 1)
            .nonzero(100, 2)
            .build();
        assert_eq!((t.nonzero_cpu, t.nonzero_mem), (100, 2));
    }
}
