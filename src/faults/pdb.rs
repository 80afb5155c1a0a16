//! PodDisruptionBudget arithmetic (`pkg/controller/disruption/disruption.go`
//! `getExpectedPodCount` / `updatePdbStatus`) and the eviction API's decision
//! (`pkg/registry/core/pod/storage/eviction.go`).

/// An integer or a percentage of the expected pod count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IntOrPercent {
    /// Absolute.
    Int(u32),
    /// Percent (0..=100).
    Percent(u32),
}

impl IntOrPercent {
    /// `intstr.GetScaledValueFromIntOrPercent(v, total, roundUp=true)`: percentages of
    /// `total`, rounded up.
    pub fn scaled(self, total: u32) -> u32 {
        match self {
            IntOrPercent::Int(v) => v,
            IntOrPercent::Percent(p) => {
                ((u64::from(p) * u64::from(total)).div_ceil(100)).min(u64::from(u32::MAX)) as u32
            }
        }
    }
}

/// A budget's rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Budget {
    /// `minAvailable`.
    MinAvailable(IntOrPercent),
    /// `maxUnavailable`.
    MaxUnavailable(IntOrPercent),
}

/// Whether running-but-not-ready pods may be evicted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum UnhealthyPodEvictionPolicy {
    /// Only while `current_healthy >= desired_healthy` (the default).
    #[default]
    IfHealthyBudget,
    /// Always.
    AlwaysAllow,
}

/// A PDB's status as the disruption controller computes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PdbStatus {
    /// `expectedPods`.
    pub expected_count: u32,
    /// `desiredHealthy`.
    pub desired_healthy: u32,
    /// `currentHealthy` (Ready pods).
    pub current_healthy: u32,
    /// `disruptionsAllowed`.
    pub disruptions_allowed: u32,
}

/// The status of a budget over `matched_pods` pods (of which `healthy` are Ready) whose
/// owning controllers' scale adds up to `expected_scale`. As upstream: an integer
/// `minAvailable` counts the matched pods, everything else the controllers' scale;
/// percentages round up; nothing is allowed when the expected count is 0.
pub fn pdb_status(
    budget: Budget,
    expected_scale: u32,
    matched_pods: u32,
    healthy: u32,
) -> PdbStatus {
    let (expected_count, desired_healthy) = match budget {
        Budget::MaxUnavailable(v) => {
            let max = v.scaled(expected_scale);
            (expected_scale, expected_scale.saturating_sub(max))
        }
        Budget::MinAvailable(IntOrPercent::Int(n)) => (matched_pods, n),
        Budget::MinAvailable(v) => (expected_scale, v.scaled(expected_scale)),
    };
    let allowed = if expected_count == 0 {
        0
    } else {
        healthy.saturating_sub(desired_healthy)
    };
    PdbStatus {
        expected_count,
        desired_healthy,
        current_healthy: healthy,
        disruptions_allowed: allowed,
    }
}

/// `disruptionsAllowed` when the matched pods are exactly the controllers' scale.
pub fn disruptions_allowed(expected: u32, healthy: u32, budget: Budget) -> u32 {
    pdb_status(budget, expected, expected, healthy).disruptions_allowed
}

/// The state of the pod an eviction is asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EvictedPod {
    /// Pending, Succeeded or Failed (bypasses PDBs).
    pub not_running: bool,
    /// Already being deleted (bypasses PDBs).
    pub terminating: bool,
    /// Ready condition (counts as healthy).
    pub ready: bool,
}

/// The eviction API's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EvictionDecision {
    /// Delete the pod; if `consumes_budget`, decrement the PDB's `disruptionsAllowed`.
    Evict {
        /// Whether a disruption is used up.
        consumes_budget: bool,
    },
    /// HTTP 429: the budget allows no disruption now; the caller retries.
    TooManyRequests,
    /// HTTP 500: the pod matches more than one PDB.
    MultiplePdbs,
}

