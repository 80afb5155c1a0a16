//! Durations in whole milliseconds, written Go-style (`500ms`, `90s`, `1h30m`, `1.5h`, `7d`) or
//! as a bare YAML integer of milliseconds.
//!
//! The string grammar is Go's `time.ParseDuration` (units `ns`, `us`/`µs`/`μs`, `ms`, `s`, `m`,
//! `h`, several in a row, decimal fractions) plus `d` = 24h. Differences, all deliberate: a
//! negative duration is rejected, and the total must be a whole number of milliseconds (the
//! simulation clock's resolution), so `1500us` is fine and `1us` is an error.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::{Serialize, Serializer};

const NANOS_PER_MILLI: u128 = 1_000_000;

/// Go's units plus `d`, in nanoseconds. Longer names first so `ms` wins over `m`.
const UNITS: &[(&str, u128)] = &[
    ("ns", 1),
    ("us", 1_000),
    ("µs", 1_000),
    ("μs", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
    ("d", 86_400_000_000_000),
];

/// Why a string is not a valid duration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// The string is empty.
    #[error("empty duration")]
    Empty,
    /// The string starts with `-`.
    #[error("durations must not be negative")]
    Negative,
    /// A number has no unit (only `0` may stand alone).
    #[error("missing unit (e.g. \"90s\", \"5m\"; only an unquoted integer means milliseconds)")]
    MissingUnit,
    /// A unit is not one of `ns us µs ms s m h d`.
    #[error("unknown unit {0:?} (expected one of ns, us, ms, s, m, h, d)")]
    UnknownUnit(String),
    /// The text is not a sequence of `<number><unit>`.
    #[error("expected a sequence of <number><unit> such as \"1h30m\"")]
    Syntax,
    /// The total is not a whole number of milliseconds.
    #[error("not a whole number of milliseconds")]
    SubMillisecond,
    /// The total does not fit in 64 bits of milliseconds.
    #[error("duration too large")]
    TooLarge,
}

/// A non-negative span of simulated time, in whole milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DurationMs(u64);

impl DurationMs {
    /// Zero milliseconds.
    pub const ZERO: DurationMs = DurationMs(0);

    /// A duration of `ms` milliseconds.
    pub const fn from_millis(ms: u64) -> Self {
        DurationMs(ms)
    }

    /// A duration of `s` seconds (saturating).
    pub const fn from_secs(s: u64) -> Self {
        DurationMs(s.saturating_mul(1000))
    }

    /// The length in milliseconds.
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// Whether the duration is zero.
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }
}

impl FromStr for DurationMs {
    type Err = DurationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let total_nanos = parse_nanos(s)?;
        if !total_nanos.is_multiple_of(NANOS_PER_MILLI) {
            return Err(DurationError::SubMillisecond);
        }
        u64::try_from(total_nanos / NANOS_PER_MILLI)
            .map(DurationMs)
            .map_err(|_| DurationError::TooLarge)
    }
}

/// The total of a Go-style duration string in nanoseconds (no whole-millisecond rule).
pub(crate) fn parse_nanos(s: &str) -> Result<u128, DurationError> {
    let rest = match s.as_bytes().first() {
        None => return Err(DurationError::Empty),
        Some(b'-') => return Err(DurationError::Negative),
        Some(b'+') => &s[1..],
        Some(_) => s,
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(DurationError::Syntax);
    }
    let mut rest = rest;
    let mut total_nanos: u128 = 0;
    while !rest.is_empty() {
        let (nanos, after) = parse_component(rest)?;
        total_nanos = total_nanos
            .checked_add(nanos)
            .ok_or(DurationError::TooLarge)?;
        rest = after;
    }
    Ok(total_nanos)
}

/// Parses one `<number><unit>` from the front of `s`; returns nanoseconds and the rest.
fn parse_component(s: &str) -> Result<(u128, &str), DurationError> {
    let int_end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (int_digits, mut rest) = s.split_at(int_end);
    let mut frac_digits = "";
    if let Some(after_dot) = rest.strip_prefix('.') {
        let frac_end = after_dot
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(after_dot.len());
        (frac_digits, rest) = after_dot.split_at(frac_end);
    }
    if int_digits.is_empty() && frac_digits.is_empty() {
        return Err(DurationError::Syntax);
    }
    let unit_end = rest
        .find(|c: char| c == '.' || c.is_ascii_digit())
        .unwrap_or(rest.len());
    let (unit, rest) = rest.split_at(unit_end);
    if unit.is_empty() {
        return Err(DurationError::MissingUnit);
    }
    let &(_, unit_nanos) = UNITS
        .iter()
        .find(|(name, _)| *name == unit)
        .ok_or_else(|| DurationError::UnknownUnit(unit.to_string()))?;
    let whole = int_digits.bytes().try_fold(0u128, |acc, d| {
        acc.checked_mul(10)
            .and_then(|v| v.checked_add(u128::from(d - b'0')))
            .ok_or(DurationError::TooLarge)
    })?;
    // Like Go, digits of the fraction beyond nanosecond precision are dropped; 19 digits
    // are more than enough for a unit of at most a day.
    let frac_digits = &frac_digits[..frac_digits.len().min(19)];
    let frac = frac_digits
        .bytes()
        .fold(0u128, |acc, d| acc * 10 + u128::from(d - b'0'));
    let frac_scale = 10u128.pow(frac_digits.len() as u32);
    let nanos = whole
        .checked_mul(unit_nanos)
        .and_then(|v| v.checked_add(frac * unit_nanos / frac_scale))
        .ok_or(DurationError::TooLarge)?;
    Ok((nanos, rest))
}

