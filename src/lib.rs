//! clustersim: a deterministic discrete-event simulator of large Kubernetes clusters.
//!
//! The engine (`engine`, `cluster`, `scheduler`, `runtime`, `controllers`, `kubelet`, `faults`,
//! `autoscaler`, `services`, `sim`) is pure: it reads no file and prints nothing. File I/O is
//! confined to `scenario::load` (scenario and manifest files), `import` (kubectl snapshots),
//! `metrics::write`/`metrics::replace` (a results directory), `report` (reading results
//! directories, writing charts and documents) and `sweep` (sweep files, `sweep.csv`, shards);
//! see ARCHITECTURE.md, "Where I/O happens".

pub mod autoscaler;
pub mod build;
pub mod cluster;
pub mod controllers;
pub mod engine;
pub mod faults;
pub mod figures;
pub mod import;
pub mod kubelet;
pub mod metrics;
pub mod report;
pub mod results;
pub mod runtime;
pub mod scenario;
pub mod scheduler;
pub mod services;
pub mod sim;
pub mod sweep;
#[doc(hidden)]
pub mod testkit;
