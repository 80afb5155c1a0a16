//! Score formulas and normalisations of the default plugins, as pure functions with upstream's
//! integer arithmetic (Go integer division truncates toward zero, as Rust's does).

/// `framework.MaxNodeScore`.
pub const MAX_NODE_SCORE: i64 = 100;

/// LeastAllocated per-resource score (`least_allocated.go`): `(cap - req) * 100 / cap`, 0 when
/// the capacity is 0 or the request exceeds it.
#[inline]
pub fn least_requested_score(requested: i64, capacity: i64) -> i64 {
    if capacity == 0 || requested > capacity {
        return 0;
    }
    exact_div((capacity - requested) * MAX_NODE_SCORE, capacity)
}

/// `a / b` truncating, for `a >= 0`, `b > 0`. Below 2^53 the float quotient truncates to the
/// exact integer quotient (the rounding error `q·2^-53` is smaller than the distance `1/b`
/// from a non-integer quotient to the next integer), and a float divide pipelines far better
/// than a 64-bit integer divide in the scoring loops.
#[inline]
pub fn exact_div(a: i64, b: i64) -> i64 {
    const LIMIT: i64 = 1 << 53;
    if (0..LIMIT).contains(&a) && b > 0 && b < LIMIT {
        (a as f64 / b as f64) as i64
    } else {
        a / b
    }
}

/// MostAllocated per-resource score (`most_allocated.go`): `min(req, cap) * 100 / cap`.
#[inline]
pub fn most_requested_score(requested: i64, capacity: i64) -> i64 {
    if capacity == 0 {
        return 0;
    }
    exact_div(requested.min(capacity) * MAX_NODE_SCORE, capacity)
}

/// `scaledUtilization` of `requested_to_capacity_ratio.go`: `req * max / cap`, exact (128-bit
/// intermediate), with `req` clamped to `[0, cap]`.
#[inline]
pub fn scaled_utilization(requested: i64, capacity: i64, max: i64) -> i64 {
    if capacity <= 0 || requested <= 0 {
        return 0;
    }
    if requested >= capacity {
        return max;
    }
    (i128::from(requested) * i128::from(max) / i128::from(capacity)) as i64
}

/// `helper.BuildBrokenLinearFunction`: piecewise-linear interpolation over `(utilization,
/// score)` points, integer arithmetic.
pub fn broken_linear(shape: &[(i64, i64)], p: i64) -> i64 {
    for i in 0..shape.len() {
        if p <= shape[i].0 {
            if i == 0 {
                return shape[0].1;
            }
            let (u0, s0) = shape[i - 1];
            let (u1, s1) = shape[i];
            return s0 + (s1 - s0) * (p - u0) / (u1 - u0);
        }
    }
    shape.last().map(|s| s.1).unwrap_or(0)
}

/// RequestedToCapacityRatio per-resource score; `shape` scores already scaled to 0..100.
#[inline]
pub fn ratio_resource_score(shape: &[(i64, i64)], requested: i64, capacity: i64) -> i64 {
    if capacity == 0 || requested > capacity {
        return broken_linear(shape, 100);
    }
    broken_linear(shape, scaled_utilization(requested, capacity, 100))
}

/// Combines per-resource LeastAllocated/MostAllocated scores: `Σ s·w / Σ w` (integer), 0 if no
/// resource counted.
#[inline]
pub fn weighted_mean(sum: i64, weights: i64) -> i64 {
    match weights {
        0 => 0,
        1 => sum,
        // Scores are non-negative: a shift is the same truncating division, without the divider.
        2 if sum >= 0 => sum >> 1,
        _ => sum / weights,
    }
}

/// Go's `math.Round` (half away from zero) without a libm call and without data-dependent
/// branches: exact for |x| < 2^52 (the fraction `x - trunc(x)` is then exact).
#[inline]
pub fn round_half_away(x: f64) -> i64 {
    if x.is_nan() || x.abs() >= 4_503_599_627_370_496.0 {
        return x.round() as i64;
    }
    let t = x as i64; // truncation toward zero
    let frac = x - t as f64;
    t + i64::from(frac >= 0.5) - i64::from(frac <= -0.5)
}

/// `a / b` (truncating) for `0 <= a < 2^50`, `b > 0`, given `inv = 1.0 / b`: a multiply and a
/// correction instead of a divide, for loops dividing many numerators by one divisor.
#[inline]
pub fn div_by(a: i64, b: i64, inv: f64) -> i64 {
    let mut q = (a as f64 * inv) as i64;
    if q * b > a {
        q -= 1;
    } else if (q + 1) * b <= a {
        q += 1;
    }
    q
}

