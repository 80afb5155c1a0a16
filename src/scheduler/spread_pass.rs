//! A named optimisation of the per-node cost (issue 15 item 4): the general cycle in **two
//! passes** for pods whose nodes differ only in the two resource scores, the soft topology
//! spread of the system-default shape and, optionally, ImageLocality — the Deployment pods of
//! `scale-65000`, which carry the system-default spread constraints.
//!
//! The general cycle walks the ~3,250 sampled nodes many times (`find_feasible`, the fused
//! resource scores through the 32-byte verdict-cache entries, the TaintToleration column and
//! its normalisation, the spread table, its normalisation, the weighted sum, `selectHost`'s
//! maximum). Here pass 1 is the one-pass cycle's scan (`one_pass.rs`): each node's 8-byte
//! packed word (`verdicts::Hot`) gives its verdict and both raw resource scores, nodes whose
//! word is stale or that carry nominations are evaluated in full; for each feasible node it
//! keeps the weighted resource total and the node's spread *cell* (its pod-group count on the
//! host, below 64, and its domain of the other key, of at most 16), marking the cells seen.
//! A node's raw spread score depends on its cell only (`topology_spread::pair_table`), and
//! PodTopologySpread's NormalizeScore needs only the minimum and maximum raw score over the
//! feasible nodes that are not ignored, so after the PreScore (`prepare_soft`, unchanged) the
//! raw and normalised score of each *seen cell* is computed once, with the very float
//! additions and integer arithmetic of `score_plain` and `spread_normalize`. Pass 2 walks the
//! compact (total, cell) list adding the weighted normalised spread score (and the
//! ImageLocality column) and keeps the maximum for `selectHost`.
//!
//! The feasible list, failures, totals and RNG draws are exactly the general cycle's. A cycle
//! with a feasible node carrying an untolerated PreferNoSchedule taint, or a host count of 64
//! or more, falls back to the general `prioritize` on the same feasible list.
//! `scheduler/tests/spread_pass_props.rs` compares it with the general and the uncached cycle.

use super::cycle::{Sampling, Scheduler};
use super::one_pass::{keep_tie, Accept, OnePassTotals};
use super::plugins::topology_spread::pair_value;
use super::plugins::{image_locality, ScorePlugin};
use super::score::{round_half_away, spread_normalized, MAX_NODE_SCORE};
use crate::cluster::{GroupId, NodeId, TopoKeyId, World, NO_DOMAIN};

/// Host counts below this have a row of cells; a higher count sends the cycle to the general
/// `prioritize`.
const HOST_ROWS: usize = 64;
/// Domains of the other key that have a column of cells (one more column: no domain).
const DOMAIN_COLS: usize = 16;
/// Cells per row.
const COLS: usize = DOMAIN_COLS + 1;
/// Cells: host count rows, then the row of nodes without a hostname domain.
pub(super) const CELLS: usize = (HOST_ROWS + 1) * COLS;

/// What the two-pass cycle needs to know before the scan.
#[derive(Clone, Copy, Debug)]
pub(super) struct SpreadPlan {
    /// The weighted score every plugin other than the resource pair, the spread and
    /// ImageLocality adds to each node (TaintToleration while no feasible node has an
    /// untolerated PreferNoSchedule taint).
    constant: i64,
    /// The hostname constraint's key and pod group.
    host_key: TopoKeyId,
    host_group: GroupId,
    /// The other constraint's key.
    other_key: TopoKeyId,
    /// ImageLocality adds a varying column.
    image: bool,
}

impl Scheduler {
    /// The plan of the two-pass cycle when the prepared pod's cycle may run in it, else None.
    /// It applies when the verdict cache serves the pod's nodes, the profile's resource
    /// scores are the fused default pair, the pod has exactly two soft spread constraints, one
    /// on the hostname key and one on a key with at most 16 domains, and every other enabled
    /// score plugin is skipped at PreScore, is ImageLocality, or is TaintToleration (constant
    /// until a PreferNoSchedule taint shows up, which the scan checks per node).
    pub(super) fn spread_pass_plan(&self, world: &World) -> Option<SpreadPlan> {
        let prof = self.fast_cycle_profile()?;
        let tpl = &world.templates[self.prep.template as usize];
        let host = self.topo.hostname_key?;
        let mut soft = tpl.spread.iter().filter(|c| !c.hard);
        let (a, b) = (soft.next()?, soft.next()?);
        if soft.next().is_some() {
            return None;
        }
        let (h, o) = match (a.key == host, b.key == host) {
            (true, false) => (a, b),
            (false, true) => (b, a),
            _ => return None,
        };
        if world.groups.keys[o.key as usize].domains as usize > DOMAIN_COLS {
            return None;
        }
        let mut plan = SpreadPlan {
            constant: 0,
            host_key: h.key,
            host_group: h.group,
            other_key: o.key,
            image: false,
        };
        for plugin in ScorePlugin::ALL {
            let i = plugin.index();
            let skipped = !prof.enabled[i] || plugin.prescore_skip(world, tpl, prof);
            match plugin {
                ScorePlugin::NodeResourcesFit | ScorePlugin::NodeResourcesBalancedAllocation => {
                    if skipped {
                        return None;
                    }
                }
                // Without PodTopologySpread the one-pass cycle is the one to use.
                ScorePlugin::PodTopologySpread if skipped => return None,
                ScorePlugin::PodTopologySpread => {}
                _ if skipped => {}
                ScorePlugin::TaintToleration => {
                    plan.constant += MAX_NODE_SCORE * prof.weights[i];
                }
                ScorePlugin::ImageLocality => plan.image = !image_locality::all_zero(world, tpl),
                _ => return None,
            }
        }
        Some(plan)
    }

