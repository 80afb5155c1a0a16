//! Failure injection in the run loop: applies the fault plan's steps, drives the node
//! lifecycle controller ([`NodeLifecycle`]), drains through the eviction API with
//! PodDisruptionBudgets, fails overloaded nodes, and records every effect with its parent
//! (fault → node NotReady → pod displaced → rescheduled → ...).

use super::lifecycle::NodeLifecycle;
use super::pdbs::PdbSet;
use crate::cluster::{NodeId, NodeInit, PodId, PodPhase, World};
use crate::controllers::Controllers;
use crate::engine::{RngStreams, SimTime};
use crate::faults::lifecycle::DRAIN_RETRY_MS;
use crate::faults::{Action, EvictionDecision, Fault, FaultSetup, FaultStep, NodeJoin};
use crate::metrics::cascade::EffectKind;
use crate::metrics::{EffectTarget, EventKind, FaultWindow};
use crate::runtime::health::DownCause;
use crate::runtime::Core;
use crate::runtime::{FaultEvent, SetupError};

/// One drain in progress (a `drain` fault or an upgrade batch), as `kubectl drain`
/// (`staging/src/k8s.io/kubectl/pkg/drain/drain.go`, `pkg/cmd/drain/drain.go`): the pods
/// listed once when it starts, each evicted and, on a 429, retried every 5 s until it is gone
/// or the timeout; pods that land on the nodes later are not its business.
#[derive(Clone, Debug)]
struct Drain {
    /// The fault it belongs to (its uncordon ends it).
    fault: u32,
    /// The pods still to evict, with the node they were listed on.
    pods: Vec<(NodeId, PodId)>,
    /// The fault effect the evictions hang off.
    root: u64,
    deadline: Option<SimTime>,
    open: bool,
}

/// Nodes a fault step asks the run loop to add or remove (upgrade surge), which only the
/// simulation can do (it owns the controllers and the autoscaler's view of node groups).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeRequest {
    /// Add `count` nodes shaped like `like`.
    Add {
        /// The batch's first node: the shape, and the key of the surge.
        like: NodeId,
        /// How many.
        count: u32,
    },
    /// Remove the surge nodes added for `like`; their pods are deleted with `cause`.
    Remove {
        /// The key given when they were added.
        like: NodeId,
        /// The fault effect the moved pods hang off.
        cause: u64,
    },
    /// The `k`-th joining node ([`FaultRuntime::joining`]) joins; tell
    /// [`FaultRuntime::joined`] its id.
    Join {
        /// Index into the joins.
        k: u32,
    },
    /// Delete `node` from the cluster for good (`nodeRemove`); its pods are deleted with
    /// `cause`.
    Delete {
        /// The node.
        node: NodeId,
        /// The fault effect the deleted pods hang off.
        cause: u64,
    },
}

/// The fault machinery of one run.
pub struct FaultRuntime {
    steps: Vec<FaultStep>,
    /// Node additions and removals for the run loop, taken after each event.
    requests: Vec<NodeRequest>,
    /// Surge nodes added per batch key.
    surge: Vec<(NodeId, Vec<NodeId>)>,
    lifecycle: NodeLifecycle,
    pdbs: PdbSet,
    drains: Vec<Drain>,
    overload_repair_ms: Option<u64>,
    /// Nodes that join during the run, in join order; the `k`-th has planned id `first_join +
    /// k` in the plan's steps.
    joins: Vec<NodeJoin>,
    /// The planned id of the first joining node (the world's node count at the start).
    first_join: u32,
    /// The real id of each joining node once it joined.
    joined: Vec<Option<NodeId>>,
}

