//! The world-mutation layer of a run: [`Core`] (the world, the event queue, the recorder and
//! the clock, with the only pod lifecycle and node write operations), the [`Event`]s of a run,
//! node [`health`] and [`SetupError`].
//!
//! Architecture invariant: `runtime` sits below every subsystem that changes the cluster during
//! a run (controllers, kubelet, fault application, node lifecycle, the run loop in `sim`) and
//! above the pure layers (`engine`, `cluster`, `metrics`, `faults`' planners). It knows none of
//! the subsystems above it: the kubelet is reached through the [`NodeAgent`] trait.

mod access;
pub mod core;
pub mod event;
pub mod health;

pub use self::core::{Core, NodeAgent};
pub use event::{AutoscalerEvent, ControllerEvent, Event, FaultEvent, KubeletEvent};

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
    #[error("{owner}: invalid {what}: {message}")]
    InvalidDistribution {
        /// Whose distribution: ``workload `name` `` or ``fault `name` ``.
        owner: String,
        /// `arrivals`, `duration`, `usage`, `mtbf` or `mttr`.
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
