//! Kubernetes resource quantities, parsed exactly like `k8s.io/apimachinery`
//! `resource.ParseQuantity`.
//!
//! Grammar (case-sensitive, no whitespace anywhere):
//!
//! ```text
//! <quantity>        ::= <signedNumber><suffix>
//! <number>          ::= <digits> | <digits>.<digits> | <digits>. | .<digits>
//! <sign>            ::= "+" | "-"
//! <suffix>          ::= <binarySI> | <decimalExponent> | <decimalSI>
//! <binarySI>        ::= Ki | Mi | Gi | Ti | Pi | Ei                    (2^10 … 2^60)
//! <decimalSI>       ::= n | u | m | "" | k | M | G | T | P | E          (10^-9 … 10^18)
//! <decimalExponent> ::= "e" <signedNumber> | "E" <signedNumber>
//! ```
//!
//! As upstream: a value finer than one nano-unit is rounded up (away from zero) to the next
//! nano-unit (`0.9n` is `1n`); a binary-SI value is capped at 2^63-1 units (`8Ei`); a
//! number with no digits (`.`, `-`, `+.`, even a bare suffix such as `Ki` or `e3`) parses
//! as zero.
//!
//! The value is stored exactly as an `i128` count of nano-units, which holds about ±1.7·10^29
//! units; anything larger is rejected with "quantity too large" (upstream keeps arbitrary
//! precision, but such values are meaningless for a cluster). An exponent outside the
//! 32-bit range is rejected too, where upstream silently truncates it.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::{Serialize, Serializer};

mod parse;

/// Nano-units per unit.
const NANOS_PER_UNIT: i128 = 1_000_000_000;
/// Nano-units per milli-unit.
const NANOS_PER_MILLI: i128 = 1_000_000;
/// The cap upstream applies to binary-SI quantities: 2^63-1 units, in nano-units.
const BINARY_SI_MAX_NANOS: u128 = (i64::MAX as u128) * 1_000_000_000;
/// Binary-SI suffixes by power of 1024 (index 0 has no suffix).
const BINARY_SUFFIXES: [&str; 7] = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];

/// How a quantity was written; it decides the canonical text form, never the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QuantityFormat {
    /// `12e6`, `1E-3`: a power-of-ten exponent.
    DecimalExponent,
    /// `12Mi`: a power-of-two suffix.
    BinarySI,
    /// `12M`, `500m`, `3`: a power-of-ten suffix (or none).
    DecimalSI,
}

/// Why a string is not a valid quantity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    /// The text does not match the quantity grammar.
    #[error("expected a number with an optional suffix, e.g. 500m, 1.5, 2Gi, 129e6 (no spaces)")]
    FormatWrong,
    /// The suffix is not one of the known suffixes.
    #[error(
        "unknown suffix (expected one of n u m k M G T P E, Ki Mi Gi Ti Pi Ei, or e<exponent>)"
    )]
    Suffix,
    /// The value does not fit the exact representation (about ±1.7·10^29 units).
    #[error("quantity too large")]
    TooLarge,
}

/// A fixed-point Kubernetes quantity (`500m`, `2Gi`, `129e6`, ...).
///
/// Equality, ordering and hashing consider the value only: `1Ki == 1024`.
#[derive(Debug, Clone, Copy)]
pub struct Quantity {
    nanos: i128,
    format: QuantityFormat,
}

impl Quantity {
    /// The zero quantity (`"0"`).
    pub const ZERO: Quantity = Quantity {
        nanos: 0,
        format: QuantityFormat::DecimalSI,
    };

    /// A quantity of exactly `nanos` nano-units, written in `format`.
    pub fn from_nanos(nanos: i128, format: QuantityFormat) -> Self {
        Quantity { nanos, format }
    }

    /// A whole number of units, as a decimal-SI quantity.
    pub fn from_units(units: i64) -> Self {
        Self::from_nanos(
            i128::from(units) * NANOS_PER_UNIT,
            QuantityFormat::DecimalSI,
        )
    }

    /// A whole number of milli-units (e.g. millicores), as a decimal-SI quantity.
    pub fn from_millis(millis: i64) -> Self {
        Self::from_nanos(
            i128::from(millis) * NANOS_PER_MILLI,
            QuantityFormat::DecimalSI,
        )
    }

    /// The exact value in nano-units.
    pub fn as_nanos(&self) -> i128 {
        self.nanos
    }

    /// The format the quantity was written in.
    pub fn format(&self) -> QuantityFormat {
        self.format
    }

    /// Whether the value is zero.
    pub fn is_zero(&self) -> bool {
        self.nanos == 0
    }

    /// Whether the value is below zero.
    pub fn is_negative(&self) -> bool {
        self.nanos < 0
    }

    /// Whether the value is a whole number of units.
    pub fn is_integer(&self) -> bool {
        self.nanos % NANOS_PER_UNIT == 0
    }

    /// The value in units, rounded up to the next integer (upstream `Value()`), saturating at
    /// the `i64` range. Used for every resource except CPU (bytes, pods, GPUs, ...).
    ///
    /// Negative values (which validation rejects) round toward positive infinity; upstream
    /// is inconsistent for them.
    pub fn value(&self) -> i64 {
        saturate(ceil_div(self.nanos, NANOS_PER_UNIT))
    }