/// Decides an eviction of `pod` given the PDBs matching it (status and policy each).
pub fn decide_eviction(
    pod: EvictedPod,
    pdbs: &[(PdbStatus, UnhealthyPodEvictionPolicy)],
) -> EvictionDecision {
    if pod.not_running || pod.terminating {
        return EvictionDecision::Evict {
            consumes_budget: false,
        };
    }
    let (status, policy) = match pdbs {
        [] => {
            return EvictionDecision::Evict {
                consumes_budget: false,
            }
        }
        [one] => one,
        _ => return EvictionDecision::MultiplePdbs,
    };
    if !pod.ready {
        let healthy_budget =
            status.current_healthy >= status.desired_healthy && status.desired_healthy > 0;
        if *policy == UnhealthyPodEvictionPolicy::AlwaysAllow || healthy_budget {
            return EvictionDecision::Evict {
                consumes_budget: false,
            };
        }
    }
    if status.disruptions_allowed == 0 {
        EvictionDecision::TooManyRequests
    } else {
        EvictionDecision::Evict {
            consumes_budget: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use IntOrPercent::{Int, Percent};

    #[test]
    fn percentages_round_up() {
        assert_eq!(Percent(25).scaled(10), 3);
        assert_eq!(Percent(50).scaled(5), 3);
        assert_eq!(Percent(100).scaled(7), 7);
        assert_eq!(Percent(0).scaled(7), 0);
        assert_eq!(Percent(1).scaled(1), 1);
        assert_eq!(Int(4).scaled(1), 4);
    }

    #[test]
    fn disruptions_allowed_like_upstream() {
        use Budget::{MaxUnavailable, MinAvailable};
        // maxUnavailable 25% of 10 ⇒ 3 may be down ⇒ desired 7.
        assert_eq!(disruptions_allowed(10, 10, MaxUnavailable(Percent(25))), 3);
        assert_eq!(disruptions_allowed(10, 8, MaxUnavailable(Percent(25))), 1);
        assert_eq!(disruptions_allowed(10, 6, MaxUnavailable(Percent(25))), 0);
        // minAvailable 50% of 5 rounds up to 3.
        assert_eq!(disruptions_allowed(5, 5, MinAvailable(Percent(50))), 2);
        assert_eq!(disruptions_allowed(3, 3, MinAvailable(Int(2))), 1);
        assert_eq!(disruptions_allowed(3, 3, MinAvailable(Int(5))), 0);
        assert_eq!(disruptions_allowed(1, 1, MaxUnavailable(Int(0))), 0);
        assert_eq!(disruptions_allowed(0, 0, MaxUnavailable(Int(1))), 0);
        // Integer minAvailable counts matched pods, not the scale.
        let s = pdb_status(MinAvailable(Int(2)), 10, 4, 4);
        assert_eq!((s.expected_count, s.disruptions_allowed), (4, 2));
        let s = pdb_status(MaxUnavailable(Int(20)), 10, 10, 10);
        assert_eq!((s.desired_healthy, s.disruptions_allowed), (0, 10));
    }

    #[test]
    fn eviction_api_decisions() {
        let status = pdb_status(Budget::MinAvailable(IntOrPercent::Int(2)), 3, 3, 2);
        let ready = EvictedPod {
            not_running: false,
            terminating: false,
            ready: true,
        };
        let unready = EvictedPod {
            ready: false,
            ..ready
        };
        let ifh = UnhealthyPodEvictionPolicy::IfHealthyBudget;
        let evict = |c| EvictionDecision::Evict { consumes_budget: c };
        assert_eq!(decide_eviction(ready, &[]), evict(false));
        assert_eq!(
            decide_eviction(ready, &[(status, ifh)]),
            EvictionDecision::TooManyRequests
        );
        // Not ready, budget met (2 ≥ 2): evicted without using a disruption.
        assert_eq!(decide_eviction(unready, &[(status, ifh)]), evict(false));
        let short = pdb_status(Budget::MinAvailable(IntOrPercent::Int(3)), 3, 3, 2);
        assert_eq!(
            decide_eviction(unready, &[(short, ifh)]),
            EvictionDecision::TooManyRequests
        );
        assert_eq!(
            decide_eviction(unready, &[(short, UnhealthyPodEvictionPolicy::AlwaysAllow)]),
            evict(false)
        );
        let roomy = pdb_status(Budget::MaxUnavailable(IntOrPercent::Int(1)), 3, 3, 3);
        assert_eq!(decide_eviction(ready, &[(roomy, ifh)]), evict(true));
        assert_eq!(
            decide_eviction(ready, &[(roomy, ifh), (roomy, ifh)]),
            EvictionDecision::MultiplePdbs
        );
        let pending = EvictedPod {
            not_running: true,
            ..ready
        };
        assert_eq!(decide_eviction(pending, &[(short, ifh)]), evict(false));
    }
}
