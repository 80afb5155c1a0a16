//! Retries on one call edge, as fluid rates.
//!
//! A call whose attempts fail independently with probability `p` and that is retried up to `R`
//! times makes `1 + p + p² + … + p^R` attempts on average and fails with probability `p^(R+1)`.
//! A retry budget (Envoy's `retry_budget`, Finagle's `RetryBudget`) caps retries at a share of
//! first attempts: at most `budget` retries per call on average. With `r` retries per call
//! actually made, each succeeding with probability `1 − p`, the call fails with probability
//! `p − r (1 − p)` (which is `p^(R+1)` without a budget).

/// How a caller retries a failed or timed-out call.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 = none).
    pub max_retries: u32,
    /// At most this many retries per call on average (`None`: no budget).
    pub budget: Option<f64>,
    /// Wait before the first retry, seconds; doubles for each further retry.
    pub backoff_base_s: f64,
    /// Longest wait between retries, seconds.
    pub backoff_max_s: f64,
}

impl RetryPolicy {
    /// No retries.
    pub const NONE: RetryPolicy = RetryPolicy {
        max_retries: 0,
        budget: None,
        backoff_base_s: 0.0,
        backoff_max_s: 0.0,
    };
}

/// What retries do to one call, given the failure probability of one attempt.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryOutcome {
    /// Attempts per call on average (≥ 1): the load amplification on the callee.
    pub attempts: f64,
    /// Probability that the call fails after its retries.
    pub failure: f64,
    /// Mean time spent waiting in back-off per call, seconds.
    pub backoff_s: f64,
}

/// The outcome of `policy` when one attempt fails with probability `p_attempt`.
pub fn outcome(policy: &RetryPolicy, p_attempt: f64) -> RetryOutcome {
    let p = p_attempt.clamp(0.0, 1.0);
    // Expected retries without a budget: p + p² + … + p^R; the i-th retry waits its back-off.
    let mut retries = 0.0;
    let mut backoff_s = 0.0;
    let mut reach = 1.0;
    let mut wait = policy.backoff_base_s;
    for _ in 0..policy.max_retries {
        reach *= p;
        if reach == 0.0 {
            break;
        }
        retries += reach;
        backoff_s += reach * wait.min(policy.backoff_max_s);
        wait *= 2.0;
    }
    if let Some(budget) = policy.budget {
        if retries > budget {
            backoff_s *= budget / retries;
            retries = budget.max(0.0);
        }
    }
    let failure = (p - retries * (1.0 - p)).clamp(0.0, 1.0);
    RetryOutcome {
        attempts: 1.0 + retries,
        failure,
        backoff_s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(max_retries: u32, budget: Option<f64>) -> RetryPolicy {
        RetryPolicy {
            max_retries,
            budget,
            backoff_base_s: 0.1,
            backoff_max_s: 1.0,
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn no_retries_pass_the_attempt_failure_through() {
        let o = outcome(&RetryPolicy::NONE, 0.3);
        assert_eq!(o.attempts, 1.0);
        assert!(close(o.failure, 0.3));
    }

    #[test]
    fn three_retries_at_half_failure_amplify_by_15_over_8() {
        // 1 + 0.5 + 0.25 + 0.125 = 1.875 attempts; fails with 0.5^4 = 0.0625.
        let o = outcome(&policy(3, None), 0.5);
        assert!(close(o.attempts, 1.875));
        assert!(close(o.failure, 0.0625));
        // Back-off: 0.5 × 0.1 + 0.25 × 0.2 + 0.125 × 0.4.
        assert!(close(o.backoff_s, 0.05 + 0.05 + 0.05));
    }

    #[test]
    fn a_dead_callee_gets_every_retry() {
        let o = outcome(&policy(3, None), 1.0);
        assert_eq!(o.attempts, 4.0);
        assert_eq!(o.failure, 1.0);
    }

    #[test]
    fn a_budget_caps_the_amplification() {
        let o = outcome(&policy(3, Some(0.2)), 1.0);
        assert!(close(o.attempts, 1.2));
        assert_eq!(o.failure, 1.0);
        let o = outcome(&policy(3, Some(0.2)), 0.5);
        assert!(close(o.attempts, 1.2));
        // 0.2 retries per call, each succeeding half the time: 0.5 − 0.1.
        assert!(close(o.failure, 0.4));
    }

    #[test]
    fn healthy_callee_is_not_amplified() {
        let o = outcome(&policy(5, None), 0.0);
        assert_eq!(o.attempts, 1.0);
        assert_eq!(o.failure, 0.0);
        assert_eq!(o.backoff_s, 0.0);
    }
}
