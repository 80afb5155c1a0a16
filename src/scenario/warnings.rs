//! Non-fatal notes about a valid scenario: things that are legal but probably not meant.

use super::path::{index, key};
use super::quantity::Quantity;
use super::types::pod::QosClass;
use super::types::workload::{Arrivals, WorkloadKind};
use super::types::{ResourceList, ScenarioFile};

/// Resources measured in bytes, where a fractional value (`400m` = 0.4 bytes) is a likely typo.
const BYTE_RESOURCES: [&str; 2] = ["memory", "ephemeral-storage"];

/// Notes on `scenario`, each `<field path>: <message>` on one line (the caller adds the file).
pub fn warnings(scenario: &ScenarioFile) -> Vec<String> {
    let mut notes = scenario.import_notes.clone();
    let cluster = &scenario.cluster;
    if cluster.node_count() == 0 {
        notes.push("cluster: has no nodes; no pod can run".to_string());
    }
    for (i, svc) in scenario.services.iter().enumerate() {
        let spikes = svc.traffic.as_ref().and_then(|t| t.spikes.as_ref());
        if spikes.is_some_and(|s| s.rate.is_some()) {
            notes.push(format!(
                "{}: random traffic spikes (`rate`) are not simulated yet; give `at` times",
                key(&key(&index("services", i), "traffic"), "spikes.rate")
            ));
        }
    }
    let usage_on = scenario.kubelet.is_some()
        || !scenario.services.is_empty()
        || scenario.workloads.iter().any(|w| w.usage.is_some());
    if !usage_on {
        for i in 0..scenario.horizontal_pod_autoscalers.len() {
            notes.push(format!(
                "{}: has no pod metrics without the usage model (as upstream without \
                 metrics-server: FailedGetResourceMetric) and never scales; give the target \
                 workload a `usage:` section",
                index("horizontalPodAutoscalers", i)
            ));
        }
    }
    for (i, w) in scenario.workloads.iter().enumerate() {
        let served = scenario.services.iter().any(|s| s.workload == w.name);
        for (j, c) in w.template.containers.iter().enumerate() {
            let probed = c.readiness_probe.is_some()
                || c.liveness_probe.is_some()
                || c.startup_probe.is_some();
            let at = index(
                &key(&key(&index("workloads", i), "template"), "containers"),
                j,
            );
            if probed && !served {
                notes.push(format!(
                    "{at}: probes are not simulated: no service in `services:` is backed by \
                     workload `{}`",
                    w.name
                ));
            } else if probed && j > 0 {
                notes.push(format!(
                    "{at}: probes are simulated only on the first container of a workload behind \
                     a service; these are not"
                ));
            }
        }
    }
    let shapes: Vec<ResourceList> = cluster
        .node_pools
        .iter()
        .filter(|p| p.count > 0)
        .map(|p| {
            // A pool's GPU devices add their resources (they are not listed by hand).
            let mut alloc = p.effective_allocatable();
            if let Some(g) = &p.gpus {
                let n = i64::from(g.count);
                alloc.insert("nvidia.com/gpu".into(), Quantity::from_units(n));
                alloc.insert(
                    "alibabacloud.com/gpu-milli".into(),
                    Quantity::from_units(n * 1000),
                );
                if let Some(m) = g.memory {
                    alloc.insert(
                        "alibabacloud.com/gpu-mem".into(),
                        Quantity::from_units(m.value().saturating_mul(n)),
                    );
                }
            }
            alloc
        })
        .chain(cluster.nodes.iter().map(|n| n.effective_allocatable()))
        .collect();
    for (i, pool) in cluster.node_pools.iter().enumerate() {
        let at = index("cluster.nodePools", i);
        fractional_bytes(&mut notes, &key(&at, "capacity"), &pool.capacity);
        if let Some(allocatable) = &pool.allocatable {
            fractional_bytes(&mut notes, &key(&at, "allocatable"), allocatable);
        }
    }
    for (i, workload) in scenario.workloads.iter().enumerate() {
        let at = index("workloads", i);
        let template = &workload.template;
        if template.qos_class() == QosClass::BestEffort {
            notes.push(format!(
                "{at}: {:?} has no cpu or memory requests or limits (BestEffort): \
                 its pods are evicted first and the scheduler treats them as tiny",
                workload.name
            ));
        }
        let requests = template.effective_requests();
        if !shapes.is_empty()
            && workload.node_name.is_none()
            && !shapes.iter().any(|alloc| fits(&requests, alloc))
        {
            notes.push(format!(
                "{at}: {:?} requests {} per pod, more than any node's allocatable: \
                 its pods can never be scheduled",
                workload.name,
                describe(&requests)
            ));
        }
        for (field, containers) in [
            ("initContainers", &template.init_containers),
            ("containers", &template.containers),
        ] {
            for (j, container) in containers.iter().enumerate() {
                let resources = key(&index(&key(&key(&at, "template"), field), j), "resources");
                fractional_bytes(
                    &mut notes,
                    &key(&resources, "requests"),
                    &container.resources.requests,
                );
                fractional_bytes(
                    &mut notes,
                    &key(&resources, "limits"),
                    &container.resources.limits,
                );
            }
        }
        if workload.kind == WorkloadKind::Job {
            late_arrivals(
                &mut notes,
                &key(&at, "arrivals"),
                workload.arrivals.as_ref(),
                scenario,
            );
        }
    }
    notes.extend(super::validate::fault_warnings(scenario));
    notes
}

/// Whether a pod requesting `requests` fits an empty node with `allocatable` (a resource the
/// node does not list counts as zero; `pods` counts one).
fn fits(requests: &ResourceList, allocatable: &ResourceList) -> bool {
    let one_pod = allocatable
        .get("pods")
        .is_none_or(|pods| *pods >= Quantity::from_units(1));
    one_pod
        && requests
            .iter()
            .filter(|(_, q)| **q > Quantity::ZERO)
            .all(|(name, q)| allocatable.get(name).is_some_and(|a| a >= q))
}

fn describe(requests: &ResourceList) -> String {
    let parts: Vec<String> = requests
        .iter()
        .filter(|(_, q)| !q.is_zero())
        .map(|(name, q)| format!("{name}={q}"))
        .collect();
    parts.join(", ")
}

fn fractional_bytes(notes: &mut Vec<String>, at: &str, list: &ResourceList) {
    for name in BYTE_RESOURCES {
        if let Some(q) = list.get(name).filter(|q| !q.is_integer()) {
            notes.push(format!(
                "{}: {q} is a fraction of a byte (the `m` suffix means milli); \
                 did you mean Mi or M?",
                key(at, name)
            ));
        }
    }
}

fn late_arrivals(
    notes: &mut Vec<String>,
    at: &str,
    arrivals: Option<&Arrivals>,
    scenario: &ScenarioFile,
) {
    let end = scenario.simulation.duration;
    let first = match arrivals {
        Some(Arrivals::Poisson { start, .. } | Arrivals::Periodic { start, .. }) => *start,
        Some(Arrivals::At(times)) => times.iter().copied().min().unwrap_or_default(),
        None => return,
    };
    if first >= end {
        notes.push(format!(
            "{at}: the first arrival ({first}) is not before the end of the simulation ({end})"
        ));
    }
}
