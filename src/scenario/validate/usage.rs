//! Validation of `workloads[].usage` and `kubelet`: distribution parameters, relative amounts
//! only for containers with a request, container names, diurnal/spike/noise ranges, and the
//! eviction thresholds (only `memory.available`; soft thresholds with grace periods).

use std::collections::BTreeMap;

use super::{index, key, Checker};
use crate::scenario::quantity::Quantity;
use crate::scenario::types::kubelet::{Threshold, MEMORY_AVAILABLE};
use crate::scenario::types::pod::Container;
use crate::scenario::types::usage::{Amount, Usage, UsageDistribution, UsageSpread};
use crate::scenario::types::ScenarioFile;

pub(super) fn check(c: &mut Checker, scenario: &ScenarioFile) {
    for (i, w) in scenario.workloads.iter().enumerate() {
        if let Some(u) = &w.usage {
            let at = key(&index("workloads", i), "usage");
            let t = &w.template;
            let running: Vec<&Container> = t
                .init_containers
                .iter()
                .filter(|c| c.is_sidecar())
                .chain(&t.containers)
                .collect();
            check_usage(
                c,
                &at,
                u,
                &running,
                t.init_containers
                    .iter()
                    .filter(|c| !c.is_sidecar())
                    .map(|c| c.name.as_str()),
            );
        }
    }
    if let Some(k) = &scenario.kubelet {
        let hard = k.effective_hard();
        thresholds(c, "kubelet.evictionHard", &hard);
        thresholds(c, "kubelet.evictionSoft", &k.eviction_soft);
        for (signal, grace) in &k.eviction_soft_grace_period {
            let at = key("kubelet.evictionSoftGracePeriod", signal);
            if signal != MEMORY_AVAILABLE {
                c.error(
                    &at,
                    format!("unknown signal {signal:?}: only {MEMORY_AVAILABLE} is modelled"),
                );
            } else if !k.eviction_soft.contains_key(signal) {
                c.error(&at, format!("a grace period without a soft threshold (set kubelet.evictionSoft[{signal}])"));
            } else if grace.is_zero() {
                c.error(
                    &at,
                    "must be positive (a soft threshold with no grace period is a hard one)",
                );
            }
        }
        for signal in k.eviction_soft.keys() {
            if signal == MEMORY_AVAILABLE && !k.eviction_soft_grace_period.contains_key(signal) {
                c.error(
                    key("kubelet.evictionSoft", signal),
                    format!("a soft threshold needs a grace period (set kubelet.evictionSoftGracePeriod[{signal}])"),
                );
            }
        }
        if k.effective_housekeeping().is_zero() {
            c.error("kubelet.housekeepingInterval", "must be positive");
        }
    }
}

fn thresholds(c: &mut Checker, at: &str, map: &BTreeMap<String, Threshold>) {
    for (signal, t) in map {
        let at = key(at, signal);
        if signal != MEMORY_AVAILABLE {
            c.error(
                &at,
                format!("unknown signal {signal:?}: only {MEMORY_AVAILABLE} is modelled (nodefs, imagefs and pid pressure are not)"),
            );
            continue;
        }
        match t {
            Threshold::Quantity(q) if q.is_negative() => {
                c.error(&at, format!("must not be negative (got {q})"))
            }
            Threshold::Percent(p) if !(p.is_finite() && *p > 0.0 && *p <= 100.0) => {
                c.error(&at, format!("a percentage must be in (0, 100] (got {p}%)"))
            }
            _ => {}
        }
    }
}

