//! The binpacking estimator (upstream `estimator/binpacking_estimator.go`): how many new nodes
//! of one group the pending pods need. Pods are sorted by decreasing score
//! `cpu/allocatable cpu + memory/allocatable memory` (`calculatePodScore`), then placed first-fit
//! on the nodes opened so far; a pod that fits none opens a new node, unless the limit is
//! reached or it does not fit even on an empty node (then it is left out).

use crate::cluster::{CPU, MEMORY, PODS};

/// The outcome of one estimate.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Estimate {
    /// New nodes needed (not counting the `prefilled` ones).
    pub new_nodes: u32,
    /// Indices (into the input) of the pods placed, on prefilled or new nodes.
    pub placed: Vec<usize>,
    /// Indices of the pods placed on the new nodes only.
    pub on_new: Vec<usize>,
}

/// `calculatePodScore` in parts per million: cpu and memory requests as fractions of the
/// node's allocatable, summed.
pub fn pod_score(req: &[i64], node: &[i64]) -> i64 {
    let frac = |r: usize| {
        if node[r] <= 0 {
            0
        } else {
            ((req[r] as i128 * 1_000_000) / node[r] as i128) as i64
        }
    };
    frac(CPU) + frac(MEMORY)
}

/// Whether `req` fits in `free` (resources the pod does not request are not checked, except
/// the pod count).
#[inline]
pub fn fits(req: &[i64], free: &[i64]) -> bool {
    req.iter()
        .zip(free)
        .enumerate()
        .all(|(r, (&q, &f))| (q == 0 && r != PODS) || q <= f)
}

