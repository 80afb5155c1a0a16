//! Engine-side workload specifications (what the controllers keep running).

use crate::cluster::{NodeId, TemplateId};
use crate::engine::dist::DurationDist;

/// How Job pods arrive.
#[derive(Clone, Debug, PartialEq)]
pub enum Arrivals {
    /// Poisson process: `rate_per_sec` from `start_ms` until `until_ms` (exclusive).
    Poisson {
        /// Mean arrivals per second.
        rate_per_sec: f64,
        /// First possible arrival, ms.
        start_ms: u64,
        /// No arrival at or after this time, ms.
        until_ms: u64,
    },
    /// Fixed arrival times, ms.
    At(Vec<u64>),
    /// `count` arrivals every `interval_ms` starting at `start_ms`.
    Every {
        /// Number of arrivals.
        count: u64,
        /// Interval between arrivals, ms.
        interval_ms: u64,
        /// First arrival, ms.
        start_ms: u64,
    },
}

/// The kind of workload and its kind-specific parameters.
#[derive(Clone, Debug, PartialEq)]
pub enum WorkloadKind {
    /// Keeps `replicas` pods; replaces deleted/failed ones immediately.
    Deployment {
        /// Desired replicas.
        replicas: u32,
    },
    /// Keeps `replicas` pods with stable ordinals; a replacement waits until the old pod is gone.
    StatefulSet {
        /// Desired replicas.
        replicas: u32,
    },
    /// One pod per node that matches the template's node selector/affinity and tolerations.
    DaemonSet,
    /// Pods arrive by `arrivals`, run for a drawn duration, then succeed.
    Job {
        /// Arrival process.
        arrivals: Arrivals,
        /// Run duration distribution.
        duration: DurationDist,
    },
    /// A single pod, optionally pre-bound to a node.
    Pod {
        /// `nodeName`: bound without scheduling.
        node_name: Option<NodeId>,
    },
}

/// One workload of the run.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkloadSpec {
    /// Name (unique in the scenario).
    pub name: String,
    /// Kind and parameters.
    pub kind: WorkloadKind,
    /// Template of its pods.
    pub template: TemplateId,
}
