//! `faults`, `nodeLifecycle` and `pdbs`: failure injection, the node lifecycle controller's
//! settings and PodDisruptionBudgets.
//!
//! A fault is one flat mapping with a `kind`; which of the other fields apply depends on the
//! kind, and `validate` says so with the field path (serde only rejects unknown fields). This
//! keeps every error pointing at the offending field instead of at the whole fault.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

use super::affinity::LabelSelector;
use super::non_negative::optional_non_negative;
use super::workload::DurationDistribution;
use crate::scenario::duration::DurationMs;
use crate::scenario::rate::Rate;

/// How long a `reboot` keeps the node down when `duration` is not given.
pub const DEFAULT_REBOOT_DURATION: DurationMs = DurationMs::from_secs(120);
/// How long one node of an `upgradeWave` is down for its upgrade when `duration` is not given.
pub const DEFAULT_UPGRADE_NODE_DOWNTIME: DurationMs = DurationMs::from_secs(120);
/// How long an `upgradeWave` waits for a batch's drain (GKE's PDB timeout is one hour).
pub const DEFAULT_DRAIN_TIMEOUT: DurationMs = DurationMs::from_secs(3600);

/// `faults[]`: one fault (scheduled, random or correlated).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FaultSpec {
    /// Unique name; names the fault's random stream (`faults/<name>`) and its cascades.
    pub name: String,
    /// What happens.
    pub kind: FaultKind,
    /// When it happens (scheduled kinds, required); start of the process (random and
    /// correlated, default 0).
    #[serde(default)]
    pub at: Option<DurationMs>,
    /// Recovery after this long (scheduled kinds; absent = no recovery, except `reboot`,
    /// default [`DEFAULT_REBOOT_DURATION`]). For `upgradeWave`: downtime of each node.
    #[serde(default)]
    pub duration: Option<DurationMs>,
    /// Which nodes (scheduled kinds and `upgradeWave`).
    #[serde(default)]
    pub target: Option<FaultTarget>,
    /// Pick this many of the target's nodes at random (seeded).
    #[serde(default, deserialize_with = "optional_non_negative")]
    pub count: Option<u32>,
    /// Pick this fraction (0 < f ≤ 1, rounded up) of the target's nodes at random; for
    /// `correlated`: the fraction of the failing rack or zone (default 1).
    #[serde(default)]
    pub fraction: Option<f64>,
    /// `upgradeWave`: nodes upgraded at once beyond the surge (default 1).
    #[serde(default, deserialize_with = "optional_non_negative")]
    pub max_unavailable: Option<u32>,
    /// `upgradeWave`: extra nodes added while a batch upgrades (default 0).
    #[serde(default, deserialize_with = "optional_non_negative")]
    pub surge: Option<u32>,
    /// `upgradeWave` and `drain`: how long to wait for evictions blocked by PDBs
    /// (upgradeWave default [`DEFAULT_DRAIN_TIMEOUT`]; drain default: forever).
    #[serde(default)]
    pub drain_timeout: Option<DurationMs>,
    /// `random`: the node pool whose nodes fail (default: every node).
    #[serde(default)]
    pub pool: Option<String>,
    /// `random`: time between failures of one node.
    #[serde(default)]
    pub mtbf: Option<DurationDistribution>,
    /// `random` and `correlated`: time to repair.
    #[serde(default)]
    pub mttr: Option<DurationDistribution>,
    /// `correlated`: the failure domain.
    #[serde(default)]
    pub scope: Option<FailureScope>,
    /// `correlated`: how often a domain fails (e.g. `1/d`).
    #[serde(default)]
    pub rate: Option<Rate>,
}

