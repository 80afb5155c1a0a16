//! Arrival rates: `20/s`, `1.5/m`, `300/h`, `2/d`, or a bare number meaning per second.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserialize, Deserializer, Visitor};

/// Why a string is not a valid rate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RateError {
    /// The count is not a number.
    #[error("expected <number>/<unit> such as \"20/s\" (units: ms, s, m, h, d)")]
    Syntax,
    /// The unit after `/` is unknown.
    #[error("unknown unit {0:?} (expected one of ms, s, m, h, d)")]
    UnknownUnit(String),
    /// The rate is zero, negative or not finite.
    #[error("a rate must be a positive finite number")]
    NotPositive,
}

/// A positive event rate, stored per second.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Rate {
    per_second: f64,
}

impl Rate {
    /// A rate of `per_second` events per second, if positive and finite.
    pub fn per_second(per_second: f64) -> Result<Self, RateError> {
        if per_second.is_finite() && per_second > 0.0 {
            Ok(Rate { per_second })
        } else {
            Err(RateError::NotPositive)
        }
    }

    /// Events per second.
    pub fn as_per_second(&self) -> f64 {
        self.per_second
    }

    /// Events per millisecond (the simulation clock's unit).
    pub fn as_per_millisecond(&self) -> f64 {
        self.per_second / 1000.0
    }

    /// Mean time between events in milliseconds.
    pub fn mean_interval_ms(&self) -> f64 {
        1000.0 / self.per_second
    }
}

impl FromStr for Rate {
    type Err = RateError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (count, seconds) = match s.split_once('/') {
            None => (s, 1.0),
            Some((count, unit)) => {
                let seconds = match unit {
                    "ms" => 0.001,
                    "s" => 1.0,
                    "m" => 60.0,
                    "h" => 3600.0,
                    "d" => 86_400.0,
                    other => return Err(RateError::UnknownUnit(other.to_string())),
                };
                (count, seconds)
            }
        };
        let is_plain_number = !count.is_empty()
            && count
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b'.' || b == b'e' || b == b'E' || b == b'-');
        if !is_plain_number {
            return Err(RateError::Syntax);
        }
        let count: f64 = count.parse().map_err(|_| RateError::Syntax)?;
        Rate::per_second(count / seconds)
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/s", self.per_second)
    }
}

impl<'de> Deserialize<'de> for Rate {
    /// Accepts `"<number>/<unit>"` or a bare number of events per second.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RateVisitor)
    }
}

struct RateVisitor;

impl RateVisitor {
    fn check<E: de::Error>(
        shown: &dyn fmt::Display,
        r: Result<Rate, RateError>,
    ) -> Result<Rate, E> {
        r.map_err(|e| E::custom(format_args!("invalid rate {shown}: {e}")))
    }
}

impl Visitor<'_> for RateVisitor {
    type Value = Rate;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a rate such as \"20/s\" or a number of events per second")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Rate, E> {
        Self::check(&format_args!("{v:?}"), v.parse())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Rate, E> {
        Self::check(&v, Rate::per_second(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Rate, E> {
        Self::check(&v, Rate::per_second(v as f64))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Rate, E> {
        Self::check(&v, Rate::per_second(v as f64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units() {
        let per_s = |s: &str| s.parse::<Rate>().unwrap().as_per_second();
        assert_eq!(per_s("20/s"), 20.0);
        assert_eq!(per_s("120/m"), 2.0);
        assert_eq!(per_s("3600/h"), 1.0);
        assert_eq!(per_s("5/ms"), 5000.0);
        assert_eq!(per_s("0.5"), 0.5);
        assert_eq!(per_s("1e2/s"), 100.0);
    }

    #[test]
    fn rejects_bad_rates() {
        for input in [
            "", "/s", "20/x", "20 /s", "0/s", "-1/s", "inf", "NaN", "abc/s", "1/s/s",
        ] {
            assert!(input.parse::<Rate>().is_err(), "{input:?}");
        }
        assert!(serde_json::from_str::<Rate>("0").is_err());
        assert_eq!(
            serde_json::from_str::<Rate>("4").unwrap().as_per_second(),
            4.0
        );
    }
}
