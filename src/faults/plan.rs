//! Faults as the engine sees them, and their expansion into a deterministic, time-ordered
//! list of actions over the run ([`FaultPlan`]).

use rand::RngExt;
use rand_distr::{Distribution, Exp};

use super::target::{choose, fraction_of, resolve, Pick, Target};
use super::FaultIndex;
use crate::cluster::{NodeId, Sym, World};
use crate::engine::dist::{DurationDist, DurationSampler};
use crate::engine::{RngStreams, SimRng, SimTime};
use crate::scenario::types::faults::{
    FailureScope, FaultKind as KindSpec, FaultSpec, FaultTarget, DEFAULT_DRAIN_TIMEOUT,
    DEFAULT_REBOOT_DURATION, DEFAULT_UPGRADE_NODE_DOWNTIME,
};
use crate::scenario::types::workload::DurationDistribution;

/// One fault of the scenario, on engine ids.
#[derive(Clone, Debug, PartialEq)]
pub struct Fault {
    /// Unique name (names the random streams and the cascade roots).
    pub name: String,
    /// The scenario kind's name (`nodeCrash`, ...), for `faults.csv`.
    pub label: &'static str,
    /// What it does.
    pub kind: FaultKind,
}

/// What a scheduled fault does to its target's nodes once (several scenario kinds share one:
/// `nodeCrash`, `reboot`, `rackFailure` and `zoneOutage` all crash nodes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScheduledKind {
    /// The nodes go down (and come back after the duration, if any).
    Down(DownKind),
    /// Cordon, then evict every pod through the eviction API (PDBs apply).
    Drain,
    /// Mark unschedulable.
    Cordon,
    /// Delete the nodes from the cluster, for good.
    Remove,
}

/// What a fault does.
#[derive(Clone, Debug, PartialEq)]
pub enum FaultKind {
    /// Hits `target` at `at`; undone after `recover_after_ms`, if given.
    Scheduled {
        /// What happens to the nodes.
        kind: ScheduledKind,
        /// When.
        at: SimTime,
        /// Recovery delay, ms (None: never, within the run).
        recover_after_ms: Option<u64>,
        /// The nodes.
        target: Target,
        /// How many of them.
        pick: Pick,
        /// Drain only: give up waiting for blocked evictions after this long, ms.
        drain_timeout_ms: Option<u64>,
    },
    /// A rolling node upgrade.
    UpgradeWave(UpgradeWave),
    /// Every node of `nodes` fails independently: up for `mtbf`, down (crashed) for `mttr`.
    Random {
        /// The nodes that take part.
        nodes: Target,
        /// When the processes start.
        start: SimTime,
        /// Time to failure, ms.
        mtbf: DurationDist,
        /// Time to repair, ms.
        mttr: DurationDist,
    },
    /// Nodes join the cluster later (`nodeJoin`): which nodes and when is decided when the
    /// cluster is built (they are not in the world before), so the plan has no step for it.
    Join,
    /// Whole failure domains fail: a Poisson process at `rate_per_ms`; each event crashes
    /// `fraction` of one domain (chosen uniformly), all back after one `mttr` draw.
    Correlated {
        /// Racks or zones.
        scope: Scope,
        /// When the process starts.
        start: SimTime,
        /// Events per millisecond.
        rate_per_ms: f64,
        /// Fraction of the domain's nodes that fail (rounded up, at least one).
        fraction: f64,
        /// Time to repair, ms.
        mttr: DurationDist,
    },
}

/// What the conversion of a fault spec needs from the layer that builds the engine: the
/// world (node names, pools, zones, interned labels) and the distribution types of workloads.
/// `build/faults.rs` implements it; [`FaultKind::of_spec`] decides everything kind-specific.
pub trait SpecInput {
    /// A `target` (or the pool of a `random` fault) on engine ids.
    fn target(&mut self, target: Option<&FaultTarget>) -> Target;
    /// A duration distribution (`mtbf`, `mttr`) on engine types.
    fn dist(&self, d: &DurationDistribution) -> DurationDist;
}