/// Combines RequestedToCapacityRatio per-resource scores: `round(Σ s·w / Σ w)` (math.Round).
#[inline]
pub fn weighted_mean_rounded(sum: i64, weights: i64) -> i64 {
    if weights == 0 {
        0
    } else {
        round_half_away(sum as f64 / weights as f64)
    }
}

/// NodeResourcesBalancedAllocation (v1.33–v1.35, `balanced_allocation.go`): fractions
/// `min(1, req/alloc)` of the resources with non-zero allocatable; score
/// `int64((1 - std) * 100)` with the population standard deviation (`|f0 - f1| / 2` for two).
pub fn balanced_score(fractions: &[f64]) -> i64 {
    let n = fractions.len();
    let std = match n {
        0 | 1 => 0.0,
        2 => ((fractions[0] - fractions[1]) / 2.0).abs(),
        _ => {
            let mean = fractions.iter().sum::<f64>() / n as f64;
            let sum: f64 = fractions.iter().map(|f| (f - mean) * (f - mean)).sum();
            (sum / n as f64).sqrt()
        }
    };
    ((1.0 - std) * MAX_NODE_SCORE as f64) as i64
}

/// One balanced-allocation fraction: `min(1, requested / allocatable)` in float64.
#[inline]
pub fn fraction(requested: i64, allocatable: i64) -> f64 {
    let f = requested as f64 / allocatable as f64;
    if f > 1.0 {
        1.0
    } else {
        f
    }
}

/// Balanced allocation for exactly two resources, without a slice (hot path); identical to
/// [`balanced_score`] with two fractions.
#[inline]
pub fn balanced_score2(f0: f64, f1: f64) -> i64 {
    ((1.0 - ((f0 - f1) / 2.0).abs()) * MAX_NODE_SCORE as f64) as i64
}

/// `helper.DefaultNormalizeScore(MaxNodeScore, reverse, scores)`.
pub fn default_normalize(scores: &mut [i64], reverse: bool) {
    let max = scores.iter().copied().max().unwrap_or(0).max(0);
    if max == 0 {
        if reverse {
            scores.iter_mut().for_each(|s| *s = MAX_NODE_SCORE);
        }
        return;
    }
    let inv = 1.0 / max as f64;
    for s in scores.iter_mut() {
        let mut v = if *s >= 0 {
            div_by(MAX_NODE_SCORE * *s, max, inv)
        } else {
            MAX_NODE_SCORE * *s / max
        };
        if reverse {
            v = MAX_NODE_SCORE - v;
        }
        *s = v;
    }
}

/// The weighted sum's step `total[i] += col[i] * w`, with the multiply spelled as additions
/// for the usual weights 1 and 2 (the same wrapping i64 result; a 64-bit vector multiply has
/// no instruction of its own on baseline x86-64).
#[inline]
pub fn add_weighted(total: &mut [i64], col: &[i64], w: i64) {
    match w {
        0 => {}
        1 => total.iter_mut().zip(col).for_each(|(t, &s)| *t += s),
        2 => total.iter_mut().zip(col).for_each(|(t, &s)| *t += s + s),
        _ => total.iter_mut().zip(col).for_each(|(t, &s)| *t += s * w),
    }
}

/// PodTopologySpread NormalizeScore: ignored nodes get 0; else `100 * (max + min - s) / max`,
/// or 100 everywhere when `max == 0`. Min and max are taken over non-ignored nodes.
#[inline(never)]
pub fn spread_normalize(scores: &mut [i64], ignored: impl Fn(usize) -> bool) {
    let (min, max) = scores
        .iter()
        .enumerate()
        .filter(|&(i, _)| !ignored(i))
        .fold((i64::MAX, 0i64), |(lo, hi), (_, &s)| (lo.min(s), hi.max(s)));
    let inv = 1.0 / max as f64;
    let one = |s: i64| -> i64 { spread_normalized(s, min, max, inv) };
    // Named optimisation: raw spread scores take few distinct values, so when the range
    // `min..=max` is short against the node count each value is normalised once into a table
    // (the same arithmetic) and the nodes read it.
    let range = max.checked_sub(min).and_then(|r| usize::try_from(r).ok());
    if let Some(r) = range.filter(|&r| max > 0 && r < SPREAD_TABLE && 2 * (r + 1) < scores.len()) {
        let mut table = [0i64; SPREAD_TABLE];
        for (v, t) in (min..=max).zip(table.iter_mut()) {
            *t = one(v);
        }
        debug_assert!(r < SPREAD_TABLE);
        for (i, s) in scores.iter_mut().enumerate() {
            *s = if ignored(i) {
                0
            } else {
                table[(*s - min) as usize]
            };
        }
        return;
    }
    for (i, s) in scores.iter_mut().enumerate() {
        if ignored(i) {
            *s = 0;
        } else if max == 0 {
            *s = MAX_NODE_SCORE;
        } else {
            *s = one(*s);
        }
    }
}

