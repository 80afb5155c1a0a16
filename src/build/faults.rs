//! Scenario `faults`, `nodeLifecycle` and `pdbs` → engine fault definitions, lifecycle
//! settings and budgets ([`FaultSetup`]).

use super::convert::label_selector;
use super::workloads::duration_dist;
use crate::cluster::{NodeId, World};
use crate::engine::DurationDist;
use crate::faults::lifecycle::NodeLifecycleConfig;
use crate::faults::pdb::{self, Budget, UnhealthyPodEvictionPolicy};
use crate::faults::plan::{Fault, FaultKind, SpecInput};
use crate::faults::Target;
pub use crate::faults::{FaultSetup, NodeJoin, Pdb};
use crate::scenario::types::faults::{
    FaultSpec, FaultTarget, IntOrPercent as IntOrPercentSpec, NodeLifecycleSpec,
    OverloadFailureSpec, PdbSpec, UnhealthyPodEvictionPolicy as PolicySpec,
};
use crate::scenario::types::workload::DurationDistribution;
use crate::scenario::ScenarioFile;

/// Converts the fault sections of a validated scenario, interning selector strings in
/// `world` (nodes must already be added).
pub fn fault_setup(s: &ScenarioFile, world: &mut World) -> FaultSetup {
    fault_setup_with_joins(s, world, Vec::new())
}

/// [`fault_setup`] with the nodes that join later (from `nodes::add_nodes`): targets may name
/// them (by their planned ids, see [`FaultSetup::joins`]).
pub fn fault_setup_with_joins(
    s: &ScenarioFile,
    world: &mut World,
    joins: Vec<NodeJoin>,
) -> FaultSetup {
    FaultSetup {
        faults: s
            .faults
            .iter()
            .map(|f| fault_with(f, world, &joins))
            .collect(),
        lifecycle: lifecycle(s.node_lifecycle.as_ref()),
        pdbs: s.pdbs.iter().map(|p| pdb_of(p, world)).collect(),
        joins,
    }
}

/// Engine lifecycle settings (upstream defaults when the section is absent).
pub fn lifecycle(spec: Option<&NodeLifecycleSpec>) -> NodeLifecycleConfig {
    let default = NodeLifecycleSpec::default();
    let l = spec.unwrap_or(&default);
    // Overload failure is not upstream behaviour: off unless the section is given.
    let off = OverloadFailureSpec {
        enabled: false,
        ..OverloadFailureSpec::default()
    };
    let overload = l.overload_failure.as_ref().unwrap_or(&off);
    NodeLifecycleConfig {
        node_monitor_grace_period_ms: l.node_monitor_grace_period.as_millis(),
        node_monitor_period_ms: l.node_monitor_period.as_millis(),
        node_startup_grace_period_ms: l.node_startup_grace_period.as_millis(),
        node_eviction_rate: l.node_eviction_rate,
        secondary_node_eviction_rate: l.secondary_node_eviction_rate,
        large_cluster_size_threshold: l.large_cluster_size_threshold,
        unhealthy_zone_threshold: l.unhealthy_zone_threshold,
        default_toleration_seconds: u64::from(l.default_toleration_seconds),
        overload_failure_after_ms: overload
            .enabled
            .then(|| overload.memory_over_capacity_for.as_millis()),
        overload_repair_ms: Some(overload.recover_after.as_millis()).filter(|r| *r > 0),
    }
}

fn target(t: Option<&FaultTarget>, world: &mut World, joins: &[NodeJoin]) -> Target {
    let Some(t) = t else {
        return Target::default();
    };
    // A node that joins later has its planned id (after every node of the world).
    let node_id = |world: &World, name: &str| {
        world
            .nodes
            .name
            .iter()
            .chain(joins.iter().map(|j| &j.init.name))
            .position(|x| x == name)
            .map(|i| NodeId(i as u32))
    };
    Target {
        nodes: t
            .nodes
            .as_ref()
            .map(|ns| ns.iter().filter_map(|n| node_id(world, n)).collect()),
        pool: t.pool.as_ref().map(|p| index_of(&world.pools, p)),
        zone: t.zone.as_ref().map(|z| index_of(&world.zones, z)),
        rack: t.rack.as_ref().map(|r| world.interner.intern(r)),
        selector: t
            .selector
            .as_ref()
            .map(|s| label_selector(&mut world.interner, s)),
    }
}

/// One engine fault from a validated spec (no node joins later).
pub fn fault(f: &FaultSpec, world: &mut World) -> Fault {
    fault_with(f, world, &[])
}

/// The index of `name` in `names` (`u32::MAX`, matching nothing, if it is not there).
fn index_of(names: &[String], name: &str) -> u32 {
    names.iter().position(|x| x == name).unwrap_or(usize::MAX) as u32
}

/// What [`FaultKind::of_spec`] needs from the build: the world and the nodes that join later.
struct Input<'a> {
    world: &'a mut World,
    joins: &'a [NodeJoin],
}

impl SpecInput for Input<'_> {
    fn target(&mut self, t: Option<&FaultTarget>) -> Target {
        target(t, self.world, self.joins)
    }

    fn dist(&self, d: &DurationDistribution) -> DurationDist {
        duration_dist(d)
    }
}

