//! What a scenario describes, for `clustersim validate`: nodes per pool and zone, capacity and
//! allocatable, requests per workload, and warnings.

use std::collections::BTreeMap;
use std::fmt;

use super::SimSetup;
use crate::cluster::resources::format_amount;
use crate::cluster::{World, CPU, MEMORY};
use crate::controllers::daemonset::node_matches;
use crate::controllers::{Arrivals, WorkloadKind, WorkloadSpec};
use crate::scheduler::StaticFilter;

/// Requests of one workload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkloadLine {
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: &'static str,
    /// Pods at steady state (replicas, matching nodes, or `None` for Jobs).
    pub pods: Option<u64>,
    /// Effective request of one pod, per resource (name, amount).
    pub per_pod: Vec<(String, i64)>,
    /// QoS class.
    pub qos: &'static str,
    /// Priority.
    pub priority: i32,
}

/// A summary of the cluster and workloads of a scenario.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Description {
    /// Nodes per (pool, zone).
    pub nodes: BTreeMap<(String, String), u64>,
    /// Total capacity per resource name.
    pub capacity: BTreeMap<String, i64>,
    /// Total allocatable per resource name.
    pub allocatable: BTreeMap<String, i64>,
    /// Total steady-state requests (Deployments, StatefulSets, DaemonSets, Pods).
    pub steady_requests: BTreeMap<String, i64>,
    /// Workloads.
    pub workloads: Vec<WorkloadLine>,
    /// Pods of trace workloads (`workloads: {fromTrace}`), over the whole trace.
    pub trace_pods: u64,
    /// Requests summed over every trace pod, per resource.
    pub trace_requests: BTreeMap<String, i64>,
    /// Warnings found while building (the scenario module adds its own).
    pub warnings: Vec<String>,
}

fn steady_pods(world: &World, w: &WorkloadSpec) -> Option<u64> {
    let tpl = &world.templates[w.template as usize];
    match &w.kind {
        WorkloadKind::Deployment { replicas } | WorkloadKind::StatefulSet { replicas } => {
            Some(u64::from(*replicas))
        }
        WorkloadKind::DaemonSet => Some(
            world
                .nodes
                .ids()
                .filter(|n| node_matches(world, tpl, *n))
                .count() as u64,
        ),
        WorkloadKind::Pod { .. } => Some(1),
        WorkloadKind::Job { .. } => None,
    }
}

/// Summarises a built run.
pub fn describe(setup: &SimSetup) -> Description {
    let world = &setup.world;
    let mut d = Description::default();
    let names: Vec<String> = (0..world.resources.len())
        .map(|r| world.resources.name(r).to_string())
        .collect();
    for n in world.nodes.ids() {
        let key = (
            world.pools[world.nodes.pool[n.ix()] as usize].clone(),
            world.zones[world.nodes.zone[n.ix()] as usize].clone(),
        );
        *d.nodes.entry(key).or_default() += 1;
        for (r, name) in names.iter().enumerate() {
            *d.capacity.entry(name.clone()).or_default() += world.nodes.capacity_of(n)[r];
            *d.allocatable.entry(name.clone()).or_default() += world.nodes.alloc(n, r);
        }
    }
    let mut filter = StaticFilter::new(&setup.scheduler, world);
    for w in &setup.workloads {
        let tpl = &world.templates[w.template as usize];
        let pods = steady_pods(world, w);
        let per_pod: Vec<(String, i64)> = tpl
            .requests
            .iter()
            .enumerate()
            .filter(|(_, v)| **v != 0)
            .map(|(r, v)| (names[r].clone(), *v))
            .collect();
        if let Some(p) = pods {
            for (name, v) in &per_pod {
                *d.steady_requests.entry(name.clone()).or_default() += v * p as i64;
            }
        }
        if let WorkloadKind::Job {
            arrivals: Arrivals::Trace { times_ms, .. },
            ..
        } = &w.kind
        {
            let n = times_ms.len() as u64;
            d.trace_pods += n;
            for (name, v) in &per_pod {
                *d.trace_requests.entry(name.clone()).or_default() += v * n as i64;
            }
        }
        let fits_somewhere = world.nodes.ids().any(|n| {
            tpl.requests
                .iter()
                .enumerate()
                .all(|(r, v)| *v <= world.nodes.alloc(n, r))
        });
        if !fits_somewhere {
            d.warnings.push(format!("workloads[{}]: one pod's request exceeds the allocatable of every node; its pods can never schedule", w.name));
        }
        if let Some(w) = no_matching_node(world, &mut filter, w) {
            d.warnings.push(w);
        }
        if pods == Some(0) {
            d.warnings.push(format!(
                "workloads[{}]: no node matches this DaemonSet; it runs no pod",
                w.name
            ));
        }
        d.workloads.push(WorkloadLine {
            name: w.name.clone(),
            kind: crate::controllers::kind_name(&w.kind),
            pods,
            per_pod,
            qos: tpl.qos.as_str(),
            priority: tpl.priority,
        });
    }
    d
}

