//! Node-pressure metrics, kept as running sums: counters, time integrals of throttled and
//! contended CPU (advanced lazily at every kubelet event), per-zone usage totals, per-node
//! peaks and pressure time. A sample scans the nodes once (percentiles), never the pods.

use super::config::DAY_MS;
use super::node::NodeCols;
use super::NEVER;
use crate::cluster::World;
use crate::metrics::integral::{Integral, LeakIntegral};
use crate::metrics::{NodeRow, PressureSample, PressureSummary, WorkloadPressure, WorkloadUsed};

/// Running sums behind the pressure columns.
pub(crate) struct Stats {
    last_t: u64,
    thr_rate: i64,
    thr_acc: u128,
    con_rate: i64,
    con_acc: u128,
    wl_thr_rate: Vec<i64>,
    wl_thr_acc: Vec<u128>,
    wl_thr_t: Vec<u64>,
    /// Per workload: CPU its pods get (after throttling, less their contention share).
    wl_cpu: Vec<Integral>,
    /// Per workload: CPU its pods lose to node contention.
    wl_con: Vec<Integral>,
    /// Per workload: memory working set (with leaks).
    wl_mem: Vec<LeakIntegral>,
    /// Cumulative evictions, limit OOM kills, node OOM kills, restarts.
    counts: [u64; 4],
    /// `counts` at the last sample.
    prev: [u64; 4],
    prev_thr: u128,
    prev_con: u128,
    crashloop: u64,
    pressure_nodes: u64,
    peak_pressure_nodes: u64,
    node_zone: Vec<u32>,
    zone_mem: Vec<i64>,
    zone_rate: Vec<i64>,
    zone_off: Vec<i128>,
    zone_cpu: Vec<i64>,
    peak_mem: Vec<i64>,
    peak_cpu: Vec<i64>,
    pressure_since: Vec<u64>,
    pressure_ms: Vec<u64>,
    /// Per node: evictions, limit OOM kills, node OOM kills, restarts.
    per_node: Vec<[u32; 4]>,
    /// Per workload: the same.
    per_wl: Vec<[u64; 4]>,
    scratch: Vec<u64>,
}

const EVICT: usize = 0;
const OOM_LIMIT: usize = 1;
const OOM_NODE: usize = 2;
const RESTART: usize = 3;

fn ppm(v: i64, of: i64) -> u64 {
    if of <= 0 || v <= 0 {
        return 0;
    }
    ((v as i128 * 1_000_000) / of as i128) as u64
}

impl Stats {
    /// Zero sums for `world`'s nodes and zones and `workloads` workloads.
    pub fn new(world: &World, workloads: usize) -> Self {
        let n = world.nodes.len();
        let zones = world.zones.len().max(
            world
                .nodes
                .zone
                .iter()
                .map(|z| *z as usize + 1)
                .max()
                .unwrap_or(0),
        );
        Stats {
            last_t: 0,
            thr_rate: 0,
            thr_acc: 0,
            con_rate: 0,
            con_acc: 0,
            wl_thr_rate: vec![0; workloads],
            wl_thr_acc: vec![0; workloads],
            wl_thr_t: vec![0; workloads],
            wl_cpu: vec![Integral::default(); workloads],
            wl_con: vec![Integral::default(); workloads],
            wl_mem: vec![LeakIntegral::default(); workloads],
            counts: [0; 4],
            prev: [0; 4],
            prev_thr: 0,
            prev_con: 0,
            crashloop: 0,
            pressure_nodes: 0,
            peak_pressure_nodes: 0,
            node_zone: world.nodes.zone.clone(),
            zone_mem: vec![0; zones],
            zone_rate: vec![0; zones],
            zone_off: vec![0; zones],
            zone_cpu: vec![0; zones],
            peak_mem: vec![0; n],
            peak_cpu: vec![0; n],
            pressure_since: vec![NEVER; n],
            pressure_ms: vec![0; n],
            per_node: vec![[0; 4]; n],
            per_wl: vec![[0; 4]; workloads],
            scratch: Vec::with_capacity(n),
        }
    }

