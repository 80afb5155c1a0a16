//! The simulation loop: owns the world, the event queue, the scheduler and its queue, the
//! controllers and the recorder, and runs events in `(time, class, sequence)` order: metrics
//! ticks are end-of-instant events, so a sample at `T` reflects every event at `T`.
//!
//! Architecture invariant: no I/O and no printing. Progress is reported through a callback;
//! results come back as a [`RunResult`] that `metrics::write` turns into files.
//!
//! One event at a time: pop → handle (a function of the subsystem that owns the event) →
//! *settle*: apply buffered queue work (new pods, deleted pods, freed capacity), keep exactly
//! one `SchedulerCycle` pending while the active queue is non-empty and one `QueueWakeup`
//! pending at the queue's next wakeup. Scheduling takes zero simulated time.
//!
//! Files by concern: `setup` (building a simulation), `dispatch` (the event loop and the end
//! of a run), `schedule` (the scheduling step and settling), `nodes` (dynamic nodes and
//! loop-level pod/node operations), `consistency` (the full recount for tests), `faults` /
//! `lifecycle` / `pdbs` (fault application, node lifecycle, budgets), `autoscale` (applying the
//! autoscaler's decisions).

mod autoscale;
mod consistency;
mod dispatch;
pub mod faults;
mod hpa;
pub mod lifecycle;
mod nodes;
pub mod pdbs;
mod schedule;
pub mod service_causes;
pub mod services;
mod setup;

#[cfg(test)]
mod fault_tests;
#[cfg(test)]
mod lifecycle_tests;
#[cfg(test)]
mod memo_tests;
#[cfg(test)]
mod testkit;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_dynamic;

pub use crate::build::SimSetup;
pub use crate::runtime::health;
pub use crate::runtime::{Core, Event, SetupError};
pub use schedule::{PodQueue, PodScheduler};

use crate::cluster::{NodeId, PodId, PodPhase, World};
use crate::controllers::Controllers;
use crate::engine::{RngStreams, SimTime};
use crate::kubelet::{Kubelet, KubeletAction};
pub use crate::metrics::EventLogLevel;
use crate::metrics::{FinishInfo, Recorder, RunResult, WorkloadInfo};
use crate::runtime::{AutoscalerEvent, KubeletEvent};
use crate::scheduler::{NoPdbs, Outcome, PdbOracle, Scheduler, SchedulingQueue};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Progress of a running simulation, for a progress bar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Current simulated time.
    pub sim_time: SimTime,
    /// Simulated duration of the run.
    pub duration: SimTime,
    /// Events processed so far.
    pub events_processed: u64,
    /// Pods Pending at this moment.
    pub pods_pending: u64,
}

pub use crate::controllers::STALLED_RECHECK_MS;

/// Progress is reported every this many events.
pub const PROGRESS_EVERY: u64 = 100_000;

/// One simulation run.
pub struct Simulation<S = Scheduler, Q = SchedulingQueue> {
    core: Core,
    scheduler: S,
    queue: Q,
    controllers: Controllers,
    infos: Vec<WorkloadInfo>,
    duration: SimTime,
    metrics_interval_ms: u64,
    /// A `SchedulerCycle` event is pending.
    cycle_pending: bool,
    /// Times of pending `QueueWakeup` events (min-heap; reuses its buffer).
    wakeups: BinaryHeap<Reverse<SimTime>>,
    /// `scheduler.cycleCost` (None: cycles take no simulated time).
    cycle_cost: Option<crate::scheduler::CycleCost>,
    /// When the scheduler is next free (with `cycle_cost`).
    sched_clock: crate::scheduler::SchedulerClock,
    /// The cycle whose outcome waits for its end (with `cycle_cost`).
    in_flight: Option<schedule::InFlight>,
    events_processed: u64,
    last_sample: Option<SimTime>,
    /// Faults, node lifecycle, drains and budgets (None without a fault setup).
    faults: Option<faults::FaultRuntime>,
    /// The Cluster Autoscaler, when the scenario has one.
    autoscaler: Option<Box<crate::autoscaler::Autoscaler>>,
    /// The service layer, when the scenario has services.
    services: Option<Box<services::ServiceGlue>>,
    /// The HorizontalPodAutoscalers, when the scenario has any.
    hpas: Option<Box<hpa::HpaGlue>>,
}

impl<S: PodScheduler, Q: PodQueue> Simulation<S, Q> {
    /// The cluster state now.
    pub fn world(&self) -> &World {
        self.core.world()
    }

    /// The scheduler (e.g. for `explain`).
    pub fn scheduler_mut(&mut self) -> &mut S {
        &mut self.scheduler
    }

    /// The world and the scheduler at once (`explain` needs `&World` and `&mut Scheduler`).
    pub fn world_and_scheduler(&mut self) -> (&World, &mut S) {
        (self.core.world(), &mut self.scheduler)
    }

    /// The world, the scheduler and the PodDisruptionBudgets preemption consults (as the
    /// scheduling cycle sees them), for `explain`'s preemption dry run.
    pub fn explain_parts(&mut self) -> (&World, &mut S, Box<dyn PdbOracle + '_>) {
        let pdbs: Box<dyn PdbOracle + '_> = match &self.faults {
            Some(rt) if !rt.pdbs().is_empty() => Box::new(pdbs::PdbView {
                set: rt.pdbs(),
                recorder: self.core.recorder(),
            }),
            _ => Box::new(NoPdbs),
        };
        (self.core.world(), &mut self.scheduler, pdbs)
    }

    /// The scheduling queue.
    pub fn queue(&self) -> &Q {
        &self.queue
    }

    /// The recorder (metrics so far).
    pub fn recorder(&self) -> &Recorder {
        self.core.recorder()
    }

    /// The core (world, events, recorder, clock).
    pub fn core(&self) -> &Core {
        &self.core
    }

    /// The kubelet model, when the usage model is on.
    pub fn kubelet(&self) -> Option<&Kubelet> {
        self.core.agent_as::<Kubelet>()
    }

    /// Current simulated time.
    pub fn now(&self) -> SimTime {
        self.core.now()
    }

    /// Events processed so far.
    pub fn events_processed(&self) -> u64 {
        self.events_processed
    }

    // --- Dynamic nodes (autoscaler, surge nodes) ---
}
