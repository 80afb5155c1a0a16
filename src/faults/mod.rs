//! Failure injection, engine side: faults on [`NodeId`]s, expanded into a deterministic plan
//! of timed actions, plus the pure pieces of the node lifecycle controller (timeline
//! constants, the per-zone eviction rate limiter) and PodDisruptionBudget arithmetic.
//!
//! Architecture invariant: everything here is a pure function of its inputs (a [`World`]
//! read-only, a seed). Nothing here changes the cluster or knows the event loop; `sim` turns
//! the [`FaultPlan`] into events and asks [`lifecycle`] and [`pdb`] for decisions. Random
//! draws come from streams named `faults/<fault name>` (target picks, correlated failures)
//! and `faults/<fault name>/<node name>` (a node's random MTBF/MTTR process), so changing one
//! fault, pool or node leaves every other fault's draws unchanged.
//!
//! [`World`]: crate::cluster::World

pub mod lifecycle;
pub mod pdb;
pub mod plan;
pub mod setup;
pub mod target;

pub use lifecycle::{NodeLifecycleConfig, ZoneEvictionLimiter, ZoneHealth, ZoneState};
pub use pdb::{
    decide_eviction, disruptions_allowed, pdb_status, Budget, EvictionDecision, PdbStatus,
};
pub use plan::{
    expand, Action, DownKind, Fault, FaultKind, FaultPlan, FaultStep, ScheduledKind, UpgradeWave,
};
pub use setup::{FaultSetup, NodeJoin, Pdb, NO_FAULT};
pub use target::{resolve, Pick, Target};

use crate::cluster::NodeId;

/// Index of a fault in the scenario's `faults` list (and in [`plan::expand`]'s input).
pub type FaultIndex = u32;

/// The nodes an action applies to, sorted by id.
pub type NodeSet = Vec<NodeId>;
