//! `workloads[]`: what runs on the cluster, and for Jobs when they arrive and how long they run.

use std::fmt;

use serde::de::value::MapAccessDeserializer;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use super::non_negative::optional_non_negative;
use super::pod::PodTemplate;
use crate::scenario::duration::DurationMs;
use crate::scenario::rate::Rate;

/// Namespace of workloads that do not name one.
pub const DEFAULT_NAMESPACE: &str = "default";

fn default_namespace() -> String {
    DEFAULT_NAMESPACE.to_string()
}

/// One workload: a controller (or a bare pod) and its pod template.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Workload {
    /// Unique workload name.
    pub name: String,
    /// Which controller runs the pods.
    pub kind: WorkloadKind,
    /// Namespace of the pods (default `default`).
    #[serde(default = "default_namespace")]
    pub namespace: String,
    /// Number of pods; required for Deployment and StatefulSet, not allowed otherwise.
    #[serde(default, deserialize_with = "optional_non_negative")]
    pub replicas: Option<u32>,
    /// Priority class of the pods (or set it in the template, not both).
    #[serde(default)]
    pub priority_class_name: Option<String>,
    /// Explicit pod priority (or set it in the template, not both).
    #[serde(default)]
    pub priority: Option<i32>,
    /// The pod template.
    pub template: PodTemplate,
    /// Job only: when jobs arrive (default: one job at time 0). Each arrival is one pod.
    #[serde(default)]
    pub arrivals: Option<Arrivals>,
    /// Job only, required: how long each job's pod runs once started.
    #[serde(default)]
    pub duration: Option<DurationDistribution>,
    /// Job only: the pod template's `restartPolicy`, `OnFailure` (default) or `Never`.
    #[serde(default)]
    pub restart_policy: Option<RestartPolicy>,
    /// Job only: failed pods (and, with `OnFailure`, container restarts) a Job tolerates
    /// before it fails with `BackoffLimitExceeded` (default 6).
    #[serde(default, deserialize_with = "optional_non_negative")]
    pub backoff_limit: Option<u32>,
    /// Job only: the delay before a failed pod is replaced (default 10 s doubling to 10 min).
    #[serde(default)]
    pub pod_failure_backoff: Option<PodFailureBackoff>,
    /// Pod only: bind to this node without scheduling.
    #[serde(default)]
    pub node_name: Option<String>,
    /// Deployment, StatefulSet, Job: pods already bound at time zero (a live cluster's
    /// placement); the rest are scheduled.
    #[serde(default)]
    pub initial_placement: Option<super::placement::InitialPlacement>,
    /// Actual CPU and memory use of the pods (turns the usage model on).
    #[serde(default)]
    pub usage: Option<super::usage::Usage>,
    /// Job only, set by `workloads: {fromTrace}` (not a scenario field): the pods' arrival
    /// times and run times from a trace, instead of `arrivals` and `duration`.
    #[serde(skip)]
    pub trace: Option<TraceRows>,
}

/// The pods of a trace workload: arrival times (sorted) and run times, ms, one pair per pod.
/// Shared with the engine without copying.
#[derive(Clone, PartialEq, Default)]
pub struct TraceRows {
    /// Arrival times, ms, sorted.
    pub times_ms: std::sync::Arc<[u64]>,
    /// Run time of each pod, ms.
    pub durations_ms: std::sync::Arc<[u64]>,
}

impl TraceRows {
    /// Number of pods.
    pub fn len(&self) -> usize {
        self.times_ms.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.times_ms.is_empty()
    }
}

impl fmt::Debug for TraceRows {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TraceRows({} pods)", self.len())
    }
}

impl Workload {
    /// The priority class name, from the workload or its template.
    pub fn priority_class_name(&self) -> Option<&str> {
        self.priority_class_name
            .as_deref()
            .or(self.template.priority_class_name.as_deref())
    }

    /// The explicit priority, from the workload or its template.
    pub fn priority(&self) -> Option<i32> {
        self.priority.or(self.template.priority)
    }

    /// The job arrivals, defaulting to one arrival at time 0.
    pub fn effective_arrivals(&self) -> Arrivals {
        self.arrivals
            .clone()
            .unwrap_or_else(|| Arrivals::At(vec![DurationMs::ZERO]))
    }
}

/// A workload's `kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
pub enum WorkloadKind {
    /// `replicas` interchangeable pods, replaced when lost.
    Deployment,
    /// `replicas` pods with stable identities, replaced when lost.
    StatefulSet,
    /// One pod on every node that fits it.
    DaemonSet,
    /// Pods that run for a `duration` and complete; arrive per `arrivals`.
    Job,
    /// One pod, not replaced; `nodeName` may bind it directly.
    Pod,
}

impl fmt::Display for WorkloadKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// A pod's `restartPolicy` (a Job takes `OnFailure` or `Never`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum RestartPolicy {
    /// Containers are always restarted (not allowed for a Job).
    Always,
    /// Failed containers restart in place, after the kubelet's back-off.
    OnFailure,
    /// Containers are not restarted: a container failure fails the pod.
    Never,
}