/// A fault's `kind`. Everything the file format says about a kind (its name, which fields it
/// takes and needs) is in one table, [`FaultKind::info`]; adding a kind is a variant here, a
/// row there, and its engine shape in `build/faults.rs` (an exhaustive match).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FaultKind {
    /// The node dies with its pods; it comes back empty after `duration`, if given.
    NodeCrash,
    /// As `nodeCrash`, always back after `duration` (default 2m).
    Reboot,
    /// The kubelet stops: containers keep running but the node stops heartbeating.
    KubeletStop,
    /// The node is cut off from the control plane; its pods keep running.
    Partition,
    /// Every node of `target.rack` crashes.
    RackFailure,
    /// Every node of `target.zone` crashes.
    ZoneOutage,
    /// Cordon and evict every pod through the eviction API (PDBs apply); uncordon after
    /// `duration`, if given.
    Drain,
    /// Mark the nodes unschedulable; uncordon after `duration`, if given.
    Cordon,
    /// Rolling node upgrade: batches of `maxUnavailable + surge` nodes are cordoned,
    /// drained, taken down for `duration` and uncordoned.
    UpgradeWave,
    /// Independent node failures: per node, up for `mtbf`, down for `mttr`, repeatedly.
    Random,
    /// Whole racks or zones (a `fraction` of their nodes) fail at `rate`, back after `mttr`.
    Correlated,
    /// The target's nodes do not exist before `at`; they join the cluster then (as nodes the
    /// Cluster Autoscaler adds). The target names nodes by `nodes`, `pool`, `zone`, `rack`.
    NodeJoin,
    /// The target's nodes are deleted from the cluster at `at`, for good; their pods are
    /// deleted and their owners recreate them elsewhere.
    NodeRemove,
}

/// How a kind happens (what the engine expands it into).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KindClass {
    /// Once at `at` on a `target` (required).
    Scheduled,
    /// A rolling upgrade of a `target`, batch after batch from `at`.
    Wave,
    /// A renewal process per node (`mtbf`/`mttr`).
    Random,
    /// A Poisson process of failure domains (`rate`/`mttr`).
    Correlated,
}

/// One row of the fault kind table ([`FaultKind::info`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindInfo {
    /// The name used in the file (`nodeCrash`, ...), in `faults.csv` and in errors.
    pub name: &'static str,
    /// How it happens.
    pub class: KindClass,
    /// The optional fields it accepts besides `name` and `kind`.
    pub fields: &'static [&'static str],
    /// The fields it needs (a subset of `fields`).
    pub required: &'static [&'static str],
    /// A `target` criterion it needs (`rack`, `zone`), if any.
    pub target_needs: Option<&'static str>,
    /// The `target` criteria it accepts (None: all of them).
    pub target_fields: Option<&'static [&'static str]>,
}

const ONCE: &[&str] = &["at", "duration", "target", "count", "fraction"];
const AT_TARGET: &[&str] = &["at", "target"];

impl FaultKind {
    /// Every kind, in declaration order.
    pub const ALL: [FaultKind; 13] = [
        FaultKind::NodeCrash,
        FaultKind::Reboot,
        FaultKind::KubeletStop,
        FaultKind::Partition,
        FaultKind::RackFailure,
        FaultKind::ZoneOutage,
        FaultKind::Drain,
        FaultKind::Cordon,
        FaultKind::UpgradeWave,
        FaultKind::Random,
        FaultKind::Correlated,
        FaultKind::NodeJoin,
        FaultKind::NodeRemove,
    ];

    /// The kind's row of the table: the one place its name and fields are written.
    pub const fn info(self) -> KindInfo {
        const fn scheduled(name: &'static str, fields: &'static [&'static str]) -> KindInfo {
            KindInfo {
                name,
                class: KindClass::Scheduled,
                fields,
                required: AT_TARGET,
                target_needs: None,
                target_fields: None,
            }
        }
        match self {
            FaultKind::NodeCrash => scheduled("nodeCrash", ONCE),
            FaultKind::Reboot => scheduled("reboot", ONCE),
            FaultKind::KubeletStop => scheduled("kubeletStop", ONCE),
            FaultKind::Partition => scheduled("partition", ONCE),
            FaultKind::RackFailure => KindInfo {
                target_needs: Some("rack"),
                ..scheduled("rackFailure", ONCE)
            },
            FaultKind::ZoneOutage => KindInfo {
                target_needs: Some("zone"),
                ..scheduled("zoneOutage", ONCE)
            },
            FaultKind::Drain => scheduled(
                "drain",
                &[
                    "at",
                    "duration",
                    "target",
                    "count",
                    "fraction",
                    "drainTimeout",
                ],
            ),
            FaultKind::Cordon => scheduled("cordon", ONCE),
            FaultKind::UpgradeWave => KindInfo {
                class: KindClass::Wave,
                ..scheduled(
                    "upgradeWave",
                    &[
                        "at",
                        "duration",
                        "target",
                        "count",
                        "fraction",
                        "maxUnavailable",
                        "surge",
                        "drainTimeout",
                    ],
                )
            },
            FaultKind::Random => KindInfo {
                name: "random",
                class: KindClass::Random,
                fields: &["at", "pool", "mtbf", "mttr"],
                required: &["mtbf", "mttr"],
                target_needs: None,
                target_fields: None,
            },
            FaultKind::Correlated => KindInfo {
                name: "correlated",
                class: KindClass::Correlated,
                fields: &["at", "scope", "rate", "fraction", "mttr"],
                required: &["scope", "rate", "mttr"],
                target_needs: None,
                target_fields: None,
            },
            FaultKind::NodeJoin => KindInfo {
                target_fields: Some(&["nodes", "pool", "zone", "rack"]),
                ..scheduled("nodeJoin", AT_TARGET)
            },
            FaultKind::NodeRemove => {
                scheduled("nodeRemove", &["at", "target", "count", "fraction"])
            }
        }
    }

    /// The kinds that happen once at `at` on a `target`.
    pub fn is_scheduled(self) -> bool {
        matches!(self.info().class, KindClass::Scheduled | KindClass::Wave)
    }

    /// The name used in the file (`nodeCrash`, ...).
    pub fn as_str(self) -> &'static str {
        self.info().name
    }
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `target`: the nodes a fault hits. Every criterion given must hold (they are ANDed); at
/// least one is required.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FaultTarget {
    /// Node names.
    #[serde(default)]
    pub nodes: Option<Vec<String>>,
    /// A node pool.
    #[serde(default)]
    pub pool: Option<String>,
    /// A zone of `cluster.zones`.
    #[serde(default)]
    pub zone: Option<String>,
    /// A rack (`<zone>-r<k>` for pools with `racksPerZone`, or an explicit node's `rack`).
    #[serde(default)]
    pub rack: Option<String>,
    /// A node label selector.
    #[serde(default)]
    pub selector: Option<LabelSelector>,
}

