//! The mutable heart of a run: the world, the event queue, the recorder and the clock, with the
//! only pod lifecycle operations the subsystems use. Each operation changes the world *and*
//! reports the change to the recorder, so metrics can never drift from the cluster state.
//!
//! Scheduling-queue work is buffered here (`to_enqueue`, `to_dequeue`, `capacity_freed`) and
//! applied by the run loop after each event, so controllers never depend on the queue's type.

use super::event::Event;
use super::health::NodeHealth;
use crate::cluster::{
    NodeId, Pod, PodId, PodPhase, ResourceId, TemplateId, WorkloadId, World, PODS,
};
use crate::engine::{EventQueue, SimTime};
use crate::metrics::cascade::EffectKind;
use crate::metrics::{BindKind, EffectTarget, NodeUsage, Recorder};

const NOT_PARKED: u32 = u32::MAX;

/// The node agent (the kubelet model) as the core sees it: told when a pod starts or stops
/// running and when a node joins or leaves. The core holds it type-erased, so `runtime` does
/// not know the kubelet; the run loop that installed it gets it back with [`Core::agent_as`].
/// Node samples read its usage through [`NodeUsage`].
pub trait NodeAgent: std::any::Any + NodeUsage {
    /// `pod` became Running (bound, or its node came back up with its containers restarted).
    fn pod_started(&mut self, core: &mut Core, pod: PodId);
    /// `pod` stops running (it ends, is deleted, or its node's containers die).
    fn pod_stopped(&mut self, core: &mut Core, pod: PodId);
    /// `node` joined the cluster.
    fn node_added(&mut self, world: &World, node: NodeId);
    /// `node` left the cluster.
    fn node_removed(&mut self, node: NodeId);
}

/// World, events, recorder and clock, plus the bookkeeping the run loop drains after each event.
///
/// The fields are private to `runtime`: outside it the world is read through [`Core::world`]
/// and written only through `Core`'s methods, so no node write can bypass
/// `World::node_changes` (the scheduler's failure memo and verdict cache re-check only the
/// nodes recorded there). Neither of these compiles:
///
/// ```compile_fail
/// fn cordon_behind_the_memo(core: &mut clustersim::runtime::Core) {
///     core.world.nodes.unschedulable[0] = true;
/// }
/// ```
///
/// ```compile_fail
/// fn cordon_behind_the_memo(core: &mut clustersim::runtime::Core) {
///     core.world().nodes.unschedulable[0] = true;
/// }
/// ```
pub struct Core {
    /// The cluster state. Private: read through [`Core::world`]; every write goes through a
    /// `Core` method, so node writes always reach `World::node_changes` (the log the
    /// scheduler's failure memo and verdict cache re-check).
    pub(super) world: World,
    /// The future event list.
    pub(super) events: EventQueue<Event>,
    /// Metrics and event log.
    pub(super) recorder: Recorder,
    /// Current simulated time.
    pub(super) now: SimTime,
    /// Pods created since the last drain that must enter the scheduling queue.
    pub(crate) to_enqueue: Vec<PodId>,
    /// Pending pods deleted or terminated since the last drain (forget them in the queue).
    pub(crate) to_dequeue: Vec<PodId>,
    /// Capacity was freed since the last drain (move unschedulable pods back).
    pub(crate) capacity_freed: bool,
    /// Nodes whose parked pods should be retried.
    pub(crate) recheck: Vec<NodeId>,
    /// Pods nominated to each node by preemption (their requests are reserved there).
    nominated_on: Vec<Vec<PodId>>,
    /// Pods pinned to each node (DaemonSet) waiting for room, in arrival order.
    parked: Vec<Vec<PodId>>,
    /// Node a pod is parked on, by slot index (`NOT_PARKED` otherwise).
    parked_on: Vec<u32>,
    /// The node agent (the kubelet model: usage, OOM, eviction), when the scenario turns it on.
    agent: Option<Box<dyn NodeAgent>>,
    /// Node health: down causes, lifecycle state, cordons, terminating pods.
    pub(super) health: NodeHealth,
    /// Per pod slot: the `PodRescheduled` effect of a pod placed because of an earlier effect
    /// (0: none).
    arrival: Vec<u64>,
}