impl FaultKind {
    /// The engine shape of a validated spec: the one exhaustive match from a scenario kind to
    /// what the engine does (several kinds share one shape), next to the expansion of each
    /// shape below, so a kind's conversion and its plan live in this file.
    pub fn of_spec(f: &FaultSpec, input: &mut impl SpecInput) -> FaultKind {
        let at = SimTime(f.at.unwrap_or_default().as_millis());
        let mttr = f
            .mttr
            .as_ref()
            .map(|d| input.dist(d))
            .unwrap_or(DurationDist::Constant(1));
        let recover = f.duration.map(|d| d.as_millis());
        let pick = match (f.count, f.fraction) {
            (Some(n), _) => Pick::Count(n),
            (None, Some(fr)) => Pick::Fraction(fr),
            (None, None) => Pick::All,
        };
        let (kind, recover_after_ms) = match f.kind {
            KindSpec::NodeCrash | KindSpec::RackFailure | KindSpec::ZoneOutage => {
                (ScheduledKind::Down(DownKind::Crash), recover)
            }
            KindSpec::Reboot => (
                ScheduledKind::Down(DownKind::Crash),
                Some(f.duration.unwrap_or(DEFAULT_REBOOT_DURATION).as_millis()),
            ),
            KindSpec::KubeletStop => (ScheduledKind::Down(DownKind::KubeletStop), recover),
            KindSpec::Partition => (ScheduledKind::Down(DownKind::Partition), recover),
            KindSpec::Drain => (ScheduledKind::Drain, recover),
            KindSpec::Cordon => (ScheduledKind::Cordon, recover),
            KindSpec::NodeRemove => (ScheduledKind::Remove, None),
            KindSpec::NodeJoin => return FaultKind::Join,
            KindSpec::UpgradeWave => {
                return FaultKind::UpgradeWave(UpgradeWave {
                    at,
                    target: input.target(f.target.as_ref()),
                    pick,
                    max_unavailable: f.max_unavailable.unwrap_or(1),
                    surge: f.surge.unwrap_or(0),
                    drain_timeout_ms: f.drain_timeout.unwrap_or(DEFAULT_DRAIN_TIMEOUT).as_millis(),
                    node_down_ms: f
                        .duration
                        .unwrap_or(DEFAULT_UPGRADE_NODE_DOWNTIME)
                        .as_millis(),
                })
            }
            KindSpec::Random => {
                let pool = f.pool.as_ref().map(|p| FaultTarget {
                    pool: Some(p.clone()),
                    ..FaultTarget::default()
                });
                return FaultKind::Random {
                    nodes: input.target(pool.as_ref()),
                    start: at,
                    mtbf: f
                        .mtbf
                        .as_ref()
                        .map(|d| input.dist(d))
                        .unwrap_or(DurationDist::Constant(u64::MAX / 4)),
                    mttr,
                };
            }
            KindSpec::Correlated => {
                return FaultKind::Correlated {
                    scope: match f.scope {
                        Some(FailureScope::Zone) => Scope::Zone,
                        _ => Scope::Rack,
                    },
                    start: at,
                    rate_per_ms: f.rate.map(|r| r.as_per_millisecond()).unwrap_or(0.0),
                    fraction: f.fraction.unwrap_or(1.0),
                    mttr,
                }
            }
        };
        FaultKind::Scheduled {
            kind,
            at,
            recover_after_ms,
            target: input.target(f.target.as_ref()),
            pick,
            drain_timeout_ms: f.drain_timeout.map(|d| d.as_millis()),
        }
    }
}

/// A correlated fault's failure domain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Nodes sharing a rack label value.
    Rack,
    /// Nodes of one zone.
    Zone,
}