impl FaultTarget {
    /// Whether no criterion is given.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_none()
            && self.pool.is_none()
            && self.zone.is_none()
            && self.rack.is_none()
            && self.selector.is_none()
    }
}

/// A node as the name-based target criteria see it (for joins, decided before the run).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodePlace<'a> {
    /// Node name.
    pub name: &'a str,
    /// Its pool (`cluster.nodePools[]` name; None for an explicit node).
    pub pool: Option<&'a str>,
    /// Its zone.
    pub zone: &'a str,
    /// Its rack, if any.
    pub rack: Option<&'a str>,
}

impl FaultTarget {
    /// Whether a target without a `selector` names `n` (every criterion given holds).
    pub fn names(&self, n: &NodePlace<'_>) -> bool {
        self.selector.is_none()
            && !self.is_empty()
            && self
                .nodes
                .as_ref()
                .is_none_or(|ns| ns.iter().any(|x| x == n.name))
            && self.pool.as_deref().is_none_or(|p| Some(p) == n.pool)
            && self.zone.as_deref().is_none_or(|z| z == n.zone)
            && self.rack.as_deref().is_none_or(|r| Some(r) == n.rack)
    }
}

/// What makes a node join late.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinSource {
    /// `cluster.nodePools[i].joinAt`.
    Pool(usize),
    /// `faults[i]`, a `nodeJoin`.
    Fault(usize),
}

/// Every join that names node `n` (a pool's `joinAt`, then `nodeJoin` faults in order), with
/// its time. Validation allows at most one; the first is the node's join.
pub fn joins_of<'a>(
    s: &'a super::ScenarioFile,
    n: &'a NodePlace<'a>,
) -> impl Iterator<Item = (DurationMs, JoinSource)> + 'a {
    let pool = s
        .cluster
        .node_pools
        .iter()
        .enumerate()
        .filter(move |(_, p)| Some(p.name.as_str()) == n.pool)
        .filter_map(|(i, p)| p.join_at.map(|t| (t, JoinSource::Pool(i))));
    let faults = s.faults.iter().enumerate().filter_map(move |(i, f)| {
        let named = f.kind == FaultKind::NodeJoin && f.target.as_ref().is_some_and(|t| t.names(n));
        named.then(|| (f.at.unwrap_or_default(), JoinSource::Fault(i)))
    });
    pool.chain(faults)
}

/// Whether any node joins late (a pool `joinAt` or a `nodeJoin` fault).
pub fn has_joins(s: &super::ScenarioFile) -> bool {
    s.cluster.node_pools.iter().any(|p| p.join_at.is_some())
        || s.faults.iter().any(|f| f.kind == FaultKind::NodeJoin)
}