fn check_usage<'a>(
    c: &mut Checker,
    at: &str,
    u: &Usage,
    running: &[&Container],
    plain_init: impl Iterator<Item = &'a str>,
) {
    if u.effective_interval().is_zero() {
        c.error(key(at, "interval"), "must be positive");
    }
    if let Some(n) = &u.noise {
        for (name, v) in [("cpu", n.cpu), ("memory", n.memory)] {
            if let Some(v) = v {
                if !(v.is_finite() && (1.0..=100.0).contains(&v)) {
                    c.error(
                        key(&key(at, "noise"), name),
                        format!("the noise factor's p99 must be between 1 and 100 (got {v})"),
                    );
                }
            }
        }
    }
    if let Some(s) = u.memory_follows_load {
        if !(s.is_finite() && (0.0..=1.0).contains(&s)) {
            c.error(
                key(at, "memoryFollowsLoad"),
                format!("must be between 0 and 1 (got {s})"),
            );
        }
    }
    if let Some(d) = &u.diurnal {
        let at = key(at, "diurnal");
        if !(d.peak_hour.is_finite() && (0.0..24.0).contains(&d.peak_hour)) {
            c.error(
                key(&at, "peakHour"),
                format!(
                    "must be an hour of the day, 0 <= h < 24 (got {})",
                    d.peak_hour
                ),
            );
        }
        if !(d.trough_ratio.is_finite() && d.trough_ratio > 0.0 && d.trough_ratio <= 1.0) {
            c.error(
                key(&at, "troughRatio"),
                format!("must be in (0, 1] (got {})", d.trough_ratio),
            );
        }
    }
    if let Some(s) = &u.spikes {
        let at = key(at, "spikes");
        match (&s.rate, &s.at) {
            (Some(_), Some(_)) => c.error(&at, "give either `rate` or `at`, not both"),
            (None, None) => c.error(
                &at,
                "give `rate` (Poisson spike starts) or `at` (a list of start times)",
            ),
            _ => {}
        }
        if !(s.size.is_finite() && s.size > 0.0 && s.size <= 100.0) {
            c.error(
                key(&at, "size"),
                format!(
                    "must be a positive multiplier of at most 100 (got {})",
                    s.size
                ),
            );
        }
        if s.duration.is_zero() {
            c.error(key(&at, "duration"), "must be positive");
        }
    }
    let plain_init: Vec<&str> = plain_init.collect();
    for name in u.containers.keys() {
        if running.iter().all(|c| &c.name != name) {
            let why = if plain_init.contains(&name.as_str()) {
                "is an init container, which finishes before the pod runs"
            } else {
                "is not a container of the template"
            };
            c.error(key(&key(at, "containers"), name), format!("{name:?} {why}"));
        }
    }
    for ctr in running {
        let over = u.containers.get(&ctr.name);
        for (res, own, shared) in [
            ("cpu", over.and_then(|o| o.cpu.as_ref()), u.cpu.as_ref()),
            (
                "memory",
                over.and_then(|o| o.memory.as_ref()),
                u.memory.as_ref(),
            ),
        ] {
            let (path, dist) = match (own, shared) {
                (Some(d), _) => (key(&key(&key(at, "containers"), &ctr.name), res), d),
                (None, Some(d)) => (key(at, res), d),
                (None, None) => continue,
            };
            distribution(c, &path, dist);
            let has_request = ctr
                .requests_with_defaults()
                .get(res)
                .is_some_and(|q| *q > Quantity::ZERO);
            if dist.is_relative() && !has_request {
                c.error(
                    &path,
                    format!(
                        "container {:?} has no {res} request, so a relative amount (`x`) means nothing; \
                         give an absolute amount (under usage.containers.{}.{res} for this container only)",
                        ctr.name, ctr.name
                    ),
                );
            }
        }
    }
}

