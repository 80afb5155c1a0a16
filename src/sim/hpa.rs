//! HorizontalPodAutoscalers in the run loop: one `HpaSync` event every
//! [`SYNC_PERIOD_MS`](crate::controllers::hpa::SYNC_PERIOD_MS) (the first at 15 s). Each sync
//! groups every HPA's target pods as upstream's `groupPods` does, reads their usage through
//! [`PodUsage`] (the kubelet model), asks `controllers::hpa` for the new replicas and applies
//! them through the workload's controller (`Controllers::scale`). `hpa.csv` rows are taken at
//! metrics samples.
//!
//! How pods are grouped: being deleted → ignored; Pending → unready; Running on a down node
//! (the kubelet cannot be scraped) or for less than one metrics window → missing; otherwise
//! ready, with its usage.

use super::{PodQueue, PodScheduler, Simulation};
use crate::cluster::template::ContainerRole;
use crate::cluster::PodPhase;
use crate::controllers::hpa::{
    HpaSpec, HpaState, MetricError, PodGroup, PodMetric, PodUsage, Proposal, Resource,
    METRIC_WINDOW_MS, SYNC_PERIOD_MS,
};
use crate::controllers::Controllers;
use crate::engine::SimTime;
use crate::kubelet::Kubelet;
use crate::metrics::hpa::{HpaResult, HpaRow, HpaSummary};
use crate::runtime::{Core, Event};

/// The HPAs of a run and what they recorded.
pub(super) struct HpaGlue {
    specs: Vec<HpaSpec>,
    states: Vec<HpaState>,
    /// Per HPA: Σ regular containers' (CPU, memory) requests of one pod.
    requests: Vec<(i64, i64)>,
    /// Per HPA: (CPU, memory) utilisation at the last sync.
    last: Vec<(Option<i32>, Option<i32>)>,
    summaries: Vec<HpaSummary>,
    rows: Vec<HpaRow>,
    /// Scratch (reused every sync).
    cpu: Vec<PodMetric>,
    mem: Vec<PodMetric>,
    proposals: Vec<Result<Proposal, MetricError>>,
}

impl HpaGlue {
    /// The HPAs over `controllers`' workloads; the first sync is scheduled at 15 s.
    pub(super) fn start(
        specs: Vec<HpaSpec>,
        controllers: &Controllers,
        names: &[String],
        core: &mut Core,
        duration_ms: u64,
    ) -> Self {
        let requests = specs
            .iter()
            .map(|h| {
                let tpl = &core.world().templates[controllers.spec(h.workload).template as usize];
                tpl.containers
                    .iter()
                    .filter(|c| c.role == ContainerRole::Regular)
                    .fold((0, 0), |(c, m), k| {
                        (
                            c + k.cpu_request.unwrap_or(0),
                            m + k.mem_request.unwrap_or(0),
                        )
                    })
            })
            .collect();
        let summaries = specs
            .iter()
            .map(|h| {
                let r = controllers.replicas(h.workload).unwrap_or(0);
                HpaSummary {
                    name: h.name.clone(),
                    target: names[h.workload as usize].clone(),
                    min_replicas: h.min.max(0) as u32,
                    max_replicas: h.max.max(0) as u32,
                    min_reached: r,
                    max_reached: r,
                    scale_ups: 0,
                    scale_downs: 0,
                    replicas_at_end: r,
                }
            })
            .collect();
        if SYNC_PERIOD_MS <= duration_ms {
            core.push(SimTime(SYNC_PERIOD_MS), Event::HpaSync);
        }
        HpaGlue {
            states: vec![HpaState::default(); specs.len()],
            last: vec![(None, None); specs.len()],
            specs,
            requests,
            summaries,
            rows: Vec::new(),
            cpu: Vec::new(),
            mem: Vec::new(),
            proposals: Vec::new(),
        }
    }

