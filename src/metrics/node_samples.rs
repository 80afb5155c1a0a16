//! `node_samples.csv`: every node's memory usage, MemoryPressure and Ready condition, sampled
//! more coarsely than the cluster time series (`simulation.nodeSampleInterval`, default 15m).
//!
//! Node samples are taken at metrics samples: at the first one (so the picture starts with the
//! run), then at the first metrics sample at or after each multiple of the interval (an
//! interval that is not a multiple of `metricsInterval` is rounded up to the next metrics
//! sample, and one shorter than it samples at every metrics sample). A week of 7,000 nodes every 15 minutes is 4.7 million rows; each is kept as one
//! `u32` (usage in parts per million of allocatable, saturating at 2^30 − 1, plus two flag
//! bits), 19 MB in all, and formatted only when written.
//!
//! `mem_usage_fraction` is the kubelet model's memory working set / allocatable when the usage
//! model is on, else memory *requested* by the node's pods / allocatable.

use crate::cluster::{NodeId, World, MEMORY};

const PPM_MASK: u32 = (1 << 30) - 1;
const PRESSURE_BIT: u32 = 1 << 30;
const NOT_READY_BIT: u32 = 1 << 31;
/// The cell of a node that was removed from the cluster (no row is written). Never a packed
/// value: `pack` caps the fraction one below `PPM_MASK`.
const GONE: u32 = u32::MAX;

/// One packed cell: usage ppm (saturating), MemoryPressure, not Ready.
#[inline]
fn pack(ppm: u64, pressure: bool, ready: bool) -> u32 {
    // One below the mask, so that no packed cell equals `GONE`.
    (ppm.min(u64::from(PPM_MASK) - 1) as u32)
        | if pressure { PRESSURE_BIT } else { 0 }
        | if ready { 0 } else { NOT_READY_BIT }
}

/// `v / of` in parts per million (0 when either is not positive).
#[inline]
fn ppm(v: i64, of: i64) -> u64 {
    if of <= 0 || v <= 0 {
        return 0;
    }
    ((i128::from(v) * 1_000_000) / i128::from(of)) as u64
}

/// One node at one sample, unpacked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeCell {
    /// Memory usage (or requested, without the usage model) / allocatable, parts per million.
    pub mem_ppm: u64,
    /// The node had MemoryPressure (always false without the usage model).
    pub memory_pressure: bool,
    /// The node was Ready.
    pub ready: bool,
}

/// What a node sample reads from the usage model (implemented by the kubelet), so metrics
/// need not know the kubelet.
pub trait NodeUsage {
    /// Memory working set on `node` at `now_ms`, bytes.
    fn node_memory(&self, node: NodeId, now_ms: u64) -> i64;
    /// Whether `node` reports MemoryPressure.
    fn memory_pressure(&self, node: NodeId) -> bool;
}

/// The per-node samples of a run, packed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeSamples {
    every_ms: u64,
    next_ms: u64,
    nodes: usize,
    /// Sample times, ms.
    times_ms: Vec<u64>,
    /// Packed cells, time-major, nodes in id order (the node count can grow during a run).
    cells: Vec<u32>,
    /// Index of each sample's first cell in `cells`.
    starts: Vec<usize>,
    /// Node names by id (filled at the end of the run).
    names: Vec<String>,
}

impl NodeSamples {
    /// Samples every `every_ms` (0: never) for `nodes` nodes.
    pub fn new(every_ms: u64, nodes: usize) -> Self {
        NodeSamples {
            every_ms,
            next_ms: 0,
            nodes,
            ..Default::default()
        }
    }

    /// Whether any sample is ever taken.
    pub fn enabled(&self) -> bool {
        self.every_ms > 0
    }

    /// Whether a sample is due at `now_ms`.
    #[inline]
    pub fn due(&self, now_ms: u64) -> bool {
        self.every_ms > 0 && now_ms >= self.next_ms
    }

