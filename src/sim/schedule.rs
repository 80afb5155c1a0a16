//! The scheduling step: what the loop needs from a scheduler and a scheduling queue, one
//! scheduling cycle (decide, then apply: bind or nominate and preempt), and *settle* (the
//! buffered queue work after each event).

use super::*;

/// What the loop needs from a scheduler (implemented by [`Scheduler`]; tests use stand-ins).
pub trait PodScheduler {
    /// One scheduling cycle for pending pod `pod`; preemption consults `pdbs`.
    fn schedule(&mut self, world: &World, pod: PodId, pdbs: &dyn PdbOracle) -> Outcome;
    /// Nodes the last cycle examined, for `scheduler.cycleCost` (stand-ins: 0).
    fn last_cycle_examined(&self) -> usize {
        0
    }
}

impl PodScheduler for Scheduler {
    #[inline]
    fn schedule(&mut self, world: &World, pod: PodId, pdbs: &dyn PdbOracle) -> Outcome {
        Scheduler::schedule_with_pdbs(self, world, pod, pdbs)
    }
    #[inline]
    fn last_cycle_examined(&self) -> usize {
        Scheduler::last_cycle_examined(self)
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
    /// See [`SchedulingQueue::add_backoff`] (stand-ins: the unschedulable pool).
    fn add_backoff(&mut self, pod: PodId, priority: i32, attempts: u32, now: SimTime) {
        self.add_unschedulable(pod, priority, attempts, now)
    }
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
    fn add_backoff(&mut self, pod: PodId, priority: i32, attempts: u32, now: SimTime) {
        SchedulingQueue::add_backoff(self, pod, priority, attempts, now)
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

/// A scheduling cycle that takes simulated time (`scheduler.cycleCost`), decided and waiting
/// for its end.
pub(super) struct InFlight {
    pub(super) pod: PodId,
    pub(super) attempts: u32,
    pub(super) outcome: Outcome,
    /// A move request (capacity freed) came while the cycle ran.
    pub(super) moved: bool,
}

impl<S: PodScheduler, Q: PodQueue> Simulation<S, Q> {
    /// One scheduling cycle: pop one pod, decide, apply. With `scheduler.cycleCost` the
    /// outcome is applied when the cycle ends (a `SchedulerCycle` event at that instant, which
    /// applies the cycle in flight instead of starting a new one).
    pub(super) fn scheduling_cycle(&mut self) {
        if let Some(f) = self.in_flight.take() {
            self.apply_outcome(f.pod, f.attempts, f.outcome, Some(f.moved));
            return;
        }
        let Some(pod) = self.queue.pop() else { return };
        let core = &mut self.core;
        let Some(attempts) = core.count_attempt(pod) else {
            return; // deleted or bound meanwhile: stale
        };
        core.recorder_mut().sched_attempt();
        let outcome = match &self.faults {
            Some(rt) if !rt.pdbs().is_empty() => {
                let view = pdbs::PdbView {
                    set: rt.pdbs(),
                    recorder: core.recorder(),
                };
                self.scheduler.schedule(core.world(), pod, &view)
            }
            _ => self.scheduler.schedule(core.world(), pod, &NoPdbs),
        };
        if let Some(cost) = self.cycle_cost {
            let preempts = matches!(
                outcome,
                Outcome::Unschedulable {
                    nominated: Some(_),
                    ..
                }
            );
            let ns = cost.of(self.scheduler.last_cycle_examined(), preempts);
            if ns > 0 {
                let end = self.sched_clock.run(self.core.now(), ns);
                self.in_flight = Some(InFlight {
                    pod,
                    attempts,
                    outcome,
                    moved: false,
                });
                // Busy: no other cycle starts before this one ends.
                self.cycle_pending = true;
                self.core.push(end, Event::SchedulerCycle);
                return;
            }
        }
        self.apply_outcome(pod, attempts, outcome, None);
    }

    /// Applies a cycle's outcome. `deferred` is `Some(moved)` when the cycle took simulated
    /// time (`scheduler.cycleCost`): the world may have changed since the decision, so a pod
    /// no longer pending is dropped, a bind whose node is gone or no longer has room fails
    /// (upstream: binding failure, the pod goes to backoff), and a pod that found no node goes
    /// to backoff rather than the unschedulable pool if a move request came while it was in
    /// flight (`moved`, upstream's in-flight events).
    fn apply_outcome(
        &mut self,
        pod: PodId,
        attempts: u32,
        outcome: Outcome,
        deferred: Option<bool>,
    ) {
        let core = &mut self.core;
        if deferred.is_some()
            && !core
                .world()
                .pods
                .get(pod)
                .is_some_and(|p| p.phase == PodPhase::Pending && p.node.is_none())
        {
            return;
        }
        match outcome {
            Outcome::Bind { node, .. }
                if deferred.is_some()
                    && (!core.world().nodes.is_live(node) || core.lacks(pod, node).is_some()) =>
            {
                let prio = core.priority(pod);
                self.queue.add_backoff(pod, prio, attempts, core.now());
            }
            Outcome::Bind { node, score } => {
                core.bind_scheduled(pod, node, score);
                if let Some(a) = self.autoscaler.as_mut() {
                    a.pod_bound(pod, core.now().as_millis());
                }
                self.controllers.pod_bound(core, pod);
            }
            Outcome::Unschedulable {
                reason,
                nominated,
                victims,
            } => {
                let preemptor = core.world().pods.get(pod).expect("live").clone();
                let nominated =
                    nominated.filter(|&n| deferred.is_none() || core.world().nodes.is_live(n));
                let now = core.now();
                core.recorder_mut()
                    .sched_failure(now, &preemptor, &reason, nominated);
                if let Some(node) = nominated {
                    // Reserve first, so victims' direct-bound replacements cannot take the room.
                    core.nominate(pod, node);
                    for v in victims {
                        let (recorder, world) = core.recorder_and_world();
                        if let Some(vp) = world.pods.get(v) {
                            recorder.pod_preempted(now, vp, &preemptor);
                            self.controllers.delete_pod(core, v, preemptor.cause);
                        }
                    }
                }
                if let Some(a) = self.autoscaler.as_mut() {
                    a.pod_unschedulable(pod);
                }
                let prio = core.priority(pod);
                if deferred == Some(true) {
                    self.queue.add_backoff(pod, prio, attempts, core.now());
                } else {
                    self.queue
                        .add_unschedulable(pod, prio, attempts, core.now());
                }
            }
        }
    }

    /// Applies the buffered queue work of the last event and keeps the cycle and wakeup events.
    pub(super) fn settle(&mut self) {
        let now = self.core.now();
        while let Some(n) = self.core.recheck.pop() {
            self.core.retry_parked(n);
        }
        let mut buf = std::mem::take(&mut self.core.to_enqueue);
        for &pod in &buf {
            if let Some(p) = self.core.world().pods.get(pod) {
                if p.phase == PodPhase::Pending {
                    let prio = self.core.world().templates[p.template as usize].priority;
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
            if let Some(f) = self.in_flight.as_mut() {
                f.moved = true;
            }
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
}
