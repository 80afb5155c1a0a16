//! Pod templates: effective requests (upstream `PodRequests`), non-zero scoring requests,
//! QoS, priority, node selection and tolerations. Spread constraints and pod affinity are
//! resolved afterwards by `topology`, once every template's labels are known.

use super::convert::{
    exists_toleration, match_labels, node_selector, preferred_terms, toleration, ImageRegistry,
};
use super::nodes::dense;
use crate::cluster::labels::{LabelSelector, LabelSet};
use crate::cluster::resources::{DEFAULT_MEMORY_REQUEST, DEFAULT_MILLI_CPU_REQUEST};
use crate::cluster::taints::TaintEffect;
use crate::cluster::template::{ContainerRole, ContainerSpec, PodAffinity};
use crate::cluster::{OwnerKind, PodTemplate, QosClass, World, CPU, MEMORY, PODS};
use crate::scenario::types::pod::{
    Container, PodTemplate as PodTemplateSpec, PreemptionPolicy, QosClass as QosSpec,
};
use crate::scenario::types::workload::{Workload, WorkloadKind as KindSpec};
use crate::scenario::ScenarioFile;

/// Label every pod carries with its workload's name (the controller's selector).
pub const WORKLOAD_LABEL: &str = "clustersim.io/workload";
/// `tolerationSeconds` the DefaultTolerationSeconds admission plugin adds by default (300 s;
/// `nodeLifecycle.defaultTolerationSeconds`).
pub const DEFAULT_TOLERATION_SECONDS: u64 = 300;
/// Taint keys the node lifecycle controller and kubelet use.
pub mod taint_keys {
    /// Node not ready.
    pub const NOT_READY: &str = "node.kubernetes.io/not-ready";
    /// Node unreachable (heartbeats stopped).
    pub const UNREACHABLE: &str = "node.kubernetes.io/unreachable";
    /// Cordoned node.
    pub const UNSCHEDULABLE: &str = "node.kubernetes.io/unschedulable";
    /// MemoryPressure condition.
    pub const MEMORY_PRESSURE: &str = "node.kubernetes.io/memory-pressure";
    /// DiskPressure condition.
    pub const DISK_PRESSURE: &str = "node.kubernetes.io/disk-pressure";
    /// PIDPressure condition.
    pub const PID_PRESSURE: &str = "node.kubernetes.io/pid-pressure";
}

fn milli(c: &Container, name: &str) -> Option<i64> {
    c.requests_with_defaults().get(name).map(|q| {
        if name == "cpu" {
            q.milli_value()
        } else {
            q.value()
        }
    })
}

fn limit(c: &Container, name: &str) -> Option<i64> {
    c.resources.limits.get(name).map(|q| {
        if name == "cpu" {
            q.milli_value()
        } else {
            q.value()
        }
    })
}

/// Upstream `PodRequests` for cpu and memory with `NonMissingContainerRequests` (100m / 200Mi
/// for containers that set no request): used by NodeResourcesFit scoring only.
fn nonzero_requests(t: &PodTemplateSpec, overhead: &[i64]) -> (i64, i64) {
    let per = |c: &Container| {
        (
            milli(c, "cpu").unwrap_or(DEFAULT_MILLI_CPU_REQUEST),
            milli(c, "memory").unwrap_or(DEFAULT_MEMORY_REQUEST),
        )
    };
    let (mut cpu, mut mem) = t
        .containers
        .iter()
        .map(per)
        .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    let (mut side_cpu, mut side_mem, mut peak_cpu, mut peak_mem) = (0, 0, 0, 0);
    for c in &t.init_containers {
        let (rc, rm) = per(c);
        let (dc, dm) = if c.is_sidecar() {
            cpu += rc;
            mem += rm;
            side_cpu += rc;
            side_mem += rm;
            (side_cpu, side_mem)
        } else {
            (rc + side_cpu, rm + side_mem)
        };
        peak_cpu = peak_cpu.max(dc);
        peak_mem = peak_mem.max(dm);
    }
    (
        cpu.max(peak_cpu) + overhead[CPU],
        mem.max(peak_mem) + overhead[MEMORY],
    )
}

