//! Per-service SLIs accumulated tick by tick, for the run-level figures of `summary.json`:
//!
//! - **Latency percentiles over the run.** Each tick adds the modelled response-time
//!   distribution of the requests served in it (the station's: a point mass at the base latency
//!   for requests that do not wait, an exponential tail for those that wait, or the overload
//!   wait; shifted by the mean downstream time), weighted by the requests served, to a
//!   histogram of log-spaced bins (2 % wide, 0.1 ms to 10,000 s). A run-level percentile is the
//!   percentile of that request-weighted mixture, read back to within one bin (each bin keeps
//!   the lowest and highest time put in it and the mass exactly at the lowest, so a point mass
//!   is exact; the rest is interpolated linearly). Requests that wait without
//!   bound (overload without a queue limit) count as infinitely slow.
//! - **Worst error ratio over sliding windows** of [`WINDOWS_S`] (5 min and 1 h, the windows
//!   of the SRE workbook's fastest multiwindow burn-rate alert): the highest
//!   failed / offered over any window ending at a tick; for a run shorter than the window, the
//!   whole run's ratio.

/// The sliding windows, seconds of ticks (5 min, 1 h).
pub const WINDOWS_S: [usize; 2] = [300, 3600];

const LO_S: f64 = 1e-4;
const RATIO: f64 = 1.02;
const BINS: usize = 931; // ln(1e8) / ln(1.02) ≈ 930.2
/// A tail piece below this share of the tick's requests is not spread further.
const NEGLIGIBLE: f64 = 1e-9;

#[derive(Debug, Clone, Copy, Default)]
struct Bin {
    mass: f64,
    lo: f64,
    hi: f64,
    /// Mass placed exactly at `lo` (a point mass).
    at_lo: f64,
}

/// The SLI accumulators of one service.
#[derive(Debug, Clone)]
pub struct SliAccumulator {
    bins: Vec<Bin>,
    infinite: f64,
    ring: Vec<(f64, f64)>,
    pos: usize,
    ticks: usize,
    sums: [(f64, f64); 2],
    worst: [f64; 2],
    total: (f64, f64),
}

impl Default for SliAccumulator {
    fn default() -> Self {
        SliAccumulator {
            bins: vec![Bin::default(); BINS],
            infinite: 0.0,
            ring: vec![(0.0, 0.0); WINDOWS_S[1]],
            pos: 0,
            ticks: 0,
            sums: [(0.0, 0.0); 2],
            worst: [0.0; 2],
            total: (0.0, 0.0),
        }
    }
}

fn bin_of(t: f64) -> usize {
    if t <= LO_S {
        return 0;
    }
    (((t / LO_S).ln() / RATIO.ln()) as usize).min(BINS - 1)
}

fn edge(i: usize) -> f64 {
    LO_S * RATIO.powi(i as i32)
}

impl SliAccumulator {
    fn put(&mut self, t: f64, to: f64, mass: f64) {
        if mass <= 0.0 {
            return;
        }
        if !t.is_finite() {
            self.infinite += mass;
            return;
        }
        let b = &mut self.bins[bin_of(t)];
        let point = if t == to { mass } else { 0.0 };
        if b.mass == 0.0 || t < b.lo {
            b.at_lo = point;
            b.lo = t;
        } else if t == b.lo {
            b.at_lo += point;
        }
        b.hi = if b.mass == 0.0 { to } else { b.hi.max(to) };
        b.mass += mass;
    }

    /// Adds one tick: `served` requests whose response time (before the downstream shift
    /// `down_s`) follows `dist`, and `offered`/`failed` requests for the error windows.
    pub fn record(
        &mut self,
        dist: Option<Dist>,
        down_s: f64,
        served: f64,
        offered: f64,
        failed: f64,
    ) {
        if let Some(d) = dist.filter(|_| served > 0.0) {
            self.add_latency(d, down_s, served);
        }
        self.total.0 += offered;
        self.total.1 += failed;
        let old = self.ring[self.pos];
        self.ring[self.pos] = (offered, failed);
        self.ticks += 1;
        for (k, &w) in WINDOWS_S.iter().enumerate() {
            let s = &mut self.sums[k];
            s.0 += offered;
            s.1 += failed;
            if self.ticks > w {
                let leaving = if w == self.ring.len() {
                    old
                } else {
                    self.ring[(self.pos + self.ring.len() - w) % self.ring.len()]
                };
                s.0 = (s.0 - leaving.0).max(0.0);
                s.1 = (s.1 - leaving.1).max(0.0);
            }
            if self.ticks >= w && s.0 > 0.0 {
                self.worst[k] = self.worst[k].max((s.1 / s.0).min(1.0));
            }
        }
        self.pos = (self.pos + 1) % self.ring.len();
    }

    fn add_latency(&mut self, d: Dist, down_s: f64, served: f64) {
        let down = if down_s.is_finite() {
            down_s.max(0.0)
        } else {
            0.0
        };
        match d {
            Dist::Fixed(t) => self.put(t + down, t + down, served),
            Dist::Tail {
                base_s,
                p_wait,
                rate,
            } => {
                let t0 = base_s + down;
                let p_wait = p_wait.clamp(0.0, 1.0);
                if p_wait < NEGLIGIBLE || rate <= 0.0 || !rate.is_finite() {
                    self.put(t0, t0, served);
                    return;
                }
                self.put(t0, t0, served * (1.0 - p_wait));
                // The tail P(R > t) = p_wait · exp(−rate (t − t0)), bin by bin.
                let mut i = bin_of(t0);
                let mut a = t0;
                let mut left = p_wait;
                while left > NEGLIGIBLE * p_wait && i + 1 < BINS {
                    let b = edge(i + 1).max(a);
                    let above = p_wait * (-(rate) * (b - t0)).exp();
                    self.put(a, b, served * (left - above));
                    left = above;
                    a = b;
                    i += 1;
                }
                self.put(a, a, served * left);
            }
        }
    }