/// A workload whose pods pass the scheduler's static filters (NodeUnschedulable,
/// TaintToleration, NodeAffinity: nodeSelector and required node affinity) on no node, with the
/// labels the nodes have for each nodeSelector key (DaemonSets and pre-bound pods have their
/// own warning or need none).
fn no_matching_node(world: &World, filter: &mut StaticFilter, w: &WorkloadSpec) -> Option<String> {
    if matches!(
        w.kind,
        WorkloadKind::DaemonSet | WorkloadKind::Pod { node_name: Some(_) }
    ) || world.nodes.ids().next().is_none()
        || world
            .nodes
            .ids()
            .any(|n| filter.fits_node(world, w.template, n))
    {
        return None;
    }
    let tpl = &world.templates[w.template as usize];
    let name = |s| world.interner.resolve(s);
    let nodes = world.nodes.ids().count();
    let mut parts = Vec::new();
    for r in &tpl.node_selector.requirements {
        let matching = world
            .nodes
            .ids()
            .filter(|&n| r.matches(world.node_labels(n).get(r.key), &world.interner))
            .count();
        if matching > 0 {
            continue;
        }
        let mut present: BTreeMap<&str, usize> = BTreeMap::new();
        for n in world.nodes.ids() {
            if let Some(v) = world.node_labels(n).get(r.key) {
                *present.entry(name(v)).or_default() += 1;
            }
        }
        let key = name(r.key);
        let wanted: Vec<&str> = r.values.iter().map(|&v| name(v)).collect();
        let present = if present.is_empty() {
            format!("no node has a label {key}")
        } else {
            let list: Vec<String> = present
                .iter()
                .map(|(v, c)| format!("{key}={v} on {c} node(s)"))
                .collect();
            format!("labels present: {}", list.join(", "))
        };
        parts.push(format!(
            "nodeSelector {key}={} matches no node ({present})",
            wanted.join("|")
        ));
    }
    if parts.is_empty() {
        parts.push(format!(
            "no node of {nodes} passes its nodeSelector, required node affinity and taint \
             tolerations together"
        ));
    }
    Some(format!(
        "workloads[{}]: {}: its pods can never schedule",
        w.name,
        parts.join("; ")
    ))
}

fn amount(name: &str, v: i64) -> String {
    match name {
        "cpu" => format!("{:.1} cores", v as f64 / 1000.0),
        "memory" | "ephemeral-storage" => format_amount(MEMORY, v),
        _ => v.to_string(),
    }
}

impl fmt::Display for Description {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total: u64 = self.nodes.values().sum();
        writeln!(f, "nodes: {total}")?;
        for ((pool, zone), n) in &self.nodes {
            writeln!(f, "  {pool:<24} zone {zone:<10} {n:>7}")?;
        }
        writeln!(
            f,
            "resources:            {:>20} {:>20} {:>20}",
            "capacity", "allocatable", "steady requests"
        )?;
        for (name, cap) in &self.capacity {
            let alloc = self.allocatable.get(name).copied().unwrap_or(0);
            let req = self.steady_requests.get(name).copied().unwrap_or(0);
            writeln!(
                f,
                "  {name:<20} {:>20} {:>20} {:>20}",
                amount(name, *cap),
                amount(name, alloc),
                amount(name, req)
            )?;
        }
        writeln!(f, "workloads: {}", self.workloads.len())?;
        for w in &self.workloads {
            let pods = w
                .pods
                .map(|p| p.to_string())
                .unwrap_or_else(|| "arrivals".into());
            let req: Vec<String> = w
                .per_pod
                .iter()
                .filter(|(n, _)| n != "pods")
                .map(|(n, v)| {
                    format!(
                        "{n}={}",
                        if n == "cpu" {
                            format_amount(CPU, *v)
                        } else {
                            amount(n, *v)
                        }
                    )
                })
                .collect();
            let req = if req.is_empty() {
                "no requests".to_string()
            } else {
                req.join(" ")
            };
            writeln!(
                f,
                "  {:<22} {:<12} {:>9} pods  {:<11} prio {:>11}  per pod: {req}",
                w.name, w.kind, pods, w.qos, w.priority
            )?;
        }
        if self.trace_pods > 0 {
            let req: Vec<String> = self
                .trace_requests
                .iter()
                .filter(|(n, _)| *n != "pods")
                .map(|(n, v)| match n.as_str() {
                    "cpu" => format!("{n}={v}m"),
                    _ => format!("{n}={v}"),
                })
                .collect();
            writeln!(
                f,
                "trace: {} pods; requests summed over them (exact: cpu in millicores, memory in \
                 bytes): {}",
                self.trace_pods,
                req.join(" ")
            )?;
        }
        for warn in &self.warnings {
            writeln!(f, "warning: {warn}")?;
        }
        Ok(())
    }
}
