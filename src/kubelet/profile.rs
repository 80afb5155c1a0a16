//! Random parts of the usage model: container levels (drawn when a container starts) and the
//! noise factors redrawn every interval.
//!
//! Noise is drawn from a small table of quantiles of the log-normal factor (an interpolated
//! lookup per draw, no transcendental function on the hot path): with 100,000 containers
//! redrawn every five minutes for a week that is 200 million draws, so the cost per draw
//! matters.

use super::config::Level;
use crate::engine::SimRng;
use rand::RngExt;
use rand_distr::{Distribution, LogNormal, Normal};

/// Samples a [`Level`].
#[derive(Clone, Debug)]
pub enum LevelSampler {
    /// Constant.
    Constant(f64),
    /// Uniform in `[min, max]`.
    Uniform(f64, f64),
    /// Normal, clamped at zero.
    Normal(Normal<f64>),
    /// Log-normal.
    LogNormal(LogNormal<f64>),
}

impl LevelSampler {
    /// A sampler for `level`; the error says what is wrong with its parameters.
    pub fn new(level: &Level) -> Result<Self, String> {
        Ok(match *level {
            Level::Constant(v) => LevelSampler::Constant(v),
            Level::Uniform(a, b) if a <= b => LevelSampler::Uniform(a, b),
            Level::Uniform(a, b) => return Err(format!("uniform min {a} is above max {b}")),
            Level::Normal { mean, sd } => {
                LevelSampler::Normal(Normal::new(mean, sd).map_err(|e| e.to_string())?)
            }
            Level::LogNormal { mu, sigma } => {
                LevelSampler::LogNormal(LogNormal::new(mu, sigma).map_err(|e| e.to_string())?)
            }
        })
    }

    /// One level, rounded to a non-negative integer. Constants draw nothing.
    pub fn sample(&self, rng: &mut SimRng) -> i64 {
        let v = match self {
            LevelSampler::Constant(v) => *v,
            LevelSampler::Uniform(a, b) => {
                if a == b {
                    *a
                } else {
                    rng.random_range(*a..=*b)
                }
            }
            LevelSampler::Normal(d) => d.sample(rng),
            LevelSampler::LogNormal(d) => d.sample(rng),
        };
        if v.is_finite() {
            v.round().clamp(0.0, 1e18) as i64
        } else {
            0
        }
    }
}

/// Number of intervals in a noise table (a power of two: draws take the top bits).
pub const NOISE_QUANTILES: usize = 1024;

/// Quantiles of a log-normal factor with median 1 and log-standard-deviation `sigma`, as a
/// piecewise-linear inverse CDF: 1,025 `f32` points (4 KiB, so a workload's tick keeps its
/// tables in L1 however many pods it has). The extreme points are the 0.05 % and 99.95 %
/// quantiles: noise has no tails beyond them.
#[derive(Clone, Debug)]
pub struct NoiseTable {
    q: Vec<f32>,
}

impl NoiseTable {
    /// The table for `sigma` (0: every factor is 1).
    pub fn new(sigma: f64) -> Self {
        let n = NOISE_QUANTILES as f64;
        let q = (0..=NOISE_QUANTILES)
            .map(|i| {
                let p = (i as f64 / n).clamp(0.5 / n, 1.0 - 0.5 / n);
                if sigma > 0.0 {
                    (sigma * inverse_normal_cdf(p)).exp() as f32
                } else {
                    1.0
                }
            })
            .collect();
        NoiseTable { q }
    }

    /// The factor for 32 random bits: the top 10 pick the interval, the next 16 interpolate.
    #[inline]
    pub fn get(&self, bits: u32) -> f64 {
        let i = (bits >> 22) as usize;
        let frac = ((bits >> 6) & 0xffff) as f32 * (1.0 / 65_536.0);
        let (a, b) = (self.q[i], self.q[i + 1]);
        f64::from(a + (b - a) * frac)
    }
}

/// σ of a log-normal factor with median 1 whose 99th percentile is `p99` (1 → 0).
pub fn sigma_from_p99(p99: f64) -> f64 {
    const Z_P99: f64 = 2.326_347_874_040_841;
    if p99 > 1.0 {
        p99.ln() / Z_P99
    } else {
        0.0
    }
}

/// The standard normal quantile function (Acklam's rational approximation, relative error
/// below 1.2e-9 on (0, 1)).
pub fn inverse_normal_cdf(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969683028665376e1,
        2.209460984245205e2,
        -2.759285104469687e2,
        1.38357751867269e2,
        -3.066479806614716e1,
        2.506628277459239,
    ];
    const B: [f64; 5] = [
        -5.447609879822406e1,
        1.615858368580409e2,
        -1.556989798598866e2,
        6.680131188771972e1,
        -1.328068155288572e1,
    ];
    const C: [f64; 6] = [
        -7.784894002430293e-3,
        -3.223964580411365e-1,
        -2.400758277161838,
        -2.549732539343734,
        4.374664141464968,
        2.938163982698783,
    ];
    const D: [f64; 4] = [
        7.784695709041462e-3,
        3.224671290700398e-1,
        2.445134137142996,
        3.754408661907416,
    ];
    const LOW: f64 = 0.02425;
    if p < LOW {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - LOW {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = (-2.0 * (1.0 - p).ln()).sqrt();
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn quantile_function_matches_known_values() {
        for (p, z) in [
            (0.5, 0.0),
            (0.975, 1.959_963_984_540_054),
            (0.99, 2.326_347_874_040_841),
            (0.001, -3.090_232_306_167_813),
        ] {
            assert!(
                (inverse_normal_cdf(p) - z).abs() < 1e-6,
                "{p}: {}",
                inverse_normal_cdf(p)
            );
        }
    }

    #[test]
    fn noise_table_has_median_one_and_the_asked_p99() {
        let t = NoiseTable::new(sigma_from_p99(1.3));
        let at = |p: f64| t.get((p * 4_294_967_296.0) as u32);
        assert!((at(0.5) - 1.0).abs() < 1e-3, "{}", at(0.5));
        assert!((at(0.99) - 1.3).abs() < 0.005, "{}", at(0.99));
        assert!(
            at(0.25) < at(0.2500001) + 1e-9 && at(0.2) < at(0.3),
            "monotone"
        );
        assert_eq!(NoiseTable::new(0.0).get(17), 1.0);
    }

    #[test]
    fn levels_are_non_negative_integers() {
        let mut rng = SimRng::seed_from_u64(1);
        let n = LevelSampler::new(&Level::Normal {
            mean: 10.0,
            sd: 100.0,
        })
        .unwrap();
        assert!((0..1000).all(|_| n.sample(&mut rng) >= 0));
        assert_eq!(
            LevelSampler::new(&Level::Constant(2.6))
                .unwrap()
                .sample(&mut rng),
            3
        );
        let u = LevelSampler::new(&Level::Uniform(5.0, 5.0)).unwrap();
        assert_eq!(u.sample(&mut rng), 5);
        assert!(LevelSampler::new(&Level::Uniform(6.0, 5.0)).is_err());
    }
}