    /// One sync of every HPA, in scenario order.
    pub(super) fn sync(
        &mut self,
        core: &mut Core,
        controllers: &mut Controllers,
        duration_ms: u64,
    ) {
        let now = core.now().as_millis();
        for i in 0..self.specs.len() {
            let w = self.specs[i].workload;
            let Some(current) = controllers.replicas(w) else {
                continue;
            };
            let usage: Option<&dyn PodUsage> = core.agent_as::<Kubelet>().map(|k| k as _);
            self.group_pods(core, usage, i, now);
            self.proposals.clear();
            let mut last = (None, None);
            for m in &self.specs[i].metrics {
                let pods = match m.resource {
                    Resource::Cpu => &self.cpu,
                    Resource::Memory => &self.mem,
                };
                let p = crate::controllers::hpa::resource_replicas(current as i32, m.target, pods);
                if let Ok(p) = p {
                    match m.resource {
                        Resource::Cpu => last.0 = Some(p.utilization),
                        Resource::Memory => last.1 = Some(p.utilization),
                    }
                }
                self.proposals.push(p);
            }
            self.last[i] = last;
            let new =
                self.states[i].reconcile(&self.specs[i], now, current as i32, &self.proposals);
            if let Some(n) = new {
                let n = n.max(0) as u32;
                let s = &mut self.summaries[i];
                if n > current {
                    s.scale_ups += 1;
                } else {
                    s.scale_downs += 1;
                }
                s.min_reached = s.min_reached.min(n);
                s.max_reached = s.max_reached.max(n);
                controllers.scale(core, w, n);
            }
        }
        let next = now + SYNC_PERIOD_MS;
        if next <= duration_ms {
            core.push(SimTime(next), Event::HpaSync);
        }
    }

    /// Upstream `groupPods` for HPA `i`'s target, into `self.cpu` and `self.mem`.
    fn group_pods(&mut self, core: &Core, usage: Option<&dyn PodUsage>, i: usize, now: u64) {
        let w = self.specs[i].workload;
        let (cpu_req, mem_req) = self.requests[i];
        self.cpu.clear();
        self.mem.clear();
        for (id, p) in core.world().pods.iter() {
            if p.workload != w {
                continue;
            }
            let mut used = (0, 0);
            let group = match p.phase {
                PodPhase::Succeeded | PodPhase::Failed => PodGroup::Ignored,
                _ if core.health().is_terminating(id) => PodGroup::Ignored,
                PodPhase::Pending => PodGroup::Unready,
                PodPhase::Running => {
                    let up = p.node.is_some_and(|n| core.counts_ready(id, n));
                    let fresh = p
                        .started
                        .is_some_and(|t| now < t.as_millis() + METRIC_WINDOW_MS);
                    match usage.and_then(|u| u.pod_usage(id, now)) {
                        Some(u) if up && !fresh => {
                            used = u;
                            PodGroup::Ready
                        }
                        _ => PodGroup::Missing,
                    }
                }
            };
            self.cpu.push(PodMetric {
                group,
                request: cpu_req,
                usage: used.0,
            });
            self.mem.push(PodMetric {
                group,
                request: mem_req,
                usage: used.1,
            });
        }
    }

    /// One `hpa.csv` row per HPA at `at`.
    pub(super) fn sample(&mut self, core: &Core, controllers: &Controllers, at: SimTime) {
        for (i, h) in self.specs.iter().enumerate() {
            let (mut current, mut ready) = (0, 0);
            for (id, p) in core.world().pods.iter() {
                if p.workload != h.workload
                    || !matches!(p.phase, PodPhase::Pending | PodPhase::Running)
                    || core.health().is_terminating(id)
                {
                    continue;
                }
                current += 1;
                if p.phase == PodPhase::Running && p.node.is_some_and(|n| core.counts_ready(id, n))
                {
                    ready += 1;
                }
            }
            let target = |r| h.metrics.iter().find(|m| m.resource == r).map(|m| m.target);
            self.rows.push(HpaRow {
                time_ms: at.as_millis(),
                hpa: i as u32,
                desired: controllers.replicas(h.workload).unwrap_or(0),
                current,
                ready,
                cpu_utilization: self.last[i].0,
                cpu_target: target(Resource::Cpu),
                memory_utilization: self.last[i].1,
                memory_target: target(Resource::Memory),
            });
        }
    }

    /// The rows and summaries at the end of the run.
    pub(super) fn finish(mut self, controllers: &Controllers) -> (HpaResult, Vec<HpaSummary>) {
        for (s, h) in self.summaries.iter_mut().zip(&self.specs) {
            s.replicas_at_end = controllers.replicas(h.workload).unwrap_or(0);
        }
        let result = HpaResult {
            names: self.summaries.iter().map(|s| s.name.clone()).collect(),
            targets: self.summaries.iter().map(|s| s.target.clone()).collect(),
            rows: self.rows,
        };
        (result, self.summaries)
    }
}

impl<S: PodScheduler, Q: PodQueue> Simulation<S, Q> {
    /// Handles `Event::HpaSync`.
    pub(super) fn hpa_sync(&mut self) {
        if let Some(h) = self.hpas.as_mut() {
            h.sync(
                &mut self.core,
                &mut self.controllers,
                self.duration.as_millis(),
            );
        }
    }
}