/// The windows of a plan for `faults.csv`: each Down (or Cordon) step until the matching Up
/// (Uncordon) of the same fault and nodes, or the end of the run. `joins` name the nodes of
/// planned ids past the world's.
pub fn fault_windows(
    steps: &[FaultStep],
    faults: &[Fault],
    world: &World,
    joins: &[NodeJoin],
) -> Vec<FaultWindow> {
    let name = |n: NodeId| match world.nodes.name.get(n.ix()) {
        Some(name) => name.as_str(),
        None => joins[n.ix() - world.nodes.len()].init.name.as_str(),
    };
    // A node that joins later does not exist before: a step only on such nodes is no fault.
    let absent = |n: NodeId, t: SimTime| {
        n.ix()
            .checked_sub(world.nodes.len())
            .is_some_and(|k| joins[k].at > t)
    };
    let mut out = Vec::new();
    for (i, s) in steps.iter().enumerate() {
        let end_action = match s.action {
            Action::Down(k) => Action::Up(k),
            Action::Cordon => Action::Uncordon,
            _ => continue,
        };
        if s.nodes.iter().all(|&n| absent(n, s.time)) {
            continue;
        }
        let end = steps[i + 1..]
            .iter()
            .find(|e| e.fault == s.fault && e.action == end_action && e.nodes == s.nodes)
            .map(|e| e.time.as_millis());
        let f = &faults[s.fault as usize];
        let target = if s.nodes.len() == 1 {
            format!("{}/{}", f.name, name(s.nodes[0]))
        } else {
            f.name.clone()
        };
        out.push(FaultWindow {
            start_ms: s.time.as_millis(),
            end_ms: end,
            kind: f.label.to_string(),
            target,
        });
    }
    out
}

impl FaultRuntime {
    /// Expands the plan (`seed`, over `duration_ms`) and sets up the controllers. `templates`
    /// gives each workload's template (for the budgets). Also returns the fault names and
    /// windows for the recorder. A fault distribution that cannot be sampled is an error
    /// (as an invalid Job distribution is).
    pub fn new(
        setup: FaultSetup,
        world: &mut World,
        streams: &RngStreams,
        seed: u64,
        duration_ms: u64,
        templates: &[u32],
    ) -> Result<(Self, Vec<String>, Vec<FaultWindow>), SetupError> {
        crate::faults::plan::check_distributions(&setup.faults).map_err(
            |(name, what, message)| SetupError::InvalidDistribution {
                owner: format!("fault `{name}`"),
                what,
                message,
            },
        )?;
        let plan = setup.plan(world, seed, duration_ms);
        let windows = fault_windows(&plan.steps, &setup.faults, world, &setup.joins);
        let first_join = world.nodes.len() as u32;
        let joined = vec![None; setup.joins.len()];
        let names = setup.faults.iter().map(|f| f.name.clone()).collect();
        let overload_repair_ms = setup.lifecycle.overload_repair_ms;
        let lifecycle = NodeLifecycle::new(setup.lifecycle, world, streams);
        let pdbs = PdbSet::new(setup.pdbs, world, templates);
        Ok((
            FaultRuntime {
                steps: plan.steps,
                lifecycle,
                pdbs,
                drains: Vec::new(),
                overload_repair_ms,
                requests: Vec::new(),
                surge: Vec::new(),
                joins: setup.joins,
                first_join,
                joined,
            },
            names,
            windows,
        ))
    }

    /// Schedules every step of the plan.
    pub fn start(&self, core: &mut Core) {
        for (i, s) in self.steps.iter().enumerate() {
            core.push(s.time, FaultEvent::FaultStep { step: i as u32 });
        }
    }

    /// The budgets (for preemption).
    pub fn pdbs(&self) -> &PdbSet {
        &self.pdbs
    }

    /// The node lifecycle controller.
    pub fn lifecycle(&self) -> &NodeLifecycle {
        &self.lifecycle
    }

    /// The node additions and removals asked for since the last call.
    pub fn take_requests(&mut self) -> Vec<NodeRequest> {
        std::mem::take(&mut self.requests)
    }