fn container_spec(c: &Container, role: ContainerRole) -> ContainerSpec {
    ContainerSpec {
        name: c.name.clone(),
        role,
        cpu_request: milli(c, "cpu"),
        mem_request: milli(c, "memory"),
        cpu_limit: limit(c, "cpu"),
        mem_limit: limit(c, "memory"),
    }
}

/// The priority of a workload's pods: explicit `priority`, else its priority class, else the
/// global-default class, else 0.
pub fn priority_of(s: &ScenarioFile, w: &Workload) -> i32 {
    if let Some(p) = w.priority() {
        return p;
    }
    if let Some(name) = w.priority_class_name() {
        return s.priority_class_value(name).unwrap_or(0);
    }
    s.global_default_priority_class()
        .map(|c| c.value)
        .unwrap_or(0)
}

fn preemption_never(s: &ScenarioFile, w: &Workload) -> bool {
    if let Some(p) = w.template.preemption_policy {
        return p == PreemptionPolicy::Never;
    }
    let class = w
        .priority_class_name()
        .and_then(|n| s.priority_classes.iter().find(|c| c.name == n));
    class.and_then(|c| c.preemption_policy) == Some(PreemptionPolicy::Never)
}

/// Owner kind of a workload's pods.
pub fn owner_of(kind: KindSpec) -> OwnerKind {
    match kind {
        KindSpec::Deployment => OwnerKind::Deployment,
        KindSpec::StatefulSet => OwnerKind::StatefulSet,
        KindSpec::DaemonSet => OwnerKind::DaemonSet,
        KindSpec::Job => OwnerKind::Job,
        KindSpec::Pod => OwnerKind::Bare,
    }
}

/// Builds the template of workload `w` (without spread constraints and pod affinity).
pub fn base_template(
    world: &mut World,
    s: &ScenarioFile,
    w: &Workload,
    profile: u32,
    images: &mut ImageRegistry,
) -> PodTemplate {
    let t = &w.template;
    let hostname = world.well_known.hostname;
    let i = &mut world.interner;
    let mut pairs: Vec<_> = t
        .labels
        .iter()
        .map(|(k, v)| (i.intern(k), i.intern(v)))
        .collect();
    pairs.push((i.intern(WORKLOAD_LABEL), i.intern(&w.name)));
    let overhead = dense(&t.overhead, &world.resources);
    let mut requests = dense(&t.effective_requests(), &world.resources);
    requests[PODS] = 1;
    let (nonzero_cpu, nonzero_mem) = nonzero_requests(t, &overhead);
    let mut containers: Vec<ContainerSpec> = t
        .init_containers
        .iter()
        .map(|c| {
            container_spec(
                c,
                if c.is_sidecar() {
                    ContainerRole::Sidecar
                } else {
                    ContainerRole::Init
                },
            )
        })
        .collect();
    containers.extend(
        t.containers
            .iter()
            .map(|c| container_spec(c, ContainerRole::Regular)),
    );
    let owner = owner_of(w.kind);
    let mut tolerations: Vec<_> = t.tolerations.iter().map(|x| toleration(i, x)).collect();
    let seconds = s
        .node_lifecycle
        .as_ref()
        .map_or(DEFAULT_TOLERATION_SECONDS, |l| {
            u64::from(l.default_toleration_seconds)
        });
    add_default_tolerations(i, &mut tolerations, owner, seconds);
    let affinity = t.affinity.as_ref();
    let node_affinity = affinity.and_then(|a| a.node_affinity.as_ref());
    let required_node_affinity = node_affinity
        .and_then(|n| {
            n.required_during_scheduling_ignored_during_execution
                .as_ref()
        })
        .map(|r| node_selector(i, hostname, r));
    let preferred_node_affinity = node_affinity
        .map(|n| {
            preferred_terms(
                i,
                hostname,
                &n.preferred_during_scheduling_ignored_during_execution,
            )
        })
        .unwrap_or_default();
    let node_selector = LabelSelector {
        requirements: match_labels(i, &t.node_selector),
    };
    let namespace = i.intern(&w.namespace);
    let container_images: Vec<&str> = t
        .init_containers
        .iter()
        .chain(&t.containers)
        .filter_map(|c| c.image.as_deref())
        .collect();
    let mut image_ids: Vec<u32> = container_images
        .iter()
        .map(|n| images.register(n, None))
        .collect();
    image_ids.sort_unstable();
    image_ids.dedup();
    PodTemplate {
        name: w.name.clone(),
        namespace,
        labels: LabelSet::new(pairs),
        owner,
        requests,
        nonzero_cpu,
        nonzero_mem,
        containers,
        qos: match t.qos_class() {
            QosSpec::Guaranteed => QosClass::Guaranteed,
            QosSpec::Burstable => QosClass::Burstable,
            QosSpec::BestEffort => QosClass::BestEffort,
        },
        priority: priority_of(s, w),
        preemption_never: preemption_never(s, w),
        profile,
        node_selector,
        required_node_affinity,
        preferred_node_affinity,
        tolerations,
        spread: Vec::new(),
        spread_system_default: false,
        affinity: PodAffinity::default(),
        existing_terms: Vec::new(),
        images: image_ids,
        container_count: (t.init_containers.len() + t.containers.len()) as u32,
    }
}

