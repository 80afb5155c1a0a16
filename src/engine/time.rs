//! Simulated time: an integer number of milliseconds since the start of the run.

use std::fmt;

/// A point in simulated time, in milliseconds since the start of the run. No float clock.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(pub u64);

impl SimTime {
    /// The start of every run.
    pub const ZERO: SimTime = SimTime(0);
    /// Milliseconds per second.
    pub const SECOND: u64 = 1_000;
    /// Milliseconds per minute.
    pub const MINUTE: u64 = 60_000;
    /// Milliseconds per hour.
    pub const HOUR: u64 = 3_600_000;

    /// Builds a time from whole seconds.
    pub const fn from_secs(s: u64) -> SimTime {
        SimTime(s * 1_000)
    }

    /// Milliseconds since the start.
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// Seconds since the start, as a float (for reports only).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1_000.0
    }

    /// This time plus `ms` milliseconds (saturating).
    pub const fn plus_millis(self, ms: u64) -> SimTime {
        SimTime(self.0.saturating_add(ms))
    }
}

impl fmt::Display for SimTime {
    /// Formats as `HhMMmSS.mmms`-style compact text, e.g. `1h02m03.004s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0 % 1000;
        let s = (self.0 / 1000) % 60;
        let m = (self.0 / 60_000) % 60;
        let h = self.0 / 3_600_000;
        if h > 0 {
            write!(f, "{h}h{m:02}m{s:02}.{ms:03}s")
        } else if m > 0 {
            write!(f, "{m}m{s:02}.{ms:03}s")
        } else {
            write!(f, "{s}.{ms:03}s")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_compact() {
        assert_eq!(SimTime(1_500).to_string(), "1.500s");
        assert_eq!(SimTime(62_004).to_string(), "1m02.004s");
        assert_eq!(SimTime(3_723_004).to_string(), "1h02m03.004s");
    }
}
