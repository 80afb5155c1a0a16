//! Exact per-(template, node) cache of filter verdicts and resource scores (a named
//! optimisation of the per-node cost).
//!
//! Under a steady stream of pods of a few templates a cycle examines hundreds of nodes, of
//! which only a handful changed since the template's previous cycle. A node's verdict for a
//! *node-local* template (no hard topology spread, no inter-pod affinity filter work) is a
//! function of that node's own fields (allocatable, requested, pod count, labels, taints,
//! cordon) and of the nominations on it; its NodeResourcesFit / BalancedAllocation raw scores
//! are functions of its allocatable and requested columns only. Every write to those fields is
//! recorded in `World::node_changes`, so a per-node version counter bumped for each recorded
//! change tells whether a cached entry still holds. Nodes with nominations are never served
//! from the cache (their verdict depends on the nominated pods' priorities).
//!
//! Like the failure memo it needs every node write recorded, so it is on only while the memo is
//! (the simulation); results are identical with it on or off (the cache stores exactly what the
//! full evaluation returned; `scheduler/tests/props.rs` compares runs).

use super::filter::Fail;
use crate::cluster::{TemplateId, World};

/// Templates with a cache slot at a time (a template takes slot `t % SLOTS`).
const SLOTS: usize = 32;

/// A version no node has (entry never filled).
const NONE: u32 = u32::MAX;

/// One node's cached entry for one template.
#[derive(Clone, Copy)]
pub(crate) struct Entry {
    /// Node version the verdict reflects (`NONE`: empty).
    pub ver: u32,
    /// Filter verdict (Ok: static score inputs).
    pub verdict: Result<(i32, i32), Fail>,
    /// Node version the resource scores reflect (`NONE`: empty).
    pub score_ver: u32,
    /// Fused NodeResourcesFit raw score.
    pub fit: i32,
    /// Fused BalancedAllocation raw score.
    pub bal: i32,
}

const EMPTY: Entry = Entry {
    ver: NONE,
    verdict: Err(Fail::NotHelpful),
    score_ver: NONE,
    fit: 0,
    bal: 0,
};

struct Slot {
    template: TemplateId,
    entries: Vec<Entry>,
}

/// Node versions and the per-template slots.
#[derive(Default)]
pub(crate) struct VerdictCache {
    /// Per node id: bumped for every recorded change.
    pub ver: Vec<u32>,
    cursor: u64,
    slots: Vec<Slot>,
}

impl VerdictCache {
    /// Bumps the version of every node recorded in `World::node_changes` since the last sync
    /// (every node when the log lost some).
    pub(crate) fn sync(&mut self, world: &World) {
        let n = world.nodes.len();
        if self.ver.len() < n {
            self.ver.resize(n, 0);
        }
        let total = world.node_changes.total();
        if total == self.cursor {
            return;
        }
        match world.node_changes.since(self.cursor) {
            Some(changed) => {
                for c in changed {
                    let v = &mut self.ver[c.ix()];
                    *v = (*v + 1) % NONE;
                }
            }
            None => {
                for v in &mut self.ver {
                    *v = (*v + 1) % NONE;
                }
            }
        }
        self.cursor = total;
    }

    /// The entries of template `t` (one per node id, emptied if the slot held another
    /// template) and the node versions.
    pub(crate) fn parts(&mut self, t: TemplateId, n_nodes: usize) -> (&mut [Entry], &[u32]) {
        if self.slots.is_empty() {
            self.slots = (0..SLOTS)
                .map(|_| Slot {
                    template: TemplateId::MAX,
                    entries: Vec::new(),
                })
                .collect();
        }
        let s = &mut self.slots[t as usize % SLOTS];
        if s.template != t {
            s.template = t;
            s.entries.clear();
        }
        if s.entries.len() < n_nodes {
            s.entries.resize(n_nodes, EMPTY);
        }
        (&mut s.entries, &self.ver)
    }
}
