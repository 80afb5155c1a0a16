//! Everything fault-related a run needs, on engine ids: the faults, the node lifecycle
//! controller's settings and the PodDisruptionBudgets (built from a scenario by `build`).

use super::lifecycle::NodeLifecycleConfig;
use super::pdb::{Budget, UnhealthyPodEvictionPolicy};
use super::plan::{expand, Fault, FaultPlan};
use crate::cluster::labels::LabelSelector;
use crate::cluster::World;
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
}

impl FaultSetup {
    /// The plan of timed actions over `[0, duration_ms)` for master seed `seed`.
    pub fn plan(&self, world: &World, seed: u64, duration_ms: u64) -> FaultPlan {
        expand(
            &self.faults,
            world,
            &RngStreams::new(seed),
            SimTime(duration_ms),
        )
    }
}
