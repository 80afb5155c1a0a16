//! The fault set of `clustersim plan --n-plus zone|rack`: survive the loss of any one zone (or
//! rack) at the time of peak demand.
//!
//! Every case of the plan becomes one variant per failure domain, each adding one fault to the
//! scenario's own `faults:`, in the scenario format (see the README's faults section):
//!
//! ```yaml
//! - {name: n-plus-<zone>, kind: zoneOutage,  at: <--fault-at>, duration: <--fault-duration>, target: {zone: <zone>}}
//! - {name: n-plus-<rack>, kind: rackFailure, at: <--fault-at>, duration: <--fault-duration>, target: {rack: <rack>}}
//! ```
//!
//! Without `--fault-duration` the fault has no `duration`: the domain stays down to the end of
//! the run. A value passes only when every SLO holds in every variant (the plan's usual rule);
//! [`super::plan::Evaluation::worst`] picks the variant that came closest to failing, or
//! failed worst, for the evidence table.
//!
//! Failure domains are read from the scenario at `--max` (where the node pools are largest):
//! zones of `cluster.zones` that hold at least one node; racks as the build names them
//! (`<zone>-r<k>` for pools with `racksPerZone`, and explicit nodes' `rack`). Every rack must
//! also hold a node at `--min` (a fault cannot target an empty rack); a zone empty at a small
//! value is simply lost without effect.
//!
//! The default fault time is the time of peak pod demand: the first metrics sample at which
//! Pending + Running pods is largest, in one run of the plan's first case at `--max` with the
//! first seed and no added fault ([`peak_demand`]). One extra run, against the many of the
//! search, and it follows whatever shape the workloads' arrivals have.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde_json::{json, Value};

use super::error::SweepError;
use super::plan::{Case, PlanSpec};
use crate::metrics::RunResult;
use crate::scenario::types::cluster::Cluster;
use crate::scenario::{DurationMs, ScenarioFile};

/// The prefix of the added faults' names (`n-plus-<domain>`).
pub const FAULT_PREFIX: &str = "n-plus-";

/// What `--n-plus` loses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Domain {
    /// One zone (`zoneOutage`).
    Zone,
    /// One rack (`rackFailure`).
    Rack,
}

impl Domain {
    /// The fault kind that loses one domain.
    pub fn fault_kind(self) -> &'static str {
        match self {
            Domain::Zone => "zoneOutage",
            Domain::Rack => "rackFailure",
        }
    }
}

impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Domain::Zone => "zone",
            Domain::Rack => "rack",
        })
    }
}

impl FromStr for Domain {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "zone" => Ok(Domain::Zone),
            "rack" => Ok(Domain::Rack),
            other => Err(format!("expected zone or rack, got {other:?}")),
        }
    }
}

/// `--n-plus` with its timing.
#[derive(Clone, Debug, PartialEq)]
pub struct NPlus {
    /// What is lost.
    pub domain: Domain,
    /// When (simulated time).
    pub at: DurationMs,
    /// For how long; None: to the end of the run.
    pub duration: Option<DurationMs>,
}

impl NPlus {
    /// The fault that loses `name`, as a `faults:` entry.
    pub fn fault(&self, name: &str) -> Value {
        let target = match self.domain {
            Domain::Zone => json!({ "zone": name }),
            Domain::Rack => json!({ "rack": name }),
        };
        let mut f = json!({
            "name": format!("{FAULT_PREFIX}{name}"),
            "kind": self.domain.fault_kind(),
            "at": self.at.to_string(),
            "target": target,
        });
        if let Some(d) = self.duration {
            f["duration"] = Value::String(d.to_string());
        }
        f
    }

    /// Every case once per domain in `names` (cases outer, domains inner), each adding the fault
    /// that loses that domain; the variants of one case keep its group.
    pub fn cases(&self, cases: &[Case], names: &[String]) -> Vec<Case> {
        let mut out = Vec::with_capacity(cases.len() * names.len());
        for c in cases {
            for name in names {
                let fault = self.fault(name);
                let variant = format!("{FAULT_PREFIX}{name}");
                let label = if c.label == "base" {
                    variant.clone()
                } else {
                    format!("{}, {variant}", c.label)
                };
                let mut add_faults = c.add_faults.clone();
                add_faults.push(fault);
                out.push(Case {
                    label,
                    overrides: c.overrides.clone(),
                    add_faults,
                    group: c.group,
                    variant: Some(variant),
                });
            }
        }
        out
    }
}

