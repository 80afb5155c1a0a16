//! The time series: one [`Sample`] per metrics interval, and the column names of
//! `timeseries.csv`.

use super::*;

/// Requested and allocatable CPU/memory of one zone (or the cluster) at a sample.
///
/// Two node sets: *all nodes* (every node in the cluster, whatever its condition) and *Ready
/// nodes* (Ready condition true). Requests are those of the pods bound to the set's nodes,
/// allocatable is the set's allocatable; a utilisation figure divides one by the other over
/// the same set (see [`ZoneSample::cpu_fraction_ready`]). The two original columns keep their
/// meaning: `cpu_requested_m` is over all nodes, `cpu_allocatable_m` over Ready nodes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ZoneSample {
    /// CPU requested by pods bound to any of the zone's nodes (Ready or not), millicores.
    pub cpu_requested_m: i64,
    /// CPU allocatable of the zone's Ready nodes, millicores.
    pub cpu_allocatable_m: i64,
    /// Memory requested by pods bound to any of the zone's nodes, bytes.
    pub mem_requested_bytes: i64,
    /// Memory allocatable of the zone's Ready nodes, bytes.
    pub mem_allocatable_bytes: i64,
    /// CPU requested by pods bound to the zone's Ready nodes, millicores.
    pub cpu_requested_m_ready: i64,
    /// CPU allocatable of all the zone's nodes (Ready or not; removed nodes excluded).
    pub cpu_allocatable_m_all: i64,
    /// Memory requested by pods bound to the zone's Ready nodes, bytes.
    pub mem_requested_bytes_ready: i64,
    /// Memory allocatable of all the zone's nodes, bytes.
    pub mem_allocatable_bytes_all: i64,
}

/// `requested / allocatable` as a fraction of 1; None when nothing is allocatable. The one
/// definition of a utilisation figure (report, sweep and plan use it), always with numerator
/// and denominator over the same node set.
pub fn requested_fraction(requested: f64, allocatable: f64) -> Option<f64> {
    (allocatable > 0.0).then(|| requested / allocatable)
}

impl ZoneSample {
    /// Adds `d` field by field.
    pub fn add(&mut self, d: &ZoneSample) {
        self.cpu_requested_m += d.cpu_requested_m;
        self.cpu_allocatable_m += d.cpu_allocatable_m;
        self.mem_requested_bytes += d.mem_requested_bytes;
        self.mem_allocatable_bytes += d.mem_allocatable_bytes;
        self.cpu_requested_m_ready += d.cpu_requested_m_ready;
        self.cpu_allocatable_m_all += d.cpu_allocatable_m_all;
        self.mem_requested_bytes_ready += d.mem_requested_bytes_ready;
        self.mem_allocatable_bytes_all += d.mem_allocatable_bytes_all;
    }

    /// `self - o` field by field.
    pub fn minus(&self, o: &ZoneSample) -> ZoneSample {
        ZoneSample {
            cpu_requested_m: self.cpu_requested_m - o.cpu_requested_m,
            cpu_allocatable_m: self.cpu_allocatable_m - o.cpu_allocatable_m,
            mem_requested_bytes: self.mem_requested_bytes - o.mem_requested_bytes,
            mem_allocatable_bytes: self.mem_allocatable_bytes - o.mem_allocatable_bytes,
            cpu_requested_m_ready: self.cpu_requested_m_ready - o.cpu_requested_m_ready,
            cpu_allocatable_m_all: self.cpu_allocatable_m_all - o.cpu_allocatable_m_all,
            mem_requested_bytes_ready: self.mem_requested_bytes_ready - o.mem_requested_bytes_ready,
            mem_allocatable_bytes_all: self.mem_allocatable_bytes_all - o.mem_allocatable_bytes_all,
        }
    }

    /// CPU requested by pods on Ready nodes / allocatable of Ready nodes (the capacity the
    /// workloads actually have: a planner's figure).
    pub fn cpu_fraction_ready(&self) -> Option<f64> {
        requested_fraction(
            self.cpu_requested_m_ready as f64,
            self.cpu_allocatable_m as f64,
        )
    }

