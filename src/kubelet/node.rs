//! What a node does about its memory: the kernel OOM killer when the pods' usage exceeds the
//! pods' cgroup limit, the kubelet's `memory.available` and `allocatableMemory.available`
//! signals, the MemoryPressure condition (and taint) with its transition period, and one
//! eviction per housekeeping interval in upstream rank order.
//!
//! Node allocatable is enforced on pods as upstream does by default
//! (`--enforce-node-allocatable=pods`, `pkg/kubelet/cm/node_container_manager_linux.go`): the
//! `kubepods` cgroup's memory limit is capacity − kube-reserved − system-reserved, which is the
//! node's allocatable memory here (the simulator does not subtract the eviction threshold from
//! allocatable). Pods together above it are OOM-killed by the kernel inside that cgroup. System
//! daemons are assumed to use exactly their reservation, so `memory.available` = capacity −
//! reserved − pods' working set = allocatable − pods' working set; `allocatableMemory.available`
//! (the kubepods cgroup's available memory, `pkg/kubelet/eviction/helpers.go`) has the same
//! value and gets a copy of every *hard* `memory.available` threshold, a percentage taken of
//! allocatable rather than capacity.
//!
//! Housekeeping ticks are aligned to multiples of the interval (every kubelet in phase). A
//! node's kubelet loop runs only while the node is under pressure or a threshold is met; a
//! usage change that meets a threshold arms it for the next tick, and a leak's exact threshold
//! or capacity crossing is scheduled as one `NodeCheck` event (lazily superseded).

use super::config::{KubeletConfig, DAY_MS};
use super::cpu::{cfs_split_into, cpu_shares};
use super::oom::{leaked, Kill};
use super::qos::{is_critical, oom_score_adj};
use super::rank::{rank_memory_pressure, Candidate};
use super::{Eviction, Kubelet, Loc, NEVER};
use crate::cluster::resources::format_amount;
use crate::cluster::taints::{Taint, TaintEffect};
use crate::cluster::{NodeId, Sym, World, CPU, MEMORY};
use crate::engine::SimTime;
use crate::metrics::cascade::EffectKind;
use crate::metrics::EventKind;
use crate::runtime::{Core, KubeletEvent};

/// Per-node usage totals and kubelet state, column by column.
pub(crate) struct NodeCols {
    /// Memory capacity, bytes.
    pub cap: Vec<i64>,
    /// Allocatable CPU, millicores.
    pub alloc_cpu: Vec<i64>,
    /// Allocatable memory, bytes.
    pub alloc_mem: Vec<i64>,
    /// Hard `memory.available` threshold, bytes (a percentage of capacity).
    pub hard: Vec<Option<i64>>,
    /// Hard `allocatableMemory.available` threshold, bytes (the hard `memory.available`
    /// threshold, a percentage taken of allocatable).
    pub hard_alloc: Vec<Option<i64>>,
    /// Soft `memory.available` threshold, bytes.
    pub soft: Vec<Option<i64>>,
    /// Σ memory without leaks of running containers.
    pub mem: Vec<i64>,
    /// Σ leak rates, bytes/day.
    pub rate: Vec<i64>,
    /// Σ rate·t0.
    pub off: Vec<i128>,
    /// Σ CPU demand after throttling.
    pub cpu: Vec<i64>,
    /// Σ throttled CPU.
    pub thr: Vec<i64>,
    /// MemoryPressure condition.
    pub pressure: Vec<bool>,
    /// Last housekeeping tick at which a threshold was met, ms.
    pub last_observed: Vec<u64>,
    /// Since when the soft threshold has been met ([`NEVER`]: not met).
    pub soft_since: Vec<u64>,
    /// A `KubeletSync` is pending.
    pub sync_pending: Vec<bool>,
    /// Time of the pending `NodeCheck` ([`NEVER`]: none).
    pub check_at: Vec<u64>,
    /// `(mem, rate, off, cpu, thr)` as last reported to the metrics.
    pub seen: Vec<(i64, i64, i128, i64, i64)>,
    /// Σ memory of containers killed by the node's OOM killer and waiting to restart.
    pub killed_demand: Vec<i64>,
    /// Since when memory demand (usage + killed demand) has exceeded capacity ([`NEVER`]: not).
    pub overload_since: Vec<u64>,
    /// Nodes removed from the cluster (absent = not removed): left out of the percentiles.
    pub removed: Vec<bool>,
    /// The node's pods carry a share of CPU contention (the node was contended when last
    /// evaluated).
    pub con_on: Vec<bool>,
}