    /// Grows the per-node sums for node `node`, just added to `world`.
    pub fn push_node(&mut self, world: &World, node: crate::cluster::NodeId) {
        let z = world.nodes.zone[node.ix()];
        self.node_zone.push(z);
        let zones = z as usize + 1;
        if self.zone_mem.len() < zones {
            self.zone_mem.resize(zones, 0);
            self.zone_rate.resize(zones, 0);
            self.zone_off.resize(zones, 0);
            self.zone_cpu.resize(zones, 0);
        }
        self.peak_mem.push(0);
        self.peak_cpu.push(0);
        self.pressure_since.push(NEVER);
        self.pressure_ms.push(0);
        self.per_node.push([0; 4]);
    }

    /// Integrates the CPU rates up to `now`.
    #[inline]
    pub fn advance(&mut self, now: u64) {
        if now > self.last_t {
            let dt = u128::from(now - self.last_t);
            self.thr_acc += self.thr_rate.max(0) as u128 * dt;
            self.con_acc += self.con_rate.max(0) as u128 * dt;
            self.last_t = now;
        }
    }

    /// Node `n`'s memory, leak or CPU totals changed by these amounts.
    #[allow(clippy::too_many_arguments)]
    pub fn node_changed(
        &mut self,
        n: usize,
        dmem: i64,
        drate: i64,
        doff: i128,
        old_cpu: i64,
        new_cpu: i64,
        alloc: i64,
    ) {
        let z = self.node_zone[n] as usize;
        self.zone_mem[z] += dmem;
        self.zone_rate[z] += drate;
        self.zone_off[z] += doff;
        self.zone_cpu[z] += new_cpu.min(alloc) - old_cpu.min(alloc);
        self.con_rate += (new_cpu - alloc).max(0) - (old_cpu - alloc).max(0);
    }

    /// Throttled CPU of all nodes changed by `d` millicores.
    #[inline]
    pub fn node_throttle_changed(&mut self, d: i64) {
        self.thr_rate += d;
    }

    /// Throttled CPU of workload `w` changed by `d` millicores at `now`.
    #[inline]
    pub fn throttle_changed(&mut self, w: usize, d: i64, now: u64) {
        if d == 0 {
            return;
        }
        let dt = u128::from(now.saturating_sub(self.wl_thr_t[w]));
        self.wl_thr_acc[w] += self.wl_thr_rate[w].max(0) as u128 * dt;
        self.wl_thr_t[w] = now;
        self.wl_thr_rate[w] += d;
    }

    /// Memory (without leak) and CPU (after throttling) of workload `w` changed at `now`.
    #[inline]
    pub fn usage_changed(&mut self, w: usize, now: u64, dmem: i64, dcpu: i64) {
        self.wl_mem[w].add(now, dmem, 0, 0);
        self.wl_cpu[w].add(now, dcpu);
    }

    /// The leak rate (bytes/day) and offset of workload `w` changed at `now`.
    #[inline]
    pub fn leak_changed(&mut self, w: usize, now: u64, drate: i64, doff: i128) {
        self.wl_mem[w].add(now, 0, drate, doff);
    }

    /// The CPU workload `w`'s pods lose to node contention changed by `d` millicores at `now`.
    #[inline]
    pub fn contention_changed(&mut self, w: usize, d: i64, now: u64) {
        self.wl_con[w].add(now, d);
        self.wl_cpu[w].add(now, -d);
    }

    /// Throttled CPU of workload `w` integrated to `end`, millicore·ms.
    fn throttled_total(&self, w: usize, end: u64) -> u128 {
        self.wl_thr_acc[w]
            + self.wl_thr_rate[w].max(0) as u128 * u128::from(end.saturating_sub(self.wl_thr_t[w]))
    }

    /// What workload `w`'s pods used up to `end`.
    pub fn workload_used(&self, w: usize, end: u64) -> WorkloadUsed {
        let (cpu, mem) = (&self.wl_cpu[w], &self.wl_mem[w]);
        WorkloadUsed {
            cpu_m: cpu.level(),
            mem_bytes: mem.level_at(end),
            cpu_mcms: cpu.total(end),
            cpu_peak_m: cpu.peak(end),
            mem_byte_ms: mem.total(end),
            mem_peak_bytes: mem.peak(end),
            cpu_throttled_mcms: self.throttled_total(w, end),
            cpu_contended_mcms: self.wl_con[w].total(end),
        }
    }

    /// Records a usage level of node `n` for its peaks.
    #[inline]
    pub fn peak(&mut self, n: usize, mem: i64, cpu: i64) {
        self.peak_mem[n] = self.peak_mem[n].max(mem);
        self.peak_cpu[n] = self.peak_cpu[n].max(cpu);
    }

