//! Opt-in scheduler time (`scheduler.cycleCost`): what one scheduling cycle costs in simulated
//! time, and the scheduler's own clock that runs cycles back to back.
//!
//! Upstream runs one `scheduleOne` loop: a cycle pops a pod, filters and scores against a
//! snapshot, and *assumes* the pod on its node before the next cycle starts (binding then runs
//! asynchronously). The model: the decision is taken on the world when the cycle starts, and
//! applied (bind, or nominate + preempt, or back to the queue) when it ends; the next cycle
//! starts then. Costs are integer nanoseconds and accumulate exactly on the scheduler's clock;
//! the engine's clock is in milliseconds, so a cycle's outcome is applied at the millisecond
//! instant containing its end (the end truncated to the millisecond).

use crate::engine::SimTime;

const NANOS_PER_MILLI: u64 = 1_000_000;

/// Simulated cost of one scheduling cycle, in nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CycleCost {
    /// Fixed cost of every cycle (queue pop, snapshot, pre-filter, assume, bind dispatch).
    pub per_cycle_ns: u64,
    /// Cost per node examined (filtered, and scored when feasible).
    pub per_node_ns: u64,
    /// Extra cost of a cycle that preempts (nominates a node and evicts victims).
    pub preemption_ns: u64,
}

impl CycleCost {
    /// The documented defaults (`docs/fidelity.md`, *Scheduler time*): 900 µs per cycle and
    /// 1.1 µs per node examined, from upstream scheduler_perf's throughput thresholds
    /// (SchedulingDaemonset 15,000 nodes, one node examined: 1,100 pods/s; SchedulingBasic
    /// 5,000 nodes, 500 examined: 680 pods/s); no preemption surcharge.
    pub const DEFAULT: CycleCost = CycleCost {
        per_cycle_ns: 900_000,
        per_node_ns: 1_100,
        preemption_ns: 0,
    };

    /// The cost of a cycle that examined `examined` nodes and did (or did not) preempt.
    pub fn of(&self, examined: usize, preempted: bool) -> u64 {
        let nodes = self.per_node_ns.saturating_mul(examined as u64);
        let extra = if preempted { self.preemption_ns } else { 0 };
        self.per_cycle_ns
            .saturating_add(nodes)
            .saturating_add(extra)
    }
}

/// The scheduler's clock: when the single scheduling thread is next free, in nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SchedulerClock {
    free_ns: u64,
}

impl SchedulerClock {
    /// Runs a cycle taken up at millisecond instant `now` and costing `cost_ns`: it starts when
    /// both `now` has come and the previous cycle has ended, and ends `cost_ns` later. Returns
    /// the millisecond instant at which its outcome is applied (its end, truncated).
    pub fn run(&mut self, now: SimTime, cost_ns: u64) -> SimTime {
        let start = self
            .free_ns
            .max(now.as_millis().saturating_mul(NANOS_PER_MILLI));
        self.free_ns = start.saturating_add(cost_ns);
        SimTime(self.free_ns / NANOS_PER_MILLI)
    }

    /// When the scheduler is next free, in nanoseconds.
    pub fn free_ns(&self) -> u64 {
        self.free_ns
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_is_base_plus_nodes_plus_preemption() {
        let c = CycleCost {
            per_cycle_ns: 700_000,
            per_node_ns: 100_000,
            preemption_ns: 5_000_000,
        };
        assert_eq!(c.of(5, false), 1_200_000);
        assert_eq!(c.of(0, false), 700_000);
        assert_eq!(c.of(5, true), 6_200_000);
        // 5,000 nodes at the defaults: 0.9 ms + 5.5 ms.
        assert_eq!(CycleCost::DEFAULT.of(5_000, false), 6_400_000);
    }

    #[test]
    fn back_to_back_cycles_accumulate_sub_millisecond_costs_exactly() {
        let mut clock = SchedulerClock::default();
        // Ten 0.3 ms cycles taken up at 0 ms: they end at 0.3, 0.6, ..., 3.0 ms.
        let ends: Vec<u64> = (0..10)
            .map(|_| clock.run(SimTime(0), 300_000).as_millis())
            .collect();
        assert_eq!(ends, vec![0, 0, 0, 1, 1, 1, 2, 2, 2, 3]);
        assert_eq!(clock.free_ns(), 3_000_000);
        // Taken up at 2 ms while busy until 3 ms: starts at 3 ms, ends at 3.3 ms.
        assert_eq!(clock.run(SimTime(2), 300_000), SimTime(3));
        assert_eq!(clock.free_ns(), 3_300_000);
        // Idle until 10 ms: starts at 10 ms.
        assert_eq!(clock.run(SimTime(10), 1_500_000), SimTime(11));
        assert_eq!(clock.free_ns(), 11_500_000);
    }
}
