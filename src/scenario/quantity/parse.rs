//! The quantity grammar and its exact evaluation (upstream `parseQuantityString` and
//! `ParseQuantity`).

use std::str::FromStr;

use super::{Quantity, QuantityError, QuantityFormat, BINARY_SI_MAX_NANOS, NANOS_PER_UNIT};

/// Characters that may start a suffix (upstream `parseQuantityString`).
const SUFFIX_CHARS: &[u8] = b"eEinumkKMGTP";

/// The pieces of a quantity string, as upstream `parseQuantityString` splits them.
struct Parts<'a> {
    negative: bool,
    /// Integer digits with leading zeros removed (may be empty).
    num: &'a str,
    /// Fraction digits (may be empty).
    denom: &'a str,
    suffix: &'a str,
}

fn split(s: &str) -> Result<Parts<'_>, QuantityError> {
    let b = s.as_bytes();
    let mut pos = 0;
    let negative = match b.first() {
        Some(b'-') => {
            pos = 1;
            true
        }
        Some(b'+') => {
            pos = 1;
            false
        }
        _ => false,
    };
    while pos < b.len() && b[pos] == b'0' {
        pos += 1;
    }
    let digits_from = |start: usize| {
        let mut end = start;
        while end < b.len() && b[end].is_ascii_digit() {
            end += 1;
        }
        end
    };
    let num_end = digits_from(pos);
    let num = &s[pos..num_end];
    pos = num_end;
    let mut denom = "";
    if b.get(pos) == Some(&b'.') {
        let denom_end = digits_from(pos + 1);
        denom = &s[pos + 1..denom_end];
        pos = denom_end;
    }
    let suffix_start = pos;
    while pos < b.len() && SUFFIX_CHARS.contains(&b[pos]) {
        pos += 1;
    }
    if matches!(b.get(pos), Some(b'-' | b'+')) {
        pos += 1;
    }
    pos = digits_from(pos);
    if pos != b.len() {
        return Err(QuantityError::FormatWrong);
    }
    Ok(Parts {
        negative,
        num,
        denom,
        suffix: &s[suffix_start..],
    })
}

/// What a suffix means: `value = number * 10^decimal_exp * 2^binary_exp`.
struct Suffix {
    decimal_exp: i64,
    binary_exp: u32,
    format: QuantityFormat,
}

fn interpret_suffix(suffix: &str) -> Result<Suffix, QuantityError> {
    let decimal = |decimal_exp| Suffix {
        decimal_exp,
        binary_exp: 0,
        format: QuantityFormat::DecimalSI,
    };
    let binary = |binary_exp| Suffix {
        decimal_exp: 0,
        binary_exp,
        format: QuantityFormat::BinarySI,
    };
    Ok(match suffix {
        "n" => decimal(-9),
        "u" => decimal(-6),
        "m" => decimal(-3),
        "" => decimal(0),
        "k" => decimal(3),
        "M" => decimal(6),
        "G" => decimal(9),
        "T" => decimal(12),
        "P" => decimal(15),
        "E" => decimal(18),
        "Ki" => binary(10),
        "Mi" => binary(20),
        "Gi" => binary(30),
        "Ti" => binary(40),
        "Pi" => binary(50),
        "Ei" => binary(60),
        _ => {
            let exponent = suffix
                .strip_prefix(['e', 'E'])
                .filter(|rest| !rest.is_empty())
                .ok_or(QuantityError::Suffix)?;
            let exponent: i32 =
                exponent
                    .parse()
                    .map_err(|e: std::num::ParseIntError| match e.kind() {
                        std::num::IntErrorKind::PosOverflow
                        | std::num::IntErrorKind::NegOverflow => QuantityError::TooLarge,
                        _ => QuantityError::Suffix,
                    })?;
            Suffix {
                decimal_exp: i64::from(exponent),
                binary_exp: 0,
                format: QuantityFormat::DecimalExponent,
            }
        }
    })
}

/// Parses a digit string as `u128`, or fails with `TooLarge`.
fn parse_digits(digits: &str) -> Result<u128, QuantityError> {
    digits.bytes().try_fold(0u128, |acc, d| {
        acc.checked_mul(10)
            .and_then(|v| v.checked_add(u128::from(d - b'0')))
            .ok_or(QuantityError::TooLarge)
    })
}

/// `ceil(digits * multiplier * 10^exp10)` for a decimal digit string, exactly: any fraction
/// left over rounds the result up.
fn scaled_magnitude(digits: &str, exp10: i64, multiplier: u128) -> Result<u128, QuantityError> {
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        return Ok(0);
    }
    if exp10 >= 0 {
        let pow = u32::try_from(exp10)
            .ok()
            .and_then(|e| 10u128.checked_pow(e))
            .ok_or(QuantityError::TooLarge)?;
        return parse_digits(digits)?
            .checked_mul(pow)
            .and_then(|v| v.checked_mul(multiplier))
            .ok_or(QuantityError::TooLarge);
    }
    // Split into an integer part and `fraction_len` fraction digits (some of them implicit
    // leading zeros), then multiply the fraction by `multiplier` from its last digit up,
    // as in long multiplication; the carry left at the end is the integer part of the product.
    let fraction_len = usize::try_from(exp10.unsigned_abs()).unwrap_or(usize::MAX);
    let (int_digits, frac_digits) = digits.split_at(digits.len().saturating_sub(fraction_len));
    let mut carry: u128 = 0;
    let mut inexact = false;
    for d in frac_digits.bytes().rev() {
        let t = u128::from(d - b'0') * multiplier + carry;
        inexact |= !t.is_multiple_of(10);
        carry = t / 10;
    }
    // Implicit leading zeros of the fraction: each divides the carry by ten. The carry is
    // below `multiplier` (at most 2^60), so it reaches zero within twenty steps.
    let mut zeros = fraction_len - frac_digits.len();
    while zeros > 0 && carry > 0 {
        inexact |= !carry.is_multiple_of(10);
        carry /= 10;
        zeros -= 1;
    }
    parse_digits(int_digits)?
        .checked_mul(multiplier)
        .and_then(|v| v.checked_add(carry))
        .and_then(|v| v.checked_add(u128::from(inexact)))
        .ok_or(QuantityError::TooLarge)
}

impl FromStr for Quantity {
    type Err = QuantityError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.is_empty() {
            return Err(QuantityError::FormatWrong);
        }
        let parts = split(s)?;
        let suffix = interpret_suffix(parts.suffix)?;
        let digits = format!("{}{}", parts.num, parts.denom);
        let denom_len = i64::try_from(parts.denom.len()).map_err(|_| QuantityError::TooLarge)?;
        let exp10 = suffix.decimal_exp - denom_len + 9; // nano-units
        let mut magnitude = scaled_magnitude(&digits, exp10, 1u128 << suffix.binary_exp)?;
        let mut format = suffix.format;
        if format == QuantityFormat::BinarySI {
            magnitude = magnitude.min(BINARY_SI_MAX_NANOS);
            if magnitude > 0 && magnitude < NANOS_PER_UNIT as u128 {
                format = QuantityFormat::DecimalSI;
            }
        }
        let nanos = i128::try_from(magnitude).map_err(|_| QuantityError::TooLarge)?;
        Ok(Quantity {
            nanos: if parts.negative { -nanos } else { nanos },
            format,
        })
    }
}
