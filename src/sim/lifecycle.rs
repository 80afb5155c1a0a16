//! The node lifecycle controller and the taint-eviction controller, driven by events
//! (`pkg/controller/nodelifecycle`, `pkg/controller/tainteviction`).
//!
//! A node that stops heartbeating is marked Unknown at the first monitor pass after its last
//! lease renewal plus `nodeMonitorGracePeriod` (renewals every 10 s from a per-node phase drawn
//! from the `lifecycle` stream) and gets `unreachable:NoSchedule` at once. The
//! `unreachable:NoExecute` taint goes through its zone's rate-limited queue
//! ([`ZoneEvictionLimiter`]: 0.1 nodes/s, slower or stopped in disrupted zones), whose state is
//! computed once per monitor pass. Pods are then deleted when the first toleration of that
//! taint in their list runs out (`defaultTolerationSeconds`, 300 s by default; never for
//! DaemonSet pods). Nothing here ticks: every step is one event at its exact time.

use std::collections::VecDeque;

use rand::RngExt;

use crate::cluster::taints::{Taint, TaintEffect, Toleration};
use crate::cluster::{NodeId, PodId, PodPhase, Sym, World};
use crate::engine::{RngStreams, SimTime};
use crate::faults::lifecycle::{
    taint_eviction_at, DisruptionChange, NoExecuteToleration, LEASE_RENEW_INTERVAL_MS,
    TAINT_UNREACHABLE,
};
use crate::faults::{NodeLifecycleConfig, ZoneEvictionLimiter, ZoneHealth};
use crate::runtime::Core;
use crate::runtime::FaultEvent;

/// How a pod template tolerates the NoExecute `taint`, as upstream's taint-eviction
/// controller decides it: `GetMatchingTolerations` keeps, for the taint, the *first* toleration
/// in the pod's list that tolerates it, and `getMinTolerationTime` reads that one's
/// `tolerationSeconds`: none = forever, `<= 0` = at once, else that many seconds
/// (`pkg/controller/tainteviction/taint_eviction.go`, `pkg/apis/core/v1/helper/helpers.go`).
/// Later matching tolerations, even with a smaller or no `tolerationSeconds`, are not read.
pub fn no_execute_toleration(tols: &[Toleration], taint: &Taint) -> NoExecuteToleration {
    match tols.iter().find(|t| t.tolerates(taint)) {
        None => NoExecuteToleration::None,
        Some(t) => match t.toleration_seconds {
            None => NoExecuteToleration::Forever,
            Some(s) => NoExecuteToleration::Seconds(s),
        },
    }
}

/// The controllers' state for a run.
pub struct NodeLifecycle {
    cfg: NodeLifecycleConfig,
    limiter: ZoneEvictionLimiter,
    health: Vec<ZoneHealth>,
    queues: Vec<VecDeque<NodeId>>,
    /// Time of the pending `ZoneTaint` event per zone.
    armed: Vec<Option<SimTime>>,
    /// Time of the pending `MonitorPass` event (zone states to recompute).
    pass_at: Option<SimTime>,
    /// Lease renewal phase per node, ms.
    phase: Vec<u64>,
    no_schedule: Taint,
    no_execute: Taint,
    /// `unreachable:NoExecute` toleration per template.
    tol: Vec<NoExecuteToleration>,
}

impl NodeLifecycle {
    /// The controllers for `world` (interns the taint key).
    pub fn new(cfg: NodeLifecycleConfig, world: &mut World, streams: &RngStreams) -> Self {
        let key: Sym = world.interner.intern(TAINT_UNREACHABLE);
        let taint = |effect| Taint {
            key,
            value: Sym::EMPTY,
            effect,
        };
        let no_execute = taint(TaintEffect::NoExecute);
        let zones = world.zones.len();
        let mut health = vec![ZoneHealth::default(); zones];
        for n in world.nodes.ids() {
            let z = world.nodes.zone[n.ix()] as usize;
            if world.nodes.ready[n.ix()] {
                health[z].ready += 1;
            } else {
                health[z].not_ready += 1;
            }
        }
        let mut rng = streams.stream("lifecycle");
        let phase = world
            .nodes
            .ids()
            .map(|_| rng.random_range(0..LEASE_RENEW_INTERVAL_MS))
            .collect();
        let tol = world
            .templates
            .iter()
            .map(|t| no_execute_toleration(&t.tolerations, &no_execute))
            .collect();
        let mut limiter = ZoneEvictionLimiter::new(zones, cfg.clone());
        limiter.update(0, &health);
        NodeLifecycle {
            cfg,
            limiter,
            health,
            queues: vec![VecDeque::new(); zones],
            armed: vec![None; zones],
            pass_at: None,
            phase,
            no_schedule: taint(TaintEffect::NoSchedule),
            no_execute,
            tol,
        }
    }

