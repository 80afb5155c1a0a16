//! Resource names and integer resource vectors.
//!
//! Every resource is an integer: CPU in millicores, memory and storage in bytes, pods and
//! extended resources (e.g. `nvidia.com/gpu`) in units. A scenario's resources are numbered once;
//! vectors are plain `i64` slices indexed by [`ResourceId`].

/// Index of a resource in every resource vector of a run.
pub type ResourceId = usize;

/// CPU, in millicores.
pub const CPU: ResourceId = 0;
/// Memory, in bytes.
pub const MEMORY: ResourceId = 1;
/// Ephemeral storage, in bytes.
pub const EPHEMERAL_STORAGE: ResourceId = 2;
/// Pod count (allocatable `pods`; a pod requests 1 implicitly).
pub const PODS: ResourceId = 3;

/// Upstream default CPU request used for scoring when a container sets none (100m).
pub const DEFAULT_MILLI_CPU_REQUEST: i64 = 100;
/// Upstream default memory request used for scoring when a container sets none (200Mi).
pub const DEFAULT_MEMORY_REQUEST: i64 = 200 * 1024 * 1024;

/// The resources a run knows, numbered. The first four are always cpu, memory,
/// ephemeral-storage and pods.
#[derive(Clone, Debug)]
pub struct ResourceTable {
    names: Vec<String>,
}

impl Default for ResourceTable {
    fn default() -> Self {
        Self::new()
    }
}

impl ResourceTable {
    /// A table with the four built-in resources.
    pub fn new() -> Self {
        ResourceTable {
            names: ["cpu", "memory", "ephemeral-storage", "pods"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
        }
    }

    /// The id of `name`, adding it if new.
    pub fn intern(&mut self, name: &str) -> ResourceId {
        if let Some(i) = self.lookup(name) {
            return i;
        }
        self.names.push(name.to_owned());
        self.names.len() - 1
    }

    /// The id of `name`, if known.
    pub fn lookup(&self, name: &str) -> Option<ResourceId> {
        self.names.iter().position(|n| n == name)
    }

    /// The name of resource `id`.
    pub fn name(&self, id: ResourceId) -> &str {
        &self.names[id]
    }

    /// Number of resources (the stride of every resource vector).
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Always false: the built-ins are always present.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// True for scalar resources beyond cpu, memory, ephemeral-storage and pods
    /// (extended resources, hugepages), which the fit filter checks only when requested.
    pub fn is_scalar(&self, id: ResourceId) -> bool {
        id > PODS
    }

    /// True for extended resources as upstream defines them: a domain-prefixed name outside
    /// `kubernetes.io/` (e.g. `nvidia.com/gpu`). Only these honour `ignoredResources`.
    pub fn is_extended(&self, id: ResourceId) -> bool {
        let n = &self.names[id];
        id > PODS
            && n.contains('/')
            && !n.starts_with("kubernetes.io/")
            && !n.starts_with("requests.")
    }
}

/// A human-readable rendering of an amount of resource `id` (e.g. `1500m`, `2.0Gi`).
pub fn format_amount(id: ResourceId, amount: i64) -> String {
    match id {
        CPU => format!("{amount}m"),
        MEMORY | EPHEMERAL_STORAGE => {
            let gi = amount as f64 / (1u64 << 30) as f64;
            if gi.abs() >= 1.0 {
                format!("{gi:.1}Gi")
            } else {
                format!("{:.0}Mi", amount as f64 / (1u64 << 20) as f64)
            }
        }
        _ => amount.to_string(),
    }
}