impl Core {
    /// A core over `world`, starting at time zero.
    pub fn new(world: World, recorder: Recorder) -> Self {
        let n = world.nodes.len();
        Core {
            world,
            events: EventQueue::new(),
            recorder,
            now: SimTime::ZERO,
            to_enqueue: Vec::new(),
            to_dequeue: Vec::new(),
            capacity_freed: false,
            recheck: Vec::new(),
            nominated_on: vec![Vec::new(); n],
            parked: vec![Vec::new(); n],
            parked_on: Vec::new(),
            agent: None,
            health: NodeHealth::new(n),
            arrival: Vec::new(),
        }
    }

    /// Records an effect caused by `parent` (0: a new root) and returns its id.
    pub fn effect(&mut self, kind: EffectKind, parent: u64, target: EffectTarget) -> u64 {
        self.recorder.res.effect(kind, parent, target, self.now)
    }

    /// The parent of a node-pressure effect (eviction, node OOM kill, overload failure) on
    /// `node` now: the latest arrival among the pods bound there that were placed because of
    /// an earlier effect (a displaced pod's replacement adds the load that tips the node);
    /// 0 (a root of its own) when the node holds no such pod.
    pub fn pressure_parent(&self, node: NodeId) -> u64 {
        self.world.pods_on_node[node.ix()]
            .iter()
            .filter_map(|p| self.arrival.get(p.index as usize))
            .copied()
            .max()
            .unwrap_or(0)
    }

    /// Records a node-pressure effect of `kind` on `pod` (on `node`), hanging off
    /// [`Core::pressure_parent`].
    pub fn pressure_effect(&mut self, kind: EffectKind, node: NodeId, pod: &Pod) -> u64 {
        let parent = self.pressure_parent(node);
        let target = EffectTarget::Pod {
            workload: pod.workload,
            ordinal: pod.ordinal,
        };
        self.effect(kind, parent, target)
    }

    /// After a bind: a pod created because of an effect records its rescheduling, the parent
    /// of pressure effects on its node while it stays there.
    fn caused_arrival(&mut self, pod: PodId) {
        let p = self.world.pods.get(pod).expect("bound");
        let ix = pod.index as usize;
        if self.arrival.len() <= ix {
            self.arrival.resize(ix + 1, 0);
        }
        self.arrival[ix] = 0;
        if p.cause == 0 {
            return;
        }
        let target = EffectTarget::Pod {
            workload: p.workload,
            ordinal: p.ordinal,
        };
        self.arrival[ix] = self.effect(EffectKind::PodRescheduled, p.cause, target);
    }

    /// Takes a node sample at `at` if one is due (usage from the node agent if there is one).
    pub fn sample_nodes(&mut self, at: SimTime) {
        let usage = self.agent.as_deref().map(|a| a as &dyn NodeUsage);
        self.recorder.sample_nodes(at, &self.world, usage);
    }

    /// Installs the node agent (once, before the run).
    pub fn set_agent(&mut self, agent: Box<dyn NodeAgent>) {
        self.agent = Some(agent);
    }

    /// Runs `f` with the node agent taken out of the core (so `f` may use the whole core), if
    /// there is one. The agent never calls back into pod lifecycle operations.
    pub fn with_agent<R>(
        &mut self,
        f: impl FnOnce(&mut dyn NodeAgent, &mut Core) -> R,
    ) -> Option<R> {
        let mut a = self.agent.take()?;
        let r = f(a.as_mut(), self);
        self.agent = Some(a);
        Some(r)
    }

    /// The node agent as its concrete type `A` (None without an agent or of another type).
    pub fn agent_as<A: NodeAgent>(&self) -> Option<&A> {
        let a: &dyn std::any::Any = self.agent.as_deref()?;
        a.downcast_ref::<A>()
    }

