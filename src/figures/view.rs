//! What the figures of a run are computed from: a few summary numbers, the Pending series, the
//! Ready nodes' requested fractions and the fault starts. [`RunView`] is implemented here for a
//! run in memory ([`RunResult`], `sweep` and `plan`) and by the report for a results directory
//! read back (`report`, `compare`, `run`'s exit code), so every command computes a figure by
//! the one function in [`super::metric`].

use super::services::{summary_value, ServiceFigure};
use crate::metrics::RunResult;

/// A number of `summary.json` a figure reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SummaryField {
    /// `podsPendingAtEnd`.
    PodsPendingAtEnd,
    /// `podsUnschedulableAtEnd`.
    PodsUnschedulableAtEnd,
    /// `schedulingFailures`.
    SchedulingFailures,
    /// `podsPreempted`.
    PodsPreempted,
    /// `podsFailed`.
    PodsFailed,
    /// `podsScheduled`.
    PodsScheduled,
    /// `evictions` (usage model only).
    Evictions,
    /// `oomKills` (usage model only).
    OomKills,
    /// `resilience.cascades`.
    Cascades,
    /// `resilience.maxCascadeDepth`.
    MaxCascadeDepth,
    /// `resilience.worstAvailability` (absent without a tracked workload).
    WorstAvailability,
}

impl SummaryField {
    /// The field's path of keys in `summary.json`.
    pub fn path(self) -> &'static [&'static str] {
        match self {
            SummaryField::PodsPendingAtEnd => &["podsPendingAtEnd"],
            SummaryField::PodsUnschedulableAtEnd => &["podsUnschedulableAtEnd"],
            SummaryField::SchedulingFailures => &["schedulingFailures"],
            SummaryField::PodsPreempted => &["podsPreempted"],
            SummaryField::PodsFailed => &["podsFailed"],
            SummaryField::PodsScheduled => &["podsScheduled"],
            SummaryField::Evictions => &["evictions"],
            SummaryField::OomKills => &["oomKills"],
            SummaryField::Cascades => &["resilience", "cascades"],
            SummaryField::MaxCascadeDepth => &["resilience", "maxCascadeDepth"],
            SummaryField::WorstAvailability => &["resilience", "worstAvailability"],
        }
    }
}

/// Which resource a requested fraction is of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resource {
    /// CPU.
    Cpu,
    /// Memory.
    Memory,
}

/// The inputs of a run's figures.
pub trait RunView {
    /// A `summary.json` number; None when the run does not record it.
    fn summary(&self, field: SummaryField) -> Option<f64>;
    /// `(time ms, Pending pods)` of every sample, in time order.
    fn pending(&self) -> Vec<(u64, f64)>;
    /// Per sample, requests of pods on Ready nodes over Ready nodes' allocatable (None when
    /// nothing is allocatable); None when the run does not record it.
    fn requested_ready(&self, resource: Resource) -> Option<Vec<Option<f64>>>;
    /// Start times (ms) of the run's faults, sorted and without duplicates; None when the run
    /// does not record its faults.
    fn fault_starts_ms(&self) -> Option<Vec<u64>>;
    /// Time to recovery (s) of each cascade rooted at a fault, None for one not recovered by
    /// the end; None when the run does not record its cascades.
    fn fault_recoveries(&self) -> Option<Vec<Option<f64>>>;
    /// A figure of service `name` (its `summary.json` `services[]` entry); None when the run
    /// has no such service or does not record the figure.
    fn service(&self, name: &str, figure: ServiceFigure) -> Option<f64>;
}

/// The root kind of a cascade started by a fault of the scenario.
pub const FAULT_ROOT: &str = "fault";

impl RunView for RunResult {
    fn summary(&self, field: SummaryField) -> Option<f64> {
        let s = &self.summary;
        let r = &s.resilience;
        let n = |v: u64| Some(v as f64);
        match field {
            SummaryField::PodsPendingAtEnd => n(s.pods_pending_at_end),
            SummaryField::PodsUnschedulableAtEnd => n(s.pods_unschedulable_at_end),
            SummaryField::SchedulingFailures => n(s.scheduling_failures),
            SummaryField::PodsPreempted => n(s.pods_preempted),
            SummaryField::PodsFailed => n(s.pods_failed),
            SummaryField::PodsScheduled => n(s.pods_scheduled),
            SummaryField::Evictions => s.evictions.and_then(n),
            SummaryField::OomKills => s.oom_kills.and_then(n),
            SummaryField::Cascades => n(r.cascades),
            SummaryField::MaxCascadeDepth => n(u64::from(r.max_cascade_depth)),
            SummaryField::WorstAvailability => r.worst_availability,
        }
    }

    fn pending(&self) -> Vec<(u64, f64)> {
        self.timeseries
            .rows
            .iter()
            .map(|x| (x.time_ms, x.pods_pending as f64))
            .collect()
    }

    fn requested_ready(&self, resource: Resource) -> Option<Vec<Option<f64>>> {
        let rows = self.timeseries.rows.iter();
        Some(match resource {
            Resource::Cpu => rows.map(|x| x.total.cpu_fraction_ready()).collect(),
            Resource::Memory => rows.map(|x| x.total.mem_fraction_ready()).collect(),
        })
    }

    fn fault_starts_ms(&self) -> Option<Vec<u64>> {
        let mut starts: Vec<u64> = self.resilience.faults.iter().map(|f| f.start_ms).collect();
        starts.sort_unstable();
        starts.dedup();
        Some(starts)
    }

    fn fault_recoveries(&self) -> Option<Vec<Option<f64>>> {
        Some(
            self.resilience
                .cascades
                .iter()
                .filter(|c| c.root_kind == FAULT_ROOT)
                .map(|c| c.time_to_recovery_s.parse::<f64>().ok())
                .collect(),
        )
    }

    fn service(&self, name: &str, figure: ServiceFigure) -> Option<f64> {
        summary_value(self.summary.services.as_deref()?, name, figure)
    }
}
