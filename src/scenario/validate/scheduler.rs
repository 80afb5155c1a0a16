//! Validation of `scheduler` (ranges as in upstream `ValidateKubeSchedulerConfiguration`).

use std::collections::HashSet;

use super::{index, key, names, pod, Checker};
use crate::scenario::types::scheduler::{
    DefaultPreemptionArgs, NodeResourcesFitArgs, PluginConfig, PluginSet, PodTopologySpreadArgs,
    PodTopologySpreadDefaultingType, Profile, ResourceSpec, SchedulerConfig, ScoringStrategyType,
};

/// In-tree kube-scheduler plugins a profile may enable or disable.
pub(super) const KNOWN_PLUGINS: &[&str] = &[
    "SchedulingGates",
    "PrioritySort",
    "NodeUnschedulable",
    "NodeName",
    "TaintToleration",
    "NodeAffinity",
    "NodePorts",
    "NodeResourcesFit",
    "VolumeRestrictions",
    "EBSLimits",
    "GCEPDLimits",
    "AzureDiskLimits",
    "NodeVolumeLimits",
    "VolumeBinding",
    "VolumeZone",
    "PodTopologySpread",
    "InterPodAffinity",
    "DefaultPreemption",
    "DynamicResources",
    "NodeResourcesBalancedAllocation",
    "ImageLocality",
    "BestFitScore",
    "FGDScore",
    "DefaultBinder",
];

pub(super) fn check(c: &mut Checker, config: &SchedulerConfig) {
    percentage(
        c,
        "scheduler.percentageOfNodesToScore",
        config.percentage_of_nodes_to_score,
    );
    if config.pod_initial_backoff_seconds == Some(0) {
        c.error("scheduler.podInitialBackoffSeconds", "must be at least 1");
    }
    let initial = config.pod_initial_backoff_seconds.unwrap_or(1);
    if let Some(max) = config.pod_max_backoff_seconds {
        if max < initial {
            c.error(
                "scheduler.podMaxBackoffSeconds",
                format!("{max} is less than podInitialBackoffSeconds ({initial})"),
            );
        }
    }
    for (i, profile) in config.profiles.iter().enumerate() {
        check_profile(c, &index("scheduler.profiles", i), profile);
    }
    c.unique(
        config.profiles.iter().enumerate().map(|(i, p)| {
            (
                key(&index("scheduler.profiles", i), "schedulerName"),
                p.name(),
            )
        }),
        "profile",
    );
}

fn percentage(c: &mut Checker, path: &str, value: Option<u32>) {
    if let Some(v) = value.filter(|v| *v > 100) {
        c.error(path, format!("{v} is not a percentage (0..=100)"));
    }
}

fn check_profile(c: &mut Checker, at: &str, profile: &Profile) {
    if profile.scheduler_name.as_deref() == Some("") {
        c.error(key(at, "schedulerName"), "must not be empty");
    }
    percentage(
        c,
        &key(at, "percentageOfNodesToScore"),
        profile.percentage_of_nodes_to_score,
    );
    if let Some(plugins) = &profile.plugins {
        for (point, set) in plugins.extension_points() {
            plugin_set(
                c,
                &key(&key(at, "plugins"), point),
                set,
                matches!(point, "score" | "multiPoint"),
            );
        }
    }
    let mut configured = HashSet::new();
    for (i, config) in profile.plugin_config.iter().enumerate() {
        let path = index(&key(at, "pluginConfig"), i);
        if !configured.insert(config.plugin_name()) {
            c.error(
                key(&path, "name"),
                format!(
                    "{} is configured twice in this profile",
                    config.plugin_name()
                ),
            );
        }
        let args = key(&path, "args");
        match config {
            PluginConfig::NodeResourcesFit(a) => fit_args(c, &args, a),
            PluginConfig::NodeResourcesBalancedAllocation(a) => {
                resource_specs(c, &key(&args, "resources"), &a.resources)
            }
            PluginConfig::PodTopologySpread(a) => spread_args(c, &args, a),
            PluginConfig::InterPodAffinity(a) => {
                if let Some(w) = a
                    .hard_pod_affinity_weight
                    .filter(|w| !(0..=100).contains(w))
                {
                    c.error(
                        key(&args, "hardPodAffinityWeight"),
                        format!("{w} is not in 0..=100"),
                    );
                }
            }
            PluginConfig::DefaultPreemption(a) => preemption_args(c, &args, a),
        }
    }
}

