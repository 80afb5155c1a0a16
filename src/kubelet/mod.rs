//! The kubelet model: what pods actually use, and what a node does about it.
//!
//! Requests decide placement; usage decides whether nodes survive. Each running container has
//! a CPU and memory *level* drawn when it starts, scaled by its workload's load factor (a daily
//! curve times spikes) and by noise redrawn every `interval`, plus an optional linear memory
//! leak. From these the node totals are kept incrementally (deltas, never a scan of all pods):
//!
//! * CPU above a container's limit is throttled; node demand above allocatable is contention.
//!   Both are integrated over time. CPU never kills.
//! * Memory above a container's limit OOM-kills the container; it restarts in place after the
//!   kubelet's back-off (at once after the first kill, then 10 s doubling to 300 s), so
//!   repeated kills are a CrashLoopBackOff.
//! * Node allocatable is enforced on pods (upstream default `--enforce-node-allocatable=pods`):
//!   `memory.available` (system daemons assumed to use exactly their reservation) and
//!   `allocatableMemory.available` are both allocatable − pods' working set; below the eviction
//!   threshold the node gets MemoryPressure (and the `node.kubernetes.io/memory-pressure:
//!   NoSchedule` taint) and the kubelet evicts one pod per housekeeping interval in upstream
//!   order. Pods' usage above allocatable (the `kubepods` cgroup limit) before the kubelet
//!   catches up is a kernel OOM kill of the container with the highest `oom_badness`
//!   (usage + `oom_score_adj`·limit/1000).
//!
//! Event-driven throughout: a node's signals are evaluated when its usage changes; the 10 s
//! housekeeping loop runs only for nodes under (or about to be under) pressure; a leak's limit
//! or threshold crossing is computed exactly and scheduled as one event. Time-dependent leak
//! memory is kept as exact integers: `bytes = floor((rate_per_day·t − offset) / DAY_MS)`.
//!
//! Randomness: stream `"usage/<workload>"` (levels, noise) and `"usage/<workload>/spikes"`,
//! so a run without `usage:` draws nothing new and one workload's usage never shifts another's.
//!
//! Architecture invariant: the kubelet changes pods only through [`crate::runtime::Core`]
//! (evictions go back to the run loop, which removes the pod through the controllers).

pub mod backoff;
mod check;
pub mod config;
pub mod cpu;
mod node;
mod oom;
pub mod profile;
pub mod qos;
pub mod rank;
mod services;
mod state;
mod stats;
mod usage;

pub use config::PressureConfig;

use self::config::{KubeletConfig, Spikes};
use self::node::NodeCols;
use self::profile::{LevelSampler, NoiseTable};
pub(crate) use self::state::{Ctr, CtrRt, Loc, PodRec, SlotRef, WorkloadRt};
use self::stats::Stats;
use crate::cluster::{NodeId, PodId, Sym, World, CPU, MEMORY};
use crate::controllers::WorkloadSpec;
use crate::engine::RngStreams;
use crate::metrics::{NodeRow, PressureSample, PressureSummary};
use crate::runtime::{Core, KubeletEvent, SetupError};

/// No pending event.
pub(crate) const NEVER: u64 = u64::MAX;

/// Taint key of the MemoryPressure condition.
pub const MEMORY_PRESSURE_TAINT: &str = "node.kubernetes.io/memory-pressure";

/// A pod the kubelet decided to evict; the run loop removes it through its controller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Eviction {
    /// The pod.
    pub pod: PodId,
    /// Cause id carried by the eviction (inherited by the replacement).
    pub cause: u64,
}

/// What a kubelet event asks of other subsystems; the run loop carries it out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KubeletAction {
    /// Evict a pod through its controller.
    Evict(Eviction),
    /// A container of `pod` restarted in place; `restarts` sums its containers' restarts so
    /// far (its Job controller checks `backoffLimit`).
    Restarted {
        /// The pod.
        pod: PodId,
        /// Container restarts of the pod so far.
        restarts: u32,
    },
    /// A pod with `restartPolicy: Never` lost a container to an OOM kill: it fails
    /// (`OOMKilled`) through its controller.
    FailPod {
        /// The pod.
        pod: PodId,
        /// Cause id of the kill (inherited by the replacement).
        cause: u64,
    },
    /// The node stayed over capacity for too long: it fails (fault application).
    NodeOverloaded(NodeId),
    /// A container of a pod with `restartPolicy: Never` failed while another still runs:
    /// the pod stays Running and fails (not succeeds) when it ends.
    ContainerFailed {
        /// The pod.
        pod: PodId,
        /// Cause id of the kill.
        cause: u64,
    },
}