    /// [`Core::agent_as`], mutably.
    pub fn agent_as_mut<A: NodeAgent>(&mut self) -> Option<&mut A> {
        let a: &mut dyn std::any::Any = self.agent.as_deref_mut()?;
        a.downcast_mut::<A>()
    }

    /// [`Core::with_agent`] with the agent as its concrete type `A` (None without an agent or
    /// of another type).
    pub fn with_agent_as<A: NodeAgent, R>(
        &mut self,
        f: impl FnOnce(&mut A, &mut Core) -> R,
    ) -> Option<R> {
        let mut a = self.agent.take()?;
        let any: &mut dyn std::any::Any = a.as_mut();
        let r = any.downcast_mut::<A>().map(|k| f(k, self));
        self.agent = Some(a);
        r
    }

    /// Schedules `event` (any subsystem's event type, wrapped) at `at`.
    #[inline]
    pub fn push(&mut self, at: SimTime, event: impl Into<Event>) {
        self.events.push(at, event.into());
    }

    /// Creates a Pending pod (not yet queued: call [`Core::enqueue`] or [`Core::bind_direct`]).
    pub fn create_pod(
        &mut self,
        template: TemplateId,
        workload: WorkloadId,
        ordinal: u32,
        cause: u64,
    ) -> PodId {
        let pod = Pod::pending(template, workload, ordinal, self.now, cause);
        let id = self.world.create_pod(pod);
        let p = self.world.pods.get(id).expect("just created");
        self.recorder.pod_created(self.now, p);
        id
    }

    /// Hands a Pending pod to the scheduler (applied after the current event).
    #[inline]
    pub fn enqueue(&mut self, pod: PodId) {
        self.to_enqueue.push(pod);
    }

    /// The priority of a live pod.
    #[inline]
    pub fn priority(&self, pod: PodId) -> i32 {
        self.world.template_of(pod).priority
    }

    /// Binds a Pending pod where the scheduler decided.
    pub fn bind_scheduled(&mut self, pod: PodId, node: NodeId, score: i64) {
        self.clear_nomination(pod);
        self.world.bind(pod, node, self.now);
        let p = self.world.pods.get(pod).expect("bound");
        self.recorder
            .pod_bound(self.now, p, node, BindKind::Scheduled { score });
        self.recorder.sync_node(&self.world, node);
        self.caused_arrival(pod);
        self.pod_now_running(pod, node);
    }

    /// The first resource `pod` lacks on `node`, counting the requests of pods nominated there
    /// with at least its priority as taken (kubelet admission plus the scheduler's nominated-pod
    /// rule). None when it fits. Resources the pod does not request are not checked, except pods.
    pub fn lacks(&self, pod: PodId, node: NodeId) -> Option<ResourceId> {
        let tpl = self.world.template_of(pod);
        let prio = tpl.priority;
        let nodes = &self.world.nodes;
        let reserving = &self.nominated_on[node.ix()];
        for (r, &req) in tpl.requests.iter().enumerate() {
            if req == 0 && r != PODS {
                continue;
            }
            let mut reserved = 0;
            for &q in reserving {
                if q != pod {
                    let t = self.world.template_of(q);
                    if t.priority >= prio {
                        reserved += t.requests[r];
                    }
                }
            }
            if req > nodes.alloc(node, r) - nodes.req(node, r) - reserved {
                return Some(r);
            }
        }
        None
    }

    /// Binds a Pending pod to `node` without the scheduler (DaemonSet, `nodeName`) if it fits
    /// there; returns false (and changes nothing) otherwise.
    pub fn bind_direct(&mut self, pod: PodId, node: NodeId, why: &'static str) -> bool {
        if self.lacks(pod, node).is_some() {
            return false;
        }
        self.unpark(pod);
        self.clear_nomination(pod);
        self.world.bind(pod, node, self.now);
        let p = self.world.pods.get(pod).expect("bound");
        self.recorder
            .pod_bound(self.now, p, node, BindKind::Direct(why));
        self.recorder.sync_node(&self.world, node);
        self.caused_arrival(pod);
        self.pod_now_running(pod, node);
        true
    }