    /// The value in milli-units, rounded up to the next integer (upstream `MilliValue()`),
    /// saturating at the `i64` range. Used for CPU (millicores).
    pub fn milli_value(&self) -> i64 {
        saturate(ceil_div(self.nanos, NANOS_PER_MILLI))
    }
}

impl std::ops::Add for Quantity {
    type Output = Quantity;

    /// The exact sum (saturating at the `i128` range), in the left operand's format unless
    /// that is zero.
    fn add(self, rhs: Quantity) -> Quantity {
        Quantity {
            nanos: self.nanos.saturating_add(rhs.nanos),
            format: if self.is_zero() {
                rhs.format
            } else {
                self.format
            },
        }
    }
}

impl std::ops::AddAssign for Quantity {
    fn add_assign(&mut self, rhs: Quantity) {
        *self = *self + rhs;
    }
}

impl std::ops::Sub for Quantity {
    type Output = Quantity;

    /// The exact difference (saturating at the `i128` range), in the left operand's format.
    fn sub(self, rhs: Quantity) -> Quantity {
        Quantity {
            nanos: self.nanos.saturating_sub(rhs.nanos),
            format: self.format,
        }
    }
}

/// `n / d` rounded toward positive infinity (`d > 0`).
fn ceil_div(n: i128, d: i128) -> i128 {
    let q = n.div_euclid(d);
    if n.rem_euclid(d) == 0 {
        q
    } else {
        q + 1
    }
}

fn saturate(v: i128) -> i64 {
    i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
}

impl PartialEq for Quantity {
    fn eq(&self, other: &Self) -> bool {
        self.nanos == other.nanos
    }
}

impl Eq for Quantity {}

impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Quantity {
    fn cmp(&self, other: &Self) -> Ordering {
        self.nanos.cmp(&other.nanos)
    }
}

impl Hash for Quantity {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.nanos.hash(state);
    }
}

impl Default for Quantity {
    fn default() -> Self {
        Self::ZERO
    }
}

impl fmt::Display for Quantity {
    /// The canonical form, as upstream `String()`: `1.5` → `1500m`, `1.5Gi` → `1536Mi`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.nanos == 0 {
            return f.write_str("0");
        }
        if self.nanos < 0 {
            f.write_str("-")?;
        }
        let magnitude = self.nanos.unsigned_abs();
        let unit = NANOS_PER_UNIT as u128;
        if self.format == QuantityFormat::BinarySI
            && magnitude >= 1024 * unit
            && magnitude.is_multiple_of(unit)
        {
            let mut value = magnitude / unit;
            let mut power = 0;
            while power + 1 < BINARY_SUFFIXES.len() && value.is_multiple_of(1024) {
                value /= 1024;
                power += 1;
            }
            return write!(f, "{value}{}", BINARY_SUFFIXES[power]);
        }
        let (mut mantissa, mut exponent) = (magnitude, -9i32);
        while mantissa % 1000 == 0 {
            mantissa /= 1000;
            exponent += 3;
        }
        let suffix = match (self.format, exponent) {
            (QuantityFormat::DecimalExponent, 0) => String::new(),
            (QuantityFormat::DecimalExponent, e) => format!("e{e}"),
            (_, -9) => "n".into(),
            (_, -6) => "u".into(),
            (_, -3) => "m".into(),
            (_, 0) => String::new(),
            (_, 3) => "k".into(),
            (_, 6) => "M".into(),
            (_, 9) => "G".into(),
            (_, 12) => "T".into(),
            (_, 15) => "P".into(),
            (_, 18) => "E".into(),
            (_, e) => format!("e{e}"),
        };
        write!(f, "{mantissa}{suffix}")
    }
}

impl Serialize for Quantity {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Quantity {
    /// Accepts a string, or a bare number (a float goes through its shortest decimal form).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(QuantityVisitor)
    }
}

struct QuantityVisitor;

impl QuantityVisitor {
    fn parse<E: de::Error>(text: &str) -> Result<Quantity, E> {
        text.parse()
            .map_err(|e| E::custom(format_args!("invalid quantity {text:?}: {e}")))
    }
}

impl Visitor<'_> for QuantityVisitor {
    type Value = Quantity;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Kubernetes quantity such as \"500m\", \"2Gi\" or 4")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Quantity, E> {
        Self::parse(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Quantity, E> {
        Ok(Quantity::from_units(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Quantity, E> {
        Self::parse(&v.to_string())
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Quantity, E> {
        Self::parse(&v.to_string())
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Quantity, E> {
        Self::parse(&v.to_string())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Quantity, E> {
        if !v.is_finite() {
            return Err(E::custom(format_args!(
                "invalid quantity {v}: not a finite number"
            )));
        }
        // `Display` for f64 prints the shortest string that reads back as the same float,
        // without an exponent, which the quantity grammar accepts.
        Self::parse(&v.to_string())
    }
}

#[cfg(test)]
mod tests;
