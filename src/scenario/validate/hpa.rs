//! `horizontalPodAutoscalers`: each names a scalable workload (Deployment or StatefulSet) once,
//! with bounds and targets upstream's API validation accepts
//! (`pkg/apis/autoscaling/validation/validation.go`), and metrics the run can compute.
//!
//! A CPU or memory target on a workload whose containers do not all request that resource is an
//! error: upstream's HPA would report `FailedGetResourceMetric` ("missing request for cpu") on
//! every sync and never scale, which in a planning scenario is a mistake to point at, not a run
//! to simulate. An HPA without the usage model is only a warning (`warnings.rs`): like an
//! upstream cluster without metrics-server, it has no metrics and never scales (so an imported
//! chart with an HPA runs before usage is attached to it).

use super::{names, Checker};
use crate::scenario::path::{index, key};
use crate::scenario::types::hpa::{HorizontalPodAutoscaler, ScalingRules};
use crate::scenario::types::workload::WorkloadKind;
use crate::scenario::types::ScenarioFile;

/// Longest `stabilizationWindowSeconds` upstream accepts (`MaxStabilizationWindowSeconds`).
const MAX_WINDOW_S: i32 = 3600;
/// Longest policy `periodSeconds` upstream accepts (`MaxPeriodSeconds`).
const MAX_PERIOD_S: i32 = 1800;

pub(super) fn check(c: &mut Checker, scenario: &ScenarioFile) {
    let hpas = &scenario.horizontal_pod_autoscalers;
    if hpas.is_empty() {
        return;
    }
    for (i, h) in hpas.iter().enumerate() {
        let at = index("horizontalPodAutoscalers", i);
        c.check(&key(&at, "name"), names::dns_subdomain(&h.name));
        target(c, scenario, h, &at);
        let min = h.effective_min();
        if min < 1 {
            c.error(
                key(&at, "minReplicas"),
                format!("must be at least 1 (got {min})"),
            );
        }
        if h.max_replicas < 1 {
            c.error(
                key(&at, "maxReplicas"),
                format!("must be at least 1 (got {})", h.max_replicas),
            );
        } else if min > h.max_replicas {
            c.error(
                key(&at, "minReplicas"),
                format!("{min} is above maxReplicas {}", h.max_replicas),
            );
        }
        if i64::from(h.max_replicas) > i64::from(super::MAX_REPLICAS) {
            c.error(
                key(&at, "maxReplicas"),
                format!("must be at most {}", super::MAX_REPLICAS),
            );
        }
        for (m, metric) in h.metrics.iter().enumerate() {
            let mat = key(&index(&key(&at, "metrics"), m), "resource");
            let name = metric.resource.name.as_str();
            if name != "cpu" && name != "memory" {
                c.error(
                    key(&mat, "name"),
                    format!("{name:?}: only cpu and memory are modelled"),
                );
            }
            let u = metric.resource.target.average_utilization;
            if u <= 0 {
                c.error(
                    key(&key(&mat, "target"), "averageUtilization"),
                    format!("must be positive (got {u})"),
                );
            }
        }
        if let Some(b) = &h.behavior {
            let bat = key(&at, "behavior");
            if let Some(r) = &b.scale_up {
                rules(c, r, &key(&bat, "scaleUp"));
            }
            if let Some(r) = &b.scale_down {
                rules(c, r, &key(&bat, "scaleDown"));
            }
        }
    }
    c.unique(
        hpas.iter().enumerate().map(|(i, h)| {
            (
                key(&index("horizontalPodAutoscalers", i), "name"),
                h.name.as_str(),
            )
        }),
        "HorizontalPodAutoscaler",
    );
    let mut first: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (i, h) in hpas.iter().enumerate() {
        let name = h.scale_target_ref.name.as_str();
        if let Some(j) = first.get(name) {
            c.error(
                key(
                    &key(&index("horizontalPodAutoscalers", i), "scaleTargetRef"),
                    "name",
                ),
                format!(
                    "workload {name:?} is already scaled by horizontalPodAutoscalers[{j}] \
                     (upstream: AmbiguousSelector, neither scales)"
                ),
            );
        } else {
            first.insert(name, i);
        }
    }
}

/// The target exists, is scalable, and requests every resource a metric targets.
fn target(c: &mut Checker, scenario: &ScenarioFile, h: &HorizontalPodAutoscaler, at: &str) {
    let rat = key(at, "scaleTargetRef");
    let name = &h.scale_target_ref.name;
    let Some(w) = scenario.workloads.iter().find(|w| &w.name == name) else {
        c.error(
            key(&rat, "name"),
            format!("no workload named {name:?} (workloads[].name)"),
        );
        return;
    };
    if !matches!(w.kind, WorkloadKind::Deployment | WorkloadKind::StatefulSet) {
        c.error(
            key(&rat, "name"),
            format!(
                "workload {name:?} is a {}; only a Deployment or StatefulSet can be scaled",
                w.kind
            ),
        );
        return;
    }
    if let Some(kind) = &h.scale_target_ref.kind {
        if kind != &w.kind.to_string() {
            c.error(
                key(&rat, "kind"),
                format!("{kind:?} does not match workload {name:?}, a {}", w.kind),
            );
        }
    }
    if let Some(v) = &h.scale_target_ref.api_version {
        if v != "apps/v1" {
            c.error(
                key(&rat, "apiVersion"),
                format!("{v:?}: a Deployment or StatefulSet is apps/v1"),
            );
        }
    }
    for (m, (resource, _)) in h.effective_metrics().iter().enumerate() {
        if resource != "cpu" && resource != "memory" {
            continue;
        }
        if let Some(ctr) = w
            .template
            .containers
            .iter()
            .find(|k| !k.requests_with_defaults().contains_key(resource))
        {
            let path = if h.metrics.is_empty() {
                key(at, "metrics")
            } else {
                key(&key(&index(&key(at, "metrics"), m), "resource"), "name")
            };
            c.error(
                path,
                format!(
                    "container {:?} of workload {name:?} has no {resource} request: the \
                     utilisation of requests cannot be computed (upstream: FailedGetResourceMetric, \
                     missing request for {resource}; the HPA would never scale)",
                    ctr.name
                ),
            );
        }
    }
}

fn rules(c: &mut Checker, r: &ScalingRules, at: &str) {
    if let Some(w) = r.stabilization_window_seconds {
        if !(0..=MAX_WINDOW_S).contains(&w) {
            c.error(
                key(at, "stabilizationWindowSeconds"),
                format!("must be within 0..={MAX_WINDOW_S} (got {w})"),
            );
        }
    }
    if let Some(policies) = &r.policies {
        if policies.is_empty() {
            c.error(key(at, "policies"), "must list at least one policy");
        }
        for (i, p) in policies.iter().enumerate() {
            let pat = index(&key(at, "policies"), i);
            if p.value <= 0 {
                c.error(
                    key(&pat, "value"),
                    format!("must be positive (got {})", p.value),
                );
            }
            if !(1..=MAX_PERIOD_S).contains(&p.period_seconds) {
                c.error(
                    key(&pat, "periodSeconds"),
                    format!(
                        "must be within 1..={MAX_PERIOD_S} (got {})",
                        p.period_seconds
                    ),
                );
            }
        }
    }
}