    /// Parks a Pending pod pinned to `node` until the node has room for it.
    pub fn park(&mut self, pod: PodId, node: NodeId) {
        let ix = pod.index as usize;
        if self.parked_on.len() <= ix {
            self.parked_on.resize(ix + 1, NOT_PARKED);
        }
        debug_assert_eq!(self.parked_on[ix], NOT_PARKED, "pod parked twice");
        self.parked_on[ix] = node.0;
        self.parked[node.ix()].push(pod);
    }

    fn unpark(&mut self, pod: PodId) {
        let ix = pod.index as usize;
        let Some(&n) = self.parked_on.get(ix) else {
            return;
        };
        if n == NOT_PARKED {
            return;
        }
        self.parked_on[ix] = NOT_PARKED;
        let list = &mut self.parked[n as usize];
        if let Some(pos) = list.iter().position(|p| *p == pod) {
            list.remove(pos);
        }
    }

    /// Pods parked on `node`.
    pub fn parked(&self, node: NodeId) -> &[PodId] {
        &self.parked[node.ix()]
    }

    /// Tries to bind the pods parked on `node`, oldest first.
    pub(crate) fn retry_parked(&mut self, node: NodeId) {
        let mut i = 0;
        while i < self.parked[node.ix()].len() {
            let pod = self.parked[node.ix()][i];
            if self.bind_direct(pod, node, "DaemonSet") {
                // bind_direct unparked it; the next pod moved to position i.
            } else {
                i += 1;
            }
        }
    }

    /// Pods nominated to `node` by preemption.
    pub fn nominated_on(&self, node: NodeId) -> &[PodId] {
        &self.nominated_on[node.ix()]
    }

    /// Records that preemption nominated `node` for `pod`: its requests are reserved there
    /// against lower-priority direct binds. Lower-priority pods nominated to the node lose
    /// their nomination, as upstream.
    pub fn nominate(&mut self, pod: PodId, node: NodeId) {
        self.clear_nomination(pod);
        let prio = self.priority(pod);
        let mut i = 0;
        while i < self.nominated_on[node.ix()].len() {
            let q = self.nominated_on[node.ix()][i];
            if self.priority(q) < prio {
                self.nominated_on[node.ix()].remove(i);
                if let Some(qp) = self.world.pods.get_mut(q) {
                    qp.nominated = None;
                }
            } else {
                i += 1;
            }
        }
        self.world
            .pods
            .get_mut(pod)
            .expect("nominate: stale pod")
            .nominated = Some(node);
        self.nominated_on[node.ix()].push(pod);
    }

    fn clear_nomination(&mut self, pod: PodId) {
        let Some(p) = self.world.pods.get_mut(pod) else {
            return;
        };
        let Some(n) = p.nominated.take() else { return };
        let list = &mut self.nominated_on[n.ix()];
        if let Some(pos) = list.iter().position(|q| *q == pod) {
            list.remove(pos);
        }
        if !self.parked[n.ix()].is_empty() {
            self.recheck.push(n);
        }
    }

    /// Bookkeeping before a pod leaves Pending/Running: queue, parking, nomination, node.
    fn before_leaving(&mut self, pod: PodId, p: &Pod) {
        if p.phase == PodPhase::Pending {
            self.to_dequeue.push(pod);
            self.unpark(pod);
        }
        self.clear_nomination(pod);
    }

    fn node_released(&mut self, node: NodeId) {
        self.recorder.sync_node(&self.world, node);
        self.capacity_freed = true;
        if !self.parked[node.ix()].is_empty() {
            self.recheck.push(node);
        }
    }

    /// Ends a Pending or Running pod in a terminal phase, releasing its node. The pod stays in
    /// the slab (remove it with [`Core::remove`]). Returns false for a stale or terminal pod.
    pub fn terminate(&mut self, pod: PodId, phase: PodPhase, reason: &str) -> bool {
        self.terminate_as(pod, phase, reason, true)
    }

