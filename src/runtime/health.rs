//! Node health as the run loop sees it, and the pod lifecycle operations that depend on it.
//!
//! A node is *up* while none of its down causes is active (a crash, a stopped kubelet, a
//! network partition, an overload failure; several can overlap, each counted). `World`'s
//! `nodes.ready` mirrors "up". While a node is down its pods are not ready (they stop serving:
//! the containers of a crashed node are dead, a partitioned node's pods are unreachable).
//! A pod deleted while its node is unreachable is *terminating*: it keeps its node (the kubelet
//! cannot confirm the deletion) until the node comes back; its owner already knows.
//!
//! Ready pods (Running, not terminating, node up) are reported to the recorder's availability
//! tracker at every change, so availability never needs a scan.

use super::core::Core;
use crate::cluster::{NodeId, PodId, PodPhase};
use crate::engine::SimTime;
use crate::faults::DownKind;

/// Why a node is down (a [`DownKind`] from the fault plan, or an overload failure).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DownCause {
    /// A planned fault.
    Fault(DownKind),
    /// Memory demand above capacity for too long (kubelet killed, node wedged).
    Overload,
}

impl DownCause {
    /// Number of causes: the length of a node's counters.
    pub const COUNT: usize = DownKind::ALL.len() + 1;

    /// The cause's counter: overload first, then the fault kinds by discriminant (derived,
    /// never numbered by hand; a [`DownKind`] missing from `ALL` indexes out of range).
    #[inline]
    fn slot(self) -> usize {
        match self {
            DownCause::Overload => 0,
            DownCause::Fault(k) => 1 + k as usize,
        }
    }

    /// Whether the node's containers die (crash, overload) rather than keep running.
    pub const fn kills_containers(self) -> bool {
        match self {
            DownCause::Fault(k) => k.kills_containers(),
            DownCause::Overload => true,
        }
    }
}

/// A node's active down causes, counted per [`DownCause`] slot.
type DownCounts = [u16; DownCause::COUNT];

/// The slots whose causes kill containers.
const DEAD_SLOTS: DownCounts = {
    let mut m = [0; DownCause::COUNT];
    m[0] = DownCause::Overload.kills_containers() as u16;
    let mut i = 0;
    while i < DownKind::ALL.len() {
        m[1 + i] = DownKind::ALL[i].kills_containers() as u16;
        i += 1;
    }
    m
};

/// Per-node health, column by column.
#[derive(Clone, Debug, Default)]
pub struct NodeHealth {
    /// Active down causes per node, counted by [`DownCause`] slot.
    down: Vec<DownCounts>,
    /// Bumped at every up/down transition: events of an older epoch are stale.
    pub epoch: Vec<u32>,
    /// Marked Unknown by the node lifecycle controller (and tainted unreachable:NoSchedule).
    pub unknown: Vec<bool>,
    /// When the node was last marked Unknown: its pods' Ready condition turned False then
    /// (`MarkPodsNotReady`).
    pub unknown_since: Vec<SimTime>,
    /// When the unreachable:NoExecute taint was added (None: not tainted).
    pub noexec_at: Vec<Option<SimTime>>,
    /// Active cordons (a node can be cordoned by several faults at once).
    pub cordons: Vec<u16>,
    /// Effect id of the node's current outage (`NodeNotReady`/`OverloadFailure` record).
    pub outage_cause: Vec<u64>,
    /// When the node last went down.
    pub down_since: Vec<SimTime>,
    /// Pods terminating on an unreachable node, by pod slot: the effect that deleted them
    /// (0: not terminating).
    terminating: Vec<u64>,
}

impl NodeHealth {
    /// Health for `n` nodes, all up.
    pub fn new(n: usize) -> Self {
        NodeHealth {
            down: vec![[0; DownCause::COUNT]; n],
            epoch: vec![0; n],
            unknown: vec![false; n],
            unknown_since: vec![SimTime::ZERO; n],
            noexec_at: vec![None; n],
            cordons: vec![0; n],
            outage_cause: vec![0; n],
            down_since: vec![SimTime::ZERO; n],
            terminating: Vec::new(),
        }
    }

    /// Adds the columns of a node that joined the cluster (up, not cordoned).
    pub fn push_node(&mut self) {
        self.down.push([0; DownCause::COUNT]);
        self.epoch.push(0);
        self.unknown.push(false);
        self.unknown_since.push(SimTime::ZERO);
        self.noexec_at.push(None);
        self.cordons.push(0);
        self.outage_cause.push(0);
        self.down_since.push(SimTime::ZERO);
    }