fn plugin_set(c: &mut Checker, at: &str, set: &PluginSet, weighted: bool) {
    for (field, refs) in [("enabled", &set.enabled), ("disabled", &set.disabled)] {
        for (i, plugin) in refs.iter().enumerate() {
            let path = index(&key(at, field), i);
            let wildcard = field == "disabled" && plugin.name == "*";
            if !wildcard && !KNOWN_PLUGINS.contains(&plugin.name.as_str()) {
                c.error(
                    key(&path, "name"),
                    format!(
                        "unknown plugin {:?} (known: {})",
                        plugin.name,
                        KNOWN_PLUGINS.join(", ")
                    ),
                );
            }
            match plugin.weight {
                Some(w) if w < 0 => {
                    c.error(key(&path, "weight"), format!("{w} must not be negative"))
                }
                Some(w) if w != 0 && !weighted => c.error(
                    key(&path, "weight"),
                    "weights apply only under score or multiPoint",
                ),
                _ => {}
            }
        }
    }
}

fn fit_args(c: &mut Checker, at: &str, args: &NodeResourcesFitArgs) {
    for (i, name) in args.ignored_resources.iter().enumerate() {
        c.check(
            &index(&key(at, "ignoredResources"), i),
            names::resource_name(name),
        );
    }
    for (i, group) in args.ignored_resource_groups.iter().enumerate() {
        if group.contains('/') || names::dns_subdomain(group).is_some() {
            c.error(
                index(&key(at, "ignoredResourceGroups"), i),
                format!("{group:?} must be a domain such as example.com, without '/'"),
            );
        }
    }
    let Some(strategy) = &args.scoring_strategy else {
        return;
    };
    let at = key(at, "scoringStrategy");
    resource_specs(c, &key(&at, "resources"), &strategy.resources);
    let uses_shape = strategy.strategy_type == Some(ScoringStrategyType::RequestedToCapacityRatio);
    match (&strategy.requested_to_capacity_ratio, uses_shape) {
        (None, true) => c.error(
            key(&at, "requestedToCapacityRatio"),
            "required for type RequestedToCapacityRatio",
        ),
        (Some(ratio), _) => {
            let path = key(&key(&at, "requestedToCapacityRatio"), "shape");
            if ratio.shape.is_empty() && uses_shape {
                c.error(&path, "must have at least one point");
            }
            let mut previous: Option<i32> = None;
            for (i, point) in ratio.shape.iter().enumerate() {
                let p = index(&path, i);
                if !(0..=100).contains(&point.utilization) {
                    c.error(
                        key(&p, "utilization"),
                        format!("{} is not in 0..=100", point.utilization),
                    );
                } else if previous.is_some_and(|prev| point.utilization <= prev) {
                    c.error(
                        key(&p, "utilization"),
                        "utilization values must increase strictly",
                    );
                }
                if !(0..=10).contains(&point.score) {
                    c.error(
                        key(&p, "score"),
                        format!("{} is not in 0..=10", point.score),
                    );
                }
                previous = Some(point.utilization);
            }
        }
        (None, false) => {}
    }
}

fn resource_specs(c: &mut Checker, at: &str, specs: &[ResourceSpec]) {
    for (i, spec) in specs.iter().enumerate() {
        let path = index(at, i);
        c.check(&key(&path, "name"), names::resource_name(&spec.name));
        if !(1..=100).contains(&spec.effective_weight()) {
            c.error(
                key(&path, "weight"),
                format!("{} is not in 1..=100", spec.effective_weight()),
            );
        }
    }
    c.unique(
        specs
            .iter()
            .enumerate()
            .map(|(i, s)| (key(&index(at, i), "name"), s.name.as_str())),
        "resource",
    );
}

fn spread_args(c: &mut Checker, at: &str, args: &PodTopologySpreadArgs) {
    let system =
        args.defaulting_type.unwrap_or_default() == PodTopologySpreadDefaultingType::System;
    if system && !args.default_constraints.is_empty() {
        c.error(
            key(at, "defaultConstraints"),
            "must be empty when defaultingType is System",
        );
    }
    let path = key(at, "defaultConstraints");
    for (i, constraint) in args.default_constraints.iter().enumerate() {
        if constraint.label_selector.is_some() {
            c.error(
                key(&index(&path, i), "labelSelector"),
                "must not be set in default constraints",
            );
        }
    }
    pod::spread_constraints(c, &path, &args.default_constraints);
}

fn preemption_args(c: &mut Checker, at: &str, args: &DefaultPreemptionArgs) {
    let pct = args.min_candidate_nodes_percentage.unwrap_or(10);
    let abs = args.min_candidate_nodes_absolute.unwrap_or(100);
    if !(0..=100).contains(&pct) {
        c.error(
            key(at, "minCandidateNodesPercentage"),
            format!("{pct} is not in 0..=100"),
        );
    }
    if abs < 0 {
        c.error(
            key(at, "minCandidateNodesAbsolute"),
            format!("{abs} must not be negative"),
        );
    }
    if pct == 0 && abs == 0 {
        c.error(
            at,
            "minCandidateNodesPercentage and minCandidateNodesAbsolute must not both be 0",
        );
    }
}