    /// The node of the `k`-th join (to add when it joins).
    pub fn joining(&self, k: u32) -> NodeInit {
        self.joins[k as usize].init.clone()
    }

    /// The `k`-th joining node joined as `node`.
    pub fn joined(&mut self, k: u32, node: NodeId) {
        self.joined[k as usize] = Some(node);
    }

    /// The real id of planned id `n`: itself for a node of the initial world, the id a
    /// joining node got when it joined (None before).
    fn real(&self, n: NodeId) -> Option<NodeId> {
        match n.0.checked_sub(self.first_join) {
            None => Some(n),
            Some(k) => self.joined.get(k as usize).copied().flatten(),
        }
    }

    /// A surge node was added for the batch keyed by `like`.
    pub fn surge_added(&mut self, like: NodeId, node: NodeId) {
        match self.surge.iter_mut().find(|(k, _)| *k == like) {
            Some((_, v)) => v.push(node),
            None => self.surge.push((like, vec![node])),
        }
    }

    /// The surge nodes added for `like` (now forgotten).
    pub fn take_surge(&mut self, like: NodeId) -> Vec<NodeId> {
        match self.surge.iter().position(|(k, _)| *k == like) {
            Some(i) => self.surge.swap_remove(i).1,
            None => Vec::new(),
        }
    }

    /// A node joined the cluster (autoscaler, surge): the lifecycle controller watches it too.
    pub fn node_added(&mut self, core: &mut Core, node: NodeId) {
        // A fixed per-node lease phase from the node's id (no draw: joining nodes must not
        // shift any stream).
        let phase = u64::from(node.0).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
        self.lifecycle.node_added(core, node, phase);
    }

    /// A node left the cluster.
    pub fn node_removed(&mut self, core: &mut Core, node: NodeId) {
        self.lifecycle.node_removed(core, node);
    }

    /// Handles a fault or lifecycle event.
    pub fn handle(&mut self, event: FaultEvent, core: &mut Core, ctl: &mut Controllers) {
        match event {
            FaultEvent::FaultStep { step } => self.apply(step as usize, core, ctl),
            FaultEvent::NodeUnknown { node, epoch } => {
                self.lifecycle.on_node_unknown(core, node, epoch);
            }
            FaultEvent::MonitorPass => self.lifecycle.on_monitor_pass(core),
            FaultEvent::ZoneTaint { zone } => {
                for node in self.lifecycle.on_zone_taint(core, zone) {
                    self.taint_evict(core, ctl, node);
                }
            }
            FaultEvent::TaintEviction { node, epoch } => {
                if core.health().epoch[node.ix()] == epoch {
                    self.taint_evict(core, ctl, node);
                }
            }
            FaultEvent::DrainRetry { drain } => self.drain_pass(drain as usize, core, ctl),
            FaultEvent::OverloadRepair { node } => {
                self.node_back(core, ctl, node, DownCause::Overload)
            }
        }
    }

