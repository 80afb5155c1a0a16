//! Statistics over replications: mean, sample standard deviation, Student-t confidence bounds,
//! the paired differences of `compare`, and the fixed number formatting of `sweep.csv`.
//!
//! The one Student-t implementation of the crate ([`t_quantile`], exact by the regularised
//! incomplete beta function): `sweep`, `plan` and `compare` all take their intervals from here,
//! so the same numbers give the same interval wherever they are printed.
//!
//! Everything here is a pure function of its inputs, evaluated in input order, so the same
//! values give the same bytes whatever the thread count or sharding that produced them.

/// Mean, standard deviation and a two-sided confidence interval of one metric over seeds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stats {
    /// Number of values (seeds).
    pub n: usize,
    /// Arithmetic mean.
    pub mean: f64,
    /// Sample standard deviation (n − 1 in the denominator); None for one value.
    pub std: Option<f64>,
    /// Two-sided confidence interval of the mean (Student t); None for one value.
    pub ci: Option<(f64, f64)>,
}

/// Statistics of `values` (at least one) with a two-sided `confidence` interval (e.g. 0.95).
pub fn stats(values: &[f64], confidence: f64) -> Stats {
    let n = values.len();
    assert!(n > 0, "stats of no values");
    let mean = values.iter().sum::<f64>() / n as f64;
    if n == 1 {
        return Stats {
            n,
            mean,
            std: None,
            ci: None,
        };
    }
    let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1) as f64;
    let std = var.sqrt();
    let half = t_quantile(0.5 + confidence / 2.0, (n - 1) as f64) * std / (n as f64).sqrt();
    Stats {
        n,
        mean,
        std: Some(std),
        ci: Some((mean - half, mean + half)),
    }
}

/// One-sided bound of the mean at `confidence`: the upper bound when `upper`, else the lower.
/// For one value, or values that do not vary, the bound is the mean.
pub fn one_sided_bound(values: &[f64], confidence: f64, upper: bool) -> f64 {
    let s = stats(values, confidence);
    let Some(std) = s.std else { return s.mean };
    if std == 0.0 {
        return s.mean;
    }
    let half = t_quantile(confidence, (s.n - 1) as f64) * std / (s.n as f64).sqrt();
    if upper {
        s.mean + half
    } else {
        s.mean - half
    }
}

/// Mean and 95 % confidence interval of paired differences (`compare`).
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

/// Mean of `d` with a two-sided 95 % Student-t interval, the interval [`stats`] gives (no
/// interval for one value). Non-finite values are skipped; None when none is left.
pub fn mean_ci(d: &[f64]) -> Option<MeanCi> {
    let v: Vec<f64> = d.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    let s = stats(&v, 0.95);
    Some(MeanCi {
        n: s.n,
        mean: s.mean,
        lo: s.ci.map(|c| c.0),
        hi: s.ci.map(|c| c.1),
    })
}

/// Formats a float with six decimals; `-0.000000` is written `0.000000`. Non-finite values
/// are written `nan`, `inf`, `-inf`.
pub fn fixed(v: f64) -> String {
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let s = format!("{v:.6}");
    if s == "-0.000000" {
        "0.000000".into()
    } else {
        s
    }
}

/// The `p` quantile (0.5 < p < 1) of Student's t distribution with `df` degrees of freedom.
pub fn t_quantile(p: f64, df: f64) -> f64 {
    assert!(p > 0.5 && p < 1.0 && df > 0.0, "t_quantile({p}, {df})");
    let mut hi = 1.0;
    while t_cdf(hi, df) < p {
        hi *= 2.0;
        if hi > 1e12 {
            return hi;
        }
    }
    let mut lo = 0.0;
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if t_cdf(mid, df) < p {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= 1e-12 * hi.max(1.0) {
            break;
        }
    }
    0.5 * (lo + hi)
}

