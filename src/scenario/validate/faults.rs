//! Validation of `faults`, `nodeLifecycle` and `pdbs`: which fields apply to which fault kind,
//! references to pools, zones, racks and nodes, fractions and percentages in range. Faults
//! that start after the end of the run are legal and only warned about ([`warnings`]).

use std::collections::BTreeSet;

use super::cluster::NodeNames;
use super::names;
use super::{index, key, Checker};
use crate::scenario::duration::DurationMs;
use crate::scenario::types::cluster::Cluster;
use crate::scenario::types::faults::{
    has_joins, joins_of, FaultKind, FaultSpec, FaultTarget, IntOrPercent, JoinSource, NodePlace,
    PdbSpec,
};
use crate::scenario::types::workload::{DurationDistribution, LogNormalSpread};
use crate::scenario::types::ScenarioFile;

/// Shortest typical time between failures a `random` fault may ask for: anything shorter
/// is almost certainly a unit typo and would flood the event queue.
pub const MIN_MTBF: DurationMs = DurationMs::from_secs(60);

pub(super) fn check(c: &mut Checker, scenario: &ScenarioFile, node_names: &NodeNames) {
    let racks = scenario.cluster.rack_names();
    for (i, fault) in scenario.faults.iter().enumerate() {
        check_fault(
            c,
            &index("faults", i),
            fault,
            &scenario.cluster,
            &racks,
            node_names,
        );
    }
    c.unique(
        scenario
            .faults
            .iter()
            .enumerate()
            .map(|(i, f)| (key(&index("faults", i), "name"), f.name.as_str())),
        "fault",
    );
    // Beyond the node limit (reported by `limits`) the nodes are not enumerated.
    if has_joins(scenario) && scenario.cluster.node_count() <= super::MAX_NODES {
        check_joins(c, scenario);
    }
    if let Some(lifecycle) = &scenario.node_lifecycle {
        let at = "nodeLifecycle";
        for (field, d) in [
            (
                "nodeMonitorGracePeriod",
                lifecycle.node_monitor_grace_period,
            ),
            ("nodeMonitorPeriod", lifecycle.node_monitor_period),
        ] {
            if d.is_zero() {
                c.error(key(at, field), "must be positive");
            }
        }
        for (field, rate) in [
            ("nodeEvictionRate", lifecycle.node_eviction_rate),
            (
                "secondaryNodeEvictionRate",
                lifecycle.secondary_node_eviction_rate,
            ),
        ] {
            if !(rate.is_finite() && rate >= 0.0) {
                c.error(
                    key(at, field),
                    format!("{rate} is not a non-negative number of nodes per second"),
                );
            }
        }
        let t = lifecycle.unhealthy_zone_threshold;
        if !(t > 0.0 && t <= 1.0) {
            c.error(
                key(at, "unhealthyZoneThreshold"),
                format!("{t} is not a fraction in (0, 1]"),
            );
        }
        if let Some(o) = &lifecycle.overload_failure {
            if o.memory_over_capacity_for.is_zero() {
                c.error(
                    key(&key(at, "overloadFailure"), "memoryOverCapacityFor"),
                    "must be positive",
                );
            }
        }
    }
    for (i, pdb) in scenario.pdbs.iter().enumerate() {
        check_pdb(c, &index("pdbs", i), pdb);
    }
    let qualified: Vec<(String, String)> = scenario
        .pdbs
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let ns = p.namespace.as_deref().unwrap_or("default");
            (key(&index("pdbs", i), "name"), format!("{ns}/{}", p.name))
        })
        .collect();
    c.unique(
        qualified.iter().map(|(path, n)| (path.clone(), n.as_str())),
        "PodDisruptionBudget",
    );
}

