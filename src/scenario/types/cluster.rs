//! `cluster`: zones, node pools (many identical nodes) and explicit nodes.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::non_negative::{non_negative, optional_non_negative};
use super::ResourceList;
use crate::scenario::quantity::Quantity;

/// Label set on every node to its zone.
pub const ZONE_LABEL: &str = "topology.kubernetes.io/zone";
/// Label set on every node to its rack, when racks are modelled.
pub const RACK_LABEL: &str = "topology.clustersim.io/rack";
/// The whole-GPU extended resource.
pub const GPU_RESOURCE: &str = "nvidia.com/gpu";
/// The GPU-share resource: milli-GPU on one device (as the Alibaba GPU-sharing scheduler).
pub const GPU_MILLI_RESOURCE: &str = "alibabacloud.com/gpu-milli";
/// The GPU-share resource: GPU memory bytes on one device.
pub const GPU_MEM_RESOURCE: &str = "alibabacloud.com/gpu-mem";
/// Most GPU devices per node.
pub const MAX_GPUS_PER_NODE: usize = 16;
/// Node label carrying a GPU pool's device model.
pub const GPU_MODEL_LABEL: &str = "nvidia.com/gpu.product";
/// Label set on every node to its name.
pub const HOSTNAME_LABEL: &str = "kubernetes.io/hostname";

/// `cluster`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Cluster {
    /// Zone names; every node's zone must be one of them.
    #[serde(default)]
    pub zones: Vec<String>,
    /// Pools of identical nodes.
    #[serde(default)]
    pub node_pools: Vec<NodePool>,
    /// Individually described nodes.
    #[serde(default)]
    pub nodes: Vec<Node>,
}

impl Cluster {
    /// Every rack that holds a node, named as `build` names them: `<zone>-r<k>` for pools with
    /// `racksPerZone` (node `k` of a zone is in rack `k mod racksPerZone`) and the explicit
    /// nodes' `rack`.
    pub fn rack_names(&self) -> std::collections::BTreeSet<String> {
        let mut racks = std::collections::BTreeSet::new();
        for pool in &self.node_pools {
            let Some(per_zone) = pool.racks_per_zone.filter(|r| *r > 0) else {
                continue;
            };
            let zones = pool.effective_zones(&self.zones);
            if zones.is_empty() {
                continue;
            }
            for (zi, zone) in zones.iter().enumerate() {
                // Nodes are dealt round-robin over the zones; zone `zi` gets this many.
                let in_zone = pool.count / zones.len() as u32
                    + u32::from((zi as u32) < pool.count % zones.len() as u32);
                for k in 0..per_zone.min(in_zone) {
                    racks.insert(format!("{zone}-r{k}"));
                }
            }
        }
        racks.extend(self.nodes.iter().filter_map(|n| n.rack.clone()));
        racks
    }
}

impl Cluster {
    /// Total number of nodes (pools and explicit nodes).
    pub fn node_count(&self) -> u64 {
        self.node_pools
            .iter()
            .map(|p| u64::from(p.count))
            .sum::<u64>()
            + self.nodes.len() as u64
    }
}

/// `nodePools[]`: `count` nodes named `<name>-<index>`, spread round-robin over `zones`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NodePool {
    /// Pool name; node names derive from it (see [`NodePool::node_name`]).
    pub name: String,
    /// Number of nodes.
    #[serde(deserialize_with = "non_negative")]
    pub count: u32,
    /// Zones to spread over, round-robin; empty means all of `cluster.zones`.
    #[serde(default)]
    pub zones: Vec<String>,
    /// Racks per zone; nodes get [`RACK_LABEL`] when set.
    #[serde(default, deserialize_with = "optional_non_negative")]
    pub racks_per_zone: Option<u32>,
    /// Node capacity.
    pub capacity: ResourceList,
    /// Allocatable resources (default: capacity minus `reserved`, or capacity).
    #[serde(default)]
    pub allocatable: Option<ResourceList>,
    /// Resources held back from capacity (alternative to `allocatable`).
    #[serde(default)]
    pub reserved: Option<ResourceList>,
    /// Node labels (the zone, rack and hostname labels are added).
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Node taints.
    #[serde(default)]
    pub taints: Vec<Taint>,
    /// Container images present on the nodes (ImageLocality).
    #[serde(default)]
    pub images: Vec<ContainerImage>,
    /// Whether the nodes are cordoned.
    #[serde(default)]
    pub unschedulable: bool,
    /// When the pool's nodes join the cluster (absent: from the start). Before it they do not
    /// exist: not scheduled to, not counted, not hit by faults.
    #[serde(default)]
    pub join_at: Option<crate::scenario::duration::DurationMs>,
    /// GPU devices on each node (whole `nvidia.com/gpu` and per-device GPU shares).
    #[serde(default)]
    pub gpus: Option<GpuSpec>,
}

