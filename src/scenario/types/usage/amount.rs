//! Usage amounts (`0.8x` or a quantity), usage distributions and leak rates.

use std::fmt;
use std::str::FromStr;

use serde::de::value::MapAccessDeserializer;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use crate::scenario::quantity::Quantity;

/// An amount of CPU or memory: `0.8x` (times the container's request) or an absolute
/// Kubernetes quantity (CPU in cores, `250m`; memory in bytes, `300Mi`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Amount {
    /// A multiple of the container's request.
    Relative(f64),
    /// An absolute quantity.
    Absolute(Quantity),
}

impl Amount {
    /// Whether the amount is relative to the request.
    pub fn is_relative(&self) -> bool {
        matches!(self, Amount::Relative(_))
    }

    /// Whether the amount is below zero.
    pub fn is_negative(&self) -> bool {
        match self {
            Amount::Relative(f) => *f < 0.0,
            Amount::Absolute(q) => q.is_negative(),
        }
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Amount::Relative(x) => write!(f, "{x}x"),
            Amount::Absolute(q) => write!(f, "{q}"),
        }
    }
}

impl FromStr for Amount {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        if let Some(factor) = s.strip_suffix('x') {
            let v: f64 = factor
                .parse()
                .map_err(|_| format!("invalid amount {s:?}: expected <number>x such as 0.8x"))?;
            if !v.is_finite() || v < 0.0 {
                return Err(format!(
                    "invalid amount {s:?}: the factor must be a non-negative number"
                ));
            }
            return Ok(Amount::Relative(v));
        }
        s.parse::<Quantity>().map(Amount::Absolute).map_err(|e| {
            format!("invalid amount {s:?}: {e} (or <number>x for a multiple of the request)")
        })
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Amount;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an amount such as \"0.8x\" (times the request), \"250m\" or \"1Gi\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Amount, E> {
                v.parse().map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Amount, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Amount, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Amount, E> {
                if !v.is_finite() {
                    return Err(E::custom("an amount must be a finite number"));
                }
                self.visit_str(&v.to_string())
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// A distribution of a container's usage level. A bare amount (`memory: 0.8x`) means
/// `constant`. All amounts of one distribution are either relative or absolute.
#[derive(Debug, Clone, PartialEq)]
pub enum UsageDistribution {
    /// `{distribution: constant, value}`.
    Constant {
        /// The level.
        value: Amount,
    },
    /// `{distribution: uniform, min, max}`.
    Uniform {
        /// Lowest level.
        min: Amount,
        /// Highest level.
        max: Amount,
    },
    /// `{distribution: normal, mean, stddev}`, clamped at zero.
    Normal {
        /// Mean level.
        mean: Amount,
        /// Standard deviation.
        stddev: Amount,
    },
    /// `{distribution: lognormal, median, p99 | sigma}`.
    LogNormal {
        /// Median level (positive).
        median: Amount,
        /// Width.
        spread: UsageSpread,
    },
}

/// Width of a log-normal usage distribution.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum UsageSpread {
    /// The 99th percentile (above the median, same kind of amount).
    P99(Amount),
    /// σ of the underlying normal distribution (positive).
    Sigma(f64),
}

impl UsageDistribution {
    /// The amounts of the distribution (sigma excluded).
    pub fn amounts(&self) -> Vec<Amount> {
        match self {
            UsageDistribution::Constant { value } => vec![*value],
            UsageDistribution::Uniform { min, max } => vec![*min, *max],
            UsageDistribution::Normal { mean, stddev } => vec![*mean, *stddev],
            UsageDistribution::LogNormal { median, spread } => match spread {
                UsageSpread::P99(p) => vec![*median, *p],
                UsageSpread::Sigma(_) => vec![*median],
            },
        }
    }

