//! Validation of `workloads`: kinds and their fields, references to priority classes, nodes
//! and scheduler profiles, and each pod template.

use std::collections::HashSet;

use super::cluster::NodeNames;
use super::{index, key, names, pod, Checker, MAX_REPLICAS};
use crate::scenario::types::pod::DEFAULT_SCHEDULER_NAME;
use crate::scenario::types::workload::{Arrivals, RestartPolicy, Workload, WorkloadKind};
use crate::scenario::types::ScenarioFile;

pub(super) fn check(c: &mut Checker, scenario: &ScenarioFile, nodes: &NodeNames) {
    let mut profiles: HashSet<&str> = scenario
        .scheduler
        .profiles
        .iter()
        .map(|p| p.name())
        .collect();
    profiles.insert(DEFAULT_SCHEDULER_NAME);
    for (i, workload) in scenario.workloads.iter().enumerate() {
        let at = index("workloads", i);
        c.check(&key(&at, "name"), names::dns_subdomain(&workload.name));
        c.check(
            &key(&at, "namespace"),
            names::dns_label(&workload.namespace),
        );
        kind_fields(c, &at, workload);
        if let Some(node) = &workload.node_name {
            if !nodes.contains(node) {
                c.error(
                    key(&at, "nodeName"),
                    format!("no node named {node:?} (pool nodes are <pool>-<index>, from 0)"),
                );
            }
        }
        super::placement::check(c, &at, workload, nodes);
        if let Some(arrivals) = &workload.arrivals {
            check_arrivals(c, &key(&at, "arrivals"), arrivals);
        }
        priority(c, &at, workload, scenario);
        pod::check(c, &key(&at, "template"), &workload.template, &profiles);
    }
    c.unique(
        scenario
            .workloads
            .iter()
            .enumerate()
            .map(|(i, w)| (key(&index("workloads", i), "name"), w.name.as_str())),
        "workload",
    );
}

/// Fields that only some kinds take.
fn kind_fields(c: &mut Checker, at: &str, w: &Workload) {
    use WorkloadKind as K;
    let kind = w.kind;
    match (kind, w.replicas) {
        (K::Deployment | K::StatefulSet, None) => c.error(
            key(at, "replicas"),
            format!("missing: a {kind} needs replicas"),
        ),
        (K::Deployment | K::StatefulSet, Some(n)) if n > MAX_REPLICAS => c.error(
            key(at, "replicas"),
            format!("{n} is more than the supported {MAX_REPLICAS}"),
        ),
        (K::DaemonSet, Some(_)) => c.error(
            key(at, "replicas"),
            "a DaemonSet runs one pod per matching node; remove replicas",
        ),
        (K::Job | K::Pod, Some(_)) => {
            c.error(key(at, "replicas"), format!("a {kind} has no replicas"))
        }
        _ => {}
    }
    if kind == K::Job {
        if w.duration.is_none() {
            c.error(
                key(at, "duration"),
                "missing: a Job needs a duration (e.g. `duration: 5m` or a distribution)",
            );
        }
        job_fields(c, at, w);
    } else {
        for (field, set) in [
            ("arrivals", w.arrivals.is_some()),
            ("duration", w.duration.is_some()),
            ("restartPolicy", w.restart_policy.is_some()),
            ("backoffLimit", w.backoff_limit.is_some()),
            ("podFailureBackoff", w.pod_failure_backoff.is_some()),
        ] {
            if set {
                c.error(
                    key(at, field),
                    format!("only a Job takes {field} (this is a {kind})"),
                );
            }
        }
    }
    if w.node_name.is_some() && kind != K::Pod {
        c.error(
            key(at, "nodeName"),
            format!("only a Pod takes nodeName (this is a {kind})"),
        );
    }
}

/// A Job's `restartPolicy` and `podFailureBackoff`.
fn job_fields(c: &mut Checker, at: &str, w: &Workload) {
    if w.restart_policy == Some(RestartPolicy::Always) {
        c.error(
            key(at, "restartPolicy"),
            "a Job's restartPolicy must be OnFailure or Never (Kubernetes rejects Always)",
        );
    }
    if let Some(b) = &w.pod_failure_backoff {
        let at = key(at, "podFailureBackoff");
        if b.initial.is_some_and(|d| d.is_zero()) {
            c.error(key(&at, "initial"), "must be positive");
        }
        if let (Some(initial), Some(max)) = (b.initial, b.max) {
            if max < initial {
                c.error(
                    key(&at, "max"),
                    format!("{max} is shorter than initial ({initial})"),
                );
            }
        }
    }
}

fn check_arrivals(c: &mut Checker, at: &str, arrivals: &Arrivals) {
    match arrivals {
        Arrivals::Poisson {
            start,
            until: Some(until),
            ..
        } if until <= start => {
            c.error(
                key(at, "until"),
                format!("{until} is not after start ({start})"),
            );
        }
        Arrivals::At(times) if times.is_empty() => {
            c.error(key(at, "at"), "must list at least one time")
        }
        Arrivals::Periodic { count, .. } if *count > MAX_REPLICAS => {
            c.error(
                key(at, "count"),
                format!("{count} is more than the supported {MAX_REPLICAS}"),
            );
        }
        _ => {}
    }
}

fn priority(c: &mut Checker, at: &str, w: &Workload, scenario: &ScenarioFile) {
    let template = key(at, "template");
    if w.priority_class_name.is_some() && w.template.priority_class_name.is_some() {
        c.error(
            key(&template, "priorityClassName"),
            "also set on the workload; set it in one place",
        );
    }
    if w.priority.is_some() && w.template.priority.is_some() {
        c.error(
            key(&template, "priority"),
            "also set on the workload; set it in one place",
        );
    }
    let class_path = if w.priority_class_name.is_some() {
        key(at, "priorityClassName")
    } else {
        key(&template, "priorityClassName")
    };
    if let Some(class) = w.priority_class_name() {
        if scenario.priority_class_value(class).is_none() {
            let mut known: Vec<&str> = scenario
                .priority_classes
                .iter()
                .map(|p| p.name.as_str())
                .collect();
            known.extend(
                crate::scenario::types::BUILTIN_PRIORITY_CLASSES
                    .iter()
                    .map(|(n, _)| *n),
            );
            c.error(
                &class_path,
                format!(
                    "unknown priority class {class:?} (known: {})",
                    known.join(", ")
                ),
            );
        } else if w.priority().is_some() {
            c.error(
                &class_path,
                "give either priority or priorityClassName, not both",
            );
        }
    }
}
