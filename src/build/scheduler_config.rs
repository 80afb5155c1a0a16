//! The scenario's `scheduler:` section (a KubeSchedulerConfiguration subset) resolved into the
//! engine's [`SchedulerConfig`], merging each profile with upstream defaults the way
//! kube-scheduler does: `enabled` adds a plugin or overrides its weight, `disabled` removes it,
//! `disabled: [{name: "*"}]` removes every default of that extension point.

use crate::scenario::types::scheduler::{
    PluginConfig, PluginSet, Profile as ProfileSpec, ResourceSpec,
    SchedulerConfig as SchedulerSpec, ScoringStrategyType,
};
use crate::scheduler::{CycleCost, Profile, SchedulerConfig, ScoringStrategy, SCORE_PLUGINS};

/// Filter plugins the model knows (upstream names).
pub const FILTER_PLUGINS: [&str; 7] = crate::scheduler::FilterPlugin::NAMES;

fn resources(list: &[ResourceSpec]) -> Vec<(String, i64)> {
    list.iter()
        .map(|r| (r.name.clone(), r.effective_weight()))
        .collect()
}

fn disables(set: Option<&PluginSet>, name: &str) -> bool {
    set.is_some_and(|s| s.disabled.iter().any(|p| p.name == name || p.name == "*"))
}

fn enabled_weight(set: Option<&PluginSet>, name: &str) -> Option<Option<i64>> {
    set.and_then(|s| s.enabled.iter().find(|p| p.name == name))
        .map(|p| p.weight.filter(|w| *w > 0).map(i64::from))
}

fn profile(spec: &ProfileSpec) -> Profile {
    let mut p = Profile {
        name: spec.name().to_string(),
        percentage_of_nodes_to_score: spec.percentage_of_nodes_to_score,
        ..Profile::default()
    };
    let plugins = spec.plugins.as_ref();
    let multi = plugins.and_then(|x| x.multi_point.as_ref());
    let score = plugins.and_then(|x| x.score.as_ref());
    let filter = plugins.and_then(|x| x.filter.as_ref());
    let post_filter = plugins.and_then(|x| x.post_filter.as_ref());
    let defaults = Profile::default().score_weights;
    p.score_weights = SCORE_PLUGINS
        .iter()
        .filter_map(|name| {
            let default = defaults.iter().find(|(n, _)| n == name).map(|(_, w)| *w);
            let explicit = enabled_weight(score, name).or(enabled_weight(multi, name));
            let removed = disables(score, name) || disables(multi, name);
            match (explicit, removed) {
                (Some(w), _) => Some((name.to_string(), w.or(default).unwrap_or(1))),
                (None, true) => None,
                (None, false) => default.map(|w| (name.to_string(), w)),
            }
        })
        .collect();
    p.disabled_filters = FILTER_PLUGINS
        .iter()
        .filter(|n| {
            (disables(filter, n) || disables(multi, n)) && enabled_weight(filter, n).is_none()
        })
        .map(|n| n.to_string())
        .collect();
    p.preemption =
        !(disables(post_filter, "DefaultPreemption") || disables(multi, "DefaultPreemption"));
    for cfg in &spec.plugin_config {
        match cfg {
            PluginConfig::NodeResourcesFit(a) => {
                if let Some(s) = &a.scoring_strategy {
                    let res = if s.resources.is_empty() {
                        vec![("cpu".into(), 1), ("memory".into(), 1)]
                    } else {
                        resources(&s.resources)
                    };
                    p.fit_strategy = match s.strategy_type.unwrap_or_default() {
                        ScoringStrategyType::LeastAllocated => {
                            ScoringStrategy::LeastAllocated { resources: res }
                        }
                        ScoringStrategyType::MostAllocated => {
                            ScoringStrategy::MostAllocated { resources: res }
                        }
                        ScoringStrategyType::RequestedToCapacityRatio => {
                            ScoringStrategy::RequestedToCapacityRatio {
                                resources: res,
                                shape: s
                                    .requested_to_capacity_ratio
                                    .as_ref()
                                    .map(|r| {
                                        r.shape
                                            .iter()
                                            .map(|pt| {
                                                (i64::from(pt.utilization), i64::from(pt.score))
                                            })
                                            .collect()
                                    })
                                    .unwrap_or_default(),
                            }
                        }
                    };
                }
                p.ignored_resources = a.ignored_resources.clone();
                p.ignored_resource_groups = a.ignored_resource_groups.clone();
            }
            PluginConfig::NodeResourcesBalancedAllocation(a) => {
                if !a.resources.is_empty() {
                    p.balanced_resources = resources(&a.resources);
                }
            }
            PluginConfig::InterPodAffinity(a) => {
                if let Some(w) = a.hard_pod_affinity_weight {
                    p.hard_pod_affinity_weight = i64::from(w);
                }
                p.ignore_preferred_terms_of_existing_pods =
                    a.ignore_preferred_terms_of_existing_pods;
            }
            PluginConfig::DefaultPreemption(a) => {
                if let Some(v) = a.min_candidate_nodes_percentage {
                    p.min_candidate_nodes_percentage = v.max(0) as u32;
                }
                if let Some(v) = a.min_candidate_nodes_absolute {
                    p.min_candidate_nodes_absolute = v.max(0) as u32;
                }
            }
            // Defaulting of spread constraints happens when templates are built (`topology`).
            PluginConfig::PodTopologySpread(_) => {}
        }
    }
    p
}

