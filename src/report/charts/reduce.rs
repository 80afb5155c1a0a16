//! Reducing long time series to what a chart can show: a week at one-minute resolution is
//! 10,080 samples per series, more than a chart has pixels.
//!
//! - Levels (pods pending, nodes ready, …) are decimated to the minimum and the maximum of each
//!   bin, in the order they occur, so spikes survive and the drawn line looks as the full one.
//! - Per-interval counts (scheduling cycles, evictions, …) are summed per bin, so the bars of
//!   a coarser bin still add up to the run's total.

/// Bins a line chart is decimated to (two points each).
pub const LINE_BINS: usize = 1000;
/// Bars of a per-interval bar chart at most.
pub const BAR_BINS: usize = 240;

/// `(t / div, y)` for every sample, reduced to at most about `2 * bins` points. A missing
/// sample (NaN) breaks the line: the output then holds a `(x, NaN)` marker between the runs.
pub fn decimate(t: &[f64], y: &[f64], div: f64, bins: usize) -> Vec<(f64, f64)> {
    let n = t.len().min(y.len());
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut start = None;
    for i in 0..n {
        let fin = t[i].is_finite() && y[i].is_finite();
        match (start, fin) {
            (None, true) => start = Some(i),
            (Some(s), false) => {
                runs.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        runs.push((s, n));
    }
    let total: usize = runs.iter().map(|(a, b)| b - a).sum();
    let mut out = Vec::new();
    for (k, &(a, b)) in runs.iter().enumerate() {
        if k > 0 {
            out.push((t[a] / div, f64::NAN));
        }
        let budget = ((bins.max(1) * (b - a)).div_ceil(total.max(1))).max(1);
        decimate_run(&t[a..b], &y[a..b], div, budget, &mut out);
    }
    out
}

/// Min and max of each bin, in the order they occur (all values finite).
fn decimate_run(t: &[f64], y: &[f64], div: f64, bins: usize, out: &mut Vec<(f64, f64)>) {
    if t.len() <= 2 * bins {
        out.extend(t.iter().zip(y).map(|(t, y)| (t / div, *y)));
        return;
    }
    let per = t.len().div_ceil(bins);
    for (tc, yc) in t.chunks(per).zip(y.chunks(per)) {
        let (mut lo, mut hi) = (0, 0);
        for (i, v) in yc.iter().enumerate() {
            if *v < yc[lo] {
                lo = i;
            }
            if *v > yc[hi] {
                hi = i;
            }
        }
        let (a, b) = if lo <= hi { (lo, hi) } else { (hi, lo) };
        out.push((tc[a] / div, yc[a]));
        if b != a {
            out.push((tc[b] / div, yc[b]));
        }
    }
}

/// The runs of a decimated line between its NaN markers.
pub fn segments(pts: &[(f64, f64)]) -> impl Iterator<Item = &[(f64, f64)]> {
    pts.split(|p| !p.1.is_finite()).filter(|s| !s.is_empty())
}

/// Per-interval counts summed into at most `bins` bins.
#[derive(Debug, Clone, PartialEq)]
pub struct Binned {
    /// Bin edges, seconds (`sums[k].len() + 1` of them).
    pub edges_s: Vec<f64>,
    /// Per series, the sum of each bin.
    pub sums: Vec<Vec<f64>>,
    /// Width of a bin, seconds (for the axis label).
    pub width_s: f64,
}

/// The sampling interval of `t`: the median gap (seconds), or 60 s when unknown.
pub fn interval(t: &[f64]) -> f64 {
    let mut gaps: Vec<f64> = t
        .windows(2)
        .map(|w| w[1] - w[0])
        .filter(|g| *g > 0.0)
        .collect();
    if gaps.is_empty() {
        return 60.0;
    }
    gaps.sort_by(f64::total_cmp);
    gaps[gaps.len() / 2]
}

/// Sums each series of per-interval counts (sample at `t` counts `(t - interval, t]`) into
/// consecutive groups of samples, at most `bins` groups. NaN counts as 0.
pub fn bin_sums(t: &[f64], series: &[&[f64]], bins: usize) -> Binned {
    let n = t.len();
    let step = interval(t);
    let per = n.div_ceil(bins.max(1)).max(1);
    let mut edges_s = Vec::new();
    let mut sums = vec![Vec::new(); series.len()];
    let mut i = 0;
    while i < n {
        let j = (i + per).min(n);
        if edges_s.is_empty() {
            edges_s.push((t[i] - step).max(0.0));
        }
        edges_s.push(t[j - 1]);
        for (k, s) in series.iter().enumerate() {
            sums[k].push(s[i..j].iter().filter(|v| v.is_finite()).sum());
        }
        i = j;
    }
    Binned {
        edges_s,
        sums,
        width_s: step * per as f64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimation_keeps_extremes_and_order() {
        let t: Vec<f64> = (0..10_080).map(|i| i as f64 * 60.0).collect();
        let mut y = vec![1.0; t.len()];
        y[5000] = 99.0;
        y[7000] = -5.0;
        let d = decimate(&t, &y, 3600.0, 100);
        assert!(d.len() <= 200);
        assert!(d.iter().any(|p| p.1 == 99.0));
        assert!(d.iter().any(|p| p.1 == -5.0));
        assert!(d.windows(2).all(|w| w[0].0 <= w[1].0));
        let short = decimate(&t[..10], &y[..10], 1.0, 100);
        assert_eq!(short.len(), 10);
    }

    #[test]
    fn missing_samples_break_the_line() {
        let t = [1.0, 2.0, 3.0, 4.0, 5.0];
        let y = [1.0, f64::NAN, f64::NAN, 4.0, 5.0];
        let d = decimate(&t, &y, 1.0, 10);
        assert_eq!(d.len(), 4);
        assert!(d[1].1.is_nan());
        let segs: Vec<_> = segments(&d).collect();
        assert_eq!(segs, vec![&[(1.0, 1.0)][..], &[(4.0, 4.0), (5.0, 5.0)][..]]);
    }

    #[test]
    fn bins_preserve_totals() {
        let t: Vec<f64> = (1..=1000).map(|i| i as f64 * 60.0).collect();
        let a: Vec<f64> = (0..1000).map(|i| (i % 7) as f64).collect();
        let b = bin_sums(&t, &[&a], 240);
        assert!(b.sums[0].len() <= 240);
        assert_eq!(b.edges_s.len(), b.sums[0].len() + 1);
        assert_eq!(b.sums[0].iter().sum::<f64>(), a.iter().sum::<f64>());
        assert_eq!(b.edges_s[0], 0.0);
        assert_eq!(b.width_s, 5.0 * 60.0);
    }
}
