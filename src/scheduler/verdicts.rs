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
    /// Per node: the one-pass cycle's packed answer (see [`Hot`]).
    hot: Vec<u64>,
}

/// The one-pass cycle's packed per-(template, node) answer (`one_pass.rs`): 8 bytes a node,
/// so the sampled scan reads a quarter of the memory an [`Entry`] takes. Bits 0–31: the node
/// version it reflects; 32–39: the fused NodeResourcesFit raw score; 40–47: the
/// BalancedAllocation raw score; 48–55: the state. Written only for nodes without
/// nominations, from the very values the full evaluation returned.
pub(crate) struct Hot;

impl Hot {
    /// Not filled (any version): evaluate the node.
    pub const EMPTY: u64 = 0;
    /// State: feasible, no untolerated PreferNoSchedule taint; both scores held.
    pub const FEASIBLE: u64 = 1;
    /// State: the node fails the filters; the failure is the [`Entry`]'s verdict.
    pub const FAILED: u64 = 2;

    /// Packs an answer for node version `ver`.
    #[inline(always)]
    pub fn pack(ver: u32, state: u64, fit: i64, bal: i64) -> u64 {
        debug_assert!((0..=100).contains(&fit) && (0..=100).contains(&bal));
        u64::from(ver) | (fit as u64) << 32 | (bal as u64) << 40 | state << 48
    }

    /// The state of `h` when it reflects version `ver` (0 otherwise).
    #[inline(always)]
    pub fn state(h: u64, ver: u32) -> u64 {
        if h as u32 == ver {
            h >> 48
        } else {
            Hot::EMPTY
        }
    }

    /// The fit and balanced scores held in `h`.
    #[inline(always)]
    pub fn scores(h: u64) -> (i64, i64) {
        (((h >> 32) & 0xff) as i64, ((h >> 40) & 0xff) as i64)
    }
}

/// One template's cache as the filters see it.
pub(crate) struct Parts<'a> {
    /// Per node id.
    pub entries: &'a mut [Entry],
    /// Per node id (see [`Hot`]).
    pub hot: &'a mut [u64],
    /// Node versions, per node id.
    pub ver: &'a [u32],
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
        let p = self.all_parts(t, n_nodes);
        (p.entries, p.ver)
    }

    /// [`VerdictCache::parts`] with the one-pass cycle's packed answers.
    pub(crate) fn all_parts(&mut self, t: TemplateId, n_nodes: usize) -> Parts<'_> {
        if self.slots.is_empty() {
            self.slots = (0..SLOTS)
                .map(|_| Slot {
                    template: TemplateId::MAX,
                    entries: Vec::new(),
                    hot: Vec::new(),
                })
                .collect();
        }
        let s = &mut self.slots[t as usize % SLOTS];
        if s.template != t {
            s.template = t;
            s.entries.clear();
            s.hot.clear();
        }
        if s.entries.len() < n_nodes {
            s.entries.resize(n_nodes, EMPTY);
            s.hot.resize(n_nodes, Hot::EMPTY);
        }
        Parts {
            entries: &mut s.entries,
            hot: &mut s.hot,
            ver: &self.ver,
        }
    }
}
