//! Eviction ranking under memory pressure (`rankMemoryPressure` in
//! `pkg/kubelet/eviction/helpers.go`): pods whose memory usage exceeds their request first,
//! then lower priority first, then larger usage above the request first.
//!
//! Upstream sorts with an unstable sort over the kubelet's pod list, so ties fall in no
//! particular order; here ties go to the pod that started most recently (the newcomer that
//! tipped the node over), then to the lower pod slot, so runs are reproducible.

use crate::cluster::PodId;
use std::cmp::Ordering;

/// What the ranking looks at for one running pod.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// The pod.
    pub pod: PodId,
    /// Memory working set of the pod, bytes.
    pub usage: i64,
    /// The pod's effective memory request, bytes.
    pub request: i64,
    /// Pod priority.
    pub priority: i32,
    /// When the pod started running, ms.
    pub started_ms: u64,
}

impl Candidate {
    fn exceeds(&self) -> bool {
        self.usage > self.request
    }
}

/// Upstream order plus the documented tie-break: `Less` means `a` is evicted before `b`.
pub fn eviction_order(a: &Candidate, b: &Candidate) -> Ordering {
    b.exceeds()
        .cmp(&a.exceeds())
        .then(a.priority.cmp(&b.priority))
        .then((b.usage - b.request).cmp(&(a.usage - a.request)))
        .then(b.started_ms.cmp(&a.started_ms))
        .then(a.pod.index.cmp(&b.pod.index))
}

/// Sorts `pods` into eviction order (first = first to go).
pub fn rank_memory_pressure(pods: &mut [Candidate]) {
    pods.sort_by(eviction_order);
}

#[cfg(test)]
mod tests {
    use super::*;

    const MI: i64 = 1 << 20;

    fn cand(index: u32, usage: i64, request: i64, priority: i32, started_ms: u64) -> Candidate {
        Candidate {
            pod: PodId { index, gen: 0 },
            usage,
            request,
            priority,
            started_ms,
        }
    }

    fn order(mut c: Vec<Candidate>) -> Vec<u32> {
        rank_memory_pressure(&mut c);
        c.iter().map(|c| c.pod.index).collect()
    }

    #[test]
    fn exceeding_requests_goes_first_even_with_higher_priority() {
        // 0: BestEffort-like (request 0, any usage exceeds), high priority.
        // 1: Burstable under its request, low priority.
        // 2: Guaranteed-like at its request (not exceeding), lowest priority.
        let pods = vec![
            cand(0, 10 * MI, 0, 1000, 0),
            cand(1, 100 * MI, 200 * MI, 0, 0),
            cand(2, 300 * MI, 300 * MI, -10, 0),
        ];
        assert_eq!(order(pods), vec![0, 2, 1]);
    }

    #[test]
    fn within_a_group_priority_then_usage_above_request() {
        let pods = vec![
            cand(0, 600 * MI, 100 * MI, 10, 0), // exceeds by 500Mi, priority 10
            cand(1, 300 * MI, 100 * MI, 0, 0),  // exceeds by 200Mi, priority 0
            cand(2, 900 * MI, 100 * MI, 0, 0),  // exceeds by 800Mi, priority 0
            cand(3, 50 * MI, 100 * MI, 0, 0),   // under its request
            cand(4, 10 * MI, 100 * MI, 0, 0),   // further under: ranks after 3
        ];
        assert_eq!(order(pods), vec![2, 1, 0, 3, 4]);
    }

    #[test]
    fn ties_go_to_the_newest_pod_then_the_lower_slot() {
        let pods = vec![
            cand(5, 300 * MI, 100 * MI, 0, 1_000),
            cand(3, 300 * MI, 100 * MI, 0, 9_000),
            cand(4, 300 * MI, 100 * MI, 0, 9_000),
            cand(1, 300 * MI, 100 * MI, 0, 500),
        ];
        assert_eq!(order(pods), vec![3, 4, 5, 1]);
    }

    #[test]
    fn usage_equal_to_request_does_not_exceed() {
        let pods = vec![
            cand(0, 100 * MI, 100 * MI, 0, 0),
            cand(1, 100 * MI + 1, 100 * MI, 5, 0),
        ];
        assert_eq!(order(pods), vec![1, 0]);
    }
}
