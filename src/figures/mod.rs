//! The figures of a run and the thresholds they are judged by, defined once for every command
//! that reads them: `report` and `compare` (from a results directory), `sweep` and `plan` (from
//! runs in memory), and `run` (its exit code).
//!
//! - [`metric`]: every figure ([`Metric`]: name, label, unit, value) and inline thresholds.
//! - [`services`]: per-service figures (`service:<name>.<figure>`), SLOs and error budgets.
//! - [`slo`]: the SLOs of a scenario's `slo:` section, each a threshold on one figure.
//! - [`view`]: what a figure is computed from ([`RunView`]), implemented for a run in memory
//!   here and for a results directory read back by the report.
//! - [`doc`]: the generated `docs/output-format.md`.
//! - [`stats`]: the one Student-t implementation (sweep intervals, plan bounds, compare's
//!   paired differences).
//!
//! Layering: this module imports only `metrics` (the run's results) and `scenario` (the `slo:`
//! section); `report` and `sweep` both import it, and it imports neither.

pub mod doc;
pub mod metric;
pub mod services;
pub mod slo;
pub mod stats;
pub mod view;

pub use metric::{Metric, MetricUnit, Op, Threshold, DEFAULT_METRICS, METRIC_NAMES};
pub use slo::{parse_slo, slo_json, threshold_from_slo, thresholds, SLOS};
pub use view::{RunView, SummaryField};