impl crate::controllers::hpa::PodUsage for Kubelet {
    fn pod_usage(&self, pod: PodId, now_ms: u64) -> Option<(i64, i64)> {
        Kubelet::pod_usage(self, pod, now_ms)
    }
}

/// The kubelets of every node, plus the usage model of every workload.
pub struct Kubelet {
    cfg: KubeletConfig,
    wl: Vec<WorkloadRt>,
    /// Per pod slot.
    slots: Vec<SlotRef>,
    nodes: NodeCols,
    stats: Stats,
    touched: Vec<u32>,
    stamp: Vec<bool>,
    taint_key: Sym,
    /// Scratch buffers of the per-node CPU split (reused: no allocation per evaluation).
    split: cpu::SplitScratch,
    /// Workloads ticking together, by leader (the lowest id of each interval group).
    tick_groups: Vec<Vec<usize>>,
    /// End of the run: leak crossings after it are not scheduled.
    pub(crate) horizon_ms: u64,
    /// Overload-induced node failure after this long over capacity (None: off).
    pub(crate) overload_after_ms: Option<u64>,
    /// Per workload: its pods have `restartPolicy: Never` (a dead container fails the pod).
    pub(crate) never_restart: Vec<bool>,
    /// Per workload: a service watches its pods' endpoint state ([`Kubelet::watch_endpoints`]).
    pub(crate) svc_watch: Vec<bool>,
    /// Watched pods whose endpoint state may have changed since the service layer last asked.
    pub(crate) svc_dirty: Vec<PodId>,
}

impl Kubelet {
    /// The model for `world` (nodes and templates final) and `specs` (by `WorkloadId`), for a
    /// run ending at `horizon_ms` (exact leak crossings after it are not scheduled).
    pub fn new(
        cfg: &PressureConfig,
        world: &mut World,
        specs: &[WorkloadSpec],
        streams: &RngStreams,
        horizon_ms: u64,
    ) -> Result<Self, SetupError> {
        if cfg.workloads.len() != specs.len() {
            return Err(SetupError::InconsistentWorld(format!(
                "usage for {} workloads, {} workloads",
                cfg.workloads.len(),
                specs.len()
            )));
        }
        let mut wl = Vec::with_capacity(specs.len());
        for (spec, u) in specs.iter().zip(&cfg.workloads) {
            let tpl = &world.templates[spec.template as usize];
            let err = |m: String| SetupError::InvalidDistribution {
                owner: format!("workload `{}`", spec.name),
                what: "usage",
                message: m,
            };
            let mut ctrs = Vec::new();
            for c in &u.containers {
                let Some(ts) = tpl.containers.get(c.index) else {
                    return Err(err(format!("container {} does not exist", c.index)));
                };
                ctrs.push(CtrRt {
                    tpl_index: c.index,
                    cpu: LevelSampler::new(&c.cpu).map_err(err)?,
                    mem: LevelSampler::new(&c.mem).map_err(err)?,
                    leak: c.leak_per_day.max(0),
                    cpu_limit: ts.cpu_limit.filter(|l| *l > 0),
                    mem_limit: ts.mem_limit.filter(|l| *l > 0),
                });
            }
            let noise = |s: f64| (s > 0.0).then(|| NoiseTable::new(s));
            wl.push(WorkloadRt {
                nc: ctrs.len(),
                pods: Vec::new(),
                pods_ctrs: Vec::new(),
                ctrs,
                rng: streams.stream(&format!("usage/{}", spec.name)),
                spike_rng: streams.stream(&format!("usage/{}/spikes", spec.name)),
                cpu_noise: noise(u.noise_cpu_sigma),
                mem_noise: noise(u.noise_mem_sigma),
                cfg: u.clone(),
                next_spike: 0,
                spikes_on: 0,
                diurnal: 1.0,
                factor: 1.0,
                template: spec.template,
                qos: tpl.qos,
                priority: tpl.priority,
                mem_request: tpl.requests[MEMORY],
                cpu_request: tpl.requests[CPU],
            });
        }
        let n = world.nodes.len();
        let taint_key = world.interner.intern(MEMORY_PRESSURE_TAINT);
        let nodes = NodeCols::new(world, &cfg.kubelet);
        let stats = Stats::new(world, wl.len());
        Ok(Kubelet {
            cfg: cfg.kubelet.clone(),
            wl,
            slots: Vec::new(),
            nodes,
            stats,
            touched: Vec::new(),
            stamp: vec![false; n],
            taint_key,
            split: cpu::SplitScratch::default(),
            tick_groups: Vec::new(),
            horizon_ms,
            overload_after_ms: None,
            never_restart: specs
                .iter()
                .map(|s| {
                    matches!(s.kind, crate::controllers::WorkloadKind::Job { .. })
                        && s.job.restart == crate::controllers::JobRestartPolicy::Never
                })
                .collect(),
            svc_watch: vec![false; specs.len()],
            svc_dirty: Vec::new(),
        })
    }

