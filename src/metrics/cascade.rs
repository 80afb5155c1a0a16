//! Cascades: the trees of effects hanging off one root cause (a fault, an overload), and the
//! `cascades.csv` row that summarises each.
//!
//! Pure: [`build_cascades`] takes effect records in any order (each naming its parent and its
//! root) and groups them; [`cascade_rows`] turns the trees into flat rows, given when each
//! root's damage was repaired; `write_results` writes them by [`super::schema::CASCADE_CELLS`].

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::write::format_secs;

/// What an effect record is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EffectKind {
    /// An injected fault (usually a root).
    Fault,
    /// A node went NotReady (Unknown).
    NodeNotReady,
    /// A pod was evicted (taint eviction, drain, node pressure).
    Eviction,
    /// A container was OOM-killed.
    OomKill,
    /// A node failed from overload (memory above capacity for too long).
    OverloadFailure,
    /// A pod lost its node and had to go elsewhere.
    PodDisplaced,
    /// A displaced pod's replacement was scheduled.
    PodRescheduled,
    /// The Cluster Autoscaler removed a node (its pods are drained and rescheduled).
    ScaleDown,
    /// A container was restarted by its failed liveness or startup probe (service overload).
    ProbeRestart,
    /// A service started failing at least 1 % of its requests (see `services::episodes`).
    ServiceOverload,
    /// A synchronous call edge's retries amplified its calls 1.5× or more.
    RetryStorm,
    /// A circuit breaker on a call edge tripped open.
    BreakerOpen,
}

impl EffectKind {
    /// The name written in `cascades.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            EffectKind::Fault => "fault",
            EffectKind::NodeNotReady => "node_not_ready",
            EffectKind::Eviction => "eviction",
            EffectKind::OomKill => "oom_kill",
            EffectKind::OverloadFailure => "overload_failure",
            EffectKind::PodDisplaced => "pod_displaced",
            EffectKind::PodRescheduled => "pod_rescheduled",
            EffectKind::ScaleDown => "scale_down",
            EffectKind::ProbeRestart => "probe_restart",
            EffectKind::ServiceOverload => "service_overload",
            EffectKind::RetryStorm => "retry_storm",
            EffectKind::BreakerOpen => "breaker_open",
        }
    }
}

/// One recorded effect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EffectRecord {
    /// Unique id (non-zero).
    pub id: u64,
    /// The effect that caused it (None for a root).
    pub parent: Option<u64>,
    /// The root cause's id (its own id for a root).
    pub root: u64,
    /// What happened.
    pub kind: EffectKind,
    /// To what: a node name, a pod name, a fault name.
    pub target: String,
    /// When, ms.
    pub time_ms: u64,
}

/// The tree of one root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cascade {
    /// The root id.
    pub root_id: u64,
    /// The root record (None if only descendants were recorded).
    pub root: Option<EffectRecord>,
    /// Every other record of the tree, by time then id.
    pub effects: Vec<EffectRecord>,
    /// Children of each record id (a record whose parent is unknown hangs off the root).
    pub children: BTreeMap<u64, Vec<u64>>,
    /// Longest chain from the root, in edges (a lone root has depth 0).
    pub depth: u32,
}

impl Cascade {
    /// When the cascade started: the root's time, else its earliest effect's.
    pub fn start_ms(&self) -> u64 {
        self.root
            .as_ref()
            .map(|r| r.time_ms)
            .or_else(|| self.effects.first().map(|e| e.time_ms))
            .unwrap_or(0)
    }

    /// Number of non-root records of `kind`.
    pub fn count(&self, kind: EffectKind) -> u64 {
        self.effects.iter().filter(|e| e.kind == kind).count() as u64
    }

    /// Distinct nodes that went NotReady or failed from overload downstream of the root.
    pub fn nodes_failed(&self) -> u64 {
        nodes_failed(&self.effects)
    }
}

/// Distinct nodes that went NotReady or failed from overload among `effects`.
pub fn nodes_failed(effects: &[EffectRecord]) -> u64 {
    effects
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                EffectKind::NodeNotReady | EffectKind::OverloadFailure
            )
        })
        .map(|e| e.target.as_str())
        .collect::<BTreeSet<_>>()
        .len() as u64
}

