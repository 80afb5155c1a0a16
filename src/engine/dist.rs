//! Distributions of durations in whole milliseconds, shared by Job run times and fault
//! processes (time between failures, time to repair): the parameters ([`DurationDist`]) and
//! a sampler built once from them ([`DurationSampler`]).

use rand::RngExt;
use rand_distr::{Distribution, Exp, LogNormal, Normal, Weibull};

use super::SimRng;

/// A distribution of durations in milliseconds (Job run times, fault MTBF and MTTR).
#[derive(Clone, Debug, PartialEq)]
pub enum DurationDist {
    /// Always the same.
    Constant(u64),
    /// Uniform in `[min, max]`.
    Uniform {
        /// Lower bound, ms.
        min: u64,
        /// Upper bound, ms.
        max: u64,
    },
    /// Exponential with the given mean.
    Exponential {
        /// Mean, ms.
        mean: u64,
    },
    /// Log-normal given by the underlying normal's `mu` and `sigma` (of ln ms).
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
    /// Weibull with `shape` k and `scale` λ (ms).
    Weibull {
        /// Shape k.
        shape: f64,
        /// Scale λ, ms.
        scale: f64,
    },
}

/// A sampler for [`DurationDist`], built once.
#[derive(Clone, Debug)]
pub enum DurationSampler {
    /// Always the same.
    Constant(u64),
    /// Uniform in `[min, max]`.
    Uniform(u64, u64),
    /// Exponential.
    Exponential(Exp<f64>),
    /// Log-normal.
    LogNormal(LogNormal<f64>),
    /// Normal, truncated at 1 ms.
    Normal(Normal<f64>),
    /// Weibull.
    Weibull(Weibull<f64>),
}

impl DurationSampler {
    /// Builds the sampler; the error says what is wrong with the parameters.
    pub fn new(d: &DurationDist) -> Result<Self, String> {
        let finite = |x: f64, what: &str| {
            if x.is_finite() {
                Ok(())
            } else {
                Err(format!("{what} must be finite"))
            }
        };
        Ok(match *d {
            DurationDist::Constant(v) => DurationSampler::Constant(v),
            DurationDist::Uniform { min, max } => {
                if min > max {
                    return Err(format!("uniform min {min} ms is above max {max} ms"));
                }
                DurationSampler::Uniform(min, max)
            }
            DurationDist::Exponential { mean } => {
                if mean == 0 {
                    return Err("exponential mean must be positive".into());
                }
                DurationSampler::Exponential(
                    Exp::new(1.0 / mean as f64).map_err(|e| e.to_string())?,
                )
            }
            DurationDist::LogNormal { mu, sigma } => {
                finite(mu, "lognormal mu")?;
                DurationSampler::LogNormal(LogNormal::new(mu, sigma).map_err(|e| e.to_string())?)
            }
            DurationDist::Normal { mean, std_dev } => {
                finite(mean, "normal mean")?;
                DurationSampler::Normal(Normal::new(mean, std_dev).map_err(|e| e.to_string())?)
            }
            DurationDist::Weibull { shape, scale } => {
                DurationSampler::Weibull(Weibull::new(scale, shape).map_err(|e| e.to_string())?)
            }
        })
    }

    /// One duration, ms. Continuous draws are rounded, at least 1 ms and at most `u64::MAX / 4`.
    pub fn sample(&self, rng: &mut SimRng) -> u64 {
        let ms = |x: f64| {
            if x.is_finite() {
                x.round().clamp(1.0, (u64::MAX / 4) as f64) as u64
            } else {
                u64::MAX / 4
            }
        };
        match self {
            DurationSampler::Constant(v) => *v,
            DurationSampler::Uniform(min, max) => rng.random_range(*min..=*max),
            DurationSampler::Exponential(d) => ms(d.sample(rng)),
            DurationSampler::LogNormal(d) => ms(d.sample(rng)),
            DurationSampler::Normal(d) => ms(d.sample(rng)),
            DurationSampler::Weibull(d) => ms(d.sample(rng)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RngStreams;

    #[test]
    fn draws_are_reproducible_positive_and_near_the_mean() {
        let d = DurationSampler::new(&DurationDist::Exponential { mean: 1000 }).unwrap();
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
        let w = DurationSampler::new(&DurationDist::Weibull {
            shape: 1.0,
            scale: 500.0,
        })
        .unwrap();
        assert!((0..100).all(|_| w.sample(&mut rng) >= 1));
    }

    #[test]
    fn invalid_parameters_are_errors() {
        assert!(DurationSampler::new(&DurationDist::Uniform { min: 5, max: 1 }).is_err());
        assert!(DurationSampler::new(&DurationDist::Exponential { mean: 0 }).is_err());
        let bad = DurationDist::Weibull {
            shape: -1.0,
            scale: 1.0,
        };
        assert!(DurationSampler::new(&bad).is_err());
    }
}
