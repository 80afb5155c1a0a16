//! A named optimisation of the per-node cost (issue 15 item 3): filtering, the fused resource
//! scores and the weighted sum in **one pass** over the sampled nodes, for the common cycle in
//! which nothing but the two resource scores can tell the feasible nodes apart.
//!
//! The general cycle walks the sampled nodes several times: `find_feasible` (verdicts), then in
//! `prioritize` the fused NodeResourcesFit / BalancedAllocation pass (`plugins/fused.rs`), the
//! weighted sum, and `selectHost`'s maximum. When the verdict cache is on and every other
//! enabled score plugin is skipped or adds the same normalised score to every node
//! (`fused::constant_rest` without an ImageLocality column), one pass reads each node's 8-byte
//! packed word (`verdicts::Hot`: the node version it reflects, both raw scores, feasible or
//! failed) and produces the verdict, both raw scores and the weighted total, keeping the
//! running maximum for `selectHost`; only nodes whose word is stale, or that carry
//! nominations, are evaluated in full (which refills the word). The feasible list, the
//! failures and the RNG draws are exactly the general path's; when a feasible node turns out
//! to carry an untolerated PreferNoSchedule taint (TaintToleration then varies) the cycle
//! falls back to the general `prioritize` on the same feasible list.
//! `scheduler/tests/one_pass_props.rs` runs a one-pass, a general and an uncached scheduler
//! side by side and compares every decision.

use super::config::ResolvedProfile;
use super::cycle::{Sampling, Scheduler};
use super::filter::Fail;
use super::plugins::{fused, image_locality, ScorePlugin};
use super::score::MAX_NODE_SCORE;
use super::verdicts::{Entry, Hot};
use crate::cluster::{NodeId, World};

/// Totals of the one-pass cycle: the maximum of the fused resource totals, the number of
/// feasible nodes holding it (their indices are `sc.ties[..ties]`) and the constant every
/// other plugin adds (not included in the maximum; adding it changes neither the maximum's
/// position nor the ties).
#[derive(Clone, Copy, Debug)]
pub(super) struct OnePassTotals {
    pub max: i64,
    pub ties: usize,
    pub constant: i64,
}

/// What a packed-word scan ([`Scheduler::packed_scan`]) does with each feasible node.
pub(super) trait Accept {
    /// Feasible node `n` with its two raw resource scores; true when enough were found.
    fn accept(&mut self, n: NodeId, fit: i64, bal: i64) -> bool;
}

/// The one-pass cycle's running answer, small enough to live in registers once inlined: the
/// feasible nodes found (`m`, written to `feasible[..m]`), the highest weighted total and the
/// number of feasible indices holding it (`ties[..k]`, see [`keep_tie`]).
struct Scan<'a> {
    weights: (i64, i64),
    m: usize,
    k: usize,
    max: i64,
    /// Sized to the number of feasible nodes to find.
    feasible: &'a mut [NodeId],
    ties: &'a mut [u32],
}

impl Accept for Scan<'_> {
    #[inline(always)]
    fn accept(&mut self, n: NodeId, fit: i64, bal: i64) -> bool {
        let t = fit * self.weights.0 + bal * self.weights.1;
        keep_tie(&mut self.max, &mut self.k, self.ties, self.m, t);
        self.feasible[self.m] = n;
        self.m += 1;
        self.m == self.feasible.len()
    }
}

/// Index `i` has total `t`: keeps `ties[..*k]` the indices holding the highest total so far
/// (`*max`), in order, without branches (reset when a higher total appears), so that
/// `selectHost`'s draws (`select::select_tie`) need not walk the totals again.
#[inline(always)]
pub(super) fn keep_tie(max: &mut i64, k: &mut usize, ties: &mut [u32], i: usize, t: i64) {
    if t > *max {
        *max = t;
        *k = 0;
    }
    ties[*k] = i as u32;
    *k += usize::from(t == *max);
}

/// The columns the packed-word loop reads, per node id.
struct Words<'a> {
    hot: &'a [u64],
    ver: &'a [u32],
    entries: &'a [Entry],
    nominated: &'a [u32],
}