/// Groups `records` by root and builds each tree. Cascades are ordered by start time, then
/// root id; the result does not depend on the order of `records`.
pub fn build_cascades(records: &[EffectRecord]) -> Vec<Cascade> {
    let mut by_root: BTreeMap<u64, Vec<&EffectRecord>> = BTreeMap::new();
    for r in records {
        by_root.entry(r.root).or_default().push(r);
    }
    let mut cascades: Vec<Cascade> = by_root
        .into_iter()
        .map(|(root_id, mut recs)| {
            recs.sort_by_key(|r| (r.time_ms, r.id));
            let root = recs.iter().find(|r| r.id == root_id).map(|r| (*r).clone());
            let effects: Vec<EffectRecord> = recs
                .iter()
                .filter(|r| r.id != root_id)
                .map(|r| (*r).clone())
                .collect();
            let known: BTreeSet<u64> = effects.iter().map(|e| e.id).collect();
            let mut children: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
            for e in &effects {
                let parent = e
                    .parent
                    .filter(|p| *p != e.id && (known.contains(p) || *p == root_id))
                    .unwrap_or(root_id);
                children.entry(parent).or_default().push(e.id);
            }
            let depth = longest_chain(root_id, &children);
            Cascade {
                root_id,
                root,
                effects,
                children,
                depth,
            }
        })
        .collect();
    cascades.sort_by_key(|c| (c.start_ms(), c.root_id));
    cascades
}

/// Edges on the longest path down from `root` (cycles are cut: each node is visited once).
fn longest_chain(root: u64, children: &BTreeMap<u64, Vec<u64>>) -> u32 {
    let mut seen = BTreeSet::from([root]);
    let mut stack = vec![(root, 0u32)];
    let mut deepest = 0;
    while let Some((id, d)) = stack.pop() {
        deepest = deepest.max(d);
        for child in children.get(&id).into_iter().flatten() {
            if seen.insert(*child) {
                stack.push((*child, d + 1));
            }
        }
    }
    deepest
}

/// Text of `time_to_recovery_s` for a cascade whose damage was never repaired in the run.
pub const NOT_RECOVERED: &str = "not recovered";

/// One `cascades.csv` row (flat, as the csv crate needs).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CascadeRow {
    /// Root id (the `cause` column of `events.csv`).
    pub root_id: u64,
    /// Root kind (`fault`, `overload_failure`, ...; `unknown` if not recorded).
    pub root_kind: String,
    /// Root target (fault name, node name, ...).
    pub root_target: String,
    /// Root time, s (three decimals).
    pub root_time_s: String,
    /// Distinct nodes that went NotReady or failed downstream.
    pub nodes_failed: u64,
    /// Pods evicted.
    pub pods_evicted: u64,
    /// Containers OOM-killed.
    pub pods_oom_killed: u64,
    /// Pods displaced.
    pub pods_displaced: u64,
    /// Displaced pods rescheduled.
    pub pods_rescheduled: u64,
    /// Records in the tree besides the root.
    pub effects: u64,
    /// Longest chain of effects from the root.
    pub depth: u32,
    /// Time from the root to recovery, s, or [`NOT_RECOVERED`].
    pub time_to_recovery_s: String,
    /// Highest error share of a service while overloaded within the cascade (None: it
    /// reached no service).
    pub peak_service_error_rate: Option<f64>,
    /// Distinct services overloaded within the cascade.
    pub services_reached: u64,
}