    /// [`Core::terminate`], writing the `completed`/`failed` event-log row only when `log_row`
    /// (an eviction logs its own `evicted` row instead).
    pub fn terminate_as(
        &mut self,
        pod: PodId,
        phase: PodPhase,
        reason: &str,
        log_row: bool,
    ) -> bool {
        let Some(p) = self.world.pods.get(pod).cloned() else {
            return false;
        };
        if matches!(p.phase, PodPhase::Succeeded | PodPhase::Failed) {
            return false;
        }
        self.recorder
            .pod_terminated(self.now, &p, phase, reason, log_row);
        if let (PodPhase::Running, Some(n)) = (p.phase, p.node) {
            self.pod_stops_running(pod, n, p.workload);
        }
        self.before_leaving(pod, &p);
        self.world.finish(pod, phase);
        if let Some(n) = p.node {
            self.node_released(n);
        }
        true
    }

    /// Removes a pod from the slab, releasing its node. None if the id is stale. A pod removed
    /// while Pending or Running counts as deleted; a terminal one was counted already.
    pub fn remove(&mut self, pod: PodId) -> Option<Pod> {
        let p = self.world.pods.get(pod).cloned()?;
        if let (PodPhase::Running, Some(n)) = (p.phase, p.node) {
            self.pod_stops_running(pod, n, p.workload);
        }
        self.before_leaving(pod, &p);
        let removed = self.world.delete(pod);
        self.recorder.pod_deleted(self.now, &removed);
        if let Some(n) = p.node {
            self.node_released(n);
        }
        Some(removed)
    }

    /// Call after a node's allocatable, readiness, taints or schedulability changed (node
    /// lifecycle, faults): updates metrics and lets waiting pods retry. Node writes record
    /// themselves in `World::node_changes` (the log the scheduler's failure memo re-checks):
    /// `World::bind`/`unbind`/`add_taint`/`remove_taint`/`set_ready`/`set_unschedulable`;
    /// this call records the node too, for any other write.
    pub fn node_changed(&mut self, node: NodeId) {
        self.world.mark_node_changed(node);
        self.node_released(node);
    }

    // --- Dynamic nodes (autoscaler, surge nodes) ---

    /// Adds a node to the running cluster and sizes every per-node structure for it (world,
    /// parking and nomination lists, recorder, kubelet). The node is Ready at once. Call
    /// [`Core::node_changed`] afterwards (after DaemonSets placed their pods) so waiting pods
    /// retry; `Simulation::add_node` does all of it.
    pub fn add_node(&mut self, init: crate::cluster::NodeInit) -> NodeId {
        let node = self.world.add_node(init);
        self.health.push_node();
        if self.world.nodes.unschedulable[node.ix()] {
            self.health.cordons[node.ix()] = 1;
            self.recorder.res.node_cordoned(true);
        }
        self.nominated_on.push(Vec::new());
        self.parked.push(Vec::new());
        self.recorder.node_added(&self.world, node);
        if let Some(k) = self.agent.as_deref_mut() {
            k.node_added(&self.world, node);
        }
        node
    }

    /// Deletes `node` from the cluster: it leaves `node_order`, nominations to it are dropped
    /// and the recorder and kubelet stop counting it. Returns the pods still bound to or parked
    /// on it, which the caller must delete (through the controllers, so owners recreate them
    /// elsewhere); an empty list for a node removed already.
    pub fn remove_node(&mut self, node: NodeId) -> Vec<PodId> {
        if !self.world.remove_node(node) {
            return Vec::new();
        }
        for pod in std::mem::take(&mut self.nominated_on[node.ix()]) {
            if let Some(p) = self.world.pods.get_mut(pod) {
                p.nominated = None;
            }
        }
        let mut pods = self.world.pods_on_node[node.ix()].clone();
        pods.extend_from_slice(&self.parked[node.ix()]);
        self.recorder.node_removed(&self.world, node);
        if let Some(k) = self.agent.as_deref_mut() {
            k.node_removed(node);
        }
        pods
    }
}
