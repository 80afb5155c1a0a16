//! Kubernetes manifests as scenario input: the multi-document YAML that `helm template`,
//! `kustomize build` or a GitOps repository holds, turned into scenario `workloads`,
//! `priorityClasses`, `pdbs` and `horizontalPodAutoscalers` (as scenario-format trees, which the scenario parser then
//! types and validates like hand-written ones).
//!
//! Kinds read: apps/v1 Deployment, ReplicaSet, StatefulSet, DaemonSet; batch/v1 Job and
//! CronJob; v1 Pod, Namespace, LimitRange and List; policy/v1 PodDisruptionBudget;
//! scheduling.k8s.io/v1 PriorityClass; autoscaling/v2 HorizontalPodAutoscaler. Other kinds are counted and skipped with one warning;
//! a known kind under another apiVersion is an error naming the accepted one. Fields the
//! simulator does not model are dropped and listed once per kind ([`schema`]).
//!
//! Admission as the API server applies it: LimitRange defaults for containers without
//! requests or limits (LimitRanger), a request defaulted from its limit, and refusal of
//! requests above limits or negative quantities.

pub mod cron;
mod objects;
pub mod schema;

use std::collections::BTreeMap;

use serde_json::Value;

pub use objects::import;

/// One input file: its name (for messages) and text.
#[derive(Debug, Clone)]
pub struct ManifestFile {
    /// Path or name, as messages should show it.
    pub origin: String,
    /// The file's text (one or more YAML documents).
    pub text: String,
}

/// What the manifests do not say and the scenario must.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Simulated duration, ms (CronJob schedules are expanded over it).
    pub duration_ms: u64,
    /// Run time of Jobs without an overlay (a scenario `duration`, e.g. `"10m"`).
    pub job_duration: Option<Value>,
    /// Per object (`namespace/name`): scenario fields to add, such as `usage` or `duration`.
    pub overlays: BTreeMap<String, Value>,
}

/// The scenario parts the manifests describe.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Imported {
    /// Scenario `workloads[]` entries.
    pub workloads: Vec<Value>,
    /// Scenario `priorityClasses[]` entries.
    pub priority_classes: Vec<Value>,
    /// Scenario `pdbs[]` entries.
    pub pdbs: Vec<Value>,
    /// Scenario `horizontalPodAutoscalers[]` entries.
    pub hpas: Vec<Value>,
    /// One line each: ignored fields per kind, skipped kinds, approximations.
    pub warnings: Vec<String>,
}

/// A manifest the importer refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}: {object}: {field}: {message}")]
pub struct ImportError {
    /// The file.
    pub origin: String,
    /// `Kind namespace/name`, or `document N` before the object is known.
    pub object: String,
    /// Field path within the object.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl Imported {
    /// Appends the imported parts to a scenario tree's `workloads`, `priorityClasses` and
    /// `pdbs` (creating the lists where missing).
    pub fn merge_into(&self, scenario: &mut Value) {
        let Value::Object(map) = scenario else {
            return;
        };
        for (field, items) in [
            ("workloads", &self.workloads),
            ("priorityClasses", &self.priority_classes),
            ("pdbs", &self.pdbs),
            ("horizontalPodAutoscalers", &self.hpas),
        ] {
            if items.is_empty() {
                continue;
            }
            let list = map.entry(field).or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(list) = list {
                list.extend(items.iter().cloned());
            }
        }
    }
}

#[cfg(test)]
mod tests;