fn present_fields(f: &FaultSpec) -> Vec<&'static str> {
    [
        ("at", f.at.is_some()),
        ("duration", f.duration.is_some()),
        ("target", f.target.is_some()),
        ("count", f.count.is_some()),
        ("fraction", f.fraction.is_some()),
        ("maxUnavailable", f.max_unavailable.is_some()),
        ("surge", f.surge.is_some()),
        ("drainTimeout", f.drain_timeout.is_some()),
        ("pool", f.pool.is_some()),
        ("mtbf", f.mtbf.is_some()),
        ("mttr", f.mttr.is_some()),
        ("scope", f.scope.is_some()),
        ("rate", f.rate.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, set)| set.then_some(name))
    .collect()
}

fn check_fault(
    c: &mut Checker,
    at: &str,
    f: &FaultSpec,
    cluster: &Cluster,
    racks: &BTreeSet<String>,
    node_names: &NodeNames,
) {
    c.check(&key(at, "name"), names::dns_subdomain(&f.name));
    let info = f.kind.info();
    for field in present_fields(f) {
        if !info.fields.contains(&field) {
            c.error(
                key(at, field),
                format!(
                    "does not apply to a {} fault (fields: {})",
                    f.kind,
                    info.fields.join(", ")
                ),
            );
        }
    }
    for &field in info.required {
        if !present_fields(f).contains(&field) {
            c.error(
                key(at, field),
                format!("missing: a {} fault needs `{field}`", f.kind),
            );
        }
    }
    if f.count.is_some() && f.fraction.is_some() && f.kind != FaultKind::Correlated {
        c.error(
            key(at, "fraction"),
            "give either count or fraction, not both",
        );
    }
    if f.count == Some(0) {
        c.error(key(at, "count"), "must be at least 1");
    }
    if let Some(fr) = f.fraction {
        if !(fr > 0.0 && fr <= 1.0) {
            c.error(
                key(at, "fraction"),
                format!("{fr} is not a fraction in (0, 1]"),
            );
        }
    }
    if f.duration.is_some_and(DurationMs::is_zero) {
        c.error(key(at, "duration"), "must be positive");
    }
    if f.kind == FaultKind::UpgradeWave && f.max_unavailable == Some(0) && f.surge.unwrap_or(0) == 0
    {
        c.error(
            key(at, "maxUnavailable"),
            "maxUnavailable and surge must not both be 0",
        );
    }
    if let Some(pool) = &f.pool {
        if !cluster.node_pools.iter().any(|p| &p.name == pool) {
            c.error(key(at, "pool"), unknown_pool(pool, cluster));
        }
    }
    if let Some(mtbf) = &f.mtbf {
        if typical(mtbf) < MIN_MTBF {
            c.error(
                key(at, "mtbf"),
                format!(
                    "{} is shorter than {MIN_MTBF}; write a duration with a unit such as \"30d\"",
                    typical(mtbf)
                ),
            );
        }
    }
    if let Some(mttr) = &f.mttr {
        if typical(mttr).is_zero() {
            c.error(key(at, "mttr"), "must be positive");
        }
    }
    if let Some(target) = &f.target {
        let tat = key(at, "target");
        if target.is_empty() {
            c.error(
                &tat,
                "give at least one of nodes, pool, zone, rack, selector",
            );
        }
        if let Some(nodes) = &target.nodes {
            if nodes.is_empty() {
                c.error(key(&tat, "nodes"), "must not be empty");
            }
            for (j, n) in nodes.iter().enumerate() {
                if !node_names.contains(n) {
                    c.error(
                        index(&key(&tat, "nodes"), j),
                        format!("node {n:?} is not in the cluster"),
                    );
                }
            }
        }
        if let Some(pool) = &target.pool {
            if !cluster.node_pools.iter().any(|p| &p.name == pool) {
                c.error(key(&tat, "pool"), unknown_pool(pool, cluster));
            }
        }
        if let Some(zone) = &target.zone {
            if !cluster.zones.iter().any(|z| z == zone) {
                c.error(
                    key(&tat, "zone"),
                    format!(
                        "zone {zone:?} is not in cluster.zones [{}]",
                        cluster.zones.join(", ")
                    ),
                );
            }
        }
        if let Some(rack) = &target.rack {
            if !racks.contains(rack) {
                let known: Vec<&str> = racks.iter().take(5).map(String::as_str).collect();
                let more = if racks.len() > 5 { ", ..." } else { "" };
                c.error(
                    key(&tat, "rack"),
                    format!(
                        "rack {rack:?} holds no node (racks: [{}{more}]; pools name racks \
                         <zone>-r<k> when racksPerZone is set)",
                        known.join(", ")
                    ),
                );
            }
        }
        if let Some(sel) = &target.selector {
            super::pod::label_selector(c, &key(&tat, "selector"), sel);
        }
        if let Some(need) = info.target_needs {
            if !target_fields(target).contains(&need) {
                c.error(
                    key(&tat, need),
                    format!("missing: a {} fault needs target.{need}", f.kind),
                );
            }
        }
        if let Some(accepted) = info.target_fields {
            for field in target_fields(target) {
                if !accepted.contains(&field) {
                    c.error(
                        key(&tat, field),
                        format!(
                            "does not apply to a {} fault's target (give: {})",
                            f.kind,
                            accepted.join(", ")
                        ),
                    );
                }
            }
        }
    }
}

