//! Workload controllers (Deployment, StatefulSet, DaemonSet, Job, bare Pod).
//!
//! Architecture invariant: controllers decide which pods should exist; they never place pods
//! (that is the scheduler's job) and never read files.

pub mod workload;

pub use workload::{Arrivals, DurationDist, WorkloadKind, WorkloadSpec};