    /// Time zero: the first usage tick and spike of every workload.
    /// Workloads with the same `interval` tick in one event (one evaluation of the touched
    /// nodes for all of them, as their usage changes at the same instant).
    pub fn start(&mut self, core: &mut Core) {
        let now = core.now().as_millis();
        self.tick_groups = vec![Vec::new(); self.wl.len()];
        let mut leader_of: std::collections::BTreeMap<u64, usize> =
            std::collections::BTreeMap::new();
        for w in 0..self.wl.len() {
            let rt = &mut self.wl[w];
            rt.diurnal = rt.cfg.diurnal.map_or(1.0, |d| d.factor(now));
            rt.factor = rt.diurnal;
            if rt.cfg.ticks() && rt.cfg.interval_ms > 0 {
                let leader = *leader_of.entry(rt.cfg.interval_ms).or_insert(w);
                if leader == w {
                    core.push(
                        core.now().plus_millis(rt.cfg.interval_ms),
                        KubeletEvent::UsageTick { workload: w as u32 },
                    );
                }
                self.tick_groups[leader].push(w);
            }
            self.schedule_next_spike(core, w);
        }
    }

    fn schedule_next_spike(&mut self, core: &mut Core, w: usize) {
        use rand_distr::Distribution;
        let rt = &mut self.wl[w];
        let Some(Spikes { arrivals, .. }) = &rt.cfg.spikes else {
            return;
        };
        let now = core.now().as_millis();
        let at = match arrivals {
            config::SpikeArrivals::Poisson(per_ms) => {
                let Ok(exp) = rand_distr::Exp::new(*per_ms) else {
                    return;
                };
                let gap: f64 = exp.sample(&mut rt.spike_rng);
                if !gap.is_finite() {
                    return;
                }
                now.saturating_add(gap.round().max(1.0) as u64)
            }
            config::SpikeArrivals::At(times) => {
                let Some(&t) = times.get(rt.next_spike) else {
                    return;
                };
                rt.next_spike += 1;
                t.max(now)
            }
        };
        core.push(
            crate::engine::SimTime(at),
            KubeletEvent::UsageSpike {
                workload: w as u32,
                start: true,
            },
        );
    }