/// Answers the nodes of `seg` from `*j` on from their packed words, until a node whose word
/// does not hold the answer (returns false with `*j` on it), the end of `seg` (false) or
/// enough feasible nodes (true). `NOMINATED`: some node may carry nominations (such nodes
/// are never answered from their word).
#[inline(always)]
fn scan_words<const NOMINATED: bool, A: Accept>(
    seg: &[NodeId],
    w: &Words<'_>,
    acc: &mut A,
    failures: &mut Vec<(NodeId, Fail)>,
    j: &mut usize,
) -> bool {
    let mut i = *j;
    let mut done = false;
    while i < seg.len() {
        let n = seg[i];
        let ix = n.ix();
        let h = w.hot[ix];
        let state = if !NOMINATED || w.nominated[ix] == 0 {
            Hot::state(h, w.ver[ix])
        } else {
            Hot::EMPTY
        };
        if state == Hot::FEASIBLE {
            i += 1;
            let (fit, bal) = Hot::scores(h);
            if acc.accept(n, fit, bal) {
                done = true;
                break;
            }
        } else if state == Hot::FAILED {
            i += 1;
            failures.push((n, w.entries[ix].verdict.expect_err("a failed node")));
        } else {
            break;
        }
    }
    *j = i;
    done
}

impl Scheduler {
    /// The prepared pod's profile when a fast cycle (one-pass, or two-pass in
    /// `spread_pass.rs`) may serve it: the fast cycles are on, the verdict cache serves the
    /// pod's nodes, and the profile scores with the fused default resource pair.
    pub(super) fn fast_cycle_profile(&self) -> Option<&ResolvedProfile> {
        if !self.one_pass || !self.fuse || !self.prep.cache {
            return None;
        }
        let prof = &self.profiles[self.prep.profile];
        (prof.has_score_plugins && fused::applies(prof)).then_some(prof)
    }

    /// The constant every score plugin other than the fused resource pair adds to each node
    /// when the prepared pod's cycle may run in one pass, else None. It applies when the
    /// verdict cache serves the pod's nodes, the profile's resource scores are the fused
    /// default pair, and every other enabled score plugin is skipped at PreScore or adds the
    /// same score everywhere: PodTopologySpread without soft constraints (`prepare_soft`
    /// skips it), ImageLocality when it scores 0 everywhere, and TaintToleration (`100 ×
    /// weight` as long as no feasible node has an untolerated PreferNoSchedule taint, which
    /// the pass checks per node). This is `fused::constant_rest` decided before the scan.
    pub(super) fn one_pass_constant(&self, world: &World) -> Option<i64> {
        let prof = self.fast_cycle_profile()?;
        let tpl = &world.templates[self.prep.template as usize];
        let mut constant = 0;
        for plugin in ScorePlugin::ALL {
            let i = plugin.index();
            let skipped = !prof.enabled[i] || plugin.prescore_skip(world, tpl, prof);
            match plugin {
                ScorePlugin::NodeResourcesFit | ScorePlugin::NodeResourcesBalancedAllocation => {
                    if skipped {
                        return None;
                    }
                }
                _ if skipped => {}
                ScorePlugin::TaintToleration => constant += MAX_NODE_SCORE * prof.weights[i],
                ScorePlugin::PodTopologySpread if !tpl.spread.iter().any(|c| !c.hard) => {}
                ScorePlugin::ImageLocality if image_locality::all_zero(world, tpl) => {}
                _ => return None,
            }
        }
        Some(constant)
    }

