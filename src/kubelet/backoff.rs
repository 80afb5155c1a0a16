//! Container restart back-off (`CrashLoopBackOff`), as the kubelet's
//! `flowcontrol.Backoff`: 10 s after the first kill, doubling to at most 300 s, and back to
//! 10 s once a container has run for more than 10 min (twice the maximum) before dying.

/// Delay after the first kill, ms (`backOffPeriod`).
pub const INITIAL_BACKOFF_MS: u64 = 10_000;
/// Longest delay, ms (`MaxContainerBackOff`).
pub const MAX_BACKOFF_MS: u64 = 300_000;
/// A container that ran longer than this before dying starts over at the initial delay.
pub const RESET_AFTER_MS: u64 = 2 * MAX_BACKOFF_MS;

/// The delay before the restart that follows the `kills`-th consecutive kill (from 1).
pub fn delay_ms(kills: u32) -> u64 {
    let shift = kills.saturating_sub(1).min(16);
    (INITIAL_BACKOFF_MS << shift).min(MAX_BACKOFF_MS)
}

/// Back-off state of one container.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Backoff {
    /// Consecutive kills since the last reset.
    pub kills: u32,
}

impl Backoff {
    /// A container started at `started_ms` was killed at `now_ms`: returns the delay before
    /// its restart, ms.
    pub fn on_kill(&mut self, started_ms: u64, now_ms: u64) -> u64 {
        if now_ms.saturating_sub(started_ms) > RESET_AFTER_MS {
            self.kills = 0;
        }
        self.kills = self.kills.saturating_add(1);
        delay_ms(self.kills)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_sequence_doubles_to_five_minutes() {
        let seq: Vec<u64> = (1..=8).map(delay_ms).map(|d| d / 1000).collect();
        assert_eq!(seq, vec![10, 20, 40, 80, 160, 300, 300, 300]);
    }

    #[test]
    fn back_off_resets_after_ten_minutes_of_running() {
        let mut b = Backoff::default();
        // Killed right after each restart: 10, 20, 40 s.
        let mut t = 0;
        let mut delays = Vec::new();
        for _ in 0..3 {
            let d = b.on_kill(t, t + 1_000);
            delays.push(d / 1000);
            t += 1_000 + d;
        }
        assert_eq!(delays, vec![10, 20, 40]);
        // Exactly 10 min of running is not enough ("more than twice the maximum")...
        assert_eq!(b.on_kill(t, t + RESET_AFTER_MS), 80_000);
        // ...a little more is.
        assert_eq!(b.on_kill(t, t + RESET_AFTER_MS + 1), INITIAL_BACKOFF_MS);
    }
}
