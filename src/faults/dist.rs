//! Durations drawn for faults (MTBF, MTTR), in whole milliseconds.

use rand::RngExt;
use rand_distr::{Distribution, Exp, LogNormal, Normal, Weibull};

use crate::engine::SimRng;

/// A distribution of durations in milliseconds. Every draw is at least 1 ms, so a random
/// process always advances.
#[derive(Clone, Debug, PartialEq)]
pub enum FaultDist {
    /// Always the same.
    Constant(u64),
    /// Uniform in `[min, max]`.
    Uniform {
        /// Lower bound, ms.
        min: u64,
        /// Upper bound, ms.
        max: u64,
    },
    /// Exponential with the given mean, ms.
    Exponential {
        /// Mean, ms.
        mean: f64,
    },
    /// Log-normal: `ln(ms)` is normal with `mu`, `sigma`.
    LogNormal {
        /// Mean of ln(ms).
        mu: f64,
        /// Standard deviation of ln(ms).
        sigma: f64,
    },
    /// Normal, truncated at 1 ms.
    Normal {
        /// Mean, ms.
        mean: f64,
        /// Standard deviation, ms.
        std_dev: f64,
    },
    /// Weibull with shape k and scale λ (ms).
    Weibull {
        /// Shape k.
        shape: f64,
        /// Scale λ, ms.
        scale: f64,
    },
}

impl FaultDist {
    /// One draw, ms (at least 1). Invalid parameters (which validation rules out) give the
    /// distribution's scale parameter instead of panicking.
    pub fn sample(&self, rng: &mut SimRng) -> u64 {
        let ms = |x: f64| {
            if x.is_finite() {
                x.round().clamp(1.0, (u64::MAX / 4) as f64) as u64
            } else {
                u64::MAX / 4
            }
        };
        match *self {
            FaultDist::Constant(v) => v.max(1),
            FaultDist::Uniform { min, max } => rng.random_range(min..=max.max(min)).max(1),
            FaultDist::Exponential { mean } => match Exp::new(1.0 / mean) {
                Ok(d) => ms(d.sample(rng)),
                Err(_) => ms(mean),
            },
            FaultDist::LogNormal { mu, sigma } => match LogNormal::new(mu, sigma) {
                Ok(d) => ms(d.sample(rng)),
                Err(_) => ms(mu.exp()),
            },
            FaultDist::Normal { mean, std_dev } => match Normal::new(mean, std_dev) {
                Ok(d) => ms(d.sample(rng)),
                Err(_) => ms(mean),
            },
            FaultDist::Weibull { shape, scale } => match Weibull::new(scale, shape) {
                Ok(d) => ms(d.sample(rng)),
                Err(_) => ms(scale),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RngStreams;

    #[test]
    fn draws_are_reproducible_positive_and_near_the_mean() {
        let d = FaultDist::Exponential { mean: 1000.0 };
        let draw = |n| {
            let mut rng = RngStreams::new(7).stream("faults/x");
            (0..n).map(|_| d.sample(&mut rng)).collect::<Vec<_>>()
        };
        let a = draw(20_000);
        assert_eq!(a, draw(20_000));
        assert!(a.iter().all(|&x| x >= 1));
        let mean = a.iter().sum::<u64>() as f64 / a.len() as f64;
        assert!((mean - 1000.0).abs() < 30.0, "{mean}");
        let mut rng = RngStreams::new(7).stream("w");
        let w = FaultDist::Weibull {
            shape: 1.0,
            scale: 500.0,
        };
        assert!((0..100).all(|_| w.sample(&mut rng) >= 1));
        assert_eq!(FaultDist::Constant(0).sample(&mut rng), 1);
    }
}
