//! `kubelet:`: node-pressure eviction settings, named as in the upstream
//! `KubeletConfiguration`. Only the `memory.available` signal is modelled.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

use crate::scenario::duration::DurationMs;
use crate::scenario::quantity::Quantity;

/// The one eviction signal the simulator models.
pub const MEMORY_AVAILABLE: &str = "memory.available";
/// Upstream default hard threshold for `memory.available` (Linux): 100Mi.
pub const DEFAULT_MEMORY_HARD_BYTES: i64 = 100 << 20;
/// Upstream default `evictionPressureTransitionPeriod`: 5m.
pub const DEFAULT_TRANSITION: DurationMs = DurationMs::from_millis(300_000);
/// Upstream housekeeping (eviction monitoring) interval: 10s.
pub const DEFAULT_HOUSEKEEPING: DurationMs = DurationMs::from_millis(10_000);

/// `kubelet:` (every node's kubelet uses the same settings).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Kubelet {
    /// Hard eviction thresholds by signal (default `{memory.available: 100Mi}`; as upstream,
    /// setting the map replaces the default, so `{}` disables hard eviction).
    #[serde(default)]
    pub eviction_hard: Option<BTreeMap<String, Threshold>>,
    /// Soft eviction thresholds by signal (each needs a grace period).
    #[serde(default)]
    pub eviction_soft: BTreeMap<String, Threshold>,
    /// How long a soft threshold must be met before the kubelet evicts.
    #[serde(default)]
    pub eviction_soft_grace_period: BTreeMap<String, DurationMs>,
    /// How long a pressure condition stays after the threshold was last met (default 5m).
    #[serde(default)]
    pub eviction_pressure_transition_period: Option<DurationMs>,
    /// How often the eviction manager looks at its signals (default 10s).
    #[serde(default)]
    pub housekeeping_interval: Option<DurationMs>,
}

impl Kubelet {
    /// The hard thresholds in effect (the upstream default when not set).
    pub fn effective_hard(&self) -> BTreeMap<String, Threshold> {
        self.eviction_hard.clone().unwrap_or_else(|| {
            BTreeMap::from([(
                MEMORY_AVAILABLE.to_string(),
                Threshold::Quantity(Quantity::from_units(DEFAULT_MEMORY_HARD_BYTES)),
            )])
        })
    }

    /// The effective transition period.
    pub fn effective_transition(&self) -> DurationMs {
        self.eviction_pressure_transition_period
            .unwrap_or(DEFAULT_TRANSITION)
    }

    /// The effective housekeeping interval.
    pub fn effective_housekeeping(&self) -> DurationMs {
        self.housekeeping_interval.unwrap_or(DEFAULT_HOUSEKEEPING)
    }
}

/// An eviction threshold: an absolute quantity (`100Mi`) or a percentage of capacity (`5%`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Threshold {
    /// Absolute, in the signal's unit (bytes).
    Quantity(Quantity),
    /// Percentage of the node's capacity.
    Percent(f64),
}

impl fmt::Display for Threshold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Threshold::Quantity(q) => write!(f, "{q}"),
            Threshold::Percent(p) => write!(f, "{p}%"),
        }
    }
}

impl<'de> Deserialize<'de> for Threshold {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Threshold;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a quantity such as \"100Mi\" or a percentage such as \"5%\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Threshold, E> {
                if let Some(p) = v.strip_suffix('%') {
                    let p: f64 = p
                        .parse()
                        .map_err(|_| E::custom(format_args!("invalid percentage {v:?}")))?;
                    return Ok(Threshold::Percent(p));
                }
                v.parse()
                    .map(Threshold::Quantity)
                    .map_err(|e| E::custom(format_args!("invalid threshold {v:?}: {e}")))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Threshold, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Threshold, E> {
                self.visit_str(&v.to_string())
            }
        }
        deserializer.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_upstream() {
        let k = Kubelet::default();
        assert_eq!(
            k.effective_hard()[MEMORY_AVAILABLE],
            Threshold::Quantity("100Mi".parse().unwrap())
        );
        assert_eq!(k.effective_transition().as_millis(), 300_000);
        assert_eq!(k.effective_housekeeping().as_millis(), 10_000);
        let k: Kubelet = serde_saphyr::from_str("{evictionHard: {}}").unwrap();
        assert!(k.effective_hard().is_empty());
    }

    #[test]
    fn thresholds_parse() {
        let k: Kubelet = serde_saphyr::from_str(
            "{evictionHard: {memory.available: 5%}, evictionSoft: {memory.available: 1Gi},\n\
             evictionSoftGracePeriod: {memory.available: 1m30s}, housekeepingInterval: 5s}",
        )
        .unwrap();
        assert_eq!(
            k.effective_hard()[MEMORY_AVAILABLE],
            Threshold::Percent(5.0)
        );
        assert_eq!(
            k.eviction_soft_grace_period[MEMORY_AVAILABLE].as_millis(),
            90_000
        );
        assert!(
            serde_saphyr::from_str::<Kubelet>("{evictionHard: {memory.available: abc}}").is_err()
        );
    }
}
