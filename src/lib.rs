//! clustersim: a deterministic discrete-event simulator of large Kubernetes clusters.
//!
//! The library does no I/O besides what `scenario::load` (reading one scenario file) and
//! `metrics::write` (writing a results directory) do on behalf of the CLI; the engine itself
//! (`engine`, `cluster`, `scheduler`, `controllers`) is pure and prints nothing.

pub mod autoscaler;
pub mod build;
pub mod cluster;
pub mod controllers;
pub mod engine;
pub mod faults;
pub mod import;
pub mod kubelet;
pub mod metrics;
pub mod report;
pub mod scenario;
pub mod scheduler;
pub mod services;
pub mod sim;
pub mod sweep;
