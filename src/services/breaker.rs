//! Circuit breakers on call edges: closed, open, half-open.
//!
//! Semantics (Resilience4j's and Istio/Envoy outlier detection's shared core, for fluid rates):
//! - **Closed**: calls pass. At each evaluation the breaker trips when the window saw at least
//!   `min_requests` calls and the share of failed attempts reached `failure_rate`, or, with
//!   `consecutive_failures: N`, when a run of N failed attempts is expected in the window
//!   (`calls × p^N ≥ 1`, the expected number of such runs).
//! - **Open**: calls fail at once, without load on the callee, for `open_for`.
//! - **Half-open**: `half_open_requests` trial calls pass (negligible load); at the next
//!   evaluation the breaker closes if their failure share (the callee's current one) is below
//!   `failure_rate` (for the consecutive rule: if `half_open_requests × p^N < 1`), and opens
//!   again otherwise.

/// A breaker's settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BreakerPolicy {
    /// Share of failed attempts (0 < x ≤ 1) at which the breaker trips.
    pub failure_rate: f64,
    /// Trip after this many consecutive failures instead (`None`: use `failure_rate`).
    pub consecutive_failures: Option<u32>,
    /// Calls an evaluation window needs before `failure_rate` is judged.
    pub min_requests: f64,
    /// How long the breaker stays open, ms.
    pub open_for_ms: u64,
    /// Trial calls let through while half-open.
    pub half_open_requests: u32,
}

/// Where a breaker is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    /// Calls pass.
    Closed,
    /// Calls fail fast until the given time (ms).
    Open {
        /// When the breaker becomes half-open.
        until_ms: u64,
    },
    /// Trial calls pass; the next evaluation decides.
    HalfOpen,
}

impl BreakerState {
    /// A short name for outputs: `closed`, `open`, `half-open`.
    pub fn name(&self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::Open { .. } => "open",
            BreakerState::HalfOpen => "half-open",
        }
    }
}

/// One breaker: its policy and state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Breaker {
    /// Settings.
    pub policy: BreakerPolicy,
    /// Current state.
    pub state: BreakerState,
}

impl Breaker {
    /// A closed breaker.
    pub fn new(policy: BreakerPolicy) -> Breaker {
        Breaker {
            policy,
            state: BreakerState::Closed,
        }
    }

    /// Whether calls reach the callee (closed); open and half-open breakers fail calls fast.
    pub fn passes_calls(&self) -> bool {
        self.state == BreakerState::Closed
    }

    /// When the breaker next changes state by itself (open → half-open), if it is open.
    pub fn next_deadline_ms(&self) -> Option<u64> {
        match self.state {
            BreakerState::Open { until_ms } => Some(until_ms),
            _ => None,
        }
    }

    /// One evaluation at `now_ms`: `calls` is the number of calls the window saw (or would
    /// have seen, while open), `p_fail` the share of attempts failing at the callee now.
    /// Returns the new state when it changed.
    pub fn evaluate(&mut self, now_ms: u64, calls: f64, p_fail: f64) -> Option<BreakerState> {
        let policy = self.policy;
        let next = match self.state {
            BreakerState::Closed => {
                let trips = match policy.consecutive_failures {
                    Some(n) => calls * p_fail.powi(n as i32) >= 1.0,
                    None => calls >= policy.min_requests && p_fail >= policy.failure_rate,
                };
                trips.then_some(BreakerState::Open {
                    until_ms: now_ms + policy.open_for_ms,
                })
            }
            BreakerState::Open { until_ms } => {
                (now_ms >= until_ms).then_some(BreakerState::HalfOpen)
            }
            BreakerState::HalfOpen => {
                let fails = match policy.consecutive_failures {
                    Some(n) => f64::from(policy.half_open_requests) * p_fail.powi(n as i32) >= 1.0,
                    None => p_fail >= policy.failure_rate,
                };
                Some(if fails {
                    BreakerState::Open {
                        until_ms: now_ms + policy.open_for_ms,
                    }
                } else {
                    BreakerState::Closed
                })
            }
        };
        let next = next?;
        self.state = next;
        Some(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker() -> Breaker {
        Breaker::new(BreakerPolicy {
            failure_rate: 0.5,
            consecutive_failures: None,
            min_requests: 20.0,
            open_for_ms: 30_000,
            half_open_requests: 3,
        })
    }

    #[test]
    fn state_sequence_through_an_outage_and_back() {
        let mut b = breaker();
        // Healthy: stays closed.
        assert_eq!(b.evaluate(1_000, 100.0, 0.1), None);
        // Too few calls to judge.
        assert_eq!(b.evaluate(2_000, 10.0, 0.9), None);
        // Trips.
        assert_eq!(
            b.evaluate(3_000, 100.0, 0.6),
            Some(BreakerState::Open { until_ms: 33_000 })
        );
        assert!(!b.passes_calls());
        assert_eq!(b.next_deadline_ms(), Some(33_000));
        // Still open before the deadline, whatever the callee does.
        assert_eq!(b.evaluate(20_000, 100.0, 0.0), None);
        // Half-open at the deadline.
        assert_eq!(b.evaluate(33_000, 100.0, 0.9), Some(BreakerState::HalfOpen));
        // Trials still fail: open again for another interval.
        assert_eq!(
            b.evaluate(34_000, 100.0, 0.9),
            Some(BreakerState::Open { until_ms: 64_000 })
        );
        assert_eq!(b.evaluate(64_000, 0.0, 0.0), Some(BreakerState::HalfOpen));
        // Callee recovered: closes.
        assert_eq!(b.evaluate(65_000, 100.0, 0.1), Some(BreakerState::Closed));
        assert!(b.passes_calls());
    }

    #[test]
    fn consecutive_failures_trip_on_expected_runs() {
        let mut b = breaker();
        b.policy.consecutive_failures = Some(5);
        // 100 calls × 0.3^5 = 0.243 < 1: no run of 5 expected.
        assert_eq!(b.evaluate(0, 100.0, 0.3), None);
        // 1000 calls × 0.3^5 = 2.43 ≥ 1.
        assert!(matches!(
            b.evaluate(1_000, 1_000.0, 0.3),
            Some(BreakerState::Open { .. })
        ));
    }
}