impl NodeCols {
    /// Columns for every node of `world`.
    pub fn new(world: &World, cfg: &KubeletConfig) -> Self {
        let n = world.nodes.len();
        let cap: Vec<i64> = world
            .nodes
            .ids()
            .map(|i| world.nodes.capacity_of(i)[MEMORY])
            .collect();
        let alloc_mem: Vec<i64> = world
            .nodes
            .ids()
            .map(|i| world.nodes.alloc(i, MEMORY))
            .collect();
        NodeCols {
            alloc_cpu: world
                .nodes
                .ids()
                .map(|i| world.nodes.alloc(i, CPU))
                .collect(),
            hard: cap.iter().map(|c| cfg.hard.map(|t| t.bytes(*c))).collect(),
            hard_alloc: alloc_mem
                .iter()
                .map(|a| cfg.hard.map(|t| t.bytes(*a)))
                .collect(),
            alloc_mem,
            soft: cap
                .iter()
                .map(|c| cfg.soft.map(|(t, _)| t.bytes(*c)))
                .collect(),
            cap,
            mem: vec![0; n],
            rate: vec![0; n],
            off: vec![0; n],
            cpu: vec![0; n],
            thr: vec![0; n],
            pressure: vec![false; n],
            last_observed: vec![0; n],
            soft_since: vec![NEVER; n],
            sync_pending: vec![false; n],
            check_at: vec![NEVER; n],
            seen: vec![(0, 0, 0, 0, 0); n],
            killed_demand: vec![0; n],
            overload_since: vec![NEVER; n],
            removed: vec![false; n],
            con_on: vec![false; n],
        }
    }

    /// Appends the columns of node `node`, just added to `world`.
    pub fn push(&mut self, world: &World, cfg: &KubeletConfig, node: NodeId) {
        let cap = world.nodes.capacity_of(node)[MEMORY];
        self.cap.push(cap);
        self.alloc_cpu.push(world.nodes.alloc(node, CPU));
        let alloc = world.nodes.alloc(node, MEMORY);
        self.alloc_mem.push(alloc);
        self.hard.push(cfg.hard.map(|t| t.bytes(cap)));
        self.hard_alloc.push(cfg.hard.map(|t| t.bytes(alloc)));
        self.soft.push(cfg.soft.map(|(t, _)| t.bytes(cap)));
        self.mem.push(0);
        self.rate.push(0);
        self.off.push(0);
        self.cpu.push(0);
        self.thr.push(0);
        self.pressure.push(false);
        self.last_observed.push(0);
        self.soft_since.push(NEVER);
        self.sync_pending.push(false);
        self.check_at.push(NEVER);
        self.seen.push((0, 0, 0, 0, 0));
        self.killed_demand.push(0);
        self.overload_since.push(NEVER);
        self.removed.resize(self.cap.len() - 1, false);
        self.removed.push(false);
        self.con_on.resize(self.cap.len(), false);
    }

    /// Whether node `n` was removed from the cluster.
    #[inline]
    pub fn is_removed(&self, n: usize) -> bool {
        self.removed.get(n).copied().unwrap_or(false)
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.cap.len()
    }

    /// Memory working set of node `n` at `t`, bytes.
    #[inline]
    pub fn mem_at(&self, n: usize, t: u64) -> i64 {
        let leak = if self.rate[n] > 0 {
            (i128::from(self.rate[n]) * i128::from(t) - self.off[n]) / DAY_MS as i128
        } else {
            0
        };
        self.mem[n] + leak as i64
    }

    /// The first time `t` at which the memory of `n` exceeds `x` bytes (leak only).
    fn crossing(&self, n: usize, x: i64) -> u64 {
        // mem + floor((R·t − O)/DAY) > x  ⇔  R·t ≥ (x − mem + 1)·DAY + O.
        let r = i128::from(self.rate[n]);
        let need = i128::from(x - self.mem[n] + 1) * DAY_MS as i128 + self.off[n];
        u64::try_from((need + r - 1).div_euclid(r)).unwrap_or(NEVER)
    }

    /// The pods' memory limit of node `n` (the `kubepods` cgroup limit): allocatable, bytes.
    #[inline]
    pub fn limit(&self, n: usize) -> i64 {
        self.alloc_mem[n]
    }

    /// `memory.available` (= `allocatableMemory.available`) of node `n` with the pods using
    /// `mem` bytes: allocatable − `mem` (system daemons use exactly their reservation).
    #[inline]
    pub fn available(&self, n: usize, mem: i64) -> i64 {
        self.limit(n) - mem
    }