impl fmt::Display for RestartPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// `podFailureBackoff`: the Job controller's delay before replacing a failed pod,
/// `initial · 2^(failures−1)` capped at `max` (upstream `DefaultJobPodFailureBackOff` 10 s,
/// `MaxJobPodFailureBackOff` 10 min).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PodFailureBackoff {
    /// Delay after the first failure (default 10 s).
    #[serde(default)]
    pub initial: Option<DurationMs>,
    /// Longest delay (default 10 min).
    #[serde(default)]
    pub max: Option<DurationMs>,
}

/// `arrivals`: when new jobs are created.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "RawArrivals")]
pub enum Arrivals {
    /// `{process: poisson, rate, start?, until?}`: a Poisson process from `start` (default 0)
    /// to `until` (default: end of the simulation).
    Poisson {
        /// Mean arrival rate.
        rate: Rate,
        /// When arrivals begin.
        start: DurationMs,
        /// When arrivals stop.
        until: Option<DurationMs>,
    },
    /// `{at: [..]}`: one arrival at each listed time.
    At(Vec<DurationMs>),
    /// `{count, interval, start?}`: `count` arrivals, `interval` apart, from `start`.
    Periodic {
        /// Number of arrivals (at least 1).
        count: u32,
        /// Time between arrivals (0 = all at once).
        interval: DurationMs,
        /// First arrival.
        start: DurationMs,
    },
}

/// The only arrival process so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum ArrivalProcess {
    Poisson,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawArrivals {
    process: Option<ArrivalProcess>,
    rate: Option<Rate>,
    until: Option<DurationMs>,
    start: Option<DurationMs>,
    at: Option<Vec<DurationMs>>,
    #[serde(default, deserialize_with = "optional_non_negative")]
    count: Option<u32>,
    interval: Option<DurationMs>,
}

impl TryFrom<RawArrivals> for Arrivals {
    type Error = String;

