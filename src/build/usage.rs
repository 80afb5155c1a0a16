//! The usage model: the scenario's `workloads[].usage` and `kubelet` as the engine's
//! [`PressureConfig`], relative amounts multiplied out by each container's request.
//!
//! The model is on when any workload has `usage:` or the scenario has `kubelet:`; workloads
//! without `usage:` then use exactly their requests (nothing without a request), with no noise.

use crate::cluster::template::{ContainerRole, ContainerSpec};
use crate::cluster::World;
use crate::kubelet::config::{
    ContainerUsage, Diurnal, KubeletConfig, Level, SpikeArrivals, Spikes, Threshold, WorkloadUsage,
};
use crate::kubelet::profile::sigma_from_p99;
use crate::kubelet::PressureConfig;
use crate::scenario::types::kubelet::{
    Kubelet as KubeletSpec, Threshold as ThresholdSpec, MEMORY_AVAILABLE,
};
use crate::scenario::types::usage::{Amount, Usage, UsageDistribution, UsageSpread};
use crate::scenario::ScenarioFile;

/// z-score of the 99th percentile of the standard normal distribution.
const Z_P99: f64 = 2.326_347_874_040_841;

/// The usage model of scenario `s` (templates already in `world`, in workload order), or None
/// when the scenario does not turn it on.
pub fn pressure_config(s: &ScenarioFile, world: &World) -> Option<PressureConfig> {
    if s.kubelet.is_none() && s.workloads.iter().all(|w| w.usage.is_none()) && s.services.is_empty()
    {
        return None;
    }
    let kubelet = s.kubelet.as_ref().map(kubelet_config).unwrap_or_default();
    let workloads = s
        .workloads
        .iter()
        .enumerate()
        .map(|(i, w)| workload_usage(w.usage.as_ref(), &world.templates[i].containers))
        .collect();
    Some(PressureConfig { kubelet, workloads })
}

fn threshold(t: &ThresholdSpec) -> Threshold {
    match t {
        ThresholdSpec::Quantity(q) => Threshold::Bytes(q.value()),
        ThresholdSpec::Percent(p) => Threshold::Fraction(p / 100.0),
    }
}

/// The engine's eviction settings.
pub fn kubelet_config(k: &KubeletSpec) -> KubeletConfig {
    let hard = k.effective_hard().get(MEMORY_AVAILABLE).map(threshold);
    let soft = k.eviction_soft.get(MEMORY_AVAILABLE).map(|t| {
        let grace = k
            .eviction_soft_grace_period
            .get(MEMORY_AVAILABLE)
            .map_or(0, |g| g.as_millis());
        (threshold(t), grace)
    });
    KubeletConfig {
        hard,
        soft,
        transition_ms: k.effective_transition().as_millis(),
        housekeeping_ms: k.effective_housekeeping().as_millis(),
    }
}

/// An amount in engine units (millicores for CPU, bytes for memory).
fn amount(a: &Amount, request: i64, cpu: bool) -> f64 {
    match a {
        Amount::Relative(f) => f * request as f64,
        Amount::Absolute(q) => q.as_nanos() as f64 / if cpu { 1e6 } else { 1e9 },
    }
}

/// A usage distribution as an engine [`Level`].
pub fn level(d: &UsageDistribution, request: i64, cpu: bool) -> Level {
    let a = |x: &Amount| amount(x, request, cpu);
    match d {
        UsageDistribution::Constant { value } => Level::Constant(a(value)),
        UsageDistribution::Uniform { min, max } => Level::Uniform(a(min), a(max)),
        UsageDistribution::Normal { mean, stddev } => Level::Normal {
            mean: a(mean),
            sd: a(stddev),
        },
        UsageDistribution::LogNormal { median, spread } => {
            let m = a(median).max(f64::MIN_POSITIVE);
            let sigma = match spread {
                UsageSpread::Sigma(s) => *s,
                UsageSpread::P99(p) => ((a(p) / m).ln() / Z_P99).max(0.0),
            };
            Level::LogNormal { mu: m.ln(), sigma }
        }
    }
}

