//! Validation of a pod template: containers and resources, tolerations, node and pod affinity,
//! topology spread constraints (rules from upstream `pkg/apis/core/validation`).

use std::collections::HashSet;

use super::{index, key, names, Checker};
use crate::scenario::types::affinity::{
    LabelSelector, LabelSelectorOperator, NodeSelectorOperator, NodeSelectorTerm, PodAffinity,
    PodAffinityTerm, TopologySpreadConstraint, UnsatisfiableConstraintAction,
};
use crate::scenario::types::cluster::TaintEffect;
use crate::scenario::types::pod::{Container, PodTemplate, Toleration, TolerationOperator};

/// Checks `template` at path `at`; `profiles` are the known scheduler names.
pub(super) fn check(c: &mut Checker, at: &str, template: &PodTemplate, profiles: &HashSet<&str>) {
    c.labels(&key(at, "labels"), &template.labels);
    c.labels(&key(at, "nodeSelector"), &template.node_selector);
    if !profiles.contains(template.scheduler_name()) {
        let mut known: Vec<_> = profiles.iter().copied().collect();
        known.sort_unstable();
        c.error(
            key(at, "schedulerName"),
            format!(
                "no scheduler profile named {:?} (profiles: {})",
                template.scheduler_name(),
                known.join(", ")
            ),
        );
    }
    if template.containers.is_empty() {
        c.error(key(at, "containers"), "a pod needs at least one container");
    }
    for (field, list) in [
        ("initContainers", &template.init_containers),
        ("containers", &template.containers),
    ] {
        for (i, container) in list.iter().enumerate() {
            check_container(
                c,
                &index(&key(at, field), i),
                container,
                field == "initContainers",
            );
        }
    }
    let all = template
        .init_containers
        .iter()
        .enumerate()
        .map(|(i, ct)| (index(&key(at, "initContainers"), i), ct));
    let all = all.chain(
        template
            .containers
            .iter()
            .enumerate()
            .map(|(i, ct)| (index(&key(at, "containers"), i), ct)),
    );
    c.unique(
        all.map(|(p, ct)| (key(&p, "name"), ct.name.as_str())),
        "container",
    );
    c.resources(&key(at, "overhead"), &template.overhead, true);
    for (i, toleration) in template.tolerations.iter().enumerate() {
        check_toleration(c, &index(&key(at, "tolerations"), i), toleration);
    }
    if let Some(affinity) = &template.affinity {
        let at = key(at, "affinity");
        if let Some(node) = &affinity.node_affinity {
            let at = key(&at, "nodeAffinity");
            if let Some(required) = &node.required_during_scheduling_ignored_during_execution {
                let path = key(
                    &key(&at, "requiredDuringSchedulingIgnoredDuringExecution"),
                    "nodeSelectorTerms",
                );
                if required.node_selector_terms.is_empty() {
                    c.error(&path, "must have at least one term");
                }
                for (i, term) in required.node_selector_terms.iter().enumerate() {
                    node_selector_term(c, &index(&path, i), term);
                }
            }
            let path = key(&at, "preferredDuringSchedulingIgnoredDuringExecution");
            for (i, preferred) in node
                .preferred_during_scheduling_ignored_during_execution
                .iter()
                .enumerate()
            {
                weight(c, &key(&index(&path, i), "weight"), preferred.weight);
                node_selector_term(
                    c,
                    &key(&index(&path, i), "preference"),
                    &preferred.preference,
                );
            }
        }
        for (field, pod_affinity) in [
            ("podAffinity", &affinity.pod_affinity),
            ("podAntiAffinity", &affinity.pod_anti_affinity),
        ] {
            if let Some(pod_affinity) = pod_affinity {
                check_pod_affinity(c, &key(&at, field), pod_affinity);
            }
        }
    }
    spread_constraints(
        c,
        &key(at, "topologySpreadConstraints"),
        &template.topology_spread_constraints,
    );
}