/// Every node of the cluster as join targets see it (pools dealt as `build` deals them).
fn node_places(cluster: &Cluster) -> Vec<(String, Option<&str>, &str, Option<String>)> {
    let mut out = Vec::new();
    for pool in &cluster.node_pools {
        let zones = pool.effective_zones(&cluster.zones);
        if zones.is_empty() {
            continue;
        }
        let mut per_zone = vec![0u32; zones.len()];
        for i in 0..pool.count {
            let zi = i as usize % zones.len();
            let k = per_zone[zi];
            per_zone[zi] += 1;
            let zone = zones[zi].as_str();
            let rack = pool
                .racks_per_zone
                .filter(|r| *r > 0)
                .map(|r| format!("{zone}-r{}", k % r));
            out.push((pool.node_name(i), Some(pool.name.as_str()), zone, rack));
        }
    }
    for n in &cluster.nodes {
        let zone = n
            .zone
            .as_deref()
            .or(cluster.zones.first().map(String::as_str))
            .unwrap_or("");
        out.push((n.name.clone(), None, zone, n.rack.clone()));
    }
    out
}

fn join_path(src: JoinSource) -> String {
    match src {
        JoinSource::Pool(i) => key(&index("cluster.nodePools", i), "joinAt"),
        JoinSource::Fault(i) => key(&index("faults", i), "at"),
    }
}

/// Joins: a node joins at most once; a `nodeRemove` does not come before the join of a node
/// its target names. One error per offending fault.
fn check_joins(c: &mut Checker, s: &ScenarioFile) {
    let places = node_places(&s.cluster);
    let mut reported = BTreeSet::new();
    for (name, pool, zone, rack) in &places {
        let place = NodePlace {
            name,
            pool: *pool,
            zone,
            rack: rack.as_deref(),
        };
        let mut joins = joins_of(s, &place);
        let Some((first_at, first)) = joins.next() else {
            continue;
        };
        for (_, again) in joins {
            if let JoinSource::Fault(i) = again {
                if reported.insert(i) {
                    c.error(
                        key(&index("faults", i), "target"),
                        format!(
                            "node {name:?} already joins at {first_at} ({}); a node joins once",
                            join_path(first)
                        ),
                    );
                }
            }
        }
        for (i, f) in s.faults.iter().enumerate() {
            let at = f.at.unwrap_or_default();
            let names = f.target.as_ref().is_some_and(|t| t.names(&place));
            if f.kind == FaultKind::NodeRemove && names && at < first_at && reported.insert(i) {
                c.error(
                    key(&index("faults", i), "at"),
                    format!(
                        "{at} is before node {name:?} joins ({first_at}, {}); a node cannot be \
                         removed before it joins",
                        join_path(first)
                    ),
                );
            }
        }
    }
}

/// The criteria a target gives.
fn target_fields(t: &FaultTarget) -> Vec<&'static str> {
    [
        ("nodes", t.nodes.is_some()),
        ("pool", t.pool.is_some()),
        ("zone", t.zone.is_some()),
        ("rack", t.rack.is_some()),
        ("selector", t.selector.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, set)| set.then_some(name))
    .collect()
}

