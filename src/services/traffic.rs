//! External traffic of a service over time: a base rate shaped by a day curve and fixed-time
//! spikes, or a step series.

/// A day curve: 1 at `peak_hour`, `trough` twelve hours away, a cosine in between (the usage
/// model's curve, so traffic and usage peak together when they share settings).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DayCurve {
    /// Hour of the peak (0 ≤ h < 24); time 0 is midnight.
    pub peak_hour: f64,
    /// Factor at the trough (0 < r ≤ 1).
    pub trough: f64,
}

impl DayCurve {
    /// The factor at `t_ms`.
    pub fn factor(&self, t_ms: u64) -> f64 {
        let h = (t_ms % 86_400_000) as f64 / 3_600_000.0;
        let phase = 2.0 * std::f64::consts::PI * (h - self.peak_hour) / 24.0;
        self.trough + (1.0 - self.trough) * (1.0 + phase.cos()) / 2.0
    }
}

/// The external request rate of one service.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum TrafficShape {
    /// No external traffic.
    #[default]
    None,
    /// `rate` requests/s × the day curve × `size` during each spike `[start, end)` (ms).
    Shaped {
        /// Base rate, requests/s.
        rate: f64,
        /// Day curve.
        day: Option<DayCurve>,
        /// Spike windows, ms, sorted by start.
        spikes: Vec<(u64, u64)>,
        /// Multiplier during a spike (overlaps do not stack).
        size: f64,
    },
    /// Step series `(from ms, requests/s)`, increasing times; 0 before the first point.
    Series(Vec<(u64, f64)>),
}

impl TrafficShape {
    /// Requests/s at `t_ms`.
    pub fn rate_at(&self, t_ms: u64) -> f64 {
        match self {
            TrafficShape::None => 0.0,
            TrafficShape::Shaped {
                rate,
                day,
                spikes,
                size,
            } => {
                let d = day.map_or(1.0, |d| d.factor(t_ms));
                let s = if spikes.iter().any(|&(a, b)| a <= t_ms && t_ms < b) {
                    *size
                } else {
                    1.0
                };
                rate * d * s
            }
            TrafficShape::Series(points) => {
                let i = points.partition_point(|&(at, _)| at <= t_ms);
                if i == 0 {
                    0.0
                } else {
                    points[i - 1].1
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_steps_and_spikes_multiply() {
        let s = TrafficShape::Series(vec![(0, 10.0), (5_000, 0.0), (9_000, 30.0)]);
        assert_eq!(s.rate_at(0), 10.0);
        assert_eq!(s.rate_at(4_999), 10.0);
        assert_eq!(s.rate_at(5_000), 0.0);
        assert_eq!(s.rate_at(10_000), 30.0);
        let sh = TrafficShape::Shaped {
            rate: 100.0,
            day: None,
            spikes: vec![(1_000, 2_000)],
            size: 3.0,
        };
        assert_eq!(sh.rate_at(999), 100.0);
        assert_eq!(sh.rate_at(1_000), 300.0);
        assert_eq!(sh.rate_at(2_000), 100.0);
        let day = DayCurve {
            peak_hour: 12.0,
            trough: 0.5,
        };
        assert!((day.factor(12 * 3_600_000) - 1.0).abs() < 1e-12);
        assert!((day.factor(0) - 0.5).abs() < 1e-12);
    }
}
