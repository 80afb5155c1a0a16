//! Cluster state: nodes (struct of arrays), pods (slab with generational ids), templates,
//! interned labels and taints, and incremental pod-group counts.
//!
//! Architecture invariant: this module knows nothing of the scenario file format, the event
//! loop or output files. It is plain data plus the mutations that keep its indexes consistent.

pub mod changes;
pub mod gpus;
pub mod groups;
pub mod intern;
pub mod labels;
pub mod nodes;
pub mod pod_map;
pub mod pods;
pub mod resources;
pub mod taints;
pub mod template;
pub mod world;

pub use changes::NodeChangeLog;
pub use groups::{GroupId, PodGroups, TopoKeyId, TopologyKey, NO_DOMAIN};
pub use intern::{Interner, Sym};
pub use nodes::{NodeId, NodeInit, Nodes};
pub use pod_map::PodMap;
pub use pods::{Pod, PodId, PodPhase, PodSlab, TemplateId, WorkloadId};
pub use resources::{ResourceId, ResourceTable, CPU, EPHEMERAL_STORAGE, MEMORY, PODS};
pub use template::{OwnerKind, PodTemplate, QosClass};
pub use world::{PhaseCounts, World};
