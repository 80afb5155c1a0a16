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

mod autoscale;
pub mod core;
pub mod event;
pub mod faults;
pub mod health;
pub mod lifecycle;
pub mod pdbs;
pub mod services;

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

pub use self::core::Core;
pub use event::Event;

use crate::cluster::{NodeId, PodId, PodPhase, World};
use crate::controllers::{Controllers, WorkloadSpec};
use crate::engine::{RngStreams, SimTime};
pub use crate::metrics::EventLogLevel;
use crate::metrics::{FinishInfo, Recorder, RunResult, WorkloadInfo};
use crate::scheduler::{NoPdbs, Outcome, PdbOracle, Scheduler, SchedulerConfig, SchedulingQueue};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Everything a run needs; `build` produces it from a scenario.
pub struct SimSetup {
    /// The cluster (nodes, templates; no pods yet).
    pub world: World,
    /// The workloads, indexed by `WorkloadId`.
    pub workloads: Vec<WorkloadSpec>,
    /// Scheduler configuration.
    pub scheduler: SchedulerConfig,
    /// Simulated duration, ms.
    pub duration_ms: u64,
    /// Time-series interval, ms (0 = only a final sample).
    pub metrics_interval_ms: u64,
    /// Per-node sample interval, ms (0 = no `node_samples.csv`); taken at metrics samples.
    pub node_sample_interval_ms: u64,
    /// Master seed.
    pub seed: u64,
    /// Which pod events go into the event log.
    pub event_log: EventLogLevel,
    /// The usage and node-pressure model (None: off, no usage events at all).
    pub pressure: Option<crate::kubelet::PressureConfig>,
    /// Faults, node lifecycle settings and PodDisruptionBudgets (None: no node lifecycle
    /// at all, for tests of other subsystems).
    pub faults: Option<crate::faults::FaultSetup>,
    /// The Cluster Autoscaler (None: off).
    pub autoscaler: Option<crate::autoscaler::AutoscalerConfig>,
    /// Services (None: no `services:` section, no service tick at all).
    pub services: Option<crate::services::ServicesSetup>,
}

/// The simulation could not be set up.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SetupError {
    /// A workload refers to a template that does not exist.
    #[error("workload `{workload}`: template {template} does not exist")]
    UnknownTemplate {
        /// Workload name.
        workload: String,
        /// Template id.
        template: u32,
    },
    /// A `nodeName` refers to a node that does not exist.
    #[error("workload `{workload}`: node {node} does not exist")]
    UnknownNode {
        /// Workload name.
        workload: String,
        /// Node id.
        node: u32,
    },
    /// A distribution's parameters are invalid.
    #[error("workload `{workload}`: invalid {what}: {message}")]
    InvalidDistribution {
        /// Workload name.
        workload: String,
        /// `arrivals` or `duration`.
        what: &'static str,
        /// Why.
        message: String,
    },
    /// The world is not ready for a run.
    #[error("inconsistent world: {0}")]
    InconsistentWorld(String),
    /// The autoscaler's configuration cannot be used.
    #[error("autoscaler: {0}")]
    Autoscaler(String),
}

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

/// A Job pod whose node is down when its run should end is checked again this much later.
pub const STALLED_RECHECK_MS: u64 = 10_000;

/// Progress is reported every this many events.
pub const PROGRESS_EVERY: u64 = 100_000;

/// What the loop needs from a scheduler (implemented by [`Scheduler`]; tests use stand-ins).
pub trait PodScheduler {
    /// One scheduling cycle for pending pod `pod`; preemption consults `pdbs`.
    fn schedule(&mut self, world: &World, pod: PodId, pdbs: &dyn PdbOracle) -> Outcome;
}

impl PodScheduler for Scheduler {
    #[inline]
    fn schedule(&mut self, world: &World, pod: PodId, pdbs: &dyn PdbOracle) -> Outcome {
        Scheduler::schedule_with_pdbs(self, world, pod, pdbs)
    }
}