/// The row of each cascade. `recovered_at(cascade)` gives when its damage was repaired
/// (e.g. every displaced pod running again and every failed node Ready), ms, if it was.
pub fn cascade_rows(
    cascades: &[Cascade],
    recovered_at: impl Fn(&Cascade) -> Option<u64>,
) -> Vec<CascadeRow> {
    cascades
        .iter()
        .map(|c| {
            let start = c.start_ms();
            let mut root_time_s = String::new();
            format_secs(start, &mut root_time_s);
            let time_to_recovery_s = match recovered_at(c) {
                Some(t) => {
                    let mut s = String::new();
                    format_secs(t.saturating_sub(start), &mut s);
                    s
                }
                None => NOT_RECOVERED.to_string(),
            };
            CascadeRow {
                root_id: c.root_id,
                root_kind: c
                    .root
                    .as_ref()
                    .map_or("unknown", |r| r.kind.as_str())
                    .to_string(),
                root_target: c
                    .root
                    .as_ref()
                    .map(|r| r.target.clone())
                    .unwrap_or_default(),
                root_time_s,
                nodes_failed: c.nodes_failed(),
                pods_evicted: c.count(EffectKind::Eviction),
                pods_oom_killed: c.count(EffectKind::OomKill),
                pods_displaced: c.count(EffectKind::PodDisplaced),
                pods_rescheduled: c.count(EffectKind::PodRescheduled),
                effects: c.effects.len() as u64,
                depth: c.depth,
                time_to_recovery_s,
                peak_service_error_rate: None,
                services_reached: 0,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(
        id: u64,
        parent: Option<u64>,
        root: u64,
        kind: EffectKind,
        target: &str,
        t: u64,
    ) -> EffectRecord {
        EffectRecord {
            id,
            parent,
            root,
            kind,
            target: target.into(),
            time_ms: t,
        }
    }

    /// Zone outage → 2 nodes NotReady → 3 evictions → displaced → rescheduled, plus an OOM
    /// kill of a pod that landed on an overloaded node.
    fn chain() -> Vec<EffectRecord> {
        use EffectKind::*;
        vec![
            rec(1, None, 1, Fault, "zone-b-outage", 600_000),
            rec(2, Some(1), 1, NodeNotReady, "p-1", 655_000),
            rec(3, Some(1), 1, NodeNotReady, "p-3", 655_000),
            rec(4, Some(2), 1, Eviction, "web-0", 955_000),
            rec(5, Some(2), 1, Eviction, "web-1", 955_000),
            rec(6, Some(3), 1, Eviction, "db-0", 965_000),
            rec(7, Some(4), 1, PodDisplaced, "web-0", 955_000),
            rec(8, Some(7), 1, PodRescheduled, "web-5", 956_000),
            rec(9, Some(8), 1, OomKill, "web-5", 1_200_000),
            rec(10, Some(9), 1, OverloadFailure, "p-4", 1_260_000),
            // A duplicate NotReady of p-1 (e.g. after a flap) counts once.
            rec(11, Some(1), 1, NodeNotReady, "p-1", 700_000),
        ]
    }

    #[test]
    fn builds_a_deep_chain() {
        let mut records = chain();
        records.reverse(); // order of records does not matter
        let cascades = build_cascades(&records);
        assert_eq!(cascades.len(), 1);
        let c = &cascades[0];
        // 1 → 2 → 4 → 7 → 8 → 9 → 10
        assert_eq!(c.depth, 6);
        let rows = cascade_rows(&cascades, |_| Some(1_500_000));
        let r = &rows[0];
        assert_eq!(r.root_kind, "fault");
        assert_eq!(r.root_target, "zone-b-outage");
        assert_eq!(r.root_time_s, "600.000");
        assert_eq!(r.nodes_failed, 3); // p-1, p-3, p-4
        assert_eq!(r.pods_evicted, 3);
        assert_eq!(r.pods_oom_killed, 1);
        assert_eq!(r.pods_displaced, 1);
        assert_eq!(r.pods_rescheduled, 1);
        assert_eq!(r.effects, 10);
        assert_eq!(r.time_to_recovery_s, "900.000");
    }

    #[test]
    fn independent_roots_and_orphans() {
        use EffectKind::*;
        let mut records = chain();
        records.extend([
            rec(20, None, 20, Fault, "reboot-q-1", 300_000),
            rec(21, Some(20), 20, NodeNotReady, "q-1", 355_000),
            // Root 30 was never recorded; its effects still form a cascade.
            rec(31, Some(30), 30, OomKill, "batch-3", 100_000),
            // Parent 99 unknown: hangs off the root.
            rec(32, Some(99), 30, Eviction, "batch-4", 110_000),
            rec(33, Some(32), 30, PodDisplaced, "batch-4", 110_000),
        ]);
        let cascades = build_cascades(&records);
        let roots: Vec<u64> = cascades.iter().map(|c| c.root_id).collect();
        assert_eq!(roots, vec![30, 20, 1]);
        assert_eq!(cascades[0].depth, 2);
        assert_eq!(cascades[1].depth, 1);
        let rows = cascade_rows(&cascades, |c| (c.root_id == 20).then_some(400_000));
        assert_eq!(rows[0].root_kind, "unknown");
        assert_eq!(rows[0].time_to_recovery_s, NOT_RECOVERED);
        assert_eq!(rows[1].time_to_recovery_s, "100.000");
        assert_eq!(rows[1].nodes_failed, 1);
        assert_eq!(rows[2].time_to_recovery_s, NOT_RECOVERED);

        use crate::metrics::schema::{cell_header, cell_row, CASCADE_CELLS};
        let mut lines = vec![cell_header(CASCADE_CELLS).join(",")];
        lines.extend(rows.iter().map(|r| cell_row(CASCADE_CELLS, r).join(",")));
        assert!(lines[0].starts_with("root_id,root_kind,"));
        assert_eq!(lines.len(), 4);
        assert_eq!(
            lines[2],
            "20,fault,reboot-q-1,300.000,1,0,0,0,0,1,1,100.000"
        );
        assert!(lines[1].ends_with(",not recovered"));
    }

    #[test]
    fn cycles_do_not_hang() {
        use EffectKind::*;
        let records = vec![
            rec(1, None, 1, Fault, "f", 0),
            rec(2, Some(3), 1, Eviction, "a", 1),
            rec(3, Some(2), 1, Eviction, "b", 2),
        ];
        let c = build_cascades(&records);
        // Neither 2 nor 3 is reachable from the root through a known parent chain that
        // starts at it, so the depth is 0; no infinite loop.
        assert_eq!(c[0].depth, 0);
        assert_eq!(c[0].effects.len(), 2);
    }
}