    /// Whether `node` is down for any reason.
    #[inline]
    pub fn is_down(&self, node: NodeId) -> bool {
        self.down
            .get(node.ix())
            .is_some_and(|d| d.iter().any(|c| *c > 0))
    }

    /// Whether `node`'s containers are dead (crashed or failed from overload).
    #[inline]
    pub fn is_dead(&self, node: NodeId) -> bool {
        self.down
            .get(node.ix())
            .is_some_and(|d| d.iter().zip(DEAD_SLOTS).any(|(c, dead)| *c > 0 && dead > 0))
    }

    /// Whether `node` is down because of an overload failure.
    pub fn is_overloaded(&self, node: NodeId) -> bool {
        let slot = DownCause::Overload.slot();
        self.down.get(node.ix()).is_some_and(|d| d[slot] > 0)
    }

    /// Whether `pod` is terminating on an unreachable node.
    #[inline]
    pub fn is_terminating(&self, pod: PodId) -> bool {
        self.terminating_cause(pod) != 0
    }

    /// The effect that deleted a terminating pod (0: not terminating).
    #[inline]
    pub fn terminating_cause(&self, pod: PodId) -> u64 {
        self.terminating
            .get(pod.index as usize)
            .copied()
            .unwrap_or(0)
    }

    fn set_terminating(&mut self, pod: PodId, cause: u64) {
        let ix = pod.index as usize;
        if self.terminating.len() <= ix {
            self.terminating.resize(ix + 1, 0);
        }
        self.terminating[ix] = cause;
    }
}

impl Core {
    /// When a pod that is being deleted or failed now finished, as upstream's Job controller
    /// reads it (`getFinishedTime`, `pkg/controller/job/backoff_utils.go`): a pod of a node
    /// marked Unknown finished when its Ready condition turned False (the node controller's
    /// `MarkPodsNotReady`, at the Unknown transition), since its containers' end is never
    /// reported; any other pod now.
    pub fn pod_finished_at(&self, pod: PodId) -> SimTime {
        let Some(p) = self.world.pods.get(pod) else {
            return self.now;
        };
        match p.node {
            Some(n) if self.health.unknown[n.ix()] => self.health.unknown_since[n.ix()]
                .max(p.started.unwrap_or(SimTime::ZERO))
                .min(self.now),
            _ => self.now,
        }
    }

    /// Whether a Running pod on `node` counts as ready (its node is up, it is not terminating).
    pub fn counts_ready(&self, pod: PodId, node: NodeId) -> bool {
        !self.health.is_down(node) && !self.health.is_terminating(pod)
    }

    /// Availability and kubelet bookkeeping for a pod that just became Running on `node`.
    pub(super) fn pod_now_running(&mut self, pod: PodId, node: NodeId) {
        if self.counts_ready(pod, node) {
            let w = self.world.pods.get(pod).expect("running").workload;
            self.recorder.res.avail.pod_ready(w as usize, self.now);
        }
        if !self.health.is_dead(node) {
            self.with_agent(|k, core| k.pod_started(core, pod));
        }
    }

    /// Availability and kubelet bookkeeping for a Running pod about to stop running.
    pub(super) fn pod_stops_running(&mut self, pod: PodId, node: NodeId, workload: u32) {
        if self.counts_ready(pod, node) {
            self.recorder
                .res
                .avail
                .pod_unready(workload as usize, self.now);
        }
        if self.health.is_terminating(pod) {
            self.health.set_terminating(pod, 0);
            self.recorder.res.terminating(false);
        }
        self.with_agent(|k, core| k.pod_stopped(core, pod));
    }

    /// `node` goes down for `why`. Returns true if it was up (the caller starts the node
    /// lifecycle timeline). Pods stop being ready; a crash stops their containers.
    pub fn node_down(&mut self, node: NodeId, why: DownCause) -> bool {
        let was_up = !self.health.is_down(node);
        let was_dead = self.health.is_dead(node);
        self.health.down[node.ix()][why.slot()] += 1;
        if was_up {
            self.health.epoch[node.ix()] += 1;
            self.health.down_since[node.ix()] = self.now;
            self.world.set_ready(node, false);
        }
        let kill = why.kills_containers() && !was_dead;
        if was_up || kill {
            let pods = self.world.pods_on_node[node.ix()].clone();
            for pod in pods {
                let Some(p) = self.world.pods.get(pod) else {
                    continue;
                };
                if p.phase != PodPhase::Running {
                    continue;
                }
                let w = p.workload;
                if was_up && !self.health.is_terminating(pod) {
                    self.recorder.res.avail.pod_unready(w as usize, self.now);
                }
                if kill {
                    self.with_agent(|k, core| k.pod_stopped(core, pod));
                }
            }
        }
        self.recorder.sync_node(&self.world, node);
        was_up
    }