/// Admission defaults, in upstream order. The DaemonSet controller first adds or updates
/// (`AddOrUpdateTolerationInPodSpec`: a toleration with the same key, operator, value and
/// effect is replaced in place) `not-ready`/`unreachable` NoExecute tolerations without
/// seconds plus the pressure and unschedulable NoSchedule ones
/// (`pkg/controller/daemon/util/daemonset_util.go`). Then the DefaultTolerationSeconds
/// admission plugin adds `not-ready`/`unreachable` NoExecute tolerations with `seconds`
/// (`nodeLifecycle.defaultTolerationSeconds`, 300 by default) unless a toleration already has
/// that key (or an empty key) and the NoExecute (or an empty) effect, whatever its operator and
/// value (`plugin/pkg/admission/defaulttolerationseconds/admission.go`).
pub fn add_default_tolerations(
    i: &mut crate::cluster::Interner,
    tols: &mut Vec<crate::cluster::taints::Toleration>,
    owner: OwnerKind,
    seconds: u64,
) {
    use taint_keys::*;
    if owner == OwnerKind::DaemonSet {
        for key in [NOT_READY, UNREACHABLE] {
            add_or_update(
                tols,
                exists_toleration(i, key, TaintEffect::NoExecute, None),
            );
        }
        for key in [MEMORY_PRESSURE, DISK_PRESSURE, PID_PRESSURE, UNSCHEDULABLE] {
            add_or_update(
                tols,
                exists_toleration(i, key, TaintEffect::NoSchedule, None),
            );
        }
    }
    for key in [NOT_READY, UNREACHABLE] {
        let sym = i.intern(key);
        let present = tols.iter().any(|t| {
            (t.key == sym || t.key == crate::cluster::Sym::EMPTY)
                && matches!(t.effect, None | Some(TaintEffect::NoExecute))
        });
        if !present {
            tols.push(exists_toleration(
                i,
                key,
                TaintEffect::NoExecute,
                Some(seconds),
            ));
        }
    }
}

/// Upstream `AddOrUpdateTolerationInPodSpec`.
fn add_or_update(
    tols: &mut Vec<crate::cluster::taints::Toleration>,
    new: crate::cluster::taints::Toleration,
) {
    let same = |t: &crate::cluster::taints::Toleration| {
        t.key == new.key && t.op == new.op && t.value == new.value && t.effect == new.effect
    };
    let mut updated = false;
    for t in tols.iter_mut().filter(|t| same(t)) {
        *t = new;
        updated = true;
    }
    if !updated {
        tols.push(new);
    }
}