    /// `find_feasible` that also computes each feasible node's weighted NodeResourcesFit +
    /// BalancedAllocation total and keeps the indices of those holding the highest one in
    /// `sc.ties` (`sc.feasible_static` is filled only when the general `prioritize` must
    /// run), for a pod whose [`Scheduler::one_pass_constant`] is `constant`. Returns the
    /// number of nodes examined and, when at least two nodes are feasible and none has an
    /// untolerated PreferNoSchedule taint, the totals (None: run the general `prioritize`).
    #[inline(never)]
    pub(super) fn find_and_score(
        &mut self,
        world: &World,
        s: Sampling,
        constant: i64,
    ) -> (usize, Option<OnePassTotals>) {
        self.one_pass_cycles += 1;
        let mut feasible = std::mem::take(&mut self.sc.feasible);
        let mut failures = std::mem::take(&mut self.sc.failures);
        let mut ties = std::mem::take(&mut self.sc.ties);
        failures.clear();
        feasible.clear();
        // As the general scan, at least one feasible node is taken.
        let to_find = s.to_find.max(1);
        feasible.resize(to_find, NodeId(0));
        ties.resize(ties.len().max(to_find), 0);
        let prof = &self.profiles[self.prep.profile];
        let mut acc = Scan {
            weights: (
                prof.weights[ScorePlugin::NodeResourcesFit.index()],
                prof.weights[ScorePlugin::NodeResourcesBalancedAllocation.index()],
            ),
            m: 0,
            k: 0,
            max: i64::MIN,
            feasible: &mut feasible,
            ties: &mut ties,
        };
        let (processed, prefer) = self.packed_scan(world, s, &mut acc, &mut failures);
        let (m, max, k) = (acc.m, acc.max, acc.k);
        feasible.truncate(m);
        let ready = feasible.len() >= 2 && !prefer;
        self.sc.feasible = feasible;
        self.sc.failures = failures;
        self.sc.ties = ties;
        if prefer && self.sc.feasible.len() >= 2 {
            self.fill_statics(world);
        }
        let totals = ready.then_some(OnePassTotals {
            max,
            ties: k,
            constant,
        });
        (processed, totals)
    }

    /// The rotated scan from `s.start` over `node_order` (its tail, then its head) until
    /// `acc` has enough feasible nodes: nodes answered by their packed words, and a node
    /// whose word does not hold the answer evaluated in full (`Filt::run_scored`, which
    /// refills the word), after which the scan resumes. Failures go to `failures` in
    /// examination order. Returns the number of nodes examined and whether a feasible node
    /// has an untolerated PreferNoSchedule taint. Shared by the one-pass and the two-pass
    /// (`spread_pass.rs`) cycles.
    #[inline(always)]
    pub(super) fn packed_scan<A: Accept>(
        &mut self,
        world: &World,
        s: Sampling,
        acc: &mut A,
        failures: &mut Vec<(NodeId, Fail)>,
    ) -> (usize, bool) {
        let shape = fused::PodShape::of(&world.templates[self.prep.template as usize]);
        let nominated = !self.nominations.is_empty();
        let order = &world.node_order;
        let mut prefer = false;
        let mut done = false;
        let mut processed = 0;
        let mut f = self.filt(world);
        for seg in [&order[s.start..], &order[..s.start]] {
            let mut j = 0;
            while j < seg.len() {
                {
                    let (hot, ver, entries, nominated_count) = f.hot_view();
                    let w = Words {
                        hot,
                        ver,
                        entries,
                        nominated: nominated_count,
                    };
                    done = if nominated {
                        scan_words::<true, A>(seg, &w, acc, failures, &mut j)
                    } else {
                        scan_words::<false, A>(seg, &w, acc, failures, &mut j)
                    };
                }
                if done || j == seg.len() {
                    break;
                }
                let n = seg[j];
                j += 1;
                match f.run_scored(&shape, n, &mut prefer) {
                    Ok((fit, bal)) => {
                        if acc.accept(n, fit, bal) {
                            done = true;
                            break;
                        }
                    }
                    Err(fail) => failures.push((n, fail)),
                }
            }
            processed += j;
            if done {
                break;
            }
        }
        (processed, prefer)
    }

    /// Fills `sc.feasible_static` (the static score inputs the fast cycles do not keep) for
    /// the general `prioritize` a fast cycle falls back to.
    pub(super) fn fill_statics(&mut self, world: &World) {
        let mut statics = std::mem::take(&mut self.sc.feasible_static);
        statics.clear();
        for i in 0..self.sc.feasible.len() {
            let n = self.sc.feasible[i];
            statics.push(self.filter_node(world, n).expect("a feasible node"));
        }
        self.sc.feasible_static = statics;
    }
}