/// A rolling upgrade: batches of `max_unavailable + surge` nodes (at least one), one after
/// the other. Each batch: surge nodes added, cordon + drain, after `drain_timeout_ms` the
/// nodes go down for `node_down_ms`, then come back, are uncordoned, and the surge nodes go.
#[derive(Clone, Debug, PartialEq)]
pub struct UpgradeWave {
    /// When the first batch starts.
    pub at: SimTime,
    /// The nodes to upgrade.
    pub target: Target,
    /// How many of them.
    pub pick: Pick,
    /// Nodes down at once beyond the surge.
    pub max_unavailable: u32,
    /// Extra nodes added (to the pool of the batch's first node) while a batch upgrades.
    pub surge: u32,
    /// How long a batch's drain may take, ms.
    pub drain_timeout_ms: u64,
    /// How long each node is down for its upgrade, ms.
    pub node_down_ms: u64,
}

impl UpgradeWave {
    /// Nodes per batch.
    pub fn batch_size(&self) -> usize {
        (self.max_unavailable as usize + self.surge as usize).max(1)
    }

    /// Time from one batch's start to the next's (the static, worst-case pacing: the drain
    /// is assumed to take its whole timeout).
    pub fn batch_period_ms(&self) -> u64 {
        self.drain_timeout_ms.saturating_add(self.node_down_ms)
    }
}

/// How a node goes down (and later comes back).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DownKind {
    /// Node and containers gone (crash, reboot, rack/zone loss, upgrade); back empty.
    Crash,
    /// Kubelet stopped: no heartbeats, containers keep running.
    KubeletStop,
    /// Unreachable from the control plane; containers keep running.
    Partition,
}

impl DownKind {
    /// Every kind, in declaration order (`ALL[k as usize] == k`, checked at compile time).
    pub const ALL: [DownKind; 3] = [DownKind::Crash, DownKind::KubeletStop, DownKind::Partition];

    /// Whether the node's containers die (they keep running when only the kubelet or the
    /// network is gone).
    pub const fn kills_containers(self) -> bool {
        match self {
            DownKind::Crash => true,
            DownKind::KubeletStop | DownKind::Partition => false,
        }
    }
}

const _: () = {
    let mut i = 0;
    while i < DownKind::ALL.len() {
        assert!(DownKind::ALL[i] as usize == i);
        i += 1;
    }
};

/// One thing the engine must do to some nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// The nodes stop heartbeating (see [`DownKind`]).
    Down(DownKind),
    /// The nodes are back (heartbeating; after a crash, with no pods).
    Up(DownKind),
    /// `spec.unschedulable = true`.
    Cordon,
    /// `spec.unschedulable = false`.
    Uncordon,
    /// Evict every pod through the eviction API (retrying 429s every 5 s, like
    /// `kubectl drain`), giving up after `timeout_ms` if given.
    Drain {
        /// Give-up delay, ms.
        timeout_ms: Option<u64>,
    },
    /// Add `count` nodes like the first listed node (upgrade surge).
    SurgeAdd {
        /// How many.
        count: u32,
    },
    /// Remove the `count` surge nodes added for the first listed node's batch.
    SurgeRemove {
        /// How many.
        count: u32,
    },
    /// The nodes join the cluster (they did not exist before).
    Join,
    /// The nodes are deleted from the cluster, for good.
    Remove,
}

/// One timed action of the plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultStep {
    /// When.
    pub time: SimTime,
    /// Which fault (index into the faults given to [`expand`]): the cascade root.
    pub fault: FaultIndex,
    /// What.
    pub action: Action,
    /// On which nodes, sorted by id (never empty).
    pub nodes: Vec<NodeId>,
}

/// Every fault action of a run, ordered by `(time, fault, order of generation)`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FaultPlan {
    /// The steps, in the order the engine must apply them.
    pub steps: Vec<FaultStep>,
}

