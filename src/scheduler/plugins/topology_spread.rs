//! PodTopologySpread (`podtopologyspread/filtering.go`, `scoring.go`): the Filter over the
//! hard constraints and the Score over the soft ones. Their PreFilter / PreScore state is built
//! from the incremental pod-group counts in `scheduler/spread.rs`.

use super::super::filter::{Adjust, Fail, Prep, SpreadState};
use super::super::score::{round_half_away, spread_score_for_count};
use crate::cluster::{NodeId, World, NO_DOMAIN};

/// PodTopologySpread filter (hard constraints).
#[inline]
pub(crate) fn filter(world: &World, prep: &Prep, n: NodeId, adj: &Adjust) -> Option<Fail> {
    let groups = &world.groups;
    for c in &prep.hard {
        let d = groups.domain(c.key, n);
        if d == NO_DOMAIN {
            return Some(Fail::SpreadMissingLabel);
        }
        let mut m = if c.hostname {
            i64::from(groups.count(c.group, c.key, d))
        } else {
            c.counts[d as usize]
        };
        let mut min = if c.min_forced_zero { 0 } else { c.min };
        let a = adj.removed_in(world, c.group);
        if a > 0 {
            m -= a;
            if !c.min_forced_zero {
                min = min.min(m);
            }
        }
        if m + c.self_match - min > c.max_skew {
            return Some(Fail::Spread);
        }
    }
    None
}

/// PodTopologySpread raw score: `round(Σ cnt·w + maxSkew − 1)` over the soft constraints
/// whose key the node has; ignored nodes 0. Constraint-major so each constraint's columns are
/// fetched once; the float additions happen in constraint order per node, as upstream.
pub(crate) fn score(
    world: &World,
    soft: &[SpreadState],
    ignored: &[bool],
    feasible: &[NodeId],
    acc: &mut Vec<f64>,
    out: &mut [i64],
) {
    let groups = &world.groups;
    acc.clear();
    acc.resize(feasible.len(), 0.0);
    for c in soft {
        let node_domain = &groups.keys[c.key as usize].node_domain;
        let w = c.weight;
        if c.hostname {
            let counts = groups.counts(c.group, c.key);
            for (a, &n) in acc.iter_mut().zip(feasible) {
                let d = node_domain[n.ix()];
                if d != crate::cluster::NO_DOMAIN {
                    *a += spread_score_for_count(i64::from(counts[d as usize]), c.max_skew, w);
                }
            }
        } else {
            let counts = &c.counts;
            for (a, &n) in acc.iter_mut().zip(feasible) {
                let d = node_domain[n.ix()];
                if d != crate::cluster::NO_DOMAIN {
                    *a += spread_score_for_count(counts[d as usize], c.max_skew, w);
                }
            }
        }
    }
    for ((o, &a), &ign) in out.iter_mut().zip(acc.iter()).zip(ignored) {
        *o = if ign { 0 } else { round_half_away(a) };
    }
}
