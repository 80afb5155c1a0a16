//! Paired differences: mean and 95 % confidence interval (Student's t).

/// Two-sided 97.5 % quantiles of Student's t for 1..=30 degrees of freedom.
const T975: [f64; 30] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
    2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
    2.052, 2.048, 2.045, 2.042,
];

/// The 97.5 % quantile of Student's t with `df` degrees of freedom (`df ≥ 1`).
pub fn t975(df: usize) -> f64 {
    match df {
        0 => f64::NAN,
        1..=30 => T975[df - 1],
        // Interpolate in 1/df between the tabulated 40, 60, 120 and infinity.
        _ => {
            let pts = [(30.0, 2.042), (40.0, 2.021), (60.0, 2.000), (120.0, 1.980)];
            let x = 1.0 / df as f64;
            for w in pts.windows(2) {
                let (d0, t0) = w[0];
                let (d1, t1) = w[1];
                if (df as f64) <= d1 {
                    let (x0, x1) = (1.0 / d0, 1.0 / d1);
                    return t0 + (t1 - t0) * (x - x0) / (x1 - x0);
                }
            }
            let (x0, t0) = (1.0 / 120.0, 1.980);
            1.960 + (t0 - 1.960) * x / x0
        }
    }
}

/// Mean and 95 % confidence interval of paired differences.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeanCi {
    /// Number of pairs.
    pub n: usize,
    /// Mean difference.
    pub mean: f64,
    /// Lower bound (None with fewer than two pairs).
    pub lo: Option<f64>,
    /// Upper bound.
    pub hi: Option<f64>,
}

/// Mean of `d` with a 95 % t interval (no interval for one value). Non-finite values are
/// skipped; None when none is left.
pub fn mean_ci(d: &[f64]) -> Option<MeanCi> {
    let v: Vec<f64> = d.iter().copied().filter(|x| x.is_finite()).collect();
    let n = v.len();
    if n == 0 {
        return None;
    }
    let mean = v.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return Some(MeanCi {
            n,
            mean,
            lo: None,
            hi: None,
        });
    }
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let half = t975(n - 1) * (var / n as f64).sqrt();
    Some(MeanCi {
        n,
        mean,
        lo: Some(mean - half),
        hi: Some(mean + half),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_of_known_sample() {
        // d = 1, 2, 3: mean 2, sd 1, half-width t(2) / sqrt(3) = 4.303 / 1.732.
        let m = mean_ci(&[1.0, 2.0, 3.0]).unwrap();
        assert_eq!(m.mean, 2.0);
        let half = 4.303 / 3f64.sqrt();
        assert!((m.hi.unwrap() - (2.0 + half)).abs() < 1e-9);
        assert!((m.lo.unwrap() - (2.0 - half)).abs() < 1e-9);
        assert_eq!(mean_ci(&[5.0]).unwrap().lo, None);
        assert!(mean_ci(&[]).is_none());
    }

    #[test]
    fn t_quantiles_decrease_to_normal() {
        assert_eq!(t975(1), 12.706);
        assert!((t975(40) - 2.021).abs() < 1e-9);
        assert!(t975(45) < 2.021 && t975(45) > 2.000);
        assert!(t975(10_000) > 1.96 && t975(10_000) < 1.961);
        let mut prev = f64::INFINITY;
        for df in 1..500 {
            assert!(t975(df) <= prev, "{df}");
            prev = t975(df);
        }
    }
}