/// Expands `faults` into the plan of one run: targets resolved against `world`, random
/// processes drawn from `streams`, steps before `horizon` kept (a recovery at or after the
/// horizon is dropped: the node stays down to the end). Deterministic: the same inputs give
/// the same plan, and each fault's steps depend only on that fault (and the world).
/// The first fault distribution that cannot be sampled, as (fault name, `mtbf`/`mttr`, why).
/// Validation rejects such parameters; a run set up without validation reports them through
/// this check (the same way invalid Job distributions are reported) instead of leaving the
/// process out of the plan.
pub fn check_distributions(faults: &[Fault]) -> Result<(), (String, &'static str, String)> {
    for f in faults {
        let dists: &[(&'static str, &DurationDist)] = match &f.kind {
            FaultKind::Random { mtbf, mttr, .. } => &[("mtbf", mtbf), ("mttr", mttr)],
            FaultKind::Correlated { mttr, .. } => &[("mttr", mttr)],
            _ => &[],
        };
        for (what, d) in dists {
            if let Err(m) = DurationSampler::new(d) {
                return Err((f.name.clone(), what, m));
            }
        }
    }
    Ok(())
}

/// Expands `faults` into the plan. Faults with a distribution [`check_distributions`] rejects
/// never fire (checked before a run).
pub fn expand(
    faults: &[Fault],
    world: &World,
    streams: &RngStreams,
    horizon: SimTime,
) -> FaultPlan {
    let mut steps = Vec::new();
    for (i, fault) in faults.iter().enumerate() {
        let mut out = Out {
            fault: i as FaultIndex,
            horizon,
            steps: Vec::new(),
        };
        let label = format!("faults/{}", fault.name);
        let mut rng = streams.stream(&label);
        match &fault.kind {
            FaultKind::Scheduled {
                kind,
                at,
                recover_after_ms,
                target,
                pick,
                drain_timeout_ms,
            } => {
                let nodes = resolve(world, target, *pick, &mut rng);
                scheduled(
                    &mut out,
                    *kind,
                    *at,
                    *recover_after_ms,
                    *drain_timeout_ms,
                    &nodes,
                );
            }
            FaultKind::UpgradeWave(wave) => {
                let nodes = resolve(world, &wave.target, wave.pick, &mut rng);
                upgrade_wave(&mut out, wave, &nodes);
            }
            FaultKind::Random {
                nodes,
                start,
                mtbf,
                mttr,
            } => {
                // `check_distributions` rules out invalid parameters before a run.
                let (Ok(mtbf), Ok(mttr)) = (DurationSampler::new(mtbf), DurationSampler::new(mttr))
                else {
                    continue;
                };
                for node in resolve(world, nodes, Pick::All, &mut rng) {
                    let mut node_rng =
                        streams.stream(&format!("{label}/{}", world.nodes.name[node.ix()]));
                    random_node(&mut out, node, *start, &mtbf, &mttr, &mut node_rng);
                }
            }
            FaultKind::Correlated {
                scope,
                start,
                rate_per_ms,
                fraction,
                mttr,
            } => {
                let Ok(mttr) = DurationSampler::new(mttr) else {
                    continue;
                };
                correlated(
                    &mut out,
                    world,
                    *scope,
                    *start,
                    *rate_per_ms,
                    *fraction,
                    &mttr,
                    &mut rng,
                )
            }
            FaultKind::Join => {}
        }
        steps.append(&mut out.steps);
    }
    // Stable: ties keep fault order, then generation order.
    steps.sort_by_key(|s| (s.time, s.fault));
    FaultPlan { steps }
}

struct Out {
    fault: FaultIndex,
    horizon: SimTime,
    steps: Vec<FaultStep>,
}

impl Out {
    fn push(&mut self, time: SimTime, action: Action, nodes: &[NodeId]) {
        if time < self.horizon && !nodes.is_empty() {
            self.steps.push(FaultStep {
                time,
                fault: self.fault,
                action,
                nodes: nodes.to_vec(),
            });
        }
    }
}

fn scheduled(
    out: &mut Out,
    kind: ScheduledKind,
    at: SimTime,
    recover_after_ms: Option<u64>,
    drain_timeout_ms: Option<u64>,
    nodes: &[NodeId],
) {
    let back = recover_after_ms.map(|d| at.plus_millis(d));
    let (start, undo) = match kind {
        ScheduledKind::Down(k) => (Action::Down(k), Action::Up(k)),
        ScheduledKind::Cordon => (Action::Cordon, Action::Uncordon),
        ScheduledKind::Drain => {
            out.push(at, Action::Cordon, nodes);
            (
                Action::Drain {
                    timeout_ms: drain_timeout_ms,
                },
                Action::Uncordon,
            )
        }
        ScheduledKind::Remove => {
            out.push(at, Action::Remove, nodes);
            return;
        }
    };
    out.push(at, start, nodes);
    if let Some(t) = back {
        out.push(t, undo, nodes);
    }
}

/// The static plan of an upgrade wave (see [`UpgradeWave`]).
fn upgrade_wave(out: &mut Out, wave: &UpgradeWave, nodes: &[NodeId]) {
    let mut t = wave.at;
    for batch in nodes.chunks(wave.batch_size()) {
        let surge = wave.surge;
        if surge > 0 {
            out.push(t, Action::SurgeAdd { count: surge }, &batch[..1]);
        }
        out.push(t, Action::Cordon, batch);
        out.push(
            t,
            Action::Drain {
                timeout_ms: Some(wave.drain_timeout_ms),
            },
            batch,
        );
        let down_at = t.plus_millis(wave.drain_timeout_ms);
        out.push(down_at, Action::Down(DownKind::Crash), batch);
        let up_at = down_at.plus_millis(wave.node_down_ms);
        out.push(up_at, Action::Up(DownKind::Crash), batch);
        out.push(up_at, Action::Uncordon, batch);
        if surge > 0 {
            out.push(up_at, Action::SurgeRemove { count: surge }, &batch[..1]);
        }
        t = t.plus_millis(wave.batch_period_ms());
    }
}

/// One node's alternating up/down renewal process.
fn random_node(
    out: &mut Out,
    node: NodeId,
    start: SimTime,
    mtbf: &DurationSampler,
    mttr: &DurationSampler,
    rng: &mut SimRng,
) {
    // Every draw is at least 1 ms, so the process always advances.
    let mut t = start;
    loop {
        t = t.plus_millis(mtbf.sample(rng).max(1));
        if t >= out.horizon {
            return;
        }
        out.push(t, Action::Down(DownKind::Crash), &[node]);
        t = t.plus_millis(mttr.sample(rng).max(1));
        out.push(t, Action::Up(DownKind::Crash), &[node]);
    }
}

/// Failure domains present in `world`: `(domain key, nodes sorted)`, ordered by first node.
pub fn domains(world: &World, scope: Scope) -> Vec<Vec<NodeId>> {
    let mut keys: Vec<(u32, Option<Sym>)> = Vec::new();
    let mut groups: Vec<Vec<NodeId>> = Vec::new();
    for n in world.nodes.ids() {
        let key = match scope {
            Scope::Zone => (world.nodes.zone[n.ix()], None),
            Scope::Rack => match world.node_label(n, world.well_known.rack) {
                Some(r) => (0, Some(r)),
                None => continue,
            },
        };
        match keys.iter().position(|k| *k == key) {
            Some(i) => groups[i].push(n),
            None => {
                keys.push(key);
                groups.push(vec![n]);
            }
        }
    }
    groups
}

#[allow(clippy::too_many_arguments)]
fn correlated(
    out: &mut Out,
    world: &World,
    scope: Scope,
    start: SimTime,
    rate_per_ms: f64,
    fraction: f64,
    mttr: &DurationSampler,
    rng: &mut SimRng,
) {
    let groups = domains(world, scope);
    let Ok(gap) = Exp::new(rate_per_ms) else {
        return;
    };
    if groups.is_empty() {
        return;
    }
    let mut t = start.as_millis() as f64;
    loop {
        t += gap.sample(rng);
        if !t.is_finite() || t >= out.horizon.as_millis() as f64 {
            return;
        }
        let at = SimTime(t.round() as u64);
        let group = &groups[rng.random_range(0..groups.len())];
        let k = fraction_of(fraction, group.len());
        let hit = choose(group.clone(), Pick::Count(k as u32), rng);
        let repair = mttr.sample(rng).max(1);
        out.push(at, Action::Down(DownKind::Crash), &hit);
        out.push(at.plus_millis(repair), Action::Up(DownKind::Crash), &hit);
    }
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
