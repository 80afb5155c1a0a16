//! The causality log: every fault, node failure, eviction, OOM kill, displaced pod,
//! rescheduling, probe restart and service-level transition (overload, retry storm, breaker
//! opening) of a run, each with its direct parent and its root cause.
//!
//! Effect ids are the `cause` carried by pods (`Pod::cause`): a replacement pod carries the id
//! of the effect that removed its predecessor, so when it is scheduled its `PodRescheduled`
//! record hangs off that effect. Records are stored compactly (targets as ids) and turned into
//! [`EffectRecord`]s with names at the end of the run.

use super::cascade::{EffectKind, EffectRecord};
use crate::engine::SimTime;

/// What an effect happened to, resolved to a name at the end of the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EffectTarget {
    /// A fault of the scenario (index into its `faults`).
    Fault(u32),
    /// A node.
    Node(u32),
    /// A pod, by workload and ordinal (`<workload>-<ordinal>`).
    Pod {
        /// Workload id.
        workload: u32,
        /// Ordinal within the workload.
        ordinal: u32,
    },
    /// A service (index into the scenario's services).
    Service(u32),
    /// A call edge between services (index into the service graph's calls),
    /// named `<caller>-><callee>`.
    Call(u32),
}

#[derive(Clone, Copy, Debug)]
struct Effect {
    parent: u64,
    root: u64,
    kind: EffectKind,
    target: EffectTarget,
    time: SimTime,
}

/// Every effect of a run, in the order they happened; id `i + 1` is entry `i`.
#[derive(Clone, Debug, Default)]
pub struct EffectLog {
    effects: Vec<Effect>,
}

impl EffectLog {
    /// Records an effect caused by `parent` (0: none, the effect is a root) and returns its id.
    pub fn record(
        &mut self,
        kind: EffectKind,
        parent: u64,
        target: EffectTarget,
        time: SimTime,
    ) -> u64 {
        let id = self.effects.len() as u64 + 1;
        let root = if parent == 0 { id } else { self.root(parent) };
        self.effects.push(Effect {
            parent,
            root,
            kind,
            target,
            time,
        });
        id
    }

    /// The root cause of effect `id` (0 for 0 or an unknown id).
    pub fn root(&self, id: u64) -> u64 {
        match id.checked_sub(1).and_then(|i| self.effects.get(i as usize)) {
            Some(e) => e.root,
            None => 0,
        }
    }

    /// The kind of effect `id`.
    pub fn kind(&self, id: u64) -> Option<EffectKind> {
        id.checked_sub(1)
            .and_then(|i| self.effects.get(i as usize))
            .map(|e| e.kind)
    }

    /// The latest effect since `since` on a pod of `workload` or on a node of `nodes` (0: none):
    /// the parent of a service overload's effects.
    pub fn latest_on(&self, workload: u32, nodes: &[u32], since: SimTime) -> u64 {
        let hit = |t: EffectTarget| match t {
            EffectTarget::Pod { workload: w, .. } => w == workload,
            EffectTarget::Node(n) => nodes.contains(&n),
            EffectTarget::Fault(_) | EffectTarget::Service(_) | EffectTarget::Call(_) => false,
        };
        // Effects are recorded in time order: stop at the first one before `since`.
        self.effects
            .iter()
            .enumerate()
            .rev()
            .take_while(|(_, e)| e.time >= since)
            .find(|(_, e)| hit(e.target))
            .map_or(0, |(i, _)| i as u64 + 1)
    }

    /// Number of effects recorded.
    pub fn len(&self) -> usize {
        self.effects.len()
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.effects.is_empty()
    }

    /// The records with their targets named by `name`.
    pub fn records(&self, name: impl Fn(EffectTarget) -> String) -> Vec<EffectRecord> {
        self.effects
            .iter()
            .enumerate()
            .map(|(i, e)| EffectRecord {
                id: i as u64 + 1,
                parent: (e.parent != 0).then_some(e.parent),
                root: e.root,
                kind: e.kind,
                target: name(e.target),
                time_ms: e.time.as_millis(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_follow_parents() {
        let mut log = EffectLog::default();
        let f = log.record(EffectKind::Fault, 0, EffectTarget::Fault(0), SimTime(5));
        let n = log.record(
            EffectKind::NodeNotReady,
            f,
            EffectTarget::Node(3),
            SimTime(55),
        );
        let d = log.record(
            EffectKind::PodDisplaced,
            n,
            EffectTarget::Pod {
                workload: 1,
                ordinal: 2,
            },
            SimTime(355),
        );
        let other = log.record(EffectKind::OomKill, 0, EffectTarget::Node(1), SimTime(9));
        assert_eq!((f, n, d, other), (1, 2, 3, 4));
        assert_eq!((log.root(d), log.root(n), log.root(other)), (1, 1, 4));
        assert_eq!(log.root(0), 0);
        assert_eq!(log.root(99), 0);
        let recs = log.records(|t| format!("{t:?}"));
        assert_eq!(recs[2].parent, Some(2));
        assert_eq!(recs[0].parent, None);
        assert_eq!(recs[2].root, 1);
        assert_eq!(recs[2].time_ms, 355);
    }
}
