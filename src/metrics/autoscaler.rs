//! The Cluster Autoscaler part of a run's results: `timeseries.csv` columns (`nodes_total`,
//! nodes added and removed per interval) and the `autoscaler` object of `summary.json`.
//! Absent when the scenario has no `autoscaler:` section, so other runs keep their outputs
//! byte for byte.

use serde::Serialize;

/// Autoscaler numbers of one time-series row.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AutoscalerSample {
    /// Nodes in the cluster now (not removed; Ready or not).
    pub nodes_total: u64,
    /// Nodes the autoscaler added (became Ready) in the interval.
    pub nodes_added: u64,
    /// Nodes the autoscaler removed in the interval.
    pub nodes_removed: u64,
}

/// Summary statistics of a set of durations, seconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct WaitStats {
    /// Number of pods.
    pub count: u64,
    /// Mean.
    pub mean: f64,
    /// Median (nearest rank).
    pub p50: f64,
    /// 95th percentile (nearest rank).
    pub p95: f64,
    /// Maximum.
    pub max: f64,
}

impl WaitStats {
    /// Statistics of `ms` (milliseconds; sorted in place). All zero when empty.
    pub fn from_millis(ms: &mut [u64]) -> Self {
        if ms.is_empty() {
            return WaitStats::default();
        }
        ms.sort_unstable();
        let n = ms.len();
        let rank = |p: f64| ms[((p * n as f64).ceil() as usize).clamp(1, n) - 1];
        let s = |v: u64| v as f64 / 1000.0;
        let sum: u128 = ms.iter().map(|&v| u128::from(v)).sum();
        WaitStats {
            count: n as u64,
            mean: (sum as f64 / n as f64) / 1000.0,
            p50: s(rank(0.5)),
            p95: s(rank(0.95)),
            max: s(ms[n - 1]),
        }
    }
}

/// Cost of one node group.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupCost {
    /// The pool the group scales.
    pub pool: String,
    /// Nodes at the end of the run.
    pub nodes_at_end: u64,
    /// Peak node count.
    pub peak_nodes: u64,
    /// Node-hours (every node of the pool, initial ones included).
    pub node_hours: f64,
    /// `node_hours × pricePerHour`.
    pub cost: f64,
}

/// `summary.json` → `autoscaler`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AutoscalerSummary {
    /// Nodes added by scale-ups (Ready by the end of the run).
    pub nodes_added: u64,
    /// Nodes removed by scale-downs.
    pub nodes_removed: u64,
    /// Scale-up decisions (one per loop that requested nodes).
    pub scale_ups: u64,
    /// Nodes requested but still provisioning at the end of the run.
    pub nodes_provisioning_at_end: u64,
    /// Node-hours of all node groups.
    pub node_hours: f64,
    /// Cost of all node groups.
    pub cost: f64,
    /// Time from creation to binding of the pods a scale-up was made for, seconds.
    pub pod_wait_for_capacity_s: WaitStats,
    /// Per node group, in scenario order.
    pub groups: Vec<GroupCost>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_stats_use_nearest_rank() {
        let mut v: Vec<u64> = (1..=20).map(|s| s * 1000).collect();
        let w = WaitStats::from_millis(&mut v);
        assert_eq!(w.count, 20);
        assert_eq!(w.mean, 10.5);
        assert_eq!(w.p50, 10.0);
        assert_eq!(w.p95, 19.0);
        assert_eq!(w.max, 20.0);
        assert_eq!(WaitStats::from_millis(&mut []), WaitStats::default());
    }
}
