//! Exact time integrals of piecewise-constant (and linearly leaking) levels, event-driven:
//! each change closes the interval since the previous one. The peak is the highest level held
//! for a positive time, so values that exist only between two updates at the same instant
//! (one pod gone, its replacement not yet bound) never count. O(1), allocation-free.

/// Milliseconds per day: the unit of leak rates.
const DAY_MS: i128 = 86_400_000;

/// The integral and peak of a level that is constant between changes (millicores, bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Integral {
    level: i64,
    since: u64,
    acc: u128,
    peak: i64,
}

impl Integral {
    /// The level changes by `delta` at `now` (times never go back).
    #[inline]
    pub fn add(&mut self, now: u64, delta: i64) {
        if delta == 0 {
            return;
        }
        self.close(now);
        self.level += delta;
    }

    #[inline]
    fn close(&mut self, now: u64) {
        if now > self.since {
            let l = self.level.max(0);
            self.acc += l as u128 * u128::from(now - self.since);
            self.peak = self.peak.max(l);
            self.since = now;
        }
    }

    /// The level now.
    pub fn level(&self) -> i64 {
        self.level
    }

    /// ∫ level dt from 0 to `end`, in level × ms.
    pub fn total(&self, end: u64) -> u128 {
        let mut c = *self;
        c.close(end);
        c.acc
    }

    /// The highest level held for a positive time up to `end`.
    pub fn peak(&self, end: u64) -> i64 {
        let mut c = *self;
        c.close(end);
        c.peak
    }
}

/// The integral and peak of memory that is constant between changes plus a linear leak:
/// `base + (rate·t − off) / DAY_MS` bytes at `t` ms (rate in bytes/day, as the kubelet keeps
/// it). The leak is integrated as the exact linear function (the per-container floor to whole
/// bytes is left out: under one byte per container).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LeakIntegral {
    base: i64,
    rate: i64,
    off: i128,
    since: u64,
    /// ∫ 2·DAY_MS·level dt, in byte·ms·2·DAY_MS.
    acc2: i128,
    peak: i64,
}

impl LeakIntegral {
    /// The level at `t` with the current parameters.
    #[inline]
    pub fn level_at(&self, t: u64) -> i64 {
        if self.rate == 0 && self.off == 0 {
            return self.base;
        }
        self.base + ((i128::from(self.rate) * i128::from(t) - self.off) / DAY_MS) as i64
    }

    #[inline]
    fn close(&mut self, now: u64) {
        if now > self.since {
            let (t0, t1) = (i128::from(self.since), i128::from(now));
            let dt = t1 - t0;
            self.acc2 += 2 * DAY_MS * i128::from(self.base) * dt
                + i128::from(self.rate) * (t1 * t1 - t0 * t0)
                - 2 * self.off * dt;
            // A growing leak peaks at the end of the interval.
            self.peak = self
                .peak
                .max(self.level_at(now))
                .max(self.level_at(self.since));
            self.since = now;
        }
    }

    /// At `now`: the base changes by `dmem`, the leak rate by `drate`, its offset by `doff`.
    #[inline]
    pub fn add(&mut self, now: u64, dmem: i64, drate: i64, doff: i128) {
        if dmem == 0 && drate == 0 && doff == 0 {
            return;
        }
        self.close(now);
        self.base += dmem;
        self.rate += drate;
        self.off += doff;
    }

    /// ∫ level dt from 0 to `end`, in byte·ms (floored).
    pub fn total(&self, end: u64) -> u128 {
        let mut c = *self;
        c.close(end);
        (c.acc2.max(0) / (2 * DAY_MS)) as u128
    }

    /// The highest level reached up to `end`.
    pub fn peak(&self, end: u64) -> i64 {
        let mut c = *self;
        c.close(end);
        c.peak
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn piecewise_constant_is_integrated_exactly() {
        let mut i = Integral::default();
        i.add(1000, 500); // 500 from 1 s
        i.add(3000, 1500); // 2000 from 3 s
        i.add(3000, -2000); // gone at once: 0 held for no time
        i.add(3000, 700); // 700 from 3 s
        assert_eq!(i.total(5000), 500 * 2000 + 700 * 2000);
        assert_eq!(i.peak(5000), 700, "2000 was never held for a positive time");
        assert_eq!(i.level(), 700);
    }

    #[test]
    fn linear_leak_is_integrated_exactly() {
        let mut m = LeakIntegral::default();
        // 1 000 bytes, plus a leak of 86 400 000 bytes/day (1 byte/ms) starting at t = 0.
        m.add(0, 1000, 86_400_000, 0);
        // ∫0..2000 (1000 + t) dt = 2 000 000 + 2 000 000.
        assert_eq!(m.total(2000), 4_000_000);
        assert_eq!(m.peak(2000), 3000);
        // The leak stops at 2 s (container killed: base and leak leave).
        m.add(2000, -1000, -86_400_000, 0);
        assert_eq!(m.total(4000), 4_000_000);
        assert_eq!(m.peak(4000), 3000);
    }
}