    fn try_from(raw: RawArrivals) -> Result<Self, String> {
        const FORMS: &str = "`process: poisson` + `rate`, `at`, or `count` + `interval`";
        let first_set = |fields: &[(&'static str, bool)]| {
            fields.iter().find(|(_, set)| *set).map(|(name, _)| *name)
        };
        let forms_used: Vec<&str> = [
            first_set(&[
                ("process", raw.process.is_some()),
                ("rate", raw.rate.is_some()),
                ("until", raw.until.is_some()),
            ]),
            first_set(&[("at", raw.at.is_some())]),
            first_set(&[
                ("count", raw.count.is_some()),
                ("interval", raw.interval.is_some()),
            ]),
        ]
        .into_iter()
        .flatten()
        .collect();
        if let [a, b, ..] = forms_used[..] {
            return Err(format!(
                "`{a}` and `{b}` belong to different kinds of arrivals; use one of {FORMS}"
            ));
        }
        let start = raw.start.unwrap_or_default();
        if let Some(at) = raw.at {
            if raw.start.is_some() {
                return Err("`start` does not apply to `at` arrivals (list the times)".into());
            }
            return Ok(Arrivals::At(at));
        }
        if raw.count.is_some() || raw.interval.is_some() {
            let count = raw.count.ok_or("`interval` needs `count`")?;
            let interval = raw.interval.ok_or("`count` needs `interval`")?;
            if count == 0 {
                return Err("`count` must be at least 1".into());
            }
            return Ok(Arrivals::Periodic {
                count,
                interval,
                start,
            });
        }
        let rate = raw
            .rate
            .ok_or_else(|| format!("missing `rate`; arrivals are one of {FORMS}"))?;
        Ok(Arrivals::Poisson {
            rate,
            start,
            until: raw.until,
        })
    }
}

/// `duration`: the distribution of a job's run time. A bare duration (`duration: 5m`) means
/// `constant`.
#[derive(Debug, Clone, PartialEq)]
pub enum DurationDistribution {
    /// `{distribution: constant, value}`.
    Constant {
        /// The run time.
        value: DurationMs,
    },
    /// `{distribution: uniform, min, max}`.
    Uniform {
        /// Shortest run time.
        min: DurationMs,
        /// Longest run time (at least `min`).
        max: DurationMs,
    },
    /// `{distribution: exponential, mean}`.
    Exponential {
        /// Mean run time (positive).
        mean: DurationMs,
    },
    /// `{distribution: lognormal, median, p99 | sigma}`.
    LogNormal {
        /// Median run time (positive).
        median: DurationMs,
        /// How wide the distribution is.
        spread: LogNormalSpread,
    },
    /// `{distribution: normal, mean, stddev}`; samplers clamp at zero.
    Normal {
        /// Mean run time.
        mean: DurationMs,
        /// Standard deviation.
        stddev: DurationMs,
    },
    /// `{distribution: weibull, shape, scale}`.
    Weibull {
        /// Shape parameter k (positive).
        shape: f64,
        /// Scale parameter λ (positive).
        scale: DurationMs,
    },
}

/// How a log-normal distribution's width is given.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LogNormalSpread {
    /// The 99th percentile (greater than the median).
    P99(DurationMs),
    /// σ of the underlying normal distribution (positive).
    Sigma(f64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum DistributionKind {
    Constant,
    Uniform,
    Exponential,
    Lognormal,
    Normal,
    Weibull,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawDistribution {
    distribution: DistributionKind,
    value: Option<DurationMs>,
    min: Option<DurationMs>,
    max: Option<DurationMs>,
    mean: Option<DurationMs>,
    median: Option<DurationMs>,
    p99: Option<DurationMs>,
    sigma: Option<f64>,
    stddev: Option<DurationMs>,
    shape: Option<f64>,
    scale: Option<DurationMs>,
}

impl RawDistribution {
    /// Names of the fields that are set, in declaration order.
    fn present_fields(&self) -> Vec<&'static str> {
        [
            ("value", self.value.is_some()),
            ("min", self.min.is_some()),
            ("max", self.max.is_some()),
            ("mean", self.mean.is_some()),
            ("median", self.median.is_some()),
            ("p99", self.p99.is_some()),
            ("sigma", self.sigma.is_some()),
            ("stddev", self.stddev.is_some()),
            ("shape", self.shape.is_some()),
            ("scale", self.scale.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, set)| set.then_some(name))
        .collect()
    }

    fn into_distribution(self) -> Result<DurationDistribution, String> {
        use DistributionKind as K;
        let allowed: &[&str] = match self.distribution {
            K::Constant => &["value"],
            K::Uniform => &["min", "max"],
            K::Exponential => &["mean"],
            K::Lognormal => &["median", "p99", "sigma"],
            K::Normal => &["mean", "stddev"],
            K::Weibull => &["shape", "scale"],
        };
        let kind = format!("{:?}", self.distribution).to_lowercase();
        if let Some(extra) = self
            .present_fields()
            .into_iter()
            .find(|f| !allowed.contains(f))
        {
            return Err(format!(
                "`{extra}` does not apply to a {kind} distribution (fields: {})",
                allowed.join(", ")
            ));
        }
        let need = |v: Option<DurationMs>, name: &str| {
            v.ok_or_else(|| format!("a {kind} distribution needs `{name}`"))
        };
        let positive = |v: DurationMs, name: &str| {
            if v.is_zero() {
                Err(format!("`{name}` must be positive"))
            } else {
                Ok(v)
            }
        };
        Ok(match self.distribution {
            K::Constant => DurationDistribution::Constant {
                value: need(self.value, "value")?,
            },
            K::Uniform => {
                let (min, max) = (need(self.min, "min")?, need(self.max, "max")?);
                if min > max {
                    return Err(format!("`min` ({min}) is greater than `max` ({max})"));
                }
                DurationDistribution::Uniform { min, max }
            }
            K::Exponential => DurationDistribution::Exponential {
                mean: positive(need(self.mean, "mean")?, "mean")?,
            },
            K::Lognormal => {
                let median = positive(need(self.median, "median")?, "median")?;
                let spread = match (self.p99, self.sigma) {
                    (Some(p99), None) if p99 > median => LogNormalSpread::P99(p99),
                    (Some(p99), None) => {
                        return Err(format!(
                            "`p99` ({p99}) must be greater than `median` ({median})"
                        ))
                    }
                    (None, Some(sigma)) if sigma.is_finite() && sigma > 0.0 => {
                        LogNormalSpread::Sigma(sigma)
                    }
                    (None, Some(_)) => return Err("`sigma` must be a positive number".into()),
                    _ => {
                        return Err(
                            "a lognormal distribution needs exactly one of `p99` and `sigma`"
                                .into(),
                        )
                    }
                };
                DurationDistribution::LogNormal { median, spread }
            }
            K::Normal => DurationDistribution::Normal {
                mean: need(self.mean, "mean")?,
                stddev: need(self.stddev, "stddev")?,
            },
            K::Weibull => {
                let shape = self.shape.ok_or("a weibull distribution needs `shape`")?;
                if !(shape.is_finite() && shape > 0.0) {
                    return Err("`shape` must be a positive number".into());
                }
                DurationDistribution::Weibull {
                    shape,
                    scale: positive(need(self.scale, "scale")?, "scale")?,
                }
            }
        })
    }
}

impl<'de> Deserialize<'de> for DurationDistribution {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(DistributionVisitor)
    }
}

struct DistributionVisitor;

impl<'de> Visitor<'de> for DistributionVisitor {
    type Value = DurationDistribution;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a duration such as \"5m\" or a mapping with `distribution`")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        let value = DurationMs::deserialize(de::value::StrDeserializer::<E>::new(v))?;
        Ok(DurationDistribution::Constant { value })
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(DurationDistribution::Constant {
            value: DurationMs::from_millis(v),
        })
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        let value = DurationMs::deserialize(de::value::I64Deserializer::<E>::new(v))?;
        Ok(DurationDistribution::Constant { value })
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        RawDistribution::deserialize(MapAccessDeserializer::new(map))?
            .into_distribution()
            .map_err(de::Error::custom)
    }
}