fn check_container(c: &mut Checker, at: &str, container: &Container, is_init: bool) {
    c.check(&key(at, "name"), names::dns_label(&container.name));
    if container.restart_policy.is_some() && !is_init {
        c.error(
            key(at, "restartPolicy"),
            "only init containers may set restartPolicy (Always makes a sidecar)",
        );
    }
    let resources = key(at, "resources");
    let (requests, limits) = (&container.resources.requests, &container.resources.limits);
    c.resources(&key(&resources, "requests"), requests, true);
    c.resources(&key(&resources, "limits"), limits, true);
    super::gpus::check_requests(c, &key(&resources, "requests"), requests);
    for (field, list) in [("requests", requests), ("limits", limits)] {
        for (name, q) in list {
            if names::is_extended(name) && !q.is_integer() {
                c.error(
                    key(&key(&resources, field), name),
                    format!("{q}: extended resources take whole numbers"),
                );
            }
        }
    }
    for (name, request) in requests {
        let Some(limit) = limits.get(name) else {
            continue;
        };
        let path = key(&key(&resources, "requests"), name);
        if request > limit {
            c.error(
                &path,
                format!("request {request} is greater than limit {limit}"),
            );
        } else if names::is_non_overcommittable(name) && request != limit {
            let message =
                format!("request {request} must equal limit {limit} (not overcommittable)");
            c.error(&path, message);
        }
    }
}

fn check_toleration(c: &mut Checker, at: &str, t: &Toleration) {
    if t.key.is_empty() {
        if t.operator != TolerationOperator::Exists {
            c.error(key(at, "operator"), "must be Exists when key is empty");
        }
    } else {
        c.check(&key(at, "key"), names::qualified_name(&t.key));
    }
    if t.operator == TolerationOperator::Exists && !t.value.is_empty() {
        c.error(key(at, "value"), "must be empty when operator is Exists");
    }
    c.check(&key(at, "value"), names::label_value(&t.value));
    if t.toleration_seconds.is_some() && t.effect != Some(TaintEffect::NoExecute) {
        c.error(
            key(at, "tolerationSeconds"),
            "applies only to effect NoExecute",
        );
    }
}

fn weight(c: &mut Checker, at: &str, weight: i32) {
    if !(1..=100).contains(&weight) {
        c.error(at, format!("{weight} is not in 1..=100"));
    }
}

fn node_selector_term(c: &mut Checker, at: &str, term: &NodeSelectorTerm) {
    use NodeSelectorOperator as Op;
    for (i, req) in term.match_expressions.iter().enumerate() {
        let path = index(&key(at, "matchExpressions"), i);
        c.check(&key(&path, "key"), names::qualified_name(&req.key));
        let values = key(&path, "values");
        match req.operator {
            Op::In | Op::NotIn if req.values.is_empty() => {
                c.error(&values, "must not be empty for In and NotIn")
            }
            Op::Exists | Op::DoesNotExist if !req.values.is_empty() => {
                c.error(&values, "must be empty for Exists and DoesNotExist")
            }
            Op::Gt | Op::Lt if req.values.len() != 1 || req.values[0].parse::<i64>().is_err() => {
                c.error(&values, "must be exactly one integer for Gt and Lt")
            }
            _ => {}
        }
    }
    for (i, req) in term.match_fields.iter().enumerate() {
        let path = index(&key(at, "matchFields"), i);
        if req.key != "metadata.name" {
            c.error(
                key(&path, "key"),
                format!("{:?}: the only supported field is metadata.name", req.key),
            );
        }
        if !matches!(req.operator, Op::In | Op::NotIn) {
            c.error(
                key(&path, "operator"),
                "must be In or NotIn for matchFields",
            );
        }
        if req.values.len() != 1 {
            c.error(
                key(&path, "values"),
                "must be exactly one node name for matchFields",
            );
        }
    }
}

