//! Validation of a workload's `initialPlacement`: the kinds that take it, the nodes it names,
//! and that it places no more pods than the workload creates at time zero.

use super::cluster::NodeNames;
use super::{index, key, Checker};
use crate::scenario::types::placement::{InitialPlacement, PlacementKey};
use crate::scenario::types::workload::{Arrivals, Workload, WorkloadKind};

/// Checks `w.initialPlacement` (if set); `at` is the workload's path.
pub(super) fn check(c: &mut Checker, at: &str, w: &Workload, nodes: &NodeNames) {
    let Some(placement) = &w.initial_placement else {
        return;
    };
    let path = key(at, "initialPlacement");
    let kind = w.kind;
    let created = match kind {
        WorkloadKind::Deployment | WorkloadKind::StatefulSet => u64::from(w.replicas.unwrap_or(0)),
        WorkloadKind::Job => arrivals_at_zero(w),
        WorkloadKind::DaemonSet => {
            return c.error(
                path,
                "a DaemonSet's pods run one per matching node already; remove initialPlacement",
            )
        }
        WorkloadKind::Pod => {
            return c.error(
                path,
                "a Pod is bound with nodeName; remove initialPlacement",
            )
        }
    };
    if kind != WorkloadKind::StatefulSet && matches!(placement, InitialPlacement::Ordinals(_)) {
        return c.error(
            path,
            format!(
                "a {kind}'s pods have no stable identity: give a mapping {{<node>: <pod count>}} \
                 (a list of nodes by ordinal is for a StatefulSet)"
            ),
        );
    }
    for (k, node) in placement.nodes() {
        if !nodes.contains(node) {
            let field = match k {
                PlacementKey::Node => key(&path, node),
                PlacementKey::Ordinal(i) => index(&path, i),
            };
            c.error(
                field,
                format!("no node named {node:?} (pool nodes are <pool>-<index>, from 0)"),
            );
        }
    }
    let placed = match placement {
        InitialPlacement::Ordinals(o) => o.len() as u64,
        InitialPlacement::Counts(_) => placement.placed(),
    };
    if placed > created {
        let what = match (kind, placement) {
            (WorkloadKind::Job, _) => format!(
                "places {placed} pods but only {created} of the Job's arrivals are at time 0"
            ),
            (_, InitialPlacement::Ordinals(_)) => {
                format!("lists {placed} ordinals, more than replicas ({created})")
            }
            _ => format!("places {placed} pods, more than replicas ({created})"),
        };
        c.error(path, what);
    }
}

/// How many of a Job's pods arrive at time 0 (the pods `initialPlacement` may bind).
fn arrivals_at_zero(w: &Workload) -> u64 {
    if let Some(t) = &w.trace {
        return t.times_ms.iter().take_while(|&&t| t == 0).count() as u64;
    }
    match w.effective_arrivals() {
        Arrivals::At(times) => times.iter().filter(|t| t.is_zero()).count() as u64,
        Arrivals::Periodic {
            count,
            interval,
            start,
        } if start.is_zero() => {
            if interval.is_zero() {
                u64::from(count)
            } else {
                1
            }
        }
        Arrivals::Periodic { .. } | Arrivals::Poisson { .. } => 0,
    }
}
