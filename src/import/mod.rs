//! Importers that write scenarios from what a cluster already has: a kubectl snapshot
//! ([`kubectl`]). Rendered manifests are read by `scenario::manifests` (a scenario can name
//! them directly); this module turns other inputs into the same scenario-format trees.

pub mod kubectl;
pub mod trace;
