//! Upstream `selectHost`: the feasible node with the highest total score, ties broken
//! uniformly by reservoir sampling with one RNG draw per tie after the first. The draws are
//! part of the results (same seed, same placements), so every way of choosing here makes
//! exactly upstream's draws: from the totals (`select_host`, `select_max`) or from the tied
//! indices a fast cycle collected during its scan (`select_tie`).

use rand::RngExt;

use crate::engine::SimRng;

/// Upstream `selectHost`: the highest total score; ties broken uniformly by reservoir
/// sampling (`rand.Intn(cntOfMaxScore) == 0` replaces the candidate).
pub(crate) fn select_host(rng: &mut SimRng, total: &[i64]) -> usize {
    let max = total
        .iter()
        .copied()
        .max()
        .expect("selectHost on an empty list");
    select_max(rng, total, max)
}

/// [`select_host`] when the maximum of `total` is already known.
#[inline]
pub(crate) fn select_max(rng: &mut SimRng, total: &[i64], max: i64) -> usize {
    let mut cnt = 0u32;
    let mut selected = 0;
    for (i, &s) in total.iter().enumerate() {
        if s == max {
            cnt += 1;
            if cnt == 1 || rng.random_range(0..cnt) == 0 {
                selected = i;
            }
        }
    }
    selected
}

/// [`select_host`] given the indices that hold the maximum, in increasing order (at least
/// one): the same draws, one per tie after the first.
#[inline]
pub(crate) fn select_tie(rng: &mut SimRng, ties: &[u32]) -> usize {
    let mut selected = ties[0];
    for (cnt, &i) in (2u32..).zip(&ties[1..]) {
        if rng.random_range(0..cnt) == 0 {
            selected = i;
        }
    }
    selected as usize
}

#[cfg(test)]
mod select_tests {
    use super::*;
    use proptest::prelude::*;
    use rand::{Rng, SeedableRng};

    proptest! {
        /// From the ties' indices, the same node and the same RNG stream afterwards as
        /// upstream's reservoir loop over the totals (`select_max`), for any number of ties
        /// anywhere in the list.
        #[test]
        fn select_tie_is_the_reservoir_loop(
            total in proptest::collection::vec(0i64..4, 1..300),
            seed in any::<u64>(),
        ) {
            let max = *total.iter().max().unwrap();
            let ties: Vec<u32> = (0..total.len() as u32)
                .filter(|&i| total[i as usize] == max)
                .collect();
            let (mut a, mut b) = (SimRng::seed_from_u64(seed), SimRng::seed_from_u64(seed));
            prop_assert_eq!(select_tie(&mut a, &ties), select_max(&mut b, &total, max));
            prop_assert_eq!(a.next_u64(), b.next_u64());
        }
    }
}