    fn apply(&mut self, i: usize, core: &mut Core, ctl: &mut Controllers) {
        let mut step = self.steps[i].clone();
        if step.action == Action::Join {
            for &n in &step.nodes {
                if let Some(k) = n.0.checked_sub(self.first_join) {
                    if self.joined.get(k as usize) == Some(&None) {
                        self.requests.push(NodeRequest::Join { k });
                    }
                }
            }
            return;
        }
        // Planned ids to real ones: a node that has not joined yet does not exist; nodes
        // removed meanwhile (autoscaler, nodeRemove) are gone for good.
        let like = step.nodes.first().and_then(|&n| self.real(n));
        step.nodes = step.nodes.iter().filter_map(|&n| self.real(n)).collect();
        step.nodes.retain(|n| core.world().nodes.is_live(*n));
        let root =
            |core: &mut Core| core.effect(EffectKind::Fault, 0, EffectTarget::Fault(step.fault));
        match step.action {
            Action::Down(kind) => {
                let root = root(core);
                for &node in &step.nodes {
                    self.node_goes_down(
                        core,
                        node,
                        DownCause::Fault(kind),
                        EffectKind::NodeNotReady,
                        root,
                    );
                }
            }
            Action::Up(kind) => {
                for &node in &step.nodes {
                    self.node_back(core, ctl, node, DownCause::Fault(kind));
                }
            }
            Action::Cordon => {
                for &node in &step.nodes {
                    core.cordon(node, true);
                }
            }
            Action::Uncordon => {
                for &node in &step.nodes {
                    core.cordon(node, false);
                }
                // The fault's window is over: its drains stop.
                for d in &mut self.drains {
                    if d.fault == step.fault {
                        d.open = false;
                    }
                }
            }
            Action::Drain { timeout_ms } => {
                let root = root(core);
                let pods = drain_list(core, ctl, &step.nodes);
                self.drains.push(Drain {
                    fault: step.fault,
                    pods,
                    root,
                    deadline: timeout_ms.map(|t| core.now().plus_millis(t)),
                    open: true,
                });
                self.drain_pass(self.drains.len() - 1, core, ctl);
            }
            Action::SurgeAdd { count } => {
                if let Some(like) = like {
                    self.requests.push(NodeRequest::Add { like, count });
                }
            }
            Action::Join => {}
            Action::Remove => {
                let cause = root(core);
                for &node in &step.nodes {
                    self.requests.push(NodeRequest::Delete { node, cause });
                }
            }
            Action::SurgeRemove { .. } => {
                if let Some(like) = like {
                    let cause = root(core);
                    self.requests.push(NodeRequest::Remove { like, cause });
                }
            }
        }
    }

    /// `node` goes down for `why`; if it was up, its outage is recorded as `kind` under
    /// `parent` and the lifecycle controller's timeline starts.
    fn node_goes_down(
        &mut self,
        core: &mut Core,
        node: NodeId,
        why: DownCause,
        kind: EffectKind,
        parent: u64,
    ) {
        if core.node_down(node, why) {
            let id = core.effect(kind, parent, EffectTarget::Node(node.0));
            core.health_mut().outage_cause[node.ix()] = id;
            self.lifecycle.node_down(core, node);
        }
    }

    /// One down cause of `node` ends; if the node is up again, the controller marks it Ready
    /// and its terminating pods are finally gone.
    fn node_back(&mut self, core: &mut Core, ctl: &mut Controllers, node: NodeId, why: DownCause) {
        let Some(gone) = core.node_up(node, why) else {
            return;
        };
        self.lifecycle.node_up(core, node);
        for pod in gone {
            let cause = core.health().terminating_cause(pod);
            ctl.terminating_pod_removed(core, pod, cause);
        }
    }

    /// The kubelet found `node` overloaded for too long: it fails like a crash (its containers
    /// die with the kubelet) and is repaired after the configured delay.
    pub fn overload_failure(&mut self, core: &mut Core, node: NodeId) {
        if core.health().is_overloaded(node) {
            return;
        }
        let parent = core.pressure_parent(node);
        if core.health().is_down(node) {
            // Already down for another reason: the overload only kills the containers.
            core.node_down(node, DownCause::Overload);
        } else {
            self.node_goes_down(
                core,
                node,
                DownCause::Overload,
                EffectKind::OverloadFailure,
                parent,
            );
        }
        if let Some(r) = self.overload_repair_ms {
            core.push(
                core.now().plus_millis(r),
                FaultEvent::OverloadRepair { node },
            );
        }
    }

    /// Deletes the pods of `node` whose `unreachable:NoExecute` toleration ran out; schedules
    /// the next such deletion.
    fn taint_evict(&mut self, core: &mut Core, ctl: &mut Controllers, node: NodeId) {
        let (due, next) = self.lifecycle.due_evictions(core, node);
        for pod in due {
            self.displace(core, ctl, node, pod);
        }
        if let Some(at) = next {
            let epoch = core.health().epoch[node.ix()];
            core.push(at, FaultEvent::TaintEviction { node, epoch });
        }
    }