    /// `find_feasible` and, when at least two nodes are feasible, the whole score of the
    /// general `prioritize` into `sc.total` (without `plan.constant`), for a pod whose
    /// [`Scheduler::spread_pass_plan`] is `plan`. Returns the number of nodes examined and
    /// the totals' maximum (None: run the general `prioritize`, or no scoring is needed).
    #[inline(never)]
    pub(super) fn find_and_score_spread(
        &mut self,
        world: &World,
        s: Sampling,
        plan: &SpreadPlan,
    ) -> (usize, Option<OnePassTotals>) {
        self.spread_pass_cycles += 1;
        let mut feasible = std::mem::take(&mut self.sc.feasible);
        let mut failures = std::mem::take(&mut self.sc.failures);
        let mut total = std::mem::take(&mut self.sc.total);
        let mut cells = std::mem::take(&mut self.sc.cells);
        feasible.clear();
        failures.clear();
        total.clear();
        cells.clear();
        let prof = &self.profiles[self.prep.profile];
        let (wf, wb) = (
            prof.weights[ScorePlugin::NodeResourcesFit.index()],
            prof.weights[ScorePlugin::NodeResourcesBalancedAllocation.index()],
        );
        let img = ScorePlugin::ImageLocality.index();
        let (ws, wi) = (prof.weights[spread_index()], prof.weights[img]);
        let groups = &world.groups;
        let mut c = Collect {
            host_domain: &groups.keys[plan.host_key as usize].node_domain,
            host_identity: self.topo.host_identity,
            host_counts: groups.counts(plan.host_group, plan.host_key),
            other_domain: &groups.keys[plan.other_key as usize].node_domain,
            wf,
            wb,
            to_find: s.to_find,
            feasible: &mut feasible,
            total: &mut total,
            cells: &mut cells,
            seen: [false; CELLS],
            missing: 0,
            overflow: false,
        };
        let (processed, prefer) = self.packed_scan(world, s, &mut c, &mut failures);
        let (seen, missing, overflow) = (c.seen, c.missing, c.overflow);
        let k = feasible.len();
        self.sc.feasible = feasible;
        self.sc.failures = failures;
        self.sc.total = total;
        self.sc.cells = cells;
        if k < 2 {
            return (processed, None);
        }
        if prefer || overflow {
            self.fill_statics(world);
            return (processed, None);
        }
        // PreScore of the soft constraints, as the general `prioritize` runs it, with the
        // sizes read off the cells: the nodes lacking a key are ignored unless the
        // constraints are the system defaults, and the other key's distinct values among the
        // nodes not ignored are the columns seen (the last one stands for "no value").
        let require_all = !world.templates[self.prep.template as usize].spread_system_default;
        let ignored = |cell: usize| require_all && is_missing(cell);
        let not_ignored = if require_all { k - missing } else { k };
        let mut columns = [false; COLS];
        for cell in (0..CELLS).filter(|&c| seen[c] && !ignored(c)) {
            columns[cell % COLS] = true;
        }
        let distinct = columns.iter().filter(|&&c| c).count();
        self.soft_states(world, not_ignored, Some(distinct));
        let cell_scores = self.cell_scores(world, &seen, ws);
        let (mut max, mut n_ties) = (i64::MIN, 0);
        let tpl_id = self.prep.template as usize;
        let sc = &mut self.sc;
        let mut ties = std::mem::take(&mut sc.ties);
        ties.resize(ties.len().max(k), 0);
        if plan.image {
            let tpl = &world.templates[tpl_id];
            let raw = &mut sc.raw[img];
            raw.resize(k, 0);
            image_locality::score(world, tpl, &sc.feasible, raw);
            for (i, ((t, &c), &r)) in sc
                .total
                .iter_mut()
                .zip(&sc.cells)
                .zip(raw.iter())
                .enumerate()
            {
                *t += cell_scores[c as usize] + r * wi;
                keep_tie(&mut max, &mut n_ties, &mut ties, i, *t);
            }
        } else {
            for (i, (t, &c)) in sc.total.iter_mut().zip(&sc.cells).enumerate() {
                *t += cell_scores[c as usize];
                keep_tie(&mut max, &mut n_ties, &mut ties, i, *t);
            }
        }
        sc.ties = ties;
        let totals = OnePassTotals {
            max,
            ties: n_ties,
            constant: plan.constant,
        };
        (processed, Some(totals))
    }