/// One engine fault from a validated spec; what its kind does is decided in
/// `faults/plan.rs` ([`FaultKind::of_spec`]).
fn fault_with(f: &FaultSpec, world: &mut World, joins: &[NodeJoin]) -> Fault {
    Fault {
        name: f.name.clone(),
        label: f.kind.as_str(),
        kind: FaultKind::of_spec(f, &mut Input { world, joins }),
    }
}

fn int_or_percent(v: IntOrPercentSpec) -> pdb::IntOrPercent {
    let clamp = |x: i64| x.clamp(0, i64::from(u32::MAX)) as u32;
    match v {
        IntOrPercentSpec::Int(n) => pdb::IntOrPercent::Int(clamp(n)),
        IntOrPercentSpec::Percent(p) => pdb::IntOrPercent::Percent(clamp(p).min(100)),
    }
}

fn pdb_of(p: &PdbSpec, world: &mut World) -> Pdb {
    let budget = match (p.min_available, p.max_unavailable) {
        (Some(v), _) => Budget::MinAvailable(int_or_percent(v)),
        (None, Some(v)) => Budget::MaxUnavailable(int_or_percent(v)),
        (None, None) => Budget::MaxUnavailable(pdb::IntOrPercent::Int(0)),
    };
    Pdb {
        name: p.name.clone(),
        namespace: p.namespace.clone().unwrap_or_else(|| "default".into()),
        selector: label_selector(&mut world.interner, &p.selector),
        budget,
        unhealthy_policy: match p.unhealthy_pod_eviction_policy {
            Some(PolicySpec::AlwaysAllow) => UnhealthyPodEvictionPolicy::AlwaysAllow,
            _ => UnhealthyPodEvictionPolicy::IfHealthyBudget,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::{build, BuildOptions};
    use crate::engine::SimTime;
    use crate::faults::plan::{Action, DownKind};
    use crate::scenario::parse_scenario;

    const S: &str = r#"name: f
simulation: {duration: 2h, seed: 4}
cluster:
  zones: [a, b]
  nodePools:
    - {name: p, count: 8, racksPerZone: 2, capacity: {cpu: "4", memory: 16Gi}}
    - {name: q, count: 4, capacity: {cpu: "4", memory: 16Gi}}
faults:
  - {name: z, kind: zoneOutage, at: 10m, duration: 30m, target: {zone: b, pool: p}}
  - {name: r, kind: reboot, at: 5m, target: {nodes: [q-1]}}
  - {name: rf, kind: rackFailure, at: 20m, target: {rack: a-r1}}
  - {name: ra, kind: random, pool: q, mtbf: {distribution: exponential, mean: 30m}, mttr: 5m}
  - {name: u, kind: upgradeWave, at: 1h, target: {pool: q}, maxUnavailable: 2, drainTimeout: 5m, duration: 1m}
pdbs:
  - {name: web, selector: {matchLabels: {app: web}}, maxUnavailable: "25%"}
nodeLifecycle: {nodeMonitorGracePeriod: 40s, overloadFailure: {}}
"#;

    #[test]
    fn converts_and_plans_a_scenario() {
        let s = parse_scenario(S, "s.yaml").expect("valid");
        let mut world = build(&s, BuildOptions::default()).world;
        let setup = fault_setup(&s, &mut world);
        assert_eq!(setup.lifecycle.node_monitor_grace_period_ms, 40_000);
        assert_eq!(setup.lifecycle.overload_failure_after_ms, Some(60_000));
        assert_eq!(
            setup.pdbs[0].budget,
            Budget::MaxUnavailable(pdb::IntOrPercent::Percent(25))
        );
        let plan = setup.plan(&world, 4, 2 * SimTime::HOUR);
        assert_eq!(plan, setup.plan(&world, 4, 2 * SimTime::HOUR));
        let of = |f: u32| plan.steps.iter().filter(move |s| s.fault == f);
        let names = |nodes: &[NodeId]| {
            nodes
                .iter()
                .map(|n| world.nodes.name[n.ix()].clone())
                .collect::<Vec<_>>()
        };
        let zone: Vec<_> = of(0).collect();
        assert_eq!(zone.len(), 2);
        assert_eq!(names(&zone[0].nodes), ["p-1", "p-3", "p-5", "p-7"]);
        assert_eq!(zone[1].time, SimTime(40 * SimTime::MINUTE));
        let reboot: Vec<_> = of(1).collect();
        assert_eq!(names(&reboot[0].nodes), ["q-1"]);
        assert_eq!(reboot[1].action, Action::Up(DownKind::Crash));
        assert_eq!(reboot[1].time, SimTime(7 * SimTime::MINUTE));
        // Rack a-r1: the second and fourth nodes dealt to zone a (p-2, p-6).
        let rack: Vec<_> = of(2).collect();
        assert_eq!(names(&rack[0].nodes), ["p-2", "p-6"]);
        assert!(of(3).all(|s| world.nodes.pool[s.nodes[0].ix()] == 1));
        assert_eq!(
            of(4)
                .filter(|s| s.action == Action::Down(DownKind::Crash))
                .count(),
            2
        );
    }
}
