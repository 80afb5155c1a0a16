//! Turns a validated scenario into everything a run needs ([`SimSetup`]): the cluster state,
//! engine pod templates, workloads and the resolved scheduler configuration.
//!
//! Architecture invariant: this is the only module that knows both the file format
//! (`scenario`) and the engine types. It does no I/O.

pub mod autoscaler;
mod convert;
pub mod describe;
pub mod faults;
mod gpus;
pub mod hpa;
pub mod nodes;
pub mod scheduler_config;
pub mod services;
pub mod templates;
mod topology;
pub mod usage;
pub mod workloads;

#[cfg(test)]
mod autoscaler_tests;
#[cfg(test)]
mod world_tests;

pub use describe::{describe, Description};

use crate::autoscaler::AutoscalerConfig;
use crate::cluster::{Interner, NodeId, World};
use crate::controllers::WorkloadSpec;
use crate::faults::FaultSetup;
use crate::kubelet::PressureConfig;
use crate::metrics::EventLogLevel;
use crate::scenario::{ScenarioFile, ValidScenario};
use crate::scheduler::SchedulerConfig;

/// Everything a run needs: what [`build`] produces from a scenario and
/// `sim::Simulation::new` consumes (defined here so that `build` does not depend on `sim`).
pub struct SimSetup {
    /// The cluster (nodes, templates; no pods yet).
    pub world: World,
    /// The workloads, indexed by `WorkloadId`.
    pub workloads: Vec<WorkloadSpec>,
    /// Scheduler configuration.
    pub scheduler: SchedulerConfig,
    /// Simulated duration, ms.
    pub duration_ms: u64,
    /// Time-series interval, ms (0 = only a final sample).
    pub metrics_interval_ms: u64,
    /// Per-node sample interval, ms (0 = no `node_samples.csv`); taken at metrics samples.
    pub node_sample_interval_ms: u64,
    /// Master seed.
    pub seed: u64,
    /// Which pod events go into the event log.
    pub event_log: EventLogLevel,
    /// The usage and node-pressure model (None: off, no usage events at all).
    pub pressure: Option<PressureConfig>,
    /// Faults, node lifecycle settings and PodDisruptionBudgets (None: no node lifecycle
    /// at all, for tests of other subsystems).
    pub faults: Option<FaultSetup>,
    /// The Cluster Autoscaler (None: off).
    pub autoscaler: Option<AutoscalerConfig>,
    /// Services (None: no `services:` section, no service tick at all).
    pub services: Option<crate::services::ServicesSetup>,
    /// HorizontalPodAutoscalers (empty: no HPA sync at all).
    pub hpas: Vec<crate::controllers::hpa::HpaSpec>,
}

/// Choices made on the command line rather than in the file.
#[derive(Clone, Copy, Debug)]
pub struct BuildOptions {
    /// Overrides `simulation.seed`.
    pub seed: Option<u64>,
    /// Which pod events go into `events.csv`.
    pub event_log: EventLogLevel,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            seed: None,
            event_log: EventLogLevel::All,
        }
    }
}

/// Builds the run described by `s` (validated: the type is only made by `scenario::validate`).
pub fn build(s: &ValidScenario, opts: BuildOptions) -> SimSetup {
    let s: &ScenarioFile = s;
    let mut world = World::new(Interner::new(), nodes::resource_table(s));
    let mut images = convert::ImageRegistry::default();
    let joins = nodes::add_nodes(&mut world, s, &mut images);
    let scheduler = scheduler_config::scheduler_config(&s.scheduler);
    let duration_ms = s.simulation.duration.as_millis();
    for w in &s.workloads {
        let name = w.template.scheduler_name();
        let profile = scheduler
            .profiles
            .iter()
            .position(|p| p.name == name)
            .unwrap_or(0) as u32;
        let tpl = templates::base_template(&mut world, s, w, profile, &mut images);
        world.templates.push(tpl);
    }
    gpus::finish(&mut world, &scheduler);
    let autoscaler = autoscaler::autoscaler_config(s, &mut world, &mut images);
    images.install(&mut world);
    topology::resolve(&mut world, s);
    // Node names are looked up by a scan, or through an index when `initialPlacement` names
    // many of them.
    let by_name: Option<std::collections::HashMap<&str, NodeId>> = s
        .workloads
        .iter()
        .any(|w| w.initial_placement.is_some())
        .then(|| {
            (world.nodes.name.iter().enumerate())
                .map(|(i, n)| (n.as_str(), NodeId(i as u32)))
                .collect()
        });
    let node_id = |name: &str| match &by_name {
        Some(ix) => ix.get(name).copied(),
        None => world
            .nodes
            .name
            .iter()
            .position(|n| n == name)
            .map(|i| NodeId(i as u32)),
    };
    let workloads = s
        .workloads
        .iter()
        .enumerate()
        .map(|(i, w)| workloads::workload_spec(w, i as u32, duration_ms, node_id))
        .collect();
    let pressure = usage::pressure_config(s, &world);
    let faults = Some(faults::fault_setup_with_joins(s, &mut world, joins));
    SimSetup {
        world,
        workloads,
        scheduler,
        duration_ms,
        metrics_interval_ms: s.simulation.metrics_interval.as_millis(),
        node_sample_interval_ms: s.simulation.node_sample_interval_ms(),
        seed: opts.seed.unwrap_or(s.simulation.seed),
        event_log: opts.event_log,
        pressure,
        faults,
        autoscaler,
        services: services::services_setup(s),
        hpas: hpa::hpa_specs(s),
    }
}
