//! CPU on a node: limits throttle (CFS quota), and when the node's demand exceeds its
//! allocatable CPU, pods share it in proportion to their `cpu.shares` (their requests).
//!
//! The simulator records two node-level quantities by the integral over time:
//! *throttled* CPU (demand above each container's limit) and *contention* (demand after
//! throttling above the node's allocatable). CPU never kills a container. Contention does not
//! depend on how the node's CPU is split (the node delivers `min(demand, allocatable)` either
//! way); [`cfs_split`] gives the per-pod split, which the kubelet uses to charge each pod its
//! part of the contention (`cpu_contended_core_s` in `workloads.csv`).

/// Upstream `MilliCPUToShares`: `cpu.shares` of a CPU request in millicores (min 2).
pub fn cpu_shares(request_m: i64) -> u64 {
    ((request_m.max(0) as u64) * 1024 / 1000).max(2)
}

/// The throttled part of a container's demand: demand above its limit (if any).
#[inline]
pub fn throttled(demand_m: i64, limit_m: Option<i64>) -> i64 {
    limit_m.map_or(0, |l| (demand_m - l).max(0))
}

/// CFS fair share of `capacity_m` millicores among pods with `demand_m` and `shares`: pods
/// demanding less than their share get their demand, the rest is split by shares among the
/// others (water-filling). Returns the CPU each pod gets; without contention, its demand.
pub fn cfs_split(demand_m: &[i64], shares: &[u64], capacity_m: i64) -> Vec<i64> {
    let mut got = Vec::new();
    let mut open = Vec::new();
    cfs_split_into(demand_m, shares, capacity_m, &mut got, &mut open);
    got
}

/// [`cfs_split`] into `got`, with `open` as scratch: no allocation once the buffers have grown
/// to the number of pods (the kubelet's per-node split reuses them).
pub fn cfs_split_into(
    demand_m: &[i64],
    shares: &[u64],
    capacity_m: i64,
    got: &mut Vec<i64>,
    open: &mut Vec<usize>,
) {
    assert_eq!(demand_m.len(), shares.len(), "one share per demand");
    got.clear();
    got.resize(demand_m.len(), 0);
    open.clear();
    open.extend((0..demand_m.len()).filter(|&i| demand_m[i] > 0));
    let mut left = capacity_m.max(0);
    while !open.is_empty() && left > 0 {
        let total: u128 = open.iter().map(|&i| u128::from(shares[i])).sum();
        let fair = |i: usize| ((left as u128) * u128::from(shares[i]) / total) as i64;
        let mut satisfied = 0i64;
        let mut any = false;
        for &i in open.iter() {
            if demand_m[i] <= fair(i) {
                got[i] = demand_m[i];
                satisfied += demand_m[i];
                any = true;
            }
        }
        if !any {
            for &i in open.iter() {
                got[i] = fair(i);
            }
            break;
        }
        // Everyone satisfied in this round was judged against the same `left`.
        open.retain(|&i| got[i] != demand_m[i]);
        left -= satisfied;
    }
}

/// Reused buffers of the kubelet's per-node CPU split.
#[derive(Debug, Default)]
pub(crate) struct SplitScratch {
    /// Pods of the node (workload, position).
    pub locs: Vec<(usize, usize)>,
    /// Their CPU demand after throttling, millicores.
    pub demand: Vec<i64>,
    /// Their `cpu.shares`.
    pub shares: Vec<u64>,
    /// What each gets.
    pub got: Vec<i64>,
    /// Water-filling scratch.
    pub open: Vec<usize>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_follow_upstream() {
        assert_eq!(cpu_shares(0), 2);
        assert_eq!(cpu_shares(1), 2);
        assert_eq!(cpu_shares(1000), 1024);
        assert_eq!(cpu_shares(250), 256);
    }

    #[test]
    fn throttling_is_demand_above_limit() {
        assert_eq!(throttled(1500, Some(1000)), 500);
        assert_eq!(throttled(500, Some(1000)), 0);
        assert_eq!(throttled(5000, None), 0);
    }

    #[test]
    fn no_contention_gives_every_pod_its_demand() {
        assert_eq!(cfs_split(&[100, 200], &[1024, 1024], 1000), vec![100, 200]);
    }

    #[test]
    fn contention_splits_by_requests_after_small_demands_are_met() {
        // Shares 1:1:2 of 3000m. Pod 0 wants only 200m (below its 750m share): it gets it,
        // and the remaining 2800m are split 1:2 between the others.
        let got = cfs_split(&[200, 5000, 5000], &[1024, 1024, 2048], 3000);
        assert_eq!(got, vec![200, 933, 1866]);
        assert!(got.iter().sum::<i64>() <= 3000);
    }
}