/// `nodePools[].gpus`: `count` identical GPU devices per node. Each node then advertises
/// `nvidia.com/gpu: count`, `alibabacloud.com/gpu-milli: count × 1000` and, with `memory`,
/// `alibabacloud.com/gpu-mem: count × memory`; GPU-share requests are packed onto one device.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GpuSpec {
    /// Devices per node (1..=16).
    #[serde(deserialize_with = "non_negative")]
    pub count: u32,
    /// Device model, e.g. `A100` (set as the node label `nvidia.com/gpu.product`).
    #[serde(default)]
    pub model: Option<String>,
    /// Memory of one device, e.g. `80Gi` (GPU-memory shares need it).
    #[serde(default)]
    pub memory: Option<Quantity>,
}

impl NodePool {
    /// The name of the pool's node number `index` (0-based): `<pool>-<index>`.
    pub fn node_name(&self, index: u32) -> String {
        format!("{}-{index}", self.name)
    }

    /// The zones the pool's nodes are spread over, given the cluster's zones.
    pub fn effective_zones<'a>(&'a self, cluster_zones: &'a [String]) -> &'a [String] {
        if self.zones.is_empty() {
            cluster_zones
        } else {
            &self.zones
        }
    }

    /// Allocatable resources of each node (see [`effective_allocatable`]).
    pub fn effective_allocatable(&self) -> ResourceList {
        effective_allocatable(
            &self.capacity,
            self.allocatable.as_ref(),
            self.reserved.as_ref(),
        )
    }
}

/// `nodes[]`: one explicitly described node.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Node {
    /// Node name, unique across the cluster (including pool nodes).
    pub name: String,
    /// Zone; required when `cluster.zones` is not empty.
    #[serde(default)]
    pub zone: Option<String>,
    /// Rack label value.
    #[serde(default)]
    pub rack: Option<String>,
    /// Node capacity.
    pub capacity: ResourceList,
    /// Allocatable resources (default: capacity minus `reserved`, or capacity).
    #[serde(default)]
    pub allocatable: Option<ResourceList>,
    /// Resources held back from capacity (alternative to `allocatable`).
    #[serde(default)]
    pub reserved: Option<ResourceList>,
    /// Node labels.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Node taints.
    #[serde(default)]
    pub taints: Vec<Taint>,
    /// Container images present on the node (ImageLocality).
    #[serde(default)]
    pub images: Vec<ContainerImage>,
    /// Whether the node is cordoned.
    #[serde(default)]
    pub unschedulable: bool,
}

impl Node {
    /// Allocatable resources (see [`effective_allocatable`]).
    pub fn effective_allocatable(&self) -> ResourceList {
        effective_allocatable(
            &self.capacity,
            self.allocatable.as_ref(),
            self.reserved.as_ref(),
        )
    }
}

/// A node's allocatable resources: `allocatable` when given (resources it omits keep their
/// capacity), else capacity minus `reserved` (floored at zero), else capacity.
pub fn effective_allocatable(
    capacity: &ResourceList,
    allocatable: Option<&ResourceList>,
    reserved: Option<&ResourceList>,
) -> ResourceList {
    let mut result = capacity.clone();
    if let Some(allocatable) = allocatable {
        result.extend(allocatable.iter().map(|(k, v)| (k.clone(), *v)));
    } else if let Some(reserved) = reserved {
        for (name, held) in reserved {
            if let Some(q) = result.get_mut(name) {
                *q = (*q - *held).max(Quantity::ZERO);
            }
        }
    }
    result
}

/// `taints[]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Taint {
    /// Taint key.
    pub key: String,
    /// Taint value (may be empty).
    #[serde(default)]
    pub value: String,
    /// What the taint does to pods that do not tolerate it.
    pub effect: TaintEffect,
}

/// A taint's (or toleration's) `effect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
pub enum TaintEffect {
    /// Pods that do not tolerate it are not scheduled here.
    NoSchedule,
    /// The scheduler avoids the node (scoring only).
    PreferNoSchedule,
    /// As NoSchedule, and running pods that do not tolerate it are evicted.
    NoExecute,
}

/// `images[]`: an image already present on a node, for ImageLocality.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ContainerImage {
    /// Image reference, as containers name it.
    pub name: String,
    /// Size in bytes (give this or `size`).
    #[serde(default)]
    pub size_bytes: Option<u64>,
    /// Size as a quantity, e.g. `500Mi` (give this or `sizeBytes`).
    #[serde(default)]
    pub size: Option<Quantity>,
}

impl ContainerImage {
    /// The size in bytes (0 if neither field is set, which validation rejects).
    pub fn bytes(&self) -> i64 {
        match (self.size_bytes, self.size) {
            (Some(bytes), _) => i64::try_from(bytes).unwrap_or(i64::MAX),
            (None, Some(size)) => size.value(),
            (None, None) => 0,
        }
    }
}
