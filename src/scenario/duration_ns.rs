//! Durations with nanosecond precision, for costs smaller than the simulation clock's
//! millisecond (`scheduler.cycleCost`): the same Go-style grammar as [`DurationMs`]
//! (`200ns`, `1.5us`, `0.9ms`, `1ms500us`) without the whole-millisecond rule, or a bare YAML
//! integer of milliseconds.
//!
//! [`DurationMs`]: super::DurationMs

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserialize, Deserializer, Visitor};

use super::duration::parse_nanos;
use super::DurationError;

/// A non-negative span of time in whole nanoseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DurationNs(u64);

impl DurationNs {
    /// A duration of `ns` nanoseconds.
    pub const fn from_nanos(ns: u64) -> Self {
        DurationNs(ns)
    }

    /// The length in nanoseconds.
    pub const fn as_nanos(self) -> u64 {
        self.0
    }
}

impl FromStr for DurationNs {
    type Err = DurationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        u64::try_from(parse_nanos(s)?)
            .map(DurationNs)
            .map_err(|_| DurationError::TooLarge)
    }
}

impl<'de> Deserialize<'de> for DurationNs {
    /// Accepts a Go-style string or a non-negative integer of milliseconds.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NsVisitor)
    }
}

struct NsVisitor;

impl Visitor<'_> for NsVisitor {
    type Value = DurationNs;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a duration such as \"200ns\" or \"1.5ms\", or an integer of milliseconds")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<DurationNs, E> {
        v.parse()
            .map_err(|e| E::custom(format_args!("invalid duration {v:?}: {e}")))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<DurationNs, E> {
        v.checked_mul(1_000_000).map(DurationNs).ok_or_else(|| {
            E::custom(format_args!(
                "invalid duration {v}: {}",
                DurationError::TooLarge
            ))
        })
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<DurationNs, E> {
        match u64::try_from(v) {
            Ok(v) => self.visit_u64(v),
            Err(_) => Err(E::custom(format_args!(
                "invalid duration {v}: {}",
                DurationError::Negative
            ))),
        }
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<DurationNs, E> {
        Err(E::custom(format_args!(
            "invalid duration {v}: write a string with a unit (e.g. \"0.5ms\") \
             or an integer of milliseconds"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ns(s: &str) -> u64 {
        s.parse::<DurationNs>()
            .unwrap_or_else(|e| panic!("{s:?} should parse: {e}"))
            .as_nanos()
    }

    #[test]
    fn sub_millisecond_durations_parse_exactly() {
        assert_eq!(ns("200ns"), 200);
        assert_eq!(ns("1.5us"), 1_500);
        assert_eq!(ns("1.5µs"), 1_500);
        assert_eq!(ns("0.9ms"), 900_000);
        assert_eq!(ns("1ms500us"), 1_500_000);
        assert_eq!(ns("2s"), 2_000_000_000);
        assert_eq!(ns("0"), 0);
    }

    #[test]
    fn rejects_negative_and_garbage() {
        assert_eq!("-1ms".parse::<DurationNs>(), Err(DurationError::Negative));
        assert_eq!("5".parse::<DurationNs>(), Err(DurationError::MissingUnit));
        assert!(matches!(
            "5x".parse::<DurationNs>(),
            Err(DurationError::UnknownUnit(_))
        ));
        assert_eq!("".parse::<DurationNs>(), Err(DurationError::Empty));
        assert_eq!(
            "999999999h".parse::<DurationNs>(),
            Err(DurationError::TooLarge)
        );
    }
}