    /// The weighted normalised PodTopologySpread score of every seen cell (`seen`), from the
    /// PreScore state `prepare_soft` left in `sc.soft`: a cell's raw score is `score_plain`'s
    /// float sum over the constraints in order, rounded, and 0 for ignored nodes (those
    /// lacking a key when the constraints are not the system defaults); NormalizeScore's
    /// minimum and maximum are taken over the seen cells that are not ignored, as
    /// `spread_normalize` takes them over the nodes.
    fn cell_scores(&self, world: &World, seen: &[bool; CELLS], weight: i64) -> [i64; CELLS] {
        let soft = &self.sc.soft;
        let tpl = &world.templates[self.prep.template as usize];
        let require_all = !tpl.spread_system_default;
        let mut raw = [0i64; CELLS];
        let mut ignored = [false; CELLS];
        let (mut min, mut max) = (i64::MAX, 0i64);
        for cell in 0..CELLS {
            if !seen[cell] {
                continue;
            }
            let (row, col) = (cell / COLS, cell % COLS);
            let h = (row < HOST_ROWS).then_some(row as i64);
            let d = (col < DOMAIN_COLS).then_some(col);
            if require_all && is_missing(cell) {
                ignored[cell] = true;
                continue;
            }
            let r = round_half_away(pair_value(soft, h, d));
            raw[cell] = r;
            min = min.min(r);
            max = max.max(r);
        }
        let inv = 1.0 / max as f64;
        let mut out = [0i64; CELLS];
        for cell in 0..CELLS {
            if seen[cell] && !ignored[cell] {
                let norm = if max == 0 {
                    MAX_NODE_SCORE
                } else {
                    spread_normalized(raw[cell], min, max, inv)
                };
                out[cell] = norm * weight;
            }
        }
        out
    }
}

/// What the scan keeps per feasible node.
struct Collect<'a> {
    host_domain: &'a [u32],
    /// The hostname key's domain of every node is its node id.
    host_identity: bool,
    host_counts: &'a [u32],
    other_domain: &'a [u32],
    wf: i64,
    wb: i64,
    to_find: usize,
    feasible: &'a mut Vec<NodeId>,
    /// The weighted resource scores per feasible node.
    total: &'a mut Vec<i64>,
    /// The cell per feasible node.
    cells: &'a mut Vec<u16>,
    /// The cells of at least one feasible node.
    seen: [bool; CELLS],
    /// Feasible nodes lacking the hostname or the other key.
    missing: usize,
    /// A feasible node's host count is beyond the cells.
    overflow: bool,
}

impl Accept for Collect<'_> {
    #[inline(always)]
    fn accept(&mut self, n: NodeId, fit: i64, bal: i64) -> bool {
        let ix = n.ix();
        let hd = if self.host_identity {
            ix as u32
        } else {
            self.host_domain[ix]
        };
        let row = if hd == NO_DOMAIN {
            HOST_ROWS
        } else {
            let h = self.host_counts[hd as usize] as usize;
            self.overflow |= h >= HOST_ROWS;
            h.min(HOST_ROWS - 1)
        };
        let od = self.other_domain[ix];
        let col = if od == NO_DOMAIN {
            DOMAIN_COLS
        } else {
            (od as usize).min(DOMAIN_COLS - 1)
        };
        let cell = row * COLS + col;
        self.seen[cell] = true;
        self.missing += usize::from(row == HOST_ROWS || col == DOMAIN_COLS);
        self.feasible.push(n);
        self.total.push(fit * self.wf + bal * self.wb);
        self.cells.push(cell as u16);
        self.feasible.len() >= self.to_find
    }
}

/// Whether nodes of `cell` lack the hostname or the other key.
fn is_missing(cell: usize) -> bool {
    cell / COLS == HOST_ROWS || cell % COLS == DOMAIN_COLS
}

/// PodTopologySpread's score column.
fn spread_index() -> usize {
    ScorePlugin::PodTopologySpread.index()
}
