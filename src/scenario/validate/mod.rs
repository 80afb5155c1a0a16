//! Semantic validation of a parsed scenario: the rules serde cannot express (references between
//! sections, uniqueness, ranges, Kubernetes name syntax). Every problem becomes a
//! [`Diagnostic`] naming the file and the field path; all are collected, in document order.

mod autoscaler;
mod cluster;
mod faults;
mod gpus;
mod hpa;
mod limits;
mod names;
mod placement;
mod pod;
mod scheduler;
mod services;
mod slo;
mod usage;
mod workloads;

use std::collections::{BTreeMap, HashMap};

use super::error::{Diagnostic, ScenarioError};
use super::path::{index, key};
use super::types::{ResourceList, ScenarioFile};
use super::valid::ValidScenario;

/// Largest number of nodes a scenario may declare.
pub const MAX_NODES: u64 = 1_000_000;
/// Largest `replicas` (or arrival `count`) of one workload.
pub const MAX_REPLICAS: u32 = 10_000_000;
/// Largest priority a user-defined class may have (upstream `HighestUserDefinablePriority`).
pub const MAX_USER_PRIORITY: i32 = 1_000_000_000;

pub(crate) use faults::warnings as fault_warnings;
pub use limits::{
    MAX_FAULT_OUTAGES, MAX_NODE_SAMPLES, MAX_PODS, MAX_SERIES_SAMPLES, MAX_WORKLOAD_SAMPLES,
};

/// Checks every cross-field rule; `origin` names the file in the diagnostics. The only way to
/// a [`ValidScenario`], the engine's input.
pub fn validate(scenario: ScenarioFile, origin: &str) -> Result<ValidScenario, ScenarioError> {
    let diagnostics = check(&scenario, origin);
    if diagnostics.is_empty() {
        Ok(ValidScenario::accepted(scenario))
    } else {
        Err(ScenarioError::Invalid(diagnostics))
    }
}

/// Every problem found in `scenario`, in document order (empty when it is valid).
pub fn check(scenario: &ScenarioFile, origin: &str) -> Vec<Diagnostic> {
    let mut c = Checker {
        origin,
        found: Vec::new(),
    };
    if scenario.name.is_empty()
        || scenario.name.contains(['/', '\\'])
        || scenario.name.starts_with('.')
    {
        c.error(
            "name",
            "must be non-empty, without '/' or '\\' and not starting with '.' \
             (it names the results directory)",
        );
    }
    check_simulation(&mut c, scenario);
    scheduler::check(&mut c, &scenario.scheduler);
    check_priority_classes(&mut c, scenario);
    let node_names = cluster::check(&mut c, &scenario.cluster);
    workloads::check(&mut c, scenario, &node_names);
    faults::check(&mut c, scenario, &node_names);
    slo::check(&mut c, scenario);
    usage::check(&mut c, scenario);
    autoscaler::check(&mut c, scenario);
    hpa::check(&mut c, scenario);
    services::check(&mut c, scenario);
    limits::check(&mut c, scenario);
    c.found
}

fn check_simulation(c: &mut Checker, scenario: &ScenarioFile) {
    let sim = &scenario.simulation;
    if sim.duration.is_zero() {
        c.error("simulation.duration", "must be positive");
    }
    if sim.metrics_interval.is_zero() {
        c.error("simulation.metricsInterval", "must be positive");
    } else if sim.metrics_interval > sim.duration && !sim.duration.is_zero() {
        c.error(
            "simulation.metricsInterval",
            format!(
                "{} is longer than simulation.duration ({})",
                sim.metrics_interval, sim.duration
            ),
        );
    }
    if let Some(every) = sim.node_sample_interval {
        if every > sim.duration && !sim.duration.is_zero() {
            c.error(
                "simulation.nodeSampleInterval",
                format!(
                    "{every} is longer than simulation.duration ({}); use 0 to turn node samples off",
                    sim.duration
                ),
            );
        }
    }
}

fn check_priority_classes(c: &mut Checker, scenario: &ScenarioFile) {
    let classes = &scenario.priority_classes;
    let mut default_at: Option<String> = None;
    for (i, class) in classes.iter().enumerate() {
        let at = index("priorityClasses", i);
        c.check(&key(&at, "name"), names::dns_subdomain(&class.name));
        if class.name.starts_with("system-") {
            c.error(
                key(&at, "name"),
                format!(
                    "{:?}: names starting with \"system-\" are reserved",
                    class.name
                ),
            );
        }
        if class.value > MAX_USER_PRIORITY {
            c.error(
                key(&at, "value"),
                format!(
                    "{} is above the largest user-definable priority {MAX_USER_PRIORITY}",
                    class.value
                ),
            );
        }
        if class.global_default {
            match &default_at {
                Some(first) => c.error(
                    key(&at, "globalDefault"),
                    format!("only one class may be the global default ({first} already is)"),
                ),
                None => default_at = Some(at.clone()),
            }
        }
    }
    c.unique(
        classes
            .iter()
            .enumerate()
            .map(|(i, p)| (key(&index("priorityClasses", i), "name"), p.name.as_str())),
        "priority class",
    );
}

/// Collects diagnostics for one scenario.
pub(super) struct Checker<'a> {
    origin: &'a str,
    found: Vec<Diagnostic>,
}

impl Checker<'_> {
    /// Records a problem at `path`.
    fn error(&mut self, path: impl Into<String>, message: impl AsRef<str>) {
        self.found.push(Diagnostic::new(self.origin, path, message));
    }

    /// Records `problem` at `path` if there is one.
    fn check(&mut self, path: &str, problem: Option<String>) {
        if let Some(problem) = problem {
            self.error(path, problem);
        }
    }

    /// Reports every repeated name after its first occurrence.
    fn unique<'n>(&mut self, items: impl IntoIterator<Item = (String, &'n str)>, what: &str) {
        let mut first: HashMap<&str, String> = HashMap::new();
        for (path, name) in items {
            match first.get(name) {
                Some(first_path) => self.error(
                    path,
                    format!("duplicate {what} name {name:?} (first at {first_path})"),
                ),
                None => {
                    first.insert(name, path);
                }
            }
        }
    }

    /// Label keys must be qualified names and values label values.
    fn labels(&mut self, path: &str, labels: &BTreeMap<String, String>) {
        for (k, v) in labels {
            let at = key(path, k);
            self.check(&at, names::qualified_name(k));
            self.check(&at, names::label_value(v));
        }
    }

    /// Resource names must be valid and quantities non-negative. For pod-level lists
    /// (`for_pods`), `pods` is not a resource a container can ask for.
    fn resources(&mut self, path: &str, list: &ResourceList, for_pods: bool) {
        for (name, q) in list {
            let at = key(path, name);
            self.check(&at, names::resource_name(name));
            if for_pods && name == "pods" {
                self.error(
                    &at,
                    "\"pods\" is a node resource; containers cannot request it",
                );
            }
            if q.is_negative() {
                self.error(&at, format!("must not be negative (got {q})"));
            }
        }
    }
}