    /// Handles a kubelet event; what it asks of other subsystems is returned for the run loop
    /// to carry out. The usage statistics advance to now for the usage and container events
    /// (not for the two that only decide: `ContainerFailed`, `OverloadCheck`).
    pub fn handle(&mut self, core: &mut Core, event: KubeletEvent) -> Option<KubeletAction> {
        match event {
            KubeletEvent::ContainerFailed { pod, cause } => {
                // Upstream `getPhase` (pkg/kubelet/kubelet_pods.go): under `Never` the pod
                // stays Running while a container runs, and is Failed once all have
                // terminated with one failed.
                let running = self
                    .loc(pod)
                    .is_some_and(|l| (0..self.wl[l.w].nc).any(|k| self.ctr(l, k).alive));
                return Some(if running {
                    KubeletAction::ContainerFailed { pod, cause }
                } else {
                    KubeletAction::FailPod { pod, cause }
                });
            }
            KubeletEvent::OverloadCheck { node, since_ms } => {
                return self
                    .overload_check(node.ix(), since_ms)
                    .then_some(KubeletAction::NodeOverloaded(node));
            }
            KubeletEvent::UsageTick { workload } => {
                self.stats.advance(core.now().as_millis());
                for i in 0..self.tick_groups[workload as usize].len() {
                    let w = self.tick_groups[workload as usize][i];
                    self.on_tick(core, w);
                }
                self.flush(core);
                let iv = self.wl[workload as usize].cfg.interval_ms;
                core.push(core.now().plus_millis(iv), event);
            }
            KubeletEvent::UsageSpike { workload, start } => {
                self.stats.advance(core.now().as_millis());
                let w = workload as usize;
                if start {
                    self.wl[w].spikes_on += 1;
                    let d = self.wl[w].cfg.spikes.as_ref().map_or(0, |s| s.duration_ms);
                    core.push(
                        core.now().plus_millis(d),
                        KubeletEvent::UsageSpike {
                            workload,
                            start: false,
                        },
                    );
                    self.schedule_next_spike(core, w);
                } else {
                    self.wl[w].spikes_on = self.wl[w].spikes_on.saturating_sub(1);
                }
                self.refactor(core, w);
            }
            KubeletEvent::ContainerRestart { pod, container } => {
                self.stats.advance(core.now().as_millis());
                self.on_restart(core, pod, container as usize);
                let restarts = (0..).map_while(|c| self.restarts(pod, c)).sum();
                return Some(KubeletAction::Restarted { pod, restarts });
            }
            KubeletEvent::LeakCheck { pod } => {
                self.stats.advance(core.now().as_millis());
                self.on_leak_check(core, pod);
            }
            KubeletEvent::NodeCheck { node } => {
                self.stats.advance(core.now().as_millis());
                self.on_node_check(core, node.ix());
            }
            KubeletEvent::KubeletSync { node } => {
                self.stats.advance(core.now().as_millis());
                return self.on_sync(core, node.ix()).map(KubeletAction::Evict);
            }
        }
        None
    }

    /// Turns overload-induced node failure on (after `after_ms` over capacity) or off.
    pub fn set_overload_failure(&mut self, after_ms: Option<u64>) {
        self.overload_after_ms = after_ms;
    }

    /// A pod became Running on its node: its containers start.
    pub fn pod_started(&mut self, core: &mut Core, pod: PodId) {
        self.stats.advance(core.now().as_millis());
        self.start_pod(core, pod);
    }

    /// A Running pod stopped (terminated or deleted): its usage leaves the node.
    pub fn pod_stopped(&mut self, core: &mut Core, pod: PodId) {
        self.stats.advance(core.now().as_millis());
        self.stop_pod(core, pod);
    }

    /// The pressure columns of a time-series row at `now` (starts a new interval).
    pub fn sample(&mut self, core: &Core) -> PressureSample {
        let now = core.now().as_millis();
        self.stats.advance(now);
        self.stats.sample(now, &self.nodes)
    }

    /// End of run: totals and `nodes.csv` rows.
    pub fn finish(
        &mut self,
        world: &World,
        names: &[String],
        end_ms: u64,
    ) -> (PressureSummary, Vec<NodeRow>) {
        self.stats.advance(end_ms);
        for n in 0..self.nodes.len() {
            let mem = self.nodes.mem_at(n, end_ms);
            self.stats.peak(n, mem, self.nodes.cpu[n]);
        }
        self.stats.finish(world, names, &self.nodes, end_ms)
    }

    /// Node `node` was just added to `world`: its columns and sums start at zero.
    pub fn node_added(&mut self, world: &World, node: NodeId) {
        self.nodes.push(world, &self.cfg, node);
        self.stats.push_node(world, node);
        self.stamp.push(false);
    }

    /// What each workload's pods used over the run (by `WorkloadId`), at `end_ms`.
    pub fn workload_used(&mut self, end_ms: u64) -> Vec<crate::metrics::WorkloadUsed> {
        self.stats.advance(end_ms);
        (0..self.wl.len())
            .map(|w| self.stats.workload_used(w, end_ms))
            .collect()
    }

    /// Node `node` was removed (its pods are deleted by the caller): it leaves the node
    /// percentiles; its `nodes.csv` row stays.
    pub fn node_removed(&mut self, node: NodeId) {
        self.nodes.removed.resize(self.nodes.len(), false);
        self.nodes.removed[node.ix()] = true;
    }

    /// Memory working set of `node` now, bytes.
    pub fn node_memory(&self, node: NodeId, now_ms: u64) -> i64 {
        self.nodes.mem_at(node.ix(), now_ms)
    }