    /// MemoryPressure of node `n` was set (`on`) or cleared at `now`.
    pub fn pressure_changed(&mut self, n: usize, on: bool, now: u64) {
        if on {
            self.pressure_since[n] = now;
            self.pressure_nodes += 1;
            self.peak_pressure_nodes = self.peak_pressure_nodes.max(self.pressure_nodes);
        } else {
            self.pressure_ms[n] += now - self.pressure_since[n];
            self.pressure_since[n] = NEVER;
            self.pressure_nodes -= 1;
        }
    }

    fn count(&mut self, what: usize, n: usize, w: usize) {
        self.counts[what] += 1;
        self.per_node[n][what] += 1;
        self.per_wl[w][what] += 1;
    }

    /// A pod of workload `w` was evicted from node `n`.
    pub fn evicted(&mut self, n: usize, w: usize) {
        self.count(EVICT, n, w);
    }

    /// A container was OOM-killed (for its limit, or by the node); it waits in back-off.
    pub fn killed(&mut self, n: usize, w: usize, limit: bool) {
        self.count(if limit { OOM_LIMIT } else { OOM_NODE }, n, w);
        self.crashloop += 1;
    }

    /// A container was killed by a failed liveness or startup probe (it waits in back-off).
    pub fn probe_killed(&mut self) {
        self.crashloop += 1;
    }

    /// A container left back-off without restarting (its pod stopped) or restarted.
    pub fn crashloop_left(&mut self) {
        self.crashloop -= 1;
    }

    /// A container restarted.
    pub fn restarted(&mut self, n: usize, w: usize) {
        self.count(RESTART, n, w);
    }

    /// The pressure columns at `now` (`advance(now)` first); starts a new interval.
    pub fn sample(&mut self, now: u64, nodes: &NodeCols) -> PressureSample {
        let zones: Vec<(i64, i64)> = (0..self.zone_mem.len())
            .map(|z| {
                let leak = (i128::from(self.zone_rate[z]) * i128::from(now) - self.zone_off[z])
                    / DAY_MS as i128;
                (self.zone_cpu[z], self.zone_mem[z] + leak as i64)
            })
            .collect();
        // Nearest-rank percentiles by selection (O(n)): p99 first, then p90 and p50 in the
        // part below it.
        let pct = |v: &mut Vec<u64>| -> [u64; 4] {
            let n = v.len();
            if n == 0 {
                return [0; 4];
            }
            let rank = |p: f64| ((p * n as f64).ceil() as usize).clamp(1, n) - 1;
            let (i50, i90, i99) = (rank(0.5), rank(0.9), rank(0.99));
            let max = *v.iter().max().expect("non-empty");
            let (low, p99, _) = v.select_nth_unstable(i99);
            let p99 = *p99;
            let (p90, low) = if i90 < i99 {
                let (l, x, _) = low.select_nth_unstable(i90);
                (*x, l)
            } else {
                (p99, low)
            };
            let p50 = if i50 < i90 {
                *low.select_nth_unstable(i50).1
            } else {
                p90
            };
            [p50, p90, p99, max]
        };
        let mut s = std::mem::take(&mut self.scratch);
        s.clear();
        s.extend(
            (0..nodes.len())
                .filter(|&n| !nodes.is_removed(n))
                .map(|n| ppm(nodes.mem_at(n, now), nodes.alloc_mem[n])),
        );
        let node_mem_ppm = pct(&mut s);
        s.clear();
        s.extend(
            (0..nodes.len())
                .filter(|&n| !nodes.is_removed(n))
                .map(|n| ppm(nodes.cpu[n], nodes.alloc_cpu[n])),
        );
        let node_cpu_ppm = pct(&mut s);
        self.scratch = s;
        let d = |i: usize| self.counts[i] - self.prev[i];
        let sample = PressureSample {
            cpu_used_m: zones.iter().map(|z| z.0).sum(),
            mem_used_bytes: zones.iter().map(|z| z.1).sum(),
            zones,
            nodes_memory_pressure: self.pressure_nodes,
            evictions: d(EVICT),
            oom_kills_limit: d(OOM_LIMIT),
            oom_kills_node: d(OOM_NODE),
            container_restarts: d(RESTART),
            containers_crashloop: self.crashloop,
            cpu_throttled_mcms: (self.thr_acc - self.prev_thr) as u64,
            cpu_contention_mcms: (self.con_acc - self.prev_con) as u64,
            node_mem_ppm,
            node_cpu_ppm,
        };
        self.prev = self.counts;
        self.prev_thr = self.thr_acc;
        self.prev_con = self.con_acc;
        sample
    }