/// [`spread_normalize`]'s value for a raw score `s` that is not ignored, given the minimum
/// and maximum (`max > 0`) and `inv = 1.0 / max`: `100 * (max + min - s) / max`.
#[inline]
pub fn spread_normalized(s: i64, min: i64, max: i64, inv: f64) -> i64 {
    // Non-negative in practice (raw spread scores are >= 0 and s <= max).
    let a = MAX_NODE_SCORE * (max + min - s);
    if a >= 0 {
        div_by(a, max, inv)
    } else {
        a / max
    }
}

/// Largest value range [`spread_normalize`] tables.
const SPREAD_TABLE: usize = 256;

/// PodTopologySpread raw score contribution of one constraint: `cnt * w + (maxSkew - 1)`.
#[inline]
pub fn spread_score_for_count(cnt: i64, max_skew: i64, weight: f64) -> f64 {
    cnt as f64 * weight + (max_skew - 1) as f64
}

/// PodTopologySpread `topologyNormalizingWeight`: `ln(size + 2)`.
#[inline]
pub fn topology_normalizing_weight(size: usize) -> f64 {
    ((size + 2) as f64).ln()
}

/// InterPodAffinity NormalizeScore: `int64(100 * ((s - min) / (max - min)))` in float64, 0 when
/// all scores are equal.
pub fn interpod_normalize(scores: &mut [i64]) {
    let mut min = i64::MAX;
    let mut max = i64::MIN;
    for &s in scores.iter() {
        min = min.min(s);
        max = max.max(s);
    }
    let diff = max.wrapping_sub(min);
    for s in scores.iter_mut() {
        let f = if diff > 0 {
            MAX_NODE_SCORE as f64 * ((*s - min) as f64 / diff as f64)
        } else {
            0.0
        };
        *s = f as i64;
    }
}

const MB: i64 = 1024 * 1024;
/// ImageLocality `minThreshold` (23 MB).
pub const IMAGE_MIN_THRESHOLD: i64 = 23 * MB;
/// ImageLocality `maxContainerThreshold` (1000 MB per container).
pub const IMAGE_MAX_CONTAINER_THRESHOLD: i64 = 1000 * MB;

/// ImageLocality `scaledImageScore`: `int64(size * nodesWithImage / totalNodes)` in float64.
#[inline]
pub fn scaled_image_score(size: i64, nodes_with: u32, total_nodes: usize) -> i64 {
    let spread = f64::from(nodes_with) / total_nodes as f64;
    (size as f64 * spread) as i64
}