/// The failure domains of `scenario` that hold at least one node, in a fixed order (zones in
/// `cluster.zones` order, racks sorted by name).
pub fn domains(scenario: &ScenarioFile, domain: Domain) -> Vec<String> {
    match domain {
        Domain::Zone => zones_with_nodes(&scenario.cluster),
        Domain::Rack => scenario.cluster.rack_names().into_iter().collect(),
    }
}

/// The zones of `cluster.zones` that hold a node (pools deal nodes round-robin over their
/// zones; an explicit node without a zone is in the first).
fn zones_with_nodes(cluster: &Cluster) -> Vec<String> {
    let mut used: BTreeSet<&str> = BTreeSet::new();
    for pool in &cluster.node_pools {
        let zones = pool.effective_zones(&cluster.zones);
        for z in zones.iter().take(pool.count as usize) {
            used.insert(z);
        }
    }
    for n in &cluster.nodes {
        if let Some(z) = n
            .zone
            .as_deref()
            .or(cluster.zones.first().map(String::as_str))
        {
            used.insert(z);
        }
    }
    cluster
        .zones
        .iter()
        .filter(|z| used.contains(z.as_str()))
        .cloned()
        .collect()
}

/// The failure domains `--n-plus` loses in turn: those of the plan's scenario (first case) at
/// `--max`. Errors when there are fewer than two (losing the only zone leaves no node, so no
/// value could pass) or when one holds no node at `--min`.
pub fn plan_domains(spec: &PlanSpec, domain: Domain) -> Result<Vec<String>, SweepError> {
    let at_max = domains(spec.scenario(spec.max, 0)?.file(), domain);
    let what = match domain {
        Domain::Zone => "zones",
        Domain::Rack => "racks",
    };
    if at_max.is_empty() {
        let hint = match domain {
            Domain::Zone => "list them under cluster.zones and spread the node pools over them",
            Domain::Rack => "set racksPerZone on a node pool, or rack on explicit nodes",
        };
        return Err(SweepError::Input(format!(
            "{}: --n-plus {domain}: the scenario has no {what} holding a node at --max {}; {hint}",
            spec.file, spec.max
        )));
    }
    if at_max.len() == 1 {
        return Err(SweepError::Input(format!(
            "{}: --n-plus {domain}: the scenario has one {domain} holding nodes ({}); losing it \
             leaves no node, so no value could pass",
            spec.file, at_max[0]
        )));
    }
    if domain == Domain::Rack {
        // A zone without nodes may be lost (nothing happens); a rack must hold a node.
        let at_min = domains(spec.scenario(spec.min, 0)?.file(), domain);
        let empty: Vec<&str> = at_max
            .iter()
            .filter(|d| !at_min.contains(d))
            .map(String::as_str)
            .collect();
        if !empty.is_empty() {
            let (noun, verb) = if empty.len() == 1 {
                ("rack", "holds")
            } else {
                ("racks", "hold")
            };
            return Err(SweepError::Input(format!(
                "{}: --n-plus rack: {noun} {} {verb} no node at --min {} ({} racks at --max {}); \
                 raise --min",
                spec.file,
                empty.join(", "),
                spec.min,
                at_max.len(),
                spec.max
            )));
        }
    }
    Ok(at_max)
}

/// When `--n-plus` loses a domain: `given`, or the time of peak pod demand in
/// [`PlanSpec::probe_run`]; with a note saying which. It must be before the end of the run.
pub fn fault_time(
    spec: &PlanSpec,
    given: Option<DurationMs>,
) -> Result<(DurationMs, String), SweepError> {
    let end = spec.scenario(spec.max, 0)?.simulation.duration;
    let (at, note) = match given {
        Some(at) => (at, "--fault-at".to_string()),
        None => {
            let run = spec.probe_run()?;
            let at = peak_demand(&run).ok_or_else(|| {
                SweepError::Input(format!(
                    "{}: --n-plus: the run has no metrics samples to find the peak of pod \
                     demand in; give --fault-at",
                    spec.file
                ))
            })?;
            let note = format!(
                "the peak of pod demand, Pending + Running, at --max {} with seed {}",
                spec.max, spec.seeds[0]
            );
            (at, note)
        }
    };
    if at >= end {
        return Err(SweepError::Input(format!(
            "{}: --n-plus: the fault would start at {at} ({note}), not before the end of the run \
             ({end}); give an earlier --fault-at",
            spec.file
        )));
    }
    Ok((at, note))
}