    /// The taint-eviction controller deletes `pod` from its unreachable `node`.
    fn displace(&mut self, core: &mut Core, ctl: &mut Controllers, node: NodeId, pod: PodId) {
        let Some(p) = core.world().pods.get(pod).cloned() else {
            return;
        };
        let parent = core.health().outage_cause[node.ix()];
        let target = EffectTarget::Pod {
            workload: p.workload,
            ordinal: p.ordinal,
        };
        let id = core.effect(EffectKind::PodDisplaced, parent, target);
        core.pod_event(
            EventKind::Evicted,
            &p,
            Some(node),
            "TaintManagerEviction: node unreachable, toleration of node.kubernetes.io/unreachable:NoExecute expired",
            id,
        );
        ctl.pod_terminating(core, pod, id);
    }

    /// One pass of a drain: evict every listed pod still there through the eviction API;
    /// retry the refused ones in 5 s unless the timeout comes first. A pod that is gone,
    /// finished, already terminating or on a node no longer cordoned is dropped from the list;
    /// the drain ends when the list is empty.
    fn drain_pass(&mut self, d: usize, core: &mut Core, ctl: &mut Controllers) {
        if !self.drains[d].open {
            return;
        }
        let root = self.drains[d].root;
        let mut pods = std::mem::take(&mut self.drains[d].pods);
        pods.retain(|&(node, pod)| {
            let Some(p) = core.world().pods.get(pod).cloned() else {
                return false;
            };
            if p.node != Some(node)
                || p.phase != PodPhase::Running
                || core.health().is_terminating(pod)
                || core.health().cordons[node.ix()] == 0
            {
                return false;
            }
            let ready = core.counts_ready(pod, node);
            match self.pdbs.decide(p.workload, ready, core.recorder()) {
                EvictionDecision::Evict { .. } => {
                    let target = EffectTarget::Pod {
                        workload: p.workload,
                        ordinal: p.ordinal,
                    };
                    let id = core.effect(EffectKind::Eviction, root, target);
                    core.recorder_mut().res.pod_drained();
                    core.pod_event(
                        EventKind::Evicted,
                        &p,
                        Some(node),
                        "Drain: evicted through the eviction API",
                        id,
                    );
                    if core.health().is_down(node) {
                        ctl.pod_terminating(core, pod, id);
                    } else {
                        ctl.delete_pod(core, pod, id);
                    }
                    false
                }
                EvictionDecision::TooManyRequests | EvictionDecision::MultiplePdbs => true,
            }
        });
        let drain = &mut self.drains[d];
        drain.pods = pods;
        let retry = core.now().plus_millis(DRAIN_RETRY_MS);
        // kubectl checks its timeout before each attempt: no attempt at or after it.
        if drain.pods.is_empty() || drain.deadline.is_some_and(|t| retry >= t) {
            drain.open = false;
            drain.pods = Vec::new();
            return;
        }
        core.push(retry, FaultEvent::DrainRetry { drain: d as u32 });
    }
}

/// The pods a drain evicts, listed once at its start (`GetPodsForDeletion`): the running pods
/// of `nodes` that are not DaemonSet pods (`--ignore-daemonsets`) and not already terminating.
fn drain_list(core: &Core, ctl: &Controllers, nodes: &[NodeId]) -> Vec<(NodeId, PodId)> {
    let mut out = Vec::new();
    for &node in nodes {
        for &pod in &core.world().pods_on_node[node.ix()] {
            let Some(p) = core.world().pods.get(pod) else {
                continue;
            };
            if p.phase == PodPhase::Running
                && !ctl.is_daemonset(p.workload)
                && !core.health().is_terminating(pod)
            {
                out.push((node, pod));
            }
        }
    }
    out
}