/// What the loop needs from a scheduling queue (implemented by [`SchedulingQueue`]).
/// `remove` must accept pods the queue does not hold.
pub trait PodQueue {
    /// See [`SchedulingQueue::add`].
    fn add(&mut self, pod: PodId, priority: i32, now: SimTime);
    /// See [`SchedulingQueue::pop`].
    fn pop(&mut self) -> Option<PodId>;
    /// See [`SchedulingQueue::add_unschedulable`].
    fn add_unschedulable(&mut self, pod: PodId, priority: i32, attempts: u32, now: SimTime);
    /// See [`SchedulingQueue::move_all_to_active_or_backoff`].
    fn move_all_to_active_or_backoff(&mut self, now: SimTime);
    /// See [`SchedulingQueue::flush`].
    fn flush(&mut self, now: SimTime);
    /// See [`SchedulingQueue::next_wakeup`].
    fn next_wakeup(&self) -> Option<SimTime>;
    /// See [`SchedulingQueue::remove`].
    fn remove(&mut self, pod: PodId);
    /// See [`SchedulingQueue::active_len`].
    fn active_len(&self) -> usize;
    /// See [`SchedulingQueue::waiting_len`].
    fn waiting_len(&self) -> usize;
}

impl PodQueue for SchedulingQueue {
    #[inline]
    fn add(&mut self, pod: PodId, priority: i32, now: SimTime) {
        SchedulingQueue::add(self, pod, priority, now)
    }
    #[inline]
    fn pop(&mut self) -> Option<PodId> {
        SchedulingQueue::pop(self)
    }
    #[inline]
    fn add_unschedulable(&mut self, pod: PodId, priority: i32, attempts: u32, now: SimTime) {
        SchedulingQueue::add_unschedulable(self, pod, priority, attempts, now)
    }
    #[inline]
    fn move_all_to_active_or_backoff(&mut self, now: SimTime) {
        SchedulingQueue::move_all_to_active_or_backoff(self, now)
    }
    #[inline]
    fn flush(&mut self, now: SimTime) {
        SchedulingQueue::flush(self, now)
    }
    #[inline]
    fn next_wakeup(&self) -> Option<SimTime> {
        SchedulingQueue::next_wakeup(self)
    }
    #[inline]
    fn remove(&mut self, pod: PodId) {
        SchedulingQueue::remove(self, pod)
    }
    #[inline]
    fn active_len(&self) -> usize {
        SchedulingQueue::active_len(self)
    }
    #[inline]
    fn waiting_len(&self) -> usize {
        SchedulingQueue::waiting_len(self)
    }
}

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
    events_processed: u64,
    last_sample: Option<SimTime>,
    /// Faults, node lifecycle, drains and budgets (None without a fault setup).
    faults: Option<faults::FaultRuntime>,
    /// The Cluster Autoscaler, when the scenario has one.
    autoscaler: Option<Box<crate::autoscaler::Autoscaler>>,
    /// The service layer, when the scenario has services.
    services: Option<Box<services::ServiceGlue>>,
}

impl Simulation {
    /// A simulation with the real kube-scheduler model. The scheduler draws from the
    /// `"scheduler"` stream; each workload from `"arrivals/<name>"` and `"durations/<name>"`.
    pub fn new(setup: SimSetup) -> Result<Self, SetupError> {
        let streams = RngStreams::new(setup.seed);
        let queue = SchedulingQueue::new(
            setup.scheduler.initial_backoff_ms,
            setup.scheduler.max_backoff_ms,
        );
        let mut scheduler = Scheduler::new(
            setup.scheduler.clone(),
            &setup.world,
            streams.stream("scheduler"),
        );
        // Exact: every node change reaches `World::node_changes` (binds, releases and taints
        // through `World`, everything else through `Core::node_changed`).
        scheduler.set_failure_memo(true);
        Simulation::with_parts(setup, scheduler, queue)
    }
}