/// `scope` of a correlated fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FailureScope {
    /// A rack (nodes sharing [`super::cluster::RACK_LABEL`]).
    Rack,
    /// A zone.
    Zone,
}

/// `nodeLifecycle`: kube-controller-manager's node lifecycle settings (upstream defaults).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NodeLifecycleSpec {
    /// `--node-monitor-grace-period` (default 50s).
    #[serde(default = "d_grace")]
    pub node_monitor_grace_period: DurationMs,
    /// `--node-monitor-period` (default 5s).
    #[serde(default = "d_period")]
    pub node_monitor_period: DurationMs,
    /// `--node-startup-grace-period` (default 60s).
    #[serde(default = "d_startup")]
    pub node_startup_grace_period: DurationMs,
    /// `--node-eviction-rate`, nodes per second (default 0.1).
    #[serde(default = "d_rate")]
    pub node_eviction_rate: f64,
    /// `--secondary-node-eviction-rate`, nodes per second (default 0.01).
    #[serde(default = "d_secondary_rate")]
    pub secondary_node_eviction_rate: f64,
    /// `--large-cluster-size-threshold`, nodes in a zone (default 50).
    #[serde(default = "d_large", deserialize_with = "non_negative_u32")]
    pub large_cluster_size_threshold: u32,
    /// `--unhealthy-zone-threshold`, fraction of NotReady nodes (default 0.55).
    #[serde(default = "d_unhealthy")]
    pub unhealthy_zone_threshold: f64,
    /// `tolerationSeconds` the DefaultTolerationSeconds admission plugin adds (default 300).
    #[serde(default = "d_toleration", deserialize_with = "non_negative_u32")]
    pub default_toleration_seconds: u32,
    /// Nodes fail when overloaded (not upstream behaviour: off unless this section is given,
    /// see [`OverloadFailureSpec`]).
    #[serde(default)]
    pub overload_failure: Option<OverloadFailureSpec>,
}

impl Default for NodeLifecycleSpec {
    fn default() -> Self {
        NodeLifecycleSpec {
            node_monitor_grace_period: d_grace(),
            node_monitor_period: d_period(),
            node_startup_grace_period: d_startup(),
            node_eviction_rate: d_rate(),
            secondary_node_eviction_rate: d_secondary_rate(),
            large_cluster_size_threshold: d_large(),
            unhealthy_zone_threshold: d_unhealthy(),
            default_toleration_seconds: d_toleration(),
            overload_failure: None,
        }
    }
}

fn d_grace() -> DurationMs {
    DurationMs::from_secs(50)
}
fn d_period() -> DurationMs {
    DurationMs::from_secs(5)
}
fn d_startup() -> DurationMs {
    DurationMs::from_secs(60)
}
fn d_rate() -> f64 {
    0.1
}
fn d_secondary_rate() -> f64 {
    0.01
}
fn d_large() -> u32 {
    50
}
fn d_unhealthy() -> f64 {
    0.55
}
fn d_toleration() -> u32 {
    300
}
fn d_overload_for() -> DurationMs {
    DurationMs::from_secs(60)
}
fn d_overload_repair() -> DurationMs {
    DurationMs::from_secs(600)
}
fn d_true() -> bool {
    true
}

fn non_negative_u32<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    super::non_negative::non_negative(d)
}

/// `nodeLifecycle.overloadFailure`: a node whose pods' memory demand stays above its
/// capacity for `memoryOverCapacityFor` fails (system OOM, kubelet killed: it goes NotReady and
/// its containers die, like a crash) and is repaired after `recoverAfter`. Not upstream
/// behaviour, so opt-in: off when the section is absent; giving the section turns it on
/// (`enabled` defaults to true inside it; `enabled: false` keeps it off). It only matters with
/// the usage model.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct OverloadFailureSpec {
    /// Whether overloaded nodes fail (default true).
    #[serde(default = "d_true")]
    pub enabled: bool,
    /// How long memory demand must stay above capacity (default 60s).
    #[serde(default = "d_overload_for")]
    pub memory_over_capacity_for: DurationMs,
    /// How long a failed node stays down before an auto-repair brings it back empty of
    /// running containers (default 10m; `0s` = never within the run).
    #[serde(default = "d_overload_repair")]
    pub recover_after: DurationMs,
}

impl Default for OverloadFailureSpec {
    fn default() -> Self {
        OverloadFailureSpec {
            enabled: true,
            memory_over_capacity_for: d_overload_for(),
            recover_after: d_overload_repair(),
        }
    }
}