/// ImageLocality `calculatePriority`: clamp the sum to `[23 MB, 1000 MB × containers]` and
/// scale to 0..100.
pub fn image_locality_score(sum: i64, containers: u32) -> i64 {
    let max_threshold = IMAGE_MAX_CONTAINER_THRESHOLD * i64::from(containers);
    if max_threshold <= IMAGE_MIN_THRESHOLD {
        return 0;
    }
    let s = sum.clamp(IMAGE_MIN_THRESHOLD, max_threshold);
    MAX_NODE_SCORE * (s - IMAGE_MIN_THRESHOLD) / (max_threshold - IMAGE_MIN_THRESHOLD)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::collection;
    use proptest::prelude::*;

    /// `spread_normalize` as upstream writes it, node by node.
    fn spread_normalize_plain(scores: &mut [i64], ignored: &[bool]) {
        let mut min = i64::MAX;
        let mut max = 0i64;
        for (i, &s) in scores.iter().enumerate() {
            if !ignored[i] {
                min = min.min(s);
                max = max.max(s);
            }
        }
        for (i, s) in scores.iter_mut().enumerate() {
            *s = if ignored[i] {
                0
            } else if max == 0 {
                MAX_NODE_SCORE
            } else {
                MAX_NODE_SCORE * (max + min - *s) / max
            };
        }
    }

    proptest! {
        #[test]
        fn spread_normalize_table_matches_plain_division(
            base in 0i64..400,
            raw in collection::vec((0i64..300, any::<bool>(), 0u8..8), 1..700),
        ) {
            // Narrow and wide value ranges, few and many nodes, some ignored.
            let scores: Vec<i64> = raw.iter().map(|&(s, wide, _)| if wide { base + s } else { base + s % 5 }).collect();
            let ignored: Vec<bool> = raw.iter().map(|&(_, _, k)| k == 0).collect();
            let mut got = scores.clone();
            spread_normalize(&mut got, |i| ignored[i]);
            let mut want = scores;
            spread_normalize_plain(&mut want, &ignored);
            prop_assert_eq!(got, want);
        }

        #[test]
        fn add_weighted_matches_multiply(
            w in prop_oneof![Just(0i64), Just(1), Just(2), -3i64..1000],
            cols in collection::vec((any::<i32>(), any::<i32>()), 0..50),
        ) {
            let mut got: Vec<i64> = cols.iter().map(|c| i64::from(c.0)).collect();
            let col: Vec<i64> = cols.iter().map(|c| i64::from(c.1)).collect();
            let want: Vec<i64> = got.iter().zip(&col).map(|(t, s)| t + s * w).collect();
            add_weighted(&mut got, &col, w);
            prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn broken_linear_function_upstream_cases() {
        // requested_to_capacity_ratio_test.go TestBrokenLinearFunction.
        let s1 = [(10, 1), (90, 9)];
        for (p, want) in [
            (-10, 1),
            (0, 1),
            (9, 1),
            (10, 1),
            (15, 1),
            (19, 1),
            (20, 2),
            (89, 8),
            (90, 9),
            (99, 9),
            (100, 9),
            (110, 9),
        ] {
            assert_eq!(broken_linear(&s1, p), want, "p={p}");
        }
        let s2 = [(0, 2), (40, 10), (100, 0)];
        for (p, want) in [
            (-10, 2),
            (0, 2),
            (20, 6),
            (30, 8),
            (40, 10),
            (70, 5),
            (100, 0),
            (110, 0),
        ] {
            assert_eq!(broken_linear(&s2, p), want, "p={p}");
        }
        let s3 = [(0, 2), (40, 2), (100, 2)];
        for p in [-10, 0, 20, 30, 40, 70, 100, 110] {
            assert_eq!(broken_linear(&s3, p), 2);
        }
    }

    #[test]
    fn default_normalize_matches_upstream() {
        let mut s = vec![0, 0, 0];
        default_normalize(&mut s, true);
        assert_eq!(s, vec![100, 100, 100]);
        let mut s = vec![0, 0];
        default_normalize(&mut s, false);
        assert_eq!(s, vec![0, 0]);
        // normalize_score_test.go: {10, 20, 30, 40} -> {25, 50, 75, 100}; reverse -> {75, 50, 25, 0}
        let mut s = vec![10, 20, 30, 40];
        default_normalize(&mut s, false);
        assert_eq!(s, vec![25, 50, 75, 100]);
        let mut s = vec![10, 20, 30, 40];
        default_normalize(&mut s, true);
        assert_eq!(s, vec![75, 50, 25, 0]);
        // {1000, 10, 20, 30} -> {100, 1, 2, 3}
        let mut s = vec![1000, 10, 20, 30];
        default_normalize(&mut s, false);
        assert_eq!(s, vec![100, 1, 2, 3]);
        let mut s = vec![1, 1, 1, 1];
        default_normalize(&mut s, true);
        assert_eq!(s, vec![0, 0, 0, 0]);
    }

    #[test]
    fn balanced_score_upstream_numbers() {
        // balanced_allocation_test.go
        assert_eq!(balanced_score(&[0.75, 0.5]), 87);
        assert_eq!(balanced_score(&[0.5, 0.5]), 100);
        assert_eq!(balanced_score(&[0.6, 0.25]), 82);
        assert_eq!(balanced_score(&[0.6, 0.5]), 95);
        assert_eq!(balanced_score(&[0.6, 0.2]), 80);
        assert_eq!(balanced_score(&[1.0, 0.0]), 50);
        assert_eq!(balanced_score(&[1.0, 0.5]), 75);
        assert_eq!(
            balanced_score(&[3000.0 / 3500.0, 5000.0 / 40000.0, 4.0 / 8.0]),
            70
        );
        assert_eq!(
            balanced_score(&[3000.0 / 3500.0, 5000.0 / 40000.0, 1.0 / 8.0]),
            65
        );
        assert_eq!(balanced_score(&[3000.0 / 3500.0, 5000.0 / 40000.0]), 63);
        assert_eq!(balanced_score2(0.75, 0.5), 87);
    }

    #[test]
    fn round_half_away_matches_math_round() {
        for x in [
            0.0,
            0.49999999999999994,
            0.5,
            1.5,
            2.5,
            2.4999,
            -0.5,
            -1.5,
            -2.6,
            6.44,
            5.545,
            1e15 + 0.5,
            7.0,
        ] {
            assert_eq!(round_half_away(x), x.round() as i64, "{x}");
        }
        assert_eq!(weighted_mean(7, 2), 3);
        assert_eq!(weighted_mean(112, 2), 56);
        assert_eq!(weighted_mean(-7, 2), -3);
    }

    #[test]
    fn exact_div_matches_integer_division() {
        let caps = [
            1i64,
            3,
            7,
            250,
            4000,
            6000,
            10_000,
            32_000,
            128 << 30,
            1 << 40,
            3 * (1 << 41) + 17,
        ];
        for b in caps {
            for k in 0..2000i64 {
                let req = (b / 1999).max(1) * k % (b + 1);
                let a = (b - req) * 100;
                assert_eq!(exact_div(a, b), a / b, "{a}/{b}");
                let a = (b - req + 1).min(b) * 100 - 1;
                assert_eq!(exact_div(a, b), a / b, "{a}/{b}");
            }
        }
    }

    #[test]
    fn div_by_is_exact() {
        for b in [1i64, 2, 3, 6, 7, 10, 11, 97, 1000, 4096, 123_457] {
            let inv = 1.0 / b as f64;
            for a in (0..20_000i64).chain([b * 1_000_000 - 1, b * 1_000_000, (1 << 40) + 12345]) {
                assert_eq!(div_by(a, b, inv), a / b, "{a}/{b}");
            }
        }
    }

    #[test]
    fn interpod_normalize_min_max() {
        let mut s = vec![-2, 0, 2, 6];
        interpod_normalize(&mut s);
        assert_eq!(s, vec![0, 25, 50, 100]);
        let mut s = vec![3, 3];
        interpod_normalize(&mut s);
        assert_eq!(s, vec![0, 0]);
    }

    #[test]
    fn spread_normalize_with_ignored() {
        let mut s = vec![6, 8, 10, 0];
        spread_normalize(&mut s, |i| i == 3);
        // max 10, min 6: 100*(16-6)/10=100, 100*(16-8)/10=80, 100*6/10=60, ignored 0
        assert_eq!(s, vec![100, 80, 60, 0]);
        let mut s = vec![0, 0];
        spread_normalize(&mut s, |_| false);
        assert_eq!(s, vec![100, 100]);
    }

    #[test]
    fn image_locality_thresholds() {
        assert_eq!(image_locality_score(0, 1), 0);
        assert_eq!(
            image_locality_score(IMAGE_MAX_CONTAINER_THRESHOLD * 2, 1),
            100
        );
        // By hand: 250 MB on the node, 1 container: 100 * (250 - 23) / (1000 - 23) = 23
        assert_eq!(image_locality_score(250 * MB, 1), 23);
        // 40 MB + 300 MB on the node, 2 containers: 100 * (340 - 23) / (2000 - 23) = 16
        assert_eq!(image_locality_score(340 * MB, 2), 16);
        assert_eq!(scaled_image_score(100 * MB, 1, 2), 50 * MB);
    }

    #[test]
    fn least_most_requested_edge_cases() {
        assert_eq!(least_requested_score(6000, 4000), 0);
        assert_eq!(least_requested_score(0, 0), 0);
        assert_eq!(least_requested_score(3000, 4000), 25);
        assert_eq!(most_requested_score(6000, 4000), 100);
        assert_eq!(most_requested_score(3000, 4000), 75);
        assert_eq!(ratio_resource_score(&[(0, 100), (100, 0)], 3000, 4000), 25);
        assert_eq!(ratio_resource_score(&[(0, 100), (100, 0)], 5000, 4000), 0);
        assert_eq!(weighted_mean_rounded(75, 2), 38);
    }
}
