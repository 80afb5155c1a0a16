//! Exact per-(signature, node) cache of the preemption dry run's victim selection, and the
//! dry run's reusable buffers (a named optimisation of preemption under overload).
//!
//! Under a persistent backlog of high-priority pods every failing cycle runs a dry run that
//! selects victims on up to `max(10 % of the nodes, 100)` candidate nodes, and the next pod of
//! the same shape runs it again over mostly the same, unchanged nodes. A node's victim
//! selection (`select_victims_on_node`) reads only:
//!
//! * the preemptor's scheduling signature (requests, priority, profile, filters; equal for
//!   every template sharing it, `signature.rs`), provided its filters are node-local
//!   (`Prep::cache`: no hard topology spread, no inter-pod affinity work);
//! * the node's own state: allocatable, requested, pod count, labels, taints, cordon, and its
//!   pods with their templates and start times, all of which change only through writes
//!   recorded in `World::node_changes`, i.e. while the node's version (`verdicts.rs`) is
//!   unchanged, none of them changed;
//! * the nominations on the node (none allowed here: the cache is neither read nor written for
//!   a node with a nomination);
//! * the PodDisruptionBudget oracle (only an oracle that never reports a violation,
//!   [`super::preempt::PdbOracle::never_violates`], is allowed: the answer then cannot depend
//!   on budget state).
//!
//! So an entry stored with the node's version answers every later selection for the same
//! signature on that node while the version is unchanged. It keeps exactly what the full
//! selection returned (its status, or its victims in order with their rank for
//! `pickOneNodeForPreemption`), and is on only with the failure memo (which keeps node versions
//! current); the memo-off path is the reference (`tests/preempt_cache.rs` compares them).

use super::filter::Fail;
use crate::cluster::{NodeId, PodId};

/// `pickOneNodeForPreemption`'s criteria for one candidate, in upstream order, higher is
/// better: −PDB violations, −priority of the first victim, −Σ(priority + 2³¹), −victims,
/// earliest start among the highest-priority victims (`i64::MAX` when unknown).
pub(crate) type Rank = [i64; 5];

/// A version no node has (entry never filled).
const NONE: u32 = u32::MAX;

/// One (signature, node) entry.
#[derive(Clone, Copy)]
struct Entry {
    /// Node version the entry reflects (`NONE`: empty).
    ver: u32,
    /// Victims: `arena[start..start + len]` (when `fail` is None).
    start: u32,
    len: u32,
    /// The selection's status when preemption cannot help on the node.
    fail: Option<Fail>,
    /// The victims' rank (when `fail` is None).
    rank: Rank,
}

const EMPTY: Entry = Entry {
    ver: NONE,
    start: 0,
    len: 0,
    fail: None,
    rank: [0; 5],
};

/// One signature's entries (per node id) and its victim lists.
#[derive(Default)]
struct PerSignature {
    entries: Vec<Entry>,
    arena: Vec<PodId>,
    /// Victims referenced by entries (the rest of the arena is garbage).
    live: usize,
}

impl PerSignature {
    /// Rewrites the arena with the referenced victims only, in node order.
    fn compact(&mut self) {
        let mut arena = Vec::with_capacity(self.live * 2);
        for e in &mut self.entries {
            if e.fail.is_none() && e.len > 0 {
                let (s, l) = (e.start as usize, e.len as usize);
                e.start = arena.len() as u32;
                arena.extend_from_slice(&self.arena[s..s + l]);
            }
        }
        self.live = arena.len();
        self.arena = arena;
    }
}

/// The per-signature victim selections.
#[derive(Default)]
pub(crate) struct VictimCache {
    sigs: Vec<PerSignature>,
    hits: u64,
}

impl VictimCache {
    /// Forgets everything (node versions or signature ids changed meaning).
    pub(crate) fn clear(&mut self) {
        self.sigs.clear();
    }

    /// Selections answered from the cache so far.
    pub(crate) fn hits(&self) -> u64 {
        self.hits
    }

    /// The selection stored for signature `sig` on node `ix` at version `ver`: its victims
    /// and their rank, or its status.
    #[inline]
    pub(crate) fn get(
        &mut self,
        sig: u32,
        ix: usize,
        ver: u32,
    ) -> Option<Result<(&[PodId], Rank), Fail>> {
        let s = self.sigs.get(sig as usize)?;
        let e = s.entries.get(ix)?;
        if e.ver != ver {
            return None;
        }
        self.hits += 1;
        Some(match e.fail {
            Some(f) => Err(f),
            None => {
                let st = e.start as usize;
                Ok((&s.arena[st..st + e.len as usize], e.rank))
            }
        })
    }