    /// One down cause of `node` ends. Returns true if the node is up again: terminating pods
    /// are gone for good (returned, for their owners), the others are ready again (a crashed
    /// node's kubelet restarts their containers).
    pub fn node_up(&mut self, node: NodeId, why: DownCause) -> Option<Vec<PodId>> {
        let slot = &mut self.health.down[node.ix()][why.slot()];
        if *slot == 0 {
            return None;
        }
        let was_dead = self.health.is_dead(node);
        self.health.down[node.ix()][why.slot()] -= 1;
        let dead_now = self.health.is_dead(node);
        if self.health.is_down(node) {
            if was_dead && !dead_now {
                // Still partitioned or kubelet-less, but the machine runs again.
                let pods = self.world.pods_on_node[node.ix()].clone();
                for pod in pods {
                    if !self.health.is_terminating(pod)
                        && self
                            .world
                            .pods
                            .get(pod)
                            .is_some_and(|p| p.phase == PodPhase::Running)
                    {
                        self.with_agent(|k, core| k.pod_started(core, pod));
                    }
                }
            }
            return None;
        }
        self.health.epoch[node.ix()] += 1;
        self.world.set_ready(node, true);
        let pods = self.world.pods_on_node[node.ix()].clone();
        let mut gone = Vec::new();
        for pod in pods {
            let Some(p) = self.world.pods.get(pod) else {
                continue;
            };
            if p.phase != PodPhase::Running {
                continue;
            }
            if self.health.is_terminating(pod) {
                gone.push(pod);
                continue;
            }
            let w = p.workload;
            self.recorder.res.avail.pod_ready(w as usize, self.now);
            if was_dead {
                self.with_agent(|k, core| k.pod_started(core, pod));
            }
        }
        self.node_changed(node);
        Some(gone)
    }

    /// Marks a Running pod on a down node as terminating (deleted by effect `cause`, not yet
    /// confirmed). False if it is not Running or already terminating.
    pub fn mark_terminating(&mut self, pod: PodId, cause: u64) -> bool {
        let Some(p) = self.world.pods.get(pod) else {
            return false;
        };
        if p.phase != PodPhase::Running || self.health.is_terminating(pod) {
            return false;
        }
        let node = p.node.expect("running pod is bound");
        let w = p.workload;
        if self.counts_ready(pod, node) {
            self.recorder.res.avail.pod_unready(w as usize, self.now);
        }
        self.health.set_terminating(pod, cause.max(1));
        self.recorder.res.terminating(true);
        self.world.exclude_from_groups(pod);
        true
    }

    /// Whether a Running pod cannot make progress: terminating, or on a down node.
    pub fn pod_is_stalled(&self, pod: PodId) -> bool {
        self.world
            .pods
            .get(pod)
            .and_then(|p| p.node)
            .is_some_and(|n| self.health.is_down(n) || self.health.is_terminating(pod))
    }

    /// Counts the nodes cordoned in the scenario itself (`unschedulable: true`) as one cordon.
    pub fn init_cordons(&mut self) {
        for n in 0..self.world.nodes.len() {
            if self.world.nodes.unschedulable[n] && self.health.cordons[n] == 0 {
                self.health.cordons[n] = 1;
                self.recorder.res.node_cordoned(true);
            }
        }
    }

    /// Cordons (`true`) or uncordons `node` (cordons nest: the last uncordon clears it).
    pub fn cordon(&mut self, node: NodeId, on: bool) {
        let c = &mut self.health.cordons[node.ix()];
        let before = *c > 0;
        if on {
            *c += 1;
        } else {
            *c = c.saturating_sub(1);
        }
        let after = *c > 0;
        if before != after {
            self.world.set_unschedulable(node, after);
            self.recorder.res.node_cordoned(after);
            self.node_changed(node);
        }
    }
}
