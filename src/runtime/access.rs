//! [`Core`]'s accessors: reads of its parts, and the only writes to the world that are not
//! pod lifecycle operations.
//!
//! `Core`'s fields are private to `runtime`, so outside it the world is read through
//! [`Core::world`] and written only through `Core` methods. Every node write goes through a
//! method here (or a lifecycle operation in `core.rs`/`health.rs`) that records the node in
//! `World::node_changes` and lets waiting pods retry ([`Core::node_changed`]): the scheduler's
//! failure memo and verdict cache re-check exactly the nodes recorded there, so their exactness
//! holds by construction — a node write that bypasses the log does not compile outside
//! `runtime`.

use super::core::Core;
use super::event::Event;
use super::health::NodeHealth;
use crate::cluster::taints::{Taint, TaintEffect};
use crate::cluster::{Interner, NodeId, Pod, PodId, PodPhase, Sym, World};
use crate::engine::SimTime;
use crate::metrics::{EventKind, Recorder};

impl Core {
    /// The cluster state (read only; writes go through `Core` methods).
    #[inline]
    pub fn world(&self) -> &World {
        &self.world
    }

    /// Current simulated time.
    #[inline]
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Metrics and event log.
    #[inline]
    pub fn recorder(&self) -> &Recorder {
        &self.recorder
    }

    /// Metrics and event log, to record into.
    #[inline]
    pub fn recorder_mut(&mut self) -> &mut Recorder {
        &mut self.recorder
    }

    /// Logs a pod event row of `kind` for `pod` (on `node`) now, with `reason`, caused by
    /// effect `cause` (the recorder's `pod_event` at the current time).
    pub fn pod_event(
        &mut self,
        kind: EventKind,
        pod: &Pod,
        node: Option<NodeId>,
        reason: &str,
        cause: u64,
    ) {
        self.recorder
            .pod_event(self.now, kind, pod, node, reason, cause);
    }

    /// The recorder to record into, with the world it reads (samples, the end of the run).
    #[inline]
    pub fn recorder_and_world(&mut self) -> (&mut Recorder, &World) {
        (&mut self.recorder, &self.world)
    }

    /// Node health: down causes, lifecycle state, cordons, terminating pods.
    #[inline]
    pub fn health(&self) -> &NodeHealth {
        &self.health
    }

    /// Node health, to update the node lifecycle controller's bookkeeping (Unknown marks,
    /// NoExecute times, outage causes). Down causes and cordons change only through
    /// [`Core::node_down`], [`Core::node_up`] and [`Core::cordon`].
    #[inline]
    pub fn health_mut(&mut self) -> &mut NodeHealth {
        &mut self.health
    }

    /// The time of the next event, if any.
    #[inline]
    pub fn next_event_time(&self) -> Option<SimTime> {
        self.events.peek_time()
    }

    /// Schedules `event` at `at` after every other event of that instant (metrics ticks).
    #[inline]
    pub fn push_end_of_instant(&mut self, at: SimTime, event: Event) {
        self.events.push_end_of_instant(at, event);
    }

    /// Takes the next event and advances the clock to its time.
    #[inline]
    pub fn pop_event(&mut self) -> Option<(SimTime, Event)> {
        self.pop_event_until(SimTime(u64::MAX))
    }

    /// Takes the next event if it is due at or before `limit` and advances the clock to its
    /// time (one look at the queue instead of a peek and a pop).
    #[inline]
    pub fn pop_event_until(&mut self, limit: SimTime) -> Option<(SimTime, Event)> {
        let (at, event) = self.events.pop_until(limit)?;
        self.now = at;
        Some((at, event))
    }

    /// Advances the clock to `at` (the end of a run); time never goes back.
    #[inline]
    pub fn advance_to(&mut self, at: SimTime) {
        debug_assert!(at >= self.now, "time goes back");
        self.now = at;
    }

    /// The interner of the world's names (names of nodes that join).
    #[inline]
    pub fn interner_mut(&mut self) -> &mut Interner {
        &mut self.world.interner
    }

    /// The world and the recorder, for the end of the run.
    pub fn into_parts(self) -> (World, Recorder) {
        (self.world, self.recorder)
    }

    // --- Node writes: each records the node for the scheduler's failure memo ---

    /// Adds `taint` to `node` (false if it was there already). The change is recorded in
    /// `World::node_changes` for the failure memo; call [`Core::node_changed`] as well when
    /// waiting pods should retry.
    #[inline]
    pub fn add_taint(&mut self, node: NodeId, taint: Taint) -> bool {
        self.world.add_taint(node, taint)
    }

    /// Removes the taints `key`/`effect` from `node` (false if there were none), recorded as in
    /// [`Core::add_taint`].
    #[inline]
    pub fn remove_taint(&mut self, node: NodeId, key: Sym, effect: TaintEffect) -> bool {
        self.world.remove_taint(node, key, effect)
    }

    // --- Pod writes that change no scheduling-relevant state ---

    /// Counts one more scheduling attempt of a Pending pod and returns the new count (None for
    /// a stale id or a pod that is no longer Pending).
    pub fn count_attempt(&mut self, pod: PodId) -> Option<u32> {
        match self.world.pods.get_mut(pod) {
            Some(p) if p.phase == PodPhase::Pending => {
                p.attempts += 1;
                Some(p.attempts)
            }
            _ => None,
        }
    }
}