    /// Stores the selection computed for signature `sig` on node `ix` at version `ver`
    /// (`n_nodes`: the world's node count).
    pub(crate) fn store(
        &mut self,
        sig: u32,
        ix: usize,
        ver: u32,
        n_nodes: usize,
        result: Result<(&[PodId], Rank), Fail>,
    ) {
        let si = sig as usize;
        if self.sigs.len() <= si {
            self.sigs.resize_with(si + 1, PerSignature::default);
        }
        let s = &mut self.sigs[si];
        if s.entries.len() < n_nodes.max(ix + 1) {
            s.entries.resize(n_nodes.max(ix + 1), EMPTY);
        }
        let old = s.entries[ix];
        if old.fail.is_none() {
            s.live -= old.len as usize;
        }
        let e = match result {
            Err(f) => Entry {
                ver,
                start: 0,
                len: 0,
                fail: Some(f),
                rank: [0; 5],
            },
            Ok((victims, rank)) => {
                let start = s.arena.len() as u32;
                s.arena.extend_from_slice(victims);
                s.live += victims.len();
                Entry {
                    ver,
                    start,
                    len: victims.len() as u32,
                    fail: None,
                    rank,
                }
            }
        };
        s.entries[ix] = e;
        if s.arena.len() > 2 * s.live + 4096 {
            s.compact();
        }
    }
}

/// One preemption candidate found by the dry run: its victims are
/// `DryRunScratch::victims[start..start + len]`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Cand {
    pub node: NodeId,
    pub start: usize,
    pub len: usize,
    pub rank: Rank,
}

/// The dry run's buffers, reused across dry runs (the hot path allocates nothing once they
/// have grown).
#[derive(Default)]
pub(crate) struct DryRunScratch {
    /// Potential nodes (nodes where preemption might help) in node order.
    pub nodes: Vec<NodeId>,
    /// Statuses for the "0/N nodes are available" message.
    pub statuses: Vec<Fail>,
    /// Candidates without PDB violations, in the order found.
    pub clean: Vec<Cand>,
    /// Candidates with PDB violations, in the order found.
    pub violating: Vec<Cand>,
    /// Every candidate's victims, back to back.
    pub victims: Vec<PodId>,
    /// The FitError histogram's status counts.
    pub counts: Vec<(Fail, usize)>,
}

/// One node's selection buffers (`select_victims_on_node`), reused across nodes.
#[derive(Default)]
pub(crate) struct NodeScratch {
    /// Potential victims (lower-priority pods), most important first.
    pub potential: Vec<PodId>,
    /// Templates of the pods currently removed.
    pub removed: Vec<crate::cluster::TemplateId>,
    /// Requested-resource change on the node.
    pub delta: Vec<i64>,
    /// PDB-violating flags of `potential`.
    pub flags: Vec<bool>,
    /// Victims of a selection (for a caller that only wants to know whether there are any).
    pub victims: Vec<PodId>,
}

/// Everything preemption keeps between dry runs.
#[derive(Default)]
pub(crate) struct PreemptState {
    /// Per-(signature, node) victim selections (used with the failure memo only).
    pub cache: VictimCache,
    /// Dry-run buffers.
    pub dry: DryRunScratch,
    /// Per-node selection buffers.
    pub node: NodeScratch,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pods(ids: &[u32]) -> Vec<PodId> {
        ids.iter().map(|&i| PodId { index: i, gen: 0 }).collect()
    }

    #[test]
    fn entries_answer_only_their_version_and_survive_compaction() {
        let mut c = VictimCache::default();
        let fail = Fail::Fit {
            mask: 1,
            unresolvable: false,
        };
        assert!(c.get(0, 3, 7).is_none());
        c.store(0, 3, 7, 10, Err(fail));
        assert_eq!(c.get(0, 3, 7).map(|r| r.err()), Some(Some(fail)));
        assert!(c.get(0, 3, 8).is_none(), "another version");
        assert!(c.get(1, 3, 7).is_none(), "another signature");
        // Rewrite one node's victims many times: the arena is compacted, the other node's
        // victims stay intact.
        let keep = pods(&[5, 6]);
        c.store(2, 1, 4, 10, Ok((&keep, [0, -1, -2, -2, 9])));
        let many: Vec<PodId> = pods(&(0..64).collect::<Vec<_>>());
        for v in 0..1_000u32 {
            c.store(2, 2, v, 10, Ok((&many[..(v as usize % 64) + 1], [0; 5])));
        }
        let s = &c.sigs[2];
        assert!(s.arena.len() <= 2 * s.live + 4096 + 64, "compacted");
        let (v, rank) = c.get(2, 1, 4).expect("hit").expect("victims");
        assert_eq!((v, rank), (&keep[..], [0, -1, -2, -2, 9]));
        let (v, _) = c.get(2, 2, 999).expect("hit").expect("victims");
        assert_eq!(v, &many[..(999 % 64) + 1]);
        assert_eq!(c.hits(), 3);
    }
}