/// Packs `pods` (request vectors) onto nodes with `capacity` free each: first on
/// `prefilled` nodes that exist already (or are being provisioned), then on at most
/// `max_new` new ones. Pods are taken in decreasing [`pod_score`] order (input order among
/// equals).
pub fn estimate(pods: &[&[i64]], capacity: &[i64], prefilled: u32, max_new: u32) -> Estimate {
    let mut order: Vec<(i64, usize)> = pods
        .iter()
        .enumerate()
        .map(|(i, p)| (pod_score(p, capacity), i))
        .collect();
    order.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let stride = capacity.len();
    let mut free: Vec<i64> = Vec::with_capacity(stride * prefilled as usize);
    for _ in 0..prefilled {
        free.extend_from_slice(capacity);
    }
    let mut out = Estimate::default();
    // Equal requests are usually adjacent in this order; the nodes before where the previous
    // equal pod went did not fit it and cannot fit this one (free room only shrinks).
    let mut last: Option<(&[i64], usize)> = None;
    for (_, i) in order {
        let req = pods[i];
        if !fits(req, capacity) {
            continue;
        }
        let bins = free.len() / stride.max(1);
        let from = match last {
            Some((prev, b)) if prev == req => b,
            _ => 0,
        };
        let slot = (from..bins).find(|&b| fits(req, &free[b * stride..(b + 1) * stride]));
        let b = match slot {
            Some(b) => b,
            None if out.new_nodes < max_new => {
                out.new_nodes += 1;
                free.extend_from_slice(capacity);
                bins
            }
            None => {
                last = Some((req, bins));
                continue;
            }
        };
        last = Some((req, b));
        for (f, q) in free[b * stride..(b + 1) * stride].iter_mut().zip(req) {
            *f -= q;
        }
        out.placed.push(i);
        if b >= prefilled as usize {
            out.on_new.push(i);
        }
    }
    out.placed.sort_unstable();
    out.on_new.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // Resource order of the engine: cpu (m), memory, ephemeral-storage, pods.
    const NODE: [i64; 4] = [4_000, 16, 100, 110];

    #[test]
    fn first_fit_decreasing_by_hand() {
        // Pods (cpu m, mem): scores 0.75+0.25=1.0, 0.5+0.5=1.0, 0.25+0.125, 0.5+0.0625, 0.25+0.75.
        let p: Vec<[i64; 4]> = vec![
            [3_000, 4, 0, 1],
            [2_000, 8, 0, 1],
            [1_000, 2, 0, 1],
            [2_000, 1, 0, 1],
            [1_000, 12, 0, 1],
        ];
        let refs: Vec<&[i64]> = p.iter().map(|x| x.as_slice()).collect();
        // Order: 0 (1.0), 1 (1.0), 4 (1.0), 3 (0.5625), 2 (0.375).
        // 0 → node A (1000m, 12 left); 1 → B (2000m, 8); 4 → A (0m, 0); 3 → B (0m, 7);
        // 2 → C. Three nodes.
        let e = estimate(&refs, &NODE, 0, 10);
        assert_eq!(e.new_nodes, 3);
        assert_eq!(e.placed, vec![0, 1, 2, 3, 4]);
        // With a limit of two new nodes, pod 2 (placed last) is left out.
        let e = estimate(&refs, &NODE, 0, 2);
        assert_eq!(e.new_nodes, 2);
        assert_eq!(e.placed, vec![0, 1, 3, 4]);
        // One node being provisioned already takes pods 0 and 4.
        let e = estimate(&refs, &NODE, 1, 10);
        assert_eq!(e.new_nodes, 2);
        assert_eq!(e.on_new, vec![1, 2, 3]);
    }

    #[test]
    fn pods_too_big_for_an_empty_node_are_left_out() {
        let big = [5_000, 1, 0, 1];
        let small = [500, 1, 0, 1];
        let e = estimate(&[&big, &small, &small], &NODE, 0, 5);
        assert_eq!(e.new_nodes, 1);
        assert_eq!(e.placed, vec![1, 2]);
    }

    #[test]
    fn the_pod_count_limits_a_node() {
        let node = [64_000, 1 << 40, 0, 3];
        let tiny = [10, 1, 0, 1];
        let pods: Vec<&[i64]> = vec![&tiny; 7];
        let e = estimate(&pods, &node, 0, 10);
        assert_eq!(e.new_nodes, 3, "3 pods per node: 3 + 3 + 1");
    }

    /// Plain first-fit decreasing, every node examined for every pod.
    fn naive(pods: &[&[i64]], cap: &[i64], prefilled: u32, max_new: u32) -> Estimate {
        let mut order: Vec<usize> = (0..pods.len()).collect();
        order.sort_by(|&a, &b| {
            pod_score(pods[b], cap)
                .cmp(&pod_score(pods[a], cap))
                .then(a.cmp(&b))
        });
        let mut bins: Vec<Vec<i64>> = vec![cap.to_vec(); prefilled as usize];
        let mut out = Estimate::default();
        for i in order {
            if !fits(pods[i], cap) {
                continue;
            }
            let b = match bins.iter().position(|f| fits(pods[i], f)) {
                Some(b) => b,
                None if out.new_nodes < max_new => {
                    out.new_nodes += 1;
                    bins.push(cap.to_vec());
                    bins.len() - 1
                }
                None => continue,
            };
            for (f, q) in bins[b].iter_mut().zip(pods[i]) {
                *f -= q;
            }
            out.placed.push(i);
            if b >= prefilled as usize {
                out.on_new.push(i);
            }
        }
        out.placed.sort_unstable();
        out.on_new.sort_unstable();
        out
    }

    proptest::proptest! {
        #[test]
        fn the_equal_request_shortcut_changes_nothing(
            kinds in proptest::collection::vec((1i64..5_000, 1i64..20), 1..4),
            picks in proptest::collection::vec(0usize..4, 0..60),
            prefilled in 0u32..3,
            max_new in 0u32..12,
        ) {
            let reqs: Vec<[i64; 4]> = kinds.iter().map(|&(c, m)| [c, m, 0, 1]).collect();
            let pods: Vec<&[i64]> = picks.iter().map(|&k| reqs[k % reqs.len()].as_slice()).collect();
            proptest::prop_assert_eq!(
                estimate(&pods, &NODE, prefilled, max_new),
                naive(&pods, &NODE, prefilled, max_new)
            );
        }
    }

    #[test]
    fn score_is_the_sum_of_fractions() {
        assert_eq!(pod_score(&[2_000, 4, 0, 1], &NODE), 500_000 + 250_000);
    }
}
