//! The service layer in the run: one `ServiceTick` event every [`TICK_MS`] (1 s simulated)
//! while the scenario has services.
//!
//! At each tick the endpoints of every service are its backing workload's Running pods that
//! count as ready (node up, not terminating) and that the kubelet tracks; pods evicted,
//! OOM-killed (in restart back-off), on failed nodes or taken out by their readiness probe
//! are not endpoints. The endpoint sets are kept incrementally: a tick re-evaluates only the
//! pods whose state may have changed since the last one — those the kubelet lists (usage of
//! the first container, start, stop, restart, contention) and those on nodes recorded in
//! `World::node_changes` (node down or up, binds) — so a tick costs the services and the
//! changes, not the fleet's pods (a full scan only at the first tick, or when the change
//! ring overflowed). [`ServiceRuntime::step`] turns them into traffic; its CPU demand goes
//! into the kubelet's usage model (so traffic drives throttling, contention and node
//! pressure), and liveness/startup failures restart containers through the kubelet's
//! back-off (CrashLoopBackOff). Service overloads, retry storms and breaker openings are
//! effects in the causality log ([`super::service_causes`]), recorded before the tick's probe
//! restarts: a probe restart's parent is its service's active overload, else the latest
//! effect of the last ten minutes on a pod of the same workload (a displaced or restarted
//! sibling) or on a node where the service lost an endpoint (a node failure): the capacity
//! loss that overloaded it; without one it is a root of its own.

use std::collections::BTreeMap;

use crate::cluster::{PodId, PodPhase};
use crate::engine::SimTime;
use crate::metrics::services::{CallInfo, CallRow, ServiceRow, ServiceSummary, ServicesResult};
use crate::services::{
    BreakerState, CallMode, Endpoint, ProbeKind, ServiceRuntime, ServicesSetup, TICK_MS,
};

use super::service_causes::{capacity_loss, ServiceCauses, CAUSE_WINDOW_MS};
use crate::kubelet::Kubelet;
use crate::runtime::{Core, Event};

/// The service layer of a run.
pub struct ServiceGlue {
    rt: ServiceRuntime,
    /// Per workload, the services it backs.
    by_workload: Vec<Vec<usize>>,
    /// Current endpoints: pod key → (workload, node, endpoint state).
    members: BTreeMap<u64, (u32, u32, Endpoint)>,
    /// Cursor into `World::node_changes` (None: the next tick scans every pod).
    node_cursor: Option<u64>,
    /// Scratch: pods to re-evaluate, endpoints lost this tick (service, key, node).
    cands: Vec<PodId>,
    gone: Vec<(usize, u64, u32)>,
    /// Per service, nodes on which it lost an endpoint without a probe restart, with when.
    lost: Vec<Vec<(u32, u64)>>,
    /// Active service-level effects (causality).
    causes: ServiceCauses,
    metrics_interval_ms: u64,
    next_sample_ms: u64,
    duration_ms: u64,
    result: ServicesResult,
}

fn key(pod: PodId) -> u64 {
    (u64::from(pod.gen) << 32) | u64::from(pod.index)
}

fn pod_of(key: u64) -> PodId {
    PodId {
        index: key as u32,
        gen: (key >> 32) as u32,
    }
}

impl ServiceGlue {
    /// The layer for `setup` in a run of `workloads` workloads; schedules the first tick.
    pub fn start(
        setup: ServicesSetup,
        workloads: usize,
        metrics_interval_ms: u64,
        duration_ms: u64,
        core: &mut Core,
    ) -> ServiceGlue {
        let mut by_workload = vec![Vec::new(); workloads];
        for (s, svc) in setup.services.iter().enumerate() {
            if let Some(list) = by_workload.get_mut(svc.workload as usize) {
                list.push(s);
            }
        }
        let n = setup.services.len();
        let calls = setup
            .graph
            .calls
            .iter()
            .map(|c| CallInfo {
                from: c.from as u32,
                to: c.to as u32,
                queue: matches!(c.mode, CallMode::Queue { .. }),
            })
            .collect();
        if TICK_MS <= duration_ms {
            core.push(SimTime(TICK_MS), Event::ServiceTick);
        }
        let names: Vec<String> = setup
            .graph
            .services
            .iter()
            .map(|s| s.name.clone())
            .collect();
        let call_names = setup
            .graph
            .calls
            .iter()
            .map(|c| format!("{}->{}", names[c.from], names[c.to]))
            .collect();
        let causes = ServiceCauses::new(n, setup.graph.calls.len());
        core.recorder_mut()
            .set_service_names(names.clone(), call_names);
        core.with_agent_as(|k: &mut Kubelet, _| {
            for (w, s) in by_workload.iter().enumerate() {
                if !s.is_empty() {
                    k.watch_endpoints(w);
                }
            }
        });
        ServiceGlue {
            rt: ServiceRuntime::new(setup),
            by_workload,
            members: BTreeMap::new(),
            node_cursor: None,
            cands: Vec::new(),
            gone: Vec::new(),
            lost: vec![Vec::new(); n],
            causes,
            metrics_interval_ms,
            next_sample_ms: metrics_interval_ms,
            duration_ms,
            result: ServicesResult {
                names,
                rows: Vec::new(),
                calls,
                call_rows: Vec::new(),
            },
        }
    }