fn unknown_pool(pool: &str, cluster: &Cluster) -> String {
    let pools: Vec<&str> = cluster.node_pools.iter().map(|p| p.name.as_str()).collect();
    format!(
        "pool {pool:?} is not in cluster.nodePools [{}]",
        pools.join(", ")
    )
}

/// A representative size of a distribution (its scale), to catch unit typos.
pub(super) fn typical(d: &DurationDistribution) -> DurationMs {
    match d {
        DurationDistribution::Constant { value } => *value,
        DurationDistribution::Uniform { max, .. } => *max,
        DurationDistribution::Exponential { mean } | DurationDistribution::Normal { mean, .. } => {
            *mean
        }
        DurationDistribution::LogNormal { median, spread } => match spread {
            LogNormalSpread::P99(_) | LogNormalSpread::Sigma(_) => *median,
        },
        DurationDistribution::Weibull { scale, .. } => *scale,
    }
}

fn check_pdb(c: &mut Checker, at: &str, pdb: &PdbSpec) {
    c.check(&key(at, "name"), names::dns_subdomain(&pdb.name));
    if let Some(ns) = &pdb.namespace {
        c.check(&key(at, "namespace"), names::dns_label(ns));
    }
    super::pod::label_selector(c, &key(at, "selector"), &pdb.selector);
    match (pdb.min_available, pdb.max_unavailable) {
        (Some(_), Some(_)) => c.error(
            key(at, "maxUnavailable"),
            "give either minAvailable or maxUnavailable, not both",
        ),
        (None, None) => c.error(at, "missing: give minAvailable or maxUnavailable"),
        _ => {}
    }
    for (field, v) in [
        ("minAvailable", pdb.min_available),
        ("maxUnavailable", pdb.max_unavailable),
    ] {
        match v {
            Some(IntOrPercent::Int(n)) if n < 0 => {
                c.error(key(at, field), format!("must not be negative (got {n})"))
            }
            Some(IntOrPercent::Int(n)) if n > i64::from(i32::MAX) => {
                c.error(key(at, field), format!("{n} is too large"))
            }
            Some(IntOrPercent::Percent(p)) if !(0..=100).contains(&p) => c.error(
                key(at, field),
                format!("{p}% is not a percentage between 0% and 100%"),
            ),
            _ => {}
        }
    }
}

/// Notes on valid fault sections, each `<field path>: <message>`.
pub(crate) fn warnings(scenario: &ScenarioFile) -> Vec<String> {
    let end = scenario.simulation.duration;
    let mut notes = Vec::new();
    for (i, p) in scenario.cluster.node_pools.iter().enumerate() {
        if let Some(t) = p.join_at.filter(|t| *t >= end) {
            notes.push(format!(
                "{}: {t} is not before the end of the simulation ({end}); the nodes of pool {:?} \
                 never join",
                key(&index("cluster.nodePools", i), "joinAt"),
                p.name
            ));
        }
    }
    for (i, f) in scenario.faults.iter().enumerate() {
        if let Some(t) = f.at.filter(|t| *t >= end) {
            notes.push(format!(
                "{}: {t} is not before the end of the simulation ({end}); fault {:?} never happens",
                key(&index("faults", i), "at"),
                f.name
            ));
        }
    }
    notes
}

#[cfg(test)]
mod tests {
    use crate::scenario::parse_scenario;

    const BASE: &str = r#"name: f
simulation: {duration: 1h}
cluster:
  zones: [a, b]
  nodePools:
    - {name: p, count: 6, racksPerZone: 2, capacity: {cpu: "4", memory: 16Gi}}
"#;

    fn first_error(extra: &str) -> String {
        let text = format!("{BASE}{extra}");
        match parse_scenario(&text, "s.yaml") {
            Ok(_) => String::new(),
            Err(e) => e.diagnostics()[0].to_string(),
        }
    }

