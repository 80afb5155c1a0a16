//! Engine-side configuration of the node-pressure model, resolved from the scenario by
//! `build` (relative amounts already multiplied by the container's request).

/// Milliseconds per day: the unit of leak rates (bytes per day keep every rate exact).
pub const DAY_MS: u64 = 86_400_000;

/// Everything the kubelet model needs besides the world.
#[derive(Clone, Debug, PartialEq)]
pub struct PressureConfig {
    /// Eviction settings shared by every node.
    pub kubelet: KubeletConfig,
    /// Usage of each workload, by `WorkloadId`.
    pub workloads: Vec<WorkloadUsage>,
}

/// The kubelet's eviction settings (`memory.available` only).
#[derive(Clone, Debug, PartialEq)]
pub struct KubeletConfig {
    /// Hard threshold (evict at once); None disables hard eviction.
    pub hard: Option<Threshold>,
    /// Soft threshold and its grace period, ms.
    pub soft: Option<(Threshold, u64)>,
    /// `evictionPressureTransitionPeriod`, ms.
    pub transition_ms: u64,
    /// Housekeeping (eviction manager) interval, ms.
    pub housekeeping_ms: u64,
}

impl Default for KubeletConfig {
    /// Upstream defaults: hard `memory.available<100Mi`, 5 min transition, 10 s housekeeping.
    fn default() -> Self {
        KubeletConfig {
            hard: Some(Threshold::Bytes(100 << 20)),
            soft: None,
            transition_ms: 300_000,
            housekeeping_ms: 10_000,
        }
    }
}

/// A `memory.available` threshold.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Threshold {
    /// Bytes.
    Bytes(i64),
    /// Fraction of the node's memory capacity (`5%` is 0.05).
    Fraction(f64),
}

impl Threshold {
    /// The threshold in bytes on a node with `capacity` bytes of memory (upstream
    /// `GetThresholdQuantity`: `int64(float64(capacity) * percentage)`).
    pub fn bytes(&self, capacity: i64) -> i64 {
        match *self {
            Threshold::Bytes(b) => b,
            Threshold::Fraction(f) => (capacity as f64 * f) as i64,
        }
    }
}

/// A distribution of a container's usage level in absolute units (millicores or bytes).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Level {
    /// Always this much.
    Constant(f64),
    /// Uniform in `[min, max]`.
    Uniform(f64, f64),
    /// Normal, clamped at zero.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        sd: f64,
    },
    /// Log-normal: `exp(N(mu, sigma))`.
    LogNormal {
        /// Mean of the logarithm.
        mu: f64,
        /// Standard deviation of the logarithm.
        sigma: f64,
    },
}

/// Usage of one running container (regular or sidecar).
#[derive(Clone, Debug, PartialEq)]
pub struct ContainerUsage {
    /// Index of the container in `PodTemplate::containers`.
    pub index: usize,
    /// CPU level, millicores.
    pub cpu: Level,
    /// Memory level, bytes.
    pub mem: Level,
    /// Memory growth while the container runs, bytes per day (0: none).
    pub leak_per_day: i64,
}

/// The daily load curve: `trough + (1 − trough)·(1 + cos(2π(h − peak)/24))/2`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Diurnal {
    /// Hour of the peak (0 ≤ h < 24); time 0 is midnight.
    pub peak_hour: f64,
    /// Factor at the trough (0 < r ≤ 1); the peak is 1.
    pub trough: f64,
}

impl Diurnal {
    /// The load factor at `t_ms`.
    pub fn factor(&self, t_ms: u64) -> f64 {
        let h = (t_ms % DAY_MS) as f64 / 3_600_000.0;
        let phase = 2.0 * std::f64::consts::PI * (h - self.peak_hour) / 24.0;
        self.trough + (1.0 - self.trough) * (1.0 + phase.cos()) / 2.0
    }
}

/// When spikes start.
#[derive(Clone, Debug, PartialEq)]
pub enum SpikeArrivals {
    /// Poisson starts at this rate per ms.
    Poisson(f64),
    /// Fixed start times, ms (sorted).
    At(Vec<u64>),
}

/// Load spikes of a workload.
#[derive(Clone, Debug, PartialEq)]
pub struct Spikes {
    /// Start times.
    pub arrivals: SpikeArrivals,
    /// Load multiplier while a spike is on.
    pub size: f64,
    /// Length of each spike, ms.
    pub duration_ms: u64,
}

/// The usage model of one workload: per container, CPU = level × load × noise and memory =
/// level × (1 − share + share × load) × noise + leak, where load = diurnal × spike.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkloadUsage {
    /// One entry per running container of the template.
    pub containers: Vec<ContainerUsage>,
    /// Noise redraw / diurnal step interval, ms.
    pub interval_ms: u64,
    /// σ of the log-normal CPU noise factor (0: none).
    pub noise_cpu_sigma: f64,
    /// σ of the log-normal memory noise factor (0: none).
    pub noise_mem_sigma: f64,
    /// Daily curve.
    pub diurnal: Option<Diurnal>,
    /// Spikes.
    pub spikes: Option<Spikes>,
    /// Share of the memory level that follows the load factor (0..=1).
    pub mem_load_share: f64,
}

impl WorkloadUsage {
    /// Whether the workload needs periodic usage ticks (noise or a diurnal curve).
    pub fn ticks(&self) -> bool {
        self.noise_cpu_sigma > 0.0 || self.noise_mem_sigma > 0.0 || self.diurnal.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diurnal_peaks_and_troughs() {
        let d = Diurnal {
            peak_hour: 14.0,
            trough: 0.4,
        };
        assert!((d.factor(14 * 3_600_000) - 1.0).abs() < 1e-12);
        assert!((d.factor(2 * 3_600_000) - 0.4).abs() < 1e-12);
        assert!((d.factor(DAY_MS + 14 * 3_600_000) - 1.0).abs() < 1e-12);
        assert!((d.factor(8 * 3_600_000) - 0.7).abs() < 1e-12);
    }

    #[test]
    fn thresholds_in_bytes() {
        assert_eq!(Threshold::Bytes(5).bytes(100), 5);
        assert_eq!(Threshold::Fraction(0.05).bytes(1000), 50);
    }
}