    /// The hard threshold of node `n`: the larger of the `memory.available` and
    /// `allocatableMemory.available` ones (both signals have the same value, so the larger
    /// threshold is met first).
    #[inline]
    pub fn hard_threshold(&self, n: usize) -> Option<i64> {
        match (self.hard[n], self.hard_alloc.get(n).copied().flatten()) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }

    /// Whether a (hard, soft) threshold is met at `mem` bytes used by pods.
    fn met(&self, n: usize, mem: i64) -> (bool, bool) {
        let avail = self.available(n, mem);
        (
            self.hard_threshold(n).is_some_and(|h| avail < h),
            self.soft[n].is_some_and(|s| avail < s),
        )
    }
}

impl Kubelet {
    /// After a usage change on node `n`: kernel OOM kills if memory is exhausted, arm the
    /// housekeeping loop if a threshold is met, schedule the next leak crossing.
    pub(crate) fn eval_node(&mut self, core: &mut Core, n: usize) {
        let now = core.now().as_millis();
        self.report_node(n);
        self.split_cpu(core, n);
        let mut mem = self.nodes.mem_at(n, now);
        // The pods' cgroup never holds more than its limit: a demand above it is OOM-killed.
        self.stats
            .peak(n, mem.min(self.nodes.limit(n)), self.nodes.cpu[n]);
        if mem > self.nodes.limit(n) {
            self.node_oom(core, n);
            mem = self.nodes.mem_at(n, now);
        }
        self.check_overload(core, n, mem);
        let (hard, soft) = self.nodes.met(n, mem);
        if (hard || soft) && !self.nodes.sync_pending[n] {
            self.nodes.sync_pending[n] = true;
            let iv = self.cfg.housekeeping_ms.max(1);
            core.push(
                SimTime(now.div_ceil(iv) * iv),
                KubeletEvent::KubeletSync {
                    node: NodeId(n as u32),
                },
            );
        }
        if self.nodes.rate[n] > 0 {
            // The next level the leak will cross: the thresholds (unless the housekeeping loop
            // is already watching) and the capacity.
            let cols = &self.nodes;
            let mut next: Option<i64> = None;
            let thresholds = if cols.sync_pending[n] {
                [None, None]
            } else {
                [cols.hard_threshold(n), cols.soft[n]]
            };
            for x in thresholds
                .into_iter()
                .flatten()
                .map(|t| cols.limit(n) - t)
                .chain([cols.limit(n)])
            {
                if x >= mem && next.is_none_or(|y| x < y) {
                    next = Some(x);
                }
            }
            if let Some(x) = next {
                let at = self.nodes.crossing(n, x).max(now + 1);
                if at < self.nodes.check_at[n] && at <= self.horizon_ms {
                    self.nodes.check_at[n] = at;
                    core.push(
                        SimTime(at),
                        KubeletEvent::NodeCheck {
                            node: NodeId(n as u32),
                        },
                    );
                }
            }
        }
    }

    /// Overload-induced failure: starts or stops the clock of node `n`'s memory demand
    /// (system daemons at their reservation, pods' usage `mem` plus the demand of
    /// node-OOM-killed containers waiting to restart) being above its capacity, i.e. the pods'
    /// demand above allocatable; the `OverloadCheck` event at the end decides.
    fn check_overload(&mut self, core: &mut Core, n: usize, mem: i64) {
        let Some(after) = self.overload_after_ms else {
            return;
        };
        let over = mem + self.nodes.killed_demand[n] > self.nodes.limit(n);
        let since = self.nodes.overload_since[n];
        if over && since == NEVER {
            let now = core.now().as_millis();
            self.nodes.overload_since[n] = now;
            core.push(
                SimTime(now + after),
                KubeletEvent::OverloadCheck {
                    node: NodeId(n as u32),
                    since_ms: now,
                },
            );
        } else if !over && since != NEVER {
            self.nodes.overload_since[n] = NEVER;
        }
    }

    /// An `OverloadCheck`: true if node `n` has been overloaded without a break since
    /// `since_ms` (the node fails; the clock stops).
    pub fn overload_check(&mut self, n: usize, since_ms: u64) -> bool {
        if self.nodes.overload_since[n] == since_ms {
            self.nodes.overload_since[n] = NEVER;
            true
        } else {
            false
        }
    }