    #[test]
    fn accepts_every_kind() {
        let faults = r#"faults:
  - {name: c, kind: nodeCrash, at: 5m, duration: 10m, target: {pool: p}, count: 2}
  - {name: r, kind: reboot, at: 5m, target: {nodes: [p-0]}}
  - {name: k, kind: kubeletStop, at: 5m, target: {zone: a}, fraction: 0.5}
  - {name: n, kind: partition, at: 5m, target: {selector: {matchLabels: {topology.kubernetes.io/zone: b}}}}
  - {name: rf, kind: rackFailure, at: 5m, target: {rack: a-r1}}
  - {name: z, kind: zoneOutage, at: 5m, duration: 30m, target: {zone: b}}
  - {name: d, kind: drain, at: 5m, drainTimeout: 10m, target: {nodes: [p-1]}}
  - {name: co, kind: cordon, at: 5m, target: {pool: p}}
  - {name: u, kind: upgradeWave, at: 5m, maxUnavailable: 2, surge: 1, drainTimeout: 5m, target: {pool: p}}
  - {name: ra, kind: random, pool: p, mtbf: {distribution: weibull, shape: 1.5, scale: 30d}, mttr: {distribution: lognormal, median: 10m, sigma: 0.5}}
  - {name: cr, kind: correlated, scope: rack, rate: 1/d, fraction: 0.3, mttr: {distribution: exponential, mean: 1h}}
nodeLifecycle: {overloadFailure: {enabled: true, memoryOverCapacityFor: 60s}}
pdbs:
  - {name: web, selector: {matchLabels: {app: web}}, maxUnavailable: "25%"}
  - {name: db, selector: {matchLabels: {app: db}}, minAvailable: 2, unhealthyPodEvictionPolicy: AlwaysAllow}
"#;
        assert_eq!(first_error(faults), "");
    }

    #[test]
    fn errors_name_the_field() {
        for (extra, want) in [
            (
                "faults: [{name: c, kind: nodeCrash, at: 5m, target: {pool: q}}]",
                "faults[0].target.pool: pool \"q\"",
            ),
            (
                "faults: [{name: c, kind: nodeCrash, at: 5m, target: {zone: c}}]",
                "faults[0].target.zone: zone \"c\"",
            ),
            (
                "faults: [{name: c, kind: nodeCrash, at: 5m, target: {nodes: [p-6]}}]",
                "faults[0].target.nodes[0]: node \"p-6\"",
            ),
            (
                "faults: [{name: c, kind: rackFailure, at: 5m, target: {rack: a-r2}}]",
                "faults[0].target.rack: rack \"a-r2\"",
            ),
            (
                "faults: [{name: c, kind: nodeCrash, target: {pool: p}}]",
                "faults[0].at: missing",
            ),
            (
                "faults: [{name: c, kind: nodeCrash, at: 5m, target: {pool: p}, mtbf: 1d}]",
                "faults[0].mtbf: does not apply to a nodeCrash fault",
            ),
            (
                "faults: [{name: c, kind: nodeCrash, at: 5m, target: {pool: p}, count: 1, fraction: 0.5}]",
                "faults[0].fraction: give either",
            ),
            (
                "faults: [{name: c, kind: random, pool: p, mtbf: 10s, mttr: 1m}]",
                "faults[0].mtbf:",
            ),
            (
                "faults: [{name: c, kind: nodeCrash, at: -5m, target: {pool: p}}]",
                "faults[0].at:",
            ),
            (
                "faults: [{name: c, kind: nodeCrash, at: 5m, target: {}}]",
                "faults[0].target: give at least one",
            ),
            (
                "pdbs: [{name: w, selector: {}, minAvailable: 1, maxUnavailable: 1}]",
                "pdbs[0].maxUnavailable: give either",
            ),
            (
                "pdbs: [{name: w, selector: {}, maxUnavailable: \"120%\"}]",
                "pdbs[0].maxUnavailable: 120%",
            ),
            (
                "nodeLifecycle: {unhealthyZoneThreshold: 1.5}",
                "nodeLifecycle.unhealthyZoneThreshold:",
            ),
            // Selectors are checked as pod selectors are (one shared check): label values too.
            (
                "faults: [{name: c, kind: nodeCrash, at: 5m, target: {selector: {matchExpressions: [{key: tier, operator: In, values: [\"bad value!\"]}]}}}]",
                "faults[0].target.selector.matchExpressions[0].values[0]:",
            ),
            (
                "pdbs: [{name: w, selector: {matchExpressions: [{key: app, operator: Exists, values: [a]}]}, minAvailable: 1}]",
                "pdbs[0].selector.matchExpressions[0].values: must be empty for Exists and DoesNotExist",
            ),
        ] {
            let got = first_error(extra);
            assert!(got.starts_with("s.yaml: "), "{extra}: {got}");
            assert!(got.contains(want), "{extra}: got {got:?}, want {want:?}");
        }
    }

