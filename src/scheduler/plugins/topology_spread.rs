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
    if pair_table(world, soft, ignored, feasible, acc, out) {
        return;
    }
    score_plain(world, soft, ignored, feasible, acc, out);
}

/// Host counts at or above this are scored without the table.
const HOST_CAP: usize = 64;
/// Integers below this magnitude are exact in f64.
const EXACT_F64: u64 = 1 << 52;
/// Non-hostname keys with more domains than this are scored without the table.
const DOMAIN_CAP: usize = 16;

/// [`score_plain`]'s float sum, before rounding, for a node with group count `h` on its host
/// and domain `d` of the non-hostname key (None: the node lacks the key): 0.0 plus each term
/// present, in constraint order. Shared by [`pair_table`] and the two-pass cycle.
#[inline]
pub(crate) fn pair_value(soft: &[SpreadState], h: Option<i64>, d: Option<usize>) -> f64 {
    let mut v = 0.0;
    for c in soft {
        if c.hostname {
            if let Some(h) = h {
                v += spread_score_for_count(h, c.max_skew, c.weight);
            }
        } else if let Some(d) = d {
            v += spread_score_for_count(c.counts[d], c.max_skew, c.weight);
        }
    }
    v
}

/// Named optimisation: the system-default shape (exactly two soft constraints, one on the
/// hostname key and one on a key with at most [`DOMAIN_CAP`] domains). A node's raw score then
/// depends only on (its group count on the host, its domain of the other key), so the rounded
/// score is computed once per such pair, lazily, into a table held in `acc` (rounded scores
/// are small integers, exact in f64; NaN marks an empty cell), with the very float
/// additions of [`score_plain`] in constraint order. Returns false (nothing written) for any
/// other shape.
#[inline(never)]
fn pair_table(
    world: &World,
    soft: &[SpreadState],
    ignored: &[bool],
    feasible: &[NodeId],
    acc: &mut Vec<f64>,
    out: &mut [i64],
) -> bool {
    let groups = &world.groups;
    let [a, b] = soft else { return false };
    let (host, other) = match (a.hostname, b.hostname) {
        (true, false) => (a, b),
        (false, true) => (b, a),
        _ => return false,
    };
    let ndom = other.counts.len();
    if ndom > DOMAIN_CAP {
        return false;
    }
    let host_domain = &groups.keys[host.key as usize].node_domain;
    let host_counts = groups.counts(host.group, host.key);
    let other_domain = &groups.keys[other.key as usize].node_domain;
    // The exact per-node value of `score_plain` before rounding: 0.0 plus each term present,
    // in constraint order. `h`/`d` are None when the node lacks the key.
    let value = |h: Option<i64>, d: Option<usize>| pair_value(soft, h, d);
    // Rows: host count 0..HOST_CAP, then "no hostname domain"; columns: domains, then "none".
    let cols = ndom + 1;
    acc.clear();
    acc.resize((HOST_CAP + 1) * cols, f64::NAN);
    for ((o, &n), &ign) in out.iter_mut().zip(feasible).zip(ignored) {
        if ign {
            *o = 0;
            continue;
        }
        let hd = host_domain[n.ix()];
        let h = (hd != NO_DOMAIN).then(|| i64::from(host_counts[hd as usize]));
        let od = other_domain[n.ix()];
        let d = (od != NO_DOMAIN).then_some(od as usize);
        let row = match h {
            Some(h) if (h as usize) < HOST_CAP => h as usize,
            Some(_) => {
                *o = round_half_away(value(h, d));
                continue;
            }
            None => HOST_CAP,
        };
        let cell = &mut acc[row * cols + d.unwrap_or(ndom)];
        if cell.is_nan() {
            let r = round_half_away(value(h, d));
            if r.unsigned_abs() >= EXACT_F64 {
                // Not exactly representable as f64: not cached.
                *o = r;
                continue;
            }
            *cell = r as f64;
        }
        *o = *cell as i64;
    }
    true
}

/// The per-constraint passes, for any set of soft constraints.
fn score_plain(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::{CPU, MEMORY, PODS};
    use crate::scheduler::testutil::{TestWorld, GI, HOST, ZONE};
    use proptest::collection;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]
        /// The (host count, domain) table gives [`score_plain`]'s scores exactly: host counts
        /// below and above the table's cap, nodes without a zone, ignored nodes, either
        /// constraint order, arbitrary skews and weights.
        #[test]
        fn pair_table_matches_per_constraint_passes(
            nodes in collection::vec((0usize..4, 0u32..80), 1..30),
            zone_counts in collection::vec(0i64..5000, 3),
            skews in (1i64..6, 1i64..6),
            weights in (0.0f64..12.0, 0.0f64..12.0),
            host_first in any::<bool>(),
            picks in collection::vec((any::<usize>(), any::<bool>()), 1..60),
        ) {
            let mut tw = TestWorld::new();
            for (i, &(zone, _)) in nodes.iter().enumerate() {
                let z = if zone == 3 { String::new() } else { format!("z{zone}") };
                tw.node(&format!("n{i}"), &z, 64_000, 256 * GI, 100_000);
            }
            // Zones are numbered in first-seen order; make sure all three exist.
            for z in 0..3 {
                tw.node_with(&format!("extra{z}"), &format!("z{z}"), &[(CPU, 1), (MEMORY, 1), (PODS, 1)], &[], vec![]);
            }
            let g = tw.group();
            let t = tw.add_template(tw.template("t", 1, 1), &[g]);
            tw.finish();
            for (i, &(_, pods)) in nodes.iter().enumerate() {
                for _ in 0..pods {
                    tw.place(t, NodeId(i as u32));
                }
            }
            let host = SpreadState {
                key: HOST,
                group: g,
                max_skew: skews.0,
                hostname: true,
                weight: weights.0,
                ..SpreadState::default()
            };
            let zone = SpreadState {
                key: ZONE,
                group: g,
                max_skew: skews.1,
                hostname: false,
                counts: zone_counts.clone(),
                weight: weights.1,
                ..SpreadState::default()
            };
            let soft = if host_first { vec![host, zone] } else { vec![zone, host] };
            let n_all = tw.world.nodes.len();
            let feasible: Vec<NodeId> = picks.iter().map(|p| NodeId((p.0 % n_all) as u32)).collect();
            let ignored: Vec<bool> = picks.iter().map(|p| p.1).collect();
            let (mut acc, mut got, mut want) = (Vec::new(), vec![0; feasible.len()], vec![0; feasible.len()]);
            prop_assert!(pair_table(&tw.world, &soft, &ignored, &feasible, &mut acc, &mut got));
            score_plain(&tw.world, &soft, &ignored, &feasible, &mut acc, &mut want);
            prop_assert_eq!(&got, &want);
            // Other shapes are left to the plain passes.
            prop_assert!(!pair_table(&tw.world, &soft[..1], &ignored, &feasible, &mut acc, &mut got));
        }
    }
}