/// Checks a label selector as the API server does: qualified keys, valid label values, values
/// for `In`/`NotIn` only (shared by pod affinity, spread, fault targets and PDBs).
pub(super) fn label_selector(c: &mut Checker, at: &str, selector: &LabelSelector) {
    c.labels(&key(at, "matchLabels"), &selector.match_labels);
    for (i, req) in selector.match_expressions.iter().enumerate() {
        let path = index(&key(at, "matchExpressions"), i);
        c.check(&key(&path, "key"), names::qualified_name(&req.key));
        let needs_values = matches!(
            req.operator,
            LabelSelectorOperator::In | LabelSelectorOperator::NotIn
        );
        if needs_values && req.values.is_empty() {
            c.error(key(&path, "values"), "must not be empty for In and NotIn");
        } else if !needs_values && !req.values.is_empty() {
            c.error(
                key(&path, "values"),
                "must be empty for Exists and DoesNotExist",
            );
        }
        for (j, value) in req.values.iter().enumerate() {
            c.check(&index(&key(&path, "values"), j), names::label_value(value));
        }
    }
}

fn check_pod_affinity(c: &mut Checker, at: &str, affinity: &PodAffinity) {
    let required = key(at, "requiredDuringSchedulingIgnoredDuringExecution");
    for (i, term) in affinity
        .required_during_scheduling_ignored_during_execution
        .iter()
        .enumerate()
    {
        pod_affinity_term(c, &index(&required, i), term);
    }
    let preferred = key(at, "preferredDuringSchedulingIgnoredDuringExecution");
    for (i, weighted) in affinity
        .preferred_during_scheduling_ignored_during_execution
        .iter()
        .enumerate()
    {
        let path = index(&preferred, i);
        weight(c, &key(&path, "weight"), weighted.weight);
        pod_affinity_term(
            c,
            &key(&path, "podAffinityTerm"),
            &weighted.pod_affinity_term,
        );
    }
}

fn pod_affinity_term(c: &mut Checker, at: &str, term: &PodAffinityTerm) {
    if term.topology_key.is_empty() {
        c.error(key(at, "topologyKey"), "must not be empty");
    } else {
        c.check(
            &key(at, "topologyKey"),
            names::qualified_name(&term.topology_key),
        );
    }
    if let Some(selector) = &term.label_selector {
        label_selector(c, &key(at, "labelSelector"), selector);
    }
    for (i, ns) in term.namespaces.iter().enumerate() {
        c.check(&index(&key(at, "namespaces"), i), names::dns_label(ns));
    }
}

/// Checks topology spread constraints (also used for PodTopologySpread default constraints).
pub(super) fn spread_constraints(
    c: &mut Checker,
    at: &str,
    constraints: &[TopologySpreadConstraint],
) {
    let mut seen = HashSet::new();
    for (i, tsc) in constraints.iter().enumerate() {
        let path = index(at, i);
        if tsc.max_skew < 1 {
            c.error(
                key(&path, "maxSkew"),
                format!("{} must be at least 1", tsc.max_skew),
            );
        }
        if tsc.topology_key.is_empty() {
            c.error(key(&path, "topologyKey"), "must not be empty");
        } else {
            c.check(
                &key(&path, "topologyKey"),
                names::qualified_name(&tsc.topology_key),
            );
        }
        if let Some(min) = tsc.min_domains {
            if min < 1 {
                c.error(
                    key(&path, "minDomains"),
                    format!("{min} must be at least 1"),
                );
            } else if tsc.when_unsatisfiable != UnsatisfiableConstraintAction::DoNotSchedule {
                c.error(
                    key(&path, "minDomains"),
                    "applies only with whenUnsatisfiable: DoNotSchedule",
                );
            }
        }
        if let Some(selector) = &tsc.label_selector {
            label_selector(c, &key(&path, "labelSelector"), selector);
        }
        for (j, label) in tsc.match_label_keys.iter().enumerate() {
            let key_path = index(&key(&path, "matchLabelKeys"), j);
            c.check(&key_path, names::qualified_name(label));
            let selected = tsc.label_selector.as_ref().is_some_and(|s| {
                s.match_labels.contains_key(label)
                    || s.match_expressions.iter().any(|e| &e.key == label)
            });
            if selected {
                c.error(&key_path, format!("{label:?} is also in labelSelector"));
            }
        }
        if !seen.insert((tsc.topology_key.as_str(), tsc.when_unsatisfiable)) {
            c.error(
                &path,
                format!(
                    "duplicate constraint for topologyKey {:?} and {:?}",
                    tsc.topology_key, tsc.when_unsatisfiable
                ),
            );
        }
    }
}
