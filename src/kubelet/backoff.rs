//! Container restart back-off (`CrashLoopBackOff`), as the kubelet's `doBackOff`
//! (`pkg/kubelet/kuberuntime/kuberuntime_manager.go`) over a `flowcontrol.Backoff`
//! (`k8s.io/client-go/util/flowcontrol/backoff.go`) with `backOffPeriod` 10 s and
//! `MaxContainerBackOff` 300 s (`pkg/kubelet/kubelet.go`), no jitter.
//!
//! A container that dies with no back-off entry (its first death, or the first after a reset)
//! restarts at once, and the entry starts at 10 s (`Next` creates it). A later death waits out
//! the entry's current back-off, measured from the death (`IsInBackOffSince(key, finishedAt)`),
//! and the restart doubles the entry, capped at 300 s. The entry expires when the container
//! ran more than twice the maximum (10 min) between its last restart (`lastUpdate`) and its
//! death (`hasExpired`). So a container dying 60 s after every start is killed at 60, 120,
//! 190, 270, 370, 510 s: restart delays 0, 10, 20, 40, 80, 160, 300, 300… s.

/// The back-off a fresh entry starts with, ms (`backOffPeriod`).
pub const INITIAL_BACKOFF_MS: u64 = 10_000;
/// Longest delay, ms (`MaxContainerBackOff`).
pub const MAX_BACKOFF_MS: u64 = 300_000;
/// A container that ran longer than this since its last restart starts over (restarts at once).
pub const RESET_AFTER_MS: u64 = 2 * MAX_BACKOFF_MS;

/// The delay before the restart that follows the `kills`-th consecutive death (from 1) of a
/// container killed soon after each start: 0 for the first, then 10 s doubling to 300 s.
pub fn delay_ms(kills: u32) -> u64 {
    if kills <= 1 {
        return 0;
    }
    let shift = (kills - 2).min(16);
    (INITIAL_BACKOFF_MS << shift).min(MAX_BACKOFF_MS)
}

/// Back-off entry of one container (`flowcontrol.Backoff`'s per-item entry).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Backoff {
    /// The entry's current back-off, ms; 0 while there is no entry. Its `lastUpdate` is the
    /// container's last (re)start, which the caller passes in.
    pub backoff_ms: u32,
}

impl Backoff {
    /// A container (re)started at `started_ms` died at `now_ms`: returns the delay before its
    /// restart, ms, and moves the entry as the restart's `Next` does.
    pub fn on_kill(&mut self, started_ms: u64, now_ms: u64) -> u64 {
        if self.backoff_ms == 0 || now_ms.saturating_sub(started_ms) > RESET_AFTER_MS {
            // No entry, or it expired: not in back-off; `Next` starts the entry.
            self.backoff_ms = INITIAL_BACKOFF_MS as u32;
            return 0;
        }
        let delay = u64::from(self.backoff_ms);
        self.backoff_ms = (delay * 2).min(MAX_BACKOFF_MS) as u32;
        delay
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_sequence_restarts_at_once_then_doubles_to_five_minutes() {
        let seq: Vec<u64> = (1..=9).map(delay_ms).map(|d| d / 1000).collect();
        assert_eq!(seq, vec![0, 10, 20, 40, 80, 160, 300, 300, 300]);
    }

    /// Upstream `kuberuntime_manager.go` `doBackOff` + `client-go/util/flowcontrol/backoff.go`:
    /// a container that dies 60 s after every start is killed at 60, 120, 190, 270, 370, 510 s
    /// (the old model, 10 s after the first kill, gave 60, 130, 210, 310, 450, 670 s).
    #[test]
    fn crash_loop_kill_times_match_upstream() {
        let mut b = Backoff::default();
        let mut start = 0;
        let mut kills = Vec::new();
        for _ in 0..6 {
            let death = start + 60_000;
            kills.push(death / 1000);
            start = death + b.on_kill(start, death);
        }
        assert_eq!(kills, vec![60, 120, 190, 270, 370, 510]);
    }

    #[test]
    fn back_off_resets_after_ten_minutes_of_running() {
        let mut b = Backoff::default();
        // Killed right after each restart: 0, 10, 20 s.
        let mut t = 0;
        let mut delays = Vec::new();
        for _ in 0..3 {
            let d = b.on_kill(t, t + 1_000);
            delays.push(d / 1000);
            t += 1_000 + d;
        }
        assert_eq!(delays, vec![0, 10, 20]);
        // Exactly 10 min of running is not enough ("more than twice the maximum")...
        assert_eq!(b.on_kill(t, t + RESET_AFTER_MS), 40_000);
        // ...a little more is: the entry expired, the restart is immediate, the next is 10 s.
        assert_eq!(b.on_kill(t, t + RESET_AFTER_MS + 1), 0);
        assert_eq!(b.on_kill(t, t + 1_000), INITIAL_BACKOFF_MS);
    }
}
