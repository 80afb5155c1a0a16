//! `workloads[].usage`: what a workload's containers actually use, as opposed to what they
//! request. Amounts are either relative to the container's request (`0.8x`) or absolute
//! Kubernetes quantities (`250m` CPU, `300Mi` memory).

mod amount;

use std::collections::BTreeMap;

use serde::Deserialize;

pub use amount::{Amount, LeakRate, UsageDistribution, UsageSpread};

use crate::scenario::duration::DurationMs;
use crate::scenario::rate::Rate;

/// Default `usage.interval`: noise is redrawn and the diurnal factor re-evaluated every 5 min.
pub const DEFAULT_USAGE_INTERVAL: DurationMs = DurationMs::from_millis(300_000);

/// `workloads[].usage`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Usage {
    /// CPU use of every container (default: its CPU request, `1x`; 0 without a request).
    #[serde(default)]
    pub cpu: Option<UsageDistribution>,
    /// Memory use of every container (default: its memory request, `1x`; 0 without one).
    #[serde(default)]
    pub memory: Option<UsageDistribution>,
    /// Memory growth of every container while it runs, e.g. `50Mi/h` (reset by a restart).
    #[serde(default)]
    pub memory_leak: Option<LeakRate>,
    /// Per-container overrides of `cpu`, `memory` and `memoryLeak`, by container name.
    #[serde(default)]
    pub containers: BTreeMap<String, ContainerUsage>,
    /// How often noise is redrawn and the diurnal factor re-evaluated (default 5m).
    #[serde(default)]
    pub interval: Option<DurationMs>,
    /// Short-term noise, redrawn for every container every `interval`.
    #[serde(default)]
    pub noise: Option<Noise>,
    /// Daily load curve scaling CPU and memory.
    #[serde(default)]
    pub diurnal: Option<Diurnal>,
    /// Load spikes scaling CPU and memory of all the workload's pods at once.
    #[serde(default)]
    pub spikes: Option<Spikes>,
    /// Share of the memory level that follows the load factor (diurnal × spikes): 1 (default)
    /// scales memory like CPU, 0 keeps memory flat.
    #[serde(default)]
    pub memory_follows_load: Option<f64>,
}

impl Usage {
    /// The effective `interval`.
    pub fn effective_interval(&self) -> DurationMs {
        self.interval.unwrap_or(DEFAULT_USAGE_INTERVAL)
    }
}

/// `usage.containers.<name>`: overrides for one container.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ContainerUsage {
    /// CPU use of this container.
    #[serde(default)]
    pub cpu: Option<UsageDistribution>,
    /// Memory use of this container.
    #[serde(default)]
    pub memory: Option<UsageDistribution>,
    /// Memory growth of this container while it runs.
    #[serde(default)]
    pub memory_leak: Option<LeakRate>,
}

/// `usage.noise`: a multiplicative log-normal factor with median 1, redrawn every interval.
/// Each value is the factor's 99th percentile (`1.2`: one draw in a hundred is 20 % or more
/// above the container's level); 1 or absent means no noise.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Noise {
    /// p99 of the CPU noise factor.
    #[serde(default)]
    pub cpu: Option<f64>,
    /// p99 of the memory noise factor.
    #[serde(default)]
    pub memory: Option<f64>,
}

/// `usage.diurnal`: a cosine day curve, 1 at `peakHour` and `troughRatio` twelve hours later.
/// Simulated time 0 is midnight.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Diurnal {
    /// Hour of the day (0 ≤ h < 24) when the load peaks.
    pub peak_hour: f64,
    /// Load at the trough relative to the peak (0 < r ≤ 1).
    pub trough_ratio: f64,
}

/// `usage.spikes`: periods during which the whole workload's load is multiplied by `size`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Spikes {
    /// Poisson rate of spike starts (or give `at`).
    #[serde(default)]
    pub rate: Option<Rate>,
    /// Fixed spike start times (or give `rate`).
    #[serde(default)]
    pub at: Option<Vec<DurationMs>>,
    /// Load multiplier during a spike (positive; overlapping spikes do not stack).
    pub size: f64,
    /// How long each spike lasts (positive).
    pub duration: DurationMs,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse<T: serde::de::DeserializeOwned>(yaml: &str) -> Result<T, String> {
        serde_saphyr::from_str(yaml).map_err(|e| e.to_string())
    }

    #[test]
    fn amounts_are_relative_or_absolute() {
        assert_eq!("0.8x".parse::<Amount>().unwrap(), Amount::Relative(0.8));
        assert_eq!(
            "1Gi".parse::<Amount>().unwrap(),
            Amount::Absolute("1Gi".parse().unwrap())
        );
        assert!("-1x".parse::<Amount>().is_err());
        assert!("abcx".parse::<Amount>().is_err());
        assert!("1 Gi".parse::<Amount>().is_err());
    }

    #[test]
    fn distributions_parse_and_reject_mixtures() {
        let d: UsageDistribution =
            parse("{distribution: lognormal, median: 0.8x, p99: 1.6x}").unwrap();
        assert_eq!(
            d,
            UsageDistribution::LogNormal {
                median: Amount::Relative(0.8),
                spread: UsageSpread::P99(Amount::Relative(1.6))
            }
        );
        assert!(d.is_relative());
        let c: UsageDistribution = parse("300Mi").unwrap();
        assert!(!c.is_relative());
        let err =
            parse::<UsageDistribution>("{distribution: uniform, min: 0.5x, max: 1Gi}").unwrap_err();
        assert!(err.contains("mixes relative"), "{err}");
        let err =
            parse::<UsageDistribution>("{distribution: constant, value: 1x, p99: 2x}").unwrap_err();
        assert!(err.contains("does not apply"), "{err}");
        let err = parse::<UsageDistribution>("{distribution: lognormal, median: 1x}").unwrap_err();
        assert!(err.contains("exactly one of"), "{err}");
    }

    #[test]
    fn leak_rates_are_exact_per_day() {
        assert_eq!(
            "1Gi/h".parse::<LeakRate>().unwrap().bytes_per_day(),
            24 << 30
        );
        assert_eq!(
            "1Mi/s".parse::<LeakRate>().unwrap().bytes_per_day(),
            86_400 << 20
        );
        assert_eq!("7/d".parse::<LeakRate>().unwrap().bytes_per_day(), 7);
        assert!("1Gi".parse::<LeakRate>().is_err());
        assert!("1Gi/w".parse::<LeakRate>().is_err());
        assert!("-1Mi/h".parse::<LeakRate>().is_err());
    }

    #[test]
    fn usage_section_parses() {
        let u: Usage = parse(
            "{cpu: 0.5x, memory: {distribution: lognormal, median: 0.8x, sigma: 0.3}, memoryLeak: 10Mi/h,\n\
             noise: {cpu: 1.3}, diurnal: {peakHour: 14, troughRatio: 0.4},\n\
             spikes: {rate: 2/d, size: 1.5, duration: 10m}, containers: {envoy: {memory: 64Mi}}}",
        )
        .unwrap();
        assert_eq!(u.effective_interval(), DEFAULT_USAGE_INTERVAL);
        assert_eq!(
            u.containers["envoy"].memory,
            Some(UsageDistribution::Constant {
                value: "64Mi".parse().unwrap()
            })
        );
        assert!(parse::<Usage>("{cpus: 1x}").is_err());
    }
}