    /// Charges each running pod of node `n` its CFS share of the node's CPU contention (demand
    /// after throttling above allocatable; shares from the pods' CPU requests), and clears
    /// the charges when the contention ends. Scans the node's pods only while it is, or just
    /// was, contended; allocation-free once the scratch buffers have grown.
    fn split_cpu(&mut self, core: &Core, n: usize) {
        let (demand, alloc) = (self.nodes.cpu[n], self.nodes.alloc_cpu[n]);
        let contended = demand > alloc;
        if !contended && !self.nodes.con_on.get(n).copied().unwrap_or(false) {
            return;
        }
        let now = core.now().as_millis();
        let mut sc = std::mem::take(&mut self.split);
        sc.locs.clear();
        sc.demand.clear();
        sc.shares.clear();
        for &pod in &core.world().pods_on_node[n] {
            let Some(l) = self.loc(pod) else { continue };
            let rt = &self.wl[l.w];
            sc.locs.push((l.w, l.pos));
            sc.demand.push(rt.pods[l.pos].cpu);
            sc.shares.push(cpu_shares(rt.cpu_request));
        }
        if contended {
            cfs_split_into(&sc.demand, &sc.shares, alloc, &mut sc.got, &mut sc.open);
            // The floor in each fair share leaves a few millicores: hand them out in list
            // order so the pods' contention adds up to the node's (demand − allocatable).
            let mut left = alloc - sc.got.iter().sum::<i64>();
            for (g, d) in sc.got.iter_mut().zip(&sc.demand) {
                if left <= 0 {
                    break;
                }
                if *g < *d {
                    *g += 1;
                    left -= 1;
                }
            }
        } else {
            sc.got.clear();
            sc.got.extend_from_slice(&sc.demand);
        }
        for (i, &(w, pos)) in sc.locs.iter().enumerate() {
            let new = sc.demand[i] - sc.got[i];
            let rec = &mut self.wl[w].pods[pos];
            let d = new - rec.con;
            if d != 0 {
                rec.con = new;
                if self.svc_watch[w] {
                    self.svc_dirty.push(rec.id);
                }
                self.stats.contention_changed(w, d, now);
            }
        }
        if let Some(c) = self.nodes.con_on.get_mut(n) {
            *c = contended;
        }
        self.split = sc;
    }

    /// Reports the change of node `n`'s totals since the last report to the metrics.
    pub(crate) fn report_node(&mut self, n: usize) {
        let c = &mut self.nodes;
        let (mem, rate, off, cpu, thr) = c.seen[n];
        if (mem, rate, off, cpu, thr) == (c.mem[n], c.rate[n], c.off[n], c.cpu[n], c.thr[n]) {
            return;
        }
        self.stats.node_changed(
            n,
            c.mem[n] - mem,
            c.rate[n] - rate,
            c.off[n] - off,
            cpu,
            c.cpu[n],
            c.alloc_cpu[n],
        );
        self.stats.node_throttle_changed(c.thr[n] - thr);
        c.seen[n] = (c.mem[n], c.rate[n], c.off[n], c.cpu[n], c.thr[n]);
    }

    /// A scheduled leak crossing on node `n`.
    pub(crate) fn on_node_check(&mut self, core: &mut Core, n: usize) {
        if self.nodes.check_at[n] != core.now().as_millis() {
            return; // superseded
        }
        self.nodes.check_at[n] = NEVER;
        self.eval_node(core, n);
        self.flush(core);
    }

    /// The kernel OOM killer inside the pods' cgroup: while the pods' memory exceeds its limit
    /// (allocatable), kill the running container with the highest `oom_badness` (usage +
    /// adj·limit/1000, the kernel scaling `oom_score_adj` by the cgroup's limit in a memcg OOM;
    /// `oom_score_adj` itself is computed against the node's capacity, as the kubelet does;
    /// ties: first found).
    fn node_oom(&mut self, core: &mut Core, n: usize) {
        let now = core.now().as_millis();
        let cap = self.nodes.cap[n];
        let limit = self.nodes.limit(n);
        while self.nodes.mem_at(n, now) > limit {
            let mut best: Option<(i128, Loc, usize, i32)> = None;
            for &pod in &core.world().pods_on_node[n] {
                let Some(l) = self.loc(pod) else { continue };
                let rt = &self.wl[l.w];
                let specs = &core.world().templates[rt.template as usize].containers;
                for (k, c) in rt.ctrs.iter().enumerate() {
                    let ctr = self.ctr(l, k);
                    if !ctr.alive {
                        continue;
                    }
                    let adj = oom_score_adj(rt.qos, rt.priority, specs, c.tpl_index, cap);
                    let usage = ctr.mem + leaked(c.leak, ctr.t0, now);
                    let badness = i128::from(usage) + i128::from(adj) * i128::from(limit) / 1000;
                    if best.is_none_or(|b| badness > b.0) {
                        best = Some((badness, l, k, adj));
                    }
                }
            }
            let Some((_, l, k, adj)) = best else { break };
            self.kill(core, l, k, Kill::Node { adj });
        }
    }