    /// Totals and per-node rows at the end of the run (`advance(end)` first).
    pub fn finish(
        &mut self,
        world: &World,
        names: &[String],
        nodes: &NodeCols,
        end: u64,
    ) -> (PressureSummary, Vec<NodeRow>) {
        let core_s = |acc: u128| acc as f64 / 1e6;
        let mut rows = Vec::with_capacity(nodes.len());
        let mut pressure_total = 0u64;
        let mut ever = 0u64;
        for n in 0..nodes.len() {
            let open = if self.pressure_since[n] == NEVER {
                0
            } else {
                end - self.pressure_since[n]
            };
            let ms = self.pressure_ms[n] + open;
            pressure_total += ms;
            ever += u64::from(ms > 0 || self.pressure_since[n] != NEVER);
            let c = self.per_node[n];
            let id = crate::cluster::NodeId(n as u32);
            rows.push(NodeRow {
                node: world.nodes.name[n].clone(),
                pool: world
                    .pools
                    .get(world.nodes.pool[n] as usize)
                    .cloned()
                    .unwrap_or_default(),
                zone: world
                    .zones
                    .get(world.nodes.zone[id.ix()] as usize)
                    .cloned()
                    .unwrap_or_default(),
                peak_cpu_m: self.peak_cpu[n],
                peak_mem_bytes: self.peak_mem[n],
                peak_cpu_ppm: ppm(self.peak_cpu[n], nodes.alloc_cpu[n]),
                peak_mem_ppm: ppm(self.peak_mem[n], nodes.alloc_mem[n]),
                pressure_ms: ms,
                evictions: u64::from(c[EVICT]),
                oom_kills_limit: u64::from(c[OOM_LIMIT]),
                oom_kills_node: u64::from(c[OOM_NODE]),
                container_restarts: u64::from(c[RESTART]),
            });
        }
        let workloads = names
            .iter()
            .enumerate()
            .map(|(w, name)| {
                let acc = self.throttled_total(w, end);
                let c = self.per_wl[w];
                WorkloadPressure {
                    name: name.clone(),
                    evictions: c[EVICT],
                    oom_kills_limit: c[OOM_LIMIT],
                    oom_kills_node: c[OOM_NODE],
                    container_restarts: c[RESTART],
                    cpu_throttled_core_seconds: core_s(acc),
                }
            })
            .collect();
        let summary = PressureSummary {
            evictions: self.counts[EVICT],
            oom_kills_limit: self.counts[OOM_LIMIT],
            oom_kills_node: self.counts[OOM_NODE],
            container_restarts: self.counts[RESTART],
            cpu_throttled_core_seconds: core_s(self.thr_acc),
            cpu_contention_core_seconds: core_s(self.con_acc),
            nodes_with_memory_pressure: ever,
            memory_pressure_node_seconds: pressure_total as f64 / 1000.0,
            peak_nodes_memory_pressure: self.peak_pressure_nodes,
            workloads,
        };
        (summary, rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::{Interner, ResourceTable};

    #[test]
    fn percentiles_are_nearest_rank() {
        let mut st = Stats::new(&World::new(Interner::new(), ResourceTable::new()), 0);
        let mut cols = NodeCols::new(
            &World::new(Interner::new(), ResourceTable::new()),
            &Default::default(),
        );
        // 100 nodes using 1 % .. 100 % of 1000 bytes allocatable.
        for i in 0..100i64 {
            cols.cap.push(2000);
            cols.alloc_mem.push(1000);
            cols.alloc_cpu.push(1000);
            cols.mem.push(10 * (100 - i));
            cols.cpu.push(5 * (i + 1));
            cols.rate.push(0);
            cols.off.push(0);
        }
        let s = st.sample(0, &cols);
        assert_eq!(s.node_mem_ppm, [500_000, 900_000, 990_000, 1_000_000]);
        assert_eq!(s.node_cpu_ppm, [250_000, 450_000, 495_000, 500_000]);
    }
}