/// Parameter ranges of one distribution (shared paths are checked once per container; the
/// messages are identical, so duplicates are dropped by keeping only the first).
fn distribution(c: &mut Checker, at: &str, d: &UsageDistribution) {
    if c.found.iter().any(|f| f.path == at) {
        return;
    }
    let value = |a: &Amount| match a {
        Amount::Relative(f) => *f,
        Amount::Absolute(q) => q.as_nanos() as f64,
    };
    for a in d.amounts() {
        if a.is_negative() {
            c.error(at, format!("amounts must not be negative (got {a})"));
            return;
        }
    }
    match d {
        UsageDistribution::Uniform { min, max } if value(min) > value(max) => {
            c.error(at, format!("`min` ({min}) is greater than `max` ({max})"))
        }
        UsageDistribution::LogNormal { median, spread } => {
            if value(median) <= 0.0 {
                c.error(at, "`median` must be positive");
            } else if let UsageSpread::P99(p) = spread {
                if value(p) <= value(median) {
                    c.error(
                        at,
                        format!("`p99` ({p}) must be greater than `median` ({median})"),
                    );
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario::parse_scenario;
    use crate::scenario::ScenarioError;

    const BASE: &str = "name: t\nsimulation: {duration: 1h}\ncluster:\n  zones: [a]\n  nodes: [{name: n0, zone: a, capacity: {cpu: \"4\", memory: 8Gi}}]\n";

    fn errors(extra: &str) -> Vec<String> {
        match parse_scenario(&format!("{BASE}{extra}"), "s.yaml") {
            Ok(_) => Vec::new(),
            Err(ScenarioError::Invalid(d)) => d
                .iter()
                .map(|d| format!("{}: {}", d.path, d.message))
                .collect(),
            Err(e) => vec![e.to_string()],
        }
    }

    fn workload(usage: &str) -> String {
        format!(
            "workloads:\n  - name: w\n    kind: Deployment\n    replicas: 1\n    template:\n      initContainers: [{{name: init}}]\n      containers:\n        - {{name: app, resources: {{requests: {{cpu: 500m}}}}}}\n    usage: {usage}\n"
        )
    }

    #[test]
    fn valid_usage_and_kubelet_sections_pass() {
        let ok = errors(&format!(
            "kubelet: {{evictionHard: {{memory.available: 5%}}, evictionSoft: {{memory.available: 1Gi}}, evictionSoftGracePeriod: {{memory.available: 1m}}}}\n{}",
            workload("{cpu: {distribution: lognormal, median: 0.5x, p99: 2x}, memory: 300Mi, memoryLeak: 10Mi/h, noise: {cpu: 1.2}, diurnal: {peakHour: 13.5, troughRatio: 0.3}, spikes: {at: [1h], size: 2, duration: 5m}, memoryFollowsLoad: 0.5}")
        ));
        assert!(ok.is_empty(), "{ok:?}");
    }

    #[test]
    fn each_problem_names_its_field() {
        let e = errors(&workload(
            "{memory: 0.5x, cpu: {distribution: lognormal, median: 1x, p99: 0.5x}, diurnal: {peakHour: 25, troughRatio: 0}, spikes: {size: 0, duration: 0s}, noise: {memory: 0.5}, interval: 0s, containers: {nope: {cpu: 1}, init: {cpu: 1}}, memoryFollowsLoad: 2}",
        ));
        let expect = [
            "workloads[0].usage.interval: must be positive",
            "workloads[0].usage.noise.memory: the noise factor's p99",
            "workloads[0].usage.memoryFollowsLoad: must be between 0 and 1",
            "workloads[0].usage.diurnal.peakHour: must be an hour of the day",
            "workloads[0].usage.diurnal.troughRatio: must be in (0, 1]",
            "workloads[0].usage.spikes: give `rate`",
            "workloads[0].usage.spikes.size: must be a positive multiplier",
            "workloads[0].usage.spikes.duration: must be positive",
            "workloads[0].usage.containers.init: \"init\" is an init container",
            "workloads[0].usage.containers.nope: \"nope\" is not a container of the template",
            "workloads[0].usage.cpu: `p99` (0.5x) must be greater than `median` (1x)",
            "workloads[0].usage.memory: container \"app\" has no memory request",
        ];
        for want in expect {
            assert!(
                e.iter().any(|m| m.starts_with(want)),
                "missing {want:?} in {e:#?}"
            );
        }
        assert_eq!(e.len(), expect.len(), "{e:#?}");
    }

    #[test]
    fn kubelet_thresholds_are_checked() {
        let e = errors("kubelet: {evictionHard: {nodefs.available: 10%, memory.available: 150%}, evictionSoft: {memory.available: 1Gi}, evictionSoftGracePeriod: {pid.available: 1m}, housekeepingInterval: 0s}\n");
        let expect = [
            "kubelet.evictionHard[memory.available]: a percentage must be in (0, 100]",
            "kubelet.evictionHard[nodefs.available]: unknown signal",
            "kubelet.evictionSoftGracePeriod[pid.available]: unknown signal",
            "kubelet.evictionSoft[memory.available]: a soft threshold needs a grace period",
            "kubelet.housekeepingInterval: must be positive",
        ];
        for want in expect {
            assert!(
                e.iter().any(|m| m.starts_with(want)),
                "missing {want:?} in {e:#?}"
            );
        }
        assert_eq!(e.len(), expect.len(), "{e:#?}");
    }
}