    /// CPU requested by pods on any node / allocatable of all nodes.
    pub fn cpu_fraction_all(&self) -> Option<f64> {
        requested_fraction(
            self.cpu_requested_m as f64,
            self.cpu_allocatable_m_all as f64,
        )
    }

    /// Memory requested on Ready nodes / allocatable of Ready nodes.
    pub fn mem_fraction_ready(&self) -> Option<f64> {
        requested_fraction(
            self.mem_requested_bytes_ready as f64,
            self.mem_allocatable_bytes as f64,
        )
    }

    /// Memory requested on any node / allocatable of all nodes.
    pub fn mem_fraction_all(&self) -> Option<f64> {
        requested_fraction(
            self.mem_requested_bytes as f64,
            self.mem_allocatable_bytes_all as f64,
        )
    }
}

/// One time-series row (one per metrics interval, plus a final one at the end of the run).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sample {
    /// Simulated time, ms.
    pub time_ms: u64,
    /// Nodes whose Ready condition is true.
    pub nodes_ready: u64,
    /// Pods Pending now.
    pub pods_pending: u64,
    /// Pods Running now (phase Running: also those on a down node or terminating).
    pub pods_running: u64,
    /// Pods ready now: Running, not terminating, on an up node (the availability notion).
    pub pods_ready: u64,
    /// Pods that succeeded so far (cumulative).
    pub pods_succeeded: u64,
    /// Cluster totals (sum of the zones).
    pub total: ZoneSample,
    /// Per zone, in `World::zones` order.
    pub zones: Vec<ZoneSample>,
    /// Nodes whose max(cpu, memory) requested/allocatable is above 80 %.
    pub nodes_over_80pct_requested: u64,
    /// Nodes whose max(cpu, memory) requested/allocatable is above 90 %.
    pub nodes_over_90pct_requested: u64,
    /// Scheduling cycles in the interval.
    pub sched_attempts: u64,
    /// Scheduling cycles in the interval that found no node.
    pub sched_failures: u64,
    /// Pods created so far (cumulative).
    pub pods_created: u64,
    /// Pods that failed so far (cumulative).
    pub pods_failed: u64,
    /// Pods deleted while Pending or Running so far (cumulative).
    pub pods_deleted: u64,
    /// Preemptions (scheduling cycles that nominated a node and deleted victims) in the interval.
    pub preemptions: u64,
    /// Node health, unschedulable backlog and displaced pods.
    pub resilience: ResilienceSample,
    /// Node-pressure columns (usage model on only).
    pub pressure: Option<PressureSample>,
    /// Autoscaler columns (autoscaler on only).
    pub autoscaler: Option<AutoscalerSample>,
    /// GPU columns (clusters with GPUs only).
    pub gpu: Option<super::gpu::GpuSample>,
}

/// The time series of a run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TimeSeries {
    /// Zone names (per-zone columns are named `<column>_zone_<name>`).
    pub zones: Vec<String>,
    /// Rows in time order.
    pub rows: Vec<Sample>,
    /// The usage model was on: rows carry the node-pressure columns.
    pub pressure: bool,
    /// The autoscaler was on: rows carry the autoscaler columns.
    pub autoscaler: bool,
    /// The cluster has GPUs: rows carry the GPU columns (`gpu.rs`).
    pub gpu: bool,
    /// The cluster has GPU devices: the GPU columns include fragmentation.
    pub gpu_devices: bool,
}

impl TimeSeries {
    /// Column names of `timeseries.csv`, in order ([`super::schema::TIMESERIES`]).
    pub fn header(&self) -> Vec<String> {
        super::schema::TIMESERIES.header_with(&self.zones, self.present())
    }

    /// The optional column groups the rows carry.
    pub fn present(&self) -> super::schema::Present {
        super::schema::Present {
            usage_model: self.pressure,
            autoscaler: self.autoscaler,
            gpu: self.gpu,
            gpu_devices: self.gpu_devices,
            services: false,
        }
    }
}