/// `pdbs[]`: a PodDisruptionBudget (`policy/v1`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PdbSpec {
    /// Name, unique within its namespace.
    pub name: String,
    /// Namespace (default `default`).
    #[serde(default)]
    pub namespace: Option<String>,
    /// The pods it protects.
    pub selector: LabelSelector,
    /// Pods that must stay available (an integer or `"NN%"`, rounded up).
    #[serde(default)]
    pub min_available: Option<IntOrPercent>,
    /// Pods that may be unavailable (an integer or `"NN%"`, rounded up).
    #[serde(default)]
    pub max_unavailable: Option<IntOrPercent>,
    /// Whether running-but-not-ready pods may be evicted (default `IfHealthyBudget`).
    #[serde(default)]
    pub unhealthy_pod_eviction_policy: Option<UnhealthyPodEvictionPolicy>,
}

/// `unhealthyPodEvictionPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
pub enum UnhealthyPodEvictionPolicy {
    /// Not-ready pods may be evicted only while the budget is met (the default).
    IfHealthyBudget,
    /// Not-ready pods may always be evicted.
    AlwaysAllow,
}

/// Kubernetes `IntOrString` as PDBs use it: an integer, or a percentage `"NN%"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IntOrPercent {
    /// An absolute number (validation rejects negatives).
    Int(i64),
    /// A percentage (validation rejects negatives and values above 100).
    Percent(i64),
}

impl fmt::Display for IntOrPercent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IntOrPercent::Int(v) => write!(f, "{v}"),
            IntOrPercent::Percent(p) => write!(f, "{p}%"),
        }
    }
}

impl<'de> Deserialize<'de> for IntOrPercent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(IntOrPercentVisitor)
    }
}

struct IntOrPercentVisitor;

impl Visitor<'_> for IntOrPercentVisitor {
    type Value = IntOrPercent;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an integer or a percentage such as \"50%\"")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<IntOrPercent, E> {
        Ok(IntOrPercent::Int(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<IntOrPercent, E> {
        i64::try_from(v)
            .map(IntOrPercent::Int)
            .map_err(|_| E::custom(format_args!("{v} is too large")))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<IntOrPercent, E> {
        Err(E::custom(format_args!(
            "{v} is not an integer (write a whole number or a percentage such as \"50%\")"
        )))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<IntOrPercent, E> {
        // Upstream `intstr.GetScaledValueFromIntOrPercent`: a string must end in `%`.
        let digits = v.strip_suffix('%').ok_or_else(|| {
            E::custom(format_args!(
                "{v:?} is not a percentage (write \"NN%\" or an unquoted integer)"
            ))
        })?;
        digits
            .parse::<i64>()
            .map(IntOrPercent::Percent)
            .map_err(|_| E::custom(format_args!("{v:?} is not a percentage such as \"50%\"")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_or_percent_parses_both_forms() {
        let p = |s: &str| serde_json::from_str::<IntOrPercent>(s);
        assert_eq!(p("2").unwrap(), IntOrPercent::Int(2));
        assert_eq!(p("-1").unwrap(), IntOrPercent::Int(-1));
        assert_eq!(p("\"50%\"").unwrap(), IntOrPercent::Percent(50));
        assert!(p("\"50\"").is_err());
        assert!(p("\"x%\"").is_err());
        assert!(p("1.5").is_err());
    }

    #[test]
    fn kind_table_names_are_the_serde_names() {
        for kind in FaultKind::ALL {
            let info = kind.info();
            let parsed: FaultKind = serde_json::from_str(&format!("{:?}", info.name)).unwrap();
            assert_eq!(parsed, kind, "{}", info.name);
            for r in info.required {
                assert!(info.fields.contains(r), "{}: {r}", info.name);
            }
        }
        let mut names: Vec<_> = FaultKind::ALL.iter().map(|k| k.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), FaultKind::ALL.len());
    }

    #[test]
    fn lifecycle_defaults_are_upstream() {
        let d: NodeLifecycleSpec = serde_json::from_str("{}").unwrap();
        assert_eq!(d, NodeLifecycleSpec::default());
        assert_eq!(d.node_monitor_grace_period.as_millis(), 50_000);
        assert_eq!(d.default_toleration_seconds, 300);
        let o: OverloadFailureSpec = serde_json::from_str("{}").unwrap();
        assert!(o.enabled);
        assert_eq!(o.memory_over_capacity_for.as_millis(), 60_000);
    }
}