/// The simulated time of peak pod demand in `result`: the first metrics sample with the most
/// Pending + Running pods. None without samples.
pub fn peak_demand(result: &RunResult) -> Option<DurationMs> {
    let mut best: Option<(u64, u64)> = None;
    for s in &result.timeseries.rows {
        let demand = s.pods_pending + s.pods_running;
        if best.is_none_or(|(d, _)| demand > d) {
            best = Some((demand, s.time_ms));
        }
    }
    best.map(|(_, t)| DurationMs::from_millis(t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::parse_scenario;

    const SCENARIO: &str = r#"name: t
simulation: {duration: 1h, seed: 1}
cluster:
  zones: [a, b, c]
  nodePools:
    - {name: p, count: 8, racksPerZone: 2, capacity: {cpu: "4", memory: 16Gi}}
    - {name: q, count: 1, zones: [c], capacity: {cpu: "4", memory: 16Gi}}
  nodes:
    - {name: x, zone: b, rack: special, capacity: {cpu: "4", memory: 16Gi}}
"#;

    #[test]
    fn domains_are_the_zones_and_racks_holding_nodes() {
        let s = parse_scenario(SCENARIO, "t.yaml").unwrap();
        assert_eq!(domains(&s, Domain::Zone), ["a", "b", "c"]);
        // 8 nodes over 3 zones: a and b get 3, c gets 2; 2 racks per zone.
        assert_eq!(
            domains(&s, Domain::Rack),
            ["a-r0", "a-r1", "b-r0", "b-r1", "c-r0", "c-r1", "special"]
        );
        let small = parse_scenario(
            &SCENARIO
                .replace("count: 8", "count: 1")
                .replace("zones: [c]", "zones: [a]")
                .replace("zone: b,", "zone: a,"),
            "t.yaml",
        )
        .unwrap();
        assert_eq!(domains(&small, Domain::Zone), ["a"], "b and c hold no node");
        assert_eq!(domains(&small, Domain::Rack), ["a-r0", "special"]);
    }

    #[test]
    fn variants_add_one_fault_per_domain_to_each_case() {
        let n = NPlus {
            domain: Domain::Zone,
            at: DurationMs::from_secs(5400),
            duration: None,
        };
        assert_eq!(
            n.fault("a"),
            json!({"name": "n-plus-a", "kind": "zoneOutage", "at": "1h30m", "target": {"zone": "a"}})
        );
        let r = NPlus {
            domain: Domain::Rack,
            at: DurationMs::from_secs(60),
            duration: Some(DurationMs::from_secs(600)),
        };
        assert_eq!(
            r.fault("a-r1"),
            json!({"name": "n-plus-a-r1", "kind": "rackFailure", "at": "1m", "duration": "10m",
                   "target": {"rack": "a-r1"}})
        );
        let across = super::super::plan::cases_across(&["x=[1, 2]".parse().unwrap()]).unwrap();
        let cases = n.cases(&across, &["a".into(), "b".into()]);
        let labels: Vec<&str> = cases.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "x=1, n-plus-a",
                "x=1, n-plus-b",
                "x=2, n-plus-a",
                "x=2, n-plus-b"
            ]
        );
        assert_eq!(
            cases.iter().map(|c| c.group).collect::<Vec<_>>(),
            [0, 0, 1, 1]
        );
        assert_eq!(cases[3].variant.as_deref(), Some("n-plus-b"));
        assert_eq!(cases[3].add_faults, vec![n.fault("b")]);
        assert_eq!(cases[3].overrides, across[1].overrides);
        let base = super::super::plan::cases_across(&[]).unwrap();
        assert_eq!(n.cases(&base, &["a".into()])[0].label, "n-plus-a");
        assert_eq!("rack".parse::<Domain>(), Ok(Domain::Rack));
        assert!("node"
            .parse::<Domain>()
            .unwrap_err()
            .contains("zone or rack"));
    }
}
