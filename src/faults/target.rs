//! Which nodes a fault hits: target criteria (ANDed) resolved against the [`World`], then an
//! optional seeded random pick.

use rand::RngExt;

use crate::cluster::labels::LabelSelector;
use crate::cluster::{NodeId, Sym, World};
use crate::engine::SimRng;

/// Target criteria, all of which must hold. `Target::default()` matches every node.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Target {
    /// Only these nodes.
    pub nodes: Option<Vec<NodeId>>,
    /// Only nodes of this pool (index into `World::pools`).
    pub pool: Option<u32>,
    /// Only nodes of this zone (index into `World::zones`).
    pub zone: Option<u32>,
    /// Only nodes whose rack label (`topology.clustersim.io/rack`) has this value.
    pub rack: Option<Sym>,
    /// Only nodes whose labels (hostname included) match.
    pub selector: Option<LabelSelector>,
}

impl Target {
    /// Whether `node` meets every criterion.
    pub fn matches(&self, world: &World, node: NodeId) -> bool {
        let n = node.ix();
        self.nodes.as_ref().is_none_or(|ns| ns.contains(&node))
            && self.pool.is_none_or(|p| world.nodes.pool[n] == p)
            && self.zone.is_none_or(|z| world.nodes.zone[n] == z)
            && self
                .rack
                .is_none_or(|r| world.node_label(node, world.well_known.rack) == Some(r))
            && self
                .selector
                .as_ref()
                .is_none_or(|s| s.matches_with(|k| world.node_label(node, k), &world.interner))
    }
}

/// How many of the matching nodes are hit.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Pick {
    /// Every matching node.
    #[default]
    All,
    /// This many, chosen at random (all if fewer match).
    Count(u32),
    /// This fraction, rounded up (at least one node when any match), chosen at random.
    Fraction(f64),
}

impl Pick {
    /// How many of `n` candidates are picked.
    pub fn how_many(self, n: usize) -> usize {
        match self {
            Pick::All => n,
            Pick::Count(k) => (k as usize).min(n),
            Pick::Fraction(f) => fraction_of(f, n),
        }
    }
}

/// `ceil(f · n)` (with a tolerance for binary fractions such as 0.1 · 7000), at least 1 when
/// `n > 0` and `f > 0`, at most `n`.
pub fn fraction_of(f: f64, n: usize) -> usize {
    if n == 0 || f <= 0.0 || !f.is_finite() {
        return 0;
    }
    let k = (f * n as f64 - 1e-9).ceil();
    (k.max(1.0) as usize).min(n)
}

/// The nodes `target` hits, sorted by id. With a random [`Pick`], the choice is drawn from
/// `rng` (a partial Fisher–Yates shuffle over the candidates in id order), so it depends only
/// on the candidates and the stream.
pub fn resolve(world: &World, target: &Target, pick: Pick, rng: &mut SimRng) -> Vec<NodeId> {
    let candidates: Vec<NodeId> = match &target.nodes {
        // Fast path: explicit names need no scan.
        Some(ns) => {
            let mut v: Vec<NodeId> = ns
                .iter()
                .copied()
                .filter(|n| n.ix() < world.nodes.len() && target.matches(world, *n))
                .collect();
            v.sort();
            v.dedup();
            v
        }
        None => world
            .nodes
            .ids()
            .filter(|n| target.matches(world, *n))
            .collect(),
    };
    choose(candidates, pick, rng)
}

/// Picks `pick.how_many(len)` of `candidates` at random (all, in order, for [`Pick::All`]);
/// the result is sorted by id.
pub fn choose(mut candidates: Vec<NodeId>, pick: Pick, rng: &mut SimRng) -> Vec<NodeId> {
    let k = pick.how_many(candidates.len());
    if k < candidates.len() {
        for i in 0..k {
            let j = rng.random_range(i..candidates.len());
            candidates.swap(i, j);
        }
        candidates.truncate(k);
        candidates.sort();
    }
    candidates
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::cluster::labels::LabelSet;
    use crate::cluster::{Interner, NodeInit, ResourceTable};
    use crate::engine::RngStreams;

    /// `zones × pools × per` nodes named `<pool>-<zone>-<i>`, racks `<zone>-r<i % 2>`.
    pub(crate) fn world(zones: u32, pools: u32, per: u32) -> World {
        let mut w = World::new(Interner::new(), ResourceTable::default());
        w.zones = (0..zones).map(|z| format!("z{z}")).collect();
        w.pools = (0..pools).map(|p| format!("p{p}")).collect();
        let stride = w.resources.len();
        for p in 0..pools {
            for z in 0..zones {
                for i in 0..per {
                    let name = format!("p{p}-z{z}-{i}");
                    let wk = w.well_known;
                    let zone = w.interner.intern(&format!("z{z}"));
                    let rack = w.interner.intern(&format!("z{z}-r{}", i % 2));
                    let hostname = w.interner.intern(&name);
                    let labels =
                        w.intern_labels(LabelSet::new(vec![(wk.zone, zone), (wk.rack, rack)]));
                    w.nodes.push(NodeInit {
                        name,
                        hostname,
                        pool: p,
                        zone: z,
                        rack: Some(i % 2),
                        labels,
                        taints: 0,
                        unschedulable: false,
                        capacity: vec![0; stride],
                        allocatable: vec![0; stride],
                        images: Vec::new(),
                    });
                }
            }
        }
        w.pods_on_node = vec![Vec::new(); w.nodes.len()];
        w
    }

    #[test]
    fn criteria_are_anded_and_picks_are_seeded() {
        let w = world(3, 2, 4);
        let mut rng = RngStreams::new(1).stream("faults/t");
        let zone1 = Target {
            zone: Some(1),
            ..Target::default()
        };
        assert_eq!(resolve(&w, &zone1, Pick::All, &mut rng).len(), 8);
        let pool0_zone1 = Target {
            pool: Some(0),
            ..zone1.clone()
        };
        let got = resolve(&w, &pool0_zone1, Pick::All, &mut rng);
        assert_eq!(got, vec![NodeId(4), NodeId(5), NodeId(6), NodeId(7)]);
        let rack = Target {
            rack: w.interner.lookup("z2-r1"),
            ..Target::default()
        };
        assert_eq!(resolve(&w, &rack, Pick::All, &mut rng).len(), 4);

        let pick = |seed| {
            let mut rng = RngStreams::new(seed).stream("faults/t");
            resolve(&w, &Target::default(), Pick::Fraction(0.25), &mut rng)
        };
        assert_eq!(pick(5).len(), 6);
        assert_eq!(pick(5), pick(5));
        assert_ne!(pick(5), pick(6));
        assert!(pick(5).windows(2).all(|p| p[0] < p[1]));
        let mut rng = RngStreams::new(1).stream("x");
        assert_eq!(
            resolve(&w, &Target::default(), Pick::Count(100), &mut rng).len(),
            24
        );
    }

    #[test]
    fn fractions_round_up() {
        assert_eq!(fraction_of(0.1, 7000), 700);
        assert_eq!(fraction_of(0.3, 10), 3);
        assert_eq!(fraction_of(0.31, 10), 4);
        assert_eq!(fraction_of(0.01, 5), 1);
        assert_eq!(fraction_of(1.0, 5), 5);
        assert_eq!(fraction_of(0.5, 0), 0);
    }
}