    /// A node joined the cluster (Ready): its zone counts it, its lease gets a phase.
    pub fn node_added(&mut self, core: &mut Core, node: NodeId, rng_phase: u64) {
        let z = core.world().nodes.zone[node.ix()] as usize;
        if self.health.len() <= z {
            self.health.resize(z + 1, ZoneHealth::default());
            self.queues.resize(z + 1, VecDeque::new());
            self.armed.resize(z + 1, None);
            self.limiter = ZoneEvictionLimiter::new(z + 1, self.cfg.clone());
        }
        if self.phase.len() <= node.ix() {
            self.phase.resize(node.ix() + 1, 0);
        }
        self.phase[node.ix()] = rng_phase % LEASE_RENEW_INTERVAL_MS;
        self.health[z].ready += 1;
        self.pass_due(core);
    }

    /// A node left the cluster: its zone no longer counts it.
    pub fn node_removed(&mut self, core: &mut Core, node: NodeId) {
        let z = core.world().nodes.zone[node.ix()] as usize;
        if core.health().unknown[node.ix()] {
            core.health_mut().unknown[node.ix()] = false;
            core.recorder_mut().res.node_unknown(false);
            self.health[z].not_ready -= 1;
        } else {
            self.health[z].ready -= 1;
        }
        core.health_mut().noexec_at[node.ix()] = None;
        self.pass_due(core);
    }

    /// The settings.
    pub fn config(&self) -> &NodeLifecycleConfig {
        &self.cfg
    }

    /// When the controller will notice that `node`, down since now, stopped heartbeating.
    pub fn detection_time(&self, node: NodeId, now: SimTime) -> SimTime {
        let last = NodeLifecycleConfig::last_heartbeat(now.as_millis(), self.phase[node.ix()]);
        SimTime(self.cfg.not_ready_detected_at(last).max(now.as_millis()))
    }

    /// `node` just went down: schedule the monitor pass that will notice.
    pub fn node_down(&self, core: &mut Core, node: NodeId) {
        let at = self.detection_time(node, core.now());
        let epoch = core.health().epoch[node.ix()];
        core.push(at, FaultEvent::NodeUnknown { node, epoch });
    }

    /// The monitor pass noticed `node`: Unknown, `unreachable:NoSchedule`, queued for the
    /// NoExecute taint. False if the event is stale (the node came back meanwhile).
    pub fn on_node_unknown(&mut self, core: &mut Core, node: NodeId, epoch: u32) -> bool {
        if core.health().epoch[node.ix()] != epoch
            || !core.health().is_down(node)
            || core.health().unknown[node.ix()]
        {
            return false;
        }
        core.health_mut().unknown[node.ix()] = true;
        core.health_mut().unknown_since[node.ix()] = core.now();
        core.recorder_mut().res.node_unknown(true);
        core.add_taint(node, self.no_schedule);
        let z = core.world().nodes.zone[node.ix()] as usize;
        self.health[z].ready -= 1;
        self.health[z].not_ready += 1;
        self.queues[z].push_back(node);
        self.pass_due(core);
        true
    }

    /// `node` is back: Ready, the unreachable taints removed.
    pub fn node_up(&mut self, core: &mut Core, node: NodeId) {
        core.health_mut().noexec_at[node.ix()] = None;
        if !core.health().unknown[node.ix()] {
            return;
        }
        core.health_mut().unknown[node.ix()] = false;
        core.recorder_mut().res.node_unknown(false);
        core.remove_taint(node, self.no_schedule.key, TaintEffect::NoSchedule);
        core.remove_taint(node, self.no_execute.key, TaintEffect::NoExecute);
        let z = core.world().nodes.zone[node.ix()] as usize;
        self.health[z].ready += 1;
        self.health[z].not_ready -= 1;
        self.pass_due(core);
    }

    /// A node's Ready state changed: the zones' states are recomputed at the end of the
    /// monitor pass it belongs to (the first pass at or after now), once for every node the
    /// pass saw, as upstream's `monitorNodeHealth` calls `handleDisruption` after its loop
    /// over the nodes. (Per node, a zone failing as a whole went through intermediate states,
    /// and a passing rate of 0 drained its tainting bucket.)
    fn pass_due(&mut self, core: &mut Core) {
        if self.pass_at.is_some() {
            return;
        }
        let p = self.cfg.node_monitor_period_ms.max(1);
        let at = SimTime(core.now().as_millis().div_ceil(p) * p);
        self.pass_at = Some(at);
        core.push(at, FaultEvent::MonitorPass);
    }