/// Resolves the scheduler section. Profile 0 is always `default-scheduler`.
pub fn scheduler_config(spec: &SchedulerSpec) -> SchedulerConfig {
    let mut cfg = SchedulerConfig::default();
    if let Some(p) = spec.percentage_of_nodes_to_score {
        cfg.percentage_of_nodes_to_score = p;
    }
    if let Some(s) = spec.pod_initial_backoff_seconds {
        cfg.initial_backoff_ms = s * 1000;
    }
    if let Some(s) = spec.pod_max_backoff_seconds {
        cfg.max_backoff_ms = s * 1000;
    }
    let mut profiles: Vec<Profile> = spec.profiles.iter().map(profile).collect();
    match profiles.iter().position(|p| p.name == "default-scheduler") {
        Some(0) => {}
        Some(i) => {
            let p = profiles.remove(i);
            profiles.insert(0, p);
        }
        None => profiles.insert(0, Profile::default()),
    }
    cfg.profiles = profiles;
    cfg.cycle_cost = spec.cycle_cost.as_ref().map(|c| {
        let d = CycleCost::DEFAULT;
        CycleCost {
            per_cycle_ns: c.per_cycle.map_or(d.per_cycle_ns, |v| v.as_nanos()),
            per_node_ns: c.per_node_examined.map_or(d.per_node_ns, |v| v.as_nanos()),
            preemption_ns: c.preemption.map_or(d.preemption_ns, |v| v.as_nanos()),
        }
    });
    cfg
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::parse_scenario;

    fn cfg(yaml_scheduler: &str) -> SchedulerConfig {
        let text = format!(
            "name: t\nsimulation: {{duration: 1m}}\ncluster: {{zones: [a], nodes: [{{name: n, zone: a, capacity: {{cpu: 1, memory: 1Gi, pods: 10}}}}]}}\nscheduler:\n{yaml_scheduler}"
        );
        scheduler_config(&parse_scenario(&text, "t.yaml").expect("valid").scheduler)
    }

    #[test]
    fn weights_override_and_disable() {
        let c = cfg("  profiles:\n    - schedulerName: default-scheduler\n      plugins:\n        score:\n          enabled: [{name: NodeResourcesFit, weight: 5}]\n          disabled: [{name: ImageLocality}]\n");
        let w = &c.profiles[0].score_weights;
        assert!(w.contains(&("NodeResourcesFit".into(), 5)));
        assert!(w.contains(&("TaintToleration".into(), 3)));
        assert!(!w.iter().any(|(n, _)| n == "ImageLocality"));
    }

    #[test]
    fn star_disables_all_defaults_and_extra_profiles_keep_default_first() {
        let c = cfg("  profiles:\n    - schedulerName: packer\n      plugins:\n        score:\n          disabled: [{name: \"*\"}]\n          enabled: [{name: NodeResourcesFit}]\n      pluginConfig:\n        - name: NodeResourcesFit\n          args: {scoringStrategy: {type: MostAllocated}}\n");
        assert_eq!(c.profiles[0].name, "default-scheduler");
        assert_eq!(
            c.profiles[1].score_weights,
            vec![("NodeResourcesFit".to_string(), 1)]
        );
        assert!(matches!(
            c.profiles[1].fit_strategy,
            ScoringStrategy::MostAllocated { .. }
        ));
    }

    #[test]
    fn ignore_preferred_terms_of_existing_pods_reaches_the_profile() {
        let c = cfg("  profiles:\n    - schedulerName: default-scheduler\n      pluginConfig:\n        - name: InterPodAffinity\n          args: {ignorePreferredTermsOfExistingPods: true}\n");
        assert!(c.profiles[0].ignore_preferred_terms_of_existing_pods);
        assert!(!cfg("  {}\n").profiles[0].ignore_preferred_terms_of_existing_pods);
    }

    #[test]
    fn cycle_cost_is_off_by_default_and_fields_default_one_by_one() {
        assert_eq!(cfg("  {}\n").cycle_cost, None);
        let c = cfg("  cycleCost: {perNodeExamined: 200ns, preemption: 5ms}\n");
        assert_eq!(
            c.cycle_cost,
            Some(CycleCost {
                per_cycle_ns: CycleCost::DEFAULT.per_cycle_ns,
                per_node_ns: 200,
                preemption_ns: 5_000_000,
            })
        );
        assert_eq!(
            cfg("  cycleCost: {}\n").cycle_cost,
            Some(CycleCost::DEFAULT)
        );
    }
}