    /// Whether `node` has the MemoryPressure condition.
    pub fn memory_pressure(&self, node: NodeId) -> bool {
        self.nodes.pressure[node.ix()]
    }

    /// Restarts of container slot `k` of a running `pod` so far (None if not tracked).
    pub fn restarts(&self, pod: PodId, k: usize) -> Option<u32> {
        let l = self.loc(pod)?;
        (k < self.wl[l.w].nc).then(|| self.ctr(l, k).restarts)
    }

    /// CPU a running pod gets (its demand after throttling less its share of contention,
    /// millicores) and its memory working set at `now_ms` (bytes, leak included).
    pub fn pod_usage(&self, pod: PodId, now_ms: u64) -> Option<(i64, i64)> {
        let r = self.rec(self.loc(pod)?);
        let leak = ((i128::from(r.rate) * i128::from(now_ms) - r.off) / i128::from(config::DAY_MS))
            .max(0) as i64;
        Some(((r.cpu - r.con).max(0), r.mem + leak))
    }

    /// Checks that every node total equals the sum over its running pods, and every pod
    /// total the sum over its live containers (a full scan: tests only).
    pub fn check_consistency(&self, world: &World, running: usize) -> Result<(), String> {
        self.check_totals(world, running)
    }

    /// Where the usage of running `pod` lives (None if it is not tracked).
    #[inline]
    pub(crate) fn loc(&self, pod: PodId) -> Option<Loc> {
        self.slots
            .get(pod.index as usize)
            .filter(|r| r.live && r.id == pod)
            .map(|r| Loc {
                w: r.w as usize,
                pos: r.pos as usize,
            })
    }

    /// The usage totals of the pod at `l`.
    #[inline]
    pub(crate) fn rec(&self, l: Loc) -> &PodRec {
        &self.wl[l.w].pods[l.pos]
    }

    /// Container `k` of the pod at `l`.
    #[inline]
    /// Under `restartPolicy: Never`, container `k` of the pod at `l` just died and will not
    /// restart: while another container runs it is terminated for good (out of back-off, its
    /// node-OOM demand released); a pod with none running fails at once and is cleaned up as
    /// it stops.
    pub(crate) fn terminate_for_good(&mut self, l: Loc, k: usize) {
        let nc = self.wl[l.w].nc;
        if !(0..nc).any(|j| j != k && self.ctr(l, j).alive) {
            return;
        }
        let i = l.pos * nc + k;
        let c = &mut self.wl[l.w].pods_ctrs[i];
        c.terminated = true;
        let killed = std::mem::take(&mut c.killed_mem);
        if killed != 0 {
            let n = self.rec(l).node as usize;
            self.nodes.killed_demand[n] -= killed;
        }
        self.stats.crashloop_left();
    }

    pub(crate) fn ctr(&self, l: Loc, k: usize) -> &Ctr {
        let w = &self.wl[l.w];
        &w.pods_ctrs[l.pos * w.nc + k]
    }

    /// Marks node `n` for evaluation at the end of the current batch.
    fn touch(&mut self, n: u32) {
        if !self.stamp[n as usize] {
            self.stamp[n as usize] = true;
            self.touched.push(n);
        }
    }

    /// Evaluates every node touched since the last flush.
    fn flush(&mut self, core: &mut Core) {
        while let Some(n) = self.touched.pop() {
            self.stamp[n as usize] = false;
            self.eval_node(core, n as usize);
        }
    }
}

impl crate::runtime::NodeAgent for Kubelet {
    fn pod_started(&mut self, core: &mut Core, pod: PodId) {
        Kubelet::pod_started(self, core, pod)
    }

    fn pod_stopped(&mut self, core: &mut Core, pod: PodId) {
        Kubelet::pod_stopped(self, core, pod)
    }

    fn node_added(&mut self, world: &World, node: NodeId) {
        Kubelet::node_added(self, world, node)
    }

    fn node_removed(&mut self, node: NodeId) {
        Kubelet::node_removed(self, node)
    }
}

impl crate::metrics::NodeUsage for Kubelet {
    fn node_memory(&self, node: NodeId, now_ms: u64) -> i64 {
        Kubelet::node_memory(self, node, now_ms)
    }

    fn memory_pressure(&self, node: NodeId) -> bool {
        Kubelet::memory_pressure(self, node)
    }
}