    /// The end of a monitor pass: new zone states, limiters swapped, queues armed.
    pub fn on_monitor_pass(&mut self, core: &mut Core) {
        self.pass_at = None;
        self.zones_changed(core);
    }

    /// New zone states after a node changed; rates swapped as upstream; queues re-armed.
    fn zones_changed(&mut self, core: &mut Core) {
        let now = core.now().as_millis();
        match self.limiter.update(now, &self.health) {
            DisruptionChange::EnteredFullDisruption => {
                // Every zone fully disrupted: upstream marks every node reachable again
                // (removes the NoExecute taints) and stops evicting.
                for n in 0..core.world().nodes.len() {
                    let n = NodeId(n as u32);
                    if core.health_mut().noexec_at[n.ix()].take().is_some() {
                        core.remove_taint(n, self.no_execute.key, TaintEffect::NoExecute);
                    }
                }
            }
            DisruptionChange::ExitedFullDisruption => {
                // Nodes still Unknown and untainted go back to their zone's queue.
                for n in core.world().nodes.ids() {
                    if core.health().unknown[n.ix()] && core.health().noexec_at[n.ix()].is_none() {
                        let z = core.world().nodes.zone[n.ix()] as usize;
                        if !self.queues[z].contains(&n) {
                            self.queues[z].push_back(n);
                        }
                    }
                }
            }
            DisruptionChange::None => {}
        }
        for z in 0..self.queues.len() {
            self.arm(core, z);
        }
    }

    /// Makes sure a `ZoneTaint` event is pending for a zone with queued nodes, at the time its
    /// limiter allows the next taint.
    fn arm(&mut self, core: &mut Core, z: usize) {
        if self.queues[z].is_empty() {
            return;
        }
        let now = core.now().as_millis();
        let Some(at) = self.limiter.next_taint_at(z, now) else {
            return; // tainting stopped in this zone until its state changes
        };
        let at = SimTime(at.max(now));
        if self.armed[z].is_some_and(|a| a <= at) {
            return;
        }
        self.armed[z] = Some(at);
        core.push(at, FaultEvent::ZoneTaint { zone: z as u32 });
    }

    /// The zone's queue: taints as many queued nodes as the limiter allows now; returns them.
    pub fn on_zone_taint(&mut self, core: &mut Core, zone: u32) -> Vec<NodeId> {
        let z = zone as usize;
        if self.armed[z] != Some(core.now()) {
            return Vec::new(); // superseded by an earlier arming
        }
        self.armed[z] = None;
        let now = core.now().as_millis();
        let mut tainted = Vec::new();
        while let Some(&node) = self.queues[z].front() {
            let still =
                core.health().unknown[node.ix()] && core.health().noexec_at[node.ix()].is_none();
            if !still {
                self.queues[z].pop_front();
                continue;
            }
            if !self.limiter.try_taint(z, now) {
                break;
            }
            self.queues[z].pop_front();
            core.add_taint(node, self.no_execute);
            core.health_mut().noexec_at[node.ix()] = Some(core.now());
            tainted.push(node);
        }
        self.arm(core, z);
        tainted
    }

    /// Taint eviction on `node`: the pods whose toleration ran out by now (to delete), and
    /// when the next one runs out. Empty if the node is not NoExecute-tainted (any more).
    pub fn due_evictions(&self, core: &Core, node: NodeId) -> (Vec<PodId>, Option<SimTime>) {
        let Some(tainted) = core.health().noexec_at[node.ix()] else {
            return (Vec::new(), None);
        };
        let now = core.now().as_millis();
        let mut due = Vec::new();
        let mut next: Option<u64> = None;
        for &pod in &core.world().pods_on_node[node.ix()] {
            let Some(p) = core.world().pods.get(pod) else {
                continue;
            };
            if p.phase != PodPhase::Running || core.health().is_terminating(pod) {
                continue;
            }
            match taint_eviction_at(tainted.as_millis(), self.tol[p.template as usize]) {
                Some(t) if t <= now => due.push(pod),
                Some(t) => next = Some(next.map_or(t, |n| n.min(t))),
                None => {}
            }
        }
        (due, next.map(SimTime))
    }

    /// Whether a template tolerates `unreachable:NoExecute` forever.
    pub fn tolerates_forever(&self, template: u32) -> bool {
        self.tol[template as usize] == NoExecuteToleration::Forever
    }

    /// The `unreachable:NoExecute` taint.
    pub fn no_execute_taint(&self) -> Taint {
        self.no_execute
    }
}