impl<S: PodScheduler, Q: PodQueue> Simulation<S, Q> {
    /// A simulation with the given scheduler and queue (`setup.scheduler` is not used here).
    /// Creates the initial pods (time zero) but processes no event.
    pub fn with_parts(setup: SimSetup, scheduler: S, queue: Q) -> Result<Self, SetupError> {
        let SimSetup {
            mut world,
            workloads,
            duration_ms,
            metrics_interval_ms,
            node_sample_interval_ms,
            seed,
            event_log,
            pressure,
            faults: fault_setup,
            scheduler: scheduler_config,
            autoscaler: autoscaler_config,
            services: services_setup,
            ..
        } = setup;
        if !world.pods.is_empty() {
            return Err(SetupError::InconsistentWorld(format!(
                "{} pods exist before the run starts",
                world.pods.len()
            )));
        }
        if world.pods_on_node.len() != world.nodes.len() {
            return Err(SetupError::InconsistentWorld(format!(
                "pods_on_node has {} entries for {} nodes",
                world.pods_on_node.len(),
                world.nodes.len()
            )));
        }
        if let Some(z) = world
            .nodes
            .zone
            .iter()
            .find(|z| **z as usize >= world.zones.len())
        {
            return Err(SetupError::InconsistentWorld(format!(
                "node zone {z} out of range ({} zones)",
                world.zones.len()
            )));
        }
        let streams = RngStreams::new(seed);
        let kubelet = match &pressure {
            Some(cfg) => Some(Box::new(crate::kubelet::Kubelet::new(
                cfg,
                &mut world,
                &workloads,
                &streams,
                duration_ms,
            )?)),
            None => None,
        };
        let templates: Vec<u32> = workloads.iter().map(|w| w.template).collect();
        let mut fault_parts = fault_setup.map(|f| {
            faults::FaultRuntime::new(f, &mut world, &streams, seed, duration_ms, &templates)
        });
        let autoscaler = match autoscaler_config {
            Some(cfg) => Some(autoscale::build(
                cfg,
                &world,
                &scheduler_config,
                &workloads,
                &streams,
            )?),
            None => None,
        };
        let controllers = Controllers::new(workloads, &world, &streams)?;
        let infos = controllers.infos();
        let mut recorder = Recorder::new(&world, &infos, event_log);
        if kubelet.is_some() {
            recorder.enable_pressure();
        }
        let mut runtime = None;
        if let Some((rt, names, windows)) = fault_parts.take() {
            recorder.set_faults(names, windows);
            runtime = Some(rt);
        }
        recorder.set_node_sample_interval(node_sample_interval_ms);
        let mut sim = Simulation {
            core: Core::new(world, recorder),
            scheduler,
            queue,
            controllers,
            infos,
            duration: SimTime(duration_ms),
            metrics_interval_ms,
            cycle_pending: false,
            wakeups: BinaryHeap::new(),
            events_processed: 0,
            last_sample: None,
            faults: runtime,
            autoscaler,
            services: None,
        };
        sim.core.init_cordons();
        if metrics_interval_ms > 0 && metrics_interval_ms <= duration_ms {
            // End of instant: a sample at `T` sees every event at `T` (and the zero-time
            // scheduling cycles they cause) already applied.
            sim.core
                .events
                .push_end_of_instant(SimTime(metrics_interval_ms), Event::MetricsTick);
        }
        sim.start_autoscaler();
        sim.core.kubelet = kubelet;
        if let Some(rt) = &sim.faults {
            let after = rt.lifecycle().config().overload_failure_after_ms;
            if let Some(k) = sim.core.kubelet.as_mut() {
                k.set_overload_failure(after);
                sim.core.recorder.res.overload_failure_enabled = after.is_some();
            }
            rt.start(&mut sim.core);
        }
        sim.core.with_kubelet(|k, core| k.start(core));
        sim.controllers.start(&mut sim.core);
        sim.services = services_setup.map(|s| {
            let n = sim.infos.len();
            Box::new(services::ServiceGlue::start(
                s,
                n,
                metrics_interval_ms,
                duration_ms,
                &mut sim.core,
            ))
        });
        sim.settle();
        Ok(sim)
    }

    /// The cluster state now.
    pub fn world(&self) -> &World {
        &self.core.world
    }

    /// The scheduler (e.g. for `explain`).
    pub fn scheduler_mut(&mut self) -> &mut S {
        &mut self.scheduler
    }

    /// The world and the scheduler at once (`explain` needs `&World` and `&mut Scheduler`).
    pub fn world_and_scheduler(&mut self) -> (&World, &mut S) {
        (&self.core.world, &mut self.scheduler)
    }