    #[test]
    fn joins_and_removals() {
        let ok = "faults:\n  - {name: j, kind: nodeJoin, at: 10m, target: {nodes: [p-5]}}\n  - {name: r, kind: nodeRemove, at: 10m, target: {zone: b}, count: 1}\n";
        assert_eq!(first_error(ok), "");
        for (extra, want) in [
            (
                "faults: [{name: j, kind: nodeJoin, at: 10m, target: {nodes: [p-5]}}, {name: r, kind: nodeRemove, at: 5m, target: {nodes: [p-5]}}]",
                "faults[1].at: 5m is before node \"p-5\" joins (10m, faults[0].at)",
            ),
            (
                "faults: [{name: j, kind: nodeJoin, at: 10m, target: {selector: {matchLabels: {a: b}}}}]",
                "faults[0].target.selector: does not apply to a nodeJoin fault's target",
            ),
            (
                "faults: [{name: j, kind: nodeJoin, at: 10m, target: {pool: p}, count: 1}]",
                "faults[0].count: does not apply to a nodeJoin fault",
            ),
            (
                "faults: [{name: j, kind: nodeJoin, at: 10m, target: {zone: a}}, {name: k, kind: nodeJoin, at: 20m, target: {pool: p}}]",
                "faults[1].target: node \"p-0\" already joins at 10m (faults[0].at)",
            ),
            (
                "faults: [{name: r, kind: nodeRemove, at: 10m, duration: 5m, target: {pool: p}}]",
                "faults[0].duration: does not apply to a nodeRemove fault",
            ),
        ] {
            let got = first_error(extra);
            assert!(got.contains(want), "{extra}: got {got:?}, want {want:?}");
        }
    }

    #[test]
    fn pool_join_after_the_end_is_a_warning_and_removal_before_it_an_error() {
        let pool = "    - {name: q, count: 2, joinAt: 30m, capacity: {cpu: \"4\", memory: 16Gi}}\n";
        let text = format!(
            "{BASE}{pool}faults: [{{name: r, kind: nodeRemove, at: 20m, target: {{pool: q}}}}]\n"
        );
        let err = match parse_scenario(&text, "s.yaml") {
            Ok(_) => String::new(),
            Err(e) => e.diagnostics()[0].to_string(),
        };
        assert!(
            err.contains(
                "faults[0].at: 20m is before node \"q-0\" joins (30m, cluster.nodePools[1].joinAt)"
            ),
            "{err}"
        );
        let late = pool.replace("30m", "2h");
        let s = parse_scenario(&format!("{BASE}{late}"), "s.yaml").expect("valid");
        let notes = crate::scenario::warnings(&s);
        assert!(
            notes
                .iter()
                .any(|n| n.starts_with("cluster.nodePools[1].joinAt: 2h")),
            "{notes:?}"
        );
    }

    #[test]
    fn late_fault_is_a_warning_not_an_error() {
        let text =
            format!("{BASE}faults: [{{name: late, kind: cordon, at: 2h, target: {{pool: p}}}}]\n");
        let s = parse_scenario(&text, "s.yaml").expect("valid");
        let notes = crate::scenario::warnings(&s);
        assert!(
            notes.iter().any(|n| n.starts_with("faults[0].at:")),
            "{notes:?}"
        );
    }
}