    /// The pods whose endpoint state may have changed since the last tick, sorted, no
    /// repeats (every current endpoint and every Running pod of a service at the first tick).
    fn candidates(&mut self, core: &mut Core) {
        self.cands.clear();
        if let Some(k) = core.agent_as_mut::<Kubelet>() {
            k.take_endpoint_changes(&mut self.cands);
        }
        let total = core.world().node_changes.total();
        let changed = self
            .node_cursor
            .and_then(|c| core.world().node_changes.since(c))
            .map(|it| it.collect::<Vec<_>>());
        match changed {
            Some(nodes) => {
                for n in nodes {
                    let pods = &core.world().pods_on_node[n.ix()];
                    self.cands.extend(pods.iter().copied().filter(|&id| {
                        core.world().pods.get(id).is_some_and(|p| {
                            self.by_workload
                                .get(p.workload as usize)
                                .is_some_and(|s| !s.is_empty())
                        })
                    }));
                }
            }
            None => {
                self.cands.extend(self.members.keys().map(|&k| pod_of(k)));
                for (id, p) in core.world().pods.iter() {
                    if p.phase == PodPhase::Running
                        && self
                            .by_workload
                            .get(p.workload as usize)
                            .is_some_and(|s| !s.is_empty())
                    {
                        self.cands.push(id);
                    }
                }
            }
        }
        self.node_cursor = Some(total);
        self.cands.sort_unstable_by_key(|&id| key(id));
        self.cands.dedup();
    }

    /// `pod` as an endpoint now: (workload, node, state), or None.
    fn endpoint_of(&self, core: &Core, id: PodId) -> Option<(u32, u32, Endpoint)> {
        let p = core.world().pods.get(id)?;
        let (PodPhase::Running, Some(node)) = (p.phase, p.node) else {
            return None;
        };
        let services = self.by_workload.get(p.workload as usize)?;
        if services.is_empty() || !core.counts_ready(id, node) {
            return None;
        }
        let state = core
            .agent_as::<Kubelet>()
            .and_then(|k| k.endpoint_state(id));
        let ep = match state {
            Some(s) => Endpoint {
                pod: key(id),
                alive: s.alive,
                started_ms: s.started_ms,
                cpu_ceiling: s.cpu_ceiling,
            },
            None => Endpoint {
                pod: key(id),
                alive: true,
                started_ms: p.started.map_or(0, |t| t.as_millis()),
                cpu_ceiling: f64::INFINITY,
            },
        };
        Some((p.workload, node.0, ep))
    }

    /// One service tick: endpoint changes → step → CPU demand and probe restarts; the next
    /// tick.
    pub fn tick(&mut self, core: &mut Core) {
        let now = core.now().as_millis();
        self.candidates(core);
        self.gone.clear();
        for i in 0..self.cands.len() {
            let id = self.cands[i];
            let k = key(id);
            let now_ep = self.endpoint_of(core, id);
            match (self.members.get(&k).copied(), now_ep) {
                (None, None) => {}
                (Some((w, node, _)), None) => {
                    self.members.remove(&k);
                    for &s in &self.by_workload[w as usize] {
                        self.rt.remove_endpoint(s, k);
                        self.gone.push((s, k, node));
                    }
                }
                (_, Some(m)) => {
                    self.members.insert(k, m);
                    for &s in &self.by_workload[m.0 as usize] {
                        self.rt.set_endpoint(s, m.2);
                    }
                }
            }
        }
        self.track_losses(now);
        self.rt.advance(now);
        self.causes.record(core, &self.rt, &self.lost);
        let (rt, lost, causes) = (&self.rt, &self.lost, &self.causes);
        core.with_agent_as(|k: &mut Kubelet, core| {
            for d in &rt.decisions {
                k.set_service_cpu(core, pod_of(d.pod), d.cpu);
            }
            k.services_applied(core);
            for i in 0..rt.decisions.len() {
                let d = rt.decisions[i];
                let Some(kind) = d.restart else { continue };
                let pod = pod_of(d.pod);
                let s = d.service as usize;
                let parent = causes
                    .overload_effect(s)
                    .unwrap_or_else(|| capacity_loss(core, rt, lost, s));
                let probe = match kind {
                    ProbeKind::Startup => "startup",
                    _ => "liveness",
                };
                k.probe_restart(core, pod, probe, parent);
            }
        });
        if self.metrics_interval_ms > 0 && now >= self.next_sample_ms {
            self.sample(now);
            while self.next_sample_ms <= now {
                self.next_sample_ms += self.metrics_interval_ms;
            }
        }
        if now + TICK_MS <= self.duration_ms {
            core.push(SimTime(now + TICK_MS), Event::ServiceTick);
        }
    }