impl fmt::Display for DurationMs {
    /// A compact Go-like form that parses back: `1h30m`, `1m30s500ms`, `2d`, `0s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return f.write_str("0s");
        }
        let mut rest = self.0;
        for (unit, ms) in [
            ("d", 86_400_000),
            ("h", 3_600_000),
            ("m", 60_000),
            ("s", 1_000),
            ("ms", 1),
        ] {
            if rest >= ms {
                write!(f, "{}{unit}", rest / ms)?;
                rest %= ms;
            }
        }
        Ok(())
    }
}

impl Serialize for DurationMs {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DurationMs {
    /// Accepts a Go-style string or a non-negative integer of milliseconds.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(DurationVisitor)
    }
}

struct DurationVisitor;

impl Visitor<'_> for DurationVisitor {
    type Value = DurationMs;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a duration such as \"90s\" or \"1h30m\", or an integer of milliseconds")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<DurationMs, E> {
        v.parse()
            .map_err(|e| E::custom(format_args!("invalid duration {v:?}: {e}")))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<DurationMs, E> {
        Ok(DurationMs(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<DurationMs, E> {
        u64::try_from(v).map(DurationMs).map_err(|_| {
            E::custom(format_args!(
                "invalid duration {v}: {}",
                DurationError::Negative
            ))
        })
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<DurationMs, E> {
        Err(E::custom(format_args!(
            "invalid duration {v}: write a string with a unit (e.g. \"1.5s\") \
             or an integer of milliseconds"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(s: &str) -> u64 {
        s.parse::<DurationMs>()
            .unwrap_or_else(|e| panic!("{s:?} should parse: {e}"))
            .as_millis()
    }

    #[test]
    fn go_style_strings() {
        for (input, expected) in [
            ("0", 0),
            ("0s", 0),
            ("+5s", 5_000),
            ("500ms", 500),
            ("90s", 90_000),
            ("5m", 300_000),
            ("1h30m", 5_400_000),
            ("1.5h", 5_400_000),
            ("7d", 604_800_000),
            ("1d2h3m4s5ms", 93_784_005),
            (".5s", 500),
            ("1.s", 1_000),
            ("2000us", 2),
            ("2000µs", 2),
            ("1000.0us", 1),
            ("2000000ns", 2),
            ("1.0000000000000000000001s", 1_000),
            ("0.001s", 1),
        ] {
            assert_eq!(ms(input), expected, "{input}");
        }
    }

    #[test]
    fn rejects_bad_strings() {
        for (input, error) in [
            ("", DurationError::Empty),
            ("-5s", DurationError::Negative),
            ("-0", DurationError::Negative),
            ("5", DurationError::MissingUnit),
            ("1h5", DurationError::MissingUnit),
            ("5x", DurationError::UnknownUnit("x".into())),
            ("5 s", DurationError::UnknownUnit(" s".into())),
            ("5S", DurationError::UnknownUnit("S".into())),
            (".s", DurationError::Syntax),
            ("+", DurationError::Syntax),
            ("s", DurationError::Syntax),
            ("1us", DurationError::SubMillisecond),
            ("1500us", DurationError::SubMillisecond),
            ("0.0001s", DurationError::SubMillisecond),
            ("99999999999999999999d", DurationError::TooLarge),
            (
                "1000000000000000000000000000000000000000h",
                DurationError::TooLarge,
            ),
        ] {
            assert_eq!(input.parse::<DurationMs>(), Err(error), "{input:?}");
        }
    }

    #[test]
    fn display_round_trips() {
        for ms_value in [0, 1, 999, 1_000, 90_000, 5_400_000, 93_784_005, 604_800_000] {
            let d = DurationMs::from_millis(ms_value);
            assert_eq!(d.to_string().parse::<DurationMs>(), Ok(d), "{d}");
        }
        assert_eq!(DurationMs::from_millis(5_400_000).to_string(), "1h30m");
    }

    #[test]
    fn deserializes_strings_and_integers() {
        let from_json = |s: &str| serde_json::from_str::<DurationMs>(s);
        assert_eq!(from_json("\"90s\"").unwrap().as_millis(), 90_000);
        assert_eq!(from_json("1500").unwrap().as_millis(), 1_500);
        assert!(from_json("-1").is_err());
        assert!(from_json("1.5").is_err());
        assert!(from_json("\"\"").is_err());
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn display_round_trips_any_duration(ms in any::<u64>()) {
                let d = DurationMs::from_millis(ms);
                prop_assert_eq!(d.to_string().parse::<DurationMs>(), Ok(d));
            }

            #[test]
            fn arbitrary_text_never_panics(text in "[-+0-9.a-zµ ]{0,30}") {
                let _ = text.parse::<DurationMs>();
            }
        }
    }
}
