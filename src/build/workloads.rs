//! Workloads: the scenario's `workloads[]` as engine [`WorkloadSpec`]s.

use crate::cluster::NodeId;
use crate::controllers::{
    Arrivals, DurationDist, JobPolicy, JobRestartPolicy, WorkloadKind, WorkloadSpec,
};
use crate::scenario::types::placement::InitialPlacement;
use crate::scenario::types::workload::{
    Arrivals as ArrivalsSpec, DurationDistribution, LogNormalSpread, RestartPolicy, Workload,
    WorkloadKind as KindSpec,
};

/// z-score of the 99th percentile of the standard normal distribution.
const Z_P99: f64 = 2.326_347_874_040_841;

/// Converts a duration distribution (all times in ms).
pub fn duration_dist(d: &DurationDistribution) -> DurationDist {
    match d {
        DurationDistribution::Constant { value } => DurationDist::Constant(value.as_millis()),
        DurationDistribution::Uniform { min, max } => DurationDist::Uniform {
            min: min.as_millis(),
            max: max.as_millis(),
        },
        DurationDistribution::Exponential { mean } => DurationDist::Exponential {
            mean: mean.as_millis(),
        },
        DurationDistribution::LogNormal { median, spread } => {
            let mu = (median.as_millis().max(1) as f64).ln();
            let sigma = match spread {
                LogNormalSpread::Sigma(s) => *s,
                LogNormalSpread::P99(p99) => {
                    ((p99.as_millis().max(1) as f64).ln() - mu).max(0.0) / Z_P99
                }
            };
            DurationDist::LogNormal { mu, sigma }
        }
        DurationDistribution::Normal { mean, stddev } => DurationDist::Normal {
            mean: mean.as_millis() as f64,
            std_dev: stddev.as_millis() as f64,
        },
        DurationDistribution::Weibull { shape, scale } => DurationDist::Weibull {
            shape: *shape,
            scale: scale.as_millis() as f64,
        },
    }
}

/// Converts an arrival process; Poisson arrivals without `until` run to the end (`horizon_ms`).
pub fn arrivals(a: &ArrivalsSpec, horizon_ms: u64) -> Arrivals {
    match a {
        ArrivalsSpec::Poisson { rate, start, until } => Arrivals::Poisson {
            rate_per_sec: rate.as_per_second(),
            start_ms: start.as_millis(),
            until_ms: until.map(|u| u.as_millis()).unwrap_or(horizon_ms),
        },
        ArrivalsSpec::At(times) => Arrivals::At(times.iter().map(|t| t.as_millis()).collect()),
        ArrivalsSpec::Periodic {
            count,
            interval,
            start,
        } => Arrivals::Every {
            count: u64::from(*count),
            interval_ms: interval.as_millis(),
            start_ms: start.as_millis(),
        },
    }
}

/// The engine spec of workload `w`, whose template is `template`. `node_id` resolves a
/// `nodeName` and the nodes of `initialPlacement`.
pub fn workload_spec(
    w: &Workload,
    template: u32,
    horizon_ms: u64,
    node_id: impl Fn(&str) -> Option<NodeId>,
) -> WorkloadSpec {
    let initial_nodes = match &w.initial_placement {
        None => Vec::new(),
        Some(InitialPlacement::Counts(counts)) => counts
            .iter()
            .flat_map(|(n, k)| std::iter::repeat_n(node_id(n), *k as usize))
            .collect(),
        Some(InitialPlacement::Ordinals(nodes)) => nodes
            .iter()
            .map(|n| n.as_deref().and_then(&node_id))
            .collect(),
    };
    let kind = match w.kind {
        KindSpec::Deployment => WorkloadKind::Deployment {
            replicas: w.replicas.unwrap_or(1),
        },
        KindSpec::StatefulSet => WorkloadKind::StatefulSet {
            replicas: w.replicas.unwrap_or(1),
        },
        KindSpec::DaemonSet => WorkloadKind::DaemonSet,
        KindSpec::Job => WorkloadKind::Job {
            arrivals: match &w.trace {
                Some(t) => Arrivals::Trace {
                    times_ms: t.times_ms.clone(),
                    durations_ms: t.durations_ms.clone(),
                },
                None => arrivals(&w.effective_arrivals(), horizon_ms),
            },
            duration: w
                .duration
                .as_ref()
                .map(duration_dist)
                .unwrap_or(DurationDist::Constant(horizon_ms)),
        },
        KindSpec::Pod => WorkloadKind::Pod {
            node_name: w.node_name.as_deref().and_then(&node_id),
        },
    };
    WorkloadSpec {
        name: w.name.clone(),
        kind,
        template,
        job: job_policy(w),
        initial_nodes,
    }
}

/// A Job's failure handling: the scenario's fields over upstream defaults (`OnFailure` when
/// `restartPolicy` is not set, which is how this simulator has always restarted Job pods).
pub fn job_policy(w: &Workload) -> JobPolicy {
    let d = JobPolicy::default();
    let b = w.pod_failure_backoff;
    JobPolicy {
        restart: match w.restart_policy {
            Some(RestartPolicy::Never) => JobRestartPolicy::Never,
            _ => JobRestartPolicy::OnFailure,
        },
        backoff_limit: w.backoff_limit.unwrap_or(d.backoff_limit),
        backoff_initial_ms: b
            .and_then(|b| b.initial)
            .map_or(d.backoff_initial_ms, |t| t.as_millis()),
        backoff_max_ms: b
            .and_then(|b| b.max)
            .map_or(d.backoff_max_ms, |t| t.as_millis()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::DurationMs;

    #[test]
    fn lognormal_from_median_and_p99() {
        let d = DurationDistribution::LogNormal {
            median: DurationMs::from_millis(1000),
            spread: LogNormalSpread::P99(DurationMs::from_millis(10_000)),
        };
        let DurationDist::LogNormal { mu, sigma } = duration_dist(&d) else {
            panic!("not lognormal")
        };
        assert!((mu - 1000f64.ln()).abs() < 1e-12);
        assert!((sigma - 10f64.ln() / Z_P99).abs() < 1e-12);
    }
}