    /// The `q` quantile (0 < q < 1) of the response time of the requests served over the run,
    /// seconds; infinite when it falls among requests waiting without bound; None when nothing
    /// was served.
    pub fn quantile_s(&self, q: f64) -> Option<f64> {
        let total: f64 = self.bins.iter().map(|b| b.mass).sum::<f64>() + self.infinite;
        if total <= 0.0 {
            return None;
        }
        let target = q * total;
        let mut cum = 0.0;
        for b in &self.bins {
            if b.mass > 0.0 && cum + b.mass >= target {
                if target - cum <= b.at_lo {
                    return Some(b.lo);
                }
                let spread = b.mass - b.at_lo;
                let frac = ((target - cum - b.at_lo) / spread).clamp(0.0, 1.0);
                return Some(b.lo + (b.hi - b.lo) * frac);
            }
            cum += b.mass;
        }
        Some(f64::INFINITY)
    }

    /// The highest error ratio over any window of `WINDOWS_S[k]` seconds (the whole run's when
    /// the run is shorter).
    pub fn worst_error_rate(&self, k: usize) -> f64 {
        if self.ticks < WINDOWS_S[k] {
            if self.total.0 > 0.0 {
                (self.total.1 / self.total.0).min(1.0)
            } else {
                0.0
            }
        } else {
            self.worst[k]
        }
    }
}

/// The response-time distribution of a tick's served requests, before the downstream shift.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Dist {
    /// Every request takes this long (overload: base latency plus the overload wait; may be
    /// infinite).
    Fixed(f64),
    /// `P(R > t) = 1` below `base_s`, `p_wait · exp(−rate (t − base_s))` above.
    Tail {
        /// Base latency, s.
        base_s: f64,
        /// Probability of waiting.
        p_wait: f64,
        /// Rate of the exponential wait, 1/s.
        rate: f64,
    },
}

impl Dist {
    /// The distribution of a station's served requests (None: it serves nothing).
    pub fn of(st: &super::latency::Station) -> Option<Dist> {
        if st.served <= 0.0 {
            return None;
        }
        if st.overloaded() {
            return Some(Dist::Fixed(st.base_s + st.overload_wait_s));
        }
        Some(Dist::Tail {
            base_s: st.base_s,
            p_wait: st.p_wait,
            rate: st.wait_rate,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::latency::Station;

    #[test]
    fn percentiles_of_one_station_match_its_own_quantiles() {
        let st = Station::new(400.0, 5.0, 100.0, 0.05, None);
        let mut a = SliAccumulator::default();
        a.record(Dist::of(&st), 0.01, 400.0, 400.0, 0.0);
        for q in [0.5, 0.95, 0.99] {
            let want = st.quantile_s(q) + 0.01;
            let got = a.quantile_s(q).unwrap();
            assert!((got / want - 1.0).abs() < 0.02, "q{q}: {got} vs {want}");
        }
    }

    #[test]
    fn percentiles_are_request_weighted_over_ticks() {
        // 99 requests at 10 ms, 1 request at 1 s: p50 = 10 ms, p99 = 10 ms, p99.5 = 1 s.
        let mut a = SliAccumulator::default();
        a.record(Some(Dist::Fixed(0.01)), 0.0, 99.0, 99.0, 0.0);
        a.record(Some(Dist::Fixed(1.0)), 0.0, 1.0, 1.0, 0.0);
        assert_eq!(a.quantile_s(0.5), Some(0.01));
        assert_eq!(a.quantile_s(0.99), Some(0.01));
        assert_eq!(a.quantile_s(0.995), Some(1.0));
        // A point mass shares its bin with the start of a tail: still exact.
        let mut b = SliAccumulator::default();
        let st = Station::new(100.0, 5.0, 100.0, 0.05, None);
        b.record(Dist::of(&st), 0.0, 100.0, 100.0, 0.0);
        assert_eq!(b.quantile_s(0.5), Some(0.05));
        a.record(Some(Dist::Fixed(f64::INFINITY)), 0.0, 100.0, 100.0, 0.0);
        assert_eq!(a.quantile_s(0.99), Some(f64::INFINITY));
        assert_eq!(SliAccumulator::default().quantile_s(0.5), None);
    }

    #[test]
    fn worst_window_error_rate() {
        let mut a = SliAccumulator::default();
        // 600 ticks of 100 req/s; 60 ticks fail half of them, starting at tick 200.
        for t in 0..600 {
            let failed = if (200..260).contains(&t) { 50.0 } else { 0.0 };
            a.record(None, 0.0, 0.0, 100.0, failed);
        }
        // 5 min: 3,000 failed of 30,000 = 0.1; 1 h is longer than the run: 3,000 / 60,000.
        assert!((a.worst_error_rate(0) - 0.1).abs() < 1e-12);
        assert!((a.worst_error_rate(1) - 0.05).abs() < 1e-12);
    }
}
