//! Everything fault-related a run needs, on engine ids: the faults, the node lifecycle
//! controller's settings and the PodDisruptionBudgets (built from a scenario by `build`).

use super::lifecycle::NodeLifecycleConfig;
use super::pdb::{Budget, UnhealthyPodEvictionPolicy};
use super::plan::{expand, Action, Fault, FaultPlan, FaultStep};
use crate::cluster::labels::LabelSelector;
use crate::cluster::{NodeId, NodeInit, World};
use crate::engine::{RngStreams, SimTime};

/// An engine PodDisruptionBudget.
#[derive(Clone, Debug, PartialEq)]
pub struct Pdb {
    /// Name.
    pub name: String,
    /// Namespace (`default` when not given).
    pub namespace: String,
    /// The pods it covers.
    pub selector: LabelSelector,
    /// Its rule.
    pub budget: Budget,
    /// Not-ready pods' eviction policy.
    pub unhealthy_policy: UnhealthyPodEvictionPolicy,
}

/// Everything fault-related a run needs, on engine ids.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultSetup {
    /// The faults, in scenario order (a step's `fault` indexes this).
    pub faults: Vec<Fault>,
    /// Node lifecycle controller settings.
    pub lifecycle: NodeLifecycleConfig,
    /// PodDisruptionBudgets, in scenario order.
    pub pdbs: Vec<Pdb>,
    /// Nodes that join during the run, in join order (not in the world before). Fault targets
    /// name the `k`-th as `NodeId(world.nodes.len() + k)` (its *planned id*): the id it has in
    /// the world the plan is expanded on, where they are all present ([`FaultSetup::plan`]).
    pub joins: Vec<NodeJoin>,
}

/// A node that joins the cluster during the run (a pool's `joinAt`, a `nodeJoin` fault).
#[derive(Clone, Debug)]
pub struct NodeJoin {
    /// When.
    pub at: SimTime,
    /// The node.
    pub init: NodeInit,
}

impl PartialEq for NodeJoin {
    fn eq(&self, other: &Self) -> bool {
        self.at == other.at && self.init.name == other.init.name
    }
}

/// The step index of the joins that no fault owns (a pool's `joinAt`).
pub const NO_FAULT: super::FaultIndex = super::FaultIndex::MAX;

impl FaultSetup {
    /// The plan of timed actions over `[0, duration_ms)` for master seed `seed`. With joins,
    /// targets are resolved on a copy of `world` where every joining node is present at its
    /// planned id (so random faults, picks and names see it; the run skips the steps on a node
    /// before it joins), and one `Join` step per node comes first among the steps of its time.
    pub fn plan(&self, world: &World, seed: u64, duration_ms: u64) -> FaultPlan {
        let streams = RngStreams::new(seed);
        let horizon = SimTime(duration_ms);
        if self.joins.is_empty() {
            return expand(&self.faults, world, &streams, horizon);
        }
        let mut planning = node_copy(world);
        for j in &self.joins {
            planning.add_node(j.init.clone());
        }
        let mut plan = expand(&self.faults, &planning, &streams, horizon);
        let first = world.nodes.len() as u32;
        let mut steps: Vec<FaultStep> = self
            .joins
            .iter()
            .enumerate()
            .filter(|(_, j)| j.at < horizon)
            .map(|(k, j)| FaultStep {
                time: j.at,
                fault: NO_FAULT,
                action: Action::Join,
                nodes: vec![NodeId(first + k as u32)],
            })
            .collect();
        steps.append(&mut plan.steps);
        // Stable: joins first at their time, the plan's order otherwise kept.
        steps.sort_by_key(|s| s.time);
        FaultPlan { steps }
    }
}

/// A world with the nodes of `world` (labels, pools, zones, topology domains) and no pods:
/// what target resolution and random processes read.
fn node_copy(world: &World) -> World {
    let mut w = World::new(world.interner.clone(), world.resources.clone());
    w.zones = world.zones.clone();
    w.pools = world.pools.clone();
    w.label_sets = world.label_sets.clone();
    w.taint_sets = world.taint_sets.clone();
    w.nodes = world.nodes.clone();
    w.node_order = world.node_order.clone();
    w.images = world.images.clone();
    w.groups = world.groups.clone();
    w.pods_on_node = vec![Vec::new(); world.nodes.len()];
    w
}