    /// One housekeeping pass of node `n`'s eviction manager.
    pub(crate) fn on_sync(&mut self, core: &mut Core, n: usize) -> Option<Eviction> {
        let now = core.now().as_millis();
        let mem = self.nodes.mem_at(n, now);
        let (hard, soft) = self.nodes.met(n, mem);
        if hard || soft {
            self.nodes.last_observed[n] = now;
            if !self.nodes.pressure[n] {
                self.set_pressure(core, n, true);
            }
        }
        if soft {
            if self.nodes.soft_since[n] == NEVER {
                self.nodes.soft_since[n] = now;
            }
        } else {
            self.nodes.soft_since[n] = NEVER;
        }
        if self.nodes.pressure[n]
            && !(hard || soft)
            && now - self.nodes.last_observed[n] >= self.cfg.transition_ms
        {
            self.set_pressure(core, n, false);
        }
        let grace = self.cfg.soft.map_or(0, |(_, g)| g);
        let soft_due = soft && now - self.nodes.soft_since[n] >= grace;
        let eviction = if hard || soft_due {
            let threshold = if hard {
                self.nodes.hard_threshold(n)
            } else {
                self.nodes.soft[n]
            };
            self.pick_victim(core, n, mem, threshold.unwrap_or(0))
        } else {
            None
        };
        if self.nodes.pressure[n] || hard || soft {
            core.push(
                core.now().plus_millis(self.cfg.housekeeping_ms.max(1)),
                KubeletEvent::KubeletSync {
                    node: NodeId(n as u32),
                },
            );
        } else {
            self.nodes.sync_pending[n] = false;
        }
        self.flush(core);
        eviction
    }

    /// Ranks the node's pods (`rankMemoryPressure`) and logs the eviction of the first one
    /// that is not critical.
    fn pick_victim(
        &mut self,
        core: &mut Core,
        n: usize,
        mem: i64,
        threshold: i64,
    ) -> Option<Eviction> {
        let now = core.now().as_millis();
        let mut cands = Vec::with_capacity(core.world().pods_on_node[n].len());
        for &pod in &core.world().pods_on_node[n] {
            let Some(l) = self.loc(pod) else { continue };
            let (rec, rt) = (self.rec(l), &self.wl[l.w]);
            if is_critical(rt.priority) {
                continue;
            }
            let leak = if rec.rate > 0 {
                ((i128::from(rec.rate) * i128::from(now) - rec.off) / DAY_MS as i128) as i64
            } else {
                0
            };
            let started = core
                .world()
                .pods
                .get(pod)
                .and_then(|p| p.started)
                .map_or(0, |t| t.as_millis());
            cands.push(Candidate {
                pod,
                usage: rec.mem + leak,
                request: rt.mem_request,
                priority: rt.priority,
                started_ms: started,
            });
        }
        rank_memory_pressure(&mut cands);
        let victim = *cands.first()?;
        let p = core.world().pods.get(victim.pod)?.clone();
        let cause = core.pressure_effect(EffectKind::Eviction, NodeId(n as u32), &p);
        let reason = format!(
            "Evicted: the node was low on resource: memory. Threshold quantity: {}, available: {}.",
            format_amount(MEMORY, threshold),
            format_amount(MEMORY, self.nodes.available(n, mem))
        );
        let w = self.loc(victim.pod)?.w;
        let now = core.now();
        core.recorder_mut().pressure_event(
            now,
            EventKind::Evicted,
            &p,
            Some(NodeId(n as u32)),
            self.wl[w].qos,
            victim.usage,
            &reason,
            cause,
        );
        self.stats.evicted(n, w);
        Some(Eviction {
            pod: victim.pod,
            cause,
        })
    }

    /// Sets or clears MemoryPressure on node `n`, with its NoSchedule taint.
    fn set_pressure(&mut self, core: &mut Core, n: usize, on: bool) {
        self.nodes.pressure[n] = on;
        self.stats.pressure_changed(n, on, core.now().as_millis());
        let now = core.now();
        core.recorder_mut().res.avail.pressure_changed(on, now);
        let node = NodeId(n as u32);
        let key: Sym = self.taint_key;
        if on {
            core.add_taint(
                node,
                Taint {
                    key,
                    value: Sym::EMPTY,
                    effect: TaintEffect::NoSchedule,
                },
            );
        } else if core.remove_taint(node, key, TaintEffect::NoSchedule) {
            core.node_changed(node);
        }
    }
}