/// P(T ≤ t) for Student's t with `df` degrees of freedom.
pub fn t_cdf(t: f64, df: f64) -> f64 {
    let x = df / (df + t * t);
    let tail = 0.5 * inc_beta(x, df / 2.0, 0.5);
    if t >= 0.0 {
        1.0 - tail
    } else {
        tail
    }
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9).
fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = G[0];
    let t = x + 7.5;
    for (i, g) in G.iter().enumerate().skip(1) {
        a += g / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// The regularised incomplete beta function I_x(a, b).
fn inc_beta(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln();
    if x < (a + 1.0) / (a + b + 2.0) {
        ln_front.exp() * beta_cf(x, a, b) / a
    } else {
        1.0 - ln_front.exp() * beta_cf(1.0 - x, b, a) / b
    }
}

/// Continued fraction of the incomplete beta function (modified Lentz).
fn beta_cf(x: f64, a: f64, b: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..=300 {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn t_quantiles_match_tables() {
        for (p, df, want) in [
            (0.975, 1.0, 12.706_205),
            (0.975, 2.0, 4.302_653),
            (0.975, 4.0, 2.776_445),
            (0.975, 29.0, 2.045_230),
            (0.95, 2.0, 2.919_986),
            (0.95, 9.0, 1.833_113),
            (0.995, 5.0, 4.032_143),
            (0.975, 1000.0, 1.962_339),
        ] {
            let got = t_quantile(p, df);
            assert!(close(got, want, 1e-5), "t({p}, {df}) = {got}, want {want}");
        }
    }

    #[test]
    fn stats_of_replications() {
        let s = stats(&[1.0, 2.0, 3.0], 0.95);
        assert_eq!(s.n, 3);
        assert_eq!(s.mean, 2.0);
        assert_eq!(s.std, Some(1.0));
        let (lo, hi) = s.ci.unwrap();
        assert!(
            close(lo, 2.0 - 4.302_653 / 3f64.sqrt(), 1e-5)
                && close(hi, 2.0 + 4.302_653 / 3f64.sqrt(), 1e-5)
        );
        let one = stats(&[5.0], 0.95);
        assert_eq!((one.mean, one.std, one.ci), (5.0, None, None));
        let flat = stats(&[4.0, 4.0], 0.95);
        assert_eq!(flat.ci, Some((4.0, 4.0)));
    }

    #[test]
    fn one_sided_bounds() {
        assert_eq!(one_sided_bound(&[0.0, 0.0, 0.0], 0.95, true), 0.0);
        assert_eq!(one_sided_bound(&[7.0], 0.95, true), 7.0);
        let up = one_sided_bound(&[1.0, 2.0, 3.0], 0.95, true);
        assert!(close(up, 2.0 + 2.919_986 / 3f64.sqrt(), 1e-5), "{up}");
        let low = one_sided_bound(&[1.0, 2.0, 3.0], 0.95, false);
        assert!(close(low, 2.0 - 2.919_986 / 3f64.sqrt(), 1e-5), "{low}");
    }

    #[test]
    fn compare_and_sweep_give_one_interval() {
        // compare (paired differences) and sweep.csv (replications) print the same 95 %
        // interval for the same numbers; compare used a rounded table before (t(2) = 4.303).
        let d = [1.0, 2.0, 3.0];
        let m = mean_ci(&d).unwrap();
        let s = stats(&d, 0.95);
        assert_eq!((m.lo, m.hi), (s.ci.map(|c| c.0), s.ci.map(|c| c.1)));
        assert_eq!(m.mean, 2.0);
        let half = t_quantile(0.975, 2.0) / 3f64.sqrt();
        assert!((m.hi.unwrap() - (2.0 + half)).abs() < 1e-12);
        assert!((t_quantile(0.975, 2.0) - 4.302_652_729_9).abs() < 1e-6);
        assert_eq!(mean_ci(&[5.0, f64::NAN]).unwrap().lo, None);
        assert!(mean_ci(&[]).is_none());
    }

    #[test]
    fn fixed_format() {
        assert_eq!(fixed(1.0 / 3.0), "0.333333");
        assert_eq!(fixed(-1e-9), "0.000000");
        assert_eq!(fixed(12.0), "12.000000");
        assert_eq!(fixed(f64::NAN), "nan");
    }
}