    /// The world, the scheduler and the PodDisruptionBudgets preemption consults (as the
    /// scheduling cycle sees them), for `explain`'s preemption dry run.
    pub fn explain_parts(&mut self) -> (&World, &mut S, Box<dyn PdbOracle + '_>) {
        let pdbs: Box<dyn PdbOracle + '_> = match &self.faults {
            Some(rt) if !rt.pdbs().is_empty() => Box::new(pdbs::PdbView {
                set: rt.pdbs(),
                recorder: &self.core.recorder,
            }),
            _ => Box::new(NoPdbs),
        };
        (&self.core.world, &mut self.scheduler, pdbs)
    }

    /// The scheduling queue.
    pub fn queue(&self) -> &Q {
        &self.queue
    }

    /// The recorder (metrics so far).
    pub fn recorder(&self) -> &Recorder {
        &self.core.recorder
    }

    /// The core (world, events, recorder, clock).
    pub fn core(&self) -> &Core {
        &self.core
    }

    /// The kubelet model, when the usage model is on.
    pub fn kubelet(&self) -> Option<&crate::kubelet::Kubelet> {
        self.core.kubelet.as_deref()
    }

    fn take_sample(&mut self, at: SimTime) {
        let pressure = self.core.with_kubelet(|k, core| k.sample(core));
        self.core
            .recorder
            .sample_with(at, &self.core.world, pressure);
        self.core
            .recorder
            .sample_nodes(at, &self.core.world, self.core.kubelet.as_deref());
    }

    /// Current simulated time.
    pub fn now(&self) -> SimTime {
        self.core.now
    }

    /// Events processed so far.
    pub fn events_processed(&self) -> u64 {
        self.events_processed
    }

    /// Processes every event at or before `t`; afterwards the clock reads `t` (if it was
    /// behind). Metrics ticks stop at the run's duration, other events do not.
    pub fn run_until(&mut self, t: SimTime) {
        self.advance(t, &mut |_| {});
    }

    /// Runs to the end of the simulated duration and returns the results.
    pub fn run(mut self, progress: &mut dyn FnMut(Progress)) -> RunResult {
        let end = self.duration;
        self.advance(end, progress);
        if self.last_sample != Some(end) {
            self.take_sample(end);
        }
        progress(Progress {
            sim_time: end,
            duration: end,
            events_processed: self.events_processed,
            pods_pending: self.core.world.phase_counts().pending as u64,
        });
        let unschedulable_at_end = self
            .core
            .world
            .pods
            .iter()
            .filter(|(_, p)| p.phase == PodPhase::Pending && p.attempts > 0)
            .count() as u64;
        let info = FinishInfo {
            duration: end,
            events_processed: self.events_processed,
            unschedulable_at_end,
        };
        let names: Vec<String> = self.infos.iter().map(|i| i.name.clone()).collect();
        let pressure = self
            .core
            .kubelet
            .as_mut()
            .map(|k| k.finish(&self.core.world, &names, end.as_millis()));
        let used = self
            .core
            .kubelet
            .as_mut()
            .map(|k| k.workload_used(end.as_millis()));
        let mut result = self
            .core
            .recorder
            .finish(&self.core.world, &self.infos, info);
        if let Some(a) = self.autoscaler.as_mut() {
            result.summary.autoscaler = Some(a.finish(end.as_millis()));
        }
        if let Some(s) = self.services.take() {
            let (rows, summary) = s.finish(end.as_millis());
            result.services = Some(rows);
            result.summary.services = Some(summary);
        }
        for (row, u) in result
            .resilience
            .workloads
            .iter_mut()
            .zip(used.into_iter().flatten())
        {
            row.set_used(u);
        }
        if let Some((summary, nodes)) = pressure {
            result.summary.evictions = Some(summary.evictions);
            result.summary.oom_kills = Some(summary.oom_kills_limit + summary.oom_kills_node);
            result.summary.pressure = Some(summary);
            result.nodes = Some(nodes);
        }
        result
    }

    fn advance(&mut self, t: SimTime, progress: &mut dyn FnMut(Progress)) {
        while let Some(at) = self.core.events.peek_time() {
            if at > t {
                break;
            }
            let (at, event) = self.core.events.pop().expect("peeked");
            self.core.now = at;
            self.handle(event);
            self.settle();
            self.events_processed += 1;
            if self.events_processed.is_multiple_of(PROGRESS_EVERY) {
                progress(Progress {
                    sim_time: at,
                    duration: self.duration,
                    events_processed: self.events_processed,
                    pods_pending: self.core.world.phase_counts().pending as u64,
                });
            }
        }
        if self.core.now < t {
            self.core.now = t;
        }
    }

    fn handle(&mut self, event: Event) {
        let now = self.core.now;
        match event {
            Event::SchedulerCycle => {
                self.cycle_pending = false;
                self.scheduling_cycle();
            }
            Event::QueueWakeup => {
                while self.wakeups.peek().is_some_and(|w| w.0 <= now) {
                    self.wakeups.pop();
                }
                self.queue.flush(now);
            }
            Event::MetricsTick => {
                self.take_sample(now);
                self.last_sample = Some(now);
                let next = now.plus_millis(self.metrics_interval_ms);
                if next <= self.duration {
                    self.core
                        .events
                        .push_end_of_instant(next, Event::MetricsTick);
                }
            }
            Event::PodComplete { pod } if self.core.pod_is_stalled(pod) => {
                // Its node is down: the run completes once the node is back (unless the pod
                // is deleted meanwhile).
                self.core.push(
                    now.plus_millis(STALLED_RECHECK_MS),
                    Event::PodComplete { pod },
                );
            }
            Event::JobArrival { .. }
            | Event::PodComplete { .. }
            | Event::ReplaceAfterDelete { .. }
            | Event::JobRetry { .. } => {
                self.controllers.handle(&mut self.core, event);
            }
            Event::FaultStep { .. }
            | Event::NodeUnknown { .. }
            | Event::MonitorPass
            | Event::ZoneTaint { .. }
            | Event::TaintEviction { .. }
            | Event::DrainRetry { .. }
            | Event::OverloadRepair { .. } => {
                if let Some(rt) = self.faults.as_mut() {
                    rt.handle(event, &mut self.core, &mut self.controllers);
                }
                self.apply_node_requests();
            }
            Event::OverloadCheck { node, since_ms } => {
                let failed = self
                    .core
                    .kubelet
                    .as_mut()
                    .is_some_and(|k| k.overload_check(node.ix(), since_ms));
                if let (true, Some(rt)) = (failed, self.faults.as_mut()) {
                    rt.overload_failure(&mut self.core, node);
                }
            }
            Event::UsageTick { .. }
            | Event::UsageSpike { .. }
            | Event::ContainerRestart { .. }
            | Event::LeakCheck { .. }
            | Event::NodeCheck { .. }
            | Event::KubeletSync { .. } => {
                let eviction = self.core.with_kubelet(|k, core| k.handle(core, event));
                if let Some(Some(e)) = eviction {
                    self.controllers.evict_pod(&mut self.core, e.pod, e.cause);
                }
                if let Event::ContainerRestart { pod, .. } = event {
                    self.controllers.container_restarted(&mut self.core, pod);
                }
            }
            Event::ContainerFailed { pod, cause } => {
                self.controllers
                    .fail_pod(&mut self.core, pod, "OOMKilled", cause);
            }
            Event::ServiceTick => {
                if let Some(s) = self.services.as_mut() {
                    s.tick(&mut self.core);
                }
            }
            Event::AutoscalerScan => self.autoscaler_scan(),
            Event::AutoscalerNodeReady { group } => self.autoscaler_node_ready(group as usize),
        }
    }

    /// One scheduling cycle: pop one pod, decide, apply.
    fn scheduling_cycle(&mut self) {
        let Some(pod) = self.queue.pop() else { return };
        let core = &mut self.core;
        let attempts = match core.world.pods.get_mut(pod) {
            Some(p) if p.phase == PodPhase::Pending => {
                p.attempts += 1;
                p.attempts
            }
            _ => return, // deleted or bound meanwhile: stale
        };
        core.recorder.sched_attempt();
        let outcome = match &self.faults {
            Some(rt) if !rt.pdbs().is_empty() => {
                let view = pdbs::PdbView {
                    set: rt.pdbs(),
                    recorder: &core.recorder,
                };
                self.scheduler.schedule(&core.world, pod, &view)
            }
            _ => self.scheduler.schedule(&core.world, pod, &NoPdbs),
        };
        match outcome {
            Outcome::Bind { node, score } => {
                core.bind_scheduled(pod, node, score);
                if let Some(a) = self.autoscaler.as_mut() {
                    a.pod_bound(pod, core.now.as_millis());
                }
                self.controllers.pod_bound(core, pod);
            }
            Outcome::Unschedulable {
                reason,
                nominated,
                victims,
            } => {
                let preemptor = core.world.pods.get(pod).expect("live").clone();
                core.recorder
                    .sched_failure(core.now, &preemptor, &reason, nominated);
                if let Some(node) = nominated {
                    // Reserve first, so victims' direct-bound replacements cannot take the room.
                    core.nominate(pod, node);
                    for v in victims {
                        if let Some(vp) = core.world.pods.get(v) {
                            core.recorder.pod_preempted(core.now, vp, &preemptor);
                            self.controllers.delete_pod(core, v, preemptor.cause);
                        }
                    }
                }
                if let Some(a) = self.autoscaler.as_mut() {
                    a.pod_unschedulable(pod);
                }
                let prio = core.priority(pod);
                self.queue.add_unschedulable(pod, prio, attempts, core.now);
            }
        }
    }

    /// Applies the buffered queue work of the last event and keeps the cycle and wakeup events.
    fn settle(&mut self) {
        let now = self.core.now;
        while let Some(n) = self.core.recheck.pop() {
            self.core.retry_parked(n);
        }
        let mut buf = std::mem::take(&mut self.core.to_enqueue);
        for &pod in &buf {
            if let Some(p) = self.core.world.pods.get(pod) {
                if p.phase == PodPhase::Pending {
                    let prio = self.core.world.templates[p.template as usize].priority;
                    self.queue.add(pod, prio, now);
                }
            }
        }
        buf.clear();
        self.core.to_enqueue = buf;
        let mut buf = std::mem::take(&mut self.core.to_dequeue);
        for &pod in &buf {
            self.queue.remove(pod);
        }
        buf.clear();
        self.core.to_dequeue = buf;
        if self.core.capacity_freed {
            self.core.capacity_freed = false;
            self.queue.move_all_to_active_or_backoff(now);
        }
        let mut wake = self.queue.next_wakeup();
        if wake.is_some_and(|w| w <= now) {
            self.queue.flush(now);
            wake = self.queue.next_wakeup().map(|w| w.max(now.plus_millis(1)));
        }
        if self.queue.active_len() > 0 && !self.cycle_pending {
            self.cycle_pending = true;
            self.core.push(now, Event::SchedulerCycle);
        }
        if let Some(w) = wake {
            if self.wakeups.peek().is_none_or(|p| w < p.0) {
                self.wakeups.push(Reverse(w));
                self.core.push(w, Event::QueueWakeup);
            }
        }
    }

    /// Deletes a pod through the controllers' deletion path (its owner reacts, e.g. replaces
    /// it); the replacement inherits `cause`. Returns false for a stale id. For faults and tests.
    pub fn delete_pod(&mut self, pod: PodId, cause: u64) -> bool {
        let done = self
            .controllers
            .delete_pod(&mut self.core, pod, cause)
            .is_some();
        self.settle();
        done
    }

    /// Marks a node changed (allocatable, readiness, taints): metrics update, waiting pods retry.
    pub fn node_changed(&mut self, node: NodeId) {
        self.core.node_changed(node);
        self.settle();
    }

    // --- Dynamic nodes (autoscaler, surge nodes) ---

    /// Adds a Ready node to the running cluster: every per-node structure grows, DaemonSets
    /// place their pods on it, and pods waiting for room are retried.
    pub fn add_node(&mut self, init: crate::cluster::NodeInit) -> NodeId {
        let node = self.add_node_inner(init);
        self.settle();
        node
    }

    /// [`Simulation::add_node`] without settling (inside an event handler).
    fn add_node_inner(&mut self, init: crate::cluster::NodeInit) -> NodeId {
        let node = self.core.add_node(init);
        if let Some(rt) = self.faults.as_mut() {
            rt.node_added(&mut self.core, node);
        }
        self.controllers.node_added(&mut self.core, node);
        self.core.node_changed(node);
        self.autoscaler_saw_node(node, true);
        node
    }

    /// Adds and removes the nodes fault steps asked for (upgrade surge nodes).
    fn apply_node_requests(&mut self) {
        let Some(rt) = self.faults.as_mut() else {
            return;
        };
        for req in rt.take_requests() {
            match req {
                faults::NodeRequest::Add { like, count } => {
                    for k in 0..count {
                        let name = format!("{}-surge-{k}", self.core.world.nodes.name[like.ix()]);
                        let hostname = self.core.world.interner.intern(&name);
                        let init = self.core.world.nodes.init_like(like, name, hostname);
                        let node = self.add_node_inner(init);
                        if let Some(rt) = self.faults.as_mut() {
                            rt.surge_added(like, node);
                        }
                    }
                }
                faults::NodeRequest::Remove { like, cause } => {
                    let nodes = self
                        .faults
                        .as_mut()
                        .map(|rt| rt.take_surge(like))
                        .unwrap_or_default();
                    for node in nodes {
                        self.remove_node_inner(node, cause);
                    }
                }
            }
        }
    }

    /// Deletes a node from the cluster: it leaves `node_order` for good (its id is never
    /// reused) and its pods are deleted through their controllers (owners recreate them
    /// elsewhere; the replacements inherit `cause`). Returns the number of pods deleted; 0
    /// for a node removed already.
    pub fn remove_node(&mut self, node: NodeId, cause: u64) -> usize {
        let n = self.remove_node_inner(node, cause);
        self.settle();
        n
    }

    /// [`Simulation::remove_node`] without settling (inside an event handler).
    fn remove_node_inner(&mut self, node: NodeId, cause: u64) -> usize {
        if !self.core.world.nodes.is_live(node) {
            return 0;
        }
        if let Some(rt) = self.faults.as_mut() {
            rt.node_removed(&mut self.core, node);
        }
        let pods = self.core.remove_node(node);
        for &pod in &pods {
            if self.core.health.is_terminating(pod) {
                // Its owner replaced it already (or waits for it to be gone: now).
                let c = self.core.health.terminating_cause(pod);
                self.controllers
                    .terminating_pod_removed(&mut self.core, pod, c);
            } else {
                self.controllers.delete_pod(&mut self.core, pod, cause);
            }
        }
        self.core.recorder.sync_node(&self.core.world, node);
        self.autoscaler_saw_node(node, false);
        pods.len()
    }

    /// Scans the whole state and reports the first inconsistency: phase counters vs the slab,
    /// per-workload counts vs the slab, pod conservation, node totals vs bound pods. Expensive
    /// (for tests and debugging only).
    pub fn check_consistency(&self) -> Result<(), String> {
        let w = &self.core.world;
        let r = &self.core.recorder;
        let pc = w.phase_counts();
        let (mut pending, mut running) = (0usize, 0usize);
        let mut per = vec![(0u64, 0u64); self.infos.len()];
        for (_, p) in w.pods.iter() {
            match p.phase {
                PodPhase::Pending => {
                    pending += 1;
                    per[p.workload as usize].0 += 1;
                    if p.node.is_some() {
                        return Err("a Pending pod is bound".into());
                    }
                }
                PodPhase::Running => {
                    running += 1;
                    per[p.workload as usize].1 += 1;
                    if p.node.is_none() {
                        return Err("a Running pod is not bound".into());
                    }
                }
                PodPhase::Succeeded | PodPhase::Failed => {}
            }
        }
        if (pending, running) != (pc.pending, pc.running) {
            return Err(format!(
                "phase counters {pc:?} vs slab pending {pending} running {running}"
            ));
        }
        let lhs = r.pods_created();
        let rhs = pc.pending as u64
            + pc.running as u64
            + r.pods_succeeded()
            + r.pods_failed()
            + r.pods_deleted();
        if lhs != rhs {
            return Err(format!(
                "conservation: created {lhs} != pending {} + running {} + succeeded {} + failed {} + deleted {}",
                pc.pending,
                pc.running,
                r.pods_succeeded(),
                r.pods_failed(),
                r.pods_deleted()
            ));
        }
        for (i, (pend, run)) in per.iter().enumerate() {
            let (created, rp, rr, succ, failed, deleted) = r.workload_counts(i as u32);
            if (*pend, *run) != (rp, rr) {
                return Err(format!(
                    "workload {}: slab pending/running {pend}/{run} vs recorder {rp}/{rr}",
                    self.infos[i].name
                ));
            }
            if created != rp + rr + succ + failed + deleted {
                return Err(format!(
                    "workload {}: per-workload conservation broken",
                    self.infos[i].name
                ));
            }
        }
        let stride = w.nodes.stride();
        let mut req = vec![0i64; w.nodes.len() * stride];
        for (id, p) in w.pods.iter() {
            if let Some(n) = p.node {
                if !w.pods_on_node[n.ix()].contains(&id) {
                    return Err(format!("pod {id:?} missing from its node's list"));
                }
                let t = &w.templates[p.template as usize];
                for (k, v) in t.requests.iter().enumerate() {
                    req[n.ix() * stride + k] += v;
                }
            }
        }
        if let Some(n) = w
            .nodes
            .ids()
            .find(|n| !w.nodes.is_live(*n) && !w.pods_on_node[n.ix()].is_empty())
        {
            return Err(format!(
                "removed node {} still holds pods",
                w.nodes.name[n.ix()]
            ));
        }
        if w.node_order.len() != w.nodes.live_ids().count()
            || w.node_order.iter().any(|n| !w.nodes.is_live(*n))
        {
            return Err("node_order does not list exactly the live nodes".into());
        }
        if r.nodes_total() != w.node_order.len() as u64 {
            return Err(format!(
                "recorder counts {} nodes, the world has {}",
                r.nodes_total(),
                w.node_order.len()
            ));
        }
        if req != w.nodes.requested {
            return Err("node requested totals differ from the sum of bound pods".into());
        }
        for n in w.nodes.ids() {
            for k in 0..stride {
                if w.nodes.req(n, k) > w.nodes.alloc(n, k) {
                    return Err(format!(
                        "node {} over-committed on resource {k}",
                        w.nodes.name[n.ix()]
                    ));
                }
            }
        }
        let t = r.totals();
        let cpu: i64 = w
            .nodes
            .ids()
            .map(|n| w.nodes.req(n, crate::cluster::CPU))
            .sum();
        if t.cpu_requested_m != cpu {
            return Err(format!(
                "recorder cpu requested {} vs nodes {cpu}",
                t.cpu_requested_m
            ));
        }
        // Each utilisation figure over its node set: requests on Ready nodes, allocatable of
        // Ready nodes and of all live nodes.
        let cpu = crate::cluster::CPU;
        let sum = |f: &dyn Fn(NodeId) -> i64| w.nodes.ids().map(f).sum::<i64>();
        let ready = |n: NodeId| w.nodes.is_live(n) && w.nodes.ready[n.ix()];
        let recount = (
            sum(&|n| if ready(n) { w.nodes.req(n, cpu) } else { 0 }),
            sum(&|n| if ready(n) { w.nodes.alloc(n, cpu) } else { 0 }),
            sum(&|n| {
                if w.nodes.is_live(n) {
                    w.nodes.alloc(n, cpu)
                } else {
                    0
                }
            }),
        );
        let kept = (
            t.cpu_requested_m_ready,
            t.cpu_allocatable_m,
            t.cpu_allocatable_m_all,
        );
        if kept != recount {
            return Err(format!(
                "recorder cpu (requested on Ready, allocatable Ready, allocatable all) {kept:?} vs nodes {recount:?}"
            ));
        }
        let ready_pods = w
            .pods
            .iter()
            .filter(|(id, p)| {
                p.phase == PodPhase::Running
                    && p.node.is_some_and(|n| self.core.counts_ready(*id, n))
            })
            .count() as u64;
        if r.pods_ready() != ready_pods {
            return Err(format!(
                "recorder counts {} ready pods, the slab {ready_pods}",
                r.pods_ready()
            ));
        }
        if let Some(k) = self.kubelet() {
            let alive = w
                .pods
                .iter()
                .filter(|(_, p)| {
                    p.phase == PodPhase::Running
                        && p.node.is_some_and(|n| !self.core.health.is_dead(n))
                })
                .count();
            k.check_consistency(w, alive)?;
        }
        Ok(())
    }
}