/// The usage of one workload whose template has `containers` (None: usage = requests).
pub fn workload_usage(u: Option<&Usage>, containers: &[ContainerSpec]) -> WorkloadUsage {
    let running = containers
        .iter()
        .enumerate()
        .filter(|(_, c)| matches!(c.role, ContainerRole::Regular | ContainerRole::Sidecar));
    let ctrs = running
        .map(|(index, c)| {
            let own = u.and_then(|u| u.containers.get(&c.name));
            let (cpu_req, mem_req) = (c.cpu_request.unwrap_or(0), c.mem_request.unwrap_or(0));
            let cpu = own
                .and_then(|o| o.cpu.as_ref())
                .or(u.and_then(|u| u.cpu.as_ref()));
            let mem = own
                .and_then(|o| o.memory.as_ref())
                .or(u.and_then(|u| u.memory.as_ref()));
            let leak = own
                .and_then(|o| o.memory_leak)
                .or(u.and_then(|u| u.memory_leak));
            ContainerUsage {
                index,
                cpu: cpu.map_or(Level::Constant(cpu_req as f64), |d| level(d, cpu_req, true)),
                mem: mem.map_or(Level::Constant(mem_req as f64), |d| {
                    level(d, mem_req, false)
                }),
                leak_per_day: leak.map_or(0, |l| l.bytes_per_day()),
            }
        })
        .collect();
    let Some(u) = u else {
        return WorkloadUsage {
            containers: ctrs,
            interval_ms: 0,
            noise_cpu_sigma: 0.0,
            noise_mem_sigma: 0.0,
            diurnal: None,
            spikes: None,
            mem_load_share: 1.0,
        };
    };
    let noise = u.noise.unwrap_or_default();
    WorkloadUsage {
        containers: ctrs,
        interval_ms: u.effective_interval().as_millis(),
        noise_cpu_sigma: noise.cpu.map_or(0.0, sigma_from_p99),
        noise_mem_sigma: noise.memory.map_or(0.0, sigma_from_p99),
        diurnal: u.diurnal.map(|d| Diurnal {
            peak_hour: d.peak_hour,
            trough: d.trough_ratio,
        }),
        spikes: u.spikes.as_ref().map(|s| Spikes {
            arrivals: match (&s.rate, &s.at) {
                (Some(r), _) => SpikeArrivals::Poisson(r.as_per_millisecond()),
                (None, Some(at)) => {
                    let mut t: Vec<u64> = at.iter().map(|d| d.as_millis()).collect();
                    t.sort_unstable();
                    SpikeArrivals::At(t)
                }
                (None, None) => SpikeArrivals::At(Vec::new()),
            },
            size: s.size,
            duration_ms: s.duration.as_millis(),
        }),
        mem_load_share: u.memory_follows_load.unwrap_or(1.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctr(role: ContainerRole, cpu: Option<i64>, mem: Option<i64>) -> ContainerSpec {
        ContainerSpec {
            name: "app".into(),
            role,
            cpu_request: cpu,
            mem_request: mem,
            cpu_limit: None,
            mem_limit: None,
        }
    }

    #[test]
    fn relative_amounts_multiply_the_request() {
        let u: Usage = serde_saphyr::from_str(
            "{cpu: 0.5x, memory: {distribution: lognormal, median: 0.8x, p99: 1.6x}}",
        )
        .unwrap();
        let w = workload_usage(
            Some(&u),
            &[
                ctr(ContainerRole::Init, Some(1), None),
                ctr(ContainerRole::Regular, Some(1000), Some(1 << 30)),
            ],
        );
        assert_eq!(
            w.containers.len(),
            1,
            "init containers do not run with the pod"
        );
        assert_eq!(w.containers[0].index, 1);
        assert_eq!(w.containers[0].cpu, Level::Constant(500.0));
        let Level::LogNormal { mu, sigma } = w.containers[0].mem else {
            panic!("not lognormal")
        };
        assert!((mu - (0.8 * (1u64 << 30) as f64).ln()).abs() < 1e-9);
        assert!((sigma - 2f64.ln() / Z_P99).abs() < 1e-9);
    }

    #[test]
    fn absolute_amounts_and_defaults() {
        let u: Usage = serde_saphyr::from_str("{cpu: 250m, memory: 1Gi}").unwrap();
        let w = workload_usage(Some(&u), &[ctr(ContainerRole::Regular, None, None)]);
        assert_eq!(w.containers[0].cpu, Level::Constant(250.0));
        assert_eq!(w.containers[0].mem, Level::Constant((1u64 << 30) as f64));
        let d = workload_usage(None, &[ctr(ContainerRole::Sidecar, Some(100), Some(64))]);
        assert_eq!(d.containers[0].cpu, Level::Constant(100.0));
        assert_eq!(d.containers[0].mem, Level::Constant(64.0));
        assert!(!d.ticks());
    }
}
