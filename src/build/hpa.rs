//! `horizontalPodAutoscalers` → the engine's [`HpaSpec`]s: the target workload by index, the
//! metrics as resources, and a given `behavior` with upstream's defaults filled in
//! (`pkg/apis/autoscaling/v2/defaults.go`: `GenerateHPAScaleUpRules`,
//! `GenerateHPAScaleDownRules`; a missing scale-down window is the controller's 300 s).

use crate::controllers::hpa::{
    Behavior, HpaSpec, Metric, Policy, PolicyKind, Resource, Rules, Select,
};
use crate::scenario::types::hpa::{PolicyType, ScalingRules, SelectPolicy as SelectSpec};
use crate::scenario::ScenarioFile;

/// The HPAs of validated scenario `s` (workload ids are indexes into `s.workloads`).
pub fn hpa_specs(s: &ScenarioFile) -> Vec<HpaSpec> {
    s.horizontal_pod_autoscalers
        .iter()
        .filter_map(|h| {
            let workload = s
                .workloads
                .iter()
                .position(|w| w.name == h.scale_target_ref.name)? as u32;
            let metrics = h
                .effective_metrics()
                .into_iter()
                .map(|(name, target)| Metric {
                    resource: if name == "memory" {
                        Resource::Memory
                    } else {
                        Resource::Cpu
                    },
                    target,
                })
                .collect();
            let behavior = h.behavior.as_ref().map(|b| Behavior {
                up: rules(b.scale_up.as_ref(), Rules::scale_up_default()),
                down: rules(b.scale_down.as_ref(), Rules::scale_down_default()),
            });
            Some(HpaSpec {
                name: h.name.clone(),
                workload,
                min: h.effective_min(),
                max: h.max_replicas,
                metrics,
                behavior,
            })
        })
        .collect()
}

/// One direction's rules: each missing field takes the default's value.
fn rules(r: Option<&ScalingRules>, default: Rules) -> Rules {
    let Some(r) = r else {
        return default;
    };
    Rules {
        window_ms: r
            .stabilization_window_seconds
            .map_or(default.window_ms, |s| s.max(0) as u64 * 1000),
        select: match r.select_policy {
            None => default.select,
            Some(SelectSpec::Max) => Select::Max,
            Some(SelectSpec::Min) => Select::Min,
            Some(SelectSpec::Disabled) => Select::Disabled,
        },
        policies: match &r.policies {
            None => default.policies,
            Some(list) => list
                .iter()
                .map(|p| Policy {
                    kind: match p.kind {
                        PolicyType::Pods => PolicyKind::Pods,
                        PolicyType::Percent => PolicyKind::Percent,
                    },
                    value: p.value,
                    period_ms: p.period_seconds.max(0) as u64 * 1000,
                })
                .collect(),
        },
    }
}