    /// Records the nodes of endpoints gone since the last tick (a node failure, an eviction:
    /// capacity lost), in pod order per service, forgetting those older than the cause
    /// window.
    fn track_losses(&mut self, now: u64) {
        self.gone.sort_unstable();
        for &(s, _, node) in &self.gone {
            self.lost[s].push((node, now));
        }
        for lost in &mut self.lost {
            lost.retain(|l| l.1 + CAUSE_WINDOW_MS >= now);
        }
    }

    fn sample(&mut self, now: u64) {
        for (s, st) in self.rt.status.iter().enumerate() {
            self.result.rows.push(ServiceRow {
                time_ms: now,
                service: s as u32,
                offered: st.flow.offered,
                served: st.flow.served,
                failed: st.flow.failed,
                retries: st.retries,
                p50_s: st.p50_s,
                p99_s: st.flow.p99_latency_s,
                ready: st.ready,
                breakers_open: st.breakers_open,
                breakers_half_open: st.breakers_half_open,
                queue_backlog: st.queue_backlog,
                queue_oldest_s: st.queue_oldest_s,
            });
        }
        for (c, f) in self.rt.flows().calls.iter().enumerate() {
            let breaker = match self.rt.breaker_state(c) {
                None => "none",
                Some(BreakerState::Open { .. }) => "open",
                Some(BreakerState::HalfOpen) => "half-open",
                Some(_) => "closed",
            };
            self.result.call_rows.push(CallRow {
                time_ms: now,
                call: c as u32,
                calls: if f.published > 0.0 {
                    f.published
                } else {
                    f.calls
                },
                attempts: f.attempts,
                failed: f.failed,
                breaker,
                queue_backlog: self.rt.queue(c).map_or(0.0, |q| q.backlog()),
            });
        }
    }

    /// Before the recorder finishes: hands it the services' overload episodes (cascades'
    /// peak error rates and recovery).
    pub fn close_episodes(&mut self, core: &mut Core) {
        self.causes.finish(core, &self.rt);
    }

    /// End of the run at `end_ms`: `services.csv` rows and the per-service summary.
    pub fn finish(mut self, end_ms: u64) -> (ServicesResult, Vec<ServiceSummary>) {
        if self.result.rows.last().is_none_or(|r| r.time_ms < end_ms) {
            self.sample(end_ms);
        }
        let summary = self
            .rt
            .totals
            .iter()
            .zip(&self.result.names)
            .zip(&self.rt.sli)
            .map(|((t, name), sli)| ServiceSummary {
                name: name.clone(),
                requests: round3(t.requests),
                failed: round3(t.failed),
                availability: round6(t.availability()),
                peak_error_rate: round6(t.peak_error_rate),
                probe_restarts: t.probe_restarts,
                readiness_removals: t.unready,
                peak_queue_backlog: round3(t.peak_backlog),
                queue_drain_s: round3(t.drain_s),
                p50_latency_s: sli.quantile_s(0.5).map(round6),
                p95_latency_s: sli.quantile_s(0.95).map(round6),
                p99_latency_s: sli.quantile_s(0.99).map(round6),
                worst_error_rate_5m: round6(sli.worst_error_rate(0)),
                worst_error_rate_1h: round6(sli.worst_error_rate(1)),
                error_budget: None,
            })
            .collect();
        (self.result, summary)
    }
}

fn round3(v: f64) -> f64 {
    (v * 1e3).round() / 1e3
}

fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}