    /// Whether the amounts are relative to the request.
    pub fn is_relative(&self) -> bool {
        self.amounts()[0].is_relative()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawUsage {
    distribution: RawKind,
    value: Option<Amount>,
    min: Option<Amount>,
    max: Option<Amount>,
    mean: Option<Amount>,
    stddev: Option<Amount>,
    median: Option<Amount>,
    p99: Option<Amount>,
    sigma: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum RawKind {
    Constant,
    Uniform,
    Normal,
    Lognormal,
}

impl RawUsage {
    fn into_distribution(self) -> Result<UsageDistribution, String> {
        let present = [
            ("value", self.value.is_some()),
            ("min", self.min.is_some()),
            ("max", self.max.is_some()),
            ("mean", self.mean.is_some()),
            ("stddev", self.stddev.is_some()),
            ("median", self.median.is_some()),
            ("p99", self.p99.is_some()),
            ("sigma", self.sigma.is_some()),
        ];
        let allowed: &[&str] = match self.distribution {
            RawKind::Constant => &["value"],
            RawKind::Uniform => &["min", "max"],
            RawKind::Normal => &["mean", "stddev"],
            RawKind::Lognormal => &["median", "p99", "sigma"],
        };
        let kind = format!("{:?}", self.distribution).to_lowercase();
        if let Some((extra, _)) = present.iter().find(|(n, set)| *set && !allowed.contains(n)) {
            return Err(format!(
                "`{extra}` does not apply to a {kind} distribution (fields: {})",
                allowed.join(", ")
            ));
        }
        let need = |v: Option<Amount>, name: &str| {
            v.ok_or_else(|| format!("a {kind} distribution needs `{name}`"))
        };
        let d = match self.distribution {
            RawKind::Constant => UsageDistribution::Constant {
                value: need(self.value, "value")?,
            },
            RawKind::Uniform => UsageDistribution::Uniform {
                min: need(self.min, "min")?,
                max: need(self.max, "max")?,
            },
            RawKind::Normal => UsageDistribution::Normal {
                mean: need(self.mean, "mean")?,
                stddev: need(self.stddev, "stddev")?,
            },
            RawKind::Lognormal => {
                let median = need(self.median, "median")?;
                let spread = match (self.p99, self.sigma) {
                    (Some(p), None) => UsageSpread::P99(p),
                    (None, Some(s)) if s.is_finite() && s > 0.0 => UsageSpread::Sigma(s),
                    (None, Some(_)) => return Err("`sigma` must be a positive number".into()),
                    _ => {
                        return Err(
                            "a lognormal distribution needs exactly one of `p99` and `sigma`"
                                .into(),
                        )
                    }
                };
                UsageDistribution::LogNormal { median, spread }
            }
        };
        let amounts = d.amounts();
        if amounts
            .iter()
            .any(|a| a.is_relative() != amounts[0].is_relative())
        {
            return Err(
                "mixes relative (`x`) and absolute amounts; use one kind per distribution".into(),
            );
        }
        Ok(d)
    }
}

impl<'de> Deserialize<'de> for UsageDistribution {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = UsageDistribution;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "an amount such as \"0.8x\" or \"1Gi\", or a mapping with `distribution`",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(UsageDistribution::Constant {
                    value: v.parse().map_err(E::custom)?,
                })
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                RawUsage::deserialize(MapAccessDeserializer::new(map))?
                    .into_distribution()
                    .map_err(de::Error::custom)
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// A memory growth rate, `<quantity>/<unit>` with unit `s`, `m`, `h` or `d` (e.g. `50Mi/h`).
/// Stored exactly as bytes per day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeakRate {
    bytes_per_day: i64,
}

impl LeakRate {
    /// A rate of `bytes_per_day`.
    pub fn per_day(bytes_per_day: i64) -> Self {
        LeakRate { bytes_per_day }
    }

    /// Bytes per day (exact).
    pub fn bytes_per_day(&self) -> i64 {
        self.bytes_per_day
    }
}

impl fmt::Display for LeakRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/d", self.bytes_per_day)
    }
}

impl FromStr for LeakRate {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (q, unit) = s.rsplit_once('/').ok_or_else(|| {
            format!("invalid rate {s:?}: expected <quantity>/<unit> such as 50Mi/h")
        })?;
        let per_day: i64 = match unit {
            "s" => 86_400,
            "m" => 1_440,
            "h" => 24,
            "d" => 1,
            other => {
                return Err(format!(
                    "invalid rate {s:?}: unknown unit {other:?} (expected s, m, h or d)"
                ))
            }
        };
        let q: Quantity = q.parse().map_err(|e| format!("invalid rate {s:?}: {e}"))?;
        if q.is_negative() {
            return Err(format!("invalid rate {s:?}: must not be negative"));
        }
        let bytes_per_day = q
            .value()
            .checked_mul(per_day)
            .ok_or_else(|| format!("invalid rate {s:?}: too large"))?;
        Ok(LeakRate { bytes_per_day })
    }
}

impl<'de> Deserialize<'de> for LeakRate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(de::Error::custom)
    }
}
