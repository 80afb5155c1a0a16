//! Reading unsigned integer fields with a clear message for negative values (the YAML
//! deserializer alone would only say "invalid u32").

use std::fmt::Display;

use serde::de::Error;
use serde::{Deserialize, Deserializer};

/// Reads an integer that must fit `T` (an unsigned type).
pub(super) fn non_negative<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i128> + Bounded,
{
    let value = i128::deserialize(deserializer)?;
    T::try_from(value).map_err(|_| {
        if value < 0 {
            D::Error::custom(format_args!("must not be negative (got {value})"))
        } else {
            D::Error::custom(format_args!(
                "must be at most {} (got {value})",
                T::MAX_DISPLAY
            ))
        }
    })
}

/// As [`non_negative`], for an optional field (use with `#[serde(default)]`).
pub(super) fn optional_non_negative<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i128> + Bounded,
{
    #[derive(Deserialize)]
    #[serde(transparent)]
    struct Wrapper<T: TryFrom<i128> + Bounded>(#[serde(deserialize_with = "non_negative")] T);
    Ok(Option::<Wrapper<T>>::deserialize(deserializer)?.map(|Wrapper(v)| v))
}

/// The largest value of an unsigned integer type, for messages.
pub(super) trait Bounded {
    /// `Self::MAX`, displayable.
    const MAX_DISPLAY: &'static dyn Display;
}

impl Bounded for u32 {
    const MAX_DISPLAY: &'static dyn Display = &u32::MAX;
}

impl Bounded for u64 {
    const MAX_DISPLAY: &'static dyn Display = &u64::MAX;
}