    /// Samples every node at `now_ms` if due: usage from `usage` (the kubelet model) when the
    /// usage model is on, else requested memory.
    pub fn sample(&mut self, now_ms: u64, world: &World, usage: Option<&dyn NodeUsage>) {
        if !self.due(now_ms) {
            return;
        }
        self.next_ms = (now_ms / self.every_ms + 1) * self.every_ms;
        self.times_ms.push(now_ms);
        self.starts.push(self.cells.len());
        let nodes = &world.nodes;
        self.nodes = self.nodes.max(nodes.len());
        self.cells.reserve(nodes.len());
        for n in 0..nodes.len() {
            let id = NodeId(n as u32);
            if !nodes.is_live(id) {
                self.cells.push(GONE);
                continue;
            }
            let alloc = nodes.alloc(id, MEMORY);
            let ready = nodes.ready[n];
            let cell = match usage {
                Some(k) => pack(
                    ppm(k.node_memory(id, now_ms), alloc),
                    k.memory_pressure(id),
                    ready,
                ),
                None => pack(ppm(nodes.req(id, MEMORY), alloc), false, ready),
            };
            self.cells.push(cell);
        }
    }

    /// Records the node names (end of run).
    pub fn set_names(&mut self, world: &World) {
        self.names = world.nodes.name.clone();
    }

    /// Sample times, ms.
    pub fn times_ms(&self) -> &[u64] {
        &self.times_ms
    }

    /// Largest number of node ids in a sample (nodes added during a run included).
    pub fn nodes(&self) -> usize {
        self.nodes
    }

    /// Node names by id (empty before the end of the run).
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Number of rows `node_samples.csv` has.
    pub fn rows(&self) -> usize {
        self.cells.iter().filter(|c| **c != GONE).count()
    }

    /// Node `n` at sample `i`; None if the node did not exist then or had been removed.
    pub fn cell(&self, i: usize, n: usize) -> Option<NodeCell> {
        let start = self.starts[i];
        let end = self.starts.get(i + 1).copied().unwrap_or(self.cells.len());
        let c = *self.cells[start..end].get(n)?;
        (c != GONE).then(|| NodeCell {
            mem_ppm: u64::from(c & PPM_MASK),
            memory_pressure: c & PRESSURE_BIT != 0,
            ready: c & NOT_READY_BIT == 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::{Interner, ResourceTable};

    #[test]
    fn packing_round_trips_and_saturates() {
        let mut s = NodeSamples::new(1000, 2);
        s.times_ms.push(1000);
        s.starts.push(0);
        s.cells.push(pack(734_512, true, false));
        s.cells.push(pack(u64::MAX, false, true));
        assert_eq!(
            s.cell(0, 0).unwrap(),
            NodeCell {
                mem_ppm: 734_512,
                memory_pressure: true,
                ready: false
            }
        );
        let c = s.cell(0, 1).unwrap();
        assert_eq!(c.mem_ppm, u64::from(PPM_MASK) - 1);
        assert!(c.ready && !c.memory_pressure);
        assert_ne!(pack(u64::MAX, true, false), GONE);
        assert!(s.cell(0, 2).is_none());
        assert_eq!(s.rows(), 2);
    }

    #[test]
    fn due_at_the_first_sample_at_or_after_each_multiple() {
        let mut s = NodeSamples::new(15, 0);
        let world = World::new(Interner::new(), ResourceTable::new());
        let mut taken = Vec::new();
        for t in (10..=70).step_by(10) {
            if s.due(t) {
                taken.push(t);
            }
            s.sample(t, &world, None);
        }
        assert_eq!(taken, vec![10, 20, 30, 50, 60]);
        assert_eq!(s.times_ms(), &[10, 20, 30, 50, 60]);
        assert!(!NodeSamples::new(0, 3).due(u64::MAX));
    }

    #[test]
    fn ratios_in_ppm() {
        assert_eq!(ppm(1, 4), 250_000);
        assert_eq!(ppm(5, 0), 0);
        assert_eq!(ppm(-1, 4), 0);
    }
}
